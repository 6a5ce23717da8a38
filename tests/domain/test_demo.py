"""The demonstration district: loaded through the commands, it shows the seed report's figures."""
from __future__ import annotations

from sqlalchemy import select

from app.demo.load import DEMO_USERS, script
from app.events.store import EventStore
from app.projections.problems import problem_dispatches, problems
from tests.conftest import token_for


def test_script_is_deterministic_and_dated_in_2019():
    first, again = script(), script()
    assert [(op.key, op.payload) for op in first] == [(op.key, op.payload) for op in again]
    assert len({op.key for op in first}) == len(first)
    assert all(op.day.year == 2019 for op in first)


def _summary(client, headers, through: str) -> dict:
    r = client.get(f"/api/v1/reports/summary?year=2019&through={through}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_demo_shows_the_seed_figures(app, client, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "演示数据已加载" in result.output and "dispatcher123" in result.output

    headers = token_for(client, "dispatcher", "dispatcher123")
    june = _summary(client, headers, "2019-06")
    assert june["projects"] == {"major": 60, "with_leader": 60, "leader_coverage": 1.0}
    assert june["new_starts"] == {"planned": 27, "started": 16, "rate": 0.5926}
    assert june["stats_entry"] == {"new_entries": 48}
    assert june["double_half"] == {"units_with_task": 26, "units_behind": 16,
                                   "behind_ratio": 0.6154}
    assert june["reserve"]["count"] == 230 and june["reserve"]["total_investment"] > 0
    assert june["inspections"] == {"count": 30, "bulletins": 2}
    inv = june["investment"]
    assert 0.3 < inv["ratio"] < 0.7 and inv["completed"] > 0
    assert all(inv["by_category"][c]["plan"] > 0 for c in inv["by_category"])
    # "1-5月，共调度问题项目24个，已解决落实问题19个"
    may = _summary(client, headers, "2019-05")["dispatch"]
    assert may["problem_projects"] == 24 and may["problems_resolved"] == 19
    assert may["meetings"] > 0 and may["problems_dispatched"] >= 24

    svc = app.extensions["duban"]
    with svc.engine.connect() as conn:
        levels = set(conn.execute(select(problem_dispatches.c.level)).scalars())
        escalated = conn.execute(select(problems.c.id).where(problems.c.escalation_count > 0)).all()
        found = conn.execute(select(problems.c.id).where(problems.c.source == "inspection")).all()
    assert levels == {1, 2, 3} and escalated and found
    store: EventStore = svc.store
    # (the security log's login is dated the day it happened, as are users' creations)
    dated = [ev.business_date for ev in store.read_all()
             if ev.stream_type not in ("user", "security")]
    assert dated and all(day.startswith("2019-") for day in dated)

    for username, password, *_ in DEMO_USERS:  # every demo account logs in
        token_for(client, username, password)

    again = runner.invoke(args=["demo"])  # a second run changes nothing
    assert again.exit_code == 0 and "已有项目数据" in again.output
    assert _summary(client, headers, "2019-06") == june
