"""Group commit: commands arriving together share one transaction, each with its own answer."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app import fast_paths
from app.commands import statements
from app.commands.group import Job
from app.domain.actors import DISPATCHER, Actor
from app.domain.errors import Conflict, NotFound
from app.events.audit import verify_chain
from app.projections.problems import problems
from tests.domain.test_process_cache import problem_world

# Group commit is a fast path: with DUBAN_FAST_PATHS=0 each command commits alone, so a test of
# how queued commands share a transaction has nothing to measure (the same answers either way
# are shown by the tests that run with the switch on and off).
needs_group_commit = pytest.mark.skipif(not fast_paths.enabled(),
                                        reason="group commit is off (DUBAN_FAST_PATHS=0)")

ACTOR = Actor("disp", DISPATCHER)


def _urge(pid: str, note: str = "请加快办理") -> tuple[str, dict]:
    return "urge_problem", {"id": pid, "note": note, "date": "2026-11-20"}


@contextmanager
def _counting_transactions(store):
    opened = []
    real = store.transaction

    @contextmanager
    def counted(*args, **kwargs):
        opened.append(1)
        with real(*args, **kwargs) as tx:
            yield tx
    store.transaction = counted
    try:
        yield opened
    finally:
        store.transaction = real


def _together(svc, commands: list[tuple[str, dict, dict]]) -> list:
    """Run the commands from as many threads, released only once all of them are queued."""
    group = svc.bus._group
    answers: list = [None] * len(commands)

    def one(i: int, name: str, payload: dict, options: dict) -> None:
        try:
            answers[i] = svc.bus.execute(name, payload, ACTOR, **options)
        except Exception as exc:  # the answer under test
            answers[i] = exc

    with group._turn:  # the writer's turn is taken: every command waits in the queue
        threads = [threading.Thread(target=one, args=(i, *c)) for i, c in enumerate(commands)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(group._queue) < len(commands):
            assert time.monotonic() < deadline, "commands did not queue"
            time.sleep(0.005)
    for t in threads:
        t.join(30)
    return answers


def _urges(svc, pid: str) -> int:
    with svc.engine.connect() as c:
        return c.execute(select(problems.c.urge_count).where(problems.c.id == pid)).scalar_one()


@needs_group_commit
def test_commands_waiting_together_commit_in_one_transaction(services):
    pid = problem_world(services)
    with _counting_transactions(services.store) as opened:
        answers = _together(services, [(*_urge(pid, f"第{i}次"), {}) for i in range(12)])
    assert len(opened) == 1
    assert sorted(a["version"] for a in answers) == list(range(3, 15))
    assert _urges(services, pid) == 12
    assert verify_chain(services.engine).ok


@needs_group_commit
def test_a_refusal_leaves_the_others_committed(services):
    pid = problem_world(services)
    with _counting_transactions(services.store) as opened:
        answers = _together(services, [(*_urge(pid), {}), (*_urge("P9999"), {}), (*_urge(pid), {})])
    assert len(opened) == 1
    assert isinstance(answers[1], NotFound)
    assert abs(answers[0]["version"] - answers[2]["version"]) == 1  # in the order they queued
    assert _urges(services, pid) == 2


@needs_group_commit
def test_two_writers_on_one_version_in_one_transaction(services):
    pid = problem_world(services)
    version = services.bus.execute(*_urge(pid), ACTOR)["version"]
    answers = _together(services, [(*_urge(pid, "甲"), {"expected_version": version}),
                                   (*_urge(pid, "乙"), {"expected_version": version})])
    # the threads queue in whatever order they are scheduled: the first queued wins
    won = [a for a in answers if isinstance(a, dict)]
    assert [a["version"] for a in won] == [version + 1]
    assert [type(a) for a in answers if not isinstance(a, dict)] == [Conflict]
    assert _urges(services, pid) == 2


def _urge_fails_on(services, monkeypatch, note: str, fail) -> None:
    """The urge handler, failing by ``fail(ctx)`` after deciding when the note is ``note``."""
    spec = services.bus.registry["urge_problem"]
    handler = spec.handler

    def sometimes_failing(ctx, cmd):
        decision = handler(ctx, cmd)
        if cmd["note"] == note:
            fail(ctx)
        return decision
    monkeypatch.setattr(spec, "handler", sometimes_failing)


@needs_group_commit
def test_a_failure_undoes_the_shared_transaction_and_only_its_command_fails(services, monkeypatch):
    pid = problem_world(services)

    def fail(ctx):
        raise RuntimeError("handler failed")
    _urge_fails_on(services, monkeypatch, "坏", fail)
    with _counting_transactions(services.store) as opened:
        answers = _together(services, [(*_urge(pid), {}), (*_urge(pid, "坏"), {}), (*_urge(pid), {})])
    assert len(opened) == 1 + 3  # the shared one, undone; then each alone
    assert isinstance(answers[1], RuntimeError)
    assert abs(answers[0]["version"] - answers[2]["version"]) == 1  # in the order they queued
    assert _urges(services, pid) == 2


@needs_group_commit
def test_a_refusal_after_a_write_undoes_the_shared_transaction(services, monkeypatch):
    pid = problem_world(services)

    def refuse(ctx):
        statements.set_user(ctx.tx, "disp", display_name="调度员")  # a write, then the refusal
        raise NotFound("没有了。")
    _urge_fails_on(services, monkeypatch, "拒", refuse)
    with _counting_transactions(services.store) as opened:
        answers = _together(services, [(*_urge(pid), {}), (*_urge(pid, "拒"), {})])
    assert len(opened) == 1 + 2
    assert isinstance(answers[1], NotFound)
    assert _urges(services, pid) == 1


def test_many_threads_lose_nothing(services):
    pid = problem_world(services)
    threads, per_thread = 8, 15
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(per_thread):
                services.bus.execute(*_urge(pid, f"{n}-{i}"), ACTOR)
        except Exception as exc:
            errors.append(exc)
    ts = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert errors == []
    assert _urges(services, pid) == threads * per_thread
    assert verify_chain(services.engine).ok


# -- units of work ----------------------------------------------------------------------------
@contextmanager
def _queued_while_held(svc, monkeypatch, commands: list[tuple[str, dict]]):
    """The commands sent from threads and queued while the turn is held; on leaving, the turn is
    free and the threads wait to be woken (no polling: whoever takes the turn next is the test's
    own thread). Yields the list their answers fill in."""
    group = svc.bus._group
    real_sleep = Job.sleep
    monkeypatch.setattr(Job, "sleep", lambda job, timeout: real_sleep(job, 30))
    answers: list = [None] * len(commands)

    def one(i: int, name: str, payload: dict) -> None:
        try:
            answers[i] = svc.bus.execute(name, payload, ACTOR)
        except Exception as exc:  # the answer under test
            answers[i] = exc
    threads = [threading.Thread(target=one, args=(i, *c)) for i, c in enumerate(commands)]
    with group._turn:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(group._queue) < len(commands):
            assert time.monotonic() < deadline, "commands did not queue"
            time.sleep(0.005)
    yield answers
    for t in threads:
        t.join(30)
        assert not t.is_alive()


@needs_group_commit
def test_a_unit_of_work_shares_its_commit_with_the_commands_queued_with_it(services, monkeypatch):
    pid = problem_world(services)
    with _counting_transactions(services.store) as opened:
        with _queued_while_held(services, monkeypatch, [_urge(pid, f"单{i}") for i in range(3)]) \
                as answers:
            with services.bus.unit_of_work(ACTOR, correlation_id="batch-1") as uow:
                batch = [uow.execute(*_urge(pid, f"批{i}")) for i in range(2)]
    assert len(opened) == 1
    assert [a["version"] for a in answers] == [3, 4, 5]  # decided first, in the order they queued
    assert [b["version"] for b in batch] == [6, 7] and uow.events == 2
    assert _urges(services, pid) == 5
    assert verify_chain(services.engine).ok


@needs_group_commit
def test_a_unit_that_fails_keeps_nothing_and_the_commands_with_it_are_run_again(services,
                                                                               monkeypatch):
    pid = problem_world(services)
    with _counting_transactions(services.store) as opened:
        with _queued_while_held(services, monkeypatch, [_urge(pid, f"单{i}") for i in range(2)]) \
                as answers:
            with pytest.raises(RuntimeError, match="批处理中断"):
                with services.bus.unit_of_work(ACTOR) as uow:
                    uow.execute(*_urge(pid, "批"))
                    raise RuntimeError("批处理中断")
    assert len(opened) == 2  # the shared one, undone; then the two commands together
    assert [a["version"] for a in answers] == [3, 4]
    assert _urges(services, pid) == 2


@needs_group_commit
def test_commands_that_fail_the_shared_transaction_leave_the_unit_its_own(services, monkeypatch):
    pid = problem_world(services)

    def refuse(ctx):
        statements.set_user(ctx.tx, "disp", display_name="调度员")  # a write, then the refusal
        raise NotFound("没有了。")
    _urge_fails_on(services, monkeypatch, "拒", refuse)
    with _counting_transactions(services.store) as opened:
        with _queued_while_held(services, monkeypatch, [_urge(pid), _urge(pid, "拒")]) as answers:
            with services.bus.unit_of_work(ACTOR) as uow:
                batch = uow.execute(*_urge(pid, "批"))
    # shared with the unit, undone before its with-block; the two together, undone; each alone;
    # then the unit's own
    assert len(opened) == 1 + 1 + 2 + 1
    assert answers[0]["version"] == 3 and isinstance(answers[1], NotFound)
    assert batch["version"] == 4
    assert _urges(services, pid) == 2


def test_a_refusal_in_a_unit_appends_nothing_and_the_unit_goes_on(services):
    pid = problem_world(services)
    with services.bus.unit_of_work(ACTOR) as uow:
        uow.execute(*_urge(pid))
        with pytest.raises(NotFound):
            uow.execute(*_urge("P9999"))
        uow.execute(*_urge(pid))
    assert uow.events == 2 and _urges(services, pid) == 2


@needs_group_commit
def test_a_command_sent_to_the_bus_inside_a_unit_is_refused_not_left_waiting(services):
    pid = problem_world(services)
    with pytest.raises(RuntimeError):
        with services.bus.unit_of_work(ACTOR):
            services.bus.execute(*_urge(pid), ACTOR)
    assert _urges(services, pid) == 0
    assert services.bus.execute(*_urge(pid), ACTOR)["version"] == 3  # the turn was given back


# -- the switch -------------------------------------------------------------------------------
@pytest.mark.parametrize("fast", ["1", "0"])
def test_with_the_switch_off_each_command_commits_alone_and_answers_the_same(services,
                                                                            monkeypatch, fast):
    monkeypatch.setenv("DUBAN_FAST_PATHS", fast)
    pid = problem_world(services)
    threads, per_thread = 4, 5
    answers: list = []

    def work(n: int) -> None:
        for i in range(per_thread):
            answers.append(services.bus.execute(*_urge(pid, f"{n}-{i}"), ACTOR)["version"])
    with _counting_transactions(services.store) as opened:
        ts = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        refused = []
        for name, payload, options in [(*_urge("P9999"), {}),
                                       (*_urge(pid), {"expected_version": 2})]:
            try:
                services.bus.execute(name, payload, ACTOR, **options)
            except (NotFound, Conflict) as exc:
                refused.append(type(exc))
        with services.bus.unit_of_work(ACTOR) as uow:
            unit = [uow.execute(*_urge(pid, f"批{i}"))["version"] for i in range(2)]
    if fast == "0":  # no queue: a transaction per command, and one for the unit
        assert len(opened) == threads * per_thread + 2 + 1
    assert sorted(answers) == list(range(3, 3 + threads * per_thread))
    assert refused == [NotFound, Conflict]
    assert unit == [23, 24]
    assert _urges(services, pid) == threads * per_thread + 2
    assert verify_chain(services.engine).ok
