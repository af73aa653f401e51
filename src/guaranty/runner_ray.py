"""The Ray backend of :func:`guaranty.runner.run` (``guaranty run --backend ray``).

Each chunk of blocks is one Ray task (:func:`chunk_task`): it simulates its blocks with
:func:`guaranty.montecarlo.simulate_block` (the per-block seeding makes the rows the same as
on any other backend) and, when the store is a folder store, writes them itself as one chunk
folder of Parquet files (:func:`guaranty.store.write_chunk`: a temporary folder renamed into
place), so the writing is spread over the cluster like the computing; with a DuckDB store
it hands the blocks back to the driver, which writes them. The driver
(:class:`RayExecutor`) keeps at most two tasks per CPU of the cluster in flight, waits for
them half a second at a time (so that a request to stop is seen between chunks), and on a
failure or a stop cancels what is still running.

Ray is an optional extra (``pip install 'guaranty[ray]'``); this module imports it only when
a run asks for it, and imports nothing heavy at the top (a Ray worker imports it to run
:func:`chunk_task`, and sets its own threads first). docs/scale.md says how to use a cluster.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from guaranty.errors import GuarantyError

__all__ = [
    "RayExecutor",
    "chunk_task",
    "connect",
    "need_ray",
    "sweep_chunk_task",
    "sweep_executor",
]

#: seconds the driver waits for a task before it looks again whether to stop
POLL = 0.5

# per Ray worker process: scenarios parsed so far (JSON -> Scenario)
_SCENARIOS: dict[str, Any] = {}


def need_ray() -> Any:
    """The ``ray`` module, or an error naming the optional extra that installs it."""
    try:
        import ray
    except ImportError:
        raise GuarantyError(
            "the backend ray needs the optional package ray, which is not installed: install "
            "guaranty's extra 'ray' (pip install 'guaranty[ray]'), or run with --backend local"
        ) from None
    return ray


def chunk_task(
    scenario_json: str,
    seed: int,
    lay: Any,
    blocks: list[tuple[int, int]],
    folder: str | None,
    run_id: str,
) -> list[Any]:
    """One chunk: the (block, draws) pairs ``blocks`` of run ``run_id`` with ``seed``.
    Returns the blocks' :class:`guaranty.results.BlockResult` (``folder`` None), or writes
    them as a chunk of the folder store ``folder`` and returns the (block, draws) pairs."""
    # the tasks are the parallelism: a compiled kernel that threads runs on one thread here
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from guaranty.montecarlo import BLOCK, simulate_block
    from guaranty.pool import one_blas_thread
    from guaranty.scenario.schema import Scenario

    one_blas_thread()

    scenario = _SCENARIOS.get(scenario_json)
    if scenario is None:
        scenario = _SCENARIOS[scenario_json] = Scenario.model_validate_json(scenario_json)
    results = [simulate_block(scenario, seed, b, n=n, lay=lay) for b, n in blocks]
    if folder is None:
        return results
    import duckdb

    from guaranty.store import write_chunk

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")
        write_chunk(con, folder, run_id, lay, results)
    finally:
        con.close()
    return [(r.start // BLOCK, r.n) for r in results]


def connect(ray: Any, workers: int, address: str | None) -> bool:
    """Connect to the Ray cluster at ``address`` (default: the environment's ``RAY_ADDRESS``,
    as Ray's own tools do), or start a local Ray instance of ``workers`` CPUs (no dashboard,
    workers' output not forwarded); a Ray already started in this process (a test's, a
    notebook's) is used as it is. Returns whether an instance was started here (the caller
    shuts it down)."""
    address = address or os.environ.get("RAY_ADDRESS") or None
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": "ERROR",
    }
    try:
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=workers, **options)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise GuarantyError(
            f"cannot start or reach {where}: {str(exc).splitlines()[0]}. Check the "
            "address (ray status on the head node prints it), or run with --backend "
            "local."
        ) from None
    return True


def sweep_chunk_task(scenario_json: str, chunk: Any) -> list[Any]:
    """One chunk of a sweep (:func:`guaranty.sweep.compute_chunk`) in a Ray worker, which
    keeps each scenario it parsed and its layout."""
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from guaranty.montecarlo import layout
    from guaranty.pool import one_blas_thread
    from guaranty.scenario.schema import Scenario
    from guaranty.sweep import compute_chunk

    one_blas_thread()

    held = _SCENARIOS.get(scenario_json)
    if held is None:
        scenario = Scenario.model_validate_json(scenario_json)
        held = _SCENARIOS[scenario_json] = (scenario, layout(scenario))
    scenario, lay = held
    return compute_chunk(scenario, chunk, lay)


def sweep_executor(workers: int, address: str | None) -> Any:
    """The Ray backend of ``guaranty sweep`` (a :data:`guaranty.sweep.Executor`): each chunk
    a Ray task, at most two per CPU of the cluster in flight, yielded as they finish; the
    tasks still running are cancelled when the iterator is closed (the sweep stops, Ctrl-C),
    and a Ray instance started here is shut down."""

    def run(scenario: Any, chunks: Any) -> Any:
        ray = need_ray()
        started = connect(ray, workers, address)
        task = ray.remote(num_cpus=1, max_retries=2)(sweep_chunk_task)
        running: dict[Any, Any] = {}
        interrupted = False
        old = None

        def on_sigint(signum: int, frame: Any) -> None:
            nonlocal interrupted
            interrupted = True

        if threading.current_thread() is threading.main_thread():
            # Ray's core worker takes SIGINT over in the driver: take it back for the sweep
            old = signal.signal(signal.SIGINT, on_sigint)
        try:
            cpus = int(ray.cluster_resources().get("CPU", workers) or workers)
            slots = max(2, 2 * cpus)
            ref = ray.put(scenario.model_dump_json(by_alias=True))
            queue = list(chunks)
            while queue or running:
                while queue and len(running) < slots:
                    chunk = queue.pop(0)
                    running[task.remote(ref, chunk)] = chunk
                ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL)
                if interrupted:
                    raise KeyboardInterrupt
                for handle in ready:
                    chunk = running.pop(handle)
                    try:
                        outputs = ray.get(handle)
                    except ray.exceptions.RayTaskError as exc:
                        cause = getattr(exc, "cause", None)
                        if isinstance(cause, BaseException):
                            raise cause from None
                        raise
                    yield chunk, outputs
        finally:
            for handle in running:
                try:
                    ray.cancel(handle, force=True)
                except Exception:
                    pass
            if old is not None:
                signal.signal(signal.SIGINT, old)
            if started:
                ray.shutdown()

    return run


class RayExecutor:
    """Chunks as Ray tasks, for :meth:`guaranty.runner._Filler._in_workers`: ``submit``,
    ``wait``, ``result``, ``stop``, ``close`` and ``slots`` (tasks in flight at most).

    Connects to the cluster at ``address`` (default: the environment's ``RAY_ADDRESS``, as
    Ray's own tools do), or starts a local Ray instance of ``workers``
    CPUs (no dashboard, workers' output not forwarded); a Ray already started in this
    process (a test's, a notebook's) is used as it is. An instance started here is shut down
    by :meth:`close` and :meth:`stop`."""

    def __init__(
        self,
        scenario: Any,
        seed: int,
        lay: Any,
        workers: int,
        address: str | None,
        *,
        folder: Path | None,
        run_id: str,
    ) -> None:
        ray = need_ray()
        self.ray = ray
        self.started = connect(ray, workers, address)
        cpus = int(ray.cluster_resources().get("CPU", workers) or workers)
        self.slots = max(2, 2 * cpus)
        self.task = ray.remote(num_cpus=1, max_retries=2)(chunk_task)
        self.scenario = ray.put(scenario.model_dump_json(by_alias=True))
        self.seed, self.lay, self.run_id = seed, lay, run_id
        self.folder = None if folder is None else str(Path(folder).resolve())

        self.running: set[Any] = set()
        # Ray's core worker takes SIGINT over in the driver (Ctrl-C then does nothing): take
        # it back for the run, and turn it into a KeyboardInterrupt between two waits
        self.interrupted = False
        self.old_handler: Any = None
        if threading.current_thread() is threading.main_thread():
            self.old_handler = signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        self.interrupted = True

    def submit(self, chunk: list[tuple[int, int]]) -> Any:
        ref = self.task.remote(self.scenario, self.seed, self.lay, chunk, self.folder, self.run_id)
        self.running.add(ref)
        return ref

    def wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        if self.interrupted:
            raise KeyboardInterrupt
        ready, rest = self.ray.wait(list(pending), num_returns=1, timeout=POLL)
        self.running.difference_update(ready)
        if self.interrupted:
            raise KeyboardInterrupt
        return set(ready), set(rest)

    def result(self, handle: Any) -> list[Any]:
        try:
            return self.ray.get(handle)
        except self.ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, BaseException):
                raise cause from None
            raise

    def stop(self) -> None:
        """Cancel the tasks still running and let go of a Ray started here."""
        for ref in self.running:
            try:
                self.ray.cancel(ref, force=True)
            except Exception:
                pass
        self.running.clear()
        self.close()

    def close(self) -> None:
        if self.old_handler is not None:
            signal.signal(signal.SIGINT, self.old_handler)
            self.old_handler = None
        if self.started:
            self.ray.shutdown()
            self.started = False
