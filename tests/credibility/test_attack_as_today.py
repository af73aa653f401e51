"""A design that changes nothing the deterrence model reads has today's risk of a renewed
attack by construction, and the outputs say so rather than let the equal figures read as a
finding.

Stage 1 reads the protected state's pacts with third parties (and with the aggressor): whether
one is a defense pact, its provisions, its defenders' power and nuclear arms. In the Ukraine
scenario the data (ATOP, 2018) already record a non-defense pact of Ukraine's, so a new
consultation pact, arms without a treaty, or a design without guarantors (neutrality, a
deterrent of Ukraine's own) leaves every stage-1 feature as it is: seven of the ten designs
showed the same 53% risk of a renewed attack, the nuclear deterrent's among them, with nothing
to say that it follows from the inputs (docs/models/credibility.md said it, the report did
not). Likewise the peace's durability, whose model reads of a design only whether the
protected state has a defense pact with a third state."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty import montecarlo as mc
from guaranty.claims import run_ledger
from guaranty.cli import app
from guaranty.comparison import durability_as_today
from guaranty.credibility import assess
from guaranty.credibility_case import as_today_note, attack_as_today, fight_as_today
from guaranty.report import answer_context
from guaranty.report.context import run_context
from guaranty.scenario import load

ROOT = Path(__file__).resolve().parents[2]

#: the Ukraine designs that add a defense obligation (docs/models/credibility.md, the
#: design-to-feature table: article5_membership, troops_on_call): every other one adds a
#: consultation-type pact at most, which the data already record for Ukraine
UKRAINE_DEFENSE = {"nato_membership", "nonbloc_coalition", "p5_coalition"}
#: the Ukraine designs whose guarantors all keep today's stage-2 terms (fight_as_today)
AS_TODAY = {"israel_model", "budapest_assurances"}


def test_the_designs_that_add_no_stage1_feature() -> None:
    ukraine = load("ukraine-2022")
    assert attack_as_today(ukraine) == {d.id for d in ukraine.guarantees} - UKRAINE_DEFENSE
    # South Korea in 1952 had no pact in the data: a joint warning (consultation) and aid
    # without a treaty add one; only the withdrawal leaves it as it is
    assert attack_as_today(load("korea-1953")) == {"withdrawal"}


def test_the_designs_that_add_nothing_the_peace_model_reads() -> None:
    """Of a design the peace model reads only whether the protected state has a defense pact
    with a third state (docs/models/durability.md): a superset of the designs above."""
    ukraine = load("ukraine-2022")
    assert durability_as_today(ukraine) == {d.id for d in ukraine.guarantees} - UKRAINE_DEFENSE
    korea = durability_as_today(load("korea-1953"))
    assert korea == {"aid_without_treaty", "joint_warning", "withdrawal"}


@pytest.mark.parametrize("name", ["ukraine-2022", "korea-1953"])
def test_the_flag_is_what_the_model_computes(name: str) -> None:
    """A flagged design's renewed-attack risk equals, draw by draw, that of a design without
    guarantors on the same draws (today's commitments), and an unflagged one's does not."""
    res = assess(load(name), draws=300, seed=5)
    by_id = {d.design.id: d for d in res.designs}
    today = next(d for d in res.designs if not d.guarantors).p_attack
    for d in res.designs:
        assert d.attack_as_today == d.to_json()["p_attack_as_today"]
        if d.attack_as_today:
            np.testing.assert_array_equal(d.p_attack, today, err_msg=d.design.id)
        else:
            assert np.abs(d.p_attack - today).max() > 1e-3, d.design.id
    assert not by_id[
        "nato_membership" if name == "ukraine-2022" else "defense_treaty"
    ].attack_as_today


def test_the_report_marks_them() -> None:
    """The answer and the design comparison mark the renewed attack and the peace's
    durability of exactly those designs, with the note once; the run's figures agree."""
    s = load("ukraine-2022")
    run = mc.simulate(s, draws=600, seed=4)
    a = answer_context(run, s, run_ledger(s.claims, run))
    marked = {d["id"] for d in a["designs"] if d["as_today"]}
    assert marked == {d.id for d in s.guarantees} - UKRAINE_DEFENSE
    assert a["as_today_note"] == as_today_note(attack=True, peace=True, fight=True)
    summ = run.summary()["designs"]
    neutral = summ["neutrality_alone"]
    for d in marked:
        assert summ[d]["p_no_attack"]["mean"] == pytest.approx(neutral["p_no_attack"]["mean"])
        assert summ[d]["p_peace"]["mean"] == pytest.approx(neutral["p_peace"]["mean"])
    rc = run_context(run, s)
    assert {d["id"] for d in rc["designs"] if d["as_today"]} == marked
    assert rc["as_today_note"] == as_today_note(attack=True, peace=True, fight=True)
    assert {d["id"] for d in rc["designs"] if d["peace_as_today"]} == marked


def test_korea_marks_durability_alone() -> None:
    """In Korea a joint warning and aid without a treaty give South Korea a non-defense pact
    (the attack hazard reads it) but no defense pact (all the peace model reads): only their
    durability is marked, and it equals the withdrawal's in every draw."""
    s = load("korea-1953")
    run = mc.simulate(s, draws=400, seed=2)
    rc = run_context(run, s)
    marks = {d["id"]: (d["as_today"], d["peace_as_today"]) for d in rc["designs"]}
    assert marks == {
        "defense_treaty": (False, False),
        "aid_without_treaty": (False, True),
        "joint_warning": (False, True),
        "withdrawal": (True, True),
    }
    k = {d: i for i, d in enumerate(run.layout.designs)}
    peace = run.whatif["p_peace"]
    for d in ("aid_without_treaty", "joint_warning"):
        np.testing.assert_array_equal(peace[k[d]], peace[k["withdrawal"]])
    assert np.nanmax(np.abs(peace[k["defense_treaty"]] - peace[k["withdrawal"]])) > 1e-3


def test_the_command_marks_them() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["credibility", "ukraine-2022", "--draws", "200"])
    assert text.exit_code == 0, text.output
    assert text.output.count("attacked within 10 y ° / and abandoned") == 7
    assert "° (renewed attack) The same as under today's commitments, by construction" in (
        text.output
    )
    # and the two designs that add nothing who fights reads (the Israel model, and the
    # Budapest assurances, whose third guarantor is the aggressor, P = 0 in every design)
    assert text.output.count("at least one / all °") == 2
    # with the aggressor among the guarantors, all of them never fight
    assert text.output.count("/ 0 (by construction)") == 2
    flat = " ".join(text.output.split())
    assert (
        "reads each guarantor's pacts with the protected state and their provisions), so " in flat
    )
    flat = " ".join(text.output.split())
    assert "neutrality_alone, nuclear_deterrent." in flat
    js = runner.invoke(app, ["credibility", "ukraine-2022", "--draws", "200", "--json"])
    designs = json.loads(js.stdout)["designs"]
    flags = {k: v["p_attack_as_today"] for k, v in designs.items()}
    assert {k for k, v in flags.items() if v} == set(flags) - UKRAINE_DEFENSE
    assert {k for k, v in designs.items() if v["p_any_as_today"]} == AS_TODAY
    assert {k for k, v in designs.items() if "p_all_by_construction" in v} == {
        "budapest_assurances",
        "p5_coalition",
    }


def test_a_design_that_adds_nothing_to_todays_pacts_is_marked_for_who_fights() -> None:
    """The Israel model (arms, training and intelligence without a treaty) leaves every
    guarantor's pacts with Ukraine as the data record them today and adds no obligation the
    stage-2 model reads: its chance that a guarantor fights is that of today's commitments.
    The report marks it, and the answer's sentence, which quotes it as the settled design's,
    says so. So do Budapest-style assurances: consultation, which the data record today, for
    the United States and the United Kingdom, and Russia, the aggressor, whose P is 0 under
    every design (before 2026-12-08 Russia's changed terms kept the mark off). Every other
    Ukraine design with guarantors changes a term (a pact, its multilateral form, a
    provision), and Korea's designs all add a pact where there was none."""
    ukraine = load("ukraine-2022")
    assert fight_as_today(ukraine) == AS_TODAY
    assert fight_as_today(load("korea-1953")) == frozenset()
    run = mc.simulate(ukraine, draws=600, seed=4)
    a = answer_context(run, ukraine, run_ledger(ukraine.claims, run))
    assert {d["id"] for d in a["designs"] if d["fight_as_today"]} == AS_TODAY
    top = max(a["designs"], key=lambda d: d["share"])
    assert top["id"] == "israel_model"
    assert "as under today's pacts, to which it adds nothing" in a["sentence"]
    assert {d["id"] for d in run_context(run, ukraine)["designs"] if d["fight_as_today"]} == (
        AS_TODAY
    )
    # the report's credibility section says so of them, and of no other design
    from guaranty.credibility import from_run
    from guaranty.report.context import credibility_paragraphs

    said = {
        p["id"]
        for p in credibility_paragraphs(from_run(run, ukraine), ukraine)
        if "these are the chances under today's commitments" in p["text"]
    }
    assert said == AS_TODAY
    # the comparison plot fades their credibility bars, and only theirs
    from guaranty.report.figures import comparison_figure

    bars = comparison_figure(run, ukraine, 10).data[0]
    labels = {d.label: d.id for d in ukraine.guarantees}
    faded = {labels[y] for y, o in zip(bars.y, bars.marker.opacity, strict=True) if o < 1}
    assert faded == AS_TODAY


def test_the_outputs_that_are_todays_and_what_the_claims_say_of_them() -> None:
    """``today_outputs`` names each design's figures that the flags above make today's, and
    only those; the run agrees (every design named for ``p_no_attack`` or ``p_peace`` has
    the same value in every draw as neutrality, which adds nothing); and a verdict read off
    the draws on such a figure says it is about today's commitments, a verdict on other
    figures does not (Ukraine, 2,000 draws)."""
    from guaranty.claims import with_today
    from guaranty.comparison import today_outputs

    ukraine = load("ukraine-2022")
    today = today_outputs(ukraine)
    assert {
        "p_any.israel_model",
        "p_abandoned.israel_model",
        "p_no_attack.budapest_assurances",
    } <= today
    assert "p_any.army_plus_commitments" not in today  # it adds consultation by agreement
    assert not any(n.endswith(".nato_membership") for n in today)
    assert "p_any.neutrality_alone" not in today  # no guarantor: nobody to fight
    assert today_outputs(load("korea-1953")) >= {"p_no_attack.withdrawal", "p_peace.joint_warning"}
    run = mc.simulate(ukraine, draws=2000, seed=0)
    ids = list(run.layout.designs)
    for metric in ("p_no_attack", "p_peace"):
        base = run.whatif[metric][ids.index("neutrality_alone")]
        for d in ids:
            same = np.array_equal(run.whatif[metric][ids.index(d)], base, equal_nan=True)
            assert same == (f"{metric}.{d}" in today), (metric, d)
    by_id = {c.id: c for c in with_today(run_ledger(ukraine.claims, run), today)}
    assert "said of today's commitments" in by_id["on_its_own"].reading
    assert "israel_model" in by_id["on_its_own"].reading
    assert "today's commitments" not in by_id["nonbloc_deters"].reading
    # a verdict not read off the draws is left as it is (a tie, by construction)
    assert by_id["israel_model_better"].verdict == "indistinguishable"
    assert "today's commitments" not in by_id["israel_model_better"].reading
