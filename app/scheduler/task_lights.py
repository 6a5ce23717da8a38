"""The daily light facts of tasks (亮灯): part of the ``overdue`` job.

Each task whose light today differs from the light last recorded gets one ``TaskLightChanged``
fact (a task starts green; a completed or withdrawn task's light goes out). The ledger computes
the light at reading time; these facts are what the history keeps of it, once per change.
"""
from __future__ import annotations

from ..commands.statements import tasks_with_changed_light
from ..views.tasks import Lighting
from ..commands.task_rules import CLOSED
from ..domain.errors import NotAllowed
from ..projections.tasks import tasks
from ..workdays import light_settings
from .context import JobContext


def record_task_lights(jc: JobContext) -> str:
    t = tasks.c
    warn, ack = light_settings()
    light = Lighting(jc.today, settings=(warn, ack))
    # the light in SQL: only the tasks whose light changed come back (of 100,000, a few)
    ids = tasks_with_changed_light(jc.uow.tx, light.sql(t), CLOSED)
    changed = 0
    for task_id in ids:
        try:
            jc.execute("record_task_light", {"id": task_id, "warn_workdays": warn, "ack_workdays": ack})
            changed += 1
        except NotAllowed:
            pass  # the handler, deciding from the stream, found no change
    return f"督办事项亮灯变化 {changed} 个。"
