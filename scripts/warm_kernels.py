#!/usr/bin/env python3
"""Compile (or load) every numba kernel once, in one process, before the test suite.

    .venv/bin/python scripts/warm_kernels.py

guaranty's compiled kernels (the chain's revealed-resolve update and battles, smp above 10
actors, exchange) are compiled on their first call on a machine and cached beside their
sources (``__pycache__``, keyed by the source's content). On a fresh checkout the test
workers would each compile them at once, and the wheel test copies the cache into the wheel's
environment (``tests/test_packaging.py``); ``python3 dev.py test`` therefore runs this first.
About 90 s of CPU the first time, 3 s once cached. Prints what it ran and how long it took.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    from guaranty import montecarlo
    from guaranty.pipeline import forecast
    from guaranty.scenario import load

    started = time.perf_counter()
    parts = {
        # the chain: the war's battles and the revealed-resolve update
        "chain (ukraine-2022, one block)": lambda: montecarlo.simulate_block(
            load("ukraine-2022"), 0, 0, n=1
        ),
        # smp runs compiled above 10 actors
        "smp (40 actors)": lambda: forecast(
            load(ROOT / "tests" / "data" / "dummyData-a040.csv"), "smp", draws=2, seed=0
        ),
        "exchange (cop21)": lambda: forecast(
            load(ROOT / "tests" / "data" / "cop21.csv"), "exchange", draws=2, seed=0
        ),
    }
    for label, run in parts.items():
        t0 = time.perf_counter()
        run()
        print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"numba kernels ready in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
