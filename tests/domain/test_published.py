"""Published reports: the figures as sent, and what later facts changed, with their positions."""
import pytest

from tests.conftest import make_user, token_for
from tests.domain.test_projects import event_count, fields_of, get, post
from tests.domain.test_summary import Ledger, _busy


@pytest.fixture
def svc(app):
    return app.extensions["duban"]


@pytest.fixture
def disp(svc, client):
    make_user(svc, "disp", "dispatcher")
    return token_for(client, "disp")


def test_publish_then_reopen_shows_the_difference_and_its_position(client, disp, svc):
    ledger = Ledger(svc)
    _busy(ledger)
    body = post(client, "/reports/summary/publish",
                {"year": 2019, "through": "2019-05", "title": "1-5月重大项目调度情况",
                 "date": "2019-06-05"}, disp)
    assert body["id"] == "R0001" and [e["type"] for e in body["events"]] == ["SummaryPublished"]
    published_at = body["position"]
    listed = get(client, "/reports/published", disp)
    assert [(r["id"], r["through"], r["position"]) for r in listed] == [
        ("R0001", "2019-05", published_at)]
    same = get(client, "/reports/published/R0001", disp)
    assert same["differences"] == [] and same["figures"] == same["recomputed"]
    assert same["figures"]["dispatch"]["problems_resolved"] == 1

    ledger.reopen("P00001", "2019-07-02")  # a later fact about a problem verified in April
    head = get(client, "/events", disp, after=published_at)[-1]["position"]
    report = get(client, "/reports/published/R0001", disp)
    assert report["figures"]["dispatch"]["problems_resolved"] == 1
    assert report["recomputed"]["dispatch"]["problems_resolved"] == 0
    assert report["differences"] == [{"figure": "dispatch.problems_resolved", "published": 1,
                                      "now": 0, "positions": [head]}]
    # as of the publication, nothing had changed yet
    then = get(client, "/reports/published/R0001", disp, as_of=listed[0]["recorded_at"])
    assert then["differences"] == []


def test_a_correction_moves_a_sum_with_the_project_streams_events(client, disp, svc):
    ledger = Ledger(svc)
    _busy(ledger)
    body = post(client, "/reports/summary/publish",
                {"year": 2019, "through": "2019-06-25", "title": "上半年工作总结"}, disp)
    ledger.progress("A", "2019-02", 450, "2019-07-05")  # a correction after the report
    head = get(client, "/events", disp, after=body["position"])[-1]["position"]
    diffs = {d["figure"]: d for d in get(client, "/reports/published/R0001", disp)["differences"]}
    assert diffs["investment.completed"]["published"] == 500.0
    assert diffs["investment.completed"]["now"] == 450.0
    assert diffs["investment.completed"]["positions"] == [head]
    assert "dispatch.problems_resolved" not in diffs


def test_publish_refusals_append_nothing(client, disp, svc):
    make_user(svc, "insp", "inspector")
    Ledger(svc).unit("U1", {})
    make_user(svc, "rep", "unit_reporter", unit="U1")
    before = event_count(client, disp)
    ok = {"year": 2019, "through": "2019-05", "title": "1-5月"}
    post(client, "/reports/summary/publish", ok, token_for(client, "insp"), 403)
    for bad, field in ((dict(ok, through="2019-13"), "through"),
                       (dict(ok, through="2018-05"), "through"),
                       (dict(ok, through="2019-02-30"), "through"),
                       (dict(ok, title=" "), "title"), (dict(ok, year="x"), "year"),
                       ({"year": 2019, "title": "无截止"}, "through")):
        assert field in fields_of(post(client, "/reports/summary/publish", bad, disp, 400))
    assert event_count(client, disp) == before
    get(client, "/reports/published/R0404", disp, 404)
    get(client, "/reports/published", token_for(client, "rep"), 403)
