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
        # a streaming replica for live reads (app/replica.py); unset: the primary answers all
        "DATABASE_READ_URL": os.environ.get("DATABASE_READ_URL") or None,
        "READ_REPLICA_WAIT_MS": float(os.environ.get("READ_REPLICA_WAIT_MS", "500")),
        # None: a random key kept in instance/ (app/auth/secret.py); never a constant
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
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
        "AUDIT_SIGNING_KEY_FILE": (os.environ.get("AUDIT_SIGNING_KEY_FILE")
                                   or str(Path(instance_path) / "audit_signing_key.pem")),
        # evidence files (附件)
        "BLOB_DIR": os.environ.get("BLOB_DIR") or str(Path(instance_path) / "blobs"),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024))),
        "ATTACHMENT_GRACE_HOURS": float(os.environ.get("ATTACHMENT_GRACE_HOURS", "24")),
        # as-of answers from checkpoints on disk (app/projections/asof.py)
        "ASOF_DIR": os.environ.get("ASOF_DIR") or str(Path(instance_path) / "asof"),
        "ASOF_CHECKPOINT_EVERY": int(os.environ.get("ASOF_CHECKPOINT_EVERY", "5000")),
        "ASOF_CACHE_MB": float(os.environ.get("ASOF_CACHE_MB", "96")),
        "ASOF_CONCURRENT_FOLDS": int(os.environ.get("ASOF_CONCURRENT_FOLDS", "2")),
        "ASOF_DISK_MB": float(os.environ.get("ASOF_DISK_MB", "4096")),
        # notification channels: each on when configured (see app/notify/channels.py)
        **{key: os.environ[key] for key in (
            "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM",
            "WEBHOOK_URL", "WEBHOOK_SECRET", "PUBLIC_URL", "NOTIFY_MAX_ATTEMPTS",
            "NOTIFY_BACKOFF_SECONDS", "NOTIFY_MAX_AGE_HOURS", "NOTIFY_QUIET_HOURS",
            "NOTIFY_DIGEST_TIME") if os.environ.get(key)},
    }


def asof_settings(config) -> dict:
    return {"directory": config["ASOF_DIR"], "every": config["ASOF_CHECKPOINT_EVERY"],
            "cache_bytes": int(config["ASOF_CACHE_MB"] * 2 ** 20),
            "concurrent": config["ASOF_CONCURRENT_FOLDS"],
            "max_disk_bytes": int(config["ASOF_DISK_MB"] * 2 ** 20)}
