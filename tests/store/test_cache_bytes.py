"""The stream cache is bounded by bytes as well as by streams, and its estimate is near the truth."""
from __future__ import annotations

import gc
import json
import tracemalloc

from app.events.cache import StreamCache, event_bytes
from app.events.model import RecordedEvent


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
