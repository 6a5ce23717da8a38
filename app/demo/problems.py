"""The dispatch side of the demonstration: meetings at the three levels, problems from raised
to resolved (or not yet), inspections and bulletins.

What it must add up to (the seed report): "1-5月，共调度问题项目24个，已解决落实问题19个" and
"开展纪律作风督查30次，发出督查通报2期". Thirty problems on 24 projects are dispatched from
January to May; 19 of them are verified by the end of May, as the 1-5月 report published on
5 June states; one more is verified in March and reopened in May. June adds two verifications
and one new problem project. In July one of the 19 is reopened: the live 1-5月 figure becomes
18, and the published report shows the difference and the reopening's position.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from .data import YEAR, District, Op, Project, Ref, d
from .names import DEMO_LEADER, GIVEN, INSPECTORS, LEADERS, SURNAMES, UNIT_NAMES, UNITS
from .wording import (ANSWERS, BULLETINS, CATEGORY_WEIGHTS, DISCIPLINE, ESCALATE_2, ESCALATE_3,
                      INSPECTION_FINDINGS, NOTE, PROBLEMS, PROJECT_CHECK, REJECT, REOPEN,
                      SELF_CHECK, URGE, VERIFY)

TITLES = dict(LEADERS)
HEADQUARTERS = [d(2, 26), d(4, 25), d(6, 27)]  # 区重大项目建设指挥部调度会 (三级调度)

# The course each of the 30 problems dispatched in January to May takes:
#   l1        dispatched at level 1, resolved                              9
#   l2        level 1, urged, escalated, level 2 by the leader, resolved    4
#   l3        up through all three levels, resolved                        2
#   direct2   raised at a leader's meeting, level 2, resolved              2
#   rejected  resolution rejected once, reported again, resolved           2
#   reopened  verified in March, reopened in May                           1
#   awaiting  resolution reported at the end of May (two verified in June) 3
#   open      in progress (one escalated to level 2)                       5
#   hq        raised and dispatched at the headquarters (level 3), open    2
COURSES = (["l1"] * 9 + ["l2"] * 4 + ["l3"] * 2 + ["direct2"] * 2 + ["rejected"] * 2
           + ["reopened"] + ["awaiting"] * 3 + ["open"] * 5 + ["hq"] * 2)
# raised between these days (inclusive), so that each course ends where it must
RAISED = {"l1": (d(1, 21), d(4, 28)), "l2": (d(1, 21), d(3, 20)), "direct2": (d(1, 21), d(4, 10)),
          "rejected": (d(1, 21), d(4, 5)), "reopened": (d(2, 1), d(2, 20)),
          "awaiting": (d(4, 1), d(4, 25)), "open": (d(3, 1), d(5, 10))}


def between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


class Script:
    """Collects the operations, and the meetings they refer to (one per level, chair and day)."""

    def __init__(self, rng: random.Random, district: District) -> None:
        self.rng = rng
        self.district = district
        self.ops: list[Op] = []
        self._meetings: dict[tuple, str] = {}
        self.heads = {code: person(rng) for code, _, _ in UNITS}
        self.townships = [code for code, _, kind in UNITS if kind == "township"]

    def meeting(self, level: int, day: date, chair: str, topic: str, attendees: list[str],
                actor: str) -> Ref:
        k = (level, chair, day)
        if k not in self._meetings:
            key = self._meetings[k] = f"meeting-{len(self._meetings) + 1:02d}"
            self.ops.append(Op(key, day, "hold_meeting", {
                "level": level, "date": day.isoformat(), "chair": chair, "topic": topic,
                "attendees": attendees}, actor, rank=0))
        return Ref(self._meetings[k])

    def unit_meeting(self, unit: str, day: date) -> Ref:
        return self.meeting(1, day, f"{self.heads[unit]}（{UNIT_NAMES[unit]}主要负责人）",
                            f"{UNIT_NAMES[unit]}重大项目一级调度会", [UNIT_NAMES[unit]], "dispatcher")

    def leader_meeting(self, leader: str, day: date, project: Project) -> Ref:
        return self.meeting(2, day, f"{leader}（{TITLES[leader]}）",
                            f"{leader}同志联系重大项目专题调度会（二级调度）",
                            [UNIT_NAMES[project.unit], "区发展和改革局"], f"leader:{leader}")

    def headquarters(self, day: date) -> Ref:
        n = HEADQUARTERS.index(day) + 1
        chair = f"{LEADERS[0][0]}（{LEADERS[0][1]}）"
        return self.meeting(3, day, chair, f"区重大项目建设指挥部{YEAR}年第{n}次调度会（三级调度）",
                            [name for name, _ in LEADERS[1:6]] + ["区级各部门", "各镇（街道）"],
                            "dispatcher")


class ProblemStory:
    """One problem's commands; remembers the unit that must act now (its reporter answers)."""

    def __init__(self, script: Script, n: int, project: Project, category: str,
                 texts: tuple[str, str, str]) -> None:
        self.s = script
        self.key = f"problem-{n:02d}"
        self.project = project
        self.category = category
        self.description, self.decision, self.resolution = texts
        self.unit = project.unit
        self._steps = 0

    def _op(self, day: date, command: str, actor: str, **payload) -> None:
        self._steps += 1
        self.s.ops.append(Op(f"{self.key}-{self._steps}", day, command,
                             {"id": Ref(self.key), **payload, "date": day.isoformat()}, actor))

    def answering_unit(self) -> str:
        who = ANSWERS[self.category]
        if who == "project":
            return self.project.unit
        if who == "township":
            p = self.project
            return p.unit if p.unit.startswith("XZ") else self.s.townships[int(p.code[-3:]) % 12]
        return who

    def raise_(self, day: date, source: str, inspection: Ref | None = None) -> None:
        actor = {"unit_report": f"unit:{self.project.unit}", "meeting": "dispatcher",
                 "inspection": "inspector"}[source]
        self.s.ops.append(Op(self.key, day, "raise_problem", {
            "category": self.category, "description": self.description, "source": source,
            "project": self.project.code, "inspection": inspection, "date": day.isoformat()},
            actor))

    def dispatch(self, day: date, level: int, meeting: Ref | None = None, days: int = 30) -> None:
        self.unit = self.answering_unit()
        leader = self.project.leader
        actor = f"leader:{leader}" if level == 2 else "dispatcher"
        prefix = {1: "", 2: f"{leader}同志调度议定：", 3: "指挥部会议议定："}[level]
        self._op(day, "dispatch_problem", actor, level=level, decision=prefix + self.decision,
                 responsible_unit=self.unit, deadline=(day + timedelta(days=days)).isoformat(),
                 responsible_person=self.s.heads[self.unit], meeting=meeting)

    def escalate(self, day: date, by_leader: bool = False) -> None:
        actor = f"leader:{self.project.leader}" if by_leader else "dispatcher"
        self._op(day, "escalate_problem", actor, reason=ESCALATE_3 if by_leader else ESCALATE_2)

    def note(self, day: date) -> None:
        self._op(day, "note_problem", f"unit:{self.unit}", note=self.s.rng.choice(NOTE))

    def urge(self, day: date) -> None:
        self._op(day, "urge_problem", "dispatcher", note=URGE)

    def report(self, day: date) -> None:
        self._op(day, "report_resolution", f"unit:{self.unit}", description=self.resolution)

    def verify(self, day: date) -> None:
        self._op(day, "verify_resolution", "dispatcher", note=VERIFY)

    def reject(self, day: date) -> None:
        self._op(day, "reject_resolution", "dispatcher", reason=REJECT)

    def reopen(self, day: date) -> None:
        self._op(day, "reopen_problem", "dispatcher", reason=REOPEN)


def _tell(story: ProblemStory, course: str, r: date, source: str, s: Script, k: int) -> None:
    """Write one problem's course from the day it was raised (the k-th problem of that course)."""
    rng, day = s.rng, lambda n: r + timedelta(days=n)
    at_meeting = source == "meeting"
    if course == "hq":
        story.dispatch(r, 3, s.headquarters(r), days=60)
        story.note(day(20))
        story.urge(day(45))
        return
    if course == "direct2":
        story.dispatch(r, 2, s.leader_meeting(story.project.leader, r, story.project), days=40)
        story.note(day(15))
        story.report(day(25))
        story.verify(day(30))
        return
    first = r if at_meeting else day(2)
    l1_meeting = s.unit_meeting(story.answering_unit(), first) if at_meeting or k % 3 == 0 else None
    story.dispatch(first, 1, l1_meeting, days=20 if course in ("l2", "l3") else 30)
    if course == "l1":
        story.note(day(9))
        story.report(day(16 + rng.randint(0, 4)))
        story.verify(day(22 + rng.randint(0, 3)))
    elif course == "l2":
        story.urge(day(15))
        story.escalate(day(22))
        story.dispatch(day(25), 2, s.leader_meeting(story.project.leader, day(25), story.project))
        story.report(day(45))
        story.verify(day(50))
    elif course == "l3":
        hq = HEADQUARTERS[0] if r < d(2, 1) else HEADQUARTERS[1]
        story.escalate(day(10))
        story.dispatch(day(13), 2, s.leader_meeting(story.project.leader, day(13), story.project))
        story.escalate(hq - timedelta(days=7), by_leader=True)
        story.dispatch(hq, 3, s.headquarters(hq), days=45)
        story.note(hq + timedelta(days=14))
        story.report(hq + timedelta(days=25))
        story.verify(hq + timedelta(days=29))
    elif course == "rejected":
        story.report(day(15))
        story.reject(day(18))
        story.note(day(25))
        story.report(day(35))
        story.verify(day(40))
    elif course == "reopened":
        story.report(day(20))
        story.verify(day(25))
        story.reopen(d(5, 8))
        story.note(d(5, 20))
    elif course == "awaiting":
        story.note(day(12))
        story.report(d(5, 27 + k))
        if k < 2:  # two of the three are verified in June
            story.verify(d(6, 5 + 7 * k))
    elif course == "open":
        if k == 0:  # taken up to the leader
            story.escalate(day(12))
            story.dispatch(day(15), 2, s.leader_meeting(story.project.leader, day(15),
                                                        story.project))
        else:
            story.note(day(10))
            story.urge(day(20))


def _problem_projects(rng: random.Random, district: District) -> tuple[list[Project], Project]:
    """24 projects with problems in January to May (six with two), one more in June."""
    # (not those whose leader was named only in February: a leader decides on his own projects)
    pool = [p for p in district.major if p.course != "prelim" and p.leader_later is None]
    # the demo leader's account must show a problem taken up at level 2
    mine = next(p for p in pool if p.leader == DEMO_LEADER and p.course in ("continuing", "started"))
    rest = rng.sample([p for p in pool if p is not mine], 24)
    return [mine] + rest[:23], rest[23]


def problem_ops(district: District, rng: random.Random) -> list[Op]:
    """Meetings, the 31 problems and their courses, inspections and bulletins."""
    s = Script(rng, district)
    projects, june_project = _problem_projects(rng, district)
    slots = projects + projects[1:7]  # 30 problems: six projects have two
    courses = COURSES[:]
    rng.shuffle(courses)
    courses.remove("l2")
    courses.insert(0, "l2")  # slot 0 is the demo leader's project
    findings = iter(INSPECTION_FINDINGS)
    # inspections find problems on sites under construction
    inspected = set(rng.sample([i for i, c in enumerate(courses) if c in ("l1", "open")
                                and slots[i].course in ("continuing", "started")], 4))
    at_meeting = set(rng.sample([i for i, c in enumerate(courses)
                                 if c == "l1" and i not in inspected], 2))
    cats, weights = zip(*CATEGORY_WEIGHTS.items())
    inspections: list[Op] = []  # the project inspections that found a problem
    hq_days = iter(HEADQUARTERS[:2])
    reopened_in_july: ProblemStory | None = None
    l3_days = iter([d(1, 21), d(3, 12)])  # up to the headquarters in February and in April
    for n, (project, course) in enumerate(zip(slots, courses), start=1):
        i = n - 1
        if i in inspected:
            category, *texts = next(findings)
        else:
            category = (rng.choice(["funding", "land"]) if project.course == "planned"
                        else rng.choices(cats, weights)[0])
            texts = rng.choice(PROBLEMS[category])
        story = ProblemStory(s, n, project, category, tuple(texts))
        if course == "hq":
            r, source = next(hq_days), "meeting"
        elif course == "l3":
            r, source = next(l3_days), "unit_report"
        elif course == "direct2":
            r, source = between(rng, *RAISED[course]), "meeting"
        else:
            r = between(rng, *RAISED[course])
            source = "inspection" if i in inspected else "meeting" if i in at_meeting else "unit_report"
        ref = None
        if source == "inspection":
            key = f"inspection-p{len(inspections) + 1}"
            finding = story.description.removeprefix("督查发现")
            inspections.append(Op(key, r, "record_inspection", {
                "kind": "project", "date": r.isoformat(), "inspectors": rng.sample(INSPECTORS, 2),
                "summary": PROJECT_CHECK.format(project=project.name) + "：" + finding,
                "targets": [project.unit]}, "inspector", rank=0))
            ref = Ref(key)
        story.raise_(r, source, ref)
        _tell(story, course, r, source, s, courses[:i].count(course))
        if course == "l1" and courses[:i].count(course) == 0:
            reopened_in_july = story
    # June: one more problem project, dispatched at level 1
    category = rng.choices(cats, weights)[0]
    june = ProblemStory(s, len(slots) + 1, june_project, category, rng.choice(PROBLEMS[category]))
    june.raise_(d(6, 10), "unit_report")
    june.dispatch(d(6, 12), 1)
    s.headquarters(HEADQUARTERS[2])  # the half-year review, whether or not a problem goes up
    # after the reports were sent: a problem verified in spring comes back (问题反弹)
    assert reopened_in_july is not None
    reopened_in_july.reopen(d(7, 3))
    return s.ops + oversight_ops(rng, inspections)


def oversight_ops(rng: random.Random, project_inspections: list[Op]) -> list[Op]:
    """Inspections in January to June — 纪律作风督查 30 (the seed's "纪律作风督查30次"), 自查自纠 6
    (易地扶贫搬迁自查自纠6次), 项目督查 6 — all by the report's day, and two bulletins."""
    ops = list(project_inspections)
    units = [code for code, _, _ in UNITS]
    for month in range(1, 7):
        for k, day in enumerate(sorted(rng.sample(range(3, 26), 5))):
            ops.append(Op(f"inspection-{month:02d}{k}", d(month, day), "record_inspection", {
                "kind": "discipline", "date": d(month, day).isoformat(),
                "inspectors": rng.sample(INSPECTORS, 2),
                "summary": rng.choice(DISCIPLINE).format(n=rng.randint(1, 4)),
                "targets": sorted(rng.sample(units, rng.randint(2, 4)))}, "inspector", rank=0))
        day = d(month, rng.randint(10, 20))
        ops.append(Op(f"inspection-{month:02d}s", day, "record_inspection", {
            "kind": "self_check", "date": day.isoformat(), "inspectors": [INSPECTORS[4]],
            "summary": SELF_CHECK.format(n=month), "targets": ["BM01", "XZ09", "XZ10"]},
            "inspector", rank=0))
    for n, day in enumerate([d(3, 15), d(5, 16)][:6 - len(project_inspections)], start=1):
        ops.append(Op(f"inspection-q{n}", day, "record_inspection", {
            "kind": "project", "date": day.isoformat(), "inspectors": rng.sample(INSPECTORS, 2),
            "summary": "对全区重大项目推进情况开展专项督查，项目总体按计划推进",
            "targets": ["BM02", "BM03", "BM07"]}, "inspector", rank=0))
    for (number, title), (first, last) in zip(BULLETINS, [(d(1, 1), d(3, 29)),
                                                           (d(4, 1), d(6, 20))]):
        covered = [Ref(op.key) for op in sorted(ops, key=lambda o: o.day)
                   if first <= op.day <= last and op.payload["kind"] != "self_check"]
        ops.append(Op(f"bulletin-{number}", last, "issue_bulletin", {
            "number": number, "title": title, "date": last.isoformat(), "inspections": covered},
            "inspector", rank=9))
    return ops
