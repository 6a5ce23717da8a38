"""The inspectors' audit view: the event log with filters, and a button that verifies the chain.

The filters are those of ``app/events/search.py`` (who acted and which unit an event concerns
are read from the stored JSON's fields). Paging is by position (newest first, "older"
continues below the last one shown), which stays fast on millions of events where counting
and offsets would not.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import g, request
from flask_admin import BaseView, expose

from ..domain.actors import ADMIN, INSPECTOR
from ..events.audit import verify_chain
from ..events.search import EventQuery, search
from ..limits.paging import MAX_POSITION
from ..limits.web import InvalidInput
from .access import SecuredView
from .audit_proofs import ProofsPanel
from .event_fields import event_fields
from .ledger import parse_as_of
from .links import problem_timeline, project_timeline
from .vocab import ROLE_NAMES, event_name, local_instant

PAGE = 50


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

    def _query(self, args) -> EventQuery:
        as_of = self._instant("as_of")
        before = args.get("before", type=int)
        if before is not None and not 0 <= before <= MAX_POSITION:  # beyond BIGINT
            raise InvalidInput(f"位置须在 0 到 {MAX_POSITION} 之间。")
        return EventQuery(
            actor=(args.get("actor") or "").strip() or None,
            unit=(args.get("unit") or "").strip() or None,
            type=args.get("type") or None, stream=(args.get("stream") or "").strip() or None,
            date_from=args.get("date_from") or None, date_to=args.get("date_to") or None,
            recorded_from=self._instant("recorded_from"), recorded_to=self._instant("recorded_to"),
            before=before or None,
            until=self.svc.store.position_at(as_of) if as_of is not None else None)

    def _page(self, verified, proofs: dict | None = None):
        args = request.args
        query = self._query(args)
        with self.svc.engine.connect() as conn:
            rows = search(conn, query, PAGE + 1, newest_first=True)
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
                "fields": event_fields(json.loads(r.data), self.svc.tz),
                "actor": meta.get("actor"), "role": ROLE_NAMES.get(meta.get("role"), meta.get("role")),
                "unit": meta.get("unit"), "address": meta.get("client_address"),
                "command": meta.get("command"), "business_date": r.business_date,
                "recorded": local_instant(r.recorded_at, self.svc.tz), "hash": r.hash, "link": link}
