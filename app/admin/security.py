"""Security facts: failed logins and refused actions, appended to the hash-chained event log.

Inspectors must be able to see who tried what and was turned away, with the same tamper
evidence as every other fact, so these go into the events table (one stream, ``security:log``)
rather than into a log file. They carry no business state: no projection folds them, and a
refused command still appends nothing to its own stream.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from ..bootstrap import Services
from ..commands.base import Actor
from ..events.chain import canonical_json
from ..events.model import Metadata, NewEvent, format_instant
from ..events.tables import events

log = logging.getLogger("duban.security")

STREAM = "security:log"
STREAM_TYPE = "security"
# Lock a username after this many failures within the window; while locked, further
# attempts are refused without being appended (so a password-guessing loop cannot grow the log).
MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)


def _append(svc: Services, event: NewEvent, meta: Metadata) -> None:
    try:
        svc.store.append(STREAM, STREAM_TYPE, [event], None, meta)
    except Exception:  # recording must never turn a refusal into a 500
        log.exception("could not record %s", event.type)


def record_login_failure(svc: Services, username: str, reason: str,
                         client_address: str | None) -> None:
    log.warning("login failed for %r from %s: %s", username, client_address, reason)
    data = {"username": username[:80], "reason": reason, "client_address": client_address}
    meta = Metadata(actor=username[:80] or "(空)", role="anonymous",
                    client_address=client_address, extra={"command": "login"})
    _append(svc, NewEvent("LoginFailed", data, svc.today()), meta)


def record_refusal(svc: Services, actor: Actor, path: str, method: str, action: str | None,
                   message: str) -> None:
    log.warning("refused %s %s for %s (%s): %s", method, path, actor.username, actor.role, message)
    data = {"username": actor.username, "role": actor.role, "unit": actor.unit,
            "path": path[:500], "method": method, "action": action, "message": message}
    meta = Metadata(actor=actor.username, role=actor.role, unit=actor.unit,
                    client_address=actor.client_address, extra={"command": "refused"})
    _append(svc, NewEvent("AccessRefused", data, svc.today()), meta)


def recent_failures(svc: Services, username: str) -> int:
    """Failed logins for a username within the lock window, counted from the events."""
    since = format_instant(svc.clock() - LOCK_WINDOW)
    fragment = '"username":' + canonical_json(username[:80])
    q = (select(func.count()).select_from(events)
         .where(events.c.stream_id == STREAM, events.c.type == "LoginFailed",
                events.c.recorded_at >= since,
                events.c.data.contains(fragment, autoescape=True)))
    with svc.engine.connect() as conn:
        return conn.execute(q).scalar() or 0

