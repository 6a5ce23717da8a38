"""Ledgers: read-only views with filters, search, sorting, paging, xlsx export and "as of"."""
from __future__ import annotations

import re

from io import BytesIO

from openpyxl import load_workbook

from app.domain.actors import SYSTEM, Actor
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


def _sheets(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200, response.text
    wb = load_workbook(BytesIO(response.data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def _data(rows: list[tuple]) -> list[tuple]:
    """The data rows of a government-format sheet: numbered in its first column (序号)."""
    return [r for r in rows[3:] if isinstance(r[0], int)]


def _api(client, username: str, path: str):
    token = client.post("/api/v1/auth/token",
                        json={"username": username, "password": "secret123"}).json["token"]
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


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
    # 导出 is the bureau's ledger, of the rows the filters and the search leave
    rows = _xlsx(client.get("/admin/problems/export/xlsx/?flt0_category=land"))
    assert rows[0][0] == "重大项目问题台账" and rows[2][:2] == ("序号", "问题编号")
    assert len(_data(rows)) == 12  # every matching row, not one page
    assert {r[rows[2].index("问题类别")] for r in _data(rows)} == {"土地指标"}
    assert [r[1] for r in _data(_xlsx(client.get("/admin/problems/export/xlsx/?search=问题07")))] \
        == [ids[7]]
    assert len(_data(_xlsx(client.get("/admin/problems/export/xlsx/")))) == 25


def test_unit_reporters_ledgers_are_scoped(client, ui, svc):
    _raise(svc, 2, "XM001", "U01")
    _raise(svc, 3, "XM002", "U02")
    ui.login("rep2")
    assert "列表 (3)" in client.get("/admin/problems/").text
    rows = _xlsx(client.get("/admin/problems/export/xlsx/"))
    assert len(_data(rows)) == 3  # the export is scoped too
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


# each ledger page with 导出, and the API's export of the same ledger
EXPORTS = {"problems": "ledger", "rectification": "rectification", "projects": "progress",
           "reserve": "reserve", "dispatch-stats": "dispatch", "double-half": "double-half",
           "funding": "funding", "tasks": "tasks"}


def test_a_ledger_page_exports_the_apis_workbook(client, ui, svc):
    ids = _raise(svc, 3)
    svc.bus.execute("dispatch_problem", {"id": ids[0], "level": 2, "decision": "协调",
                                         "responsible_unit": "U02", "deadline": "2026-12-31"},
                    SYSTEM)
    ui.login("disp")
    for page, name in EXPORTS.items():
        period = "?year=2026&through=2026-11"
        mine = _sheets(client.get(f"/admin/{page}/export/xlsx/{period}"))
        month = "?month=2026-11" if page in ("projects", "dispatch-stats", "double-half") else ""
        theirs = _sheets(_api(client, "disp", f"/api/v1/exports/{name}.xlsx{month}"))
        assert list(mine) == list(theirs), page
        for sheet, rows in mine.items():
            assert rows[0] == theirs[sheet][0], (page, sheet)  # the title
            assert rows[2] == theirs[sheet][2], (page, sheet)  # the header row
            assert rows[3:] == theirs[sheet][3:], (page, sheet)  # the rows, totals and notes


def test_dispatch_statistics_page_shows_the_apis_figures(client, ui, svc):
    a, b, c = _raise(svc, 3)
    for pid, level, unit in ((a, 1, "U01"), (a, 2, "U01"), (b, 3, "U02"), (c, 2, "U02")):
        svc.bus.execute("dispatch_problem", {"id": pid, "level": level, "decision": "协调",
                                             "responsible_unit": unit, "deadline": "2026-12-31"},
                        SYSTEM)
    svc.bus.execute("report_resolution", {"id": b, "description": "已解决"}, SYSTEM)
    svc.bus.execute("verify_resolution", {"id": b, "note": "属实"},
                    Actor("checker", "dispatcher"))
    ui.login("disp")
    page = client.get("/admin/dispatch-stats/?year=2026&through=2026-11").text
    stats = _api(client, "disp", "/api/v1/dispatch-stats?year=2026&through=2026-11").json
    summary = _api(client, "disp", "/api/v1/reports/summary?year=2026&through=2026-11").json
    assert stats["by_unit"] == [
        {"unit": "U01", "name": "城南镇", "dispatched": 1, "resolved": 0, "in_progress": 1,
         "overdue": 0},
        {"unit": "U02", "name": "城北镇", "dispatched": 2, "resolved": 1, "in_progress": 1,
         "overdue": 0}]
    # the rows per unit add up to the report's totals
    d = summary["dispatch"]
    assert sum(u["dispatched"] for u in stats["by_unit"]) == d["problems_dispatched"] == 3
    assert sum(u["resolved"] for u in stats["by_unit"]) == d["problems_resolved"] == 1
    assert [s["problems_dispatched"] for s in stats["by_level"]] == [1, 2, 1]
    for u in stats["by_unit"]:  # the page's row of each unit: the same four numbers
        row = page[page.index(f">{u['name']}</a>"):]
        row = row[:row.index("</tr>")]
        assert [int(x) for x in _cells(row)] == [u[k] for k in ("dispatched", "resolved",
                                                                 "in_progress", "overdue")]
    assert (f"调度问题 <b>{d['problems_dispatched']}</b> 个，涉及项目 <b>{d['problem_projects']}</b> 个，"
            f"期间核验销号 <b>{d['problems_resolved']}</b> 个") in page
    for s in stats["by_level"]:
        assert (f"{s['level_name']}：调度问题 <b>{s['problems_dispatched']}</b> 个，调度会 "
                f"<b>{s['meetings']}</b> 次，解决 <b>{s['resolved']}</b> 个") in page


def _cells(row_html: str) -> list[str]:
    """The texts of the cells of a piece of a table row."""
    import re

    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


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
    assert len(_data(_xlsx(client.get(f"/admin/problems/export/xlsx/?as_of={then}")))) == 2
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


def test_the_project_ledger_opens_on_the_major_projects(client, ui, svc):
    svc.bus.execute("register_project", {"code": "XM900", "name": "储备中的物流园", "category": "district",
                                         "stage": "reserve", "owner_unit": "U01",
                                         "responsible_unit": "U01", "total_investment": 800}, SYSTEM)
    ui.login("disp")
    major = client.get("/admin/projects/").text
    assert "城南污水处理厂" in major and "储备中的物流园" not in major
    assert "储备中的物流园" in client.get("/admin/reserve/").text


def test_a_rectification_row_lists_the_findings_it_counts_before_dispatch(client, ui, svc):
    # a finding on U01's project, not yet dispatched: counted for U01, the unit that must act
    inspection = svc.bus.execute("record_inspection", {
        "kind": "project", "date": "2026-11-12", "inspectors": ["李纪检"], "summary": "现场督查",
        "targets": ["U01"]}, SYSTEM)["id"]
    svc.bus.execute("raise_problem", {"category": "construction", "source": "inspection",
                                      "description": "安全网破损未更换", "project": "XM001",
                                      "inspection": inspection},
                    Actor("insp", "inspector"))
    ui.login("disp")
    page = client.get("/admin/rectification/").text
    link = re.search(r'href="([^"]*flt0_acting=U01[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "安全网破损未更换" in client.get(link).text


def test_project_timeline_counts_the_year_the_ledger_counts(client, ui, svc, clock):
    """In a new year without plans yet, the project ledger counts the last planned year; its
    timeline shows that year's plan too, not the empty current year."""
    clock.advance(days=60)  # 2027-01-24: the district's plans are for 2026
    ui.login("root")
    ledger = client.get("/admin/projects/").text
    assert 'name="year" min="2000" max="2100" value="2026"' in ledger
    assert "/admin/project-timeline/?code=XM001&amp;year=2026&amp;through=2026-" in ledger
    page = client.get("/admin/project-timeline/?code=XM001").text
    assert "2026 年计划：1,200.00" in page
    asked = client.get("/admin/project-timeline/?code=XM001&year=2027").text
    assert "2027 年计划：—" in asked and "截至 2027 年 1 月完成" in asked
