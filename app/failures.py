"""Failures of what duban stands on, told as they are.

A database that is down or restarting answers 503 with ``Retry-After``; a full disk 507. Both say,
in Chinese, that nothing of the request was recorded and that sending the same command again with
the same ``command_id`` is safe: a command's transaction either commits whole or not at all, and a
repeated ``command_id`` returns the first answer instead of recording twice.

Each failure is logged as one line with a running count; a traceback is written at most once a
minute per kind of exception, so that an outage or a full disk cannot fill the disk with logs.
"""
from __future__ import annotations

import errno
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask, jsonify, render_template, request
from sqlalchemy import exc as sa_exc

from .replica import ReplicaFailed

log = logging.getLogger("duban.failures")

RETRY_AFTER_SECONDS = 30
TRACEBACK_INTERVAL = 60.0

SAFE_TO_RESEND = "本次请求未记录任何内容；稍后用相同的 command_id 重新提交是安全的，不会重复记录。"


@dataclass(frozen=True)
class Outage:
    status: int
    code: str
    message: str


UNAVAILABLE = Outage(503, "unavailable", "数据库暂时不可用。" + SAFE_TO_RESEND)
DISK_FULL = Outage(507, "disk_full", "服务器存储空间已满，无法保存。" + SAFE_TO_RESEND)

# SQLite tells its failures in the message only.
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_DOWN = ("unable to open database file", "disk i/o error", "database is locked",
                "readonly database", "no such table")  # a database file removed or not yet made


def _causes(exc: BaseException):
    """The exception, what SQLAlchemy wrapped, and its causes."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack += [getattr(e, "orig", None), e.__cause__, e.__context__]


def classify(exc: BaseException) -> Outage | None:
    """The outage an exception means, or None for anything else (a bug: a 500)."""
    psycopg_errors = _psycopg_errors()
    found: Outage | None = None
    for e in _causes(exc):
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return DISK_FULL
        if psycopg_errors is not None:
            disk_full, operational = psycopg_errors
            if isinstance(e, disk_full):
                return DISK_FULL
            if isinstance(e, operational):
                found = UNAVAILABLE
        if isinstance(e, sqlite3.OperationalError):
            text = str(e).lower()
            if any(m in text for m in _SQLITE_FULL):
                return DISK_FULL
            if any(m in text for m in _SQLITE_DOWN):
                found = UNAVAILABLE
        if isinstance(e, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
            found = UNAVAILABLE
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            found = UNAVAILABLE
    return found


def _psycopg_errors():
    try:
        import psycopg
        from psycopg.errors import DiskFull
    except ImportError:  # an SQLite-only install
        return None
    return DiskFull, psycopg.OperationalError


class FailureLog:
    """One line per failure with how many of its kind came before; a traceback now and then."""

    def __init__(self, logger: logging.Logger = log, interval: float = TRACEBACK_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self.counts: dict[str, int] = {}
        self._last_trace: dict[str, float] = {}
        self._lock = threading.Lock()

    def record(self, kind: str, exc: BaseException, where: str = "") -> None:
        key = f"{kind}:{type(exc).__name__}"
        now = self.clock()
        with self._lock:
            n = self.counts[kind] = self.counts.get(kind, 0) + 1
            last = self._last_trace.get(key)
            trace = last is None or now - last >= self.interval
            if trace:
                self._last_trace[key] = now
        first_line = (str(exc).strip().splitlines() or [""])[0][:300]
        self.logger.error("%s #%d %s: %s: %s", kind, n, where, type(exc).__name__, first_line,
                          exc_info=exc if trace else None)


failure_log = FailureLog()


# The command line says what happened and what to do, in one sentence.
_CLI_SENTENCES = {
    "unavailable": "数据库暂时不可用，本次操作未完成、未记录任何内容；请确认数据库已启动后重新运行。",
    "disk_full": "服务器存储空间已满，本次操作未完成、未记录任何内容；请释放空间后重新运行。",
}


def cli_sentence(exc: BaseException) -> str:
    """The Chinese sentence a command of the command line ends a failure with."""
    outage = classify(exc)
    if outage is not None:
        return _CLI_SENTENCES[outage.code]
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"操作失败（{type(exc).__name__}：{first_line}），未完成的事务已撤销。"


def outage_response(outage: Outage, api: bool) -> Any:
    if api:
        response = jsonify({"error": {"code": outage.code, "message": outage.message}})
    else:
        response = render_template("duban/outage.html", outage=outage)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if outage.status == 503 else {}
    return response, outage.status, headers


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _on_failure(exc: Exception):
    outage = classify(exc)
    if outage is None:
        raise exc  # not an outage: Flask's own 500
    failure_log.record(outage.code, exc, f"{request.method} {request.path}")
    return outage_response(outage, _is_api())


class DubanFlask(Flask):
    """Flask, with failures logged by FailureLog instead of a full traceback each time."""

    def log_exception(self, exc_info) -> None:  # noqa: D401 - Flask's hook
        failure_log.record("error", exc_info[1], f"{request.method} {request.path}")


# What a database or the disk under it raises when it is the cause (not the request).
_FAILURE_TYPES: tuple[type[Exception], ...] = (sa_exc.OperationalError, sa_exc.TimeoutError,
                                                sa_exc.DisconnectionError, sqlite3.OperationalError,
                                                OSError, ReplicaFailed)


def init_app(app: Flask) -> None:
    types = list(_FAILURE_TYPES)
    errors = _psycopg_errors()
    if errors is not None:
        types.append(errors[1])
    for t in types:
        app.register_error_handler(t, _on_failure)
