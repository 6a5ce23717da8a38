"""Delivering the outbox on each configured channel: at least once, with retries and backoff.

Each message is sent, then its delivery is committed. A process killed between the two sends that
message again on its next run, with the same id (the e-mail's Message-ID, the webhook's ``id``), so
a receiver drops the repeat; nothing is ever lost, as the outbox itself is written with the event.
A message that keeps failing is marked failed after ``max_attempts`` and listed for the admins.

Whom a message may reach now (preferences.py): a user in their quiet hours is held, a user with the
daily digest gets the message in the digest (digest.py); the inbox shows it at once either way.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update

from ..events.model import format_instant
from . import digest
from .channels import EmailSender, Message, NotifySettings, Skip, WebhookSender
from .contacts import contact_of
from .outbox import outbox
from .preferences import preferences
from .tables import notification_attempts, notification_deliveries

log = logging.getLogger(__name__)
SENDERS = {"email": EmailSender, "webhook": WebhookSender}


def _iso(t: datetime) -> str:
    return format_instant(t)  # as the events' recorded_at, so that texts compare as instants


def one_by_one(conn, s: NotifySettings, now: datetime):
    """Whose messages go one by one now, as a condition on the outbox's user: neither quiet nor
    waiting for their digest. (Few users set anything; the others follow the defaults.)"""
    defaults = s.defaults()
    local = now.astimezone(defaults.tz)

    def held(p) -> bool:
        return p.daily or p.quiet_at(local)

    prefs = preferences(conn, defaults)
    if held(defaults.of(None)):
        return outbox.c.username.in_(sorted(u for u, p in prefs.items() if not held(p)))
    return outbox.c.username.notin_(sorted(u for u, p in prefs.items() if held(p)))


def _due(channel: str, s: NotifySettings, now: datetime):
    d = notification_deliveries
    since = _iso(now - timedelta(hours=s.max_age_hours))
    return (outbox.outerjoin(d, and_(d.c.message_id == outbox.c.id, d.c.channel == channel)),
            and_(outbox.c.created_at >= since,
                 or_(d.c.status.is_(None),
                     and_(d.c.status == "pending", d.c.next_attempt_at <= _iso(now)))))


def due(conn, channel: str, s: NotifySettings, now: datetime, limit: int) -> tuple[list, int]:
    """The messages to send one by one now, and how many others are due but held."""
    joined, is_due = _due(channel, s, now)
    free = one_by_one(conn, s, now)
    rows = conn.execute(select(outbox, notification_deliveries.c.attempts).select_from(joined)
                        .where(is_due, free).order_by(outbox.c.position, outbox.c.id)
                        .limit(limit)).all()
    held = conn.execute(select(func.count()).select_from(joined).where(is_due, ~free)).scalar()
    return rows, held or 0


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


def _attempt(sender, msg: Message, tries_before: int, s: NotifySettings, clock, counts: dict,
             record) -> str:
    """Send one message (or digest) and record the outcome with ``record(outcome, status, now,
    error, next_at)``: sent, skipped (no address), retried with backoff, or failed at last."""
    try:
        sender.send(msg)
    except Skip as exc:
        record("skipped", "skipped", clock(), str(exc), None)
        counts["skipped"] += 1
        return "skipped"
    except Exception as exc:  # any failure of the channel: retried later
        error = f"{type(exc).__name__}: {exc}"[:500]
        tries = tries_before + 1
        now = clock()
        if tries >= s.max_attempts:
            record("failed", "failed", now, error, None)
            counts["failed"] += 1
        else:
            wait = timedelta(seconds=s.backoff_seconds * 2 ** (tries - 1))
            record("error", "pending", now, error, now + wait)
            counts["retry"] += 1
        log.warning("notification %s failed: %s", msg.id, error)
        return "error"
    record("sent", "sent", clock(), None, None)
    counts["sent"] += 1
    return "sent"


def deliver_due(engine, s: NotifySettings, clock, limit: int | None = None) -> dict:
    """Send what is due now on every configured channel; the counts of what happened.

    ``digests`` counts the digests sent, each also counted once in ``sent``; ``held`` the
    messages due but held by quiet hours or waiting for a digest."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0, "held": 0, "digests": 0}
    for channel in s.channels():
        sender = SENDERS[channel](s)
        try:
            digest.gather(engine, channel, s, clock())
            with engine.connect() as conn:
                digests = digest.due(conn, channel, s, clock())
            for g, tries in digests:
                if _attempt(sender, g, tries, s, clock, counts,
                            lambda *a, g=g: digest.record(engine, g, channel, *a)) == "sent":
                    counts["digests"] += 1
            with engine.connect() as conn:
                rows, held = due(conn, channel, s, clock(), limit or s.batch)
                contacts = {r.username: contact_of(conn, r.username) for r in rows}
            counts["held"] += held
            for r in rows:
                email, phone = contacts[r.username]
                msg = Message(r.id, r.username, r.title, r.body, r.link, email, phone)
                _attempt(sender, msg, r.attempts or 0, s, clock, counts,
                         lambda *a, r=r: _record(engine, r.id, channel, r.attempts, *a))
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
