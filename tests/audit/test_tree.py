"""The tree over the events, from stored subtree hashes: the same roots and proofs as the
independent implementation, at sizes across the 256-event blocks, on both databases."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from app.events import tree
from app.events.tree import BLOCK, BLOCK_LEVEL, merkle_nodes
from app.events import merkle
from app.events.tables import events
from tests.audit.test_merkle import ref_mth, ref_path, ref_subproof


def fake_hash(position: int) -> str:
    return hashlib.sha256(f"event {position}".encode()).hexdigest()


def add_events(engine, start: int, end: int) -> None:
    """Rows at positions start+1..end with made-up hashes: the tree reads nothing else."""
    rows = [{"position": p, "stream_id": f"s:{p % 7}", "stream_type": "s", "version": p,
             "type": "Noted", "schema_version": 1, "data": "{}", "meta": "{}",
             "business_date": None, "recorded_at": "2026-11-25T01:00:00.000000Z",
             "prev_hash": fake_hash(p - 1), "hash": fake_hash(p)} for p in range(start + 1, end + 1)]
    with engine.begin() as c:
        c.execute(events.insert(), rows)


def leaves(n: int) -> list[bytes]:
    return [bytes.fromhex(fake_hash(p)) for p in range(1, n + 1)]


def stored(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(merkle_nodes)).scalar()


SIZES = [1, 2, 255, 256, 257, 511, 512, 700, 1024, 1300]


def test_roots_and_proofs_match_the_independent_implementation(services):
    engine = services.engine
    add_events(engine, 0, 1300)
    d = leaves(1300)
    assert tree.build(engine, 1300) == 1300 // BLOCK
    with engine.connect() as conn:
        for n in SIZES:
            view = tree.TreeView(conn, n)
            assert view.root() == ref_mth(d[:n])
            for m in {0, n // 3, n - 1, min(n - 1, 256), min(n - 1, 600)}:
                assert view.inclusion(m) == ref_path(m, d[:n]), (m, n)
            for first in {1, n // 2 or 1, max(1, n - 1), min(n, 256), min(n, 513), n}:
                want = ref_subproof(first, d[:n], True) if first < n else []
                assert view.consistency(first) == want, (first, n)


def expected_keys(n: int) -> set[tuple[int, int]]:
    """Every complete subtree of BLOCK leaves or more inside the first n // BLOCK blocks."""
    covered = n // BLOCK * BLOCK
    return {(level, idx) for level in range(BLOCK_LEVEL, 21) for idx in range(covered >> level)}


def test_the_stored_hashes_grow_with_the_log_and_are_only_complete_subtrees(services):
    engine = services.engine
    add_events(engine, 0, 600)
    assert tree.build(engine) == 600 // BLOCK  # the events after the last full block: not stored
    assert stored(engine) == len(expected_keys(600))
    assert tree.build(engine) == 0  # nothing new: nothing written
    add_events(engine, 600, 1100)
    assert tree.build(engine) == 1100 // BLOCK - 600 // BLOCK
    with engine.connect() as c:
        rows = c.execute(select(merkle_nodes.c.level, merkle_nodes.c.idx, merkle_nodes.c.hash)).all()
    assert {(level, idx) for level, idx, _ in rows} == expected_keys(1100)
    d = leaves(1100)
    for level, idx, h in rows:
        assert h == ref_mth(d[idx << level:(idx + 1) << level]).hex()


def test_proofs_without_stored_hashes_are_the_same(services):
    """Before any build (or if the cache cannot be written) a proof is computed from the events."""
    engine = services.engine
    add_events(engine, 0, 800)
    d = leaves(800)
    with engine.connect() as conn:
        view = tree.TreeView(conn, 800)
        assert view.root() == ref_mth(d)
        assert view.inclusion(5) == ref_path(5, d)
    assert stored(engine) == 0


def test_root_inside_a_transaction_extends_the_store(services):
    engine = services.engine
    add_events(engine, 0, 520)
    with engine.begin() as conn:
        assert tree.root(conn, 520) == ref_mth(leaves(520))
    assert stored(engine) == len(expected_keys(520))


def test_a_missing_event_is_a_gap(services):
    engine = services.engine
    add_events(engine, 0, 10)
    add_events(engine, 11, 20)
    with engine.connect() as conn, pytest.raises(tree.LogGap) as exc:
        tree.TreeView(conn, 20).root()
    assert exc.value.position == 11


def test_the_streamed_root_builder_matches():
    d = leaves(1300)
    for n in SIZES:
        b = merkle.RootBuilder()
        for x in d[:n]:
            b.add(x)
        assert b.root() == ref_mth(d[:n]) and b.size == n
