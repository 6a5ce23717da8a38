"""Looking up users, checking passwords, issuing and reading API tokens.

A token names its user, the user's token generation when it was issued, and an id of its own.
It is refused once the user is deactivated or the generation has moved on (password changed,
user deactivated, logged out everywhere), or once its own id is revoked (logged out).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, Engine, delete, select

from ..domain.actors import Actor
from ..domain.errors import Unauthenticated
from ..events.model import format_instant
from .tables import revoked_tokens, users

_SALT = "duban-api-token"


def find_user(conn: Connection, username: str):
    return conn.execute(select(users).where(users.c.username == username)).mappings().first()


def actor_of(row, client_address: str | None = None) -> Actor:
    return Actor(row["username"], row["role"], row["unit"], client_address, row["display_name"])


def issue_token(secret: str, username: str, generation: int) -> str:
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(
        {"u": username, "g": generation, "j": uuid.uuid4().hex})


def read_token(secret: str, token: str, max_age: int) -> dict:
    """The token's claims, if its signature holds and it has not expired."""
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Unauthenticated("登录已过期，请重新登录。") from None
    except BadSignature:
        raise Unauthenticated("令牌无效，请重新登录。") from None
    if not (isinstance(data, dict) and isinstance(data.get("u"), str)
            and isinstance(data.get("g"), int) and isinstance(data.get("j"), str)):
        raise Unauthenticated("令牌无效，请重新登录。")
    return data


def actor_from_token(engine: Engine, secret: str, token: str, max_age: int,
                     client_address: str | None = None) -> tuple[Actor, dict]:
    """Who the token speaks for, and its claims; 401 when it is no longer good."""
    data = read_token(secret, token, max_age)
    with engine.connect() as conn:
        row = find_user(conn, data["u"])
        revoked = conn.execute(select(revoked_tokens.c.token_id)
                               .where(revoked_tokens.c.token_id == data["j"])).first()
    if row is None or not row["active"]:
        raise Unauthenticated("用户不存在或已停用。")
    if revoked is not None or data["g"] != row["token_generation"]:
        raise Unauthenticated("令牌已失效（已退出登录或密码已更改），请重新登录。")
    return actor_of(row, client_address), data


def revoke_token(conn: Connection, username: str, token_id: str, expires: datetime,
                 now: datetime) -> None:
    """Refuse one token from now on; forget those that have expired by themselves."""
    conn.execute(delete(revoked_tokens).where(revoked_tokens.c.expires_at < format_instant(now)))
    if conn.execute(select(revoked_tokens.c.token_id)
                    .where(revoked_tokens.c.token_id == token_id)).first() is None:
        conn.execute(revoked_tokens.insert().values(token_id=token_id, username=username,
                                                    expires_at=format_instant(expires)))


def token_expiry(now: datetime, max_age: int) -> datetime:
    return now + timedelta(seconds=max_age)
