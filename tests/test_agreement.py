"""One run, four readers, the same numbers (issues 15, 17): the report that ``guaranty
analyze`` writes, the web workbench's results page, SQL over the results store, and the
report ``guaranty report`` writes from the store's SQL aggregates.

``guaranty analyze --store`` runs the Korea scenario into a store and writes its report; the
web app then serves the same run from the same store. Every plotly figure is read back out of
both pages (the numbers each trace draws, base64-packed arrays included) and figures of the
same title must draw the same numbers. The headline figures are also recomputed from the
store with SQL: the credibility heat map (mean P(honor) per design and guarantor, the
``honor`` table), the design comparison (means over draws with a peace, the ``outcomes``
table) and the war's outcome shares (the ``draws`` table). Tolerance: 1e-9 (the same doubles
summed in another order).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from guaranty.cli import app as cli_app
from guaranty.store import Store
from guaranty.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "korea-1953.yaml"
TOL = 1e-9

pytestmark = pytest.mark.slow

_NEWPLOT = re.compile(r'Plotly\.newPlot\(\s*"[^"]+",\s*')


def _decode(value: Any) -> Any:
    """A figure's JSON with plotly's packed arrays ({"dtype", "bdata"}) as lists."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                shape = [int(k) for k in str(value["shape"]).split(",")]
                arr = arr.reshape(shape)
            return arr.tolist()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def figures(html: str) -> dict[str, list[dict[str, Any]]]:
    """title -> the traces of each plotly figure the page draws."""
    out: dict[str, list[dict[str, Any]]] = {}
    decoder = json.JSONDecoder()
    for m in _NEWPLOT.finditer(html):
        data, end = decoder.raw_decode(html, m.end())
        rest = html[end:].lstrip().lstrip(",").lstrip()
        layout, _ = decoder.raw_decode(rest)
        title = layout.get("title", {})
        title = title.get("text") if isinstance(title, dict) else title
        out[str(title)] = [_decode(t) for t in data]
    return out


def numbers(trace: dict[str, Any]) -> dict[str, Any]:
    """The data a trace draws (not its colours or hover text)."""
    keys = ("x", "y", "z", "text", "error_x", "error_y", "name")
    return {k: trace[k] for k in keys if k in trace}


def close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int):
        return bool(abs(a - b) <= TOL or (np.isnan(a) and np.isnan(b)))
    return a == b


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("agreement")
    store, out = folder / "runs.duckdb", folder / "report"
    args = ["analyze", str(SCENARIO), "--store", str(store), "--out", str(out), "--draws", "2000"]
    result = CliRunner().invoke(cli_app, [*args, "--workers", "1", "--seed", "7"])
    assert result.exit_code == 0, result.output
    with Store(store, read_only=True) as st:
        (row,) = st.runs()
        run_id = row["run_id"]
    web = create_app(store, workers=1, max_running=1, allowed_hosts=["testserver"])
    with TestClient(web) as client:
        page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200, page.text[:500]
    stored = folder / "stored-report"
    result = CliRunner().invoke(
        cli_app, ["report", run_id, "--store", str(store), "--out", str(stored)]
    )
    assert result.exit_code == 0, result.output
    return {
        "store": store,
        "run_id": run_id,
        "report": figures((out / "report.html").read_text(encoding="utf-8")),
        "web": figures(page.text),
        "stored": figures((stored / "report.html").read_text(encoding="utf-8")),
    }


def test_the_report_and_the_results_page_draw_the_same_numbers(pages: dict[str, Any]) -> None:
    report, web = pages["report"], pages["web"]
    shared = sorted(set(report) & set(web))
    # the run's figures: credibility, comparison, the war, the settlement, forecasts, claims
    assert len(shared) >= 6, (sorted(report), sorted(web))
    for title in shared:
        a, b = report[title], web[title]
        assert len(a) == len(b), title
        for ta, tb in zip(a, b, strict=True):
            assert close(numbers(ta), numbers(tb)), title


def test_the_report_from_sql_aggregates_draws_the_same_numbers(pages: dict[str, Any]) -> None:
    """``guaranty report`` reads the run through SQL aggregates, ``guaranty analyze`` holds
    its draws: every figure of one is in the other, with the same numbers."""
    report, stored = pages["report"], pages["stored"]
    assert set(report) == set(stored) and len(report) >= 8
    for title in report:
        a, b = report[title], stored[title]
        assert len(a) == len(b), title
        for ta, tb in zip(a, b, strict=True):
            assert close(numbers(ta), numbers(tb)), title


def _sql(store: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with Store(store, read_only=True) as st:
        return st.con.execute(query, list(args)).fetchall()


def _by_title(figs: dict[str, list[dict[str, Any]]], start: str) -> list[dict[str, Any]]:
    (title,) = [t for t in figs if t.startswith(start)]
    return figs[title]


def test_the_heat_map_is_the_stores_honor_table(pages: dict[str, Any]) -> None:
    # the honor table is wide (docs/store.md): column hk is pair k of runs.honor
    ((pairs,),) = _sql(pages["store"], "SELECT honor FROM runs WHERE run_id = ?", pages["run_id"])
    means = ", ".join(f"avg(h{k + 1}::DOUBLE)" for k in range(len(pairs)))
    (row,) = _sql(pages["store"], f"SELECT {means} FROM honor WHERE run_id = ?", pages["run_id"])
    sql = {tuple(pair.split("/", 1)): v for pair, v in zip(pairs, row, strict=True)}
    assert sql, "the store keeps each guarantor's P(honor)"
    for figs in (pages["report"], pages["web"]):
        (heat,) = _by_title(figs, "Credibility: P(fights")
        from guaranty.scenario import load

        scenario = load(SCENARIO)
        names = {a.name: a.id for a in scenario.actors}
        labels = {d.label: d.id for d in scenario.guarantees}
        shown = 0
        for i, label in enumerate(heat["y"]):
            for j, name in enumerate(heat["x"]):
                z = heat["z"][i][j]
                if z is None:
                    assert (labels[label], names[name]) not in sql
                    continue
                assert abs(z - sql[(labels[label], names[name])]) <= TOL
                shown += 1
        assert shown == len(sql)


def test_the_design_comparison_is_the_stores_outcomes(pages: dict[str, Any]) -> None:
    metrics = ("p_any", "p_no_attack", "p_abandoned", "p_peace", "p_attack_window")
    rows = _sql(
        pages["store"],
        "SELECT o.design, "
        + ", ".join(f"avg(o.{m})" for m in metrics)
        + " FROM outcomes o JOIN draws d USING (run_id, draw) WHERE run_id = ? AND d.peace "
        "GROUP BY o.design",
        pages["run_id"],
    )
    sql = {r[0]: r[1:] for r in rows}
    from guaranty.comparison import durability_as_today
    from guaranty.credibility_case import attack_as_today, fight_as_today
    from guaranty.scenario import load

    scenario = load(SCENARIO)
    labels = {d.label: d.id for d in scenario.guarantees}
    # faded: the credibility, deterrence and durability bars of the designs that change
    # nothing the model reads (today's by construction)
    fixed = {
        0: fight_as_today(scenario),
        1: attack_as_today(scenario),
        3: durability_as_today(scenario),
    }
    assert fixed[1] and fixed[3]  # Korea: every design with guarantors adds a pact
    for figs in (pages["report"], pages["web"]):
        bars = _by_title(figs, "Designs compared on the same")
        assert len(bars) == len(metrics)
        for k, bar in enumerate(bars):
            for label, mean in zip(bar["y"], bar["x"], strict=True):
                want = sql[labels[label]][k]
                assert (mean is None and want is None) or abs(mean - want) <= TOL
            opacity = bar["marker"]["opacity"]
            faded = {labels[y] for y, o in zip(bar["y"], opacity, strict=True) if o < 1}
            assert faded == fixed.get(k, set()), metrics[k]


def test_the_war_outcome_shares_are_the_stores_draws(pages: dict[str, Any]) -> None:
    rows = _sql(
        pages["store"],
        "SELECT war_outcome, count(*) / sum(count(*)) OVER () FROM draws WHERE run_id = ? "
        "GROUP BY ALL",
        pages["run_id"],
    )
    shares = {o: v for o, v in rows}
    for figs in (pages["report"], pages["web"]):
        war = _by_title(figs, "The war over 2,000 draws")
        legend = [t["name"] for t in war if t.get("showlegend", True) is not False]
        shown = []
        for name in legend:
            m = re.search(r"\((\d+%)\)$", name)
            assert m, name
            shown.append(m.group(1))
        assert sorted(shown) == sorted(f"{v:.0%}" for v in shares.values())
