"""A command id (幂等编号) belongs to one user and one command with one body.

The same id sent again by the same user for the same command with the same body gets the first
answer and appends nothing. Sent by another user, for another command or with another body, it
is refused (409): otherwise one user could read another's answer, or have their own command
silently taken for someone else's.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..domain.errors import Conflict
from ..events.transaction import Claim


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return repr(value)


def body_hash(cmd: dict, expected_version: int | None, secret: frozenset[str] = frozenset()) -> str:
    """SHA-256 of the command as loaded (path parameters included, defaults filled in) and of its
    expected version: the same request however its JSON was spelled gives the same hash. Secret
    fields (a password) are left out: their hash would be kept where anyone reading the table
    could try guesses against it."""
    shown = {k: v for k, v in cmd.items() if k not in secret} if secret else cmd
    text = json.dumps([shown, expected_version], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, default=_plain)  # ASCII: a lone surrogate stays encodable
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def check_claim(command_id: str, stored: Claim, claim: Claim) -> None:
    """409 unless the stored claim is this one (a part not recorded, in older rows, is not
    compared)."""
    if any(known is not None and known != mine for known, mine in zip(stored, claim)):
        raise Conflict(f"请求编号（command_id）“{command_id[:50]}”已用于另一用户、另一操作或内容不同的"
                       f"请求，不能重复使用，请换一个新的编号。")
