"""Benchmarks: `python -m bench [name ...]` (or `./dev bench`). Each module has a `run()`."""
