"""The inspectors' audit view: the event log with filters, and a button that verifies the chain.

Filters on who and which unit read the stored metadata and payload texts. Those are canonical
JSON (sorted keys, no spaces), so a ``"actor":"name"`` fragment matches exactly that field.
Paging is by position (newest first, "older" continues below the last one shown), which
stays fast on millions of events where counting and offsets would not.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import g, request
from flask_admin import BaseView, expose
from sqlalchemy import or_, select

from ..domain.actors import ADMIN, INSPECTOR
from ..events.audit import verify_chain
from ..events.chain import canonical_json
from ..events.model import format_instant
from ..events.tables import events
from ..limits.paging import MAX_POSITION
from ..limits.web import InvalidInput
from .access import SecuredView
from .audit_proofs import ProofsPanel
from .ledger import parse_as_of
from .links import problem_timeline, project_timeline
from .vocab import ROLE_NAMES, event_name, local_instant

PAGE = 50
UNIT_KEYS = ("unit", "responsible_unit", "owner_unit")


def _field(column, key: str, value: str):
    """A JSON text column holds ``"key":value`` (canonical JSON) — exact, without JSON functions."""
    return column.contains(f'"{key}":{canonical_json(value)}', autoescape=True)


class AuditView(SecuredView, ProofsPanel, BaseView):
    """Every event, who recorded it and when; filters; verifying the hash chain; checkpoints,
    checking one kept outside, evidence packages (audit_proofs.py)."""

    roles = (INSPECTOR, ADMIN)

    @expose("/")
    def index(self):
        return self._page(None)

    @expose("/verify", methods=("POST",))
    def verify(self):
        as_of = self._instant("as_of")
        position = self.svc.store.position_at(as_of) if as_of else None
        return self._page(verify_chain(self.svc.engine, until_position=position))

    # -- the log -------------------------------------------------------------
    def _instant(self, name: str) -> datetime | None:
        try:
            return parse_as_of(request.values.get(name))
        except ValueError:  # shown above the log; the filter is left out
            g.setdefault("audit_bad", []).append(name)
            return None

    def _conditions(self, args) -> list:
        where = []
        if args.get("actor"):
            where.append(_field(events.c.meta, "actor", args["actor"].strip()))
        if args.get("unit"):
            unit = args["unit"].strip()
            where.append(or_(_field(events.c.meta, "unit", unit), events.c.stream_id == f"unit:{unit}",
                             *[_field(events.c.data, k, unit) for k in UNIT_KEYS]))
        if args.get("type"):
            where.append(events.c.type == args["type"])
        stream = (args.get("stream") or "").strip()
        if stream:
            where.append(events.c.stream_id.startswith(stream, autoescape=True)
                         if stream.endswith(":") else events.c.stream_id == stream)
        if args.get("date_from"):
            where.append(events.c.business_date >= args["date_from"])
        if args.get("date_to"):
            where.append(events.c.business_date <= args["date_to"])
        for name, op in (("recorded_from", "ge"), ("recorded_to", "le")):
            moment = self._instant(name)
            if moment is not None:
                text = format_instant(moment)
                where.append(events.c.recorded_at >= text if op == "ge" else events.c.recorded_at <= text)
        as_of = self._instant("as_of")
        if as_of is not None:
            where.append(events.c.position <= self.svc.store.position_at(as_of))
        return where

    def _page(self, verified, proofs: dict | None = None):
        args = request.args
        where = self._conditions(args)
        before = args.get("before", type=int)
        if before is not None and not 0 <= before <= MAX_POSITION:  # beyond BIGINT
            raise InvalidInput(f"位置须在 0 到 {MAX_POSITION} 之间。")
        if before:
            where.append(events.c.position < before)
        q = (select(events.c.position, events.c.stream_id, events.c.version, events.c.type,
                    events.c.data, events.c.meta, events.c.business_date, events.c.recorded_at,
                    events.c.hash)
             .where(*where).order_by(events.c.position.desc()).limit(PAGE + 1))
        with self.svc.engine.connect() as conn:
            rows = conn.execute(q).fetchall()
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        older = dict(args, before=rows[-1].position) if more and rows else None
        head = self.svc.store.head()
        return self.render("duban/audit.html", rows=[self._row(r) for r in rows], args=args,
                           older=older, verified=verified, head=head, bad=g.get("audit_bad", []),
                           proofs=proofs or self.proofs_panel(),
                           types=[(t, event_name(t)) for t in self.svc.events.names()])

    def _row(self, r) -> dict[str, Any]:
        meta = json.loads(r.meta)
        kind, _, key = r.stream_id.partition(":")
        link = (problem_timeline(key) if kind == "problem" else
                project_timeline(key) if kind == "project" else None)
        data = r.data if len(r.data) <= 400 else r.data[:400] + "…"
        return {"position": r.position, "stream": r.stream_id, "version": r.version,
                "type": r.type, "name": event_name(r.type), "data": data,
                "actor": meta.get("actor"), "role": ROLE_NAMES.get(meta.get("role"), meta.get("role")),
                "unit": meta.get("unit"), "address": meta.get("client_address"),
                "command": meta.get("command"), "business_date": r.business_date,
                "recorded": local_instant(r.recorded_at, self.svc.tz), "hash": r.hash, "link": link}
