"""The audit page's proofs panel: checkpoints, checking a kept one, the evidence package."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

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
    # the list shows when it was signed in local time, to the second; the JSON to keep as signed
    signed = datetime.fromisoformat(kept["timestamp"]).astimezone(svc.tz)
    assert f'<td class="text-nowrap">{signed:%Y-%m-%d %H:%M:%S}</td>' in r.text
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


def test_the_three_kinds_of_package(client, ui, svc):
    ui.login("insp")
    page = client.get("/admin/audit/").text
    for form in ("package-form", "package-unit-form", "package-period-form"):
        assert f'id="{form}"' in page, form
    r = client.get("/admin/audit/package?kind=unit&package_unit=U01&package_from=&package_to=")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["selection"]["unit"] == "U01" and "project:XM001" in manifest["streams"]
    assert "project:XM002" not in manifest["streams"]
    today = svc.today().isoformat()
    r = client.get(f"/admin/audit/package?kind=period&package_from={today}&package_to={today}")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    for query, words in [("kind=unit&package_unit=U99", "没有单位“U99”"),
                         ("kind=period&package_from=2026-02-30", "YYYY-MM-DD"),
                         ("kind=period&package_from=2026-03-02&package_to=2026-03-01",
                          "起始日期不能晚于截止日期"),
                         ("kind=period&package_from=&package_to=", "请指定")]:
        refused = client.get(f"/admin/audit/package?{query}")
        assert refused.status_code == 200 and words in refused.text, query


def test_bulletins_to_print(client, ui, svc):
    from app.domain.actors import SYSTEM

    ui.login("insp")
    assert "尚未发布督查通报" in client.get("/admin/audit/").text
    iid = svc.bus.execute("record_inspection", {"kind": "project", "date": "2026-03-02",
                                                "inspectors": ["赵敏"], "summary": "项目督查",
                                                "targets": ["U01"]}, SYSTEM)["id"]
    svc.bus.execute("issue_bulletin", {"number": "2026-1", "title": "关于项目推进情况的通报",
                                       "date": "2026-03-15", "inspections": [iid]}, SYSTEM)
    page = client.get("/admin/audit/").text
    assert 'class="bulletin-row"' in page and "关于项目推进情况的通报" in page
    assert "/admin/audit/bulletin.pdf?number=2026-1" in page
    r = client.get("/admin/audit/bulletin.pdf?number=2026-1")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data[:5] == b"%PDF-"
    missing = client.get("/admin/audit/bulletin.pdf?number=2026-9")
    assert missing.status_code == 404 and "没有期号为“2026-9”的督查通报" in missing.text
