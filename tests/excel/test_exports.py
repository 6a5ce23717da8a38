"""Exports: the ledger format, as of a past instant, unit scoping, and the round trips."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import schema
from app.bootstrap import bootstrap
from app.domain.actors import SYSTEM, Actor
from app.domain.errors import Forbidden, InvalidCommand, NotFound
from app.excel.exports import export_specs, run_export
from app.projections.projects import annual_plans, monthly_progress, projects

from .conftest import ADMIN_ACTOR, PROGRESS_HEADER, event_count, progress_row, run, xlsx

NAMES = list(export_specs())


@pytest.fixture
def ledger(with_projects):
    """Projects with progress, problems at several stages, an inspection, tasks, a published list."""
    svc = with_projects
    bus = svc.bus
    data = xlsx([progress_row("XM001", "2026-09", 900, "基础完工"),
                 progress_row("XM001", "2026-10", 1000, "主体完成", "二期用地未报批"),
                 progress_row("XM002", "2026-10", 10, "手续办理中")], PROGRESS_HEADER)
    assert run(svc, "progress", data).ok
    p2 = bus.execute("raise_problem", {"category": "funding", "description": "资金缺口 500 万元",
                                       "source": "unit_report", "project": "XM002",
                                       "date": "2026-10-20"}, SYSTEM)["id"]
    bus.execute("dispatch_problem", {"id": p2, "level": 2, "decision": "财政局牵头协调",
                                     "responsible_unit": "U02", "deadline": "2026-11-01",
                                     "date": "2026-10-25"}, SYSTEM)
    insp = bus.execute("record_inspection", {"kind": "project", "date": "2026-10-20",
                                             "inspectors": ["李纪"], "summary": "项目督查",
                                             "targets": ["U01"]}, SYSTEM)["id"]
    p3 = bus.execute("raise_problem", {"category": "construction", "description": "安全围挡缺失",
                                       "source": "inspection", "inspection": insp,
                                       "project": "XM001"}, SYSTEM)["id"]
    bus.execute("dispatch_problem", {"id": p3, "level": 1, "decision": "限期整改",
                                     "responsible_unit": "U01", "deadline": "2026-11-30"}, SYSTEM)
    bus.execute("report_resolution", {"id": p3, "description": "已整改"}, SYSTEM)
    bus.execute("verify_resolution", {"id": p3, "note": "现场核实"}, SYSTEM)
    for unit, amount in (("U01", 2000), ("U02", 500)):
        bus.execute("set_investment_task", {"code": unit, "year": 2026, "amount": amount}, SYSTEM)
    bus.execute("publish_fast_slow_list", {"period": "2026-10"}, SYSTEM)
    bus.execute("record_funding", {"code": "XM001", "source": "central_budget",
                                   "stage": "approved", "amount": 800, "document": "川发改〔2026〕1号",
                                   "date": "2026-10-12"}, SYSTEM)
    bus.execute("register_task", {"title": "报送十四五重大项目清单", "source": "superior",
                                  "lead_unit": "U01", "co_units": ["U02"], "deadline": "2026-10-31",
                                  "date": "2026-10-10"}, SYSTEM)  # a 督办事项
    return svc


@pytest.fixture
def full_ledger(ledger):
    """The ledger with a meeting, a bulletin, a statistics entry and a reserve project too."""
    svc = ledger
    bus = svc.bus
    meeting = bus.execute("hold_meeting", {"level": 2, "date": "2026-10-24", "chair": "张志强",
                                           "topic": "重大项目二级调度会：研究 XM002 资金缺口、"
                                                    "用地报批、施工许可等问题，并逐项明确责任单位与完成时限",
                                           "attendees": ["区财政局", "城关镇"]}, SYSTEM)["id"]
    p4 = bus.execute("raise_problem", {"category": "land", "description": "用地报批",
                                       "source": "meeting", "project": "XM002"}, SYSTEM)["id"]
    bus.execute("dispatch_problem", {"id": p4, "level": 2, "decision": "自然资源局协调",
                                     "responsible_unit": "U02", "deadline": "2026-12-31",
                                     "meeting": meeting}, SYSTEM)
    bus.execute("issue_bulletin", {"number": "督通〔2026〕1号", "title": "关于项目督查情况的通报",
                                   "date": "2026-10-28", "inspections": ["I0001"]}, SYSTEM)
    bus.execute("record_stats_entry", {"code": "XM001", "date": "2026-10-15"}, SYSTEM)
    bus.execute("register_project", {"code": "CB001", "name": "城东片区棚户区改造（储备）",
                                     "category": "district", "stage": "reserve",
                                     "owner_unit": "U02", "responsible_unit": "U02",
                                     "total_investment": 30000}, SYSTEM)
    return svc


def export(svc, name: str, actor: Actor = ADMIN_ACTOR, **kw):
    buf = io.BytesIO()
    n = run_export(svc, name, buf, actor, **kw)
    return n, load_workbook(io.BytesIO(buf.getvalue()))


def data_rows(ws, first: int = 4) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=first, values_only=True)]


@pytest.mark.parametrize("name", NAMES)
def test_each_export_is_a_government_ledger(full_ledger, name):
    n, wb = export(full_ledger, name, params={"month": "2026-10"} if export_specs()[name].uses_month
                   else None)
    assert n > 0
    for ws in wb.worksheets:
        width = ws.max_column
        assert f"A1:{ws.cell(3, width).column_letter}1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws["A1"].font.b and ws["A1"].font.sz == 16
        assert "填报单位：" in ws["A2"].value and "数据截至：" in ws["A2"].value
        header = [ws.cell(3, c) for c in range(1, width + 1)]
        assert all(c.font.b and c.border.left.style == "thin" for c in header)
        assert ws.freeze_panes == "A4"
        assert ws.print_title_rows == "$3:$3"
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert all(ws.column_dimensions[c.column_letter].width for c in header)
        body = ws.cell(4, 1)
        assert body.border.left.style == "thin"
        formats = {ws.cell(3, c).value: ws.cell(4, c).number_format for c in range(1, width + 1)}
        for title, fmt in formats.items():
            if "万元" in title:
                assert fmt == "#,##0.00", title
            if title in ("占年度计划", "整改率", "解决率", "完成年度计划", "序时进度", "完成年度任务"):
                assert fmt == "0.0%", title
        # money in the table: 单位：万元 at the top right of the subtitle row
        if any("万元" in str(t) for t in formats) and width >= 4:
            assert ws.cell(2, width - 1).value == "单位：万元"
        # the signature block under the table, one blank line above it (not on the event log)
        last = [ws.cell(r, 1).value for r in range(ws.max_row - 1, ws.max_row + 1)]
        if name == "events":
            assert not any(str(v or "").startswith("填报人") for v in last)
        else:
            assert last[0] is None and last[1].startswith("填报人：")
            assert all(f"{w}：" in last[1] for w in ("审核人", "负责人", "联系电话", "日期"))


def test_problem_ledger_rows(ledger):
    n, wb = export(ledger, "ledger")
    ws = wb.worksheets[0]
    assert n == 3
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r)) for r in data_rows(ws)[:n]]
    assert [r["问题编号"] for r in rows] == ["P00001", "P00002", "P00003"]
    funding = rows[1]
    assert funding["问题类别"] == "资金缺口" and funding["调度级别"] == "二级调度"
    assert funding["责任单位"] == "城关镇" and funding["办理状态"] == "办理中"
    assert funding["逾期天数"] == 24  # deadline 2026-11-01, today 2026-11-25
    assert funding["完成时限"].date().isoformat() == "2026-11-01"
    assert rows[2]["办理状态"] == "已销号" and rows[2]["逾期天数"] is None
    assert rows[0]["调度级别"] == "未调度"


def test_exports_as_of_a_past_instant(ledger, clock):
    svc = ledger
    before = clock.now
    clock.advance(hours=1)
    svc.bus.execute("raise_problem", {"category": "land", "description": "新问题",
                                      "source": "unit_report", "project": "XM001"}, SYSTEM)
    assert export(svc, "ledger")[0] == 4
    n, wb = export(svc, "ledger", as_of=before)
    assert n == 3
    assert "2026年11月25日" in wb.worksheets[0]["A2"].value
    n, _ = export(svc, "events", as_of=before)
    assert n == event_count(svc) - 1
    with pytest.raises(InvalidCommand):
        run_export(svc, "ledger", io.BytesIO(), ADMIN_ACTOR, as_of=clock.now + timedelta(days=1))
    early = datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert export(svc, "projects", as_of=early)[0] == 0


def test_progress_table_figures(ledger):
    n, wb = export(ledger, "progress", params={"month": "2026-10"})
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r)) for r in data_rows(ws)]
    one = rows[0]
    assert one["项目编码"] == "XM001" and one["填报月份"] == "2026-10"
    assert one["本月完成投资（万元）"] == 1000 and one["年度累计完成投资（万元）"] == 1900
    assert one["占年度计划"] == pytest.approx(1900 / 3000)
    assert one["存在问题"] == "二期用地未报批"  # open problems; the verified one is not listed
    total = rows[n]
    assert total["项目编码"] == "合计" and total["年度累计完成投资（万元）"] == 1910


def test_double_half_and_fast_slow(ledger):
    _, wb = export(ledger, "double-half", params={"month": "2026-10"})
    rows = data_rows(wb.worksheets[0])
    assert rows[0][1:5] == ("区住建局", 2000, pytest.approx(2000 * 10 / 12), 1900)
    assert rows[0][7] == "达到" and rows[1][7] == "落后"
    n, wb = export(ledger, "fast-slow")
    assert "2026年10月" in wb.worksheets[0]["A1"].value
    with pytest.raises(NotFound):
        run_export(ledger, "fast-slow", io.BytesIO(), ADMIN_ACTOR, params={"month": "2026-09"})


def test_unit_reporters_see_their_own_unit(ledger):
    reporter = Actor("r2", "unit_reporter", "U02")
    n, wb = export(ledger, "ledger", reporter)
    assert n == 1
    assert "填报单位：城关镇" in wb.worksheets[0]["A2"].value
    assert export(ledger, "progress", reporter, params={"month": "2026-10"})[0] == 1
    with pytest.raises(Forbidden):
        run_export(ledger, "events", io.BytesIO(), reporter)
    with pytest.raises(Forbidden):
        run_export(ledger, "double-half", io.BytesIO(), reporter)


def test_events_extract_for_one_stream(ledger):
    n, wb = export(ledger, "events", Actor("i", "inspector"), params={"stream": "problem:P00003"})
    rows = data_rows(wb.worksheets[0])[:n]
    assert [r[5] for r in rows][:1] == ["提出问题"] or [r[6] for r in rows][0] == "ProblemRaised"
    assert [r[6] for r in rows] == ["ProblemRaised", "ProblemDispatched", "ResolutionReported",
                                    "ResolutionVerified"]
    assert all(len(r[11]) == 64 for r in rows)


def test_progress_round_trip_changes_nothing(ledger):
    buf = io.BytesIO()
    run_export(ledger, "progress", buf, ADMIN_ACTOR, params={"month": "2026-10"})
    before = event_count(ledger)
    result = run(ledger, "progress", buf.getvalue())
    assert result.ok, result.report
    assert result.report["events"] == 0 and result.report["unchanged_rows"] == 2
    assert event_count(ledger) == before


def test_progress_table_filled_in_and_imported(ledger):
    """The month's table is the form units fill: a figure typed into it is imported."""
    buf = io.BytesIO()
    run_export(ledger, "progress", buf, ADMIN_ACTOR, params={"month": "2026-11"})
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    ws.cell(4, header.index("本月完成投资（万元）") + 1, 300)
    ws.cell(4, header.index("形象进度") + 1, "二层完成")
    out = io.BytesIO()
    wb.save(out)
    result = run(ledger, "progress", out.getvalue())
    assert result.ok, result.report
    assert result.report["commands"] == {"submit_progress": 1}


def test_project_list_round_trip_into_a_fresh_ledger(ledger, tmp_path):
    buf = io.BytesIO()
    run_export(ledger, "projects", buf, ADMIN_ACTOR, params={"month": "2026-10"})
    assert run(ledger, "projects", buf.getvalue()).report["events"] == 0
    fresh = bootstrap(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", clock=ledger.clock)
    schema.upgrade(fresh.engine)
    fresh.projections.ensure(fresh.store)
    for code, name, kind in (("U01", "区住建局", "department"), ("U02", "城关镇", "township")):
        fresh.bus.execute("register_unit", {"code": code, "name": name, "kind": kind}, SYSTEM)
    result = run(fresh, "projects", buf.getvalue())
    assert result.ok, result.report

    def state(svc):
        with svc.engine.connect() as conn:
            cols = [c for c in projects.c if c.name not in ("registered_on", "version", "last_period")]
            return (sorted(tuple(r) for r in conn.execute(select(*cols))),
                    sorted(tuple(r) for r in conn.execute(select(annual_plans))))

    assert state(fresh) == state(ledger)
    fresh.engine.dispose()
    with ledger.engine.connect() as conn:  # progress is not part of the list
        assert conn.execute(select(monthly_progress)).first() is not None


def test_unknown_export_and_bad_month(ledger):
    with pytest.raises(InvalidCommand, match="没有名为"):
        run_export(ledger, "nothing", io.BytesIO(), ADMIN_ACTOR)
    with pytest.raises(InvalidCommand):
        run_export(ledger, "progress", io.BytesIO(), ADMIN_ACTOR, params={"month": "2026-13"})


def test_meetings_inspections_stats_entries_reserve(full_ledger):
    ledger = full_ledger
    n, wb = export(ledger, "meetings")
    header = [c.value for c in wb.worksheets[0][3]]
    [row] = [dict(zip(header, r)) for r in data_rows(wb.worksheets[0])[:n]]
    assert row["调度级别"] == "二级调度" and row["主持人"] == "张志强"
    assert row["参会人员"] == "区财政局、城关镇" and row["调度问题（个）"] == 1

    n, wb = export(ledger, "inspections")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    assert n == 2  # an inspection and a bulletin
    [row] = [dict(zip(header, r)) for r in data_rows(ws)[:1]]
    assert row["督查类型"] == "项目督查" and row["督查对象"] == "区住建局"
    assert row["发现问题（个）"] == 1 and row["问题编号"] == "P00003"
    bulletins = wb["督查通报"]
    assert data_rows(bulletins)[0][1:3] == ("督通〔2026〕1号", "关于项目督查情况的通报")

    n, wb = export(ledger, "stats-entries")
    ws = wb.worksheets[0]
    assert n == 1 and data_rows(ws)[0][2] == "XM001"
    assert data_rows(ws)[0][1].date().isoformat() == "2026-10-15"

    n, wb = export(ledger, "reserve")
    ws = wb.worksheets[0]
    assert n == 1 and data_rows(ws)[0][1:3] == ("CB001", "城东片区棚户区改造（储备）")
    # the reserve is not in the major projects' progress table
    _, wb = export(ledger, "progress", params={"month": "2026-10"})
    assert "CB001" not in [r[1] for r in data_rows(wb.worksheets[0])]

    # a unit reporter of 城关镇 sees no inspection of 区住建局
    n, wb = export(ledger, "inspections", Actor("rep", "unit_reporter", "U02"))
    assert n == 0


def _lines_needed(text, width: float) -> int:
    """Lines a text takes in a column, counted here on its own: a CJK character is two
    characters wide, one character of the width is the cell's margin."""
    usable = width - 1
    return sum(max(1, -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) // usable))
               for line in str(text).split("\n"))


@pytest.mark.parametrize("name", NAMES)
def test_rows_are_as_tall_as_their_wrapped_text(full_ledger, name):
    _, wb = export(full_ledger, name, params={"month": "2026-10"} if export_specs()[name].uses_month
                   else None)
    checked = 0
    for ws in wb.worksheets:
        widths = {c: ws.column_dimensions[c].width for c in ws.column_dimensions}
        total = sum(w for w in widths.values() if w)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.value is None or not cell.alignment.wrap_text:
                    continue
                merged = any(cell.coordinate in r for r in ws.merged_cells.ranges)
                width = total if merged else widths[cell.column_letter]
                lines = _lines_needed(cell.value, width)
                if lines < 2:
                    continue
                height = ws.row_dimensions[cell.row].height
                # 10-point text needs some 13 points a line
                assert height and height >= 13 * lines, (ws.title, cell.coordinate, cell.value)
                checked += 1
    if name in ("meetings", "ledger", "progress", "events", "summary"):
        assert checked > 0  # these hold text longer than its column
