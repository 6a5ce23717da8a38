"""What a job sees while it runs: its unit of work on the bus, as the system actor."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..bootstrap import Services
from ..commands.base import UnitOfWork
from .settings import JobSettings


@dataclass
class JobContext:
    services: Services
    uow: UnitOfWork  # its reads go through app/commands/statements.py with uow.tx
    settings: JobSettings
    job: str
    run_id: int
    today: date  # in TZ_NAME, fixed for the whole run
    now: datetime

    @property
    def events(self) -> int:
        return self.uow.events

    def execute(self, command: str, payload: dict[str, Any]) -> dict:
        """Run a command in the job's unit of work; its events carry the run."""
        return self.uow.execute(command, payload)
