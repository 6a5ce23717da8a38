"""快慢榜公示 from the pages: a dispatcher previews a chosen month's list and publishes it, and
again as a new fact; the LED board shows the one published last; others may not."""
from __future__ import annotations

import re

from app.domain.actors import SYSTEM
from tests.admin.ui import events_of, hidden_inputs

PAGE = "/admin/publicity/"


def _progress(svc) -> None:
    for code, amount in (("XM001", 1200), ("XM002", 100)):
        svc.bus.execute("submit_progress", {"code": code, "period": "2026-10",
                                            "month_investment": amount, "image_progress": "按计划"},
                        SYSTEM)


def _published(svc) -> list:
    return [e for e in events_of(svc) if e.type == "FastSlowListPublished"]


def test_preview_then_publish_then_publish_again(client, ui, svc):
    _progress(svc)
    ui.login("disp")
    page = client.get(PAGE + "?period=2026-10")
    assert page.status_code == 200 and 'id="preview-card"' in page.text
    fast = re.search(r'id="preview-fast".*?</table>', page.text, re.S).group(0)
    slow = re.search(r'id="preview-slow".*?</table>', page.text, re.S).group(0)
    assert "XM001" in fast and "XM002" in slow
    assert _published(svc) == []  # a preview records nothing
    form = hidden_inputs(page.text)
    r = client.post(PAGE, data=form)
    assert r.status_code == 302
    assert len(_published(svc)) == 1 and _published(svc)[0].data["period"] == "2026-10"
    assert client.post(PAGE, data=form).status_code == 302  # the same form again: once
    assert len(_published(svc)) == 1
    led = client.get("/led")
    assert "2026 年 10 月" in led.text and "城南污水处理厂" in led.text
    again = hidden_inputs(client.get(PAGE + "?period=2026-10").text)
    assert client.post(PAGE, data=again).status_code == 302
    assert len(_published(svc)) == 2  # published again: a new fact
    listing = client.get(PAGE).text
    assert re.search(r'<td>2026-10</td>', listing)


def test_bad_months_and_roles(client, ui, svc):
    ui.login("disp")
    r = client.get(PAGE + "?period=2026-13")
    assert r.status_code == 400 and "月份“2026-13”无效" in r.text
    r = client.get(PAGE + "?period=2999-01")
    assert r.status_code == 400
    form = {**hidden_inputs(client.get(PAGE + "?period=2026-10").text), "period": "2026-10"}
    r = client.post(PAGE, data=form)  # no plans: the command's own refusal, nothing recorded
    assert r.status_code == 302 or "无法排出快慢榜" in r.text
    ui.login("rep1")
    assert client.get(PAGE).status_code == 403
