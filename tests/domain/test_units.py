"""Units and investment tasks through the API."""
import pytest

from tests.conftest import make_user, token_for


@pytest.fixture
def dispatcher(app, client):
    make_user(app.extensions["duban"], "disp", "dispatcher")
    return token_for(client, "disp")


def test_register_unit_and_task(client, dispatcher):
    r = client.post("/api/v1/units", json={"code": "U01", "name": "城南镇", "kind": "township"},
                    headers=dispatcher)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["id"] == "U01" and body["version"] == 1
    assert body["events"][0]["type"] == "UnitRegistered"
    r = client.post("/api/v1/units/U01/investment-tasks", json={"year": 2019, "amount": 12000},
                    headers=dispatcher)
    assert r.status_code == 201, r.get_json()
    unit = client.get("/api/v1/units/U01", headers=dispatcher).get_json()
    assert unit["tasks"] == {"2019": 12000.0}
    assert unit["version"] == 2


def test_refusals(app, client, dispatcher):
    ok = {"code": "U01", "name": "城南镇", "kind": "township"}
    assert client.post("/api/v1/units", json=ok, headers=dispatcher).status_code == 201
    r = client.post("/api/v1/units", json=ok, headers=dispatcher)
    assert r.status_code == 409 and "已存在" in r.get_json()["error"]["message"]
    r = client.post("/api/v1/units", json={"code": "U02", "kind": "castle"}, headers=dispatcher)
    assert r.status_code == 400
    fields = r.get_json()["error"]["fields"]
    assert fields["name"] == ["必填项，不能为空。"] and "必须是以下之一" in fields["kind"][0]
    r = client.post("/api/v1/units/U99/investment-tasks", json={"year": 2019, "amount": 1},
                    headers=dispatcher)
    assert r.status_code == 404
    assert client.post("/api/v1/units", json=ok).status_code == 401
    make_user(app.extensions["duban"], "rep", "unit_reporter", unit="U01")
    r = client.post("/api/v1/units", json={**ok, "code": "U03"}, headers=token_for(client, "rep"))
    assert r.status_code == 403
    r = client.post("/api/v1/units", data="not json", headers=dispatcher,
                    content_type="application/json")
    assert r.status_code == 400
    r = client.post("/api/v1/units", json={**ok, "code": "U04", "date": "2999-01-01"},
                    headers=dispatcher)
    assert r.status_code == 400 and "date" in r.get_json()["error"]["fields"]
    # nothing refused was recorded: users, U01 and its duplicate attempt -> 3 events
    feed = client.get("/api/v1/events?limit=1000", headers=dispatcher).get_json()
    assert [e["type"] for e in feed] == ["UserCreated", "UnitRegistered", "UserCreated"]


def test_idempotent_and_stale(client, dispatcher):
    body = {"code": "U01", "name": "城南镇", "kind": "township", "command_id": "c-1"}
    first = client.post("/api/v1/units", json=body, headers=dispatcher)
    again = client.post("/api/v1/units", json=body, headers=dispatcher)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    task = {"year": 2019, "amount": 5, "expected_version": 1}
    assert client.post("/api/v1/units/U01/investment-tasks", json=task,
                       headers=dispatcher).status_code == 201
    r = client.post("/api/v1/units/U01/investment-tasks", json=task, headers=dispatcher)
    assert r.status_code == 409


def test_as_of(client, dispatcher, clock):
    client.post("/api/v1/units", json={"code": "U01", "name": "城南镇", "kind": "township"},
                headers=dispatcher)
    then = clock.now.isoformat()
    clock.advance(seconds=5)
    client.post("/api/v1/units", json={"code": "U02", "name": "城北镇", "kind": "township"},
                headers=dispatcher)
    now = client.get("/api/v1/units", headers=dispatcher).get_json()
    past = client.get("/api/v1/units", query_string={"as_of": then}, headers=dispatcher).get_json()
    assert [u["code"] for u in now] == ["U01", "U02"]
    assert [u["code"] for u in past] == ["U01"]
    r = client.get("/api/v1/units", query_string={"as_of": "yesterday"}, headers=dispatcher)
    assert r.status_code == 400
