"""联系方式与通知设置: one's e-mail and phone, quiet hours and daily digest; an admin's for anyone.

The same rules as ``POST /api/v1/users/{username}/contact`` (app/notify/contacts.py): a bad time is
refused with its reason beside the field (400) and nothing is saved."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose

from ..domain.errors import Forbidden, InvalidCommand, NotFound
from ..notify.contacts import FIELDS, get_contact, set_contact
from .access import SecuredView


class ContactView(SecuredView, BaseView):
    def is_visible(self) -> bool:
        return False  # opened from the inbox (one's own) and the users list (an admin's)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        actor = self.actor()
        username = request.args.get("user") or actor.username
        defaults = self.svc.notify.defaults()
        try:
            current = get_contact(self.svc.engine, actor, username, defaults)
        except Forbidden as exc:
            return self.forbid(exc.message, action="contact")
        except NotFound as exc:
            return self.render("duban/message.html", title="通知设置", message=exc.message), 404
        errors: dict[str, list[str]] = {}
        message = None
        if request.method == "POST":
            body = {k: request.form.get(k, "") for k in FIELDS}
            try:
                set_contact(self.svc.engine, actor, username, body, self.svc.clock(), defaults)
            except InvalidCommand as exc:
                errors, message = exc.fields or {}, exc.message
                current = {**current, **body}  # what was typed, shown back beside its fault
            else:
                flash("联系方式与通知设置已保存。", "success")
                return redirect(url_for(".index", user=username))
        page = self.render("duban/contact.html", c=current, errors=errors, message=message,
                           own=username == actor.username)
        return (page, 400) if errors or message else page
