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

A unit of work (an import, a job, the demonstration: ``unit``) is one job of the queue too, but
decided by its own thread, in its caller's with-block, which cannot be run a second time. When
its turn comes it takes the commands queued with it into its transaction and decides them first;
its with-block follows, and one commit ends them all. A command of those that fails the shared
transaction is found before the with-block begins: the transaction is undone, those commands are
run as any others, and the unit opens a transaction of its own. If the unit fails, the commands
that rode with it are run again without it.
"""
from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

from ..domain.errors import CommandError, Conflict
from ..events.store import ConcurrencyConflict, EventStore, StaleHead, Transaction

MAX_BATCH = 64


# Set in the thread whose unit of work holds the turn: a command it sent to the group would wait
# for the turn it holds itself.
_in_unit = threading.local()


class Job:
    __slots__ = ("decide", "done", "result", "error", "_signal")

    def __init__(self, decide: Callable[[Transaction], dict] | None) -> None:
        self.decide = decide  # None: a unit of work, decided by the thread that queued it
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
        if getattr(_in_unit, "open", False):
            raise RuntimeError("a command inside a unit of work goes through the unit, not the bus")
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

    def _take(self, own: Job | None = None) -> list[Job]:
        """Up to MAX_BATCH queued commands, in order (and ``own`` off the queue); the units of
        work of other threads stay queued, for their threads to decide."""
        batch: list[Job] = []
        left: list[Job] = []  # for later turns, in their order
        for _ in range(len(self._queue)):
            if len(batch) == MAX_BATCH and own is None:
                break
            job = self._queue.popleft()
            if job is own:
                own = None
            elif job.done:  # a unit of work given up while it waited
                continue
            elif job.decide is None or len(batch) == MAX_BATCH:
                left.append(job)
            else:
                batch.append(job)
        self._queue.extendleft(reversed(left))
        return batch

    def _drain(self) -> None:
        self._settle(self._take())

    def _settle(self, batch: list[Job]) -> None:
        """Decide ``batch`` together (each alone if that fails), then wake each of its callers."""
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
            _decide(tx, batch, shared=len(batch) > 1)

    # -- units of work ---------------------------------------------------------------------
    @contextmanager
    def unit(self) -> Iterator[Transaction]:
        """The transaction of a unit of work, shared with the commands queued when its turn
        came; committed when the with-block ends, rolled back if it raises."""
        if getattr(_in_unit, "open", False):
            raise RuntimeError("units of work do not nest")
        job = Job(None)
        self._queue.append(job)
        try:
            while not self._turn.acquire(blocking=False):
                job.sleep(0.05)  # woken by whoever leaves the turn with this job first queued
        except BaseException:
            job.done = True  # interrupted while waiting: left in the queue, passed over
            raise
        _in_unit.open = True
        riders: list[Job] = []
        try:
            riders = self._take(own=job)
            with self._unit_transaction(riders) as tx:
                yield tx
            for rider in riders:  # committed with the unit
                rider.done = True
                rider.wake()
            riders.clear()
        finally:
            _in_unit.open = False
            try:
                if riders:  # not committed: they are decided again without the unit
                    self._settle_again(riders)
            finally:
                self._turn.release()
                self._wake_first()

    @contextmanager
    def _unit_transaction(self, riders: list[Job]) -> Iterator[Transaction]:
        """A transaction in which ``riders`` are decided first; if they fail it together, they
        are settled apart (and ``riders`` emptied) and the transaction is the unit's alone."""
        if riders:
            ready = False
            try:
                with self.store.transaction() as tx:
                    _decide(tx, riders, shared=True)
                    ready = True
                    yield tx
                    return
            except Exception:
                if ready:  # the unit's own failure, or the commit's
                    raise
                self._settle_again(riders)
        with self.store.transaction() as tx:
            yield tx

    def _settle_again(self, riders: list[Job]) -> None:
        """Commands whose shared transaction was undone, decided anew without the unit."""
        for rider in riders:
            rider.result = rider.error = None
        batch = list(riders)
        riders.clear()
        self._settle(batch)


def _decide(tx: Transaction, batch: list[Job], shared: bool) -> None:
    for job in batch:
        writes = tx.writes
        try:
            job.result = job.decide(tx)  # type: ignore[misc]
        except CommandError as exc:
            if not shared or tx.writes != writes:
                raise  # alone it rolls back as ever; shared, the others are run alone
            job.error = exc


def _answer(exc: Exception) -> Exception:
    if isinstance(exc, ConcurrencyConflict):  # found when the events were written, at the commit
        return Conflict("数据已被他人更新，请刷新后重试。")
    return exc

