"""The hash chain: intact verifies; an edit, a deletion or an insertion behind the store's back is found."""
from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.events.audit import verify_chain
from app.events.chain import GENESIS_HASH, event_hash
from app.events.tables import events
from tests.conftest import make_user, token_for
from tests.store.test_store import META, make_store, noted, raw_rows

_MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0001_event_store.py"


def _sqlite_triggers() -> list[str]:
    spec = importlib.util.spec_from_file_location("_event_store_migration", _MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SQLITE_TRIGGERS


@contextmanager
def tampering(engine):
    """Switch the append-only triggers off, as someone with the database's keys could."""
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        if pg:
            c.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        else:
            c.execute(text("DROP TRIGGER events_no_update"))
            c.execute(text("DROP TRIGGER events_no_delete"))
    try:
        yield
    finally:
        # the PostgreSQL test database outlives the test: put the guard back
        with engine.begin() as c:
            if pg:
                c.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
            else:
                for statement in _sqlite_triggers():
                    c.execute(text(statement))


def sql(engine, statement: str, **params) -> None:
    with engine.begin() as c:
        c.execute(text(statement), params)


def fill(services, clock, n: int = 8):
    """n events over three streams, some appended together."""
    store = make_store(services.engine, clock)
    i = 0
    while i < n:
        size = min(1 + i % 2, n - i)
        store._append(f"note:{i % 3}", "note", [noted(f"e{i + j}", i + j) for j in range(size)],
                     None, META)
        i += size
    assert store.head()[0] == n
    return store


def shift_up(engine, from_position: int) -> None:
    """Make room at a position by moving every later event one up (two steps: the key is unique)."""
    sql(engine, "UPDATE events SET position = -position WHERE position >= :k", k=from_position)
    sql(engine, "UPDATE events SET position = 1 - position WHERE position < 0")


def insert_row(engine, row: dict) -> None:
    with engine.begin() as c:
        c.execute(events.insert().values(**row))


# -- intact ----------------------------------------------------------------------------------
def test_empty_store_verifies(services):
    result = verify_chain(services.engine)
    assert result.ok and result.checked == 0 and result.head == GENESIS_HASH
    assert result.first_bad_position is None


def test_intact_chain_verifies(services, clock):
    store = fill(services, clock, 9)
    result = verify_chain(services.engine)
    assert result.ok
    assert (result.checked, result.head, result.first_bad_position) == (9, store.head()[1], None)
    # in small batches, and up to a position
    assert verify_chain(services.engine, batch=2).ok
    partial = verify_chain(services.engine, until_position=4)
    assert partial.ok and partial.checked == 4
    assert partial.head == raw_rows(services.engine)[3].hash


# -- tampered --------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 5, 8])
def test_edited_payload_is_found_at_its_position(services, clock, k):
    fill(services, clock, 8)
    with tampering(services.engine):
        sql(services.engine, "UPDATE events SET data = :d WHERE position = :k",
            d='{"n":0,"text":"forged"}', k=k)
    result = verify_chain(services.engine)
    assert not result.ok
    assert result.first_bad_position == k
    assert result.checked == k - 1
    assert verify_chain(services.engine, batch=3).first_bad_position == k
    # what came before the edit still verifies
    assert verify_chain(services.engine, until_position=k - 1).ok


def test_edit_with_recomputed_hash_breaks_the_next_link(services, clock):
    """Someone who knows the hash function can re-seal the edited row, not the rows after it."""
    fill(services, clock, 6)
    row = raw_rows(services.engine)[2]._asdict()
    row["data"] = '{"n":0,"text":"forged"}'
    row["hash"] = event_hash(row["position"], row["stream_id"], row["stream_type"], row["version"],
                             row["type"], row["schema_version"], row["data"], row["meta"],
                             row["business_date"], row["recorded_at"], row["prev_hash"])
    with tampering(services.engine):
        sql(services.engine, "UPDATE events SET data = :d, hash = :h WHERE position = 3",
            d=row["data"], h=row["hash"])
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == 4


@pytest.mark.parametrize("k", [1, 4, 7])
def test_deleted_event_is_reported_at_its_position(services, clock, k):
    fill(services, clock, 8)
    with tampering(services.engine):
        sql(services.engine, "DELETE FROM events WHERE position = :k", k=k)
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == k
    assert result.checked == k - 1


def test_deleting_the_last_event_is_a_shorter_intact_chain(services, clock):
    store = fill(services, clock, 5)
    head_before = store.head()[1]
    with tampering(services.engine):
        sql(services.engine, "DELETE FROM events WHERE position = 5")
    result = verify_chain(services.engine)
    # the chain cannot see its own tail cut: the head it reports no longer matches the one
    # written down before (an anchor kept outside the database is what catches this)
    assert result.ok and result.checked == 4 and result.head != head_before


def test_deleted_event_with_positions_closed_up_is_found(services, clock):
    fill(services, clock, 8)
    with tampering(services.engine):
        sql(services.engine, "DELETE FROM events WHERE position = 3")
        sql(services.engine, "UPDATE events SET position = -position WHERE position > 3")
        sql(services.engine, "UPDATE events SET position = -position - 1 WHERE position < 0")
    assert [r.position for r in raw_rows(services.engine)] == list(range(1, 8))
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == 3


def test_copied_row_inserted_in_the_middle_is_found_at_its_position(services, clock):
    fill(services, clock, 8)
    copy = raw_rows(services.engine)[1]._asdict()  # position 2
    copy.update(position=5, version=copy["version"] + 100)
    with tampering(services.engine):
        shift_up(services.engine, 5)
        insert_row(services.engine, copy)
    assert [r.position for r in raw_rows(services.engine)] == list(range(1, 10))
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == 5


def test_forged_row_inserted_in_the_middle_is_found(services, clock):
    fill(services, clock, 8)
    rows = raw_rows(services.engine)
    forged = rows[4]._asdict()
    forged.update(stream_id="note:forged", version=1, data='{"n":0,"text":"forged"}')
    # linked to its predecessor, with a well-formed but not recomputed hash
    forged.update(prev_hash=rows[3].hash, hash="f" * 64)
    with tampering(services.engine):
        shift_up(services.engine, 5)
        insert_row(services.engine, forged)
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == 5
    # a forger who recomputes the forged row's hash is caught at the very next row
    forged["hash"] = event_hash(5, forged["stream_id"], forged["stream_type"], 1, forged["type"],
                                forged["schema_version"], forged["data"], forged["meta"],
                                forged["business_date"], forged["recorded_at"], forged["prev_hash"])
    with tampering(services.engine):
        sql(services.engine, "UPDATE events SET hash = :h WHERE position = 5", h=forged["hash"])
    assert verify_chain(services.engine).first_bad_position == 6


def test_row_inserted_after_a_gap_is_found(services, clock):
    fill(services, clock, 6)
    row = raw_rows(services.engine)[5]._asdict()
    row.update(position=8, stream_id="note:late", version=1, prev_hash=row["hash"])
    with tampering(services.engine):
        insert_row(services.engine, row)
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == 7  # the hole before it


@pytest.mark.parametrize("position", [0, -3])
def test_row_inserted_before_the_first_position_is_found(services, clock, position):
    """A row below position 1 is outside every `position > n` read, but a stream read sees it."""
    store = fill(services, clock, 4)
    row = raw_rows(services.engine)[0]._asdict()
    row.update(position=position, version=0, prev_hash=GENESIS_HASH)
    with tampering(services.engine):
        insert_row(services.engine, row)
    assert store.read_stream(row["stream_id"])[0].position == position
    result = verify_chain(services.engine)
    assert not result.ok and result.first_bad_position == position


# -- command line and API --------------------------------------------------------------------
def test_cli_audit_verify(app, runner, clock):
    svc = app.extensions["duban"]
    fill(svc, clock, 5)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "5" in ok.output and raw_rows(svc.engine)[-1].hash in ok.output

    with tampering(svc.engine):
        sql(svc.engine, "UPDATE events SET meta = '{}' WHERE position = 3")
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "3" in bad.output and "第一个异常位置 3" in bad.output


def test_cli_audit_verify_reports_a_deletion(app, runner, clock):
    svc = app.extensions["duban"]
    fill(svc, clock, 5)
    with tampering(svc.engine):
        sql(svc.engine, "DELETE FROM events WHERE position = 2")
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "第一个异常位置 2" in bad.output


def test_api_audit_verify(app, client, clock):
    svc = app.extensions["duban"]
    t0 = datetime(2026, 5, 1, tzinfo=timezone.utc)
    clock.set(t0)
    make_user(svc, "insp", "inspector")          # position 1
    fill_store = make_store(svc.engine, clock)
    fill_store._append("note:a", "note", [noted("a")], 0, META)  # 2
    clock.set(t0 + timedelta(days=1))
    fill_store._append("note:a", "note", [noted("b")], 1, META)  # 3
    h = token_for(client, "insp")                 # 4: the login, a fact of the security log

    r = client.get("/api/v1/audit/verify", headers=h)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"ok", "checked", "head", "first_bad_position", "files_checked", "bad_files"}
    assert body == {"ok": True, "checked": 4, "head": raw_rows(svc.engine)[-1].hash,
                    "first_bad_position": None, "files_checked": 0, "bad_files": []}
    assert client.get("/api/v1/audit/verify").status_code == 401

    with tampering(svc.engine):
        sql(svc.engine, "UPDATE events SET business_date = '2000-01-01' WHERE position = 3")
    body = client.get("/api/v1/audit/verify", headers=h).get_json()
    assert body == {"ok": False, "checked": 2, "head": raw_rows(svc.engine)[1].hash,
                    "first_bad_position": 3, "files_checked": 0, "bad_files": []}
    # as of an instant before the edited event was recorded, the chain verified
    as_of = (t0 + timedelta(hours=1)).isoformat()
    body = client.get("/api/v1/audit/verify", headers=h, query_string={"as_of": as_of}).get_json()
    assert body["ok"] is True and body["checked"] == 2


# -- property --------------------------------------------------------------------------------
_EDITS = {
    "data": "data = data || ' '",
    "meta": "meta = meta || ' '",
    "stream_id": "stream_id = stream_id || 'x'",
    "type": "type = type || 'x'",
    "version": "version = version + 1000",
    "schema_version": "schema_version = schema_version + 1",
    "business_date": "business_date = '1999-12-31'",
    "recorded_at": "recorded_at = '2000-01-01T00:00:00.000000Z'",
    "prev_hash": "prev_hash = :fake",
    "hash": "hash = :fake",
}

appends = st.lists(
    st.tuples(st.integers(0, 2), st.lists(st.text(max_size=8), min_size=1, max_size=3),
              st.booleans()),
    min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=appends, pick=st.integers(min_value=0), column=st.sampled_from(sorted(_EDITS)))
def test_verify_reports_exactly_the_edited_position(services, clock, plan, pick, column):
    engine = services.engine
    with tampering(engine):
        sql(engine, "DELETE FROM events")
        store = make_store(engine, clock)
        for stream, texts, dated in plan:
            day = datetime(2026, 1, 1).date() if dated else None
            store._append(f"note:{stream}", "note", [noted(t, i, day) for i, t in enumerate(texts)],
                         None, META)
        n = store.head()[0]
        assert verify_chain(engine).ok and verify_chain(engine).checked == n
        k = 1 + pick % n
        sql(engine, f"UPDATE events SET {_EDITS[column]} WHERE position = :k", k=k,
            fake="e" * 64)
        result = verify_chain(engine, batch=4)
        assert not result.ok
        assert result.first_bad_position == k
        assert result.checked == k - 1
