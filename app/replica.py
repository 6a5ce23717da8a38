"""A read replica (``DATABASE_READ_URL``): a copy of the database, kept current by the server's
streaming replication, that answers live reads so that the primary is left to the writes.

Read-your-writes: a reader that names the position of its last command is answered from the
replica only once the replica holds that event; the replica is given ``READ_REPLICA_WAIT_MS`` to
catch up, and the primary answers after that. A replica that cannot be reached, or that fails in
the middle of a read, is left alone for a few seconds and the primary answers meanwhile: a
replica lagging or down makes reads slower, never wrong and never an error.
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from .db import make_engine
from .events.tables import events

# how long a replica that failed is not asked again, and how often its head is read while waiting
RESTING_SECONDS = 5.0
POLL_SECONDS = 0.02


class ReplicaFailed(Exception):
    """The replica failed in the middle of a read (the database error is its cause): the read is
    to be done again on the primary, which is asked alone for a while. Where it cannot be, the
    request answers 503, as for any database that went away (``app/failures.py``)."""


class ReadReplica:
    def __init__(self, url: str, wait_ms: float = 500) -> None:
        # a replica whose host does not answer costs a reader two seconds at most (libpq's
        # minimum), then the primary answers
        timeout = {"connect_args": {"connect_timeout": 2}} if url.startswith("postgresql") else {}
        self.engine = make_engine(url, **timeout)
        self.wait = max(wait_ms, 0) / 1000
        self._resting_until = 0.0
        self._lock = threading.Lock()

    def connect(self, after: int | None = None) -> Connection | None:
        """An open connection to the replica, once it holds the event at position ``after`` (any
        state when None); None when the primary is to answer instead."""
        if time.monotonic() < self._resting_until:
            return None
        conn = None
        try:
            conn = self.engine.connect()
            if after is not None and not self._caught_up(conn, after):
                conn.close()
                return None
            return conn
        except DBAPIError:
            if conn is not None:
                conn.close()
            self.failed()
            return None

    def _caught_up(self, conn: Connection, after: int) -> bool:
        deadline = time.monotonic() + self.wait
        head = select(func.coalesce(func.max(events.c.position), 0))
        while True:
            # read committed: each read sees what the replica has replayed by then
            if conn.execute(head).scalar_one() >= after:
                conn.rollback()
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)

    def failed(self) -> None:
        """The replica failed a reader: the primary answers for the next few seconds."""
        with self._lock:
            self._resting_until = time.monotonic() + RESTING_SECONDS

    def dispose(self) -> None:
        self.engine.dispose()
