"""The signing key of tokens and session cookies: from SECRET_KEY, or random and kept in instance/.

No key is built into the code: anyone who can read the source could otherwise sign a token
for any user. Without SECRET_KEY, the first process to start writes a random key to
``instance/secret_key`` (readable by its owner only), and every later start, worker or CLI
command reads the same one, so tokens and sessions outlive a restart.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def instance_secret(instance_path: str) -> str:
    """The key kept in ``instance_path``, created (mode 0600) when there is none yet."""
    path = Path(instance_path) / FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    # Written whole under another name, then linked into place: two processes starting at once
    # never read a half-written key, and the loser of the race reads the winner's.
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key (at least 32 characters); "
                           "delete it to have a new one made, or set SECRET_KEY")
    return key
