"""SQLite: the connection of one write transaction is kept for the next one.

Taking a connection from SQLAlchemy's pool and giving it back, with the pool's reset, costs
as much as validating an event's payload, and on SQLite a connection is only an open file.
One connection per engine stays out of the pool between write transactions; however many stores
share the engine, the pool lends at most one more than it would otherwise.
"""
from __future__ import annotations

import threading
import weakref

from sqlalchemy import Engine
from sqlalchemy.pool import Pool, PoolProxiedConnection


class KeptConnection:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[Pool, PoolProxiedConnection] | None = None

    def take(self, engine: Engine) -> PoolProxiedConnection:
        """The kept connection if it came from the engine's present pool, else one from the
        pool (after ``dispose()`` the engine has a new pool, and perhaps a new file)."""
        with self._lock:
            kept, self._kept = self._kept, None
        if kept is not None:
            pool, pooled = kept
            if pool is engine.pool:
                return pooled
            pooled.close()
        return engine.raw_connection()

    def give(self, engine: Engine, pooled: PoolProxiedConnection) -> None:
        """Back from a transaction that ended cleanly: kept if none is, else to the pool."""
        with self._lock:
            if self._kept is None:
                self._kept = (engine.pool, pooled)
                return
        pooled.close()


# Keyed weakly by engine: an engine that is gone takes its kept connection along, and the pool's
# own clean-up returns it.
_kept: weakref.WeakKeyDictionary[Engine, KeptConnection] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def kept_connection(engine: Engine) -> KeptConnection:
    with _kept_lock:
        kept = _kept.get(engine)
        if kept is None:
            kept = _kept[engine] = KeptConnection()
        return kept
