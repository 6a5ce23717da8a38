"""As-of answers from checkpoints on disk equal the plain fold from the first event, at every
position; the switch turns them off; the snapshots are bounded by bytes and the folds in number."""
from __future__ import annotations

import random
import threading
import time

import pytest

from app.projections.asof import Checkpoints
from tests.domain.test_rebuild import KINDS, World, dump


@pytest.fixture
def history(services):
    """A mixed history of a few hundred events (units, projects, problems, tasks, ...)."""
    rnd = random.Random(20)
    world = World(services)
    for kind in ["unit"] * 3 + ["project"] * 5:
        world.apply(kind, rnd.randrange(100), rnd.randrange(100))
    for _ in range(120):
        world.apply(rnd.choice(KINDS), rnd.randrange(100), rnd.randrange(100))
    return services


def _checkpoints(svc, tmp_path, **kw) -> Checkpoints:
    cp = Checkpoints(svc.projections, tmp_path / "asof", **{"every": 7, **kw})
    svc.projections.checkpoints = cp
    return cp


def test_checkpoint_answers_equal_the_plain_fold_at_every_position(history, tmp_path):
    svc = history
    cp = _checkpoints(svc, tmp_path, cache_bytes=0)
    head = svc.store.head()[0]
    assert head > 100
    for position in list(range(0, head + 1, 3)) + [head]:
        with cp.snapshot(svc.store, position).connect() as a, \
                svc.projections.snapshot_plain(svc.store, position).connect() as b:
            assert dump(svc, a) == dump(svc, b), position
    files = sorted(p.name for p in (tmp_path / "asof").rglob("*.sqlite3"))
    assert len(files) == head // 7 + 1  # one per interval, each made once, from the one before
    assert not list((tmp_path / "asof").rglob("*.tmp"))


def test_a_checkpoint_belongs_to_one_history(history, tmp_path, services):
    """Files are named by the event hash at their position: another history never reads them."""
    svc = history
    cp = _checkpoints(svc, tmp_path)
    path = cp.checkpoint(svc.store, 14)
    assert path.name.startswith("000000000014-")
    with svc.engine.connect() as c:
        from sqlalchemy import select

        from app.events.tables import events
        digest = c.execute(select(events.c.hash).where(events.c.position == 14)).scalar_one()
    assert digest[:24] in path.name


def test_the_switch_turns_the_checkpoints_off_with_the_same_answers(history, tmp_path,
                                                                   monkeypatch):
    svc = history
    cp = _checkpoints(svc, tmp_path)
    head = svc.store.head()[0]
    answers = {}
    for flag in ("1", "0"):
        monkeypatch.setenv("DUBAN_FAST_PATHS", flag)
        for position in (5, head // 2, head):
            with svc.projections.snapshot(svc.store, position).connect() as conn:
                answers.setdefault(position, []).append(dump(svc, conn))
    assert all(a == b for a, b in answers.values())
    monkeypatch.setenv("DUBAN_FAST_PATHS", "0")
    before = cp.cached_bytes
    svc.projections.snapshot(svc.store, head - 1)
    assert cp.cached_bytes == before  # the plain path never touched the checkpoints


def test_snapshots_are_bounded_by_bytes(history, tmp_path):
    svc = history
    one = _checkpoints(svc, tmp_path, cache_bytes=10 ** 9)
    one.snapshot(svc.store, 30)
    size = one.cached_bytes
    cp = _checkpoints(svc, tmp_path, cache_bytes=int(size * 2.5))
    head = svc.store.head()[0]
    for position in range(1, head, 5):
        cp.snapshot(svc.store, position)
        assert cp.cached_bytes <= max(size * 2.5, cp._cache[next(reversed(cp._cache))][1])
    assert len(cp._cache) <= 3


def test_plain_snapshots_are_bounded_by_the_same_bytes(history, tmp_path):
    svc = history
    head = svc.store.head()[0]
    svc.projections.snapshot_plain(svc.store, head)
    size = svc.projections._snapshot_bytes
    _checkpoints(svc, tmp_path, cache_bytes=int(size * 2.5))
    for position in range(head - 1, head - 8, -1):  # each about as large as the first
        svc.projections.snapshot_plain(svc.store, position)
        assert svc.projections._snapshot_bytes <= size * 2.5
    assert len(svc.projections._snapshots) == 2


def test_folds_beyond_the_limit_wait(history, tmp_path, monkeypatch):
    svc = history
    cp = _checkpoints(svc, tmp_path, concurrent=2)
    cp.checkpoint(svc.store, 70)
    running, most = [0], [0]
    lock = threading.Lock()
    fold = cp._fold_into

    def slow(rows, evs, write_every=None):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        fold(rows, evs, write_every)
        with lock:
            running[0] -= 1

    monkeypatch.setattr(cp, "_fold_into", slow)
    threads = [threading.Thread(target=cp.snapshot, args=(svc.store, 71 + i)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 2 and len(cp._cache) == 6


def test_checkpoints_stay_within_their_disk_bound(history, tmp_path):
    svc = history
    probe = _checkpoints(svc, tmp_path / "probe")
    size = probe.checkpoint(svc.store, 70).stat().st_size
    cp = _checkpoints(svc, tmp_path, max_disk_bytes=int(size * 3.5), cache_bytes=0)
    head = svc.store.head()[0]
    for position in range(head, 0, -9):  # from the end back: each answer needs another file
        with cp.snapshot(svc.store, position).connect() as a, \
                svc.projections.snapshot_plain(svc.store, position).connect() as b:
            assert dump(svc, a) == dump(svc, b), position
        files = list(cp._dir().glob("*.sqlite3"))
        assert sum(f.stat().st_size for f in files) <= size * 3.5 + size, position
    assert len(list(cp._dir().glob("*.sqlite3"))) <= 4


def test_prepare_makes_every_checkpoint_up_to_the_head(history, tmp_path):
    svc = history
    cp = _checkpoints(svc, tmp_path)
    head = svc.store.head()[0]
    assert cp.prepare(svc.store) == head // 7 + 1
    assert len(list(cp._dir().glob("*.sqlite3"))) == head // 7 + 1
    with cp.snapshot(svc.store, head).connect() as a, \
            svc.projections.snapshot_plain(svc.store, head).connect() as b:
        assert dump(svc, a) == dump(svc, b)


def test_the_checkpoints_command(runner, tmp_path):
    result = runner.invoke(args=["projections", "checkpoints"])
    assert result.exit_code == 0 and "1 个" in result.output, result.output
