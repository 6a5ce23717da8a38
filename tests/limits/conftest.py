"""A small district for the limits tests: two units, a project, one user per role we need."""
from __future__ import annotations

import pytest

from app.domain.actors import SYSTEM
from tests.conftest import make_user, token_for


def event_count(svc) -> int:
    return len(list(svc.store.read_all()))


@pytest.fixture
def svc(app):
    s = app.extensions["duban"]
    run = lambda name, body: s.bus.execute(name, body, SYSTEM)  # noqa: E731
    run("register_unit", {"code": "U01", "name": "城南镇", "kind": "township"})
    run("register_project", {"code": "XM001", "name": "城南污水处理厂", "category": "district",
                             "stage": "continuing", "owner_unit": "U01", "responsible_unit": "U01",
                             "total_investment": 1000, "date": "2026-01-05"})
    make_user(s, "disp", "dispatcher")
    make_user(s, "rep", "unit_reporter", unit="U01")
    make_user(s, "insp", "inspector")
    return s


@pytest.fixture
def auth(client, svc):
    return token_for(client, "disp")
