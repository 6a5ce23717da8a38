"""The bell, the inbox page, mark as read, and the failed deliveries shown to admins."""
from __future__ import annotations

import re

from app.notify.channels import NotifySettings
from app.notify.sender import deliver_due
from tests.admin.ui import UI, hidden_inputs


def test_bell_inbox_and_mark_read(nworld):
    pid = nworld.problem_at("U01")
    nworld.post(f"/problems/{pid}/urge", {"note": "请加快"})
    ui = UI(nworld.app.test_client())
    ui.login("rep1")
    home = ui.client.get("/admin/").text
    assert re.search(r'id="unread-count">2<', home)
    page = ui.client.get("/admin/inbox/").text
    assert page.count('class="list-group-item list-group-item-warning notification"') == 2
    assert "【催办】" in page and "请加快" in page
    token = hidden_inputs(page)["csrf_token"]
    first = f"{nworld.svc.store.read_stream(f'problem:{pid}')[-1].position}-rep1"  # the urge's
    r = ui.client.post("/admin/inbox/read", data={"csrf_token": token, "id": first,
                                                  "next": f"/admin/problem-timeline/?id={pid}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/problem-timeline/?id={pid}")
    assert re.search(r'id="unread-count">1<', ui.client.get("/admin/").text)
    # another's message cannot be marked
    other = UI(nworld.app.test_client())
    other.login("rep2")
    t = hidden_inputs(other.client.get("/admin/inbox/").text)["csrf_token"]
    other.client.post("/admin/inbox/read", data={"csrf_token": t, "id": first})
    assert 'id="unread-count"' not in other.client.get("/admin/").text


def test_failed_deliveries_are_shown_to_admins(nworld, receiver, clock):
    nworld.problem_at("U01")
    s = NotifySettings.from_mapping({"WEBHOOK_URL": receiver.url, "NOTIFY_MAX_ATTEMPTS": "1",
                                     "NOTIFY_MAX_AGE_HOURS": "100000"})
    receiver.failing = 10
    assert deliver_due(nworld.svc.engine, s, clock)["failed"] == 1
    ui = UI(nworld.app.test_client())
    ui.login("admin")
    page = ui.client.get("/admin/inbox/").text
    assert 'id="failed-deliveries"' in page and "【交办】" in page and "HTTP" in page
    rep = UI(nworld.app.test_client())
    rep.login("rep1")
    assert 'id="failed-deliveries"' not in rep.client.get("/admin/inbox/").text
