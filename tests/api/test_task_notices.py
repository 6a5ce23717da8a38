"""The printable 督办通知单 and 催办单: real PDFs whose text reads back, one page looked at as PNG."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_user, token_for

API = "/api/v1"
pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                                reason="poppler-utils (pdftotext, pdftoppm) not installed")


def pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_notice_and_urge_notice(app, client, tmp_path):
    svc = app.extensions["duban"]
    make_user(svc, "disp", "dispatcher")
    h = token_for(client, "disp")
    for code, name in [("U01", "区统计局"), ("U02", "区财政局"), ("U03", "城南镇")]:
        assert client.post(API + "/units", json={"code": code, "name": name, "kind": "department"},
                           headers=h).status_code == 201
    make_user(svc, "rep3", "unit_reporter", "U03")
    body = {"title": "起草上半年全区经济运行情况报告", "source": "leader_instruction",
            "source_ref": "区长批示第12号", "lead_unit": "U01", "co_units": ["U02"],
            "deadline": "2026-12-10", "description": "分析上半年主要经济指标，提出下半年工作建议。",
            "leader": "王强", "feedback_cycle": "weekly", "key": True, "date": "2026-11-02"}
    tid = client.post(API + "/tasks", json=body, headers=h).get_json()["id"]
    r = client.get(f"{API}/tasks/{tid}/notice.pdf", headers=h)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data[:5] == b"%PDF-"
    text = pdf_text(r.data, tmp_path, "notice")
    for words in ("督办通知单", "区发改督〔2026〕1号", "起草上半年全区经济运行情况报告", "区统计局",
                  "区财政局", "2026年12月10日", "区长批示第12号", "每周反馈办理进展",
                  "区发展和改革局", "2026年11月2日", "重点督办"):
        assert words in text.replace(" ", ""), words
    # no urge yet: no urge notice
    r = client.get(f"{API}/tasks/{tid}/urge-notice.pdf", headers=h)
    assert r.status_code == 404 and "尚未催办" in r.get_json()["error"]["message"]
    client.post(f"{API}/tasks/{tid}/urge", json={"note": "请于本周五前报送初稿。", "date": "2026-11-20"},
                headers=h)
    client.post(f"{API}/tasks/{tid}/urge", json={"note": "再次催办。", "date": "2026-11-24"}, headers=h)
    r = client.get(f"{API}/tasks/{tid}/urge-notice.pdf", headers=h)
    text = pdf_text(r.data, tmp_path, "urge").replace(" ", "")
    for words in ("催办单", "区发改督〔2026〕3号", "再次催办。", "2026年11月24日", "已交办"):
        assert words in text, words
    r = client.get(f"{API}/tasks/{tid}/urge-notice.pdf", query_string={"number": "区发改督〔2026〕2号"},
                   headers=h)
    assert "请于本周五前报送初稿。" in pdf_text(r.data, tmp_path, "urge2").replace(" ", "")
    assert client.get(f"{API}/tasks/{tid}/urge-notice.pdf", query_string={"number": "x"},
                      headers=h).status_code == 404
    # one page as an image, to look at (kept under artifacts/ for a person to see)
    out = tmp_path / "notice"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "notice.pdf"),
                    str(out)], check=True)
    png = next(tmp_path.glob("notice*.png"))
    assert png.stat().st_size > 10_000
    shots = Path("artifacts/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, shots / "task-notice.png")
    # who may read: not another unit, not without a token; unknown task
    assert client.get(f"{API}/tasks/{tid}/notice.pdf", headers=token_for(client, "rep3")).status_code == 403
    assert client.get(f"{API}/tasks/{tid}/notice.pdf").status_code == 401
    assert client.get(f"{API}/tasks/T09999/notice.pdf", headers=h).status_code == 404
