"""The event log's Merkle tree (RFC 9162 §2.1), answered from stored hashes of complete subtrees.

Leaf i (from 0) is the 32 bytes of the hash of the event at position i + 1. Nothing is done
when an event is appended: the tree is computed when asked for. The table ``merkle_nodes`` keeps
the hash of every complete subtree of 2**6 = 64 leaves and more, keyed by (level, index), over
a prefix of the log that is extended when a proof or a checkpoint needs more of it. A complete
subtree never changes in an append-only log, so a stored hash stays right; the subtrees below
64 leaves are one short range read of the events away, which costs less than keeping a row
for each (a proof at 1,000,000 events took twice as long with 256-event blocks, and 64 keeps
the table at about 31,000 rows per million events). Any proof then reads O(log n) stored
hashes and at most two 64-event blocks, in one statement, whatever the size of the log.

The stored hashes are a cache for answering proofs quickly, never evidence: a proof served from
them is checked by whoever receives it against a checkpoint they hold, and ``audit verify
--against`` recomputes the root from the events themselves (see against.py).
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    func,
    select,
)

from . import merkle

BLOCK_LEVEL = 6
BLOCK = 1 << BLOCK_LEVEL
CHUNK_BLOCKS = 1024  # blocks read and written per transaction while building (65,536 events)

metadata = MetaData()
merkle_nodes = Table(
    "merkle_nodes", metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("hash", String(64), nullable=False),
)


class LogGap(Exception):
    """Events are missing where the tree needs them (deleted behind the store's back)."""

    def __init__(self, position: int) -> None:
        super().__init__(f"no event at position {position}")
        self.position = position


def leaves(conn: Connection, start: int, end: int) -> list[bytes]:
    """The leaves [start, end): the raw hashes of the events at positions start+1 .. end."""
    # Plain SQL on the driver with the two integers written in: a proof runs a few of these, and
    # building the statement through SQLAlchemy cost more than the database's work.
    rows = conn.exec_driver_sql(
        f"SELECT position, hash FROM events WHERE position > {int(start)} "
        f"AND position <= {int(end)} ORDER BY position").fetchall()
    expected = start + 1
    out = []
    for position, h in rows:
        if position != expected:
            raise LogGap(expected)
        out.append(bytes.fromhex(h))
        expected += 1
    if expected != end + 1:
        raise LogGap(expected)
    return out


def _block_root(leaf_bytes: list[bytes]) -> bytes:
    return merkle.perfect_root([merkle.leaf_hash(x) for x in leaf_bytes])


# -- the stored prefix ---------------------------------------------------------------------
def cached_blocks(conn: Connection) -> int:
    """How many 64-event blocks the stored hashes cover (always a prefix of the log)."""
    top = conn.execute(select(func.max(merkle_nodes.c.idx))
                       .where(merkle_nodes.c.level == BLOCK_LEVEL)).scalar()
    return 0 if top is None else top + 1


def _frontier(conn: Connection, blocks: int) -> list[tuple[int, int, bytes]] | None:
    """The complete subtrees that make up the first ``blocks`` blocks, largest first."""
    keys = [(level + BLOCK_LEVEL, idx) for level, idx in merkle.perfect_subtrees(0, blocks)]
    found = _fetch(conn, keys)
    if len(found) != len(keys):
        return None
    return [(level, idx, found[(level, idx)]) for level, idx in keys]


def _keys_where(keys: Iterable[tuple[int, int]]) -> str:
    by_level: dict[int, list[int]] = {}
    for level, idx in keys:
        by_level.setdefault(level, []).append(int(idx))
    # One IN per level, ORed: both databases search the key for each ((level, idx) IN (VALUES
    # ...) scans the whole table on SQLite). Integers only, written in: see leaves().
    return " OR ".join(f"(level = {int(level)} AND idx IN ({', '.join(map(str, idxs))}))"
                       for level, idxs in sorted(by_level.items()))


def _fetch(conn: Connection, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    keys = list(keys)
    if not keys:
        return {}
    rows = conn.exec_driver_sql(
        f"SELECT level, idx, hash FROM merkle_nodes WHERE {_keys_where(keys)}").fetchall()
    return {(level, idx): bytes.fromhex(h) for level, idx, h in rows}


def _insert(conn: Connection, nodes: list[tuple[int, int, bytes]]) -> None:
    if not nodes:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # Two processes extending at once compute the same hashes: the second's rows are dropped.
    conn.execute(insert(merkle_nodes).on_conflict_do_nothing(),
                 [{"level": level, "idx": idx, "hash": h.hex()} for level, idx, h in nodes])


def extend(conn: Connection, size: int, after_chunk: Callable[[int], None] | None = None,
           read: Connection | None = None, have: int | None = None) -> int:
    """Store the complete subtrees (≥ 64 leaves) of the log's first ``size`` events that are
    not stored yet; answer how many blocks were added. ``read`` (default: ``conn``) reads the
    events; ``after_chunk(blocks)`` runs after each chunk is written (to commit it); ``have``,
    the blocks stored as the caller last saw (read again when not given: one lower than today's
    only costs hashes computed again, whose rows are then dropped)."""
    target = size >> BLOCK_LEVEL
    if have is None:
        have = cached_blocks(conn)
    if have >= target:
        return 0
    first: list[bytes] | None = None
    if read is None:
        # the usual case, a few blocks behind: the frontier and the events of the first chunk
        # in one statement
        keys = [(level + BLOCK_LEVEL, idx) for level, idx in merkle.perfect_subtrees(0, have)]
        upto = min(target, have + CHUNK_BLOCKS)
        found, (first,) = _fetch_with_leaves(conn, set(keys), [(have << BLOCK_LEVEL,
                                                                upto << BLOCK_LEVEL)])
        stack = ([(level, idx, found[(level, idx)]) for level, idx in keys]
                 if len(found) == len(keys) else None)
    else:
        stack = _frontier(conn, have)
    read = read if read is not None else conn
    if stack is None:  # the stored rows are not the prefix they should be: start again
        have, stack, first = 0, [], None
    start = have
    while have < target:
        upto = min(target, have + CHUNK_BLOCKS)
        leaf_bytes = first if first is not None else leaves(read, have << BLOCK_LEVEL,
                                                            upto << BLOCK_LEVEL)
        first = None
        new: list[tuple[int, int, bytes]] = []
        for b in range(have, upto):
            offset = (b - have) << BLOCK_LEVEL
            h = _block_root(leaf_bytes[offset:offset + BLOCK])
            level, idx = BLOCK_LEVEL, b
            new.append((level, idx, h))
            while stack and stack[-1][0] == level:  # a binary counter of complete subtrees
                h = merkle.node_hash(stack.pop()[2], h)
                level, idx = level + 1, idx >> 1
                new.append((level, idx, h))
            stack.append((level, idx, h))
        _insert(conn, new)
        have = upto
        if after_chunk is not None:
            after_chunk(have - start)
    return have - start


def build(engine: Engine, size: int | None = None,
          progress: Callable[[int], None] | None = None) -> int:
    """Extend the stored hashes to cover ``size`` events (default: the whole log), one chunk per
    transaction; answer the blocks added. Safe to run at any time, by any number of processes."""
    with engine.connect() as conn:
        # the log's size and the blocks stored, in one statement
        head, top = conn.exec_driver_sql(
            "SELECT (SELECT max(position) FROM events), "
            f"(SELECT max(idx) FROM merkle_nodes WHERE level = {BLOCK_LEVEL})").one()
        if size is None:
            size = head or 0
        have = 0 if top is None else top + 1
        if have >= size >> BLOCK_LEVEL:
            return 0  # current: no write transaction (on SQLite, no write lock) at all
        conn.rollback()
        done = [0]

        def commit(write: Connection):
            def after_chunk(blocks: int) -> None:
                write.commit()
                if progress is not None:
                    progress((blocks - done[0]) << BLOCK_LEVEL)
                done[0] = blocks
            return after_chunk

        if (size >> BLOCK_LEVEL) - have <= CHUNK_BLOCKS:
            # a few blocks behind (the usual case): one write transaction on this connection
            conn.execution_options(duban_write=True)
            if conn.dialect.name == "postgresql":
                # a cache: a commit lost in a crash is computed again, so it need not wait for
                # the WAL to reach the disk (the wait was most of what keeping it current cost)
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            return extend(conn, size, commit(conn), have=have)
        # the upgrade: events read on this connection, hashes written on another, chunk by chunk
        with engine.connect().execution_options(duban_write=True) as write:
            added = extend(write, size, commit(write), read=conn)
            write.commit()
            return added


# -- proofs --------------------------------------------------------------------------------
class Behind(Exception):
    """A proof needs a complete subtree whose hash is not stored yet (the tree is not built that
    far): build, then ask again."""


class TreeView:
    """The tree over the log's first ``size`` events, for one root or proof.

    A proof is run twice: once to learn which subtrees it needs, then, after those are read, to
    compute it. Everything it needs (the stored hashes of the complete subtrees of 64 leaves and
    more, and the events of the one or two blocks with a ragged edge below 64 leaves) comes back
    from one statement: one round trip to the database per proof. ``strict`` raises Behind when
    a stored hash is missing instead of computing it from the events (a long read when the tree
    was never built).
    """

    def __init__(self, conn: Connection, size: int, strict: bool = False) -> None:
        self.conn = conn
        self.size = size
        self.strict = strict
        self._nodes: dict[tuple[int, int], bytes] = {}

    def root(self) -> bytes:
        if self.size == 0:
            return merkle.EMPTY_ROOT
        return self._run(lambda mth: mth(0, self.size))

    def inclusion(self, index: int) -> list[bytes]:
        return self._run(lambda mth: merkle.inclusion_path(index, self.size, mth))

    def consistency(self, first: int) -> list[bytes]:
        return self._run(lambda mth: merkle.consistency_path(first, self.size, mth))

    def _run(self, algorithm):
        wanted: set[tuple[int, int]] = set()

        def plan(start: int, end: int) -> bytes:
            wanted.update(merkle.perfect_subtrees(start, end))
            return b""

        algorithm(plan)
        self._load(wanted)
        return algorithm(self._mth)

    def _mth(self, start: int, end: int) -> bytes:
        return merkle.fold_right([self._nodes[k] for k in merkle.perfect_subtrees(start, end)])

    def _load(self, keys: set[tuple[int, int]]) -> None:
        keys = {k for k in keys if k not in self._nodes}
        upper = {k for k in keys if k[0] >= BLOCK_LEVEL}
        blocks = sorted({(idx << level) >> BLOCK_LEVEL for level, idx in keys - upper})
        ranges = [(b << BLOCK_LEVEL, min((b + 1) << BLOCK_LEVEL, self.size)) for b in blocks]
        found, block_leaves = _fetch_with_leaves(self.conn, upper, ranges)
        missing = upper - set(found)
        if missing and self.strict:
            raise Behind()
        for level, idx in missing:  # not stored (yet): from the events themselves
            found[(level, idx)] = merkle.perfect_root(
                [merkle.leaf_hash(x) for x in leaves(self.conn, idx << level, (idx + 1) << level)])
        self._nodes.update(found)
        for (start, _), layer in zip(ranges, block_leaves):
            self._add_block(start, layer)

    def _add_block(self, start: int, leaf_bytes: list[bytes]) -> None:
        """Every complete subtree below 64 leaves inside one block (cut at the tree's size)."""
        layer = [merkle.leaf_hash(x) for x in leaf_bytes]
        level, first = 0, start
        while layer and level < BLOCK_LEVEL:
            for i, h in enumerate(layer):
                self._nodes[(level, first + i)] = h
            layer = [merkle.node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer) - 1, 2)]
            level, first = level + 1, first >> 1


def _fetch_with_leaves(conn: Connection, keys: set[tuple[int, int]],
                       ranges: list[tuple[int, int]]
                       ) -> tuple[dict[tuple[int, int], bytes], list[list[bytes]]]:
    """The stored hashes of ``keys`` and the leaves of each range [start, end), in one statement
    (a UNION ALL: the events' rows come back with level -1 and their position)."""
    parts = []
    if keys:
        parts.append(f"SELECT level, idx, hash FROM merkle_nodes WHERE {_keys_where(keys)}")
    if ranges:
        where = " OR ".join(f"(position > {int(a)} AND position <= {int(b)})" for a, b in ranges)
        parts.append(f"SELECT -1, position, hash FROM events WHERE {where}")
    if not parts:
        return {}, []
    rows = conn.exec_driver_sql(" UNION ALL ".join(parts)).fetchall()
    found: dict[tuple[int, int], bytes] = {}
    by_position: dict[int, bytes] = {}
    for level, idx, h in rows:
        if level < 0:
            by_position[idx] = bytes.fromhex(h)
        else:
            found[(level, idx)] = bytes.fromhex(h)
    out = []
    for a, b in ranges:
        for p in range(a + 1, b + 1):
            if p not in by_position:
                raise LogGap(p)
        out.append([by_position[p] for p in range(a + 1, b + 1)])
    return found, out


def root(conn: Connection, size: int) -> bytes:
    """The root over the first ``size`` events, extending the stored hashes inside ``conn``'s
    transaction (a command's: the caller builds beforehand so that little is left to do)."""
    extend(conn, size)
    return TreeView(conn, size).root()
