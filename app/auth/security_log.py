"""Recording security facts through the bus, as the system actor.

Recording must never turn an answer into a 500: a fact that cannot be recorded is logged
to the process log instead.
"""
from __future__ import annotations

import logging

from ..bootstrap import Services
from ..domain.actors import SYSTEM, Actor

log = logging.getLogger("duban.security")


def system_at(client_address: str | None) -> Actor:
    """The system actor, with the address of the client whose request caused the fact."""
    return Actor(SYSTEM.username, SYSTEM.role, client_address=client_address)


def record(svc: Services, command: str, payload: dict, client_address: str | None) -> None:
    try:
        svc.bus.execute(command, payload, system_at(client_address))
    except Exception:
        log.exception("could not record %s %r", command, payload)


def record_refusal(svc: Services, actor: Actor, path: str, method: str, action: str | None,
                   message: str) -> None:
    log.warning("refused %s %s for %s (%s): %s", method, path, actor.username, actor.role, message)
    record(svc, "record_refusal", {
        "username": actor.username, "role": actor.role, "unit": actor.unit, "path": path[:500],
        "method": method[:10], "action": action[:100] if action else None,
        "message": message[:500]}, actor.client_address)
