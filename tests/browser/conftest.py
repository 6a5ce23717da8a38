"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

They skip, saying why, when Chromium or the playwright package is missing, except under CI
(CI=true), where a missing browser is a failure: .ci/run installs it.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from app import create_app, schema
from tests.admin.ui import setup_district

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (CI=true: the browser tests must run)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM)
                              else shutil.which("chromium"), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A real server on a free port, over a fresh SQLite database holding a small district."""
    db = tmp_path_factory.mktemp("live") / "duban.sqlite3"
    yield from serve({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "browser-test"},
                     setup_district)


def serve(config: dict, fill):
    """A live server's fixture body: the app of ``config`` on a free port of 127.0.0.1, its
    database upgraded and filled by ``fill(svc)``; stopped and disposed of after the tests."""
    app = create_app(config)
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    fill(svc)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "svc": svc}
    server.shutdown()
    thread.join(5)
    svc.engine.dispose()


@pytest.fixture
def new_page(browser, live):
    """A fresh browser context (its own cookies) per person; closed after the test."""
    contexts = []
    blocked: list[str] = []  # what the Content-Security-Policy stopped: must stay empty

    def make(username: str | None = None, password: str = "secret123"):
        ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("console", lambda msg: blocked.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.set_default_timeout(15000)
        if username:
            page.goto(live["url"] + "/login")
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("#login-submit")
            page.wait_for_url(lambda u: u.endswith("/admin/"))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not blocked, "\n".join(blocked)


def at(path: str):
    """A wait_for_url predicate on the URL's own path (not on a ``next=`` inside its query);
    a pattern with "?" also matches the start of the query."""
    def match(url: str) -> bool:
        parts = urlsplit(url)
        own, _, query = path.partition("?")
        return own in parts.path and parts.query.startswith(query)
    return match


def shot(page, name: str, screens: int | None = None) -> None:
    """The whole page as a PNG; with ``screens``, only its top so many screens (a long ledger
    as cards on a phone is tens of screens, and costs seconds to encode)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    clip = None
    if screens:
        size = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(height, size["height"] * screens)}
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, clip=clip)
