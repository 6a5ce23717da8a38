"""The files part of ``audit verify``: every attached file against the hash its event records."""
from __future__ import annotations

from .blobs import blob_store
from .service import check_files


def files_report(engine, config, until_position: int | None = None) -> dict:
    checked, bad = check_files(engine, blob_store(config), until_position)
    return {"files_checked": checked, "bad_files": bad}


def with_files(result: dict, engine, config, until_position: int | None = None) -> dict:
    """An audit answer with the files' verdict added; not ok when a file is bad."""
    result.update(files_report(engine, config, until_position))
    result["ok"] = bool(result["ok"]) and not result["bad_files"]
    return result
