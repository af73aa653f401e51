#!/usr/bin/env python3
"""Speed and memory of the ``smp`` kernel (run on demand; prints its figures).

    .venv/bin/python benchmarks/bench_smp.py [--draws 1000] [--actors 15] [--issues 3]

A synthetic scenario in KTAB's format: positions on [0, 100] with two decimals, an actor's
saliences summing to between 0.5 and 0.99, capabilities in [10, 200]; every draw is a new
scenario. Prints the runs (draws) per second of the kernel, the mean number of
turns, the batched cost per run against the cost of one draw run alone (``--single``
draws, mean), the peak memory that numpy allocated during a run (``tracemalloc``), and
the speed of the loop reference (the test oracle ``tests/models/oracles/smp.py``) on a
few draws. The kernel is the compiled one (``--kernel numpy``: the array kernel); a
warm-up run, untimed, loads numba and the compiled code first (compiling it on a machine's
first run). The issue-16 figure (40 actors x 1 issue):

    .venv/bin/python benchmarks/bench_smp.py --draws 40 --actors 40 --issues 1 --repeat 2 \
        --reference-draws 0 --single 10
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs

# the per-draw reference implementations are test oracles, kept under tests/models
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from oracles.smp import reference_run


def synthetic(draws: int, actors: int, issues: int, seed: int = 0) -> NegotiationInputs:
    rng = np.random.default_rng(seed)
    sal = rng.uniform(0.1, 1.0, (draws, actors, issues))
    sal = sal / sal.sum(axis=-1, keepdims=True) * rng.uniform(0.5, 0.99, (draws, actors, 1))
    return NegotiationInputs(
        positions=np.round(rng.uniform(0, 100, (draws, actors, issues)), 2),
        salience=np.round(sal, 4),
        capability=rng.uniform(10, 200, (draws, actors, 1)) * np.ones((1, 1, issues)),
        present=np.ones((actors, issues), bool),
        lower=np.zeros(issues),
        upper=np.full(issues, 100.0),
        reference=np.full(issues, np.nan),
        actor_ids=tuple(f"a{k}" for k in range(actors)),
        issue_ids=tuple(f"i{k}" for k in range(issues)),
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--actors", type=int, default=15)
    p.add_argument("--issues", type=int, default=3)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--reference-draws", type=int, default=3)
    p.add_argument("--single", type=int, default=5)
    p.add_argument("--kernel", choices=("compiled", "numpy"), default="compiled")
    args = p.parse_args()
    d, a, i = args.draws, args.actors, args.issues
    x = synthetic(d, a, i)
    model = registry.create("smp")
    model.kernel = args.kernel
    print(f"smp: {d} draws x {a} actors x {i} issues (KTAB's default options), {args.kernel}")
    # warm-up, outside the timings: numba's import and the compiled functions (compiled on
    # the first run on a machine, then loaded from numba's cache) for one draw and a batch
    t = time.perf_counter()
    model.run(x.take_draws(slice(0, 1)), np.random.default_rng(1))
    model.run(x.take_draws(slice(0, 2)), np.random.default_rng(1))
    print(f"warm-up    {time.perf_counter() - t:8.2f} s   (numba: compilation or its cache)")
    best, best_cpu, res = float("inf"), float("inf"), None
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        res = model.run(x, np.random.default_rng(1))
        if time.perf_counter() - t < best:  # the fastest repeat, its wall and CPU times
            best, best_cpu = time.perf_counter() - t, time.process_time() - c
    turns = res.diagnostics["turns"]
    print(
        f"kernel     {best:8.2f} s   {d / best:9.1f} runs/s   turns mean {turns.mean():.1f}, "
        f"max {turns.max()}"
    )
    if args.single:
        # the same draws run one at a time; per turn as well, since runs differ in length
        times, steps = [], 0
        c = time.process_time()
        for k in range(args.single):
            one = x.take_draws(slice(k, k + 1))
            t = time.perf_counter()
            steps += int(model.run(one, np.random.default_rng(1)).diagnostics["turns"][0])
            times.append(time.perf_counter() - t)
        single_cpu = (time.process_time() - c) / args.single
        single, batched = float(np.mean(times)), best / d
        ratio = (best / turns.sum()) / (sum(times) / steps)
        print(
            f"per run    {1000 * batched:8.2f} ms batched, {1000 * single:.2f} ms one draw alone "
            f"(mean of the first {args.single}): batched / alone = {batched / single:.2f}; "
            f"per turn {ratio:.2f}"
        )
        # CPU time (every thread's, time.process_time): what the run costs whatever the
        # load of the machine; the wall time above is what a user waits
        # cpu / wall of the batch: how many cores its threads had (numba's NUMBA_NUM_THREADS)
        threads = "1" if args.kernel == "numpy" else os.environ.get("NUMBA_NUM_THREADS", "all")
        print(
            f"cpu/run    {1000 * best_cpu / d:8.2f} ms batched (all threads), "
            f"{1000 * single_cpu:.2f} ms one draw alone; the batch kept "
            f"{best_cpu / best:.2f} cores busy (threads: {threads})"
        )
    tracemalloc.start()
    model.run(x, np.random.default_rng(1))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # numba's own allocations (the compiled kernel's work arrays, O(actors^2) per thread)
    # are not traced
    print(f"peak memory {peak / 2**20:7.1f} MiB (numpy allocations during one run)")
    k = args.reference_draws
    if k:
        small = synthetic(k, a, i)
        t = time.perf_counter()
        reference_run(model, small, np.random.default_rng(1))
        dt = time.perf_counter() - t
        print(f"reference  {dt:8.2f} s   {k / dt:9.2f} runs/s   (loop reference, {k} draws)")


if __name__ == "__main__":
    main()
