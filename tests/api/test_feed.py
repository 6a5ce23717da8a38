"""The global feed: the page written from the stored texts (the fast path) is byte for byte the
page jsonify writes of the decoded events (its plain twin, ``DUBAN_FAST_PATHS=0``), for every
reader, page, instant and payload, an upcast one included."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from app.api import event_queries
from app.domain.actors import ADMIN, DISPATCHER, Actor
from app.events.model import parse_instant
from tests.conftest import make_user, token_for
from tests.domain.test_fast_paths import OPS
from tests.domain.test_rebuild import World

# texts JSON escapes (quote, backslash, newline, tab), Chinese, and a character beyond the BMP
AWKWARD = '他说"限期"\\完成\n第二行\t😀'


@pytest.fixture
def history(app, clock):
    svc = app.extensions["duban"]
    make_user(svc, "root", "admin")
    make_user(svc, "disp", "dispatcher")
    world = World(svc)
    for op in OPS:
        world.apply(*op)
    # recorded at a whole second (isoformat then writes no fraction) and at an odd microsecond;
    # a command reads the clock a few times before its event's instant: the first measures how many
    t = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
    clock.set(t)
    svc.bus.execute("register_unit", {"code": "UQ0", "name": "探", "kind": "township"},
                    Actor("disp", DISPATCHER))
    last = svc.store.read_stream("unit:UQ0")[-1]
    taken_ms = (parse_instant(last.recorded_at) - t) // timedelta(milliseconds=1)
    clock.set(t + timedelta(seconds=1, milliseconds=-taken_ms))
    svc.bus.execute("register_unit", {"code": "UQ1", "name": AWKWARD, "kind": "township"},
                    Actor("disp", DISPATCHER))
    clock.advance(microseconds=7)
    svc.bus.execute("register_unit", {"code": "UQ2", "name": "引号\"", "kind": "department"},
                    Actor("root", ADMIN, display_name=AWKWARD))
    return svc


def _both(client, url: str, headers: dict, monkeypatch) -> tuple[bytes, bytes]:
    monkeypatch.setenv("DUBAN_FAST_PATHS", "1")
    fast = client.get(url, headers=headers)
    monkeypatch.setenv("DUBAN_FAST_PATHS", "0")
    plain = client.get(url, headers=headers)
    assert fast.status_code == plain.status_code == 200
    assert fast.mimetype == plain.mimetype == "application/json"
    return fast.get_data(), plain.get_data()


@pytest.fixture
def taken(monkeypatch) -> list[str]:
    """Which way each page was written."""
    seen: list[str] = []
    for name in ("feed_text", "feed_plain"):
        real = getattr(event_queries, name)

        def spy(view, args, real=real, name=name):
            seen.append(name)
            return real(view, args)
        monkeypatch.setattr(event_queries, name, spy)
    return seen


@pytest.mark.parametrize("user", ["root", "disp"])
def test_fast_and_plain_pages_are_the_same_bytes(client, history, monkeypatch, taken, user):
    headers = token_for(client, user)
    head = history.store.head()[0]
    pages = [""] + [f"?after={after}&limit={limit}" for after, limit in
                    [(0, 1), (0, 1000), (3, 7), (head - 5, 100), (head, 100), (head + 10, 5)]]
    # as of an instant: the snapshot's connection holds no events, the store's engine is read
    mid = history.store.read_all(after=head // 2, limit=1).__next__().recorded_at
    pages.append(f"?limit=50&after={head // 3}&as_of={mid.replace('Z', '%2B00:00')}")
    for query in pages:
        taken.clear()
        fast, plain = _both(client, "/api/v1/events" + query, headers, monkeypatch)
        assert taken == ["feed_text", "feed_plain"], query
        assert fast == plain, query
    # the whole feed, every payload and metadata as recorded
    fast, _ = _both(client, "/api/v1/events?limit=1000", headers, monkeypatch)
    assert AWKWARD.encode() in fast.replace(b"\\n", b"\n").replace(b"\\t", b"\t") \
        .replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    assert b'"recorded_at":"2026-11-25T02:00:01+00:00"' in fast
    assert re.search(rb'"recorded_at":"2026-11-25T02:00:01\.\d{3}007\+00:00"', fast)


def test_an_upcast_payload_is_the_upcaster_s_in_both(client, history, monkeypatch, taken):
    kind = history.events.get("UnitRegistered")
    monkeypatch.setattr(kind, "version", 2)
    monkeypatch.setitem(kind.upcasters, 1, lambda data: {**data, "名称": data["name"], "v": 2.5e-05})
    headers = token_for(client, "root")
    fast, plain = _both(client, "/api/v1/events?limit=1000", headers, monkeypatch)
    assert taken == ["feed_text", "feed_plain"]
    assert fast == plain
    assert b'"v":2.5e-05' in fast and '"名称":"探"'.encode() in fast


def test_indented_json_takes_the_plain_twin(app, client, history, monkeypatch, taken):
    """In debug mode jsonify indents: the page written at once would differ, so it is not used."""
    headers = token_for(client, "disp")
    monkeypatch.setattr(app.json, "compact", False)
    fast, plain = _both(client, "/api/v1/events?limit=20", headers, monkeypatch)
    assert taken == ["feed_plain", "feed_plain"]
    assert fast == plain and b'\n  {\n    "actor"' in fast
