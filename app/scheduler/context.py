"""What a job sees while it runs: one write transaction, and the bus's commands inside it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from ..bootstrap import Services
from ..domain.actors import SYSTEM
from ..events.store import Transaction
from .settings import JobSettings


@dataclass
class JobContext:
    services: Services
    tx: Transaction
    settings: JobSettings
    job: str
    run_id: int
    today: date  # in TZ_NAME, fixed for the whole run
    now: datetime
    events: int = 0

    @property
    def conn(self) -> Connection:
        return self.tx.conn

    def execute(self, command: str, payload: dict[str, Any]) -> dict:
        """Run a command as the system actor in the job's transaction; events carry the run."""
        result = self.services.bus.execute_in(
            self.tx, command, payload, SYSTEM, correlation_id=f"job-run:{self.run_id}",
            extra={"job": self.job, "job_run": self.run_id})
        self.events += len(result["events"])
        return result
