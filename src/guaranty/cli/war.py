"""The war commands: ``war`` (how the scenario's war ends, when, and where the line runs)
and ``backtest-war`` (the war model scored out of sample on the COW wars), with the note on
what a scenario inherits from the war model's defaults and fit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from guaranty.cli.boundary import nuclear_note, unused_note
from guaranty.cli.common import err, fail, out, print_json
from guaranty.cli.lazy import is_cases
from guaranty.cli.options import FileArg, JsonOpt, SeedOpt, WarDrawsOpt
from guaranty.scenario import load


def side_names(obj: Any) -> tuple[str, str]:
    """The war's two sides as the table names them: side A is the protected state and side
    B the aggressor (docs/models/war.md), named when the scenario's credibility section says
    who they are, e.g. ``("side A, Ukraine,", "side B, Russia,")``; else ``("side A", "side
    B")``."""
    cred = obj.credibility
    if cred is None:
        return "side A", "side B"
    names = {a.id: a.name for a in obj.actors}
    return (
        f"side A, {names.get(cred.protected, cred.protected)},",
        f"side B, {names.get(cred.aggressor, cred.aggressor)},",
    )


def belligerents_note(obj: Any) -> list[str]:
    """A note naming the guarantors that are belligerents of the scenario but are not marked
    as fighting for the protected state today (:func:`~guaranty.credibility_case.
    unmarked_belligerents`)."""
    from guaranty.credibility_case import unmarked_belligerents

    ids = unmarked_belligerents(obj)
    if not ids:
        return []
    fields = ", ".join(f"credibility.conduct.{g}.fights" for g in ids)
    one = len(ids) == 1
    return [
        f"note: {', '.join(ids)} {'is a belligerent' if one else 'are belligerents'} and "
        f"{'a guarantor' if one else 'guarantors'}, conditioned on not fighting for the "
        f"protected state today; if {'it fights' if one else 'they fight'} beside it, set "
        f"{fields}: true (docs/scenario-format.md)"
    ]


def defenders_note(obj: Any) -> list[str]:
    """A note when the data record promises to defend the protected state today from states
    that guarantee no design, and counting them would change what stage 1 reads of today
    (:func:`~guaranty.credibility_case.unnamed_defenders`)."""
    from guaranty.credibility_case import DEFENDER_WORDS, unnamed_defenders

    unnamed, differs = unnamed_defenders(obj)
    if not differs:
        return []
    codes = ", ".join(map(str, unnamed[:8])) + (", ..." if len(unnamed) > 8 else "")
    protected = obj.credibility.protected
    lacks = " and no ".join(DEFENDER_WORDS[k] for k in differs)
    return [
        f"note: the data (ATOP 5.1) record promises to defend {protected} today from "
        f"{len(unnamed)} state{'s' if len(unnamed) > 1 else ''} that guarantee no design (COW "
        f"codes {codes}); the model reads today's pacts from the designs' guarantors only, "
        f"so it reads {protected} as having no {lacks} today: to count them, add them as "
        'actors and guarantors of a design (docs/models/credibility.md, "From designs to '
        'features")'
    ]


def today_notes(obj: Any) -> list[str]:
    """The notes on how the credibility model reads today: the data's defenders of the
    protected state that the scenario leaves out (:func:`defenders_note`); the belligerents
    not marked as fighting (:func:`belligerents_note`); with no war section and
    ``credibility.war_today`` not given, that today's conduct is read as a test of resolve
    all the same; in peacetime, the years of peace the risk of an attack starts from, when
    the data count them (:func:`~guaranty.credibility_case.peacetime_clock`)."""
    cred = obj.credibility
    if cred is None:
        return []
    defenders = defenders_note(obj)
    if cred.war_today:
        lines = [*defenders, *belligerents_note(obj)]
        if obj.war is None and "war_today" not in cred.model_fields_set:
            lines.append(
                "note: credibility.war_today is not given: what each guarantor does for the "
                "protected state today is read as a test of its resolve, as in a war (Ukraine "
                "2022); for a question asked in peacetime set war_today: false "
                "(docs/scenario-format.md)"
            )
        return lines
    from guaranty.credibility_case import peacetime_clock

    start, read_at = peacetime_clock(obj)
    if read_at is None:  # stated, with its source
        return defenders
    return [
        *defenders,
        f"note: no war today (credibility.war_today: false): the risk of an attack starts "
        f"from {start} years of peace between {cred.aggressor} and {cred.protected}, as the "
        f"shipped dispute data count them; they end in {read_at}, so a dispute since is not "
        "counted: if there was one, state credibility.peace_years with its source",
    ]


def defaults_note(obj: Any) -> list[str]:
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
            given = []
            if obj.war.months_fought:
                given.append(f"the {obj.war.months_fought} months fought")
            if obj.war.observed_losses is not None:
                given.append("the losses observed in them")
            lines.append(
                "note: drawn from the war model's fit to the COW wars 1816-2007"
                + (f" given {' and '.join(given)}" if given else "")
                + ": "
                + ", ".join(fitted)
            )
    if obj.war is None and obj.credibility is None and not obj.guarantees:
        # a negotiation alone (every peer format): one note, not one per section
        lines.append(
            "note: no 'war', 'credibility' or 'guarantees' section: a negotiation alone, "
            "whose report holds the models' forecasts"
        )
        return lines + unused_note(obj)
    missing = {
        "war": "the war and the chain from the war to the peace do not run",
        "credibility": "no guarantor's credibility is estimated",
    }
    if obj.credibility is not None:  # the horizon of the renewed-attack comparison
        what = "renewed attacks" if obj.credibility.war_today else "attacks"
        missing["deterrence"] = f"{what} are compared over 10 years"
    for section, what in missing.items():
        if getattr(obj, section) is None:
            lines.append(f"note: no '{section}' section: {what}")
    lines += unused_note(obj)
    lines += nuclear_note(obj)
    lines += today_notes(obj)
    if not obj.guarantees:
        lines.append("note: no guarantee designs: nothing to compare")
    return lines


def war_cmd(
    file: FileArg,
    draws: WarDrawsOpt = 2000,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Simulate the scenario's war: how it ends (a settlement, a decisive win, a ceasefire
    that leaves the issues open, or still fighting at the horizon), when, and where the line
    runs; ``--json`` adds the month-by-month share still fighting and the line."""
    from guaranty.war import run_war, war_settings

    obj = load(file)
    if is_cases(obj):
        raise fail(f"error: {file}: the war needs a scenario with a 'war' section")
    war_settings(obj)  # refused before the notes on what the scenario leaves out
    for line in defaults_note(obj):
        err.print(line)
    summary = run_war(obj, draws=draws, seed=seed, keep_paths=as_json)
    data = summary.to_json()
    from guaranty.war import forces_reading

    forces = forces_reading(obj, draws=draws, seed=seed, stated=data["outcomes"])
    from guaranty.war import ending_notes

    endings = ending_notes(obj)[0]
    if as_json:
        if endings:
            from guaranty.war import ending_record

            record = ending_record() or {}
            data["ending_record"] = {**record, "note": endings}
        if forces is not None:
            data["forces_as_fitted"] = {
                "capability_ratio": forces["ratio"],
                "outcomes": forces["fitted"],
                "note": forces["note"],
            }
        print_json(data)
        return
    side_a, side_b = side_names(obj)
    labels = {
        "settlement": "settlement (terms inside both sides' acceptance sets)",
        "decisive_a": f"decisive ({side_a} wins)",
        "decisive_b": f"decisive ({side_b} wins)",
        "frozen": "frozen (ceasefire, issues left open)",
        "ongoing": "still fighting at the horizon",
    }
    t = Table(title=f"{obj.name}: how the war ends ({draws} draws)")
    for col in ("outcome", "share"):
        t.add_column(col)
    for name, share in data["outcomes"].items():
        t.add_row(labels.get(name, name), f"{share:.1%}")
    out.print(t)
    from guaranty.war import uses_fit

    if uses_fit(obj):
        out.print(
            "These shares come from the war model fitted to the COW wars of 1816-2007 for what "
            "the scenario does not give: those wars' base rates applied to this war, not a "
            "finding about it (docs/models/war.md).",
            markup=False,
        )
    if endings:
        out.print(endings, markup=False)
    if forces is not None and forces["note"]:
        out.print(forces["note"], markup=False)
    em, fr = data["end_month"], data["front"]
    if em["median"] is not None:
        fought = obj.war.months_fought
        since = f", counted from month {fought} of the war (the scenario's date)" if fought else ""
        out.print(
            f"month the fighting stops (wars that stop): median {em['median']:.0f}, "
            f"90% interval {em['interval'][0]:.0f}-{em['interval'][1]:.0f}{since}"
        )
    out.print(
        f"front at the end (on the territory scale, clipped to 0-100): median "
        f"{fr['median']:.1f}, 90% interval {fr['interval'][0]:.1f}-{fr['interval'][1]:.1f}; "
        f"{fr['at_floor']:.0%} of the draws end at its floor or beyond it, "
        f"{fr['at_top']:.0%} at its top"
    )
    if data.get("frozen_line"):
        fl = data["frozen_line"]
        out.print(
            f"Of the ceasefires, {fl['at_floor']:.0%} stop at the scale's floor or beyond it "
            f"and {fl['at_top']:.0%} at its top: there one side holds all the scale gives "
            "it and the issues left open are the other side's claims, a frozen conflict as "
            "Nagorno-Karabakh's after 1994, not a line in between (docs/models/war.md).",
            markup=False,
        )
    if data.get("tail") is not None:
        out.print(data["tail"]["note"], markup=False)


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
    from rich.progress import Progress

    from guaranty.warfit import FIT_SETTINGS, backtest, fit_war

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("simulating the wars", total=thetas)
        fit = fit_war(thetas=thetas, progress=lambda k: bar.update(task, completed=k))
    res = backtest(fit, folds=folds, seed=FIT_SETTINGS["seed"])
    if plot is not None:
        _write_survival_plot(res, plot)
    if as_json:
        print_json(res)
        return
    o, d = res["outcome"], res["duration"]
    t = Table(title=f"War model out of sample: {res['n']} COW wars, {folds} folds by war")
    for col in ("score", "model", "base rate"):
        t.add_column(col)
    t.add_row(
        "outcome (COW class: who won, a compromise, a stalemate): multiclass Brier",
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
    a, v = res.get("agreement"), res.get("victory")
    if v:
        t.add_row(
            f"ended without a victory (GML MID, {v['n']} wars; not fitted): Brier",
            f"{v['brier']:.4f}",
            f"{v['brier_base_rate']:.4f}",
        )
        t.add_row(
            "not won (COW: a compromise or a stalemate; the same wars): Brier",
            f"{v['cow']['brier']:.4f}",
            f"{v['cow']['brier_base_rate']:.4f}",
        )
    out.print(t)
    if v and a:
        out.print(_endings_text(a, v), markup=False)


def _endings_text(a: dict, v: dict) -> str:
    """What ``backtest-war`` says under its table about how the wars ended, by the two
    records the fit does not read (GML MID's outcome and settlement)."""
    cow = v["cow"]
    return (
        f"Ended without a victory (a yield, a stalemate or a compromise, GML MID): "
        f"{v['observed']} of the {v['n']} wars whose war-level dispute GML codes with an "
        f"outcome; the model (a settlement, a ceasefire or still fighting), held out, "
        f"{v['predicted']:.1f} ({v['mean_if_no_victory']:.0%} on average where they did, "
        f"{v['mean_if_victory']:.0%} where they did not). COW's classes, which the fit "
        f"reads, have {cow['observed']} compromises and stalemates among the same wars; the "
        f"model {cow['predicted']:.1f}. Settled by negotiation: {a['observed']} of {a['n']} "
        f"(GML's settlement, which counts a peace negotiated after a victory); imposed on "
        f"the loser, which follows a collapse: {a['imposed']}, "
        + ("within" if a["imposed"] <= a["decisive_predicted"] else "more than, against the bound,")
        + f" the model's {a['decisive_predicted']:.1f} decisive endings "
        '(docs/models/war.md, "How wars end: two records of the same wars").'
    )


def _add_endings_bars(fig: Any, v: dict, col: int) -> None:
    """Bars of the share of the wars ended without a win, by each record (COW's compromises
    and stalemates; GML's yields, stalemates and compromises, with its 90% interval) and
    the model's held-out share of each (the backtest's ``victory`` block)."""
    import plotly.graph_objects as go

    n, cow = v["n"], v["cow"]
    lo, hi = v["interval"]
    share = v["observed"] / n
    cow_label, gml_label = "COW: a compromise or a stalemate", "GML: no victory"
    for x, y, error in (
        (cow_label, cow["observed"] / n, None),
        (  # GML's 90% Wilson interval
            gml_label,
            share,
            {"type": "data", "array": [hi - share], "arrayminus": [share - lo]},
        ),
    ):
        fig.add_trace(
            go.Bar(
                x=[x],
                y=[y],
                error_y=error,
                marker_color="#1f77b4",
                name="the record",
                legendgroup="record",
                offsetgroup="record",
                showlegend=x == cow_label,
            ),
            row=1,
            col=col,
        )
    fig.add_trace(
        go.Bar(
            x=[cow_label, gml_label],
            y=[cow["predicted"] / n, v["predicted"] / n],
            marker_color="#d62728",
            name="model, held out (bars)",
            offsetgroup="model",
        ),
        row=1,
        col=col,
    )


def _write_survival_plot(res: dict, path: Path) -> None:
    """The backtest's survival curves: calendar years (COW wars; data and held-out model)
    and months (UCDP war episodes since 1946 against the model's COW wars since 1946)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    s, m, v = res["duration"]["survival"], res["months"], res.get("victory")
    titles = [
        f"Still fighting after k calendar years ({res['n']} COW wars)",
        f"After m months (since 1946; UCDP: {m['ucdp_wars']} episodes)",
    ]
    if v:
        titles.append(f"Ended without a win ({v['n']} wars, two records)")
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles)
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
    if v:
        _add_endings_bars(fig, v, col=3)
    fig.update_layout(template="plotly_white", height=420, legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title_text="calendar years touched", row=1, col=1)
    fig.update_xaxes(title_text="months", row=1, col=2)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    if v:
        fig.update_yaxes(range=[0, 0.5], row=1, col=3)
    tmp = path.with_name(path.name + ".tmp")
    fig.write_html(tmp, include_plotlyjs=True)
    tmp.replace(path)
