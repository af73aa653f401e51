"""The revealed-resolve update: P(honor tomorrow | not fighting today), for correlated guarantors.

Guarantor g honors a commitment of design x when r_g + b(x) + c > 0, with r_g its latent
resolve, standard logistic (the latent error of the honoring model, whose probability of
honoring is the logistic function of b(x) + c). Today, under the arrangement x_0 and the
circumstances c_0, g is not fighting: r_g + b(x_0) + c_0 < 0. Tomorrow, under the design x and
circumstances c_1 (DESIGN.md, "Revealed resolve"):

    P_g = P(r_g > B_g | r_g < A_g),    A_g = -(b(x_0) + c_0),   B_g = -(b(x) + c_1)
        = max(0, F(A_g) - F(B_g)) / F(A_g),                     F the logistic CDF.

With an unchanged design and circumstances, A_g = B_g and P_g = 0 exactly; P_g grows with
b(x) + c_1 and never decreases when the design adds a term that raises b.

Guarantors are correlated through a common shock: r_g = F^-1(Phi(u_g)),
u_g = sqrt(rho) z + sqrt(1 - rho) e_g with z, e_g standard normal (a Gaussian copula with
logistic margins). The joint outcomes (at least one honors, all honor, capability committed)
are estimated by importance sampling of z given that nobody fights today: z ~ N(0, 1),
each e_g from its normal truncated to the "not fighting today" region, weights
prod_g P(e_g in that region | z).

Choices
-------
* The latent resolve is the honoring model's own logistic error, so today's non-fighting
  and tomorrow's honoring are two readings of one and the same r_g; the parameter
  uncertainty (coefficient draws, uncertain circumstances, obligations without a historical
  counterpart) sits in b and c, one value per outer draw. Probabilities are averaged over
  r_g within a draw, and intervals are taken across draws.
* Every guarantor of a design is conditioned on *all* of them refusing to fight today, as
  they all do; under a common shock this lowers each one's probability below its own
  closed form, since the others' refusal is evidence of a low common resolve.
* A guarantor whose refusal today is almost impossible under the model (F(A_g) below 1e-12)
  keeps the formula's limit: it is treated as certain not to honor tomorrow either, which
  errs on the side of the seed's argument.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["ResolveResult", "conditional_honor_probability", "revealed_resolve"]

_TINY = 1e-12


def conditional_honor_probability(
    b_today: np.ndarray, b_tomorrow: np.ndarray, c_today: np.ndarray, c_tomorrow: np.ndarray
) -> np.ndarray:
    """P(r + b_tomorrow + c_tomorrow > 0 | r + b_today + c_today < 0), r standard logistic.

    All arguments broadcast together (e.g. shape (draws, guarantors)); the result has their
    broadcast shape, with values in [0, 1] and exactly 0 where tomorrow equals today.
    """
    a = -(np.asarray(b_today) + c_today)
    b = -(np.asarray(b_tomorrow) + c_tomorrow)
    fa = special.expit(a)
    fb = special.expit(b)
    p = np.where(fa > _TINY, np.maximum(fa - fb, 0.0) / np.maximum(fa, _TINY), 0.0)
    return np.where(b < a, p, 0.0)


@dataclass(frozen=True)
class ResolveResult:
    """Outcomes of the revealed-resolve update, per outer draw.

    Attributes
    ----------
    p_honor : array of shape (draws, guarantors)
        Each guarantor's probability of honoring tomorrow given that no guarantor fights
        today (with a common shock, the others' refusal lowers it; with rho = 0 it is the
        closed form of :func:`conditional_honor_probability`).
    p_any, p_all : arrays of shape (draws,)
        Probability that at least one / every guarantor honors (NaN with no guarantor).
    expected_capability : array of shape (draws,)
        Expected capability committed: sum over guarantors of capability x 1[honors].
    """

    p_honor: np.ndarray
    p_any: np.ndarray
    p_all: np.ndarray
    expected_capability: np.ndarray


def revealed_resolve(
    b_today: np.ndarray,
    b_tomorrow: np.ndarray,
    c_today: np.ndarray,
    c_tomorrow: np.ndarray,
    capability: np.ndarray,
    rho: np.ndarray,
    rng: np.random.Generator,
    *,
    inner: int = 256,
) -> ResolveResult:
    """The revealed-resolve update for correlated guarantors.

    b_today, b_tomorrow, c_today, c_tomorrow : arrays of shape (draws, guarantors)
        Linear predictors of today's arrangement and of the design, and the circumstances
        terms, on the log-odds scale.
    capability : array of shape (draws, guarantors), >= 0
    rho : array of shape (draws,), the common shock's share of latent variance, in [0, 1).
    rng : the generator for the inner (latent) draws.
    inner : latent draws per outer draw for the joint outcomes.
    """
    draws, n = b_today.shape
    p = conditional_honor_probability(b_today, b_tomorrow, c_today, c_tomorrow)
    if n == 0:
        nan = np.full(draws, np.nan)
        return ResolveResult(p, nan, nan, np.zeros(draws))
    a = -(b_today + c_today)  # r < a: not fighting today
    b = -(b_tomorrow + c_tomorrow)  # r > b: honors tomorrow
    # thresholds on the normal scale of the copula
    ua = special.ndtri(np.clip(special.expit(a), _TINY, 1 - _TINY))  # (draws, n)
    ub = special.ndtri(np.clip(special.expit(b), _TINY, 1 - _TINY))
    s = np.sqrt(rho)[:, None, None]
    t = np.sqrt(1.0 - rho)[:, None, None]
    z = rng.standard_normal((draws, inner, 1))
    # e_g truncated to u_g < ua:  e < (ua - s z) / t
    hi_e = (ua[:, None, :] - s * z) / t
    cdf_hi = special.ndtr(hi_e)
    weight = np.prod(cdf_hi, axis=2)  # (draws, inner)
    v = rng.random((draws, inner, n))
    e = special.ndtri(np.clip(v * cdf_hi, _TINY, 1 - _TINY))
    u = s * z + t * e
    honors = (u > ub[:, None, :]) & (ub < ua)[:, None, :]
    wsum = weight.sum(axis=1)
    wn = np.where(wsum[:, None] > 0, weight / np.where(wsum > 0, wsum, 1.0)[:, None], 1.0 / inner)
    # each guarantor's probability given that *nobody* fights today: with a common shock the
    # others' refusal is evidence of low resolve; without one this is the closed form above
    p_joint = (wn[:, :, None] * honors).sum(axis=1)
    p = np.where((rho > 0)[:, None], p_joint, p)
    # weights sum to one up to rounding: keep the probabilities in [0, 1]
    p = np.clip(p, 0.0, 1.0)
    p_any = np.clip((wn * honors.any(axis=2)).sum(axis=1), 0.0, 1.0)
    p_all = np.clip((wn * honors.all(axis=2)).sum(axis=1), 0.0, 1.0)
    committed = (honors * capability[:, None, :]).sum(axis=2)
    expected_capability = (wn * committed).sum(axis=1)
    return ResolveResult(p, p_any, p_all, expected_capability)
