"""Whether a model that runs a set number of rounds (bdm, exchange) had settled.

``guaranty.pipeline.late_rounds`` reads the forecast each round would have given
(``NegotiationResult.round_outcome``) over the last half of the rounds; a forecast that moves
by more than ``SETTLED_SHARE`` (5%) of the issue's scale there has not settled, and its figure
is the last round's by convention. Sources of the figures: Scholz, Calbert & Smith (2011),
Table 2 (their run of the EU emissions case does not settle: medians 9.9, 7.4, 8.8 and 9.6 in
rounds 5-8); hand-built paths; the shipped track record (DEU III, development half), which
``guaranty backtest`` recomputes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.models.bargaining.base import NegotiationResult
from guaranty.pipeline import SETTLED_SHARE, backtest, forecast, late_rounds
from guaranty.scenario import load
from guaranty.validation import grouped_bootstrap_split, track_record, unsettled_record

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
runner = CliRunner()


def _result(path: list[list[float]]) -> NegotiationResult:
    """A one-draw result whose forecast after each round is ``path[issue]``."""
    arr = np.asarray(path, dtype=float).T[None]  # (1, rounds, issues)
    return NegotiationResult(outcome=arr[:, -1].copy(), round_outcome=arr)


def test_late_rounds_reads_the_last_half_of_the_rounds() -> None:
    """By hand, on a 0-100 scale (5% = 5 points): 8 rounds -> rounds 5-8; a move of exactly
    5 points settles, one of 5.01 does not, and a move in the first half does not count."""
    res = _result(
        [
            [0, 90, 40, 10, 50, 55, 52, 50],  # rounds 5-8: 50-55, a move of 5
            [50, 50, 50, 50, 50, 55.01, 50, 50],  # 5.01
            [0, 100, 0, 100, 20, 20, 20, 20],  # moves only in the first half
        ]
    )
    late = late_rounds(res, np.zeros(3), np.full(3, 100.0))
    assert (late.first, late.last) == (5, 8)
    assert late.low[0].tolist() == [50, 50, 20]
    assert late.high[0].tolist() == [55, 55.01, 20]
    assert late.settled[0].tolist() == [True, False, True]
    assert SETTLED_SHARE == 0.05


@pytest.mark.parametrize(("rounds", "first"), [(1, 1), (2, 2), (3, 2), (10, 6), (11, 6)])
def test_the_last_half_is_the_last_ceil_r_over_2_rounds(rounds: int, first: int) -> None:
    path = [list(range(rounds))]
    late = late_rounds(_result(path), np.zeros(1), np.full(1, 1000.0))
    assert (late.first, late.last) == (first, rounds)
    assert late.low[0, 0] == first - 1
    assert late.high[0, 0] == rounds - 1


def test_the_scale_is_the_issues_own() -> None:
    """The same move of 0.3 settles on a 0-10 scale (3%) and not on a 0-5 one (6%)."""
    res = _result([[1.0, 1.0, 1.3, 1.0], [1.0, 1.0, 1.3, 1.0]])
    late = late_rounds(res, np.zeros(2), np.array([10.0, 5.0]))
    assert late.settled[0].tolist() == [True, False]


def test_one_shot_models_have_nothing_to_settle() -> None:
    fc = forecast(load(DATA / "eu_emissions_1994_actors.csv"), "median")
    assert fc.issues[0].settled is None
    assert "settled" not in fc.to_json()["issues"][0]
    assert fc.issues[0].unsettled_note("median") is None


def test_bdm_on_scholz_table_2_has_not_settled() -> None:
    """Scholz et al.'s own run of the EU emissions case moves between 7.4 and 9.9 in rounds
    5-8 (Table 2), on a scale of 4-10: not settled. guaranty's replication reads the same
    range (within the table's 0.1 rounding plus the replication's tolerance)."""
    fc = forecast(load(DATA / "eu_emissions_1994_actors.csv"), "bdm")
    issue = fc.issues[0]
    assert issue.settled is False
    first, last, low, high = issue.late
    assert (first, last) == (5, 8)
    assert low == pytest.approx(7.4, abs=0.15)
    assert high == pytest.approx(9.9, abs=0.15)
    medians = [r["median"] for r in issue.rounds[4:]]
    assert (low, high) == (min(medians), max(medians))


def test_bdm_cycles_on_the_honduras_case() -> None:
    """On the Honduras crisis table bdm's median runs through about 0.88, 1, 0.25 and 0 and
    starts again: the forecast is 1, 0.25, 0 or 0.87 as the rounds stop at 6, 7, 8 or 9."""
    case = load(DATA / "honduras_crisis_actors.csv")
    fc = forecast(case, "bdm")
    issue = fc.issues[0]
    assert issue.settled is False
    assert issue.late[2:] == (0.0, 1.0)
    ends = [forecast(case, "bdm", params={"rounds": r}).issues[0].outcome for r in (6, 7, 8, 9)]
    assert ends == pytest.approx([1.0, 0.25, 0.0, 0.87], abs=0.01)
    medians = [r["median"] for r in issue.rounds]
    assert medians[:4] == pytest.approx(medians[4:], abs=0.01)  # a cycle of four rounds
    note = issue.unsettled_note("bdm")
    assert note is not None and "had not settled" in note and "rounds 5-8" in note


def test_ukraine_bdm_guarantee_has_not_settled_and_territory_has() -> None:
    """The shipped scenario at its nominal inputs (a reference run, 2026-12-07): bdm's
    guarantee goes from 5 to 85 over rounds 5-8, its territory stays at 74.3."""
    fc = forecast(load(ROOT / "scenarios" / "ukraine-2022.yaml"), "bdm", draws=200, seed=0)
    by = {i.id: i for i in fc.issues}
    assert by["guarantee"].settled is False
    assert by["guarantee"].late[2:] == pytest.approx((5.0, 85.0), abs=0.05)
    assert by["territory"].settled is True
    for i in fc.issues:
        share = i.unsettled_share
        assert share is not None and 0.0 <= share <= 1.0
        assert share * 200 == pytest.approx(round(share * 200))
    assert by["guarantee"].unsettled_share > 0.3
    out = fc.to_json()["issues"][0]
    assert out["settled"] is False
    assert out["late_rounds"] == {"from": 5, "to": 8, "low": by["guarantee"].late[2], "high": 85.0}


def test_a_batch_reads_each_draw_alone() -> None:
    """The share over draws counts each draw's own path: a batch of the nominal inputs
    repeated settles as the single run does (every draw or none)."""
    fc = forecast(load(DATA / "honduras_crisis_actors.csv"), "bdm", draws=20, seed=3)
    assert fc.issues[0].unsettled_share == 1.0  # no input is uncertain: every draw cycles
    fc = forecast(load(DATA / "eu_emissions_1994_actors.csv"), "compromise", draws=20)
    assert fc.issues[0].unsettled_share is None


def test_grouped_bootstrap_split_by_hand() -> None:
    errors = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    mask = np.array([True, True, False, False, False])
    diff, (lo, hi) = grouped_bootstrap_split(errors, mask, list("abcde"), boot=500, seed=1)
    assert diff == pytest.approx(1.5 - 17 / 3)
    assert lo <= diff <= hi
    assert grouped_bootstrap_split(errors, np.ones(5, bool), list("abcde")) is None
    assert grouped_bootstrap_split(errors, np.zeros(5, bool), list("abcde")) is None
    # one group holding both sides: every resample is that group, so no spread
    same = grouped_bootstrap_split(errors, mask, ["g"] * 5, boot=50)
    assert same[1] == pytest.approx((diff, diff))


def test_deu_backtest_split_is_the_shipped_record() -> None:
    """bdm on DEU III's development half: the issues where it had not settled and its error
    there against the others', as the shipped track record holds them (and as
    docs/models/bdm.md quotes them); exchange run per issue has nothing to settle (one
    issue: no exchanges), per proposal it is split too."""
    cases = load(DATA / "deu3_dev.tsv")
    scores = backtest(cases, ["bdm", "exchange"], seed=0, boot=2000)
    record = unsettled_record(cases, scores, boot=2000, seed=0)
    shipped = track_record()["models"]
    assert set(record) == {"bdm (per proposal)", "bdm (per issue)", "exchange (per proposal)"}
    for key, entry in record.items():
        want = shipped[key]["unsettled"]
        assert entry["issues"] == want["issues"]
        assert entry["mae"] == pytest.approx(want["mae"], abs=1e-9)
        assert entry["mae_settled"] == pytest.approx(want["mae_settled"], abs=1e-9)
        assert entry["difference"]["interval"] == pytest.approx(
            want["difference"]["interval"], abs=1e-9
        )
    bdm = record["bdm (per issue)"]
    assert bdm["issues"] == 56
    assert bdm["difference"]["interval"][0] > 0  # clearly worse where it had not settled
    doc = " ".join((ROOT / "docs" / "models" / "bdm.md").read_text().split())
    assert (
        f"{bdm['issues']} of 166 issues, with a mean absolute error of {bdm['mae']:.2f} there "
        f"against {bdm['mae_settled']:.2f} on the others" in doc
    )
    lo, hi = bdm["difference"]["interval"]
    assert f"{bdm['difference']['mae']:+.2f} (95% interval {lo:+.2f} to {hi:+.2f}" in doc
    ex = record["exchange (per proposal)"]
    exdoc = " ".join((ROOT / "docs" / "models" / "exchange.md").read_text().split())
    lo, hi = ex["difference"]["interval"]
    assert f"{ex['issues']} of the 166 issues" in exdoc
    assert f"{ex['difference']['mae']:+.2f} (95% interval {lo:+.2f} to {hi:+.2f})" in exdoc


def test_cli_forecast_says_when_bdm_had_not_settled() -> None:
    path = str(DATA / "honduras_crisis_actors.csv")
    result = runner.invoke(app, ["forecast", path, "--model", "bdm"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "bdm on 'issue' had not settled: over rounds 5-8" in text
    assert "DEU III" in text and "such a forecast is the less reliable" in text
    result = runner.invoke(app, ["forecast", path, "--model", "median"])
    assert "settled" not in result.output
    data = json.loads(runner.invoke(app, ["forecast", path, "--model", "bdm", "--json"]).stdout)
    assert data["issues"][0]["settled"] is False
    assert data["issues"][0]["late_rounds"]["from"] == 5


def test_cli_backtest_prints_the_split() -> None:
    result = runner.invoke(app, ["backtest", str(DATA / "deu3_dev.tsv"), "-m", "bdm"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "bdm (per issue) had not settled on 56 of 166 issues" in text


def test_exchange_on_cop21_has_six_issues_unsettled() -> None:
    """The figure of docs/models/exchange.md: on cop21 the mean of 6 of the 13 issues still
    moves by more than 5 points over rounds 6-10, differentiation from 43.5 to 52.4."""
    fc = forecast(load(DATA / "cop21.csv"), "exchange")
    bad = [i for i in fc.issues if i.settled is False]
    assert (len(bad), len(fc.issues)) == (6, 13)
    diff = next(i for i in fc.issues if i.id == "differentiation")
    assert diff.late[:2] == (6, 10)
    assert diff.late[2:] == pytest.approx((43.5, 52.4), abs=0.05)
    text = " ".join((ROOT / "docs" / "models" / "exchange.md").read_text().split())
    assert "6 of its 13 issues" in text and "43.5 to 52.4" in text


def test_report_names_the_record_of_a_settlement_model_that_need_not_settle(
    tmp_path: Path,
) -> None:
    """A scenario that settles with bdm: the report's summary line gives bdm's error where
    its rounds had not settled on DEU III (clearly worse); exchange's (no clear difference)
    is not mentioned; the forecast tables mark unsettled forecasts ‡ with the note."""
    from guaranty.report.context import _model_note, scenario_context

    text = (ROOT / "scenarios" / "ukraine-2022.yaml").read_text()
    path = tmp_path / "bdm.yaml"
    path.write_text(text + "\npipeline:\n  model: bdm\n")
    scenario = load(path)
    note = " ".join(_model_note("bdm", scenario).split())
    assert (
        "where its rounds had not settled, 56 of 166 issues, its error was 42.8 against 26.6"
        in note
    )
    assert "had not settled" not in _model_note("exchange", scenario)
    ctx = scenario_context(scenario, [forecast(scenario, "bdm"), forecast(scenario, "median")])
    rows = {r["model"]: r for r in ctx["issues"][0]["rows"]}
    assert rows["bdm"]["unsettled"] is True and rows["median"]["unsettled"] is False
    # no anchor of the scale is named for a forecast that had not settled
    assert rows["bdm"]["anchor"] == "none: the forecast had not settled"
    assert rows["median"]["anchor"].endswith(")") and "settled" not in rows["median"]["anchor"]
    assert ctx["unsettled"].startswith("Some forecasts had not settled")
    assert "bdm on Strength of the security guarantee for Ukraine: 5.0 to 85.0" in ctx["unsettled"]
    # an issue without anchors names none, settled or not (the Estonia fixture's issue: bdm
    # swings between 0 and 100 there)
    estonia = load(ROOT / "tests" / "data" / "estonia-peacetime.yaml")
    assert not estonia.issues[0].anchors
    ctx = scenario_context(estonia, [forecast(estonia, "bdm"), forecast(estonia, "median")])
    rows = {r["model"]: r for r in ctx["issues"][0]["rows"]}
    assert rows["bdm"]["unsettled"] is True and rows["bdm"]["anchor"] == ""
    assert rows["median"]["anchor"] == ""


def test_the_markdown_forecast_table_marks_as_the_html_does(tmp_path: Path) -> None:
    """The Markdown report's forecast tables say what the HTML's do: a zero-width interval
    as "(no spread)" rather than "x-x", and a nominal forecast outside the interval of the
    draws with a * and the note under the table (the Estonia fixture has no uncertain
    position: every interval is one point)."""
    from guaranty.report.writer import write_report

    estonia = load(ROOT / "tests" / "data" / "estonia-peacetime.yaml")
    fcs = [forecast(estonia, m, draws=50) for m in ("median", "compromise")]
    md = write_report(estonia, fcs, tmp_path, source="t", seed=0, draws=50)["md"].read_text()
    median = fcs[0].issues[0].outcome
    assert f"| median | {median:.1f} | {median:.1f} | {median:.1f} (no spread) |" in md
    assert "The forecast at the nominal inputs lies outside" not in md
    from guaranty.report.context import ENV, MD_ENV

    outside = {"outcome": 85.0, "interval": [8.4, 83.8]}
    assert ENV.tests["outside"](outside) and MD_ENV.tests["outside"](outside)
    s = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    fcs = [forecast(s, "nash", draws=200)]
    out = write_report(s, fcs, tmp_path / "u", source="t", seed=0, draws=200)["md"].read_text()
    flagged = [
        i
        for i in fcs[0].issues
        if i.interval is not None and not i.interval[0] <= i.outcome <= i.interval[1]
    ]
    assert flagged  # nash's nominal territory forecast (0) lies below its draws
    assert out.count("| nash | ") == len(s.issues)
    assert out.count(" \\* | ") == len(flagged)
    note = "\\* The forecast at the nominal inputs lies outside the interval"
    assert out.count(note) == len(flagged)  # one note under each table (one nash row each)


def test_the_threshold_table_is_what_the_script_prints() -> None:
    """docs/models/bdm.md's table of thresholds is what ``scripts/validate_deu.py --settled``
    computes, and its reading holds: bdm's unsettled forecasts are clearly worse at every
    threshold from 1% to 20%, exchange's at none."""
    from doc_figures import script_module

    with script_module("validate_deu") as script:
        rows = script.settled_thresholds(load(DATA / "deu3_dev.tsv"), 2000, 0)
    doc = (ROOT / "docs" / "models" / "bdm.md").read_text()
    for model, run, share, n, bad, good, diff in rows:
        there = "—" if bad is None else f"{bad:.2f}"
        elsewhere = "—" if good is None else f"{good:.2f}"
        cell = "—" if diff is None else f"{diff[0]:+.2f} ({diff[1][0]:+.2f} to {diff[1][1]:+.2f})"
        line = f"| {model} | {run} | {share:.0%} | {n} | {there} | {elsewhere} | {cell} |"
        assert line in doc, line
        if diff is not None:
            assert (diff[1][0] > 0) == (model == "bdm"), (model, share)
