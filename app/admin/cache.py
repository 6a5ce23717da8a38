"""Read results keyed by the event log's head: nothing a page reads can change until an event
is appended, so a figure computed at head position N stays right until N + 1 exists.

Used for the aggregates that scan whole ledgers (the summary, the home page's counts and
charts, a ledger page's rows and totals). ``ADMIN_CACHE = False`` turns it off (the benchmark
measures both). As-of reads are keyed by their snapshot position, which never changes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, TypeVar

from flask import current_app

from .access import services, written_position

T = TypeVar("T")


class HeadCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = compute()  # outside the lock: two readers may compute the same thing once each
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


def cached(key: tuple, compute: Callable[[int | None], T], position: int | None = None) -> T:
    """compute(after) once per (head position, key); position: a snapshot's, for as-of reads.

    ``after`` is the primary's head the answer is kept under (None as of an instant): a live read
    includes it, so that a replica lagging behind never files an older answer under it."""
    app = current_app
    svc = services()
    if not app.config.get("ADMIN_CACHE", True):
        return compute(written_position() if position is None else None)
    head = position if position is not None else svc.store.head()[0]
    after = head if position is None else None
    cache = app.extensions.setdefault("duban_admin_cache", HeadCache())
    return cache.get((str(svc.engine.url), position is not None, head) + key,
                     lambda: compute(after))
