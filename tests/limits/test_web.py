"""The staff pages and the site as a whole: same-site redirects, cookies, headers, Chinese
error pages, and the staff pages' own inputs (API.md, Security)."""
from __future__ import annotations

import pytest

from app.config import from_environment
from app.limits.redirects import same_site_path
from tests.admin.ui import UI, hidden_inputs

from .conftest import event_count


@pytest.fixture
def ui(client, svc):
    return UI(client)


# -- redirects -------------------------------------------------------------------------------
@pytest.mark.parametrize("target", [
    "/\t/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "javascript:alert(1)", "/\n/evil.example", "/\r/evil.example",
    " //evil.example", "evil.example", "", None, "/\x00/evil", "http:/evil.example"])
def test_same_site_path_refuses_other_sites(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", ["/admin/", "/admin/projects/?year=2026", "/admin/a//b",
                                    "/%09/evil.example"])  # still encoded: a path of ours
def test_same_site_path_keeps_our_paths(target):
    assert same_site_path(target) == target


def test_login_never_sends_the_browser_to_another_site(client, svc):
    page = client.get("/login?next=/%09/evil.example")
    form = hidden_inputs(page.text)
    r = client.post("/login", data={"username": "disp", "password": "secret123",
                                    "csrf_token": form["csrf_token"], "next": form["next"]})
    assert r.status_code == 302
    assert r.headers["Location"] in ("/admin/", "http://localhost/admin/")


def test_a_form_never_sends_the_browser_to_another_site(ui, svc):
    ui.login("disp")
    url = "/admin/commands/submit_progress/?code=XM001&next=/%09/evil.example"
    r = ui.submit(url, {"period": "2026-10", "month_investment": "10", "image_progress": "施工中"})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]
    page = ui.client.get(url)
    assert "evil.example" not in page.text  # the 返回 link too


# -- cookies and headers ----------------------------------------------------------------------
def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_the_session_cookie_is_samesite_lax_and_httponly(client, svc):
    page = client.get("/login")
    cookie = session_cookie(page)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_and_https_are_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("FORCE_HTTPS", "1")
    config = from_environment(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True and config["FORCE_HTTPS"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    monkeypatch.delenv("FORCE_HTTPS")
    config = from_environment(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is False and config["FORCE_HTTPS"] is False


def test_a_secure_cookie_when_configured(database_url, clock):
    from app import create_app, schema

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "s",
                      "CLOCK": clock, "SESSION_COOKIE_SECURE": True})
    schema.upgrade(app.extensions["duban"].engine)
    cookie = session_cookie(app.test_client().get("/login", base_url="https://localhost"))
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    app.extensions["duban"].engine.dispose()


@pytest.mark.parametrize("path", ["/login", "/led", "/api/v1/openapi.json", "/nowhere",
                                  "/api/v1/nowhere", "/admin/"])
def test_security_headers_on_every_answer(client, svc, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_inline_scripts_carry_the_pages_nonce(client, svc):
    r = client.get("/led")
    nonce = r.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in r.text or "<script" not in r.text


# -- error pages --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/nowhere", "/admin/nowhere", "/admin/projects/nowhere/x"])
def test_unknown_addresses_get_a_chinese_page(ui, path):
    ui.login("disp")
    r = ui.client.get(path)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "页面不存在" in r.text and "Not Found" not in r.text


def test_an_anonymous_visitor_gets_the_chinese_404_too(client, svc):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.text


def test_a_staff_page_405_is_chinese_with_allow(ui):
    ui.login("disp")
    r = ui.client.delete("/admin/")
    assert r.status_code == 405 and "GET" in r.headers["Allow"] and "不支持" in r.text


def test_a_server_error_page_is_chinese(app, svc):
    app.testing = False  # let the error handler answer as in production
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/admin-boom-for-test")
    def boom():
        raise RuntimeError("boom")

    r = app.test_client().get("/admin-boom-for-test")
    assert r.status_code == 500 and "服务器内部错误" in r.text and "Internal Server Error" not in r.text


# -- the staff pages' own inputs ------------------------------------------------------------------
def test_a_form_without_expected_version_is_not_a_500(ui, svc):
    ui.login("disp")
    url = "/admin/commands/submit_progress/?code=XM001"
    page = ui.client.get(url)
    form = hidden_inputs(page.text, visible=True)
    form.pop("expected_version")
    form.update(period="2026-10", month_investment="10", image_progress="施工中")
    r = ui.client.post(url, data=form)
    assert r.status_code == 302


def test_a_form_with_a_bad_expected_version_is_refused_in_chinese(ui, svc):
    ui.login("disp")
    before = event_count(svc)
    for version in ("99999999999999999999999", "²", "-1"):
        r = ui.submit("/admin/commands/submit_progress/?code=XM001",
                      {"period": "2026-10", "month_investment": "10", "image_progress": "施工中"},
                      keep={"expected_version": version})
        assert r.status_code == 200 and "版本号无效" in r.text
    assert event_count(svc) == before


@pytest.mark.parametrize("query", ["/admin/?year=99999999999999999999", "/admin/?year=3000",
                                   "/admin/?year=1&through=1-01",
                                   "/admin/projects/?page=99999999999999999999",
                                   "/admin/projects/?page=-1", "/admin/problems/?page=10000000"])
def test_huge_page_and_year_are_a_chinese_400(ui, query):
    ui.login("disp")
    r = ui.client.get(query)
    assert r.status_code == 400 and ("页码" in r.text or "年度" in r.text)


def test_out_of_range_instants_and_numbers_in_staff_pages(ui):
    ui.login("insp")
    for query in ("/admin/audit/?before=99999999999999999999", "/admin/audit/?before=-5"):
        r = ui.client.get(query)
        assert r.status_code == 400 and "位置" in r.text
    for query in ("/admin/projects/?as_of=0001-01-01T00:00", "/admin/projects/?as_of=9999-12-31T23:59",
                  "/admin/audit/?recorded_from=0001-01-01T00:00", "/admin/problems/?flt0_level=99999999999999999999"):
        assert ui.client.get(query).status_code == 200  # shown as a note; the filter left out


def test_nul_in_a_staff_page_is_a_chinese_400(ui, svc):
    ui.login("disp")
    before = event_count(svc)
    for query in ("/admin/projects/?search=%00", "/admin/problem-timeline/?id=%00"):
        r = ui.client.get(query)
        assert r.status_code == 400 and "无法保存的字符" in r.text
    r = ui.submit("/admin/commands/submit_progress/?code=XM001",
                  {"period": "2026-10", "month_investment": "10", "image_progress": "施工\x00中"})
    assert r.status_code == 400 and "无法保存的字符" in r.text
    assert event_count(svc) == before


def test_amounts_and_dates_in_staff_forms(ui, svc):
    ui.login("disp")
    before = event_count(svc)
    r = ui.submit("/admin/commands/submit_progress/?code=XM001",
                  {"period": "2026-10", "month_investment": "1e400", "image_progress": "施工中",
                   "date": "0001-01-01"})
    assert r.status_code == 200
    assert "不允许 NaN 或无穷大" in r.text or "金额" in r.text
    assert "1900-01-01" in r.text
    assert event_count(svc) == before


def test_the_login_page_refuses_a_huge_password_with_413(client, svc):
    r = client.post("/login", data={"username": "disp", "password": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413 and "过大" in r.text
