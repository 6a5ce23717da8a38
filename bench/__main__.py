"""python -m bench [name ...]: run the named benchmarks, or every known one when none is given."""
from __future__ import annotations

import sys
from importlib import import_module

# name -> module with run(); later issues add theirs here
BENCHMARKS = {
    "store": "bench.store",
    "domain": "bench.domain",
    "excel": "bench.excel",
    "admin": "bench.admin",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    for name in names:
        import_module(BENCHMARKS[name]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
