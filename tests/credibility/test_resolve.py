"""The revealed-resolve update (DESIGN.md) and the credibility of a scenario's designs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.credibility import OBLIGATION_MAP, assess, design_features, honoring_posterior
from guaranty.models.credibility.resolve import conditional_honor_probability, revealed_resolve
from guaranty.scenario import load
from guaranty.scenario.yaml_io import parse_yaml_scenario

real = st.floats(-8, 8, allow_nan=False)


@given(real, real)
def test_unchanged_design_and_circumstances_give_exactly_zero(b: float, c: float) -> None:
    assert conditional_honor_probability(b, b, c, c) == 0.0


@given(real, real, real, real, st.floats(0, 6))
def test_raising_b_never_lowers_the_probability(b0, b1, c0, c1, delta) -> None:
    p = conditional_honor_probability(b0, b1, c0, c1)
    q = conditional_honor_probability(b0, b1 + delta, c0, c1)
    assert 0.0 <= p <= q + 1e-12 <= 1.0 + 1e-12


def test_conditional_probability_by_hand() -> None:
    # A = -(b0 + c0) = 0, B = -(b1 + c1) = -1: (F(0) - F(-1)) / F(0) = 1 - 2 / (1 + e)
    got = conditional_honor_probability(0.0, 1.0, 0.0, 0.0)
    assert got == pytest.approx(1 - 2 / (1 + np.e), abs=1e-12)


def test_joint_outcomes_match_marginals_without_common_shock() -> None:
    rng = np.random.default_rng(1)
    b0 = np.zeros((1, 3))
    b1 = np.array([[0.5, 1.0, 2.0]])
    zeros = np.zeros((1, 3))
    res = revealed_resolve(
        b0, b1, zeros, zeros, np.ones((1, 3)), np.array([0.0]), rng, inner=200_000
    )
    p = res.p_honor[0]
    assert res.p_any[0] == pytest.approx(1 - np.prod(1 - p), abs=0.01)
    assert res.p_all[0] == pytest.approx(np.prod(p), abs=0.01)
    assert res.expected_capability[0] == pytest.approx(p.sum(), abs=0.02)
    # with a common shock, the importance sampler agrees with brute-force rejection sampling
    rho = 0.6
    res = revealed_resolve(
        b0, b1, zeros, zeros, np.ones((1, 3)), np.array([rho]), rng, inner=200_000
    )
    z = rng.standard_normal((400_000, 1))
    u = np.sqrt(rho) * z + np.sqrt(1 - rho) * rng.standard_normal((400_000, 3))
    r = np.log(stats.norm.cdf(u)) - np.log(stats.norm.sf(u))  # logistic quantile of Phi(u)
    keep = (r < 0).all(axis=1)  # nobody fights today (A = 0)
    honors = r[keep] > -b1[0]
    assert res.p_all[0] == pytest.approx(honors.all(axis=1).mean(), abs=0.01)
    assert res.p_any[0] == pytest.approx(honors.any(axis=1).mean(), abs=0.01)
    np.testing.assert_allclose(res.p_honor[0], honors.mean(axis=0), atol=0.01)


TINY = """\
name: tiny guarantee
actors:
  - {id: p, name: Protected, capability: 0.01}
  - {id: a, name: Aggressor, capability: 0.04, nuclear: true}
  - {id: g, name: Guarantor, capability: 0.1}
issues:
  - {id: x, label: X, scale: [0, 100], role: guarantee}
guarantees:
  - {id: same, label: Same as today, guarantors: [g], obligations: [arms], legal_form: none}
  - {id: more, label: More, guarantors: [g], obligations: OBLIGATIONS, legal_form: none}
credibility:
  aggressor: a
  protected: p
  circumstances_today: 0.2
  circumstances_tomorrow: 0.2
  conduct:
    g: {today: [arms]}
"""


def tiny(obligations: list[str]) -> str:
    return TINY.replace("OBLIGATIONS", "[" + ", ".join(obligations) + "]")


def test_design_equal_to_today_gives_exactly_zero() -> None:
    s = parse_yaml_scenario(tiny(["arms", "training"]))
    res = assess(s, draws=300, seed=3)
    same = res.designs[0]
    assert same.design.id == "same"
    assert (same.p_honor == 0.0).all()
    assert (same.p_any == 0.0).all()


POSITIVE = [ob for ob, (feats, unknown, _) in OBLIGATION_MAP.items() if feats and not unknown]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from(list(OBLIGATION_MAP)), max_size=4, unique=True),
    st.sampled_from(["membership", "treaty", "executive_agreement", "political_declaration"]),
)
def test_adding_an_obligation_that_raised_honoring_never_lowers_p(base, form) -> None:
    """At the posterior mean, adding an obligation whose features all have positive
    coefficients (those that historically raised honoring) never lowers P(honor)."""
    post = honoring_posterior()
    coef = dict(zip(post.coef_names, post.mean, strict=True))
    raising = [ob for ob in POSITIVE if all(coef[f] > 0 for f in OBLIGATION_MAP[ob][0])]
    assert raising  # military aid (arms, training, ...) has a positive coefficient
    case = {"post1945": 1.0, "nuclear_opponent": 1.0, "ally_cinc_share": 0.7}
    x0, _ = design_features(["sanctions"], "none", False, case)
    b0 = post.linear_predictor(post.feature_vector(x0))
    x1, _ = design_features(base, form, False, case)
    p = conditional_honor_probability(b0, post.linear_predictor(post.feature_vector(x1)), 0, 0)
    for ob in raising:
        x2, _ = design_features([*base, ob], form, False, case)
        q = conditional_honor_probability(b0, post.linear_predictor(post.feature_vector(x2)), 0, 0)
        assert q >= p - 1e-12


def test_credibility_json_covers_every_design_and_guarantor(root: Path) -> None:
    path = root / "scenarios" / "ukraine-2022.yaml"
    result = CliRunner().invoke(app, ["credibility", str(path), "--json", "--draws", "200"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    scenario = load(path)
    assert set(data["designs"]) == {d.id for d in scenario.guarantees}
    for d in scenario.guarantees:
        entry = data["designs"][d.id]
        assert set(entry["guarantors"]) == set(d.guarantors)
        for g in entry["guarantors"].values():
            assert 0.0 <= g["p_honor"] <= 1.0
            assert g["ci"][0] <= g["ci"][1]
        if d.guarantors:
            assert 0.0 <= entry["p_all"] <= entry["p_any"] <= 1.0
    # the aggressor named as guarantor is taken as all but certain not to honor
    assert data["designs"]["p5_coalition"]["guarantors"]["russia"]["p_honor"] < 1e-3


def test_explain_and_errors(root: Path) -> None:
    path = str(root / "scenarios" / "ukraine-2022.yaml")
    result = CliRunner().invoke(
        app, ["credibility", path, "--explain", "nonbloc_coalition", "usa", "--json"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert "no_fly_zone" in info["no_counterpart"]
    assert set(info["terms"]) <= set(honoring_posterior().feature_names)
    bad = CliRunner().invoke(app, ["credibility", path, "--explain", "nonbloc_coalition", "china"])
    assert bad.exit_code == 2 and "is not a guarantor" in bad.stderr


def test_reproducible(root: Path) -> None:
    s = load(root / "scenarios" / "ukraine-2022.yaml")
    a = assess(s, draws=200, seed=5).to_json()
    b = assess(s, draws=200, seed=5).to_json()
    assert a == b
