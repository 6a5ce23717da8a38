"""The staff's daily paths through a real browser, with screenshots saved as artifacts."""
from __future__ import annotations

import re

import pytest

from app.domain.actors import SYSTEM
from tests.browser.conftest import at, shot


def test_unit_reporter_logs_in_and_submits_progress(new_page, live):
    page = new_page()
    page.goto(live["url"] + "/admin/")
    page.wait_for_url(at("/login?next="))
    shot(page, "login")
    page.fill("#username", "rep1")
    page.fill("#password", "secret123")
    page.click("#login-submit")
    page.wait_for_url(lambda u: u.endswith("/admin/"))
    assert "本单位待办的问题" in page.inner_text("#todos")
    page.goto(live["url"] + "/admin/projects/")
    row = page.locator("tr", has_text="XM001")
    row.get_by_role("link", name="填报进度").click()
    page.wait_for_url(at("/commands/submit_progress/"))
    page.fill("#period", "2026-10")
    page.fill("#month_investment", "150")
    page.fill("#image_progress", "主体结构施工完成 70%")
    shot(page, "progress_form")
    page.click("#submit-command")
    page.wait_for_url(at("/admin/projects/"))
    assert "已办理“月度进度填报”" in page.inner_text("body")
    svc = live["svc"]
    last = list(svc.store.read_stream("project:XM001"))[-1]
    assert last.type == "ProgressSubmitted" and last.meta["actor"] == "rep1"
    assert last.data["month_investment"] == 150.0


@pytest.fixture(scope="module")
def problem_flow(browser, live):
    """A dispatcher raises, dispatches, escalates and verifies a problem (the unit reports its
    resolution in between); returns the problem's id."""
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                              viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    base = live["url"]
    page.goto(base + "/login")
    page.fill("#username", "disp")
    page.fill("#password", "secret123")
    page.click("#login-submit")
    page.wait_for_url(lambda u: u.endswith("/admin/"))
    page.click("text=办理")
    page.click("a.dropdown-item:has-text('提出问题')")
    page.wait_for_url(at("/commands/raise_problem/"))
    page.select_option("#category", "land")
    page.select_option("#source", "meeting")
    page.fill("#description", "建设用地指标不足，部分地块尚未完成农用地转用报批")
    page.fill("#project", "XM001")
    page.click("#submit-command")
    page.wait_for_url(at("/problem-timeline/?id="))
    pid = re.search(r"id=(P\d+)", page.url).group(1)
    page.click("#timeline-subject >> text=调度交办")
    page.select_option("#level", "1")
    page.fill("#decision", "由区自然资源局牵头，两周内完成用地指标调剂")
    page.select_option("#responsible_unit", "U01")  # chosen by name, sent as its code
    page.fill("#deadline", "2026-12-31")
    page.fill("#responsible_person", "王建国")
    page.click("#submit-command")
    page.wait_for_url(at("/problem-timeline/"))
    page.click("#timeline-subject >> text=提级")
    page.fill("#reason", "一级调度协调未果，提请县级联系领导二级调度")
    page.click("#submit-command")
    page.wait_for_url(at("/problem-timeline/"))
    assert "二级调度" in page.inner_text("#timeline-subject")
    # the responsible unit reports its resolution, in its own browser
    rep = ctx.browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    rp = rep.new_page()
    rp.goto(base + "/login")
    rp.fill("#username", "rep1")
    rp.fill("#password", "secret123")
    rp.click("#login-submit")
    rp.wait_for_url(lambda u: u.endswith("/admin/"))
    rp.goto(base + f"/admin/problem-timeline/?id={pid}")
    rp.click("#timeline-subject >> text=报告解决")
    rp.fill("#description", "用地指标已调剂到位，报批材料已上报")
    rp.click("#submit-command")
    rp.wait_for_url(at("/problem-timeline/"))
    rep.close()
    page.reload()
    page.click("#timeline-subject >> text=核验销号")
    page.fill("#note", "经现场核实，问题已解决，同意销号")
    page.click("#submit-command")
    page.wait_for_url(at("/problem-timeline/"))
    shot(page, "problem_timeline")
    page.goto(base + "/admin/problems/")
    shot(page, "problem_ledger")
    page.goto(base + "/admin/")
    shot(page, "home")
    ctx.close()
    return pid


def test_dispatcher_raises_dispatches_escalates_and_verifies(problem_flow, live):
    evs = live["svc"].store.read_stream(f"problem:{problem_flow}")
    assert [e.type for e in evs] == ["ProblemRaised", "ProblemDispatched", "ProblemEscalated",
                                     "ResolutionReported", "ResolutionVerified"]
    assert [e.meta["actor"] for e in evs] == ["disp", "disp", "disp", "rep1", "disp"]


def test_inspector_finds_the_events_and_verifies_the_chain(problem_flow, new_page, live):
    page = new_page("insp")
    page.goto(live["url"] + "/admin/audit/")
    page.fill("input[name=stream]", f"problem:{problem_flow}")
    page.click("#audit-search")
    page.wait_for_url(lambda u: "stream=problem" in u)
    rows = page.locator("tr.audit-row")
    assert rows.count() == 5
    types = [rows.nth(i).get_attribute("data-type") for i in range(5)]
    assert types == ["ResolutionVerified", "ResolutionReported", "ProblemEscalated",
                     "ProblemDispatched", "ProblemRaised"]  # newest first
    page.select_option("select[name=type]", "ProblemEscalated")
    page.fill("input[name=stream]", "")
    page.fill("input[name=actor]", "disp")
    page.click("#audit-search")
    page.wait_for_url(lambda u: "type=ProblemEscalated" in u)
    assert page.locator("tr.audit-row").count() == 1
    page.click("#verify-chain")
    result = page.locator("#verify-result")
    assert result.get_attribute("data-ok") == "1" and "哈希链完整" in result.inner_text()
    shot(page, "audit")


def test_unit_reporter_is_refused_a_dispatchers_page(problem_flow, new_page, live):
    page = new_page("rep1")
    response = page.goto(live["url"] + f"/admin/commands/dispatch_problem/?id={problem_flow}")
    assert response.status == 403
    assert "无权办理“调度交办”" in page.inner_text("#forbidden")
    response = page.goto(live["url"] + "/admin/dispatch-stats/")
    assert response.status == 403
    refused = [e for e in live["svc"].store.read_stream("security:log") if e.type == "AccessRefused"]
    assert {e.data["path"] for e in refused} >= {"/admin/commands/dispatch_problem/",
                                                  "/admin/dispatch-stats/"}


def test_led_board(new_page, live):
    svc = live["svc"]
    for code, amount in (("XM001", 1150), ("XM002", 60)):
        svc.bus.execute("submit_progress", {"code": code, "period": "2026-10",
                                            "month_investment": amount, "image_progress": "施工中",
                                            "reason": "更正"}, SYSTEM)
    svc.bus.execute("publish_fast_slow_list", {"period": "2026-10", "fast_points": 0,
                                               "slow_points": 0}, SYSTEM)
    page = new_page()
    page.goto(live["url"] + "/led")
    assert "2026 年 10 月 重大项目进展情况公示" in page.inner_text("header")
    assert page.locator(".panel.active").count() == 1
    size = page.eval_on_selector("td.name", "e => parseFloat(getComputedStyle(e).fontSize)") \
        if page.locator("td.name").count() else 40
    assert size >= 28  # readable across a hall at 900 px high
    shot(page, "led_board")


def test_a_clerk_does_the_months_spreadsheets_and_the_led_list_from_the_pages(new_page, live):
    """导入导出 and 快慢榜公示 in a real browser, at desk and phone widths: a download, an upload
    refused with its marked copy, a preview published after a confirmation."""
    import io

    from openpyxl import Workbook

    page = new_page("disp")
    page.goto(live["url"] + "/admin/spreadsheets/")
    with page.expect_download() as got:
        page.click("#export-button-ledger")
    assert got.value.suggested_filename.startswith("问题台账（截至")
    wb = Workbook()
    wb.active.append(["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题"])
    wb.active.append(["XM001", "2026-10", "很多", None, None])
    data = io.BytesIO()
    wb.save(data)
    page.select_option("#kind", "progress")
    page.set_input_files("#file", files=[{"name": "十月进度.xlsx", "buffer": data.getvalue(),
                                          "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("#import-submit")
    assert "整个文件未导入任何数据" in page.inner_text("#import-result")
    with page.expect_download() as got:
        page.click("#marked-copy")
    assert got.value.suggested_filename == "十月进度.错误标注.xlsx"
    shot(page, "spreadsheets")

    svc = live["svc"]
    svc.bus.execute("submit_progress", {"code": "XM002", "period": "2026-09", "month_investment": 10,
                                        "image_progress": "前期"}, SYSTEM)
    page.goto(live["url"] + "/admin/publicity/?period=2026-09&fast_points=0&slow_points=0")
    assert page.locator("#preview-card").count() == 1
    page.once("dialog", lambda d: d.dismiss())  # 取消: nothing is published
    page.click("#publish")
    assert not [e for e in svc.store.read_stream("publicity:2026-09")]
    page.once("dialog", lambda d: d.accept())
    page.click("#publish")
    page.wait_for_url(at("/admin/publicity/?period=2026-09"))
    assert [e.type for e in svc.store.read_stream("publicity:2026-09")] == ["FastSlowListPublished"]
    shot(page, "publicity")

    pid = svc.bus.execute("raise_problem", {"category": "land", "source": "meeting", "project": "XM001",
                                            "description": "施工用地尚有两户未完成征迁，影响主体施工进度"},
                          SYSTEM)["id"]
    phone = new_page("disp")
    phone.set_viewport_size({"width": 390, "height": 844})
    for path, name in (("/admin/spreadsheets/", "spreadsheets_phone"),
                       ("/admin/publicity/?period=2026-09", "publicity_phone"),
                       ("/admin/problems/", "problem_ledger_phone"),
                       ("/admin/projects/", "project_ledger_phone"),
                       ("/admin/tasks/", "task_ledger_phone"),
                       ("/admin/meetings/", "meetings_phone"),
                       (f"/admin/problem-timeline/?id={pid}", "problem_timeline_phone")):
        phone.goto(live["url"] + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, (path, width)  # nothing runs off the side of a phone
        shot(phone, name)
    phone.goto(live["url"] + "/admin/problems/")
    # a ledger row is a card: each cell under its column's label
    assert phone.eval_on_selector("table.model-list tbody td[data-label='状态']",
                                  "e => getComputedStyle(e).display") == "block"
