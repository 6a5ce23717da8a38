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
