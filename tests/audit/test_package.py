"""Evidence packages: written by the CLI and the API, checked by the standalone verifier, run as
a separate process from a directory where nothing of the app can be imported."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.audit.setup import sign_now
from app.domain.actors import INSPECTOR, Actor
from tests.conftest import make_user, token_for
from tests.store.test_audit import fill

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_package.py"


def verify(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", str(VERIFIER), str(path), *extra],
                          cwd=path.parent, capture_output=True, text=True, timeout=60)


def rewrite(src: Path, dst: Path, change) -> None:
    """A copy of a package with one file changed by ``change(name, data) -> data``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, change(name, zin.read(name)))


@pytest.fixture
def package(app, runner, clock, tmp_path):
    svc = app.extensions["duban"]
    fill(svc, clock, 9)  # streams note:0, note:1, note:1
    out = tmp_path / "note0.zip"
    r = runner.invoke(args=["audit", "package", "--stream", "note:0", str(out)])
    assert r.exit_code == 0, r.output
    return svc, out


def test_a_package_verifies(package):
    svc, out = package
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        cp = json.loads(zf.read("checkpoint.json"))
        evs = json.loads(zf.read("events.json"))
    assert manifest["stream"] == "note:0" and len(evs) == manifest["events"] >= 2
    assert cp["size"] == 9  # a fresh checkpoint was signed: none covered the stream yet
    result = verify(out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "完整且未被篡改" in result.stdout and cp["timestamp"][:10] in result.stdout
    key = svc.bus.resources["signer"].public_key().hex()
    assert verify(out, "--public-key", key).returncode == 0
    pinned = verify(out, "--public-key", "00" * 32)
    assert pinned.returncode == 1 and "公钥" in pinned.stdout


def test_the_latest_checkpoint_is_used_when_it_covers_the_stream(app, runner, clock, tmp_path):
    svc = app.extensions["duban"]
    fill(svc, clock, 6)
    cp = sign_now(svc, Actor("insp", INSPECTOR))
    out = tmp_path / "p.zip"
    assert runner.invoke(args=["audit", "package", "--stream", "note:1", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("checkpoint.json")) == cp


def test_an_edited_event_fails(package, tmp_path):
    _, out = package

    def edit(name, data):
        if name == "events.json":
            evs = json.loads(data)
            evs[0]["data"] = evs[0]["data"].replace("e0", "forged")
            return json.dumps(evs, ensure_ascii=False).encode()
        return data

    bad = tmp_path / "bad.zip"
    rewrite(out, bad, edit)
    result = verify(bad)
    assert result.returncode == 1
    assert "哈希不符" in result.stdout and "清单" in result.stdout
    assert "完整且未被篡改" not in result.stdout


def test_an_edited_event_with_its_hash_and_manifest_redone_fails_its_proof(package, tmp_path):
    _, out = package
    sys.path.insert(0, str(VERIFIER.parent))
    try:
        import verify_package as vp
    finally:
        sys.path.pop(0)
    import hashlib

    files = {}

    def edit(name, data):
        if name == "events.json":
            evs = json.loads(data)
            evs[-1]["data"] = evs[-1]["data"].replace("e", "f")
            evs[-1]["hash"] = vp.event_hash(evs[-1])
            data = json.dumps(evs, ensure_ascii=False).encode()
        files[name] = data
        return data

    mid = tmp_path / "mid.zip"
    rewrite(out, mid, edit)
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in files.items()
                         if n != "manifest.json"}
    bad = tmp_path / "bad.zip"
    rewrite(mid, bad, lambda n, d: json.dumps(manifest).encode() if n == "manifest.json" else d)
    result = verify(bad)
    assert result.returncode == 1, result.stdout
    assert "包含证明" in result.stdout and "[失败]" in result.stdout


def test_a_dropped_event_and_a_forged_checkpoint_fail(package, tmp_path):
    _, out = package

    def drop(name, data):
        if name == "events.json":
            evs = json.loads(data)
            return json.dumps(evs[1:], ensure_ascii=False).encode()
        if name == "checkpoint.json":
            cp = json.loads(data)
            cp["timestamp"] = "2020-01-01T00:00:00+08:00"
            return json.dumps(cp).encode()
        return data

    bad = tmp_path / "bad.zip"
    rewrite(out, bad, drop)
    result = verify(bad)
    assert result.returncode == 1
    assert "版本号不连续" in result.stdout and "签名无效" in result.stdout
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert verify(tmp_path / "junk.zip").returncode == 1


def test_package_over_http(app, client, clock):
    svc = app.extensions["duban"]
    fill(svc, clock, 5)
    make_user(svc, "insp", "inspector")
    make_user(svc, "disp", "dispatcher")
    h = token_for(client, "insp")
    r = client.get("/api/v1/audit/package?stream=note:1", headers=h)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        assert json.loads(zf.read("manifest.json"))["stream"] == "note:1"
    assert client.get("/api/v1/audit/package?stream=note:1",
                      headers=token_for(client, "disp")).status_code == 403
    missing = client.get("/api/v1/audit/package?stream=problem:P99999", headers=h)
    assert missing.status_code == 404 and "problem:P99999" in missing.get_json()["error"]["message"]
    assert client.get("/api/v1/audit/package", headers=h).status_code == 400


def test_cli_checkpoint_and_an_unknown_stream(app, runner, clock, tmp_path):
    svc = app.extensions["duban"]
    fill(svc, clock, 3)
    signed = runner.invoke(args=["audit", "checkpoint"])
    assert signed.exit_code == 0, signed.output
    assert json.loads(signed.output.strip().splitlines()[-1])["size"] == 3
    out = tmp_path / "none.zip"
    r = runner.invoke(args=["audit", "package", "--stream", "problem:P99999", str(out)])
    assert r.exit_code == 1 and "没有事件流" in r.output
    assert not out.exists()


def test_init_db_builds_the_tree_of_an_existing_log(app, runner, clock):
    from sqlalchemy import func, select

    from app.events.tree import BLOCK, merkle_nodes

    svc = app.extensions["duban"]
    fill(svc, clock, 2 * BLOCK + 5)
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with svc.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(merkle_nodes)).scalar() == 3
