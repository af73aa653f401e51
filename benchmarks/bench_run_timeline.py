#!/usr/bin/env python3
"""Where the wall time of a run goes: a timeline of one run, and a worker's start and end.

    .venv/bin/python benchmarks/bench_run_timeline.py [--draws 100000] [--workers 2]

1. **The run.** ``guaranty.runner.run`` of the Ukraine scenario (seed 1) into a fresh store
   in this process, its steps stamped in seconds since this script started (the imports
   and the reading of the scenario included, as in ``guaranty run``): the pool started,
   the store opened, the layout back from a worker, each chunk's results back, each
   transaction, the runner's checkpoint, the store closed, the end.
2. **A worker's start and end.** A fresh process does what a worker of a run does: its
   imports (``guaranty.runner``, then ``guaranty.montecarlo``), the start-up of
   ``pool._init_worker`` (the layout: the data, the fits, numba's cached kernels), five
   blocks; then it ends, once through the interpreter's finalisation and once through
   ``pool._exit_at_once`` (as a worker now ends), each timed from its last line to the
   end of the process.

docs/performance.md ("The chain", "On the faster machine") quotes these figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"

WORKER = """
import os, sys, time
t0 = time.perf_counter()
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
import guaranty.runner as runner
import guaranty.pool as pool
t1 = time.perf_counter()
import guaranty.montecarlo as montecarlo
t2 = time.perf_counter()
from guaranty.scenario import load
pool._init_worker(load(sys.argv[1]).model_dump_json(by_alias=True))
t3 = time.perf_counter()
for b in range(5):
    montecarlo.simulate_block(pool.WORKER["scenario"], 1, b, lay=runner._layout())
t4 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f} {(t4 - t3) / 5:.3f}", flush=True)
if sys.argv[2] == "finalise":
    import atexit
    atexit.unregister(pool._exit_at_once)
print(f"{time.time():.6f}", flush=True)
"""


def _stamp(events: list[tuple[str, float]], what: str) -> None:
    events.append((what, time.perf_counter() - T0))


def timeline(draws: int, workers: int) -> list[tuple[str, float]]:
    """The stamped steps of one run (see the module docstring)."""
    from guaranty import pool, runner
    from guaranty.scenario import load

    # the pool starts as it would from `guaranty run` (forked on Linux), decided before this
    # script loads DuckDB to time the store (the command loads it only after the pool)
    method = pool.start_method()
    pool.start_method = lambda: method  # type: ignore[assignment]
    from guaranty.store import Store

    events: list[tuple[str, float]] = []

    def wrap(owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def stamped(*args: object, **kwargs: object) -> object:
            _stamp(events, f"{label} starts")
            out = original(*args, **kwargs)
            _stamp(events, f"{label} done")
            return out

        setattr(owner, name, stamped)

    wrap(runner, "start_pool", "the pool's start")
    wrap(Store, "__init__", "opening the store")
    wrap(Store, "open_run", "the run's row")
    wrap(Store, "write_blocks", "a transaction")
    wrap(Store, "checkpoint", "the runner's checkpoint")
    wrap(Store, "close", "closing the store")
    store_result = runner._Filler._store

    def received(self: object, results: list) -> None:
        _stamp(events, "a chunk is back")
        store_result(self, results)  # type: ignore[arg-type]

    runner._Filler._store = received  # type: ignore[method-assign]
    scenario = load(SCENARIO)
    _stamp(events, "the scenario read")
    with tempfile.TemporaryDirectory() as tmp:
        runner.run(
            scenario, draws=draws, seed=1, store=os.path.join(tmp, "t.duckdb"), workers=workers
        )
    _stamp(events, "the end")
    return events


def worker(mode: str) -> tuple[list[float], float]:
    """A worker's phases (imports of the runner, of the models, start-up, a block) and its
    exit time, in seconds, ending by ``mode`` ("finalise" or "at once")."""
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(SCENARIO), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    ended = time.time()
    phases, last = proc.stdout.strip().splitlines()[-2:]
    return [float(x) for x in phases.split()], ended - float(last)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    events = timeline(args.draws, args.workers)
    from guaranty.pool import start_method  # as the run used it (see timeline)

    print(
        f"a run of {args.draws:,} draws, {args.workers} workers, {start_method()}ed "
        "(seconds since the start):"
    )
    chunks = [t for what, t in events if what == "a chunk is back"]
    for what, t in events:
        if what != "a chunk is back":
            print(f"  {t:6.2f}  {what}")
    if chunks:
        first, last = chunks[0], chunks[-1]
        print(f"  chunks back: {len(chunks)}, the first at {first:.2f}, the last at {last:.2f}")
    print("a worker (a fresh process; seconds of wall time):")
    for mode in ("finalise", "at once"):
        (runner_s, models_s, start_s, block_s), exit_s = worker(mode)
        if mode == "finalise":
            print(
                f"  imports: guaranty.runner {runner_s:.3f}, guaranty.montecarlo {models_s:.3f};"
                f" start-up (layout) {start_s:.3f}; a block {block_s:.3f}"
            )
        print(f"  its end ({mode}): {exit_s:.3f} from its last line to the end of the process")


if __name__ == "__main__":
    main()
