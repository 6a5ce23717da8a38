"""The audit page's proofs panel: the signed checkpoints, signing one now, checking that today's
log extends a checkpoint an inspector kept (pasted), and a stream's evidence package."""
from __future__ import annotations

import tempfile

from flask import current_app, request, send_file
from flask_admin import expose

from ..audit.against import BadCheckpoint
from ..audit.checkpoints import checkpoint_line, checkpoints, fingerprint
from ..audit.package import build_package
from ..audit.setup import check_text, sign_now
from ..domain.errors import CommandError
from ..files.blobs import blob_store

SHOWN = 10


class ProofsPanel:
    """Mixin of AuditView (its routes sit under /admin/audit/)."""

    def proofs_panel(self, **extra) -> dict:
        with self.svc.engine.connect() as conn:
            listed = checkpoints(conn, limit=SHOWN)
        signer = self.svc.bus.resources.get("signer")
        return {"checkpoints": [dict(cp, fingerprint=fingerprint(cp)) for cp in listed],
                "line": checkpoint_line(listed[0] if listed else None),
                "key_id": signer.key_id() if signer else None,
                "public_key": signer.public_key().hex() if signer else None, **extra}

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
        stream = (request.args.get("package_stream") or "").strip()
        if not stream:
            return self._page(None, proofs=self.proofs_panel(message="请填写事件流。", ok=False))
        fh = tempfile.TemporaryFile(suffix=".zip")
        try:
            build_package(self.svc, stream, self.actor(), fh, blob_store(current_app.config))
        except CommandError as exc:
            fh.close()
            return self._page(None, proofs=self.proofs_panel(message=exc.message, ok=False))
        fh.seek(0)
        name = stream.replace(":", "-").replace("/", "-")
        return send_file(fh, mimetype="application/zip", as_attachment=True,
                         download_name=f"证据包-{name}.zip")
