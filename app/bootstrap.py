"""The composition root: wires the engine, the store, the projections and the command bus."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import import_module
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from . import catalog
from .commands.base import CommandBus, CommandRegistry
from .db import make_engine
from .events.registry import EventRegistry
from .events.store import EventStore, utc_now
from .projections.asof import Checkpoints
from .projections.engine import ProjectionSet
from .replica import ReadReplica


@dataclass
class Services:
    engine: Engine
    events: EventRegistry
    store: EventStore
    projections: ProjectionSet
    commands: CommandRegistry
    bus: CommandBus
    tz: ZoneInfo
    clock: Callable[[], datetime]
    replica: ReadReplica | None = None  # live reads go there when configured (DATABASE_READ_URL)

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()


def build_registries() -> tuple[EventRegistry, CommandRegistry, ProjectionSet]:
    events = EventRegistry()
    for name in catalog.EVENT_MODULES:
        import_module(name).register(events)
    commands = CommandRegistry()
    for name in catalog.COMMAND_MODULES:
        commands.extend(import_module(name).COMMANDS)
    projections = ProjectionSet([import_module(name).PROJECTION for name in catalog.PROJECTION_MODULES])
    return events, commands, projections


def default_asof(database_url: str) -> dict:
    """As-of checkpoints beside an SQLite file, else in the system's temporary directory (the app
    keeps them under instance/asof, see config.py)."""
    if database_url.startswith("sqlite:///") and len(database_url) > len("sqlite:///"):
        return {"directory": database_url[len("sqlite:///"):] + ".asof"}
    return {"directory": os.path.join(tempfile.gettempdir(), "duban-asof")}


def bootstrap(database_url: str, tz_name: str = "Asia/Shanghai",
              clock: Callable[[], datetime] | None = None,
              signing_key_file: str | None = None, asof: dict | None = None,
              read_url: str | None = None, read_wait_ms: float = 500) -> Services:
    engine = make_engine(database_url)
    events, commands, projections = build_registries()
    projections.checkpoints = Checkpoints(projections, **(asof or default_asof(database_url)))
    clock = clock or utc_now
    tz = ZoneInfo(tz_name)
    store = EventStore(engine, events, clock=clock, projector=projections.live)
    bus = CommandBus(commands, store, lambda: clock().astimezone(tz).date())
    bus.resources["tz"] = tz
    bus.resources["projections"] = projections  # counters a handler reads (ids, 文号)
    if signing_key_file:  # checkpoints are signed only where a key file is configured
        from .audit.keys import Signer

        bus.resources["signer"] = Signer(signing_key_file)
    replica = ReadReplica(read_url, read_wait_ms) if read_url else None
    return Services(engine, events, store, projections, commands, bus, tz, clock, replica)
