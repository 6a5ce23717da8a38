"""Checkpoints as recorded (CheckpointSigned events), and the one line that prints the latest.

The line goes on every 督查通报, on the LED board's footer and under the title of every Excel
export: paper copies in other hands are what make a cut-off tail of the log detectable.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..events import reads
from ..events.chain import decode_json

FIELDS = ("size", "root", "timestamp", "key_id", "signature")


def checkpoints(conn: Connection, until_position: int | None = None,
                limit: int | None = None) -> list[dict]:
    """The checkpoints recorded up to a position, newest first, each with exactly FIELDS."""
    out = []
    for _position, _stream, text in reads.data_of_types(conn, ("CheckpointSigned",), until_position,
                                                         newest_first=True, limit=limit):
        data = decode_json(text)
        out.append({k: data[k] for k in FIELDS})
    return out


def latest(conn: Connection, until_position: int | None = None) -> dict | None:
    found = checkpoints(conn, until_position, limit=1)
    return found[0] if found else None


def latest_from(engine: Engine) -> dict | None:
    """The latest checkpoint, or None (none signed yet, or no tables yet)."""
    try:
        with engine.connect() as conn:
            return latest(conn)
    except SQLAlchemyError:
        return None


def fingerprint(checkpoint: dict) -> str:
    """A short text to compare by eye: the first 16 hex digits of SHA-256 over the signature's
    bytes, in groups of four."""
    digest = hashlib.sha256(bytes.fromhex(checkpoint["signature"])).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def checkpoint_line(checkpoint: dict | None) -> str:
    """The latest checkpoint as printed on bulletins, the LED board and exports."""
    if checkpoint is None:
        return "审计检查点：尚未签署"
    return (f"审计检查点：前 {checkpoint['size']} 个事件 · 根 {checkpoint['root'][:16]}… · "
            f"密钥 {checkpoint['key_id']} · 指纹 {fingerprint(checkpoint)} · "
            f"签署于 {checkpoint['timestamp'][:10]}")
