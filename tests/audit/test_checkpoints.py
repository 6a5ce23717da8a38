"""Signed checkpoints and proofs over HTTP, the key file, and the daily anchor's checkpoint."""
from __future__ import annotations

import os
import stat

from app.audit.keys import key_id_of, signature_valid
from app.events import merkle
from app.events.tables import events
from sqlalchemy import select
from tests.conftest import make_user, token_for
from tests.scheduler.conftest import app_run, at  # noqa: F401  (a fixture)


def log_hashes(svc) -> list[bytes]:
    with svc.engine.connect() as c:
        return [bytes.fromhex(h) for (h,) in
                c.execute(select(events.c.hash).order_by(events.c.position))]


def users(svc, n: int = 3) -> None:
    make_user(svc, "insp", "inspector")
    make_user(svc, "disp", "dispatcher")
    for i in range(n):
        make_user(svc, f"u{i}", "leader")


def test_sign_list_and_check_a_checkpoint(app, client):
    svc = app.extensions["duban"]
    users(svc)
    h = token_for(client, "insp")
    assert client.get("/api/v1/audit/checkpoints", headers=h).get_json() == []
    r = client.post("/api/v1/audit/checkpoints", headers=h)
    assert r.status_code == 201, r.get_json()
    # five users, the inspector's login (a security fact), then the checkpoint
    assert r.get_json()["events"] == [{"type": "CheckpointSigned", "position": 7}]
    again = client.post("/api/v1/audit/checkpoints", headers=h, json={"command_id": "c1"})
    assert client.post("/api/v1/audit/checkpoints", headers=h,
                       json={"command_id": "c1"}).get_json() == again.get_json()  # idempotent
    listed = client.get("/api/v1/audit/checkpoints", headers=h).get_json()
    # the answer carries the checkpoint it signed
    assert {k: again.get_json()[k] for k in listed[0]} == listed[0]
    assert {k: r.get_json()[k] for k in listed[1]} == listed[1]
    assert [c["size"] for c in listed] == [7, 6]  # newest first; each covers the one before
    key = client.get("/api/v1/audit/public-key", headers=h).get_json()
    public = bytes.fromhex(key["public_key"])
    assert len(public) == 32 and key["key_id"] == key_id_of(public)
    hashes = log_hashes(svc)
    for cp in listed:
        assert set(cp) == {"size", "root", "timestamp", "key_id", "signature"}
        assert cp["root"] == merkle.root_of(hashes[:cp["size"]]).hex()
        assert cp["key_id"] == key["key_id"] and signature_valid(cp, public)
        assert cp["timestamp"].endswith("+08:00")
    forged = dict(listed[0], size=4)
    assert not signature_valid(forged, public)


def test_who_may_sign(app, client):
    svc = app.extensions["duban"]
    users(svc)
    make_user(svc, "adm", "admin")
    assert client.post("/api/v1/audit/checkpoints",
                       headers=token_for(client, "disp")).status_code == 403
    assert client.post("/api/v1/audit/checkpoints",
                       headers=token_for(client, "adm")).status_code == 201
    assert client.post("/api/v1/audit/checkpoints").status_code == 401


def test_the_key_file_is_private(app, runner):
    path = app.config["AUDIT_SIGNING_KEY_FILE"]
    assert not os.path.exists(path)
    out = runner.invoke(args=["init-db"])
    assert out.exit_code == 0, out.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "密钥编号" in out.output
    before = open(path, "rb").read()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert open(path, "rb").read() == before  # kept, never replaced


def test_inclusion_and_consistency_proofs(app, client):
    svc = app.extensions["duban"]
    users(svc, 8)  # 10 events
    h = token_for(client, "u1")
    hashes = log_hashes(svc)
    for position, size in [(1, 1), (3, 10), (10, 10), (7, 9)]:
        r = client.get(f"/api/v1/audit/proof/inclusion?position={position}&size={size}", headers=h)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert (body["leaf_index"], body["tree_size"]) == (position - 1, size)
        assert merkle.verify_inclusion(position - 1, size, merkle.leaf_hash(hashes[position - 1]),
                                       [bytes.fromhex(p) for p in body["path"]],
                                       merkle.root_of(hashes[:size]))
    for first, second in [(1, 10), (4, 10), (8, 8), (3, 7)]:
        body = client.get(f"/api/v1/audit/proof/consistency?first={first}&second={second}",
                          headers=h).get_json()
        assert (body["first"], body["second"]) == (first, second)
        assert merkle.verify_consistency(first, second, merkle.root_of(hashes[:first]),
                                         merkle.root_of(hashes[:second]),
                                         [bytes.fromhex(p) for p in body["path"]])


def test_bad_proof_parameters_are_400_in_chinese(app, client):
    svc = app.extensions["duban"]
    users(svc)
    h = token_for(client, "insp")
    for query in ["proof/inclusion?position=0&size=3", "proof/inclusion?position=4&size=3",
                  "proof/inclusion?position=1&size=99", "proof/inclusion?position=x&size=3",
                  "proof/inclusion?size=3", "proof/consistency?first=4&second=3",
                  "proof/consistency?first=0&second=3", "proof/consistency?first=1&second=99",
                  "proof/consistency?first=1", "proof/inclusion?position=1&size=2&x=1"]:
        r = client.get("/api/v1/audit/" + query, headers=h)
        assert r.status_code == 400, query
        message = r.get_json()["error"]["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_the_daily_anchor_signs_a_checkpoint(app, client, clock, app_run):
    svc = app.extensions["duban"]
    at(clock, "2026-11-25 23:50")
    make_user(svc, "insp", "inspector")
    assert app_run("anchor")["events"] == 2
    assert app_run("anchor")["events"] == 0  # once a day
    at(clock, "2026-11-26 23:50")
    assert app_run("anchor")["events"] == 2
    listed = client.get("/api/v1/audit/checkpoints", headers=token_for(client, "insp")).get_json()
    assert [(c["size"], c["timestamp"][:10]) for c in listed] == [(3, "2026-11-26"),
                                                                  (1, "2026-11-25")]
