"""Engines for SQLite (embedded default) and PostgreSQL (production)."""
from __future__ import annotations

import select

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError


# SQLite's write-ahead log is cut back to this size whenever a checkpoint empties it (every 1000
# pages written by default), so a busy server's log stays bounded instead of growing until the
# last connection closes.
WAL_SIZE_LIMIT = 64 * 1024 * 1024


def placeholder(paramstyle: str) -> str:
    """The driver's mark for a parameter: psycopg's %s, sqlite3's ?."""
    return "%s" if paramstyle in ("format", "pyformat") else "?"


def server_hung_up(dbapi_connection) -> bool:
    """An idle PostgreSQL connection the server has closed (a backend terminated, a restart).

    The server says goodbye on the socket, so an idle connection whose socket has something to
    read, or that the driver knows is bad, is one it dropped: found without a round trip, before
    a command is sent on it. (Asked of a connection in use, the answer means nothing.)
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return False
    if dbapi_connection.closed or pgconn.status != 0:  # 0: CONNECTION_OK
        return True
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    # No pre-ping: it costs a round trip per transaction. A connection the server dropped is
    # found by looking at its socket when it leaves the pool and replaced there; old ones are
    # recycled besides.
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        if server_hung_up(dbapi_connection):
            raise DisconnectionError("the server closed this connection")  # the pool reconnects

    return engine


def _sqlite_engine(url: str, **kwargs) -> Engine:
    if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        from sqlalchemy.pool import StaticPool

        kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    elif "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 8)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 60})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver's own transaction handling is switched off so that a write
        # can start with BEGIN IMMEDIATE: the write lock is taken before the
        # stream is read, which keeps appends serial and positions gap-free.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        if ":memory:" not in url:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA journal_size_limit={int(WAL_SIZE_LIMIT)}")
        # FULL: a committed event survives a power cut.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        driver = conn.connection.driver_connection
        if driver.in_transaction:  # a Connection joining the event store's open transaction
            return
        driver.execute("BEGIN IMMEDIATE" if conn.get_execution_options().get("duban_write")
                       else "BEGIN")

    return engine



