"""python -m bench [name ...]: run the named benchmarks, or every known one when none is given."""
from __future__ import annotations

import sys
import time
from importlib import import_module

# name -> module with run(); later issues add theirs here
BENCHMARKS = {
    "store": "bench.store",
    "domain": "bench.domain",
    "excel": "bench.excel",
    "admin": "bench.admin",
    "audit": "bench.audit",
    "files": "bench.files",
    "tasks": "bench.tasks",
    "asof": "bench.asof",
    "feed": "bench.feed",
    "soak": "bench.soak",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    print(machine_speed(), flush=True)
    for name in names:
        import_module(BENCHMARKS[name]).run()
    return 0


def machine_speed() -> str:
    """How fast this machine runs plain Python right now: on a shared machine it varies from day
    to day, and the absolute figures below move with it."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - t)
    return f"machine: {2 / best:.1f} M loop steps/s of pure Python (best of 3)"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
