"""The flask commands: flask --app wsgi <command>."""
from __future__ import annotations

import functools
import json
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from tqdm import tqdm

from . import schema
from .bootstrap import Services
from .domain.actors import ADMIN, ROLES, Actor
from .domain.errors import CommandError
from .events.audit import verify_chain
from .excel.cli import export_cli, import_cli, template_cli
from .failures import cli_sentence, failure_log
from .reports.cli import report_cli
from .scheduler.cli import scheduler_cli


def services() -> Services:
    return current_app.extensions["duban"]


def fail(exc: CommandError) -> None:
    click.echo(f"错误：{exc.message}", err=True)
    for field, messages in (exc.fields or {}).items():
        click.echo(f"  {field}：{'；'.join(messages)}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext  # also under the test runner
def init_db() -> None:
    """Create or upgrade the schema and the projections (safe to run again)."""
    svc = services()
    schema.upgrade(svc.engine)
    with tqdm(desc="重建投影", unit="事件", disable=None) as bar:
        rebuilt = svc.projections.ensure(svc.store, bar.update)
    click.echo("数据库已就绪。" + ("（投影已按新定义重建）" if rebuilt else ""))
    from .audit.setup import prepare_audit

    with tqdm(desc="默克尔树", unit="事件", disable=None) as bar:
        lines = prepare_audit(svc, bar.update)
    for line in lines:
        click.echo(line)


users_cli = AppGroup("users", help="Users and roles.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", default=None, help="unit code (required for unit_reporter)")
@click.option("--password", required=True)
@click.option("--name", "display_name", default=None, help="display name (a leader's name)")
def users_create(username: str, role: str, unit: str | None, password: str,
                 display_name: str | None) -> None:
    """Create a user."""
    actor = Actor("cli", ADMIN)
    try:
        services().bus.execute("create_user", {"username": username, "password": password,
                                               "role": role, "unit": unit,
                                               "display_name": display_name}, actor)
    except CommandError as exc:
        fail(exc)
    click.echo(f"已创建用户 {username}（{role}）。")


def _access(command: str, username: str, done: str) -> None:
    try:
        services().bus.execute(command, {"username": username}, Actor("cli", ADMIN))
    except CommandError as exc:
        fail(exc)
    click.echo(f"用户 {username} {done}。")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Take a user's access away: their tokens and sessions are refused at once."""
    _access("deactivate_user", username, "已停用，其令牌与会话均已失效")


@users_cli.command("reactivate")
@click.argument("username")
def users_reactivate(username: str) -> None:
    """Let a deactivated user log in again."""
    _access("reactivate_user", username, "已重新启用")


projections_cli = AppGroup("projections", help="Read models.")


@projections_cli.command("rebuild")
def projections_rebuild() -> None:
    """Drop every projection and rebuild it from the events."""
    svc = services()
    with tqdm(desc="重建投影", unit="事件", disable=None) as bar:
        n = svc.projections.rebuild(svc.store, bar.update)
    click.echo(f"已从 {n} 个事件重建全部投影。")


@projections_cli.command("checkpoints")
def projections_checkpoints() -> None:
    """Make the as-of checkpoints up to the last event (those missing)."""
    svc = services()
    n = svc.projections.checkpoints.prepare(svc.store)
    click.echo(f"时点查询检查点已就绪：{n} 个（每 {svc.projections.checkpoints.every} 个事件一个）。")


audit_cli = AppGroup("audit", help="The hash chain, checkpoints and evidence packages.")


@audit_cli.command("verify")
@click.option("--against", "against", type=click.Path(exists=True, dir_okay=False), default=None,
              help="a checkpoint kept earlier (JSON): is today's log an extension of it?")
def audit_verify(against: str | None) -> None:
    """Walk the hash chain; exit 1 with the first bad position if it was tampered with."""
    if against is not None:
        from .audit.setup import verify_against_file

        sys.exit(verify_against_file(services(), against, click.echo))
    result = verify_chain(services().engine)
    from .files.audit import files_report

    files = files_report(services().engine, current_app.config)
    for bad in files["bad_files"]:
        click.echo(f"附件异常：{bad['name']}（{bad['sha256']}）{bad['problem']}，"
                   f"见第 {bad['position']} 个事件（{bad['stream']}）。")
    if result.ok:
        click.echo(f"哈希链完整：已校验 {result.checked} 个事件，链头 {result.head}；"
                   f"已校验附件 {files['files_checked']} 个，异常 {len(files['bad_files'])} 个。")
        if files["bad_files"]:
            sys.exit(1)
        return
    click.echo(f"哈希链被破坏：第一个异常位置 {result.first_bad_position}（{result.reason}）。"
               f"此前 {result.checked} 个事件完好。")
    sys.exit(1)


@audit_cli.command("package")
@click.option("--stream", default=None, help="one stream, e.g. problem:P00001")
@click.option("--unit", default=None, help="one unit's streams, e.g. U01")
@click.option("--from", "date_from", default=None, help="first day recorded (YYYY-MM-DD)")
@click.option("--to", "date_to", default=None, help="last day recorded (YYYY-MM-DD)")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def audit_package(stream: str | None, unit: str | None, date_from: str | None,
                  date_to: str | None, out: str) -> None:
    """Write an evidence package (events, proofs, checkpoint, public key, files) to OUT.zip: of
    a stream, of a unit (optionally of a period), or of a period alone."""
    from .audit.package import build_package
    from .audit.selection import parse_selection
    from .files.blobs import blob_store

    try:
        selection = parse_selection(stream, unit, date_from, date_to)
        with open(out, "wb") as fh:
            summary = build_package(services(), selection, Actor("cli", ADMIN), fh,
                                    blob_store(current_app.config))
    except CommandError as exc:
        if os.path.exists(out):
            os.remove(out)
        fail(exc)
    cp = summary["checkpoint"]
    click.echo(f"已写出证据包 {out}：{summary['description']}，{summary['streams']} 个事件流的 "
               f"{summary['events']} 个事件，检查点覆盖前 {cp['size']} 个事件（签署于 {cp['timestamp']}）。")
    click.echo(f"校验：python tools/verify_package.py {out}")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint now and print it (keep a copy outside the system)."""
    from .audit.setup import sign_now

    try:
        cp = sign_now(services(), Actor("cli", ADMIN))
    except CommandError as exc:
        fail(exc)
    click.echo(json.dumps(cp, ensure_ascii=False))


@click.command("demo")
@with_appcontext  # also under the test runner, which does not push a context for plain commands
def demo() -> None:
    """Load the demonstration district (演示数据: 2019 年上半年) into an empty ledger.

    Does nothing on a database that already has projects. Demo users (用户名/密码):
    admin/admin123, dispatcher/dispatcher123, inspector/inspector123,
    leader/leader123 (张志强), reporter/reporter123 (区交通运输局).
    """
    from .demo.load import load_demo

    svc = services()
    schema.upgrade(svc.engine)  # a fresh machine may run demo before init-db
    svc.projections.ensure(svc.store)
    try:
        result = load_demo(svc)
    except CommandError as exc:
        fail(exc)
    if not result.loaded:
        click.echo("数据库中已有项目数据，未加载演示数据。")
        return
    click.echo(f"演示数据已加载：{result.commands} 条命令，用时 {result.seconds:.1f} 秒。")
    click.echo("演示用户（用户名 / 密码 / 角色）：")
    for username, password, role in result.users:
        click.echo(f"  {username:<11} {password:<15} {role}")
    for username in result.existing_users:
        click.echo(f"  {username:<11} （已存在，未修改其密码）")


def _ends_in_a_sentence(command: click.Command) -> None:
    """Every failure of a command (and of its subcommands) ends with a Chinese sentence and exit
    status 1, not a traceback; DUBAN_DEBUG=1 shows the traceback too."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _ends_in_a_sentence(sub)
        return
    callback = command.callback
    if callback is None or getattr(callback, "_duban_told", False):
        return

    @functools.wraps(callback)
    def told(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("DUBAN_DEBUG") == "1":
                failure_log.record("cli", exc, command.name or "")
            click.echo(f"错误：{cli_sentence(exc)}", err=True)
            sys.exit(1)

    told._duban_told = True  # type: ignore[attr-defined]
    command.callback = told


def init_app(app: Flask) -> None:
    for cmd in (init_db, users_cli, projections_cli, audit_cli, scheduler_cli, demo,
                import_cli, export_cli, template_cli, report_cli):
        app.cli.add_command(cmd)
    from .files.cli import files_cli

    app.cli.add_command(files_cli)
    for cmd in app.cli.commands.values():
        _ends_in_a_sentence(cmd)


