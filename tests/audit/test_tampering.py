"""Tampering behind the store's back is found against a checkpoint kept earlier: an edited
payload, the last events deleted, an event inserted (with the chain resealed after it)."""
from __future__ import annotations

import json

from app.audit.setup import sign_now
from app.domain.actors import ADMIN, INSPECTOR, Actor
from app.events import merkle
from app.events.chain import row_hash
from tests.audit.test_checkpoints import log_hashes
from tests.conftest import make_user, token_for
from tests.store.test_audit import insert_row, raw_rows, shift_up, sql, tampering

INSP = Actor("insp", INSPECTOR)


def register_units(svc, first: int, n: int) -> None:
    """n events recorded as ever: a unit registered by each command."""
    for i in range(first, first + n):
        svc.bus.execute("register_unit", {"code": f"U{i:02d}", "name": f"单位{i}",
                                          "kind": "township", "date": "2026-01-02"},
                        Actor("admin", ADMIN))


def kept(app, clock, tmp_path, n: int = 8):
    """n events, a checkpoint over them (position n+1) saved to a file, then 3 more events."""
    svc = app.extensions["duban"]
    register_units(svc, 0, n)
    cp = sign_now(svc, INSP)
    assert cp["size"] == n
    register_units(svc, n, 3)
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(cp))
    return svc, cp, str(path)


def reseal(engine, from_position: int) -> None:
    """What a forger who knows the hash function does: recompute every hash from a position on,
    so that the chain itself verifies again."""
    rows = raw_rows(engine)
    prev = rows[from_position - 2].hash if from_position > 1 else "0" * 64
    for r in rows[from_position - 1:]:
        d = r._asdict()
        d["prev_hash"] = prev
        h = row_hash(type("R", (), d))
        sql(engine, "UPDATE events SET prev_hash = :p, hash = :h WHERE position = :k",
            p=prev, h=h, k=r.position)
        prev = h


def test_an_untouched_log_extends_the_checkpoint(app, runner, clock, tmp_path):
    svc, cp, path = kept(app, clock, tmp_path)
    out = runner.invoke(args=["audit", "verify", "--against", path])
    assert out.exit_code == 0, out.output
    assert "延续" in out.output and "签名有效" in out.output


def test_an_edited_payload_is_found(app, runner, clock, tmp_path):
    svc, cp, path = kept(app, clock, tmp_path)
    with tampering(svc.engine):
        sql(svc.engine, "UPDATE events SET data = :d WHERE position = 3",
            d='{"n":0,"text":"forged"}')
    out = runner.invoke(args=["audit", "verify", "--against", path])
    assert out.exit_code == 1
    assert "第一个异常位置 3" in out.output


def test_an_edit_with_the_chain_resealed_is_found_by_the_root(app, runner, client, clock,
                                                              tmp_path):
    svc, cp, path = kept(app, clock, tmp_path)
    old = log_hashes(svc)
    with tampering(svc.engine):
        sql(svc.engine, "UPDATE events SET data = :d WHERE position = 3",
            d='{"n":0,"text":"forged"}')
        reseal(svc.engine, 3)
    out = runner.invoke(args=["audit", "verify", "--against", path])
    assert out.exit_code == 1, out.output
    assert "哈希链完整" in out.output and "默克尔根" in out.output
    # and by a proof: the edited event's inclusion proof no longer leads to the kept root
    make_user(svc, "insp", "inspector")
    h = token_for(client, "insp")
    new = log_hashes(svc)
    proof = client.get(f"/api/v1/audit/proof/inclusion?position=3&size={cp['size']}",
                       headers=h).get_json()
    assert not merkle.verify_inclusion(2, cp["size"], merkle.leaf_hash(new[2]),
                                       [bytes.fromhex(p) for p in proof["path"]],
                                       bytes.fromhex(cp["root"]))
    # while the event as it was when the checkpoint was signed is included in it
    assert merkle.verify_inclusion(2, cp["size"], merkle.leaf_hash(old[2]),
                                   merkle.inclusion_path(2, cp["size"],
                                                         lambda s, e: merkle.root_of(old[s:e])),
                                   bytes.fromhex(cp["root"]))


def test_the_last_events_deleted_are_named(app, runner, clock, tmp_path):
    svc, cp, path = kept(app, clock, tmp_path)  # checkpoint over 8; positions 9..12 follow
    with tampering(svc.engine):
        sql(svc.engine, "DELETE FROM events WHERE position >= 6")
    out = runner.invoke(args=["audit", "verify", "--against", path])
    assert out.exit_code == 1
    assert "位置 6–8" in out.output and "缺少事件" in out.output
    # the plain chain check alone cannot see a cut tail
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_an_inserted_event_is_found_by_consistency(app, runner, client, clock, tmp_path):
    svc, cp, path = kept(app, clock, tmp_path)
    copy = raw_rows(svc.engine)[1]._asdict()
    copy.update(position=5, version=copy["version"] + 100)
    with tampering(svc.engine):
        shift_up(svc.engine, 5)
        insert_row(svc.engine, copy)
        reseal(svc.engine, 5)
    out = runner.invoke(args=["audit", "verify", "--against", path])
    assert out.exit_code == 1 and "默克尔根" in out.output
    # the log as served now is not an extension of the kept checkpoint
    make_user(svc, "insp", "inspector")
    h = token_for(client, "insp")
    hashes = log_hashes(svc)
    second = len(hashes)
    proof = client.get(f"/api/v1/audit/proof/consistency?first={cp['size']}&second={second}",
                       headers=h).get_json()
    assert not merkle.verify_consistency(cp["size"], second, bytes.fromhex(cp["root"]),
                                         merkle.root_of(hashes),
                                         [bytes.fromhex(p) for p in proof["path"]])


def test_a_forged_checkpoint_is_refused(app, runner, clock, tmp_path):
    svc, cp, path = kept(app, clock, tmp_path)
    forged = dict(cp, size=cp["size"] - 1)
    bad = tmp_path / "forged.json"
    bad.write_text(json.dumps(forged))
    out = runner.invoke(args=["audit", "verify", "--against", str(bad)])
    assert out.exit_code == 1 and "签名无效" in out.output
    (tmp_path / "junk.json").write_text("{\"size\": 1}")
    out = runner.invoke(args=["audit", "verify", "--against", str(tmp_path / "junk.json")])
    assert out.exit_code == 1 and "格式有误" in out.output
