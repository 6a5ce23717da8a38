"""Inclusion and consistency proofs over the events, as the API answers them.

Each runs on one connection: a proof costs the check that the stored subtree hashes cover the
size asked for, one query for the stored hashes it needs and one or two 64-event range reads.
"""
from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from ..events.tables import events
from . import tree


def log_size(engine: Engine, conn: Connection | None = None) -> int:
    if conn is not None:
        return conn.execute(select(func.max(events.c.position))).scalar() or 0
    with engine.connect() as c:
        return log_size(engine, c)


def _view(engine: Engine, conn: Connection, size: int) -> tree.TreeView:
    """The tree over ``size`` events; the stored hashes are extended first when behind (a few
    rows once the tree is built). Should that write have to wait too long, the proof is computed
    from the events all the same."""
    if tree.cached_blocks(conn) < size >> tree.BLOCK_LEVEL:
        conn.rollback()  # a fresh snapshot after the build
        try:
            tree.build(engine, size)
        except OperationalError:
            pass
    return tree.TreeView(conn, size)


def _run(engine: Engine, conn: Connection | None, size: int, fn):
    if conn is not None:
        return fn(_view(engine, conn, size))
    with engine.connect() as c:
        return fn(_view(engine, c, size))


def inclusion(engine: Engine, position: int, size: int, conn: Connection | None = None) -> dict:
    path = _run(engine, conn, size, lambda v: v.inclusion(position - 1))
    return {"leaf_index": position - 1, "tree_size": size, "path": [p.hex() for p in path]}


def consistency(engine: Engine, first: int, second: int, conn: Connection | None = None) -> dict:
    path = _run(engine, conn, second, lambda v: v.consistency(first))
    return {"first": first, "second": second, "path": [p.hex() for p in path]}


def root(engine: Engine, size: int, conn: Connection | None = None) -> str:
    return _run(engine, conn, size, lambda v: v.root()).hex()
