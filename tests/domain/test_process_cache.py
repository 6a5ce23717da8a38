"""The rows a process remembers between its write transactions (HeadStateCache, SqlRows).

Another process's append, a rolled-back transaction and a rebuild must never leave a process
working from rows the database no longer holds.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import schema
from app.bootstrap import bootstrap
from app.domain.actors import DISPATCHER, Actor
from app.events.audit import verify_chain
from app.events.cache import HeadStateCache, StreamCache
from app.events.model import RecordedEvent
from app.projections.base import SqlRows
from app.projections.problems import problems

ACTOR = Actor("disp", DISPATCHER)


def problem_world(svc) -> str:
    """Unit U01, project XM001 and one problem dispatched to U01; the problem's id."""
    run = svc.bus.execute
    run("register_unit", {"code": "U01", "name": "城南镇", "kind": "township", "date": "2026-01-02"},
        ACTOR)
    run("register_project", {"code": "XM001", "name": "城南片区棚户区改造", "category": "district",
                             "stage": "continuing", "owner_unit": "U01", "responsible_unit": "U01",
                             "total_investment": 5000.0, "leader": "王强", "date": "2026-01-05"}, ACTOR)
    pid = run("raise_problem", {"category": "land", "description": "用地指标不足", "source": "meeting",
                                "project": "XM001", "date": "2026-03-01"}, ACTOR)["id"]
    run("dispatch_problem", {"id": pid, "level": 1, "decision": "协调用地指标",
                             "responsible_unit": "U01", "deadline": "2026-12-31",
                             "date": "2026-03-02"}, ACTOR)
    return pid


def _urge(svc, pid: str) -> None:
    svc.bus.execute("urge_problem", {"id": pid, "note": "请加快办理", "date": "2026-11-20"}, ACTOR)


def _urges(svc, pid: str) -> int:
    with svc.engine.connect() as c:
        return c.execute(select(problems.c.urge_count).where(problems.c.id == pid)).scalar_one()


def test_another_process_appending_empties_the_cache(database_url, clock):
    first = bootstrap(database_url, clock=clock)
    schema.upgrade(first.engine)
    first.projections.ensure(first.store)
    second = bootstrap(database_url, clock=clock)  # another process: its own caches
    try:
        pid = problem_world(first)
        _urge(first, pid)   # first now remembers the problem's row with one urge
        _urge(second, pid)  # second writes two
        _urge(first, pid)   # a stale row would write two again
        assert _urges(first, pid) == 3
        _urge(second, pid)
        assert _urges(second, pid) == 4
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_an_answer_from_what_a_process_remembers_is_checked_first(database_url, clock):
    # PostgreSQL: "first" decides from the head it left behind; "second" has moved it since
    first = bootstrap(database_url, clock=clock)
    schema.upgrade(first.engine)
    first.projections.ensure(first.store)
    second = bootstrap(database_url, clock=clock)
    try:
        pid = problem_world(first)
        version = second.bus.execute("urge_problem", {"id": pid, "note": "第二个进程",
                                                      "date": "2026-11-20"}, ACTOR)["version"]
        # remembered: one version less, which would be a refusal (409); it is checked, and wrong
        answer = first.bus.execute("urge_problem", {"id": pid, "note": "第一个进程",
                                                    "date": "2026-11-20"}, ACTOR,
                                   expected_version=version)
        assert answer["version"] == version + 1
        assert verify_chain(first.engine).ok
        assert _urges(first, pid) == 2
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_rolled_back_work_never_reaches_the_cache(services):
    pid = problem_world(services)
    _urge(services, pid)
    with pytest.raises(RuntimeError):
        with services.bus.unit_of_work(ACTOR) as uow:
            uow.execute("urge_problem", {"id": pid, "note": "撤回", "date": "2026-11-20"})
            raise RuntimeError("the caller gives up")
    _urge(services, pid)
    assert _urges(services, pid) == 2


def test_a_transaction_overtaken_by_another_leaves_nothing_behind():
    h0, h1, h2, h3 = ((n, f"{n:064x}") for n in range(4))
    cache = HeadStateCache()
    assert cache.begin(h0) is False  # nothing known yet
    cache.commit(h0, h1, {"row": 1})
    assert cache.begin(h1) is True and cache.get("row") == 1
    # two transactions of this process began at h1; the second to commit started from a state
    # the first has since changed
    cache.commit(h1, h2, {"row": 2})
    cache.commit(h1, h3, {"row": 3})
    assert cache.get("row") is None
    assert cache.begin(h3) is False



def _event(stream_id: str, version: int) -> RecordedEvent:
    return RecordedEvent(version, stream_id, "note", version, "Noted", 1, {}, None, None, "", None,
                         None)


def test_the_stream_cache_keeps_at_most_its_size_however_streams_arrive():
    cache = StreamCache(size=3)
    cache.put("loaded", [_event("loaded", 1), _event("loaded", 2)])
    for n in range(4):  # streams this process appended to, from their first event
        cache.extend(f"s{n}", [_event(f"s{n}", 1)])
    assert [s for s in ("loaded", "s0", "s1", "s2", "s3") if cache.get(s)] == ["s1", "s2", "s3"]
    cache.extend("s1", [_event("s1", 2)])  # used last but one: kept
    cache.extend("s4", [_event("s4", 1)])
    assert [s for s in ("s1", "s2", "s3", "s4") if cache.get(s)] == ["s1", "s3", "s4"]
    assert [e.version for e in cache.get("s1")] == [1, 2]

class _Tx:
    """What SqlRows needs of a transaction, recording the writes it is handed."""

    mark = "?"
    start_head = (0, "0" * 64)
    head = start_head

    def __init__(self, stored: dict) -> None:
        self.stored = stored
        self.writes: list[tuple[str, list]] = []

    def rows(self, sql, params, after_writes=True):
        row = self.stored.get(tuple(params))
        return [tuple(row[c.name] for c in problems.columns)] if row else []

    def write(self, sql, params):
        self.writes.append((sql, list(params)))

    def after_commit(self, fn):
        pass


def test_only_changed_columns_are_written():
    row = {c.name: None for c in problems.columns}
    row.update(id="P001", urge_count=1, status="dispatched")
    tx = _Tx({("P001",): row})
    rows = SqlRows(tx, HeadStateCache())
    got = rows.get(problems, "P001")
    rows.put(problems, got)  # as it was: nothing to write
    rows.flush()
    assert tx.writes == []
    got = rows.get(problems, "P001")
    got["urge_count"] += 1
    rows.put(problems, got)
    rows.flush()
    assert tx.writes == [('UPDATE "proj_problems" SET "urge_count" = ? WHERE "id" = ?', [2, "P001"])]
    assert row["urge_count"] == 1  # what the database handed out is never changed in place


def test_a_whole_row_is_written_without_reading_what_was_there():
    class Counting(_Tx):
        reads = 0

        def rows(self, sql, params, after_writes=True):
            Counting.reads += 1
            return super().rows(sql, params, after_writes)

    tx = Counting({})
    rows = SqlRows(tx, HeadStateCache())
    whole = {c.name: None for c in problems.columns}
    whole.update(id="P002", status="raised")
    rows.put(problems, whole)
    rows.flush()
    assert Counting.reads == 0
    [(sql, params)] = tx.writes
    assert sql.startswith('INSERT INTO "proj_problems"') and 'ON CONFLICT ("id") DO UPDATE' in sql
    assert params[[c.name for c in problems.columns].index("status")] == "raised"
    rows.put(problems, {"id": "P003", "status": "raised"})  # not whole: what is there is read
    assert Counting.reads == 1
