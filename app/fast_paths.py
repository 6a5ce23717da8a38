"""The one switch of every fast path: ``DUBAN_FAST_PATHS=0`` turns them all off.

A fast path (group commit, a kept connection, a cache, a quick loader or check, as-of checkpoints)
answers exactly what its plain twin answers, only sooner. With the switch off every one of them
takes its plain twin, so that the tests, run once each way, prove that the fast paths change no
answer. The switch is read when asked, so a test may turn it for one case.
"""
from __future__ import annotations

import os


def enabled() -> bool:
    return os.environ.get("DUBAN_FAST_PATHS", "1") != "0"
