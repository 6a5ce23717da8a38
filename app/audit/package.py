"""Evidence packages (证据包): the events of one stream, one unit or one period with their proofs,
as one zip.

What a package selects (``Selection``):
- a stream (``problem:P00001``, ``project:XM001``, ...): all its events;
- a unit (``U01``): every event of the unit's streams, which are the unit's own stream
  (``unit:U01``), the projects it owns or answers for, the problems raised by it or assigned to
  it, and the tasks it leads or assists (as the ledgers stand when the package is made); with
  a period besides, only the events recorded in it;
- a period (``from``–``to``, days in the bureau's time zone): every event *recorded* in it,
  whatever its stream. The day an event was recorded, not its business date: recording is
  serial, so a period is one unbroken run of positions in the log, which the verifier checks
  is whole (consecutive positions, each event linked to the one before); a business date is
  given by whoever records and can lie anywhere.

A package holds:
- ``events.json``: the events with every stored column, texts exactly as hashed, so that each
  hash can be recomputed by anyone;
- ``proofs.json``: each event's inclusion proof (RFC 9162) to the checkpoint's tree;
- ``checkpoint.json``: a signed checkpoint covering the last event (a fresh one is signed when
  the latest does not cover it);
- ``public_key.json``: the key that signed it (``key_id``, ``public_key`` as hex);
- ``manifest.json``: what was selected, the first and last version of each stream in it (and
  for a period the first and last position), and the SHA-256 of every other file;
- ``说明.txt``: how to check it (``python tools/verify_package.py PACKAGE.zip``);
- ``attachments/<sha256>``: every file the events name (evidence files), as kept in the blob
  directory; the event records each file's hash, so the verifier checks each against its name.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from typing import IO, Iterable

from ..bootstrap import Services
from ..domain.actors import ADMIN, INSPECTOR, Actor
from ..domain.errors import Forbidden, NotAllowed
from ..events import tree
from .checkpoints import latest
from .proofs import log_size
from .selection import Selection, selected_rows, stream_ranges

FORMAT = "duban-evidence-package"
FORMAT_VERSION = 2  # 2: a unit's or a period's events besides one stream's
ROLES = (ADMIN, INSPECTOR)


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

本证据包包含{what}：{streams} 个事件流的 {count} 个事件、每个事件到签名检查点的默克尔包含证明、
检查点本身（覆盖前 {size} 个事件，签署于 {timestamp}）、签名公钥（密钥编号 {key_id}）及事件所列附件。

校验方法（无需连接督办系统，只需 Python 3 与 cryptography 库）：
    python verify_package.py 本文件.zip [--public-key 公钥十六进制]

校验内容：清单中每个文件的 SHA-256；检查点的 Ed25519 签名；每个事件的哈希（由其各字段重算）；
每个事件流内版本连续、与清单所记的首末版本一致，相邻事件的链接相符{period}；
每个事件的包含证明与检查点的根一致；附件内容与事件记录的 SHA-256 一致。
公钥请与督办系统公布的公钥（GET /api/v1/audit/public-key）或纸质通报上的密钥编号核对。
"""
PERIOD_CHECK = "；时期内的事件位置连续、无一缺失，每个事件都链接到前一个事件"


def _signer(svc: Services):
    signer = svc.bus.resources.get("signer")
    if signer is None:
        raise NotAllowed("未配置审计签名密钥，无法生成证据包。")
    return signer


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


def build_package(svc: Services, selection: Selection | str, actor: Actor, out: IO[bytes],
                  blobs=None) -> dict:
    """Write the package of a selection (or of the stream named) to ``out``, with the attached
    files from ``blobs`` (the BlobStore of the evidence files); answer a summary of it."""
    if isinstance(selection, str):
        selection = Selection(stream=selection)
    if actor.role not in ROLES:
        raise Forbidden("只有纪检督查人员和系统管理员可以导出证据包。")
    signer = _signer(svc)
    with svc.engine.connect() as conn:
        rows = selected_rows(conn, selection, svc.tz)
    last = max(r["position"] for r in rows)
    cp = covering_checkpoint(svc, last, actor)
    with svc.engine.connect() as conn:
        view = tree.TreeView(conn, cp["size"])
        proofs = [{"position": r["position"], "leaf_index": r["position"] - 1,
                   "tree_size": cp["size"], "path": [p.hex() for p in view.inclusion(r["position"] - 1)]}
                  for r in rows]
    public = {"algorithm": "Ed25519", "key_id": signer.key_id(),
              "public_key": signer.public_key().hex()}
    streams = stream_ranges(rows)
    what = selection.describe()
    parts: list[tuple[str, bytes]] = [
        ("events.json", _json(rows)),
        ("proofs.json", _json(proofs)),
        ("checkpoint.json", _json(cp)),
        ("public_key.json", _json(public)),
        ("说明.txt", GUIDE.format(what=what, streams=len(streams), count=len(rows),
                                size=cp["size"], timestamp=cp["timestamp"], key_id=cp["key_id"],
                                period=PERIOD_CHECK if selection.kind == "period" else ""
                                ).encode("utf-8")),
    ]
    if blobs is not None:
        parts.extend(attached_files(rows, blobs))
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "selection": selection.as_json(), "description": what,
                "stream": selection.stream, "streams": streams,
                "positions": [rows[0]["position"], rows[-1]["position"]]
                if selection.kind == "period" else None,
                "events": len(rows), "checkpoint_size": cp["size"],
                "created_at": svc.clock().astimezone(svc.tz).isoformat(timespec="seconds"),
                "files": {name: hashlib.sha256(data).hexdigest() for name, data in parts}}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", _json(manifest))
        for name, data in parts:
            zf.writestr(name, data)
    return {"selection": selection, "description": what, "streams": len(streams),
            "events": len(rows), "checkpoint": cp}


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
