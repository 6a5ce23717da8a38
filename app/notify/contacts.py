"""Each user's e-mail and phone (联系方式): kept by the admin, or by the user for itself.

An ordinary table, like passwords: contact details change and must be erasable, so they never
enter the append-only history.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from ..auth.tables import users
from ..domain.actors import ADMIN, Actor
from ..domain.errors import Forbidden, InvalidCommand, NotFound
from .tables import user_contacts

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,30}$")


def set_contact(engine, actor: Actor, username: str, body, now: datetime) -> dict:
    if not isinstance(body, dict):
        raise InvalidCommand("请求内容必须是一个 JSON 对象。")
    if actor.role != ADMIN and actor.username != username:
        raise Forbidden("只有系统管理员或本人可以修改联系方式。")
    fields: dict[str, list[str]] = {}
    unknown = set(body) - {"email", "phone"}
    for k in sorted(unknown):
        fields[k] = ["未知字段。"]
    email, phone = body.get("email"), body.get("phone")
    if email is not None and (not isinstance(email, str) or len(email) > 254
                              or (email.strip() and not EMAIL.match(email.strip()))):
        fields["email"] = ["电子邮箱格式不正确。"]
    if phone is not None and (not isinstance(phone, str)
                              or (phone.strip() and not PHONE.match(phone.strip()))):
        fields["phone"] = ["手机号码格式不正确。"]
    if fields:
        raise InvalidCommand("输入有误，请检查标出的字段。", fields)
    with engine.begin() as conn:
        if conn.execute(select(users.c.username).where(users.c.username == username)).first() is None:
            raise NotFound(f"用户“{username}”不存在。")
        old = conn.execute(select(user_contacts).where(user_contacts.c.username == username)).first()
        row = {"username": username,
               "email": (email.strip() or None) if isinstance(email, str) else (old.email if old else None),
               "phone": (phone.strip() or None) if isinstance(phone, str) else (old.phone if old else None),
               "updated_at": now.astimezone(timezone.utc).isoformat(), "updated_by": actor.username}
        if old is None:
            conn.execute(user_contacts.insert().values(**row))
        else:
            conn.execute(user_contacts.update().where(user_contacts.c.username == username)
                         .values(**row))
    return {"username": username, "email": row["email"], "phone": row["phone"]}


def contact_of(conn, username: str) -> tuple[str | None, str | None]:
    row = conn.execute(select(user_contacts.c.email, user_contacts.c.phone)
                       .where(user_contacts.c.username == username)).first()
    return (row.email, row.phone) if row else (None, None)
