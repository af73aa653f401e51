"""The ``guaranty`` script's entry point (and ``python -m guaranty``).

``guaranty --version`` is answered here, before the command line's libraries (typer, rich)
load, so that it takes the interpreter's start-up and little more; ``guaranty validate
FILE`` by :mod:`guaranty.cli.quick`, without Typer; everything else goes to
:func:`guaranty.cli.main`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def console() -> NoReturn:
    """The installed ``guaranty`` script and ``python -m guaranty``: :func:`main`, then the
    end of the process without the interpreter's teardown (:func:`_leave`)."""
    try:
        main()
    except SystemExit as done:
        _leave(done.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """End the process once a command is done: its exit handlers run and its output is
    flushed, then ``os._exit`` skips the interpreter's teardown, which frees every object
    of every loaded module one by one. That took 0.07-0.12 s after ``guaranty forecast`` and
    0.07 s after ``guaranty run`` (docs/performance.md, "The interpreter's teardown"), a
    quarter of the forecast's whole time.

    Skipped too are the finalisers of objects still alive: guaranty closes its files and
    stores in ``with`` blocks, and the temporary folders a command makes are removed by the
    command. With a thread still running (none should be) the process exits normally,
    waiting for it as Python does. ``code`` as ``sys.exit`` takes it: None (0), an int, or
    a message (printed to stderr, 1)."""
    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what the interpreter runs at exit: multiprocessing's, logging's
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # closed, replaced or a broken pipe
            pass
    os._exit(status)


def main() -> None:
    """Run the ``guaranty`` command line (in this process, ending with ``SystemExit`` like
    any Click program: what tests and embedding code call)."""
    # pydantic looks up its plugins (observability hooks for an application's own models)
    # among every installed package's entry points when the first model is built: 70 ms of
    # start-up spent for nothing in this command line, which uses none
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # one BLAS thread (numpy's and scipy's OpenBLAS read this when they load, and the
    # workers of a run inherit it): guaranty's matrix products are small, and a BLAS thread
    # pool wins nothing on them while its threads spin on the cores that the run's workers,
    # the web's background work or numba's threads need (docs/performance.md, "BLAS
    # threads"); a value the user set is kept
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if sys.argv[1:] == ["--version"]:
        from guaranty._version import __version__

        print(f"guaranty {__version__}")
        return
    from guaranty.cli.quick import answer

    code = answer(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from guaranty.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    console()
