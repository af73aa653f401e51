"""The process pool of a run or a sweep: how its workers start (forked or spawned), warm
up, die with their parent and end.

Each worker reads the scenario and computes its layout once, when it starts
(:func:`_init_worker`), and keeps both in :data:`WORKER` for the tasks it is then given
(:mod:`guaranty.runner`'s chunks of blocks, :mod:`guaranty.sweep`'s chunks of design
points). :func:`start_pool` starts the workers at once, so that they warm up while the
main process opens the store; :func:`stop_pool` ends them without waiting for what they
are computing. The workers are the parallelism: each holds its BLAS and numba to one thread.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from guaranty.errors import ParameterError
from guaranty.scenario.schema import Scenario

__all__ = [
    "PARENT_POLL",
    "START_METHOD_ENV",
    "WORKER",
    "one_blas_thread",
    "start_method",
    "start_pool",
    "stop_pool",
]

#: the environment variable that makes every pool spawn its workers (:func:`start_method`)
START_METHOD_ENV = "GUARANTY_START_METHOD"

#: per worker process: the scenario and its layout, set once by the pool's initializer
#: (the tasks of a run and of a sweep read them)
WORKER: dict[str, Any] = {}


#: seconds between a worker's checks that its parent is still alive
PARENT_POLL = 0.5

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """End this worker when ``parent`` (the process that started the pool) dies, however it
    dies: on Linux the kernel sends SIGKILL (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread checks every :data:`PARENT_POLL` seconds whether the worker was handed to
    another parent. Without this, workers of a run killed with SIGKILL wait forever for
    work (each holds the task queue open itself), and keep the resource tracker alive."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: poll only
            pass
    if os.getppid() != parent:  # died before the line above: the signal will never come
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="guaranty-parent-watch", daemon=True).start()


def one_blas_thread() -> None:
    """Hold this process's BLAS (numpy's OpenBLAS, and scipy's if loaded) to one thread.

    The workers of a run are its parallelism. A BLAS thread pool in each of them wins
    nothing on the chain's small products (a block's 1000 coefficient draws by some twenty
    features) and its threads keep spinning after each call, on the cores the other workers
    need: with two workers on two cores, one BLAS thread each cut a 100,000-draw run from
    17.4 s to 13.6-13.8 s (docs/performance.md, "BLAS threads"). Called once the worker has
    loaded its libraries (a library loaded later would keep its own setting)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _init_worker(scenario_json: str, parent: int | None = None) -> None:
    """Start a worker: read the scenario and compute its layout (a small simulation, which
    loads the data, the fits and the compiled kernels: the worker is warm for its first
    block)."""
    if parent is not None:
        _die_with_parent(parent)
    # the workers are the parallelism: a compiled kernel that threads over its batch (smp)
    # runs on one thread in each, not on every core in every worker
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    scenario = Scenario.model_validate_json(scenario_json)
    WORKER["scenario"] = scenario
    from guaranty.montecarlo import layout  # the models: a worker's, not the main process's

    WORKER["layout"] = layout(scenario)
    one_blas_thread()
    atexit.register(_exit_at_once)


def _exit_at_once() -> None:
    """A worker's last act at exit (registered last, so run first of the exit handlers):
    flush its standard streams and end the process without the interpreter's finalisation.

    That finalisation (tearing down some 900 modules, numba's and LLVM's among them) took
    0.22 s per worker, against 0.01 s without it (``benchmarks/bench_run_timeline.py``,
    "its end"), and it delayed the end of every run. A worker has nothing else to finish by
    then: its results went through the result pipe as each chunk finished (synchronously),
    it writes no file, and its exit code says nothing (the pool reports a task's failure
    with the task, and a worker that dies abnormally never reaches this handler).
    ``os._exit`` is how a process that multiprocessing *forks* ends anyway."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # closed or replaced: nothing to flush
            pass
    os._exit(0)


def start_method() -> str:
    """How the pool's workers start: ``"fork"`` where that is safe, else ``"spawn"``.

    A forked worker begins with what this process has loaded (numpy, pydantic, the
    scenario's schema) instead of importing it again: 0.2-0.3 s off a 100,000-draw run of
    the Ukraine scenario on two cores (``benchmarks/bench_run.py``, docs/performance.md).
    Fork is used only where it cannot inherit a held lock or a thread pool in a broken
    state: on Linux (macOS's system libraries are not fork-safe), with no Python thread but
    this one running (the web app, a caller's threads), and before this process loaded
    DuckDB or numba (their thread pools). The one other thread left is OpenBLAS's, which
    numpy starts at import and which stops itself at a fork (its ``pthread_atfork``
    handlers); the worker then holds its BLAS to one thread (:func:`one_blas_thread`).

    The environment variable ``GUARANTY_START_METHOD=spawn`` makes every pool spawn its
    workers (``auto``, or unset: the rule above)."""
    asked = os.environ.get(START_METHOD_ENV, "auto")
    if asked not in ("auto", "spawn"):
        raise ParameterError(f"{START_METHOD_ENV}={asked!r}: expected auto or spawn")
    if (
        asked == "auto"
        and sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not {"duckdb", "numba"} & sys.modules.keys()
    ):
        return "fork"
    return "spawn"


def start_pool(scenario: Scenario, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, started now: each warms up (:func:`_init_worker`)
    while this process opens the store."""
    method = start_method()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context(method),
        initializer=_init_worker,
        initargs=(scenario.model_dump_json(by_alias=True), os.getpid()),
    )
    if method != "fork":
        for _ in range(workers):  # the pool starts a process per task waiting
            pool.submit(os.getpid)
        return pool
    with warnings.catch_warnings():  # one Python thread (start_method): no race on filters
        # Python 3.12+ may warn at a fork of a process with a second OS thread; the only
        # one here is OpenBLAS's, safe across a fork (start_method)
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        pool.submit(os.getpid)  # a forking pool starts all of its processes at the first task
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the pool now: cancel what has not started and end the workers (a failed run
    must not wait for chunks it can no longer store)."""
    procs = getattr(pool, "_processes", None)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if not procs or writer is None:  # pragma: no cover - other internals: let chunks finish
        pool.shutdown(wait=True, cancel_futures=True)
        return
    workers = list(procs.values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        if proc.is_alive():
            proc.terminate()
    for proc in workers:
        proc.join(timeout=5)
        if proc.is_alive():  # pragma: no cover - SIGTERM ignored
            proc.kill()
            proc.join(timeout=5)
    # A worker ended while it was sending its result (a chunk's arrays take many pipe
    # buffers) leaves half a message in the result pipe, and the pool's manager thread would
    # wait for the rest forever, and the interpreter for that thread at exit. With every
    # worker gone, closing this process's own end of the pipe turns that wait into an EOF.
    writer.close()
