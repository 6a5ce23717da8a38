"""Every page each role may open, at a 1440 px desk and a 390 px phone, over the demonstration
district (long names, full ledgers): no server error, nothing in English or raw, no field without
a label, no page wider than the screen, ledgers that fit the desk, readable charts. A screenshot
of each page is saved (walk_ROLE_WIDTH_PAGE.png)."""
from __future__ import annotations

import re

import pytest

from app.demo.load import DEMO_USERS, load_demo
from tests.browser.conftest import serve, shot

WIDTHS = {"desk": (1440, 900), "phone": (390, 844)}
PASSWORDS = {role: (username, password) for username, password, role, _unit, _name in DEMO_USERS}

# What a page must not show: Python's None, Flask-Admin's English "items", a raw UTC instant
# (2026-12-01T21:15:00 or a time with a fraction of a second).
RAW = re.compile(r"\bNone\b|\bitems?\b|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}\.\d")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")

# In the page: its visible text (not the JSON a page keeps to copy, nor Flask-Admin's data
# blocks), the placeholders and filter names, the fields with no label, its width, the ledgers
# wider than their box, and per chart the smallest text in px and the labels that collide.
LOOK = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('code, script, style, .d-none, title').forEach(e => e.remove());
  const fields = Array.from(document.querySelectorAll('input, select, textarea')).filter(e =>
    !['hidden', 'submit', 'button', 'checkbox', 'radio', 'file'].includes(e.type));
  const unlabelled = fields.filter(e => !((e.id && document.querySelector(`label[for="${e.id}"]`))
    || e.closest('label') || e.getAttribute('aria-label')
    || (e.placeholder && !['date', 'datetime-local', 'month'].includes(e.type))));
  const charts = Array.from(document.querySelectorAll('.chart svg')).map(svg => {
    const scale = svg.getScreenCTM().a;
    const texts = Array.from(svg.querySelectorAll('text'));
    const boxes = texts.map(t => t.getBoundingClientRect());
    let collisions = 0;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        collisions++;
    }
    return {smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
            collisions: collisions};
  });
  return {
    text: body.textContent,
    placeholders: Array.from(document.querySelectorAll('[placeholder]')).map(e => e.placeholder),
    filters: Array.from(document.querySelectorAll('a.filter')).map(a => a.textContent.trim()),
    unlabelled: unlabelled.map(e => e.name || e.id || e.outerHTML.slice(0, 80)),
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    wide: Array.from(document.querySelectorAll('table.model-list')).filter(t =>
      t.scrollWidth > t.parentElement.clientWidth + 1).map(t => [t.scrollWidth, t.parentElement.clientWidth]),
    charts: charts,
  };
}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A real server over the demonstration district, on a fresh SQLite database."""
    root = tmp_path_factory.mktemp("walk")
    yield from serve({"DATABASE_URL": f"sqlite:///{root / 'duban.sqlite3'}",
                      "SECRET_KEY": "browser-test",
                      "AUDIT_SIGNING_KEY_FILE": str(root / "audit_signing_key.pem"),
                      "BLOB_DIR": str(root / "blobs"), "ASOF_DIR": str(root / "asof"),
                      # the browser keeps the static files instead of asking for each on every page
                      "SEND_FILE_MAX_AGE_DEFAULT": 3600},
                     lambda svc: load_demo(svc, show_progress=False))


def _pages(page) -> list[str]:
    """The menu's pages (ledgers, forms, 导入导出, 审计, 快慢榜公示, 通知, 修改密码 …); the pages
    link on to FOLLOWED."""
    links = page.eval_on_selector_all("nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    return ["/admin/"] + [u for u in dict.fromkeys(links)
                          if u.startswith(("/admin/", "/password")) and u != "/admin/"]


# pages out of the menu, reached by a link: a timeline of each kind, the notification settings
FOLLOWED = ("/admin/project-timeline/", "/admin/problem-timeline/", "/admin/task-timeline/",
            "/admin/contact/")


def _problems(url: str, seen: dict) -> list[str]:
    out = []
    if not 200 <= seen["status"] < 500:
        out.append(f"status {seen['status']}")
    raw = sorted(set(RAW.findall(seen["text"])))
    if raw:
        out.append(f"raw text {raw}")
    for ph in seen["placeholders"]:
        # a raw name: a snake_case one (the JSON a box asks for may show its keys, quoted, as
        # examples), or a listed part in Latin letters only ("unit、责任单位"); an example
        # value such as 22:00-07:00 is fine
        if SNAKE.search(re.sub(r'"[^"]*"', "", ph)) or any(
                LATIN.search(part) and not CJK.search(part) for part in ph.split("、")):
            out.append(f"placeholder {ph!r}")
    out += [f"filter named {f!r}" for f in seen["filters"] if not CJK.search(f)]
    out += [f"field without a label: {f}" for f in seen["unlabelled"]]
    if seen["scroll"] > seen["inner"] + 1:
        out.append(f"page {seen['scroll']} px wide on a {seen['inner']} px screen")
    if seen["inner"] >= 1440 and seen["wide"]:
        out.append(f"ledger wider than its box {seen['wide']}")
    for chart in seen["charts"]:
        if chart["smallest"] < 11 or chart["collisions"]:
            out.append(f"chart text {chart['smallest']:.1f} px, {chart['collisions']} collisions")
    return [f"{url}: {p}" for p in out]


@pytest.mark.parametrize("role", ["admin", "dispatcher", "unit_reporter", "leader", "inspector"])
def test_every_page_of_a_role_reads_well_on_a_desk_and_a_phone(new_page, live, role):
    username, password = PASSWORDS[role]
    page = new_page(username, password)
    found: list[str] = []
    visited = 0
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live["url"] + "/admin/")
        urls = _pages(page)
        queue, done = list(urls), set()
        while queue:
            url = queue.pop(0)
            if url in done:
                continue
            done.add(url)
            response = page.goto(live["url"] + url)
            seen = page.evaluate(LOOK)
            seen["status"] = response.status if response else 0
            found += _problems(url, seen)
            slug = re.sub(r"[^a-z0-9]+", "_", url.lower()).strip("_") or "home"
            shot(page, f"walk_{role}_{width}_{slug}", screens=3)
            visited += 1
            for kind in FOLLOWED:  # the first link of each kind met
                if not any(u.startswith(kind) for u in done | set(queue)):
                    link = page.locator(f"a[href^='{kind}']").first
                    if link.count():
                        queue.append(link.get_attribute("href"))
        assert all(any(u.startswith(kind) for u in done) for kind in FOLLOWED[::3]), width_name
    assert visited >= 2 * len(urls) and not found, "\n".join(found)
