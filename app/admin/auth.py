"""Logging in and out of the staff UI (Flask-Login), with session expiry and recorded failures."""
from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, Flask, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..auth.accounts import actor_of, find_user
from ..bootstrap import Services
from ..commands.base import ROLE_NAMES, Actor
from ..limits.redirects import same_site_path
from . import security

bp = Blueprint("duban_auth", __name__)


class StaffUser(UserMixin):
    """A row of the users table as Flask-Login sees it."""

    def __init__(self, row) -> None:
        self.id = row["username"]
        self.row = dict(row)

    @property
    def role(self) -> str:
        return self.row["role"]

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def actor(self) -> Actor:
        return actor_of(self.row, request.remote_addr)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=200)])
    next = HiddenField()


def services() -> Services:
    return current_app.extensions["duban"]


def _now() -> float:
    return services().clock().timestamp()


def _safe_next(target: str | None) -> str:
    # Only a path on this site (limits/redirects.py): "/\t/evil.example" is another site too.
    return same_site_path(target) or url_for("admin.index")


def load_user(username: str) -> StaffUser | None:
    login_at = session.get("login_at")
    max_age = current_app.config["ADMIN_SESSION_MAX_HOURS"] * 3600
    if login_at is None or _now() - login_at > max_age:
        # An absolute limit on top of the idle limit Flask applies to the cookie itself.
        session.clear()
        return None
    with services().engine.connect() as conn:
        row = find_user(conn, username)
    if row is None or not row["active"]:
        return None
    return StaffUser(row)


@bp.route("/login", methods=("GET", "POST"))
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        svc = services()
        username = form.username.data.strip()
        if security.recent_failures(svc, username) >= security.MAX_FAILURES:
            error = "该用户登录失败次数过多，请 15 分钟后再试。"
        else:
            with svc.engine.connect() as conn:
                row = find_user(conn, username)
            reason = ("unknown_user" if row is None else "inactive" if not row["active"]
                      else None if check_password_hash(row["password_hash"], form.password.data)
                      else "bad_password")
            if reason is None:
                session.clear()  # a fresh session id-space on each login: no fixation
                login_user(StaffUser(row))
                session.permanent = True
                session["login_at"] = _now()
                return redirect(_safe_next(form.next.data))
            security.record_login_failure(svc, username, reason, request.remote_addr)
            error = "用户名或密码错误。"
    return render_template("duban/login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=("POST",))
def logout():
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("duban_auth.login"))


@bp.before_request
def _csrf() -> None:
    # Every POST of the staff UI carries the session's CSRF token; the JSON API does not use
    # cookies, so it is left to its bearer tokens.
    if request.method == "POST":
        current_app.extensions["csrf"].protect()


def init_app(app: Flask) -> LoginManager:
    idle = app.config.setdefault("ADMIN_SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("ADMIN_SESSION_MAX_HOURS", 12)
    # Flask refreshes the cookie on each request and rejects one older than this: an idle limit.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=idle)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    manager = LoginManager(app)
    manager.login_view = "duban_auth.login"
    manager.login_message = "请先登录。"
    manager.login_message_category = "warning"
    manager.session_protection = "strong"
    manager.user_loader(load_user)
    app.register_blueprint(bp)
    if not any(rule.rule == "/" for rule in app.url_map.iter_rules()):
        # The site's front door leads to the staff UI, unless another part already serves "/".
        app.add_url_rule("/", "duban_root", lambda: redirect(url_for("admin.index")))
    return manager


def is_logged_in() -> bool:
    return bool(current_user and current_user.is_authenticated)
