"""What an event records of each attached file: the hash chain covers the content through it."""
from marshmallow import Schema, fields


class AttachmentRecord(Schema):
    sha256 = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(required=True)


def attachments_payload() -> fields.List:
    """The ``attachments`` field of an event payload (absent on events without files)."""
    return fields.List(fields.Nested(AttachmentRecord))
