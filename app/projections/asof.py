"""As-of snapshots from checkpoints on disk.

A checkpoint is an SQLite file holding every projection table as it stood at a position that is a
multiple of ``every``, named by that position and the hash of the event there (the hash chain
makes it a fingerprint of the whole history up to it, so a file can never be taken for another
database's or a rewritten history's), under a directory named by the projections' definition.
A checkpoint is made when an answer first needs it, from the nearest earlier one kept plus the
events between them, folded into a copy of that file; the files are kept within a number of
bytes on disk, the least recently used removed first.

An as-of answer at position p copies the nearest checkpoint at or below p into memory with
SQLite's backup API and folds only the tail (at most ``every`` events) into the copy with the live
fold functions. The copies are kept in a cache bounded by their bytes; at most ``concurrent`` folds
run at once in a process (the others wait), so cycling instants costs a bounded amount of memory
and CPU.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import Engine, Table, create_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

from ..events import reads
from ..events.chain import GENESIS_HASH
from ..events.model import RecordedEvent
from .base import Row, Rows

if TYPE_CHECKING:
    from ..events.store import EventStore
    from .engine import ProjectionSet
_SQLITE_ENGINE = create_engine("sqlite://")
_SQLITE = _SQLITE_ENGINE.dialect


class TailRows(Rows):
    """Rows of an SQLite connection read on first use, kept in dictionaries while the tail is
    folded, then written back at once: the same ``get``/``put``/``delete`` the live path offers."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._rows: dict[tuple[str, tuple], Row | None] = {}
        self._tables: dict[str, Table] = {}

    def _key(self, table: Table, key: tuple) -> tuple[str, tuple]:
        self._tables[table.name] = table
        return table.name, key

    def get(self, table: Table, *key: Any) -> Row | None:
        ck = self._key(table, key)
        if ck in self._rows:
            return self._rows[ck]
        cols = [c.name for c in table.columns]
        where = " AND ".join(f'"{c.name}" = ?' for c in table.primary_key.columns)
        found = self.conn.execute(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table.name}" '
            f"WHERE {where}", key).fetchone()
        row = self._rows[ck] = None if found is None else dict(zip(cols, found))
        return row

    def put(self, table: Table, row: Row) -> None:
        key = tuple(row[c.name] for c in table.primary_key.columns)
        self._rows[self._key(table, key)] = row

    def delete(self, table: Table, *key: Any) -> None:
        self._rows[self._key(table, key)] = None

    def write(self) -> None:
        for (name, key), row in self._rows.items():
            table = self._tables[name]
            where = " AND ".join(f'"{c.name}" = ?' for c in table.primary_key.columns)
            self.conn.execute(f'DELETE FROM "{name}" WHERE {where}', key)
            if row is not None:
                cols = [c.name for c in table.columns]
                self.conn.execute(
                    f'INSERT INTO "{name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                    f'VALUES ({", ".join("?" * len(cols))})', [row.get(c) for c in cols])
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
            mem = sqlite3.connect(":memory:", check_same_thread=False)
            for attempt in (1, 2):
                try:
                    src = sqlite3.connect(f"file:{self.checkpoint(store, base)}?mode=ro", uri=True)
                    try:
                        src.backup(mem)
                    finally:
                        src.close()
                    break
                except sqlite3.OperationalError:  # removed by another process in between
                    if attempt == 2:
                        raise
            self._fold(mem, store.read_all(after=base, until_position=position, chain=False))
            mem.commit()
            size = sqlite_bytes(mem)
        engine = create_engine("sqlite://", creator=lambda: mem, poolclass=StaticPool)
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
        dispatch = self.projections._dispatch
        for n, ev in enumerate(evs, 1):
            for fn in dispatch.get(ev.type, ()):
                fn(rows, ev)
            if n % 5000 == 0:  # written back as it goes: a long fold holds a bounded set of rows
                rows.write()
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
