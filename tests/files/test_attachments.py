"""Evidence files: upload, types by content, attaching to commands, read rights, thumbnails,
the cleanup and the audit of every attached file."""
from __future__ import annotations

import hashlib
import io
import os
from datetime import timedelta

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from app.files.blobs import BlobStore
from app.files.service import remove_unreferenced
from app.files.tables import uploads
from app.projections.attachments import attachment_refs

from .conftest import API, PDF, jpeg


def blobs(world) -> BlobStore:
    from pathlib import Path

    return BlobStore(Path(world.app.config["BLOB_DIR"]))


def head(world) -> int:
    return world.svc.store.head()[0]


def test_upload_is_kept_by_its_hash_once(world):
    data = jpeg(1)
    up = world.upload(data, "现场照片.jpg")
    sha = hashlib.sha256(data).hexdigest()
    assert up == {"sha256": sha, "name": "现场照片.jpg", "size": len(data), "content_type": "image/jpeg"}
    path = blobs(world).path(sha)
    assert path.read_bytes() == data and path.parent.name == sha[:2]
    inode = path.stat().st_ino
    again = world.upload(data, "另一个名字.jpg", who="rep2")
    assert again["sha256"] == sha and again["name"] == "另一个名字.jpg"
    assert path.stat().st_ino == inode  # never overwritten
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]
    assert head(world) == head(world)  # an upload is no event


def test_upload_appends_no_event(world):
    before = head(world)
    world.upload(PDF, "协议.pdf")
    assert head(world) == before


@pytest.mark.parametrize("data,name,expected", [
    (PDF, "scan.jpg", "application/pdf"),  # the name says JPEG, the content PDF
    (jpeg(2), "photo.pdf", "image/jpeg"),
    ("整改情况说明：已完成。\n".encode(), "说明.txt", "text/plain"),
    ("整改情况说明".encode("gb18030"), "说明.txt", "text/plain"),
])
def test_type_is_judged_by_content(world, data, name, expected):
    assert world.upload(data, name)["content_type"] == expected


def test_office_files_are_accepted(world):
    wb = openpyxl.Workbook()
    out = io.BytesIO()
    wb.save(out)
    assert world.upload(out.getvalue(), "台账.xlsx")["content_type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("data,name", [
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "report.pdf"),  # a program named as a PDF
    (b"PK\x03\x04" + b"\x00" * 40 + b"evil", "scan.docx"),  # a zip that is no Office file
    (b"\x00\x01\x02\x03binary", "a.txt"),
    (b"", "empty.txt"),
])
def test_other_types_are_refused_in_chinese(world, data, name):
    r = world.upload(data, name, expect=400)
    assert r["error"]["code"] == "invalid" and "file" in r["error"]["fields"]
    assert any("\u4e00" <= c <= "\u9fff" for c in r["error"]["message"])
    assert not any(p.is_file() for p in blobs(world).root.rglob("*"))
    with world.svc.engine.connect() as conn:
        assert conn.execute(select(uploads)).all() == []


def test_over_the_limit_is_413(world):
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    r = world.upload(big, "big.pdf", expect=413)
    assert r["error"]["code"] == "too_large" and "MB" in r["error"]["message"]
    assert not any(p.is_file() for p in blobs(world).root.rglob("*"))


def test_a_file_at_the_limit_is_accepted(world):
    data = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 - 9)
    assert world.upload(data, "max.pdf")["size"] == 2 * 1024 * 1024


def test_upload_needs_a_login_and_the_field(world):
    r = world.client.post(API + "/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")},
                          content_type="multipart/form-data")
    assert r.status_code == 401
    r = world.client.post(API + "/attachments", headers=world.h["rep1"], data={},
                          content_type="multipart/form-data")
    assert r.status_code == 400 and "file" in r.get_json()["error"]["fields"]


def test_a_resolution_records_each_file_in_its_event(world):
    pid = world.problem_at("U01")
    a = world.upload(PDF, "签字协议.pdf")
    photos = [world.upload(jpeg(i), f"现场{i}.jpg") for i in range(3)]
    hashes = [a["sha256"]] + [p["sha256"] for p in photos]
    world.post(f"/problems/{pid}/resolution", {"description": "已签订协议", "attachments": hashes},
               who="rep1")
    history = world.client.get(f"{API}/problems/{pid}/history", headers=world.h["disp"]).get_json()
    ev = history[-1]
    assert ev["type"] == "ResolutionReported"
    assert ev["data"]["attachments"] == [a] + photos
    # the chain covers the content: the event's own hash is over a payload holding the hashes
    assert world.client.get(API + "/audit/verify", headers=world.h["insp"]).get_json()["ok"]


def test_files_on_every_kind_of_command(world):
    pid = world.problem_at("U01")
    f = world.upload(PDF, "纪要.pdf", who="disp")["sha256"]
    world.post(f"/problems/{pid}/notes", {"note": "进展", "attachments": [f]})
    world.post(f"/problems/{pid}/urge", {"note": "请加快", "attachments": [f]})
    m = world.post("/meetings", {"level": 1, "date": "2026-03-05", "chair": "王局", "topic": "调度",
                                 "attachments": [f]})["id"]
    g = world.upload(PDF, "督查.pdf", who="insp")["sha256"]
    i = world.post("/inspections", {"kind": "project", "date": "2026-03-06", "inspectors": ["李"],
                                    "summary": "现场督查", "attachments": [g]}, who="insp")["id"]
    world.post("/bulletins", {"number": "2026-1", "title": "通报", "date": "2026-03-07",
                              "inspections": [i], "attachments": [g]}, who="insp")
    r = world.upload(jpeg(9), "进度.jpg", who="rep1")["sha256"]
    world.post("/projects/XM001/progress", {"period": "2026-02", "month_investment": 10,
                                            "image_progress": "主体施工", "attachments": [r]},
               who="rep1")
    with world.svc.engine.connect() as conn:
        refs = {(x.sha256, x.stream_id) for x in conn.execute(select(attachment_refs))}
    assert refs == {(f, f"problem:{pid}"), (f, f"meeting:{m}"), (g, f"inspection:{i}"),
                    (g, "bulletin:2026-1"), (r, "project:XM001")}


def test_unknown_or_malformed_hashes_are_refused_and_append_nothing(world):
    pid = world.problem_at("U01")
    before = head(world)
    e = world.post(f"/problems/{pid}/notes", {"note": "x", "attachments": ["0" * 64]}, who="rep1",
                   expect=404)["error"]
    assert "上传" in e["message"]
    e = world.post(f"/problems/{pid}/notes", {"note": "x", "attachments": ["not-a-hash"]},
                   who="rep1", expect=400)["error"]
    assert any(k.startswith("attachments") for k in e["fields"])
    e = world.post(f"/problems/{pid}/notes", {"note": "x", "attachments": "abc"}, who="rep1",
                   expect=400)["error"]
    assert head(world) == before


def test_read_rights_follow_the_thing_attached_to(world):
    pid = world.problem_at("U01")
    pdf = world.upload(PDF, "协议.pdf")["sha256"]
    doc = world.upload("说明文字".encode(), "说明.txt")["sha256"]
    lone = world.upload(jpeg(5), "未引用.jpg")["sha256"]
    world.post(f"/problems/{pid}/resolution", {"description": "已解决", "attachments": [pdf, doc]},
               who="rep1")

    def get(sha, who):
        return world.client.get(f"{API}/attachments/{sha}", headers=world.h[who])

    for who in ("rep1", "disp", "insp", "admin"):
        r = get(pdf, who)
        assert r.status_code == 200 and r.data == PDF, who
        assert r.mimetype == "application/pdf"
        assert r.headers["Content-Disposition"].startswith("inline")
    assert get(doc, "disp").headers["Content-Disposition"].startswith("attachment")
    assert get(pdf, "rep2").status_code == 404  # another unit's problem
    assert get(lone, "rep1").status_code == 200  # its uploader
    assert get(lone, "disp").status_code == 404  # named by nothing yet
    assert get("0" * 64, "disp").status_code == 404
    assert get("xyz", "disp").status_code == 404
    assert world.client.get(f"{API}/attachments/{pdf}").status_code == 401


def test_images_get_a_thumbnail_and_their_exif_time_and_place(world):
    data = jpeg(3, exif=True, size=(1600, 1200))
    sha = world.upload(data, "现场.jpg")["sha256"]
    r = world.client.get(f"{API}/attachments/{sha}/thumbnail", headers=world.h["rep1"])
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    im = Image.open(io.BytesIO(r.data))
    assert max(im.size) <= 320
    with world.svc.engine.connect() as conn:
        row = conn.execute(select(uploads).where(uploads.c.sha256 == sha)).one()
    assert row.taken_at == "2026-11-20 09:15:30"
    assert row.latitude == pytest.approx(30.66) and row.longitude == pytest.approx(104.07)
    pdf = world.upload(PDF, "a.pdf")["sha256"]
    assert world.client.get(f"{API}/attachments/{pdf}/thumbnail",
                            headers=world.h["rep1"]).status_code == 404


def test_cleanup_removes_only_old_files_nobody_names(world, clock):
    pid = world.problem_at("U01")
    kept = world.upload(jpeg(1), "引用.jpg")["sha256"]
    world.post(f"/problems/{pid}/notes", {"note": "照片", "attachments": [kept]}, who="rep1")
    old = world.upload(jpeg(2), "旧.jpg")["sha256"]
    clock.advance(hours=30)
    young = world.upload(jpeg(3), "新.jpg")["sha256"]
    store = blobs(world)
    gone = remove_unreferenced(world.svc.bus, store, clock(), timedelta(hours=24))
    assert gone == [old]
    assert not store.exists(old) and store.exists(kept) and store.exists(young)
    # a removed upload can no longer be named
    world.post(f"/problems/{pid}/notes", {"note": "x", "attachments": [old]}, who="rep1", expect=404)


def test_cleanup_command_line(world, clock):
    sha = world.upload(jpeg(4), "旧.jpg")["sha256"]
    clock.advance(hours=2)
    out = world.app.test_cli_runner().invoke(args=["files", "cleanup", "--grace-hours", "1"])
    assert out.exit_code == 0 and "1 个" in out.output
    assert not blobs(world).exists(sha)


def test_audit_finds_a_swapped_or_missing_file_with_its_event(world):
    pid = world.problem_at("U01")
    photos = [world.upload(jpeg(i), f"现场{i}.jpg")["sha256"] for i in range(3)]
    res = world.post(f"/problems/{pid}/resolution", {"description": "完成", "attachments": photos},
                     who="rep1")
    ok = world.client.get(API + "/audit/verify", headers=world.h["insp"]).get_json()
    assert ok["ok"] and ok["files_checked"] == 3 and ok["bad_files"] == []
    assert {"checked", "head", "first_bad_position"} <= set(ok)
    store = blobs(world)
    path = store.path(photos[1])
    os.chmod(path, 0o644)
    path.write_bytes(jpeg(99))  # a photo swapped on disk
    store.remove(photos[2])
    bad = world.client.get(API + "/audit/verify", headers=world.h["insp"]).get_json()
    assert not bad["ok"] and bad["first_bad_position"] is None and bad["files_checked"] == 3
    assert [(b["sha256"], b["position"], b["stream"]) for b in bad["bad_files"]] == \
        [(photos[1], res["position"], f"problem:{pid}"), (photos[2], res["position"], f"problem:{pid}")]
    assert bad["bad_files"][0]["problem"] == "文件内容与哈希不符"
    assert bad["bad_files"][1]["problem"] == "文件缺失"
    out = world.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "现场1.jpg" in out.output and str(res["position"]) in out.output


def test_references_rebuild_equals_live(world):
    pid = world.problem_at("U01")
    f = world.upload(PDF, "a.pdf")["sha256"]
    world.post(f"/problems/{pid}/notes", {"note": "1", "attachments": [f]}, who="rep1")
    world.post(f"/problems/{pid}/notes", {"note": "2", "attachments": [f]}, who="rep1")
    with world.svc.engine.connect() as conn:
        live = sorted(tuple(r) for r in conn.execute(select(attachment_refs)))
    world.svc.projections.rebuild(world.svc.store)
    with world.svc.engine.connect() as conn:
        rebuilt = sorted(tuple(r) for r in conn.execute(select(attachment_refs)))
    assert live == rebuilt and len(live) == 1
