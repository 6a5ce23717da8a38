"""The connection the store keeps between write transactions (SQLite) and what it must not do:
exhaust the pool, outlive the engine's pool, or carry a transaction into the next one."""
from __future__ import annotations

import os
import time

import pytest

from app import schema
from app.db import make_engine
from app.events.store import EventStore
from tests.store.test_store import META, count_events, make_store, noted, noted_registry


def test_many_stores_on_one_engine_leave_the_pool_free(database_url):
    # more stores than the pool lends connections: each keeping one would leave none for a read
    engine = make_engine(database_url, pool_size=2, max_overflow=1, pool_timeout=2)
    try:
        schema.upgrade(engine)
        stores = [EventStore(engine, noted_registry()) for _ in range(10)]  # all alive at once
        for i, store in enumerate(stores):
            store._append(f"note:{i}", "note", [noted()], 0, META)
        with engine.connect(), engine.connect():  # two at once: the pool still has them
            pass
        assert count_events(engine) == 10
    finally:
        engine.dispose()


def test_a_failed_transaction_leaves_the_next_one_clean(services, clock):
    store = make_store(services.engine, clock)
    store._append("note:a", "note", [noted("a")], 0, META)
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.append("note:a", "note", [noted("lost")], 1, META)
            raise RuntimeError("the handler failed after appending")
    # the next transaction starts from the database as it was: the lost event is nowhere
    with store.transaction() as tx:
        assert [e.data["text"] for e in tx.read_stream("note:a")] == ["a"]
        tx.append("note:a", "note", [noted("b")], 1, META)
    assert [e.data["text"] for e in store.read_stream("note:a")] == ["a", "b"]
    assert count_events(services.engine) == 2


def test_after_dispose_writes_go_to_the_file_now_at_the_path(tmp_path):
    # dispose() and a database made again at the same path (as a restore would): a connection
    # kept from before would still write into the old, unlinked file
    path = tmp_path / "duban.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        schema.upgrade(engine)
        make_store(engine)._append("note:a", "note", [noted("old")], 0, META)
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{path}{suffix}"):
                os.remove(f"{path}{suffix}")
        schema.upgrade(engine)
        make_store(engine)._append("note:b", "note", [noted("new")], 0, META)
        fresh = make_engine(f"sqlite:///{path}")
        try:
            assert count_events(fresh) == 1
        finally:
            fresh.dispose()
    finally:
        engine.dispose()


def test_dispose_closes_the_kept_connection(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("sessions are counted on the PostgreSQL server")
    from sqlalchemy import text

    engine = make_engine(database_url, connect_args={"application_name": "duban-kept-test"})
    watcher = make_engine(database_url)
    # this database's only: the test runs on two recorders at once, in two databases
    sessions = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'duban-kept-test'"
                    " AND datname = current_database()")
    try:
        store = make_store(engine)
        store._append("note:a", "note", [noted()], 0, META)
        with watcher.connect() as c:
            # kept for the next write (the plain recorder: back in the pool, which keeps it too)
            assert c.execute(sessions).scalar() == 1
        engine.dispose()
        # a backend leaves pg_stat_activity a moment after its client hangs up
        deadline = time.monotonic() + 5
        while True:
            with watcher.connect() as c:
                left = c.execute(sessions).scalar()
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert left == 0
    finally:
        engine.dispose()
        watcher.dispose()


def test_a_connection_kept_too_long_goes_back_to_the_pool(services, monkeypatch):
    from app.events import connections

    now = [1000.0]
    monkeypatch.setattr(connections.time, "monotonic", lambda: now[0])
    kept = connections.KeptConnection()
    first, _ = kept.take(services.engine)
    kept.give(services.engine, first, None)
    again, _ = kept.take(services.engine)
    assert again is first  # the next write, soon after: the same connection
    kept.give(services.engine, again, None)
    now[0] += connections.IDLE_SECONDS
    later, _ = kept.take(services.engine)
    assert later is not first  # from the pool, which recycles as it is configured to
    later.close()


def test_a_forked_process_never_uses_its_parents_connection(services):
    from app.events.connections import kept_connection

    store = make_store(services.engine)
    store._append("note:a", "note", [noted()], 0, META)
    kept = kept_connection(services.engine)
    parents, _ = kept.take(services.engine)
    kept.give(services.engine, parents, None)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answers whether it was offered the parent's connection, and goes
        try:
            offered, _ = kept.take(services.engine)
            os.write(write, b"parent's" if offered is parents else b"its own")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 20)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"its own"
    # and the parent's connection is still its own, fit for the next write
    store._append("note:a", "note", [noted("after")], 1, META)
    assert count_events(services.engine) == 2


def test_reads_and_writes_through_the_transaction_keep_the_connection(services, clock):
    from sqlalchemy import select

    from app.events.tables import events

    store = make_store(services.engine, clock)
    seen = []
    for i in range(3):
        with store.transaction() as tx:
            tx.append("note:a", "note", [noted(f"n{i}")], i, META)
            tx.query(select(events.c.position))
            tx.execute(events.select().limit(0))
            seen.append(tx.conn)
    if store.recorder.fast:  # one connection, kept from one write transaction to the next
        assert seen[0] is seen[1] is seen[2]
    else:  # the plain recorder keeps nothing: each transaction its own from the pool
        assert len({id(c) for c in seen}) == 3
    assert count_events(services.engine) == 3
