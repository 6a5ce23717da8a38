"""Files kept by their SHA-256 under one directory: written once, atomically, never overwritten.

``ab/cdef…`` (the first two hex digits as a directory, so no directory grows to hold everything).
A file is written to a temporary name in the same directory, flushed to disk, then renamed into
place: a reader sees the whole file or none, and a crash leaves at most a temporary file behind.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and SHA256.match(value) is not None


@dataclass(frozen=True)
class BlobStore:
    root: Path

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError("not a SHA-256 in lowercase hex")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Keep ``data``; its hash. Content already kept is left as it is."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if final.exists():
            return sha
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            # link, not rename: if another writer put the same content meanwhile, theirs stays
            try:
                os.link(tmp, final)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
        _fsync_dir(final.parent)
        return sha

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def remove(self, sha256: str) -> None:
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            pass

    def check(self, sha256: str) -> str | None:
        """None when the file is there with this hash; else what is wrong, in Chinese."""
        p = self.path(sha256)
        if not p.is_file():
            return "文件缺失"
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return None if h.hexdigest() == sha256 else "文件内容与哈希不符"


def _fsync_dir(path: Path) -> None:
    """The new name itself must survive a power cut, not only the bytes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_store(config) -> BlobStore:
    return BlobStore(Path(config["BLOB_DIR"]))
