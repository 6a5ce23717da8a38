"""Live reads on a read replica (DATABASE_READ_URL), with read-your-writes: a reader that names
its last command's position (``X-Duban-Position``; on the staff pages, the session's last command)
is answered only by a replica that holds it, else by the primary. A replica lagging, unreachable
or failing mid-read never turns into an error.

The replica here is a real one, a streaming copy of the test server; its lag is made by pausing
its replay (``pg_wal_replay_pause``)."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from app.api.queries import POSITION_HEADER
from tests.admin.ui import UI, setup_district
from tests.domain.test_problems import API, World
from tests.replica.conftest import app_reading


@contextmanager
def replay_paused(replica_url: str):
    """The replica receives the primary's changes but applies none of them until the block ends."""
    eng = create_engine(replica_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("select pg_wal_replay_pause()"))
        try:
            while c.execute(text("select pg_get_wal_replay_pause_state()")).scalar() != "paused":
                time.sleep(0.01)
            yield lambda: c.execute(text("select pg_wal_replay_resume()"))
        finally:
            c.execute(text("select pg_wal_replay_resume()"))
    eng.dispose()


def caught_up(svc) -> None:
    """Until the replica holds every event the primary has."""
    conn = svc.replica.connect(svc.store.head()[0])
    assert conn is not None, "the replica did not catch up"
    conn.close()


@pytest.fixture
def served(replica_app, monkeypatch) -> list[bool]:
    """For each live read: whether the replica answered it (False: the primary did)."""
    replica = replica_app.extensions["duban"].replica
    answers: list[bool] = []
    connect = replica.connect

    def recorded(after=None):
        conn = connect(after)
        answers.append(conn is not None)
        return conn

    monkeypatch.setattr(replica, "connect", recorded)
    return answers


def test_a_read_naming_its_last_command_includes_it_and_the_feed_reads_the_replica(
        replica_app, replica_url, served):
    client = replica_app.test_client()
    world = World(replica_app, client)
    svc = world.svc
    caught_up(svc)
    known = world.raise_problem(description="已同步的问题")
    caught_up(svc)
    served.clear()
    with replay_paused(replica_url) as resume:
        answer = world.post("/problems", {"category": "land", "description": "刚提出的问题",
                                          "source": "unit_report", "project": "XM001"})
        pid, position = answer["id"], answer["position"]
        h = world.h["disp"]
        named = {**h, POSITION_HEADER: str(position)}

        # without the position: the replica's answer, from before the command
        assert client.get(f"{API}/problems/{pid}", headers=h).status_code == 404
        feed = client.get(f"{API}/events?after=0&limit=1000", headers=h).get_json()
        assert feed and feed[-1]["position"] < position
        assert client.get(f"{API}/problems/{known}", headers=h).status_code == 200
        assert served == [True, True, True]

        # with it: the replica is waited for, then the primary answers
        wait = svc.replica.wait
        svc.replica.wait = 0.2
        r = client.get(f"{API}/problems/{pid}", headers=named)
        assert r.status_code == 200 and r.get_json()["description"] == "刚提出的问题"
        feed = client.get(f"{API}/events?after=0&limit=1000", headers=named).get_json()
        assert feed[-1]["position"] == position
        history = client.get(f"{API}/problems/{pid}/history", headers=named).get_json()
        assert [e["position"] for e in history] == [position]
        assert served[3:] == [False, False, False]

        # the replica catching up within the wait answers itself
        svc.replica.wait = wait
        threading.Timer(0.3, resume).start()
        feed = client.get(f"{API}/events?after=0&limit=1000", headers=named).get_json()
        assert feed[-1]["position"] == position
        assert served[6:] == [True]


def test_the_staff_pages_read_what_their_session_recorded(replica_app, replica_url, served):
    svc = replica_app.extensions["duban"]
    setup_district(svc)
    caught_up(svc)
    ui, other = UI(replica_app.test_client()), UI(replica_app.test_client())
    ui.login("disp")
    other.login("disp")
    with replay_paused(replica_url):
        r = ui.submit("/admin/commands/raise_problem/", {
            "category": "land", "source": "unit_report", "description": "建设用地指标不足",
            "project": "XM001"})
        assert r.status_code == 302
        pid = r.headers["Location"].split("id=")[1].split("&")[0]
        served.clear()
        svc.replica.wait = 0.2
        # the person who recorded it sees it (the primary answers: the replica has not got it)
        page = ui.client.get(f"/admin/problem-timeline/?id={pid}")
        assert page.status_code == 200 and "建设用地指标不足" in page.text
        assert "建设用地指标不足" in ui.client.get("/admin/problems/").text
        assert served and not any(served)
        # another session, which recorded nothing, reads the replica: not there yet (the
        # ledger's rows, kept per head of the primary, are read up to that head wherever read)
        served.clear()
        assert other.client.get(f"/admin/problem-timeline/?id={pid}").status_code == 404
        assert served == [True]


@pytest.fixture
def cut(replica_app, replica_url, monkeypatch) -> list[int]:
    """Each replica connection a read gets is ended by the replica before the read's first query,
    as a shutdown or a recovery conflict would end it; the backends ended."""
    replica = replica_app.extensions["duban"].replica
    connect = replica.connect
    ended: list[int] = []

    def connect_then_cut(after=None):
        conn = connect(after)
        if conn is not None:
            backend = conn.execute(text("select pg_backend_pid()")).scalar()
            conn.rollback()
            eng = create_engine(replica_url)
            with eng.connect() as admin:
                admin.execute(text("select pg_terminate_backend(:p)"), {"p": backend})
            eng.dispose()
            ended.append(backend)
        return conn

    monkeypatch.setattr(replica, "connect", connect_then_cut)
    return ended


def test_a_replica_failing_mid_read_is_answered_by_the_primary(replica_app, cut):
    client = replica_app.test_client()
    world = World(replica_app, client)
    pid = world.raise_problem()
    caught_up(world.svc)
    cut.clear()
    r = client.get(f"{API}/problems/{pid}/history", headers=world.h["disp"])
    assert r.status_code == 200 and [e["type"] for e in r.get_json()] == ["ProblemRaised"]
    assert len(cut) == 1
    # the replica rests: the next reads go to the primary without trying it
    assert client.get(f"{API}/problems", headers=world.h["disp"]).status_code == 200
    assert len(cut) == 1


def test_a_staff_page_cut_off_on_the_replica_is_a_503_and_then_read_on_the_primary(replica_app,
                                                                                  cut):
    svc = replica_app.extensions["duban"]
    setup_district(svc)
    caught_up(svc)
    ui = UI(replica_app.test_client())
    ui.login("disp")
    cut.clear()
    page = ui.client.get("/admin/projects/")
    assert page.status_code == 503 and "数据库暂时不可用" in page.text
    assert len(cut) == 1
    page = ui.client.get("/admin/projects/")
    assert page.status_code == 200 and "城南污水处理厂" in page.text
    assert len(cut) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_replica_leaves_every_read_to_the_primary(database_url, clock, tmp_path):
    app = app_reading(database_url, f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/x",
                      clock, tmp_path, wait_ms=200)
    svc = app.extensions["duban"]
    try:
        client = app.test_client()
        world = World(app, client)
        answer = world.post("/problems", {"category": "land", "description": "用地指标不足",
                                          "source": "unit_report", "project": "XM001"})
        h = world.h["disp"]
        for headers in (h, {**h, POSITION_HEADER: str(answer["position"])}):
            r = client.get(f"{API}/problems/{answer['id']}", headers=headers)
            assert r.status_code == 200 and r.get_json()["description"] == "用地指标不足"
            feed = client.get(f"{API}/events?after=0&limit=1000", headers=headers).get_json()
            assert feed[-1]["position"] == answer["position"]
        ui = UI(client)
        ui.login("disp")
        assert "用地指标不足" in client.get("/admin/problems/").text
        assert client.get("/admin/").status_code == 200
    finally:
        svc.replica.dispose()
        svc.engine.dispose()


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "9" * 20, "0x10", "", " 7"])
def test_a_position_that_is_not_one_is_a_400(world, client, value):
    r = client.get(f"{API}/problems", headers={**world.h["disp"], POSITION_HEADER: value})
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert POSITION_HEADER in error["fields"] and "position" in error["fields"][POSITION_HEADER][0]


def test_without_a_replica_a_named_position_is_read_on_the_primary(world, client):
    answer = world.post("/problems", {"category": "land", "description": "用地指标不足",
                                      "source": "unit_report", "project": "XM001"})
    r = client.get(f"{API}/problems/{answer['id']}",
                   headers={**world.h["disp"], POSITION_HEADER: str(answer["position"])})
    assert r.status_code == 200
