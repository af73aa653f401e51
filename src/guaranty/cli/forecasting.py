"""The body of ``guaranty forecast``, without the command line's libraries: the model's
name checked against the registry, the forecast, and its JSON or its table.

:mod:`guaranty.cli.negotiation` declares the command's options for Typer and calls
:func:`run_forecast`; :mod:`guaranty.cli.quick` calls it too, before Typer loads, for the
command line a user types most (``guaranty forecast FILE --model NAME [--json]``), so that
both ways print the same and fail with the same message and exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guaranty.cli.boundary import USAGE, fail, out, print_json
from guaranty.cli.lazy import forecast, forecast_cases, is_cases, negotiable, registry
from guaranty.scenario import load

if TYPE_CHECKING:  # rich loads with the first table: --json prints none
    from rich.table import Table

__all__ = ["OUTSIDE_NOTE", "forecast_table", "known_model", "model_params", "run_forecast"]

OUTSIDE_NOTE = (
    "* the forecast at the nominal inputs lies outside the interval of the draws: they "
    "are different quantities, and a model that is not linear in its inputs (bdm's "
    "challenges, smp's coalitions switch at thresholds; extremity discounts the actors "
    "at the outermost positions, all of those tied there at the nominal inputs, rarely "
    "more than one in a draw) can put the single nominal run where few draws land."
)


#: how many issues' "had not settled" notes ``guaranty forecast`` prints below its table
UNSETTLED_SHOWN = 5


def known_model(name: str) -> Any:
    """The registered model called ``name``; an unknown name is a usage error (exit 64)."""
    from guaranty.errors import ModelError

    try:
        return registry.get(name)
    except ModelError as exc:
        raise fail(f"error: {exc}", USAGE) from None


def model_params(model: str, rounds: int | None, param: Sequence[str] = ()) -> dict[str, Any]:
    """The model's parameters from the options (``--rounds``, and ``--param NAME=VALUE``,
    each value read as its parameter's declaration says); fails early, as a usage error, on
    an unknown model name, on ``--rounds`` for a model that runs in one step, and on a
    parameter the model does not declare or a value it does not accept."""
    from guaranty.models.params import ParameterError, parse_parameters

    cls = known_model(model)
    try:
        given = parse_parameters(cls, param)
    except ParameterError as exc:
        raise fail(f"error: --param: {exc}", USAGE) from None
    if rounds is None:
        return given
    if "rounds" in given:
        raise fail("error: the rounds are given twice, by --rounds and by --param rounds=", USAGE)
    if not cls.iterative:
        iterative = [m for m in registry.available() if registry.get(m).iterative]
        raise fail(
            f"error: --rounds applies to iterative models ({', '.join(iterative) or 'none'}); "
            f"model {model!r} runs in one step",
            USAGE,
        )
    return {**given, "rounds": rounds}


def forecast_table(fc: Any, model: str, level: float) -> tuple[Table, bool]:
    """The forecast as a table, and whether a nominal forecast lies outside its interval."""
    from rich.table import Table

    from guaranty.models.params import parameters_text

    given = parameters_text(fc.params)
    t = Table(title=f"{fc.scenario}: model {model}" + (f" ({given})" if given else ""))
    drawn = any(i.interval for i in fc.issues)
    observed = any(i.observed is not None for i in fc.issues)
    columns = ["issue", "label", "at nominal inputs" if drawn else "outcome"]
    if drawn:
        columns += ["mean over draws", f"{level:.0%} interval over draws"]
    if observed:
        columns.append("observed")
    for col in columns:
        t.add_column(col)
    outside = False
    for i in fc.issues:
        mark = ""
        if i.interval and not i.interval[0] <= i.outcome <= i.interval[1]:
            mark, outside = " *", True
        row = [i.id, i.label, f"{i.outcome:.2f}{mark}"]
        if drawn:
            row.append("" if i.mean is None else f"{i.mean:.2f}")
            lo, hi = i.interval if i.interval else (None, None)
            cell = "" if lo is None else f"[{lo:.1f}, {hi:.1f}]"
            row.append(f"{lo:.1f} (no spread)" if lo is not None and lo == hi else cell)
        if observed:
            row.append("" if i.observed is None else f"{i.observed:g}")
        t.add_row(*row)
    return t, outside


def run_forecast(
    file: Path,
    model: str = "median",
    *,
    draws: int = 0,
    seed: int = 0,
    level: float = 0.9,
    rounds: int | None = None,
    as_json: bool = False,
    timing: bool = False,
    param: Sequence[str] = (),
) -> None:
    """``guaranty forecast``: the model's forecast of every issue of ``file``, printed as
    JSON or as a table (errors are raised, for the caller's error boundary to report)."""
    params = model_params(model, rounds, param)
    obj = negotiable(load(file), file)
    fc = (
        forecast_cases(obj, model, params=params)
        if is_cases(obj)
        else forecast(obj, model, draws=draws, seed=seed, level=level, params=params)
    )
    if as_json:
        print_json(fc.to_json(timing=timing))
        return
    table, outside = forecast_table(fc, model, level)
    out.print(table)
    if outside:
        out.print(OUTSIDE_NOTE)
    notes = [n for i in fc.issues if (n := i.unsettled_note(model))]
    for note in notes[:UNSETTLED_SHOWN]:
        out.print(note, markup=False)
    if len(notes) > UNSETTLED_SHOWN:
        out.print(
            f"... and {len(notes) - UNSETTLED_SHOWN} more issues where {model} had not "
            "settled (--json: `settled` and `late_rounds` of each issue).",
            markup=False,
        )
    if notes:
        from guaranty.validation import unsettled_reading

        out.print(unsettled_reading(model), markup=False)
