"""One login rule for the API and the staff pages: lock per username and address, recorded facts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.tables import login_attempts
from app.events.tables import events
from tests.admin.ui import UI
from tests.conftest import make_user

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def svc(app):
    svc = app.extensions["duban"]
    make_user(svc, "disp", "dispatcher")
    make_user(svc, "insp", "inspector")
    return svc


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _log(svc) -> list:
    return svc.store.read_stream("security:log")


def test_five_failures_lock_the_pair_for_fifteen_minutes(app, svc, clock):
    here = _from(app, "10.0.0.1")
    for _ in range(5):
        r = here.post(TOKEN, json={"username": "disp", "password": "wrong"})
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthenticated"
    r = here.post(TOKEN, json={"username": "disp", "password": "secret123"})
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "locked" and "锁定" in r.get_json()["error"]["message"]
    assert 14 * 60 < int(r.headers["Retry-After"]) <= 15 * 60
    # the right password from another address still logs in: nobody can lock a user out
    assert _from(app, "10.0.0.2").post(TOKEN, json={"username": "disp",
                                                    "password": "secret123"}).status_code == 200
    # another username from the locked address is not locked either
    assert here.post(TOKEN, json={"username": "insp", "password": "secret123"}).status_code == 200
    clock.advance(minutes=10)
    r = here.post(TOKEN, json={"username": "disp", "password": "secret123"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 5 * 60
    clock.advance(minutes=5, seconds=1)
    assert here.post(TOKEN, json={"username": "disp", "password": "secret123"}).status_code == 200


def test_failures_spread_over_more_than_the_window_do_not_lock(app, svc, clock):
    here = _from(app, "10.0.0.1")
    for _ in range(4):
        assert here.post(TOKEN, json={"username": "disp", "password": "x"}).status_code == 401
    clock.advance(minutes=16)
    for _ in range(4):
        assert here.post(TOKEN, json={"username": "disp", "password": "x"}).status_code == 401
    assert here.post(TOKEN, json={"username": "disp", "password": "secret123"}).status_code == 200


def test_a_success_starts_the_count_again(app, svc):
    here = _from(app, "10.0.0.1")
    for _ in range(4):
        here.post(TOKEN, json={"username": "disp", "password": "x"})
    assert here.post(TOKEN, json={"username": "disp", "password": "secret123"}).status_code == 200
    for _ in range(4):
        assert here.post(TOKEN, json={"username": "disp", "password": "x"}).status_code == 401
    assert here.post(TOKEN, json={"username": "disp", "password": "secret123"}).status_code == 200


def test_the_api_and_the_login_page_share_the_lock(app, svc):
    for _ in range(5):
        app.test_client().post(TOKEN, json={"username": "disp", "password": "wrong"})
    page = UI(app.test_client()).login("disp")
    assert page.status_code == 429 and "失败次数过多" in page.text and page.headers["Retry-After"]
    # and the other way round
    for _ in range(5):
        assert UI(app.test_client()).login("insp", "wrong").status_code == 401
    r = app.test_client().post(TOKEN, json={"username": "insp", "password": "secret123"})
    assert r.status_code == 429


def test_every_success_failure_and_lock_is_recorded_as_the_system(app, svc):
    here = _from(app, "10.0.0.7")
    here.post(TOKEN, json={"username": "disp", "password": "secret123"})
    for _ in range(5):
        here.post(TOKEN, json={"username": "disp", "password": "bad"})
    here.post(TOKEN, json={"username": "disp", "password": "secret123"})  # locked: counted only
    log = _log(svc)
    assert [e.type for e in log] == ["LoginSucceeded"] + ["LoginFailed"] * 5 + ["LoginLocked"]
    assert all(e.meta["actor"] == "system" and e.meta["client_address"] == "10.0.0.7"
               and e.meta["command"] == "record_login" for e in log)
    assert log[0].data == {"username": "disp", "client_address": "10.0.0.7"}
    assert log[1].data["reason"] == "bad_password" and log[1].data["username"] == "disp"
    assert log[-1].data["username"] == "disp" and log[-1].data["until"] > log[-1].recorded_at
    with app.extensions["duban"].engine.connect() as conn:
        outcomes = conn.execute(select(login_attempts.c.outcome)
                                .order_by(login_attempts.c.id)).scalars().all()
    assert outcomes == ["success"] + ["failure"] * 4 + ["lock", "locked"]


def test_an_unknown_username_is_never_stored_as_typed(app, svc):
    typed = "Hunter2-pass-typed-as-name"
    r = app.test_client().post(TOKEN, json={"username": typed, "password": "whatever"})
    assert r.status_code == 401 and r.get_json()["error"]["message"] == "用户名或密码错误。"
    [failed] = _log(svc)
    assert failed.type == "LoginFailed" and failed.data["username"] is None
    assert failed.data["reason"] == "unknown_user" and len(failed.data["username_hmac"]) == 64
    with svc.engine.connect() as conn:
        stored = " ".join(f"{d} {m}" for d, m in conn.execute(select(events.c.data, events.c.meta)))
        attempts = conn.execute(select(login_attempts)).mappings().all()
    assert typed not in stored and typed.lower() not in stored.lower()
    assert all(typed not in str(dict(a)) for a in attempts)
    # the same name gives the same hash (attempts can be told apart), another name another
    app.test_client().post(TOKEN, json={"username": typed, "password": "again"})
    app.test_client().post(TOKEN, json={"username": typed + "x", "password": "again"})
    hashes = [e.data["username_hmac"] for e in _log(svc)]
    assert hashes[0] == hashes[1] != hashes[2]


def test_an_unknown_username_costs_a_password_check_too(app, svc, monkeypatch):
    import app.auth.login as login

    checked = []
    real = login.check_password_hash
    monkeypatch.setattr(login, "check_password_hash",
                        lambda h, p: checked.append(h.split(":")[0]) or real(h, p))
    app.test_client().post(TOKEN, json={"username": "nobody", "password": "whatever"})
    app.test_client().post(TOKEN, json={"username": "disp", "password": "whatever"})
    # the same method and cost for both: the answer's timing does not tell who exists
    assert len(checked) == 2 and checked[0] == checked[1]


def test_an_inactive_user_is_refused_and_recorded(app, svc):
    from app.domain.actors import SYSTEM

    make_user(svc, "root", "admin")
    svc.bus.execute("deactivate_user", {"username": "disp"}, SYSTEM)
    r = app.test_client().post(TOKEN, json={"username": "disp", "password": "secret123"})
    assert r.status_code == 401
    assert _log(svc)[-1].data["reason"] == "inactive"


def test_an_anonymous_address_can_add_only_so_many_facts_a_minute(app, svc, clock):
    app.config["SECURITY_LOG_CAP_PER_MINUTE"] = 10
    here = _from(app, "10.6.6.6")
    for i in range(25):  # a new name each time: no lock holds this back
        assert here.post(TOKEN, json={"username": f"guess{i}", "password": "x"}).status_code == 401
    assert len(_log(svc)) == 10
    with svc.engine.connect() as conn:
        rows = conn.execute(select(login_attempts.c.recorded)).scalars().all()
    assert len(rows) == 25 and rows.count(False) == 15  # counted, not appended
    # another address is not held back by this one, and a minute later this one neither
    assert _from(app, "10.0.0.1").post(TOKEN, json={"username": "disp",
                                                    "password": "secret123"}).status_code == 200
    clock.advance(minutes=1, seconds=1)
    here.post(TOKEN, json={"username": "guess", "password": "x"})
    assert len(_log(svc)) == 12


def test_the_lock_is_counted_apart_from_the_log(app, svc):
    app.config["SECURITY_LOG_CAP_PER_MINUTE"] = 2
    here = _from(app, "10.0.0.3")
    for _ in range(5):
        here.post(TOKEN, json={"username": "disp", "password": "bad"})
    assert len(_log(svc)) == 2
    assert here.post(TOKEN, json={"username": "disp", "password": "secret123"}).status_code == 429


@pytest.mark.parametrize("body", [{}, {"username": "disp"}, {"username": 1, "password": "x"},
                                  [], {"username": "a\x00b", "password": "x"},
                                  '{"username": "disp", "password": "\\ud800"}'])
def test_bad_login_bodies_are_4xx(app, svc, body):
    r = (app.test_client().post(TOKEN, data=body, content_type="application/json")
         if isinstance(body, str) else app.test_client().post(TOKEN, json=body))
    assert r.status_code in (400, 401)


def test_api_refusals_are_recorded_like_the_pages(app, svc):
    from tests.conftest import token_for

    headers = token_for(app.test_client(), "insp")
    r = app.test_client().post("/api/v1/units", headers=headers,
                               json={"code": "U9", "name": "某单位", "kind": "township"})
    assert r.status_code == 403
    refused = [e for e in _log(svc) if e.type == "AccessRefused"]
    assert len(refused) == 1
    assert refused[0].data["username"] == "insp" and refused[0].data["role"] == "inspector"
    assert refused[0].data["path"] == "/api/v1/units" and refused[0].data["method"] == "POST"
    assert refused[0].data["action"] == "register_unit" and refused[0].meta["actor"] == "system"
