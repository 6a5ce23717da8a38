from tests.conftest import make_user, token_for


def test_token_and_audit(app, client):
    make_user(app.extensions["duban"], "insp", "inspector")
    h = token_for(client, "insp")
    r = client.get("/api/v1/audit/verify", headers=h)
    assert r.status_code == 200
    assert r.get_json()["ok"] is True
    assert r.get_json()["checked"] == 1
