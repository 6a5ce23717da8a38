"""URLs between screens: timelines, command forms and ledgers filtered to a subject."""
from __future__ import annotations

from flask import request, url_for
from markupsafe import Markup

from ..domain.statuses import ProblemStatus
from ..domain.errors import Forbidden
from .access import current_actor, services


def problem_timeline(problem_id: str, **args) -> str:
    return url_for("problem_timeline.index", id=problem_id, **args)


def project_timeline(code: str, **args) -> str:
    return url_for("project_timeline.index", code=code, **args)


def command(name: str, **params) -> str:
    """The form of a command, returning to the page it was opened from."""
    params.setdefault("next", request.full_path.rstrip("?"))
    return url_for("commands.form", command=name, **params)


def can(name: str) -> bool:
    spec = services().commands.specs.get(name)
    actor = current_actor()
    return spec is not None and actor is not None and actor.role in spec.roles


def buttons(items: list[tuple[str, str, str]], shown: int = 3) -> Markup:
    """Row buttons (url, label, bootstrap style): the first few as buttons, the rest under 更多."""
    parts = [Markup('<a class="btn btn-sm btn-outline-{} mr-1 mb-1" href="{}">{}</a>').format(
        style, url, label) for url, label, style in items[:shown]]
    rest = items[shown:]
    if rest:
        menu = Markup("").join(Markup('<a class="dropdown-item" href="{}">{}</a>').format(url, label)
                               for url, label, _style in rest)
        parts.append(Markup('<div class="btn-group mb-1"><button type="button" class="btn btn-sm '
                            'btn-outline-secondary dropdown-toggle" data-toggle="dropdown">更多'
                            '</button><div class="dropdown-menu">{}</div></div>').format(menu))
    return Markup("").join(parts)


# Which commands a problem in a given status can take, in the order the buttons show.
PROBLEM_ACTIONS: dict[str, list[tuple[str, str, str]]] = {
    ProblemStatus.RAISED: [("dispatch_problem", "调度交办", "primary"), ("note_problem", "备注", "secondary"),
               ("withdraw_problem", "撤回", "secondary")],
    ProblemStatus.IN_PROGRESS: [("report_resolution", "报告解决", "success"),
                    ("escalate_problem", "提级", "danger"), ("dispatch_problem", "再次调度", "primary"),
                    ("urge_problem", "催办", "warning"), ("extend_deadline", "延期", "secondary"),
                    ("note_problem", "备注", "secondary"), ("withdraw_problem", "撤回", "secondary")],
    ProblemStatus.AWAITING_VERIFICATION: [("verify_resolution", "核验销号", "success"),
                              ("reject_resolution", "退回", "danger"),
                              ("note_problem", "备注", "secondary")],
    ProblemStatus.RESOLVED: [("reopen_problem", "重新打开", "warning")],
    ProblemStatus.WITHDRAWN: [],
}


def problem_buttons(row, timeline: bool = True) -> Markup:
    """The next steps on a problem row (of ``views.problems.rows_with_names``) that the reader may
    take: the role's commands, each asked of the handlers' own permission rule (a leader, for
    instance, is offered 提级 only on the projects they lead)."""
    items = [(problem_timeline(row.id), "时间线", "info")] if timeline else []
    for name, label, style in PROBLEM_ACTIONS.get(row.status, []):
        if can(name) and may(name, row):
            items.append((command(name, id=row.id), label, style))
    return buttons(items)


def may(name: str, row) -> bool:
    from ..commands.problem_rules import ProblemState, ProjectFacts, check_permission
    from ..commands.problems import PERMISSIONS

    actor = current_actor()
    state = ProblemState(id=row.id, status=row.status, project=row.project, unit=row.unit,
                         responsible_unit=row.responsible_unit, leader=row.leader)
    facts = ProjectFacts(code=row.project, leader=row.project_leader) if row.project else None
    try:
        check_permission(actor, PERMISSIONS[name], state, facts)
    except Forbidden:
        return False
    return True


PROJECT_ACTIONS = [("submit_progress", "填报进度", "success"), ("change_stage", "变更阶段", "secondary"),
                   ("assign_leader", "挂联领导", "secondary"),
                   ("set_annual_plan", "年度计划", "secondary"),
                   ("record_stats_entry", "入库", "secondary"), ("raise_problem", "提出问题", "warning")]


def project_buttons(code: str, timeline: bool = True) -> Markup:
    items = [(project_timeline(code), "时间线", "info")] if timeline else []
    for name, label, style in PROJECT_ACTIONS:
        if can(name):
            items.append((command(name, code=code) if name != "raise_problem"
                          else command(name, project=code), label, style))
    return buttons(items)
