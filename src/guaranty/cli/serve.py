"""The ``serve`` command: the web workbench (scenarios, runs and results in the browser, and
a JSON API) on a local uvicorn server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from guaranty.cli.common import err, fail
from guaranty.cli.options import StoreOpt, WorkersOpt, resolve_workers


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback unless told otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    store: StoreOpt = Path("guaranty.duckdb"),
    workers: WorkersOpt = 2,
    max_running: Annotated[
        int, typer.Option("--max-running", min=1, help="Runs at a time; the rest wait.")
    ] = 1,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="A host name or address (any port) the browser may use to reach the "
            "workbench besides 127.0.0.1, localhost, [::1] and --host; repeatable. Requests "
            "naming any other Host are refused (DNS rebinding).",
        ),
    ] = None,
) -> None:
    """Start the web workbench: scenarios, assumptions, runs and results in the browser, and
    a JSON API under /api/ (docs/web.md)."""
    import logging

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:  # a wheel installed without the web's extra
        raise fail(
            f"error: the web workbench needs the 'web' extra ({exc.name} is not installed): "
            "pip install 'guaranty[web]'"
        ) from None

    from guaranty.web import create_app
    from guaranty.web.safety import normalize_host

    # the server's log: the details of errors that the responses leave out
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    allowed = list(allowed_host or [])
    if host not in ("0.0.0.0", "::", ""):  # a specific address: the one to browse to
        allowed.append(host)
    for name in allowed:  # a name that is no host is bad input, not a bug
        try:
            normalize_host(name)
        except ValueError as exc:
            raise fail(f"error: {exc}") from None
    application = create_app(
        store,
        workers=resolve_workers(workers),
        max_running=max_running,
        allowed_hosts=allowed,
        prepare_results=True,  # a finished run's page is ready before it is opened
    )
    err.print(f"guaranty workbench on http://{host}:{port}/ (store {store}); Ctrl-C stops it")
    uvicorn.run(application, host=host, port=port, log_level="warning")
