"""What the command line and the staff pages do with checkpoints: prepare, sign now, check."""
from __future__ import annotations

import json
from typing import Callable

from ..bootstrap import Services
from ..domain.actors import Actor
from ..events import tree
from .against import AgainstResult, BadCheckpoint, verify_against
from .checkpoints import latest
from .proofs import log_size


def prepare_audit(svc: Services, progress: Callable[[int], None] | None = None) -> list[str]:
    """init-db: the signing key (created if missing) and the tree's stored hashes (built for
    the whole log: after an upgrade, once; then only what was appended since)."""
    lines = []
    signer = svc.bus.resources.get("signer")
    if signer is not None:
        created = signer.ensure()
        lines.append(f"{'已创建' if created else '已有'}审计签名密钥 {signer.path}"
                     f"（密钥编号 {signer.key_id()}）。")
    size = log_size(svc.engine)
    blocks = tree.build(svc.engine, size, progress)
    if blocks:
        lines.append(f"默克尔树已建至前 {size} 个事件（新增 {blocks} 个 64 事件块）。")
    return lines


def sign_now(svc: Services, actor: Actor) -> dict:
    """Sign a checkpoint through the bus (the tree is brought up to date first, outside the
    append lock); answer it."""
    tree.build(svc.engine, log_size(svc.engine))
    svc.bus.execute("sign_checkpoint", {}, actor)
    with svc.engine.connect() as conn:
        return latest(conn)


def public_key_of(svc: Services) -> bytes | None:
    signer = svc.bus.resources.get("signer")
    return signer.public_key() if signer is not None else None


def check_text(svc: Services, text: str) -> AgainstResult:
    """A checkpoint pasted or read from a file (JSON), checked against today's log."""
    try:
        value = json.loads(text)
    except ValueError:
        raise BadCheckpoint("检查点不是有效的 JSON 文本。") from None
    return verify_against(svc.engine, value, public_key_of(svc))


def verify_against_file(svc: Services, path: str, echo: Callable[[str], None]) -> int:
    """audit verify --against: 0 when the log extends the checkpoint, 1 when not."""
    try:
        with open(path, encoding="utf-8") as fh:
            result = check_text(svc, fh.read())
    except (BadCheckpoint, UnicodeDecodeError) as exc:
        echo(f"检查点文件无法使用：{exc}")
        return 1
    for line in result.checked:
        echo(f"[通过] {line}")
    for line in result.failed:
        echo(f"[失败] {line}")
    if result.ok:
        echo("结论：当前日志是该检查点的延续，检查点之前的事件没有被删除或改写。")
        return 0
    echo("结论：当前日志不是该检查点的延续。")
    return 1
