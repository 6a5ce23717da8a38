"""The report as a spreadsheet and a PDF, over HTTP and on the command line."""
from io import BytesIO

from openpyxl import load_workbook

from tests.conftest import make_user, token_for
from tests.domain.test_summary import Ledger, _busy


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))


def test_summary_xlsx_and_pdf_over_http_and_cli(app, client, runner, tmp_path):
    svc = app.extensions["duban"]
    _busy(Ledger(svc))
    make_user(svc, "disp", "dispatcher")
    headers = token_for(client, "disp")

    r = client.get("/api/v1/exports/summary.xlsx?through=2019-06-25", headers=headers)
    assert r.status_code == 200, r.get_json()
    text = "\n".join(str(c) for row in _rows(r.data) for c in row if c)
    assert "1月1日至6月25日" in text
    assert "共调度问题项目1个，已解决落实问题1个。" in text
    assert "争取中央预算内投资项目1个" in text and "新入库项目1个" in text
    bad = client.get("/api/v1/exports/summary.xlsx?through=2019-02-30", headers=headers)
    assert bad.status_code == 400 and "through" in bad.get_json()["error"]["fields"]

    pdf = client.get("/api/v1/exports/summary.pdf?year=2019&through=2019-06", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/api/v1/exports/summary.pdf?through=2019-13",
                      headers=headers).status_code == 400
    assert client.get("/api/v1/exports/summary.pdf").status_code == 401

    out = tmp_path / "summary.xlsx"
    result = runner.invoke(args=["export", "summary", str(out), "--through", "2019-05"])
    assert result.exit_code == 0, result.output
    assert any("1-5月" in str(c) for row in _rows(out.read_bytes()) for c in row if c)
    pdf_file = tmp_path / "summary.pdf"
    result = runner.invoke(args=["report", "pdf", str(pdf_file), "--through", "2019-06-25"])
    assert result.exit_code == 0, result.output
    assert pdf_file.read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["report", "pdf", str(pdf_file), "--through", "2019-99"])
    assert result.exit_code == 1


def test_funding_import_checks_every_row_and_the_export_reimports_unchanged(app, client, runner,
                                                                            tmp_path):
    from openpyxl import Workbook

    svc = app.extensions["duban"]
    ledger = Ledger(svc)
    ledger.project("A", total=10000)
    ledger.project("B", total=5000)
    wb = Workbook()
    ws = wb.active
    ws.append(["2019年项目资金"])
    ws.append(["项目编码", "资金来源", "环节", "金额（万元）", "文号", "日期"])
    ws.append(["A", "中央预算内投资", "下达", 1200, "川发改投资〔2019〕8号", "2019-03-02"])
    ws.append(["A", "中央预算内投资", "到位", 600, "川发改投资〔2019〕8号", "2019-04-02"])
    ws.append(["B", "专项债券", "申报", 800, None, "2019-02-01"])
    good = tmp_path / "funding.xlsx"
    wb.save(good)
    ws.append(["C", "银行贷款", "下达", -5, None, "2019-13-01"])
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)

    result = runner.invoke(args=["import", "funding", str(bad)])
    assert result.exit_code == 1
    assert "项目“C”不存在" in result.output and "资金来源“银行贷款”无效" in result.output
    assert [e for e in svc.store.read_all() if e.type == "FundingRecorded"] == []

    result = runner.invoke(args=["import", "funding", str(good)])
    assert result.exit_code == 0, result.output
    assert len([e for e in svc.store.read_all() if e.type == "FundingRecorded"]) == 3
    again = runner.invoke(args=["import", "funding", str(good)])
    assert again.exit_code == 0, again.output
    out = tmp_path / "export.xlsx"
    assert runner.invoke(args=["export", "funding", str(out)]).exit_code == 0
    back = runner.invoke(args=["import", "funding", str(out)])
    assert back.exit_code == 0, back.output
    assert len([e for e in svc.store.read_all() if e.type == "FundingRecorded"]) == 3
