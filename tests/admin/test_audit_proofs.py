"""The audit page's proofs panel: checkpoints, checking a kept one, the evidence package."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import text

from tests.admin.ui import hidden_inputs


def _token(client) -> str:
    return hidden_inputs(client.get("/admin/audit/").text)["csrf_token"]


def test_sign_paste_and_check(client, ui, svc):
    ui.login("insp")
    page = client.get("/admin/audit/").text
    assert "尚未签署检查点" in page and 'id="audit-key-id"' in page
    r = client.post("/admin/audit/checkpoint", data={"csrf_token": _token(client)})
    assert r.status_code == 200 and "已签署检查点" in r.text
    assert r.text.count('class="checkpoint-row"') == 1
    with svc.engine.connect() as conn:
        (data,) = conn.execute(text("SELECT data FROM events WHERE type = 'CheckpointSigned'")).one()
    kept = json.loads(data)
    ok = client.post("/admin/audit/against", data={"csrf_token": _token(client),
                                                   "checkpoint": json.dumps(kept)})
    assert 'data-ok="1"' in ok.text and "当前日志是该检查点的延续" in ok.text
    junk = client.post("/admin/audit/against", data={"csrf_token": _token(client),
                                                     "checkpoint": "not json"})
    assert 'data-ok="0"' in junk.text and "不是有效的 JSON" in junk.text
    # the tail cut behind the store's back
    with svc.engine.begin() as conn:
        if svc.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS events_no_delete"))
        conn.execute(text("DELETE FROM events WHERE position > :n"), {"n": kept["size"] - 2})
    cut = client.post("/admin/audit/against", data={"csrf_token": _token(client),
                                                     "checkpoint": json.dumps(kept)})
    assert 'data-ok="0"' in cut.text and "缺少事件" in cut.text
    assert f"位置 {kept['size'] - 1}–{kept['size']}" in cut.text


def test_package_download(client, ui, svc):
    ui.login("insp")
    r = client.get("/admin/audit/package?package_stream=project:XM001")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        assert json.loads(zf.read("manifest.json"))["stream"] == "project:XM001"
    missing = client.get("/admin/audit/package?package_stream=project:NOPE")
    assert missing.status_code == 200 and "没有事件流" in missing.text
