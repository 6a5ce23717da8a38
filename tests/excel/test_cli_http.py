"""The command line (flask import|export|template) and the HTTP routes, end to end."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.domain.actors import SYSTEM
from app.excel.task_import import HEADERS as TASK_HEADERS
from tests.conftest import make_user, token_for

from .conftest import PROGRESS_HEADER, PROJECT_HEADER, progress_row, project_row, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def units(app):
    svc = app.extensions["duban"]
    for code, name, kind in (("U01", "区住建局", "department"), ("U02", "城关镇", "township")):
        svc.bus.execute("register_unit", {"code": code, "name": name, "kind": kind}, SYSTEM)
    return svc


# -- command line -------------------------------------------------------------------
def test_cli_import_prints_the_report_and_exit_status(runner, units, tmp_path):
    good = tmp_path / "项目清单.xlsx"
    good.write_bytes(xlsx([project_row("XM001")], PROJECT_HEADER))
    r = runner.invoke(args=["import", "projects", str(good)])
    assert r.exit_code == 0, r.output
    assert "导入成功" in r.output
    r = runner.invoke(args=["import", "projects", str(good)])
    assert r.exit_code == 0 and "没有任何变更" in r.output

    bad = tmp_path / "进度.xlsx"
    bad.write_bytes(xlsx([progress_row("XM001", amount="约300"), progress_row("XM404")],
                         PROGRESS_HEADER))
    r = runner.invoke(args=["import", "progress", str(bad)])
    assert r.exit_code == 1
    assert "第 4 行 本月完成投资（万元）（C4）：应填写数字，不能是文字“约300”。" in r.output
    assert "第 5 行 项目编码（A5）：项目“XM404”不存在" in r.output
    marked = tmp_path / "进度.错误标注.xlsx"
    assert marked.exists()
    ws = load_workbook(marked).worksheets[1]
    assert ws["C4"].comment is not None and ws["A5"].comment is not None


def test_cli_bad_files(runner, units, tmp_path):
    text = tmp_path / "list.csv"
    text.write_text("项目编码,项目名称\n")
    r = runner.invoke(args=["import", "projects", str(text)])
    assert r.exit_code == 1 and "不是 .xlsx" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(args=["import", "projects", str(tmp_path / "missing.xlsx")])
    assert r.exit_code == 1 and "无法读取文件" in r.output


def test_cli_export_and_template(runner, units, tmp_path):
    out = tmp_path / "台账.xlsx"
    r = runner.invoke(args=["export", "ledger", str(out)])
    assert r.exit_code == 0, r.output
    assert load_workbook(out).worksheets[0]["A1"].value == "重大项目问题台账"
    r = runner.invoke(args=["export", "progress", str(out), "--month", "2026-10",
                            "--as-of", "2026-11-25T08:00:00+08:00"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["export", "ledger", str(out), "--as-of", "昨天"])
    assert r.exit_code == 1 and "ISO 8601" in r.output
    for name in ("meetings", "inspections", "stats-entries", "reserve"):
        r = runner.invoke(args=["export", name, str(out)])
        assert r.exit_code == 0, r.output
    r = runner.invoke(args=["template", "progress", str(out), "--month", "2026-09"])
    assert r.exit_code == 0 and load_workbook(out).worksheets[0]["B4"].value == "2026-09"
    r = runner.invoke(args=["template", "progress", str(out), "--month", "2027-01"])
    assert r.exit_code == 1 and "未来月份" in r.output
    r = runner.invoke(args=["export", "--help"])
    for name in ("ledger", "rectification", "progress", "dispatch", "double-half", "fast-slow",
                 "events", "projects", "meetings", "inspections", "stats-entries", "reserve"):
        assert name in r.output
    tpl = tmp_path / "模板.xlsx"
    r = runner.invoke(args=["template", "projects", str(tpl)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tpl)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[3]] == PROJECT_HEADER
    assert ws["A3"].comment is not None and str(ws["A4"].value).startswith("示例")
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "选项" in lists["C"] and "选项" in lists["E"]  # categories, units
    assert wb["选项"].sheet_state == "hidden"
    assert "区住建局" in [c.value for c in wb["选项"]["C"]]
    # the untouched template imports as nothing, with a clear message
    r = runner.invoke(args=["import", "projects", str(tpl)])
    assert r.exit_code == 1 and "没有可导入的数据" in r.output


# -- HTTP ------------------------------------------------------------------------
@pytest.fixture
def headers(client, units):
    make_user(units, "disp", "dispatcher")
    make_user(units, "rep", "unit_reporter", unit="U01")
    return {"disp": token_for(client, "disp"), "rep": token_for(client, "rep")}


def upload(client, path: str, data: bytes, auth: dict, name: str = "清单.xlsx"):
    return client.post(f"/api/v1{path}", headers=auth,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_http_import_check_marked(client, headers):
    good = xlsx([project_row("XM001")], PROJECT_HEADER)
    r = upload(client, "/imports/projects/check", good, headers["disp"])
    assert r.status_code == 200 and r.get_json()["ok"] and r.get_json()["dry_run"]
    r = upload(client, "/imports/projects", good, headers["disp"])
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["commands"] == {"register_project": 1, "set_annual_plan": 1}
    r = upload(client, "/imports/projects", good, headers["disp"])
    assert r.status_code == 200 and r.get_json()["events"] == 0

    bad = xlsx([project_row("XM002", total="约100")], PROJECT_HEADER)
    r = upload(client, "/imports/projects", bad, headers["disp"])
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"]["code"] == "import_rejected"
    assert body["report"]["errors"][0]["cell"] == "H4"
    r = upload(client, "/imports/projects/marked", bad, headers["disp"])
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(r.data)).worksheets[1]["H4"].comment is not None


def test_http_refusals(client, headers, app):
    good = xlsx([project_row("XM001")], PROJECT_HEADER)
    assert upload(client, "/imports/projects", good, {}).status_code == 401
    r = upload(client, "/imports/projects", good, headers["rep"])
    assert r.status_code == 403 and "无权导入" in r.get_json()["error"]["message"]
    assert upload(client, "/imports/nothing", good, headers["disp"]).status_code == 404
    r = client.post("/api/v1/imports/projects", headers=headers["disp"], json={})
    assert r.status_code == 400 and "file" in r.get_json()["error"]["fields"]
    r = upload(client, "/imports/projects", b"PK\x03\x04garbage", headers["disp"])
    assert r.status_code == 400 and "不是 .xlsx" in r.get_json()["error"]["message"]
    app.config["EXCEL_MAX_BYTES"] = 1000
    r = upload(client, "/imports/projects", good, headers["disp"])
    assert r.status_code == 400 and "文件过大" in r.get_json()["error"]["message"]


def test_http_exports_and_templates(client, headers, clock):
    upload(client, "/imports/projects", xlsx([project_row("XM001")], PROJECT_HEADER),
           headers["disp"])
    clock.advance(hours=1)
    r = client.get("/api/v1/exports", headers=headers["disp"])
    assert {e["name"] for e in r.get_json()} >= {"ledger", "progress", "events"}
    assert client.get("/api/v1/exports").status_code == 401  # as every route: a token first
    r = client.get("/api/v1/exports/projects.xlsx?as_of=2026-11-25T09:30:00%2B08:00",
                   headers=headers["disp"])
    assert r.status_code == 200 and r.mimetype == XLSX
    assert quote("重大项目清单（2026年11月）.xlsx") in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert ws["A4"].value == "XM001"
    r = client.get("/api/v1/exports/ledger.xlsx?as_of=2026-11-25T09:30:00%2B08:00",
                   headers=headers["disp"])
    assert quote("问题台账（截至2026年11月25日）.xlsx") in r.headers["Content-Disposition"]
    r = client.get("/api/v1/exports/projects.xlsx?as_of=2026-11-25T08:59:00%2B08:00",
                   headers=headers["disp"])
    assert load_workbook(io.BytesIO(r.data)).worksheets[0]["A4"].value is None  # before the import
    r = client.get("/api/v1/exports/progress.xlsx?as_of=2027-01-01T00:00:00%2B08:00",
                   headers=headers["disp"])
    assert r.status_code == 400 and "as_of" in r.get_json()["error"]["fields"]
    r = client.get("/api/v1/exports/progress.xlsx?month=2026-13", headers=headers["disp"])
    assert r.status_code == 400 and "month" in r.get_json()["error"]["fields"]
    r = client.get("/api/v1/exports/events.xlsx", headers=headers["rep"])
    assert r.status_code == 403
    assert client.get("/api/v1/exports/nothing.xlsx", headers=headers["disp"]).status_code == 404
    r = client.get("/api/v1/exports/fast-slow.xlsx", headers=headers["disp"])
    assert r.status_code == 404 and "尚未发布" in r.get_json()["error"]["message"]
    upload(client, "/imports/projects", xlsx([project_row("XM009", stage="储备")], PROJECT_HEADER),
           headers["disp"])
    r = client.get("/api/v1/templates/progress.xlsx", headers=headers["rep"])
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert ws["A5"].value == "XM001"  # the reporter's own projects, pre-filled
    assert ws["B5"].value == "2026-10"  # last month, the month being reported
    assert ws["A6"].value is None  # only major projects: XM009 is in the reserve
    r = client.get("/api/v1/templates/progress.xlsx?month=2026-06", headers=headers["rep"])
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert ws["B5"].value == "2026-06" and ws["B4"].value == "2026-06"
    for bad in ("2026-13", "2026-12"):
        r = client.get(f"/api/v1/templates/progress.xlsx?month={bad}", headers=headers["rep"])
        assert r.status_code == 400 and "month" in r.get_json()["error"]["fields"]
    assert client.get("/api/v1/templates/x.xlsx", headers=headers["rep"]).status_code == 404


def test_the_task_template_filled_in_imports(client, headers, runner, tmp_path):
    """A meeting's decisions: the template downloaded, two rows filled in, two tasks."""
    r = client.get("/api/v1/templates/tasks.xlsx", headers=headers["disp"])
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "督办事项清单（导入模板）" and "填写说明" in ws["A2"].value
    header = [c.value for c in ws[3]]
    assert header == list(TASK_HEADERS)  # the columns the task import reads
    assert all(c.comment is not None for c in ws[3])
    assert str(ws["A4"].value).startswith("示例")
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    col = {h: get_column_letter(i) for i, h in enumerate(header, 1)}
    options = wb["选项"]
    assert wb["选项"].sheet_state == "hidden"
    for name, values in (("事项来源", "会议议定"), ("牵头单位", "区住建局"), ("配合单位", "城关镇"),
                         ("反馈周期", "每月"), ("重点督办", "是")):
        formula = lists[f"{col[name]}4"]
        assert "选项" in formula, name
        listed = formula.split("!")[1].replace("$", "").split(":")[0][0]
        assert values in [c.value for c in options[listed]], name
    assert lists[f"{col['办理时限']}4"] == "36526"  # a date
    for i, values in enumerate((
            ["研究制定城区停车难问题整治方案", "会议议定", "区住建局", "2026-12-31",
             "区政府常务会纪要〔2026〕9号", "城关镇", None, "张志强", "每月", "是", "2026-11-20"],
            ["协调解决城北片区用地指标", "领导批示", "U02", "2027-01-15"]), start=5):
        for j, value in enumerate(values, 1):
            ws.cell(i, j, value)
    filled = io.BytesIO()
    wb.save(filled)
    r = upload(client, "/imports/tasks", filled.getvalue(), headers["disp"])
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["commands"] == {"register_task": 2}
    tasks = client.get("/api/v1/tasks", headers=headers["disp"]).get_json()
    assert sorted((t["title"], t["lead_unit"], t["co_units"], t["key"]) for t in tasks) == [
        ("协调解决城北片区用地指标", "U02", [], False),
        ("研究制定城区停车难问题整治方案", "U01", ["U02"], True)]
    # the untouched template, as the command line writes it, imports as nothing
    tpl = tmp_path / "督办事项清单.xlsx"
    r = runner.invoke(args=["template", "tasks", str(tpl)])
    assert r.exit_code == 0, r.output
    assert [c.value for c in load_workbook(tpl).worksheets[0][3]] == list(TASK_HEADERS)
    r = runner.invoke(args=["import", "tasks", str(tpl)])
    assert r.exit_code == 1 and "没有可导入的数据" in r.output
