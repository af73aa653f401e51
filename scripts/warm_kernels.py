#!/usr/bin/env python3
"""Compile (or load) every numba kernel once, before the test suite.

    .venv/bin/python scripts/warm_kernels.py

guaranty's compiled kernels (the chain's revealed-resolve update and battles, smp above 10
actors, exchange) are compiled on their first call on a machine and cached beside their
sources (``__pycache__``, keyed by the source's content). On a fresh checkout the test
workers would each compile them, and the wheel test copies the cache into the wheel's
environment (``tests/test_packaging.py``); ``python3 dev.py test`` therefore runs this first.
The three parts run in parallel processes (one per core at most): about 50 s on two cores
the first time (90 s of CPU), 3 s once cached. Prints what each took.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"

#: label -> what to run: the chain (the war's battles and the revealed-resolve update), smp
#: (compiled above 10 actors) and exchange; the longest first
PARTS = {
    "smp (40 actors)": ("forecast", DATA / "dummyData-a040.csv", "smp"),
    "exchange (cop21)": ("forecast", DATA / "cop21.csv", "exchange"),
    "chain (ukraine-2022, one block)": ("chain", "ukraine-2022", None),
}


def warm(label: str) -> tuple[str, float]:
    """Run part ``label`` of :data:`PARTS`; returns it with the seconds it took."""
    from guaranty.scenario import load

    started = time.perf_counter()
    kind, source, model = PARTS[label]
    if kind == "chain":
        from guaranty import montecarlo

        montecarlo.simulate_block(load(source), 0, 0, n=1)
    else:
        from guaranty.pipeline import forecast

        forecast(load(source), model, draws=2, seed=0)
    return label, time.perf_counter() - started


def main() -> int:
    started = time.perf_counter()
    workers = max(1, min(len(PARTS), os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for label, seconds in pool.map(warm, PARTS):
            print(f"  {label}: {seconds:.1f} s", flush=True)
    print(f"numba kernels ready in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main())
