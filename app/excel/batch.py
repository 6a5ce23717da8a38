"""Several commands in one write transaction: an import is applied whole or not at all."""
from __future__ import annotations

from typing import Any

from ..commands.base import CommandBus
from ..domain.actors import Actor
from ..events.store import Transaction


class Batch:
    """Runs loaded commands through their handlers inside ``tx``; the caller commits or not."""

    def __init__(self, bus: CommandBus, tx: Transaction, actor: Actor,
                 correlation_id: str | None = None) -> None:
        self.bus = bus
        self.tx = tx
        self.actor = actor
        self.correlation_id = correlation_id
        self.events = 0

    def run(self, name: str, cmd: dict[str, Any], extra: dict[str, Any] | None = None) -> dict:
        """Decide and append one command (already loaded by ``bus.load``); CommandError if refused.

        A refusal appends nothing, so the transaction stays usable and later rows can still be
        checked; the caller rolls back when any was refused.
        """
        result = self.bus.decide_in(self.tx, name, cmd, self.actor,
                                    correlation_id=self.correlation_id, extra=extra)
        self.events += len(result["events"])
        return result
