"""The revealed-resolve update: P(fight tomorrow | not fighting today), with persistence
estimated, for correlated guarantors.

Guarantor g fights today when its latent resolve exceeds a threshold set by today's
arrangement, and tomorrow when a second latent draw exceeds the threshold of the design
(DESIGN.md, "What a guarantee does"). On the log-odds scale the margins are

    P(fights today) = F(b_0 + c_0),    P(fights tomorrow) = F(b_d + c_1),    F = expit,

and the two latent draws are joined by a Gaussian copula with correlation ``persistence``
(:mod:`guaranty.models.credibility.persistence`). Today g does not fight, so

    P_g = P(fights tomorrow | not today)
        = [F(A) - C(F(A), F(B); rho)] / F(A),   A = -(b_0 + c_0),  B = -(b_d + c_1),

C the Gaussian copula. With rho = 1 this is max(0, F(A) - F(B)) / F(A), exactly zero for an
unchanged design and circumstances (the op-ed's argument); with rho = 0 it is the
unconditional F(b_d + c_1).

Guarantors share a common shock: with latent standard normals

    u_g  = sqrt(s) z  + sqrt(1 - s) e_g        (today)
    u'_g = sqrt(s) z' + sqrt(1 - s) e'_g       (tomorrow)
    corr(z, z') = corr(e_g, e'_g) = rho,

corr(u_g, u_h) = s (the common shock), corr(u_g, u'_g) = rho (persistence). The joint
outcomes (at least one fights, all fight, capability committed) are estimated by importance
sampling given that nobody fights today: z ~ N(0, 1), each e_g from its normal truncated to
the "not fighting today" region, weights prod_g P(e_g in that region | z), then z' and e'_g
drawn given z and e_g.

Choices
-------
* Probabilities are averaged over the latent draws within an outer draw; parameter
  uncertainty (coefficient draws, rho, s) sits in the outer draws, and intervals are taken
  across them.
* Every guarantor of a design is conditioned on *all* of them refusing today, as they all
  do; under a common shock this lowers each one's probability below its own closed form.
* A refusal that is almost impossible under the model (F(A) < 1e-12) keeps the formula's
  limit at rho = 1 (certain not to fight tomorrow either) and the unconditional margin
  below: the conditional is computed where it is defined and the margin elsewhere.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.stats import qmc

from guaranty.models.credibility.persistence import bvn_cdf

__all__ = [
    "ResolveResult",
    "conditional_honor_probability",
    "latent_digits",
    "revealed_resolve",
    "uniform",
]

_TINY = 1e-12


def conditional_honor_probability(
    b_today: np.ndarray,
    b_tomorrow: np.ndarray,
    c_today: np.ndarray,
    c_tomorrow: np.ndarray,
    persistence: np.ndarray | float = 1.0,
) -> np.ndarray:
    """P(fights tomorrow | not today) for one guarantor (see the module docstring).

    All arguments broadcast together (e.g. shape (draws, guarantors)); the result has their
    broadcast shape, values in [0, 1]. With ``persistence`` 1 it is exactly 0 where
    tomorrow equals today; with 0 it is expit(b_tomorrow + c_tomorrow).
    """
    a = -(np.asarray(b_today, dtype=np.float64) + c_today)
    b = -(np.asarray(b_tomorrow, dtype=np.float64) + c_tomorrow)
    rho = np.asarray(persistence, dtype=np.float64)
    fa = special.expit(a)
    fb = special.expit(b)
    exact = np.where(fa > _TINY, np.maximum(fa - fb, 0.0) / np.maximum(fa, _TINY), 0.0) * (b < a)
    ua = special.ndtri(np.clip(fa, _TINY, 1 - _TINY))
    ub = special.ndtri(np.clip(fb, _TINY, 1 - _TINY))
    both = bvn_cdf(ua, ub, rho)  # P(no today, no tomorrow)
    cop = np.where(fa > _TINY, np.maximum(fa - both, 0.0) / np.maximum(fa, _TINY), 1.0 - fb)
    out = np.where(rho >= 1.0, exact, cop)
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class ResolveResult:
    """Outcomes of the revealed-resolve update, per outer draw.

    Attributes
    ----------
    p_honor : array of shape (draws, guarantors)
        Each guarantor's probability of fighting tomorrow given that no guarantor fights
        today.
    p_any, p_all : arrays of shape (draws,)
        Probability that at least one / every guarantor fights (NaN with no guarantor).
    expected_capability : array of shape (draws,)
        Expected capability committed: sum over guarantors of capability x 1[fights].
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
    persistence: np.ndarray | None = None,
    inner: int = 256,
    able: np.ndarray | None = None,
) -> ResolveResult:
    """The revealed-resolve update for correlated guarantors.

    b_today, b_tomorrow, c_today, c_tomorrow : arrays of shape (draws, guarantors)
        Linear predictors of today's arrangement and of the design, and the circumstances
        terms, on the log-odds scale.
    capability : array of shape (draws, guarantors), >= 0
    rho : array of shape (draws,), the common shock's share of latent variance, in [0, 1).
    rng : the generator for the inner (latent) draws.
    persistence : array of shape (draws,), the correlation of a guarantor's latent resolve
        today and tomorrow, in [0, 1]; default 1 (the op-ed's assumption).
    inner : latent draws per outer draw for the joint outcomes.
    able : bool array of shape (guarantors,); a guarantor that is not able to fight for the
        protected state at all (the aggressor itself) never fights. Default: all able.
    """
    draws, n = b_today.shape
    pers = np.ones(draws) if persistence is None else np.asarray(persistence, dtype=np.float64)
    able = np.ones(n, dtype=bool) if able is None else np.asarray(able, dtype=bool)
    if n == 0:
        nan = np.full(draws, np.nan)
        return ResolveResult(np.zeros((draws, 0)), nan, nan, np.zeros(draws))
    # the closed form is needed only for draws without a common shock (with one, each
    # guarantor is conditioned on all the others' refusal too, by the sampler below)
    p = np.zeros((draws, n))
    free = ~(rho > 0)
    if free.any():
        p[free] = conditional_honor_probability(
            b_today[free], b_tomorrow[free], c_today[free], c_tomorrow[free], pers[free, None]
        )
    p = np.where(able[None, :], p, 0.0)
    a = -(b_today + c_today)  # not fighting today: latent below ua
    b = -(b_tomorrow + c_tomorrow)  # fights tomorrow: latent above ub
    ua = special.ndtri(np.clip(special.expit(a), _TINY, 1 - _TINY))  # (draws, n)
    ub = special.ndtri(np.clip(special.expit(b), _TINY, 1 - _TINY))
    f32 = np.float32
    s = np.sqrt(rho)[:, None, None]
    t = np.sqrt(1.0 - rho)[:, None, None]
    r = np.clip(pers, 0.0, 1.0)[:, None, None]
    q = np.sqrt(1.0 - r * r)
    sure = q <= 0.0  # tomorrow's latent is today's: an indicator instead of Phi
    inv_q = 1.0 / np.where(sure, 1.0, q)
    # the (draws, guarantors, inner) arrays are float32: each probability averages `inner`
    # terms, far coarser than float32's precision, and it halves the memory traffic
    digits = latent_digits(rng, draws, inner, 2 + n)
    z = special.ndtri(uniform(digits[:, :1], np.float64))  # the common shock today
    z2 = r * z + q * special.ndtri(uniform(digits[:, 1:2], np.float64))  # and tomorrow
    cdf_hi = special.ndtr(((ua[:, :, None] - s * z) / t).astype(f32))
    weight = np.prod(cdf_hi, axis=1, dtype=np.float64)  # (draws, inner)
    # e_g by the inverse CDF of its normal truncated to "not fighting today" (the floor keeps
    # ndtri finite)
    v = uniform(digits[:, 2:], f32)
    v *= cdf_hi
    np.maximum(v, f32(1e-30), out=v)
    e = special.ndtri(v)
    # fights tomorrow: s z2 + t (r e + q xi) > ub  <=>  q xi > bar - r e, bar = (ub - s z2) / t;
    # xi is integrated out: P = Phi((r e - bar) / q)
    e *= (r * inv_q).astype(f32)
    e -= ((ub[:, :, None] - s * z2) * (inv_q / t)).astype(f32)
    fights = special.ndtr(e)
    if sure.any():
        fights[sure[:, 0, 0]] = e[sure[:, 0, 0]] > 0
    fights *= able[None, :, None]
    if persistence is None:  # rho = 1 exactly: nobody below today's bar rises without a lift
        fights *= (ub < ua)[:, :, None]
    wsum = weight.sum(axis=1)
    wn = np.where(wsum[:, None] > 0, weight / np.where(wsum > 0, wsum, 1.0)[:, None], 1.0 / inner)
    p_joint = np.einsum("di,dgi->dg", wn, fights, dtype=np.float64)
    p = np.where((rho > 0)[:, None], p_joint, p)
    p = np.clip(p, 0.0, 1.0)
    # given the latent draws, the guarantors decide tomorrow independently
    none = np.prod(1.0 - fights, axis=1, dtype=np.float64)
    p_any = np.clip((wn * (1.0 - none)).sum(axis=1), 0.0, 1.0)
    p_all = np.clip((wn * np.prod(fights, axis=1, dtype=np.float64)).sum(axis=1), 0.0, 1.0)
    p_all = np.minimum(p_all, p_any)  # equal with one guarantor, up to rounding
    committed = np.einsum("dgi,dg->di", fights, capability, dtype=np.float64)
    expected_capability = (wn * committed).sum(axis=1)
    return ResolveResult(p, p_any, p_all, expected_capability)


def latent_digits(rng: np.random.Generator, draws: int, inner: int, dim: int) -> np.ndarray:
    """``inner`` quasi-random points in [0, 1)^dim for each of ``draws`` outer draws, as
    32-bit digits, shape (draws, dim, inner): the first ``inner`` points of the Sobol'
    sequence, digitally shifted (XOR of their digits) by an independent uniform shift per
    outer draw from ``rng``. Each outer draw's points are a randomised net on their own
    (every point uniform, the set evenly spread), and the outer draws' errors are
    independent."""
    shift = rng.integers(0, 2**32, size=(draws, dim, 1), dtype=np.uint32)
    return _sobol_digits(inner, dim)[None, :, :] ^ shift


@functools.lru_cache(maxsize=64)
def _sobol_digits(inner: int, dim: int) -> np.ndarray:
    """The first ``inner`` points of the (unscrambled) Sobol' sequence in ``dim`` dimensions
    as 32-bit digits, shape (dim, inner); deterministic, so kept."""
    with warnings.catch_warnings():  # the balance warning for an ``inner`` off the powers of 2
        warnings.simplefilter("ignore", UserWarning)
        base = qmc.Sobol(dim, scramble=False).random(inner)
    digits = np.minimum(base.T * 2.0**32, 2.0**32 - 1).astype(np.uint32)
    digits.setflags(write=False)
    return digits


def uniform(digits: np.ndarray, dtype: type) -> np.ndarray:
    """The points of :func:`latent_digits` in (0, 1): the cell midpoints of their leading 24
    bits (exact in float32, so never 0 or 1)."""
    return (digits >> np.uint32(8)).astype(dtype) * dtype(2.0**-24) + dtype(2.0**-25)
