"""The connection of one write transaction is kept for the next one (a fast path of the SQLite and
PostgreSQL recorders; the plain recorder takes one from the pool for each transaction).

Taking a connection from SQLAlchemy's pool and giving it back, with the pool's reset, costs
as much as validating an event's payload. The SQLAlchemy Connection itself is kept, so that
whatever a transaction runs through it leaves it fit to be kept. One connection per engine stays out of the pool between
write transactions; however many stores share the engine, the pool lends at most one more than it
would otherwise. One left unused for a minute goes back to the pool, whose recycling then applies.

On SQLite the kept connection also carries what its last transaction left: data_version as that
transaction saw it, and the head after its commit. data_version changes only when another
connection commits, so the next transaction, finding it unchanged under the write lock, knows
the head without reading it.
"""
from __future__ import annotations

import os
import threading
import time
import weakref

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import Pool

from ..db import server_hung_up

# data_version and the head (position, hash, recorded_at) a committed transaction left behind
Mark = tuple[int, tuple[int, str, str]]

IDLE_SECONDS = 60.0


class KeptConnection:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[Pool, Connection, Mark | None, float] | None = None

    def take(self, engine: Engine) -> tuple[Connection, Mark | None]:
        """The kept connection and its mark if it came from the engine's present pool, else one
        from the pool (after ``dispose()`` the engine has a new pool, and perhaps a new file)."""
        with self._lock:
            kept, self._kept = self._kept, None
        if kept is not None:
            pool, conn, mark, since = kept
            if pool is not engine.pool or server_hung_up(conn.connection.dbapi_connection):
                # its pool was disposed of, or the server dropped it: closed, not lent again
                _invalidate(conn)
            elif time.monotonic() - since < IDLE_SECONDS:
                return conn, mark
            else:
                conn.close()
        return engine.connect(), None

    def give(self, engine: Engine, conn: Connection, mark: Mark | None) -> None:
        """Back from a transaction that ended cleanly: kept if none is, else to the pool."""
        with self._lock:
            if self._kept is None:
                self._kept = (engine.pool, conn, mark, time.monotonic())
                return
        conn.close()

    def drop(self, _engine: Engine | None = None) -> None:
        """Close the kept connection (the engine's pool was disposed of)."""
        with self._lock:
            kept, self._kept = self._kept, None
        if kept is not None:
            _invalidate(kept[1])


def _invalidate(conn: Connection) -> None:
    conn.invalidate()
    conn.close()


# Keyed weakly by engine: an engine that is gone takes its kept connection along, and the pool's
# own clean-up returns it.
_kept: weakref.WeakKeyDictionary[Engine, KeptConnection] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


# A process made by fork() must not use its parent's connection, nor close it or roll it back
# (the same socket or file is the parent's): the child forgets them all, and holds on to them so
# that no clean-up ever reaches them.
_inherited: list[object] = []


def _forget_in_child() -> None:
    global _kept_lock
    _kept_lock = threading.Lock()  # a thread of the parent may have held it; none runs here
    for kept in list(_kept.values()):
        kept._lock = threading.Lock()
        if kept._kept is not None:
            _inherited.append(kept._kept)
            kept._kept = None


os.register_at_fork(after_in_child=_forget_in_child)


def kept_connection(engine: Engine) -> KeptConnection:
    with _kept_lock:
        kept = _kept.get(engine)
        if kept is None:
            kept = _kept[engine] = KeptConnection()
            event.listen(engine, "engine_disposed", kept.drop)
        return kept
