"""Delivering the outbox on each configured channel: at least once, with retries and backoff.

Each message is sent, then its delivery is committed. A process killed between the two sends that
message again on its next run, with the same id (the e-mail's Message-ID, the webhook's ``id``), so
a receiver drops the repeat; nothing is ever lost, as the outbox itself is written with the event.
A message that keeps failing is marked failed after ``max_attempts`` and listed for the admins.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update

from ..events.model import format_instant
from .channels import EmailSender, Message, NotifySettings, Skip, WebhookSender
from .contacts import contact_of
from .outbox import outbox
from .tables import notification_attempts, notification_deliveries

log = logging.getLogger(__name__)
SENDERS = {"email": EmailSender, "webhook": WebhookSender}


def _iso(t: datetime) -> str:
    return format_instant(t)  # as the events' recorded_at, so that texts compare as instants


def due(conn, channel: str, s: NotifySettings, now: datetime, limit: int) -> list:
    d = notification_deliveries
    since = _iso(now - timedelta(hours=s.max_age_hours))
    q = (select(outbox, d.c.attempts)
         .select_from(outbox.outerjoin(d, and_(d.c.message_id == outbox.c.id, d.c.channel == channel)))
         .where(outbox.c.created_at >= since,
                or_(d.c.status.is_(None),
                    and_(d.c.status == "pending", d.c.next_attempt_at <= _iso(now))))
         .order_by(outbox.c.position, outbox.c.id).limit(limit))
    return conn.execute(q).all()


def _record(engine, message_id: str, channel: str, attempts_before: int | None, outcome: str,
            status: str, now: datetime, error: str | None, next_at: datetime | None) -> None:
    d = notification_deliveries
    values = {"status": status, "attempts": (attempts_before or 0) + 1, "last_error": error,
              "next_attempt_at": _iso(next_at) if next_at else None,
              "delivered_at": _iso(now) if status == "sent" else None}
    with engine.begin() as conn:
        if attempts_before is None:
            conn.execute(insert(d).values(message_id=message_id, channel=channel, **values))
        else:
            conn.execute(update(d).where(d.c.message_id == message_id, d.c.channel == channel)
                         .values(**values))
        conn.execute(insert(notification_attempts).values(
            message_id=message_id, channel=channel, at=_iso(now), outcome=outcome,
            error=error))


def deliver_due(engine, s: NotifySettings, clock, limit: int | None = None) -> dict:
    """Send what is due now on every configured channel; the counts of what happened."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for channel in s.channels():
        sender = SENDERS[channel](s)
        try:
            with engine.connect() as conn:
                rows = due(conn, channel, s, clock(), limit or s.batch)
                contacts = {r.username: contact_of(conn, r.username) for r in rows}
            for r in rows:
                email, phone = contacts[r.username]
                msg = Message(r.id, r.username, r.title, r.body, r.link, email, phone)
                try:
                    sender.send(msg)
                except Skip as exc:
                    _record(engine, r.id, channel, r.attempts, "skipped", "skipped", clock(),
                            str(exc), None)
                    counts["skipped"] += 1
                except Exception as exc:  # any failure of the channel: retried later
                    error = f"{type(exc).__name__}: {exc}"[:500]
                    tries = (r.attempts or 0) + 1
                    now = clock()
                    if tries >= s.max_attempts:
                        _record(engine, r.id, channel, r.attempts, "failed", "failed", now, error, None)
                        counts["failed"] += 1
                    else:
                        wait = timedelta(seconds=s.backoff_seconds * 2 ** (tries - 1))
                        _record(engine, r.id, channel, r.attempts, "error", "pending", now, error,
                                now + wait)
                        counts["retry"] += 1
                    log.warning("notification %s by %s failed: %s", r.id, channel, error)
                else:
                    _record(engine, r.id, channel, r.attempts, "sent", "sent", clock(), None, None)
                    counts["sent"] += 1
        finally:
            sender.close()
    return counts


def failed_messages(conn, limit: int = 100) -> list:
    """The messages that kept failing, for the admins."""
    d = notification_deliveries
    return conn.execute(
        select(d.c.message_id, d.c.channel, d.c.attempts, d.c.last_error, outbox.c.username,
               outbox.c.title, outbox.c.link)
        .select_from(d.join(outbox, outbox.c.id == d.c.message_id))
        .where(d.c.status == "failed").order_by(outbox.c.position.desc()).limit(limit)).all()
