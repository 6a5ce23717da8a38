"""导入导出 from the staff pages: exports, templates and imports for a logged-in browser (no API
token), with the role rules of the API, the marked copy of a refused sheet for its uploader
only, and every bad input a Chinese message that records nothing."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

from openpyxl import Workbook, load_workbook

from tests.admin.ui import events_of, hidden_inputs

PAGE = "/admin/spreadsheets/"
PROGRESS = ["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题"]


def _sheet(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(PROGRESS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _upload(client, rows, check: bool = False, kind: str = "progress"):
    token = hidden_inputs(client.get(PAGE).text)["csrf_token"]
    data = {"csrf_token": token, "kind": kind, "file": (_sheet(rows), "十月进度.xlsx")}
    if check:
        data["check"] = "1"
    return client.post(PAGE + "import", data=data, content_type="multipart/form-data")


def _count(svc) -> int:
    return len([e for e in events_of(svc) if e.stream_type != "security"])


def test_a_reporter_downloads_its_template_and_imports_its_month(client, ui, svc):
    ui.login("rep1")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'id="template-progress"' in page.text and 'id="template-projects"' not in page.text
    r = client.get(PAGE + "template/progress?month=2026-10")
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert "XM001" in [c.value for c in ws["A"]] and "XM002" not in [c.value for c in ws["A"]]

    before = _count(svc)
    r = _upload(client, [["XM001", "2026-10", 300, "主体完工", None]], check=True)
    assert r.status_code == 200 and "检查通过" in r.text and _count(svc) == before
    r = _upload(client, [["XM001", "2026-10", 300, "主体完工", None]])
    assert r.status_code == 200 and "导入成功" in r.text and _count(svc) == before + 1


def test_a_refused_sheet_offers_its_marked_copy_to_its_uploader_only(client, ui, other, svc):
    ui.login("rep1")
    before = _count(svc)
    r = _upload(client, [["XM001", "2026-10", "很多", None, None], ["XM002", "2026-10", 5, None, None]])
    assert r.status_code == 400 and _count(svc) == before
    assert 'id="import-errors"' in r.text and "很多" in r.text
    link = re.search(r'id="marked-copy"\s+href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
    copy = client.get(link)
    assert copy.status_code == 200
    assert quote("十月进度.错误标注.xlsx") in copy.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(copy.data))
    assert wb.sheetnames[0] == "导入错误清单"
    other.login("rep2")  # another person cannot fetch it
    assert other.client.get(link).status_code == 404
    assert client.get(PAGE + "marked/not-a-token").status_code == 404


def test_exports_from_the_page_are_the_government_ledgers(client, ui):
    ui.login("disp")
    page = client.get(PAGE)
    assert 'id="export-ledger"' in page.text and 'id="export-progress"' in page.text
    r = client.get(PAGE + "export/progress?month=2026-10&as_of=")
    assert r.status_code == 200
    assert quote("重大项目推进情况表（2026年10月）.xlsx") in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert ws["A1"].font.b and "填报单位：" in ws["A2"].value
    # a bad month or a future instant: a Chinese message on the page, nothing downloaded
    r = client.get(PAGE + "export/progress?month=2026-13", follow_redirects=True)
    assert r.status_code == 200 and "月份格式应为 YYYY-MM" in r.text
    r = client.get(PAGE + "export/ledger?as_of=2999-01-01T00:00", follow_redirects=True)
    assert "时点不能晚于现在" in r.text
    r = client.get(PAGE + "export/ledger?as_of=yesterday", follow_redirects=True)
    assert "时点格式不正确" in r.text
    assert client.get(PAGE + "export/nothing").status_code == 404


def test_roles_are_those_of_the_api(client, ui, svc):
    ui.login("rep1")
    assert 'id="export-events"' not in client.get(PAGE).text
    assert client.get(PAGE + "export/events").status_code == 403
    r = _upload(client, [["XM009", "重大项目", "区级重大"]], kind="projects")
    assert r.status_code == 403
    ui.logout()
    assert client.get(PAGE).status_code == 302  # to the login page


def test_bad_uploads_are_chinese_messages(client, ui, svc):
    ui.login("disp")
    token = hidden_inputs(client.get(PAGE).text)["csrf_token"]
    r = client.post(PAGE + "import", data={"csrf_token": token, "kind": "progress"},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "请选择要上传的 Excel 文件" in r.text
    r = client.post(PAGE + "import", data={"csrf_token": token, "kind": "nothing"},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "请选择要导入的表格类型" in r.text
    r = client.post(PAGE + "import", data={"csrf_token": token, "kind": "progress",
                                           "file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "不是 .xlsx" in r.text and 'id="marked-copy"' not in r.text
    r = client.post(PAGE + "import", data={"kind": "progress"}, content_type="multipart/form-data")
    assert r.status_code == 400  # no CSRF token
