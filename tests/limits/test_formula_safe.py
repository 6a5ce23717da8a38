"""Every spreadsheet the app writes stores a text beginning with =, +, -, @, tab or CR as text,
never as a formula (API.md, Security)."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from app.domain.actors import SYSTEM
from app.excel.formula_safe import FORMULA_STARTS, safe_row, set_safe
from app.scheduler.publicity_file import write_publicity_xlsx
from tests.admin.ui import UI

EVIL = "=cmd|' /C calc'!A0"
TEXTS = [start + "1+cmd|' /C calc'!A0" for start in FORMULA_STARTS]


def cells(data: bytes, sheet: int = 0):
    ws = load_workbook(io.BytesIO(data)).worksheets[sheet]
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def assert_no_formula(data: bytes, *expected: str, sheet: int = 0) -> None:
    found = cells(data, sheet)
    assert all(c.data_type != "f" for c in found), [c.value for c in found if c.data_type == "f"]
    values = {c.value for c in found}
    for text in expected:
        assert text in values, (text, values)


@pytest.mark.parametrize("write_only", [True, False])
def test_the_one_function_keeps_text_text(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("s") if write_only else wb.active
    ws.append(safe_row(ws, TEXTS + [-5, 3.5, "普通文字", None]))
    if not write_only:
        set_safe(ws.cell(2, 1), EVIL)
    out = io.BytesIO()
    wb.save(out)
    found = cells(out.getvalue())
    # (XML reads a carriage return as a line feed: the text is kept, the formula is not)
    assert [c.value for c in found if c.data_type == "s"][:len(TEXTS)] == \
        [t.replace("\r", "\n") for t in TEXTS]
    assert all(c.data_type != "f" for c in found)
    assert [c.value for c in found if c.data_type == "n"] == [-5, 3.5]


@pytest.fixture
def evil(svc):
    """A project and a problem whose texts are written as formulas."""
    svc.bus.execute("register_project", {
        "code": "XM002", "name": EVIL, "category": "district", "stage": "continuing",
        "owner_unit": "U01", "responsible_unit": "U01", "total_investment": 100}, SYSTEM)
    svc.bus.execute("raise_problem", {"category": "land", "description": EVIL, "source": "meeting",
                                      "project": "XM002"}, SYSTEM)
    return svc


def test_staff_page_exports(client, evil):
    ui = UI(client)
    ui.login("disp")
    for page in ("problems", "projects"):
        r = ui.client.get(f"/admin/{page}/export/xlsx/")
        assert r.status_code == 200, page
        assert_no_formula(r.data, EVIL)


def test_api_exports_and_the_progress_template(client, evil, auth):
    for name in ("ledger", "projects", "progress"):
        r = client.get(f"/api/v1/exports/{name}.xlsx?month=2026-10", headers=auth)
        assert r.status_code == 200, name
        assert_no_formula(r.data, EVIL)
    r = client.get("/api/v1/templates/progress.xlsx", headers=auth)
    assert r.status_code == 200
    assert_no_formula(r.data, EVIL)
    r = client.get("/api/v1/templates/projects.xlsx", headers=auth)
    assert_no_formula(r.data)


def test_the_marked_copy(client, svc, auth):
    wb = Workbook()
    ws = wb.active
    ws.append(["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题"])
    ws.append(["XM001", "2026-10", "很多", None, None])
    set_safe(ws.cell(2, 4), EVIL)  # a text as the unit typed it
    data = io.BytesIO()
    wb.save(data)
    r = client.post("/api/v1/imports/progress/marked", headers=auth,
                    content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data.getvalue()), "进度.xlsx")})
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    assert_no_formula(r.data)  # the list of errors first
    assert_no_formula(r.data, EVIL, sheet=1)  # then the upload, its text still text


def test_the_publicity_file(tmp_path):
    path = tmp_path / "2026-10.xlsx"
    entry = {"rank": 1, "project": "XM002", "name": EVIL, "unit": "@U01", "plan": 1.0,
             "ytd": 1.0, "ratio": 1.0, "expected": 0.8}
    write_publicity_xlsx(path, "2026-10", [entry], [], {"expected": 0.8}, "2026-11-15")
    assert_no_formula(path.read_bytes(), EVIL, "@U01")
