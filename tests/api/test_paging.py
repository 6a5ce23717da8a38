"""Every list answer in pages: ``limit`` and ``cursor`` in; the array, ``Link: <…>; rel="next"``
and ``X-Total-Count`` out."""
from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import pytest

from app.api.queries import all_queries
from tests.domain.test_problems import API, World

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


@pytest.fixture
def world(app, client) -> World:
    w = World(app, client)
    for i in range(7):
        w.raise_problem(description=f"问题{i}")
    for code in ("XM002", "XM003", "XM004"):
        w.post("/projects", {"code": code, "name": f"项目{code}", "category": "district",
                             "stage": "continuing", "owner_unit": "E01", "responsible_unit": "U02",
                             "total_investment": 100.0, "date": "2026-01-05"})
    w.post("/projects/XM003/annual-plans", {"year": 2026, "planned_investment": 80.0})
    w.post("/projects/XM003/progress", {"period": "2026-03", "month_investment": 20.0,
                                        "image_progress": "主体施工"})
    return w


def _walk(client, headers, url: str) -> tuple[list, list[int]]:
    """Every page from ``url`` on, following the Link headers; the rows and each page's total."""
    rows, totals = [], []
    for _ in range(1000):
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.get_json()
        rows += r.get_json()
        totals.append(int(r.headers["X-Total-Count"]))
        link = r.headers.get("Link")
        if link is None:
            return rows, totals
        target = urlsplit(LINK.match(link).group(1))
        url = target.path + "?" + target.query
    raise AssertionError("the pages never end")


def test_pages_of_the_problem_ledger(world, client):
    h = world.h["disp"]
    whole = client.get(API + "/problems", headers=h)
    assert "Link" not in whole.headers and whole.headers["X-Total-Count"] == "7"
    first = client.get(API + "/problems?limit=3&status=raised", headers=h)
    assert [p["id"] for p in first.get_json()] == [p["id"] for p in whole.get_json()[:3]]
    link = LINK.match(first.headers["Link"]).group(1)
    assert "status=raised" in link and "limit=3" in link and "cursor=" in link
    rows, totals = _walk(client, h, API + "/problems?limit=3&status=raised")
    assert rows == whole.get_json() and totals == [7, 7, 7]


def test_a_page_as_of_an_instant_keeps_the_instant(world, client, clock):
    h = world.h["disp"]
    instant = clock().isoformat()
    clock.advance(minutes=1)
    world.raise_problem(description="后来的问题")
    rows, totals = _walk(client, h, API + "/problems?limit=2&as_of=" + instant.replace("+", "%2B"))
    assert len(rows) == 7 and set(totals) == {7}
    assert len(_walk(client, h, API + "/problems?limit=2")[0]) == 8


def test_totals_as_of_an_instant_are_counted_per_filter(world, client, clock, monkeypatch):
    """A snapshot's totals are kept once counted: each filter keeps its own, the same as counted
    afresh with the fast paths off."""
    h = world.h["disp"]
    world.dispatch(world.get("/problems")[0]["id"])
    clock.advance(minutes=1)
    instant = clock().isoformat().replace("+", "%2B")
    clock.advance(minutes=1)
    world.raise_problem(description="后来的问题")
    urls = [API + "/problems?limit=2&as_of=" + instant + extra
            for extra in ("", "&status=raised", "&status=in_progress", "&level=2", "")]

    def totals():
        return [client.get(u, headers=h).headers["X-Total-Count"] for u in urls]
    kept = totals()
    assert kept == ["7", "6", "1", "0", "7"] and totals() == kept
    monkeypatch.setenv("DUBAN_FAST_PATHS", "0")
    assert totals() == kept


def test_project_pages_carry_their_own_figures(world, client):
    h = world.h["disp"]
    whole = world.get("/projects", year=2026)
    rows, totals = _walk(client, h, API + "/projects?limit=1&year=2026")
    assert rows == whole and totals == [4] * 4
    assert next(p for p in rows if p["code"] == "XM003")["ytd_investment"] == 20.0


def test_every_list_query_pages_the_same_rows(world, client):
    """Whatever list a module declares (a SELECT paged in SQL, or a list sliced), walking it a
    row at a time gives the one-page answer."""
    h = world.h["admin"]
    paged = [q.path for q in all_queries() if q.paged and "{" not in q.path]
    assert {"/problems", "/projects", "/tasks", "/units", "/meetings"} <= set(paged)
    for path in paged:
        whole = client.get(API + path + "?limit=5000", headers=h)
        if whole.status_code != 200:  # a list this role may not read
            assert whole.status_code in (403, 404), (path, whole.get_json())
            continue
        rows, totals = _walk(client, h, API + path + "?limit=1")
        assert rows == whole.get_json(), path
        assert set(totals) <= {len(rows)}, path


def test_a_history_is_paged_too(world, client):
    pid = world.raise_problem()
    world.dispatch(pid)
    h = world.h["disp"]
    whole = world.get(f"/problems/{pid}/history")
    rows, totals = _walk(client, h, API + f"/problems/{pid}/history?limit=1")
    assert rows == whole and totals == [2, 2]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


LIMITS = ["limit=0", "limit=5001", "limit=abc", "limit=-1", "limit=99999999999999999999999"]
CURSORS = ["x", "!!!", _b64("[]"), _b64('{"k": 5}'), _b64('{"o": 2}'), _b64('{"k": null}'),
           _b64('{"k": "P1", "o": 1}'), "a" * 3000]
SLICED_CURSORS = [_b64('{"k": "P1"}'), _b64('{"o": -1}'), _b64('{"o": true}')]


def test_bad_limits_and_cursors_are_a_chinese_400(world, client):
    h = world.h["disp"]
    for path, query, field in ([("/problems", q, "limit") for q in LIMITS]
                               + [("/problems", "cursor=" + c, "cursor") for c in CURSORS]
                               + [("/units", "cursor=" + c, "cursor") for c in SLICED_CURSORS]):
        r = client.get(API + path + "?" + query, headers=h)
        assert r.status_code == 400, (path, query, r.get_json())
        error = r.get_json()["error"]
        assert field in error["fields"] and re.search(r"[\u4e00-\u9fff]", error["message"])


def test_the_feed_keeps_after_and_limit(world, client):
    h = world.h["admin"]
    r = client.get(API + "/events?limit=5000", headers=h)
    assert r.status_code == 400  # its own bound, 1 to 1,000
    r = client.get(API + "/events?limit=2&after=1", headers=h)
    assert [e["position"] for e in r.get_json()] == [2, 3]
    assert "X-Total-Count" not in r.headers
    assert client.get(API + "/events?cursor=abc", headers=h).status_code == 400


def test_the_document_describes_paging(client):
    doc = client.get(API + "/openapi.json").get_json()
    op = doc["paths"]["/problems"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 5000
    assert params["limit"]["schema"]["default"] == 500
    assert "cursor" in params
    assert {"Link", "X-Total-Count"} <= set(op["responses"]["200"]["headers"])
    feed = doc["paths"]["/events"]["get"]
    assert "cursor" not in {p["name"] for p in feed["parameters"]}
