#!/usr/bin/env python3
"""Speed of the ``exchange`` model on a synthetic 15-actor, 6-issue negotiation.

    .venv/bin/python benchmarks/bench_exchange.py [--rounds 10] [--draws 100] [--repeat 3]
    .venv/bin/python benchmarks/bench_exchange.py --decide FILE [--draws 128] [--repeat 1]

Prints the first call of the process (it imports numba and loads the compiled kernel from
numba's cache, or compiles it when there is none: that time is left out of the figures
after it), runs per second of the registered model on one draw (a forecast at the nominal
inputs, with the JSON account of every exchange), draws per second on a batch of draws,
and the plain-loop reference (the test oracle ``tests/models/oracles/exchange.py``) on one
draw for comparison. Every run realises about 60 exchanges a round; decide's own code (pure
Python on 28-digit decimals) takes seconds per run on the 10-actor, 6-issue sample file.

With ``--decide FILE`` (a decide exchange-model file, e.g. ``tests/data/cop21.csv``
in the repository: 15 actors, 13 issues, about 130 exchanges a round) it times that
file instead: one draw at its values, and a batch of draws whose saliences are multiplied by
1 + U(0, 1e-4) (seeded, so that the draws differ), per run in wall and CPU time, against
decide's own model-only time on cop21 (6.9-7.2 s for 10 rounds).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from _synthetic import synthetic_inputs

from guaranty.models.bargaining.base import NegotiationInputs
from guaranty.models.bargaining.exchange import Exchange
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.formats.exchange import parse_exchange

# the per-draw reference implementations are test oracles, kept under tests/models
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from oracles.exchange import reference_rounds

DECIDE_COP21_S = 6.9  # decide's model-only time for 10 rounds of cop21 (6.9-7.2 s)


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def perturbed(one: NegotiationInputs, draws: int, seed: int = 0) -> NegotiationInputs:
    """``draws`` copies of a one-draw input, saliences multiplied by 1 + U(0, 1e-4)."""
    rng = np.random.default_rng(seed)
    rep = lambda v: np.repeat(v, draws, axis=0)  # noqa: E731
    jitter = 1 + 1e-4 * rng.random((draws, *one.salience.shape[1:]))
    return replace(
        one,
        positions=rep(one.positions),
        salience=np.clip(rep(one.salience) * jitter, 0.0, 1.0),
        capability=rep(one.capability),
    )


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def first_call(model: Exchange, one: NegotiationInputs) -> None:
    """Time the first run of the process: numba's import, then the kernel's load from
    numba's cache or its compilation (and one run)."""
    w, c = timed(lambda: __import__("numba"))
    print(f"import numba            {w:8.2f} s wall {c:8.2f} s CPU")
    w, c = timed(lambda: model.run(one, np.random.default_rng(0)))
    from guaranty.models.bargaining._exchange_kernel import _draws

    how = "compiled" if sum(_draws.stats.cache_misses.values()) else "loaded from numba's cache"
    print(f"first run (kernel {how}) {w:8.2f} s wall {c:8.2f} s CPU")


def decide_file(path: Path, model: Exchange, draws: int, repeat: int) -> None:
    one = nominal_inputs(parse_exchange(path.read_text(), name=path.name))
    batch = perturbed(one, draws)
    _, a, n = one.shape
    first_call(model, one)
    n_ex = model.run(one, np.random.default_rng(0)).diagnostics["exchanges"].sum()
    print(f"{path.name}: {a} actors x {n} issues, {model.rounds} rounds, {n_ex} exchanges")
    t1 = min(timed(lambda: model.run(one, np.random.default_rng(0))) for _ in range(repeat))
    print(f"exchange, 1 draw       {t1[0] * 1e3:8.1f} ms wall {t1[1] * 1e3:8.1f} ms CPU")
    tb = min(timed(lambda: model.run(batch, np.random.default_rng(0))) for _ in range(repeat))
    wall, cpu = tb[0] / draws, tb[1] / draws
    print(
        f"exchange, {draws} draws  {wall * 1e3:8.1f} ms wall {cpu * 1e3:8.1f} ms CPU a run"
        f"   ({DECIDE_COP21_S / wall:.0f}x / {DECIDE_COP21_S / cpu:.0f}x cheaper than decide's"
        f" {DECIDE_COP21_S} s on cop21)"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--draws", type=int, default=None, help="100, or 128 with --decide")
    p.add_argument("--repeat", type=int, default=None, help="3, or 1 with --decide")
    p.add_argument("--decide", type=Path, default=None, help="a decide exchange-model file")
    args = p.parse_args()
    model = Exchange(rounds=args.rounds)
    if args.decide is not None:
        decide_file(args.decide, model, args.draws or 128, args.repeat or 1)
        return
    args.draws, args.repeat = args.draws or 100, args.repeat or 3
    one = synthetic_inputs(1, 15, 6)
    batch = synthetic_inputs(args.draws, 15, 6)
    first_call(model, one)
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
