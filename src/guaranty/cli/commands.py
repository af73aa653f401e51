"""The ``guaranty`` command line assembled: every command registered on the Typer app, in
the order ``--help`` lists them, each behind the error boundary
(:func:`~guaranty.cli.common.handles_errors`), and :func:`main`. The package
:mod:`guaranty.cli` hands out these names on first use (see its docstring)."""

from __future__ import annotations

from collections.abc import Callable

from guaranty.cli.analyze import analyze
from guaranty.cli.claims import claims_cmd
from guaranty.cli.common import app, handles_errors
from guaranty.cli.credibility import credibility_cmd
from guaranty.cli.files import scenarios_cmd, show, validate
from guaranty.cli.negotiation import backtest_cmd, forecast_cmd
from guaranty.cli.runs import run_cmd, runs_cmd
from guaranty.cli.serve import serve
from guaranty.cli.stored import export_cmd, report_cmd
from guaranty.cli.sweep import sweep_cmd
from guaranty.cli.war import backtest_war_cmd, war_cmd

__all__ = ["COMMANDS", "app", "main"]

#: every command, in the order ``--help`` lists them; each one behind the error boundary
COMMANDS: dict[str, Callable[..., None]] = {
    "validate": validate,
    "show": show,
    "scenarios": scenarios_cmd,
    "forecast": forecast_cmd,
    "backtest": backtest_cmd,
    "credibility": credibility_cmd,
    "war": war_cmd,
    "backtest-war": backtest_war_cmd,
    "run": run_cmd,
    "runs": runs_cmd,
    "export": export_cmd,
    "report": report_cmd,
    "claims": claims_cmd,
    "sweep": sweep_cmd,
    "analyze": analyze,
    "serve": serve,
}


def _short_help(fn: Callable[..., None]) -> str:
    """The first paragraph of ``fn``'s docstring on one line: the line ``--help`` lists
    (Rich would keep the docstring's own line breaks there, and wrap a second time)."""
    first = (fn.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(first.replace("``", "").split())


for _name, _command in COMMANDS.items():
    app.command(_name, short_help=_short_help(_command))(handles_errors(_command))


def main() -> None:
    """Entry point of the ``guaranty`` script."""
    app()
