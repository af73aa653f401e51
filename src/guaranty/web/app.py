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

The parts: ``workbench`` (the app's state: scenarios, runs, cached results), ``api`` and
``pages`` (the routes), ``analysis`` (a run's results), ``edit`` (edited versions),
``uploads``, ``connection`` (the shared store), ``models`` (the API's bodies), ``jobs``
(background runs) and ``safety``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from guaranty._version import __version__
from guaranty.errors import GuarantyError
from guaranty.web.models import MAX_DRAWS, ErrorBody
from guaranty.web.safety import SECURITY_HEADERS, Guard, normalize_host, scrub
from guaranty.web.uploads import PARSE_TIMEOUT
from guaranty.web.workbench import Workbench, default_scenarios_dir

__all__ = ["INTERNAL_ERROR", "MAX_DRAWS", "BodyLimit", "create_app", "default_scenarios_dir"]

#: the message of a 500: the details are logged, never sent
INTERNAL_ERROR = (
    "internal error: the details are in the server's log; try again, and report the problem "
    "if it happens again"
)
log = logging.getLogger("guaranty.web")


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


def create_app(
    store: str | Path = "guaranty.duckdb",
    *,
    scenarios_dir: Path | None = None,
    workers: int = 2,
    max_running: int = 1,
    max_body: int = 2_000_000,
    allowed_hosts: Iterable[str] = (),
    parse_timeout: float = PARSE_TIMEOUT,
    prepare_results: bool = False,
) -> FastAPI:
    """The workbench over the results store ``store`` (created if missing).

    ``allowed_hosts``: host names or addresses (any port) that the server answers to besides
    its loopback address (127.0.0.1, localhost, [::1]); ``parse_timeout``: seconds an upload
    may take to be read; ``prepare_results``: compute each finished run's results page in
    the background, before anyone asks for it (``guaranty serve`` does)."""
    from guaranty.web import api, downloads, pages

    allowed = [normalize_host(h) for h in allowed_hosts]  # ValueError now, not per request
    wb = Workbench(
        str(store),
        scenarios_dir=scenarios_dir,
        workers=workers,
        max_running=max_running,
        parse_timeout=parse_timeout,
        prepare=prepare_results,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        wb.shutdown()

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
    app.state.workbench = wb
    app.state.jobs = wb.jobs
    app.state.store = wb.store
    _handle_errors(app, wb.known)
    for router in (api.scenarios, api.runs, downloads.downloads, pages.router):
        app.include_router(router)
    return app


def _handle_errors(app: FastAPI, known: list[str]) -> None:
    """Answer every error with a JSON body ``{"error": ...}`` (an :class:`ErrorBody` for
    guaranty's own errors), the paths of this machine (``known``) cut out of it."""

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
