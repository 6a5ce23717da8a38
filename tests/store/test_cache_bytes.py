"""The process caches are bounded by bytes as well as by count, and their estimates are near the truth."""
from __future__ import annotations

import gc
import json
import tracemalloc

from sqlalchemy import create_engine, select

from app.admin.cache import HeadCache, result_bytes
from app.events.cache import HeadStateCache, StreamCache, entry_bytes, event_bytes
from app.events.model import RecordedEvent
from app.projections.problems import problems


def _event(stream: str, version: int, note: str = "协调自然资源局调剂用地指标") -> RecordedEvent:
    # decoded from text, as the store decodes: no string shared with another event
    data = json.loads(json.dumps({"id": stream, "note": note * 3, "level": 2, "deadline": "2026-04-30",
                                  "units": ["U01", "U02"], "amount": 1234.5}, ensure_ascii=False))
    meta = json.dumps({"actor": f"disp{version}", "role": "dispatcher", "command_id": f"c{version}"})
    return RecordedEvent(version, stream, "problem", version, "ProblemDispatched", 1, data, meta,
                         "2026-03-05", f"2026-03-05T01:00:{version % 60:02d}.000000+00:00",
                         f"{version:064x}", f"{version + 1:064x}")


def test_the_estimate_is_near_what_the_events_take():
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    evs = [_event(f"problem:P{i:05d}", i) for i in range(3000)]
    taken = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    estimate = sum(map(event_bytes, evs))
    assert 0.6 * taken <= estimate <= 1.6 * taken, (estimate, taken)


def test_bounded_by_bytes_least_recently_used_first():
    one = event_bytes(_event("s:0", 1))
    cache = StreamCache(size=1000, max_bytes=int(one * 10.5))
    for i in range(30):
        cache.put(f"s:{i}", [_event(f"s:{i}", 1)])
        assert cache.bytes <= cache.max_bytes
    assert cache.get("s:0") == [] and len(cache.get("s:29")) == 1
    kept = [i for i in range(30) if cache.get(f"s:{i}")]
    assert kept == list(range(20, 30))


def test_a_growing_stream_counts_its_new_events():
    cache = StreamCache(size=1000, max_bytes=10 ** 9)
    cache.put("s:a", [_event("s:a", 1)])
    first = cache.bytes
    cache.extend("s:a", [_event("s:a", 2), _event("s:a", 3)])
    assert len(cache.get("s:a")) == 3 and 2.5 * first < cache.bytes < 3.5 * first
    cache.extend("s:a", [_event("s:a", 9)])  # a gap: the stream is known only in part, dropped
    assert cache.get("s:a") == [] and cache.bytes == 0


def test_still_bounded_by_count():
    cache = StreamCache(size=3, max_bytes=10 ** 9)
    for i in range(5):
        cache.put(f"s:{i}", [_event(f"s:{i}", 1)])
    assert [i for i in range(5) if cache.get(f"s:{i}")] == [2, 3, 4]


# -- the rows and versions a process remembers at its head (HeadStateCache) -------------------
H0, H1, H2 = ((n, f"{n:064x}") for n in range(3))
COLUMNS = [c.name for c in problems.columns]


def _row(i: int) -> dict:
    # values decoded from text, as the driver hands them over; the column names are the table's
    values = json.loads(json.dumps({
        "id": f"P{i:06d}", "project": f"XM{i % 1000:04d}", "category": "funding",
        "description": f"项目资金缺口约{i % 900 + 100}万元，需协调解决", "source": "unit_report",
        "status": "in_progress", "level": 2, "unit": f"U{i % 30:02d}", "responsible_unit": "U07",
        "responsible_person": "李明", "leader": "张志强",
        "decision": "由责任单位牵头，会同财政、自然资源部门限期办结", "deadline": "2026-04-30",
        "raised_on": "2026-03-01", "first_dispatched_on": "2026-03-02", "dispatch_count": 1,
        "escalation_count": 0, "urge_count": 3, "extension_count": 0, "note_count": 2,
        "rejection_count": 0, "reopen_count": 0, "last_action_on": "2026-03-05", "version": 5000 + i},
        ensure_ascii=False))
    return {c: values.get(c) for c in COLUMNS}


def test_the_row_estimate_is_near_what_the_rows_take():
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cache = HeadStateCache(size=10 ** 6, max_bytes=10 ** 10)
    cache.begin(H0)
    values: dict = {}
    for i in range(3000):
        row = _row(i)
        values[("problems", (row["id"],))] = row
        values[f"problem:P{i:06d}"] = 5000 + i  # a stream's version, as the store remembers it
    cache.commit(H0, H1, values)
    del values
    gc.collect()
    taken = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert 0.6 * taken <= cache.bytes <= 1.6 * taken, (cache.bytes, taken)


def test_head_state_bounded_by_bytes_least_recently_written_first():
    one = entry_bytes(("problems", ("P000000",)), _row(0))
    cache = HeadStateCache(size=1000, max_bytes=int(one * 10.5))
    cache.begin(H0)
    cache.commit(H0, H1, {("problems", (f"P{i:06d}",)): _row(i) for i in range(30)})
    assert cache.bytes <= cache.max_bytes
    kept = [i for i in range(30) if cache.get(("problems", (f"P{i:06d}",))) is not None]
    assert kept == list(range(20, 30))
    # a value written again is measured again, not twice
    cache.commit(H1, H2, {("problems", ("P000025",)): _row(25)})
    assert cache.bytes == sum(entry_bytes(("problems", (f"P{i:06d}",)), _row(i))
                              for i in range(20, 30))
    assert cache.begin(H0) is False and cache.bytes == 0  # another head: nothing kept


# -- the staff pages' results at a head (app/admin/cache.py) ---------------------------------
def _page(n: int, start: int = 0) -> tuple:
    """A ledger page as the staff pages keep it: the count, the rows as fetched, the banner."""
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        problems.create(conn)
        conn.execute(problems.insert(), [_row(i) for i in range(start, start + n)])
        rows = conn.execute(select(problems)).fetchall()
    engine.dispose()
    return n, rows, {"open": n, "overdue": n // 3}


def test_the_result_estimate_is_near_what_a_page_takes():
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    page = _page(2000)
    gc.collect()
    taken = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    estimate = result_bytes(page)
    assert 0.6 * taken <= estimate <= 1.6 * taken, (estimate, taken)


def test_head_cache_bounded_by_bytes():
    one = result_bytes(_page(100))
    cache = HeadCache(size=256, max_bytes=int(one * 3.5))
    for head in range(10):
        cache.get(("ledger", head), lambda: _page(100, head * 100))
        assert cache.bytes <= cache.max_bytes
    assert len(cache._data) == 3
    assert cache.get(("ledger", 9), lambda: None)[0] == 100  # the newest kept
    assert cache.get(("ledger", 0), lambda: "again") == "again"  # the oldest computed again
