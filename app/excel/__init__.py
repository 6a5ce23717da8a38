"""Excel in and out, in the bureau's own forms: imports, templates and ledger exports."""
from __future__ import annotations

from typing import Any, Mapping

from .importing import ImportKind
from .reading import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Limits

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # the media type


def import_kinds() -> dict[str, ImportKind]:
    """The sheets that can be imported, by the name the command line and the API use."""
    from . import funding_import, progress_import, project_import, task_import

    return {"projects": project_import.KIND, "progress": progress_import.KIND,
            "tasks": task_import.KIND, "funding": funding_import.KIND}


def limits_from(config: Mapping[str, Any]) -> Limits:
    """EXCEL_MAX_BYTES (default 10 MB) and EXCEL_MAX_ROWS from the app's config or environment."""
    import os

    def setting(name: str, default: int) -> int:
        value = config.get(name) or os.environ.get(name)
        return int(value) if value else default

    return Limits(setting("EXCEL_MAX_BYTES", DEFAULT_MAX_BYTES),
                  setting("EXCEL_MAX_ROWS", DEFAULT_MAX_ROWS))
