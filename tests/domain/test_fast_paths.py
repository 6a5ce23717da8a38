"""The one switch: the same history with every fast path on and with every one off gives the
same events (to the hash), the same answers, the same reads and the same projections, and a
rebuild equals the live tables either way."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from app import schema
from app.bootstrap import bootstrap
from app.domain.errors import CommandError
from app.events.recorders.plain import PlainRecorder
from app.events.tables import events
from tests.conftest import FakeClock, _clean_pg
from tests.domain.test_rebuild import DISPATCH, KINDS, World, dump

# every kind of step, three times over, with choices spread by two coprime strides
OPS = [(KINDS[i % len(KINDS)], (i * 37) % 100, (i * 53) % 100) for i in range(3 * len(KINDS))]


class Recording(World):
    """The world, keeping every answer and refusal."""

    def __init__(self, svc) -> None:
        super().__init__(svc)
        self.answers: list = []

    def run(self, name, payload, actor=DISPATCH):
        try:
            answer = self.svc.bus.execute(name, payload, actor)
        except CommandError as exc:
            self.answers.append((name, type(exc).__name__, str(exc)))
            return None
        self.answers.append((name, answer))
        return answer


def _history(url: str, monkeypatch, fast: bool, tmp_path) -> dict:
    monkeypatch.setenv("DUBAN_FAST_PATHS", "1" if fast else "0")
    svc = bootstrap(url, clock=FakeClock(datetime(2026, 11, 25, 1, tzinfo=timezone.utc)),
                    asof={"directory": str(tmp_path / f"asof-{fast}")})
    try:
        schema.upgrade(svc.engine)
        svc.projections.rebuild(svc.store)
        assert isinstance(svc.store.recorder, PlainRecorder) != fast
        assert (svc.store.memory is None) != fast
        assert all((svc.events.get(n).check is None) != fast
                   for n in ("ProblemRaised", "ProgressSubmitted"))
        world = Recording(svc)
        for op in OPS:
            world.apply(*op)
        with svc.engine.connect() as conn:
            live = dump(svc, conn)
            rows = [tuple(r) for r in conn.execute(select(events).order_by(events.c.position))]
        streams = sorted({r[1] for r in rows})
        reads = {s: svc.store.read_stream(s) for s in streams}
        svc.projections.rebuild(svc.store)
        with svc.engine.connect() as conn:
            rebuilt = dump(svc, conn)
        return {"answers": world.answers, "events": rows, "reads": reads,
                "all": list(svc.store.read_all()), "live": live, "rebuilt": rebuilt}
    finally:
        svc.engine.dispose()


def test_the_fast_paths_change_no_answer(database_url, monkeypatch, tmp_path):
    if database_url.startswith("sqlite"):
        urls = [f"sqlite:///{tmp_path / 'fast.sqlite3'}", f"sqlite:///{tmp_path / 'plain.sqlite3'}"]
    else:
        urls = [database_url, database_url]
    fast = _history(urls[0], monkeypatch, True, tmp_path)
    if urls[1] == urls[0]:
        _clean_pg(urls[1])
    plain = _history(urls[1], monkeypatch, False, tmp_path)
    assert len(fast["events"]) > 100
    assert fast["rebuilt"] == fast["live"]
    assert plain["rebuilt"] == plain["live"]
    for key in ("answers", "events", "reads", "all", "live"):
        assert plain[key] == fast[key], key
