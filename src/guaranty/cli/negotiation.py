"""The negotiation commands: ``forecast`` (one registered model on every issue, with draws
of the uncertain inputs) and ``backtest`` (every model scored against observed outcomes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from guaranty.cli.common import fail, out, print_json, progress_bar, styled
from guaranty.cli.forecasting import known_model, run_forecast
from guaranty.cli.lazy import backtest, backtest_runs, is_cases, registry
from guaranty.cli.options import DrawsOpt, FileArg, JsonOpt, ModelOpt, SeedOpt
from guaranty.scenario import load

if TYPE_CHECKING:  # rich loads with the first table: --json prints none
    from rich.table import Table


def forecast_cmd(
    file: FileArg,
    model: ModelOpt = "median",
    draws: DrawsOpt = 0,
    seed: SeedOpt = 0,
    level: Annotated[float, typer.Option(min=0.5, max=0.999, help="Interval level.")] = 0.9,
    rounds: Annotated[
        int | None,
        typer.Option("--rounds", min=1, max=1000, help="Rounds of an iterative model (bdm, ...)."),
    ] = None,
    as_json: JsonOpt = False,
    timing: Annotated[
        bool,
        typer.Option(
            "--timing",
            help="With --json: add the seconds the model's kernel took (not reproducible, so "
            "left out unless asked).",
        ),
    ] = False,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            metavar="NAME=VALUE",
            help="A parameter of the model (repeatable), e.g. --param move_sum=absolute; "
            "docs/models/ lists each model's.",
        ),
    ] = None,
) -> None:
    """Forecast the outcome of every issue with a registered negotiation model.

    Iterative models (bdm, ...) add each round's median, mean and every actor's position.
    """
    run_forecast(
        file,
        model,
        draws=draws,
        seed=seed,
        level=level,
        rounds=rounds,
        as_json=as_json,
        timing=timing,
        param=param or (),
    )


def _backtest_params(items: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``--param MODEL.NAME=VALUE`` of ``guaranty backtest``, per model; a model that is not
    scored, or a parameter it does not declare or a value it does not accept, is a usage
    error."""
    from guaranty.cli.boundary import USAGE
    from guaranty.models.params import ParameterError, parse_parameters

    grouped: dict[str, list[str]] = {}
    for item in items:
        model, dot, rest = item.partition(".")
        if not dot or "=" in model:
            raise fail(f"error: --param: cannot read {item!r}; expected MODEL.NAME=VALUE", USAGE)
        if model not in names:
            raise fail(
                f"error: --param {item!r}: model {model!r} is not scored here "
                f"(scored: {', '.join(dict.fromkeys(names))})",
                USAGE,
            )
        grouped.setdefault(model, []).append(rest)
    out: dict[str, dict[str, Any]] = {}
    for model, texts in grouped.items():
        try:
            out[model] = parse_parameters(registry.get(model), texts)
        except ParameterError as exc:
            raise fail(f"error: --param: {exc}", USAGE) from None
    return out


def _difference(diff: tuple[float, tuple[float, float]] | None) -> str:
    """A difference of mean absolute errors with its interval, as a table cell."""
    if diff is None:
        return ""
    d, (lo, hi) = diff
    return f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def _scores_table(
    obj: Any,
    scores: dict[str, Any],
    n: int,
    naive: dict[str, Any] | None = None,
    against: dict[str, dict[str, tuple[float, tuple[float, float]]]] | None = None,
) -> Table:
    """The scores as a table, best first: one row per model and way it was run; then, below
    a line, the forecasts without a model (``naive``) to read them against. ``against``
    (forecast without a model -> run key -> (MAE difference, interval)) adds a column per
    such forecast: each run's MAE minus its."""
    from rich.table import Table

    against = against or {}
    t = Table(title=f"{obj.name}: {n} issues with an observed outcome")
    for col in ("model", "run", "MAE", "95% interval", "median AE", "within 10"):
        t.add_column(col)
    for ref in against:
        t.add_column(f"minus {ref} [95%]")
    groups = [scores, naive or {}]
    for g, group in enumerate(groups):
        ranked = sorted(group.items(), key=lambda kv: kv[1].mae)
        for k, (key, sc) in enumerate(ranked):
            diffs = [_difference(rows.get(key)) if g == 0 else "" for rows in against.values()]
            t.add_row(
                sc.model,
                sc.run,
                f"{sc.mae:.2f}",
                f"[{sc.mae_ci[0]:.2f}, {sc.mae_ci[1]:.2f}]",
                f"{sc.median_ae:.2f}",
                f"{sc.within10:.1%}",
                *diffs,
                end_section=g == 0 and k == len(ranked) - 1 and bool(naive),
            )
    return t


def _unsettled_lines(scores: dict[str, Any], unsettled: dict[str, dict[str, Any]]) -> list[str]:
    """One sentence per entry of :func:`guaranty.validation.unsettled_record`."""
    from guaranty.pipeline import SETTLED_SHARE

    lines = []
    for key, u in unsettled.items():
        sc = scores[key]
        text = (
            f"{sc.model} ({sc.run}) had not settled on {u['issues']} of {sc.n} issues (over "
            f"the last half of its rounds its forecast moved by more than {SETTLED_SHARE:.0%} "
            f"of the scale): MAE {u['mae']:.2f} there"
        )
        if u["difference"] is not None:
            d, (lo, hi) = u["difference"]["mae"], u["difference"]["interval"]
            text += (
                f", {u['mae_settled']:.2f} on the others (difference {d:+.2f}, 95% interval "
                f"[{lo:+.2f}, {hi:+.2f}])"
            )
        lines.append(text + ".")
    return lines


def backtest_cmd(
    file: Annotated[Path, typer.Argument(help="Cases with observed outcomes (DEU III .tsv).")],
    models: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            "--models",
            help="Model names, comma-separated (default: all); --models is the old spelling.",
        ),
    ] = None,
    seed: SeedOpt = 0,
    boot: Annotated[int, typer.Option("--boot", min=100, help="Bootstrap resamples.")] = 2000,
    per_proposal: Annotated[
        str,
        typer.Option(
            "--per-proposal",
            help="Comma-separated models also run per proposal, its issues negotiated "
            "together ('' for none).",
        ),
    ] = "exchange,bdm,smp,nash",
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a report with plots here.")
    ] = None,
    as_json: JsonOpt = False,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            metavar="MODEL.NAME=VALUE",
            help="A parameter of one model (repeatable), e.g. --param "
            "exchange.move_sum=absolute; docs/models/ lists each model's.",
        ),
    ] = None,
) -> None:
    """Score models against real outcomes: MAE (with a bootstrap 95% interval), median
    absolute error and the share of issues within 10 points.

    The multi-issue models (``--per-proposal``: exchange, bdm, smp, nash) run twice on DEU III:
    per proposal (its issues negotiated together) and per issue; the others per issue."""
    names = [m.strip() for m in models.split(",") if m.strip()] if models else None
    grouped = [m.strip() for m in per_proposal.split(",") if m.strip()]
    for name in [*(names or []), *grouped]:
        known_model(name)
    obj = load(file)
    if not is_cases(obj):
        raise fail(
            f"error: {file}: backtest needs cases with observed outcomes (a DEU III .tsv file); "
            "this file is a single scenario"
        )
    names = names or registry.available()
    from guaranty.models.params import parameters_json, parameters_text

    params = _backtest_params(param or (), names)  # only the models -m names are scored
    total = sum(1 for c in obj.cases if c.issues[0].outcome is not None) * len(
        backtest_runs(obj, names, per_proposal=grouped)
    )
    with progress_bar(quiet=as_json) as bar:
        task = bar.add_task("backtest", total=total)
        scores = backtest(
            obj,
            names,
            seed=seed,
            boot=boot,
            progress=lambda name, k: bar.update(task, advance=k, description=name),
            per_proposal=grouped,
            params=params,
        )
    if report is not None:
        from guaranty.report import write_report

        write_report(obj, scores, report, source=file, seed=seed, draws=0)
    from guaranty.pipeline import NAIVE_FORECASTS, naive_backtest
    from guaranty.scenario.formats import groupable
    from guaranty.validation import against_reference

    n = next(iter(scores.values())).n
    naive = naive_backtest(obj, seed=seed, boot=boot)
    errors = {k: v.errors for k, v in scores.items()}
    against = {
        ref: against_reference(obj, errors, naive[ref].errors, boot=boot, seed=seed)
        for ref in naive
    }
    unit = "proposals" if groupable(obj) else "issues"  # what the bootstrap resamples
    from guaranty.validation import unsettled_record

    unsettled = unsettled_record(obj, scores, boot=boot, seed=seed)
    from guaranty.validation import track_record

    record = track_record()
    # the models scored with defaults fitted on DEU III's development half: name -> their
    # cross-validated MAE there
    fitted = {
        name: held
        for name, held in record["cross_validated"].items()
        if name in scores and name not in params
    }
    if as_json:
        print_json(
            {
                "n": n,
                "models": {
                    k: {kk: vv for kk, vv in v.to_json().items() if kk != "n"}
                    | {
                        "minus_without_model": {
                            ref: {"mae": rows[k][0], "interval": list(rows[k][1])}
                            for ref, rows in against.items()
                        }
                    }
                    | (
                        {"defaults_fitted_on_deu3_dev": True, "cross_validated_mae": fitted[k]}
                        if k in fitted
                        else {}
                    )
                    | ({"unsettled": unsettled[k]} if k in unsettled else {})
                    for k, v in scores.items()
                },
                "resampled": unit,
                **(
                    {"params": {m: parameters_json(g) for m, g in params.items()}} if params else {}
                ),
                "without_model": {
                    k: {kk: vv for kk, vv in v.to_json().items() if kk not in ("n", "model")}
                    | {"forecast": NAIVE_FORECASTS[k]}
                    for k, v in naive.items()
                },
            }
        )
        return
    out.print(_scores_table(obj, scores, n, naive, against))
    for line in _unsettled_lines(scores, unsettled):
        out.print(line)
    if params:
        out.print(
            "Parameters given (the rest keep their defaults): "
            + "; ".join(f"{m}: {parameters_text(given)}" for m, given in params.items())
            + "."
        )
    for name, held in fitted.items():
        out.print(
            f"{name}: its default parameters were fitted on the {record['n']} issues of "
            "DEU III's development half, so on those issues its figures above are in "
            f"sample; cross-validated there its MAE is {held:.2f} (docs/validation.md)."
        )
    out.print(
        "Below the line, forecasts without a model: "
        + "; ".join(f"{k}: {v}" for k, v in NAIVE_FORECASTS.items())
        + f". 'minus': a run's MAE minus theirs on the same issues, with a 95% bootstrap "
        f"interval resampling {unit} (below 0: the model does better; docs/validation.md)."
    )
    if report is not None:
        out.print(styled("report written: ", (str(report / "report.html"), "bold")))
