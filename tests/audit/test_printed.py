"""The latest checkpoint is printed where paper and screens leave the system: the LED board's
footer and every Excel export, by one function."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from app.audit.checkpoints import checkpoint_line, fingerprint
from app.audit.setup import sign_now
from app.domain.actors import INSPECTOR, Actor
from tests.conftest import make_user, token_for


def test_the_line(app):
    assert checkpoint_line(None) == "审计检查点：尚未签署"
    cp = {"size": 12, "root": "ab" * 32, "timestamp": "2026-11-25T09:00:00+08:00",
          "key_id": "0123456789abcdef", "signature": "cd" * 64}
    line = checkpoint_line(cp)
    assert "前 12 个事件" in line and "abababababababab" in line and "0123456789abcdef" in line
    assert fingerprint(cp) in line and len(fingerprint(cp)) == 19
    assert "2026-11-25" in line


def test_on_the_led_board_and_on_exports(app, client):
    svc = app.extensions["duban"]
    make_user(svc, "insp", "inspector")
    assert "审计检查点：尚未签署" in client.get("/led").get_data(as_text=True)
    cp = sign_now(svc, Actor("insp", INSPECTOR))
    line = checkpoint_line(cp)
    assert line in client.get("/led").get_data(as_text=True)
    h = token_for(client, "insp")
    for name in ("events", "ledger"):
        r = client.get(f"/api/v1/exports/{name}.xlsx", headers=h)
        assert r.status_code == 200, name
        ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(t.endswith(line) for t in texts[1:2]), name  # the line under the title
