"""The published fast/slow list as a file of record under instance/publicity/, laid out as the
export prints it (the same sheet as ``/api/v1/exports/fast-slow.xlsx``), written once per month."""
from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Engine, select

from ..excel.ledger import write_ledger
from ..excel.publicity_sheet import fast_slow_sheet
from ..projections.jobs import publicity


def publicity_path(instance_path: str, period: str) -> Path:
    return Path(instance_path) / "publicity" / f"{period}.xlsx"


def write_publicity_xlsx(path: Path, period: str, fast: list[dict], slow: list[dict],
                         basis: dict, published_on: str | None) -> None:
    listed = {"period": period, "fast": fast, "slow": slow, "basis": basis,
              "published_on": published_on or ""}
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a reader never sees half a file.
    tmp = path.with_suffix(".xlsx.tmp")
    write_ledger([fast_slow_sheet(listed, f"发布单位：区发展和改革局　　发布日期：{published_on or ''}")],
                 str(tmp))
    os.replace(tmp, path)


def ensure_publicity_file(engine: Engine, instance_path: str, period: str) -> Path | None:
    """Write the period's file if its list is published and the file is not there yet."""
    path = publicity_path(instance_path, period)
    if path.exists():
        return path
    with engine.connect() as conn:
        row = conn.execute(select(publicity).where(publicity.c.period == period)).mappings().first()
    if row is None:
        return None
    write_publicity_xlsx(path, period, json.loads(row["fast"]), json.loads(row["slow"]),
                         json.loads(row["basis"]), row["published_on"])
    return path
