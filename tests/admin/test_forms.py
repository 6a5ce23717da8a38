"""Command forms: the same handlers as the API, refusals as Chinese form errors, stale forms refused."""
from __future__ import annotations

import re

from app.domain.actors import SYSTEM
from tests.admin.ui import events_of, hidden_inputs

PROGRESS = "/admin/commands/submit_progress/?code=XM001"


def test_reporter_submits_progress_and_a_correction_needs_a_reason(client, ui, svc):
    ui.login("rep1")
    r = ui.submit(PROGRESS, {"period": "2026-10", "month_investment": "120.5",
                             "image_progress": "主体结构完成 60%"})
    assert r.status_code == 302 and "project-timeline" in r.headers["Location"]
    evs = events_of(svc, "project:XM001")
    assert evs[-1].type == "ProgressSubmitted" and evs[-1].data["month_investment"] == 120.5
    assert evs[-1].meta["actor"] == "rep1"
    before = len(events_of(svc))
    r = ui.submit(PROGRESS, {"period": "2026-10", "month_investment": "130",
                             "image_progress": "主体结构完成 65%"})
    assert r.status_code == 200
    assert "更正" in r.text and "必须说明更正原因" in r.text and 'is-invalid' in r.text
    assert len(events_of(svc)) == before  # a refused command appends nothing
    r = ui.submit(PROGRESS, {"period": "2026-10", "month_investment": "130",
                             "image_progress": "主体结构完成 65%", "reason": "统计口径更正"})
    assert r.status_code == 302
    timeline = client.get("/admin/project-timeline/?code=XM001").text
    assert "更正（第 1 次）" in timeline and "统计口径更正" in timeline


def test_schema_errors_land_on_their_fields(client, ui, svc):
    ui.login("rep1")
    r = ui.submit(PROGRESS, {"period": "2026-13", "month_investment": "很多", "image_progress": ""})
    assert r.status_code == 200
    assert "月份格式应为 YYYY-MM。" in r.text and "不是有效的数字。" in r.text
    assert "必填项，不能为空。" in r.text


def test_handler_refusals_are_shown_in_chinese(client, ui, svc):
    ui.login("rep1")
    # a reporter of U01 cannot report progress of U02's project: the handler says why
    r = ui.submit("/admin/commands/submit_progress/", {"code": "XM002", "period": "2026-10",
                                                        "month_investment": "1",
                                                        "image_progress": "x"})
    assert r.status_code == 200 and "无权填报其进度" in r.text
    refused = [e for e in events_of(svc, "security:log") if e.type == "AccessRefused"]
    assert refused and refused[-1].data["action"] == "submit_progress"


def test_a_stale_form_is_refused_not_overwritten(client, ui, other, svc):
    ui.login("disp")
    url = "/admin/commands/change_stage/?code=XM001"
    page = client.get(url)
    opened = hidden_inputs(page.text)
    assert opened["expected_version"]  # the version the page was read at
    other.login("disp")
    assert other.submit("/admin/commands/assign_leader/?code=XM001",
                        {"leader": "李明"}).status_code == 302
    before = len(events_of(svc))
    r = client.post(url, data={**opened, "stage": "completed", "date": "2026-11-20"})
    assert r.status_code == 200 and "未记录：在您打开此表单之后" in r.text
    assert len(events_of(svc)) == before
    r = ui.submit(url, {"stage": "completed"})  # reopened: the current version, accepted
    assert r.status_code == 302


def test_a_double_submit_records_once(client, ui, svc):
    ui.login("disp")
    url = "/admin/commands/raise_problem/"
    form = {**hidden_inputs(client.get(url).text), "category": "land", "source": "meeting",
            "description": "用地指标不足", "project": "XM001"}
    assert client.post(url, data=form).status_code == 302
    assert client.post(url, data=form).status_code == 302
    assert len([e for e in events_of(svc) if e.type == "ProblemRaised"]) == 1


def test_the_life_of_a_problem_through_forms(client, ui, other, svc):
    ui.login("disp")
    r = ui.submit("/admin/commands/raise_problem/", {
        "category": "land", "source": "unit_report", "description": "建设用地指标不足",
        "project": "XM001"})
    pid = r.headers["Location"].split("id=")[1].split("&")[0]
    assert ui.submit(f"/admin/commands/dispatch_problem/?id={pid}", {
        "level": "1", "decision": "由自然资源局协调用地指标", "responsible_unit": "U01",
        "deadline": "2026-12-31"}).status_code == 302
    # verifying before any resolution is reported: the handler's 422, as a form error
    r = ui.submit(f"/admin/commands/verify_resolution/?id={pid}", {"note": "同意"})
    assert r.status_code == 200 and "不能核验销号" in r.text
    assert ui.submit(f"/admin/commands/escalate_problem/?id={pid}",
                     {"reason": "一级调度未果"}).status_code == 302
    other.login("rep1")
    assert other.submit(f"/admin/commands/report_resolution/?id={pid}",
                        {"description": "指标已落实"}).status_code == 302
    assert ui.submit(f"/admin/commands/verify_resolution/?id={pid}",
                     {"note": "经核实已解决"}).status_code == 302
    page = client.get(f"/admin/problem-timeline/?id={pid}").text
    for words in ("提出问题", "调度交办", "提级调度", "报告解决", "核验销号", "由自然资源局协调用地指标",
                  "一级调度 → 二级调度", "待核验 → 已销号", "rep1", "2026-11-25"):
        assert words in page, words
    table = page[page.index('id="timeline"'):]
    assert table.index("提出问题") < table.index("调度交办") < table.index("提级调度") \
        < table.index("报告解决") < table.index("核验销号")
    types = [e.type for e in events_of(svc, f"problem:{pid}")]
    assert types == ["ProblemRaised", "ProblemDispatched", "ProblemEscalated",
                     "ResolutionReported", "ResolutionVerified"]


def test_forms_for_meetings_inspections_and_bulletins(app, client, ui, other, svc):
    ui.login("disp")
    assert ui.submit("/admin/commands/hold_meeting/", {
        "level": "2", "chair": "张志强", "topic": "城南片区项目调度",
        "attendees": "区发改局、城南镇，区财政局"}).status_code == 302
    other.login("insp")
    assert other.submit("/admin/commands/record_inspection/", {
        "kind": "project", "inspectors": "王芳、李强", "summary": "抽查 3 个项目",
        "targets": "U01, U02"}).status_code == 302
    insp = [e for e in events_of(svc) if e.type == "InspectionRecorded"][-1]
    assert insp.data["inspectors"] == ["王芳", "李强"] and insp.data["targets"] == ["U01", "U02"]
    assert other.submit("/admin/commands/issue_bulletin/", {
        "number": "2026-1", "title": "关于重大项目督查情况的通报",
        "inspections": insp.data["id"]}).status_code == 302
    meeting = [e for e in events_of(svc) if e.type == "MeetingHeld"][-1]
    assert meeting.data["attendees"] == ["区发改局", "城南镇", "区财政局"]


def test_unknown_targets_and_commands(client, ui):
    ui.login("disp")
    assert client.get("/admin/commands/dispatch_problem/?id=P99999").status_code == 404
    assert client.get("/admin/commands/no_such_command/").status_code == 404


def _problem(svc) -> str:
    return svc.bus.execute("raise_problem", {"category": "land", "source": "meeting",
                                             "description": "用地指标不足", "project": "XM001"},
                           SYSTEM)["id"]


def test_back_and_submit_again_records_once(client, ui, svc):
    pid = _problem(svc)
    ui.login("disp")
    url = f"/admin/commands/note_problem/?id={pid}"
    first = hidden_inputs(client.get(url).text, visible=True)
    assert client.post(url, data={**first, "note": "已协调自然资源局"}).status_code == 302
    # Back: the browser fetches the form again; it carries the first submission's id and version
    page = client.get(url)
    assert 'id="resubmit-notice"' in page.text and "刚刚已提交并记录" in page.text
    again = hidden_inputs(page.text, visible=True)
    assert again["command_id"] == first["command_id"]
    assert again["expected_version"] == first["expected_version"]
    assert client.post(url, data={**again, "note": "已协调自然资源局"}).status_code == 302
    notes = [e for e in events_of(svc, f"problem:{pid}") if e.type == "ProblemNoted"]
    assert len(notes) == 1
    # a deliberate second note: the notice's link opens a new form
    link = re.search(r'href="([^"]+)" id="fresh-form"', page.text).group(1).replace("&amp;", "&")
    assert "again=1" in link
    second = hidden_inputs(client.get(link).text, visible=True)
    assert second["command_id"] != first["command_id"]
    assert client.post(link, data={**second, "note": "第二次协调"}).status_code == 302
    assert len([e for e in events_of(svc, f"problem:{pid}") if e.type == "ProblemNoted"]) == 2


def test_a_stale_form_keeps_what_was_typed_at_the_current_version(client, ui, other, svc):
    pid = _problem(svc)
    ui.login("disp")
    url = f"/admin/commands/note_problem/?id={pid}"
    opened = hidden_inputs(client.get(url).text, visible=True)
    other.login("disp")
    assert other.submit(url, {"note": "他人先记了一条"}).status_code == 302
    r = client.post(url, data={**opened, "note": "我写了很长的一段进展说明"})
    assert r.status_code == 200 and 'id="stale-warning"' in r.text
    assert "我写了很长的一段进展说明" in r.text  # kept in the form
    kept = hidden_inputs(r.text, visible=True)
    assert int(kept["expected_version"]) == int(opened["expected_version"]) + 1
    assert kept["command_id"] != opened["command_id"]
    assert client.post(url, data={**kept, "note": "我写了很长的一段进展说明"}).status_code == 302
    assert len([e for e in events_of(svc, f"problem:{pid}") if e.type == "ProblemNoted"]) == 2


def test_units_are_chosen_by_name(client, ui, svc):
    pid = _problem(svc)
    ui.login("disp")
    url = f"/admin/commands/dispatch_problem/?id={pid}"
    page = client.get(url).text
    assert '<select' in page and '<option value="U01">城南镇（U01）</option>' in page
    r = ui.submit(url, {"level": "1", "decision": "协调", "responsible_unit": "U02",
                        "deadline": "2026-12-31"})
    assert r.status_code == 302
    dispatched = [e for e in events_of(svc, f"problem:{pid}") if e.type == "ProblemDispatched"]
    assert dispatched[-1].data["responsible_unit"] == "U02"
    # in a list of units, a name stands for its code
    ui.login("insp")
    r = ui.submit("/admin/commands/record_inspection/", {
        "kind": "project", "date": "2026-11-20", "inspectors": "李纪检", "summary": "现场督查",
        "targets": "城南镇、U02"})
    assert r.status_code == 302, r.text
    inspection = [e for e in events_of(svc) if e.type == "InspectionRecorded"][-1]
    assert inspection.data["targets"] == ["U01", "U02"]


def test_the_verify_and_reject_forms_show_the_report_being_judged(client, ui, svc):
    pid = _problem(svc)
    svc.bus.execute("dispatch_problem", {"id": pid, "level": 1, "decision": "协调",
                                         "responsible_unit": "U01", "deadline": "2026-12-31"}, SYSTEM)
    svc.bus.execute("report_resolution", {"id": pid, "description": "用地指标已调剂到位，附批复"},
                    SYSTEM)
    ui.login("disp")
    for name in ("verify_resolution", "reject_resolution"):
        page = client.get(f"/admin/commands/{name}/?id={pid}").text
        assert 'id="judged-report"' in page and "用地指标已调剂到位，附批复" in page
    assert 'id="judged-report"' not in client.get(f"/admin/commands/note_problem/?id={pid}").text


def test_a_leader_is_offered_only_what_they_may_do(client, ui, svc):
    # XM001 and XM002 are both led by 张志强 (setup_district); a third project led by another
    svc.bus.execute("register_project", {"code": "XM003", "name": "他人挂联的项目", "category": "district",
                                         "stage": "continuing", "owner_unit": "U02",
                                         "responsible_unit": "U02", "total_investment": 100,
                                         "leader": "李四"}, SYSTEM)
    mine = _problem(svc)
    others = svc.bus.execute("raise_problem", {"category": "land", "source": "meeting",
                                               "description": "他人项目的问题", "project": "XM003"},
                             SYSTEM)["id"]
    for pid in (mine, others):
        svc.bus.execute("dispatch_problem", {"id": pid, "level": 1, "decision": "协调",
                                             "responsible_unit": "U01", "deadline": "2026-12-31"},
                        SYSTEM)
    ui.login("lead")
    page = client.get("/admin/problems/").text
    assert f">{mine}<" in page and f">{others}<" in page  # a leader reads every problem
    assert f"escalate_problem/?id={mine}" in page
    assert f"escalate_problem/?id={others}" not in page and f"urge_problem/?id={others}" not in page
    form = client.get(f"/admin/commands/dispatch_problem/?id={mine}").text
    assert 'value="2"' in form and 'value="1"' not in form and 'value="3"' not in form
