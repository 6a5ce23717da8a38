"""The limits on the command line and in imported sheets: the same refusals as the API."""
from __future__ import annotations

import io

from openpyxl import Workbook

from .conftest import event_count

HEADER = ["项目编码", "项目名称", "项目类别", "项目阶段", "业主单位", "责任单位", "联系县级领导",
          "总投资（万元）", "年度", "年度计划投资（万元）", "计划开工日期"]


def sheet(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(code="XM002", total=100, plan=10, start="2026-03-01", name="新项目"):
    return [code, name, "区级重大", "续建", "U01", "U01", None, total, 2026, plan, start]


def test_export_as_of_out_of_range_is_refused_in_chinese(runner, svc, tmp_path):
    for instant in ("0001-01-01T00:00:00+00:00", "9999-12-31T00:00:00"):
        r = runner.invoke(args=["export", "ledger", str(tmp_path / "a.xlsx"), "--as-of", instant])
        assert r.exit_code != 0 and "1900-01-01" in r.output and "Traceback" not in r.output


# (a sheet cannot carry a NUL: openpyxl reads an escaped one, _x0000_, as the text it is)
def test_imported_amounts_and_dates_are_held_to_the_limits(runner, svc, tmp_path):
    before = event_count(svc)
    path = tmp_path / "清单.xlsx"
    path.write_bytes(sheet(row("XM002", total=1e12), row("XM003", plan=-1),
                           row("XM004", start="1899-12-31")))
    r = runner.invoke(args=["import", "projects", str(path)])
    assert r.exit_code == 1, r.output
    assert "H2" in r.output and "100,000,000" in r.output
    assert "J3" in r.output
    assert "K4" in r.output and "1900-01-01" in r.output
    assert event_count(svc) == before


def test_a_command_line_user_name_with_nul_is_refused(runner, svc):
    r = runner.invoke(args=["users", "create", "bad\x00name", "--role", "inspector",
                            "--password", "secret123"])
    assert r.exit_code != 0 and "Traceback" not in r.output
