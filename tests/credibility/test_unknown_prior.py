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
