"""定时任务: the jobs page for dispatchers and admins, and its run-now button."""
from __future__ import annotations

from dataclasses import replace
from html import unescape

from sqlalchemy import func, select

from app.events.model import format_instant
from app.scheduler import JOBS
from app.scheduler.tables import job_runs
from tests.admin.ui import hidden_inputs

PAGE = "/admin/jobs/"


def anchors(svc) -> list:
    return [e for e in svc.store.read_all() if e.type == "ChainAnchored"]


def run_now(client, name: str):
    token = hidden_inputs(client.get(PAGE).text)["csrf_token"]
    return client.post(f"/admin/jobs/run/{name}", data={"csrf_token": token},
                       follow_redirects=True)


def job_row(html: str, name: str) -> str:
    start = html.index(f'id="job-{name}"')
    return html[start:html.index("</tr>", start)]


def test_dispatcher_sees_the_jobs_and_runs_anchor(client, ui, svc):
    ui.login("disp")
    page = client.get(PAGE)
    assert page.status_code == 200
    for job in JOBS.values():
        assert job.title in page.text and f'id="run-{job.name}"' in page.text
    assert "每日 23:50" in page.text and "从未运行" in page.text
    assert "尚无运行记录" in page.text

    r = run_now(client, "anchor")
    assert r.status_code == 200
    text = unescape(r.text)
    assert "已运行“哈希链锚定”：成功，记录事件 2 个" in text  # the anchor and its checkpoint
    [anchor] = anchors(svc)
    assert anchor.meta["actor"] == "system"
    row = job_row(r.text, "anchor")
    assert 'data-outcome="ok"' in row and "成功" in row
    assert r.text.count('class="run-row"') == 1

    again = run_now(client, "anchor")
    assert "记录事件 0 个" in unescape(again.text)
    assert len(anchors(svc)) == 1  # idempotent: nothing new the second time
    assert again.text.count('class="run-row"') == 2


def test_admin_sees_the_page(client, ui):
    ui.login("root")
    assert client.get(PAGE).status_code == 200
    assert "定时任务" in client.get("/admin/").text  # in the menu


def test_other_roles_are_refused(client, ui, svc):
    for user in ("rep1", "insp", "lead"):
        ui.login(user)
        page = client.get(PAGE)
        assert page.status_code == 403 and "无权访问" in page.text
        assert "定时任务" not in client.get("/admin/").text  # not in their menu
        token = hidden_inputs(client.get("/admin/").text)["csrf_token"]
        post = client.post("/admin/jobs/run/anchor", data={"csrf_token": token})
        assert post.status_code == 403
        ui.logout()
    assert anchors(svc) == []
    with svc.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(job_runs)).scalar() == 0


def test_anonymous_is_sent_to_login(client, district):
    r = client.get(PAGE)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_run_now_needs_the_csrf_token(client, ui, svc):
    ui.login("disp")
    r = client.post("/admin/jobs/run/anchor", data={})
    assert r.status_code == 400
    assert anchors(svc) == []


def test_unknown_job(client, ui):
    ui.login("disp")
    token = hidden_inputs(client.get(PAGE).text)["csrf_token"]
    assert client.post("/admin/jobs/run/nosuch", data={"csrf_token": token}).status_code == 404


def test_failing_job_shows_its_error_and_is_retried(client, ui, svc, monkeypatch):
    def boom(jc):
        jc.execute("anchor_chain", {})  # does part of its work, then fails
        raise RuntimeError("磁盘已满")

    monkeypatch.setitem(JOBS, "anchor", replace(JOBS["anchor"], run=boom))
    ui.login("disp")
    r = run_now(client, "anchor")
    text = unescape(r.text)
    assert "运行“哈希链锚定”失败：RuntimeError: 磁盘已满" in text  # the flash
    row = unescape(job_row(r.text, "anchor"))
    assert 'data-outcome="failed"' in row and "失败" in row
    assert "RuntimeError: 磁盘已满" in row and "下次运行时重试" in row
    assert anchors(svc) == []  # nothing half-recorded

    monkeypatch.undo()  # the next run does the work
    retried = run_now(client, "anchor")
    assert "成功，记录事件 2 个" in unescape(retried.text)  # the anchor and its checkpoint
    assert len(anchors(svc)) == 1
    assert 'data-outcome="ok"' in job_row(retried.text, "anchor")


def test_skipped_attempt_is_shown(client, ui, svc, clock):
    now = format_instant(clock())
    with svc.engine.begin() as conn:
        conn.execute(job_runs.insert().values(
            job="overdue", trigger="scheduled", owner="host:1:1", started_at=now,
            finished_at=now, outcome="skipped", events=0,
            summary="另一进程正在执行该任务，本次跳过。"))
    ui.login("disp")
    page = client.get(PAGE).text
    assert "因另一进程正在执行该任务而跳过" in job_row(page, "overdue")
    assert "已跳过" in page
