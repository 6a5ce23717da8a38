"""flask --app wsgi report pdf FILE.pdf [--year Y] [--through Y-MM or Y-MM-DD]."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..domain.errors import CommandError
from ..excel.cli import _actor, _error, _fail, _services

report_cli = AppGroup("report", help="The half-year report (工作汇总报告).")


@report_cli.command("pdf")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--year", type=int, default=None, help="年度（默认：给了 --through 时为其年度）")
@click.option("--through", default=None, help="截止月份 YYYY-MM 或截止日 YYYY-MM-DD")
@click.option("--user", "username", default=None, help="以该用户的权限生成")
def report_pdf(file: str, year: int | None, through: str | None, username: str | None) -> None:
    """The report with its blanks filled, as a PDF."""
    from .printing import parse_period, summary_pdf

    svc = _services()
    try:
        period = parse_period(year, through, svc.today())
        data = summary_pdf(svc, _actor(username), period,
                           org=current_app.config.get("EXCEL_ORG_NAME"))
    except CommandError as exc:
        _error(exc)
    try:
        with open(file, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        _fail(f"无法写入 {file}：{exc.strerror}")
    click.echo(f"已生成 {file}（{period.label}）。")
