#!/usr/bin/env python3
"""Speed of the negotiation kernels over many draws (run on demand; prints its figures).

    .venv/bin/python benchmarks/bench_models.py [--draws 100000] [--actors 30] [--issues 10]

Goal: every one-shot model handles 10,000 draws of a 30-actor, 10-issue negotiation in under
0.5 s on one core (measured 2026-11: compromise about 0.1 s, median about 0.3 s).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _synthetic import synthetic_inputs

from guaranty.models import registry


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--draws", type=int, default=10_000)
    p.add_argument("--actors", type=int, default=30)
    p.add_argument("--issues", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    d, a, i = args.draws, args.actors, args.issues
    x = synthetic_inputs(d, a, i)
    print(f"{d} draws x {a} actors x {i} issues")
    # the one-step, issue-by-issue models; the iterative and joint ones have their own benchmarks
    for name in [
        m
        for m in registry.available()
        if not registry.get(m).iterative and registry.get(m).separable
    ]:
        model = registry.create(name)
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            model.run(x, np.random.default_rng(1))
            best = min(best, time.perf_counter() - t)
        print(f"{name:12s} {best * 1e3:9.1f} ms   {d / best / 1e6:6.2f} M draws/s")


if __name__ == "__main__":
    main()
