"""The oversight ledgers on the staff pages: meetings, inspections with what they found,
bulletins (printable) and statistics entries, read through the same scope as the API."""
from __future__ import annotations

from app.domain.actors import SYSTEM


def _oversight(svc) -> str:
    run = lambda name, body: svc.bus.execute(name, body, SYSTEM)  # noqa: E731
    run("hold_meeting", {"level": 2, "date": "2026-11-10", "chair": "张志强", "topic": "城南片区用地协调",
                         "attendees": ["区自然资源局", "城南镇"]})
    inspection = run("record_inspection", {"kind": "project", "date": "2026-11-12",
                                           "inspectors": ["李纪检"], "summary": "城南污水处理厂现场督查",
                                           "targets": ["U01"]})["id"]
    run("raise_problem", {"category": "land", "source": "inspection", "description": "施工围挡不规范",
                          "project": "XM001", "inspection": inspection})
    run("issue_bulletin", {"number": "督查通报〔2026〕5号", "title": "关于城南片区项目督查情况的通报",
                           "date": "2026-11-15", "inspections": [inspection]})
    run("record_stats_entry", {"code": "XM001", "date": "2026-11-01"})
    return inspection


def test_each_oversight_ledger_lists_its_records(client, ui, svc):
    inspection = _oversight(svc)
    ui.login("disp")
    meetings = client.get("/admin/meetings/")
    assert meetings.status_code == 200 and "城南片区用地协调" in meetings.text and "二级调度" in meetings.text
    found = client.get("/admin/inspections/")
    assert inspection in found.text and "城南污水处理厂现场督查" in found.text and "城南镇" in found.text
    assert "/admin/problem-timeline/?id=P" in found.text  # each problem found links to its timeline
    bulletins = client.get("/admin/bulletins/")
    assert "关于城南片区项目督查情况的通报" in bulletins.text
    pdf = client.get("/admin/bulletins/pdf?number=督查通报〔2026〕5号")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/admin/bulletins/pdf?number=none").status_code == 404
    entries = client.get("/admin/stats-entries/")
    assert "2026-11-01" in entries.text and "城南污水处理厂" in entries.text
    r = client.get("/admin/meetings/")
    assert 'href="/admin/spreadsheets/export/meetings"' in r.text


def test_a_unit_reporter_sees_what_concerns_its_unit(client, ui, svc):
    _oversight(svc)
    ui.login("rep2")  # U02: not inspected
    assert "城南污水处理厂现场督查" not in client.get("/admin/inspections/").text
    assert "城南污水处理厂" not in client.get("/admin/stats-entries/").text
    assert client.get("/admin/bulletins/pdf?number=督查通报〔2026〕5号").status_code == 403
    ui.login("rep1")
    assert "城南污水处理厂现场督查" in client.get("/admin/inspections/").text
