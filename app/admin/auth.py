"""Logging in and out of the staff UI (Flask-Login), with session expiry, the login rule shared
with the API (app/auth/login.py), and the password page."""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..auth.accounts import actor_of, find_user
from ..auth.login import Locked, LoginPolicy, log_in
from ..bootstrap import Services
from ..domain.actors import ROLE_NAMES, Actor
from ..domain.errors import CommandError, Unauthenticated
from ..limits.redirects import same_site_path

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
    if row is None or not row["active"] or session.get("generation") != row["token_generation"]:
        # deactivated, or the password changed (or every session was ended) since this login
        return None
    return StaffUser(row)


@bp.route("/login", methods=("GET", "POST"))
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error, status, retry_after = None, 200, 0
    if form.validate_on_submit():
        try:
            row = log_in(services(), current_app.config["SECRET_KEY"], form.username.data.strip(),
                         form.password.data, request.remote_addr,
                         LoginPolicy.from_config(current_app.config))
        except Locked as exc:
            error, status, retry_after = exc.message, 429, exc.retry_after
        except Unauthenticated as exc:
            error, status = exc.message, 401
        else:
            session.clear()  # a fresh session id-space on each login: no fixation
            login_user(StaffUser(row))
            session.permanent = True
            session["login_at"] = _now()
            session["generation"] = row["token_generation"]
            return redirect(_safe_next(form.next.data))
    response = make_response(render_template("duban/login.html", form=form, error=error), status)
    if status == 429:
        response.headers["Retry-After"] = str(retry_after)
    return response


class PasswordForm(FlaskForm):
    old_password = PasswordField("原密码", validators=[DataRequired("请输入原密码。"),
                                                      Length(max=200)])
    new_password = PasswordField("新密码", validators=[
        DataRequired("请输入新密码。"), Length(min=6, max=200, message="新密码须为 6 至 200 个字符。")])
    confirm = PasswordField("再次输入新密码", validators=[
        DataRequired("请再次输入新密码。"), EqualTo("new_password", "两次输入的新密码不一致。")])


@bp.route("/password", methods=("GET", "POST"))
@login_required
def change_password():
    """修改密码: every other session and token of the user ends; this session goes on."""
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            services().bus.execute("change_password", {
                "username": current_user.id, "old_password": form.old_password.data,
                "new_password": form.new_password.data}, current_user.actor())
        except CommandError as exc:
            for name, messages in (exc.fields or {}).items():
                if name in form:
                    form[name].errors = list(form[name].errors) + list(messages)
            error = exc.message
        else:
            with services().engine.connect() as conn:  # this session goes on under the new one
                session["generation"] = find_user(conn, current_user.id)["token_generation"]
            flash("密码已修改；此前签发的令牌及其他已登录的会话均已失效。", "success")
            return redirect(url_for("admin.index"))
    refused = error is not None or (request.method == "POST" and bool(form.errors))
    return render_template("duban/password.html", form=form, error=error), (400 if refused else 200)


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
