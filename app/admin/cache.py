"""Read results keyed by the event log's head: nothing a page reads can change until an event
is appended, so a figure computed at head position N stays right until N + 1 exists.

Used for the aggregates that scan whole ledgers (the summary, the home page's counts and
charts, a ledger page's rows and totals). ``ADMIN_CACHE = False`` turns it off (the benchmark
measures both). As-of reads are keyed by their snapshot position, which never changes.
Bounded by results and by their estimated bytes (``result_bytes``): a page of 2,000 rows takes
megabytes, and every head a page is seen at keeps one until the bound pushes it out.
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any, Callable, TypeVar

from flask import current_app

from ..events.cache import value_bytes
from .access import services, written_position

T = TypeVar("T")


def result_bytes(value: Any, depth: int = 0) -> int:
    """About what a computed result takes: rows (SQLAlchemy's or tuples), lists, dicts,
    dataclasses and other objects by their fields, texts and numbers as ``value_bytes``."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, (str, int, float)):
        return value_bytes(value)
    if depth > 8:  # deeper than any page's result: counted by its own size alone
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return 64 + 40 * len(value) + sum(result_bytes(k, depth + 1) + result_bytes(v, depth + 1)
                                          for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        n = len(value)
        if n > 64 and isinstance(value, (list, tuple)):
            # a page's rows are alike: 32 of them, evenly spread, stand for the rest
            sample = value[::n // 32]
            return 56 + 8 * n + sum(result_bytes(v, depth + 1) for v in sample) * n // len(sample)
        return 56 + 8 * n + sum(result_bytes(v, depth + 1) for v in value)
    if hasattr(value, "_mapping"):  # a Row: its tuple of values and the row object
        return 80 + result_bytes(tuple(value), depth + 1)
    fields = getattr(value, "__dict__", None)
    if fields is not None:
        return 56 + result_bytes(fields, depth + 1)
    slots = getattr(type(value), "__slots__", None)
    if slots:
        return 56 + sum(result_bytes(getattr(value, s, None), depth + 1) for s in slots)
    return sys.getsizeof(value)


class HeadCache:
    def __init__(self, size: int = 256, max_bytes: int = 32 * 2 ** 20) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._bytes: dict[tuple, int] = {}
        self.bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = compute()  # outside the lock: two readers may compute the same thing once each
        size = result_bytes(value)
        with self._lock:
            self.bytes += size - self._bytes.get(key, 0)
            self._data[key] = value
            self._bytes[key] = size
            self._data.move_to_end(key)
            # the newest stays even when it alone is over the bound: it is the page being shown
            while len(self._data) > 1 and (len(self._data) > self.size
                                           or self.bytes > self.max_bytes):
                old, _ = self._data.popitem(last=False)
                self.bytes -= self._bytes.pop(old)
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
