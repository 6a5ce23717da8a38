"""The event store on both databases: appends, reads, refusals, upcasting, append-only, idempotency."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from app.domain.actors import SYSTEM
from app.domain.errors import Conflict
from app.events.audit import verify_chain
from app.events.model import Metadata, NewEvent, format_instant
from app.events.registry import EventRegistry, InvalidPayload
from app.events.store import ConcurrencyConflict, EventStore
from app.events.tables import command_results, events
from tests.conftest import make_user, token_for

META = Metadata(actor="tester", role="admin", command_id=None)


# -- helpers shared by the store's test modules ---------------------------------------------
class NotedV1(Schema):
    text = fields.String(required=True)
    n = fields.Integer(load_default=0)


class NotedV2(Schema):
    body = fields.String(required=True)
    author = fields.String(required=True)
    n = fields.Integer(load_default=0)


def noted_registry() -> EventRegistry:
    """Small event types of the store's own tests: "Noted" (v1) and "Flagged"."""
    reg = EventRegistry()
    reg.register("Noted", NotedV1)
    reg.register("Flagged", NotedV1)
    return reg


def noted(text_: str = "hello", n: int = 0, day: date | None = None) -> NewEvent:
    return NewEvent("Noted", {"text": text_, "n": n}, day)


def make_store(engine, clock=None, projector=None, registry=None) -> EventStore:
    kwargs = {"projector": projector}
    if clock is not None:
        kwargs["clock"] = clock
    return EventStore(engine, registry or noted_registry(), **kwargs)


def count_events(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(events)).scalar()


def raw_rows(engine) -> list:
    with engine.connect() as c:
        return c.execute(select(events).order_by(events.c.position)).fetchall()


# -- appending -------------------------------------------------------------------------------
def test_append_several_events_in_one_transaction(services, clock):
    store = make_store(services.engine, clock)
    first = store._append("note:a", "note", [noted("x", 1)], None, META)
    assert [(e.position, e.version) for e in first] == [(1, 1)]

    batch = store._append("note:b", "note", [noted("a", 1), noted("b", 2), noted("c", 3)], 0, META)
    assert [e.position for e in batch] == [2, 3, 4]
    assert [e.version for e in batch] == [1, 2, 3]
    # one transaction: one recorded instant, and each hash links to the one before
    assert len({e.recorded_at for e in batch}) == 1
    assert batch[0].prev_hash == first[0].hash
    assert [e.prev_hash for e in batch[1:]] == [e.hash for e in batch[:-1]]

    more = store._append("note:b", "note", [noted("d", 4)], 3, META)
    assert [(e.position, e.version) for e in more] == [(5, 4)]
    assert [e.version for e in store.read_stream("note:b")] == [1, 2, 3, 4]
    assert [e.position for e in store.read_all()] == [1, 2, 3, 4, 5]
    assert store.head() == (5, more[0].hash)
    assert verify_chain(services.engine).ok


def test_appends_of_several_streams_in_one_transaction(services, clock):
    store = make_store(services.engine, clock)
    with store.transaction() as tx:
        a = tx.append("note:a", "note", [noted("a1"), noted("a2")], 0, META)
        b = tx.append("note:b", "note", [noted("b1")], 0, META)
        c = tx.append("note:a", "note", [noted("a3")], 2, META)
    assert [e.position for e in a + b + c] == [1, 2, 3, 4]
    assert [e.version for e in c] == [3]
    assert b[0].prev_hash == a[-1].hash
    assert verify_chain(services.engine).ok


def test_empty_append_stores_nothing(services, clock):
    store = make_store(services.engine, clock)
    assert store._append("note:a", "note", [], 0, META) == []
    assert count_events(services.engine) == 0


def test_recorded_event_carries_metadata_and_business_date(services, clock):
    store = make_store(services.engine, clock)
    meta = Metadata(actor="张三", role="dispatcher", unit="U1", command_id="c-1",
                    correlation_id="corr", causation_id="cause", client_address="10.0.0.1",
                    extra={"command": "note"})
    [ev] = store._append("note:a", "note", [noted("中文内容", 7, date(2026, 6, 30))], 0, meta)
    [read] = store.read_stream("note:a")
    assert read == ev
    assert read.data == {"text": "中文内容", "n": 7}
    assert read.business_date == "2026-06-30" and read.day == date(2026, 6, 30)
    assert read.meta == {"actor": "张三", "role": "dispatcher", "unit": "U1", "command_id": "c-1",
                         "correlation_id": "corr", "causation_id": "cause",
                         "client_address": "10.0.0.1", "command": "note"}
    assert read.stream_type == "note" and read.type == "Noted" and read.schema_version == 1


def test_text_of_every_kind_is_stored_exactly(services, clock):
    # PostgreSQL receives the writes with their values written into one string
    store = make_store(services.engine, clock)
    odd = ["it's", "back\\slash \\' end", "%s and %(x)s and 100%", "两行\n文字\t", "\x01 控制", "🚧 施工",
           "'; DROP TABLE events; --", ""]
    for i, t in enumerate(odd):
        store._append(f"note:{i}", "note", [noted(t, n=-i)], 0,
                     Metadata(actor=f"o'brien{t}", role="admin", command_id=None))
    assert [store.read_stream(f"note:{i}")[0].data for i in range(len(odd))] == [
        {"text": t, "n": -i} for i, t in enumerate(odd)]
    assert store.read_stream("note:0")[0].meta["actor"] == "o'brienit's"
    assert verify_chain(services.engine).ok


def test_postgres_literals_are_written_without_the_driver(services):
    if services.engine.dialect.name != "postgresql":
        pytest.skip("values are written into the statement only on PostgreSQL")
    from app.events.literals import Literals

    pooled = services.engine.raw_connection()
    try:
        lit = Literals(pooled.driver_connection)
        # the server's standard_conforming_strings is what lets a quote be doubled and a
        # backslash stay itself; then psycopg's adaptation is not needed for these kinds
        assert lit._plain_strings
        assert (lit("SELECT %s, %s, %s, %s", ("it's \\n", None, -3, 2.5))
                == "SELECT 'it''s \\n', NULL, -3, 2.5")
        assert lit("SELECT %s, %s", (True, False)) == "SELECT true, false"
        assert lit._mogrify is None
        from psycopg import ClientCursor

        mogrify = ClientCursor(pooled.driver_connection).mogrify
        assert lit("SELECT %s, %s", (True, False)) == mogrify("SELECT %s, %s", (True, False))
        assert lit("SELECT %s", (b"x",)) == mogrify("SELECT %s", (b"x",))  # another kind: psycopg's
        assert lit._mogrify is not None
    finally:
        pooled.close()


def test_projector_runs_in_the_append_transaction(services, clock):
    probe = Table("store_test_probe", MetaData(), Column("position", Integer, primary_key=True),
                  Column("type", String(50)))
    probe.create(services.engine)
    try:
        seen = []

        def projector(tx, recorded):
            # the new rows are visible inside the transaction, and what it writes commits with them
            [(count,)] = tx.query(select(func.count()).select_from(events))
            assert count == recorded[-1].position
            seen.append([e.position for e in recorded])
            tx.execute(probe.insert(), [{"position": e.position, "type": e.type} for e in recorded])

        store = make_store(services.engine, clock, projector)
        store._append("note:a", "note", [noted("a"), noted("b")], 0, META)
        assert seen == [[1, 2]]
        with services.engine.connect() as c:
            assert c.execute(select(probe.c.position)).scalars().all() == [1, 2]
    finally:
        probe.drop(services.engine)


def test_projector_that_raises_rolls_back_the_whole_append(services, clock):
    probe = Table("store_test_probe2", MetaData(), Column("position", Integer, primary_key=True))
    probe.create(services.engine)
    try:
        def projector(tx, recorded):
            tx.execute(probe.insert(), [{"position": e.position} for e in recorded])
            if any(e.data["text"] == "boom" for e in recorded):
                raise RuntimeError("projection failed")

        store = make_store(services.engine, clock, projector)
        with pytest.raises(RuntimeError):
            store._append("note:a", "note", [noted("ok"), noted("boom")], 0, META)
        assert count_events(services.engine) == 0
        # several appends in one transaction: a failure in the second undoes the first too
        with pytest.raises(RuntimeError):
            with store.transaction() as tx:
                tx.append("note:a", "note", [noted("first")], 0, META)
                tx.append("note:b", "note", [noted("boom")], 0, META)
        assert count_events(services.engine) == 0
        with services.engine.connect() as c:
            assert c.execute(select(func.count()).select_from(probe)).scalar() == 0
        # and the store goes on from an intact head
        [ev] = store._append("note:a", "note", [noted("fine")], 0, META)
        assert (ev.position, ev.version) == (1, 1)
        assert verify_chain(services.engine).ok
    finally:
        probe.drop(services.engine)


def test_expected_version_mismatch_raises_and_appends_nothing(services, clock):
    store = make_store(services.engine, clock)
    store._append("note:a", "note", [noted("a"), noted("b")], 0, META)
    for wrong in (0, 1, 3):
        with pytest.raises(ConcurrencyConflict) as info:
            store._append("note:a", "note", [noted("c")], wrong, META)
        assert (info.value.expected, info.value.actual) == (wrong, 2)
    with pytest.raises(ConcurrencyConflict):
        store._append("note:new", "note", [noted("c")], 1, META)  # the stream does not exist yet
    assert count_events(services.engine) == 2
    # None means: no check
    assert store._append("note:a", "note", [noted("c")], None, META)[0].version == 3


def test_two_writers_with_the_same_expected_version_one_wins(services, clock):
    store = make_store(services.engine, clock)
    store._append("note:a", "note", [noted("a")], 0, META)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def writer(i):
        barrier.wait()
        try:
            outcomes.append(store._append("note:a", "note", [noted(f"w{i}")], 1, META))
        except ConcurrencyConflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [o for o in outcomes if isinstance(o, list)]
    conflicts = [o for o in outcomes if isinstance(o, ConcurrencyConflict)]
    assert len(wins) == 1 and len(conflicts) == 1
    assert wins[0][0].version == 2
    assert [e.version for e in store.read_stream("note:a")] == [1, 2]
    assert count_events(services.engine) == 2


# -- the recorder's contract, on each recorder ------------------------------------------------
def test_each_recorder_is_the_one_its_parameter_names(services, request):
    from app.events.recorders.plain import PlainRecorder

    from app import fast_paths

    # with the switch off every store takes the plain recorder, whatever the parameter
    plain = (request.node.callspec.params["database_url"].startswith("plain-")
             or not fast_paths.enabled())
    store = make_store(services.engine)
    assert isinstance(store.recorder, PlainRecorder) == plain
    assert (store.memory is None) == plain  # the process remembers nothing beside the plain one


def test_contract_append_read_version_and_head(services, clock):
    store = make_store(services.engine, clock)
    with store.transaction() as tx:
        assert tx.stream_version("note:a") == 0 and tx.read_stream("note:a") == []
        first = tx.append("note:a", "note", [noted("a"), noted("b")], 0, META)
        assert tx.stream_version("note:a") == 2
        assert tx.read_stream("note:a") == first  # its own appends, before the commit
        assert tx.head == (2, first[-1].hash, first[-1].recorded_at)
    with store.transaction() as tx:
        assert tx.current_head() == (2, first[-1].hash, first[-1].recorded_at)
        assert tx.stream_version("note:a") == 2
        assert tx.read_stream("note:a") == first
        more = tx.append("note:b", "note", [noted("c")], 0, META)
        assert more[0].prev_hash == first[-1].hash and more[0].position == 3
        assert tx.current_head() == (3, more[0].hash, more[0].recorded_at)
    with store.transaction() as tx:
        assert tx.current_head().position == 3
    assert store.head() == (3, more[0].hash)
    assert [e.position for e in store.read_all(after=1)] == [2, 3]
    assert store.read_stream("note:a") == first and store.read_stream("note:b") == more


def test_contract_conflict_and_rollback(services, clock):
    store = make_store(services.engine, clock)
    [a] = store._append("note:a", "note", [noted("a")], 0, META)
    with pytest.raises(ConcurrencyConflict):
        with store.transaction() as tx:
            tx.append("note:b", "note", [noted("b")], 0, META)
            tx.append("note:a", "note", [noted("late")], 0, META)  # one is there already
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.append("note:a", "note", [noted("lost")], 1, META)
            tx.remember_result("cmd-lost", {"id": "lost"}, ("u", "c", "h"))
            raise RuntimeError("the caller gives up")
    assert store.head() == (1, a.hash) and count_events(services.engine) == 1
    with store.transaction() as tx:  # the next transaction starts where the last commit left
        assert tx.stream_version("note:a") == 1 and tx.stream_version("note:b") == 0
        assert tx.command_result("cmd-lost") is None
        [b] = tx.append("note:a", "note", [noted("b")], 1, META)
    assert (b.position, b.prev_hash) == (2, a.hash)
    assert verify_chain(services.engine).ok


def test_contract_a_remembered_result_is_found_by_its_command_id(services, clock):
    store = make_store(services.engine, clock)
    with store.transaction() as tx:
        assert tx.command_result("cmd-1") is None
        tx.append("note:a", "note", [noted("a")], 0, META)
        tx.remember_result("cmd-1", {"id": "a", "version": 1}, ("zhang", "note", "h1"))
        # read back in the same transaction, after the write it waits behind
        assert tx.command_result("cmd-1") == ({"id": "a", "version": 1}, ("zhang", "note", "h1"))
    with store.transaction() as tx:
        assert tx.command_result("cmd-1") == ({"id": "a", "version": 1}, ("zhang", "note", "h1"))
        tx.remember_result("cmd-2", {"id": "b"}, (None, None, None))
    with store.transaction() as tx:
        assert tx.command_result("cmd-2") == ({"id": "b"}, (None, None, None))
        assert tx.writes == 0


def test_a_query_inside_the_transaction_sees_its_writes_in_order(services, clock):
    store = make_store(services.engine, clock)
    with store.transaction() as tx:
        tx.append("note:a", "note", [noted("a")], 0, META)
        tx.remember_result("c", {"n": 1}, (None, None, None))
        before = tx.writes
        assert tx.query(select(command_results.c.command_id)) == [("c",)]
        assert tx.query(select(events.c.stream_id)) == [("note:a",)]
        assert tx.writes == before  # reading is not writing
        tx.execute(command_results.delete().where(command_results.c.command_id == "c"))
        assert tx.writes == before + 1
        assert tx.query(select(command_results.c.command_id)) == []


# -- reading ---------------------------------------------------------------------------------
def _fill(store: EventStore) -> None:
    for i in range(1, 11):
        store._append(f"note:{i % 3}", "note", [noted(f"e{i}", i)], None, META)


def test_read_stream_in_version_order(services, clock):
    store = make_store(services.engine, clock)
    _fill(store)
    evs = store.read_stream("note:1")
    assert [e.data["n"] for e in evs] == [1, 4, 7, 10]
    assert [e.version for e in evs] == [1, 2, 3, 4]
    assert store.read_stream("note:missing") == []
    assert [e.data["n"] for e in store.read_stream("note:1", until_position=7)] == [1, 4, 7]


def test_read_all_after_with_limit_and_until(services, clock):
    store = make_store(services.engine, clock)
    _fill(store)
    assert [e.position for e in store.read_all()] == list(range(1, 11))
    assert [e.position for e in store.read_all(after=3)] == list(range(4, 11))
    assert [e.position for e in store.read_all(after=3, limit=4)] == [4, 5, 6, 7]
    assert [e.position for e in store.read_all(after=8, limit=5)] == [9, 10]
    assert [e.position for e in store.read_all(after=10)] == []
    assert [e.position for e in store.read_all(until_position=6)] == list(range(1, 7))
    assert [e.position for e in store.read_all(after=2, until_position=6, limit=2)] == [3, 4]
    # small batches give the same answer
    assert [e.position for e in store.read_all(batch=3)] == list(range(1, 11))
    assert [e.position for e in store.read_all(after=1, limit=7, batch=3)] == list(range(2, 9))
    assert [e.data["n"] for e in store.read_all(after=9)] == [10]


def test_read_all_on_the_connection_of_a_write_transaction(services, clock):
    store = make_store(services.engine, clock)
    store._append("note:a", "note", [noted("a")], 0, META)
    with store.transaction() as tx:
        tx.append("note:b", "note", [noted("b")], 0, META)
        # the transaction reads its own, not yet committed, events
        assert [e.position for e in tx.read_all()] == [1, 2]
        partial = tx.read_all(batch=1)
        assert next(partial).position == 1
        partial.close()  # a read stopped half-way leaves the connection usable
        tx.append("note:b", "note", [noted("c")], 1, META)
        assert [e.data["text"] for e in tx.read_all(after=1)] == ["b", "c"]
    assert [e.position for e in store.read_all()] == [1, 2, 3]


def test_read_all_decodes_like_read_stream(services, clock):
    store = make_store(services.engine, clock)
    _fill(store)
    by_stream = sorted((e for s in ("note:0", "note:1", "note:2") for e in store.read_stream(s)),
                       key=lambda e: e.position)
    assert list(store.read_all()) == by_stream


def test_read_all_for_a_fold_leaves_out_only_metadata_and_chain(services, clock):
    store = make_store(services.engine, clock)
    _fill(store)
    full = list(store.read_all(after=2, until_position=8))
    folded = list(store.read_all(after=2, until_position=8, chain=False, batch=4))
    assert [(e.meta_text, e.prev_hash, e.hash) for e in folded] == [(None, None, None)] * 6
    blank = {"meta_text": None, "prev_hash": None, "hash": None}
    assert folded == [replace(e, **blank) for e in full]


def test_position_at_an_instant(services, clock):
    store = make_store(services.engine, clock)
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    clock.set(t0)
    assert store.position_at(t0) == 0
    store._append("note:a", "note", [noted("a")], 0, META)           # recorded t0 + 1ms
    clock.set(t0 + timedelta(hours=1))
    store._append("note:a", "note", [noted("b"), noted("c")], 1, META)  # t0 + 1h + 1ms
    assert store.position_at(t0) == 0
    assert store.position_at(t0 + timedelta(milliseconds=1)) == 1
    assert store.position_at(t0 + timedelta(minutes=30)) == 1
    assert store.position_at(t0 + timedelta(hours=1, milliseconds=1)) == 3
    assert store.position_at(t0 + timedelta(days=1)) == 3
    # any offset: the instant is compared in UTC
    beijing = timezone(timedelta(hours=8))
    assert store.position_at((t0 + timedelta(minutes=30)).astimezone(beijing)) == 1
    assert [e.data["text"] for e in store.read_all(until_position=store.position_at(
        t0 + timedelta(minutes=30)))] == ["a"]


def test_recorded_at_never_goes_backwards(services, clock):
    store = make_store(services.engine, clock)
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    clock.set(t0)
    [a] = store._append("note:a", "note", [noted("a")], 0, META)
    clock.set(t0 - timedelta(hours=5))  # the system clock is set back
    [b] = store._append("note:a", "note", [noted("b")], 1, META)
    clock.set(t0 - timedelta(days=1))
    [c] = store._append("note:b", "note", [noted("c")], 0, META)
    clock.set(t0 + timedelta(minutes=1))
    [d] = store._append("note:b", "note", [noted("d")], 1, META)
    assert a.recorded_at == format_instant(t0 + timedelta(milliseconds=1))
    assert b.recorded_at == a.recorded_at and c.recorded_at == a.recorded_at
    assert d.recorded_at == format_instant(t0 + timedelta(minutes=1, milliseconds=1))
    stamps = [e.recorded_at for e in store.read_all()]
    assert stamps == sorted(stamps)
    # so position_at stays a clean cut
    assert store.position_at(t0) == 0
    assert store.position_at(t0 + timedelta(milliseconds=1)) == 3
    assert verify_chain(services.engine).ok


# -- refusals --------------------------------------------------------------------------------
def test_invalid_payload_is_refused_and_nothing_appended(services, clock):
    store = make_store(services.engine, clock)
    with pytest.raises(InvalidPayload) as info:
        store._append("note:a", "note", [NewEvent("Noted", {"n": 1})], 0, META)
    assert "text" in info.value.errors
    with pytest.raises(InvalidPayload):
        store._append("note:a", "note", [NewEvent("Noted", {"text": 5})], 0, META)
    with pytest.raises(InvalidPayload):
        store._append("note:a", "note", [NewEvent("Noted", {"text": "a", "extra": 1})], 0, META)
    # a bad event anywhere in the batch refuses the whole batch
    with pytest.raises(InvalidPayload):
        store._append("note:a", "note", [noted("good"), NewEvent("Noted", {})], 0, META)
    assert count_events(services.engine) == 0
    assert store._append("note:a", "note", [noted("good")], 0, META)[0].position == 1


def test_unknown_event_type_is_refused(services, clock):
    from app.events.registry import UnknownEventType

    store = make_store(services.engine, clock)
    with pytest.raises(UnknownEventType):
        store._append("note:a", "note", [NewEvent("Nope", {"text": "a"})], 0, META)
    assert count_events(services.engine) == 0


# -- upcasting -------------------------------------------------------------------------------
def _v2_registry() -> EventRegistry:
    reg = EventRegistry()
    reg.register("Noted", NotedV2, version=2,
                 upcasters={1: lambda d: {"body": d["text"], "author": "未知", "n": d.get("n", 0)}})
    reg.register("Flagged", NotedV1)
    return reg


def test_upcasting_reads_old_events_in_todays_shape_and_never_rewrites(services, clock):
    old = make_store(services.engine, clock)
    old._append("note:a", "note", [noted("旧格式", 3)], 0, META)
    before = raw_rows(services.engine)

    new = make_store(services.engine, clock, registry=_v2_registry())
    [ev] = new.read_stream("note:a")
    assert ev.data == {"body": "旧格式", "author": "未知", "n": 3}
    assert ev.schema_version == 1  # the version it was written under
    assert [e.data for e in new.read_all()] == [ev.data]

    # new events are validated against and stored under version 2
    with pytest.raises(InvalidPayload):
        new._append("note:a", "note", [noted("v1 shape")], 1, META)
    [ev2] = new._append("note:a", "note", [NewEvent("Noted", {"body": "新", "author": "李四"})], 1, META)
    assert ev2.schema_version == 2

    after = raw_rows(services.engine)
    assert after[0] == before[0]  # the stored row is untouched
    assert after[0].schema_version == 1
    assert after[0].data == '{"n":3,"text":"旧格式"}'
    assert after[1].schema_version == 2
    assert [e.data for e in new.read_all()] == [
        {"body": "旧格式", "author": "未知", "n": 3}, {"body": "新", "author": "李四"}]
    # the old reader still sees the old row as written
    assert old.read_stream("note:a")[0].data == {"text": "旧格式", "n": 3}
    assert verify_chain(services.engine).ok


def test_upcasters_chain_across_versions(services, clock):
    make_store(services.engine, clock)._append("note:a", "note", [noted("x", 1)], 0, META)
    reg = EventRegistry()
    reg.register("Noted", NotedV2, version=3, upcasters={
        1: lambda d: {"body": d["text"], "n": d["n"]},
        2: lambda d: {**d, "author": "v3"},
    })
    assert make_store(services.engine, registry=reg).read_stream("note:a")[0].data == {
        "body": "x", "n": 1, "author": "v3"}


def test_registering_a_version_without_its_upcasters_is_refused():
    with pytest.raises(ValueError):
        EventRegistry().register("Noted", NotedV2, version=2)


# -- append-only in the database -------------------------------------------------------------
@pytest.mark.parametrize("statement", [
    "UPDATE events SET data = '{}' WHERE position = 1",
    "UPDATE events SET position = 10 WHERE position = 2",
    "DELETE FROM events WHERE position = 1",
    "DELETE FROM events",
])
def test_database_refuses_update_and_delete(services, clock, statement):
    store = make_store(services.engine, clock)
    store._append("note:a", "note", [noted("a"), noted("b")], 0, META)
    before = raw_rows(services.engine)
    with pytest.raises(DBAPIError) as info:
        with services.engine.begin() as c:
            c.execute(text(statement))
    assert "append-only" in str(info.value)
    assert raw_rows(services.engine) == before


def test_postgres_refuses_truncate(services, clock):
    if services.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite has no TRUNCATE)")
    make_store(services.engine, clock)._append("note:a", "note", [noted("a")], 0, META)
    with pytest.raises(DBAPIError):
        with services.engine.begin() as c:
            c.execute(text("TRUNCATE events"))
    assert count_events(services.engine) == 1


# -- idempotency and conflicts through the command bus ---------------------------------------
def _create(services, username, command_id=None, **extra):
    payload = {"username": username, "password": "secret123", "role": "dispatcher"}
    payload.update(extra)
    return services.bus.execute("create_user", payload, SYSTEM, command_id=command_id)


def test_same_command_id_twice_appends_once_and_answers_the_same(services):
    first = _create(services, "zhang", command_id="cmd-1")
    assert first["id"] == "zhang" and first["version"] == 1 and first["position"] == 1
    assert first["events"] == [{"type": "UserCreated", "position": 1}]
    again = _create(services, "zhang", command_id="cmd-1")
    assert again == first
    # the id belongs to that body: another body under it is refused, not taken for the first
    with pytest.raises(Conflict, match="command_id"):
        _create(services, "li", command_id="cmd-1")
    assert count_events(services.engine) == 1
    with services.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(command_results)).scalar() == 1
    # without a command id the duplicate is a refusal (the user exists), not a second event
    with pytest.raises(Conflict):
        _create(services, "zhang")
    assert count_events(services.engine) == 1
    # a new command id is a new command
    assert _create(services, "li", command_id="cmd-2")["position"] == 2
    [ev] = services.store.read_stream("user:li")
    assert ev.meta["command_id"] == "cmd-2"


def test_refused_command_is_not_remembered(services):
    _create(services, "wang")
    with pytest.raises(Conflict):
        _create(services, "wang", command_id="c")
    with services.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(command_results)).scalar() == 0
    # the refusal was not the command's answer: the same id can carry it out once it is valid
    assert _create(services, "wang2", command_id="c")["id"] == "wang2"
    assert count_events(services.engine) == 2


def test_bus_expected_version_conflict(services):
    _create(services, "zhao")
    ok = services.bus.execute("change_role", {"username": "zhao", "role": "leader"}, SYSTEM,
                              expected_version=1)
    assert ok["version"] == 2
    with pytest.raises(Conflict):
        services.bus.execute("change_role", {"username": "zhao", "role": "inspector"}, SYSTEM,
                             expected_version=1)
    assert [e.type for e in services.store.read_stream("user:zhao")] == [
        "UserCreated", "UserRoleChanged"]


def test_api_expected_version_conflict_is_409(app, client):
    svc = app.extensions["duban"]
    make_user(svc, "root", "admin")
    h = token_for(client, "root")
    r = client.post("/api/v1/users", headers=h,
                    json={"username": "bob", "password": "secret123", "role": "dispatcher"})
    assert r.status_code == 201, r.get_json()
    version = r.get_json()["version"]
    answers = [client.post("/api/v1/users/bob/role", headers=h,
                           json={"role": role, "expected_version": version})
               for role in ("leader", "inspector")]
    assert [a.status_code for a in answers] == [201, 409]
    assert answers[0].get_json()["version"] == version + 1
    assert answers[1].get_json()["error"]["code"] == "conflict"
    assert [e.data["role"] for e in svc.store.read_stream("user:bob")] == ["dispatcher", "leader"]


def test_api_same_command_id_answers_the_same(app, client):
    svc = app.extensions["duban"]
    make_user(svc, "root", "admin")
    h = token_for(client, "root")
    body = {"username": "carol", "password": "secret123", "role": "leader", "command_id": "k-1"}
    first = client.post("/api/v1/users", headers=h, json=dict(body))
    second = client.post("/api/v1/users", headers=h, json=dict(body))
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert len(svc.store.read_stream("user:carol")) == 1


def test_instants_are_written_in_one_format():
    from datetime import timedelta as td

    from app.events.model import INSTANT_FORMAT, parse_instant

    east8 = timezone(td(hours=8))
    for moment in (datetime(2026, 11, 25, 1, 2, 3, tzinfo=timezone.utc),
                   datetime(2026, 1, 1, 7, 59, 59, 999999, tzinfo=east8),  # the day before, in UTC
                   datetime(2019, 6, 30, 23, 0, 0, 5, tzinfo=timezone.utc)):
        text_ = format_instant(moment)
        assert text_ == moment.astimezone(timezone.utc).strftime(INSTANT_FORMAT)
        assert parse_instant(text_) == moment
    assert format_instant(datetime(2026, 1, 1, 7, 59, 59, 999999, tzinfo=east8)) == \
        "2025-12-31T23:59:59.999999Z"


def test_upserts_are_not_merged_into_one_insert():
    from types import SimpleNamespace

    from app.events.literals import Literals

    driver = SimpleNamespace(info=SimpleNamespace(parameter_status=lambda name: "on"))
    lit = Literals(driver)
    insert = "INSERT INTO t (k, v) VALUES (%s, %s)"
    upsert = insert + " ON CONFLICT (k) DO UPDATE SET v = excluded.v"
    assert lit.statements([(insert, ("a", 1)), (insert, ("b", 2))]) == [
        "INSERT INTO t (k, v) VALUES ('a', 1), ('b', 2)"]
    assert lit.statements([(upsert, ("a", 1)), (upsert, ("b", 2))]) == [
        "INSERT INTO t (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        "INSERT INTO t (k, v) VALUES ('b', 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v"]
