"""The home page (首页): my to-dos for my role, the half-year figures, and charts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import request, url_for
from flask_admin import AdminIndexView, expose
from markupsafe import Markup
from sqlalchemy import and_, func, literal_column, select

from ..domain.actors import ADMIN, DISPATCHER, INSPECTOR, LEADER, UNIT_REPORTER
from ..domain.statuses import ProblemStatus
from ..limits.web import InvalidInput
from ..projections.problems import overdue_condition, problems
from ..reports.summary import summary
from ..views.problems import rows_with_names as problem_rows
from ..views.projects import REPORTING_STAGES
from ..views.projects import rows_with_figures as project_rows
from ..views.reading import reading
from ..views.scope import Scope, scope_key
from .access import SecuredView
from .cache import cached
from .charts import Series, bar_chart, line_chart
from .links import problem_timeline, project_timeline
from .queries import default_period
from .vocab import LEVELS, PROBLEM_STATUSES, PROJECT_CATEGORIES, percent, status_badge

S = ProblemStatus
ITEMS = 6  # rows shown per to-do list; the rest is one click away in the ledger


@dataclass
class Todo:
    title: str
    count: int = 0
    items: list[tuple[str, str, Markup]] = field(default_factory=list)  # url, text, badge
    more: str | None = None


def summary_figures(conn, year: int, through: int) -> dict[str, Any]:
    """API.md's summary (``app/reports/summary.py``), computed once per appended event."""
    return cached(("summary", year, through), lambda _after: summary(conn, year, through))


class HomeView(SecuredView, AdminIndexView):
    @expose("/")
    def index(self):
        svc, actor = self.svc, self.actor()
        today = svc.today()
        with svc.engine.connect() as conn:
            year, through = default_period(conn, today)
        asked = request.args.get("year", type=int)
        if asked:
            if not 2000 <= asked <= 2100:
                raise InvalidInput("年度须在 2000 到 2100 之间。")
            year = asked
            through = request.args.get("through") or f"{year}-12"
        if not (len(through) == 7 and through[:4] == str(year) and "01" <= through[5:] <= "12"):
            through = f"{year}-12"

        def compute(after: int | None):
            with reading(svc, None, after) as (conn, _position):
                figures = (None if actor.role == UNIT_REPORTER
                           else summary_figures(conn, year, int(through[5:])))
                return (self._todos(conn, today.isoformat(), year, through), figures,
                        self._charts(conn, today.isoformat(), year, through, figures))

        # the counts and charts scan whole ledgers: computed once per appended event
        todos, figures, charts = cached(("home", scope_key(actor), today, year, through), compute)
        return self.render("duban/home.html", todos=todos, figures=figures, charts=charts,
                           year=year, through=through, percent=percent)

    # -- to-dos ------------------------------------------------------------
    def _problem_sections(self, today: str) -> list[tuple[str, Any, dict]]:
        """(title, condition on proj_problems, ledger filter); conditions on the table's own
        columns (overdue spelled out as the ledger's flag computes it), so indexes serve them."""
        role = self.actor().role
        p = problems
        overdue = overdue_condition(today)
        if role == UNIT_REPORTER:
            return [("本单位待办的问题", p.c.status == S.IN_PROGRESS, {"flt0_status": S.IN_PROGRESS}),
                    ("本单位逾期事项", overdue, {"flt0_overdue": "1"})]
        if role in (DISPATCHER, ADMIN):
            return [("待核验的解决情况", p.c.status == S.AWAITING_VERIFICATION,
                     {"flt0_status": S.AWAITING_VERIFICATION}),
                    ("待调度的问题", p.c.status == S.RAISED, {"flt0_status": S.RAISED}),
                    ("逾期事项", overdue, {"flt0_overdue": "1"})]
        if role == LEADER:
            return [("我联系的问题（办理中）", p.c.status == S.IN_PROGRESS, {}),
                    ("我联系的逾期事项", overdue, {})]
        if role == INSPECTOR:
            return [("逾期事项", overdue, {"flt0_overdue": "1"}),
                    ("督查发现问题整改中", and_(p.c.source == "inspection",
                                                p.c.status.in_(S.OPEN)),
                     {"flt0_source": "inspection"})]
        return []

    def _todos(self, conn, today: str, year: int, through: str) -> list[Todo]:
        scope = Scope(self.actor())
        p = problems
        mine = scope.problems(p.c.unit, p.c.responsible_unit, p.c.leader, p.c.project, mine=True)
        out: list[Todo] = []
        order = (p.c.deadline.is_(None), p.c.deadline, p.c.id)
        for title, cond, args in self._problem_sections(today):
            # one count per section, each over an index rather than a pass over every problem
            count = conn.execute(select(func.count()).select_from(p).where(mine, cond)).scalar()
            todo = Todo(title, count or 0, more=url_for("problems.index_view", **args))
            if count:
                # the first few by deadline: keys first (from the index), then their rows
                ids = list(conn.execute(select(p.c.id).where(mine, cond).order_by(*order)
                                        .limit(ITEMS)).scalars())
                src = problem_rows(today).where(p.c.id.in_(ids)).subquery("p")
                rows = conn.execute(
                    select(src.c.id, src.c.description, src.c.status, src.c.deadline,
                           src.c.responsible_unit_name)
                    .order_by(src.c.deadline.is_(None), src.c.deadline, src.c.id)).fetchall()
                todo.items = [(problem_timeline(r.id),
                               f"{r.id} {r.description[:28]}"
                               + (f"（时限 {r.deadline}）" if r.deadline else ""),
                               status_badge(r.status)) for r in rows]
            out.append(todo)
        if self.actor().role != INSPECTOR:
            out.append(self._missing_progress(conn, scope, year, through))
        from .tasks import task_todos  # the tasks' lights first: red, then yellow

        return task_todos(conn, self.actor(), date.fromisoformat(today), Todo, ITEMS) + out

    def _missing_progress(self, conn, scope: Scope, year: int, through: str) -> Todo:
        src = project_rows(year, through).subquery("pr")
        cond = and_(src.c.missing_progress == 1,
                    scope.projects(src.c.owner_unit, src.c.responsible_unit, src.c.leader,
                                   mine=True))
        count = conn.execute(select(func.count()).select_from(src).where(cond)).scalar() or 0
        rows = conn.execute(select(src.c.code, src.c.name, src.c.last_period).where(cond)
                            .order_by(src.c.code).limit(ITEMS)).fetchall()
        todo = Todo(f"{through} 未填报进度的项目", count,
                    more=url_for("projects.index_view", flt0_missing="1", year=year, through=through))
        todo.items = [(project_timeline(r.code), f"{r.code} {r.name}",
                       Markup('<span class="badge badge-light">最近 {}</span>').format(
                           r.last_period or "未填报")) for r in rows]
        return todo

    # -- charts ------------------------------------------------------------
    def _charts(self, conn, today: str, year: int, through: str,
                figures: dict | None) -> dict[str, Markup]:
        scope = Scope(self.actor())
        charts: dict[str, Markup] = {}
        cats = list(PROJECT_CATEGORIES)
        if figures and "investment" in figures:
            by = figures["investment"].get("by_category", {})
            plan = [by.get(c, {}).get("plan", 0) for c in cats]
            done = [by.get(c, {}).get("completed", 0) for c in cats]
        else:  # without the report: the same sums straight from the project ledger
            src = project_rows(year, through).subquery("pr")
            rows = {r.category: r for r in conn.execute(
                select(src.c.category, func.sum(src.c.plan).label("plan"),
                       func.sum(src.c.ytd).label("done"))
                .where(src.c.stage.in_(REPORTING_STAGES + ("completed",)),
                       scope.projects(src.c.owner_unit, src.c.responsible_unit, src.c.leader))
                .group_by(src.c.category))}
            plan = [rows[c].plan or 0 if c in rows else 0 for c in cats]
            done = [rows[c].done or 0 if c in rows else 0 for c in cats]
        charts["investment"] = bar_chart([PROJECT_CATEGORIES[c] for c in cats],
                                         [Series("年度计划", plan), Series("已完成", done)],
                                         "完成投资与计划（按类别，万元）", unit="万元")
        p = problems
        visible = scope.problems(p.c.unit, p.c.responsible_unit, p.c.leader, p.c.project)
        grid = {(r.level, r.status): r.n for r in conn.execute(
            select(p.c.level, p.c.status, func.count().label("n")).where(visible)
            .group_by(p.c.level, p.c.status))}
        levels = [None, 1, 2, 3]
        statuses = [*S.OPEN, S.RESOLVED]
        charts["problems"] = bar_chart(
            ["未调度"] + [LEVELS[lv] for lv in levels[1:]],
            [Series(PROBLEM_STATUSES[s], [grid.get((lv, s), 0) for lv in levels]) for s in statuses],
            "问题（按调度级别与状态）", stacked=True, unit="个", integer=True)
        months = [f"{year}-{m:02d}" for m in range(1, int(through[5:]) + 1)]
        raised, resolved = (self._per_month(conn, column, visible, year, through)
                            for column in (p.c.raised_on, p.c.resolved_on))
        charts["resolution"] = line_chart(
            [f"{int(m[5:])}月" for m in months],
            [Series("提出", [raised.get(m, 0) for m in months]),
             Series("销号", [resolved.get(m, 0) for m in months], "#4caf7a")],
            "问题提出与销号（按月）", integer=True)
        return charts

    @staticmethod
    def _per_month(conn, column, visible, year: int, through: str) -> dict[str, int]:
        # literal positions, not bound parameters: PostgreSQL must see the GROUP BY expression
        # exactly as selected
        month = func.substr(column, literal_column("1"), literal_column("7"))
        return dict(conn.execute(select(month, func.count())
                                 .where(visible, column >= f"{year}-01-01", column <= f"{through}-31")
                                 .group_by(month)).all())
