"""A real streaming replica of the test server (``./dev test`` starts one on 127.0.0.1:5433).

The tests that read it skip, saying why, when it does not answer, except under CI (CI=true),
where a missing replica is a failure: ``.ci/run`` starts it through ``./dev test``.
"""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, text

from app import create_app, schema
from tests.conftest import IN_CI

REPLICA_URL = os.environ.get("TEST_REPLICA_URL", "postgresql+psycopg://postgres@127.0.0.1:5433/test")
NO_SQLITE_REPLICA = ("SQLite has no streaming replication: DATABASE_READ_URL names a PostgreSQL "
                     "replica of a PostgreSQL primary (the other tests here run on both)")


def _replica_missing() -> str | None:
    try:
        eng = create_engine(REPLICA_URL)
        with eng.connect() as c:
            standby = c.execute(text("select pg_is_in_recovery()")).scalar()
        eng.dispose()
    except Exception as exc:  # any failure to connect means: no replica here
        return f"no PostgreSQL replica at {REPLICA_URL} (./dev test starts one): {exc.__class__.__name__}"
    return None if standby else f"{REPLICA_URL} is not a streaming replica"


@pytest.fixture
def replica_url(database_url) -> str:
    """The replica's URL of this test's database, once the replica holds its tables."""
    if database_url.startswith("sqlite"):
        pytest.skip(NO_SQLITE_REPLICA)
    reason = _replica_missing()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (CI=true: the replica tests must run)")
        pytest.skip(reason)
    url = REPLICA_URL.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1]
    eng = create_engine(url)
    deadline = time.monotonic() + 30
    try:
        while True:  # the database was created on the primary moments ago
            try:
                with eng.connect() as c:
                    c.execute(text("select count(*) from events"))
                return url
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        eng.dispose()


def app_reading(database_url: str, read_url: str, clock, tmp_path, wait_ms: float = 5000):
    app = create_app({"DATABASE_URL": database_url, "DATABASE_READ_URL": read_url,
                      "READ_REPLICA_WAIT_MS": wait_ms, "TESTING": True,
                      "SECRET_KEY": "test-secret", "CLOCK": clock,
                      "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key.pem")})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    return app


@pytest.fixture
def replica_app(database_url, replica_url, clock, tmp_path):
    app = app_reading(database_url, replica_url, clock, tmp_path)
    yield app
    svc = app.extensions["duban"]
    svc.replica.dispose()
    svc.engine.dispose()
