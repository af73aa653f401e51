"""The ``guaranty`` command line: a thin shell over the library.

Every command takes ``--json`` for machines. Errors in the input print one paragraph to
stderr (file:line:column, field, what was expected) and exit with code 2; no traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from guaranty.errors import GuarantyError, disk_problem
from guaranty.scenario import load

if TYPE_CHECKING:
    from guaranty.scenario import CaseSet, Scenario

app = typer.Typer(
    name="guaranty",
    help="Security guarantees and negotiated war endings as explicit, testable numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


# The models and the pipeline (numpy, scipy) are imported when a command needs them, so that
# `--version`, `--help` and `validate` start quickly.
class _Registry:
    """guaranty.models.registry, imported on first use."""

    def __getattr__(self, name: str) -> Any:
        from guaranty.models import registry as real

        return getattr(real, name)


registry: Any = _Registry()


def _is_cases(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`CaseSet` (imported here: the schema loads lazily)."""
    from guaranty.scenario.formats import CaseSet as _CaseSet

    return isinstance(obj, _CaseSet)


def describe(value: Any) -> str:
    """guaranty.scenario.schema.describe (imported on first use)."""
    from guaranty.scenario.schema import describe as real

    return real(value)


def _negotiable(obj: Any, file: Path) -> Any:
    """``obj``, checked to give every issue a position if it is a scenario (a scenario that
    has none validates, for credibility alone, but a negotiation model has nothing to
    weigh): otherwise a one-paragraph error naming the file and the issue."""
    from guaranty.scenario import Scenario as _Scenario

    if isinstance(obj, _Scenario):
        try:
            obj.require_positions()
        except GuarantyError as exc:
            raise _fail(f"error: {file}: {exc}") from None
    return obj


def forecast(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.forecast (imported on first use)."""
    from guaranty.pipeline import forecast as real

    return real(*args, **kwargs)


def forecast_cases(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.forecast_cases (imported on first use)."""
    from guaranty.pipeline import forecast_cases as real

    return real(*args, **kwargs)


def backtest(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.backtest (imported on first use)."""
    from guaranty.pipeline import backtest as real

    return real(*args, **kwargs)


F = TypeVar("F", bound=Callable[..., Any])

FileArg = Annotated[
    Path,
    typer.Argument(
        help="A scenario: .yaml, BDM/KTAB .csv, DEU III .tsv, or a decide exchange file.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(message, markup=False)
    return typer.Exit(code)


def _one_paragraph(text: str) -> str:
    return " ".join(str(text).split())


def _os_error(exc: OSError) -> str:
    """An OS error guaranty did not foresee (a full disk, a read-only folder) as one line
    with what to do."""
    kind = disk_problem(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    hint = {
        "full": " Free some space, or write to another disk.",
        "read-only": " Write to a folder you can write to.",
    }.get(kind, "")
    return f"{where}{reason}.{hint}"


def handles_errors(fn: F) -> F:
    """Turn guaranty's errors (and bad option values, and the file system's errors: a full
    disk, a read-only folder, a damaged results store) into one paragraph and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GuarantyError as exc:
            raise _fail(f"error: {exc}") from None
        except ValueError as exc:
            raise _fail(f"error: {exc}") from None
        except OSError as exc:
            raise _fail(f"error: {_one_paragraph(_os_error(exc))}") from None
        except Exception as exc:
            # DuckDB's own errors, should one slip past the store's translation
            if type(exc).__module__.split(".")[0] not in ("duckdb", "_duckdb"):
                raise
            raise _fail(f"error: the results store failed: {_one_paragraph(str(exc))}") from None

    return wrapper  # type: ignore[return-value]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def _version(value: bool) -> None:
    if value:
        from guaranty import __version__

        out.print(f"guaranty {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Security guarantees and negotiated war endings as explicit, testable numbers."""


def summary(obj: Scenario | CaseSet) -> dict[str, Any]:
    """A short machine-readable description of a loaded file."""
    if _is_cases(obj):
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


@app.command()
@handles_errors
def validate(file: FileArg, as_json: JsonOpt = False) -> None:
    """Check any supported file and print a summary."""
    s = summary(load(file))
    if as_json:
        _print_json({"file": str(file), "valid": True, **s})
        return
    parts = ", ".join(
        f"{v} {k.replace('_', ' ')}" for k, v in s.items() if k not in ("kind", "name")
    )
    out.print(f"[green]ok[/green] {file}: {s['kind']} [bold]{s['name']}[/bold] ({parts})")


def scenario_json(s: Scenario) -> dict[str, Any]:
    return s.model_dump(mode="json", exclude_none=True)


@app.command()
@handles_errors
def show(file: FileArg, as_json: JsonOpt = False) -> None:
    """Show actors, issues, positions, guarantee designs and claims as tables."""
    obj = load(file)
    if _is_cases(obj):
        if as_json:
            _print_json({**summary(obj), "cases": [scenario_json(c) for c in obj.cases]})
            return
        t = Table(title=f"{obj.name}: {len(obj.cases)} cases")
        for col in ("case", "label", "actors", "reference point", "outcome"):
            t.add_column(col)
        for c in obj.cases:
            i = c.issues[0]
            t.add_row(
                c.name,
                i.label,
                str(len(c.positions)),
                "" if i.reference_point is None else f"{i.reference_point:g}",
                "" if i.outcome is None else f"{i.outcome:g}",
            )
        out.print(t)
        return
    if as_json:
        _print_json(scenario_json(obj))
        return
    out.print(f"[bold]{obj.name}[/bold]" + (f" — {obj.description}" if obj.description else ""))
    t = Table(title="Actors")
    for col in ("id", "name", "COW", "capability", "nuclear", "roles"):
        t.add_column(col)
    for a in obj.actors:
        roles = ", ".join(r.value for r in a.roles)
        if a.members:
            roles += f" ({len(a.members)} members)"
        t.add_row(
            a.id,
            a.name,
            "" if a.cow is None else str(a.cow),
            describe(a.capability_value),
            "yes" if a.nuclear else "",
            roles,
        )
    out.print(t)
    t = Table(title="Issues")
    for col in ("id", "label", "scale", "anchors"):
        t.add_column(col)
    for i in obj.issues:
        anchors = "; ".join(f"{k:g}: {v}" for k, v in sorted(i.anchors.items()))
        t.add_row(i.id, i.label, f"[{i.scale[0]:g}, {i.scale[1]:g}]", anchors)
    out.print(t)
    t = Table(title="Positions (position / salience)")
    t.add_column("actor")
    for i in obj.issues:
        t.add_column(i.id)
    for a in obj.actors:
        cells = []
        for i in obj.issues:
            e = obj.position(a.id, i.id)
            cells.append("—" if e is None else f"{describe(e.position)} / {describe(e.salience)}")
        t.add_row(a.id, *cells)
    out.print(t)
    if obj.guarantees:
        t = Table(title="Guarantee designs")
        for col in ("id", "label", "guarantors", "obligations", "legal form", "years", "level"):
            t.add_column(col)
        for d in obj.guarantees:
            t.add_row(
                d.id,
                d.label + ("" if d.realistic else " (dismissed)"),
                ", ".join(d.guarantors),
                ", ".join(o.value for o in d.obligations),
                d.legal_form.value,
                describe(d.years_to_effect),
                describe(d.level),
            )
        out.print(t)
    if obj.claims:
        t = Table(title="Claims")
        for col in ("id", "who", "claim", "checkable statement"):
            t.add_column(col)
        for c in obj.claims:
            t.add_row(c.id, c.who, c.paraphrase, c.statement or "(pending)")
        out.print(t)


ModelOpt = Annotated[str, typer.Option("--model", "-m", help="A registered model name.")]
DrawsOpt = Annotated[
    int,
    typer.Option(
        "--draws", min=0, help="Monte Carlo draws of the uncertain inputs (0: nominal values only)."
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the random draws.")]


@app.command("forecast")
@handles_errors
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
) -> None:
    """Forecast the outcome of every issue with a registered negotiation model.

    Iterative models (bdm, ...) add each round's median, mean and every actor's position.
    """
    cls = registry.get(model)  # fail early on an unknown name
    params: dict[str, Any] = {}
    if rounds is not None:
        if not cls.iterative:
            iterative = [m for m in registry.available() if registry.get(m).iterative]
            raise _fail(
                f"error: --rounds applies to iterative models ({', '.join(iterative) or 'none'}); "
                f"model {model!r} runs in one step"
            )
        params["rounds"] = rounds
    obj = _negotiable(load(file), file)
    fc = (
        forecast_cases(obj, model, params=params)
        if _is_cases(obj)
        else forecast(obj, model, draws=draws, seed=seed, level=level, params=params)
    )
    if as_json:
        _print_json(fc.to_json())
        return
    t = Table(title=f"{fc.scenario}: model {model}")
    drawn = any(i.interval for i in fc.issues)
    for col in ("issue", "label", "at nominal inputs" if drawn else "outcome"):
        t.add_column(col)
    extra_cols = []
    if drawn:
        extra_cols.append("mean over draws")
        extra_cols.append(f"{level:.0%} interval over draws")
    if any(i.observed is not None for i in fc.issues):
        extra_cols.append("observed")
    for col in extra_cols:
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
        if "observed" in extra_cols:
            row.append("" if i.observed is None else f"{i.observed:g}")
        t.add_row(*row)
    out.print(t)
    if outside:
        out.print(
            "* the forecast at the nominal inputs lies outside the interval of the draws: they "
            "are different quantities, and a model that is not linear in its inputs (bdm's "
            "challenges, smp's coalitions switch at thresholds) can put the single nominal "
            "run where few draws land."
        )


@app.command("backtest")
@handles_errors
def backtest_cmd(
    file: Annotated[Path, typer.Argument(help="Cases with observed outcomes (DEU III .tsv).")],
    models: Annotated[
        str | None, typer.Option("--models", help="Comma-separated model names (default: all).")
    ] = None,
    seed: SeedOpt = 0,
    boot: Annotated[int, typer.Option("--boot", min=100, help="Bootstrap resamples.")] = 2000,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a report with plots here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score models against real outcomes: MAE (with a bootstrap 95% interval), median
    absolute error and the share of issues within 10 points."""
    names = [m.strip() for m in models.split(",") if m.strip()] if models else None
    for name in names or []:
        registry.get(name)
    obj = load(file)
    if not _is_cases(obj):
        raise _fail(
            f"error: {file}: backtest needs cases with observed outcomes (a DEU III .tsv file); "
            "this file is a single scenario"
        )
    names = names or registry.available()
    total = sum(1 for c in obj.cases if c.issues[0].outcome is not None) * len(names)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as bar:
        task = bar.add_task("backtest", total=total)
        scores = backtest(
            obj,
            names,
            seed=seed,
            boot=boot,
            progress=lambda name, k: bar.update(task, advance=k, description=name),
        )
    if report is not None:
        from guaranty.report import write_report

        write_report(obj, scores, report, source=file, seed=seed, draws=0)
    n = next(iter(scores.values())).n
    if as_json:
        _print_json(
            {
                "n": n,
                "models": {
                    k: {kk: vv for kk, vv in v.to_json().items() if kk != "n"}
                    for k, v in scores.items()
                },
            }
        )
        return
    t = Table(title=f"{obj.name}: {n} issues with an observed outcome")
    for col in ("model", "MAE", "95% interval", "median AE", "within 10"):
        t.add_column(col)
    for name, sc in sorted(scores.items(), key=lambda kv: kv[1].mae):
        t.add_row(
            name,
            f"{sc.mae:.2f}",
            f"[{sc.mae_ci[0]:.2f}, {sc.mae_ci[1]:.2f}]",
            f"{sc.median_ae:.2f}",
            f"{sc.within10:.1%}",
        )
    out.print(t)
    if report is not None:
        out.print(f"report written: [bold]{report / 'report.html'}[/bold]")


@app.command("credibility")
@handles_errors
def credibility_cmd(
    file: FileArg,
    draws: Annotated[int, typer.Option("--draws", min=100, help="Outer draws.")] = 2000,
    seed: SeedOpt = 0,
    explain: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--explain",
            metavar="DESIGN GUARANTOR",
            help="Show which terms move one guarantor's probability under a design.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """P(fight tomorrow | not fighting today) for every design and guarantor, with the
    probability that at least one / all fight, and the probability of a renewed attack
    within the horizon and of being attacked and abandoned (two stages fitted to history)."""
    from guaranty import credibility as cr

    obj = load(file)
    if _is_cases(obj):
        raise _fail(f"error: {file}: credibility needs a scenario with guarantee designs")
    if explain is not None:
        info = cr.explain(obj, *explain)
        if as_json:
            _print_json(info)
            return
        out.print(f"[bold]{info['design']}[/bold], guarantor [bold]{info['guarantor']}[/bold]")
        if "by_construction" in info:
            out.print(info["by_construction"])
            return
        today = ", ".join(k for k, v in info["today"].items() if v) or "no commitment"
        out.print(
            f"today: {today}; b(today) = {info['b_today']:+.2f}, b(design) = "
            f"{info['b_design']:+.2f} (log-odds of fighting, from history); persistence of "
            f"resolve {info['persistence']:.2f} (estimated)"
        )
        t = Table(title="Terms of b(design) - b(today), at the posterior mode")
        for col in ("term", "log-odds", "P(fight) without it"):
            t.add_column(col)
        for name, value in info["terms"].items():
            t.add_row(name, f"{value:+.2f}", f"{info['p_without_term'][name]:.3f}")
        out.print(t)
        if info["no_counterpart"]:
            out.print(
                "no historical counterpart (effect drawn from N(0, 1) in the full run): "
                + ", ".join(info["no_counterpart"])
            )
        out.print(
            f"P(fight tomorrow | not fighting today) at the posterior mode: "
            f"[bold]{info['p_honor_at_mean']:.3f}[/bold]"
        )
        return
    result = cr.assess(obj, draws=draws, seed=seed)
    if as_json:
        _print_json(result.to_json())
        return
    h = result.horizon
    t = Table(
        title=f"{obj.name}: P(fight tomorrow | not fighting today), and a renewed attack "
        f"within {h} years; mean [90% interval]"
    )
    for col in ("design", "guarantor", "P(fight)", "interval"):
        t.add_column(col)
    for d in result.designs:
        j = d.to_json()
        if not d.guarantors:
            t.add_row(d.design.id, "(no guarantor)", "", "")
        for g, v in j["guarantors"].items():
            note = " (by construction)" if "by_construction" in v else ""
            t.add_row(d.design.id, g + note, f"{v['p_honor']:.3f}", _interval(v["ci"], note))
        if d.guarantors:
            t.add_row(
                "",
                "[i]at least one / all[/i]",
                f"{j['p_any']:.3f} / {j['p_all']:.3f}",
                f"[{j['p_any_ci'][0]:.3f}, {j['p_any_ci'][1]:.3f}]",
            )
        ci = j[f"p_attack_{h}y_ci"]
        t.add_row(
            "",
            f"[i]attacked within {h} y / and abandoned[/i]",
            f"{j[f'p_attack_{h}y']:.3f} / {j[f'p_abandoned_{h}y']:.3f}",
            f"[{ci[0]:.3f}, {ci[1]:.3f}]",
            end_section=True,
        )
    out.print(t)


def _defaults_note(obj: Any) -> list[str]:
    """What a scenario inherits: the neutral war defaults it does not override, the war
    parameters drawn from the fit to the COW wars, and the optional sections it lacks."""
    from guaranty.war import FITTED, inherited

    lines = []
    if obj.war is not None:
        inh = inherited(obj)
        if inh:
            values = ", ".join(f"{k}={v:g}" for k, v in sorted(inh.items()))
            lines.append(
                f"note: the war inherits neutral defaults it does not give: {values} "
                "(docs/models/war.md)"
            )
        fitted = sorted(k for k in FITTED if k not in obj.war.parameters)
        if fitted:
            lines.append(
                "note: drawn from the war model's fit to the COW wars 1816-2007: "
                + ", ".join(fitted)
            )
    missing = {
        "war": "the war and the chain from the war to the peace do not run",
        "credibility": "no guarantor's credibility is estimated",
        "deterrence": "renewed attacks are compared over 10 years",
    }
    for section, what in missing.items():
        if getattr(obj, section) is None:
            lines.append(f"note: no '{section}' section: {what}")
    if not obj.guarantees:
        lines.append("note: no guarantee designs: nothing to compare")
    return lines


def _interval(ci: Sequence[float], note: str = "") -> str:
    """A 90% interval as text; one of zero width is labelled as such (a value fixed by
    construction, or held by at least 95% of the draws)."""
    lo, hi = ci
    if lo == hi:
        return "fixed: 0 by construction" if note else f"{lo:.3f} in >= 95% of draws"
    return f"[{lo:.3f}, {hi:.3f}]"


@app.command("war")
@handles_errors
def war_cmd(
    file: FileArg,
    draws: Annotated[int, typer.Option("--draws", min=1, help="Draws of the war.")] = 2000,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Simulate the scenario's war: how it ends (a settlement, a decisive win, a ceasefire
    that leaves the issues open, or still fighting at the horizon), when, and where the line
    runs; ``--json`` adds the month-by-month share still fighting and the line."""
    from guaranty.war import run_war

    obj = load(file)
    if _is_cases(obj):
        raise _fail(f"error: {file}: the war needs a scenario with a 'war' section")
    for line in _defaults_note(obj):
        err.print(line)
    summary = run_war(obj, draws=draws, seed=seed, keep_paths=as_json)
    data = summary.to_json()
    if as_json:
        _print_json(data)
        return
    labels = {
        "settlement": "settlement (terms inside both sides' acceptance sets)",
        "decisive_a": "decisive (side A wins)",
        "decisive_b": "decisive (side B wins)",
        "frozen": "frozen (ceasefire, issues left open)",
        "ongoing": "still fighting at the horizon",
    }
    t = Table(title=f"{obj.name}: how the war ends ({draws} draws)")
    for col in ("outcome", "share"):
        t.add_column(col)
    for name, share in data["outcomes"].items():
        t.add_row(labels.get(name, name), f"{share:.1%}")
    out.print(t)
    em, fr = data["end_month"], data["front"]
    if em["median"] is not None:
        out.print(
            f"month the fighting stops (wars that stop): median {em['median']:.0f}, "
            f"90% interval {em['interval'][0]:.0f}-{em['interval'][1]:.0f}"
        )
    out.print(
        f"front at the end: median {fr['median']:.1f}, "
        f"90% interval {fr['interval'][0]:.1f}-{fr['interval'][1]:.1f}"
    )


@app.command("backtest-war")
@handles_errors
def backtest_war_cmd(
    folds: Annotated[
        int, typer.Option("--folds", min=2, help="Folds of the cross-validation by war.")
    ] = 10,
    thetas: Annotated[
        int,
        typer.Option("--thetas", min=16, help="Prior draws of the calibrated parameters."),
    ] = 2048,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write the survival curves (model and data) as HTML."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score the war model out of sample on the COW inter-state wars 1816-2007, grouped by
    war, against the base rates: how the war ends (multiclass Brier) and how long it lasts
    (CRPS, interval coverage). Simulates every war under every prior draw (about 3 minutes
    at the defaults on 2 cores)."""
    from guaranty.warfit import FIT_SETTINGS, backtest, fit_war

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("simulating the wars", total=thetas)
        fit = fit_war(thetas=thetas, progress=lambda k: bar.update(task, completed=k))
    res = backtest(fit, folds=folds, seed=FIT_SETTINGS["seed"])
    if plot is not None:
        _write_survival_plot(res, plot)
    if as_json:
        _print_json(res)
        return
    o, d = res["outcome"], res["duration"]
    t = Table(title=f"War model out of sample: {res['n']} COW wars, {folds} folds by war")
    for col in ("score", "model", "base rate"):
        t.add_column(col)
    t.add_row(
        "outcome: multiclass Brier (lower is better)",
        f"{o['brier']:.4f}",
        f"{o['brier_base_rate']:.4f}",
    )
    t.add_row(
        "duration: CRPS, calendar years (lower is better)",
        f"{d['crps']:.4f}",
        f"{d['crps_base_rate']:.4f}",
    )
    t.add_row("duration: coverage of the 50% interval", f"{d['coverage50']:.1%}", "")
    t.add_row("duration: coverage of the 90% interval", f"{d['coverage90']:.1%}", "")
    out.print(t)


def _write_survival_plot(res: dict, path: Path) -> None:
    """The backtest's survival curves: calendar years (COW wars; data and held-out model)
    and months (UCDP war episodes since 1946 against the model's COW wars since 1946)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    s, m = res["duration"]["survival"], res["months"]
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[
            f"Still fighting after k calendar years ({res['n']} COW wars 1816-2007)",
            f"Still fighting after m months (wars since 1946; UCDP: {m['ucdp_wars']} episodes)",
        ],
    )
    years = [0, *s["years"]]
    for col, x, data, model, label, color in (
        (1, years, [1.0, *s["data"]], [1.0, *s["model"]], "COW wars", "#1f77b4"),
        (2, m["months"], m["ucdp_kaplan_meier"], m["model"], "UCDP war episodes", "#2ca02c"),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=data,
                mode="lines",
                line={"shape": "hv", "color": color},
                name=f"{label} (Kaplan-Meier)",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=model,
                mode="lines",
                line={"shape": "hv", "color": "#d62728"},
                name="model, held out",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
    fig.update_layout(template="plotly_white", height=420, legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title_text="calendar years touched", row=1, col=1)
    fig.update_xaxes(title_text="months", row=1, col=2)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    tmp = path.with_name(path.name + ".tmp")
    fig.write_html(tmp, include_plotlyjs=True)
    tmp.replace(path)


StoreOpt = Annotated[
    Path, typer.Option("--store", help="The DuckDB results store (created if missing).")
]


@app.command("run")
@handles_errors
def run_cmd(
    file: FileArg,
    draws: Annotated[int, typer.Option("--draws", min=1, help="Draws of the pipeline.")] = 10000,
    seed: SeedOpt = 0,
    workers: Annotated[
        int,
        typer.Option("--workers", min=0, help="Worker processes (0: the CPU count, at most 8)."),
    ] = 0,
    store: StoreOpt = Path("guaranty.duckdb"),
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Draws per chunk (a multiple of 1000).")
    ] = 5000,
    as_json: JsonOpt = False,
) -> None:
    """Run the whole chain (war, settlement, design, credibility, deterrence, durability) over
    many draws and keep every draw in a DuckDB store. Interrupted runs resume where they
    stopped; the same seed gives the same rows whatever the workers or chunk size."""
    import os

    from guaranty.runner import run

    obj = _negotiable(load(file), file)
    if _is_cases(obj):
        raise _fail(f"error: {file}: the pipeline needs a scenario (.yaml), not a case file")
    workers = workers or min(os.cpu_count() or 1, 8)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as bar:
        task = bar.add_task("draws", total=draws, rate="")
        started: dict[str, float] = {}

        def progress(done: int, total: int) -> None:
            import time

            now = time.perf_counter()
            if "t" not in started:
                started.update(t=now, done=done)
            elapsed = now - started["t"]
            rate = (done - started["done"]) / elapsed if elapsed > 0 else 0.0
            bar.update(task, completed=done, rate=f"{rate:,.0f} draws/s" if rate else "")

        summary = run(
            obj,
            draws=draws,
            seed=seed,
            store=store,
            workers=workers,
            chunk_size=chunk_size,
            source=str(file),
            progress=progress,
        )
    data = {
        "run_id": summary.run_id,
        "store": summary.store,
        "draws": summary.draws,
        "computed": summary.computed,
        "seconds": round(summary.seconds, 3),
        "workers": workers,
    }
    if as_json:
        _print_json(data)
        return
    reused = summary.draws - summary.computed
    out.print(
        f"run [bold]{summary.run_id}[/bold]: {summary.draws:,} draws in {summary.store} "
        f"({summary.computed:,} computed in {summary.seconds:.1f} s"
        + (f", {reused:,} already stored" if reused else "")
        + ")"
    )


@app.command("runs")
@handles_errors
def runs_cmd(store: StoreOpt = Path("guaranty.duckdb"), as_json: JsonOpt = False) -> None:
    """List the runs in a results store."""
    from guaranty.store import Store

    if not store.exists():
        raise _fail(f"error: {store}: no such results store")
    with Store(store, read_only=True) as st:
        rows = st.runs()
    if as_json:
        _print_json(
            [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                for r in rows
            ]
        )
        return
    t = Table(title=f"runs in {store}")
    for col in ("run", "scenario", "seed", "draws", "stored", "model", "status", "version"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r["run_id"],
            r["scenario"],
            str(r["seed"]),
            f"{r['draws']:,}",
            f"{r['stored']:,}",
            r["model"],
            r["status"],
            r["version"],
        )
    out.print(t)


@app.command("claims")
@handles_errors
def claims_cmd(
    file: FileArg,
    draws: Annotated[
        int, typer.Option("--draws", min=1, help="Draws of the chain from the war to the peace.")
    ] = 20000,
    seed: SeedOpt = 0,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Inputs listed per claim, largest index first.")
    ] = 5,
    sobol_n: Annotated[
        int,
        typer.Option(
            "--sobol",
            min=0,
            help="Base samples of the Saltelli design for the Sobol indices (a power of 2; "
            "the pipeline runs n (factors + 2) draws); 0 skips them.",
        ),
    ] = 256,
    as_json: JsonOpt = False,
) -> None:
    """The claims ledger alone: each claim's verdict (supported, depends, not supported, by
    construction, indistinguishable, not checkable), the share of draws in which it holds, a
    one-sentence reading, and the inputs that move it: first-order and total Sobol indices
    from a Saltelli design over every uncertain input, model defaults and chance included
    (docs/claims.md)."""
    import numpy as np

    from guaranty.claims import evaluate, first_order_indices, ledger, run_ledger

    obj = _negotiable(load(file), file)
    if _is_cases(obj):
        raise _fail(f"error: {file}: claims need a scenario with a 'claims' section")
    if not obj.claims:
        raise _fail(f"error: {file}: the scenario has no claims")
    if sobol_n and sobol_n & (sobol_n - 1):
        raise _fail(f"error: --sobol must be a power of 2 (or 0); got {sobol_n}")
    pipeline = obj.war is not None and obj.credibility is not None and bool(obj.guarantees)
    sobol = None
    with out.status("running the models ...", spinner="dots") if not as_json else nullcontext():
        if pipeline:
            from guaranty import montecarlo

            run = montecarlo.simulate(obj, draws=draws, seed=seed)
            results = run_ledger(obj.claims, run)
            outputs, inputs = run.outputs(), run.input_arrays()
        else:
            from guaranty.claims import scenario_outputs

            fcs = [forecast(obj, m, draws=min(draws, 500), seed=seed) for m in registry.available()]
            cred = None
            if obj.credibility is not None and obj.guarantees:
                from guaranty.credibility import assess

                cred = assess(obj, draws=min(draws, 2000), seed=seed)
            outputs, inputs = scenario_outputs(fcs, cred)
            results = ledger(obj.claims, outputs, inputs)
    if pipeline and sobol_n:
        sobol = _claims_sobol(obj, outputs, sobol_n, seed, quiet=as_json)
    rows = []
    for c, r in zip(obj.claims, results, strict=True):
        indices: list[dict[str, Any]] = []
        note = None
        if sobol is not None:
            result, targets = sobol
            target = targets.get(c.id)
            if target is None:
                note = "the statement is not a comparison or a conjunction of comparisons"
            else:
                indices = result.rows(f"claim:{c.id}", top)
                if not indices:
                    note = (
                        f"{target[0]!r} takes one value in every draw of the design (or is "
                        "missing in some): there is no variance to apportion"
                    )
                else:
                    note = f"indices of {target[0]!r}" + (
                        " (true or false in each draw)" if target[1] else " (per draw)"
                    )
        elif c.statement:
            holds = evaluate(c.statement, outputs, claim=c.id).astype(float)
            sel = evaluate(c.given, outputs, claim=c.id) if c.given else np.ones(holds.shape, bool)
            s1 = first_order_indices(holds[sel], {k: v[sel] for k, v in inputs.items()})
            best = sorted(s1.items(), key=lambda kv: -kv[1])[:top]
            indices = [{"input": k, "s1": round(v, 4), "st": None} for k, v in best if v > 0]
        rows.append(
            {
                "id": r.id,
                "who": r.who,
                "statement": r.statement,
                "given": r.given,
                "verdict": r.verdict,
                "share": r.share,
                "n": r.n,
                "reading": r.reading,
                "sensitivity": indices,
                "sensitivity_note": note,
                "sensitivity_sums": sobol[0].sums(f"claim:{r.id}") if sobol else None,
                "halves": [
                    {"input": k, "share_low": lo, "share_high": hi} for k, lo, hi in r.sensitivity
                ],
            }
        )
    if as_json:
        _print_json(
            {
                "draws": draws,
                "seed": seed,
                "sensitivity_method": _sobol_method(sobol),
                "headline": _headline_json(sobol, top) if sobol else None,
                "claims": rows,
            }
        )
        return
    t = Table(title=f"{obj.name}: the claims ({draws:,} draws, seed {seed})")
    for col in ("claim", "verdict", "holds in", "reading", "moved most by (S1 / ST)"):
        t.add_column(col)
    for row in rows:
        share = "" if row["share"] is None else f"{row['share']:.0%}"
        moved = "; ".join(
            f"{x['input']} ({x['s1']:.2f} / {x['st']:.2f})"
            for x in row["sensitivity"][:2]
            if x.get("st") is not None
        )
        t.add_row(row["id"], row["verdict"], share, row["reading"] or "", moved)
    out.print(t)
    if sobol is not None:
        res = sobol[0]
        out.print(
            f"Sobol indices: Saltelli design, {res.n} base samples, {len(res.factors)} factors, "
            f"{res.evaluations:,} draws of the pipeline; headline outputs (sum of S1 / sum of "
            "ST; additive when sum(ST) - sum(S1) < 0.1):"
        )
        for key in _headline_keys(res):
            sums = res.sums(key)
            if sums is not None:
                tag = "additive" if sums["additive"] else "interactions"
                out.print(f"  {key}: {sums['sum_s1']:.2f} / {sums['sum_st']:.2f} ({tag})")


def _headline_keys(res: Any) -> list[str]:
    return [k for k in res.indices if not k.startswith("claim:")]


def _claims_sobol(obj: Any, reference: Any, n: int, seed: int, *, quiet: bool) -> Any:
    """Sobol indices of every claim's per-draw target and of the headline outputs (every
    design's P(a guarantor fights), P(no renewed attack), P(abandoned))."""
    from guaranty.claims import sobol_target, sobol_values
    from guaranty.sensitivity import sobol

    targets = {c.id: sobol_target(c, reference) for c in obj.claims}

    def outputs(run: Any) -> dict[str, Any]:
        got: dict[str, Any] = {}
        for k, d in enumerate(run.layout.designs):
            for m in HEADLINE_METRICS:
                got[f"{m}.{d}"] = run.whatif[m][k]
        outs = run.outputs()
        for cid, target in targets.items():
            if target is not None:
                got[f"claim:{cid}"] = sobol_values(target, outs)
        return got

    with Progress(
        TextColumn("Sobol design"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("sobol", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = sobol(obj, outputs, n=n, seed=seed, progress=progress)
    return result, targets


#: per-design outputs whose Sobol indices ``guaranty claims`` reports as the headline
HEADLINE_METRICS = ("p_any", "p_no_attack", "p_abandoned")


def _sobol_method(sobol: Any) -> dict[str, Any]:
    if sobol is None:
        return {
            "s1": "first-order Sobol index of the claim's per-draw truth value, estimated from "
            "the draws (20 equal-count bins per input, bias-corrected)",
            "st": None,
        }
    res = sobol[0]
    return {
        "design": "Saltelli (2010) with scrambled Sobol' points (SALib 1.6), first-order and "
        "total indices (Saltelli 2010 and Jansen 1999 estimators) with bootstrap 95% "
        "half-widths (s1_conf, st_conf)",
        "base_samples": res.n,
        "factors": list(res.factors),
        "draws_of_the_pipeline": res.evaluations,
        "target": "a claim about single draws: its truth value in each draw; a claim about "
        "the whole distribution: the per-draw difference of the two sides of its deciding "
        "comparison (war.p_X -> war.X, explained.I -> settled.I); the settlement's outputs "
        "are computed in every draw as if the peace held, so 'given' is not applied",
        "additivity_check": "an output is additive when sum(ST) - sum(S1) < 0.1; then the "
        "first-order indices over all factors sum to within 0.1 of 1",
    }


def _headline_json(sobol: Any, top: int) -> dict[str, Any]:
    res = sobol[0]
    return {
        key: {"sums": res.sums(key), "indices": res.rows(key, top)} for key in _headline_keys(res)
    }


@app.command()
@handles_errors
def analyze(
    file: FileArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path("report"),
    draws: Annotated[
        int, typer.Option("--draws", min=1, help="Draws of the chain from the war to the peace.")
    ] = 20000,
    forecast_draws: Annotated[
        int,
        typer.Option(
            "--forecast-draws", min=1, help="Draws for every negotiation model's forecast."
        ),
    ] = 500,
    seed: SeedOpt = 0,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Also keep the draws in this DuckDB store (guaranty run)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes with --store.")
    ] = 2,
    as_json: JsonOpt = False,
) -> None:
    """The main job: validate, run the chain from the war to the peace and every negotiation
    model, check the claims, and write an HTML and Markdown report."""
    from guaranty.report import check_output, write_report  # plotting libraries load here

    obj = _negotiable(load(file), file)
    # a target that cannot be written fails now, not after minutes of computing
    check_output(out_dir)
    if store is not None:
        from guaranty.store import check_writable

        check_writable(store)
    if not _is_cases(obj) and not as_json:
        for line in _defaults_note(obj):
            err.print(line)
    models = registry.available()
    forecast_draws = min(forecast_draws, draws)
    with out.status("running models ...", spinner="dots") if not as_json else nullcontext():
        cred = run = None
        if _is_cases(obj):
            results: Any = backtest(obj, models, seed=seed)
        else:
            results = [forecast(obj, m, draws=forecast_draws, seed=seed) for m in models]
            if obj.credibility is not None and obj.guarantees:
                from guaranty.credibility import assess

                cred = assess(obj, draws=min(draws, 2000), seed=seed)
            if obj.war is not None and obj.credibility is not None and obj.guarantees:
                from guaranty import montecarlo

                if store is not None:
                    from guaranty.runner import run as run_pipeline
                    from guaranty.store import Store

                    summary = run_pipeline(
                        obj, draws=draws, seed=seed, store=store, workers=workers, source=str(file)
                    )
                    with Store(store, read_only=True) as st:
                        run = st.load(summary.run_id, draws=draws)
                else:
                    run = montecarlo.simulate(obj, draws=draws, seed=seed)
        claims = None
        if not _is_cases(obj) and obj.claims:
            from guaranty.claims import ledger, run_ledger, scenario_outputs

            if run is not None:
                claims = run_ledger(obj.claims, run)
            else:
                outputs, inputs = scenario_outputs(results, cred)
                claims = ledger(obj.claims, outputs, inputs)
        paths = write_report(
            obj,
            results,
            out_dir,
            source=file,
            seed=seed,
            draws=draws,
            credibility=cred,
            claims=claims,
            run=run,
            forecast_draws=forecast_draws,
        )
    if as_json:
        _print_json({"report": str(paths["html"]), "markdown": str(paths["md"]), "models": models})
        return
    out.print(f"report written: [bold]{paths['html']}[/bold] (and {paths['md'].name})")


@app.command()
@handles_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback unless told otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    store: StoreOpt = Path("guaranty.duckdb"),
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes per run.")] = 2,
    max_running: Annotated[
        int, typer.Option("--max-running", min=1, help="Runs at a time; the rest wait.")
    ] = 1,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="A host name or address (any port) the browser may use to reach the "
            "workbench besides 127.0.0.1, localhost, [::1] and --host; repeatable. Requests "
            "naming any other Host are refused (DNS rebinding).",
        ),
    ] = None,
) -> None:
    """Start the web workbench: scenarios, assumptions, runs and results in the browser, and
    a JSON API under /api/ (docs/web.md)."""
    import logging

    import uvicorn

    from guaranty.web import create_app

    # the server's log: the details of errors that the responses leave out
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    allowed = list(allowed_host or [])
    if host not in ("0.0.0.0", "::", ""):  # a specific address: the one to browse to
        allowed.append(host)
    application = create_app(store, workers=workers, max_running=max_running, allowed_hosts=allowed)
    err.print(f"guaranty workbench on http://{host}:{port}/ (store {store}); Ctrl-C stops it")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def main() -> None:
    """Entry point of the ``guaranty`` script."""
    app()


if __name__ == "__main__":
    main()
