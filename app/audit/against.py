"""Does today's log extend a checkpoint someone kept? Recomputed from the events themselves.

Nothing here reads the stored subtree hashes (events/tree.py): they are a cache that whoever rewrote the
events could have left as it was, or rewritten too. The check walks the hash chain over the whole
log and recomputes the Merkle root of the checkpoint's first ``size`` events from their hashes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from ..events import merkle, reads
from ..events.audit import verify_chain
from .keys import key_id_of, signature_valid

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")


class BadCheckpoint(ValueError):
    """Not a checkpoint at all (fields missing or malformed)."""


def parse_checkpoint(value: Any) -> dict:
    """The five fields of a checkpoint, checked for form (BadCheckpoint, in Chinese, if not)."""
    if not isinstance(value, dict):
        raise BadCheckpoint("检查点应为 JSON 对象：{\"size\", \"root\", \"timestamp\", \"key_id\", "
                            "\"signature\"}。")
    problems = []
    size = value.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.append("size 应为正整数")
    if not isinstance(value.get("root"), str) or not _HEX64.match(value["root"]):
        problems.append("root 应为 64 位小写十六进制")
    if not isinstance(value.get("timestamp"), str) or not value["timestamp"]:
        problems.append("timestamp 应为时间文本")
    if not isinstance(value.get("key_id"), str) or not value["key_id"]:
        problems.append("key_id 应为文本")
    if not isinstance(value.get("signature"), str) or not _HEX128.match(value["signature"]):
        problems.append("signature 应为 128 位小写十六进制")
    if problems:
        raise BadCheckpoint("检查点格式有误：" + "；".join(problems) + "。")
    return {k: value[k] for k in ("size", "root", "timestamp", "key_id", "signature")}


@dataclass
class AgainstResult:
    ok: bool
    checked: list[str] = field(default_factory=list)  # what was checked and held, in Chinese
    failed: list[str] = field(default_factory=list)  # what did not hold
    missing: tuple[int, int] | None = None  # positions first..last no longer in the log
    first_bad_position: int | None = None


def recomputed_root(engine: Engine, size: int, batch: int = 20000) -> bytes:
    """The Merkle root over the hashes of the events at positions 1..size, read in order."""
    builder = merkle.RootBuilder()
    last = 0
    with engine.connect() as conn:
        while last < size:
            rows = reads.hashes(conn, last, size, batch)
            if not rows:
                break
            for position, h in rows:
                builder.add(bytes.fromhex(h))
            last = rows[-1][0]
    return builder.root()


def _span(first: int, last: int) -> str:
    return f"位置 {first}" if first == last else f"位置 {first}–{last}"


def verify_against(engine: Engine, checkpoint: dict, public_key: bytes | None) -> AgainstResult:
    cp = parse_checkpoint(checkpoint)
    size = cp["size"]
    out = AgainstResult(ok=False)
    if public_key is not None:
        ours = key_id_of(public_key)
        if cp["key_id"] != ours:
            out.failed.append(f"检查点的密钥编号 {cp['key_id']} 不是本系统的签名密钥（{ours}）。")
            return out
        if not signature_valid(cp, public_key):
            out.failed.append("检查点的签名无效：检查点的内容被改动过，或不是本系统签署的。")
            return out
        out.checked.append(f"检查点签名有效（密钥 {ours}，签署于 {cp['timestamp']}）。")

    chain = verify_chain(engine)
    head = chain.checked if chain.ok else None
    if not chain.ok:
        bad = chain.first_bad_position
        out.first_bad_position = bad
        where = "检查点所覆盖的事件中" if bad <= size else "检查点之后的事件中"
        out.failed.append(f"哈希链在{where}被破坏：第一个异常位置 {bad}（{chain.reason}）。")
        if chain.reason == "缺少事件" and bad <= size:
            # how far the hole runs: up to the next event still there, or to the checkpoint's end
            with engine.connect() as conn:
                nxt = reads.next_position(conn, bad)
            out.missing = (bad, min(size, nxt - 1) if nxt else size)
            out.failed.append(f"缺少事件：{_span(*out.missing)} 的事件已不在日志中。")
        return out
    out.checked.append(f"哈希链完整：{head} 个事件逐一重算哈希并核对链接。")
    if head < size:
        out.missing = (head + 1, size)
        out.failed.append(f"缺少事件：检查点记录了 {size} 个事件，日志现在只有 {head} 个，"
                          f"{_span(head + 1, size)} 的事件已被删除（日志尾部被截断）。")
        out.first_bad_position = head + 1
        return out
    root = recomputed_root(engine, size).hex()
    if root != cp["root"]:
        out.failed.append(f"前 {size} 个事件重算出的默克尔根 {root} 与检查点的根 {cp['root']} "
                          f"不符：这些事件在检查点签署之后被改写或调换。")
        return out
    out.checked.append(f"由事件重算的前 {size} 个事件的默克尔根与检查点一致。")
    out.checked.append(f"当前日志（{head} 个事件）是该检查点的延续：检查点之后只有追加，没有删改。")
    out.ok = True
    return out
