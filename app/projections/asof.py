"""As-of snapshots from checkpoints on disk.

A checkpoint is an SQLite file holding every projection table as it stood at a position that is a
multiple of ``every``, named by that position and the hash of the event there (the hash chain
makes it a fingerprint of the whole history up to it, so a file can never be taken for another
database's or a rewritten history's), under a directory named by the projections' definition.
A checkpoint is made when an answer first needs it, from the nearest earlier one kept plus the
events between them, folded into a copy of that file; the files are kept within a number of
bytes on disk, the least recently used removed first.

An as-of answer at position p reads the nearest checkpoint at or below p in place (attached
read-only and immutable: never copied) and folds only the tail (at most ``every`` events) with the
live fold functions into an overlay in memory: for each table the tail touched, its new rows and
the keys it replaced or removed, behind a TEMP view of the table's name that joins the two. The
snapshots are kept in a cache bounded by their bytes; at most ``concurrent`` folds run at once in
a process (the others wait), so cycling instants costs a bounded amount of memory and CPU.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import Engine, Table, create_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

from ..events import reads
from ..events.chain import GENESIS_HASH
from ..events.model import RecordedEvent
from .base import Row, Rows, insert_sql

if TYPE_CHECKING:
    from ..events.store import EventStore
    from .engine import ProjectionSet
_SQLITE_ENGINE = create_engine("sqlite://")
_SQLITE = _SQLITE_ENGINE.dialect
# the pages of its checkpoint a snapshot keeps in memory; the rest are read from the file (the
# system's page cache) when asked again
_PAGE_CACHE_KB = 2048


class _Shape:
    """What TailRows needs of a table, worked out once per table (not per row)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.cols = [c.name for c in table.columns]
        self.pk = [c.name for c in table.primary_key.columns]
        where = " AND ".join(f'"{c}" = ?' for c in self.pk)
        self.select = f'SELECT {", ".join(chr(34) + c + chr(34) for c in self.cols)} ' \
                      f'FROM "{table.name}" WHERE {where}'
        self.delete = f'DELETE FROM "{table.name}" WHERE {where}'
        self.insert = insert_sql(table, "?")
        self.key = itemgetter(*self.pk) if len(self.pk) > 1 else \
            (lambda row, k=self.pk[0]: (row[k],))

    def values(self, row: Row) -> list:
        return [row.get(c) for c in self.cols]


class TailRows(Rows):
    """Rows of an SQLite connection read on first use, kept in dictionaries while the tail is
    folded, then written back at once: the same ``get``/``put``/``delete`` the live path offers."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._rows: dict[tuple[str, tuple], Row | None] = {}
        self._shapes: dict[str, _Shape] = {}

    def _shape(self, table: Table) -> _Shape:
        shape = self._shapes.get(table.name)
        if shape is None:
            shape = self._shapes[table.name] = _Shape(table)
        return shape

    def get(self, table: Table, *key: Any) -> Row | None:
        ck = (table.name, key)
        if ck in self._rows:
            return self._rows[ck]
        shape = self._shape(table)
        found = self.conn.execute(shape.select, key).fetchone()
        row = self._rows[ck] = None if found is None else dict(zip(shape.cols, found))
        return row

    def put(self, table: Table, row: Row) -> None:
        self._rows[(table.name, self._shape(table).key(row))] = row

    def delete(self, table: Table, *key: Any) -> None:
        self._shape(table)
        self._rows[(table.name, key)] = None

    def write(self) -> None:
        for (name, key), row in self._rows.items():
            shape = self._shapes[name]
            self.conn.execute(shape.delete, key)
            if row is not None:
                self.conn.execute(shape.insert, shape.values(row))
        self._rows.clear()

    def overlay(self, base: str) -> None:
        """The folded rows as an overlay of the tables of the attached schema ``base``: per
        table touched, its rows now (``main.<table>``) and the keys of the base's rows they
        replace or remove (``main."<table>$gone"``), and a TEMP view named as the table (TEMP
        is looked up first) holding the base's rows not gone and the rows now."""
        by_table: dict[str, list[tuple[tuple, Row | None]]] = {}
        for (name, key), row in self._rows.items():
            by_table.setdefault(name, []).append((key, row))
        for name, changed in by_table.items():
            shape = self._shapes[name]
            pk = [f'"{c}"' for c in shape.pk]
            cols = ", ".join(f'"{c}"' for c in shape.cols)
            self.conn.execute(str(CreateTable(shape.table).compile(dialect=_SQLITE)))
            self.conn.execute(f'CREATE TABLE "{name}$gone" ({", ".join(pk)}, '
                              f'PRIMARY KEY ({", ".join(pk)})) WITHOUT ROWID')
            self.conn.executemany(f'INSERT INTO "{name}$gone" VALUES '
                                  f'({", ".join("?" * len(pk))})', [k for k, _ in changed])
            self.conn.executemany(shape.insert, [shape.values(row) for _, row in changed
                                                 if row is not None])
            keys = pk[0] if len(pk) == 1 else f'({", ".join(pk)})'
            self.conn.execute(
                f'CREATE TEMP VIEW "{name}" AS SELECT {cols} FROM {base}."{name}" '
                f'WHERE {keys} NOT IN (SELECT {", ".join(pk)} FROM main."{name}$gone") '
                f'UNION ALL SELECT {cols} FROM main."{name}"')
        self._rows.clear()


def sqlite_bytes(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute(
        "PRAGMA page_size").fetchone()[0]


class Checkpoints:
    def __init__(self, projections: "ProjectionSet", directory: str | Path, every: int = 5000,
                 cache_bytes: int = 96 * 2 ** 20, concurrent: int = 2,
                 max_disk_bytes: int = 4 * 2 ** 30) -> None:
        self.projections = projections
        self.directory = Path(directory)
        self.every = every
        self.cache_bytes = cache_bytes
        self.max_disk_bytes = max_disk_bytes
        self._folds = threading.BoundedSemaphore(concurrent)
        self._cache: OrderedDict[tuple[str, int], tuple[Engine, int]] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()
        self._made = threading.Lock()  # one process makes one checkpoint at a time
        self._fingerprint: str | None = None  # of the tables' definition: a new one, new files

    # -- the answers ---------------------------------------------------------------
    def snapshot(self, store: "EventStore", position: int) -> Engine:
        key = (str(store.engine.url), position)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit[0]
        with self._folds:  # beyond the limit a fold waits for another to end
            with self._lock:
                hit = self._cache.get(key)
                if hit is not None:
                    return hit[0]
            base = position - position % self.every
            # uri: so that ATTACH reads the file's name as a URI (read-only, immutable)
            conn = sqlite3.connect(":memory:", uri=True, check_same_thread=False)
            for attempt in (1, 2):
                path = self.checkpoint(store, base)
                try:
                    conn.execute("ATTACH DATABASE ? AS checkpoint",
                                 (f"file:{path}?mode=ro&immutable=1",))
                    break
                except sqlite3.OperationalError:  # removed by another process in between
                    if attempt == 2:
                        raise
            conn.execute(f"PRAGMA checkpoint.cache_size = -{_PAGE_CACHE_KB}")
            rows = TailRows(conn)
            self._fold_into(rows, store.read_all(after=base, until_position=position,
                                                 chain=False))
            rows.overlay("checkpoint")
            conn.commit()
            size = sqlite_bytes(conn) + _PAGE_CACHE_KB * 1024
        engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
        self._remember(key, engine, size)
        return engine

    def _remember(self, key, engine: Engine, size: int) -> None:
        with self._lock:
            self._cache[key] = (engine, size)
            self._cached_bytes += size
            # the newest stays even when it alone is over the bound: it is being answered from
            while self._cached_bytes > self.cache_bytes and len(self._cache) > 1:
                _, (old, old_size) = self._cache.popitem(last=False)
                self._cached_bytes -= old_size
                old.dispose()

    @property
    def cached_bytes(self) -> int:
        return self._cached_bytes

    def _fold(self, conn: sqlite3.Connection, evs: Iterable[RecordedEvent]) -> None:
        rows = TailRows(conn)
        self._fold_into(rows, evs, write_every=5000)
        rows.write()

    def _fold_into(self, rows: TailRows, evs: Iterable[RecordedEvent],
                   write_every: int | None = None) -> None:
        dispatch = self.projections._dispatch
        for n, ev in enumerate(evs, 1):
            for fn in dispatch.get(ev.type, ()):
                fn(rows, ev)
            if write_every and n % write_every == 0:
                # written back as it goes: a long fold holds a bounded set of rows
                rows.write()

    # -- the checkpoints ---------------------------------------------------------------
    def _dir(self) -> Path:
        if self._fingerprint is None:
            self._fingerprint = self.projections.fingerprint(_SQLITE_ENGINE)[:16]
        d = self.directory / self._fingerprint
        d.mkdir(parents=True, exist_ok=True)
        return d

    def _path(self, store: "EventStore", position: int) -> Path:
        if position == 0:
            digest = GENESIS_HASH
        else:
            with store.engine.connect() as c:
                digest = reads.hash_at(c, position)
        return self._dir() / f"{position:012d}-{digest[:24]}.sqlite3"

    def checkpoint(self, store: "EventStore", position: int) -> Path:
        """The file holding the projections at ``position`` (a multiple of ``every``), made when
        missing from the nearest earlier one kept, in one pass: only the checkpoints answers ask
        for are made, and the files stay within ``max_disk_bytes`` (the least recently used go)."""
        path = self._path(store, position)
        if path.exists():
            _touch(path)
            return path
        with self._made:
            if path.exists():
                return path
            start, start_path = position, path
            while start > 0 and not start_path.exists():  # the nearest earlier checkpoint kept
                start -= self.every
                start_path = self._path(store, start)
            if not start_path.exists():  # start == 0: the empty tables
                self._write_atomically(start_path, None, 0, 0, store)
            if start < position:
                self._write_atomically(path, start_path, start, position, store)
            self._evict(keep={path, start_path})
        return path

    def prepare(self, store: "EventStore") -> int:
        """Every checkpoint up to the head, each from the one before (after an upgrade, or ahead
        of the first as-of answers); how many there are."""
        head = store.head()[0]
        for position in range(0, head + 1, self.every):
            self.checkpoint(store, position)
        return head // self.every + 1

    def _evict(self, keep: set[Path]) -> None:
        files = sorted((p for p in self._dir().glob("*.sqlite3")), key=_mtime)
        total = sum(p.stat().st_size for p in files)
        for p in files:
            if total <= self.max_disk_bytes:
                return
            if p not in keep:
                total -= p.stat().st_size
                p.unlink(missing_ok=True)

    def _write_atomically(self, path: Path, base: Path | None, after: int, until: int,
                          store: "EventStore") -> None:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        conn = sqlite3.connect(tmp)
        try:
            if base is None:
                for table in self.projections.tables:
                    conn.execute(str(CreateTable(table).compile(dialect=_SQLITE)))
                    for index in table.indexes:
                        conn.execute(str(CreateIndex(index).compile(dialect=_SQLITE)))
            else:
                src = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
                try:
                    src.backup(conn)
                finally:
                    src.close()
            self._fold(conn, store.read_all(after=after, until_position=until, chain=False))
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, path)  # readers see a whole file or none



def _touch(path: Path) -> None:
    """Marks a checkpoint used (its mtime): the least recently used go first when over the bound."""
    try:
        os.utime(path)
    except FileNotFoundError:  # evicted by another process meanwhile: it is made again when needed
        pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
