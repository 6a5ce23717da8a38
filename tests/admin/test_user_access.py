"""Taking access away in the staff UI: deactivation from the users page, the password page."""
from __future__ import annotations

import re

from tests.admin.ui import UI, events_of, hidden_inputs


def test_the_users_page_deactivates_and_reactivates(client, ui, svc, other):
    other.login("disp")
    assert other.client.get("/admin/").status_code == 200
    ui.login("root")
    page = client.get("/admin/users/")
    links = re.findall(r'href="([^"]*deactivate_user[^"]*username=disp[^"]*)"', page.text)
    assert links and "停用" in page.text
    url = links[0].replace("&amp;", "&")
    r = ui.submit(url, {})
    assert r.status_code == 302, r.text
    assert events_of(svc, "user:disp")[-1].type == "UserDeactivated"
    # the deactivated user's open session is refused at once
    r = other.client.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert other.login("disp").status_code == 401
    page = client.get("/admin/users/")
    links = re.findall(r'href="([^"]*reactivate_user[^"]*username=disp[^"]*)"', page.text)
    assert links and "启用" in page.text
    assert ui.submit(links[0].replace("&amp;", "&"), {}).status_code == 302
    assert other.login("disp").status_code == 302


def test_the_last_admin_cannot_be_deactivated_from_the_page(client, ui, svc):
    ui.login("root")
    r = ui.submit("/admin/commands/deactivate_user/?username=root", {})
    assert r.status_code == 200 and "最后一个启用的系统管理员" in r.text
    assert events_of(svc, "user:root")[-1].type == "UserCreated"
    assert client.get("/admin/").status_code == 200


def test_only_admins_see_the_deactivation_form(client, ui):
    ui.login("disp")
    assert client.get("/admin/commands/deactivate_user/?username=rep1").status_code == 403


def _change(ui: UI, old: str, new: str, confirm: str | None = None):
    page = ui.client.get("/password")
    assert page.status_code == 200 and "修改密码" in page.text
    token = hidden_inputs(page.text)["csrf_token"]
    return ui.client.post("/password", data={"csrf_token": token, "old_password": old,
                                             "new_password": new,
                                             "confirm": new if confirm is None else confirm})


def test_the_password_page_ends_every_other_session(client, ui, svc, other):
    ui.login("disp")
    other.login("disp")
    token = client.post("/api/v1/auth/token", json={"username": "disp", "password": "secret123"})
    bearer = {"Authorization": "Bearer " + token.get_json()["token"]}
    assert "修改密码" in client.get("/admin/").text
    r = _change(ui, "wrong-password", "n3w-passw0rd")
    assert r.status_code == 400 and "原密码不正确" in r.text
    r = _change(ui, "secret123", "n3w-passw0rd", "something-else")
    assert r.status_code == 400 and "不一致" in r.text
    r = _change(ui, "secret123", "n3w-passw0rd")
    assert r.status_code == 302
    assert client.get("/admin/").status_code == 200  # this session goes on
    assert other.client.get("/admin/").status_code == 302  # the other one has ended
    assert client.get("/api/v1/events", headers=bearer).status_code == 401
    assert UI(ui.client.application.test_client()).login("disp", "n3w-passw0rd").status_code == 302
    changed = [e for e in events_of(svc, "user:disp") if e.type == "PasswordChanged"]
    assert len(changed) == 1 and changed[0].data == {"username": "disp"}


def test_the_password_page_needs_a_login(client, district):
    r = client.get("/password")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
