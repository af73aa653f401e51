"""The scenario's war section, the war command and the war in the report and claims."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.scenario import load
from guaranty.war import run_war

pytestmark = pytest.mark.slow  # war commands and reports over whole runs (about 13 s)

runner = CliRunner()


def test_war_json_shares_sum_to_one_and_reproduce(root: Path) -> None:
    path = str(root / "scenarios" / "ukraine-2022.yaml")
    a = runner.invoke(app, ["war", path, "--draws", "400", "--seed", "2", "--json"])
    assert a.exit_code == 0, a.output
    data = json.loads(a.stdout)
    assert set(data["outcomes"]) == {
        "settlement",
        "decisive_a",
        "decisive_b",
        "frozen",
        "ongoing",
    }
    assert abs(sum(data["outcomes"].values()) - 1.0) < 1e-12
    lo, hi = data["front"]["interval"]
    assert 0.0 <= lo <= data["front"]["median"] <= hi <= 100.0
    # by_month: everyone fights at month 0; the share falls; at the horizon it is the share
    # still fighting; the line among them is on the scale, its median inside the interval
    months = data["by_month"]
    assert [m["month"] for m in months] == list(range(61))
    p = [m["p_ongoing"] for m in months]
    assert p[0] == 1.0 and np.all(np.diff(p) <= 0)
    assert p[-1] == pytest.approx(data["outcomes"]["ongoing"])
    for m in months:
        if m["front"] is not None:
            lo, hi = m["front"]["interval"]
            assert 0.0 <= lo <= m["front"]["median"] <= hi <= 100.0
    b = runner.invoke(app, ["war", path, "--draws", "400", "--seed", "2", "--json"])
    assert a.stdout == b.stdout


def test_scenario_parameters_reach_the_model(root: Path) -> None:
    from guaranty.scenario.schema import Fixed

    s = load(root / "scenarios" / "ukraine-2022.yaml")

    def with_aid(value: float) -> float:
        params = {**s.war.parameters, "aid_a": Fixed(value=value)}
        war = s.war.model_copy(update={"parameters": params})
        res = run_war(s.model_copy(update={"war": war}), draws=400, seed=1).result
        return float(res.front.mean())

    # more arms for side A (Ukraine) moves the line its way (docs/models/war.md)
    assert with_aid(30.0) > with_aid(0.0) + 5.0
    out = runner.invoke(app, ["war", str(root / "tests" / "data" / "eu_emissions_1994_actors.csv")])
    assert out.exit_code == 2 and "no 'war' section" in out.stderr


def test_report_and_claims_use_the_war(analyzed_ukraine: Any) -> None:
    # `guaranty analyze scenarios/ukraine-2022.yaml --out <out> --draws 100 (--json)`, run
    # once for this test and test_cli.py (tests/conftest.py; --json changes only stdout)
    result = analyzed_ukraine(100)
    out = result.out
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    assert "## Settlement timing and lines" in md
    # its table names the endings and the sides (side A is the protected state)
    for row in (
        "| settlement before either side collapses |",
        "| decisive win of the protected state (Ukraine) |",
        "| decisive win of the aggressor (Russia) |",
        "| frozen: a ceasefire that leaves the issues open |",
    ):
        assert row in md, row
    assert "`war.p_frozen > war.p_decisive`" in md
    # the report says which of the war's fitted parameters the wars identify, and which
    # keep their prior range (docs/models/war.md's posterior table)
    from guaranty.warfit import war_fit

    summary = war_fit().summary
    line = next(x for x in md.splitlines() if "they do not identify" in x)
    said, unsaid = line.split("they do not identify")
    for name in ("noise", "cost", "front_speed"):
        assert summary[name]["identified"] and name in said
    for name in ("collapse", "fog", "premium"):
        assert not summary[name]["identified"] and name in unsaid
    assert "ceasefire that leaves the political issues open" in md
    # the summary reads the war's endings against how the wars of the fit ended by the
    # two records (guaranty.war.ending_note), and the war's section gives the counts
    from guaranty.war import ending_note

    # the months of the simulation count from the scenario's date, 4 months into the war
    assert "counted from the scenario's date, when the war had been fought for 4 months." in md
    summary_line = next(x for x in md.splitlines() if x.startswith("- The war ends"))
    assert ending_note(short=True) in summary_line
    assert "perhaps too rare, and its decisive wins as perhaps too common" in summary_line
    fit_line = next(x for x in md.splitlines() if "they do not identify" in x)
    assert fit_line.endswith(ending_note())
    html = (out / "report.html").read_text().replace("&#34;", '"').replace("&#39;", "'")
    assert ending_note(short=True) in html and ending_note() in html
    # a claim that weighs how often the war ends at the table is read again with the
    # endings moved to the GML record, one on who wins with its draws reweighted, one over
    # the line neither
    ledger = md[md.index("uncertainty_drives_peace |") :].splitlines()[0]
    assert "| not supported | It is a statement over the whole run's shares: it fails" in ledger
    assert "It fails as well with the war's endings moved to GML MID's record" in ledger
    ledger = md[md.index("escalation_risk |") :].splitlines()[0]
    assert "Its verdict stands with the war's endings moved to GML MID's record" in ledger
    assert "its draws reweighted: it holds in " in ledger
    line = md[md.index("| weapons_suffice |") :].splitlines()[0]
    assert "GML MID" not in line
    # the summary says which kind of end the peaces follow: a peace is a settlement or a
    # decisive win of the protected state (guaranty.montecarlo), so with 100 draws the share
    # of wins among the peaces follows from the two printed shares exactly

    won = float(re.search(r"decisive win of the protected state in ([\d.]+)%", md)[1])
    peace = float(re.search(r"reached in ([\d.]+)% of the draws", md)[1])
    assert 0 < won <= peace
    assert f"{100 * won / peace:.0f}% of these peaces follow a decisive win" in md
    html = (out / "report.html").read_text()
    assert f"{100 * won / peace:.0f}% of these peaces follow a decisive win" in html
    # beside the forecasts, each model's record on DEU III (data/deu_track_record.json):
    # the compromise model's and the midpoint's errors, and the two models that did worse
    # than the midpoint
    from guaranty.validation import track_record, track_record_of

    line = next(x for x in md.splitlines() if x.startswith("Track record"))
    assert f"compromise {track_record_of('compromise')['mae']:.1f}," in line
    midpoint = track_record()["without_model"]["midpoint"]["mae"]
    assert f"the scale's midpoint scores {midpoint:.1f}" in line
    # nash run per proposal (31.7) and bdm (32.1) score above the midpoint's 28.1, neither
    # beyond chance (docs/validation.md's intervals)
    assert "nash and bdm did worse than the midpoint there (within chance)" in line
    # the chances of fighting widened by a stated prior, marked in the Markdown answer
    assert md.count("] \\* |") == 3  # NATO, the non-bloc and the permanent members' designs
    assert "\\* Widened by a stated prior, not by history" in md
    # each issue's forecasts end with the forecast without a model that no model clearly
    # beats on DEU III: the unweighted mean of the nominal positions taken, by hand here
    scenario = load(Path(__file__).resolve().parents[1] / "scenarios" / "ukraine-2022.yaml")
    for issue in scenario.issues:
        taken = [
            e.position.nominal
            for a in scenario.actors
            if (e := scenario.position(a.id, issue.id)) is not None
        ]
        row = f"| unweighted mean of the positions (no model) | {sum(taken) / len(taken):.1f} |"
        assert md.count(row) >= 1, issue.id
    assert md.count("| unweighted mean of the positions (no model) |") == len(scenario.issues)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text()
    guarantee = [
        e.position.nominal
        for a in scenario.actors
        if (e := scenario.position(a.id, "guarantee")) is not None
    ]
    assert f"{sum(guarantee) / len(guarantee):.1f} without a model" in doc
    # the settlement model: why this one, and what its record shows
    assert (
        "Settlement model: extremity (the default, the lowest error on the EU legislative "
        "issues of DEU III: 21.1 held out, not clearly better than the unweighted mean of the "
        "positions there;" in md
    )
    assert "Track record on real negotiations" in html
    # what the retrodiction of famous crises found, said where P(fights) is shown: in the
    # Markdown answer and, in full, in the credibility section of both
    from guaranty.models.credibility.joining import FAMOUS_CASES_CAVEAT

    assert md.count(FAMOUS_CASES_CAVEAT) == 2
    section = html.split("<h2>Credibility of the designs</h2>")[1].split("<h2>")[0]
    assert FAMOUS_CASES_CAVEAT in section.replace("&#39;", "'")
    assert "The war month by month" in html
    # how long, against the record: the UCDP episodes still fought after the war's 4 months
    # (the run's own share still fighting 20 months on follows it)
    from guaranty.war import duration_reference, tail_note

    ref = duration_reference(4)
    head = tail_note(ref, 0.0).split("; for this war")[0]
    for text in (md, html.replace("&#39;", "'")):
        assert head in " ".join(text.split())
        assert "thinner than the record" in text
    # the answer's attack range names the stated rivalry it rests on, with the range the
    # data's rivalry gives (tests/test_answer.py)
    assert re.search(
        r"The risk of a renewed attack depends on what the scenario states in place of the "
        r"data: rivalry 1 \(the data: 0; with it, the risk of a renewed attack is "
        r"\d+%-\d+% across the designs, and the peace holds 10 years in \d+%-\d+% across "
        r"the designs\)\.",
        md,
    )


def test_backtest_war_json_and_plot(tmp_path: Path) -> None:
    """The command's JSON has the documented shape (a small prior sample for speed; the
    shipped figures are checked in tests/war/test_war_doc.py), and --plot writes the
    survival curves as HTML."""
    plot = tmp_path / "survival.html"
    res = runner.invoke(
        app, ["backtest-war", "--thetas", "16", "--folds", "4", "--json", "--plot", str(plot)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n"] == 87
    assert set(data["outcome"]) >= {"brier", "brier_base_rate"}
    assert set(data["duration"]) >= {"crps", "crps_base_rate", "coverage50", "coverage90"}
    assert (data["agreement"]["n"], data["agreement"]["observed"]) == (75, 39)
    assert (data["victory"]["n"], data["victory"]["observed"]) == (74, 20)
    assert data["victory"]["cow"]["observed"] == 8
    assert 0 <= data["duration"]["coverage50"] <= data["duration"]["coverage90"] <= 1
    assert plot.exists() and "Kaplan-Meier" in plot.read_text()
    # and the share of the wars ended without a win, by the two records and the model
    assert "Ended without a win (74 wars, two records)" in plot.read_text()
    assert not (tmp_path / "survival.html.tmp").exists()


def test_the_record_has_an_interval_and_the_tail_is_called_thin_only_below_it() -> None:
    """Hand-derived: of the 10 UCDP war episodes still fought after 4 months, 5 lasted past
    24 (none censored), so the Kaplan-Meier share is 0.5 and Greenwood's sum over the five
    endings (10, 9, 8, 7 and 6 at risk) is 1/90 + 1/72 + 1/56 + 1/42 + 1/30 = 0.1; the 90%
    interval on the log(-log) scale is exp(-exp(log(log 2) -/+ 1.645 sqrt(0.1) / log 2)),
    0.230 to 0.721. The note calls the model's tail thinner only below that interval."""
    from guaranty.war import duration_reference, tail_note

    ref = duration_reference(4)
    assert ref["share"] == 0.5
    z = 1.6448536269514722
    centre, spread = np.log(np.log(2.0)), z * np.sqrt(0.1) / np.log(2.0)
    assert ref["interval"] == pytest.approx(
        [np.exp(-np.exp(centre + spread)), np.exp(-np.exp(centre - spread))], rel=1e-12
    )
    assert ref["interval"] == pytest.approx([0.230, 0.721], abs=5e-4)
    assert "(0.50, Kaplan-Meier; 90% interval 0.23-0.72)" in tail_note(ref, 0.19)
    assert "thinner than the record's" in tail_note(ref, 0.19)
    within = tail_note(ref, 0.3)
    assert "within its 90% interval" in within and "thinner" not in within
    assert tail_note(ref, 0.6).endswith("for this war the model gives 0.60.")
    # a share of 0 or 1 has no interval on that scale, and the note says none
    late = duration_reference(200, 220)
    assert late["share"] is None and late["interval"] is None


def test_a_settlement_model_the_scenario_names_is_reported_as_named(root: Path) -> None:
    """A scenario that names its settlement model gets that said, with the model's DEU III
    record: nash, run per proposal, 31.7, clearly worse than the unweighted mean of the
    positions (its 95% interval +3.94 to +14.25, docs/validation.md)."""
    from guaranty.report.context import _model_note
    from guaranty.scenario.settings import PipelineSettings

    scenario = load(root / "scenarios" / "ukraine-2022.yaml")
    named = scenario.model_copy(update={"pipeline": PipelineSettings(model="nash")})
    assert _model_note("nash", named).startswith(
        " (named by the scenario: 31.7, clearly worse than the unweighted mean"
    )
    assert _model_note("no such model", named) == ""
    # with parameters the scenario states, the record is said to be the default's
    given = PipelineSettings(model="nash", params={"disagreement": "worst"})
    stated = scenario.model_copy(update={"pipeline": given})
    assert _model_note("nash", stated).startswith(
        " (named by the scenario, with disagreement=worst; on the EU legislative issues of "
        "DEU III with its default parameters: 31.7, clearly worse"
    )


def test_the_war_command_says_its_shares_are_base_rates(root: Path, tmp_path: Path) -> None:
    """``guaranty war`` says, under its table, that the shares are the COW wars' base rates
    when the scenario leaves any parameter to the fit; a scenario that gives every fitted
    parameter itself is not told so."""
    path = root / "scenarios" / "ukraine-2022.yaml"
    out = runner.invoke(app, ["war", str(path), "--draws", "200"])
    assert out.exit_code == 0, out.output
    said = "those wars' base rates applied to this war, not a finding about it"
    assert said in " ".join(out.stdout.split())
    # and how often the fitted model ends the wars of its fit at the table, against how
    # they were settled (docs/models/war.md, "How wars end"; the shipped fit's backtest)
    agreed = (
        "How wars end: of the 74 COW wars of the fit whose militarized dispute GML MID codes "
        "with an outcome, the model ends 11 without a victory, held out (a settlement, a "
        "ceasefire or still fighting), where COW's classes have 8 compromises and stalemates "
        "and GML's outcomes 20 yields, stalemates and compromises (90% interval of the share "
        "19%-36%): read its shares of settlements and ceasefires as those of COW's record, "
        "and perhaps too low by GML's; a decisive win in the model is not a war without an "
        "agreement: GML's record settled 21 of its 54 victories by negotiation"
    )
    assert agreed in " ".join(out.stdout.split())
    as_json = runner.invoke(app, ["war", str(path), "--draws", "200", "--json"])
    record = json.loads(as_json.stdout)["ending_record"]
    assert (record["victory"]["n"], record["victory"]["observed"]) == (74, 20)
    assert (record["agreement"]["n"], record["agreement"]["observed"]) == (75, 39)
    assert (record["victories"], record["victories_negotiated"]) == (54, 21)
    assert record["note"].startswith("How wars end: of the 74 COW wars")
    # the table names the sides (side A is the protected state, docs/models/war.md), and
    # says "side A" and "side B" alone when the scenario does not say who they are
    assert "decisive (side A, Ukraine, wins)" in out.stdout
    assert "decisive (side B, Russia, wins)" in out.stdout
    from guaranty.cli.war import side_names
    from guaranty.scenario import load

    bare = load(path).model_copy(update={"credibility": None})
    assert side_names(bare) == ("side A", "side B")
    import yaml

    from guaranty.war import FITTED

    doc = yaml.safe_load(path.read_text())
    defaults = {"front_speed": 8.0, "noise": 0.3, "fog": 0.5}
    for name in FITTED:
        value = defaults.get(name, 0.5 if name.startswith(("collapse", "optimism")) else 0.05)
        doc["war"]["parameters"].setdefault(name, {"value": value, "source": "test"})
    given = tmp_path / "given.yaml"
    given.write_text(yaml.safe_dump(doc))
    out = runner.invoke(app, ["war", str(given), "--draws", "200"])
    assert out.exit_code == 0, out.output
    assert said not in " ".join(out.stdout.split())
    assert "How wars end" not in out.stdout
    out = runner.invoke(app, ["war", str(given), "--draws", "200", "--json"])
    assert "ending_record" not in json.loads(out.stdout)


def test_backtest_war_text_on_how_wars_ended() -> None:
    """The paragraph under ``backtest-war``'s table, by hand: the two records' counts, and
    the bound of the imposed peaces said as met or not."""
    from guaranty.cli.war import _endings_text

    a = {"observed": 39, "n": 75, "imposed": 34, "decisive_predicted": 63.6}
    v = {
        "observed": 20,
        "n": 74,
        "predicted": 11.2,
        "mean_if_no_victory": 0.147,
        "mean_if_victory": 0.154,
        "cow": {"observed": 8, "predicted": 9.9},
    }
    text = _endings_text(a, v)
    assert "20 of the 74 wars whose war-level dispute GML codes with an outcome" in text
    assert "held out, 11.2 (15% on average where they did, 15% where they did not)" in text
    assert "have 8 compromises and stalemates among the same wars; the model 9.9" in text
    assert "34, within the model's 63.6 decisive endings" in text
    low = _endings_text({**a, "decisive_predicted": 30.0}, v)
    assert "34, more than, against the bound, the model's 30.0 decisive endings" in low


def test_the_line_at_the_scales_ends_and_the_clock_are_said(root: Path) -> None:
    """The line is shown clipped to the territory scale, so ``guaranty war`` says how many
    draws end at its floor or beyond it and at its top, overall and among the ceasefires
    (the same counts as the run's own lines, seed for seed), and that its months count from
    the scenario's date: Korea's war had been fought 35 months then."""
    from guaranty.models.war.battlefield import OUTCOMES

    a = runner.invoke(app, ["war", "korea-1953", "--draws", "400", "--seed", "3", "--json"])
    assert a.exit_code == 0, a.output
    data = json.loads(a.stdout)
    r = run_war(load("korea-1953"), draws=400, seed=3).result
    frozen = r.outcome == OUTCOMES.index("frozen")
    assert data["front"]["at_floor"] == pytest.approx(np.mean(r.front <= 0.0))
    assert data["front"]["at_top"] == pytest.approx(np.mean(r.front >= 100.0))
    assert data["frozen_line"]["at_floor"] == pytest.approx(np.mean(r.front[frozen] <= 0.0))
    assert 0.0 < data["frozen_line"]["at_floor"] < 1.0  # some ceasefires hold the North's all
    text = runner.invoke(app, ["war", "korea-1953", "--draws", "400", "--seed", "3"])
    flat = " ".join(text.output.split())
    assert "counted from month 35 of the war (the scenario's date)" in flat
    assert f"{data['frozen_line']['at_floor']:.0%} stop at the scale's floor" in flat
