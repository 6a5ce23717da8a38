"""The one place where screens check who is looking: role, unit, CSRF, and what a refusal does."""
from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from ..bootstrap import Services
from ..domain.actors import ROLES, Actor
from . import security
from ..views.scope import Scope


def services() -> Services:
    return current_app.extensions["duban"]


WRITTEN = "duban_written"


def remember_write(result: dict) -> None:
    """The position of a command this person's page just recorded, kept in the session: the pages
    read after it include it, also when they are read on the read replica."""
    if result.get("position") is not None:
        session[WRITTEN] = max(result["position"], session.get(WRITTEN) or 0)


def written_position() -> int | None:
    """The position of the last command recorded from this session's pages (None: none yet)."""
    return session.get(WRITTEN)


def current_actor() -> Actor | None:
    if current_user and current_user.is_authenticated:
        return current_user.actor()
    return None


class SecuredView:
    """Mixin for every Flask-Admin view of duban (put it first among the bases).

    ``roles`` lists who may open the screen at all; unit reporters and leaders are further
    narrowed to their own rows through ``scope()``, and the command handlers check again.
    """

    roles: tuple[str, ...] = ROLES

    # -- who -------------------------------------------------------------
    @property
    def svc(self) -> Services:
        return services()

    def actor(self) -> Actor:
        actor = current_actor()
        if actor is None:  # only reachable from a view that skipped is_accessible
            raise RuntimeError("no user logged in")
        return actor

    def scope(self) -> Scope:
        return Scope(self.actor())

    # -- Flask-Admin hooks -------------------------------------------------
    def is_accessible(self) -> bool:
        actor = current_actor()
        return actor is not None and actor.role in self.roles

    def inaccessible_callback(self, name: Any, **kwargs: Any):
        if current_actor() is None:
            return redirect(url_for("duban_auth.login", next=request.full_path.rstrip("?")))
        return self.forbid("您的角色无权访问此页面。", action=getattr(self, "endpoint", None))

    def _handle_view(self, name: str, **kwargs: Any):
        if request.method == "POST":
            # CSRF on every form of the staff UI, including Flask-Admin's own.
            current_app.extensions["csrf"].protect()
        return super()._handle_view(name, **kwargs)  # type: ignore[misc]

    # -- refusals ----------------------------------------------------------
    def forbid(self, message: str, action: str | None = None):
        """Record the refusal in the security log and answer 403 with a Chinese page."""
        security.record_refusal(self.svc, self.actor(), request.path, request.method, action,
                                message)
        return self.render("duban/forbidden.html", message=message), 403  # type: ignore[attr-defined]
