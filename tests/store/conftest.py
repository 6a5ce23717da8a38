"""The store's tests run on every recorder: SQLite's and PostgreSQL's own (with their fast paths,
as the environment's switch has them), and the plain reference recorder on each database
(``DUBAN_FAST_PATHS=0`` for the test)."""
from __future__ import annotations

import pytest

from tests.conftest import _clean_pg

RECORDERS = ["sqlite", "postgresql", "plain-sqlite", "plain-postgresql"]


@pytest.fixture(params=RECORDERS)
def database_url(request, tmp_path, monkeypatch):
    database = request.param
    if database.startswith("plain-"):
        monkeypatch.setenv("DUBAN_FAST_PATHS", "0")  # read when a store is made
        database = database[len("plain-"):]
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / 'duban.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database")
        _clean_pg(url)
        yield url
