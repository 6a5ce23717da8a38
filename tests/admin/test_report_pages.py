"""The funding ledger's page and export, and the report's own page."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from app.domain.actors import SYSTEM
from app.excel.exports import run_export


def _fund(svc, code: str, source: str, stage: str, amount: float, day: str) -> None:
    svc.bus.execute("record_funding", {"code": code, "source": source, "stage": stage,
                                       "amount": amount, "document": f"文号{amount:g}",
                                       "date": day}, SYSTEM)


def test_funding_page_filters_scopes_and_exports(client, ui, svc):
    _fund(svc, "XM001", "central_budget", "approved", 800, "2026-03-01")
    _fund(svc, "XM001", "central_budget", "received", 500, "2026-04-01")
    _fund(svc, "XM002", "special_bond", "applied", 300, "2026-02-01")
    ui.login("disp")
    page = client.get("/admin/funding/")
    assert page.status_code == 200
    assert "共 <b>3</b> 条资金记录，涉及 <b>2</b> 个项目" in page.text
    assert "下达 <b>800.00</b> 万元" in page.text and "文号800" in page.text
    assert "列表 (1)" in client.get("/admin/funding/?flt0_stage=received").text
    export = client.get("/admin/funding/export/xlsx/")
    assert export.status_code == 200
    ui.login("rep2")
    assert "列表 (1)" in client.get("/admin/funding/").text  # its own unit's project only

    out = BytesIO()
    assert run_export(svc, "funding", out, SYSTEM) == 3
    rows = list(load_workbook(BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert any(r and r[2] == "XM002" and r[5] == "申报" for r in rows)


def test_double_half_page_shows_the_forecast_beside_the_actual(client, ui, svc):
    svc.bus.execute("submit_progress", {"code": "XM001", "period": "2026-03",
                                        "month_investment": 300, "image_progress": "施工"}, SYSTEM)
    svc.bus.execute("record_stats_entry", {"code": "XM001", "date": "2026-03-20"}, SYSTEM)
    ui.login("disp")
    page = client.get("/admin/double-half/?year=2026&through=2026-03").text
    # U01: 300 done of 300 due; pace 100 a month, three months left: 600 of 600 by June
    assert "未达序时进度 <b>1</b> 个" in page
    assert "到 6 月底不能完成的 <b>1</b> 个" in page
    assert "600.00 / 600.00" in page and "可完成" in page
    assert client.get("/admin/double-half/export/xlsx/?year=2026&through=2026-03").status_code == 200


def test_report_page_fills_the_blanks_and_links_each_number(client, ui, svc):
    svc.bus.execute("record_funding", {"code": "XM001", "source": "central_budget",
                                       "stage": "approved", "amount": 800,
                                       "date": "2026-03-01"}, SYSTEM)
    ui.login("disp")
    page = client.get("/admin/report/?year=2026&through=2026-06-25")
    assert page.status_code == 200
    text = page.text
    assert "1月1日至6月25日" in text and "争取中央预算内投资项目" in text
    assert 'data-figure="funding.projects"' in text and 'data-figure="projects.major"' in text
    assert "确保全区" in text and "全覆盖" in text
    items = client.get("/admin/report/items?year=2026&through=2026-06-25&figure=projects.major")
    assert items.status_code == 200 and "XM001" in items.text and "XM002" in items.text
    assert "没有名为" in client.get("/admin/report/items?figure=nope").text
    bad = client.get("/admin/report/?year=2026&through=2026-02-30")
    assert bad.status_code == 200 and "report-error" in bad.text
    xlsx = client.get("/admin/report/summary.xlsx?year=2026&through=2026-06")
    assert xlsx.status_code == 200
    rows = list(load_workbook(BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert any(r[1] and "争取中央预算内投资项目1个" in r[1] for r in rows if len(r) > 1)
    pdf = client.get("/admin/report/summary.pdf?year=2026&through=2026-06")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    ui.login("rep1")
    assert client.get("/admin/report/").status_code in (302, 403)


def test_funding_and_publish_forms_and_the_published_page(client, ui, svc):
    ui.login("disp")
    r = ui.submit("/admin/commands/record_funding/?code=XM001", {
        "source": "central_budget", "stage": "approved", "amount": "500",
        "document": "川发改投资〔2026〕9号", "date": "2026-03-02"})
    assert r.status_code == 302
    r = ui.submit("/admin/commands/record_funding/?code=XM001", {
        "source": "central_budget", "stage": "received", "amount": "-600"})
    assert r.status_code == 200 and "须在 0 到 100,000,000" in r.text
    r = ui.submit("/admin/commands/set_project_lists/?code=XM001", {"lists": "key_push"})
    assert r.status_code == 302
    r = ui.submit("/admin/commands/publish_summary/", {"year": "2026", "through": "2026-06",
                                                       "title": "上半年工作总结"})
    assert r.status_code == 302
    page = client.get("/admin/report/published/")
    assert "R0001" in page.text and "与发布时一致" in page.text
    svc.bus.execute("record_funding", {"code": "XM002", "source": "central_budget",
                                       "stage": "approved", "amount": 100,
                                       "date": "2026-04-01"}, SYSTEM)
    page = client.get("/admin/report/published/")
    assert "funding.projects" in page.text and 'class="difference"' in page.text
