"""The compiled inner loop of the revealed-resolve sampler (:mod:`.resolve`), with numba.

Imported by :func:`guaranty.models.credibility.resolve.revealed_resolve_designs` only when it
runs, so that importing the models (and every short command) never loads numba. Compiled
once per machine: ``cache=True`` keeps the machine code beside this file (``__pycache__``).

One pass over the latent points of each outer draw, in float64, with no array of shape
(draws, guarantors, points) in memory. At point i of outer draw d, for every guarantor g of
the call (once, whatever the number of designs it belongs to),

    z = Phi^-1(u_0),  z' = r z + q Phi^-1(u_1)                       the common shock
    h_g = Phi((a_g - s z) / t)                                       P(g refuses today | z)
    e_g = Phi^-1(max(u_{2+g} h_g, 1e-30))                            g's own latent today

or, for a guarantor that fights today, the mirror image: h_g = Phi((s z - a_g) / t), P(g
fights today | z), and e_g = -Phi^-1(max(u_{2+g} h_g, 1e-30)), its latent above the bar;
with one, z = mu + Phi^-1(u_0) is drawn around its mode given the fighting and l = phi(z) /
phi(z - mu) (else mu = 0 and l = 1);

and then, G every guarantor of any design that can fight for the protected state (the
conduct today of each is a fact of the world, the same whichever design is asked about),
for every design D and each of its guarantors

    w = l prod_{g in G} h_g                                          the point's weight
    f_g = Phi((r e_g - (b_{D,g} - s z') / t) / q)                    P(g fights tomorrow)

(an indicator instead of the last Phi where q = 0); the point's contributions to P_g,
P(any), P(all) and the capability committed are weighted by w. Phi is Hart's algorithm
5666 (absolute error below 1e-14, relative error small in the tails too: h_g is multiplied
and inverted), except in f_g, which is only averaged: there a cubic interpolation of a
table (absolute error below 1e-10, a third of the cost); Phi^-1 is Wichura's AS 241
(PPND16, relative error about 1e-16). ``tests/credibility/test_resolve.py`` checks all three
against scipy's.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["ndtr", "ndtri", "resolve_designs"]

_FLOOR = 1e-30  # keeps Phi^-1 finite where h_g underflows

#: LLVM's freedoms for these loops (numba's ``fastmath``): reassociate sums and products
#: (the weights' and the averages' reductions vectorise), fuse a multiply and an add (the
#: polynomials of Hart's and Wichura's algorithms) and divide by a reciprocal. Not the
#: assumptions that no value is NaN or infinite, which the tails need. The revealed-resolve
#: update took 0.024 s instead of 0.026-0.027 s of CPU a block of the Ukraine chain, the
#: block 0.050-0.051 s instead of 0.054 s (``benchmarks/bench_chain_block.py --blocks 30``,
#: two runs each, alternated); the kernel's outputs on a block moved by 4.4e-16 at most (a
#: one-off comparison by hand, before and after, on the same arguments), and the special
#: functions keep their tested accuracy against scipy's (tests/credibility).
_FAST = {"reassoc", "contract", "arcp"}

# Hart (1968), algorithm 5666, as given by West (2005): Phi(-|x|) = exp(-x^2 / 2) P(|x|) / Q(|x|)
# for |x| < 7.07 (coefficients from the highest power down)
_HART_P = (
    0.0352624965998911,
    0.700383064443688,
    6.37396220353165,
    33.912866078383,
    112.079291497871,
    221.213596169931,
    220.206867912376,
)
_HART_Q = (
    0.0883883476483184,
    1.75566716318264,
    16.064177579207,
    86.7807322029461,
    296.564248779674,
    637.333633378831,
    793.826512519948,
    440.413735824752,
)
# Wichura (1988), algorithm AS 241 (PPND16): Phi^-1(p) for |p - 1/2| <= 0.425 (A over B, in
# r = 0.180625 - (p - 1/2)^2), then in r = sqrt(-log(min(p, 1 - p))) - 1.6 up to r <= 5 (C
# over D) and r - 5 beyond (E over F); highest power first
_AS241_A = (
    2509.0809287301226727,
    33430.575583588128105,
    67265.770927008700853,
    45921.953931549871457,
    13731.693765509461125,
    1971.5909503065514427,
    133.14166789178437745,
    3.387132872796366608,
)
_AS241_B = (
    5226.495278852545925,
    28729.085735721942674,
    39307.89580009271061,
    21213.794301586595867,
    5394.1960214247511077,
    687.1870074920579083,
    42.313330701600911252,
    1.0,
)
_AS241_C = (
    7.7454501427834140764e-4,
    0.0227238449892691845833,
    0.24178072517745061177,
    1.27045825245236838258,
    3.64784832476320460504,
    5.7694972214606914055,
    4.6303378461565452959,
    1.42343711074968357734,
)
_AS241_D = (
    1.05075007164441684324e-9,
    5.475938084995344946e-4,
    0.0151986665636164571966,
    0.14810397642748007459,
    0.68976733498510000455,
    1.6763848301838038494,
    2.05319162663775882187,
    1.0,
)
_AS241_E = (
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    0.0012426609473880784386,
    0.026532189526576123093,
    0.29656057182850489123,
    1.7848265399172913358,
    5.4637849111641143699,
    6.6579046435011037772,
)
_AS241_F = (
    2.04426310338993978564e-15,
    1.4215117583164458887e-7,
    1.8463183175100546818e-5,
    7.868691311456132591e-4,
    0.0148753612908506148525,
    0.13692988092273580531,
    0.59983220655588793769,
    1.0,
)


# Phi and its derivative (times the step) on a grid over [-9, 9] with step 1/64, for the
# cubic Hermite interpolation of _ndtr_grid (absolute error below 1e-10)
_GRID_LO, _GRID_STEPS = -9.0, 64
_GRID_X = _GRID_LO + np.arange(18 * _GRID_STEPS + 1) / _GRID_STEPS
_GRID_CDF = np.array([0.5 * math.erfc(-x / math.sqrt(2.0)) for x in _GRID_X])
_GRID_PDF = np.exp(-0.5 * _GRID_X**2) / math.sqrt(2.0 * math.pi) / _GRID_STEPS


@numba.njit(cache=True, inline="always", fastmath=_FAST)
def _ndtr_grid(x: float) -> float:
    """Phi(x) to an absolute error below 1e-10, by cubic Hermite interpolation of a table
    (a third of the cost of :func:`ndtr`; for probabilities that are only averaged, never
    divided by or inverted)."""
    u = (x - _GRID_LO) * _GRID_STEPS
    if u <= 0.0:
        return 0.0
    if u >= _GRID_X.shape[0] - 1:
        return 1.0
    k = int(u)
    t = u - k
    t2 = t * t
    t3 = t2 * t
    return (
        (2.0 * t3 - 3.0 * t2 + 1.0) * _GRID_CDF[k]
        + (t3 - 2.0 * t2 + t) * _GRID_PDF[k]
        + (3.0 * t2 - 2.0 * t3) * _GRID_CDF[k + 1]
        + (t3 - t2) * _GRID_PDF[k + 1]
    )


@numba.njit(cache=True, inline="always", fastmath=_FAST)
def _horner(x: float, coefficients: tuple[float, ...]) -> float:
    acc = 0.0
    for c in coefficients:
        acc = acc * x + c
    return acc


@numba.njit(cache=True, fastmath=_FAST)
def ndtr(x: float) -> float:
    """Phi(x), by Hart's algorithm 5666 (West 2005, "Better approximations to cumulative
    normal functions") below |x| = 7.07 and a continued fraction beyond: absolute error below
    1e-14, relative error below 1e-12 in the tail; one exp (numba's own erfc is slower)."""
    a = abs(x)
    if a > 37.0:
        c = 0.0
    elif a < 7.07106781186547:
        c = math.exp(-0.5 * a * a) * _horner(a, _HART_P) / _horner(a, _HART_Q)
    else:  # Laplace's continued fraction, 12 terms deep (relative error below 1e-12)
        b = a + 0.65
        for k in range(12, 0, -1):
            b = a + k / b
        c = math.exp(-0.5 * a * a) / b / 2.5066282746310002
    return 1.0 - c if x > 0.0 else c


@numba.njit(cache=True, fastmath=_FAST)
def ndtri(p: float) -> float:
    """Phi^-1(p) for p in (0, 1), by Wichura's AS 241 (PPND16, relative error about 1e-16)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _horner(r, _AS241_A) / _horner(r, _AS241_B)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        val = _horner(r - 1.6, _AS241_C) / _horner(r - 1.6, _AS241_D)
    else:
        val = _horner(r - 5.0, _AS241_E) / _horner(r - 5.0, _AS241_F)
    return -val if q < 0.0 else val


@numba.njit(cache=True, inline="always", fastmath=_FAST)
def _uniform(digit: np.uint32) -> float:
    """The cell midpoint of a point's leading 24 bits, as ``resolve.uniform``."""
    return (np.float64(digit >> np.uint32(8)) + 0.5) * 5.9604644775390625e-08  # 2**-24


@numba.njit(cache=True, fastmath=_FAST)
def resolve_designs(
    ua: np.ndarray,
    ub: np.ndarray,
    slot_g: np.ndarray,
    slot_able: np.ndarray,
    capability: np.ndarray,
    starts: np.ndarray,
    points: np.ndarray,
    rho: np.ndarray,
    pers: np.ndarray,
    gate: bool,
    fights: np.ndarray,
    digits: np.ndarray,
    p_joint: np.ndarray,
    p_any: np.ndarray,
    p_all: np.ndarray,
    committed: np.ndarray,
) -> None:
    """Fill ``p_joint`` (draws, slots), ``p_any``, ``p_all`` and ``committed`` (draws, designs).

    ua : (draws, guarantors) today's threshold of each guarantor on the latent scale;
    ub : (draws, slots) tomorrow's threshold of each slot (a guarantor of a design);
    slot_g : (slots,) the slot's guarantor; slot_able : (slots,) bool;
    capability : (draws, slots); starts : (designs + 1,) design j's slots are
    ``starts[j]:starts[j + 1]``; points : (designs,) the number of leading points design j
    uses; rho : (draws,) the common shock's share; pers : (draws,) the persistence, in [0, 1];
    gate : also require ub < ua (persistence exactly 1 as the default) of a guarantor that
    does not fight today; fights : (guarantors,) bool, it fights today (its weight and latent
    today are those of fighting);
    digits : (draws, 2 + guarantors, inner) uint32 latent points.
    """
    draws, n_g = ua.shape
    inner = digits.shape[2]
    widest = 0
    for j in range(starts.shape[0] - 1):
        widest = max(widest, starts[j + 1] - starts[j])
    need = np.zeros(n_g, dtype=np.bool_)  # today's latent is drawn for these guarantors
    for k in range(slot_g.shape[0]):
        if slot_able[k]:
            need[slot_g[k]] = True
    # the guarantors whose conduct today every design is conditioned on: all of the
    # scenario's that can fight for the protected state, whichever design names them
    cond = np.flatnonzero(need)
    cond_able = np.ones(cond.shape[0], dtype=np.bool_)
    z2 = np.empty(inner)
    lr = np.ones(inner)  # the points' likelihood ratio of the common shock (1: untilted)
    h = np.empty((n_g, inner))
    e = np.empty((n_g, inner))
    f = np.empty((widest, inner))
    w = np.empty(inner)
    for d in range(draws):
        r = min(max(pers[d], 0.0), 1.0)
        _refusals(d, ua, need, fights, rho[d], r, digits, z2, h, e, lr)
        for j in range(starts.shape[0] - 1):
            lo, hi = starts[j], starts[j + 1]
            if hi == lo:
                continue
            m = points[j]
            _weights(cond, cond_able, h, lr, m, w)
            _fights(d, ua, ub, slot_g, slot_able, lo, hi, m, gate, fights, rho[d], r, z2, e, f)
            _accumulate(d, j, lo, hi, m, w, f, capability, p_joint, p_any, p_all, committed)


@numba.njit(cache=True, fastmath=_FAST)
def _refusals(
    d: int,
    ua: np.ndarray,
    need: np.ndarray,
    fights: np.ndarray,
    rho: float,
    r: float,
    digits: np.ndarray,
    z2: np.ndarray,
    h: np.ndarray,
    e: np.ndarray,
    lr: np.ndarray,
) -> None:
    """Outer draw d's common shock tomorrow (``z2``), and each guarantor's probability of
    its conduct today given the shock today (``h``: refusing, or fighting where ``fights``)
    and its latent today drawn on that side of its bar (``e``, where ``need``), at every
    point. Each loop runs over the points, whose terms are
    independent: the processor overlaps them (one point's chain would wait on itself).

    Where a guarantor fights today (a rare event under the model when its log-odds of
    fighting are low), the shock today is drawn from N(mu, 1) instead of N(0, 1), mu the mode
    of its density given the fighting (:func:`_tilt`), and each point carries the likelihood
    ratio ``lr`` = phi(z) / phi(z - mu) into its weight; without one, mu = 0 and ``lr`` = 1."""
    s, t = math.sqrt(rho), math.sqrt(1.0 - rho)
    q = math.sqrt(1.0 - r * r)
    inner = digits.shape[2]
    mu = _tilt(d, ua, fights, s, t)
    z = np.empty(inner)
    for i in range(inner):
        z[i] = mu + ndtri(_uniform(digits[d, 0, i]))
        z2[i] = r * z[i] + q * ndtri(_uniform(digits[d, 1, i]))
    if mu != 0.0:
        for i in range(inner):
            lr[i] = math.exp(mu * (0.5 * mu - z[i]))
    else:
        lr[:] = 1.0
    for g in range(ua.shape[1]):
        if fights[g]:
            for i in range(inner):
                h[g, i] = ndtr((s * z[i] - ua[d, g]) / t)
            if need[g]:
                for i in range(inner):
                    e[g, i] = -ndtri(max(_uniform(digits[d, 2 + g, i]) * h[g, i], _FLOOR))
            continue
        for i in range(inner):
            h[g, i] = ndtr((ua[d, g] - s * z[i]) / t)
        if need[g]:
            for i in range(inner):
                e[g, i] = ndtri(max(_uniform(digits[d, 2 + g, i]) * h[g, i], _FLOOR))


@numba.njit(cache=True, fastmath=_FAST)
def _tilt(d: int, ua: np.ndarray, fights: np.ndarray, s: float, t: float) -> float:
    """The mode of the common shock's density given that the guarantors in ``fights`` fight
    today: the maximum of -z^2 / 2 + sum_g log Phi((s z - a_g) / t), concave, by Newton's
    method from 0 (0 when none fights, or without a common shock). Any value keeps the
    estimator unbiased (the likelihood ratio corrects for it); the mode evens its weights."""
    k = s / t if t > 0.0 else 0.0
    any_fight = False
    for g in range(ua.shape[1]):
        any_fight = any_fight or fights[g]
    if not any_fight or k == 0.0:
        return 0.0
    z = 0.0
    for _ in range(50):
        grad, curv = -z, -1.0
        for g in range(ua.shape[1]):
            if fights[g]:
                x = (s * z - ua[d, g]) / t
                if x > -30.0:
                    lam = math.exp(-0.5 * x * x) / 2.5066282746310002 / max(ndtr(x), 1e-300)
                else:  # the inverse Mills ratio's asymptote (relative error below 1e-5)
                    lam = -x / (1.0 - 1.0 / (x * x) + 3.0 / (x * x * x * x))
                grad += k * lam
                curv -= k * k * lam * (x + lam)
        step = grad / curv
        z -= step
        if abs(step) < 1e-9:
            break
    return z


@numba.njit(cache=True, fastmath=_FAST)
def _weights(
    members: np.ndarray, able: np.ndarray, h: np.ndarray, lr: np.ndarray, m: int, w: np.ndarray
) -> None:
    """The weights of the first ``m`` points given the conduct today of the guarantors
    ``members`` (every design passes all of the scenario's guarantors able to fight for the
    protected state, whichever design names them): the probability that all of them that
    are ``able`` do what they do today (refuse, or fight), times the point's likelihood ratio
    ``lr`` (1 unless the shock is drawn around a mode), normalised (equal if all vanish). A
    guarantor that cannot fight (the aggressor itself) stays out of the product: that it
    does not fight for its victim today says nothing of the shock the others share."""
    wsum = 0.0
    for i in range(m):
        weight = lr[i]
        for k in range(members.shape[0]):
            if able[k]:
                weight *= h[members[k], i]
        w[i] = weight
        wsum += weight
    for i in range(m):
        w[i] = w[i] / wsum if wsum > 0.0 else 1.0 / m


@numba.njit(cache=True, fastmath=_FAST)
def _fights(
    d: int,
    ua: np.ndarray,
    ub: np.ndarray,
    slot_g: np.ndarray,
    slot_able: np.ndarray,
    lo: int,
    hi: int,
    m: int,
    gate: bool,
    fights: np.ndarray,
    rho: float,
    r: float,
    z2: np.ndarray,
    e: np.ndarray,
    f: np.ndarray,
) -> None:
    """P(fights tomorrow) of each slot lo..hi-1 at the first ``m`` points, into ``f``: its
    own shock tomorrow integrated out (an indicator where persistence is 1)."""
    s, t = math.sqrt(rho), math.sqrt(1.0 - rho)
    q = math.sqrt(1.0 - r * r)
    sure = q <= 0.0
    inv_q = 1.0 if sure else 1.0 / q
    slope, scale = r * inv_q, inv_q / t
    for k in range(hi - lo):
        g = slot_g[lo + k]
        bar = ub[d, lo + k]
        if not slot_able[lo + k] or (gate and not fights[g] and not bar < ua[d, g]):
            f[k, :m] = 0.0
            continue
        for i in range(m):
            x = e[g, i] * slope - (bar - s * z2[i]) * scale
            if sure:
                f[k, i] = 1.0 if x > 0.0 else 0.0
            else:
                f[k, i] = _ndtr_grid(x)


@numba.njit(cache=True, fastmath=_FAST)
def _accumulate(
    d: int,
    j: int,
    lo: int,
    hi: int,
    m: int,
    w: np.ndarray,
    f: np.ndarray,
    capability: np.ndarray,
    p_joint: np.ndarray,
    p_any: np.ndarray,
    p_all: np.ndarray,
    committed: np.ndarray,
) -> None:
    """Design j's weighted averages over the points: each slot's P(fights), P(any), P(all)
    (the guarantors decide independently given the latent draws) and the capability."""
    n = hi - lo
    for k in range(n):
        acc = 0.0
        for i in range(m):
            acc += w[i] * f[k, i]
        p_joint[d, lo + k] = acc
    any_ = every_ = cap = 0.0
    for i in range(m):
        none = every = 1.0
        c = 0.0
        for k in range(n):
            none *= 1.0 - f[k, i]
            every *= f[k, i]
            c += f[k, i] * capability[d, lo + k]
        any_ += w[i] * (1.0 - none)
        every_ += w[i] * every
        cap += w[i] * c
    p_any[d, j] = any_
    p_all[d, j] = every_
    committed[d, j] = cap
