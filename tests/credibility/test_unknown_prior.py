"""The stated prior's draw of an obligation with no historical counterpart (a no-fly zone, a
nuclear umbrella; ``guaranty.credibility.UNKNOWN_SD``), and a design's open years to effect,
are inputs like history's: recorded with each draw, so that the claims' halves can name
them when a verdict turns on them.

Before 2026-12-07 it was drawn but not recorded: the Sobol design of ``guaranty claims``
found that it carries most of the variance of the claims comparing NATO membership with
other designs (first-order index 0.79 for ``credible_only_with_nato``), while the ledger's
reading of the same claim said that no single input's halves moved it by 10 points."""

from __future__ import annotations

import numpy as np
import pytest

from guaranty import montecarlo as mc
from guaranty.claims import run_ledger
from guaranty.credibility import UNKNOWN_SD, assess, unknown_input
from guaranty.report import answer_context
from guaranty.scenario import load
from tests.conftest import ROOT

UKRAINE = ROOT / "scenarios" / "ukraine-2022.yaml"


def test_the_draw_is_recorded_and_is_the_one_used() -> None:
    """Recorded for the two obligations the Ukraine designs hold, N(0, 1) (sd within 0.05 of
    UNKNOWN_SD over 4,000 draws), and the draw the model uses: in the draws where the
    nuclear umbrella's effect is in its upper half, NATO membership's P(at least one fights)
    is higher than in the lower half in every quantile pair, while a design without such an
    obligation (the Israel model) moves with it by no more than chance (0.01)."""
    scenario = load(UKRAINE)
    cred = assess(scenario, draws=4000, seed=3, inner=64)
    for ob in ("no_fly_zone", "nuclear_umbrella"):
        assert np.std(cred.inputs[unknown_input(ob)]) == pytest.approx(UNKNOWN_SD, abs=0.05)
    assert not any(k.startswith("unknown effect of troops") for k in cred.inputs)
    u = cred.inputs[unknown_input("nuclear_umbrella")]
    upper = u > np.median(u)
    by = {d.design.id: d for d in cred.designs}
    nato, israel = by["nato_membership"].p_any, by["israel_model"].p_any
    assert np.mean(nato[upper]) > np.mean(nato[~upper]) + 0.1
    assert abs(np.mean(israel[upper]) - np.mean(israel[~upper])) < 0.01


def test_the_ledger_and_the_answer_name_it() -> None:
    """NATO membership against the army-plus-commitments design (``credible_only_with_nato``,
    2,000 draws): the verdict depends, and it turns on the nuclear umbrella's stated prior
    (about a third of the lower half's draws hold it and every draw of the upper half: the
    figures of docs/claims.md at 20,000 draws are 38% and 100%); the answer marks it."""
    scenario = load(UKRAINE)
    run = mc.simulate(scenario, draws=2000, seed=0)
    by_id = {c.id: c for c in run_ledger(scenario.claims, run)}
    c = by_id["credible_only_with_nato"]
    assert c.verdict == "depends"
    name, low, high = c.sensitivity[0]
    assert name == unknown_input("nuclear_umbrella")
    assert low < 0.6 and high > 0.9
    assert "unknown effect of nuclear_umbrella (stated prior)" in c.reading
    answer = answer_context(run, scenario, list(by_id.values()))
    marked = {a["id"] for a in answer["claims"] if a["priors"]}
    assert "credible_only_with_nato" in marked
    assert "battlefield_decides" not in marked  # a war claim: no stated prior moves it


def test_open_years_to_effect_are_recorded() -> None:
    """A design's years to effect, when the scenario leaves them open, are an input like the
    prior's draw: NATO membership's Tri[1, 7, 20] (mean 28/3, within 0.3 over 4,000 draws),
    the draw the model uses (where they are shorter than their median, the window of
    exposure before membership takes effect is riskier less often); a design whose years
    are stated (the Israel model, 0) is not recorded."""
    scenario = load(UKRAINE)
    cred = assess(scenario, draws=4000, seed=3, inner=16)
    years = cred.inputs["years to effect of nato_membership"]
    assert np.mean(years) == pytest.approx(28 / 3, abs=0.3)
    assert years.min() >= 1 and years.max() <= 20
    assert "years to effect of israel_model" not in cred.inputs
    nato = {d.design.id: d for d in cred.designs}["nato_membership"]
    short = years < np.median(years)
    assert np.mean(nato.p_attack_window[short]) < np.mean(nato.p_attack_window[~short])


def test_the_peace_models_design_term_is_recorded() -> None:
    """The durability model's coefficient of a defense pact with a third state (``t_def``,
    the one term a design moves) is recorded with each draw of the chain, and it is the draw
    the model uses: what the non-bloc guarantee (a defense pact within two years) changes
    in the chance that the peace holds, against neutrality (no pact), falls as the
    coefficient (on the hazard of a new war) rises, correlation -0.96 at seed 0. Neutrality's
    own chance moves with it too, but only through the posterior's correlation of the
    coefficients (0.29)."""
    scenario = load(UKRAINE)
    run = mc.simulate(scenario, draws=2000, seed=0)
    beta = run.inputs[:, run.layout.inputs.index("history, durability: coefficient of t_def")]
    peace = run.peace.astype(bool)
    held = run.whatif["p_peace"]
    ids = list(run.layout.designs)
    gain = held[ids.index("nonbloc_coalition")] - held[ids.index("neutrality_alone")]
    assert np.corrcoef(beta[peace], gain[peace])[0, 1] < -0.9


def _with_sd(scenario, sd: float):
    cred = scenario.credibility.model_copy(update={"unknown_sd": sd})
    return scenario.model_copy(update={"credibility": cred})


def test_the_prior_is_the_scenarios_and_zero_is_history_alone() -> None:
    """``credibility.unknown_sd`` scales the recorded draw (the same standard normals, so
    every other draw stays: a design without such an obligation gets the same P(fights)
    draw for draw); at 0 the three designs' P(at least one fights) are history's alone,
    0.193, 0.188 and 0.203 (docs/models/credibility.md, section f's table: 2,000 draws,
    seed 0), their intervals narrower than with the prior, and still above every design
    without a defense obligation."""
    scenario = load(UKRAINE)
    assert scenario.credibility.unknown_sd == UNKNOWN_SD == 1.0
    runs = {sd: assess(_with_sd(scenario, sd), draws=2000, seed=0) for sd in (0.0, 1.0, 2.0)}
    u = {sd: r.inputs.get(unknown_input("no_fly_zone")) for sd, r in runs.items()}
    np.testing.assert_allclose(u[2.0], 2.0 * u[1.0])
    assert u[0.0] is None or not np.any(u[0.0])
    by = {sd: {d.design.id: d.p_any for d in r.designs} for sd, r in runs.items()}
    np.testing.assert_array_equal(by[0.0]["israel_model"], by[1.0]["israel_model"])
    alone = {k: float(np.mean(by[0.0][k])) for k in ("nato_membership", "nonbloc_coalition")}
    alone["p5_coalition"] = float(np.mean(by[0.0]["p5_coalition"]))
    assert alone == pytest.approx(
        {"nato_membership": 0.193, "nonbloc_coalition": 0.188, "p5_coalition": 0.203}, abs=5e-4
    )
    for k in alone:
        width = {sd: np.subtract(*np.quantile(by[sd][k], [0.95, 0.05])) for sd in by}
        assert width[0.0] < width[1.0] < width[2.0]
        assert alone[k] > max(
            float(np.mean(by[0.0][j])) for j in ("israel_model", "scholz_tailored")
        )


def test_a_negative_sd_is_refused(tmp_path) -> None:
    from typer.testing import CliRunner

    from guaranty.cli import app

    text = UKRAINE.read_text().replace(
        "  protected: ukraine\n", "  protected: ukraine\n  unknown_sd: -1\n", 1
    )
    assert "unknown_sd: -1" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = CliRunner().invoke(app, ["validate", str(bad)])
    assert out.exit_code == 2
    said = " ".join(out.stderr.split())
    assert "credibility.unknown_sd" in said and "Traceback" not in said


def test_the_answer_and_the_claims_give_history_alone() -> None:
    """The main job runs the chain again on the same draws with the prior at 0
    (``guaranty.analysis.check_stated_facts``): the answer quotes the highest P(fights)
    from history alone beside the run's, the figures are those of that run, and a claim
    whose verdict differs there says so."""
    from guaranty.analysis import PRIOR, analyze, prior_off

    scenario = load(UKRAINE)
    done = analyze(scenario, draws=2000, seed=4)
    got = done.fact_answers[PRIOR]
    assert (got.fact, got.stated, got.data) == (PRIOR, 1.0, 0.0)
    other = mc.simulate(prior_off(scenario), draws=2000, seed=4)
    summ, main = other.summary()["designs"], done.run.summary()["designs"]
    assert got.fights == {k: d["p_any"] for k, d in summ.items() if d["p_any"]["mean"] is not None}
    assert set(got.fights) == {k for k, d in main.items() if d["p_any"]["mean"] is not None}
    # the designs without such an obligation: the same figures (every other draw kept)
    assert got.fights["israel_model"] == main["israel_model"]["p_any"]
    a = answer_context(done.run, scenario, done.claims, done.fact_answers)
    best = max((d for d in a["designs"] if d["p_any"]), key=lambda d: d["p_any"]["mean"])
    alone = got.fights[best["id"]]
    lo, hi = alone["interval"]
    assert (
        f"“{best['label']}” (widened by a stated prior; from history alone, the prior at 0: "
        f"{alone['mean']:.0%} (90% interval {lo:.0%}-{hi:.0%}))"
    ) in a["sentence"]
    # the HTML answer, whose first screen is tight, gives it as a tooltip on a mark
    from guaranty.report import answer_html

    assert "from history alone" not in a["sentence_html"]
    note = f"“{best['label']}” from history alone, the prior at 0: {alone['mean']:.0%}"
    assert a["history_note"].startswith(note)
    html = answer_html(done.run, scenario, done.claims, done.fact_answers).replace("&#39;", "'")
    assert f'<span title="{a["history_note"]}">*</span>' in html
    # NATO's P(fights) more than twice the army-and-commitments design's: from history alone
    # in nearly every draw, with the prior in about 70% (docs/models/credibility.md)
    by = {c.id: c for c in done.claims}
    claim = by["credible_only_with_nato"]
    (flip,) = [f for f in claim.facts if f.fact == PRIOR]
    assert flip.share > 0.95 and flip.verdict == "supported" and claim.verdict == "depends"
    assert "rests on the stated prior on the effect of an obligation with no historical" in (
        claim.reading
    )
    entry = next(c for c in a["claims"] if c["id"] == "credible_only_with_nato")
    assert entry["prior_rests"] and PRIOR not in entry["facts"]


def test_the_assumptions_table_states_the_prior() -> None:
    """The report's "Assumptions and their sources" (and ``guaranty show``) list the prior
    with its sd, for a scenario whose designs hold such an obligation, and not otherwise."""
    from guaranty.report.context import assumption_rows

    scenario = load(UKRAINE)
    rows = [r for r in assumption_rows(scenario) if r["name"].startswith("effect of an obl")]
    assert [r["value"] for r in rows] == ["N(0, 1) on the log-odds of fighting"]
    assert "(no_fly_zone, nuclear_umbrella)" in rows[0]["name"]
    assert "A stated prior, not an estimate" in rows[0]["source"]
    rows = assumption_rows(_with_sd(scenario, 0.5))
    assert "N(0, 0.5) on the log-odds of fighting" in [r["value"] for r in rows]
    new = {"no_fly_zone", "nuclear_umbrella"}
    plain = scenario.model_copy(
        update={
            "guarantees": [
                g for g in scenario.guarantees if not new & {o.value for o in g.obligations}
            ]
        }
    )
    assert not [r for r in assumption_rows(plain) if r["name"].startswith("effect of an obl")]
