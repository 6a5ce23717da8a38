"""Scratch databases for benchmarks: SQLite files in a temporary folder, PostgreSQL databases
created on the server named by BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) and dropped after."""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from typing import Callable, Iterator

from sqlalchemy import create_engine, make_url, text

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# make() -> (SQLAlchemy URL of a fresh database, a function opening a raw DB-API connection to it)
Maker = Callable[[], tuple[str, Callable[[], object]]]


def pg_unreachable() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL)
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # no server: say so and go on with SQLite
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"


def scratch_databases() -> Iterator[tuple[str, Maker]]:
    tmp = tempfile.mkdtemp(prefix="duban-bench-")
    try:
        def make_sqlite():
            path = os.path.join(tmp, f"{uuid.uuid4().hex[:8]}.sqlite3")

            def connect():
                conn = sqlite3.connect(path)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                return conn
            return f"sqlite:///{path}", connect

        yield "sqlite", make_sqlite
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    reason = pg_unreachable()
    if reason:
        print(f"  postgresql: skipped, no server at {PG_ADMIN_URL} ({reason})")
        return
    import psycopg

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []
    try:
        def make_pg():
            name = f"duban_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            made.append(name)
            url = make_url(PG_ADMIN_URL).set(database=name)
            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            return url.render_as_string(hide_password=False), lambda: psycopg.connect(dsn)

        yield "postgresql", make_pg
    finally:
        with admin.connect() as c:
            for name in made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
