"""The printed 督查通报: a real PDF whose text reads back (title, number, the inspections and their
findings, the office, the latest checkpoint's line), one page looked at as PNG, and who may print it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.audit.checkpoints import checkpoint_line
from app.audit.setup import sign_now
from app.domain.actors import INSPECTOR, Actor
from tests.domain.test_problems import World, world  # noqa: F401  (the fixture)

API = "/api/v1"
pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                                reason="poppler-utils (pdftotext, pdftoppm) not installed")
NUMBER = "2026年第1期"


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout
    return "".join(out.split())  # CJK lines are broken anywhere: compare without whitespace


def issue(world: World) -> str:
    iid = world.post("/inspections", {"kind": "discipline", "date": "2026-03-02",
                                      "inspectors": ["赵敏", "钱进"], "summary": "作风督查：项目推进不力",
                                      "targets": ["U01", "U02"]}, "insp")["id"]
    world.raise_problem(description="棚改项目征收进度滞后三个月", source="inspection", inspection=iid,
                        category="demolition")
    world.post("/bulletins", {"number": NUMBER, "title": "关于重大项目推进情况的督查通报",
                              "date": "2026-03-15", "inspections": [iid]}, "insp")
    return iid


def test_the_printed_bulletin(world: World, tmp_path):
    iid = issue(world)
    cp = sign_now(world.svc, Actor("insp", INSPECTOR))
    r = world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf", headers=world.h["insp"])
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data[:5] == b"%PDF-"
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(r.data)
    text = pdf_text(pdf)
    line = "".join(checkpoint_line(cp).split())
    for words in ("督查通报", NUMBER, "关于重大项目推进情况的督查通报", "2026年3月15日", "纪律作风督查",
                  iid, "赵敏、钱进", "城南镇、区住建局", "作风督查：项目推进不力", "棚改项目征收进度滞后三个月",
                  "征地拆迁", "已提出", "区发展和改革局", line):
        assert words in text, words
    # one page as an image: not blank (kept under artifacts/ for a person to see)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(png) as im:
        lo, hi = im.convert("L").getextrema()
    assert png.stat().st_size > 10_000 and lo < 100 < hi
    shots = Path("artifacts/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, shots / "bulletin.png")


def test_who_may_print_it_and_an_unknown_number(world: World, tmp_path):
    issue(world)
    for who in ("disp", "wq", "admin"):
        assert world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf",
                                headers=world.h[who]).status_code == 200, who
    # no checkpoint signed yet: the line says so
    r = world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf", headers=world.h["disp"])
    (tmp_path / "b.pdf").write_bytes(r.data)
    assert "审计检查点：尚未签署" in pdf_text(tmp_path / "b.pdf")
    refused = world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf", headers=world.h["rep1"])
    assert refused.status_code == 403 and "督查" in refused.get_json()["error"]["message"]
    assert world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf").status_code == 401
    missing = world.client.get(f"{API}/bulletins/2026年第9期/bulletin.pdf", headers=world.h["insp"])
    assert missing.status_code == 404
    assert missing.get_json()["error"]["message"] == "没有期号为“2026年第9期”的督查通报。"
    bad = world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf?as_of=yesterday",
                           headers=world.h["insp"])
    assert bad.status_code == 400
    # as of before it was issued: not there yet
    early = world.client.get(f"{API}/bulletins/{NUMBER}/bulletin.pdf",
                             query_string={"as_of": "2000-01-01T00:00:00+08:00"},
                             headers=world.h["insp"])
    assert early.status_code == 404
