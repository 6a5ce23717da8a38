"""Plausibility of a month's investment (合理性校验): more than the project still has to invest
is refused unless confirmed, and a confirmed outlier is marked in the ledger."""
from __future__ import annotations

import io

from openpyxl import Workbook

from tests.admin.ui import UI

from .conftest import event_count

PROGRESS = "/api/v1/projects/XM001/progress"  # XM001: total investment 1,000 万元


def submit(client, auth, period, amount, **more):
    return client.post(PROGRESS, headers=auth, json={
        "period": period, "month_investment": amount, "image_progress": "施工中", **more})


def project(client, auth):
    return client.get("/api/v1/projects/XM001?year=2026", headers=auth).get_json()


def test_a_month_larger_than_what_is_left_is_refused_naming_the_figures(client, svc, auth):
    assert submit(client, auth, "2026-09", 600).status_code == 201
    before = event_count(svc)
    r = submit(client, auth, "2026-10", 400.01)
    assert r.status_code == 400
    message = r.get_json()["error"]["fields"]["month_investment"][0]
    assert "400.01" in message and "400.00" in message and "1,000.00" in message
    assert "600.00" in message and "confirm_outlier" in message and "确认异常" in message
    assert event_count(svc) == before
    # exactly what is left is plausible
    assert submit(client, auth, "2026-10", 400).status_code == 201


def test_a_typo_in_yuan_is_refused_on_the_first_month(client, svc, auth):
    r = submit(client, auth, "2026-10", 99_999_999)
    assert r.status_code == 400 and "万元" in r.get_json()["error"]["fields"]["month_investment"][0]


def test_a_confirmed_outlier_is_recorded_and_marked(client, svc, auth):
    r = submit(client, auth, "2026-10", 1500, confirm_outlier=True)
    assert r.status_code == 201, r.get_json()
    last = list(svc.store.read_all())[-1]
    assert last.type == "ProgressSubmitted" and last.data["outlier"] is True
    p = project(client, auth)
    assert p["outliers"] == 1
    assert [m["outlier"] for m in p["progress"]] == [True]
    listed = client.get("/api/v1/projects?year=2026", headers=auth).get_json()
    assert listed[0]["outliers"] == 1
    # a plausible month confirmed needlessly is not an outlier
    assert submit(client, auth, "2026-09", 1, confirm_outlier=True).status_code == 201
    assert project(client, auth)["outliers"] == 1
    assert "outlier" not in list(svc.store.read_all())[-1].data
    # a correction that brings the month back within bounds clears the mark
    assert submit(client, auth, "2026-10", 900, reason="单位填错").status_code == 201
    p = project(client, auth)
    assert p["outliers"] == 0 and [m["outlier"] for m in p["progress"]] == [False, False]
    # the rebuild folds the same
    assert submit(client, auth, "2026-11", 5000, confirm_outlier=True).status_code == 201
    live = project(client, auth)
    svc.projections.rebuild(svc.store)
    assert project(client, auth) == live and live["outliers"] == 1


def test_the_staff_ledger_shows_the_mark_and_the_form_confirms(client, svc, auth):
    ui = UI(client)
    ui.login("disp")
    url = "/admin/commands/submit_progress/?code=XM001"
    r = ui.submit(url, {"period": "2026-10", "month_investment": "2000", "image_progress": "施工中"})
    assert r.status_code == 200 and "超过项目尚未完成的投资" in r.text
    r = ui.submit(url, {"period": "2026-10", "month_investment": "2000", "image_progress": "施工中",
                        "confirm_outlier": "true"})
    assert r.status_code == 302
    page = ui.client.get("/admin/projects/?year=2026")
    assert "确认异常月数" in page.text and "badge badge-danger" in page.text


def test_an_excel_row_larger_than_what_is_left_is_refused_on_its_cell(client, svc, auth):
    wb = Workbook()
    ws = wb.active
    ws.append(["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题"])
    ws.append(["XM001", "2026-10", 5000, "施工中", None])
    data = io.BytesIO()
    wb.save(data)
    before = event_count(svc)
    r = client.post("/api/v1/imports/progress", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data.getvalue()), "进度.xlsx")})
    assert r.status_code == 400
    errors = r.get_json()["report"]["errors"]
    assert errors[0]["cell"] == "C2" and "超过项目尚未完成的投资" in errors[0]["message"]
    assert event_count(svc) == before


def test_an_excel_row_confirmed_in_its_column_is_recorded_as_an_outlier(client, svc, auth):
    wb = Workbook()
    ws = wb.active
    ws.append(["项目编码", "填报月份", "本月完成投资（万元）", "形象进度", "存在问题", "确认异常"])
    ws.append(["XM001", "2026-09", 800, "施工中", None, None])
    ws.append(["XM001", "2026-10", 5000, "施工中", None, "是"])
    data = io.BytesIO()
    wb.save(data)
    r = client.post("/api/v1/imports/progress", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data.getvalue()), "进度.xlsx")})
    assert r.status_code == 201, r.get_json()
    p = project(client, auth)
    assert p["outliers"] == 1 and [m["outlier"] for m in p["progress"]] == [False, True]
