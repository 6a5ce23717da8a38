"""What a process remembers between its write transactions, so that a command reads less."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable

from .model import RecordedEvent

Head = tuple[int, str]  # position and hash of the last event


class StreamCache:
    """Decoded events of recently loaded streams.

    Events never change, so a cached stream is still true; under the append lock a command reads
    only the events appended since (version > the last cached one) instead of the whole stream.
    """

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._streams: OrderedDict[str, list[RecordedEvent]] = OrderedDict()
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
                self._streams[stream_id] = (evs or []) + new
                self._streams.move_to_end(stream_id)
                self._trim()
            elif evs is not None:
                del self._streams[stream_id]

    def put(self, stream_id: str, evs: list[RecordedEvent]) -> None:
        if not evs:
            return
        with self._lock:
            self._streams[stream_id] = evs
            self._streams.move_to_end(stream_id)
            self._trim()

    def _trim(self) -> None:
        """The least recently used streams beyond the size go: every stream this process appends
        to joins the cache, and without a bound it would come to hold the whole history."""
        while len(self._streams) > self.size:
            self._streams.popitem(last=False)



class HeadCache:
    """Values derived from the events (projection rows), as this process last wrote them.

    They are true for as long as the head is the one this process left behind: a transaction
    that finds another head under the append lock (another process appended) starts from an empty
    cache. The hash chain makes the head a fingerprint of everything before it, so a head seen
    again after the tables were emptied and refilled can only mean the same events.
    A transaction's values join the cache when it commits, and only if no other transaction of
    this process committed in between; rolled-back work never reaches it.
    """

    def __init__(self, size: int = 50000) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._head: Head | None = None
        self._lock = threading.Lock()

    def begin(self, head: Head) -> bool:
        """Under the append lock, at the head found there; True if the cache holds that state."""
        with self._lock:
            if head == self._head:
                return True
            self._values.clear()
            self._head = head  # an empty cache is true at any head
            return False

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._values.get(key, default)

    def commit(self, start: Head, end: Head, values: dict[Hashable, Any]) -> None:
        with self._lock:
            if self._head != start:  # another transaction got there first: its state is unknown
                self._values.clear()
                self._head = None
                return
            for key, value in values.items():
                self._values[key] = value
                self._values.move_to_end(key)
            self._head = end
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._head = None
