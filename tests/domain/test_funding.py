"""Projects in several lists and the funding ledger, through the API: success and refusals."""
import pytest
from sqlalchemy import select

from app.projections.funding import funding_entries
from app.projections.lists import project_lists
from tests.conftest import make_user, token_for
from tests.domain.test_projects import PROJECT, event_count, fields_of, get, post

API = "/api/v1"


@pytest.fixture
def svc(app):
    return app.extensions["duban"]


@pytest.fixture
def disp(svc, client):
    make_user(svc, "disp", "dispatcher")
    headers = token_for(client, "disp")
    for code in ("U01", "U02"):
        post(client, "/units", {"code": code, "name": f"单位{code}", "kind": "township"}, headers)
    post(client, "/projects", {**PROJECT, "category": "provincial", "date": "2026-01-15"}, headers)
    return headers


def test_lists_set_replace_and_count(client, disp, svc):
    body = post(client, "/projects/XM001/lists", {"lists": ["key_push", "key_push"],
                                                  "date": "2026-02-01"}, disp)
    assert [e["type"] for e in body["events"]] == ["ProjectListsSet"] and body["version"] == 2
    assert get(client, "/projects/XM001", disp)["version"] == 2
    with svc.engine.connect() as conn:
        assert conn.execute(select(project_lists.c.list)).scalars().all() == ["key_push"]
    summary = get(client, "/reports/summary", disp, year=2026, through="2026-11")
    assert summary["lines"]["key_push"]["count"] == 1
    assert summary["lines"]["provincial_municipal"]["count"] == 1
    post(client, "/projects/XM001/lists", {"lists": ["municipal"]}, disp)
    with svc.engine.connect() as conn:
        assert conn.execute(select(project_lists.c.list)).scalars().all() == ["municipal"]
    assert get(client, "/reports/summary", disp, year=2026)["lines"]["key_push"]["count"] == 0


def test_lists_refusals_append_nothing(client, disp, svc):
    make_user(svc, "rep", "unit_reporter", unit="U01")
    rep = token_for(client, "rep")
    before = event_count(client, disp)
    assert "lists.0" in fields_of(post(client, "/projects/XM001/lists", {"lists": ["capital"]},
                                     disp, 400))
    assert "lists" in fields_of(post(client, "/projects/XM001/lists", {}, disp, 400))
    # its own category is a list it is in already: nothing changes
    assert "没有变化" in post(client, "/projects/XM001/lists", {"lists": ["provincial"]}, disp,
                              422)["error"]["message"]
    post(client, "/projects/NOPE/lists", {"lists": ["key_push"]}, disp, 404)
    post(client, "/projects/XM001/lists", {"lists": ["key_push"]}, rep, 403)
    post(client, "/projects/XM001/lists", {"lists": []}, disp, 422)  # nothing changes
    post(client, "/projects/XM001/lists", {"lists": ["key_push"], "expected_version": 7}, disp,
         409)
    assert event_count(client, disp) == before


def test_funding_recorded_listed_and_counted(client, disp, svc):
    body = post(client, "/projects/XM001/funding", {
        "source": "central_budget", "stage": "approved", "amount": 1200.5,
        "document": "川发改投资〔2026〕88号", "date": "2026-03-02"}, disp)
    assert [e["type"] for e in body["events"]] == ["FundingRecorded"]
    post(client, "/projects/XM001/funding", {"source": "central_budget", "stage": "received",
                                             "amount": 1200.5, "date": "2026-04-02"}, disp)
    post(client, "/projects/XM001/funding", {"source": "self_and_other", "stage": "approved",
                                             "amount": 3000, "date": "2026-03-02"}, disp)
    rows = get(client, "/funding", disp, project="XM001")
    assert [(r["source"], r["stage"], r["amount"]) for r in rows] == [
        ("central_budget", "approved", 1200.5), ("self_and_other", "approved", 3000.0),
        ("central_budget", "received", 1200.5)]
    assert rows[0]["document"] == "川发改投资〔2026〕88号" and rows[0]["source_name"] == "中央预算内投资"
    assert len(get(client, "/funding", disp, stage="received")) == 1
    assert get(client, "/funding", disp, year=2025) == []
    assert get(client, "/projects/XM001", disp)["version"] == 4
    funding = get(client, "/reports/summary", disp, year=2026)["funding"]
    assert funding == {"projects": 1, "total_investment": 52000.0, "central_budget": 1200.5,
                       "self_and_other": 3000.0}


@pytest.mark.parametrize("body, field", [
    ({"source": "bank", "stage": "approved", "amount": 1}, "source"),
    ({"source": "central_budget", "stage": "promised", "amount": 1}, "stage"),
    ({"source": "central_budget", "stage": "approved", "amount": -1}, "amount"),
    ({"source": "central_budget", "stage": "approved", "amount": 100_000_001}, "amount"),
    ({"source": "central_budget", "stage": "approved", "amount": "1e999"}, "amount"),
    ({"source": "central_budget", "stage": "approved"}, "amount"),
    ({"source": "central_budget", "stage": "approved", "amount": 1, "date": "2099-01-01"}, "date"),
])
def test_funding_bad_input(client, disp, body, field):
    before = event_count(client, disp)
    answer = post(client, "/projects/XM001/funding", body, disp, 400)
    assert field in fields_of(answer) and answer["error"]["message"]
    assert event_count(client, disp) == before


def test_funding_refusals(client, disp, svc):
    make_user(svc, "insp", "inspector")
    post(client, "/projects/XM001/funding", {"source": "central_budget", "stage": "approved",
                                             "amount": 100}, token_for(client, "insp"), 403)
    post(client, "/projects/NOPE/funding", {"source": "central_budget", "stage": "approved",
                                            "amount": 100}, disp, 404)
    # received before its approval is recorded: history is entered in any order
    post(client, "/projects/XM001/funding", {"source": "special_bond", "stage": "received",
                                             "amount": 60, "date": "2026-05-01"}, disp)
    post(client, "/projects/XM001/funding", {"source": "special_bond", "stage": "approved",
                                             "amount": 100, "date": "2026-04-01"}, disp)
    post(client, "/projects/XM001/funding", {"source": "special_bond", "stage": "approved",
                                             "amount": 1, "expected_version": 1}, disp, 409)
    with svc.engine.connect() as conn:
        assert len(conn.execute(select(funding_entries)).all()) == 2
