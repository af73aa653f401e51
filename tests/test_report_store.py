"""``guaranty report``: the report of a stored run from SQL aggregates (issue 17).

The aggregates DuckDB computes (:class:`guaranty.store.stats.RunStats`) are checked against
the same quantities of the run in memory (:class:`guaranty.results.RunResult`) on a
2,000-draw run of the Ukraine scenario. Tolerances: counts and shares exactly (both divide
the same integers); means, quantiles and intervals to 1e-9 relative (``quantile_cont`` and
numpy's default ``quantile`` interpolate linearly between the same order statistics; only
the rounding of the sums and of the interpolation differ); the R² of ``explained`` to 1e-9
(least squares from covariances in SQL, from the draws in numpy). The claims ledger read a
block at a time equals :func:`guaranty.claims.run_ledger` exactly, and the report's Markdown
equals the one written from the run in memory but for its line naming the input. The
memory of a report of 1,000,000 draws is measured by ``benchmarks/bench_report.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty.analysis import analyze_run, check_stated_facts
from guaranty.claims import run_ledger
from guaranty.claims.chunked import ledger_in_blocks
from guaranty.claims.halves import r2_from_sums
from guaranty.cli import app
from guaranty.credibility import from_run
from guaranty.report import write_report
from guaranty.report.stored import report_stored
from guaranty.runner import run as run_pipeline
from guaranty.scenario import load
from guaranty.store import Store
from guaranty.store.ledger import stored_ledger

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenarios" / "ukraine-2022.yaml"
DRAWS = 2000
REL = 1e-9  # means, quantiles, R²: the rounding of two ways of summing


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("report-store")
    store = folder / "runs.duckdb"
    scenario = load(SCENARIO)
    summary = run_pipeline(scenario, draws=DRAWS, seed=5, store=store, workers=1)
    st = Store(store, read_only=True)
    yield {
        "store": store,
        "st": st,
        "run_id": summary.run_id,
        "scenario": scenario,
        "run": st.load(summary.run_id),
        "stats": st.stats(summary.run_id),
    }
    st.close()


def same(a: Any, b: Any, path: str = "") -> None:
    """``a`` and ``b`` equal: numbers to :data:`REL` (NaN equal to NaN), the rest exactly."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (path, a, b)
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), (path, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        if math.isnan(a):
            assert math.isnan(b), (path, a, b)
        else:
            assert b == pytest.approx(a, rel=REL, abs=1e-12), path
    else:
        assert a == b, (path, a, b)


def test_summary_in_sql_equals_the_run_in_memory(stored: dict[str, Any]) -> None:
    run, stats = stored["run"], stored["stats"]
    assert stats.draws == run.draws == DRAWS
    same(run.summary(), stats.summary())
    same(run.summary(0.5), stats.summary(0.5))
    assert stats.shares() == run.shares()  # counts: exactly
    assert stats.design_shares() == run.design_shares()
    assert stats.summary()["peace"] == run.summary()["peace"]


def test_figures_in_sql_equal_the_run_in_memory(stored: dict[str, Any]) -> None:
    run, stats = stored["run"], stored["stats"]
    assert stats.war_histograms() == run.war_histograms()  # bins and counts: exactly
    assert stats.level_histogram() == run.level_histogram()
    horizon = stored["scenario"].war.horizon
    assert stats.still_fighting(horizon) == run.still_fighting(horizon)
    assert stats.peace_draws() == run.peace_draws() > 0
    assert stats.last_month() == run.last_month()
    for metric in ("p_any", "p_no_attack", "p_abandoned", "p_peace", "p_attack_window"):
        same(run.design_intervals(metric), stats.design_intervals(metric), metric)
    same(run.explained(), stats.explained())
    assert np.array_equal(stats.guarantee_levels(), run.guarantee_levels().astype(float))


def test_credibility_in_sql_equals_from_run(stored: dict[str, Any]) -> None:
    mine = from_run(stored["run"], stored["scenario"])
    got = stored["stats"].credibility(stored["scenario"])
    assert got.draws == mine.draws and got.origin == "run"
    for a, b in zip(mine.designs, got.designs, strict=True):
        assert a.design.id == b.design.id and a.guarantors == b.guarantors
        same(a.to_json(), b.to_json(), a.design.id)
        same(a.honor_means(), b.honor_means(), a.design.id)


def _claims(scenario: Any) -> list[Any]:
    """The scenario's claims, and some that mix per-draw and distribution outputs."""
    c0 = scenario.claims[0]
    extra = {
        "mixed": ("war.front >= 50 and war.p_frozen > 0.16", None),
        "given_scalar": ("explained.territory > 0.77", "peace == 1"),
        "shares": ("p_design.nato_membership > 0.05 and p_peace_reached > 0.4", None),
        "settled_mixed": ("settled.guarantee > 50 and explained.territory > 0.76", "peace == 1"),
        # two designs that change nothing the attack hazard reads: equal in every draw
        "equal_sides": (
            "p_no_attack.israel_model > p_no_attack.budapest_assurances",
            "peace == 1",
        ),
    }
    return [
        *scenario.claims,
        *(
            c0.model_copy(update={"id": k, "statement": s, "given": g})
            for k, (s, g) in extra.items()
        ),
    ]


def test_ledger_a_block_at_a_time_equals_run_ledger(stored: dict[str, Any]) -> None:
    claims = _claims(stored["scenario"])
    want = run_ledger(claims, stored["run"])
    assert stored_ledger(stored["stats"], claims, block=700) == want
    assert ledger_in_blocks(claims, stored["run"], block=900, gather=True) == want
    assert ledger_in_blocks(claims, stored["run"], block=900) == want
    assert any(c.sensitivity for c in want)  # the halves are exercised
    # the two kinds of tie: sides equal in every draw (by construction), sides within 0.005
    # on average (NATO membership's risk against the Israel model's)
    by_id = {c.id: c for c in want}
    assert by_id["equal_sides"].verdict == "by construction"
    assert "equal in every draw" in by_id["equal_sides"].reading
    assert by_id["israel_model_better"].verdict == "indistinguishable"
    # the two kinds of unanimity: an output with one value in every draw (no draw lands on
    # the nuclear deterrent: by construction), and outputs that vary while the verdict
    # never turns (NATO's risk of attack never 0.1 below neutrality's: a finding)
    assert by_id["nuclear_unrealistic"].verdict == "by construction"
    assert by_id["nato_path_deters"].verdict == "not supported"
    assert "every draw" in by_id["nato_path_deters"].reading


def test_medians_are_numpys_even_when_the_bracket_misses(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import guaranty.store.ledger as ledger

    inputs = stored["run"].inputs
    want = {k: float(np.median(inputs[:, k])) for k in range(inputs.shape[1])}
    got = ledger.halves(stored["stats"])
    assert got and all(h.median == want[h.column] for h in got)  # exactly
    monkeypatch.setattr(ledger, "_BRACKET", (0.8, 0.9))  # every median below its bracket
    assert ledger.halves(stored["stats"]) == got


def test_r2_from_sums_equals_least_squares() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 5)) * [30, 10, 0.3, 0.2, 1] + [50, 12, 0.5, 0.4, 0]
    x[:, 4] = rng.random(500) < 0.3
    y = x @ [0.5, -1, 8, 3, 5] + rng.normal(size=500) * 4
    for cols in (x, np.column_stack([x[:, :4], np.zeros(500)])):  # a constant regressor too
        design = np.column_stack([np.ones(500), cols])
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        want = 1 - (y - design @ coef).var() / y.var()
        z = np.column_stack([cols, y]) - [10, 1, 0, 0, 0, 20]
        i, j = np.triu_indices(6)
        sums = np.concatenate([[500], z.sum(axis=0), (z[:, i] * z[:, j]).sum(axis=0)])
        assert r2_from_sums(sums, y.min(), y.max()) == pytest.approx(want, rel=1e-10)
    assert math.isnan(r2_from_sums(np.zeros(28), 1.0, 1.0))


def test_report_equals_the_report_of_the_run_in_memory(
    stored: dict[str, Any], tmp_path: Path
) -> None:
    steps: list[str] = []
    got = report_stored(
        stored["store"],
        stored["run_id"][:8],
        tmp_path / "sql",
        models=["median"],
        step=steps.append,
    )
    assert got["run_id"] == stored["run_id"] and got["draws"] == DRAWS
    assert steps == [
        "aggregating the draws",
        "checking the claims",
        "rerunning the chain with the data's value of each stated fact, and with the stated "
        "prior at 0 (history alone)",
        "running the negotiation models",
        "writing the report",
    ]
    done = analyze_run(stored["run"], stored["scenario"], models=["median"])
    # the verdicts that rest on the scenario's stated rivalry are labelled in both
    claims, answers = check_stated_facts(stored["scenario"], done.claims, DRAWS, 5)
    assert any(c.facts for c in claims)
    mine = write_report(
        stored["scenario"],
        done.forecasts,
        tmp_path / "memory",
        source="memory",
        seed=done.seed,
        draws=done.draws,
        credibility=done.credibility,
        claims=claims,
        run=stored["run"],
        forecast_draws=done.forecast_draws,
        fact_answers=answers,
    )
    a = Path(got["md"]).read_text(encoding="utf-8").splitlines()
    b = mine["md"].read_text(encoding="utf-8").splitlines()
    assert a[:-1] == b[:-1]  # the last line names the input and the time
    assert f"run {stored['run_id']} of {stored['store']}" in a[-1]
    assert any("rests on the stated rivalry" in line for line in a)
    # and the answer's risk of a renewed attack with the data's rivalry, in both
    assert any("rivalry 1 (the data: 0; with it, the risk of a renewed" in line for line in a)
    html = Path(got["html"]).read_text(encoding="utf-8")
    for section in ("summary", "settlement", "comparison", "credibility", "claims"):
        assert f'id="{section}"' in html


def _error(res: Any) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    return " ".join(res.stderr.split())


def test_report_command(stored: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "rep"
    args = ["report", stored["run_id"], "--store", str(stored["store"]), "--out", str(out)]
    res = CliRunner().invoke(app, [*args, "--draws", "1000", "--forecast-draws", "20", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["run_id"] == stored["run_id"] and data["draws"] == 1000
    assert Path(data["report"]).is_file() and Path(data["markdown"]).is_file()
    assert "1,000 draws" in Path(data["report"]).read_text(encoding="utf-8")

    bad = CliRunner().invoke(app, ["report", "0000", "--store", str(stored["store"])])
    msg = _error(bad)
    assert "no run '0000'" in msg and str(stored["store"]) in msg and stored["run_id"] in msg
    missing = tmp_path / "none.duckdb"
    msg = _error(CliRunner().invoke(app, ["report", "abc", "--store", str(missing)]))
    assert f"{missing}: no such results store" in msg and not missing.exists()
    target = tmp_path / "file"
    target.write_text("x")
    msg = _error(CliRunner().invoke(app, [*args[:4], "--out", str(target)]))
    assert "is a file" in msg
