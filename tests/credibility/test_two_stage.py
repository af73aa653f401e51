"""The kernels of the two-stage credibility model and the shipped fit.

Figures with a source: simulated data with known parameters (the logit and the copula must
recover them within stated tolerances), scipy's bivariate normal CDF as a reference, and the
shipped fit (``data/evidence_fit.json``) against a refit on the shipped tables.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from guaranty import evidence as ev
from guaranty.errors import ModelError
from guaranty.models.credibility.persistence import (
    bvn_cdf,
    conditional_probability,
    fit_correlation,
)
from guaranty.models.deterrence import challenge
from guaranty.models.logit import SHRINK_GRID, fit_logit, fit_logit_shrunk


def test_logit_recovers_known_coefficients_and_group_sd() -> None:
    rng = np.random.default_rng(42)
    n, groups = 30_000, 300
    x = rng.normal(size=(n, 3))
    g = rng.integers(0, groups, n)
    g[rng.random(n) < 0.3] = -1  # cases without a group
    u = rng.normal(0.0, 0.8, groups)
    beta = np.array([-1.0, 0.5, -1.0, 0.2])
    eta = beta[0] + x @ beta[1:] + np.where(g >= 0, u[np.maximum(g, 0)], 0.0)
    y = (rng.random(n) < expit(eta)).astype(float)
    fit = fit_logit(x, y, groups=g)
    # within 4 posterior sds of the truth, and the group sd within 0.15 of 0.8
    assert np.all(np.abs(fit.mean - beta) < 4 * fit.sd), (fit.mean, fit.sd)
    assert fit.group_sd == pytest.approx(0.8, abs=0.15)
    # without groups, the fixed-effect fit of a plain logit (no random intercept)
    plain = fit_logit(x, (rng.random(n) < expit(beta[0] + x @ beta[1:])).astype(float))
    assert np.all(np.abs(plain.mean - beta) < 4 * plain.sd)


def _planted(block_beta: float, seed: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Two controls with real effects (+1, -0.8) and a block of four 0/1 features, each
    with effect ``block_beta``; 20,000 cases, a rare outcome (about 5%)."""
    rng = np.random.default_rng(seed)
    n = 20_000
    x = np.column_stack([rng.normal(size=(n, 2)), rng.random((n, 4)) < 0.3]).astype(float)
    eta = -3.2 + x[:, 0] - 0.8 * x[:, 1] + block_beta * x[:, 2:].sum(axis=1)
    y = (rng.random(n) < expit(eta)).astype(float)
    return x, y, ("c1", "c2", "b1", "b2", "b3", "b4")


def test_shrunk_logit_chooses_the_block_prior_by_evidence() -> None:
    """A block of features with no effect gets a tight prior (tau near the grid's floor)
    and coefficients pulled to 0; a block with effects of 0.7 keeps a wide one and its
    coefficients. Either way tau maximises the Laplace evidence on the grid's span, the
    controls keep their N(0, 2.5^2) prior, and the evidence is at least the fixed-prior
    fit's (tau = 2.5 is on the grid)."""
    block = ("b1", "b2", "b3", "b4")
    lo, hi = SHRINK_GRID[0], SHRINK_GRID[-1]  # tau is searched on [lo, hi]
    for beta, seed in ((0.0, 3), (0.7, 4)):
        x, y, names = _planted(beta, seed)
        fit = fit_logit_shrunk(x, y, names=names, shrink=block)
        tau = fit.shrink_sd
        others = [
            fit_logit(x, y, names=names, prior_sd=np.where(np.isin(names, block), t, 2.5))
            for t in (*SHRINK_GRID, max(tau / 1.25, lo), min(tau * 1.25, hi))
        ]
        assert all(fit.log_evidence >= o.log_evidence - 1e-6 for o in others), beta
        coefs = np.array([fit.coef(b) for b in block])
        if beta == 0.0:
            assert tau < 0.1
            assert np.all(np.abs(coefs) < 0.05)
        else:
            assert tau > 0.4
            assert np.all(np.abs(coefs - beta) < 4 * fit.sd[3:])
        assert fit.coef("c1") == pytest.approx(1.0, abs=0.15)
    with pytest.raises(ModelError, match="shrink must name"):
        fit_logit_shrunk(x, y, names=names, shrink=("nope",))


def test_bivariate_normal_cdf_against_scipy() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        h, k = rng.normal(0, 1.5, 2)
        r = rng.uniform(-0.95, 0.95)
        ref = stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([h, k])
        assert bvn_cdf(h, k, r) == pytest.approx(ref, abs=1e-6)


def test_copula_limits() -> None:
    # rho = 0: independence; rho -> 1: the op-ed's formula (F(A) - F(B)) / F(A) in margins
    assert conditional_probability(0.3, 0.5, 0, 0.0) == pytest.approx(0.5, abs=1e-9)
    assert conditional_probability(0.3, 0.5, 0, 1.0) == pytest.approx((0.5 - 0.3) / 0.7, abs=1e-6)
    assert conditional_probability(0.3, 0.2, 0, 1.0) == pytest.approx(0.0, abs=1e-9)


def test_fit_correlation_recovers_a_known_rho() -> None:
    rng = np.random.default_rng(5)
    n, rho = 20_000, 0.45
    p1 = rng.uniform(0.05, 0.5, n)
    p2 = rng.uniform(0.05, 0.5, n)
    z1 = rng.standard_normal(n)
    z2 = rho * z1 + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    y1 = (z1 > stats.norm.ppf(1 - p1)).astype(int)
    y2 = (z2 > stats.norm.ppf(1 - p2)).astype(int)
    fit = fit_correlation(p1, p2, y1, y2, np.arange(n) // 4, rng, boots=100)
    assert fit.rho == pytest.approx(rho, abs=0.05)
    assert fit.interval[0] < rho < fit.interval[1]


@pytest.mark.slow
def test_shipped_fit_matches_a_refit_of_the_shipped_tables() -> None:
    shipped = ev.evidence()
    ch = ev.fit_stage1("challenge", challenge.SELECTION_FEATURES)
    at = ev.fit_stage1("attack")
    np.testing.assert_allclose(ch.mean, shipped.challenge.mean, atol=1e-6)
    np.testing.assert_allclose(at.mean, shipped.attack.mean, atol=1e-6)
    # the commitments' prior sd that the evidence chose (docs: 0.065 and 0.191)
    assert ch.shrink_sd == pytest.approx(shipped.challenge.shrink_sd, abs=1e-6)
    assert at.shrink_sd == pytest.approx(shipped.attack.shrink_sd, abs=1e-6)
    assert (round(ch.shrink_sd, 3), round(at.shrink_sd, 3)) == (0.065, 0.191)
    jn, _, _ = ev.fit_stage2(ch)
    np.testing.assert_allclose(jn.mean, shipped.joining.mean, atol=1e-5)
    assert jn.group_sd == pytest.approx(shipped.joining.group_sd, abs=1e-4)


def test_shipped_fit_directions() -> None:
    """Face validity of the shipped fit (signs with a 90% interval that excludes 0)."""
    j = ev.evidence().joining
    lo, _ = j.interval("defense")
    assert lo > 0  # a defense obligation makes a third state likelier to fight
    assert j.interval("joiner_major")[0] > 0  # major powers join more
    assert j.interval("contig_jt")[0] > 0  # neighbours of the target join more
    p = ev.evidence().persistence
    assert 0 < p.interval[0] <= p.rho <= p.interval[1] < 1
