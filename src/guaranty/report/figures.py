"""The plotly figures of the reports and of the web workbench.

Each builder takes the results it shows (a run's draws, forecasts, the credibility
assessment, the claims ledger, backtest scores) and returns a :class:`plotly.graph_objects.Figure`
(or None when there is nothing to show); :func:`figure_html` turns one into the HTML a page
embeds (a div and the inline script that draws it, plotly's JavaScript not included).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from guaranty.pipeline import BacktestScore, Forecast
from guaranty.results import BINS
from guaranty.scenario import Scenario
from guaranty.scenario.compile import nominal_inputs

__all__ = [
    "claims_figure",
    "comparison_figure",
    "credibility_figure",
    "errors_figure",
    "figure_html",
    "positions_figure",
    "rounds_figure",
    "settled_figure",
    "styled",
    "tornado_figure",
    "war_figure",
    "war_months_figure",
]

_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]


#: the trace types drawn here: :func:`styled` gives a figure of these alone a copy of
#: plotly's white template that keeps only their trace defaults (and the whole layout)
_TRACE_TYPES = frozenset({"bar", "box", "heatmap", "scatter"})


@functools.lru_cache(maxsize=1)
def _white() -> go.layout.Template:
    """plotly's white template with the trace defaults of :data:`_TRACE_TYPES` only.

    A figure draws the same with it as with the whole template (the defaults of trace types
    it does not hold never apply), and plotly validates and embeds about half as much:
    setting the whole template was a sizeable share of building a figure, and doubled the
    template each figure's HTML carries."""
    white = pio.templates["plotly_white"]
    data = {t: white.data[t] for t in sorted(_TRACE_TYPES) if white.data[t]}
    return go.layout.Template(layout=white.layout, data=data)


def _dotted_vlines(xs: Sequence[float]) -> list[dict[str, Any]]:
    """Dotted grey lines across the height of the first (or only) plot at each of ``xs``:
    the shapes ``fig.add_vline(x, line_dash="dot", line_color="#999")`` adds, made at once
    (``add_vline`` validates every shape of the figure again for each line it adds)."""
    line = {"color": "#999", "dash": "dot"}
    return [
        {
            "type": "line",
            "x0": x,
            "x1": x,
            "xref": "x",
            "y0": 0,
            "y1": 1,
            "yref": "y domain",
            "line": line,
        }
        for x in xs
    ]


def styled(fig: go.Figure, title: str, *, height: int, **layout: Any) -> go.Figure:
    """``fig`` given the look every figure here shares (plotly's white template), its
    ``title`` and its ``height`` in pixels; ``layout``: further layout settings (margins,
    legend, axes). Call it once the traces are in: a figure with a trace type outside
    :data:`_TRACE_TYPES` gets the whole template."""
    types = {trace.type for trace in fig.data}
    template = _white() if types <= _TRACE_TYPES else "plotly_white"
    fig.update_layout(template=template, height=height, title=title, **layout)
    return fig


def positions_figure(scenario: Scenario, forecasts: Sequence[Forecast]) -> go.Figure:
    """One panel per issue: each actor's position (marker area ~ capability x salience) and
    each model's forecast with its interval. ``forecasts``: one per model, each with one
    forecast per issue of ``scenario``."""
    x = nominal_inputs(scenario)
    n = len(scenario.issues)
    fig = make_subplots(
        rows=n,
        cols=1,
        subplot_titles=[i.label for i in scenario.issues],
        vertical_spacing=min(0.08, 0.5 / max(n, 1)),
    )
    names = [a.name for a in scenario.actors]
    for k, issue in enumerate(scenario.issues):
        w = x.capability[0, :, k] * x.salience[0, :, k]
        size = 8 + 30 * np.sqrt(w / w.max()) if w.max() > 0 else np.full(len(w), 10.0)
        keep = x.present[:, k]
        fig.add_trace(
            go.Scatter(
                x=x.positions[0, keep, k],
                y=np.array(names)[keep],
                mode="markers",
                marker={"size": size[keep], "color": "#555", "opacity": 0.6},
                name="actors",
                showlegend=k == 0,
                legendgroup="actors",
                hovertemplate="%{y}: %{x:.1f}<extra></extra>",
            ),
            row=k + 1,
            col=1,
        )
        for m, fc in enumerate(forecasts):
            f = fc.issues[k]
            color = _COLORS[m % len(_COLORS)]
            err = {}
            if f.interval:
                err = {
                    "error_x": {
                        "type": "data",
                        "symmetric": False,
                        "array": [max(0.0, f.interval[1] - f.outcome)],
                        "arrayminus": [max(0.0, f.outcome - f.interval[0])],
                        "color": color,
                    }
                }
            fig.add_trace(
                go.Scatter(
                    x=[f.outcome],
                    y=[f"▶ {fc.model}"],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 12, "color": color},
                    name=fc.model,
                    showlegend=k == 0,
                    legendgroup=fc.model,
                    **err,
                    hovertemplate=f"{fc.model}: %{{x:.1f}}<extra></extra>",
                ),
                row=k + 1,
                col=1,
            )
        fig.update_xaxes(range=[issue.scale[0] - 2, issue.scale[1] + 2], row=k + 1, col=1)
    return styled(
        fig,
        "Positions and forecasts (marker area ~ capability x salience; "
        "bars: interval over the draws)",
        height=max(420, 40 * (len(names) + len(forecasts)) * n // 2 + 200),
        margin={"l": 160, "r": 20, "t": 60, "b": 40},
    )


def rounds_figure(scenario: Scenario, fc: Forecast) -> go.Figure | None:
    """Round-by-round path of an iterative model: each actor's position (thin lines), and the
    median and mean after each round (thick), one panel per issue with rounds. None if the
    model ``fc`` records no rounds."""
    issues = [f for f in fc.issues if f.rounds]
    if not issues:
        return None
    names = {a.id: a.name for a in scenario.actors}
    fig = make_subplots(
        rows=len(issues),
        cols=1,
        subplot_titles=[f.label for f in issues],
        vertical_spacing=min(0.08, 0.5 / len(issues)),
    )
    for k, f in enumerate(issues):
        rounds = [r["round"] for r in f.rounds]
        # every actor's path in one trace, the paths apart by a gap (None): the same lines
        # and hover labels as a trace per actor, with far fewer traces for plotly to validate
        x: list[Any] = []
        y: list[Any] = []
        text: list[Any] = []
        for actor in f.rounds[0].get("positions", {}):
            x += [*rounds, None]
            y += [*(r["positions"][actor] for r in f.rounds), None]
            text += [names.get(actor, actor)] * len(rounds) + [None]
        if x:
            fig.add_trace(
                go.Scatter(
                    x=x[:-1],
                    y=y[:-1],
                    text=text[:-1],
                    mode="lines",
                    line={"width": 1, "color": "#bbb"},
                    name="actors",
                    showlegend=False,
                    hovertemplate="%{text}: %{y:.1f}<extra></extra>",
                ),
                row=k + 1,
                col=1,
            )
        for key, color in (("median", _COLORS[1]), ("mean", _COLORS[0])):
            fig.add_trace(
                go.Scatter(
                    x=rounds,
                    y=[r[key] for r in f.rounds],
                    mode="lines+markers",
                    line={"width": 3, "color": color},
                    name=key,
                    legendgroup=key,
                    showlegend=k == 0,
                ),
                row=k + 1,
                col=1,
            )
        fig.update_xaxes(title_text="round", dtick=1, row=k + 1, col=1)
    return styled(
        fig,
        f"{fc.model}: round-by-round path (grey: each actor's position)",
        height=260 * len(issues) + 80,
    )


_OUTCOME_LABELS = {
    "settlement": "settlement",
    "decisive_a": "decisive: protected state wins",
    "decisive_b": "decisive: aggressor wins",
    "frozen": "frozen (ceasefire, issues left open)",
    "ongoing": "still fighting at the horizon",
}


def _bars(lo: float, width: float, counts: list[int], **style: Any) -> go.Bar:
    """Bars of the draws in equal bins from ``lo`` (a histogram counted beforehand)."""
    x = [lo + width * (k + 0.5) for k in range(len(counts))]
    return go.Bar(x=x, y=counts, width=width, marker_line_width=0, **style)


def war_figure(run: Any, scenario: Scenario) -> go.Figure:
    """How the war ends and when (left), and where the line runs at the end (right): bars of
    draws by end month and by bins of the line, stacked by outcome.

    ``run``: a :class:`guaranty.results.RunResult`, or a stored run's aggregates
    (:class:`guaranty.store.stats.RunStats`); both give ``war_histograms()``."""
    hist = run.war_histograms()
    lo, width = hist["front"]
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["End month, by outcome", "Line at the end (territory scale)"],
    )
    for name, got in hist["outcomes"].items():
        months = [got["months"].get(m, 0) for m in range(max(got["months"]) + 1)]
        for col, bars in ((1, (-0.5, 1.0, months)), (2, (lo, width, got["front"]))):
            fig.add_trace(
                _bars(
                    *bars,
                    name=f"{_OUTCOME_LABELS[name]} ({got['share']:.0%})",
                    opacity=0.8,
                    marker_color=_COLORS[list(_OUTCOME_LABELS).index(name) % len(_COLORS)],
                    legendgroup=name,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    styled(
        fig,
        f"The war over {run.draws:,} draws: when and where it ends",
        height=400,
        barmode="stack",
        legend={"orientation": "h", "y": -0.25},
    )
    # a little room left of the first bar, so that its label clears the y axis' lowest label
    last = max((max(g["months"]) for g in hist["outcomes"].values()), default=0)
    span = width * BINS
    fig.update_xaxes(title_text="month", range=[-0.5 - 0.05 * last, last + 0.5], row=1, col=1)
    fig.update_xaxes(
        title_text=_territory_axis(scenario), range=[lo - 0.05 * span, lo + span], row=1, col=2
    )
    fig.update_yaxes(title_text="draws", row=1, col=1)
    return fig


def war_months_figure(run: Any, scenario: Scenario) -> go.Figure:
    """Month by month: the share of draws still fighting (left; every draw of the run) and
    the line among them (right; median and 10th-90th percentiles, from the paths of the
    run's first blocks, re-simulated exactly from the run's seed). ``run``: a
    :class:`guaranty.results.RunResult` or :class:`guaranty.store.stats.RunStats`."""
    from guaranty.montecarlo import BLOCK
    from guaranty.war import run_war

    horizon = scenario.war.horizon if scenario.war is not None else run.last_month()
    months = np.arange(horizon + 1)
    share = run.still_fighting(horizon)
    blocks = max(1, min(4, run.draws // BLOCK))
    rows = [
        run_war(scenario, draws=BLOCK, seed=[run.seed, b, 1], keep_paths=True).by_month()
        for b in range(blocks)
    ]
    med, lo, hi = [], [], []
    for t in months:
        # pool the blocks' quantiles by their draws still fighting (a close approximation)
        cells = [(r[t]["p_ongoing"], r[t]["front"]) for r in rows if r[t]["front"] is not None]
        if not cells:
            med.append(None), lo.append(None), hi.append(None)
            continue
        w = np.array([c[0] for c in cells])
        w = w / w.sum()
        med.append(float(w @ [c[1]["median"] for c in cells]))
        lo.append(float(w @ [c[1]["interval"][0] for c in cells]))
        hi.append(float(w @ [c[1]["interval"][1] for c in cells]))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[
            "Share of draws still fighting",
            f"The line among them (first {blocks * BLOCK:,} draws)",
        ],
    )
    fig.add_trace(go.Scatter(x=months, y=share, mode="lines", name="still fighting"), 1, 1)
    fig.add_trace(
        go.Scatter(x=months, y=hi, mode="lines", line={"width": 0}, showlegend=False), 1, 2
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=lo,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            name="10th-90th percentile",
        ),
        1,
        2,
    )
    fig.add_trace(go.Scatter(x=months, y=med, mode="lines", name="median line"), 1, 2)
    styled(fig, "The war month by month", height=380, legend={"orientation": "h", "y": -0.25})
    # a little room left of month 0, so that its label clears the y axis' lowest label
    pad = [-0.05 * horizon, horizon * 1.01]
    fig.update_xaxes(title_text="month", range=pad, row=1, col=1)
    fig.update_xaxes(title_text="month", range=pad, row=1, col=2)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(title_text="line (territory scale)", range=[0, 100], row=1, col=2)
    return fig


def _territory_axis(scenario: Scenario) -> str:
    """The territory issue's label, for an axis title (a generic title without one)."""
    from guaranty.scenario.schema import IssueRole

    issue = next((i for i in scenario.issues if i.role == IssueRole.territory), None)
    if issue is None:
        return "line (0-100)"
    lo, hi = issue.scale
    label = issue.label if len(issue.label) <= 70 else issue.label[:69] + "…"
    return f"{label} ({lo:g}-{hi:g})"


def settled_figure(run: Any, scenario: Scenario) -> go.Figure:
    """The settled guarantee level (left; bars of the draws with a peace) and the design it
    lands on (right). ``run``: a :class:`guaranty.results.RunResult` or
    :class:`guaranty.store.stats.RunStats`."""
    labels = {d.id: d.label for d in scenario.guarantees}
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        subplot_titles=["Settled guarantee level (draws with a peace)", "Settled design"],
        horizontal_spacing=0.3,
    )
    level = run.level_histogram()
    if level is not None:
        bars = _bars(level["lo"], level["width"], level["counts"], marker_color=_COLORS[0])
        fig.add_trace(bars.update(showlegend=False), row=1, col=1)
        rungs = [d.level.nominal for d in scenario.guarantees if d.level is not None]
        fig.update_layout(shapes=[*fig.layout.shapes, *_dotted_vlines(rungs)])
    shares = run.design_shares()
    fig.add_trace(
        go.Bar(
            y=[labels[d] for d in shares],
            x=list(shares.values()),
            orientation="h",
            marker_color=_COLORS[2],
            text=[f"{v:.1%}" for v in shares.values()],
            textposition="auto",
            showlegend=False,
            hovertemplate="%{y}: %{x:.1%} of all draws<extra></extra>",
        ),
        row=1,
        col=2,
    )
    styled(
        fig,
        "The settlement: where the guarantee lands (dotted: the designs' rungs)",
        height=160 + 34 * len(shares),
    )
    fig.update_xaxes(title_text="guarantee ladder (0-100)", range=[-5, 105], row=1, col=1)
    fig.update_xaxes(title_text="share of all draws", tickformat=".0%", row=1, col=2)
    return fig


_COMPARISON_METRICS = (
    ("p_any", "credibility:<br>P(a guarantor fights)"),
    ("p_no_attack", "deterrence:<br>P(no renewed attack, {years} y)"),
    ("p_abandoned", "abandoned:<br>P(attacked, nobody fights, {years} y)"),
    ("p_peace", "durability:<br>P(peace holds, {years} y)"),
    ("p_attack_window", "exposure:<br>P(attack before in force)"),
)


def comparison_figure(run: Any, scenario: Scenario, years: int) -> go.Figure:
    """Per design: credibility, deterrence, durability and the window of exposure, side by
    side, means over draws with a peace and their 90% intervals. ``run``: a
    :class:`guaranty.results.RunResult` or :class:`guaranty.store.stats.RunStats` (both
    give ``design_intervals()``); ``years``: the deterrence horizon named in the panel
    titles."""
    from guaranty.comparison import durability_as_today
    from guaranty.credibility_case import attack_as_today, fight_as_today

    labels = [d.label for d in scenario.guarantees]
    # the bars a design cannot move (today's by construction), faded, and said on hover
    fixed = {
        "p_any": fight_as_today(scenario),
        "p_no_attack": attack_as_today(scenario),
        "p_peace": durability_as_today(scenario),
    }
    fig = make_subplots(
        rows=1,
        cols=len(_COMPARISON_METRICS),
        shared_yaxes=True,
        subplot_titles=[t.format(years=years) for _, t in _COMPARISON_METRICS],
        horizontal_spacing=0.035,
    )
    for col, (metric, _) in enumerate(_COMPARISON_METRICS, start=1):
        means, lo, hi = [], [], []
        for got in run.design_intervals(metric, 0.05, 0.95):
            if got is None:
                means.append(None)
                lo.append(0.0)
                hi.append(0.0)
                continue
            m, q_lo, q_hi = got
            means.append(m)
            lo.append(m - q_lo)
            hi.append(q_hi - m)
        same = [d.id in fixed.get(metric, ()) for d in scenario.guarantees]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=means,
                orientation="h",
                marker={"color": _COLORS[col - 1], "opacity": [0.35 if f else 1.0 for f in same]},
                error_x={"type": "data", "array": hi, "arrayminus": lo, "thickness": 1},
                showlegend=False,
                customdata=[
                    " (° today's, by construction: the design changes nothing this reads)"
                    if f
                    else ""
                    for f in same
                ],
                hovertemplate="%{y}: %{x:.1%}%{customdata}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        # ticks inside the ends, so that one panel's 100% does not run into the next one's 0%
        fig.update_xaxes(
            range=[0, 1],
            tickvals=[0.5],
            tickformat=".0%",
            minor={"tickvals": [0.25, 0.75], "showgrid": True},
            row=1,
            col=col,
        )
    fig.update_yaxes(autorange="reversed")
    faded = "; faded: today's by construction, °" if any(fixed.values()) else ""
    return styled(
        fig,
        f"Designs compared on the same {run.peace_draws():,} draws with a peace "
        f"(mean and 90% interval over draws{faded})",
        height=160 + 38 * len(labels),
        margin={"l": 300, "r": 20, "t": 110, "b": 40},
    )


def tornado_figure(claims: Sequence[Any]) -> go.Figure | None:
    """Per claim (a menu picks it; claims whose inputs move them by at least a point, the
    most moved first), the inputs whose lower and upper halves move the share of draws in
    which it holds the most: a bar from the share in one half to the share in the other
    (blue: higher in the upper half), the claim's overall share as a dotted line. None if
    no claim moves."""
    rows = [
        c
        for c in claims
        if c.share is not None and any(abs(b - a) >= 0.01 for _, a, b in getattr(c, "swings", ()))
    ]
    if not rows:
        return None
    rows.sort(key=lambda c: -max(abs(b - a) for _, a, b in c.swings))
    fig = go.Figure()
    spans = []
    for k, c in enumerate(rows):
        names = [name for name, _, _ in c.swings][::-1]
        lo = [min(a, b) for _, a, b in c.swings][::-1]
        width = [abs(b - a) for _, a, b in c.swings][::-1]
        up = ["upper half higher" if b >= a else "lower half higher" for _, a, b in c.swings]
        fig.add_trace(
            go.Bar(
                y=names,
                x=[max(w, 0.004) for w in width],
                base=lo,
                orientation="h",
                marker_color=[
                    "#1f77b4" if u == "upper half higher" else "#ff7f0e" for u in up[::-1]
                ],
                customdata=[[a, b] for _, a, b in c.swings][::-1],
                hovertemplate="%{y}<br>lower half %{customdata[0]:.0%}, upper half "
                "%{customdata[1]:.0%}<extra></extra>",
                name=c.id,
                visible=k == 0,
                showlegend=False,
            )
        )
        spans.append(c.share)
    buttons = []
    for k, c in enumerate(rows):
        visible = [j == k for j in range(len(rows))]
        shape = {
            "type": "line",
            "x0": spans[k],
            "x1": spans[k],
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dot", "color": "#555"},
        }
        buttons.append(
            {
                "label": c.id,
                "method": "update",
                "args": [
                    {"visible": visible},
                    {"shapes": [shape], "title.text": f"What moves '{c.id}' ({c.verdict})"},
                ],
            }
        )
    first = buttons[0]["args"][1]
    return styled(
        fig,
        first["title.text"],
        height=380,
        margin={"l": 330, "r": 20, "t": 90, "b": 50},
        shapes=first["shapes"],
        updatemenus=[
            {"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.25, "yanchor": "top"}
        ],
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": "share of draws in which it holds"},
    )


def claims_figure(claims: Sequence[Any]) -> go.Figure:
    """Share of draws in which each claim holds, coloured by verdict. ``claims``: the
    ledger (:class:`guaranty.claims.ClaimResult`); claims with no share are left out."""
    color = {
        "supported": "#2ca02c",
        "not supported": "#d62728",
        "depends": "#ff7f0e",
        "by construction": "#7f7f7f",
        "indistinguishable": "#bcbd22",
        "not checkable": "#c7c7c7",
    }
    rows = [c for c in claims if c.share is not None]
    fig = go.Figure(
        go.Bar(
            y=[c.id for c in rows],
            x=[c.share for c in rows],
            orientation="h",
            marker_color=[color.get(c.verdict, "#999") for c in rows],
            text=[c.verdict for c in rows],
            textposition="auto",
            hovertemplate="%{y}: holds in %{x:.0%} of the draws<extra></extra>",
        )
    )
    fig.update_layout(shapes=[*fig.layout.shapes, *_dotted_vlines([0.2, 0.8])])
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="share of draws where it holds")
    return styled(
        fig,
        "Claims of the debate: supported (>= 80%), depends, not supported (<= 20%)",
        height=120 + 26 * len(rows),
        margin={"l": 220, "r": 20, "t": 60, "b": 50},
    )


def credibility_figure(cred: Any, scenario: Scenario) -> go.Figure:
    """Heat map of P(fights if attacked tomorrow | conduct today): designs x guarantors.

    ``cred``: a :class:`guaranty.credibility.CredibilityResult` (or a stored run's,
    :meth:`guaranty.store.stats.RunStats.credibility`); each of its designs gives the mean
    P(honor) of each guarantor over the draws (``honor_means()``)."""
    from guaranty.credibility_case import conduct_phrase, fighting_today, war_today

    guarantors = list(dict.fromkeys(g for d in cred.designs for g in d.guarantors))
    names = {a.id: a.name for a in scenario.actors}
    z, text = [], []
    for d in cred.designs:
        row, trow = [], []
        for g in guarantors:
            if g in d.guarantors:
                v = float(d.honor_means()[d.guarantors.index(g)])
                row.append(v)
                trow.append(f"{v:.3f}")
            else:
                row.append(None)
                trow.append("")
        z.append(row)
        text.append(trow)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[names.get(g, g) for g in guarantors],
            y=[d.design.label for d in cred.designs],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            colorbar={"title": "P(fight)"},
            hoverongaps=False,
            hovertemplate="%{y}<br>%{x}: %{z:.3f}<extra></extra>",
        )
    )
    given = conduct_phrase(fighting_today(scenario), war_today(scenario))
    return styled(
        fig,
        f"Credibility: P(fights if attacked tomorrow | {given}), posterior mean",
        height=170 + 42 * len(cred.designs),
        margin={"l": 330, "r": 20, "t": 60, "b": 140},
        xaxis={"tickangle": -90},
    )


def errors_figure(scores: Mapping[str, BacktestScore]) -> go.Figure:
    """A backtest: the absolute error per issue of each model (``scores``: model name ->
    its score), one box a model."""
    fig = go.Figure()
    for m, (name, s) in enumerate(scores.items()):
        fig.add_trace(
            go.Box(
                x=s.errors,
                name=name,
                marker_color=_COLORS[m % len(_COLORS)],
                boxmean=True,
                orientation="h",
            )
        )
    return styled(
        fig,
        "Absolute error per issue, by model",
        height=360,
        xaxis_title="|forecast - observed outcome| (scale points)",
    )


def figure_html(fig: go.Figure) -> str:
    """``fig`` as the HTML a page embeds: a div and the inline script that draws it (the
    page loads plotly's JavaScript itself)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
