"""Running projections: live in the append's transaction, rebuilt from scratch, or as of a position."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable, Iterable, Sequence

from sqlalchemy import Column, Connection, Engine, String, Table, create_engine, inspect, select
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable, sort_tables

from .. import fast_paths
from ..events.cache import HeadStateCache
from ..events.model import RecordedEvent
from ..events.store import EventStore, Transaction
from .asof import Checkpoints, sqlite_bytes
from .base import Apply, MemoryRows, Projection, Row, Rows, SqlRows, insert_sql, metadata, read_row

projection_state = Table(
    "projection_state",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
)

Progress = Callable[[int], None]


class ProjectionSet:
    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = list(projections)
        self._dispatch: dict[str, list[Apply]] = {}
        for p in self.projections:
            for event_type, fns in p.handlers.items():
                self._dispatch.setdefault(event_type, []).extend(fns)
        # rows as this process last wrote them (see SqlRows), beside a store that remembers
        self._cache = HeadStateCache()
        # snapshots folded from the first event (checkpoints off), with their bytes
        self._snapshots: OrderedDict[tuple[str, int], tuple[Engine, int]] = OrderedDict()
        self._snapshot_bytes = 0
        self._snap_lock = threading.Lock()
        self.checkpoints: Checkpoints | None = None  # as-of from checkpoints on disk (asof.py)

    @property
    def tables(self) -> list[Table]:
        return [t for p in self.projections for t in p.tables]

    def apply(self, rows: Rows, event: RecordedEvent) -> None:
        for fn in self._dispatch.get(event.type, ()):
            fn(rows, event)

    def rows(self, tx: Transaction) -> SqlRows:
        """The transaction's rows, one set per transaction: an import's later commands reuse what
        it read, and a handler reading a row sees what this transaction has folded so far."""
        rows = tx.local.get("projection_rows")
        if rows is None:  # the process's row cache only while the fast paths are on
            cache = self._cache if tx.store.memory is not None else None
            rows = tx.local["projection_rows"] = SqlRows(tx, cache)
        return rows

    def live(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        """The store's projector: fold new events into the tables, same transaction."""
        rows = self.rows(tx)
        for ev in events:
            self.apply(rows, ev)
        rows.flush()

    def row(self, tx: Transaction, table: Table, *key) -> Row | None:
        """A row as the transaction sees it, for a handler (read only): what it folded itself,
        else what this process remembers at the head, else the database. Before the transaction
        has read its head (nothing appended yet), from the database: rows begun without a head
        would not know which of the remembered ones hold."""
        if tx.start_head is None and "projection_rows" not in tx.local:
            return read_row(tx, table, key)
        return self.rows(tx).get(table, *key)

    def fold(self, events: Iterable[RecordedEvent], progress: Progress | None = None) -> MemoryRows:
        rows = MemoryRows()
        dispatch = self._dispatch
        n = 0
        for ev in events:
            fns = dispatch.get(ev.type)
            if fns:
                for fn in fns:
                    fn(rows, ev)
            n += 1
            if progress is not None and n % 10000 == 0:
                progress(10000)
        if progress is not None:
            progress(n % 10000)
        return rows

    # -- schema ----------------------------------------------------------
    def fingerprint(self, engine: Engine) -> str:
        # indexes are part of the definition: adding or changing one rebuilds the tables
        ddl = "".join(str(CreateTable(t).compile(dialect=engine.dialect))
                      + "".join(str(CreateIndex(i).compile(dialect=engine.dialect))
                                for i in sorted(t.indexes, key=lambda i: i.name or ""))
                      for t in self.tables)
        return hashlib.sha256(ddl.encode()).hexdigest()

    def is_current(self, engine: Engine) -> bool:
        if not inspect(engine).has_table(projection_state.name):
            return False
        with engine.connect() as conn:
            row = conn.execute(select(projection_state.c.fingerprint)
                               .where(projection_state.c.name == "all")).first()
        return row is not None and row[0] == self.fingerprint(engine)

    def rebuild(self, store: EventStore, progress: Progress | None = None) -> int:
        """Drop every projection table and fold all events into them again.

        Runs under the append lock, so no event can slip between the read and the swap.
        """
        with store.transaction() as tx:
            tx.after_commit(self._cache.clear)
            tables = self.tables + [projection_state]
            for table in reversed(sort_tables(tables)):
                tx.execute(DropTable(table, if_exists=True))
            for table in tables:
                tx.execute(CreateTable(table))
            counter = [0]

            def counted():
                for ev in tx.read_all(chain=False):
                    counter[0] += 1
                    yield ev

            rows = self.fold(counted(), progress)
            rows.write(tx.insert_many, self.tables)
            for table in tables:
                for index in table.indexes:
                    tx.execute(CreateIndex(index))
            tx.execute(projection_state.insert().values(name="all",
                                                        fingerprint=self.fingerprint(store.engine)))
            return counter[0]

    def ensure(self, store: EventStore, progress: Progress | None = None) -> bool:
        """Create or rebuild the projections when their definition changed; True if rebuilt."""
        if self.is_current(store.engine):
            return False
        self.rebuild(store, progress)
        return True

    # -- as of -----------------------------------------------------------
    def snapshot(self, store: EventStore, position: int) -> Engine:
        """An in-memory database holding the projections as they stood at a position: from the
        nearest checkpoint and the events since, or (checkpoints off: ``DUBAN_FAST_PATHS=0``)
        folded from the first event. Both give the same tables (tests/domain/test_asof.py)."""
        if self.checkpoints is not None and fast_paths.enabled():
            return self.checkpoints.snapshot(store, position)
        return self.snapshot_plain(store, position)

    def snapshot_plain(self, store: EventStore, position: int) -> Engine:
        """Every event up to the position folded into an in-memory database."""
        key = (str(store.engine.url), position)
        with self._snap_lock:
            cached = self._snapshots.get(key)
            if cached is not None:
                self._snapshots.move_to_end(key)
                return cached[0]
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
        rows = self.fold(store.read_all(until_position=position, chain=False))
        with engine.begin() as conn:
            _create_tables(conn, self.tables)
            cursor = conn.connection.driver_connection.cursor()
            try:
                rows.write(lambda table, _cols, values: cursor.executemany(
                    insert_sql(table, "?"), values), self.tables)
            finally:
                cursor.close()
            _create_indexes(conn, self.tables)
            size = sqlite_bytes(conn.connection.driver_connection)
        # as many as the as-of copies' bound allows (ASOF_CACHE_MB), and at most 8; the newest
        # stays even when it alone is over the bound: it is being answered from
        limit = self.checkpoints.cache_bytes if self.checkpoints is not None else 96 * 2 ** 20
        with self._snap_lock:
            if key in self._snapshots:  # made twice at once: the first one stays
                engine.dispose()
                return self._snapshots[key][0]
            self._snapshots[key] = (engine, size)
            self._snapshot_bytes += size
            while len(self._snapshots) > 1 and (len(self._snapshots) > 8
                                                or self._snapshot_bytes > limit):
                _, (old, old_size) = self._snapshots.popitem(last=False)
                self._snapshot_bytes -= old_size
                old.dispose()
        return engine


# A table filled at once gets its indexes after its rows: each index is then built in one sort
# instead of growing row by row.
def _create_tables(conn: Connection, tables: list[Table]) -> None:
    for table in tables:
        conn.execute(CreateTable(table))


def _create_indexes(conn: Connection, tables: list[Table]) -> None:
    for table in tables:
        for index in table.indexes:
            conn.execute(CreateIndex(index))
