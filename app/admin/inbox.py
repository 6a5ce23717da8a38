"""The inbox (站内通知) in the staff pages: the bell's count, the messages, marking them read, and
for admins the messages that could not be delivered."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose

from ..domain.actors import ADMIN
from ..domain.errors import NotFound
from ..notify.inbox import mark_read, messages, unread_count
from ..notify.sender import failed_messages
from .access import SecuredView, current_actor, services


def unread_for_navbar() -> dict:
    """``duban_unread()`` for the navbar's bell: the logged-in user's unread messages."""
    def count() -> int:
        actor = current_actor()
        if actor is None:
            return 0
        with services().engine.connect() as conn:
            return unread_count(conn, actor.username)

    return {"duban_unread": count}


class InboxView(SecuredView, BaseView):
    def is_visible(self) -> bool:
        return False  # the bell in the navbar opens it

    @expose("/")
    def index(self):
        actor = self.actor()
        only_unread = request.args.get("unread") == "1"
        with self.svc.engine.connect() as conn:
            items = messages(conn, actor.username, True if only_unread else None)
            failed = failed_messages(conn) if actor.role == ADMIN else []
        return self.render("duban/inbox.html", items=items, failed=failed, only_unread=only_unread)

    @expose("/read", methods=("POST",))
    def read(self):
        actor = self.actor()
        ids = request.form.getlist("id")
        try:
            for message_id in ids:
                mark_read(self.svc.engine, actor.username, message_id, self.svc.clock())
        except NotFound as exc:
            flash(exc.message, "error")
        target = request.form.get("next")
        if target and target.startswith("/admin/") and not target.startswith("//"):
            return redirect(target)
        return redirect(url_for(".index"))
