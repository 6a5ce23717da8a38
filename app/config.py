"""Settings read from the environment (see the README's configuration table)."""
from __future__ import annotations

import os
from pathlib import Path


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "duban.sqlite3")


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def from_environment(instance_path: str) -> dict:
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_database_url(instance_path),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        "TZ_NAME": os.environ.get("TZ_NAME", "Asia/Shanghai"),
        "TOKEN_MAX_AGE": int(os.environ.get("TOKEN_MAX_AGE", str(12 * 3600))),
        "JSON_AS_ASCII": False,
        # cookies and transport (app/limits/headers.py): Flask defines SAMESITE as None, so it is
        # set here rather than defaulted
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": flag("SESSION_COOKIE_SECURE"),
        "FORCE_HTTPS": flag("FORCE_HTTPS"),
    }
