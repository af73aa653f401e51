"""The ``guaranty`` script's entry point (and ``python -m guaranty``).

``guaranty --version`` is answered here, before the command line's libraries (typer, rich)
load, so that it takes the interpreter's start-up and little more; everything else goes to
:func:`guaranty.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``guaranty`` command line."""
    if sys.argv[1:] == ["--version"]:
        from guaranty._version import __version__

        print(f"guaranty {__version__}")
        return
    from guaranty.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
