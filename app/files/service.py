"""Keeping an upload, deciding who may read a file, removing the files nobody names."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Connection, exists, insert, select

from ..commands.statements import remove_unnamed_uploads
from ..domain.actors import SYSTEM, UNIT_REPORTER, Actor
from ..domain.errors import InvalidCommand
from ..projections.attachments import ATTACHING_EVENTS, attachment_refs
from ..projections.problems import problems
from ..projections.projects import projects
from ..projections.tasks import task_units
from . import kinds
from .blobs import BlobStore, is_sha256
from .images import photo_facts
from .tables import uploads


@dataclass(frozen=True)
class Upload:
    sha256: str
    name: str
    size: int
    content_type: str

    def as_dict(self) -> dict:
        return {"sha256": self.sha256, "name": self.name, "size": self.size,
                "content_type": self.content_type}


def clean_name(name: str | None) -> str:
    """The file's own name without any directory, control characters or excess length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>|')
    name = name.strip(" .") or "附件"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name


def keep_upload(engine, blobs: BlobStore, actor: Actor, name: str | None, data: bytes,
                now: datetime) -> Upload:
    """Judge the content, keep the bytes by their hash, record who uploaded them under what name."""
    if not data:
        raise InvalidCommand("文件为空。", {"file": ["文件为空。"]})
    content_type = kinds.content_type(data)
    if content_type is None:
        raise InvalidCommand(f"不支持的文件类型：只接受{kinds.NAMES}（按文件内容判断，而非扩展名）。",
                             {"file": [f"文件类型不符，只接受{kinds.NAMES}。"]})
    facts = photo_facts(data) if kinds.is_image(content_type) else None
    sha = blobs.put(data)  # first the bytes: an upload row never names a file that is not there
    up = Upload(sha, clean_name(name), len(data), content_type)
    with engine.begin() as conn:
        conn.execute(insert(uploads).values(
            sha256=sha, name=up.name, content_type=content_type, size=up.size,
            uploaded_by=actor.username, uploaded_at=now.astimezone(timezone.utc).isoformat(),
            taken_at=facts.taken_at if facts else None,
            latitude=facts.latitude if facts else None,
            longitude=facts.longitude if facts else None))
    return up


# -- read rights ------------------------------------------------------------------
def _problem_of_unit(conn: Connection, key: str, unit: str) -> bool:
    row = conn.execute(select(problems.c.unit, problems.c.responsible_unit)
                       .where(problems.c.id == key)).first()
    return row is not None and unit in (row.unit, row.responsible_unit)


def _project_of_unit(conn: Connection, key: str, unit: str) -> bool:
    row = conn.execute(select(projects.c.owner_unit, projects.c.responsible_unit)
                       .where(projects.c.code == key)).first()
    return row is not None and unit in (row.owner_unit, row.responsible_unit)


def _task_of_unit(conn: Connection, key: str, unit: str) -> bool:
    """The lead unit and every co-unit of a task (督办事项)."""
    return conn.execute(select(exists().where(task_units.c.task == key,
                                              task_units.c.unit == unit))).scalar()


# Per kind of stream: whether a unit reporter of ``unit`` may read that thing. A kind not listed
# here is not shown to unit reporters. A new stream kind that attaches files adds itself.
UNIT_SCOPES: dict[str, Callable[[Connection, str, str], bool]] = {
    "problem": _problem_of_unit,
    "project": _project_of_unit,
    "task": _task_of_unit,
}


def may_read(conn: Connection, actor: Actor, sha256: str) -> bool:
    """Whoever may read a thing the file is attached to; and its uploader."""
    mine = conn.execute(select(exists().where(uploads.c.sha256 == sha256,
                                              uploads.c.uploaded_by == actor.username))).scalar()
    if mine:
        return True
    streams = conn.execute(select(attachment_refs.c.stream_id)
                           .where(attachment_refs.c.sha256 == sha256)).scalars().all()
    if not streams:
        return False
    if actor.role != UNIT_REPORTER:
        return True
    for sid in streams:
        kind, _, key = sid.partition(":")
        check = UNIT_SCOPES.get(kind)
        if check is not None and actor.unit and check(conn, key, actor.unit):
            return True
    return False


def describe(conn: Connection, sha256: str) -> dict | None:
    """The latest upload's name, type and size, and what the photo says of itself."""
    row = conn.execute(select(uploads).where(uploads.c.sha256 == sha256)
                       .order_by(uploads.c.id.desc()).limit(1)).first()
    return dict(row._mapping) if row is not None else None


def photo_facts_of(conn: Connection, hashes: list[str]) -> dict[str, dict]:
    """Per hash: taken_at, latitude, longitude (from the latest upload of that content)."""
    if not hashes:
        return {}
    rows = conn.execute(select(uploads.c.sha256, uploads.c.taken_at, uploads.c.latitude,
                               uploads.c.longitude).where(uploads.c.sha256.in_(hashes))
                        .order_by(uploads.c.id)).all()
    return {r.sha256: {"taken_at": r.taken_at, "latitude": r.latitude, "longitude": r.longitude}
            for r in rows}


# -- cleanup ----------------------------------------------------------------------
def remove_unreferenced(bus, blobs: BlobStore, now: datetime, grace: timedelta) -> list[str]:
    """Remove the uploads older than ``grace`` that no event names, and then their files.

    In a unit of work on the bus, which holds the append lock, so no command can name a file
    between the check and the removal: a command waiting for the lock then finds no upload and
    is refused (404). A file is removed only when no upload row is left for it and no event
    names it.
    """
    cutoff = (now - grace).astimezone(timezone.utc).isoformat()
    with bus.unit_of_work(SYSTEM) as uow:
        gone = remove_unnamed_uploads(uow.tx, cutoff)
        for h in gone:  # inside the lock: nothing can name them meanwhile
            blobs.remove(h)
    return gone


# -- audit ------------------------------------------------------------------------
def check_files(engine, blobs: BlobStore, until_position: int | None = None) -> tuple[int, list[dict]]:
    """Every file an event names, against its hash: (files checked, the bad ones, each with the
    event that names it). Read from the events themselves, which the chain vouches for, not from
    a projection."""
    from ..events import reads
    from ..events.chain import decode_json

    verdicts: dict[str, str | None] = {}
    bad = []
    with engine.connect() as conn:
        for position, stream_id, data in reads.data_of_types(conn, ATTACHING_EVENTS,
                                                              until_position):
            for f in decode_json(data).get("attachments") or ():
                sha = f.get("sha256")
                if sha not in verdicts:
                    verdicts[sha] = blobs.check(sha) if is_sha256(sha) else "哈希无效"
                if verdicts[sha] is not None:
                    bad.append({"sha256": sha, "name": f.get("name"), "position": position,
                                "stream": stream_id, "problem": verdicts[sha]})
    return len(verdicts), bad


def utc(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
