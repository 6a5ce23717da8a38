"""A dispatcher publishes the fast/slow list of a chosen month now (POST /api/v1/publicity)."""
from __future__ import annotations

from tests.conftest import make_user, token_for
from tests.scheduler.conftest import at, events_of
from tests.scheduler.test_publicity import build


def _setup(app, client, clock):
    svc = app.extensions["duban"]
    build(svc, clock)
    make_user(svc, "disp", "dispatcher")
    make_user(svc, "rep", "unit_reporter", unit="U01")
    make_user(svc, "ins", "inspector")
    at(clock, "2019-07-20 10:00")
    return svc, token_for(client, "disp")


def test_publish_chosen_month_and_again(app, client, clock):
    svc, disp = _setup(app, client, clock)
    r = client.post("/api/v1/publicity", json={"period": "2019-06"}, headers=disp)
    assert r.status_code == 201, r.get_json()
    [ev] = events_of(svc, "FastSlowListPublished")
    assert ev.stream_id == "publicity:2019-06" and ev.meta["actor"] == "disp"
    assert ev.business_date == "2019-07-20"
    assert [e["project"] for e in ev.data["fast"]] == ["XM01", "XM02"]
    latest = client.get("/api/v1/publicity/latest", headers=disp).get_json()
    assert latest["period"] == "2019-06" and latest["position"] == ev.position

    # an earlier month, with a business date: shown now, as the one published last
    r = client.post("/api/v1/publicity", json={"period": "2019-03", "date": "2019-07-19"},
                    headers=disp)
    assert r.status_code == 201, r.get_json()
    latest = client.get("/api/v1/publicity/latest", headers=disp).get_json()
    assert latest["period"] == "2019-03" and latest["published_on"] == "2019-07-19"
    assert latest["basis"]["months"] == 3

    # published again: a new fact, the latest one shown
    r = client.post("/api/v1/publicity", json={"period": "2019-06"}, headers=disp)
    assert r.status_code == 201
    evs = events_of(svc, "FastSlowListPublished")
    assert [e.stream_id for e in evs] == ["publicity:2019-06", "publicity:2019-03",
                                          "publicity:2019-06"]
    latest = client.get("/api/v1/publicity/latest", headers=disp).get_json()
    assert latest["period"] == "2019-06" and latest["position"] == evs[-1].position
    assert "2019 年 6 月" in client.get("/led").get_data(as_text=True)


def test_refusals(app, client, clock):
    svc, disp = _setup(app, client, clock)

    def post(body, headers=disp):
        return client.post("/api/v1/publicity", json=body, headers=headers)

    r = post({"period": "2019-08"})
    assert r.status_code == 422 and "尚未到来" in r.get_json()["error"]["message"]
    r = post({"period": "2018-12"})
    assert r.status_code == 422 and "没有下达年度计划投资" in r.get_json()["error"]["message"]
    r = post({"period": "2019-13"})
    assert r.status_code == 400 and "period" in r.get_json()["error"]["fields"]
    r = post({})
    assert r.status_code == 400 and "period" in r.get_json()["error"]["fields"]
    r = post({"period": "2019-06", "date": "2019-07-21"})
    assert r.status_code == 400 and "date" in r.get_json()["error"]["fields"]
    for user in ("rep", "ins"):
        r = post({"period": "2019-06"}, token_for(client, user))
        assert r.status_code == 403
    assert client.post("/api/v1/publicity", json={"period": "2019-06"}).status_code == 401
    assert events_of(svc, "FastSlowListPublished") == []


def test_the_job_does_not_publish_a_month_published_by_hand(app, client, clock, app_run):
    svc, disp = _setup(app, client, clock)
    at(clock, "2019-07-10 10:00")
    assert client.post("/api/v1/publicity", json={"period": "2019-06"},
                       headers=disp).status_code == 201
    at(clock, "2019-07-15 09:00")
    assert app_run("publicity")["events"] == 0
    assert len(events_of(svc, "FastSlowListPublished")) == 1
