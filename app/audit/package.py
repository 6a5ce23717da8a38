"""Evidence packages (证据包): one stream's events with their proofs, as one zip.

A package holds, for a stream (a problem's, a project's, ...):
- ``events.json``: its events with every stored column, texts exactly as hashed, so that each
  hash can be recomputed by anyone;
- ``proofs.json``: each event's inclusion proof (RFC 9162) to the checkpoint's tree;
- ``checkpoint.json``: a signed checkpoint covering the stream's last event (a fresh one is
  signed when the latest does not cover it);
- ``public_key.json``: the key that signed it (``key_id``, ``public_key`` as hex);
- ``manifest.json``: what the package is and the SHA-256 of every other file in it;
- ``说明.txt``: how to check it (``python tools/verify_package.py PACKAGE.zip``).

- ``attachments/<sha256>``: every file the stream's events name (evidence files), as kept in the blob
  directory; the event records each file's hash, so the verifier checks each against its name.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from typing import IO, Iterable

from sqlalchemy import select

from ..bootstrap import Services
from ..domain.actors import ADMIN, INSPECTOR, Actor
from ..domain.errors import Forbidden, NotAllowed, NotFound
from ..events.tables import events
from . import tree
from .checkpoints import latest
from .proofs import log_size

FORMAT = "duban-evidence-package"
FORMAT_VERSION = 1
ROLES = (ADMIN, INSPECTOR)
COLUMNS = ("position", "stream_id", "stream_type", "version", "type", "schema_version", "data",
           "meta", "business_date", "recorded_at", "prev_hash", "hash")


def attached_files(rows: list[dict], blobs) -> Iterable[tuple[str, bytes]]:
    """The files the events name, each once, under ``attachments/<sha256>``; one missing from the
    blob directory is left out (the verifier then reports it missing)."""
    seen: set[str] = set()
    for row in rows:
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        for f in (data or {}).get("attachments") or ():
            sha = f.get("sha256") if isinstance(f, dict) else None
            if not sha or sha in seen:
                continue
            seen.add(sha)
            try:
                yield f"attachments/{sha}", blobs.read(sha)
            except OSError:
                continue

GUIDE = """督办系统证据包

本证据包包含事件流 {stream} 的全部 {count} 个事件、每个事件到签名检查点的默克尔包含证明、
检查点本身（覆盖前 {size} 个事件，签署于 {timestamp}）及签名公钥（密钥编号 {key_id}）。

校验方法（无需连接督办系统，只需 Python 3 与 cryptography 库）：
    python verify_package.py 本文件.zip [--public-key 公钥十六进制]

校验内容：清单中每个文件的 SHA-256；检查点的 Ed25519 签名；每个事件的哈希（由其各字段重算）；
流内事件的版本连续与相邻事件的链接；每个事件的包含证明与检查点的根一致。
公钥请与督办系统公布的公钥（GET /api/v1/audit/public-key）或纸质通报上的密钥编号核对。
"""


def _signer(svc: Services):
    signer = svc.bus.resources.get("signer")
    if signer is None:
        raise NotAllowed("未配置审计签名密钥，无法生成证据包。")
    return signer


def _stream_rows(svc: Services, stream: str) -> list[dict]:
    with svc.engine.connect() as conn:
        rows = conn.execute(select(*[events.c[c] for c in COLUMNS])
                            .where(events.c.stream_id == stream)
                            .order_by(events.c.version)).all()
    return [dict(zip(COLUMNS, r)) for r in rows]


def covering_checkpoint(svc: Services, position: int, actor: Actor) -> dict:
    """The latest checkpoint if it covers ``position`` and was signed with today's key; else a
    fresh one, signed through the bus like any other."""
    key_id = _signer(svc).key_id()
    with svc.engine.connect() as conn:
        cp = latest(conn)
    if cp is not None and cp["size"] >= position and cp["key_id"] == key_id:
        return cp
    tree.build(svc.engine, log_size(svc.engine))  # little left to do inside the append lock
    svc.bus.execute("sign_checkpoint", {}, actor)
    with svc.engine.connect() as conn:
        return latest(conn)


def build_package(svc: Services, stream: str, actor: Actor, out: IO[bytes], blobs=None) -> dict:
    """Write the package of one stream to ``out`` (with its attached files from ``blobs``, the
    BlobStore of the evidence files); answer a summary of it."""
    if actor.role not in ROLES:
        raise Forbidden("只有纪检督查人员和系统管理员可以导出证据包。")
    signer = _signer(svc)
    rows = _stream_rows(svc, stream)
    if not rows:
        raise NotFound(f"没有事件流“{stream}”。")
    cp = covering_checkpoint(svc, rows[-1]["position"], actor)
    with svc.engine.connect() as conn:
        view = tree.TreeView(conn, cp["size"])
        proofs = [{"position": r["position"], "leaf_index": r["position"] - 1,
                   "tree_size": cp["size"], "path": [p.hex() for p in view.inclusion(r["position"] - 1)]}
                  for r in rows]
    public = {"algorithm": "Ed25519", "key_id": signer.key_id(),
              "public_key": signer.public_key().hex()}
    parts: list[tuple[str, bytes]] = [
        ("events.json", _json(rows)),
        ("proofs.json", _json(proofs)),
        ("checkpoint.json", _json(cp)),
        ("public_key.json", _json(public)),
        ("说明.txt", GUIDE.format(stream=stream, count=len(rows), size=cp["size"],
                                timestamp=cp["timestamp"], key_id=cp["key_id"]).encode("utf-8")),
    ]
    if blobs is not None:
        parts.extend(attached_files(rows, blobs))
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "stream": stream,
                "events": len(rows), "checkpoint_size": cp["size"],
                "created_at": svc.clock().astimezone(svc.tz).isoformat(timespec="seconds"),
                "files": {name: hashlib.sha256(data).hexdigest() for name, data in parts}}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", _json(manifest))
        for name, data in parts:
            zf.writestr(name, data)
    return {"stream": stream, "events": len(rows), "checkpoint": cp}


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
