"""The scheduler's ``notify`` job: deliver what is due, and say what happened in its run record."""
from __future__ import annotations

import os

from flask import current_app, has_app_context
from sqlalchemy import update

from ..scheduler.tables import job_runs
from .channels import NotifySettings
from .sender import deliver_due


def settings_now() -> NotifySettings:
    return NotifySettings.from_mapping(current_app.config if has_app_context() else os.environ)


def deliver_for_job(jc) -> None:
    svc = jc.services
    s = getattr(svc, "notify", None) or settings_now()
    if not s.channels():
        summary = "未配置邮件或 Webhook 通道，通知仅在站内显示。"
    else:
        c = deliver_due(svc.engine, s, svc.clock)
        summary = (f"已投递 {c['sent']} 条（含日报 {c['digests']} 份），待重试 {c['retry']} 条，"
                   f"失败 {c['failed']} 条，无联系方式未发 {c['skipped']} 条，"
                   f"免打扰或待日报暂缓 {c['held']} 条。")
    with svc.engine.begin() as conn:
        conn.execute(update(job_runs).where(job_runs.c.id == jc.run_id).values(summary=summary))
