"""The report's first screen: the answer block's numbers are the run's."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from guaranty import montecarlo as mc
from guaranty.claims import run_ledger
from guaranty.report import answer_context, answer_html
from guaranty.scenario import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def parts():
    s = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    run = mc.simulate(s, draws=2000, seed=3)
    return s, run, run_ledger(s.claims, run)


def test_answer_numbers_are_the_runs(parts) -> None:
    s, run, claims = parts
    a = answer_context(run, s, claims)
    assert a["question"] == s.question
    summ = run.summary()
    top = max(a["designs"], key=lambda d: d["share"])
    p = summ["designs"][top["id"]]["p_any"]
    lo, hi = p["interval"]
    # the sentence quotes the settled design's P(at least one fights) with its interval
    assert f"{p['mean']:.0%} (90% interval {lo:.0%}-{hi:.0%})" in a["sentence"]
    # and the design that reaches the most, named as a design (its label need not read as
    # a noun phrase after "with": "with Article-5-like guarantee by ...")
    best = max((d for d in a["designs"] if d["p_any"]), key=lambda d: d["p_any"]["mean"])
    assert best is not top and f"under the design “{best['label']}”" in a["sentence"]
    # renewed attack = 1 - P(no renewed attack), its interval reversed
    for d in a["designs"]:
        q = summ["designs"][d["id"]]["p_no_attack"]
        assert d["attack"]["mean"] == pytest.approx(1 - q["mean"])
        assert d["attack"]["interval"] == pytest.approx(
            [1 - q["interval"][1], 1 - q["interval"][0]]
        )
    assert [c["id"] for c in a["claims"]] == [c.id for c in s.claims]
    html = answer_html(run, s, claims)
    assert html.count('<section id="answer"') == 1 and "no spread" in html  # neutrality
    # the renewed-attack column is labelled with what stage 1's validation found, and the
    # peace column with what the durability model's did
    from guaranty.models.credibility.joining import FAMOUS_CASES_CAVEAT
    from guaranty.models.deterrence.challenge import COMMITMENT_CAVEAT
    from guaranty.models.durability.survival import DURABILITY_CAVEAT

    assert a["caveat"] == f"{COMMITMENT_CAVEAT} {DURABILITY_CAVEAT}"
    assert "nothing out of sample" in html and "worsens held-out predictions" in html
    # what a renewed attack is: in the Markdown caveat, and on the HTML column's title
    # (the first screen has no room for it in the text)
    from guaranty.models.deterrence.challenge import ATTACK_DEFINITION

    assert "uses force in it (MID hostility level 4 or 5" in a["caveat"]
    assert f'<th title="{ATTACK_DEFINITION}">P(renewed attack' in html.replace("&#39;", "'")
    assert "uses force in it" not in a["caveat_html"]
    # and the chance of fighting with what the retrodiction of famous crises found: on the
    # tight first screen as a mark whose tooltip says it (the report's credibility section
    # says it in full: tests/test_war_cli.py)
    assert a["fights_caveat"] == FAMOUS_CASES_CAVEAT
    assert f'<span title="{FAMOUS_CASES_CAVEAT}">‡</span>' in html.replace("&#39;", "'")


def test_the_attack_range_names_the_stated_fact_it_depends_on(parts) -> None:
    """The renewed-attack range of the answer rests on the Russia-Ukraine rivalry that the
    scenario states in place of the data (the stage-1 hazard reads it; about three times
    the risk, docs/models/credibility.md): the answer says so, in the Markdown as a
    sentence and in the HTML, where the first screen is tight, as a dagger with a tooltip.
    With the data's coding there is nothing to say. (The Markdown sentence:
    tests/test_war_cli.py, on the analyzed report.)"""
    s, run, claims = parts
    a = answer_context(run, s, claims)
    assert a["attack_facts"] == "rivalry 1 (the data: 0)"
    html = answer_html(run, s, claims)
    assert 'in place of the data: rivalry 1 (the data: 0)">†</span></p>' in html
    plain = s.model_copy(update={"credibility": s.credibility.model_copy(update={"pair": {}})})
    assert answer_context(run, plain, claims)["attack_facts"] is None


def test_the_answer_says_what_the_datas_rivalry_would_give(parts) -> None:
    """With the chain run again on the same draws with the data's rivalry (0), the answer
    quotes that run's range of the risk of a renewed attack beside the stated fact, so that
    a reader sees how much of the headline the stated input carries, and of the peace's
    durability, which reads the rivalry too. A rivalry about triples the yearly hazard of
    an attack (docs/models/credibility.md) and multiplies that of a new war by 3.8
    (docs/models/durability.md), so with the data's coding the risk is lower and the peace
    likelier under every design: the rerun's range clear of the run's."""
    from guaranty.analysis import attack_range, check_stated_facts, peace_range
    from guaranty.credibility_case import without_stated

    s, run, claims = parts
    none, answers = check_stated_facts(s, None, 2000, 3)
    assert none is None and set(answers) == {"rivalry", "unknown_sd"}  # and the prior at 0
    got = answers["rivalry"]
    assert (got.fact, got.stated, got.data) == ("rivalry", 1.0, 0.0)
    other = mc.simulate(without_stated(s, "rivalry"), draws=2000, seed=3)
    assert got.attack == attack_range(other.summary())
    assert got.peace == peace_range(other.summary())
    lo, hi = got.attack
    assert hi < attack_range(run.summary())[0]
    plo, phi = got.peace
    assert plo > peace_range(run.summary())[1]
    a = answer_context(run, s, claims, answers)
    assert a["attack_facts"] == (
        f"rivalry 1 (the data: 0; with it, the risk of a renewed attack is {lo:.0%}-{hi:.0%} "
        f"across the designs, and the peace holds 10 years in {plo:.0%}-{phi:.0%} across the "
        "designs)"
    )
    html = answer_html(run, s, claims, answers)
    assert f'{plo:.0%}-{phi:.0%} across the designs)">†</span></p>' in html
    # a rerun that leaves the peace's range as the run's (as a state's nuclear status does:
    # durability does not read it) has the answer name the risk of an attack alone
    from guaranty.analysis import FactAnswer

    same = FactAnswer("rivalry", 1.0, 0.0, got.attack, peace_range(run.summary()))
    said = answer_context(run, s, claims, {"rivalry": same})["attack_facts"]
    assert said.endswith(f"{lo:.0%}-{hi:.0%} across the designs)") and "peace" not in said


def test_a_chance_of_fighting_widened_by_a_stated_prior_is_marked(parts) -> None:
    """The three Ukraine designs holding an obligation with no historical counterpart (a
    nuclear umbrella, a no-fly zone) draw its effect from the stated N(0, 1) prior, which
    makes most of their P(fights) intervals (docs/models/credibility.md, section f's table):
    the answer marks exactly those cells, and says so of the highest figure it quotes."""
    s, run, claims = parts
    a = answer_context(run, s, claims)
    marked = {d["id"] for d in a["designs"] if d["unknown"]}
    assert marked == {"nato_membership", "nonbloc_coalition", "p5_coalition"}
    assert a["unknown_note"].startswith("Widened by a stated prior, not by history")
    assert "(no fly zone, nuclear umbrella) is drawn from N(0, 1)" in a["unknown_note"]
    best = max((d for d in a["designs"] if d["p_any"]), key=lambda d: d["p_any"]["mean"])
    assert best["id"] in marked
    assert f"“{best['label']}” (widened by a stated prior)" in a["sentence"]
    html = answer_html(run, s, claims).replace("&#39;", "'")
    assert html.count(f'<span title="{a["unknown_note"]}">*</span>') == len(marked)
    # a design without such an obligation, or without guarantors, is not marked
    plain = s.model_copy(update={"guarantees": [g for g in s.guarantees if g.id not in marked]})
    assert answer_context(run, plain, claims)["unknown_note"] is None


def test_zero_width_intervals_and_nominal_outside_are_labelled() -> None:
    """A zero-width interval is not printed as [x, x]; a nominal forecast outside the
    interval of the draws is flagged (the two are different quantities)."""
    from guaranty.cli import _interval
    from guaranty.report.context import ENV

    assert _interval([0.0, 0.0], " (by construction)") == "fixed: 0 by construction"
    assert _interval([0.0, 0.0]) == "0.000 in >= 95% of draws"
    assert _interval([0.1, 0.25]) == "[0.100, 0.250]"
    outside = ENV.tests["outside"]
    assert outside({"outcome": 85.0, "interval": [8.4, 83.8]})
    assert not outside({"outcome": 50.0, "interval": [8.4, 83.8]})
    assert not outside({"outcome": 50.0, "interval": None})


def test_a_run_without_any_peace_has_a_report_that_says_so(tmp_path: Path) -> None:
    """A war the aggressor wins in every draw (its forces a thousand times Ukraine's) leaves
    no terms to guarantee: nothing is settled and no renewed attack weighed. The report is
    written and says so (it stopped with a traceback on the missing risk of attack), and
    names no design as the one the settlement "most often lands on"."""
    from typer.testing import CliRunner

    from guaranty.cli import app

    text = (ROOT / "scenarios" / "ukraine-2022.yaml").read_text(encoding="utf-8")
    old = "    force_b:\n      value: 200\n"
    assert old in text
    bad = tmp_path / "no-peace.yaml"
    bad.write_text(text.replace(old, "    force_b:\n      value: 200000\n"), encoding="utf-8")
    res = CliRunner().invoke(app, ["analyze", str(bad), "--draws", "1000", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "No draw of the run ends in a peace with terms to guarantee" in md
    assert "so there is no renewed attack to weigh" in md  # each design's paragraph
    assert "lands most often" not in md
    assert (
        "A peace with terms to guarantee (a settlement, or a decisive win of the protected "
        "state) is reached in 0.0% of the draws."
    ) in md
    assert "of these peaces" not in md
    # each point of the summary on its own line (the note on the forces, which this war's
    # lopsided forces bring, once ran into the next point: "...reads them").- A peace")
    summary = md.split("## Summary\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(summary) == 3 and all(line.startswith("- ") for line in summary), summary
    assert "Who wins turns on how the two sides' forces are measured" in summary[0]
    # and every heading, table and list opens a block of its own (a blank line before it)
    lines = md.splitlines()
    for i, line in enumerate(lines[1:], 1):
        prev = lines[i - 1]
        opens = line.startswith("#") or (line.startswith("|") and not prev.startswith("|"))
        opens = opens or (line.startswith("- ") and not prev.startswith(("- ", "  ")))
        assert not opens or not prev.strip(), (i, prev[:60], line[:60])


def test_counts_and_equal_ranges_read_as_english() -> None:
    """ "1 claim", not "1 claims"; "a median of 1 month"; and a renewed-attack risk that is
    the same under every design said once ("16% under every design", not "16%-16% across
    the designs"): a scenario whose designs have no guarantor (neutrality and the nuclear
    deterrent of the Ukraine scenario, which the stage-1 features cannot tell apart)."""
    from guaranty.report.context import _counted

    assert _counted(1, "claim") == "1 claim" and _counted(0, "claim") == "0 claims"
    assert _counted(0.6, "month") == "1 month" and _counted(1.5, "month") == "2 months"
    assert _counted(20000, "draw") == "20,000 draws"
    s = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    alone = [d for d in s.guarantees if not d.guarantors]
    assert len(alone) == 2
    s = s.model_copy(update={"guarantees": alone, "claims": []})
    run = mc.simulate(s, draws=300, seed=2)
    sentence = answer_context(run, s, [])["sentence"]
    assert re.search(r"within 10 years is \d+% under every design\.", sentence), sentence


def test_the_settled_territory_is_said_to_be_the_wars(parts) -> None:
    """The settled term of the territory issue is the war's line, at the top of its scale
    after every decisive win of the protected state (docs/pipeline.md): the report says so
    under the settled terms, with the share of the peaces that follow such a win, rather
    than let "100.0 [100.0-100.0]" read as a finding of the negotiation."""
    from guaranty.report.context import run_context

    s, run, _ = parts
    rc = run_context(run, s)
    summ = run.summary()
    share = summ["war"]["outcomes"]["decisive_a"] / summ["peace"]
    assert f"({share:.0%} of these peaces)" in rc["territory_note"]
    assert "'Share of the land occupied since 2014 restored to Ukraine'" in rc["territory_note"]
    assert "top of its scale (100)" in rc["territory_note"]
    k = next(i for i, issue in enumerate(s.issues) if issue.id == "territory")
    from guaranty.models.war.battlefield import OUTCOMES

    won = run.war_outcome == OUTCOMES.index("decisive_a")
    assert won.any() and np.all(run.settled[won, k] == s.issues[k].scale[1])
