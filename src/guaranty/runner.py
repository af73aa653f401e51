"""Run the pipeline over many draws, in chunks on a process pool, into the results store.

``run()`` splits the draws into blocks of :data:`guaranty.montecarlo.BLOCK` draws (the unit
of randomness), groups the blocks not yet in the store into chunks of ``chunk_size`` draws,
hands the chunks to ``workers`` processes and writes each finished chunk to the DuckDB store
in one transaction. Because each block's draws depend only on (scenario, seed, version,
block), the stored rows are the same whatever the number of workers, the chunk size, the
order in which chunks finish, or how many times the run was interrupted and resumed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from guaranty.montecarlo import BLOCK, BlockResult, Layout, blocks_of, layout, simulate_block
from guaranty.scenario.schema import Scenario
from guaranty.store import Store

__all__ = ["RunSummary", "run"]

#: default draws per chunk (a multiple of BLOCK)
DEFAULT_CHUNK = 5 * BLOCK

# per worker process: the scenario and layout, set once by the pool's initializer
_WORKER: dict[str, Any] = {}


def _init_worker(scenario_json: str, lay: Layout) -> None:
    _WORKER["scenario"] = Scenario.model_validate_json(scenario_json)
    _WORKER["layout"] = lay


def _work(seed: int, blocks: list[tuple[int, int]]) -> list[BlockResult]:
    scenario, lay = _WORKER["scenario"], _WORKER["layout"]
    return [simulate_block(scenario, seed, b, n=n, lay=lay) for b, n in blocks]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    store: str
    draws: int
    computed: int  # draws computed now (the rest were in the store already)
    seconds: float
    cancelled: bool = False


def _chunks(todo: list[tuple[int, int]], chunk_size: int) -> list[list[tuple[int, int]]]:
    per = max(1, chunk_size // BLOCK)
    return [todo[k : k + per] for k in range(0, len(todo), per)]


def run(
    scenario: Scenario,
    *,
    draws: int,
    seed: int = 0,
    store: str | Path = "guaranty.duckdb",
    workers: int = 1,
    chunk_size: int = DEFAULT_CHUNK,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunSummary:
    """Run ``draws`` draws of the scenario's pipeline with ``seed`` into ``store``.

    ``chunk_size`` (draws, a multiple of BLOCK) sets the work handed to a worker at a time;
    ``progress(done, total)`` is called with the draws finished so far (those already in the
    store count as done). Returns the run's id and what was computed.
    """
    if draws < 1:
        raise ValueError(f"draws must be a positive integer; got {draws}")
    if workers < 1:
        raise ValueError(f"workers must be a positive integer; got {workers}")
    if chunk_size < BLOCK or chunk_size % BLOCK:
        raise ValueError(f"chunk size must be a positive multiple of {BLOCK}; got {chunk_size}")
    t0 = time.perf_counter()
    lay = layout(scenario)
    with Store(store) as st:
        run_id = st.open_run(scenario, lay, seed=seed, draws=draws, source=source)
        done = st.done_blocks(run_id)
        todo = []
        for b, n in blocks_of(draws):
            have = done.get(b)
            if have is not None and have >= n:
                continue
            if have is not None:  # a shorter last block of an earlier, smaller run
                st.drop_block(run_id, b)
            todo.append((b, n))
        total = draws
        finished = total - sum(n for _, n in todo)
        if progress:
            progress(finished, total)
        chunks = _chunks(todo, chunk_size)
        stopped = False
        if workers == 1 or len(chunks) <= 1:
            for chunk in chunks:
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                results = [simulate_block(scenario, seed, b, n=n, lay=lay) for b, n in chunk]
                st.write_blocks(run_id, lay, results)
                finished += sum(r.n for r in results)
                if progress:
                    progress(finished, total)
        elif chunks:
            ctx = get_context("spawn")
            payload = scenario.model_dump_json(by_alias=True)
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(payload, lay),
            ) as pool:
                pending: set[Future] = set()
                queue = list(chunks)
                # keep at most two chunks per worker in flight: bounded memory
                while queue or pending:
                    if not stopped and should_stop is not None and should_stop():
                        stopped = True
                        queue.clear()
                    while queue and len(pending) < 2 * workers:
                        pending.add(pool.submit(_work, seed, queue.pop(0)))
                    if not pending:
                        break
                    ready, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in ready:
                        results = fut.result()
                        st.write_blocks(run_id, lay, results)
                        finished += sum(r.n for r in results)
                        if progress:
                            progress(finished, total)
        if stopped:
            st.set_status(run_id, "cancelled")
        else:
            st.finish_run(run_id)
    return RunSummary(
        run_id=run_id,
        store=str(store),
        draws=draws,
        computed=finished - (total - sum(n for _, n in todo)),
        seconds=time.perf_counter() - t0,
        cancelled=stopped,
    )
