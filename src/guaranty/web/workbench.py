"""The workbench's state and what its routes read: the shipped, uploaded and edited scenarios,
the runs of the store and of the background jobs, and each run's analysed results (cached).

One :class:`Workbench` serves one app (``app.state.workbench``); the routes get it through
the dependency :func:`workbench`."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from guaranty.errors import GuarantyError, ScenarioError
from guaranty.plan import check_before_a_run
from guaranty.scenario import CaseSet, Scenario, parse
from guaranty.scenario.shipped import SHIPPED_DIR
from guaranty.store import Store
from guaranty.web.analysis import analyze_run
from guaranty.web.connection import SharedStore
from guaranty.web.jobs import Job, Jobs, QueueFull
from guaranty.web.models import RunInfo, ScenarioInfo, is_run_id, is_scenario_id
from guaranty.web.uploads import PARSE_TIMEOUT, Reader

log = logging.getLogger("guaranty.web")

__all__ = ["RUNS_TTL", "WB", "Cache", "Workbench", "default_scenarios_dir", "workbench"]

# Seconds a listing of the store's runs is shared between requests (docs/web.md).
RUNS_TTL = 0.5


def default_scenarios_dir() -> Path | None:
    """The shipped scenarios: the package's own (:mod:`guaranty.scenario.shipped`), there
    in an installed wheel as in the source tree."""
    return SHIPPED_DIR if SHIPPED_DIR.is_dir() else None


class Cache:
    """A small thread-safe LRU cache of computed results; concurrent requests for the same
    missing key wait for one computation instead of each doing it."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def get(self, key: Any) -> Any:
        """The value kept under ``key``, or None."""
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
            return None

    def keys(self) -> list[Any]:
        """The keys kept now, least recently used first."""
        with self._lock:
            return list(self._d)

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value`` under ``key`` (the least recently used goes beyond ``size``)."""
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def get_or_compute(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The value under ``key``, computed by ``compute()`` (once) if missing."""
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            hit = self.get(key)
            if hit is None:
                hit = compute()
                self.put(key, hit)
        with self._lock:
            self._key_locks.pop(key, None)
        return hit


def _check_id(sid: str) -> str:
    if not is_scenario_id(sid):
        raise HTTPException(404, f"no scenario {sid!r}")
    return sid


def _check_run(run_id: str) -> str:
    if not is_run_id(run_id):
        raise HTTPException(404, f"no run {run_id!r}")
    return run_id


def _shipped(folder: Path | None) -> dict[str, Path]:
    """The scenario files of ``folder`` by id (their names, made ids)."""
    shipped: dict[str, Path] = {}
    if folder is not None:
        for path in sorted(folder.glob("*.y*ml")):
            sid = re.sub(r"[^a-z0-9_-]", "-", path.stem.lower())[:64]
            if is_scenario_id(sid):
                shipped[sid] = path
    return shipped


def job_info(job: Job) -> RunInfo:
    """A job not (yet) in the store, as the API shows a run."""
    same = ("run_id", "scenario_id", "seed", "draws", "done", "status", "error")
    return RunInfo(scenario=job.scenario_name, **{k: getattr(job, k) for k in same})


class Workbench:
    """The scenarios and runs of one app over the results store ``store``.

    ``scenarios_dir``: the shipped scenarios (default :func:`default_scenarios_dir`);
    ``workers``, ``max_running``: of the background runs (:class:`Jobs`);
    ``parse_timeout``: seconds an upload may take to be read; ``prepare``: compute the
    results page of every run in the background, its forecasts while it runs
    (:meth:`start_forecasts`) and the rest once it finishes (:meth:`prepare`)."""

    def __init__(
        self,
        store: str,
        *,
        scenarios_dir: Path | None = None,
        workers: int = 2,
        max_running: int = 1,
        parse_timeout: float = PARSE_TIMEOUT,
        prepare: bool = False,
    ) -> None:
        self.store = store
        # paths of this machine that an error message could hold: cut out of every response
        self.known = [os.path.abspath(store), os.getcwd(), str(Path.home())]
        with Store(store):
            pass  # create the tables now: a bad path fails at start, not at the first request
        shipped_dir = scenarios_dir if scenarios_dir is not None else default_scenarios_dir()
        self.shipped = _shipped(shipped_dir)
        self.known.append(str(shipped_dir.resolve()) if shipped_dir is not None else "")
        self.jobs = Jobs(
            store,
            max_running=max_running,
            workers=workers,
            on_start=self.start_forecasts if prepare else None,
            on_done=self.prepare if prepare else None,
        )
        self.cache = Cache()
        self.shared = SharedStore(store)
        self.reader = Reader(parse_timeout)
        self._runs_memo: dict[str, Any] = {"key": None, "at": 0.0, "rows": []}
        self._runs_lock = threading.Lock()

    def prepare(self, run_id: str) -> threading.Thread:
        """Compute what the results page of ``run_id`` shows (the analysis, the claims, the
        forecasts and the figures) in a background thread, so that its first view does not
        wait for them; a request meanwhile waits for this computation rather than repeating
        it. An error is logged and left to the page, which computes and reports it itself."""

        from guaranty.web.pages import results_figures

        return _in_background(
            f"guaranty-prepare-{run_id}",
            f"preparing the results of run {run_id}",
            lambda: results_figures(self.results(run_id)),
        )

    def open_store(self) -> Store:
        """The store, for one request (in a ``with`` block)."""
        return self.shared.open()

    def shutdown(self) -> None:
        """Stop the background runs and let go of the store (at the app's shutdown)."""
        self.jobs.shutdown()
        self.shared.close()

    # -- scenarios --------------------------------------------------------------------------

    def scenario_text(self, sid: str) -> tuple[str, str, str, str | None]:
        """(origin, filename, text, parent) of a scenario."""
        _check_id(sid)
        if sid in self.shipped:
            path = self.shipped[sid]
            return "shipped", path.name, path.read_text(encoding="utf-8"), None
        with self.open_store() as st:
            got = st.scenario_text(sid)
        if got is None:
            raise HTTPException(404, f"no scenario {sid!r}")
        filename, text, parent = got
        origin = "edit" if parent else "upload"
        return origin, filename, text, parent

    def get_scenario(self, sid: str) -> Scenario:
        """The scenario ``sid``, parsed (cached). 404 if there is none."""

        def compute() -> Scenario:
            _, filename, text, _ = self.scenario_text(sid)
            obj = parse(text, filename)
            if not isinstance(obj, Scenario):  # pragma: no cover - uploads are checked
                raise HTTPException(422, "not a scenario")
            return obj

        return self.cache.get_or_compute(("scenario", _check_id(sid)), compute)

    def info(self, sid: str, origin: str, parent: str | None, filename: str) -> ScenarioInfo:
        """What the scenario list says of a scenario (a file that cannot be read is named
        so, not an error)."""
        try:
            s = self.get_scenario(sid)
            return ScenarioInfo(
                id=sid,
                name=s.name,
                origin=origin,
                parent=parent,
                filename=filename,
                actors=len(s.actors),
                issues=len(s.issues),
                designs=len(s.guarantees),
                claims=len(s.claims),
            )
        except (GuarantyError, HTTPException):
            return ScenarioInfo(
                id=sid,
                name=f"{filename} (unreadable)",
                origin=origin,
                parent=parent,
                filename=filename,
            )

    def list_scenarios(self) -> list[ScenarioInfo]:
        """The shipped scenarios, then the uploaded and edited ones of the store."""
        out = [self.info(sid, "shipped", None, p.name) for sid, p in self.shipped.items()]
        with self.open_store() as st:
            rows = st.scenarios()
        for r in rows:
            origin = "edit" if r["parent"] else "upload"
            out.append(self.info(r["id"], origin, r["parent"], r["filename"]))
        return out

    def checked(self, text: str, filename: str) -> Scenario:
        """The scenario in a file's text (a DEU case file is refused), with what a run
        would refuse before its first draw checked too, as ``guaranty validate`` does."""
        obj = parse(text, filename)
        if isinstance(obj, CaseSet):
            raise ScenarioError(
                "a set of cases with observed outcomes (DEU III) is for 'guaranty backtest', "
                "not a scenario for the workbench",
                file=filename,
            )
        check_before_a_run(obj)
        return obj

    def keep(
        self,
        text: str,
        filename: str,
        parent: str | None,
        name: str | None = None,
        obj: Scenario | None = None,
    ) -> str:
        """Store a scenario's text (parsed already as ``obj``, or parsed now); its id."""
        if obj is None:
            obj = self.checked(text, filename)
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        sid = f"{'e' if parent else 'u'}-{digest}"
        with self.open_store() as st:
            st.add_scenario(
                sid,
                name=name or obj.name,
                origin="edit" if parent else "upload",
                parent=parent,
                filename=filename,
                text=text,
            )
            kept = st.scenario_text(sid)
        if kept is not None and kept[0] == filename:  # stored under this name: parsed already
            self.cache.put(("scenario", sid), obj)
        return sid

    # -- runs -------------------------------------------------------------------------------

    def store_runs(self, before: dict[str, str]) -> list[dict[str, Any]]:
        """The store's run rows, shared for RUNS_TTL seconds between requests that see the
        same jobs in the same states (a burst of requests then costs one query)."""
        key = tuple(sorted(before.items()))
        memo = self._runs_memo
        with self._runs_lock:
            now = time.monotonic()
            if memo["key"] == key and now - memo["at"] < RUNS_TTL:
                return memo["rows"]
            with self.open_store() as st:
                rows = st.runs()
            memo.update(key=key, at=time.monotonic(), rows=rows)
            return rows

    def list_runs(self) -> list[RunInfo]:
        """Every run in the store and every job not in it yet (those first)."""
        before = {j.run_id: j.status for j in self.jobs.all()}
        rows = self.store_runs(before)
        out = [self._stored_run(r, before) for r in rows]
        seen = {r["run_id"] for r in rows}
        for job in self.jobs.all():
            if job.run_id not in seen:
                out.insert(0, job_info(job))
        return out

    def _stored_run(self, r: dict[str, Any], before: dict[str, str]) -> RunInfo:
        """A run row of the store as the API shows it, with its job's progress if any
        (``before``: each job's status when the rows were read)."""
        job = self.jobs.get(r["run_id"])
        status = r["status"]
        if job is not None and before.get(job.run_id) in ("queued", "running", "failed"):
            status = before[job.run_id]
        elif status == "running" and job is None:
            # not running here, and no other process holds the store (we could open it):
            # a run that was killed; starting it again resumes it
            status = "interrupted"
        return RunInfo(
            run_id=r["run_id"],
            scenario=r["scenario"],
            scenario_id=job.scenario_id if job else None,
            seed=int(r["seed"]),
            draws=int(r["draws"]),
            stored=int(r["stored"]),
            done=job.done if job else int(r["stored"]),
            status=status,
            model=r["model"],
            version=r["version"],
            error=job.error if job else None,
        )

    def run_info(self, run_id: str) -> RunInfo:
        """A run's status and progress. 404 if there is none."""
        _check_run(run_id)
        for r in self.list_runs():
            if r.run_id == run_id:
                return r
        raise HTTPException(404, f"no run {run_id!r}")

    def start(self, sid: str, *, draws: int, seed: int) -> RunInfo:
        """Start a run of the scenario ``sid`` in the background (queued if another is
        running); 422 now for a scenario that cannot be run, 429 if the queue is full."""
        scenario = self.get_scenario(sid)
        from guaranty.montecarlo import settings

        settings(scenario)  # a scenario without war / credibility / designs: 422 now
        try:
            job = self.jobs.submit(scenario, sid, draws=draws, seed=seed)
        except QueueFull as exc:
            raise HTTPException(429, str(exc)) from None
        return job_info(job)

    def cancel(self, run_id: str) -> RunInfo:
        """Cancel a queued or running run; 404 if there is none, 409 if it is not running."""
        _check_run(run_id)
        job = self.jobs.cancel(run_id)
        if job is None or job.status not in ("queued", "running", "cancelled"):
            self.run_info(run_id)  # 404 if unknown
            raise HTTPException(409, f"run {run_id} is not running")
        return self.run_info(run_id) if job.status != "cancelled" else job_info(job)

    def results(self, run_id: str) -> dict[str, Any]:
        """The run loaded from the store with its claims and credibility (cached; see
        :func:`guaranty.web.analysis.analyze_run`), and ``"forecasts"``: a function that
        gives its forecasts (:meth:`forecasts`). 409 if it has no draws yet."""
        r = self.run_info(run_id)
        if r.stored == 0:
            raise HTTPException(409, f"run {run_id} has no finished draws yet")

        def compute() -> dict[str, Any]:
            got = analyze_run(self.open_store, run_id, r.stored)
            run = got["run"]
            got["forecasts"] = lambda: self.forecasts(run_id, got["scenario"], run.draws, run.seed)
            return got

        return self.cache.get_or_compute(("results", run_id, r.stored), compute)

    def forecasts(self, run_id: str, scenario: Scenario, draws: int, seed: int) -> Any:
        """The forecasts of run ``run_id`` (:func:`guaranty.analysis.run_forecasts` of its
        scenario, draws and seed), computed once: when the run starts if the app prepares
        results (:meth:`start_forecasts`), else when first shown."""
        from guaranty.analysis import FORECAST_DRAWS, run_forecasts

        key = ("forecasts", run_id, min(FORECAST_DRAWS, draws), seed)
        return self.cache.get_or_compute(key, lambda: run_forecasts(scenario, draws, seed))

    def start_forecasts(self, job: Job) -> threading.Thread:
        """Compute the forecasts of ``job``'s run in a background thread while its chain
        runs in the worker processes: they depend on the scenario and the seed only. An
        error is logged and left to the page, which computes and reports it itself."""

        return _in_background(
            f"guaranty-forecasts-{job.run_id}",
            f"the forecasts of run {job.run_id}",
            lambda: self.forecasts(job.run_id, job.scenario, job.draws, job.seed),  # type: ignore[arg-type]
        )


def _in_background(name: str, what: str, fn: Callable[[], Any]) -> threading.Thread:
    """``fn()`` in a daemon thread called ``name``. An error is logged ("``what`` failed")
    and left to the results page, which meets it again, computes and reports it itself."""

    def work() -> None:
        try:
            fn()
        except Exception as exc:
            log.warning("%s failed: %s", what, exc)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


async def workbench(request: Request) -> Workbench:
    """The dependency that gives a route its app's :class:`Workbench`."""
    return request.app.state.workbench


#: a route's parameter that receives the app's workbench
WB = Annotated[Workbench, Depends(workbench)]
