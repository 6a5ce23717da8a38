"""Inclusion and consistency proofs over the events, as the API answers them."""
from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from ..events.tables import events
from . import tree


def log_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.max(events.c.position))).scalar() or 0


def _warm(engine: Engine, size: int) -> None:
    """Extend the stored subtree hashes first (a few rows once the tree is built). Should the
    write have to wait too long, the proof is computed from the events all the same."""
    try:
        tree.build(engine, size)
    except OperationalError:
        pass


def inclusion(engine: Engine, position: int, size: int) -> dict:
    _warm(engine, size)
    with engine.connect() as conn:
        path = tree.TreeView(conn, size).inclusion(position - 1)
    return {"leaf_index": position - 1, "tree_size": size, "path": [p.hex() for p in path]}


def consistency(engine: Engine, first: int, second: int) -> dict:
    _warm(engine, second)
    with engine.connect() as conn:
        path = tree.TreeView(conn, second).consistency(first)
    return {"first": first, "second": second, "path": [p.hex() for p in path]}


def root(engine: Engine, size: int) -> str:
    _warm(engine, size)
    with engine.connect() as conn:
        return tree.TreeView(conn, size).root().hex()
