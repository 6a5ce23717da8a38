"""Excel in and out (issue 5), on SQLite and on PostgreSQL.

export: the problem ledger (问题台账) of BENCH_LEDGER_ROWS (default 100,000) problems, written by
``run_export`` (what ``flask export ledger`` runs) in a fresh process, so that its peak RSS is the
export's own; the figure before the export, with the app loaded, is printed next to it, and a
second run under tracemalloc gives the most the export itself holds on the Python heap. The
ledger's rows are written straight into the projection table the export reads: 100,000
raise/dispatch commands would only measure the command layer again (bench domain does that).

import: a BENCH_IMPORT_ROWS (default 5,000) row monthly progress sheet, 500 projects × 10 months
with a problem on one row in twenty, checked and applied in one transaction through the
handlers; then the same file again, which must change nothing.

Targets: export under 10 s and under 300 MB; import under 15 s.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

from openpyxl import Workbook

from app import schema
from app.bootstrap import bootstrap
from app.domain.actors import ADMIN, Actor
from app.excel import import_kinds
from app.excel.importing import import_file
from app.projections.problems import problems
from app.projections.projects import projects
from app.projections.units import units

from .scratch import scratch_databases

LEDGER_ROWS = int(os.environ.get("BENCH_LEDGER_ROWS", "100000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))
PROJECTS = 500
TARGETS = {"export_s": 10.0, "export_mb": 300.0, "import_s": 15.0}
ACTOR = Actor("bench", ADMIN)
STATUSES = ("raised", "in_progress", "awaiting_verification", "resolved", "withdrawn")


# -- export ----------------------------------------------------------------------------------
def seed_ledger(svc, n: int) -> None:
    """n problems in the ledger's projection tables, with units and projects to join to."""
    start = date(2025, 1, 1)
    with svc.engine.begin() as conn:
        conn.execute(units.insert(), [{"code": f"U{u:02d}", "name": f"第{u}责任单位",
                                       "kind": "department", "registered_on": "2025-01-01",
                                       "version": 1} for u in range(30)])
        conn.execute(projects.insert(), [{
            "code": f"XM{p:04d}", "name": f"重大项目{p}号（城区道路改造及配套工程）",
            "category": "district", "stage": "continuing", "owner_unit": f"U{p % 30:02d}",
            "responsible_unit": f"U{p % 30:02d}", "leader": "张志强", "total_investment": 12000.0,
            "planned_start": None, "registered_on": "2025-01-01", "stats_entry_on": None,
            "last_period": None, "version": 1} for p in range(1000)])
        batch = []
        for i in range(n):
            raised = start + timedelta(days=i % 600)
            status = STATUSES[i % 5]
            dispatched = status != "raised"
            batch.append({
                "id": f"P{i + 1:06d}", "project": f"XM{i % 1000:04d}", "inspection": None,
                "category": "funding", "description": f"项目资金缺口约{i % 900 + 100}万元，需协调解决",
                "source": "unit_report", "status": status, "level": 1 + i % 3 if dispatched else None,
                "unit": f"U{i % 30:02d}", "responsible_unit": f"U{(i * 7) % 30:02d}" if dispatched else None,
                "responsible_person": "李明" if dispatched else None,
                "leader": "张志强" if dispatched else None,
                "decision": "由责任单位牵头，会同财政、自然资源部门限期办结" if dispatched else None,
                "meeting": None, "deadline": (raised + timedelta(days=30)).isoformat() if dispatched else None,
                "overdue_recorded": None, "raised_on": raised.isoformat(),
                "first_dispatched_on": raised.isoformat() if dispatched else None,
                "resolution_reported_on": None,
                "resolved_on": (raised + timedelta(days=20)).isoformat() if status == "resolved" else None,
                "days_to_resolve": 20 if status == "resolved" else None,
                "dispatch_count": int(dispatched), "escalation_count": i % 2, "urge_count": i % 4,
                "extension_count": 0, "note_count": 0, "rejection_count": 0, "reopen_count": 0,
                "withdrawn_on": raised.isoformat() if status == "withdrawn" else None,
                "last_action_on": raised.isoformat(), "version": 3})
            if len(batch) == 5000:
                conn.execute(problems.insert(), batch)
                batch = []
        if batch:
            conn.execute(problems.insert(), batch)


_CHILD = """
import json, resource, sys, time
from app import create_app
from app.domain.actors import ADMIN, Actor
from app.excel.exports import run_export


def peak_kb():
    # Linux keeps ru_maxrss across exec, so a child of a big process would report the parent's;
    # VmHWM belongs to this program alone
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


app = create_app({"DATABASE_URL": sys.argv[1]})
svc = app.extensions["duban"]
before = peak_kb()
t = time.perf_counter()
with open(sys.argv[2], "wb") as fh:
    n = run_export(svc, "ledger", fh, Actor("bench", ADMIN))
seconds = time.perf_counter() - t
peak = peak_kb()
# again, with tracemalloc: the Python heap the export itself allocates at most (slower run)
import tracemalloc
tracemalloc.start()
with open(sys.argv[2], "wb") as fh:
    run_export(svc, "ledger", fh, Actor("bench", ADMIN))
heap = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
# what the same rows take held as one list, next to it
from app.views.problems import export_rows
from app.views.scope import Scope
tracemalloc.start()
with svc.engine.connect() as conn:
    rows = conn.execute(export_rows(Scope(Actor("bench", ADMIN)))).all()
    whole = tracemalloc.get_traced_memory()[0]
print(json.dumps({"rows": n, "seconds": seconds, "before_kb": before, "peak_kb": peak,
                  "heap_mb": heap / 1048576, "list_mb": whole / 1048576}))
"""


def bench_export(url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "ledger.xlsx")
        out = subprocess.run([sys.executable, "-c", _CHILD, url, target], capture_output=True,
                             text=True, check=True, cwd=os.getcwd())
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["size_mb"] = os.path.getsize(target) / 1048576
    return result


# -- import ----------------------------------------------------------------------------------
def months_before(today: date, n: int) -> list[str]:
    """The n months before this one, oldest first."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        out.append(f"{y:04d}-{m:02d}")
    return out[::-1]


def sheet(header: list[str], rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["重大项目月度进度填报表"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bench_import(svc) -> dict:
    for u in range(10):
        svc.bus.execute("register_unit", {"code": f"U{u:02d}", "name": f"单位{u}",
                                          "kind": "township"}, ACTOR)
    kinds = import_kinds()
    project_header = ["项目编码", "项目名称", "项目类别", "项目阶段", "业主单位", "责任单位",
                      "联系县级领导", "总投资（万元）", "年度", "年度计划投资（万元）"]
    year = svc.today().year
    project_rows = [[f"XM{p:04d}", f"重大项目{p}号", "区级重大", "续建", f"U{p % 10:02d}",
                     f"单位{p % 10}", "张志强", 12000, year, 3000] for p in range(PROJECTS)]
    t = time.perf_counter()
    result = import_file(svc, kinds["projects"], sheet(project_header, project_rows), ACTOR)
    projects_s = time.perf_counter() - t
    assert result.ok, result.report["message"]
    periods = months_before(svc.today(), max(1, IMPORT_ROWS // PROJECTS))
    rows = []
    for i in range(IMPORT_ROWS):
        p, m = i % PROJECTS, i // PROJECTS
        rows.append([f"XM{p:04d}", periods[m % len(periods)], round(80 + (i % 37) * 3.5, 2),
                     f"主体结构施工至第{m + 1}层，形象进度约{(m + 1) * 9}%",
                     f"施工用地尚有{i % 5 + 1}户未完成征迁" if i % 20 == 0 else None])
    data = sheet(["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题"], rows)
    t = time.perf_counter()
    result = import_file(svc, kinds["progress"], data, ACTOR)
    import_s = time.perf_counter() - t
    assert result.ok, result.report["message"]
    events = result.report["events"]
    t = time.perf_counter()
    again = import_file(svc, kinds["progress"], data, ACTOR)
    again_s = time.perf_counter() - t
    assert again.ok and again.report["events"] == 0, again.report["message"]
    return {"projects_s": projects_s, "import_s": import_s, "events": events, "again_s": again_s,
            "size_mb": len(data) / 1048576}


def run() -> None:
    print(f"bench excel: export a {LEDGER_ROWS:,}-row problem ledger; import a {IMPORT_ROWS:,}-row "
          f"progress sheet", flush=True)
    results = []
    for db, make in scratch_databases():
        url, _ = make()
        svc = bootstrap(url)
        try:
            schema.upgrade(svc.engine)
            svc.projections.ensure(svc.store)
            t = time.perf_counter()
            seed_ledger(svc, LEDGER_ROWS)
            print(f"  {db}: ledger seeded in {time.perf_counter() - t:.1f} s", flush=True)
            ex = bench_export(url)
        finally:
            svc.engine.dispose()
        url, _ = make()
        svc = bootstrap(url)
        try:
            schema.upgrade(svc.engine)
            svc.projections.ensure(svc.store)
            im = bench_import(svc)
        finally:
            svc.engine.dispose()
        results.append((db, ex, im))

    print()
    print(f"{'database':<11} {'measure':<52} {'value':>12}  target")
    for db, ex, im in results:
        peak, base = ex["peak_kb"] / 1024, ex["before_kb"] / 1024
        lines = [
            (f"export ledger, {ex['rows']:,} rows ({ex['size_mb']:.1f} MB xlsx)",
             f"{ex['seconds']:.2f} s", ex["seconds"] < TARGETS["export_s"], "< 10 s"),
            (f"export peak RSS (app loaded before export: {base:.0f} MB)", f"{peak:.0f} MB",
             peak < TARGETS["export_mb"], "< 300 MB"),
            ("export peak Python heap (tracemalloc)", f"{ex['heap_mb']:.1f} MB", None, ""),
            ("the same rows held as one list (tracemalloc)", f"{ex['list_mb']:.1f} MB", None, ""),
            (f"import progress, {IMPORT_ROWS:,} rows → {im['events']:,} events",
             f"{im['import_s']:.2f} s", im["import_s"] < TARGETS["import_s"], "< 15 s"),
            ("same file again (nothing changes)", f"{im['again_s']:.2f} s", None, ""),
            (f"import project list, {PROJECTS} rows (+ plans)", f"{im['projects_s']:.2f} s",
             None, ""),
        ]
        for what, value, ok, target in lines:
            mark = "" if ok is None else ("ok" if ok else "MISSED")
            print(f"{db:<11} {what:<52} {value:>12}  {target} {mark}")


if __name__ == "__main__":
    run()
