"""Each user's e-mail and phone (联系方式), and when to tell them (quiet hours, daily digest): kept
by the admin, or by the user for itself.

An ordinary table, like passwords: contact details change and must be erasable, so they never
enter the append-only history; the preferences sit beside them, the same kind of fact.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from types import SimpleNamespace

from sqlalchemy import select

from ..auth.tables import users
from ..domain.actors import ADMIN, Actor
from ..domain.errors import Forbidden, InvalidCommand, NotFound
from . import preferences
from .preferences import DAILY, IMMEDIATE, Defaults
from .tables import user_contacts

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,30}$")
FIELDS = ("email", "phone", "quiet_hours", "digest", "digest_time")


def _may(actor: Actor, username: str) -> None:
    if actor.role != ADMIN and actor.username != username:
        raise Forbidden("只有系统管理员或本人可以查看或修改联系方式和通知设置。")


def _json(username: str, row, defaults: Defaults) -> dict:
    def get(k):
        return getattr(row, k) if row is not None else None

    return {"username": username, "email": get("email"), "phone": get("phone"),
            "quiet_hours": get("quiet_hours"), "digest": get("digest") or IMMEDIATE,
            "digest_time": get("digest_time"),
            # what a null above follows (NOTIFY_QUIET_HOURS, NOTIFY_DIGEST_TIME)
            "default_quiet_hours": str(defaults.quiet) if defaults.quiet else preferences.OFF,
            "default_digest_time": f"{defaults.digest_time:%H:%M}"}


def _exists(conn, username: str) -> None:
    if conn.execute(select(users.c.username).where(users.c.username == username)).first() is None:
        raise NotFound(f"用户“{username}”不存在。")


def _row(conn, username: str):
    return conn.execute(select(user_contacts).where(user_contacts.c.username == username)).first()


def get_contact(engine, actor: Actor, username: str, defaults: Defaults) -> dict:
    _may(actor, username)
    with engine.connect() as conn:
        _exists(conn, username)
        row = _row(conn, username)
    return _json(username, row, defaults)


def set_contact(engine, actor: Actor, username: str, body, now: datetime,
                defaults: Defaults) -> dict:
    """Change the fields given (absent: unchanged; "" : cleared, or back to the default)."""
    if not isinstance(body, dict):
        raise InvalidCommand("请求内容必须是一个 JSON 对象。")
    _may(actor, username)
    fields: dict[str, list[str]] = {}
    for k in sorted(set(body) - set(FIELDS)):
        fields[k] = ["未知字段。"]
    email, phone = body.get("email"), body.get("phone")
    if email is not None and (not isinstance(email, str) or len(email) > 254
                              or (email.strip() and not EMAIL.match(email.strip()))):
        fields["email"] = ["电子邮箱格式不正确。"]
    if phone is not None and (not isinstance(phone, str)
                              or (phone.strip() and not PHONE.match(phone.strip()))):
        fields["phone"] = ["手机号码格式不正确。"]
    prefs = preferences.check(body, fields)
    if fields:
        raise InvalidCommand("输入有误，请检查标出的字段。", fields)
    with engine.begin() as conn:
        _exists(conn, username)
        old = _row(conn, username)
        row = {k: getattr(old, k) if old is not None else None for k in FIELDS}
        for k, v in (("email", email), ("phone", phone)):
            if isinstance(v, str):
                row[k] = v.strip() or None
        row.update(prefs)
        if row["digest"] == IMMEDIATE:
            row["digest"] = None  # the default: one by one
        _digest_outside_quiet(row, defaults)
        row.update(username=username, updated_at=now.astimezone(timezone.utc).isoformat(),
                   updated_by=actor.username)
        if old is None:
            conn.execute(user_contacts.insert().values(**row))
        else:
            conn.execute(user_contacts.update().where(user_contacts.c.username == username)
                         .values(**row))
        saved = _row(conn, username)
    return _json(username, saved, defaults)


def _digest_outside_quiet(row: dict, defaults: Defaults) -> None:
    """A daily digest at a time its own quiet hours hold would only wait for them to end: refused,
    so that the time chosen is the time it comes."""
    if row["digest"] != DAILY:
        return
    pref = defaults.of(SimpleNamespace(**row))
    if pref.quiet is not None and pref.quiet.holds(pref.digest_time):
        raise InvalidCommand("输入有误，请检查标出的字段。", {"digest_time": [
            f"日报时间 {pref.digest_time:%H:%M} 在免打扰时段 {pref.quiet} 内，请另选时间或调整免打扰时段。"]})


def contact_of(conn, username: str) -> tuple[str | None, str | None]:
    row = conn.execute(select(user_contacts.c.email, user_contacts.c.phone)
                       .where(user_contacts.c.username == username)).first()
    return (row.email, row.phone) if row else (None, None)
