"""The daily anchor: the chain's head (position, hash), once a day, listed for inspectors."""
from __future__ import annotations

from app.events.audit import verify_chain
from tests.conftest import make_user, token_for
from tests.scheduler.conftest import at, events_of, unit


def test_anchor_once_a_day(services, clock, run):
    at(clock, "2026-11-25 23:50")
    empty = run("anchor")
    assert empty["outcome"] == "ok" and empty["events"] == 0  # nothing to anchor yet
    unit(services, "U01", "城南镇")
    unit(services, "U02", "城北镇")
    head = services.store.head()
    assert run("anchor")["events"] == 1
    [ev] = events_of(services, "ChainAnchored")
    assert ev.stream_id == "anchor:2026-11-25" and ev.business_date == "2026-11-25"
    assert ev.data == {"position": head[0], "hash": head[1]}
    assert ev.meta["actor"] == "system"
    assert run("anchor")["events"] == 0  # one per day
    at(clock, "2026-11-26 23:50")
    assert run("anchor")["events"] == 1
    second = events_of(services, "ChainAnchored")[-1]
    assert second.data == {"position": ev.position, "hash": ev.hash}  # the first anchor is covered
    assert verify_chain(services.engine).ok


def test_anchors_listed(app, client, clock, app_run):
    svc = app.extensions["duban"]
    at(clock, "2026-11-25 23:50")
    make_user(svc, "insp", "inspector")
    app_run("anchor")
    at(clock, "2026-11-26 23:50")
    app_run("anchor")
    body = client.get("/api/v1/audit/anchors", headers=token_for(client, "insp")).get_json()
    # each day's anchor is followed by its signed checkpoint (position 3 on the first day)
    assert [(a["day"], a["position"]) for a in body] == [("2026-11-25", 1), ("2026-11-26", 3)]
    stored = {e.position: e.hash for e in svc.store.read_all()}
    assert all(stored[a["position"]] == a["hash"] for a in body)
    assert body[0]["event_position"] == 2
    assert body[0]["recorded_at"].endswith("+08:00")
