"""Rebuild equals live, and as-of equals the live answer of that moment (property tests)."""
from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from app import schema
from app.bootstrap import Services, bootstrap
from app.domain.actors import ADMIN, DISPATCHER, INSPECTOR, SYSTEM, UNIT_REPORTER, Actor
from app.domain.errors import CommandError
from tests.conftest import FakeClock, _clean_pg

DISPATCH = Actor("disp", DISPATCHER)
INSPECT = Actor("insp", INSPECTOR)
REPORT = Actor("admin", ADMIN)

KINDS = ["unit", "task", "project", "project", "plan", "stage", "leader", "progress", "progress",
         "stats", "meeting", "problem", "problem", "dispatch", "dispatch", "escalate", "note",
         "urge", "extend", "resolve", "verify", "reject", "reopen", "withdraw", "inspection",
         "bulletin", "snapshot", "life", "duban", "duban", "lists", "funding", "publish"]
STAGES = ["reserve", "preliminary", "planned_new", "new_start", "continuing", "completed"]
CATEGORIES = ["provincial", "municipal", "district", "key_push"]

ops_strategy = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 99), st.integers(0, 99)),
                        min_size=10, max_size=60)


def dump(svc: Services, conn) -> dict[str, list[tuple]]:
    return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
            for t in svc.projections.tables}


class World:
    """Turns random intents into commands against what exists so far."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.units: list[str] = []
        self.projects: list[str] = []
        self.problems: list[str] = []
        self.meetings: list[str] = []
        self.inspections: list[str] = []
        self.bulletins = 0
        self.snapshots: list[tuple[int, dict]] = []
        self.day = date(2019, 1, 1)

    def run(self, name: str, payload: dict, actor: Actor = DISPATCH) -> dict | None:
        try:
            return self.svc.bus.execute(name, payload, actor)
        except CommandError:
            return None  # refusals append nothing; the property still has to hold

    def apply(self, kind: str, a: int, b: int) -> None:
        # business dates move forward as a real history does (a decision follows what it decides on)
        self.day += timedelta(days=a % 3)
        day = self.day.isoformat()
        pick = lambda seq, i: seq[i % len(seq)] if seq else None  # noqa: E731
        if kind == "unit":
            code = f"U{len(self.units) + 1:02d}"
            if self.run("register_unit", {"code": code, "name": f"单位{code}", "kind": "township"}):
                self.units.append(code)
        elif kind == "task" and self.units:
            self.run("set_investment_task", {"code": pick(self.units, a), "year": 2019,
                                             "amount": float(a * 100 + b)})
        elif kind == "project" and self.units:
            code = f"XM{len(self.projects) + 1:03d}"
            r = self.run("register_project", {
                "code": code, "name": f"项目{code}", "category": CATEGORIES[a % 4],
                "stage": STAGES[b % 5], "owner_unit": pick(self.units, a),
                "responsible_unit": pick(self.units, b), "total_investment": float(a * 1000 + 1),
                "leader": f"领导{b % 3}" if a % 2 else None, "date": day})
            if r:
                self.projects.append(code)
        elif kind == "plan" and self.projects:
            self.run("set_annual_plan", {"code": pick(self.projects, a), "year": 2019,
                                         "planned_investment": float(b * 50 + 10)})
        elif kind == "stage" and self.projects:
            self.run("change_stage", {"code": pick(self.projects, a), "stage": STAGES[b % 6],
                                      "date": day})
        elif kind == "leader" and self.projects:
            self.run("assign_leader", {"code": pick(self.projects, a), "leader": f"领导{b % 4}",
                                       "date": day})
        elif kind == "progress" and self.projects:
            self.run("submit_progress", {"code": pick(self.projects, a),
                                         "period": f"2019-{b % 6 + 1:02d}",
                                         "month_investment": float(a + b), "image_progress": "施工中",
                                         "reason": "更正", "date": day})
        elif kind == "stats" and self.projects:
            self.run("record_stats_entry", {"code": pick(self.projects, a), "date": day})
        elif kind == "meeting":
            r = self.run("hold_meeting", {"level": a % 3 + 1, "date": day, "chair": "区长",
                                          "topic": "调度会", "attendees": ["甲", "乙"]})
            if r:
                self.meetings.append(r["id"])
        elif kind == "problem":
            payload = {"category": "funding", "description": f"问题{a}", "source": "unit_report",
                       "date": day}
            if self.projects and a % 3:
                payload["project"] = pick(self.projects, b)
            r = self.run("raise_problem", payload)
            if r:
                self.problems.append(r["id"])
        elif kind == "dispatch" and self.problems and self.units:
            payload = {"id": pick(self.problems[-3:], a), "level": b % 3 + 1, "decision": "限期解决",
                       "responsible_unit": pick(self.units, b), "deadline": "2019-12-31",
                       "date": day}
            if self.meetings and b % 2:
                payload["meeting"] = pick(self.meetings, a)
            self.run("dispatch_problem", payload)
        elif kind == "extend" and self.problems:
            self.run("extend_deadline", {"id": pick(self.problems, a), "deadline": "2027-06-30",
                                         "reason": "延期"})
        elif kind in ("escalate", "note", "urge", "resolve", "verify", "reject", "reopen",
                      "withdraw") and self.problems and (kind != "withdraw" or b % 10 == 0):
            name, field = {
                "escalate": ("escalate_problem", "reason"), "note": ("note_problem", "note"),
                "urge": ("urge_problem", "note"), "resolve": ("report_resolution", "description"),
                "verify": ("verify_resolution", "note"), "reject": ("reject_resolution", "reason"),
                "reopen": ("reopen_problem", "reason"), "withdraw": ("withdraw_problem", "reason"),
            }[kind]
            # the latest few problems, so that whole lives (to verified and reopened) occur; a
            # resolution is reported by someone other than the dispatcher who verifies it
            self.run(name, {"id": pick(self.problems[-3:], a), field: "说明", "date": day},
                     REPORT if kind == "resolve" else DISPATCH)
        elif kind == "lists" and self.projects:
            self.run("set_project_lists", {"code": pick(self.projects, a),
                                           "lists": [CATEGORIES[b % 4], CATEGORIES[a % 4]][:b % 3],
                                           "date": day})
        elif kind == "funding" and self.projects:
            self.run("record_funding", {"code": pick(self.projects, a),
                                        "source": ["central_budget", "self_and_other"][b % 2],
                                        "stage": ["applied", "approved", "received"][a % 3],
                                        "amount": float(b + 1), "date": day})
        elif kind == "publish":
            self.run("publish_summary", {"year": 2019, "through": f"2019-0{a % 6 + 1}",
                                         "title": "工作汇总", "date": day})
        elif kind == "inspection":
            r = self.run("record_inspection", {"kind": "discipline", "date": day,
                                               "inspectors": ["纪检组"], "summary": "督查",
                                               "targets": self.units[:2]}, INSPECT)
            if r:
                self.inspections.append(r["id"])
        elif kind == "bulletin" and self.inspections:
            self.bulletins += 1
            self.run("issue_bulletin", {"number": f"2019-{self.bulletins}", "title": "通报",
                                        "date": day, "inspections": self.inspections[-1:]},
                     INSPECT)
        elif kind == "life" and self.units:
            # one whole life in a row: raised, dispatched, resolved, verified, perhaps reopened
            r = self.run("raise_problem", {"category": "land", "description": "用地指标",
                                           "source": "meeting", "date": day})
            if r:
                self.problems.append(r["id"])
                steps = [("dispatch_problem", {"level": a % 3 + 1, "decision": "协调解决",
                                               "responsible_unit": pick(self.units, a),
                                               "deadline": "2019-12-31"}),
                         ("report_resolution", {"description": "已解决"}),
                         ("verify_resolution", {"note": "核验通过"})]
                if b % 2:
                    steps.append(("reopen_problem", {"reason": "问题反复"}))
                for name, payload in steps:
                    self.run(name, {"id": r["id"], "date": day, **payload},
                             REPORT if name == "report_resolution" else DISPATCH)
        elif kind == "duban" and len(self.units) >= 2:
            self.task_life(day, a, b)
        elif kind == "snapshot":
            with self.svc.engine.connect() as conn:
                self.snapshots.append((self.svc.store.head(conn)[0], dump(self.svc, conn)))


    def task_life(self, day: str, a: int, b: int) -> None:
        """A task (督办事项) taken some way along its life; the steps picked by a and b."""
        lead, co = self.units[a % len(self.units)], self.units[(a + 1) % len(self.units)]
        r = self.run("register_task", {"title": f"事项{a}", "source": "meeting", "lead_unit": lead,
                                       "co_units": [co], "deadline": "2019-12-31", "date": day,
                                       "feedback_cycle": ("none", "weekly", "monthly")[b % 3]})
        if not r:
            return
        rep, co_rep = Actor("rep", UNIT_REPORTER, unit=lead), Actor("rep2", UNIT_REPORTER, unit=co)
        steps = [("acknowledge_task", {}, co_rep), ("acknowledge_task", {}, rep),
                 ("give_task_feedback", {"progress": "推进中"}, rep),
                 ("urge_task", {"note": "请加快"}, DISPATCH),
                 ("request_task_extension", {"deadline": "2020-01-31", "reason": "延期"}, rep),
                 ("decide_task_extension", {"approve": bool(b % 2), "note": "审批"}, DISPATCH),
                 ("report_task_completion", {"report": "已办结"}, rep),
                 ("send_back_task" if b % 4 == 0 else "accept_task_completion",
                  {"reason": "重办"} if b % 4 == 0 else {"note": "同意"}, DISPATCH),
                 ("evaluate_task", {"rating": ("satisfied", "unsatisfied")[a % 2]}, DISPATCH),
                 ("reassign_task", {"lead_unit": co, "reason": "改派"}, DISPATCH),
                 ("return_task", {"reason": "非本单位"}, co_rep),
                 ("withdraw_task", {"reason": "撤销"}, DISPATCH)]
        for name, payload, actor in steps[:b % len(steps) + 1]:
            self.run(name, {"id": r["id"], "date": day, **payload}, actor)
        self.run("record_task_light", {"id": r["id"]}, SYSTEM)


@pytest.fixture
def fresh(database_url):
    """A function making a fresh, migrated database for each generated example."""
    made: list[Services] = []

    def make() -> Services:
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'p.sqlite3'}"
        else:
            _clean_pg(database_url)
            url = database_url
        svc = bootstrap(url, clock=FakeClock(datetime(2026, 11, 25, 1, tzinfo=timezone.utc)))
        schema.upgrade(svc.engine)
        svc.projections.rebuild(svc.store)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.engine.dispose()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=ops_strategy)
def test_rebuild_equals_live_and_as_of_equals_then(fresh, ops):
    svc = fresh()
    world = World(svc)
    for op in ops:
        world.apply(*op)
    with svc.engine.connect() as conn:
        live = dump(svc, conn)
    svc.projections.rebuild(svc.store)
    with svc.engine.connect() as conn:
        assert dump(svc, conn) == live
    for position, then in world.snapshots:
        with svc.projections.snapshot(svc.store, position).connect() as conn:
            assert dump(svc, conn) == then


def test_a_rebuild_and_an_as_of_snapshot_have_every_index_declared(fresh):
    svc = fresh()
    declared = {t.name: {i.name for i in t.indexes} for t in svc.projections.tables if t.indexes}
    svc.projections.rebuild(svc.store)
    snapshot = svc.projections.snapshot(svc.store, 0)
    for engine in (svc.engine, snapshot):
        found = inspect(engine)
        # a snapshot from a checkpoint reads the checkpoint's tables, attached in place
        schema = "checkpoint" if "checkpoint" in found.get_schema_names() else None
        assert {name: {i["name"] for i in found.get_indexes(name, schema=schema)}
                for name in declared} == declared
