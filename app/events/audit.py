"""Walking the hash chain to detect edits, deletions and insertions behind the store's back."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Engine, select

from .chain import GENESIS_HASH, row_hash
from .tables import events


@dataclass(frozen=True)
class AuditResult:
    ok: bool
    checked: int
    head: str
    first_bad_position: int | None
    reason: str | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("reason")
        return d


def verify_chain(engine: Engine, until_position: int | None = None, batch: int = 10000) -> AuditResult:
    """Check that positions run 1, 2, 3, ... and every hash links to the one before."""
    expected_position = 1
    prev_hash = GENESIS_HASH
    checked = 0
    cols = [events.c[name] for name in (
        "position", "stream_id", "stream_type", "version", "type", "schema_version", "data",
        "meta", "business_date", "recorded_at", "prev_hash", "hash")]
    with engine.connect() as conn:
        last = None  # no lower bound at first: a row forged below position 1 must be seen too
        while True:
            q = select(*cols)
            if last is not None:
                q = q.where(events.c.position > last)
            if until_position is not None:
                q = q.where(events.c.position <= until_position)
            rows = conn.execute(q.order_by(events.c.position).limit(batch)).fetchall()
            for row in rows:
                if row.position < expected_position:
                    # a row below the chain's first position: inserted behind the store's back
                    return AuditResult(False, checked, prev_hash, row.position, "多出事件")
                if row.position != expected_position:
                    # a missing position: deleted (or a row inserted with a gap)
                    return AuditResult(False, checked, prev_hash, expected_position, "缺少事件")
                if row.prev_hash != prev_hash:
                    return AuditResult(False, checked, prev_hash, row.position, "链接断开")
                if row_hash(row) != row.hash:
                    return AuditResult(False, checked, prev_hash, row.position, "内容被改动")
                prev_hash = row.hash
                checked += 1
                expected_position += 1
            if len(rows) < batch:
                break
            last = rows[-1].position
    return AuditResult(True, checked, prev_hash, None)
