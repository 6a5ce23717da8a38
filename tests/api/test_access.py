"""Access that can be taken back: logout, password change, deactivation, the last admin."""
from __future__ import annotations

import pytest

from tests.conftest import make_user, token_for

EVENTS = "/api/v1/events"


@pytest.fixture
def svc(app):
    svc = app.extensions["duban"]
    make_user(svc, "root", "admin")
    make_user(svc, "disp", "dispatcher")
    make_user(svc, "insp", "inspector")
    return svc


def _user_events(svc, username: str) -> list:
    return svc.store.read_stream(f"user:{username}")


def test_logout_refuses_that_token_only(client, svc):
    first, second = token_for(client, "disp"), token_for(client, "disp")
    r = client.post("/api/v1/auth/logout", headers=first)
    assert r.status_code == 201 and r.get_json()["events"][0]["type"] == "UserLoggedOut"
    r = client.get(EVENTS, headers=first)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthenticated"
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 401
    assert client.get(EVENTS, headers=second).status_code == 200
    assert "token" not in str(_user_events(svc, "disp")[-1].data)


def test_logout_everywhere_refuses_every_token(client, svc):
    first, second = token_for(client, "disp"), token_for(client, "disp")
    r = client.post("/api/v1/auth/logout", headers=first, json={"everywhere": True})
    assert r.status_code == 201
    assert client.get(EVENTS, headers=first).status_code == 401
    assert client.get(EVENTS, headers=second).status_code == 401
    assert client.get(EVENTS, headers=token_for(client, "disp")).status_code == 200


def test_logout_needs_a_token(client, svc):
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_password_change_refuses_every_earlier_token(client, svc):
    first, second = token_for(client, "disp"), token_for(client, "disp")
    r = client.post("/api/v1/auth/password", headers=first,
                    json={"old_password": "secret123", "new_password": "n3w-passw0rd"})
    assert r.status_code == 201 and r.get_json()["events"][0]["type"] == "PasswordChanged"
    assert client.get(EVENTS, headers=first).status_code == 401
    assert client.get(EVENTS, headers=second).status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "disp", "password": "secret123"})
    assert r.status_code == 401
    fresh = token_for(client, "disp", "n3w-passw0rd")
    assert client.get(EVENTS, headers=fresh).status_code == 200
    # the password never enters the history
    event = _user_events(svc, "disp")[-1]
    assert event.data == {"username": "disp"} and "n3w" not in str(event.meta)


@pytest.mark.parametrize("body,field", [
    ({"old_password": "wrong-one", "new_password": "n3w-passw0rd"}, "old_password"),
    ({"old_password": "secret123", "new_password": "short"}, "new_password"),
    ({"old_password": "secret123", "new_password": "secret123"}, "new_password"),
    ({"old_password": "secret123"}, "new_password"),
    ({"new_password": "n3w-passw0rd", "old_password": 5}, "old_password"),
])
def test_a_refused_password_change_changes_nothing(client, svc, body, field):
    headers = token_for(client, "disp")
    before = len(_user_events(svc, "disp"))
    r = client.post("/api/v1/auth/password", headers=headers, json=body)
    assert r.status_code == 400 and field in r.get_json()["error"]["fields"]
    assert len(_user_events(svc, "disp")) == before
    assert client.get(EVENTS, headers=headers).status_code == 200


def test_nobody_changes_another_users_password_through_the_bus(svc):
    from app.domain.actors import Actor
    from app.domain.errors import Forbidden

    with pytest.raises(Forbidden):
        svc.bus.execute("change_password", {"username": "disp", "old_password": "secret123",
                                            "new_password": "n3w-passw0rd"},
                        Actor("insp", "inspector"))


def test_deactivation_refuses_the_users_tokens_at_once(client, svc):
    admin, user = token_for(client, "root"), token_for(client, "disp")
    r = client.post("/api/v1/users/disp/deactivate", headers=admin)
    assert r.status_code == 201 and r.get_json()["events"][0]["type"] == "UserDeactivated"
    assert client.get(EVENTS, headers=user).status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "disp", "password": "secret123"})
    assert r.status_code == 401
    assert client.post("/api/v1/users/disp/deactivate", headers=admin).status_code == 422
    r = client.post("/api/v1/users/disp/reactivate", headers=admin)
    assert r.status_code == 201 and r.get_json()["events"][0]["type"] == "UserReactivated"
    assert client.get(EVENTS, headers=user).status_code == 401  # old tokens stay refused
    assert client.get(EVENTS, headers=token_for(client, "disp")).status_code == 200
    assert client.post("/api/v1/users/disp/reactivate", headers=admin).status_code == 422


def test_only_an_admin_deactivates(client, svc):
    headers = token_for(client, "disp")
    assert client.post("/api/v1/users/insp/deactivate", headers=headers).status_code == 403
    assert client.post("/api/v1/users/insp/reactivate", headers=headers).status_code == 403
    assert client.get(EVENTS, headers=token_for(client, "insp")).status_code == 200
    r = client.post("/api/v1/users/nobody/deactivate", headers=token_for(client, "root"))
    assert r.status_code == 404


def test_the_last_active_admin_stays(client, svc):
    admin = token_for(client, "root")
    before = len(list(svc.store.read_all()))
    r = client.post("/api/v1/users/root/deactivate", headers=admin)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_allowed"
    r = client.post("/api/v1/users/root/role", headers=admin, json={"role": "dispatcher"})
    assert r.status_code == 422
    assert [e.stream_id for e in svc.store.read_all()][before:] == []
    # with a second admin, either may go; then the other is the last
    make_user(svc, "root2", "admin")
    assert client.post("/api/v1/users/root2/role", headers=admin,
                       json={"role": "dispatcher"}).status_code == 201
    make_user(svc, "root3", "admin")
    assert client.post("/api/v1/users/root/deactivate", headers=admin).status_code == 201
    other = token_for(client, "root3")
    assert client.post("/api/v1/users/root3/deactivate", headers=other).status_code == 422
    assert client.post("/api/v1/users/root3/role", headers=other,
                       json={"role": "inspector"}).status_code == 422
    # an admin kept an admin may still change units or be re-granted the role
    assert client.post("/api/v1/users/root3/role", headers=other,
                       json={"role": "admin"}).status_code == 201


def test_the_security_log_is_read_by_inspectors_and_admins_only(client, svc):
    client.post("/api/v1/auth/token", json={"username": "disp", "password": "wrong"})
    for user, sees in (("disp", False), ("insp", True), ("root", True)):
        feed = client.get(EVENTS, headers=token_for(client, user)).get_json()
        assert any(e["stream"] == "security:log" for e in feed) is sees, user
    make_user(svc, "lead", "leader")
    feed = client.get(EVENTS, headers=token_for(client, "lead")).get_json()
    assert feed and not any(e["stream"] == "security:log" for e in feed)


def test_a_page_of_the_feed_is_full_when_more_events_follow(client, svc):
    for _ in range(8):  # security facts between the user events
        client.post("/api/v1/auth/token", json={"username": "insp", "password": "wrong"})
    make_user(svc, "late", "leader")
    headers = token_for(client, "disp")
    page = client.get(EVENTS + "?after=0&limit=3", headers=headers).get_json()
    assert [e["stream"] for e in page] == ["user:root", "user:disp", "user:insp"]
    # the next page is the next event this reader may see, not an empty page of left-outs
    after = page[-1]["position"]
    rest = client.get(f"{EVENTS}?after={after}&limit=1", headers=headers).get_json()
    assert [e["stream"] for e in rest] == ["user:late"] and rest[0]["position"] > after + 5
    assert client.get(EVENTS + "?as_of=2020-01-01T00:00:00%2B00:00",
                      headers=headers).get_json() == []


def test_the_event_export_leaves_the_security_log_to_its_readers(client, svc):
    from io import BytesIO

    from openpyxl import load_workbook

    client.post("/api/v1/auth/token", json={"username": "disp", "password": "wrong"})

    def streams(user: str) -> set:
        r = client.get("/api/v1/exports/events.xlsx", headers=token_for(client, user))
        assert r.status_code == 200
        sheet = load_workbook(BytesIO(r.data)).worksheets[0]
        return {c.value for c in sheet["D"] if isinstance(c.value, str)}

    assert "security:log" in streams("insp")
    assert "security:log" not in streams("disp") and "user:disp" in streams("disp")


def test_the_command_line_takes_access_away(app, client, svc):
    runner = app.test_cli_runner()
    headers = token_for(client, "disp")
    with app.app_context():
        result = runner.invoke(args=["users", "deactivate", "disp"])
        assert result.exit_code == 0 and "已停用" in result.output
        assert client.get(EVENTS, headers=headers).status_code == 401
        assert runner.invoke(args=["users", "deactivate", "root"]).exit_code == 1
        assert runner.invoke(args=["users", "reactivate", "disp"]).exit_code == 0
    assert client.get(EVENTS, headers=token_for(client, "disp")).status_code == 200
