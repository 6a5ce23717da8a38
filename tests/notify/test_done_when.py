"""The issue's end-to-end story, on both databases: a unit reporter attaches the signed agreement
and three site photos to a resolution report; the dispatcher sees them in the timeline and
verifies; the responsible person got the assignment and the urge by e-mail and through the webhook;
an inspector's audit verify finds a photo swapped on disk."""
from __future__ import annotations

import hashlib
import hmac
import os

from app.files.blobs import BlobStore
from app.scheduler import run_job
from tests.admin.ui import UI
from tests.files.conftest import API, PDF, jpeg


def test_evidence_notifications_and_audit_end_to_end(nworld, mailbox, receiver):
    w = nworld
    # the responsible person: unit U01's reporter, with an address and a phone
    assert w.client.post(f"{API}/users/rep1/contact", headers=w.h["rep1"],
                         json={"email": "liming@chengnan.gov.cn", "phone": "13800138000"}).status_code == 200
    pid = w.problem_at("U01")
    w.post(f"/problems/{pid}/urge", {"note": "请于本周内完成签约"})
    assert run_job(w.svc, "notify")["outcome"] == "ok"
    subjects = sorted(m["Subject"][:4] for m in mailbox.messages)
    assert subjects == ["【交办】", "【催办】"]
    assert {m["To"] for m in mailbox.messages} == {"liming@chengnan.gov.cn"}
    hooks = receiver.bodies()
    assert sorted(h["title"][:4] for h in hooks) == ["【交办】", "【催办】"]
    assert {h["phone"] for h in hooks} == {"13800138000"}
    for headers, body in receiver.requests:
        assert headers["X-Duban-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert {m["Message-ID"] for m in mailbox.messages} == {f"<{h['id']}@duban>" for h in hooks}

    # the reporter attaches the signed agreement and three site photos
    agreement = w.upload(PDF, "征地补偿协议（已签字）.pdf")
    photos = [w.upload(jpeg(i, exif=True), f"现场照片{i + 1}.jpg") for i in range(3)]
    report = w.post(f"/problems/{pid}/resolution",
                    {"description": "已签订征地补偿协议，现场已清表",
                     "attachments": [agreement["sha256"]] + [p["sha256"] for p in photos]}, who="rep1")

    # the dispatcher sees them in the timeline, opens the agreement, and verifies
    ui = UI(w.app.test_client())
    ui.login("disp")
    timeline = ui.client.get(f"/admin/problem-timeline/?id={pid}").text
    assert "征地补偿协议（已签字）.pdf" in timeline
    for p in photos:
        assert f"/admin/files/{p['sha256']}/thumbnail" in timeline
    assert timeline.count("拍摄于 2026-11-20 09:15:30") == 3
    assert ui.client.get(f"/admin/files/{agreement['sha256']}").data == PDF
    w.post(f"/problems/{pid}/verify", {"note": "材料齐全，同意销号"})
    assert w.client.get(f"{API}/problems/{pid}", headers=w.h["disp"]).get_json()["status"] == "resolved"

    # an inspector's audit finds a photo swapped on disk, with the event that names it
    intact = w.client.get(API + "/audit/verify", headers=w.h["insp"]).get_json()
    assert intact["ok"] and intact["files_checked"] == 4
    store = BlobStore(__import__("pathlib").Path(w.app.config["BLOB_DIR"]))
    swapped = store.path(photos[1]["sha256"])
    os.chmod(swapped, 0o644)
    swapped.write_bytes(jpeg(42, exif=True))
    audit = w.client.get(API + "/audit/verify", headers=w.h["insp"]).get_json()
    assert not audit["ok"] and audit["first_bad_position"] is None
    assert [(b["sha256"], b["name"], b["position"]) for b in audit["bad_files"]] == \
        [(photos[1]["sha256"], "现场照片2.jpg", report["position"])]
    out = w.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "现场照片2.jpg" in out.output
