"""Reference data the imports look things up in: units by code or name, rows by key in chunks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Sequence

from sqlalchemy import Select, select

from ..commands.statements import rows
from ..projections.units import units
from .cells import CellError

if TYPE_CHECKING:
    from .importing import Run

_CHUNK = 500  # keeps IN (...) lists well under every driver's parameter limit


def in_chunks(run: "Run", query: Select, column, keys: Sequence) -> Iterator:
    """Rows of ``query`` whose ``column`` is one of ``keys``, read in the import's unit of work."""
    assert run.uow is not None, "lookups run inside the import's unit of work"
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), _CHUNK):
        yield from rows(run.uow.tx, query.where(column.in_(keys[i:i + _CHUNK])))


def unit_names(run: "Run") -> dict[str, str]:
    """Unit code -> name, read once per import (units are never removed)."""
    if "units" not in run.cache:
        with run.services.engine.connect() as conn:
            run.cache["units"] = dict(conn.execute(select(units.c.code, units.c.name)).all())
    return run.cache["units"]


def resolve_unit(run: "Run", written: str) -> str:
    """A unit as people write it: its code, or its registered name."""
    names = unit_names(run)
    if written in names:
        return written
    codes = [code for code, name in names.items() if name == written]
    if len(codes) == 1:
        return codes[0]
    if codes:
        raise CellError(f"有多个单位名为“{written}”（编码 {'、'.join(codes)}），请填写单位编码。")
    raise CellError(f"单位“{written}”不存在：请填写已登记单位的名称或编码（可从模板的下拉列表选择）。")
