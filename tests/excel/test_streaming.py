"""A big ledger is exported with bounded memory: its rows are read a batch at a time and written
as they come, and the sums under a sheet are gathered on the way."""
from __future__ import annotations

import gc
import math
import random
import tempfile
import tracemalloc

from app.domain.actors import ADMIN, Actor
from app.excel.exports import run_export
from app.excel.sheets_reports import RunningSum
from app.views.problems import export_rows
from app.views.scope import Scope
from bench.excel import seed_ledger

ROWS = 20_000
ACTOR = Actor("admin", ADMIN)


def test_a_big_ledger_exports_in_a_fraction_of_its_rows_memory(services):
    seed_ledger(services, ROWS)
    with services.engine.connect() as conn:
        gc.collect()
        tracemalloc.start()
        rows = conn.execute(export_rows(Scope(ACTOR))).all()  # the sheet's rows as one list
        whole = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    assert len(rows) == ROWS
    del rows
    gc.collect()
    with tempfile.TemporaryFile() as fh:
        tracemalloc.start()
        written = run_export(services, "ledger", fh, ACTOR)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert written == ROWS
    print(f"export peak {peak / 2 ** 20:.1f} MB, the rows as a list {whole / 2 ** 20:.1f} MB")
    assert peak < whole / 3, (peak, whole)


def test_a_running_sum_is_math_fsum_of_the_list():
    rnd = random.Random(7)
    for _ in range(300):
        xs = [rnd.choice((rnd.uniform(-1e6, 1e6), round(rnd.uniform(0, 1e4), 2), 1e16, -1e16, 0.1))
              for _ in range(rnd.randrange(1, 200))]
        total = RunningSum()
        for x in xs:
            total.add(x)
        assert total.total == math.fsum(xs)
