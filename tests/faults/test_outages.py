"""The database going away and the disk filling up: honest answers, nothing lost, nothing twice."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import create_app, schema
from app.events.tables import events
from app.failures import DISK_FULL, UNAVAILABLE, FailureLog, classify
from tests.conftest import FakeClock, make_user, token_for

from .proxy import Relay

API = "/api/v1"
UNIT = {"code": "U01", "name": "城南镇", "kind": "township"}


def _count(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(events)).scalar()


@pytest.fixture
def relayed_app(request):
    """An app on the test's PostgreSQL database, reached through a relay the test can cut."""
    url = make_url(request.getfixturevalue("pg_database"))
    from tests.conftest import _clean_pg
    _clean_pg(url.render_as_string(hide_password=False))
    relay = Relay((url.host or "127.0.0.1", url.port or 5432)).up()
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": relayed, "TESTING": False, "SECRET_KEY": "test-secret",
                      "CLOCK": FakeClock(datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc))})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    yield app, relay
    relay.down()
    svc.engine.dispose()


def test_an_outage_answers_503_and_a_resent_command_is_recorded_once(relayed_app):
    app, relay = relayed_app
    svc = app.extensions["duban"]
    client = app.test_client()
    make_user(svc, "disp", "dispatcher")
    h = token_for(client, "disp")
    assert client.post(f"{API}/units", json={**UNIT, "command_id": "c1"}, headers=h).status_code == 201

    relay.down()
    body = {"code": "U02", "name": "区住建局", "kind": "department", "command_id": "c2"}
    r = client.post(f"{API}/units", json=body, headers=h)
    assert r.status_code == 503
    assert r.headers["Retry-After"].isdigit()
    error = r.get_json()["error"]
    assert error["code"] == "unavailable" and "command_id" in error["message"]
    r = client.get(f"{API}/problems", headers=h)
    assert r.status_code == 503
    assert client.post(f"{API}/auth/token", json={"username": "disp", "password": "secret123"}
                       ).status_code == 503
    page = client.post("/login", data={"username": "disp", "password": "x"})
    assert page.status_code in (400, 503)  # a page: never a bare 500

    relay.up()
    first = client.post(f"{API}/units", json=body, headers=h)
    assert first.status_code == 201, first.get_json()
    again = client.post(f"{API}/units", json=body, headers=h)
    assert again.get_json() == first.get_json()
    with svc.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(events)
                         .where(events.c.stream_id == "unit:U02")).scalar() == 1


def test_terminated_backends_are_replaced_before_a_command_is_sent(relayed_app, pg_database):
    app, _relay = relayed_app
    svc = app.extensions["duban"]
    client = app.test_client()
    make_user(svc, "disp", "dispatcher")
    h = token_for(client, "disp")
    assert client.post(f"{API}/units", json=UNIT, headers=h).status_code == 201
    assert client.get(f"{API}/problems", headers=h).status_code == 200
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    others = "datname = current_database() AND pid <> pg_backend_pid()"
    with admin.connect() as c:
        killed = c.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                f"WHERE {others}")).scalar()
        for _ in range(100):  # until the server has let them go
            if not c.execute(text(f"SELECT count(*) FROM pg_stat_activity WHERE {others}")).scalar():
                break
            time.sleep(0.02)
    admin.dispose()
    time.sleep(0.2)  # the relay passes the server's goodbye on
    assert killed >= 1
    for i in range(5):  # every stale connection of the pool, and the kept one
        r = client.post(f"{API}/units", json={"code": f"V{i}", "name": f"单位{i}",
                                              "kind": "department"}, headers=h)
        assert r.status_code == 201, r.get_json()
        assert client.get(f"{API}/problems", headers=h).status_code == 200


def test_the_led_board_keeps_the_last_list_while_the_database_is_away(relayed_app):
    app, relay = relayed_app
    svc = app.extensions["duban"]
    client = app.test_client()
    from app.projections.jobs import publicity
    with svc.engine.begin() as c:  # the row the publicity job's event folds into
        c.execute(publicity.insert().values(
            period="2026-10", published_on="2026-11-15", recorded_at="2026-11-15T01:00:00.000000Z",
            position=1, fast_count=1, slow_count=0,
            fast='[{"rank": 1, "name": "城南片区棚户区改造", "unit": "U01", "ytd": 10, "plan": 20, "ratio": 0.5}]',
            slow="[]", basis='{"expected": 0.83}'))
    assert "城南片区棚户区改造" in client.get("/led").get_data(as_text=True)
    relay.down()
    page = client.get("/led")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "城南片区棚户区改造" in shown and "数据暂时无法更新" in shown
    assert "尚未发布" not in shown


def test_a_database_never_reached_is_not_said_to_have_published_nothing(tmp_path):
    relay = Relay(("127.0.0.1", 9)).up()  # accepts, then the server side refuses
    relay.down()  # nothing listens on its port now
    app = create_app({"DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{relay.port}/x",
                      "SECRET_KEY": "test-secret"})
    client = app.test_client()
    page = client.get("/led").get_data(as_text=True)
    assert "暂时无法读取" in page and "尚未发布" not in page
    r = client.get(f"{API}/events", headers={"Authorization": "Bearer x"})
    assert r.status_code in (401, 503)


def test_a_full_disk_answers_507_and_appends_nothing(app, client, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("a full disk is simulated with SQLite's page limit")
    svc = app.extensions["duban"]
    make_user(svc, "disp", "dispatcher")
    h = token_for(client, "disp")
    assert client.post(f"{API}/units", json=UNIT, headers=h).status_code == 201
    before = _count(svc.engine)
    svc.engine.dispose()
    from sqlalchemy import event as sa_event

    @sa_event.listens_for(svc.engine, "connect")
    def _small(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    for i in range(500):  # until the file may grow no more
        before = _count(svc.engine)
        r = client.post(f"{API}/units", json={"code": f"U{i + 2:03d}", "name": "区" * 200,
                                              "kind": "department"}, headers=h)
        if r.status_code != 201:
            break
    assert r.status_code == 507, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["code"] == "disk_full" and "command_id" in error["message"]
    assert _count(svc.engine) == before
    page = client.get("/admin/")  # the pages are told too, in Chinese (reading still works)
    assert page.status_code != 500
    sa_event.remove(svc.engine, "connect", _small)
    svc.engine.dispose()
    assert _count(svc.engine) == before


def test_classify():
    import errno
    import sqlite3

    from sqlalchemy.exc import OperationalError

    assert classify(OSError(errno.ENOSPC, "No space left on device")) is DISK_FULL
    assert classify(OSError(errno.EACCES, "denied")) is None
    assert classify(sqlite3.OperationalError("database or disk is full")) is DISK_FULL
    wrapped = OperationalError("INSERT", {}, sqlite3.OperationalError("unable to open database file"))
    assert classify(wrapped) is UNAVAILABLE
    assert classify(ValueError("a bug")) is None
    import psycopg
    assert classify(psycopg.OperationalError("connection refused")) is UNAVAILABLE


def test_failures_are_logged_one_line_each_with_a_traceback_now_and_then(caplog):
    now = [0.0]
    flog = FailureLog(logging.getLogger("test.failures"), interval=60, clock=lambda: now[0])
    caplog.set_level(logging.ERROR, "test.failures")
    for i in range(100):
        now[0] = i * 0.1
        try:
            raise ConnectionError("down")
        except ConnectionError as exc:
            flog.record("unavailable", exc, "GET /x")
    assert len(caplog.records) == 100
    assert sum(1 for r in caplog.records if r.exc_info) == 1
    assert "#100" in caplog.records[-1].getMessage()
    now[0] = 61
    flog.record("unavailable", ConnectionError("down"), "GET /x")
    assert caplog.records[-1].exc_info


def test_the_command_line_ends_a_failure_with_a_sentence(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    relay = Relay(("127.0.0.1", 9)).up()
    relay.down()
    env = {**os.environ, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{relay.port}/x",
           "SECRET_KEY": "test-secret"}
    root = Path(__file__).resolve().parents[2]
    for args in (["projections", "rebuild"], ["audit", "verify"], ["init-db"]):
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=root,
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        assert out.stderr.strip().splitlines()[-1].startswith("错误：数据库暂时不可用"), out.stderr


def test_a_rebuild_on_a_full_disk_ends_in_a_sentence(app, runner, monkeypatch):
    import errno

    svc = app.extensions["duban"]

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(svc.projections, "rebuild", full)
    result = runner.invoke(args=["projections", "rebuild"])
    assert result.exit_code == 1
    assert "存储空间已满" in result.output and "Traceback" not in result.output
