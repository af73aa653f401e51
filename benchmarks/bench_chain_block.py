#!/usr/bin/env python3
"""CPU time of one block of the chain, by stage, and of writing it to the store (prints them).

    .venv/bin/python benchmarks/bench_chain_block.py [--blocks 10] [--threads 1] [--blas-threads]
        [--store-blocks 100] [--checkpoint 16MB] [--per-transaction 20]

In one process: the layout and a first block (the start-up: data, fits, compiled kernels),
then ``--blocks`` blocks of 1000 Ukraine draws (seed 1), each stage of
``montecarlo.simulate_block`` timed with ``time.process_time``, then the blocks written to a
fresh store in transactions of ``--per-transaction`` blocks (default: as the runner writes
``--store-blocks`` blocks, ``runner.commit_size``; 5 is one default chunk, as the runner
wrote before 2026-12-06) (``--threads``: DuckDB's threads,
one as the runner uses; 0 for DuckDB's default; ``--store-blocks``: as many blocks, the
computed ones written again under other numbers, 100 for a run of 100,000 draws;
``--checkpoint``: DuckDB's checkpoint threshold, the store's own by default), and the store
closed. BLAS runs on one thread, as in a run's
worker (``--blas-threads``: its default pool, whose spinning threads the CPU time then
counts). The figures of docs/performance.md, "The
chain", come from here.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"


#: the stages timed: label -> (module, function)
LABELS = {
    "credibility and deterrence (assess)": ("credibility", "assess"),
    "  of which the revealed-resolve update": ("credibility", "revealed_resolve_designs"),
    "the war (run_war)": ("war", "run_war"),
    "the negotiation's inputs (sample_inputs)": ("montecarlo", "sample_inputs"),
    "durability (compare_designs)": ("comparison", "compare_designs"),
}


def _timed(module: Any, name: str, label: str, acc: dict[str, float]) -> None:
    fn = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[label] += time.process_time() - start

    setattr(module, name, wrapper)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--blocks", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--store-blocks",
        type=int,
        default=0,
        help="blocks written to the store (the computed ones, renumbered; 0: --blocks)",
    )
    p.add_argument(
        "--per-transaction",
        type=int,
        default=0,
        help="blocks per transaction (0: as the runner, runner.commit_size)",
    )
    p.add_argument(
        "--checkpoint",
        default="",
        help="DuckDB's checkpoint threshold for the store (default: the store's own, "
        "guaranty.store.CHECKPOINT_THRESHOLD; DuckDB's own default is 16MB)",
    )
    p.add_argument(
        "--blas-threads",
        action="store_true",
        help="leave BLAS its default thread pool (before: one thread, as in a run's worker)",
    )
    args = p.parse_args()

    import guaranty.comparison as comparison
    import guaranty.credibility as credibility
    import guaranty.montecarlo as montecarlo
    import guaranty.war as war
    from guaranty.runner import DEFAULT_CHUNK, commit_size
    from guaranty.scenario import load
    from guaranty.store import CHECKPOINT_THRESHOLD, Store

    acc: dict[str, float] = defaultdict(float)
    modules = {"credibility": credibility, "comparison": comparison, "war": war}
    modules["montecarlo"] = montecarlo
    for label, (module, name) in LABELS.items():
        _timed(modules[module], name, label, acc)

    scenario = load(SCENARIO)
    start = time.process_time()
    lay = montecarlo.layout(scenario)
    montecarlo.simulate_block(scenario, 1, 0, lay=lay)
    startup = time.process_time() - start
    if not args.blas_threads:  # as a worker of a run does (guaranty.pool._init_worker)
        from guaranty.pool import one_blas_thread

        one_blas_thread()
    acc.clear()
    n = args.blocks
    start = time.process_time()
    blocks = [montecarlo.simulate_block(scenario, 1, b, lay=lay) for b in range(1, n + 1)]
    per_block = (time.process_time() - start) / n
    staged = sum(v for k, v in acc.items() if not k.startswith(" ")) / n

    # the store: --store-blocks blocks (the computed ones again, renumbered), five to a
    # transaction, then the store closed (its last checkpoint)
    m = args.store_blocks or n
    per = args.per_transaction or (
        commit_size(m * montecarlo.BLOCK, DEFAULT_CHUNK) // montecarlo.BLOCK
    )
    writes = [
        dataclasses.replace(blocks[b % n], start=(b + 1) * montecarlo.BLOCK) for b in range(m)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        threads = args.threads or None
        path = os.path.join(tmp, "bench.duckdb")
        st = Store(path, threads=threads)
        if args.checkpoint:
            st.con.execute(f"SET checkpoint_threshold = '{args.checkpoint}'")
        run_id = st.open_run(scenario, lay, seed=1, draws=(m + 1) * montecarlo.BLOCK)
        start = time.process_time()
        for k in range(0, m, per):
            st.write_blocks(run_id, lay, writes[k : k + per])
        st.close()
        store = (time.process_time() - start) / m
        size = os.path.getsize(path)

    print(f"start-up (layout and a first block, after the imports): {startup:.2f} s of CPU")
    print(f"one block of 1000 draws: {per_block:.3f} s of CPU")
    for label in sorted(acc, key=list(LABELS).index):
        print(f"  {label}: {acc[label] / n:.3f} s")
    print(f"  the rest (negotiation, levels, arranging): {per_block - staged:.3f} s")
    print(
        f"writing a block to the store ({threads or 'default'} threads, {m} blocks, {per} to a "
        f"transaction, checkpoint "
        f"threshold {args.checkpoint or CHECKPOINT_THRESHOLD}): {store:.3f} s of CPU, closing "
        f"included; the file {size / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    main()
