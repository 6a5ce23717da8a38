"""定时任务: the scheduler's jobs for dispatchers and admins — schedule, next run, last run and
outcome (with the error of a failed run), recent runs, and a run-now button per job.

The page only reads job_status()/recent_runs() and calls run_job(); a run-now goes through the
same lock and single transaction as a scheduled run, so a failure records nothing but its error.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_admin import BaseView, expose

from ..domain.actors import ADMIN, DISPATCHER
from ..scheduler import JOBS, job_status, recent_runs, run_job, settings_for
from .access import SecuredView

log = logging.getLogger(__name__)

RECENT = 30  # runs listed under the jobs

# What each job does, for the people who press its button.
DESCRIPTIONS = {
    "overdue": "检查已过整改期限仍未办结的问题，每个期限记录一次“逾期”；延长期限后重新计时。",
    "reminders": "向上月未填报项目进度的单位发出催报（列入其待办）；到通报日仍未填报的单位提示调度员。",
    "publicity": "按上月进度排出快慢榜（红黑榜）并公示，同时生成 Excel 文件；每月只发布一次。",
    "anchor": "记录哈希链链头的位置和哈希值，并签署一个检查点（默克尔树根的签名），供审计人员与系统外保存的副本比对；每日一次。",
}
TRIGGERS = {"scheduled": "定时", "manual": "手动", "cli": "命令行"}
OUTCOME_STYLES = {"ok": "success", "failed": "danger", "skipped": "warning",
                  "interrupted": "danger", "running": "info"}


def _moment(text: str | None) -> str:
    """An ISO instant from the runner (already in TZ_NAME), to the second."""
    if not text:
        return ""
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M:%S")


class JobsView(SecuredView, BaseView):
    """The jobs' status and history; 立即运行 runs one now (POST, CSRF-checked by SecuredView)."""

    roles = (ADMIN, DISPATCHER)

    @expose("/")
    def index(self):
        settings = settings_for()
        jobs = [self._job(j) for j in job_status(self.svc, settings)]
        runs = [self._run(r) for r in recent_runs(self.svc, limit=RECENT)]
        return self.render("duban/jobs.html", jobs=jobs, runs=runs, styles=OUTCOME_STYLES)

    @expose("/run/<job>", methods=("POST",))
    def run(self, job: str):
        name = job  # (not a view argument: Flask-Admin's _handle_view takes 'name')
        if name not in JOBS:
            abort(404)
        title = JOBS[name].title
        log.info("job %s run now by %s", name, self.actor().username)
        try:
            result = run_job(self.svc, name, settings_for(), trigger="manual")
        except Exception as exc:  # the lock itself could not be taken (database unreachable…)
            log.exception("run-now of job %s failed before it started", name)
            flash(f"“{title}”未能运行：{type(exc).__name__}: {exc}", "error")
            return redirect(url_for(".index"))
        flash(self._message(title, result), self._category(result["outcome"]))
        return redirect(url_for(".index"))

    # -- helpers -------------------------------------------------------------
    @staticmethod
    def _message(title: str, result: dict) -> str:
        outcome = result["outcome"]
        summary = result.get("summary") or ""
        if outcome == "ok":
            return f"已运行“{title}”：成功，记录事件 {result['events']} 个。{summary}"
        if outcome == "skipped":
            return f"“{title}”未运行：{summary or '另一进程正在执行该任务。'}"
        error = result.get("error") or ""
        return f"运行“{title}”失败：{error}。{summary}"

    @staticmethod
    def _category(outcome: str) -> str:
        return {"ok": "success", "skipped": "warning"}.get(outcome, "error")

    @staticmethod
    def _job(j: dict) -> dict[str, Any]:
        return dict(j, description=DESCRIPTIONS.get(j["name"], ""),
                    next_run_text=_moment(j["next_run"]),
                    last_run_text=_moment(j["last_run"]),
                    last_finished_text=_moment(j["last_finished"]),
                    last_skipped_text=_moment(j["last_skipped"]),
                    # the latest attempt found another runner holding the lock
                    skipped_last=bool(j["last_skipped"]) and (
                        not j["last_run"] or datetime.fromisoformat(j["last_skipped"])
                        >= datetime.fromisoformat(j["last_run"])))

    @staticmethod
    def _run(r: dict) -> dict[str, Any]:
        job = JOBS.get(r["job"])
        return dict(r, title=job.title if job else r["job"],
                    trigger_name=TRIGGERS.get(r["trigger"], r["trigger"]),
                    started_text=_moment(r["started_at"]),
                    finished_text=_moment(r["finished_at"]))
