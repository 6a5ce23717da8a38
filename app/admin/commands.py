"""Command forms: every command a role may issue, through the same bus as the API.

A form carries a command id (a double click records once) and, when it acts on an existing
thing, the stream version it was opened at: if someone else acted in between, the bus refuses
with 409 and the page says so instead of overwriting, keeping what was typed in a form opened at
the current version. Handler refusals come back as Chinese errors on the fields they concern.

The browser's Back button may fetch a form again after it was submitted: the form then carries
the command id and version of that submission (kept in the session for ``RESUBMIT_SECONDS``), so
that submitting the same content again answers what the first submission got and records
nothing. Different content is a deliberate second entry (a correction, another note): it is
decided anew, at the version the first submission left.
"""
from __future__ import annotations

import hashlib
import json
import time
import uuid

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select

from ..commands.problem_rules import levels_for
from ..domain.actors import ROLE_NAMES
from ..domain.errors import CommandError, Conflict, Forbidden, InvalidCommand
from ..events.search import stream_version
from ..limits.web import allows_upload
from ..projections.problems import problems
from ..projections.projects import projects
from ..projections.units import units
from ..views.problems import rows_with_names as problem_rows
from ..views.projects import rows_with_figures as project_rows
from ..views.scope import Scope
from ..views.tasks import rows_with_light as task_rows
from . import links, security
from .access import SecuredView, remember_write
from .auth import _safe_next
from .forms import FORMS, CommandForm, form_class, has_files, payload, uploaded_files


RESUBMIT_SECONDS = 600
# Forms that judge a resolution report: they show it.
JUDGING = ("verify_resolution", "reject_resolution")
_LAST = "duban_last_form"


def menu_commands() -> list[tuple[str, str]]:
    return [(f.menu, f.command) for f in FORMS.values() if f.menu]


# A form's body may carry several evidence files (the limit is raised before any of it is read).
MAX_FILES_PER_FORM = 10


class CommandView(SecuredView, BaseView):
    """One screen per command form, at /admin/commands/<command>/."""

    def is_visible(self) -> bool:
        return False  # reached from the 办理 menu and from row buttons

    @expose("/")
    def index(self):
        available = [(f.menu, f.command) for f in FORMS.values() if f.menu and links.can(f.command)]
        return self.render("duban/command_index.html", available=available)

    @expose("/<command>/", methods=("GET", "POST"))
    @allows_upload(lambda config: MAX_FILES_PER_FORM * config["ATTACHMENT_MAX_BYTES"])
    def form(self, command: str):
        # (the URL part is "command": Flask-Admin's _handle_view already takes "name")
        name = command
        spec = FORMS.get(name)
        if spec is None:
            abort(404)
        spec_of_bus = self.svc.commands.specs.get(name)
        if spec_of_bus is None:
            return self.render("duban/message.html", title=spec.title,
                               message="该功能尚未启用。"), 404
        actor = self.actor()
        if actor.role not in spec_of_bus.roles:
            return self.forbid(f"您的角色（{ROLE_NAMES.get(actor.role, actor.role)}）无权办理"
                               f"“{spec.title}”。", action=name)
        key = spec.target[0] if spec.target else None
        given = request.args.get(key) if key else None
        suggestions = self._suggestions(spec)
        unit_choices = suggestions.get("unit", [])
        form = form_class(spec, bool(given), unit_choices)()
        if "level" in form and name == "dispatch_problem":  # only the levels the actor may decide at
            form.level.choices = [(str(k), v) for k, v in levels_for(actor).items()]
        subject = self._subject(spec, given) if given else None
        if given and subject is None:
            return self.render("duban/message.html", title=spec.title,
                               message=f"{spec.target[2]}“{given}”不存在或不在您的办理范围内。"), 404
        errors: list[str] = []
        stale = False
        again = None
        if request.method == "GET":
            self._prefill(spec, form, given)
            again = self._resubmission(form)
        elif form.validate_on_submit():
            # the version the page was opened at; a form without one is not checked against it
            version = (form.expected_version.data or "").strip()
            try:
                if version and not (version.isascii() and version.isdigit() and len(version) < 16):
                    raise InvalidCommand("表单已失效（版本号无效），请刷新页面后重新填写。")
                body = payload(spec, form, {name: code for code, name in unit_choices})
                if has_files(spec):
                    body["attachments"] = self._keep_files(form, actor)
                if given:  # the page's subject, not whatever a hidden input was changed to
                    body[key] = given
                version = self._second_entry(form, body, version)
                result = self.svc.bus.execute(
                    name, body, actor, command_id=form.command_id.data or None,
                    expected_version=int(version) if version else None)
            except CommandError as exc:
                stale = isinstance(exc, Conflict) and bool(version)
                errors = self._attach(form, exc)
                if stale:  # what was typed stays, in a form opened at the current version
                    form.command_id.data = uuid.uuid4().hex
                    form.expected_version.data = self._version(spec, given)
                if isinstance(exc, Forbidden):
                    security.record_refusal(self.svc, actor, request.path, request.method, name,
                                            exc.message)
            else:
                remember_write(result)
                session[_LAST] = {"path": request.full_path, "command_id": form.command_id.data,
                                  "version": version, "after": str(result["version"]),
                                  "body": _digest(body), "at": time.time(),
                                  "result": f"{result['id']}（第 {result['version']} 版）"}
                flash(f"已办理“{spec.title}”：{result['id']}（记录第 {result['version']} 版）。",
                      "success")
                return redirect(self._after(spec, result))
        judged = self._judged(name, given)
        return self.render("duban/command_form.html", spec=spec, form=form, subject=subject,
                           judged=judged,
                           errors=errors, stale=stale, again=again, suggestions=suggestions,
                           timeline=self._timeline(spec, given),
                           back=_safe_next(request.args.get("next")))

    # -- helpers -----------------------------------------------------------
    def _resubmission(self, form) -> dict | None:
        """The form just submitted from this page, opened again (the browser's Back): it gets
        that submission's command id and version, so a second 提交 records nothing more. None
        when this is a fresh form (``again=1`` asks for one)."""
        last = session.get(_LAST)
        path = request.full_path
        if request.args.get("again") or not last:
            return None
        if last["path"] != path or time.time() - last["at"] > RESUBMIT_SECONDS:
            return None
        form.command_id.data = last["command_id"]
        form.expected_version.data = last["version"]
        args = {**request.args.to_dict(), "again": "1"}
        if "next" in args:  # where the form returns to: this site only, as its 取消
            args["next"] = _safe_next(args["next"])
        return {"result": last["result"], "fresh": url_for(".form", command=request.view_args["command"], **args)}

    def _judged(self, name: str, given: str | None):
        """For verifying or sending back a resolution: the report being judged, with its files."""
        if name not in JUDGING or not given:
            return None
        from .timelines import entry, with_photo_facts

        reports = [ev for ev in self.svc.store.read_stream(f"problem:{given}")
                   if ev.type == "ResolutionReported"]
        if not reports:
            return None
        return with_photo_facts(self.svc.engine, [entry(reports[-1], self.svc.tz)])[0]

    def _second_entry(self, form, body: dict, version: str) -> str:
        """A form reopened after its submission (``_resubmission``) sent with other content: a new
        command at the version the first submission left (someone else's change since is still
        refused as stale). The version to send."""
        last = session.get(_LAST)
        if not last or form.command_id.data != last["command_id"] or _digest(body) == last["body"]:
            return version
        form.command_id.data = uuid.uuid4().hex
        return last["after"] if version else version

    def _version(self, spec: CommandForm, given: str | None) -> str:
        """The current version of the form's subject ("" for a form that creates one)."""
        if not given:
            return ""
        with self.svc.engine.connect() as conn:
            version = stream_version(conn, f"{spec.target[1]}:{given}")
        return str(version or "")

    def _prefill(self, spec: CommandForm, form, given: str | None) -> None:
        form.command_id.data = uuid.uuid4().hex
        if given:
            form[spec.target[0]].data = given
            form.expected_version.data = self._version(spec, given)
        today = self.svc.today()
        for inp in spec.inputs:
            if inp.name in request.args:
                form[inp.name].data = request.args[inp.name]
            elif inp.name == "date":  # the business date: today unless history is entered
                form[inp.name].data = today.isoformat()
            elif inp.kind == "month":
                form[inp.name].data = today.strftime("%Y-%m")

    def _keep_files(self, form, actor) -> list[str]:
        """Keep each chosen file (judged and stored as an API upload is) and name it by hash."""
        from ..files.blobs import blob_store
        from ..files.service import keep_upload

        limit = current_app.config["ATTACHMENT_MAX_BYTES"]
        hashes = []
        for f in uploaded_files(form):
            data = f.stream.read(limit + 1)
            if len(data) > limit:
                raise InvalidCommand("输入有误，请检查标出的字段。", {"attachments": [
                    f"“{f.filename}”过大，单个附件上限为 {limit / 1048576:.0f} MB。"]})
            try:
                up = keep_upload(self.svc.engine, blob_store(current_app.config), actor,
                                 f.filename, data, self.svc.clock())
            except InvalidCommand as exc:
                raise InvalidCommand(exc.message, {"attachments": [
                    f"“{f.filename}”：{m}" for m in (exc.fields or {}).get("file", [exc.message])]})
            hashes.append(up.sha256)
        return hashes

    def _attach(self, form, exc: CommandError) -> list[str]:
        """Put each field's messages on its input; what belongs to no input goes on top."""
        general = [exc.message]
        for field, messages in (exc.fields or {}).items():
            if field in form and field not in ("command_id", "expected_version", "csrf_token") \
                    and form[field].type != "HiddenField":
                form[field].errors = list(form[field].errors) + list(messages)
            else:
                general.extend(messages)
        return general

    def _after(self, spec: CommandForm, result: dict) -> str:
        target = request.args.get("next")
        if target:
            return _safe_next(target)
        kind = spec.target[1] if spec.target else {"register_project": "project",
                                                    "raise_problem": "problem"}.get(spec.command)
        if kind == "problem":
            return links.problem_timeline(result["id"])
        if kind == "project":
            return links.project_timeline(result["id"])
        if kind == "task" or spec.command == "register_task":
            return url_for("task_timeline.index", id=result["id"])
        return url_for("admin.index")

    def _subject(self, spec: CommandForm, key: str):
        """The row the command acts on, if it exists and the actor may act on it."""
        kind = spec.target[1]
        scope = Scope(self.actor())
        with self.svc.engine.connect() as conn:
            if kind == "problem":
                src = problem_rows(self.svc.today().isoformat()).subquery()
                cond = scope.problems(src.c.unit, src.c.responsible_unit, src.c.leader,
                                      src.c.project)
                return conn.execute(select(src).where(src.c.id == key, cond)).first()
            if kind == "project":
                src = project_rows(self.svc.today().year, self.svc.today().strftime("%Y-%m")).subquery()
                cond = scope.projects(src.c.owner_unit, src.c.responsible_unit, src.c.leader)
                return conn.execute(select(src).where(src.c.code == key, cond)).first()
            if kind == "unit":
                return conn.execute(select(units).where(units.c.code == key)).first()
            if kind == "task":
                src = task_rows(self.svc.today()).subquery()
                return conn.execute(select(src).where(src.c.id == key,
                                                      scope.tasks(src.c.id, src.c.leader))).first()
        return None

    def _suggestions(self, spec: CommandForm) -> dict[str, list[tuple[str, str]]]:
        wanted = {i.suggest for i in spec.inputs if i.suggest}
        if spec.target and not request.args.get(spec.target[0]):
            wanted.add(spec.target[1])
        out: dict[str, list[tuple[str, str]]] = {}
        with self.svc.engine.connect() as conn:
            if "unit" in wanted:
                out["unit"] = [(r.code, r.name) for r in conn.execute(
                    select(units.c.code, units.c.name).order_by(units.c.code))]
            if "project" in wanted:
                cond = Scope(self.actor()).projects(projects.c.owner_unit,
                                                    projects.c.responsible_unit, projects.c.leader)
                out["project"] = [(r.code, r.name) for r in conn.execute(
                    select(projects.c.code, projects.c.name).where(cond, projects.c.stage != "reserve")
                    .order_by(projects.c.code).limit(2000))]
            if "problem" in wanted:
                cond = Scope(self.actor()).problems(problems.c.unit, problems.c.responsible_unit,
                                                    problems.c.leader, problems.c.project)
                out["problem"] = [(r.id, r.description[:30]) for r in conn.execute(
                    select(problems.c.id, problems.c.description).where(cond)
                    .order_by(problems.c.id.desc()).limit(500))]
        return out

    def _timeline(self, spec: CommandForm, given: str | None) -> str | None:
        if not (spec.target and given):
            return None
        if spec.target[1] == "problem":
            return links.problem_timeline(given)
        if spec.target[1] == "project":
            return links.project_timeline(given)
        if spec.target[1] == "task":
            return url_for("task_timeline.index", id=given)
        return None


def _digest(body: dict) -> str:
    """What a form sent, to tell the same content sent again from a second entry."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()
