"""Driving the staff UI through Flask's test client, as a browser would: with CSRF tokens."""
from __future__ import annotations

import re
from html import unescape

from app.bootstrap import Services
from app.domain.actors import SYSTEM

_INPUT = re.compile(r'<input[^>]*>', re.S)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_inputs(html: str, visible: bool = False) -> dict[str, str]:
    """The hidden inputs of a page (csrf_token, command_id, expected_version, targets); with
    ``visible`` also what the page prefilled in its other inputs (a business date, a month)."""
    out = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs and (attrs.get("type") == "hidden" or visible and "value" in attrs):
            out[attrs["name"]] = unescape(attrs.get("value", ""))
    return out


class UI:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, username: str, password: str = "secret123"):
        page = self.client.get("/login")
        token = hidden_inputs(page.text)["csrf_token"]
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})

    def submit(self, url: str, data: dict, keep: dict | None = None):
        """Open a form, fill it in, post it back with what the page carried (CSRF, command id,
        version); ``keep`` overrides hidden values (a stale version, a reused command id)."""
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        form = hidden_inputs(page.text, visible=True)
        form.update(keep or {})
        form.update(data)
        return self.client.post(url, data=form)

    def logout(self):
        token = hidden_inputs(self.client.get("/admin/").text)["csrf_token"]
        return self.client.post("/logout", data={"csrf_token": token})


def setup_district(svc: Services) -> None:
    """Two units, a project of each, and one user per role."""
    run = lambda name, body: svc.bus.execute(name, body, SYSTEM)  # noqa: E731
    for code, name in (("U01", "城南镇"), ("U02", "城北镇")):
        run("register_unit", {"code": code, "name": name, "kind": "township"})
        run("set_investment_task", {"code": code, "year": 2026, "amount": 1200})
    for code, unit, name in (("XM001", "U01", "城南污水处理厂"), ("XM002", "U02", "城北产业园道路")):
        run("register_project", {"code": code, "name": name, "category": "district",
                                 "stage": "continuing", "owner_unit": unit,
                                 "responsible_unit": unit, "total_investment": 5000,
                                 "leader": "张志强", "date": "2026-01-05"})
        run("set_annual_plan", {"code": code, "year": 2026, "planned_investment": 1200})
    users = [("disp", "dispatcher", None, None), ("rep1", "unit_reporter", "U01", None),
             ("rep2", "unit_reporter", "U02", None), ("insp", "inspector", None, None),
             ("lead", "leader", None, "张志强"), ("root", "admin", None, None)]
    for username, role, unit, display in users:
        run("create_user", {"username": username, "password": "secret123", "role": role,
                            "unit": unit, "display_name": display})


def events_of(svc: Services, stream: str | None = None) -> list:
    evs = list(svc.store.read_all())
    return [e for e in evs if stream is None or e.stream_id == stream]
