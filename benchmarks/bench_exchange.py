#!/usr/bin/env python3
"""Speed of the ``exchange`` model on a synthetic 15-actor, 6-issue negotiation.

    .venv/bin/python benchmarks/bench_exchange.py [--rounds 10] [--draws 100] [--repeat 3]

Prints runs per second of the registered model on one draw (a forecast at the nominal
inputs, with the JSON account of every exchange), draws per second on a batch of draws,
and the plain-loop reference (the test oracle ``tests/models/oracles/exchange.py``) on one
draw for comparison. Every run realises about 60 exchanges a round; decide's own code (pure
Python on 28-digit decimals) takes seconds per run on the 10-actor, 6-issue sample file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _synthetic import synthetic_inputs

from guaranty.models.bargaining.exchange import Exchange

# the per-draw reference implementations are test oracles, kept under tests/models
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from oracles.exchange import reference_rounds


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--draws", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    model = Exchange(rounds=args.rounds)
    one = synthetic_inputs(1, 15, 6)
    batch = synthetic_inputs(args.draws, 15, 6)
    n_ex = model.run(one, np.random.default_rng(0)).diagnostics["exchanges"].sum()
    print(f"15 actors x 6 issues, {args.rounds} rounds, {n_ex} exchanges in the first draw")
    t1 = best_of(args.repeat, lambda: model.run(one, np.random.default_rng(0)))
    print(f"exchange, 1 draw     {t1 * 1e3:9.1f} ms   {1 / t1:8.2f} runs/s")
    tb = best_of(args.repeat, lambda: model.run(batch, np.random.default_rng(0)))
    print(
        f"exchange, {args.draws} draws {tb * 1e3:9.1f} ms   {args.draws / tb:8.2f} draws/s"
        f"   ({tb / args.draws * 1e3:.1f} ms a draw)"
    )
    coin = np.random.default_rng(0)
    x = one.positions[0]
    tr = best_of(
        1,
        lambda: reference_rounds(
            x, one.salience[0], one.capability[0], one.present, args.rounds, coin.random
        ),
    )
    print(f"reference, 1 draw    {tr * 1e3:9.1f} ms   {1 / tr:8.2f} runs/s")


if __name__ == "__main__":
    main()
