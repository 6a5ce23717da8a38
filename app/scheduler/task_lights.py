"""The daily light facts of tasks (亮灯): part of the ``overdue`` job.

Each task whose light today differs from the light last recorded gets one ``TaskLightChanged``
fact (a task starts green; a completed or withdrawn task's light goes out). The ledger computes
the light at reading time; these facts are what the history keeps of it, once per change.
"""
from __future__ import annotations

from sqlalchemy import or_, select

from ..api.task_queries import Lighting
from ..commands.errors import NotAllowed
from ..commands.task_rules import CLOSED
from ..projections.tasks import tasks
from ..workdays import light_settings
from .context import JobContext


def record_task_lights(jc: JobContext) -> str:
    t = tasks.c
    warn, ack = light_settings()
    light = Lighting(jc.today, settings=(warn, ack))
    rows = jc.conn.execute(
        select(t.id, t.status, t.deadline, t.assigned_on, t.acknowledged_date, t.feedback_cycle,
               t.last_feedback_date, t.recorded_light)
        .where(or_(t.status.notin_(CLOSED), t.recorded_light.is_not(None)))
        .order_by(t.id)).all()
    changed = 0
    for row in rows:
        if light(row) == row.recorded_light:
            continue
        try:
            jc.execute("record_task_light", {"id": row.id, "warn_workdays": warn, "ack_workdays": ack})
            changed += 1
        except NotAllowed:
            pass  # the handler, deciding from the stream, found no change
    return f"督办事项亮灯变化 {changed} 个。"
