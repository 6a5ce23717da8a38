"""A command id belongs to one user and one command with one body (API.md, "Security")."""
from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from app import fast_paths
from app.domain.actors import DISPATCHER, LEADER, Actor
from app.domain.errors import Conflict
from app.events.tables import command_results
from tests.domain.test_problems import World, world  # noqa: F401 (the fixture)
from tests.domain.test_process_cache import problem_world

# Group commit is a fast path: with DUBAN_FAST_PATHS=0 each command commits alone, so a test of
# how queued commands share a transaction has nothing to measure (the same answers either way
# are shown by the tests that run with the switch on and off).
needs_group_commit = pytest.mark.skipif(not fast_paths.enabled(),
                                        reason="group commit is off (DUBAN_FAST_PATHS=0)")

DISP = Actor("disp", DISPATCHER)
OTHER = Actor("disp2", DISPATCHER)


def _urge(pid: str, note: str = "请加快办理") -> dict:
    return {"id": pid, "note": note, "date": "2026-11-20"}


def _results(svc) -> int:
    with svc.engine.connect() as c:
        return c.execute(select(func.count()).select_from(command_results)).scalar()


def test_the_same_user_command_and_body_get_the_first_answer(services):
    pid = problem_world(services)
    first = services.bus.execute("urge_problem", _urge(pid), DISP, command_id="u-1")
    head = services.store.head()
    # the same body spelled otherwise (key order) is the same request
    again = services.bus.execute("urge_problem", dict(reversed(list(_urge(pid).items()))), DISP,
                                 command_id="u-1")
    assert again == first and services.store.head() == head


@pytest.mark.parametrize("who,name,body", [
    (OTHER, "urge_problem", {}),                                  # another user
    (DISP, "note_problem", {}),                                   # another command
    (DISP, "urge_problem", {"note": "另一段话"}),                   # another body
    (DISP, "urge_problem", {"date": "2026-11-19"}),               # another business date
], ids=["user", "command", "body", "date"])
def test_the_id_used_otherwise_is_refused_and_appends_nothing(services, who, name, body):
    pid = problem_world(services)
    services.bus.execute("urge_problem", _urge(pid), DISP, command_id="u-1")
    head = services.store.head()
    with pytest.raises(Conflict, match="command_id"):
        services.bus.execute(name, {**_urge(pid), **body}, who, command_id="u-1")
    assert services.store.head() == head and _results(services) == 1


def test_another_expected_version_is_another_request(services):
    pid = problem_world(services)
    services.bus.execute("urge_problem", _urge(pid), DISP, command_id="u-1", expected_version=2)
    with pytest.raises(Conflict, match="command_id"):
        services.bus.execute("urge_problem", _urge(pid), DISP, command_id="u-1")


@needs_group_commit
def test_in_one_shared_transaction_the_second_claim_is_refused(services):
    """Two users' commands under one id, queued together: the first is recorded, the second
    refused, and the refusal leaves the shared transaction to commit."""
    pid = problem_world(services)
    group = services.bus._group
    answers: dict = {}

    def one(actor: Actor, note: str) -> None:
        try:
            answers[actor.username] = services.bus.execute("urge_problem", _urge(pid, note), actor,
                                                           command_id="same")
        except Exception as exc:
            answers[actor.username] = exc

    with group._turn:  # both wait in the queue, then run in one transaction
        threads = [threading.Thread(target=one, args=(a, a.username)) for a in (DISP, OTHER)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(group._queue) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.005)
    for t in threads:
        t.join(30)
    kinds = sorted(type(a).__name__ for a in answers.values())
    assert kinds == ["Conflict", "dict"]
    [ev] = [e for e in services.store.read_stream(f"problem:{pid}") if e.type == "ProblemUrged"]
    winner = next(name for name, a in answers.items() if isinstance(a, dict))
    assert ev.meta["actor"] == winner and ev.data["note"] == winner


def test_a_password_is_not_part_of_the_hash(services):
    body = {"username": "zhao", "password": "secret123", "role": "dispatcher"}
    services.bus.execute("create_user", body, DISP.__class__("admin", "admin"), command_id="c-1")
    with services.engine.connect() as c:
        [(stored,)] = c.execute(select(command_results.c.body_hash)).all()
    from app.commands.idempotency import body_hash

    assert stored == body_hash({k: v for k, v in body.items() if k != "password"} |
                               {"unit": None, "display_name": None}, None)


# -- through the API: the two cases the review found --------------------------------------
def test_a_reporter_reusing_a_dispatchers_id_gets_409_not_the_answer(world):  # noqa: F811
    pid = world.raise_problem()
    world.dispatch(pid)
    first = world.post(f"/problems/{pid}/notes", {"note": "已协调", "command_id": "k-1"}, "disp")
    count = world.event_count()
    # rep1's unit (U01) is not the responsible one (U02): a note of its own is refused (403); under
    # the dispatcher's id it was answered 201 with the dispatcher's answer
    world.error(f"/problems/{pid}/notes", {"note": "已协调"}, "rep1", 403)
    err = world.error(f"/problems/{pid}/notes", {"note": "已协调", "command_id": "k-1"}, "rep1", 409)
    assert "command_id" in err["message"] and "k-1" in err["message"]
    # the dispatcher sending it again gets its answer
    assert world.post(f"/problems/{pid}/notes", {"note": "已协调", "command_id": "k-1"}) == first
    assert world.event_count() == count


def test_a_verify_under_an_id_a_reporter_used_is_refused_not_dropped(world):  # noqa: F811
    pid = world.raise_problem()
    world.dispatch(pid)
    world.post(f"/problems/{pid}/notes", {"note": "已协调", "command_id": "k-2"}, "rep2")
    world.post(f"/problems/{pid}/resolution", {"description": "已解决"}, "rep2")
    world.error(f"/problems/{pid}/verify", {"note": "核验通过", "command_id": "k-2"}, "disp", 409)
    assert world.get(f"/problems/{pid}")["status"] == "awaiting_verification"
    # with an id of its own the verification is recorded
    world.post(f"/problems/{pid}/verify", {"note": "核验通过", "command_id": "k-3"}, "disp")
    assert world.get(f"/problems/{pid}")["status"] == "resolved"


# -- the migration: results recorded before it learn their user and command ----------------------
def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0006b_command_owner.py"
    spec = importlib.util.spec_from_file_location("m0006b", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_older_results_learn_their_user_and_command(services):
    pid = problem_world(services)
    answer = services.bus.execute("urge_problem", _urge(pid), DISP, command_id="old")
    with services.engine.begin() as c:  # as a result recorded before the columns existed
        c.execute(update(command_results).values(username=None, command=None, body_hash=None))
        c.execute(insert(command_results).values(command_id="none", result='{"position":null}',
                                                 recorded_at="2026-01-01T00:00:00.000000Z"))
        _migration()._backfill(c)
        rows = dict((r[0], r[1:]) for r in c.execute(select(
            command_results.c.command_id, command_results.c.username, command_results.c.command,
            command_results.c.body_hash)))
    assert rows == {"old": ("disp", "urge_problem", None), "none": (None, None, None)}
    # the body was not kept: not compared; the user and the command are
    assert services.bus.execute("urge_problem", _urge(pid, "另一段"), DISP, command_id="old") == answer
    with pytest.raises(Conflict):
        services.bus.execute("urge_problem", _urge(pid), Actor("wq", LEADER, display_name="王强"),
                             command_id="old")
