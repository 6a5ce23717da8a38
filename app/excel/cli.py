"""flask --app wsgi import|export|template ...: Excel on the command line."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..auth.accounts import actor_of, find_user
from ..bootstrap import Services
from ..domain.actors import ADMIN, Actor
from ..domain.errors import CommandError
from ..limits.dates import INSTANT_RANGE_MESSAGE, day_in_range
from . import import_kinds, limits_from
from .importing import import_file


def _services() -> Services:
    return current_app.extensions["duban"]


def _actor(username: str | None) -> Actor:
    """Who the events will name: a real account when given, else the command line as admin."""
    if not username:
        return Actor("cli", ADMIN)
    with _services().engine.connect() as conn:
        row = find_user(conn, username)
    if row is None or not row["active"]:
        _fail(f"用户“{username}”不存在或已停用。")
    return actor_of(row)


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def _error(exc: CommandError) -> None:
    details = [f"  {k}：{'；'.join(v)}" for k, v in (exc.fields or {}).items()]
    _fail("\n".join([exc.message, *details]))


import_cli = AppGroup("import", help="导入 Excel：projects（重大项目清单）、progress（月度进度）、tasks（督办事项清单）。")


def _import(kind_name: str, file: str, username: str | None, dry_run: bool) -> None:
    path = Path(file)
    kind = import_kinds()[kind_name]
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"无法读取文件 {file}：{exc.strerror}")
    try:
        result = import_file(_services(), kind, data, _actor(username),
                             limits=limits_from(current_app.config), dry_run=dry_run)
    except CommandError as exc:  # e.g. a role that may not import this sheet
        _error(exc)
    report = result.report
    stream = sys.stdout if result.ok else sys.stderr
    click.echo(report["message"], file=stream)
    for e in report["errors"]:
        where = (f"第 {e['row']} 行 {e['column'] or ''}（{e['cell']}）" if e["row"]
                 else (e["cell"] or "文件"))
        click.echo(f"  {where}：{e['message']}", file=stream)
    for warning in report["warnings"]:
        click.echo(f"  注意：{warning}", err=True)
    if result.ok:
        return
    marked = result.marked_copy()
    if marked is not None:
        target = path.with_name(f"{path.stem}.错误标注.xlsx")
        try:
            target.write_bytes(marked)
            click.echo(f"已将标出错误的副本保存为 {target}", err=True)
        except OSError as exc:
            click.echo(f"（无法保存标注副本 {target}：{exc.strerror}）", err=True)
    sys.exit(1)


@import_cli.command("projects")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", "username", default=None, help="以该用户身份导入（事件记录的操作人）")
@click.option("--check", "dry_run", is_flag=True, help="只检查，不写入")
def import_projects(file: str, username: str | None, dry_run: bool) -> None:
    """导入重大项目清单（登记项目及其年度计划投资）。"""
    _import("projects", file, username, dry_run)


@import_cli.command("progress")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", "username", default=None, help="以该用户身份导入（事件记录的操作人）")
@click.option("--check", "dry_run", is_flag=True, help="只检查，不写入")
def import_progress(file: str, username: str | None, dry_run: bool) -> None:
    """导入月度进度填报表（及其中的存在问题）。"""
    _import("progress", file, username, dry_run)


@import_cli.command("tasks")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", "username", default=None, help="以该用户身份导入（事件记录的操作人）")
@click.option("--check", "dry_run", is_flag=True, help="只检查，不写入")
def import_tasks(file: str, username: str | None, dry_run: bool) -> None:
    """导入督办事项清单（如会议议定事项，逐行登记交办）。"""
    _import("tasks", file, username, dry_run)
@import_cli.command("funding")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", "username", default=None, help="以该用户身份导入（事件记录的操作人）")
@click.option("--check", "dry_run", is_flag=True, help="只检查，不写入")
def import_funding(file: str, username: str | None, dry_run: bool) -> None:
    """导入项目资金台账（申报、下达、到位）。"""
    _import("funding", file, username, dry_run)


# `export NAME FILE`: one subcommand per export, so that --help lists them
export_cli = AppGroup("export", help="导出台账（xlsx）。每个导出都可用 --as-of 取过去某一时点的数据。")


def _export_command(name: str, summary: str, uses_month: bool, options: tuple[str, ...]):
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--as-of", "as_of", default=None,
                  help="时点（ISO 8601，如 2026-06-30T18:00:00+08:00）：按该时点的数据导出")
    @click.option("--user", "username", default=None, help="以该用户的权限导出")
    @click.option("--org", default=None, help="表头“填报单位”（默认 EXCEL_ORG_NAME）")
    def command(file: str, as_of: str | None, username: str | None, org: str | None,
                **params) -> None:
        from .exports import run_export

        instant = None
        if as_of:
            try:
                instant = datetime.fromisoformat(as_of)
            except ValueError:
                _fail(f"时点“{as_of}”格式不对，应为 ISO 8601，如 2026-06-30T18:00:00+08:00。")
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=_services().tz)
            if not day_in_range(instant.date()):
                _fail(f"时点“{as_of}”超出范围：{INSTANT_RANGE_MESSAGE}")
        try:
            with open(file, "wb") as fh:
                n = run_export(_services(), name, fh, _actor(username), as_of=instant,
                               params={k: v for k, v in params.items() if v is not None},
                               org=org or current_app.config.get("EXCEL_ORG_NAME"))
        except CommandError as exc:
            Path(file).unlink(missing_ok=True)
            _error(exc)
        except OSError as exc:
            _fail(f"无法写入 {file}：{exc.strerror}")
        click.echo(f"已导出 {file}（{n} 行数据）。")

    command.__doc__ = summary
    if uses_month:
        command = click.option("--month", default=None, help="月份 YYYY-MM（默认：时点所在月）")(command)
    if "through" in options:
        command = click.option("--through", default=None,
                               help="截止月份 YYYY-MM 或截止日 YYYY-MM-DD（如 2019-06-25）")(command)
    if "stream" in options:
        command = click.option("--stream", default=None,
                               help="只导出该对象的事件，如 problem:P00001 或 project:")(command)
    return command


def _register_exports() -> None:
    from .exports import export_specs

    for spec in export_specs().values():
        export_cli.command(spec.name)(_export_command(spec.name, spec.summary, spec.uses_month,
                                                      spec.options))


_register_exports()

template_cli = AppGroup("template", help="下载导入模板（带下拉列表、示例行和列说明）。")


def _template(kind: str, file: str, username: str | None, month: str | None = None) -> None:
    from .templates import build_template

    try:
        data = build_template(_services(), kind, _actor(username), month=month)
    except CommandError as exc:  # a month not YYYY-MM or in the future
        _error(exc)
    try:
        Path(file).write_bytes(data)
    except OSError as exc:
        _fail(f"无法写入 {file}：{exc.strerror}")
    click.echo(f"已生成模板 {file}。")


@template_cli.command("projects")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", "username", default=None, help="按该用户的单位生成下拉列表")
def template_projects(file: str, username: str | None) -> None:
    """重大项目清单导入模板。"""
    _template("projects", file, username)


@template_cli.command("progress")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--user", "username", default=None, help="按该用户的单位预填项目")
@click.option("--month", default=None, help="填报月份 YYYY-MM（默认上月）")
def template_progress(file: str, username: str | None, month: str | None) -> None:
    """月度进度填报导入模板（按重大项目预填，不含储备项目）。"""
    _template("progress", file, username, month)


@template_cli.command("tasks")
@click.argument("file", type=click.Path(dir_okay=False))
def template_tasks(file: str) -> None:
    """督办事项清单导入模板（如会议议定事项，每行一项）。"""
    _template("tasks", file, None)
