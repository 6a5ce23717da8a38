"""The in-app inbox (站内通知): one's own messages, unread first to count, marked as read."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, and_, func, insert, select

from ..domain.errors import NotFound
from .outbox import outbox
from .tables import notification_reads


def messages(conn: Connection, username: str, unread: bool | None = None,
             limit: int = 200) -> list[dict]:
    q = (select(outbox, notification_reads.c.read_at)
         .select_from(outbox.outerjoin(notification_reads,
                                       notification_reads.c.message_id == outbox.c.id))
         .where(outbox.c.username == username))
    if unread is True:
        q = q.where(notification_reads.c.read_at.is_(None))
    elif unread is False:
        q = q.where(notification_reads.c.read_at.is_not(None))
    rows = conn.execute(q.order_by(outbox.c.position.desc(), outbox.c.id).limit(limit)).all()
    return [{"id": r.id, "title": r.title, "body": r.body, "link": r.link,
             "stream": r.stream_id, "event_type": r.event_type, "position": r.position,
             "created_at": r.created_at, "read": r.read_at is not None, "read_at": r.read_at}
            for r in rows]


def unread_count(conn: Connection, username: str) -> int:
    return conn.execute(
        select(func.count()).select_from(outbox.outerjoin(
            notification_reads, notification_reads.c.message_id == outbox.c.id))
        .where(outbox.c.username == username, notification_reads.c.read_at.is_(None))).scalar() or 0


def mark_read(engine, username: str, message_id: str, now: datetime) -> dict:
    """Mark one of one's own messages read (again: no change); 404 for anyone else's."""
    with engine.begin() as conn:
        own = conn.execute(select(outbox.c.id).where(
            and_(outbox.c.id == message_id, outbox.c.username == username))).first()
        if own is None:
            raise NotFound("通知不存在。")
        seen = conn.execute(select(notification_reads.c.read_at).where(
            notification_reads.c.message_id == message_id)).scalar()
        if seen is None:
            seen = now.astimezone(timezone.utc).isoformat()
            conn.execute(insert(notification_reads).values(message_id=message_id,
                                                           username=username, read_at=seen))
    return {"id": message_id, "read": True, "read_at": seen}
