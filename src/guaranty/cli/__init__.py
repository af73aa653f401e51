"""The ``guaranty`` command line: a thin shell over the library.

Every command takes ``--json`` for machines. Errors in the input print one paragraph to
stderr (file:line:column, field, what was expected) and exit with code 2; no traceback. Any
other exception is a bug and leaves with its traceback (exit code 1).

The package: :mod:`~guaranty.cli.common` holds the app and the plumbing (the error boundary
around each command, spinner and progress bars), :mod:`~guaranty.cli.boundary` what needs no
Typer (the consoles, JSON, the exit codes and the translation of errors),
:mod:`~guaranty.cli.options` the shared options
and :mod:`~guaranty.cli.lazy` the library's entry points, imported on first use. The
commands live by subject in :mod:`~guaranty.cli.files` (validate, show, scenarios),
:mod:`~guaranty.cli.negotiation` (forecast, backtest), :mod:`~guaranty.cli.credibility`,
:mod:`~guaranty.cli.war` (war, backtest-war), :mod:`~guaranty.cli.runs` (run, runs),
:mod:`~guaranty.cli.stored` (export, report: a stored run's files and report),
:mod:`~guaranty.cli.claims`, :mod:`~guaranty.cli.sweep` (a design matrix over the chain,
stored), :mod:`~guaranty.cli.analyze` (the main job's use case is
:mod:`guaranty.analysis`, shared with the web) and :mod:`~guaranty.cli.serve`.
:mod:`~guaranty.cli.commands` registers them (:data:`COMMANDS`) in the order ``--help``
lists them, each behind the error boundary :func:`~guaranty.cli.common.handles_errors`;
:mod:`~guaranty.cli.dispatch` holds where each command lives and the script's ``main``,
which registers only the command it runs.

The package itself loads nothing: its names (``app``, ``main``, ``COMMANDS`` and the rest of
:data:`__all__`) come from their modules on first use, so that the entry point can answer
``validate`` through :mod:`~guaranty.cli.quick` without Typer.
"""

from __future__ import annotations

import importlib
from typing import Any

#: each name the package hands out -> the module that holds it (imported on first use;
#: ``app`` from :mod:`~guaranty.cli.commands`, which registers every command on it)
_HOMES = {
    "COMMANDS": "commands",
    "app": "commands",
    "main": "dispatch",
    "handles_errors": "common",
    "HEADLINE_METRICS": "claims",
    "_interval": "credibility",
    "scenario_json": "files",
    "summary": "quick",
    "backtest": "lazy",
    "describe": "lazy",
    "forecast": "lazy",
    "forecast_cases": "lazy",
    "registry": "lazy",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """One of the command line's names (:data:`__all__`), from its module, imported on first
    use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
