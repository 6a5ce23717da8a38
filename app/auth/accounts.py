"""Looking up users, checking passwords, issuing and reading API tokens."""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, Engine, select
from werkzeug.security import check_password_hash

from ..commands.base import Actor
from ..commands.errors import Unauthenticated
from .tables import users

_SALT = "duban-api-token"


def find_user(conn: Connection, username: str):
    return conn.execute(select(users).where(users.c.username == username)).mappings().first()


def actor_of(row, client_address: str | None = None) -> Actor:
    return Actor(row["username"], row["role"], row["unit"], client_address, row["display_name"])


def authenticate(engine: Engine, username: str, password: str) -> Actor:
    with engine.connect() as conn:
        row = find_user(conn, username)
    if row is None or not row["active"] or not check_password_hash(row["password_hash"], password):
        raise Unauthenticated("用户名或密码错误。")
    return actor_of(row)


def issue_token(secret: str, username: str) -> str:
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps({"u": username})


def actor_from_token(engine: Engine, secret: str, token: str, max_age: int,
                     client_address: str | None = None) -> Actor:
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Unauthenticated("登录已过期，请重新登录。") from None
    except BadSignature:
        raise Unauthenticated("令牌无效，请重新登录。") from None
    with engine.connect() as conn:
        row = find_user(conn, data.get("u", ""))
    if row is None or not row["active"]:
        raise Unauthenticated("用户不存在或已停用。")
    return actor_of(row, client_address)
