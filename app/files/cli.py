"""``flask --app wsgi files cleanup``: remove the uploads nobody named within the grace period."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from .blobs import blob_store
from .service import remove_unreferenced

files_cli = AppGroup("files", help="Evidence files (附件).")


@files_cli.command("cleanup")
@click.option("--grace-hours", type=float, default=None,
              help="Keep uploads younger than this (default ATTACHMENT_GRACE_HOURS, 24).")
def cleanup(grace_hours: float | None) -> None:
    """Remove uploaded files that no event names, once older than the grace period."""
    svc = current_app.extensions["duban"]
    hours = current_app.config["ATTACHMENT_GRACE_HOURS"] if grace_hours is None else grace_hours
    gone = remove_unreferenced(svc.bus, blob_store(current_app.config), svc.clock(),
                               timedelta(hours=hours))
    click.echo(f"已清理未被引用的附件 {len(gone)} 个。")
