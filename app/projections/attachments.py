"""Which things each evidence file is attached to (附件引用): for read rights and the cleanup."""
from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from ..events.model import RecordedEvent
from .base import Projection, Rows, metadata

attachment_refs = Table(
    "proj_attachment_refs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("stream_id", String(120), primary_key=True),
    Column("position", Integer, nullable=False),  # the first event of the stream that names it
    Column("name", String(255), nullable=False),
    Index("ix_proj_attachment_refs_stream", "stream_id"),
)

# Event types whose payload may carry ``attachments``: [{sha256, name, size, content_type}].
# A new stream that attaches files adds its types here.
ATTACHING_EVENTS = [
    "ProgressSubmitted", "ProblemNoted", "ProblemUrged", "ResolutionReported", "ResolutionVerified",
    "MeetingHeld", "InspectionRecorded", "BulletinIssued",
    # the task stream's feedback and completion reports
    "TaskFeedbackGiven", "TaskCompletionReported",
]

PROJECTION = Projection("attachments", [attachment_refs])


@PROJECTION.on(*ATTACHING_EVENTS)
def _attached(rows: Rows, ev: RecordedEvent) -> None:
    for f in ev.data.get("attachments") or ():
        if rows.get(attachment_refs, f["sha256"], ev.stream_id) is None:
            rows.put(attachment_refs, {"sha256": f["sha256"], "stream_id": ev.stream_id,
                                       "position": ev.position, "name": f["name"]})
