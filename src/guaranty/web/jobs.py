"""Background runs for the web workbench: a bounded queue, a fixed number of runs at a time,
live progress and cancellation.

Each job calls :func:`guaranty.runner.run` into the app's store. A run's rows are committed
chunk by chunk, so a server killed mid-run keeps every finished chunk (and every finished
run); starting the same run again resumes it. Jobs are identified by the run's id (a hash of
scenario, seed and code), so asking twice for the same run while it is queued or running
returns the same job.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guaranty.errors import DataError, ModelError, ScenarioError
from guaranty.scenario.schema import Scenario
from guaranty.store import run_key
from guaranty.web.safety import scrub

__all__ = ["Job", "Jobs", "QueueFull", "public_error"]

log = logging.getLogger("guaranty.web")


def public_error(exc: BaseException) -> str:
    """What a failed run's ``error`` tells the browser: a short reason and what to do, never
    a server path, a process id or a library's own message (those go to the log)."""
    text = str(exc)
    if re.search(r"\block\b", text, re.IGNORECASE):  # DuckDB's "Conflicting lock"
        return (
            "the results store is busy: another process (a 'guaranty run', say) is writing "
            "to it; start the run again when it has finished"
        )
    if isinstance(exc, ScenarioError | DataError | ModelError):
        # guaranty's own message about the scenario, its data or the model, paths cut out
        return "the run failed: " + scrub(text)
    return (
        "the run failed on the server (the details are in its log); starting it again "
        "resumes it from its finished chunks"
    )


class QueueFull(Exception):
    """Too many runs are waiting."""


@dataclass
class Job:
    run_id: str
    scenario_id: str
    scenario_name: str
    draws: int
    seed: int
    status: str = "queued"  # queued, running, done, cancelled, failed
    done: int = 0
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False
    scenario: Scenario | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        rate = None
        if self.started and self.status == "running":
            elapsed = time.time() - self.started
            rate = self.done / elapsed if elapsed > 0 else None
        return {
            "run_id": self.run_id,
            "scenario_id": self.scenario_id,
            "scenario": self.scenario_name,
            "draws": self.draws,
            "seed": self.seed,
            "status": self.status,
            "done": self.done,
            "total": self.draws,
            "rate": rate,
            "error": self.error,
        }


class Jobs:
    """Runs ``max_running`` jobs at a time; at most ``max_queued`` wait."""

    def __init__(
        self,
        store: str | Path,
        *,
        max_running: int = 1,
        max_queued: int = 16,
        workers: int = 2,
        on_start: Callable[[Job], None] | None = None,
        on_done: Callable[[str], None] | None = None,
    ) -> None:
        self.store = str(store)
        self.workers = workers
        self.max_queued = max_queued
        #: called with every job that starts running, and with the run id of every run that
        #: finishes ("done"), after its status is set
        self.on_start, self.on_done = on_start, on_done
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._loop, name=f"guaranty-run-{k}", daemon=True)
            for k in range(max_running)
        ]
        for t in self._threads:
            t.start()

    # -- public -----------------------------------------------------------------------------

    def submit(self, scenario: Scenario, scenario_id: str, *, draws: int, seed: int) -> Job:
        run_id = run_key(scenario, seed)
        with self._lock:
            job = self._jobs.get(run_id)
            if job is not None and job.status in ("queued", "running"):
                return job
            waiting = sum(1 for j in self._jobs.values() if j.status == "queued")
            if waiting >= self.max_queued:
                raise QueueFull(f"{waiting} runs are already waiting; try again later")
            job = Job(run_id, scenario_id, scenario.name, draws, seed, scenario=scenario)
            self._jobs[run_id] = job
        self._queue.put(job)
        return job

    def get(self, run_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(run_id)

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.submitted)

    def cancel(self, run_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(run_id)
            if job is None or job.status not in ("queued", "running"):
                return None
            if job.status == "queued":
                job.status = "cancelled"
                job.finished = time.time()
            elif job.status == "running":
                job.cancel_requested = True
            return job

    def busy(self) -> bool:
        with self._lock:
            return any(j.status in ("queued", "running") for j in self._jobs.values())

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                if job.status == "running":
                    job.cancel_requested = True
        for _ in self._threads:
            self._queue.put(None)

    # -- worker -----------------------------------------------------------------------------

    def _loop(self) -> None:
        from guaranty.runner import run

        while True:
            job = self._queue.get()
            if job is None:
                return
            with self._lock:
                if job.status != "queued":
                    continue
                job.status = "running"
                job.started = time.time()
            if self.on_start is not None:
                self.on_start(job)
            try:

                def progress(done: int, total: int, job: Job = job) -> None:
                    job.done = done

                summary = run(
                    job.scenario,  # type: ignore[arg-type]
                    draws=job.draws,
                    seed=job.seed,
                    store=self.store,
                    workers=self.workers,
                    source=f"web:{job.scenario_id}",
                    progress=progress,
                    should_stop=lambda job=job: job.cancel_requested,
                )
                status = "cancelled" if summary.cancelled else "done"
            except Exception as exc:  # reported to the user, never crashes the server
                status = "failed"
                log.error("run %s of %s failed", job.run_id, job.scenario_id, exc_info=exc)
                job.error = public_error(exc)
            with self._lock:
                job.status = status
                job.finished = time.time()
            if status == "done" and self.on_done is not None:
                self.on_done(job.run_id)
