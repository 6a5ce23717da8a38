"""One runner per job at a time, across processes: a database lock held around each run.

PostgreSQL: a session advisory lock (pg_try_advisory_lock) on a key derived from the job's name,
taken on a connection of its own in autocommit, so it is held for the whole run whatever the
job's transactions do, and released by the server if the process dies.

SQLite has no such lock: a row in scheduler_locks is claimed under BEGIN IMMEDIATE (one claimant
at a time) as a lease that the runner renews while it runs (a heartbeat every third of the lease).
A lease whose owner ran on this host and is no longer alive is taken over at once; one from another
host is free when its heartbeat stops and the lease runs out.

Neither is the last line of defence: every job is idempotent, so a run that slipped past the
lock (a lease outlived by a very slow job) still appends nothing twice.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import Engine, delete, select, text, update

from ..events.model import format_instant
from .tables import scheduler_locks

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def new_owner() -> str:
    """Who holds a lock: unique per attempt, readable for the operator (host:pid:thread:nonce)."""
    return (f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:"
            f"{uuid.uuid4().hex[:8]}")


def owner_alive(owner: str) -> bool | None:
    """Whether the process an owner names is alive: known for one on this host, else None."""
    parts = owner.split(":")
    if len(parts) < 2 or parts[0] != socket.gethostname():
        return None
    try:
        pid = int(parts[1])
    except ValueError:
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key per job, the same in every process."""
    digest = hashlib.sha256(f"duban.scheduler.{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(engine: Engine, name: str, owner: str, clock: Clock,
             lease_seconds: int) -> Iterator[bool]:
    """Yield True when this runner holds the job's lock, False when another one does."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as held:
            yield held
        return
    held = claim_lease(engine, name, owner, clock(), lease_seconds)
    beat = _Heartbeat(engine, name, owner, clock, lease_seconds) if held else None
    try:
        yield held
    finally:
        if beat is not None:
            beat.stop()
        if held:
            release_lease(engine, name, owner)


class _Heartbeat:
    """Renews a lease while its run goes on, so that a short lease covers a long run."""

    def __init__(self, engine: Engine, name: str, owner: str, clock: Clock,
                 lease_seconds: int) -> None:
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(engine, name, owner, clock, lease_seconds),
            name=f"lease-{name}", daemon=True)
        self._thread.start()

    def _beat(self, engine: Engine, name: str, owner: str, clock: Clock, lease: int) -> None:
        while not self._stopped.wait(max(lease / 3, 0.05)):
            try:
                renew_lease(engine, name, owner, clock(), lease)
            except Exception:  # the run goes on; a lease that lapses is taken over at worst
                log.exception("renewing the lease of job %s failed", name)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    key = lock_key(name)
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        try:
            yield held
        finally:
            if held:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                except Exception:
                    # The session must not go back to the pool still holding the lock.
                    log.exception("releasing the lock of job %s failed", name)
                    conn.invalidate()
    finally:
        conn.close()


def claim_lease(engine: Engine, name: str, owner: str, now: datetime, lease_seconds: int) -> bool:
    now_text = format_instant(now)
    expires = format_instant(now + timedelta(seconds=lease_seconds))
    with engine.connect() as conn:
        conn.execution_options(duban_write=True)  # BEGIN IMMEDIATE: claimants take turns
        with conn.begin():
            row = conn.execute(select(scheduler_locks).where(scheduler_locks.c.name == name)).first()
            if (row is not None and row.owner != owner and row.expires_at > now_text
                    and owner_alive(row.owner) is not False):
                return False
            values = {"owner": owner, "acquired_at": now_text, "expires_at": expires}
            if row is None:
                conn.execute(scheduler_locks.insert().values(name=name, **values))
            else:
                conn.execute(update(scheduler_locks).where(scheduler_locks.c.name == name)
                             .values(**values))
    return True


def renew_lease(engine: Engine, name: str, owner: str, now: datetime, lease_seconds: int) -> None:
    expires = format_instant(now + timedelta(seconds=lease_seconds))
    with engine.connect() as conn:
        conn.execution_options(duban_write=True)
        with conn.begin():
            conn.execute(update(scheduler_locks).where(scheduler_locks.c.name == name,
                                                       scheduler_locks.c.owner == owner)
                         .values(expires_at=expires))


def held_by_live_runner(engine: Engine, name: str, now: datetime) -> bool:
    """Whether a live runner holds the job's lock now (for telling a dead run from a live one)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as free:
            return not free
    with engine.connect() as conn:
        row = conn.execute(select(scheduler_locks).where(scheduler_locks.c.name == name)).first()
    return (row is not None and row.expires_at > format_instant(now)
            and owner_alive(row.owner) is not False)


def release_lease(engine: Engine, name: str, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(scheduler_locks).where(scheduler_locks.c.name == name,
                                                   scheduler_locks.c.owner == owner))
