"""Security facts of the staff pages: refused screens and commands.

Inspectors must be able to see who tried what and was turned away, with the same tamper
evidence as every other fact, so these go into the event log (stream ``security:log``) through
the bus, as the system actor (app/auth/security_log.py). Logins are recorded by the login rule
the API shares (app/auth/login.py).
"""
from __future__ import annotations

from ..auth.security_log import record_refusal

__all__ = ["record_refusal"]
