"""Another program opens what we write: LibreOffice (headless) turns each export into a PDF.

Needs Debian's libreoffice-calc. Without it the test is skipped, with the reason shown, except
under CI (CI=true), where a missing binary is a failure: .ci/run installs it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from app.excel.exports import export_specs, run_export
from app.excel.templates import build_template

from .conftest import ADMIN_ACTOR
from .test_exports import full_ledger, ledger  # noqa: F401 - the fixtures

BINARY = shutil.which("libreoffice") or shutil.which("soffice")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def libreoffice():
    if BINARY is None:
        if IN_CI:
            pytest.fail("libreoffice is not installed (CI=true): apt-get install -y libreoffice-calc")
        pytest.skip("libreoffice not installed: apt-get install -y libreoffice-calc "
                    "to run the PDF conversion test")
    return BINARY


# One database is enough here: what is under test is the file, not the store.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_export_converts_to_pdf(libreoffice, full_ledger, tmp_path):  # noqa: F811
    ledger = full_ledger
    sources = tmp_path / "xlsx"
    sources.mkdir()
    for name, spec in export_specs().items():
        params = {"month": "2026-10"} if spec.uses_month else None
        with open(sources / f"{name}.xlsx", "wb") as fh:
            run_export(ledger, name, fh, ADMIN_ACTOR, params=params)
    for kind in ("projects", "progress"):
        (sources / f"template-{kind}.xlsx").write_bytes(build_template(ledger, kind, ADMIN_ACTOR))
    out = tmp_path / "pdf"
    files = sorted(sources.iterdir())
    # a profile of its own: parallel test runs must not share LibreOffice's lock
    profile = (tmp_path / "profile").as_uri()
    proc = subprocess.run(
        [libreoffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for f in files:
        pdf = out / (f.stem + ".pdf")
        assert pdf.exists(), f"{f.name} was not converted: {proc.stdout} {proc.stderr}"
        body = pdf.read_bytes()
        assert body.startswith(b"%PDF") and len(body) > 1000, f.name
        overlaps = overlapping_words(pdf)
        assert not overlaps, f"{f.name}: text printed over other text: {overlaps[:3]}"
        if not f.name.startswith("template-"):
            # the ledgers print landscape: every page wider than high
            boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", body)
            assert boxes and all(float(w) > float(h) for w, h in boxes), f.name


def overlapping_words(pdf) -> list[tuple[str, str]]:
    """Pairs of words printed over each other on a page of ``pdf`` (pdftotext's boxes): a row
    lower than its wrapped text lets the text run over the next row's, and a cell narrower than
    its text cuts it off under its neighbour's, which this finds. The lines of one wrapped cell
    touch by a fraction of a point (the font's boxes are taller than its line spacing): only
    boxes sharing more than a third of their height count."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    found = []
    for page in out.split("<page ")[1:]:
        words = sorted(
            (float(y0), float(y1), float(x0), float(x1), w) for x0, y0, x1, y1, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"([^<]*)</word>", page))
        active: list[tuple] = []
        for word in words:
            y0, y1, x0, x1, text = word
            active = [a for a in active if a[1] > y0]
            found += [(a[4], text) for a in active
                      if min(a[3], x1) - max(a[2], x0) > 0.5
                      and min(a[1], y1) - y0 > min(a[1] - a[0], y1 - y0) / 3]
            active.append(word)
    return found
