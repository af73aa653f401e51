#!/usr/bin/env python3
"""Speed and memory of the ``bdm`` kernel, and its speed-up over the reference loop.

    .venv/bin/python benchmarks/bench_bdm.py [--draws 10000] [--actors 15] [--issues 3]
        [--rounds 10] [--ref-draws 10] [--repeat 2] [--no-memory]

A synthetic negotiation (positions uniform on 0-100, salience uniform on 0-1, capability
uniform on 0-1 and the same on every issue, every actor present) is run ``draws`` times.
Printed: model runs per second (one run = one draw of one issue, all rounds), the peak of
the memory traced by ``tracemalloc`` during one run of the kernel (plus the process's peak
resident size), and the speed ratio to the test oracle ``tests/models/oracles/bdm.py`` timed
on the first ``ref-draws`` draws and scaled per run (both timings are the best of
``repeat``, which tames a busy machine). Goal: ratio >= 50 at the defaults. Measured 2026-11
on a shared 2-core machine with another job running: 1,390-1,510 runs/s, peak traced memory
62 MB (10 MB inputs, 36 MB returned round-by-round positions), peak resident size 110 MB,
ratio 78-108.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from _synthetic import synthetic_inputs

from guaranty.models.bargaining.bdm import BuenoDeMesquita

# the per-draw reference implementations are test oracles, kept under tests/models
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from oracles.bdm import reference_run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=10_000)
    p.add_argument("--actors", type=int, default=15)
    p.add_argument("--issues", type=int, default=3)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--ref-draws", type=int, default=10)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args = p.parse_args()
    x = synthetic_inputs(args.draws, args.actors, args.issues)
    model = BuenoDeMesquita(rounds=args.rounds)
    runs = args.draws * args.issues
    print(
        f"bdm: {args.draws} draws x {args.actors} actors x {args.issues} issues, "
        f"{args.rounds} rounds ({runs} runs)"
    )

    kernel = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        model.run(x, np.random.default_rng(1))
        kernel = min(kernel, time.perf_counter() - t)
    print(f"kernel      {kernel:8.2f} s   {runs / kernel:10.0f} runs/s")

    sub = x.take_draws(slice(0, min(args.ref_draws, args.draws)))
    ref_runs = sub.shape[0] * args.issues
    ref = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        slow = reference_run(model, sub)
        ref = min(ref, time.perf_counter() - t)
    print(f"reference   {ref:8.2f} s   {ref_runs / ref:10.1f} runs/s  ({ref_runs} runs)")
    fast = model.run(sub, np.random.default_rng(1))
    gap = np.abs(fast.round_positions - slow.round_positions).max()
    ratio = (ref / ref_runs) / (kernel / runs)
    print(f"speed ratio {ratio:8.1f} x (goal >= 50); max |kernel - reference| = {gap:.1e}")

    if not args.no_memory:
        tracemalloc.start()
        model.run(x, np.random.default_rng(1))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        inputs = sum(getattr(x, k).nbytes for k in ("positions", "salience", "capability"))
        print(f"peak traced memory {peak / 2**20:8.1f} MB (inputs {inputs / 2**20:.1f} MB)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak resident size {rss / (2**20 if sys.platform == 'darwin' else 2**10):8.1f} MB")


if __name__ == "__main__":
    main()
