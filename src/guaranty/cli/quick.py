"""The commands the entry point answers before the command line's libraries load.

``guaranty validate FILE`` (and ``--json``) is the command a user runs most often and
waits on most often (in an editor, a pre-commit hook, a loop over many files): its own work
is the scenario schema's (pydantic) and the file's, and Typer with its help machinery
would add about a fifth to it. ``guaranty forecast FILE --model NAME`` (and ``--json``) of
a small file is the other: its model runs in milliseconds, and Typer took about 30 ms of
its 0.25 s. :func:`answer` takes an argument list of exactly those shapes and runs the
command with :mod:`guaranty.cli.boundary` (the same consoles, the same error reports and
exit codes as under Typer); any other shape (an option it does not know, ``--help``, a
second file) returns None, and the entry point hands the command line to Typer, which runs
the same functions (:func:`guaranty.cli.files.validate` calls :func:`validate`,
:func:`guaranty.cli.negotiation.forecast_cmd` calls
:func:`guaranty.cli.forecasting.run_forecast`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guaranty.cli.boundary import (
    err,
    nuclear_note,
    out,
    print_json,
    report_error,
    styled,
    unused_note,
)
from guaranty.cli.lazy import is_cases
from guaranty.scenario import load

if TYPE_CHECKING:
    from guaranty.scenario import CaseSet, Scenario

__all__ = ["answer", "summary", "validate"]


def summary(obj: Scenario | CaseSet) -> dict[str, Any]:
    """A short machine-readable description of a loaded file."""
    if is_cases(obj):
        return {
            "kind": "cases",
            "name": obj.name,
            "cases": len(obj.cases),
            "with_outcome": sum(1 for c in obj.cases if c.issues[0].outcome is not None),
            "actors": len({a.id for c in obj.cases for a in c.actors}),
        }
    return {
        "kind": "scenario",
        "name": obj.name,
        "actors": len(obj.actors),
        "issues": len(obj.issues),
        "positions": sum(len(v) for v in obj.positions.values()),
        "guarantees": len(obj.guarantees),
        "claims": len(obj.claims),
    }


def validate(file: Path, as_json: bool = False) -> None:
    """``guaranty validate``: check any supported file and print a summary (errors are
    raised, for the caller's error boundary to report)."""
    obj = load(file)
    if not is_cases(obj):
        from guaranty.plan import check_before_a_run

        check_before_a_run(obj)  # what a run would refuse before its first draw
    s = summary(obj)
    notes = [] if is_cases(obj) else [*nuclear_note(obj), *unused_note(obj)]
    if as_json:
        print_json({"file": str(file), "valid": True, **s, **({"notes": notes} if notes else {})})
        return
    for line in notes:
        err.print(line, markup=False)
    parts = ", ".join(
        f"{v} {k.replace('_', ' ')[: -1 if v == 1 and k.endswith('s') else None]}"
        for k, v in s.items()
        if k not in ("kind", "name")
    )
    out.print(styled(("ok", "green"), f" {file}: {s['kind']} ", (s["name"], "bold"), f" ({parts})"))


def _forecast(file: Path, model: str, as_json: bool) -> None:
    """``guaranty forecast FILE --model NAME [--json]``, every other option at its default."""
    from guaranty.cli.forecasting import run_forecast

    run_forecast(file, model, as_json=as_json)


def _validate_args(args: Sequence[str]) -> tuple[Path, bool] | None:
    """(file, as_json) if ``args`` (after ``validate``) are one file and at most ``--json``."""
    flags = [a for a in args if a.startswith("-")]
    files = [a for a in args if not a.startswith("-")]
    if len(files) != 1 or not files[0] or any(f != "--json" for f in flags) or len(flags) > 1:
        return None
    return Path(files[0]), bool(flags)


def _forecast_args(args: Sequence[str]) -> tuple[Path, str, bool] | None:
    """(file, model, as_json) if ``args`` (after ``forecast``) are one file, at most one
    ``--model NAME`` (``--model=NAME``, ``-m NAME``; the command's default, median, without
    one) and at most one ``--json``."""
    files: list[str] = []
    model: str | None = None
    as_json = False
    rest = list(args)
    while rest:
        a = rest.pop(0)
        if a == "--json" and not as_json:
            as_json = True
        elif a in ("--model", "-m") and model is None and rest and not rest[0].startswith("-"):
            model = rest.pop(0)
        elif a.startswith("--model=") and model is None and len(a) > len("--model="):
            model = a.removeprefix("--model=")
        elif a and not a.startswith("-"):
            files.append(a)
        else:  # another option, a repeated one, or one without its value: Typer's to parse
            return None
    if len(files) != 1:
        return None
    return Path(files[0]), model or "median", as_json


def answer(argv: Sequence[str]) -> int | None:
    """Run the command line ``argv`` (without the program's name) if it is one this module
    answers, and return its exit code; None if Typer must parse it."""
    if not argv or argv[0] not in ("validate", "forecast"):
        return None
    if argv[0] == "validate":
        parsed = _validate_args(argv[1:])
        if parsed is None:
            return None
        file, as_json = parsed
        run = partial(validate, file, as_json)
    else:
        wanted = _forecast_args(argv[1:])
        if wanted is None:
            return None
        file, model, as_json = wanted
        run = partial(_forecast, file, model, as_json)
    try:
        run()
    except KeyboardInterrupt:
        err.print("\naborted", markup=False)  # as the Typer route: click's newline, then ours
        return 130
    except Exception as exc:
        code = report_error(exc, as_json=as_json)
        if code is None:
            raise
        return code
    return 0
