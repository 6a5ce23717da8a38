"""The recorders: how events are stored on each database (base.py has the interface)."""
from __future__ import annotations

from sqlalchemy import Engine

from .base import (APPEND_LOCK_KEY, GENESIS, ConcurrencyConflict, Head, Recorder, Session,
                   StaleHead)

__all__ = ["APPEND_LOCK_KEY", "GENESIS", "ConcurrencyConflict", "Head", "Recorder", "Session",
           "StaleHead", "recorder_for"]


def recorder_for(engine: Engine, fast: bool) -> Recorder:
    """The database's own recorder with its fast paths, or (``fast=False``) the plain one."""
    if not fast:
        from .plain import PlainRecorder

        return PlainRecorder(engine)
    if engine.dialect.name == "postgresql":
        from .postgresql import PostgresRecorder

        return PostgresRecorder(engine)
    from .sqlite import SQLiteRecorder

    return SQLiteRecorder(engine)
