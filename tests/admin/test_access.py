"""Logging in, CSRF, session expiry, and who may open which screen (with refusals recorded)."""
from __future__ import annotations

from tests.admin.ui import events_of, hidden_inputs


def test_login_page_is_chinese_and_failures_are_recorded(client, ui, svc):
    page = client.get("/login")
    assert page.status_code == 200 and "重大项目督办系统" in page.text and "用户名" in page.text
    r = ui.login("disp", "wrong-password")
    assert r.status_code == 401 and "用户名或密码错误。" in r.text
    r = ui.login("nobody", "whatever")
    assert r.status_code == 401
    failed = [e for e in events_of(svc, "security:log") if e.type == "LoginFailed"]
    assert [(e.data["username"], e.data["reason"]) for e in failed] == [
        ("disp", "bad_password"), (None, "unknown_user")]
    # an unknown name is kept only as its keyed hash: it may be a password typed in the wrong box
    assert len(failed[1].data["username_hmac"]) == 64
    assert all("nobody" not in str(e.data) + str(e.meta) for e in events_of(svc))
    assert ui.login("disp").status_code == 302
    succeeded = [e for e in events_of(svc, "security:log") if e.type == "LoginSucceeded"]
    assert [e.data["username"] for e in succeeded] == ["disp"]
    assert succeeded[0].meta["actor"] == "system"


def test_repeated_failures_lock_the_pair_without_growing_the_log(app, ui, svc):
    for _ in range(5):
        assert ui.login("disp", "bad").status_code == 401
    r = ui.login("disp")  # even the right password: this username from this address is locked
    assert r.status_code == 429 and "失败次数过多" in r.text
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    log = events_of(svc, "security:log")
    assert [e.type for e in log].count("LoginFailed") == 5
    assert [e.type for e in log].count("LoginLocked") == 1
    # from another address the right password still logs in: a guesser cannot lock users out
    from tests.admin.ui import UI

    elsewhere = UI(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert elsewhere.login("disp").status_code == 302


def test_login_redirects_back_but_never_off_site(client, ui):
    r = client.get("/admin/problems/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    page = client.get("/login?next=https://evil.example/x")
    token = hidden_inputs(page.text)
    r = client.post("/login", data={**token, "username": "disp", "password": "secret123",
                                    "next": "https://evil.example/x"})
    assert r.headers["Location"] == "/admin/"


def test_csrf_is_required_on_every_form(client, ui):
    r = client.post("/login", data={"username": "disp", "password": "secret123"})
    assert r.status_code == 400 and "页面已过期" in r.text
    ui.login("disp")
    r = client.post("/admin/commands/raise_problem/",
                    data={"category": "land", "description": "x", "source": "meeting"})
    assert r.status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.post("/admin/audit/verify").status_code in (400, 403)


def test_logout_ends_the_session(client, ui):
    ui.login("disp")
    assert client.get("/admin/").status_code == 200
    assert client.get("/logout").status_code == 405  # only a POST with the token logs out
    assert ui.logout().status_code == 302
    assert client.get("/admin/").status_code == 302


def test_session_expires(app, client, ui, clock):
    ui.login("disp")
    clock.advance(hours=11)
    assert client.get("/admin/").status_code == 200
    clock.advance(hours=2)  # past the 12-hour limit since login, active or not
    r = client.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_idle_session_expires(app, client, ui):
    import time

    app.config["PERMANENT_SESSION_LIFETIME"] = 1  # seconds: the cookie itself is refused after
    ui.login("disp")
    time.sleep(2.1)
    assert client.get("/admin/").status_code == 302


def test_role_checks_and_recorded_refusals(app, client, ui, svc):
    ui.login("rep1")
    for path in ("/admin/dispatch-stats/", "/admin/double-half/", "/admin/reserve/",
                 "/admin/audit/", "/admin/commands/dispatch_problem/",
                 "/admin/commands/register_project/"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "无权" in r.text and "已记入审计日志" in r.text
    refused = [e for e in events_of(svc, "security:log") if e.type == "AccessRefused"]
    assert len(refused) == 6
    assert {e.data["username"] for e in refused} == {"rep1"}
    assert refused[0].data["unit"] == "U01" and refused[0].meta["actor"] == "system"
    for path in ("/admin/", "/admin/projects/", "/admin/problems/", "/admin/rectification/",
                 "/admin/commands/submit_progress/?code=XM001"):
        assert client.get(path).status_code == 200, path


def test_each_role_reaches_its_screens(app, district):
    from tests.admin.ui import UI

    allowed = {
        "disp": {"/admin/dispatch-stats/": 200, "/admin/audit/": 403,
                 "/admin/commands/dispatch_problem/": 200},
        "insp": {"/admin/audit/": 200, "/admin/dispatch-stats/": 200,
                 "/admin/commands/record_inspection/": 200,
                 "/admin/commands/dispatch_problem/": 403},
        "lead": {"/admin/double-half/": 200, "/admin/audit/": 403},
        "root": {"/admin/audit/": 200, "/admin/commands/create_user/": 200},
    }
    for user, pages in allowed.items():
        ui = UI(app.test_client())
        ui.login(user)
        for path, status in pages.items():
            assert ui.client.get(path).status_code == status, (user, path)


def test_unit_reporters_see_their_own_unit_only(client, ui):
    ui.login("rep2")
    page = client.get("/admin/projects/")
    assert "XM002" in page.text and "XM001" not in page.text
    assert client.get("/admin/project-timeline/?code=XM002").status_code == 200
    assert client.get("/admin/project-timeline/?code=XM001").status_code == 403
    assert client.get("/admin/commands/submit_progress/?code=XM001").status_code == 404


def test_flask_admin_texts_are_chinese(client, ui):
    ui.login("disp")
    page = client.get("/admin/problems/")
    assert "列表" in page.text and "导出" in page.text and "搜索" in page.text
    assert 'lang="zh' in client.get("/login").text or "重大项目" in page.text


def test_admin_sees_users_without_their_passwords(client, ui):
    ui.login("root")
    page = client.get("/admin/users/")
    assert page.status_code == 200 and "rep1" in page.text and "pbkdf2" not in page.text
    assert "scrypt" not in page.text and "变更角色" in page.text
    assert client.get("/admin/users/?as_of=2026-01-01T00:00:00").status_code == 200
    ui.logout()
    ui.login("disp")
    assert client.get("/admin/users/").status_code == 403
