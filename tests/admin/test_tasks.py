"""The staff pages of tasks: the ledger with its lights, filters and row buttons, the forms of the
task's life, the timeline with its notices, the appraisal and the home page's task to-dos."""
from __future__ import annotations

from app.domain.actors import SYSTEM, Actor
from tests.admin.ui import events_of
from tests.files.test_staff_pages import submit_with_files


def task(svc, **body) -> str:
    base = {"title": "报送十四五重大项目清单", "source": "superior", "lead_unit": "U01",
            "co_units": ["U02"], "deadline": "2026-12-31", "leader": "张志强", "date": "2026-11-02"}
    return svc.bus.execute("register_task", {**base, **body}, SYSTEM)["id"]


def test_a_task_through_the_forms(client, ui, other, svc):
    ui.login("disp")
    r = ui.submit("/admin/commands/register_task/", {
        "title": "起草半年经济运行报告", "source": "leader_instruction", "lead_unit": "U01",
        "co_units": "U02", "deadline": "2026-12-20", "feedback_cycle": "weekly", "key": "true",
        "leader": "张志强"})
    assert r.status_code == 302 and "task-timeline" in r.headers["Location"]
    tid = events_of(svc)[-1].data["id"]
    other.login("rep1")
    ledger = other.client.get("/admin/tasks/").text
    assert tid in ledger and "签收" in ledger and "报告办结" not in ledger
    assert other.submit(f"/admin/commands/acknowledge_task/?id={tid}", {"note": "已签收"}).status_code == 302
    r = submit_with_files(other, f"/admin/commands/give_task_feedback/?id={tid}",
                          {"progress": "已完成初稿"}, [(b"\x7fELF\x02\x01" + b"\x00" * 60, "初稿.pdf")])
    assert r.status_code == 200 and "文件类型不符" in r.text  # a file judged by its content
    r = submit_with_files(other, f"/admin/commands/give_task_feedback/?id={tid}",
                          {"progress": "已完成初稿"}, [("初稿：经济运行总体平稳。".encode(), "初稿.txt")])
    assert r.status_code == 302, r.text
    assert [f["name"] for f in events_of(svc)[-1].data["attachments"]] == ["初稿.txt"]
    assert other.submit(f"/admin/commands/report_task_completion/?id={tid}",
                        {"report": "已报送"}).status_code == 302
    r = ui.submit(f"/admin/commands/accept_task_completion/?id={tid}", {"note": "同意销号"})
    assert r.status_code == 302
    timeline = client.get(f"/admin/task-timeline/?id={tid}").text
    for words in ("交办督办事项", "签收", "报告办结", "审核销号", "区发改督〔2026〕1号", "打印督办通知单"):
        assert words in timeline, words
    pdf = client.get(f"/admin/task-timeline/notice.pdf?id={tid}")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    # a co-unit may give feedback but not report completion: no button, and the form is refused
    r = ui.submit(f"/admin/commands/evaluate_task/?id={tid}", {"rating": "unsatisfied"})
    assert r.status_code == 302  # an unsatisfied rating puts it back in progress
    other.logout()
    other.login("rep2")
    row = other.client.get("/admin/tasks/").text.split("model-list")[1]
    assert "反馈" in row and "报告办结" not in row
    before = len(events_of(svc, f"task:{tid}"))
    r = other.submit(f"/admin/commands/report_task_completion/?id={tid}", {"report": "已报送"})
    assert r.status_code == 200 and "配合单位只能签收和反馈进展" in r.text
    assert len(events_of(svc, f"task:{tid}")) == before


def test_ledger_lights_filters_and_home(client, ui, svc):
    red = task(svc, deadline="2026-11-20")
    yellow = task(svc, deadline="2026-11-27", lead_unit="U02", co_units=[])
    green = task(svc, source="meeting")
    svc.bus.execute("acknowledge_task", {"id": green}, Actor("r", "unit_reporter", unit="U01"))
    ui.login("disp")
    page = client.get("/admin/tasks/").text
    assert page.index(red) < page.index(yellow) < page.index(green)  # red first, then yellow
    assert "红灯 <b class=\"text-danger\">1</b>" in page
    page = client.get("/admin/tasks/?flt0_light=yellow").text
    assert yellow in page and red not in page.split("model-list")[1]
    page = client.get("/admin/tasks/?flt0_source=meeting").text.split("model-list")[1]
    assert green in page and red not in page
    page = client.get("/admin/tasks/?flt0_unit=U02").text.split("model-list")[1]
    assert red in page and yellow in page and green in page
    page = client.get("/admin/tasks/?flt0_status=assigned&flt1_unit=U02").text
    assert "共 <b>2</b> 项" in page
    page = page.split("model-list")[1]
    assert red in page and yellow in page and green not in page
    page = client.get("/admin/tasks/?flt0_status=in_progress&flt1_unit=U01").text.split("model-list")[1]
    assert green in page and red not in page and yellow not in page
    home = client.get("/admin/").text
    assert "督办事项：红灯" in home and red in home
    appraisal = client.get("/admin/task-appraisal/?year=2026").text
    assert "共交办 <b>3</b> 项" in appraisal and "城南镇（U01）" in appraisal
    export = client.get("/admin/tasks/export/xlsx/")
    assert export.status_code == 200
    ui.logout()
    ui.login("rep2")
    page = client.get("/admin/tasks/").text.split("model-list")[1]
    assert red in page and yellow in page  # a co-unit sees the task too
    assert client.get("/admin/task-appraisal/").status_code in (302, 403)
