"""The Ed25519 key that signs checkpoints (审计签名密钥).

Kept as a PEM file (PKCS #8, unencrypted) with mode 0600: ``instance/audit_signing_key.pem``, or
the file ``AUDIT_SIGNING_KEY_FILE`` names. ``init-db`` creates it; a process that signs before
it exists creates it too, so that no constant key ever ships with the code.

The key id is the first 16 hex characters of SHA-256 over the 32 raw bytes of the public key.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE_NAME = "audit_signing_key.pem"


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def signed_text(size: int, root: str, timestamp: str) -> bytes:
    """The exact bytes a checkpoint's signature covers (API.md, "Audit proofs")."""
    return f"duban-checkpoint\n{size}\n{root}\n{timestamp}\n".encode("utf-8")


def signature_valid(checkpoint: dict, public_key: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            bytes.fromhex(checkpoint["signature"]),
            signed_text(checkpoint["size"], checkpoint["root"], checkpoint["timestamp"]))
        return True
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False


class Signer:
    """Loads (or creates) the key on first use and signs checkpoints with it."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def ensure(self) -> bool:
        """Load the key, creating the file if there is none; True if it was created."""
        with self._lock:
            if self._key is not None:
                return False
            created = False
            if not self.path.exists():
                created = self._create()
            self._key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
            if not isinstance(self._key, Ed25519PrivateKey):
                self._key = None
                raise ValueError(f"{self.path} 不是 Ed25519 私钥。")
            return created

    def _create(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:  # O_EXCL: two processes starting at once keep the first one's key
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)  # whatever the umask
            fh.write(pem)
        return True

    @property
    def key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self.ensure()
        return self._key

    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)

    def key_id(self) -> str:
        return key_id_of(self.public_key())

    def sign(self, size: int, root: str, timestamp: str) -> dict:
        signature = self.key.sign(signed_text(size, root, timestamp))
        return {"size": size, "root": root, "timestamp": timestamp, "key_id": self.key_id(),
                "signature": signature.hex()}
