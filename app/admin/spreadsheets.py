"""导入导出: the month's spreadsheet work from the staff pages alone.

The same exports, templates and imports as ``/api/v1/exports``, ``/templates`` and ``/imports``
(the same functions of ``app/excel``, the same role rules and refusals), for a logged-in browser:
download a ledger as it stands or as of an instant, a template for the month, upload a sheet to
check or import, and, when it is refused, the marked copy.

A marked copy is kept for its uploader under ``instance/marked`` for an hour, named by a random
token: the page that reports the errors links to it, and a page of any worker process serves it.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import time
from datetime import datetime
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose

from ..domain.errors import CommandError
from ..excel import XLSX, import_kinds, limits_from
from ..excel.exports import export_file, export_specs
from ..excel.importing import import_file
from ..excel.templates import build_template
from ..limits.web import allows_upload
from .access import SecuredView, written_position

MARKED_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class SpreadsheetView(SecuredView, BaseView):
    """/admin/spreadsheets/: exports, templates and imports, each offered to the roles it allows."""

    @expose("/")
    def index(self):
        return self._page()

    @expose("/export/<export>")
    def export(self, export: str):
        # (the URL part is not "name": Flask-Admin's _handle_view already takes that)
        name = export
        spec = export_specs().get(name)
        if spec is None:
            abort(404)
        actor = self.actor()
        if actor.role not in spec.roles:
            return self.forbid(f"您的角色无权导出{spec.title}。", action=f"export:{name}")
        month = request.args.get("month") or None
        try:
            as_of = self._instant(request.args.get("as_of"))
            if month is not None and not _MONTH.match(month):
                raise CommandError("月份格式应为 YYYY-MM。")
            fh = export_file(self.svc, name, actor, as_of=as_of,
                             params={"month": month} if month else None,
                             org=current_app.config.get("EXCEL_ORG_NAME"), after=written_position())
        except CommandError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        day = (as_of or self.svc.clock()).astimezone(self.svc.tz).date()
        return send_file(fh, mimetype=XLSX, as_attachment=True,
                         download_name=spec.download_name(day, month))

    @expose("/template/<kind>")
    def template(self, kind: str):
        spec = import_kinds().get(kind)
        if spec is None:
            abort(404)
        try:
            data = build_template(self.svc, kind, self.actor(),
                                  month=request.args.get("month") or None)
        except CommandError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=f"{spec.title}导入模板.xlsx")

    @expose("/import", methods=("POST",))
    @allows_upload(lambda config: limits_from(config).max_bytes)
    def upload(self):
        kind = request.form.get("kind", "")
        spec = import_kinds().get(kind)
        if spec is None:
            flash("请选择要导入的表格类型。", "error")
            return redirect(url_for(".index"))
        actor = self.actor()
        if actor.role not in spec.roles:
            return self.forbid(f"您的角色无权导入{spec.title}。", action=f"import:{kind}")
        upload = request.files.get("file")
        limits = limits_from(current_app.config)
        data = upload.stream.read(limits.max_bytes + 1) if upload is not None else b""
        if upload is None or not upload.filename:
            flash("请选择要上传的 Excel 文件（.xlsx）。", "error")
            return redirect(url_for(".index"))
        dry_run = request.form.get("check") == "1"
        try:
            result = import_file(self.svc, spec, data, actor, limits=limits, dry_run=dry_run)
        except CommandError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        marked = None
        if not result.ok:
            copy = result.marked_copy()
            if copy is not None:
                stem = (upload.filename or f"{kind}.xlsx").rsplit(".", 1)[0]
                marked = (_keep_marked(copy, actor.username), f"{stem}.错误标注.xlsx")
        return self._page(result=result.report, marked=marked, kind=kind,
                          status=200 if result.ok else 400)

    @expose("/marked/<token>")
    def marked(self, token: str):
        path = _marked_dir() / f"{token}.xlsx" if _TOKEN.match(token) else None
        owner = path.with_suffix(".owner") if path is not None else None
        if path is None or not path.exists() or owner.read_text() != self.actor().username:
            return self.render("duban/message.html", title="标注副本",
                               message="标注副本不存在或已过期（保留一小时），请重新上传检查。"), 404
        name = request.args.get("name") or "错误标注.xlsx"
        if not name.endswith(".xlsx"):
            name += ".xlsx"
        return send_file(io.BytesIO(path.read_bytes()), mimetype=XLSX, as_attachment=True,
                         download_name=name)

    # -- the page ----------------------------------------------------------
    def _page(self, result: dict | None = None, marked: tuple[str, str] | None = None,
              kind: str | None = None, status: int = 200):
        role = self.actor().role
        exports = [s for s in export_specs().values() if role in s.roles]
        kinds = [(name, k) for name, k in import_kinds().items() if role in k.roles]
        today = self.svc.today()
        last_month = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"
        return self.render("duban/spreadsheets.html", exports=exports, kinds=kinds,
                           result=result, marked=marked, chosen=kind,
                           this_month=today.strftime("%Y-%m"), last_month=last_month), status

    def _instant(self, text: str | None) -> datetime | None:
        """A datetime-local input's value, in the bureau's time zone; never in the future."""
        if not text:
            return None
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            raise CommandError("时点格式不正确，请选择日期和时间。") from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=self.svc.tz)
        if instant > self.svc.clock():
            raise CommandError("时点不能晚于现在。")
        return instant


def _message(exc: CommandError) -> str:
    if exc.fields:
        return exc.message + " " + "；".join(m for ms in exc.fields.values() for m in ms)
    return exc.message


def _marked_dir() -> Path:
    path = Path(current_app.instance_path) / "marked"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep_marked(data: bytes, username: str) -> str:
    """Keep a marked copy for its uploader; copies older than an hour go."""
    folder = _marked_dir()
    cutoff = time.time() - MARKED_SECONDS
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:  # another worker cleared it first
            pass
    token = secrets.token_urlsafe(24)
    target = folder / f"{token}.xlsx"
    tmp = folder / f".{token}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    (folder / f"{token}.owner").write_text(username)
    return token
