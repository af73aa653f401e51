"""Run the pipeline over many draws, in chunks on a process pool, into the results store.

``run()`` splits the draws into blocks of :data:`guaranty.plan.BLOCK` draws (the unit
of randomness), groups the blocks not yet in the store into chunks of ``chunk_size`` draws,
hands the chunks to ``workers`` processes and writes the finished chunks to the DuckDB store,
whole, in transactions of up to :data:`COMMIT_DRAWS` draws (:func:`commit_size`). Because
each block's draws depend only on (scenario, seed, version, block), the stored rows are the
same whatever the number of workers, the chunk size, the
order in which chunks finish, or how many times the run was interrupted and resumed.

With several workers the pool (:mod:`guaranty.pool`) starts first: the workers load the
models and compute the run's layout (a small simulation) while the main process opens the
store, and the main process takes the layout from a worker, so it never loads the models;
it writes the store with one DuckDB thread (the workers have the cores).

Backends: ``backend="local"`` runs the chunks on the process pool above; ``backend="ray"``
runs each chunk as a Ray task (:mod:`guaranty.runner_ray`: a local Ray instance, or the
cluster at ``address``). Both go through the same filling loop (:meth:`_Filler.fill`), which
hands chunks to an executor (:class:`_LocalExecutor` or
:class:`guaranty.runner_ray.RayExecutor`), stores what comes back, reports progress and asks
``should_stop`` between chunks; a Ray task writes its chunk itself when the store is a
folder store (Parquet files; docs/scale.md), and hands its blocks back to be written
otherwise. The rows are the same whatever the backend.

Faults: a store that cannot be written (a full disk, a read-only folder) or read (a damaged
file) stops the run with a :class:`guaranty.errors.StoreError` that says how many blocks are
committed (they stay; the same call resumes from them), and the workers are stopped at once.
Workers exit by themselves when the process that started them dies (even by SIGKILL), so a
killed run leaves no process behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guaranty.errors import ParameterError, StoreError
from guaranty.plan import BLOCK, blocks_of, is_folder_store, settings
from guaranty.pool import WORKER, start_pool, stop_pool
from guaranty.results import BlockResult, Layout
from guaranty.scenario.schema import Scenario

if TYPE_CHECKING:
    from guaranty.store import Store

__all__ = ["BACKENDS", "RunSummary", "run"]

#: default draws per chunk (a multiple of BLOCK)
DEFAULT_CHUNK = 5 * BLOCK
#: default draws per chunk into a folder store, where each chunk is a set of Parquet files:
#: their fixed cost (footers, page statistics: about 70 KB a chunk) is 14 bytes a draw in
#: chunks of 5,000 draws and 3.5 in chunks of 20,000 (docs/scale.md)
FOLDER_CHUNK = 20 * BLOCK
#: the draws that the writer of a DuckDB file store gathers, at most, into one transaction
#: (:func:`commit_size`). DuckDB writes an append of a row group or more (122,880 rows)
#: straight into the file, compressed, rather than into its write-ahead log and then again
#: at the checkpoint; the ``outcomes`` table has a row per draw and design, so 20,000 draws
#: of a scenario with ten designs pass that. Writing 100,000 draws of the Ukraine scenario
#: took 1.3-1.4 s of CPU in transactions of 20,000 draws against 1.9 s in transactions of
#: 5,000, closing included (``benchmarks/bench_chain_block.py --store-blocks 100
#: --per-transaction 20``, and ``5``; docs/store.md).
COMMIT_DRAWS = 20 * BLOCK
#: DuckDB's memory limit for the runner's writer connection
WRITER_MEMORY = "512MB"
#: where the chunks run: this machine's process pool, or Ray tasks
BACKENDS = ("local", "ray")


def _layout() -> Layout:
    """The layout of the run, as a worker computed it (the main process need not load the
    models at all)."""
    return WORKER["layout"]


def _work(seed: int, lay: Layout, blocks: list[tuple[int, int]]) -> list[BlockResult]:
    scenario = WORKER["scenario"]
    from guaranty.montecarlo import simulate_block

    return [_compact(simulate_block(scenario, seed, b, n=n, lay=lay)) for b, n in blocks]


def _compact(result: BlockResult) -> BlockResult:
    """A block's result as a worker sends it to the main process, which only writes it to
    the store: its inputs, P(honor) and "what if" metrics, float32 values held as float64
    (:func:`guaranty.montecarlo.lean`), as float32 arrays, the same numbers in half the bytes
    through the pipe (1.2 instead of 2.4 MB a block of the Ukraine scenario)."""
    return replace(
        result,
        inputs=result.inputs.astype(np.float32),
        honor=result.honor.astype(np.float32),
        whatif={k: v.astype(np.float32) for k, v in result.whatif.items()},
    )


class _LocalExecutor:
    """Chunks on the local process pool: at most two chunks per worker in flight (bounded
    memory); a finished chunk comes back as its blocks' results, for the store to write."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int, seed: int, lay: Layout) -> None:
        self.pool, self.slots, self.seed, self.lay = pool, 2 * workers, seed, lay
        #: the pool's shutdown, under way once :meth:`close` let the workers go
        self.closing: threading.Thread | None = None

    def submit(self, chunk: list[tuple[int, int]]) -> Future:
        return self.pool.submit(_work, self.seed, self.lay, chunk)

    def wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def result(self, handle: Future) -> list[BlockResult]:
        return handle.result()

    def stop(self) -> None:
        stop_pool(self.pool)

    def close(self) -> None:
        """Let the workers go without waiting for them: the pool's shutdown (sending them
        its sentinels, joining them and its own threads) runs in a thread beside the store's
        close instead of before it. :meth:`_Filler.join_workers` waits for it."""
        self.closing = threading.Thread(
            target=self.pool.shutdown, name="guaranty-pool-shutdown", daemon=True
        )
        self.closing.start()


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    store: str
    draws: int
    computed: int  # draws computed now (the rest were in the store already)
    seconds: float
    cancelled: bool = False


def _blocks_text(blocks: int, draws: int) -> str:
    if blocks == 0:
        return "none of its blocks was committed yet"
    if blocks == 1:
        return f"the 1 block ({draws:,} draws) already committed is kept"
    return f"the {blocks:,} blocks ({draws:,} draws) already committed are kept"


def commit_size(draws: int, chunk_size: int) -> int:
    """Draws per transaction of a run into a DuckDB file: whole chunks, gathered up to
    :data:`COMMIT_DRAWS`, but no more than a fifth of the run, so that its progress moves
    in five steps or more (and a killed run keeps some of its blocks)."""
    return max(chunk_size, min(COMMIT_DRAWS, draws // 5))


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
    chunk_size: int | None = None,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    backend: str = "local",
    address: str | None = None,
) -> RunSummary:
    """Run ``draws`` draws of the scenario's pipeline with ``seed`` into ``store``.

    ``backend``: ``"local"`` (a pool of ``workers`` processes) or ``"ray"`` (Ray tasks on a
    local Ray instance of ``workers`` CPUs, or on the running cluster at ``address``; an
    instance this process started is shut down at the end). ``store``: a DuckDB file or a
    folder store (:func:`guaranty.store.is_folder_store`), with either backend.

    ``chunk_size`` (draws, a multiple of BLOCK; default :data:`DEFAULT_CHUNK`, or
    :data:`FOLDER_CHUNK` into a folder store) sets the work handed to a worker at a time;
    ``progress(done, total)`` is called with the draws finished so far (those already in the
    store count as done). Returns the run's id and what was computed. A store that fails
    (:class:`guaranty.errors.StoreError`: a full disk, a read-only folder, a damaged file)
    stops the run; the error says how many of its blocks are committed and kept.
    """
    if draws < 1:
        raise ParameterError(f"draws must be a positive integer; got {draws}")
    if workers < 1:
        raise ParameterError(f"workers must be a positive integer; got {workers}")
    if chunk_size is None:
        chunk_size = FOLDER_CHUNK if is_folder_store(store) else DEFAULT_CHUNK
    if chunk_size < BLOCK or chunk_size % BLOCK:
        raise ParameterError(f"chunk size must be a positive multiple of {BLOCK}; got {chunk_size}")
    if backend not in BACKENDS:
        raise ParameterError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if address is not None and backend != "ray":
        raise ParameterError("an address is a Ray cluster's: it needs the backend ray")
    if backend == "ray":
        from guaranty.runner_ray import need_ray

        need_ray()  # missing: an error naming the extra, before anything starts
    t0 = time.perf_counter()
    settings(scenario)  # a scenario that cannot run the chain fails before any worker starts
    # the pool first: its workers take about a second to start (each loads the models, which
    # this process never needs) while this process opens the store; should the store hold
    # all of the run but one chunk or less, the pool is stopped again and the rest runs here
    pool = (
        start_pool(scenario, workers)
        if backend == "local" and workers > 1 and draws > chunk_size
        else None
    )
    try:
        from guaranty.store import Store, run_key  # DuckDB: loaded while the workers start

        # one DuckDB thread: the workers have the cores, and a single writer fills whole row
        # groups (with two threads the same rows took 1.6x the CPU time and 15% more disk)
        with Store(store, threads=1) as st:
            # the writer's cache of the store's blocks, capped: without a cap DuckDB kept
            # about 1.2 GB of a 1,000,000-draw run's blocks in memory (docs/scale.md)
            st.limit_memory(WRITER_MEMORY)
            if pool is not None and (
                _pending_chunks(st, run_key(scenario, seed), draws, chunk_size) <= 1
            ):
                stop_pool(pool)
                pool = None
            if pool is None:
                from guaranty.montecarlo import layout

                lay = layout(scenario)
            else:
                lay = pool.submit(_layout).result()
            run_id = st.open_run(scenario, lay, seed=seed, draws=draws, source=source)
            filler = _Filler(st, run_id, scenario, lay, seed, draws, progress, should_stop)
            filler.backend, filler.address = backend, address
            _fill(filler, run_id, workers, chunk_size, pool)
    except BaseException:
        if pool is not None:
            stop_pool(pool)
        raise
    # the store is closed (its last checkpoint written) while the workers exit
    filler.join_workers()
    return RunSummary(
        run_id=run_id,
        store=str(store),
        draws=draws,
        computed=filler.computed,
        seconds=time.perf_counter() - t0,
        cancelled=filler.stopped,
    )


def _pending_chunks(st: Store, run_id: str, draws: int, chunk_size: int) -> int:
    """How many chunks of the run are still to compute (as :meth:`_Filler.fill` will find)."""
    done = st.done_blocks(run_id)
    todo = [(b, n) for b, n in blocks_of(draws) if done.get(b, -1) < n]
    return len(_chunks(todo, chunk_size))


def _fill(
    filler: _Filler,
    run_id: str,
    workers: int,
    chunk_size: int,
    pool: ProcessPoolExecutor | None,
) -> None:
    """Fill the run; a store that fails says what is kept and how to resume."""
    try:
        filler.fill(workers, chunk_size, pool)
    except StoreError as exc:
        if exc.kind == "damaged":
            raise
        raise StoreError(
            f"{exc} Run {run_id}: {_blocks_text(filler.kept_blocks, filler.kept_draws)}, "
            "and running the same command again resumes from them (on another disk: copy "
            "the store, and its .wal file if there is one, and pass the copy as --store).",
            kind=exc.kind,
        ) from None


class _Filler:
    """Computes the blocks of a run missing from the store and writes them, counting what
    is committed (for the error message should the store fail)."""

    def __init__(
        self,
        st: Store,
        run_id: str,
        scenario: Scenario,
        lay: Layout,
        seed: int,
        draws: int,
        progress: Callable[[int, int], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.st, self.run_id, self.scenario, self.lay = st, run_id, scenario, lay
        self.seed, self.draws = seed, draws
        self.progress, self.should_stop = progress, should_stop
        self.kept_blocks = self.kept_draws = 0  # of this run, committed in the store
        self.computed = 0  # draws computed and committed by this call
        self.stopped = False
        self.backend: str = "local"
        self.address: str | None = None
        #: the local pool's shutdown, under way in a thread once the last chunk is back
        self.closing: threading.Thread | None = None
        #: finished blocks not yet written, and the draws that trigger their transaction
        self._held: list[BlockResult] = []
        self.commit_draws = BLOCK

    def join_workers(self) -> None:
        """Wait until the local pool's workers have exited (after the store is closed)."""
        if self.closing is not None:
            self.closing.join()

    def _store(self, results: list[BlockResult] | list[tuple[int, int]]) -> None:
        """Take a finished chunk: its blocks are held, and written in one transaction once
        the held draws reach :attr:`commit_draws` (a folder store: at once), or when
        :meth:`_flush` is called; a chunk a Ray task wrote itself (its (block, draws)
        pairs) is counted. The progress is reported as blocks are committed."""
        if results and isinstance(results[0], tuple):
            self._committed(len(results), sum(k for _, k in results))  # type: ignore[misc]
            return
        self._held.extend(results)  # type: ignore[arg-type]
        if self.st.folder is not None or sum(r.n for r in self._held) >= self.commit_draws:
            self._flush()

    def _flush(self) -> None:
        """Write the held blocks in one transaction, count them and report the progress.
        They stay held until the transaction is committed: a write interrupted by Ctrl-C
        (rolled back) is tried again by :meth:`_flush_quietly` on the way out."""
        results = self._held
        if not results:
            return
        self.st.write_blocks(self.run_id, self.lay, results)
        self._held = []
        self._committed(len(results), sum(r.n for r in results))

    def _committed(self, blocks: int, draws: int) -> None:
        """Count ``blocks`` blocks of ``draws`` draws as committed and report the progress."""
        self.kept_blocks += blocks
        self.kept_draws += draws
        self.computed += draws
        if self.progress:
            self.progress(self.kept_draws, self.draws)

    def _stop_asked(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def _missing(self) -> list[tuple[int, int]]:
        """The (block, draws) pairs still to compute; counts the blocks already kept and
        drops a shorter last block of an earlier, smaller run."""
        done = self.st.done_blocks(self.run_id)
        short = [b for b, n in blocks_of(self.draws) if b in done and done[b] < n]
        for b in short:  # (a folder store drops the whole chunk that holds it)
            self.st.drop_block(self.run_id, b)
        if short:
            done = self.st.done_blocks(self.run_id)
        todo = []
        for b, n in blocks_of(self.draws):
            if done.get(b, -1) >= n:
                self.kept_blocks += 1
                self.kept_draws += n
                continue
            todo.append((b, n))
        return todo

    def _in_process(self, chunks: list[list[tuple[int, int]]]) -> None:
        from guaranty.montecarlo import simulate_block

        try:
            for chunk in chunks:
                if self._stop_asked():
                    self.stopped = True
                    break
                self._store(
                    [
                        simulate_block(self.scenario, self.seed, b, n=n, lay=self.lay)
                        for b, n in chunk
                    ]
                )
        except BaseException as exc:
            if not isinstance(exc, StoreError):  # keep what is done, for a resume
                self._flush_quietly()
            raise
        self._flush()

    def _in_workers(self, chunks: list[list[tuple[int, int]]], ex: Any) -> None:
        """Hand the chunks to the executor ``ex`` (at most ``ex.slots`` in flight), store
        each as it finishes, and stop handing out chunks once asked to stop."""
        try:
            pending: set[Any] = set()
            queue = list(chunks)
            checkpointed = False
            while queue or pending:
                if not self.stopped and self._stop_asked():
                    self.stopped = True
                    queue.clear()
                while queue and len(pending) < ex.slots:
                    pending.add(ex.submit(queue.pop(0)))
                if not pending:
                    break
                ready, pending = ex.wait(pending)
                for handle in ready:
                    self._store(ex.result(handle))
                if not queue and pending and not checkpointed:
                    # every chunk is handed out: compress what is committed now, beside the
                    # last chunks' computing, so that closing the store (the workers done, a
                    # core idle) has only the last transaction left to compress
                    self.st.checkpoint()
                    checkpointed = True
        except BaseException as exc:
            ex.stop()
            if not isinstance(exc, StoreError):  # keep what is done, for a resume
                self._flush_quietly()
            raise
        ex.close()
        self._flush()

    def _flush_quietly(self) -> None:
        """:meth:`_flush` while another error is on its way out (that error is the one to
        report; the blocks it could not write are simply computed again on resume). Blocks
        the store already holds are not written again: a Ctrl-C that lands just after a
        transaction committed, before the held list was emptied, leaves them held."""
        try:
            if self._held:
                done = self.st.done_blocks(self.run_id)
                self._held = [r for r in self._held if r.start // BLOCK not in done]
            self._flush()
        except Exception:  # the error in flight wins
            self._held = []

    def fill(self, workers: int, chunk_size: int, pool: ProcessPoolExecutor | None) -> None:
        """Compute and store every missing block, in this process, in ``workers``
        processes (``pool``, started by the caller; one is started here if it is None) or as
        Ray tasks (backend ray), then mark the run done (or cancelled if asked to stop)."""
        chunks = _chunks(self._missing(), chunk_size)
        self.commit_draws = commit_size(self.draws, chunk_size)
        if self.progress:
            self.progress(self.kept_draws, self.draws)
        if self.backend == "ray":
            if chunks:
                from guaranty.runner_ray import RayExecutor

                ex = RayExecutor(
                    self.scenario, self.seed, self.lay, workers, self.address,
                    folder=self.st.folder, run_id=self.run_id,
                )  # fmt: skip
                self._in_workers(chunks, ex)
        elif workers == 1 or len(chunks) <= 1:
            self._in_process(chunks)
            if pool is not None:
                pool.shutdown(wait=True)
        elif chunks:
            pool = pool or start_pool(self.scenario, workers)
            ex = _LocalExecutor(pool, workers, self.seed, self.lay)
            self._in_workers(chunks, ex)
            self.closing = ex.closing
        if self.stopped:
            self.st.set_status(self.run_id, "cancelled")
        else:
            self.st.finish_run(self.run_id)
