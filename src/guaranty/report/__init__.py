"""Reports: the results of ``guaranty analyze`` as Markdown and as a self-contained HTML page.

The HTML page is one self-contained file: its plots use plotly, whose JavaScript (from the
installed plotly package) is inlined, so the report opens anywhere with no internet.
Files are written to a temporary name and renamed into place, so an interrupted run never
leaves a half-written report.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from guaranty import __version__
from guaranty.models import registry
from guaranty.pipeline import BacktestScore, Forecast
from guaranty.scenario import CaseSet, Scenario
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.schema import describe

__all__ = ["write_report"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("guaranty.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _positions_figure(scenario: Scenario, forecasts: Sequence[Forecast]) -> go.Figure:
    """One panel per issue: each actor's position (marker area ~ capability x salience) and
    each model's forecast with its interval."""
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
    fig.update_layout(
        height=max(420, 40 * (len(names) + len(forecasts)) * n // 2 + 200),
        template="plotly_white",
        margin={"l": 160, "r": 20, "t": 60, "b": 40},
        title="Positions and forecasts (marker area ~ capability x salience; "
        "bars: interval over the draws)",
    )
    return fig


def _rounds_figure(scenario: Scenario, fc: Forecast) -> go.Figure | None:
    """Round-by-round path of an iterative model: each actor's position (thin lines), and the
    median and mean after each round (thick), one panel per issue."""
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
        for actor in f.rounds[0].get("positions", {}):
            fig.add_trace(
                go.Scatter(
                    x=rounds,
                    y=[r["positions"][actor] for r in f.rounds],
                    mode="lines",
                    line={"width": 1, "color": "#bbb"},
                    name=names.get(actor, actor),
                    showlegend=False,
                    hovertemplate=f"{names.get(actor, actor)}: %{{y:.1f}}<extra></extra>",
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
    fig.update_layout(
        height=260 * len(issues) + 80,
        template="plotly_white",
        title=f"{fc.model}: round-by-round path (grey: each actor's position)",
    )
    return fig


def _war_figure(war: Any) -> go.Figure:
    """How the war ends and when (left), and where the line runs at the end (right)."""
    from guaranty.models.war.battlefield import OUTCOMES

    r = war.result
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["End month, by outcome", "Front at the end (territory scale)"],
    )
    for code, name in enumerate(OUTCOMES):
        sel = r.outcome == code
        if sel.any():
            fig.add_trace(
                go.Histogram(
                    x=r.end_month[sel],
                    name=name,
                    opacity=0.75,
                    marker_color=_COLORS[code % len(_COLORS)],
                    legendgroup=name,
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Histogram(
                    x=r.front[sel],
                    name=name,
                    opacity=0.75,
                    marker_color=_COLORS[code % len(_COLORS)],
                    legendgroup=name,
                    showlegend=False,
                ),
                row=1,
                col=2,
            )
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=380,
        title=f"The war over {war.draws} draws: settlement timing and lines",
    )
    fig.update_xaxes(title_text="month", row=1, col=1)
    fig.update_xaxes(title_text="0 = mid-2022 lines, 100 = 1991 borders", row=1, col=2)
    return fig


def _credibility_figure(cred: Any, scenario: Scenario) -> go.Figure:
    """Heat map of P(honor tomorrow | not fighting today): designs x guarantors."""
    guarantors = list(dict.fromkeys(g for d in cred.designs for g in d.guarantors))
    names = {a.id: a.name for a in scenario.actors}
    z, text = [], []
    for d in cred.designs:
        row, trow = [], []
        for g in guarantors:
            if g in d.guarantors:
                v = float(np.mean(d.p_honor[:, d.guarantors.index(g)]))
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
            colorbar={"title": "P(honor)"},
            hoverongaps=False,
            hovertemplate="%{y}<br>%{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=90 + 42 * len(cred.designs),
        margin={"l": 330, "r": 20, "t": 60, "b": 60},
        title="Credibility: P(honor tomorrow | not fighting today), posterior mean",
    )
    return fig


def _credibility_paragraphs(cred: Any, scenario: Scenario) -> list[dict[str, str]]:
    names = {a.id: a.name for a in scenario.actors}
    out = []
    for d in cred.designs:
        j = d.to_json()
        if not d.guarantors:
            text = (
                "No outside state guarantees this design, so nothing is to be honored: "
                "Ukraine relies on itself."
            )
        else:
            best = max(j["guarantors"].items(), key=lambda kv: kv[1]["p_honor"])
            text = (
                f"Given that none of its {len(d.guarantors)} guarantor(s) fights for the "
                f"protected state today, the model puts the chance that at least one honors "
                f"this design tomorrow at {j['p_any']:.1%} (90% interval "
                f"{j['p_any_ci'][0]:.1%}-{j['p_any_ci'][1]:.1%}) and that all do at "
                f"{j['p_all']:.1%}. The most likely to honor is {names.get(best[0], best[0])} "
                f"({best[1]['p_honor']:.1%}). Expected capability committed: "
                f"{j['expected_capability']:.4f} (CINC)."
            )
        out.append({"label": d.design.label, "id": d.design.id, "text": text})
    return out


def _errors_figure(scores: Mapping[str, BacktestScore]) -> go.Figure:
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
    fig.update_layout(
        template="plotly_white",
        title="Absolute error per issue, by model",
        xaxis_title="|forecast - observed outcome| (scale points)",
        height=360,
    )
    return fig


def _figure_html(fig: go.Figure) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _scenario_context(scenario: Scenario, forecasts: Sequence[Forecast]) -> dict[str, Any]:
    issues = []
    for k, issue in enumerate(scenario.issues):
        rows = []
        for fc in forecasts:
            f = fc.issues[k]
            rows.append(
                {
                    "model": fc.model,
                    "outcome": f.outcome,
                    "mean": f.mean,
                    "interval": f.interval,
                    "anchor": _nearest_anchor(issue.anchors, f.outcome),
                }
            )
        issues.append({"issue": issue, "rows": rows})
    actors = [{"a": a, "capability": describe(a.capability_value)} for a in scenario.actors]
    positions = []
    for a in scenario.actors:
        cells = []
        for i in scenario.issues:
            e = scenario.position(a.id, i.id)
            cells.append(
                None
                if e is None
                else {
                    "position": describe(e.position),
                    "salience": describe(e.salience),
                    "source": e.source or "",
                }
            )
        positions.append({"actor": a, "cells": cells})
    designs = [
        {
            "d": d,
            "years": describe(d.years_to_effect),
            "level": "" if d.level is None else describe(d.level),
        }
        for d in scenario.guarantees
    ]
    paths = [
        {"model": fc.model, "issue": f.label, "rounds": f.rounds}
        for fc in forecasts
        for f in fc.issues
        if f.rounds
    ]
    return {
        "scenario": scenario,
        "paths": paths,
        "issues": issues,
        "actors": actors,
        "positions": positions,
        "designs": designs,
        "claims": scenario.claims,
    }


def _nearest_anchor(anchors: Mapping[float, str], value: float) -> str:
    if not anchors:
        return ""
    k = min(anchors, key=lambda a: abs(a - value))
    return f"{anchors[k]} ({k:g})"


def write_report(
    obj: Scenario | CaseSet,
    results: Sequence[Forecast] | Mapping[str, BacktestScore],
    out_dir: Path,
    *,
    source: Path | str,
    seed: int,
    draws: int,
    credibility: Any = None,
    claims: Any = None,
    war: Any = None,
    comparison: Any = None,
) -> dict[str, Path]:
    """Write ``report.md`` and a self-contained ``report.html`` into ``out_dir``."""
    out_dir = Path(out_dir)
    meta = {
        "version": __version__,
        "source": str(source),
        "seed": seed,
        "draws": draws,
        "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "models": {m: registry.get(m).summary for m in registry.available()},
        "plotly_js": get_plotlyjs(),
    }
    if isinstance(obj, CaseSet) != isinstance(results, Mapping):
        raise TypeError("a CaseSet is reported with backtest scores, a Scenario with forecasts")
    if isinstance(obj, CaseSet) and isinstance(results, Mapping):
        ctx = {
            "cases": obj,
            "scores": results,
            "meta": meta,
            "n_outcome": next(iter(results.values())).n if results else 0,
        }
        figures = [_figure_html(_errors_figure(results))]
        md = _ENV.get_template("backtest.md.j2").render(**ctx)
        html_body = _ENV.get_template("backtest.html.j2").render(**ctx, figures=figures)
    else:
        ctx = {**_scenario_context(obj, results), "meta": meta, "credibility": None}
        from guaranty.claims import ClaimResult

        ctx["comparison"] = comparison.to_json() if comparison is not None else None
        ctx["war"] = None
        if war is not None:
            ctx["war"] = {"summary": war.to_json(), "figure": _figure_html(_war_figure(war))}

        ctx["claims"] = (
            claims
            if claims is not None
            else [
                ClaimResult(c.id, c.who, c.paraphrase, c.statement, None, "not yet checkable", ())
                for c in obj.claims
            ]
        )
        figures = [_figure_html(_positions_figure(obj, results))]
        if credibility is not None:
            ctx["credibility"] = {
                "figure": _figure_html(_credibility_figure(credibility, obj)),
                "paragraphs": _credibility_paragraphs(credibility, obj),
                "draws": credibility.draws,
            }
        for fc in results:
            fig = _rounds_figure(obj, fc)
            if fig is not None:
                figures.append(_figure_html(fig))
        md = _ENV.get_template("scenario.md.j2").render(**ctx)
        html_body = _ENV.get_template("scenario.html.j2").render(**ctx, figures=figures)
    paths = {"md": out_dir / "report.md", "html": out_dir / "report.html"}
    _atomic_write(paths["md"], md)
    _atomic_write(paths["html"], html_body)
    return paths
