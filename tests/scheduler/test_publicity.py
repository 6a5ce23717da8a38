"""The monthly fast/slow list (红黑榜): ranked against time elapsed, published once, with its xlsx."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from app.commands.jobs import rank_fast_slow
from tests.conftest import make_user, token_for
from tests.scheduler.conftest import at, events_of, plan, progress, project, unit


def test_thresholds_in_points():
    rows = [{"project": c, "name": c, "unit": "U", "plan": 100.0, "ytd": y}
            for c, y in [("A", 61), ("B", 60), ("C", 59.9), ("D", 40), ("E", 39.99), ("F", 0)]]
    fast, slow = rank_fast_slow(rows, 6, 10, 10)
    assert [(e["project"], e["rank"]) for e in fast] == [("A", 1), ("B", 2)]  # ≥ 50% + 10
    assert [(e["project"], e["rank"]) for e in slow] == [("F", 1), ("E", 2)]  # < 50% − 10
    assert fast[1] == {"project": "B", "name": "B", "unit": "U", "plan": 100.0, "ytd": 60.0,
                       "ratio": 0.6, "expected": 0.5, "rank": 2}
    fast, slow = rank_fast_slow(rows, 6, 20, 5)
    assert [e["project"] for e in fast] == [] and [e["project"] for e in slow] == ["F", "E", "D"]


def build(svc, clock) -> None:
    at(clock, "2019-01-02 10:00")
    unit(svc, "U01", "城南镇")
    unit(svc, "U02", "城北镇")
    figures = {"XM01": ("U01", 720), "XM02": ("U02", 600), "XM03": ("U01", 480),
               "XM04": ("U02", 360), "XM05": ("U01", 0)}
    for code, (u, _) in figures.items():
        project(svc, code, u, name=f"重大项目{code[-1]}")
        plan(svc, code, 1000)
    project(svc, "XM09", "U02", stage="reserve")
    plan(svc, "XM09", 1000)  # a reserve project is not ranked
    at(clock, "2019-07-08 10:00")
    for code, (_, total) in figures.items():
        if total:
            for month in range(1, 7):
                # XM04 first reports 300 for June, then corrects it: the correction counts
                first = 300 if (code, month) == ("XM04", 6) else total / 6
                progress(svc, code, f"2019-{month:02d}", first)
    progress(svc, "XM03", "2019-07", 900)  # July does not count for June's list
    progress(svc, "XM04", "2019-06", 60, reason="更正")


def test_publish_once_with_figures_and_file(services, clock, run, settings):
    build(services, clock)
    at(clock, "2019-07-14 09:00")
    assert run("publicity")["events"] == 0  # before PUBLICITY_DAY

    at(clock, "2019-07-15 09:00")
    result = run("publicity")
    assert result["outcome"] == "ok" and result["events"] == 1
    [ev] = events_of(services, "FastSlowListPublished")
    assert ev.stream_id == "publicity:2019-06" and ev.business_date == "2019-07-15"
    assert ev.meta["actor"] == "system"
    fast, slow = ev.data["fast"], ev.data["slow"]
    assert [(e["rank"], e["project"], e["ratio"]) for e in fast] == [(1, "XM01", 0.72),
                                                                     (2, "XM02", 0.6)]
    assert [(e["rank"], e["project"], e["ratio"]) for e in slow] == [(1, "XM05", 0.0),
                                                                     (2, "XM04", 0.36)]
    assert fast[0] == {"rank": 1, "project": "XM01", "name": "重大项目1", "unit": "U01",
                       "unit_name": "城南镇", "ytd": 720.0, "plan": 1000.0, "ratio": 0.72,
                       "expected": 0.5}
    basis = ev.data["basis"]
    assert basis["year"] == 2019 and basis["months"] == 6 and basis["expected"] == 0.5
    assert basis["fast_points"] == basis["slow_points"] == 10 and basis["ranked"] == 5
    assert basis["head_position"] == ev.position - 1

    assert run("publicity")["events"] == 0  # idempotent
    at(clock, "2019-07-20 09:00")
    assert run("publicity")["events"] == 0
    assert len(events_of(services, "FastSlowListPublished")) == 1

    path = Path(settings.instance_path) / "publicity" / "2019-06.xlsx"
    sheet = openpyxl.load_workbook(path).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "2019年6月重大项目进展情况公示" and "发布日期" in rows[1][0]
    assert rows[2][:4] == ("榜单", "排名", "项目编码", "项目名称")
    assert [(r[0], r[1], r[2]) for r in rows[3:7]] == [
        ("进展较快（红榜）", 1, "XM01"), ("进展较快（红榜）", 2, "XM02"), ("进展较慢（黑榜）", 1, "XM05"),
        ("进展较慢（黑榜）", 2, "XM04")]
    assert sheet["A3"].font.b and sheet.page_setup.orientation == "landscape"  # the export's form
    path.unlink()  # a lost file is written again on the next run, with nothing appended
    assert run("publicity")["events"] == 0 and path.exists()


def test_led_board_queries(app, client, clock, app_run):
    svc = app.extensions["duban"]
    build(svc, clock)
    make_user(svc, "rep", "unit_reporter", unit="U01")
    headers = token_for(client, "rep")
    assert client.get("/api/v1/publicity/latest", headers=headers).status_code == 404
    at(clock, "2019-07-15 09:00")
    app_run("publicity")
    published = clock.now.isoformat()
    latest = client.get("/api/v1/publicity/latest", headers=headers).get_json()
    assert latest["period"] == "2019-06" and latest["published_on"] == "2019-07-15"
    assert [e["project"] for e in latest["fast"]] == ["XM01", "XM02"]
    assert latest["basis"]["expected"] == 0.5
    assert client.get("/api/v1/publicity?period=2019-06", headers=headers).get_json() == latest
    r = client.get("/api/v1/publicity?period=2019-05", headers=headers)
    assert r.status_code == 404 and "尚未发布" in r.get_json()["error"]["message"]
    assert client.get("/api/v1/publicity?period=2019-13", headers=headers).status_code == 400
    assert client.get("/api/v1/publicity", headers=headers).status_code == 400
    assert client.get("/api/v1/publicity/latest").status_code == 401

    at(clock, "2019-08-15 09:00")
    app_run("publicity")
    assert client.get("/api/v1/publicity/latest", headers=headers).get_json()["period"] == "2019-07"
    then = client.get("/api/v1/publicity/latest", query_string={"as_of": published},
                      headers=headers).get_json()
    assert then == latest


@pytest.mark.parametrize("points, fast", [(10, ["XM01", "XM02"]), (15, ["XM01"])])
def test_thresholds_from_config(services, clock, run, points, fast):
    build(services, clock)
    at(clock, "2019-07-15 09:00")
    run("publicity", fast_points=points)
    [ev] = events_of(services, "FastSlowListPublished")
    assert [e["project"] for e in ev.data["fast"]] == fast
    assert ev.data["basis"]["fast_points"] == points
