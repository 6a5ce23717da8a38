"""flask --app wsgi scheduler run | run-job NAME | status."""
from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .jobs import JOBS
from .runner import job_status, run_job
from .settings import settings_for

scheduler_cli = AppGroup("scheduler", help="定时任务：调度进程与单次运行。")


def _services():
    return current_app.extensions["duban"]


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler process (one per deployment; never inside the web workers)."""
    from .process import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_for(current_app)
    click.echo(f"调度进程已启动（时区 {settings.tz_name}）。任务：")
    for s in job_status(_services(), settings):
        click.echo(f"  {s['name']:<10} {s['title']}：{s['schedule']}")
    run_scheduler(_services(), settings)
    click.echo("调度进程已停止。")


@scheduler_cli.command("run-job")
@click.argument("name", type=click.Choice(list(JOBS)))
def scheduler_run_job(name: str) -> None:
    """Run one job now, with the same effect as its scheduled run."""
    result = run_job(_services(), name, settings_for(current_app), trigger="cli")
    title = JOBS[name].title
    if result["outcome"] == "failed":
        click.echo(f"任务“{title}”失败：{result['error']}", err=True)
        sys.exit(1)
    click.echo(f"任务“{title}”{result['outcome_name']}：{result['summary'] or ''}"
               f"（新增事件 {result['events']} 个）")


@scheduler_cli.command("status")
def scheduler_status() -> None:
    """List the jobs: schedule, next run, last run and its outcome."""
    for s in job_status(_services(), settings_for(current_app)):
        click.echo(f"{s['name']:<10} {s['title']}｜{s['schedule']}｜下次 {s['next_run'] or '—'}"
                   f"｜上次 {s['last_run'] or '—'} {s['outcome_name'] or ''}"
                   + (f"｜错误：{s['error']}" if s["error"] else ""))
