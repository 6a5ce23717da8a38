"""Evidence files in the staff pages: a file field on the forms, files beside the timeline."""
from __future__ import annotations

import hashlib
import io

import pytest

from app.domain.actors import SYSTEM
from tests.admin.ui import UI, events_of, hidden_inputs, setup_district

from .conftest import PDF, jpeg


@pytest.fixture
def staff(files_app):
    svc = files_app.extensions["duban"]
    setup_district(svc)
    pid = svc.bus.execute("raise_problem", {"category": "land", "description": "用地指标不足",
                                            "source": "meeting", "project": "XM001"}, SYSTEM)["id"]
    svc.bus.execute("dispatch_problem", {"id": pid, "level": 1, "decision": "协调调剂",
                                         "responsible_unit": "U01", "deadline": "2026-12-31"},
                    SYSTEM)
    return files_app, svc, pid


def submit_with_files(ui: UI, url: str, data: dict, files: list[tuple[bytes, str]]):
    page = ui.client.get(url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    form = hidden_inputs(page.text, visible=True)
    form.update(data)
    form["attachments"] = [(io.BytesIO(b), n) for b, n in files]
    return ui.client.post(url, data=form, content_type="multipart/form-data")


def test_a_reporter_attaches_files_on_the_form_and_the_dispatcher_sees_them(staff):
    app, svc, pid = staff
    rep = UI(app.test_client())
    rep.login("rep1")
    photo = jpeg(7, exif=True)
    url = f"/admin/commands/report_resolution/?id={pid}"
    r = submit_with_files(rep, url, {"description": "已签订协议"}, [(PDF, "协议.pdf"),
                                                                     (photo, "现场.jpg")])
    assert r.status_code == 302, r.text
    ev = events_of(svc, f"problem:{pid}")[-1]
    assert [f["name"] for f in ev.data["attachments"]] == ["协议.pdf", "现场.jpg"]
    disp = UI(app.test_client())
    disp.login("disp")
    page = disp.client.get(f"/admin/problem-timeline/?id={pid}").text
    sha_photo = hashlib.sha256(photo).hexdigest()
    sha_pdf = hashlib.sha256(PDF).hexdigest()
    assert f"/admin/files/{sha_photo}/thumbnail" in page and "协议.pdf" in page
    assert "拍摄于 2026-11-20 09:15:30" in page and "位置 30.66000, 104.07000" in page
    r = disp.client.get(f"/admin/files/{sha_pdf}")
    assert r.status_code == 200 and r.data == PDF and r.headers["Content-Disposition"].startswith("inline")
    assert disp.client.get(f"/admin/files/{sha_photo}/thumbnail").mimetype == "image/jpeg"
    other = UI(app.test_client())
    other.login("rep2")
    assert other.client.get(f"/admin/files/{sha_pdf}").status_code == 404


def test_a_file_of_another_type_is_refused_on_the_field(staff):
    app, svc, pid = staff
    rep = UI(app.test_client())
    rep.login("rep1")
    before = len(events_of(svc))
    r = submit_with_files(rep, f"/admin/commands/note_problem/?id={pid}", {"note": "进展"},
                          [(b"\x7fELF\x02\x01" + b"\x00" * 60, "报告.pdf")])
    assert r.status_code == 200 and "报告.pdf" in r.text and "文件类型不符" in r.text
    assert len(events_of(svc)) == before


def test_a_form_without_files_still_records(staff):
    app, svc, pid = staff
    rep = UI(app.test_client())
    rep.login("rep1")
    r = submit_with_files(rep, f"/admin/commands/note_problem/?id={pid}", {"note": "进展"}, [])
    assert r.status_code == 302
    assert "attachments" not in events_of(svc, f"problem:{pid}")[-1].data


def test_a_form_takes_a_file_larger_than_a_json_body_may_be(staff):
    """The forms' limit is raised for their files before any of the body is read."""
    app, svc, pid = staff
    rep = UI(app.test_client())
    rep.login("rep1")
    scan = PDF + b"%" + b"0" * (1536 * 1024)  # 1.5 MB: over the 1 MB of a JSON body
    r = submit_with_files(rep, f"/admin/commands/note_problem/?id={pid}", {"note": "协议扫描件"},
                          [(scan, "协议扫描件.pdf")])
    assert r.status_code == 302, r.text[:500]
    assert events_of(svc, f"problem:{pid}")[-1].data["attachments"][0]["size"] == len(scan)
