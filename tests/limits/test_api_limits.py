"""API.md, Security, "Limits": each a 4xx with a Chinese message, and nothing appended."""
from __future__ import annotations

import io
import json

import pytest

from .conftest import event_count

PROGRESS = "/api/v1/projects/XM001/progress"


def progress(**over) -> dict:
    body = {"period": "2026-10", "month_investment": 10, "image_progress": "施工中"}
    body.update(over)
    return body


def refused(r, status: int = 400) -> dict:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    body = r.get_json()
    assert body["error"]["message"] and any("\u4e00" <= ch <= "\u9fff"
                                            for ch in body["error"]["message"]), body
    return body["error"]


# -- body size ------------------------------------------------------------------------
def test_a_body_over_one_megabyte_is_413_before_it_is_read(client, svc, auth):
    before = event_count(svc)
    big = json.dumps(progress(image_progress="进" * (1024 * 1024)))
    refused(client.post(PROGRESS, data=big, content_type="application/json", headers=auth), 413)
    # the login too: a 50 MB password is never read into memory
    r = client.post("/api/v1/auth/token", data=b'{"username": "disp", "password": "' +
                    b"x" * (50 * 1024 * 1024) + b'"}', content_type="application/json")
    refused(r, 413)
    assert event_count(svc) == before


def test_an_excel_upload_keeps_its_own_limit(client, svc, auth, app):
    # 2 MB is over the JSON limit but under EXCEL_MAX_BYTES (10 MB): read, then judged as a file
    r = client.post("/api/v1/imports/projects/check", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"PK\x03\x04" + b"0" * 2_000_000), "a.xlsx")})
    assert r.status_code == 200 and r.get_json()["ok"] is False  # read, and judged not a workbook
    app.config["EXCEL_MAX_BYTES"] = 100_000
    r = client.post("/api/v1/imports/projects/check", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"0" * 2_000_000), "a.xlsx")})
    assert r.status_code in (400, 413)
    assert "过大" in r.get_json()["error"]["message"]


# -- nesting ------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [33, 100, 100_000])
def test_json_nested_deeper_than_32_is_refused(client, svc, auth, depth):
    before = event_count(svc)
    nested = "[" * (depth - 1) + "1" + "]" * (depth - 1)
    body = '{"period": "2026-10", "month_investment": 1, "image_progress": ' + nested + "}"
    assert "32" in refused(client.post(PROGRESS, data=body, content_type="application/json",
                                       headers=auth))["message"]
    login = '{"username": "disp", "password": ' + nested + "}"
    assert "32" in refused(client.post("/api/v1/auth/token", data=login,
                                       content_type="application/json"))["message"]
    assert event_count(svc) == before


def test_json_nested_32_deep_is_judged_by_its_fields(client, svc, auth):
    nested = "[" * 31 + "1" + "]" * 31  # 32 with the object around it
    body = '{"period": "2026-10", "month_investment": 1, "image_progress": ' + nested + "}"
    error = refused(client.post(PROGRESS, data=body, content_type="application/json", headers=auth))
    assert "image_progress" in error["fields"]


# -- text ---------------------------------------------------------------------------------
def test_text_with_nul_or_a_lone_surrogate_is_400(client, svc, auth):
    before = event_count(svc)
    for raw in ('"施工\\u0000中"', '"\\ud800"', '"a\\udfffb"'):
        body = '{"period": "2026-10", "month_investment": 1, "image_progress": ' + raw + "}"
        error = refused(client.post(PROGRESS, data=body, content_type="application/json",
                                    headers=auth))
        assert "image_progress" in error["fields"]
        login = '{"username": ' + raw + ', "password": "x"}'
        assert "username" in refused(client.post("/api/v1/auth/token", data=login,
                                                 content_type="application/json"))["fields"]
    assert event_count(svc) == before


def test_a_surrogate_pair_is_ordinary_text(client, svc, auth):
    body = '{"period": "2026-10", "month_investment": 1, "image_progress": "\\ud83d\\ude00 施工"}'
    r = client.post(PROGRESS, data=body, content_type="application/json", headers=auth)
    assert r.status_code == 201, r.get_json()


def test_nul_in_query_and_path_parameters_is_400(client, svc, auth):
    refused(client.get("/api/v1/problems?unit=%00", headers=auth))
    refused(client.get("/api/v1/projects/XM%00/history", headers=auth))
    refused(client.post("/api/v1/projects/XM%00/progress", json=progress(), headers=auth))


# -- amounts ------------------------------------------------------------------------------
AMOUNT_ROUTES = [
    ("/api/v1/projects", "total_investment",
     {"code": "XM009", "name": "新项目", "category": "district", "stage": "reserve",
      "owner_unit": "U01", "responsible_unit": "U01"}),
    ("/api/v1/projects/XM001/annual-plans", "planned_investment", {"year": 2026}),
    (PROGRESS, "month_investment", {"period": "2026-10", "image_progress": "施工中"}),
    ("/api/v1/units/U01/investment-tasks", "amount", {"year": 2026}),
]


@pytest.mark.parametrize("path,name,body", AMOUNT_ROUTES)
def test_amounts_outside_0_to_100_million_are_400(client, svc, auth, path, name, body):
    before = event_count(svc)
    for value in ("1e308", "1e999", "-1e999", "-0.01", "100000000.01", "99999999999999999",
                  "NaN", "true"):
        text = json.dumps(body)[:-1] + f', "{name}": {value}}}'
        error = refused(client.post(path, data=text, content_type="application/json",
                                    headers=auth))
        assert name in error["fields"], value
    assert event_count(svc) == before


@pytest.mark.parametrize("path,name,body", AMOUNT_ROUTES)
def test_the_bounds_themselves_are_amounts(client, svc, auth, path, name, body):
    value = 0 if name == "month_investment" else 100_000_000
    r = client.post(path, json={**body, name: value}, headers=auth)
    assert r.status_code == 201, r.get_json()


def test_projects_never_writes_infinity(client, svc, auth):
    client.post("/api/v1/projects/XM001/annual-plans", json={"year": 2026, "planned_investment": 1},
                headers=auth)
    for period in ("2026-09", "2026-10"):  # twice 1e308 made an infinite year-to-date
        client.post(PROGRESS, data=f'{{"period": "{period}", "image_progress": "x", '
                    '"month_investment": 1e308}',
                    content_type="application/json", headers=auth)
    for path in ("/api/v1/projects?year=2026", "/api/v1/projects/XM001?year=2026",
                 "/api/v1/reports/summary?year=2026&through=2026-10"):
        r = client.get(path, headers=auth)
        assert r.status_code == 200 and b"Infinity" not in r.data and b"NaN" not in r.data


# -- dates and instants -------------------------------------------------------------------
@pytest.mark.parametrize("day", ["1899-12-31", "9999-12-31"])
def test_dates_outside_1900_to_2100_are_400(client, svc, auth, day):
    before = event_count(svc)
    for other in ("2101-01-01", "0001-01-01"):
        refused(client.post(PROGRESS, json=progress(date=other), headers=auth))
    error = refused(client.post(PROGRESS, json=progress(date=day), headers=auth))
    assert "1900-01-01" in error["fields"]["date"][0]
    r = client.post("/api/v1/problems", headers=auth, json={
        "category": "land", "description": "用地指标不足", "source": "meeting", "project": "XM001"})
    pid = r.get_json()["id"]
    error = refused(client.post(f"/api/v1/problems/{pid}/dispatch", headers=auth, json={
        "level": 1, "decision": "协调", "responsible_unit": "U01", "deadline": day}))
    assert "deadline" in error["fields"]
    error = refused(client.post("/api/v1/projects", headers=auth, json={
        "code": "XM010", "name": "新项目", "category": "district", "stage": "reserve",
        "owner_unit": "U01", "responsible_unit": "U01", "total_investment": 1,
        "planned_start": day}))
    assert "planned_start" in error["fields"]
    assert event_count(svc) == before + 1  # only the problem raised above


def test_as_of_outside_1900_to_2100_is_400(client, svc, auth):
    from urllib.parse import quote

    for instant in ("0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+08:00",
                    "9999-12-31T23:59:59-08:00", "1899-12-31T12:00:00+00:00",
                    "2101-01-01T00:00:00Z"):
        for path in ("/api/v1/projects", "/api/v1/problems", "/api/v1/events",
                     "/api/v1/reports/summary", "/api/v1/exports/ledger.xlsx"):
            error = refused(client.get(f"{path}?as_of={quote(instant)}", headers=auth))
            assert "as_of" in error["fields"], (path, instant)


def test_as_of_without_an_offset_gets_a_chinese_message(client, svc, auth):
    error = refused(client.get("/api/v1/projects?as_of=2026-06-30T18:00:00", headers=auth))
    message = error["fields"]["as_of"][0]
    assert "时区" in message and not any("a" <= ch.lower() <= "z" for ch in message.split("（")[0])


# -- positions and page sizes --------------------------------------------------------------
def test_after_and_limit_out_of_range_are_400(client, svc, auth):
    for query in ("after=9223372036854775808", "after=99999999999999999999999", "after=-1",
                  "limit=0", "limit=1001", "limit=99999999999999999999"):
        error = refused(client.get(f"/api/v1/events?{query}", headers=auth))
        assert query.split("=")[0] in error["fields"]


def test_the_largest_position_is_an_empty_page(client, svc, auth):
    r = client.get("/api/v1/events?after=9223372036854775807", headers=auth)
    assert r.status_code == 200 and r.get_json() == []


# -- methods --------------------------------------------------------------------------------
def test_405_carries_allow(client, svc, auth):
    r = client.get(PROGRESS, headers=auth)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]
    assert r.get_json()["error"]["code"] == "method_not_allowed"
    r = client.delete("/api/v1/projects", headers=auth)
    assert r.status_code == 405 and {"GET", "POST"} <= set(r.headers["Allow"].replace(" ", "").split(","))
    r = client.put("/login")
    assert r.status_code == 405 and "POST" in r.headers["Allow"] and "不支持" in r.get_data(as_text=True)
