"""What a process remembers between its write transactions, so that a command reads less.

Fast paths all: with ``DUBAN_FAST_PATHS=0`` the store keeps none of it (``EventStore.memory`` is
None) and every transaction reads what it needs from the database."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable

from .model import RecordedEvent
from .recorders.base import Head


def value_bytes(v: Any) -> int:
    """About what a decoded JSON value takes in CPython's memory (objects, headers, slots)."""
    if isinstance(v, str):
        return 50 + (len(v) if v.isascii() else 2 * len(v) + 24)
    if isinstance(v, dict):
        return 64 + 40 * len(v) + sum(value_bytes(k) + value_bytes(x) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return 56 + 8 * len(v) + sum(value_bytes(x) for x in v)
    return 32 if isinstance(v, (int, float)) else 0


def entry_bytes(key: Hashable, value: Any) -> int:
    """An estimate of one remembered value with its key and its place in the cache's dict.

    A row's column names are its table's own strings, shared by every row: only its values
    count. Any other value (a stream's version) counts as a JSON value."""
    if isinstance(value, dict):
        held = 64 + 40 * len(value) + sum(value_bytes(v) for v in value.values())
    else:
        held = value_bytes(value)
    return 100 + value_bytes(key) + held


def event_bytes(ev: RecordedEvent) -> int:
    """An estimate of one cached event's size: the object with its slots, its texts, its payload."""
    return (200 + value_bytes(ev.data) + sum(value_bytes(t) for t in (
        ev.stream_id, ev.stream_type, ev.type, ev.meta_text, ev.business_date, ev.recorded_at,
        ev.prev_hash, ev.hash) if t is not None))


class StreamCache:
    """Decoded events of recently loaded streams.

    Events never change, so a cached stream is still true; under the append lock a command reads
    only the events appended since (version > the last cached one) instead of the whole stream.
    Bounded by the number of streams and by their estimated bytes (``event_bytes``): one long
    stream, or many, cannot make a worker grow past the bound.
    """

    def __init__(self, size: int = 20000, max_bytes: int = 32 * 2 ** 20) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._streams: OrderedDict[str, list[RecordedEvent]] = OrderedDict()
        self._bytes: dict[str, int] = {}
        self.bytes = 0
        self._lock = threading.Lock()

    def get(self, stream_id: str) -> list[RecordedEvent]:
        with self._lock:
            evs = self._streams.get(stream_id)
            if evs is None:
                return []
            self._streams.move_to_end(stream_id)
            return list(evs)

    def extend(self, stream_id: str, new: list[RecordedEvent]) -> None:
        """Events this process appended and committed; a stream known only in part is dropped."""
        with self._lock:
            evs = self._streams.get(stream_id)
            last = evs[-1].version if evs else 0
            if last == new[0].version - 1:
                self._set(stream_id, (evs or []) + new,
                          self._bytes.get(stream_id, 0) + sum(map(event_bytes, new)))
            elif evs is not None:
                self._drop(stream_id)

    def put(self, stream_id: str, evs: list[RecordedEvent]) -> None:
        if not evs:
            return
        with self._lock:
            known = self._streams.get(stream_id)
            n = len(known) if known else 0
            if 0 < n <= len(evs) and evs[n - 1].version == known[-1].version:  # type: ignore[index]
                # the stream as cached and what was read after it: only the new events are
                # measured (a stream read again is most often the same list)
                size = self._bytes[stream_id] + sum(map(event_bytes, evs[n:]))
            else:
                size = sum(map(event_bytes, evs))
            self._set(stream_id, evs, size)

    def _set(self, stream_id: str, evs: list[RecordedEvent], size: int) -> None:
        self.bytes += size - self._bytes.get(stream_id, 0)
        self._streams[stream_id] = evs
        self._bytes[stream_id] = size
        self._streams.move_to_end(stream_id)
        self._trim()

    def _drop(self, stream_id: str) -> None:
        del self._streams[stream_id]
        self.bytes -= self._bytes.pop(stream_id)

    def _trim(self) -> None:
        """The least recently used streams beyond the bounds go: every stream this process appends
        to joins the cache, and without a bound it would come to hold the whole history."""
        while self._streams and (len(self._streams) > self.size or self.bytes > self.max_bytes):
            self._drop(next(iter(self._streams)))



class HeadStateCache:
    """Values derived from the events (projection rows), as this process last wrote them.

    They are true for as long as the head is the one this process left behind: a transaction
    that finds another head under the append lock (another process appended) starts from an empty
    cache. The hash chain makes the head a fingerprint of everything before it, so a head seen
    again after the tables were emptied and refilled can only mean the same events.
    A transaction's values join the cache when it commits, and only if no other transaction of
    this process committed in between; rolled-back work never reaches it.
    Bounded by the number of values and by their estimated bytes (``entry_bytes``), the least
    recently written going first: a process that writes to every row would otherwise come to
    hold the projection tables.
    """

    def __init__(self, size: int = 50000, max_bytes: int = 32 * 2 ** 20) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._bytes: dict[Hashable, int] = {}
        self.bytes = 0
        self._head: Head | None = None
        self._lock = threading.Lock()

    def begin(self, head: Head) -> bool:
        """Under the append lock, at the head found there; True if the cache holds that state."""
        with self._lock:
            if head == self._head:
                return True
            self._empty()
            self._head = head  # an empty cache is true at any head
            return False

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._values.get(key, default)

    def commit(self, start: Head, end: Head, values: dict[Hashable, Any]) -> None:
        sizes = [entry_bytes(key, value) for key, value in values.items()]  # outside the lock
        with self._lock:
            if self._head != start:  # another transaction got there first: its state is unknown
                self._empty()
                self._head = None
                return
            for (key, value), size in zip(values.items(), sizes):
                self.bytes += size - self._bytes.get(key, 0)
                self._bytes[key] = size
                self._values[key] = value
                self._values.move_to_end(key)
            self._head = end
            while self._values and (len(self._values) > self.size or self.bytes > self.max_bytes):
                key, _ = self._values.popitem(last=False)
                self.bytes -= self._bytes.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._empty()
            self._head = None

    def _empty(self) -> None:
        self._values.clear()
        self._bytes.clear()
        self.bytes = 0


class ProcessMemory:
    """Everything the store remembers between transactions: decoded streams, the streams'
    versions as of a head, and the head this process left behind (which a recorder may assume)."""

    def __init__(self) -> None:
        self.streams = StreamCache()
        self.versions = HeadStateCache()
        self._known: Head | None = None
        self._lock = threading.Lock()

    def known_head(self) -> Head | None:
        with self._lock:
            return self._known

    def forget_head(self) -> None:
        with self._lock:
            self._known = None

    def remember(self, start: Head | None, end: Head, versions: dict[str, int],
                 appended: dict[str, list[RecordedEvent]]) -> None:
        """After a commit: the streams it appended to, their versions, and the head it left."""
        for stream_id, evs in appended.items():
            self.streams.extend(stream_id, evs)
        if start is not None:
            self.versions.commit(start, end, versions)
        with self._lock:
            if self._known is None or end.position >= self._known.position:
                self._known = end
