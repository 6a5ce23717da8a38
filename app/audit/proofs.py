"""Inclusion and consistency proofs over the events, as the API answers them.

Each runs on one connection: a proof costs one statement that reads the stored subtree hashes
it needs and the one or two 64-event blocks below them (see tree.TreeView).
"""
from __future__ import annotations

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from ..events import reads, tree


def log_size(engine: Engine, conn: Connection | None = None) -> int:
    if conn is not None:
        return reads.head_position(conn)
    with engine.connect() as c:
        return log_size(engine, c)


def _run(engine: Engine, conn: Connection | None, size: int, fn):
    """``fn(view)`` over the tree of ``size`` events. The proof is first asked of the stored
    hashes as they are (one statement); only when they do not reach that far is the tree built
    (a few rows once it is built) and the proof asked again. Should that write have to wait too
    long, the proof is computed from the events all the same."""
    if conn is None:
        with engine.connect() as c:
            if c.dialect.name == "postgresql":
                # one statement needs no transaction around it: no BEGIN, no ROLLBACK, so the
                # proof is one round trip
                c = c.execution_options(isolation_level="AUTOCOMMIT")
            return _run(engine, c, size, fn)
    try:
        return fn(tree.TreeView(conn, size, strict=True))
    except tree.Behind:
        pass
    conn.rollback()  # a fresh snapshot after the build
    try:
        tree.build(engine, size)
    except OperationalError:
        pass
    return fn(tree.TreeView(conn, size))


def inclusion(engine: Engine, position: int, size: int, conn: Connection | None = None) -> dict:
    path = _run(engine, conn, size, lambda v: v.inclusion(position - 1))
    return {"leaf_index": position - 1, "tree_size": size, "path": [p.hex() for p in path]}


def consistency(engine: Engine, first: int, second: int, conn: Connection | None = None) -> dict:
    path = _run(engine, conn, second, lambda v: v.consistency(first))
    return {"first": first, "second": second, "path": [p.hex() for p in path]}


def root(engine: Engine, size: int, conn: Connection | None = None) -> str:
    return _run(engine, conn, size, lambda v: v.root()).hex()
