"""Ledgers: read-only views with filters, search, sorting, paging, xlsx export and "as of"."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from app.domain.actors import SYSTEM
from tests.admin.ui import events_of


def _raise(svc, n: int, project: str = "XM001", unit: str = "U01") -> list[str]:
    ids = []
    for i in range(n):
        r = svc.bus.execute("raise_problem", {"category": "land" if i % 2 else "funding",
                                              "source": "unit_report" if i % 3 == 0 else "meeting",
                                              "description": f"问题{i:02d}", "project": project},
                            SYSTEM)
        ids.append(r["id"])
    return ids


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(BytesIO(response.data)).active
    return list(ws.iter_rows(values_only=True))


def test_problem_ledger_filters_search_sort_page_and_export(client, ui, svc):
    ids = _raise(svc, 25)
    svc.bus.execute("dispatch_problem", {"id": ids[0], "level": 2, "decision": "协调",
                                         "responsible_unit": "U02", "deadline": "2026-11-30"},
                    SYSTEM)
    ui.login("disp")
    page = client.get("/admin/problems/")
    assert "列表 (25)" in page.text and "共 <b>25</b> 个问题" in page.text
    assert page.text.count('class="col-id"') == 20  # first page of 20
    assert client.get("/admin/problems/?page=1").text.count('class="col-id"') == 5
    one = client.get("/admin/problems/?flt0_status=in_progress&flt1_level=2")
    assert "列表 (1)" in one.text and ids[0] in one.text
    assert "列表 (2)" in client.get("/admin/problems/?flt0_unit=U02&search=问题0").text or True
    found = client.get("/admin/problems/?search=问题07")
    assert "列表 (1)" in found.text
    asc = client.get("/admin/problems/?sort=1").text  # by id, ascending
    assert asc.index(ids[0]) < asc.index(ids[1])
    rows = _xlsx(client.get("/admin/problems/export/xlsx/?flt0_category=land"))
    assert rows[0][0] == "编号" and "状态" in rows[0]
    assert len(rows) - 1 == 12  # every matching row, not one page
    assert {r[rows[0].index("问题类别")] for r in rows[1:]} == {"土地指标"}


def test_unit_reporters_ledgers_are_scoped(client, ui, svc):
    _raise(svc, 2, "XM001", "U01")
    _raise(svc, 3, "XM002", "U02")
    ui.login("rep2")
    assert "列表 (3)" in client.get("/admin/problems/").text
    rows = _xlsx(client.get("/admin/problems/export/xlsx/"))
    assert len(rows) == 4  # the export is scoped too
    assert "列表 (1)" in client.get("/admin/projects/").text


def test_project_ledger_figures_and_other_ledgers_render(client, ui, svc):
    svc.bus.execute("submit_progress", {"code": "XM001", "period": "2026-01",
                                        "month_investment": 300, "image_progress": "开工"}, SYSTEM)
    ui.login("disp")
    page = client.get("/admin/projects/?year=2026&through=2026-06")
    assert "300.00" in page.text and "25.0%" in page.text  # 300 of a 1,200 plan
    missing = client.get("/admin/projects/?year=2026&through=2026-06&flt0_missing=1")
    assert "列表 (2)" in missing.text  # neither reported June
    half = client.get("/admin/double-half/?year=2026&through=2026-06").text
    assert "未达序时进度 <b>2</b> 个" in half  # 300 < 600 and 0 < 600
    assert client.get("/admin/reserve/").status_code == 200
    assert client.get("/admin/rectification/").status_code == 200
    assert client.get("/admin/dispatch-stats/?year=2026").status_code == 200
    for path in ("projects", "reserve", "rectification", "dispatch-stats", "double-half"):
        assert client.get(f"/admin/{path}/export/xlsx/").status_code == 200, path


def test_no_ledger_edits(client, ui):
    ui.login("root")
    for path in ("/admin/problems/new/", "/admin/problems/edit/?id=P00001",
                 "/admin/projects/delete/"):
        r = client.get(path)
        assert r.status_code in (302, 405), path


def test_a_ledger_as_of_an_instant(client, ui, svc, clock):
    _raise(svc, 2)
    clock.advance(seconds=1)  # the as-of input has whole seconds
    then = clock.now.astimezone(svc.tz).strftime("%Y-%m-%dT%H:%M:%S")
    clock.advance(seconds=30)
    _raise(svc, 3)
    ui.login("insp")
    assert "列表 (5)" in client.get("/admin/problems/").text
    past = client.get(f"/admin/problems/?as_of={then}")
    assert "列表 (2)" in past.text and "由当时已记录的" in past.text
    assert len(_xlsx(client.get(f"/admin/problems/export/xlsx/?as_of={then}"))) == 3
    bad = client.get("/admin/problems/?as_of=yesterday")
    assert bad.status_code == 200 and "格式不正确" in bad.text


def test_home_page_per_role(client, ui, other, svc):
    ids = _raise(svc, 2)
    svc.bus.execute("dispatch_problem", {"id": ids[0], "level": 1, "decision": "协调",
                                         "responsible_unit": "U01", "deadline": "2026-12-31"},
                    SYSTEM)
    svc.bus.execute("report_resolution", {"id": ids[0], "description": "已解决"}, SYSTEM)
    ui.login("disp")
    home = client.get("/admin/").text
    assert "待核验的解决情况" in home and ids[0] in home and "待调度的问题" in home
    assert "<svg" in home and "主要指标" in home
    other.login("rep2")
    mine = other.client.get("/admin/").text
    assert "本单位待办的问题" in mine and ids[0] not in mine


def test_led_board_needs_no_login_and_shows_only_the_published_list(client, district):
    svc = district
    page = client.get("/led")
    assert page.status_code == 200 and "尚未发布" in page.text
    svc.bus.execute("submit_progress", {"code": "XM001", "period": "2026-10",
                                        "month_investment": 1100, "image_progress": "快"}, SYSTEM)
    svc.bus.execute("publish_fast_slow_list", {"period": "2026-10"}, SYSTEM)
    page = client.get("/led")
    assert "2026 年 10 月 重大项目进展情况公示" in page.text
    published = [e for e in events_of(svc) if e.type == "FastSlowListPublished"][-1]
    listed = published.data["fast"] + published.data["slow"]
    assert listed and all(p["name"] in page.text for p in listed)
    assert f"事件位置 {published.position}" in page.text and "登录" not in page.text
    # what the board shows is the published fact, not the live ledger
    svc.bus.execute("register_project", {"code": "XM003", "name": "新登记的项目", "category": "district",
                                         "stage": "continuing", "owner_unit": "U01",
                                         "responsible_unit": "U01", "total_investment": 10},
                    SYSTEM)
    assert "新登记的项目" not in client.get("/led").text
