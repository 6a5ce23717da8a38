"""Commands, their handlers and the bus that runs them inside one write transaction."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from marshmallow import Schema, ValidationError

from .. import fast_paths
from ..domain.actors import SYSTEM, Actor
from ..domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from ..events.model import Metadata, NewEvent, RecordedEvent
from ..events.store import ConcurrencyConflict, EventStore, Transaction
from ..limits.text import bad_text_fields, has_bad_text
from .group import CommitGroup
from .idempotency import body_hash, check_claim
from .messages import translate_errors
from .quick_load import Loader, compile_loader


@dataclass(frozen=True)
class Decision:
    """What a handler decided: events for one stream, and the id to answer with."""

    id: str
    stream_id: str
    stream_type: str
    events: Sequence[NewEvent]


class Context:
    """What a handler sees: the actor, today, and read access inside the write transaction
    (its stream through ``load``; anything else through app/commands/statements.py)."""

    def __init__(self, tx: Transaction, actor: Actor, today: date, now: datetime,
                 resources: dict[str, Any] | None = None) -> None:
        self.tx = tx
        self.actor = actor
        self.today = today
        self.now = now
        self.resources = resources if resources is not None else {}

    def load(self, stream_id: str) -> list[RecordedEvent]:
        return self.tx.read_stream(stream_id)

    def exists(self, stream_id: str) -> bool:
        return self.tx.stream_version(stream_id) > 0

    def require(self, stream_id: str, message: str) -> list[RecordedEvent]:
        evs = self.load(stream_id)
        if not evs:
            raise NotFound(message)
        return evs

    def business_date(self, cmd: dict, field: str = "date") -> date:
        """The day the recorded thing happened: given, or today; never in the future."""
        day = cmd.get(field) or self.today
        if day > self.today:
            raise InvalidCommand("输入有误，请检查标出的字段。",
                                 {field: [f"业务日期不能晚于今天（{self.today.isoformat()}）。"]})
        return day

    def row(self, table, *key) -> dict | None:
        """A projection row as this transaction sees it (its own appends folded in), by primary
        key; read only. Remembered rows need no query; no SQLAlchemy connection is opened, which
        would cost more than the read and keep the next transaction from what this one knew."""
        return self.resources["projections"].row(self.tx, table, *key)

    def next_id(self, stream_type: str, prefix: str, width: int) -> str:
        """The next sequential id of a kind of stream (safe: the append lock is held)."""
        from ..domain.vocab import stream
        from ..projections.sequences import stream_counts

        row = self.row(stream_counts, stream_type)
        new_id = f"{prefix}{(row['count'] if row else 0) + 1:0{width}d}"
        self.tx.new_stream(stream(stream_type, new_id))
        return new_id


Handler = Callable[[Context, dict], Decision]


@dataclass
class CommandSpec:
    name: str
    schema: type[Schema]
    handler: Handler
    roles: tuple[str, ...]
    summary: str
    # The stream a command on an existing thing addresses, from its loaded payload.
    stream: Callable[[dict], str] | None = None
    # API route: POST /api/v1 + path; path parameters are merged into the payload.
    path: str | None = None
    tags: tuple[str, ...] = ()


@dataclass
class CommandRegistry:
    specs: dict[str, CommandSpec] = field(default_factory=dict)

    def add(self, spec: CommandSpec) -> CommandSpec:
        if spec.name in self.specs:
            raise ValueError(f"command {spec.name} registered twice")
        self.specs[spec.name] = spec
        return spec

    def extend(self, specs: Iterable[CommandSpec]) -> None:
        for s in specs:
            self.add(s)

    def __getitem__(self, name: str) -> CommandSpec:
        return self.specs[name]

    def __iter__(self):
        return iter(self.specs.values())


class CommandBus:
    def __init__(self, registry: CommandRegistry, store: EventStore,
                 today: Callable[[], date]) -> None:
        self.registry = registry
        self.store = store
        self.today = today
        self._schemas: dict[str, tuple[Schema, Loader | None]] = {}
        self._group = CommitGroup(store)
        self._hidden: dict[str, frozenset[str]] = {}
        # What a handler may use besides the store, by name (the checkpoint signer: "signer").
        self.resources: dict[str, Any] = {}

    def load(self, name: str, payload: dict[str, Any]) -> dict:
        """Validate a payload against the command's schema (400 with per-field messages)."""
        if not isinstance(payload, dict):
            raise InvalidCommand("请求内容必须是一个 JSON 对象。")
        if has_bad_text(payload):  # from a form, a sheet or a command line as from the API
            raise InvalidCommand("输入有误，请检查标出的字段。", bad_text_fields(payload))
        entry = self._schemas.get(name)
        if entry is None:  # one instance per command: building a schema costs more than loading
            schema = self.registry[name].schema()
            entry = self._schemas[name] = (schema, compile_loader(schema))
        schema, quick = entry
        if quick is not None and fast_paths.enabled():
            loaded = quick(payload)
            if loaded is not None:
                return loaded
        try:
            return schema.load(payload)
        except ValidationError as exc:
            raise InvalidCommand("输入有误，请检查标出的字段。", translate_errors(exc.messages)) from None

    def execute(self, name: str, payload: dict[str, Any], actor: Actor, *,
                command_id: str | None = None, expected_version: int | None = None,
                correlation_id: str | None = None, causation_id: str | None = None) -> dict:
        """Validate, decide and append one command; committed, as every command arriving
        meanwhile, in the next transaction (see group.py); with the fast paths off, alone."""
        spec = self.registry[name]
        cmd = self.load(name, payload)
        _check_role(spec, actor)

        def decide(tx: Transaction) -> dict:
            return self._decide_and_append(tx, spec, cmd, actor, command_id, expected_version,
                                           correlation_id, causation_id, None)
        if fast_paths.enabled():
            return self._group.run(decide)
        try:
            with self.store.transaction() as tx:
                return decide(tx)
        except ConcurrencyConflict:  # found when the events were written, at the commit
            raise Conflict("数据已被他人更新，请刷新后重试。") from None

    @contextmanager
    def unit_of_work(self, actor: Actor, *, correlation_id: str | None = None,
                     extra: dict[str, Any] | None = None) -> Iterator["UnitOfWork"]:
        """Several commands (an import, a job's run, the demonstration) committed together when
        the with-block ends, or not at all if it raises. The unit waits for its turn among the
        single commands and shares its commit with those queued with it (group.py)."""
        opened = self._group.unit() if fast_paths.enabled() else self.store.transaction()
        try:
            with opened as tx:
                yield UnitOfWork(self, tx, actor, correlation_id, extra or {})
        except ConcurrencyConflict:
            raise Conflict("数据已被他人更新，请刷新后重试。") from None

    def _decide_and_append(self, tx: Transaction, spec: CommandSpec, cmd: dict, actor: Actor,
                           command_id: str | None, expected_version: int | None,
                           correlation_id: str | None, causation_id: str | None,
                           extra: dict[str, Any] | None) -> dict:
        claim = None
        if command_id:
            claim = (actor.username, spec.name,
                     body_hash(cmd, expected_version, self._secret_fields(spec)))
            earlier = tx.command_result(command_id)
            if earlier is not None:
                answer, stored = earlier
                check_claim(command_id, stored, claim)
                return answer
        if expected_version is not None and spec.stream is not None:
            stream_id = spec.stream(cmd)
            current = tx.stream_version(stream_id)
            if current == 0:
                raise NotFound("要操作的对象不存在。")
            if current != expected_version:
                raise Conflict(f"数据已被他人更新（当前版本 {current}，您提交的版本 "
                               f"{expected_version}），请刷新后重试。")
        ctx = Context(tx, actor, self.today(), self.store.clock(), self.resources)
        decision = spec.handler(ctx, cmd)
        meta = Metadata(actor=actor.username, role=actor.role, unit=actor.unit,
                        command_id=command_id, correlation_id=correlation_id or command_id,
                        causation_id=causation_id, client_address=actor.client_address,
                        extra={"command": spec.name, **(extra or {})})
        try:
            recorded = tx.append(decision.stream_id, decision.stream_type, decision.events,
                                 tx.stream_version(decision.stream_id), meta)
        except ConcurrencyConflict:
            raise Conflict("数据已被他人更新，请刷新后重试。") from None
        result = {
            "id": decision.id,
            "version": recorded[-1].version if recorded else tx.stream_version(decision.stream_id),
            "position": recorded[-1].position if recorded else None,
            "events": [{"type": e.type, "position": e.position} for e in recorded],
        }
        if claim is not None:
            tx.remember_result(command_id, result, claim)
        return result


    def _secret_fields(self, spec: CommandSpec) -> frozenset[str]:
        """Fields never shown back (passwords: ``load_only``), left out of a body's hash."""
        hidden = self._hidden.get(spec.name)
        if hidden is None:
            schema = self._schemas[spec.name][0] if spec.name in self._schemas else spec.schema()
            hidden = self._hidden[spec.name] = frozenset(
                n for n, f in schema.fields.items() if f.load_only)
        return hidden


class UnitOfWork:
    """The commands of one unit of work, each decided on what the ones before it appended.

    A refusal (CommandError) appends nothing, so the unit goes on with its next command; the
    caller decides whether a refusal ends the unit (raise inside the with-block: nothing of it
    is kept). ``tx`` is for the functions of statements.py, the unit's reads and the tables it
    writes besides the events.
    """

    def __init__(self, bus: CommandBus, tx: Transaction, actor: Actor,
                 correlation_id: str | None, extra: dict[str, Any]) -> None:
        self.bus = bus
        self.tx = tx
        self.actor = actor
        self.correlation_id = correlation_id
        self.extra = extra
        self.events = 0  # appended so far

    def execute(self, name: str, payload: dict[str, Any], *, actor: Actor | None = None,
                command_id: str | None = None, expected_version: int | None = None,
                causation_id: str | None = None, extra: dict[str, Any] | None = None) -> dict:
        """Validate, decide and append one command of the unit; its answer, or CommandError."""
        return self.decide(name, self.bus.load(name, payload), actor=actor, command_id=command_id,
                           expected_version=expected_version, causation_id=causation_id,
                           extra=extra)

    def decide(self, name: str, cmd: dict, *, actor: Actor | None = None,
               command_id: str | None = None, expected_version: int | None = None,
               causation_id: str | None = None, extra: dict[str, Any] | None = None) -> dict:
        """The same for a payload already loaded by ``bus.load`` (an import checks every row's
        cells before its unit begins)."""
        spec = self.bus.registry[name]
        who = actor or self.actor
        _check_role(spec, who)
        result = self.bus._decide_and_append(
            self.tx, spec, cmd, who, command_id, expected_version, self.correlation_id,
            causation_id, {**self.extra, **extra} if extra else self.extra)
        self.events += len(result["events"])
        return result


def _check_role(spec: CommandSpec, actor: Actor) -> None:
    if actor.role not in spec.roles and actor.role != SYSTEM.role:
        raise Forbidden("您的角色无权执行此操作。")
