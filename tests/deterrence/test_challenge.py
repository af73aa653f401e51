"""Stage 1 (deterrence): the feature map and the yearly attack risk, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from guaranty.models.deterrence.challenge import FEATURES, attack_risk, feature_matrix


def test_attack_risk_with_a_design_in_force_from_year_two() -> None:
    eta_before = np.full((1, 4), -2.0)
    eta_after = np.full((1, 4), -3.0)
    hazard, survival = attack_risk(eta_before, eta_after, np.array([1.5]))
    # in force from ceil(1.5) = 2: years 0-1 at expit(-2), years 2-3 at expit(-3)
    expected = expit(np.array([-2.0, -2.0, -3.0, -3.0]))
    np.testing.assert_allclose(hazard[0], expected, rtol=1e-12)
    np.testing.assert_allclose(survival[0], np.cumprod(1 - expected), rtol=1e-12)


def test_a_later_effect_never_lowers_the_risk() -> None:
    rng = np.random.default_rng(0)
    eb = rng.normal(-3, 0.5, (50, 10))
    ea = eb - np.abs(rng.normal(0, 0.5, (50, 10)))  # the design lowers the hazard
    early = attack_risk(eb, ea, np.zeros(50))[1][:, -1]
    late = attack_risk(eb, ea, np.full(50, 4.0))[1][:, -1]
    assert (late <= early + 1e-15).all()


def test_feature_map_by_hand() -> None:
    row = {
        "year": np.array([2000.0]),
        "cinc1": np.array([0.03]),
        "cinc2": np.array([0.01]),
        "peace_years": np.array([20.0]),
        "shared_pact": np.array([1.0]),
        "shared_defense": np.array([0.0]),
        "t_def": np.array([1.0]),
        "t_def_cinc": np.array([0.09]),
        "t_def_base": np.array([np.nan]),  # a provision ATOP lacks counts as absent
    }
    for f in (
        "contig_land contig_sea major1 major2 nuclear1 nuclear2 rivalry c_def t_def_major "
        "t_def_nuclear t_def_intcom t_def_organ t_nondef t_def_rel"
    ).split():
        row[f] = np.array([0.0])
    x = dict(zip(FEATURES, feature_matrix(row)[0], strict=True))
    assert x["cap_share"] == pytest.approx(0.75)
    assert x["t_def_share"] == pytest.approx(0.09 / 0.12)
    assert x["shared_other"] == 1.0
    assert x["post1945"] == 1.0 and x["post1989"] == 1.0
    assert (x["peace1"], x["peace2"], x["peace3"]) == pytest.approx((2.0, 4.0, 8.0))
    assert x["t_def_base"] == 0.0
