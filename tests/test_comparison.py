"""Designs compared on the same draws: credibility, deterrence, durability."""

from __future__ import annotations

import numpy as np

from guaranty.comparison import compare_designs
from guaranty.credibility import assess
from guaranty.scenario.yaml_io import parse_yaml_scenario

TEXT = """\
name: comparison
actors:
  - {id: p, name: Protected, capability: 0.01}
  - {id: a, name: Aggressor, capability: 0.04, nuclear: true}
  - {id: g, name: Guarantor, capability: 0.2}
issues:
  - {id: x, label: X, scale: [0, 100], role: guarantee}
guarantees:
  - {id: alone, label: Alone, legal_form: none}
  - {id: aid, label: Arms, guarantors: [g], obligations: [arms, training], legal_form: treaty}
  - {id: late, label: Arms later, guarantors: [g], obligations: [arms, training],
     legal_form: treaty, years_to_effect: 5}
credibility:
  aggressor: a
  protected: p
  circumstances_tomorrow: {dist: normal, mean: 1.0, sd: 0.5}
deterrence: {stakes: 1.0, cost: 0.7, sigma: 0.3, years: 10}
"""


def test_guarantees_never_hurt_and_delay_costs() -> None:
    s = parse_yaml_scenario(TEXT)
    c = compare_designs(s, assess(s, draws=400, seed=2), seed=2)
    alone, aid, late = 0, 1, 2
    assert c.designs == ("alone", "aid", "late")
    # a guarantee with P(honor) > 0 commits capability: the renewed-attack risk cannot rise
    assert (c.p_no_attack[aid] >= c.p_no_attack[alone] - 1e-12).all()
    # the peace, weighted toward the third-party record, lasts longer on average (per draw
    # only where the drawn peacekeeper hazard ratio is below 1: its interval reaches 1)
    assert c.p_peace[aid].mean() > c.p_peace[alone].mean() + 0.05
    assert c.p_any[aid].mean() > 0.05
    # the same design in force only after 5 years deters less (the window of exposure)
    assert (c.p_no_attack[late] <= c.p_no_attack[aid] + 1e-12).all()
    assert c.p_no_attack[late].mean() < c.p_no_attack[aid].mean()
    data = c.to_json()
    assert data["designs"]["alone"]["p_any"]["mean"] is None
    assert 0 <= data["designs"]["aid"]["p_peace"]["interval"][0] <= 1
    assert np.isnan(c.p_any[alone]).all()
