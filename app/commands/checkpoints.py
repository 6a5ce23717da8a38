"""Signing a checkpoint (签署检查点): the Merkle root of the log as it stands, signed.

The root is computed under the append lock, inside the command's transaction, over every event
before the checkpoint's own; the checkpoint is then recorded as an event like any other fact.
"""
from __future__ import annotations

from marshmallow import Schema

from ..domain.actors import ADMIN, INSPECTOR
from ..domain.errors import NotAllowed
from ..events.model import NewEvent
from .base import CommandSpec, Context, Decision
from .statements import chain_head, tree_root


def checkpoint_stream(size: int) -> str:
    return f"checkpoint:{size}"


def decide_checkpoint(ctx: Context) -> NewEvent | None:
    """The CheckpointSigned event over the log as it stands; None if there is no signing key
    or no event yet."""
    signer = ctx.resources.get("signer")
    size = chain_head(ctx.tx)[0]
    if signer is None or size == 0:
        return None
    root = tree_root(ctx.tx, size).hex()
    tz = ctx.resources.get("tz")
    now = ctx.now.astimezone(tz) if tz is not None else ctx.now
    return NewEvent("CheckpointSigned",
                    signer.sign(size, root, now.isoformat(timespec="seconds")), ctx.today)


class SignCheckpoint(Schema):
    pass


def sign_checkpoint(ctx: Context, cmd: dict) -> Decision:
    if ctx.resources.get("signer") is None:
        raise NotAllowed("未配置审计签名密钥，无法签署检查点。")
    event = decide_checkpoint(ctx)
    if event is None:
        raise NotAllowed("事件日志为空，没有可签署的内容。")
    size = event.data["size"]
    return Decision(str(size), checkpoint_stream(size), "checkpoint", [event])


COMMANDS = [
    CommandSpec("sign_checkpoint", SignCheckpoint, sign_checkpoint, (ADMIN, INSPECTOR),
                "签署检查点（事件日志默克尔树根的签名）", path="/audit/checkpoints",
                tags=("审计",)),
]
