"""The web workbench: pages and a JSON API over scenarios and the results store (docs/web.md).

``create_app(store)`` builds a FastAPI app. Pages (server-rendered, plotly figures, no
external assets) and the JSON API under ``/api/`` are served by the same process. The app
reads runs from the same DuckDB store that ``guaranty run`` writes, opening it per request,
so a run finished in a terminal shows up in the browser.

Safety: request bodies are capped (``max_body`` bytes); YAML is parsed with the safe loader
(no object construction); scenario and run ids are checked against a strict pattern and only
ever used as keys in the store, never as file names; at most ``max_running`` runs go at a
time and at most 16 wait; every error is answered with a JSON body, never a traceback, and
never with a server path or process id (the details go to the ``guaranty.web`` log). Requests
for another Host (DNS rebinding) and state-changing requests from another origin are refused,
and every response carries a Content-Security-Policy and the other security headers
(``guaranty.web.safety``). An upload is read in a worker thread within ``parse_timeout``
seconds, so a slow file does not hold up the other requests.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from guaranty import __version__
from guaranty.errors import GuarantyError, ScenarioError
from guaranty.scenario import CaseSet, Scenario, parse
from guaranty.scenario.schema import OBLIGATIONS, Fixed, Normal, Triangular, Uniform
from guaranty.store import Store
from guaranty.web.jobs import Jobs, QueueFull
from guaranty.web.safety import SECURITY_HEADERS, Guard, normalize_host, scrub

__all__ = ["create_app"]

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
RUN_PATTERN = r"^[0-9a-f]{16}$"
_ID = re.compile(ID_PATTERN)
_RUN = re.compile(RUN_PATTERN)
MAX_DRAWS = 200_000
#: seconds without a request after which the app lets go of the store file
IDLE_CLOSE = 1.0
# Seconds a listing of the store's runs is shared between requests (docs/web.md).
RUNS_TTL = 0.5
STATIC = Path(__file__).resolve().parent / "static"
#: seconds an upload may take to be read and checked (then 422)
PARSE_TIMEOUT = 10.0
#: uploads read at a time (one that overran its time keeps its thread until it ends)
MAX_PARSES = 2
#: the message of a 500: the details are logged, never sent
INTERNAL_ERROR = (
    "internal error: the details are in the server's log; try again, and report the problem "
    "if it happens again"
)
log = logging.getLogger("guaranty.web")


def default_scenarios_dir() -> Path | None:
    """The shipped scenarios: ``scenarios/`` of the source tree, or of the working folder."""
    for cand in (Path(__file__).resolve().parents[3] / "scenarios", Path.cwd() / "scenarios"):
        if cand.is_dir():
            return cand
    return None


# --------------------------------------------------------------------------------------------
# Request and response bodies (they make the OpenAPI schema)
# --------------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    error: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None


class ScenarioInfo(BaseModel):
    id: str
    name: str
    origin: str  # shipped, upload, edit
    parent: str | None = None
    filename: str
    actors: int | None = None
    issues: int | None = None
    designs: int | None = None
    claims: int | None = None


class Change(BaseModel):
    """One edit: ``path`` into the scenario (e.g. ["credibility", "common_shock"]), and
    either ``nominal`` (a new central value for a quantity, its spread kept) or ``value``
    (a new list of obligations, for ``["credibility", "conduct", ID, "today"]``)."""

    path: list[str] = Field(min_length=1, max_length=8)
    nominal: float | None = Field(default=None, allow_inf_nan=False)
    value: list[str] | None = Field(default=None, max_length=32)


class VersionRequest(BaseModel):
    changes: list[Change] = Field(min_length=1, max_length=500)
    name: str | None = Field(default=None, max_length=200)


class RunRequest(BaseModel):
    scenario: str = Field(pattern=ID_PATTERN)
    draws: int = Field(default=5000, ge=1, le=MAX_DRAWS, strict=True)
    seed: int = Field(default=0, ge=0, le=2**31 - 1, strict=True)


class RunInfo(BaseModel):
    run_id: str
    scenario: str
    scenario_id: str | None = None
    seed: int
    draws: int
    stored: int = 0
    done: int = 0
    status: str
    model: str | None = None
    version: str | None = None
    error: str | None = None


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        too_big = JSONResponse(
            {"error": f"request body too large (limit {self.limit:,} bytes)"}, status_code=413
        )
        if length is not None:
            try:
                if int(length) > self.limit:
                    await too_big(scope, receive, send)
                    return
            except ValueError:
                await JSONResponse({"error": "bad Content-Length"}, status_code=400)(
                    scope, receive, send
                )
                return
        seen = 0
        started = False

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await too_big(scope, receive, send)


def _error(exc: GuarantyError, status: int = 422, known: Iterable[str] = ()) -> JSONResponse:
    field = getattr(exc, "field", None)
    file = getattr(exc, "file", None)
    body = ErrorBody(
        error=scrub(str(exc), known=known),
        file=scrub(file, known=known) if file else None,
        line=getattr(exc, "line", None),
        column=getattr(exc, "column", None),
        field=".".join(str(f) for f in field) if field else None,
    )
    return JSONResponse(body.model_dump(), status_code=status)


def _check_id(sid: str) -> str:
    if not _ID.match(sid):
        raise HTTPException(404, f"no scenario {sid!r}")
    return sid


def _check_run(run_id: str) -> str:
    if not _RUN.match(run_id):
        raise HTTPException(404, f"no run {run_id!r}")
    return run_id


def _shift(q: dict[str, Any], nominal: float) -> dict[str, Any]:
    """A quantity (as a dict) moved to a new central value, its spread kept."""
    q = dict(q)
    dist = q.get("dist", "fixed")
    if dist == "fixed":
        q["value"] = nominal
    elif dist == "normal":
        q["mean"] = nominal
    elif dist == "uniform":
        half = (q["high"] - q["low"]) / 2
        q["low"], q["high"] = nominal - half, nominal + half
    elif dist == "triangular":
        d = nominal - q["mode"]
        q["low"], q["mode"], q["high"] = q["low"] + d, nominal, q["high"] + d
    q["source"] = (q.get("source") or "") + " [edited in the workbench]"
    return q


def _nominal(q: Any) -> float | None:
    return q.nominal if isinstance(q, Fixed | Normal | Uniform | Triangular) else None


def apply_changes(scenario: Scenario, changes: list[Change]) -> dict[str, Any]:
    """The scenario as a dict with ``changes`` applied (validated by the caller)."""
    data = copy.deepcopy(scenario.model_dump(mode="json", by_alias=True, exclude_none=True))
    for ch in changes:
        where = ".".join(ch.path)
        parent: Any = data
        for key in ch.path[:-1]:
            if isinstance(parent, list):
                if not key.isdigit() or int(key) >= len(parent):
                    raise GuarantyError(f"{where}: no such item in the scenario")
                parent = parent[int(key)]
            elif isinstance(parent, dict):
                if key not in parent:
                    if ch.path[:2] == ["credibility", "conduct"] and ch.value is not None:
                        parent[key] = {}
                    elif ch.path[:2] == ["war", "parameters"]:
                        parent[key] = {}
                    else:
                        raise GuarantyError(f"{where}: no such field in the scenario")
                parent = parent[key]
            else:
                raise GuarantyError(f"{where}: no such field in the scenario")
        last = ch.path[-1]
        if not isinstance(parent, dict):
            raise GuarantyError(f"{where}: not a field that can be edited")
        if ch.value is not None:
            bad = [v for v in ch.value if v not in OBLIGATIONS]
            if bad or ch.path[-1] != "today":
                raise GuarantyError(
                    f"{where}: a list of obligations ({', '.join(OBLIGATIONS)}) is expected"
                )
            parent[last] = list(dict.fromkeys(ch.value))
        elif ch.nominal is not None:
            current = parent.get(last)
            if isinstance(current, dict) and ("dist" in current or "value" in current):
                parent[last] = _shift(current, ch.nominal)
            elif isinstance(current, int | float) and not isinstance(current, bool):
                parent[last] = ch.nominal
            elif current is None and ch.path[:2] == ["war", "parameters"]:
                parent[last] = {"value": ch.nominal, "source": "edited in the workbench"}
            else:
                raise GuarantyError(f"{where}: not a number or quantity that can be edited")
        else:
            raise GuarantyError(f"{where}: give 'nominal' or 'value'")
    return data


class _Cache:
    """A small thread-safe LRU cache of computed results; concurrent requests for the same
    missing key wait for one computation instead of each doing it."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
            return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def get_or_compute(self, key: Any, compute: Any) -> Any:
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


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------


def create_app(
    store: str | Path = "guaranty.duckdb",
    *,
    scenarios_dir: Path | None = None,
    workers: int = 2,
    max_running: int = 1,
    max_body: int = 2_000_000,
    allowed_hosts: Iterable[str] = (),
    parse_timeout: float = PARSE_TIMEOUT,
) -> FastAPI:
    """The workbench over the results store ``store`` (created if missing).

    ``allowed_hosts``: host names or addresses (any port) that the server answers to besides
    its loopback address (127.0.0.1, localhost, [::1]); ``parse_timeout``: seconds an upload
    may take to be read."""
    from guaranty.web import pages

    store = str(store)
    allowed = [normalize_host(h) for h in allowed_hosts]  # ValueError now, not per request
    # paths of this machine that an error message could hold: cut out of every response
    known = [os.path.abspath(store), os.getcwd(), str(Path.home())]
    with Store(store):
        pass  # create the tables now: a bad path fails at start, not at the first request
    shipped_dir = scenarios_dir if scenarios_dir is not None else default_scenarios_dir()
    shipped: dict[str, Path] = {}
    if shipped_dir is not None:
        for path in sorted(shipped_dir.glob("*.y*ml")):
            sid = re.sub(r"[^a-z0-9_-]", "-", path.stem.lower())[:64]
            if _ID.match(sid):
                shipped[sid] = path
    known.append(str(shipped_dir.resolve()) if shipped_dir is not None else "")
    jobs = Jobs(store, max_running=max_running, workers=workers)
    cache = _Cache()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()
        with shared_lock:
            if shared["st"] is not None and shared["users"] == 0:
                shared["st"].close()
                shared["st"] = None

    app = FastAPI(
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their code from a CDN: the workbench has its
        # own offline page of the API at /api-docs instead, and the schema at /openapi.json
        docs_url=None,
        redoc_url=None,
        title="guaranty workbench",
        version=__version__,
        description="Scenarios, runs and results of guaranty: security guarantees and "
        "negotiated war endings as testable numbers.",
    )
    app.add_middleware(BodyLimit, limit=max_body)
    # outermost: a foreign Host or a cross-origin write is refused before anything is read,
    # and every response (a 413 or a refusal included) gets the security headers
    app.add_middleware(Guard, allowed_hosts=allowed)
    app.state.jobs = jobs
    app.state.store = store

    @app.exception_handler(GuarantyError)
    async def _guaranty_error(request: Request, exc: GuarantyError) -> JSONResponse:
        return _error(exc, known=known)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": scrub(str(exc.detail), known=known)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors()[:5]:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
        return JSONResponse({"error": "; ".join(parts) or "invalid request"}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette answers this one outside the middleware: the headers are set here
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"error": INTERNAL_ERROR}, status_code=500, headers=SECURITY_HEADERS)

    # -- scenario access ------------------------------------------------------------------

    # One DuckDB connection per process, shared by concurrent requests (connecting to one
    # file from many threads at once conflicts), closed once the app has been idle for
    # IDLE_CLOSE seconds so that 'guaranty run' in another process can take the file's lock.
    shared: dict[str, Any] = {"st": None, "users": 0, "generation": 0}
    shared_lock = threading.Lock()

    def _close_if_idle(generation: int) -> None:
        with shared_lock:
            if shared["users"] == 0 and shared["generation"] == generation and shared["st"]:
                shared["st"].close()
                shared["st"] = None

    class _Borrowed(Store):
        def __init__(self, base: Store) -> None:
            self.path = base.path
            self.con = base.con.cursor()

        def close(self) -> None:
            self.con.close()
            with shared_lock:
                shared["users"] -= 1
                if shared["users"] == 0:
                    shared["generation"] += 1
                    timer = threading.Timer(
                        IDLE_CLOSE, _close_if_idle, args=(shared["generation"],)
                    )
                    timer.daemon = True
                    timer.start()

    def open_store() -> Store:
        with shared_lock:
            if shared["st"] is None:
                try:
                    shared["st"] = Store(store, create=False)
                except GuarantyError as exc:
                    log.warning("cannot open the results store: %s", exc)
                    if re.search(r"\block\b", str(exc), re.IGNORECASE):
                        message = (
                            "the results store is busy: another process (a 'guaranty run', "
                            "say) is writing to it; try again when it has finished"
                        )
                    else:
                        message = "the results store cannot be opened; the server's log says why"
                    raise HTTPException(503, message) from None
            shared["users"] += 1
            shared["generation"] += 1
            base = shared["st"]
        return _Borrowed(base)

    def scenario_text(sid: str) -> tuple[str, str, str, str | None]:
        """(origin, filename, text, parent) of a scenario."""
        _check_id(sid)
        if sid in shipped:
            path = shipped[sid]
            return "shipped", path.name, path.read_text(encoding="utf-8"), None
        with open_store() as st:
            got = st.scenario_text(sid)
        if got is None:
            raise HTTPException(404, f"no scenario {sid!r}")
        filename, text, parent = got
        origin = "edit" if parent else "upload"
        return origin, filename, text, parent

    def get_scenario(sid: str) -> Scenario:
        def compute() -> Scenario:
            _, filename, text, _ = scenario_text(sid)
            obj = parse(text, filename)
            if not isinstance(obj, Scenario):  # pragma: no cover - uploads are checked
                raise HTTPException(422, "not a scenario")
            return obj

        return cache.get_or_compute(("scenario", _check_id(sid)), compute)

    def info(sid: str, origin: str, parent: str | None, filename: str) -> ScenarioInfo:
        try:
            s = get_scenario(sid)
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

    def list_scenarios() -> list[ScenarioInfo]:
        out = [info(sid, "shipped", None, p.name) for sid, p in shipped.items()]
        with open_store() as st:
            rows = st.scenarios()
        for r in rows:
            out.append(
                info(r["id"], "edit" if r["parent"] else "upload", r["parent"], r["filename"])
            )
        return out

    def checked(text: str, filename: str) -> Scenario:
        """The scenario in a file's text (a DEU case file is refused)."""
        obj = parse(text, filename)
        if isinstance(obj, CaseSet):
            raise ScenarioError(
                "a set of cases with observed outcomes (DEU III) is for 'guaranty backtest', "
                "not a scenario for the workbench",
                file=filename,
            )
        return obj

    def keep(
        text: str,
        filename: str,
        parent: str | None,
        name: str | None = None,
        obj: Scenario | None = None,
    ) -> str:
        """Store a scenario's text (parsed already as ``obj``, or parsed now); its id."""
        if obj is None:
            obj = checked(text, filename)
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        sid = f"{'e' if parent else 'u'}-{digest}"
        with open_store() as st:
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
            cache.put(("scenario", sid), obj)
        return sid

    # -- uploads, off the event loop --------------------------------------------------------

    parsing = {"n": 0}  # uploads being read, an overrun one included until its thread ends
    parsing_lock = threading.Lock()

    async def off_loop(fn: Callable[[], Any], filename: str) -> Any:
        """``fn()`` in a thread of its own, waited for at most ``parse_timeout`` seconds; the
        event loop answers other requests meanwhile. A daemon thread, not a pool's: one that
        overran its time can neither hold up a pool nor the end of the process."""
        with parsing_lock:
            if parsing["n"] >= MAX_PARSES:
                raise HTTPException(
                    429, f"{MAX_PARSES} uploads are being read; try again in a few seconds"
                )
            parsing["n"] += 1
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()

        def settle(value: Any, exc: BaseException | None) -> None:
            if done.done():  # the request gave up waiting (time out, disconnect)
                return
            if exc is not None:
                done.set_exception(exc)
            else:
                done.set_result(value)

        def work() -> None:
            value, error = None, None
            try:
                value = fn()
            except BaseException as exc:  # handed to the request, answered as usual
                error = exc
            finally:
                with parsing_lock:
                    parsing["n"] -= 1
            try:
                loop.call_soon_threadsafe(settle, value, error)
            except RuntimeError:  # the event loop is gone: nobody waits for it
                pass

        try:
            threading.Thread(target=work, name="guaranty-parse", daemon=True).start()
        except RuntimeError:
            with parsing_lock:
                parsing["n"] -= 1
            raise
        try:
            return await asyncio.wait_for(done, parse_timeout)
        except TimeoutError:
            log.warning("reading the upload %s took over %g s: refused", filename, parse_timeout)
            raise ScenarioError(
                f"reading the file took longer than {parse_timeout:g} s: it is too large or too "
                "complex for the workbench (YAML aliases that expand to a huge document, say)",
                file=filename,
            ) from None

    # -- runs -----------------------------------------------------------------------------

    runs_memo: dict[str, Any] = {"key": None, "at": 0.0, "rows": []}
    runs_lock = threading.Lock()

    def store_runs(before: dict[str, str]) -> list[dict[str, Any]]:
        """The store's run rows, shared for RUNS_TTL seconds between requests that see the
        same jobs in the same states (a burst of requests then costs one query)."""
        key = tuple(sorted(before.items()))
        with runs_lock:
            now = time.monotonic()
            if runs_memo["key"] == key and now - runs_memo["at"] < RUNS_TTL:
                return runs_memo["rows"]
            with open_store() as st:
                rows = st.runs()
            runs_memo.update(key=key, at=time.monotonic(), rows=rows)
            return rows

    def list_runs() -> list[RunInfo]:
        before = {j.run_id: j.status for j in jobs.all()}
        rows = store_runs(before)
        seen = set()
        out = []
        for r in rows:
            job = jobs.get(r["run_id"])
            seen.add(r["run_id"])
            status = r["status"]
            if job is not None and before.get(job.run_id) in ("queued", "running", "failed"):
                status = before[job.run_id]
            elif status == "running" and job is None:
                # not running here, and no other process holds the store (we could open it):
                # a run that was killed; starting it again resumes it
                status = "interrupted"
            out.append(
                RunInfo(
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
            )
        for job in jobs.all():
            if job.run_id not in seen:
                out.insert(0, job_info(job))
        return out

    def job_info(job: Any) -> RunInfo:
        """A job not (yet) in the store, as the API shows a run."""
        return RunInfo(
            run_id=job.run_id,
            scenario=job.scenario_name,
            scenario_id=job.scenario_id,
            seed=job.seed,
            draws=job.draws,
            done=job.done,
            status=job.status,
            error=job.error,
        )

    def run_info(run_id: str) -> RunInfo:
        _check_run(run_id)
        for r in list_runs():
            if r.run_id == run_id:
                return r
        raise HTTPException(404, f"no run {run_id!r}")

    def results(run_id: str) -> dict[str, Any]:
        """The run loaded from the store with its claims and credibility (cached)."""
        r = run_info(run_id)
        if r.stored == 0:
            raise HTTPException(409, f"run {run_id} has no finished draws yet")
        return cache.get_or_compute(
            ("results", run_id, r.stored), lambda: compute(run_id, r.stored)
        )

    def compute(run_id: str, stored: int) -> dict[str, Any]:
        from guaranty.claims import run_ledger
        from guaranty.credibility import assess

        with open_store() as st:
            info_row = st.run_info(run_id)
            try:
                run = st.load(run_id, draws=stored)
            except GuarantyError:
                # an interrupted run: use the whole blocks at the start
                done = st.done_blocks(run_id)
                n = 0
                while n // 1000 in done:
                    n += done[n // 1000]
                    if done[(n - 1) // 1000] < 1000:
                        break
                if n == 0:
                    raise HTTPException(409, f"run {run_id} has no finished draws yet") from None
                run = st.load(run_id, draws=n)
        scenario = Scenario.model_validate_json(info_row["scenario_json"])
        cred = assess(scenario, draws=1000, seed=int(info_row["seed"]))
        claims = run_ledger(scenario.claims, run)
        return {"run": run, "scenario": scenario, "credibility": cred, "claims": claims}

    # -- JSON API ---------------------------------------------------------------------------

    errors = {
        404: {"model": ErrorBody, "description": "not found"},
        422: {"model": ErrorBody, "description": "invalid input"},
    }

    @app.get("/api/scenarios", response_model=list[ScenarioInfo], tags=["scenarios"])
    def api_scenarios() -> list[ScenarioInfo]:
        """The shipped scenarios, the uploaded ones and their edited versions."""
        return list_scenarios()

    @app.post(
        "/api/scenarios",
        response_model=ScenarioInfo,
        status_code=201,
        tags=["scenarios"],
        responses={
            **errors,
            413: {"model": ErrorBody, "description": "too large"},
            429: {"model": ErrorBody, "description": "other uploads are being read"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    )
    async def api_upload(
        request: Request,
        filename: Annotated[
            str, Query(pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="its name: .yaml, .csv")
        ] = "upload.yaml",
    ) -> ScenarioInfo:
        """Upload a scenario (YAML, or a BDM / KTAB .csv or a decide file) as the body."""
        raw = await request.body()

        def read() -> tuple[str, Scenario]:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ScenarioError("not UTF-8 text", file=filename) from None
            if not text.strip():
                raise ScenarioError("the file is empty", file=filename)
            return text, checked(text, filename)

        # the file is read (the slow part, and the user's) in a thread of its own within the
        # time budget; then it is stored, as every blocking call, in the threadpool
        text, obj = await off_loop(read, filename)

        def store_it() -> ScenarioInfo:
            sid = keep(text, filename, None, obj=obj)
            return info(sid, "upload", None, filename)

        return await run_in_threadpool(store_it)

    @app.get(
        "/api/scenarios/{sid}", tags=["scenarios"], responses=errors, response_model=dict[str, Any]
    )
    def api_scenario(sid: str) -> dict[str, Any]:
        """A scenario, whole, as JSON."""
        return get_scenario(sid).model_dump(mode="json", by_alias=True, exclude_none=True)

    @app.get(
        "/api/scenarios/{sid}/yaml",
        tags=["scenarios"],
        responses={**errors, 200: {"content": {"application/yaml": {}}}},
        response_class=PlainTextResponse,
    )
    def api_scenario_yaml(sid: str) -> Response:
        """The scenario's file, to download."""
        _, filename, text, _ = scenario_text(sid)
        if not filename.endswith((".yaml", ".yml")):
            text = yaml.safe_dump(
                get_scenario(sid).model_dump(mode="json", by_alias=True, exclude_none=True),
                sort_keys=False,
                allow_unicode=True,
            )
            filename = Path(filename).stem + ".yaml"
        return Response(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="{sid}.yaml"'},
        )

    @app.post(
        "/api/scenarios/{sid}/versions",
        response_model=ScenarioInfo,
        status_code=201,
        tags=["scenarios"],
        responses=errors,
    )
    def api_new_version(sid: str, body: VersionRequest) -> ScenarioInfo:
        """Save an edited copy of a scenario as a new version (the original is kept)."""
        base = get_scenario(sid)
        data = apply_changes(base, body.changes)
        if body.name:
            data["name"] = body.name
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        new = keep(text, f"{sid}-edit.yaml", sid, body.name)
        return info(new, "edit", sid, f"{sid}-edit.yaml")

    @app.get("/api/runs", response_model=list[RunInfo], tags=["runs"])
    def api_runs() -> list[RunInfo]:
        """Every run in the store (from the browser or from 'guaranty run') and every job."""
        return list_runs()

    @app.post(
        "/api/runs",
        response_model=RunInfo,
        status_code=202,
        tags=["runs"],
        responses={**errors, 429: {"model": ErrorBody, "description": "queue full"}},
    )
    def api_start(body: RunRequest) -> RunInfo:
        """Start a run in the background (queued if another is running)."""
        scenario = get_scenario(body.scenario)
        from guaranty.montecarlo import settings

        settings(scenario)  # a scenario without war / credibility / designs: 422 now
        try:
            job = jobs.submit(scenario, body.scenario, draws=body.draws, seed=body.seed)
        except QueueFull as exc:
            raise HTTPException(429, str(exc)) from None
        return job_info(job)

    @app.get("/api/runs/{run_id}", response_model=RunInfo, tags=["runs"], responses=errors)
    def api_run(run_id: str) -> RunInfo:
        """A run's status and progress."""
        return run_info(run_id)

    @app.post(
        "/api/runs/{run_id}/cancel",
        response_model=RunInfo,
        tags=["runs"],
        responses={**errors, 409: {"model": ErrorBody, "description": "not running"}},
    )
    def api_cancel(run_id: str) -> RunInfo:
        """Cancel a queued or running run (its finished chunks stay in the store)."""
        _check_run(run_id)
        job = jobs.cancel(run_id)
        if job is None or job.status not in ("queued", "running", "cancelled"):
            run_info(run_id)  # 404 if unknown
            raise HTTPException(409, f"run {run_id} is not running")
        return run_info(run_id) if job.status != "cancelled" else job_info(job)

    @app.get(
        "/api/runs/{run_id}/results",
        tags=["runs"],
        responses={**errors, 409: {"model": ErrorBody, "description": "no draws yet"}},
        response_model=dict[str, Any],
    )
    def api_results(run_id: str) -> dict[str, Any]:
        """The run's summary: war outcomes, settled terms, designs compared, credibility."""
        got = results(run_id)
        if "json" not in got:
            out = got["run"].summary()
            out["credibility"] = got["credibility"].to_json()
            got["json"] = JSONResponse(_finite(out))
        return got["json"]

    @app.get(
        "/api/runs/{run_id}/claims",
        tags=["runs"],
        responses={**errors, 409: {"model": ErrorBody, "description": "no draws yet"}},
        response_model=list[dict[str, Any]],
    )
    def api_claims(run_id: str) -> list[dict[str, Any]]:
        """The claims ledger of the run: share of draws, verdict, what flips it."""
        got = results(run_id)
        if "claims_json" not in got:  # built once per cached run, as the results are
            got["claims_json"] = JSONResponse(_finite([c.to_json() for c in got["claims"]]))
        return got["claims_json"]

    # -- pages -------------------------------------------------------------------------------

    pages.register(
        app,
        get_scenario=get_scenario,
        scenario_text=scenario_text,
        list_scenarios=list_scenarios,
        list_runs=list_runs,
        run_info=run_info,
        results=results,
    )
    return app


def _finite(x: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x
