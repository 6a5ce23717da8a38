"""Fixtures of the staff UI tests (every test runs on SQLite and on PostgreSQL)."""
from __future__ import annotations

import pytest

from tests.admin.ui import UI, setup_district


@pytest.fixture
def svc(app):
    return app.extensions["duban"]


@pytest.fixture
def district(svc):
    setup_district(svc)
    return svc


@pytest.fixture
def ui(client, district):
    return UI(client)


@pytest.fixture
def other(app, district):
    """A second browser (another person), with its own session."""
    return UI(app.test_client())
