"""Logging in (登录): the one rule of the API's token and the staff pages' login form.

- After ``max_failures`` (5) failures for one username from one client address within
  ``window`` (15 minutes), that pair is locked for ``lock_for`` (15 minutes): 429 with the
  seconds to wait. Another address is not locked, so a guesser cannot lock the real user out.
- An unknown username costs the same work as a known one (its password is checked against a
  dummy hash), so the answer's timing does not tell whether the account exists.
- Every success, failure and lock is a fact of the security log; an unknown username is kept
  only as a keyed hash. An anonymous client can cause at most ``cap_per_minute`` facts per
  minute: beyond that its attempts are counted in ``login_attempts`` and logged to the process
  log, not appended, so a guessing loop cannot grow the permanent log without bound.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Mapping

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..bootstrap import Services
from ..domain.errors import CommandError, Unauthenticated
from ..events.model import format_instant
from .accounts import find_user
from .security_log import record
from .tables import login_attempts

log = logging.getLogger("duban.security")

BAD_CREDENTIALS = "用户名或密码错误。"


class Locked(CommandError):
    status, code = 429, "locked"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"该用户名在此地址登录失败次数过多，已锁定，请 {minutes} 分钟后再试。")
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)
    cap_per_minute: int = 30
    keep: timedelta = timedelta(days=1)  # attempts older than this are forgotten

    @classmethod
    def from_config(cls, config: Mapping) -> "LoginPolicy":
        return cls(max_failures=int(config.get("LOGIN_MAX_FAILURES", 5)),
                   window=timedelta(minutes=int(config.get("LOGIN_WINDOW_MINUTES", 15))),
                   lock_for=timedelta(minutes=int(config.get("LOGIN_LOCK_MINUTES", 15))),
                   cap_per_minute=int(config.get("SECURITY_LOG_CAP_PER_MINUTE", 30)))


def username_key(secret: str, username: str) -> str:
    """HMAC-SHA256 of the username with the secret key: who tried, without what they typed."""
    return hmac.new(secret.encode(), username.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Made with the same method and cost as real passwords, once per process.
    return generate_password_hash("duban-no-such-user")


def log_in(svc: Services, secret: str, username: str, password: str,
           client_address: str | None, policy: LoginPolicy = LoginPolicy()):
    """The user's row when the password is right; Locked (429) or Unauthenticated (401) not."""
    address = (client_address or "unknown")[:64]
    key = username_key(secret, username)
    now = svc.clock()
    with svc.engine.begin() as conn:
        until = _locked_until(conn, key, address, now, policy)
        if until is not None:
            # Refused without checking the password, and not appended: counted only.
            _insert(conn, key, address, now, "locked", False, policy)
        row = find_user(conn, username) if until is None and _storable(username) else None
    if until is not None:
        log.warning("login refused while locked, from %s", address)
        raise Locked(max(1, math.ceil((until - now).total_seconds())))
    # The slow part outside any transaction; an unknown name costs the same work.
    # (a lone surrogate cannot be in any password set: it is only made harmless here)
    password = password.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    ok = check_password_hash(row["password_hash"] if row is not None else _dummy_hash(), password)
    reason = ("unknown_user" if row is None else "inactive" if not row["active"]
              else None if ok else "bad_password")
    with svc.engine.begin() as conn:
        outcome = "success" if reason is None else "failure"
        if reason is not None and \
                _failures(conn, key, address, now, policy) + 1 >= policy.max_failures:
            outcome = "lock"
        recorded = _recent_facts(conn, address, now) < policy.cap_per_minute
        _insert(conn, key, address, now, outcome, recorded, policy)
    who = ({"username": username} if row is not None
           else {"username": None, "username_hmac": key})
    if not recorded:
        log.warning("login %s from %s over the cap of %d facts a minute: not recorded",
                    outcome, address, policy.cap_per_minute)
    elif reason is None:
        record(svc, "record_login", {"outcome": "succeeded", **who, "client_address": address},
               address)
    else:
        record(svc, "record_login", {"outcome": "failed", **who, "reason": reason,
                                     "client_address": address}, address)
        if outcome == "lock":
            record(svc, "record_login", {"outcome": "locked", **who, "client_address": address,
                                         "until": format_instant(now + policy.lock_for)}, address)
    if reason is not None:
        raise Unauthenticated(BAD_CREDENTIALS)
    return row


def _storable(text: str) -> bool:
    """Whether a database can be asked for this text (no NUL, no lone surrogate)."""
    if "\x00" in text or len(text) > 80:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _locked_until(conn, key: str, address: str, now: datetime,
                  policy: LoginPolicy) -> datetime | None:
    since = format_instant(now - policy.lock_for)
    locked_at = conn.execute(select(func.max(login_attempts.c.attempted_at)).where(
        login_attempts.c.username_key == key, login_attempts.c.client_address == address,
        login_attempts.c.outcome == "lock", login_attempts.c.attempted_at > since)).scalar()
    if locked_at is None:
        return None
    return datetime.fromisoformat(locked_at.replace("Z", "+00:00")) + policy.lock_for


def _failures(conn, key: str, address: str, now: datetime, policy: LoginPolicy) -> int:
    """Failures of the pair within the window since its last success or lock."""
    rows = conn.execute(select(login_attempts.c.outcome).where(
        login_attempts.c.username_key == key, login_attempts.c.client_address == address,
        login_attempts.c.attempted_at > format_instant(now - policy.window))
        .order_by(login_attempts.c.attempted_at.desc(), login_attempts.c.id.desc())).scalars()
    count = 0
    for outcome in rows:
        if outcome != "failure":
            break
        count += 1
    return count


def _recent_facts(conn, address: str, now: datetime) -> int:
    return conn.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.client_address == address, login_attempts.c.recorded.is_(True),
        login_attempts.c.attempted_at > format_instant(now - timedelta(minutes=1)))).scalar()


def _insert(conn, key: str, address: str, now: datetime, outcome: str, recorded: bool,
            policy: LoginPolicy) -> None:
    conn.execute(delete(login_attempts).where(
        login_attempts.c.client_address == address,
        login_attempts.c.attempted_at < format_instant(now - policy.keep)))
    conn.execute(login_attempts.insert().values(
        username_key=key, client_address=address, attempted_at=format_instant(now),
        outcome=outcome, recorded=recorded))
