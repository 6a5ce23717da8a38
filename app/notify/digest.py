"""The daily digest (督办提醒日报): one message a day per user and channel for those who chose it.

In two steps, each committed, so that no message goes both on its own and in a digest, and
none is lost:
1. gather — at the digest time (or on the first run after it), in one transaction: a digest row
   ``digest-{day}-{username}`` and, for each message of the user not yet delivered on the channel
   and made before the digest time, its delivery marked ``digest`` with the digest's id. From then
   on these messages are never sent one by one, and the digest's content is fixed.
2. send — the digest, then in one transaction the digest and its messages marked sent. A process
   killed in between sends the same digest again, with the same id, on its next run.
A digest that keeps failing is marked failed with its messages, which the admins then see.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update

from ..events.model import format_instant
from .channels import Message, NotifySettings
from .contacts import contact_of
from .outbox import outbox
from .preferences import preferences
from .tables import notification_attempts, notification_deliveries, notification_digests

INBOX_LINK = "/admin/inbox/"


def digest_id(day: str, username: str) -> str:
    return f"digest-{day}-{username}"


def gather(engine, channel: str, s: NotifySettings, now: datetime) -> int:
    """Start the digests whose time has come; how many were started."""
    defaults = s.defaults()
    local = now.astimezone(defaults.tz)
    since = format_instant(now - timedelta(hours=s.max_age_hours))
    d, g = notification_deliveries, notification_digests
    started = 0
    with engine.connect() as conn:
        daily = {u: p for u, p in preferences(conn, defaults).items()
                 if p.daily and not p.quiet_at(local)}
    for username, pref in sorted(daily.items()):
        day, cut = pref.digest_due(local)
        did = digest_id(day.isoformat(), username)
        with engine.begin() as conn:
            if conn.execute(select(g.c.id).where(g.c.id == did, g.c.channel == channel)).first():
                continue
            members = conn.execute(
                select(outbox.c.id, d.c.attempts)
                .select_from(outbox.outerjoin(d, and_(d.c.message_id == outbox.c.id,
                                                      d.c.channel == channel)))
                .where(outbox.c.username == username, outbox.c.created_at >= since,
                       outbox.c.created_at < format_instant(cut),
                       or_(d.c.status.is_(None), d.c.status == "pending"))
                .order_by(outbox.c.position)).all()
            if not members:
                continue  # nothing to tell: no digest that day
            conn.execute(insert(g).values(id=did, channel=channel, username=username,
                                          day=day.isoformat(), status="pending", attempts=0,
                                          created_at=format_instant(now)))
            for m in members:
                values = {"status": "digest", "digest_id": did, "next_attempt_at": None}
                if m.attempts is None:
                    conn.execute(insert(d).values(message_id=m.id, channel=channel, attempts=0,
                                                  **values))
                else:
                    conn.execute(update(d).where(d.c.message_id == m.id, d.c.channel == channel)
                                 .values(**values))
            started += 1
    return started


def due(conn, channel: str, s: NotifySettings, now: datetime) -> list[tuple[Message, int]]:
    """The digests to send now (with their attempts so far): started, not yet sent, past their
    backoff, their user not in quiet hours."""
    g, d = notification_digests, notification_deliveries
    defaults = s.defaults()
    local = now.astimezone(defaults.tz)
    prefs = preferences(conn, defaults)
    rows = conn.execute(select(g).where(
        g.c.channel == channel, g.c.status == "pending",
        or_(g.c.next_attempt_at.is_(None), g.c.next_attempt_at <= format_instant(now)))
        .order_by(g.c.created_at, g.c.id)).all()
    out = []
    for r in rows:
        if prefs.get(r.username, defaults.of(None)).quiet_at(local):
            continue  # quiet hours hold a digest too
        email, phone = contact_of(conn, r.username)
        items = tuple(
            Message(m.id, m.username, m.title, m.body, m.link, email, phone)
            for m in conn.execute(
                select(outbox).join(d, d.c.message_id == outbox.c.id)
                .where(d.c.digest_id == r.id, d.c.channel == channel)
                .order_by(outbox.c.position)))
        out.append((Message(r.id, r.username, f"督办提醒日报（{r.day}）",
                            f"督办提醒共 {len(items)} 条：", INBOX_LINK, email, phone, items),
                    r.attempts))
    return out


def record(engine, digest: Message, channel: str, outcome: str, status: str, now: datetime,
           error: str | None, next_at: datetime | None) -> None:
    """What became of one attempt: the digest, and with a final outcome its messages too."""
    g, d = notification_digests, notification_deliveries
    at = format_instant(now)
    with engine.begin() as conn:
        conn.execute(update(g).where(g.c.id == digest.id, g.c.channel == channel).values(
            status=status, attempts=g.c.attempts + 1, last_error=error,
            next_attempt_at=format_instant(next_at) if next_at else None,
            delivered_at=at if status == "sent" else None))
        if status != "pending":  # the admins see which digest failed them
            conn.execute(update(d).where(d.c.digest_id == digest.id, d.c.channel == channel).values(
                status=status, last_error=f"日报 {digest.id}：{error}" if error else None,
                delivered_at=at if status == "sent" else None))
        conn.execute(insert(notification_attempts).values(
            message_id=digest.id, channel=channel, at=at, outcome=outcome, error=error))
