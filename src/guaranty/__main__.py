"""The ``guaranty`` script's entry point (and ``python -m guaranty``).

``guaranty --version`` is answered here, before the command line's libraries (typer, rich)
load, so that it takes the interpreter's start-up and little more; ``guaranty validate
FILE`` by :mod:`guaranty.cli.quick`, without Typer; everything else goes to
:func:`guaranty.cli.main`.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run the ``guaranty`` command line."""
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
    main()
