"""Group commit: commands that arrive while another commits share the next transaction.

A commit waits for the disk (SQLite's fsync; PostgreSQL's WAL flush and its round trips), and
that wait, not the handlers, bounds how many commands a process completes per second. A thread
with a command queues it and takes the writer's turn; whoever holds the turn runs every queued
command in one transaction, each decided in order on what the ones before it appended, and
commits once. Every caller gets its own answer or refusal, and only after the commit.
A caller waits on its own job, not on the turn: the holder wakes each job it finished, and on
leaving wakes the first job still queued to take the turn, so that callers do not wake one after
another only to find their commands done.

A refusal appends nothing, so the others go on. Anything else that goes wrong in a shared
transaction (a refusal after a write, an error of the database or of a projection) undoes it
all, and each of its commands is then run again alone, so that only the one at fault fails.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Callable

from ..domain.errors import CommandError, Conflict
from ..events.store import ConcurrencyConflict, EventStore, StaleHead, Transaction

MAX_BATCH = 64


class Job:
    __slots__ = ("decide", "done", "result", "error", "_signal")

    def __init__(self, decide: Callable[[Transaction], dict]) -> None:
        self.decide = decide
        self.done = False
        self.result: dict | None = None
        self.error: BaseException | None = None
        # A bare lock, held until someone wakes the job: threading.Event does the same in Python
        # code around a Condition, and every command waits once and is woken once or twice.
        self._signal = threading.Lock()
        self._signal.acquire()

    def wake(self) -> None:
        """The job is done, or the turn may be free."""
        try:
            self._signal.release()
        except RuntimeError:  # already woken and not yet seen
            pass

    def sleep(self, timeout: float) -> None:
        """Until woken (the wake is then used up) or until the timeout."""
        self._signal.acquire(timeout=timeout)


class CommitGroup:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._queue: deque[Job] = deque()
        self._turn = threading.Lock()

    def run(self, decide: Callable[[Transaction], dict]) -> dict:
        """``decide(tx)`` inside a transaction shared with whatever else is waiting; its answer."""
        job = Job(decide)
        self._queue.append(job)
        while not job.done:
            if self._turn.acquire(blocking=False):
                try:
                    if not job.done:
                        self._drain()
                finally:
                    self._turn.release()
                    self._wake_first()
            else:
                # whoever holds the turn wakes this job when it is done, or, leaving the turn with
                # this job still queued, wakes the first one queued to take it; the timeout bounds
                # the wait should a turn be taken from outside the group (as the tests do)
                job.sleep(0.05)
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _drain(self) -> None:
        batch = [self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))]
        try:
            try:
                self._attempt(batch)
            except Exception as exc:
                if len(batch) == 1:
                    batch[0].error = _answer(exc)
                else:
                    for job in batch:
                        job.result = job.error = None
                        try:
                            self._attempt([job])
                        except Exception as alone:
                            job.error = _answer(alone)
        except BaseException as exc:  # interrupted: nobody is left waiting for nothing
            for job in batch:
                if job.result is None and job.error is None:
                    job.error = exc
            raise
        finally:
            for job in batch:
                job.done = True
                job.wake()

    def _wake_first(self) -> None:
        """Commands queued while the turn was held: the first of them takes it next."""
        try:
            self._queue[0].wake()
        except IndexError:
            pass

    def _attempt(self, batch: list[Job]) -> None:
        """From the head this process left behind if it can (PostgreSQL: the whole batch in one
        round trip); decided again from the database if another process appended meanwhile."""
        try:
            self._together(batch, assume_head=True)
        except StaleHead:
            for job in batch:
                job.result = job.error = None
            self._together(batch, assume_head=False)

    def _together(self, batch: list[Job], assume_head: bool) -> None:
        with self.store.transaction(assume_head) as tx:
            for job in batch:
                writes = tx.writes
                try:
                    job.result = job.decide(tx)
                except CommandError as exc:
                    if len(batch) == 1 or tx.writes != writes:
                        raise  # alone it rolls back as ever; shared, the others are run alone
                    job.error = exc


def _answer(exc: Exception) -> Exception:
    if isinstance(exc, ConcurrencyConflict):  # found when the events were written, at the commit
        return Conflict("数据已被他人更新，请刷新后重试。")
    return exc

