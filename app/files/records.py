"""Turning the hashes a command names into what its event records about each file.

The one function every handler that takes ``attachments`` calls::

    data["attachments"] = attachment_records(ctx, cmd["attachments"])   # only when non-empty

It reads the uploads inside the command's own transaction, so the cleanup (which removes an
unnamed upload under the same append lock) can never take a file from under a command.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from ..commands.statements import uploads_of
from ..domain.errors import InvalidCommand, NotFound
from .blobs import is_sha256
from .payload import AttachmentRecord, attachments_payload  # noqa: F401  (one place to import from)

MAX_ATTACHMENTS = 50


def _sha256(value: str) -> None:
    if not is_sha256(value):
        raise ValidationError("须为上传附件时返回的 sha256（64 位小写十六进制）。")


def attachments_field() -> fields.List:
    """The ``attachments`` field of a command: the hashes of files uploaded before."""
    return fields.List(fields.String(validate=_sha256), load_default=list,
                       validate=validate.Length(max=MAX_ATTACHMENTS, error=f"附件最多 {MAX_ATTACHMENTS} 个。"),
                       metadata={"description": "附件：先经 POST /api/v1/attachments 上传，再列出其 sha256"})


def attachment_records(ctx, hashes) -> list[dict]:
    """The records of the uploads named by ``hashes``, in order, each once.

    400 when a value is not a hash, 404 when no upload has it. The name and type are those of the
    actor's own latest upload of that content, else of anyone's latest (the same bytes either way).
    """
    if not hashes:
        return []
    if isinstance(hashes, str) or not isinstance(hashes, (list, tuple)):
        raise InvalidCommand("输入有误，请检查标出的字段。", {"attachments": ["须为 sha256 列表。"]})
    wanted = list(dict.fromkeys(hashes))
    bad = [h for h in wanted if not is_sha256(h)]
    if bad:
        raise InvalidCommand("输入有误，请检查标出的字段。",
                             {"attachments": ["须为上传附件时返回的 sha256（64 位小写十六进制）。"]})
    rows = uploads_of(ctx.tx, wanted)
    chosen: dict[str, tuple] = {}
    for r in rows:  # later rows win; the actor's own win over anyone's
        if r.sha256 not in chosen or r.uploaded_by == ctx.actor.username \
                or chosen[r.sha256].uploaded_by != ctx.actor.username:
            chosen[r.sha256] = r
    missing = [h for h in wanted if h not in chosen]
    if missing:
        raise NotFound(f"附件 {missing[0][:12]}… 不存在，请先上传。")
    return [{"sha256": h, "name": chosen[h].name, "size": int(chosen[h].size),
             "content_type": chosen[h].content_type} for h in wanted]


def with_attachments(ctx, cmd: dict, data: dict) -> dict:
    """``data`` with the records of the command's attachments, if it names any."""
    records = attachment_records(ctx, cmd.get("attachments"))
    if records:
        data["attachments"] = records
    return data
