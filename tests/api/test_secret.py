"""No signing key is built in: without SECRET_KEY a random key is kept in instance/secret_key."""
from __future__ import annotations

import os
import stat

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from app import create_app, schema
from app.auth.secret import instance_secret
from tests.conftest import make_user

# What the app signed with before, and what anyone reading old source would try.
CONSTANTS = ["dev-only-secret-change-me", "dev", "secret", "change-me", ""]


@pytest.fixture
def keyless_app(database_url, clock, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CLOCK": clock,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    yield app
    svc.engine.dispose()


def test_the_key_is_random_kept_private_and_reused(keyless_app, tmp_path, database_url, clock):
    path = tmp_path / "instance" / "secret_key"
    key = keyless_app.config["SECRET_KEY"]
    assert path.read_text().strip() == key and len(key) >= 64
    assert key not in CONSTANTS
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = create_app({"DATABASE_URL": database_url, "CLOCK": clock,
                        "INSTANCE_PATH": str(tmp_path / "instance")})
    assert again.config["SECRET_KEY"] == key  # a second start reuses it: tokens outlive restarts
    assert instance_secret(str(tmp_path / "elsewhere")) != key  # each install its own


def test_a_set_secret_key_wins_and_no_file_is_made(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-0123456789abcdef")
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"
    assert not (tmp_path / "i" / "secret_key").exists()


def test_init_db_creates_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "inst")})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(tmp_path / "inst" / "secret_key").st_mode) == 0o600


def test_a_key_file_too_short_is_refused_not_used(tmp_path):
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(RuntimeError):
        instance_secret(str(tmp_path))


def test_no_token_signed_with_a_constant_is_accepted(keyless_app):
    svc = keyless_app.extensions["duban"]
    make_user(svc, "admin", "admin", password="admin123")
    client = keyless_app.test_client()
    for constant in CONSTANTS:
        for claims in ({"u": "admin"}, {"u": "admin", "g": 0, "j": "0" * 32}):
            forged = URLSafeTimedSerializer(constant, salt="duban-api-token").dumps(claims)
            r = client.post("/api/v1/users", headers={"Authorization": "Bearer " + forged},
                            json={"username": "mallory", "password": "secret123", "role": "admin"})
            assert r.status_code == 401, (constant, claims)
    # the app's own key signs what it accepts: the refusal above is the key's doing
    real = URLSafeTimedSerializer(keyless_app.config["SECRET_KEY"], salt="duban-api-token").dumps(
        {"u": "admin", "g": 0, "j": "0" * 32})
    r = client.get("/api/v1/events", headers={"Authorization": "Bearer " + real})
    assert r.status_code == 200


def _cookie(app, secret: str, data: dict) -> str:
    class Keyed:  # what Flask's session interface needs of an app to sign a cookie
        secret_key = secret
        config = app.config

    return SecureCookieSessionInterface().get_signing_serializer(Keyed()).dumps(data)


def test_no_session_cookie_signed_with_a_constant_is_accepted(keyless_app, clock):
    from flask_login.utils import _create_identifier

    svc = keyless_app.extensions["duban"]
    make_user(svc, "admin", "admin", password="admin123")
    client = keyless_app.test_client()
    with keyless_app.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()
    session = {"_user_id": "admin", "_fresh": True, "_id": ident, "login_at": clock().timestamp(),
               "generation": 0, "_permanent": True}
    for constant in CONSTANTS[:-1]:
        client.set_cookie("session", _cookie(keyless_app, constant, session))
        r = client.get("/admin/users/")
        assert r.status_code == 302 and "/login" in r.headers["Location"], constant
    client.set_cookie("session", _cookie(keyless_app, keyless_app.config["SECRET_KEY"], session))
    assert client.get("/admin/users/").status_code == 200

