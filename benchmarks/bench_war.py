#!/usr/bin/env python3
"""Speed and memory of the ``war`` battlefield kernel (run on demand; prints its figures).

    .venv/bin/python benchmarks/bench_war.py [--draws 100000] [--horizon 60] [--repeat 3]

Runs :func:`guaranty.models.war.simulate_war` with the Ukraine-2022 defaults of
docs/models/war.md, and once more with no acceptable deal (``reservation_a`` huge) so that
every draw runs the full horizon (the worst case). Prints draws per second, the outcome
shares, and the peak memory numpy allocated during a run (``tracemalloc``); paths are not
kept.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import tracemalloc

import numpy as np

from guaranty.models.war import OUTCOMES, WarParams, simulate_war


def bench(label: str, params: WarParams, draws: int, repeat: int) -> None:
    best, res = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        res = simulate_war(params, draws, np.random.default_rng(1))
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    simulate_war(params, draws, np.random.default_rng(1))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    shares = np.bincount(res.outcome, minlength=len(OUTCOMES)) / draws
    share_text = ", ".join(f"{n} {s:.3f}" for n, s in zip(OUTCOMES, shares, strict=True))
    print(f"{label}: {draws / best:,.0f} draws/s ({best:.2f} s), peak {peak / 2**20:.0f} MiB")
    print(f"  outcomes: {share_text}; median end month {np.median(res.end_month):.0f}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument("--horizon", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    params = WarParams(horizon=args.horizon)
    print(f"war: {args.draws} draws x {args.horizon} months")
    bench("defaults", params, args.draws, args.repeat)
    bench("full horizon", dataclasses.replace(params, reservation_a=1e6), args.draws, args.repeat)


if __name__ == "__main__":
    main()
