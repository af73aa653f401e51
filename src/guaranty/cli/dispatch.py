"""The ``guaranty`` script's command line: :func:`main`, which builds only the command it
is asked for.

Typer turns every registered command into a Click command (reading each function's
signature and type hints) each time the app runs, and the commands' modules import their
own libraries. A process that runs one command needs one: when the first argument names a
command of :data:`SOURCES`, :func:`main` imports that command's module alone and registers
it on a group of its own (:func:`guaranty.cli.common.new_app`); anything else (no
argument, ``--help``, ``--version``, a mistyped command) goes to a group with every
command, as :mod:`guaranty.cli.commands` builds its ``app``. Both print and exit alike
(``tests/test_cli.py``). This took 11 ms off ``guaranty forecast`` of KTAB's 7-actor
example, 0.263 s -> 0.252 s (docs/performance.md, "One command's module").
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

import typer

__all__ = ["SOURCES", "group_for", "load", "main", "register"]

#: every command -> (its module under guaranty.cli, its function), in the order ``--help``
#: lists them
SOURCES: dict[str, tuple[str, str]] = {
    "validate": ("files", "validate"),
    "show": ("files", "show"),
    "scenarios": ("files", "scenarios_cmd"),
    "forecast": ("negotiation", "forecast_cmd"),
    "backtest": ("negotiation", "backtest_cmd"),
    "credibility": ("credibility", "credibility_cmd"),
    "war": ("war", "war_cmd"),
    "backtest-war": ("war", "backtest_war_cmd"),
    "run": ("runs", "run_cmd"),
    "runs": ("runs", "runs_cmd"),
    "export": ("stored", "export_cmd"),
    "report": ("stored", "report_cmd"),
    "claims": ("claims", "claims_cmd"),
    "sweep": ("sweep", "sweep_cmd"),
    "analyze": ("analyze", "analyze"),
    "serve": ("serve", "serve"),
}


def load(name: str) -> Callable[..., None]:
    """The function of command ``name`` (its module imported now)."""
    module, attr = SOURCES[name]
    return getattr(importlib.import_module(f"guaranty.cli.{module}"), attr)


def _short_help(fn: Callable[..., None]) -> str:
    """The first paragraph of ``fn``'s docstring on one line: the line ``--help`` lists
    (Rich would keep the docstring's own line breaks there, and wrap a second time)."""
    first = (fn.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(first.replace("``", "").split())


def register(group: typer.Typer, name: str, fn: Callable[..., None]) -> None:
    """Register ``fn`` as command ``name`` of ``group``, behind the error boundary."""
    from guaranty.cli.common import handles_errors

    group.command(name, short_help=_short_help(fn))(handles_errors(fn))


def group_for(name: str) -> typer.Typer:
    """The ``guaranty`` group with command ``name`` alone."""
    from guaranty.cli.common import new_app

    group = new_app()
    register(group, name, load(name))
    return group


def main() -> None:
    """Entry point of the ``guaranty`` command line (ends with ``SystemExit``)."""
    name = sys.argv[1] if len(sys.argv) > 1 else None
    if name in SOURCES:
        group_for(name)()
        return
    from guaranty.cli.common import new_app

    group = new_app()  # every command, as guaranty.cli.commands registers them on its app
    for each in SOURCES:
        register(group, each, load(each))
    group()
