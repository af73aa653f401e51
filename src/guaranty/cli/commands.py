"""The ``guaranty`` command line assembled: every command registered on the Typer app, in
the order ``--help`` lists them (:data:`guaranty.cli.dispatch.SOURCES`), each behind the
error boundary (:func:`~guaranty.cli.common.handles_errors`). The package
:mod:`guaranty.cli` hands out these names on first use (see its docstring); the script
itself goes through :func:`guaranty.cli.dispatch.main`, which builds only the command it
runs."""

from __future__ import annotations

from collections.abc import Callable

from guaranty.cli.common import app
from guaranty.cli.dispatch import SOURCES, load, main, register

__all__ = ["COMMANDS", "app", "main"]

#: every command, in the order ``--help`` lists them; each one behind the error boundary
COMMANDS: dict[str, Callable[..., None]] = {name: load(name) for name in SOURCES}

for _name, _command in COMMANDS.items():
    register(app, _name, _command)
