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
* A guarantor that fights for the protected state today (a co-belligerent, as the United
  States in Korea in 1953) is conditioned on fighting instead: P(fights tomorrow | today)
  = Phi_2(-u_A, -u_B; rho) / F(-A), its latent today drawn above its bar, and its weight
  the probability of fighting today given the common shock. With rho = 1 this is
  min(1, F(-B) / F(-A)) (exactly 1 for an unchanged design), with rho = 0 the margin.
* Several designs are updated together (:func:`revealed_resolve_designs`): a guarantor's
  conduct today is the same in every design, so its latent draws today (z, e_g) are made
  once, on the same points for every design (common random numbers), and every design
  weights them by the chance that all the guarantors of all the designs do what they do
  today (before 2026-12-08 each design weighted them by its own guarantors' conduct alone,
  so a design that named a guarantor fighting today raised its partners' figures, as if
  the design had made that state fight). The inner loop is
  compiled with numba (:mod:`._resolve_kernel`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from guaranty.models.credibility.persistence import bvn_cdf

__all__ = [
    "Members",
    "ResolveResult",
    "conditional_honor_probability",
    "latent_digits",
    "revealed_resolve",
    "revealed_resolve_designs",
    "uniform",
]

_TINY = 1e-12


def conditional_honor_probability(
    b_today: np.ndarray,
    b_tomorrow: np.ndarray,
    c_today: np.ndarray,
    c_tomorrow: np.ndarray,
    persistence: np.ndarray | float = 1.0,
    fights: np.ndarray | bool = False,
) -> np.ndarray:
    """P(fights tomorrow | its conduct today) for one guarantor (see the module docstring):
    P(fights tomorrow | not today), or where ``fights`` P(fights tomorrow | fights today).

    All arguments broadcast together (e.g. shape (draws, guarantors)); the result has their
    broadcast shape, values in [0, 1]. With ``persistence`` 1 it is exactly 0 where
    tomorrow equals today for a guarantor that does not fight today, and exactly 1 for one
    that does; with 0 it is expit(b_tomorrow + c_tomorrow) either way.
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
    fights = np.asarray(fights, dtype=bool)
    if fights.any():
        # the mirror image: P(fights today) = F(-A), and by the normal's symmetry
        # P(fights today and tomorrow) = Phi_2(-u_A, -u_B; rho), each from its own tail
        pa, pb = special.expit(-a), special.expit(-b)
        va = special.ndtri(np.clip(pa, _TINY, 1 - _TINY))
        vb = special.ndtri(np.clip(pb, _TINY, 1 - _TINY))
        again = bvn_cdf(va, vb, rho)  # P(fights today, fights tomorrow)
        exact_f = np.minimum(pb / np.maximum(pa, _TINY), 1.0)
        cop_f = np.where(pa > _TINY, again / np.maximum(pa, _TINY), pb)
        out = np.where(fights, np.where(rho >= 1.0, exact_f, cop_f), out)
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class ResolveResult:
    """Outcomes of the revealed-resolve update, per outer draw.

    Attributes
    ----------
    p_honor : array of shape (draws, guarantors)
        Each guarantor's probability of fighting tomorrow given what every guarantor does
        today (none fights, unless marked as fighting).
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
    fights: np.ndarray | None = None,
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
    fights : bool array of shape (guarantors,); those that fight today (default: none) are
        conditioned on fighting today instead of refusing.
    """
    n = b_today.shape[1]
    design = Members(np.arange(n), b_tomorrow, c_tomorrow, capability, able)
    (res,) = revealed_resolve_designs(
        b_today, c_today, [design], rho, rng, persistence=persistence, inner=inner, fights=fights
    )
    return res


@dataclass(frozen=True)
class Members:
    """One design's guarantors in :func:`revealed_resolve_designs`.

    index : int array of shape (n,), each guarantor's column in ``b_today``;
    b_tomorrow, c_tomorrow, capability : arrays of shape (draws, n), as in
        :func:`revealed_resolve`; able : bool array of shape (n,) (default: all able);
    points : the number of leading latent points the design uses (default: all).
    """

    index: np.ndarray
    b_tomorrow: np.ndarray
    c_tomorrow: np.ndarray
    capability: np.ndarray
    able: np.ndarray | None = None
    points: int | None = None


def revealed_resolve_designs(
    b_today: np.ndarray,
    c_today: np.ndarray,
    designs: Sequence[Members],
    rho: np.ndarray,
    rng: np.random.Generator,
    *,
    persistence: np.ndarray | None = None,
    inner: int = 256,
    fights: np.ndarray | None = None,
) -> list[ResolveResult]:
    """:func:`revealed_resolve` for several designs at once, on the same latent points.

    ``b_today`` and ``c_today`` (draws, guarantors) hold each guarantor's terms today, which
    no design changes; each of ``designs`` names its guarantors among them. Every guarantor's
    latent resolve today is drawn once, on the same points for every design (common random
    numbers: the designs' differences carry less noise than their levels), and every design
    weights the points by the probability that *all* the guarantors of ``designs`` able to
    fight for the protected state do what they do today (refuse, or fight): what a state does
    today is a fact of the world, not of a design, so a guarantor whose terms two designs
    leave the same gets the same figure under both, whoever else each names (the aggressor's
    conduct toward its victim says nothing of the shock the others share, and stays out).
    With one design over all the guarantors this is :func:`revealed_resolve` itself.

    ``fights`` (bool, shape (guarantors,); default: none) marks the guarantors that fight
    for the protected state today: each is conditioned on fighting today instead of
    refusing (the mirror image of the update; ``conditional_honor_probability``).
    """
    draws, n_g = b_today.shape
    fights = np.zeros(n_g, dtype=bool) if fights is None else np.asarray(fights, dtype=bool)
    if fights.shape != (n_g,):
        raise ValueError(f"fights must have shape ({n_g},); got {fights.shape}")
    pers = np.ones(draws) if persistence is None else np.asarray(persistence, dtype=np.float64)
    pers = np.ascontiguousarray(np.broadcast_to(pers, (draws,)), dtype=np.float64)
    rho = np.ascontiguousarray(np.broadcast_to(rho, (draws,)), dtype=np.float64)
    ables = [
        np.ones(len(m.index), dtype=bool) if m.able is None else np.asarray(m.able, dtype=bool)
        for m in designs
    ]
    slot_g = np.concatenate([np.asarray(m.index, dtype=np.int64) for m in designs] + [_NONE])
    if slot_g.size == 0:
        nan = np.full(draws, np.nan)
        return [ResolveResult(np.zeros((draws, 0)), nan, nan, np.zeros(draws)) for _ in designs]
    ua = _threshold(b_today + c_today)  # not fighting today: latent below ua, (draws, n_g)
    ub = _threshold(np.concatenate([m.b_tomorrow + m.c_tomorrow for m in designs], axis=1))
    starts = np.cumsum([0] + [len(m.index) for m in designs], dtype=np.int64)
    points = np.array([min(m.points or inner, inner) for m in designs], dtype=np.int64)
    p_joint = np.empty((draws, slot_g.size))
    p_any, p_all, committed = (np.empty((draws, len(designs))) for _ in range(3))
    from guaranty.models.credibility._resolve_kernel import resolve_designs  # loads numba

    resolve_designs(
        ua,
        ub,
        slot_g,
        np.concatenate(ables),
        np.ascontiguousarray(np.concatenate([m.capability for m in designs], axis=1)),
        starts,
        points,
        rho,
        pers,
        persistence is None,  # rho = 1 exactly: nobody below today's bar rises without a lift
        fights,
        latent_digits(rng, draws, inner, 2 + n_g),
        p_joint,
        p_any,
        p_all,
        committed,
    )
    out = []
    free = ~(rho > 0)
    for j, (m, able) in enumerate(zip(designs, ables, strict=True)):
        if len(m.index) == 0:
            nan = np.full(draws, np.nan)
            out.append(ResolveResult(np.zeros((draws, 0)), nan, nan, np.zeros(draws)))
            continue
        p = p_joint[:, starts[j] : starts[j + 1]]
        any_ = np.clip(p_any[:, j], 0.0, 1.0)
        every = np.minimum(np.clip(p_all[:, j], 0.0, 1.0), any_)  # equal with one guarantor
        spent = committed[:, j].copy()
        if free.any():
            # without a common shock the guarantors are independent, so each one's
            # probability has a closed form (with one, each is conditioned on all the
            # others' refusal too, by the sampler), and so do the joint outcomes: taking
            # them from the sampler would leave "at least one" below the likeliest
            # guarantor's own probability, or a lone guarantor's two figures apart, by the
            # sampler's error
            p = p.copy()
            p[free] = np.clip(
                np.where(
                    able[None, :],
                    conditional_honor_probability(
                        b_today[free][:, m.index],
                        m.b_tomorrow[free],
                        c_today[free][:, m.index],
                        m.c_tomorrow[free],
                        pers[free, None],
                        fights[m.index][None, :],
                    ),
                    0.0,
                ),
                0.0,
                1.0,
            )
            any_[free] = 1.0 - np.prod(1.0 - p[free], axis=1)
            every[free] = np.prod(p[free], axis=1)
            spent[free] = (m.capability[free] * p[free]).sum(axis=1)
        out.append(ResolveResult(np.clip(p, 0.0, 1.0), any_, every, spent))
    return out


_NONE = np.zeros(0, dtype=np.int64)


def _threshold(eta: np.ndarray) -> np.ndarray:
    """Phi^-1(expit(-eta)): where a latent standard normal crosses the bar of log-odds eta."""
    u = np.clip(special.expit(-np.asarray(eta, dtype=np.float64)), _TINY, 1 - _TINY)
    return np.ascontiguousarray(special.ndtri(u))


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
    as 32-bit digits, shape (dim, inner), the points of ``scipy.stats.qmc.Sobol(dim,
    scramble=False)`` in its order; deterministic, so kept.

    Point k is the XOR of the direction numbers of the bits of k's Gray code, with scipy's
    own direction numbers (Joe and Kuo) read from its data file: importing ``scipy.stats``
    would take a second in every process of a run. ``tests/credibility/test_resolve.py``
    checks that the points are scipy's."""
    v = _direction_numbers(dim)  # (dim, bits)
    k = np.arange(inner, dtype=np.int64)
    gray = k ^ (k >> 1)
    ints = np.zeros((dim, inner), dtype=np.int64)
    for j in range(v.shape[1]):
        ints[:, ((gray >> j) & 1).astype(bool)] ^= v[:, j : j + 1]
    digits = (ints << (32 - _SOBOL_BITS)).astype(np.uint32)
    digits.setflags(write=False)
    return digits


#: the bits of scipy's Sobol' points (its default)
_SOBOL_BITS = 30


def _direction_numbers(dim: int) -> np.ndarray:
    """The direction numbers of the first ``dim`` dimensions of scipy's Sobol' sequence,
    shape (dim, bits), each scaled to its bit (scipy's ``_initialize_v``)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("scipy.stats")  # finds the package, does not import it
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else ""
    with np.load(os.path.join(folder, "_sobol_direction_numbers.npz")) as table:
        if dim > table["poly"].shape[0]:
            raise ValueError(
                f"scipy's Sobol' sequence has at most {table['poly'].shape[0]} dimensions"
            )
        poly, vinit = table["poly"][:dim], table["vinit"][:dim]
    bits = _SOBOL_BITS
    v = np.zeros((dim, bits), dtype=np.int64)
    v[0, :] = 1
    for d in range(1, dim):
        p = int(poly[d])
        m = p.bit_length() - 1  # the degree of the primitive polynomial
        v[d, :m] = vinit[d, :m]
        for j in range(m, bits):
            new = int(v[d, j - m])
            for k in range(m):
                if (p >> (m - 1 - k)) & 1:
                    new ^= int(v[d, j - k - 1]) << (k + 1)
            v[d, j] = new
    return v << (bits - 1 - np.arange(bits))[None, :]


def uniform(digits: np.ndarray, dtype: type) -> np.ndarray:
    """The points of :func:`latent_digits` in (0, 1): the cell midpoints of their leading 24
    bits (exact in float32, so never 0 or 1)."""
    return (digits >> np.uint32(8)).astype(dtype) * dtype(2.0**-24) + dtype(2.0**-25)
