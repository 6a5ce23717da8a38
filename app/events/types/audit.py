"""Facts of the audit: checkpoints signed over the Merkle tree of the events."""
from marshmallow import Schema, fields, validate

from ..registry import EventRegistry

HEX64 = validate.Regexp(r"^[0-9a-f]{64}$")


class CheckpointSigned(Schema):
    """A signed tree head (签名检查点): the log's first ``size`` events have Merkle root ``root``.

    The signature (Ed25519, hex) covers "duban-checkpoint\\n{size}\\n{root}\\n{timestamp}\\n".
    """

    size = fields.Integer(required=True, validate=validate.Range(min=1))
    root = fields.String(required=True, validate=HEX64)
    timestamp = fields.String(required=True)  # ISO 8601 with the offset of TZ_NAME
    key_id = fields.String(required=True)
    signature = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{128}$"))


def register(registry: EventRegistry) -> None:
    registry.register("CheckpointSigned", CheckpointSigned)
