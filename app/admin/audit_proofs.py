"""The audit page's proofs panel: the signed checkpoints, signing one now, checking that today's
log extends a checkpoint an inspector kept (pasted), evidence packages (of a stream, a unit or
a period), and the 督查通报 to print (each carries the latest checkpoint)."""
from __future__ import annotations

import tempfile

from flask import current_app, request, send_file
from flask_admin import expose
from sqlalchemy import select

from ..audit.against import BadCheckpoint
from ..audit.checkpoints import checkpoint_line, checkpoints, fingerprint
from ..audit.package import build_package
from ..audit.selection import parse_selection
from ..audit.setup import check_text, sign_now
from ..domain.errors import CommandError
from ..files.blobs import blob_store
from ..projections.oversight import bulletins

SHOWN = 10
BULLETINS_SHOWN = 20


class ProofsPanel:
    """Mixin of AuditView (its routes sit under /admin/audit/)."""

    def proofs_panel(self, **extra) -> dict:
        with self.svc.engine.connect() as conn:
            listed = checkpoints(conn, limit=SHOWN)
            issued = conn.execute(select(bulletins.c.number, bulletins.c.title, bulletins.c.on_date)
                                  .order_by(bulletins.c.on_date.desc(), bulletins.c.number.desc())
                                  .limit(BULLETINS_SHOWN)).all()
        signer = self.svc.bus.resources.get("signer")
        return {"checkpoints": [dict(cp, fingerprint=fingerprint(cp)) for cp in listed],
                "line": checkpoint_line(listed[0] if listed else None),
                "key_id": signer.key_id() if signer else None,
                "public_key": signer.public_key().hex() if signer else None,
                "bulletins": [{"number": n, "title": t, "date": d} for n, t, d in issued], **extra}

    @expose("/checkpoint", methods=("POST",))
    def sign_checkpoint(self):
        try:
            cp = sign_now(self.svc, self.actor())
        except CommandError as exc:
            return self._page(None, proofs=self.proofs_panel(message=exc.message, ok=False))
        return self._page(None, proofs=self.proofs_panel(
            message=f"已签署检查点：前 {cp['size']} 个事件。", ok=True))

    @expose("/against", methods=("POST",))
    def check_against(self):
        text = request.form.get("checkpoint", "").strip()
        try:
            result = check_text(self.svc, text)
        except BadCheckpoint as exc:
            return self._page(None, proofs=self.proofs_panel(against_error=str(exc), pasted=text))
        return self._page(None, proofs=self.proofs_panel(against=result, pasted=text))

    @expose("/package")
    def package(self):
        """One of three forms: ``kind`` stream (package_stream), unit (package_unit and, if
        given, package_from/package_to) or period (package_from/package_to)."""
        a = request.args
        kind = a.get("kind", "stream")
        try:
            selection = parse_selection(a.get("package_stream") if kind == "stream" else None,
                                        a.get("package_unit") if kind == "unit" else None,
                                        a.get("package_from") if kind != "stream" else None,
                                        a.get("package_to") if kind != "stream" else None)
        except CommandError as exc:
            return self._page(None, proofs=self.proofs_panel(message=_said(exc), ok=False))
        fh = tempfile.TemporaryFile(suffix=".zip")
        try:
            build_package(self.svc, selection, self.actor(), fh, blob_store(current_app.config))
        except CommandError as exc:
            fh.close()
            return self._page(None, proofs=self.proofs_panel(message=_said(exc), ok=False))
        fh.seek(0)
        return send_file(fh, mimetype="application/zip", as_attachment=True,
                         download_name=f"证据包-{selection.file_label()}.zip")

    @expose("/bulletin.pdf")
    def bulletin_pdf(self):
        """The 督查通报 to print, for the staff pages' session (the API's takes a token)."""
        from .oversight import printed_bulletin

        return printed_bulletin(self)


def _said(exc: CommandError) -> str:
    """The refusal with what it says of each field."""
    details = "；".join(m for messages in (exc.fields or {}).values() for m in messages)
    return f"{exc.message}{'（' + details + '）' if details else ''}"
