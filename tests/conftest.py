"""Fixtures: every database test runs on SQLite and on PostgreSQL through one parameter."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from app import create_app, schema
from app.bootstrap import Services, bootstrap
from app.domain.actors import ADMIN, SYSTEM, Actor

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


class FakeClock:
    """An injected clock: moves a millisecond each time it is read, or as a test sets it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def _pg_reachable() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no server here
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_database():
    """A database of its own for this test process, created from scratch and dropped at the end."""
    reason = _pg_reachable()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    name = f"duban_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    eng = create_engine(url)
    schema.upgrade(eng)
    eng.dispose()
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _clean_pg(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        names = [t for t in inspect(c).get_table_names() if t != "alembic_version"]
        if names:
            # The append-only triggers refuse TRUNCATE; tests start from nothing all the same.
            c.execute(text("SET LOCAL session_replication_role = replica"))
            c.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names)))
        # the scheduler's job store is made by the scheduler process, not by the migrations: a
        # test starts without one, as a fresh install does
        c.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'duban.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database")
        _clean_pg(url)
        yield url


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc))


@pytest.fixture
def services(database_url, clock) -> Services:
    svc = bootstrap(database_url, clock=clock)
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    yield svc
    svc.engine.dispose()


@pytest.fixture
def app(database_url, clock, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "CLOCK": clock,
                      "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key.pem")})
    svc: Services = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    yield app
    svc.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


ADMIN_ACTOR = Actor("admin", ADMIN)


def make_user(svc: Services, username: str, role: str, unit: str | None = None,
              password: str = "secret123", display_name: str | None = None) -> None:
    svc.bus.execute("create_user", {"username": username, "password": password, "role": role,
                                    "unit": unit, "display_name": display_name}, SYSTEM)


def token_for(client, username: str, password: str = "secret123") -> dict:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": "Bearer " + r.get_json()["token"]}
