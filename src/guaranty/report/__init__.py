"""Reports: the results of ``guaranty analyze`` as Markdown and as a self-contained HTML page.

The HTML page is one self-contained file: its plots use plotly, whose JavaScript (from the
installed plotly package) is inlined, so the report opens anywhere with no internet.
The report's files are written together or not at all: into a temporary folder beside the
target (inside it, when the target folder exists already), then renamed into place, so a
full disk or an interrupted run never leaves a half-written or half-updated report.
:func:`check_output` checks a target before anything is computed.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
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
from guaranty.errors import OutputError, disk_problem
from guaranty.models import registry
from guaranty.pipeline import BacktestScore, Forecast
from guaranty.scenario import CaseSet, Scenario
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.schema import describe

__all__ = [
    "REPORT_FILES",
    "SCENARIO_SECTIONS",
    "answer_context",
    "answer_html",
    "check_output",
    "write_report",
]

#: the files of a report, in the order they are moved into place
REPORT_FILES = ("report.md", "report.html")

#: room a report needs beside plotly's JavaScript (figures, Markdown), in bytes
_REPORT_MARGIN = 4_000_000

#: the sections of a scenario report, in order (ids of the HTML <section> elements)
SCENARIO_SECTIONS = (
    "summary",
    "settlement",
    "comparison",
    "credibility",
    "forecasts",
    "claims",
    "assumptions",
    "models",
    "actors",
    "positions",
    "designs",
)

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("guaranty.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.tests["outside"] = lambda r: bool(
    r.get("interval") and not r["interval"][0] <= r["outcome"] <= r["interval"][1]
)
_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]


def _output_failure(out_dir: Path, exc: OSError, doing: str) -> OutputError:
    kind = disk_problem(exc)
    reason = exc.strerror or str(exc)
    if kind == "full":
        hint = "Free some space, or choose another --out"
    elif kind == "read-only":
        hint = "Choose an --out folder you can write to"
    else:
        hint = "Choose another --out"
    return OutputError(
        f"{out_dir}: cannot write the report while {doing}: {reason}. Nothing was "
        f"written (an earlier report there is unchanged). {hint}.",
        kind=kind,
    )


def _free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def check_output(out_dir: Path | str, need: int | None = None) -> None:
    """Raise an :class:`OutputError` now, before anything is computed, if a report could
    not be written to ``out_dir``: it is a file, or its folder (or the nearest existing
    parent) is read-only or not writable, or the disk has less than ``need`` bytes free
    (default: plotly's JavaScript, which every HTML report inlines, plus a margin)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: the report's folder is a file. Choose another --out.")
    base = Path(os.path.abspath(out_dir))
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise OutputError(
            f"{out_dir}: cannot create the report's folder: {base} is a file. Choose another --out."
        )
    if not os.access(base, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(base).f_flag & os.ST_RDONLY)
        why = "is on a read-only file system" if read_only else "is not writable"
        raise OutputError(
            f"{out_dir}: cannot write the report: {base} {why}. Choose an --out folder you "
            "can write to.",
            kind="read-only",
        )
    if need is None:
        need = len(get_plotlyjs()) + _REPORT_MARGIN
    free = _free_bytes(base)
    if free < need:
        raise OutputError(
            f"{out_dir}: the disk is too full for the report: {free / 1e6:.1f} MB free, the "
            f"report needs about {need / 1e6:.1f} MB. Free some space, or choose another --out.",
            kind="full",
        )


def _write_together(out_dir: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` (name -> text) into ``out_dir`` all together or not at all.

    They are written into a temporary folder first. A new ``out_dir`` is that folder renamed
    into place (one rename). An existing ``out_dir`` keeps its other files: the temporary
    folder is made inside it (so the renames stay on one file system even if it is a mount
    point) and each file is renamed over its old version; should one of these renames fail,
    the files already moved are put back. The temporary folder is removed in any case."""
    existed = out_dir.is_dir()
    doing = "creating its folder"
    staging: Path | None = None
    parent = Path(os.path.abspath(out_dir)).parent
    made: list[Path] = []  # parent folders made here, removed again on failure
    try:
        if existed:
            staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=".report.tmp-"))
        else:
            missing = parent
            while not missing.exists():
                made.append(missing)
                missing = missing.parent
            parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out_dir.name}.tmp-"))
        doing = "writing its files"
        for name, text in files.items():
            path = staging / name
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(path, 0o644)
        doing = "moving it into place"
        if not existed:
            os.chmod(staging, 0o755)  # mkdtemp's folders are private
            try:
                os.rename(staging, out_dir)
                staging = None
                return
            except OSError:
                if not out_dir.is_dir():  # not a folder made meanwhile: a real failure
                    raise
        _replace_files(staging, out_dir, list(files))
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
            staging = None
        for folder in made:  # innermost first; only if still empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise _output_failure(out_dir, exc, doing) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _replace_files(staging: Path, out_dir: Path, names: Sequence[str]) -> None:
    """Rename each of ``names`` from ``staging`` over its old version in ``out_dir``; should
    a rename fail, put the old versions back (they wait in ``staging/.previous``)."""
    previous = staging / ".previous"
    previous.mkdir()
    moved: list[str] = []
    try:
        for name in names:
            target = out_dir / name
            if target.exists():
                os.replace(target, previous / name)
            moved.append(name)
            os.replace(staging / name, target)
    except OSError as exc:
        for name in reversed(moved):  # put the earlier report back
            try:
                (out_dir / name).unlink(missing_ok=True)
                if (previous / name).exists():
                    os.replace(previous / name, out_dir / name)
            except OSError:  # pragma: no cover - the old file stays where it is
                kept = staging.with_name(staging.name.replace(".tmp-", ".previous-"))
                staging.rename(kept)
                raise OutputError(
                    f"{out_dir}: cannot write the report ({exc.strerror or exc}), nor put the "
                    f"earlier one back: its files are in {kept / '.previous'}.",
                    kind=disk_problem(exc),
                ) from None
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


_OUTCOME_LABELS = {
    "settlement": "settlement",
    "decisive_a": "decisive: protected state wins",
    "decisive_b": "decisive: aggressor wins",
    "frozen": "frozen (ceasefire, issues left open)",
    "ongoing": "still fighting at the horizon",
}


def _war_figure(run: Any, scenario: Scenario) -> go.Figure:
    """How the war ends and when (left), and where the line runs at the end (right)."""
    from guaranty.models.war.battlefield import OUTCOMES

    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["End month, by outcome", "Line at the end (territory scale)"],
    )
    for code, name in enumerate(OUTCOMES):
        sel = run.war_outcome == code
        if not sel.any():
            continue
        label = f"{_OUTCOME_LABELS[name]} ({sel.mean():.0%})"
        for col, values in ((1, run.end_month[sel]), (2, run.front[sel])):
            fig.add_trace(
                go.Histogram(
                    x=values,
                    name=label,
                    opacity=0.8,
                    marker_color=_COLORS[code % len(_COLORS)],
                    legendgroup=name,
                    showlegend=col == 1,
                    nbinsx=40,
                ),
                row=1,
                col=col,
            )
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=400,
        title=f"The war over {run.draws:,} draws: when and where it ends",
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(title_text="month", row=1, col=1)
    fig.update_xaxes(title_text=_territory_axis(scenario), row=1, col=2)
    fig.update_yaxes(title_text="draws", row=1, col=1)
    return fig


def _war_months_figure(run: Any, scenario: Scenario) -> go.Figure:
    """Month by month: the share of draws still fighting (left; every draw of the run) and
    the line among them (right; median and 10th-90th percentiles, from the paths of the
    run's first blocks, re-simulated exactly from the run's seed)."""
    from guaranty.models.war.battlefield import OUTCOMES
    from guaranty.montecarlo import BLOCK
    from guaranty.war import run_war

    horizon = scenario.war.horizon if scenario.war is not None else int(run.end_month.max())
    months = np.arange(horizon + 1)
    ongoing = run.war_outcome == OUTCOMES.index("ongoing")
    share = [float(np.mean((run.end_month > t) | ongoing)) for t in months]
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
    fig.update_layout(
        template="plotly_white",
        height=380,
        title="The war month by month",
        legend={"orientation": "h", "y": -0.25},
    )
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


def _settled_figure(run: Any, scenario: Scenario) -> go.Figure:
    """The settled guarantee level (left) and the design it lands on (right)."""
    labels = {d.id: d.label for d in scenario.guarantees}
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        subplot_titles=["Settled guarantee level (draws with a peace)", "Settled design"],
        horizontal_spacing=0.3,
    )
    level = run.guarantee_level[~np.isnan(run.guarantee_level)]
    fig.add_trace(
        go.Histogram(x=level, nbinsx=40, marker_color=_COLORS[0], showlegend=False),
        row=1,
        col=1,
    )
    for d in scenario.guarantees:
        if d.level is not None:
            fig.add_vline(x=d.level.nominal, line_dash="dot", line_color="#999", row=1, col=1)
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
    fig.update_layout(
        template="plotly_white",
        height=160 + 34 * len(shares),
        title="The settlement: where the guarantee lands (dotted: the designs' rungs)",
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


def _comparison_figure(run: Any, scenario: Scenario, years: int) -> go.Figure:
    """Per design: credibility, deterrence, durability and the window of exposure, side by
    side, means over draws with a peace and their 90% intervals."""
    labels = [d.label for d in scenario.guarantees]
    fig = make_subplots(
        rows=1,
        cols=len(_COMPARISON_METRICS),
        shared_yaxes=True,
        subplot_titles=[t.format(years=years) for _, t in _COMPARISON_METRICS],
        horizontal_spacing=0.035,
    )
    peace = run.peace
    for col, (metric, _) in enumerate(_COMPARISON_METRICS, start=1):
        values = run.whatif[metric][:, peace] if peace.any() else run.whatif[metric]
        means, lo, hi = [], [], []
        for row in values:
            row = row[~np.isnan(row)]
            if row.size == 0:
                means.append(None)
                lo.append(0.0)
                hi.append(0.0)
                continue
            m = float(row.mean())
            q = np.quantile(row, [0.05, 0.95])
            means.append(m)
            lo.append(m - float(q[0]))
            hi.append(float(q[1]) - m)
        fig.add_trace(
            go.Bar(
                y=labels,
                x=means,
                orientation="h",
                marker_color=_COLORS[col - 1],
                error_x={"type": "data", "array": hi, "arrayminus": lo, "thickness": 1},
                showlegend=False,
                hovertemplate="%{y}: %{x:.1%}<extra></extra>",
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
    fig.update_layout(
        template="plotly_white",
        height=160 + 38 * len(labels),
        margin={"l": 300, "r": 20, "t": 110, "b": 40},
        title=f"Designs compared on the same {int(peace.sum()):,} draws with a peace "
        "(mean and 90% interval over draws)",
    )
    return fig


def _tornado_figure(claims: Sequence[Any]) -> go.Figure | None:
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
    fig.update_layout(
        template="plotly_white",
        height=380,
        margin={"l": 330, "r": 20, "t": 90, "b": 50},
        title=first["title.text"],
        shapes=first["shapes"],
        updatemenus=[
            {"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.25, "yanchor": "top"}
        ],
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": "share of draws in which it holds"},
    )
    return fig


def _claims_figure(claims: Sequence[Any]) -> go.Figure:
    """Share of draws in which each claim holds, coloured by verdict."""
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
    for x in (0.2, 0.8):
        fig.add_vline(x=x, line_dash="dot", line_color="#999")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="share of draws where it holds")
    fig.update_layout(
        template="plotly_white",
        height=120 + 26 * len(rows),
        margin={"l": 220, "r": 20, "t": 60, "b": 50},
        title="Claims of the debate: supported (>= 80%), depends, not supported (<= 20%)",
    )
    return fig


def _assumptions(scenario: Scenario) -> list[dict[str, str]]:
    """Every model input that is not a position: its value or distribution, and its source."""
    rows: list[dict[str, str]] = []

    def add(group: str, name: str, q: Any, source: str | None = None) -> None:
        if q is None:
            return
        rows.append(
            {
                "group": group,
                "name": name,
                "value": describe(q) if hasattr(q, "describe") else str(q),
                "source": (getattr(q, "source", None) or source or "").strip(),
            }
        )

    for a in scenario.actors:
        add("capability", a.name, a.capability_value, a.source)
    if scenario.war is not None:
        for name, q in sorted(scenario.war.parameters.items()):
            add("war", name, q)
        add("war", "horizon (months)", scenario.war.horizon, scenario.war.source)
    cred = scenario.credibility
    if cred is not None:
        add("credibility", "common shock", cred.common_shock, cred.source)
        add("credibility", "circumstances today", cred.circumstances_today, cred.source)
        add("credibility", "circumstances tomorrow", cred.circumstances_tomorrow, cred.source)
        for gid, c in cred.conduct.items():
            today = ", ".join(o.value for o in c.today) or "nothing"
            rows.append(
                {
                    "group": "credibility",
                    "name": f"conduct today: {gid}",
                    "value": today,
                    "source": c.source or "",
                }
            )
            add("credibility", f"circumstances today: {gid}", c.circumstances_today, c.source)
            add("credibility", f"circumstances tomorrow: {gid}", c.circumstances_tomorrow, c.source)
    if scenario.deterrence is not None:
        det = scenario.deterrence
        add("deterrence", "horizon (years)", det.years, det.source)
    for d in scenario.guarantees:
        add("designs", f"{d.label}: years to take effect", d.years_to_effect, d.source)
        add("designs", f"{d.label}: rung on the ladder", d.level, d.source)
    pipe = scenario.pipeline
    rows.append(
        {
            "group": "pipeline",
            "name": "negotiation model of the settlement",
            "value": (pipe.model if pipe and pipe.model else "default (best DEU III backtest)"),
            "source": (pipe.source if pipe and pipe.source else "docs/pipeline.md"),
        }
    )
    return rows


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
            colorbar={"title": "P(fight)"},
            hoverongaps=False,
            hovertemplate="%{y}<br>%{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=170 + 42 * len(cred.designs),
        margin={"l": 330, "r": 20, "t": 60, "b": 140},
        xaxis={"tickangle": -90},
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
                "the protected state relies on itself."
            )
        else:
            best = max(j["guarantors"].items(), key=lambda kv: kv[1]["p_honor"])
            text = (
                f"Given that none of its {len(d.guarantors)} guarantor(s) fights for the "
                f"protected state today, the model puts the chance that at least one fights "
                f"for it if it is attacked tomorrow at {j['p_any']:.1%} (90% interval "
                f"{j['p_any_ci'][0]:.1%}-{j['p_any_ci'][1]:.1%}) and that all do at "
                f"{j['p_all']:.1%}. The most likely to fight is "
                f"{names.get(best[0], best[0])} ({best[1]['p_honor']:.1%})."
            )
        h = d.horizon
        text += (
            f" Chance of a renewed attack within {h} years: {j[f'p_attack_{h}y']:.1%} "
            f"(90% interval {j[f'p_attack_{h}y_ci'][0]:.1%}-{j[f'p_attack_{h}y_ci'][1]:.1%}); "
            f"attacked with no guarantor fighting: {j[f'p_abandoned_{h}y']:.1%}."
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


def answer_context(run: Any, scenario: Scenario, claims: Sequence[Any]) -> dict[str, Any]:
    """What the first screen says: the scenario's question, a one- or two-sentence answer
    with its numbers and intervals, every design on the quantities that decide between them
    and one line per claim. ``run`` is a :class:`guaranty.montecarlo.RunResult`."""
    summ = run.summary()
    years = scenario.deterrence.years if scenario.deterrence else 10
    cred = scenario.credibility
    ids = {a.id: a for a in scenario.actors}
    protected = ids[cred.protected].name if cred and cred.protected in ids else "the state"
    aggressor = ids[cred.aggressor].name if cred and cred.aggressor in ids else "the aggressor"

    def flip(st: dict[str, Any]) -> dict[str, Any]:
        """A probability's complement, interval reversed."""
        if st["mean"] is None:
            return st
        lo, hi = st["interval"]
        return {**st, "mean": 1 - st["mean"], "interval": [1 - hi, 1 - lo]}

    designs = []
    for d in scenario.guarantees:
        j = summ["designs"][d.id]
        designs.append(
            {
                "id": d.id,
                "label": d.label,
                "share": j["share"],
                "p_any": j["p_any"] if j["p_any"]["mean"] is not None else None,
                "attack": flip(j["p_no_attack"]),
                "abandoned": j["p_abandoned"],
                "peace": j["p_peace"],
            }
        )
    question = scenario.question or (
        f"Which guarantee would deter {aggressor} from attacking {protected} again, and "
        f"would its guarantors fight if it did?"
    )
    top = max(designs, key=lambda d: d["share"]) if designs else None
    with_guarantors = [d for d in designs if d["p_any"] is not None]
    best = max(with_guarantors, key=lambda d: d["p_any"]["mean"]) if with_guarantors else None

    def ci(st: dict[str, Any]) -> str:
        lo, hi = st["interval"]
        return f"{st['mean']:.0%} (90% interval {lo:.0%}-{hi:.0%})"

    parts = []
    if top is not None and top["p_any"] is not None and top["share"] > 0:
        parts.append(
            f"Estimated from the history of alliances in war, under the design the settlement "
            f"most often lands on ({top['label']}) the chance that at least one guarantor "
            f"fights if {aggressor} attacks {protected} again is {ci(top['p_any'])}"
        )
    if best is not None and best is not top:
        parts.append(f"the most any design reaches is {ci(best['p_any'])}, with {best['label']}")
    attacks = [d["attack"]["mean"] for d in designs if d["attack"]["mean"] is not None]
    sentence = "; ".join(parts) + "." if parts else ""
    if attacks:
        sentence += (
            f" The chance of a renewed attack within {years} years is "
            f"{min(attacks):.0%}-{max(attacks):.0%} across the designs."
        )
    return {
        "question": question,
        "sentence": sentence.strip(),
        "years": years,
        "designs": designs,
        "claims": [
            {"id": c.id, "verdict": c.verdict, "share": c.share} for c in claims if c.statement
        ],
    }


def answer_html(run: Any, scenario: Scenario, claims: Sequence[Any]) -> str:
    """The answer block (``<section id="answer">``) of the report and the web results."""
    return _ENV.get_template("answer.html.j2").render(a=answer_context(run, scenario, claims))


def _war_fit_context(scenario: Scenario) -> dict[str, Any]:
    """What the war model's fit says about its own parameters, for the report: the wars it
    was fitted on, its backtest, which of the parameters the scenario leaves to the fit the
    wars identify, and which keep their prior range."""
    from guaranty.war import FITTED
    from guaranty.warfit import war_fit

    fit = war_fit()
    given = set(scenario.war.parameters) if scenario.war is not None else set()
    used = {p.strip() for name, ps in FITTED.items() if name not in given for p in ps.split(",")}
    identified = sorted(p for p in used if fit.summary[p]["identified"])
    prior = sorted(p for p in used if not fit.summary[p]["identified"])
    return {
        "wars": fit.wars,
        "backtest": fit.backtest,
        "identified": identified,
        "prior_kept": prior,
    }


def _run_context(run: Any, scenario: Scenario) -> dict[str, Any]:
    summ = run.summary()
    labels = {d.id: d.label for d in scenario.guarantees}
    designs = []
    for d in scenario.guarantees:
        j = summ["designs"][d.id]
        designs.append({"id": d.id, "label": d.label, **j})
    issues = [
        {
            "id": i.id,
            "label": i.label,
            **summ["settled"][i.id],
            "explained": summ["explained"][i.id],
        }
        for i in scenario.issues
    ]
    top = max(designs, key=lambda d: d["share"]) if designs else None
    return {
        "war_fit": _war_fit_context(scenario),
        "summary": summ,
        "designs": designs,
        "issues": issues,
        "top_design": top,
        "labels": labels,
        "years": (scenario.deterrence.years if scenario.deterrence else 10),
    }


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
    run: Any = None,
    forecast_draws: int | None = None,
) -> dict[str, Path]:
    """Write ``report.md`` and a self-contained ``report.html`` into ``out_dir``.

    For a scenario: ``results`` are the negotiation forecasts, ``run`` the pipeline's draws
    (:class:`guaranty.montecarlo.RunResult`), ``credibility`` the per-guarantor credibility
    (:class:`guaranty.credibility.CredibilityResult`) and ``claims`` the ledger.
    """
    out_dir = Path(out_dir)
    meta = {
        "version": __version__,
        "source": str(source),
        "seed": seed,
        "draws": draws,
        "forecast_draws": forecast_draws if forecast_draws is not None else draws,
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

        ctx["run"] = None
        plots: dict[str, list[str]] = {k: [] for k in SCENARIO_SECTIONS}
        if run is not None:
            ctx["run"] = _run_context(run, obj)
            plots["settlement"] += [
                _figure_html(_war_figure(run, obj)),
                _figure_html(_war_months_figure(run, obj)),
                _figure_html(_settled_figure(run, obj)),
            ]
            plots["comparison"].append(
                _figure_html(_comparison_figure(run, obj, ctx["run"]["years"]))
            )
        ctx["claims"] = (
            claims
            if claims is not None
            else [
                ClaimResult(c.id, c.who, c.paraphrase, c.statement, None, "not yet checkable", ())
                for c in obj.claims
            ]
        )
        if any(c.share is not None for c in ctx["claims"]):
            plots["claims"].append(_figure_html(_claims_figure(ctx["claims"])))
            tornado = _tornado_figure(ctx["claims"])
            if tornado is not None:
                plots["claims"].append(_figure_html(tornado))
        plots["forecasts"].append(_figure_html(_positions_figure(obj, results)))
        if credibility is not None:
            ctx["credibility"] = {
                "paragraphs": _credibility_paragraphs(credibility, obj),
                "draws": credibility.draws,
            }
            plots["credibility"].append(_figure_html(_credibility_figure(credibility, obj)))
        for fc in results:
            fig = _rounds_figure(obj, fc)
            if fig is not None:
                plots["forecasts"].append(_figure_html(fig))
        ctx["assumptions"] = _assumptions(obj)
        ctx["sections"] = SCENARIO_SECTIONS
        ctx["answer"] = answer_context(run, obj, ctx["claims"]) if run is not None else None
        ctx["answer_html"] = (
            _ENV.get_template("answer.html.j2").render(a=ctx["answer"]) if run is not None else ""
        )
        md = _ENV.get_template("scenario.md.j2").render(**ctx)
        html_body = _ENV.get_template("scenario.html.j2").render(**ctx, plots=plots)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: the report's folder is a file. Choose another --out.")
    _write_together(out_dir, dict(zip(REPORT_FILES, (md, html_body), strict=True)))
    return {"md": out_dir / REPORT_FILES[0], "html": out_dir / REPORT_FILES[1]}
