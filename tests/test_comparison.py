"""Designs compared on the same draws: credibility, deterrence, durability."""

from __future__ import annotations

import numpy as np

from guaranty.comparison import compare_designs
from guaranty.credibility import assess
from guaranty.scenario.yaml_io import parse_yaml_scenario

TEXT = """\
name: comparison
year: 2015
actors:
  - {id: p, name: Protected, cow: 369, capability: 0.01}
  - {id: a, name: Aggressor, cow: 365, capability: 0.04, nuclear: true}
  - {id: g, name: Guarantor, cow: 2, capability: 0.2, nuclear: true}
issues:
  - {id: x, label: X, scale: [0, 100], role: guarantee}
guarantees:
  - {id: alone, label: Alone, legal_form: none}
  - {id: ally, label: Alliance, guarantors: [g], legal_form: membership,
     obligations: [consultation, article5_membership, integrated_command]}
  - {id: late, label: Alliance later, guarantors: [g], legal_form: membership,
     obligations: [consultation, article5_membership, integrated_command], years_to_effect: 5}
credibility:
  aggressor: a
  protected: p
deterrence: {years: 10}
"""


def test_designs_compared_on_the_same_draws() -> None:
    s = parse_yaml_scenario(TEXT)
    cred = assess(s, draws=400, seed=2)
    c = compare_designs(s, cred, seed=2)
    alone, ally, late = 0, 1, 2
    assert c.designs == ("alone", "ally", "late")
    # an alliance with an integrated command lowers the estimated yearly attack hazard on
    # average over the posterior (docs/models/credibility.md, stage 1; single draws of the
    # coefficients may not), so in force at once it deters best ...
    assert c.p_no_attack[ally].mean() > c.p_no_attack[alone].mean()
    # ... and the same alliance in force only after 5 years deters less: its first five
    # years are those of today's arrangement (the window of exposure); per draw, "late"
    # always lies between "alone" and "ally"
    assert c.p_no_attack[late].mean() < c.p_no_attack[ally].mean()
    lo = np.minimum(c.p_no_attack[alone], c.p_no_attack[ally]) - 1e-12
    hi = np.maximum(c.p_no_attack[alone], c.p_no_attack[ally]) + 1e-12
    assert ((c.p_no_attack[late] >= lo) & (c.p_no_attack[late] <= hi)).all()
    assert (c.exposure_years[late] == 5).all() and (c.exposure_years[ally] == 0).all()
    assert (c.p_attack_window[ally] == 0).all() and (c.p_attack_window[late] > 0).all()
    # attacked and abandoned: never more than attacked; everyone is abandoned when alone
    np.testing.assert_allclose(c.p_abandoned[alone], 1 - c.p_no_attack[alone], rtol=1e-12)
    assert (c.p_abandoned[ally] <= 1 - c.p_no_attack[ally] + 1e-12).all()
    # the peace (no new war between the two, on the inter-state record): the pact enters
    # through the target's third-party defense pact, from the year the design takes effect,
    # so per draw the late alliance's peace lies between no pact and the pact at once (the
    # cumulative hazard is a mix of the two with weights 5^k and 10^k - 5^k), and the alone
    # design's does not depend on the guarantor
    lo = np.minimum(c.p_peace[alone], c.p_peace[ally]) - 1e-12
    hi = np.maximum(c.p_peace[alone], c.p_peace[ally]) + 1e-12
    assert ((c.p_peace[late] >= lo) & (c.p_peace[late] <= hi)).all()
    assert not np.allclose(c.p_peace[ally], c.p_peace[alone])
    data = c.to_json()
    assert data["designs"]["alone"]["p_any"]["mean"] is None
    assert 0 <= data["designs"]["ally"]["p_abandoned"]["interval"][0] <= 1
    assert np.isnan(c.p_any[alone]).all()


def test_a_new_war_is_rarer_than_a_renewed_attack_in_the_ukraine_scenario() -> None:
    """Face validity across two models fitted on different data: a new war between the two
    (the durability model, on the peace after inter-state wars) cannot be likelier than any
    renewed use of force (stage 1, on the dyad-years), which includes it. Checked for every
    design, with the stated rivalry and with the data's coding, after a decisive win (the
    durability model's riskier ending) and after a negotiated settlement."""
    from pathlib import Path

    from guaranty.scenario import load

    s = load(Path(__file__).resolve().parents[1] / "scenarios" / "ukraine-2022.yaml")
    data = s.model_copy(update={"credibility": s.credibility.model_copy(update={"pair": {}})})
    for sc in (s, data):
        cred = assess(sc, draws=400, seed=4)
        for ending in ({"decisive": np.ones(400)}, {"treaty": np.ones(400)}):
            c = compare_designs(sc, cred, seed=4, covariates=ending)
            for k, d in enumerate(c.designs):
                assert c.p_peace[k].mean() > c.p_no_attack[k].mean(), (d, ending)
                # and draw by draw, though nothing ties the two fits: the new war comes out
                # likelier than the attack it implies in at most 0.2% of 2,000 draws (seed
                # 0, docs/models/durability.md); held here at 1% of 400
                assert (c.p_peace[k] < c.p_no_attack[k]).mean() <= 0.01, (d, ending)
