"""The report's figure helpers draw what plotly's own calls draw (guaranty.report.figures)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots

from guaranty.report import figures

DATA = Path(__file__).resolve().parent / "data"


def _template_json(fig: go.Figure) -> dict:
    return fig.layout.template.to_plotly_json()


@pytest.mark.parametrize(
    "trace",
    [go.Bar(x=[1, 2], y=[3, 4]), go.Scatter(x=[1], y=[1]), go.Heatmap(z=[[1, 2]]), go.Box(x=[1])],
)
def test_styled_gives_the_white_templates_look_for_the_traces_drawn(trace) -> None:
    """The slimmed template holds plotly_white's whole layout and, for each trace type the
    figures draw, its trace defaults: the figure looks the same as with plotly_white."""
    white = pio.templates["plotly_white"].to_plotly_json()
    fig = figures.styled(go.Figure(trace), "t", height=300)
    got = _template_json(fig)
    assert got["layout"] == white["layout"]
    assert got.get("data", {}).get(trace.type) == white["data"].get(trace.type)
    assert len(got.get("data", {})) < len(white["data"])  # the other trace types left out


def test_styled_falls_back_to_the_whole_template_for_another_trace_type() -> None:
    white = pio.templates["plotly_white"].to_plotly_json()
    fig = figures.styled(go.Figure(go.Histogram(x=[1, 2, 2])), "t", height=300)
    assert _template_json(fig) == white


@pytest.mark.parametrize("subplots", [False, True])
def test_dotted_vlines_are_the_shapes_add_vline_adds(subplots: bool) -> None:
    """``_dotted_vlines`` makes at once the shapes plotly's ``add_vline`` adds one by one,
    on a plain figure and on the first plot of a grid."""
    xs = [0.2, 0.8, 35.0]

    def base() -> go.Figure:
        if not subplots:
            return go.Figure(go.Bar(x=[1], y=[1]))
        fig = make_subplots(rows=1, cols=2)
        fig.add_trace(go.Bar(x=[1], y=[1]), row=1, col=1)
        fig.add_trace(go.Bar(x=[1], y=[1]), row=1, col=2)
        return fig

    want = base()
    for x in xs:
        kw = {"row": 1, "col": 1} if subplots else {}
        want.add_vline(x=x, line_dash="dot", line_color="#999", **kw)
    got = base()
    got.update_layout(shapes=[*got.layout.shapes, *figures._dotted_vlines(xs)])
    assert got.to_plotly_json() == want.to_plotly_json()


def test_rounds_figure_draws_every_actors_path_with_its_name() -> None:
    """The grey paths of an iterative model, one trace per issue with the actors' paths apart
    by gaps, hold each actor's position after every round of the forecast (KTAB's 7-actor
    example, smp), each point labelled with the actor's name."""
    from guaranty.pipeline import forecast
    from guaranty.scenario import load

    scenario = load(DATA / "dummyData_3Dim.csv")
    fc = forecast(scenario, "smp")
    names = {a.id: a.name for a in scenario.actors}
    fig = figures.rounds_figure(scenario, fc)
    grey = [t for t in fig.data if t.name == "actors"]
    issues = [f for f in fc.issues if f.rounds]
    assert len(grey) == len(issues) == 3
    for trace, f in zip(grey, issues, strict=True):
        actors = list(f.rounds[0]["positions"])
        n = len(f.rounds)
        for k, actor in enumerate(actors):
            part = slice(k * (n + 1), k * (n + 1) + n)
            assert list(trace.y[part]) == [r["positions"][actor] for r in f.rounds]
            assert list(trace.x[part]) == [r["round"] for r in f.rounds]
            assert set(trace.text[part]) == {names[actor]}
            if k < len(actors) - 1:  # a gap before the next actor's path
                assert trace.y[part.stop] is None and trace.x[part.stop] is None
        assert len(trace.y) == len(actors) * (n + 1) - 1
