"""The compiled run of ``smp`` (numba): every turn of a draw and its final election in one
compiled loop per draw.

The equations and their order of operations are those of the array kernel
(:mod:`guaranty.models.bargaining._smp_turn`, :mod:`guaranty.models.bargaining._smp_ktab`),
written per draw with explicit loops, so that the two agree to round-off (with KTAB's
default options, bit for bit on the random draws of 7 to 40 actors tried; the sums here run
in order, numpy's may pair terms). What changes is the layout of the work:

* the utilities u[h, i, j] = near[i, j] + near[i, j] min(d_ij, 1) R^h_i (n³ numbers) are
  computed where they are used, from two n x n tables, instead of being stored;
* the third parties of all the challenges of an actor are swept with the target
  innermost, a loop the compiler turns into vector instructions (each sum over third
  parties still runs in order);
* an actor's bargains are put to the vote among its own queue only (the array kernel
  votes over every pair of bargains of the state and masks what is not in the queue);
* a draw runs all its turns without returning to Python.

:func:`run_segment` runs the draws it is given one after the other and releases the GIL:
:meth:`SpatialModelOfPolitics._run_chunk <guaranty.models.bargaining.smp.
SpatialModelOfPolitics._run_chunk>` hands slices of a batch to :func:`threads` threads.

Nothing here is imported at package import: :mod:`guaranty.models.bargaining.smp` imports
this module (and numba with it) when a run starts. :func:`run_segment` is compiled, with
every function it calls, on its first call on a machine and cached on disk
(``cache=True``); later processes load it from the cache.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.core import config

from guaranty.models.bargaining._smp_ktab import (
    _HALF_UP,
    _MARKOV_MAX,
    _MARKOV_TOL,
    _MIN_CHALLENGE,
    _MIN_COALITION,
    _MIN_GAIN,
    _MIN_INTERP,
    _NEAR,
    _P_TOL,
    _POS_TOL,
    _TIE,
    OPTIONS,
)

__all__ = ["option_codes", "run_segment", "threads"]

_JIT = {"error_model": "numpy", "nogil": True}

# the positions in the vector of option codes (each code: the index of the value in OPTIONS)
_NAMES = (
    "VotingRule",
    "VictoryProbModel",
    "PCEModel",
    "BigRRange",
    "BigRAdjust",
    "ThirdPartyCommit",
    "InterVecBrgn",
    "BargnModel",
    "StateTransitions",
)
VOTE, VICTORY, PCE, RANGE, ADJUST, COMMIT, INTERP, BARGAIN, TRANSITIONS, GROUPING = range(10)


def _code(option: str, value: str) -> int:
    return OPTIONS[option].index(value)


PROP, BINARY, PROPBIN, PROPCBC, CUBIC, ASYMPROSP = (
    _code("VotingRule", v) for v in ("Prop", "Binary", "PropBin", "PropCbc", "Cubic", "ASymProsp")
)
LINEAR, SQUARE, QUARTIC, OCTIC, BINARY_VP = (
    _code("VictoryProbModel", v) for v in ("Linear", "Square", "Quartic", "Octic", "Binary")
)
CONDITIONAL, MARKOV_INCENTIVE, MARKOV_UNIFORM = (
    _code("PCEModel", v) for v in ("Conditional", "MarkovIncentive", "MarkovUniform")
)
R_MID, R_MIN, R_MAX = (_code("BigRRange", v) for v in ("Mid", "Min", "Max"))
ADJ_ONE_THIRD, ADJ_NONE, ADJ_HALF, ADJ_TWO_THIRDS, ADJ_FULL = (
    _code("BigRAdjust", v) for v in ("OneThird", "None", "Half", "TwoThirds", "Full")
)
SEMI_COMMIT = _code("ThirdPartyCommit", "SemiCommit")
S2P2, S1P1, S2PMAX = (_code("InterVecBrgn", v) for v in ("S2P2", "S1P1", "S2PMax"))
INIT_ONLY, INIT_RCVR, PW_COMP = (
    _code("BargnModel", v) for v in ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")
)
DETERMINISTIC = _code("StateTransitions", "Deterministic")
KTAB_GROUPING = 1  # grouping: 0 "chain", 1 "ktab"
_TOL_UNIFORM = _MARKOV_TOL["MarkovUniform"]
_TOL_INCENTIVE = _MARKOV_TOL["MarkovIncentive"]


def threads() -> int:
    """The threads a batch of draws runs in: numba's setting (``NUMBA_NUM_THREADS``,
    by default the number of CPUs)."""
    return int(config.NUMBA_NUM_THREADS)


def option_codes(options: dict[str, str], grouping: str) -> np.ndarray:
    """The model's options as the vector of integer codes the compiled functions read."""
    codes = [_code(name, options[name]) for name in _NAMES]
    return np.array([*codes, 1 if grouping == "ktab" else 0], dtype=np.int64)


# ---------------------------------------------------------------------------------------
# KTAB's model functions, one number at a time (as in _smp_ktab)


@njit(**_JIT)
def _vote(rule, w, du):  # Model::vote
    if rule == PROP:
        return w * du
    if rule == CUBIC:
        return w * (du * du * du)
    if rule == PROPCBC:
        return w * (0.5 * du + 0.5 * du * du * du)
    if rule == ASYMPROSP:
        return w * du if du < 0 else 2.0 * w * du / 3.0
    binary = min(max(du / 1e-8, -1.0), 1.0)
    if rule == BINARY:
        return w * binary
    return w * (0.8 * du + 0.2 * binary)


@njit(**_JIT)
def _victory(model, s1, s2):  # Model::vProb
    if model == BINARY_VP:
        thresh = 1.10
        if s1 >= thresh * s2:
            x1, x2 = 1.0, 1e-6
        elif s2 >= thresh * s1:
            x1, x2 = 1e-6, 1.0
        else:
            p12 = (s1 / (s1 + s2) * (thresh + 1.0) - 1.0) / (thresh - 1.0)
            x1, x2 = p12, 1.0 - p12
    elif model == LINEAR:
        x1, x2 = s1, s2
    elif model == SQUARE:
        x1, x2 = s1 * s1, s2 * s2
    elif model == QUARTIC:
        x1, x2 = s1**4.0, s2**4.0
    else:
        x1, x2 = s1**8.0, s2**8.0
    return x1 / (x1 + x2)


@njit(**_JIT)
def _markov_challenges(coal, pv):
    """MarkovIncentive's chlg(i, j) = incentive(i, j) / sum_k incentive(k, j)."""
    q = pv.shape[0]
    chlg = np.empty((q, q))
    for b in range(q):
        col = 0.0
        for a in range(q):
            chlg[a, b] = coal[a, b] * pv[a, b] + (1e-10 if a == b else 0.0)
            col += chlg[a, b]
        for a in range(q):
            chlg[a, b] = chlg[a, b] / col
    return chlg


@njit(**_JIT)
def _markov(pce, coal, pv, out):  # Model::probCE2, the Markov chains
    q = out.size
    for a in range(q):
        out[a] = 1.0 / q
    chlg = _markov_challenges(coal, pv) if pce == MARKOV_INCENTIVE else pv
    tol = _TOL_INCENTIVE if pce == MARKOV_INCENTIVE else _TOL_UNIFORM
    nxt = np.empty(q)
    for _ in range(_MARKOV_MAX):
        change = 0.0
        for a in range(q):
            acc = 0.0
            if pce == MARKOV_UNIFORM:
                for b in range(q):
                    acc += pv[a, b] * (out[a] + out[b])
                acc = acc / q
            else:
                for b in range(q):
                    acc += pv[a, b] * (out[a] * chlg[b, a] + out[b] * chlg[a, b])
            nxt[a] = acc
            change = max(change, abs(acc - out[a]))
        for a in range(q):
            out[a] = (out[a] + nxt[a]) / 2.0
        if not change > tol:
            break


@njit(**_JIT)
def _condorcet(pce, vp, coal, out):
    """Model::probCE2 over the q options of coal (q, q): the probability of each, in out."""
    q = out.size
    _condorcet_into(pce, vp, coal, out, np.empty((q, q)))


@njit(**_JIT)
def _condorcet_into(pce, vp, coal, out, pv):
    """:func:`_condorcet` with its (q, q) work array given (pv)."""
    q = out.size
    for a in range(q):
        for b in range(q):
            pv[a, b] = 0.5 if a == b else _victory(vp, coal[a, b], coal[b, a])
    if pce != CONDITIONAL:
        _markov(pce, coal, pv, out)
        return
    top = -np.inf
    for a in range(q):
        acc = 0.0
        for b in range(q):
            acc += math.log(pv[a, b])
        out[a] = acc
        top = max(top, acc)
    total = 0.0
    for a in range(q):
        out[a] = math.exp(out[a] - top)
        total += out[a]
    for a in range(q):
        out[a] = out[a] / total


@njit(**_JIT)
def _coalitions(rule, c, util, cols):
    """Model::coalitions: C(a, b) = 1e-8 + sum_v max(0, vote_v(a, b)) over the options
    ``cols`` (columns of util, shape (voters, options)); returns (q, q)."""
    q, n = cols.size, c.size
    coal = np.empty((q, q))
    _coalitions_into(rule, c, util, cols, np.empty((n, q)), coal)
    return coal


@njit(**_JIT)
def _coalitions_into(rule, c, util, cols, u, coal):
    """:func:`_coalitions` into coal (q, q), with its work array u (voters, q) given."""
    q, n = cols.size, c.size
    coal[:, :] = 0.0
    for v in range(n):  # the columns, contiguous: the inner loop is vectorised
        for a in range(q):
            u[v, a] = util[v, cols[a]]
    for v in range(n):
        for a in range(q):
            if rule == PROP:  # the default rule, written out (the compiler keeps the branch)
                for b in range(q):
                    coal[a, b] += max(c[v] * (u[v, a] - u[v, b]), 0.0)
            else:
                for b in range(q):
                    coal[a, b] += max(_vote(rule, c[v], u[v, a] - u[v, b]), 0.0)
    for a in range(q):
        for b in range(q):
            coal[a, b] = _MIN_COALITION + coal[a, b]


@njit(**_JIT)
def _risk(p, big_r_range):  # Model::bigRfromProb
    lo, hi = p.min(), p.max()
    span = hi - lo
    r = np.zeros(p.size)
    if not span > _P_TOL:
        return r
    for a in range(p.size):
        if big_r_range == R_MIN:
            r[a] = (p[a] - lo) / span
        elif big_r_range == R_MID:
            r[a] = (3 * p[a] - (hi + 2 * lo)) / (2 * span)
        else:
            r[a] = (2 * p[a] - (hi + lo)) / span
    return r


@njit(**_JIT)
def _estimated_risk(r_h, r_i, adjust):  # Model::estNRA
    if adjust == ADJ_FULL:
        return r_i + 0.0 * r_h
    if adjust == ADJ_TWO_THIRDS:
        return (r_h + 2.0 * r_i) / 3.0
    if adjust == ADJ_HALF:
        return (r_h + r_i) / 2
    if adjust == ADJ_ONE_THIRD:
        return (2.0 * r_h + r_i) / 3.0
    return r_h + 0.0 * r_i


@njit(**_JIT)
def _distance(num, ss):  # SMPModel::bvDiff
    """The salience-weighted distance from num = sum_k (ideal_k - y_k)^2 sal_k^2 (summed by
    the caller over the issues in order) and ss = sum_k sal_k^2."""
    return math.sqrt(num / ss) if ss > 0 else 0.0


@njit(**_JIT)
def _utility(d, r):  # SMPModel::bsUtil
    return (1 - d) * (1 + min(d, 1.0) * r)


@njit(**_JIT)
def _round4(v):
    return np.floor(0.5 + _HALF_UP + v * 10000.0) / 10000.0


# ---------------------------------------------------------------------------------------
# one state


@njit(**_JIT)
def _assess(x, sal2, ss, c, opt):
    """SMPState::setAllAUtil. Returns near = 1 - d and slope = near min(d, 1) (n, n), so that
    u[h, i, j] = near[i, j] + slope[i, j] rhi[h, i]; the risk-neutral probabilities p and
    the risk attitudes r (n,); rhi (n, n), h's estimate of i's risk attitude."""
    n, m = x.shape
    near = np.empty((n, n))
    slope = np.empty((n, n))
    xt = np.ascontiguousarray(x.T)  # (m, n): the loops over j run along rows (vectorised)
    num = np.empty(n)
    for i in range(n):  # i's distance from every j, the sums along contiguous rows
        num[:] = 0.0
        for k in range(m):
            x_ik, s_ik, row = x[i, k], sal2[i, k], xt[k]
            for j in range(n):
                diff = x_ik - row[j]
                num[j] += diff * diff * s_ik
        ss_i = ss[i]
        for j in range(n):
            d = _distance(num[j], ss_i)
            near[i, j] = 1 - d
            slope[i, j] = near[i, j] * min(d, 1.0)
    p = np.empty(n)
    _condorcet(opt[PCE], opt[VICTORY], _coalitions(opt[VOTE], c, near, np.arange(n)), p)
    r = _risk(p, opt[RANGE])
    rhi = np.empty((n, n))
    for h in range(n):
        for i in range(n):
            rhi[h, i] = _estimated_risk(r[h], r[i], opt[ADJUST])
    return near, slope, p, r, rhi


@njit(**_JIT)
def _third_parties(rule, h, i, j, near, slope, rhi, w, base_i, total):
    """The third parties' votes in h's estimate of the contest i against j
    (Actor::vProbLittle, thirdPartyVoteSU with SemiCommit): the sums of their votes for i
    and for j."""
    for_i, for_j = 0.0, 0.0
    for k in range(w.size):
        if k == i or k == j:
            continue
        rk = rhi[h, k]
        u_ki = near[k, i] + slope[k, i] * rk
        u_kj = near[k, j] + slope[k, j] * rk
        u_kk = near[k, k] + slope[k, k] * rk
        c_k = _vote(rule, w[k], u_ki - u_kj)
        plus = max(c_k, 0.0)
        p_ik = (plus + base_i) / (((plus - c_k) + plus) + total)
        v = _vote(rule, w[k], p_ik * (u_kk - u_ki) + (1.0 - p_ik) * (u_kj - u_kk))
        for_i += max(v, 0.0)
        for_j += max(-v, 0.0)
    return for_i, for_j


@njit(**_JIT)
def _contest(rule, commit, h, i, j, near, slope, rhi, w):
    """SMPState::probEduChlg: h's estimate that i beats j (contest_probability)."""
    u_ii = near[i, i] + slope[i, i] * rhi[h, i]
    u_ij = near[i, j] + slope[i, j] * rhi[h, i]
    u_ji = near[j, i] + slope[j, i] * rhi[h, j]
    u_jj = near[j, j] + slope[j, j] * rhi[h, j]
    c_i = _vote(rule, w[i], u_ii - u_ij)
    c_j = _vote(rule, w[j], u_ji - u_jj)
    for_i = _MIN_CHALLENGE + max(c_i, 0.0) + max(c_j, 0.0)
    for_j = _MIN_CHALLENGE + max(-c_i, 0.0) + max(-c_j, 0.0)
    if commit != SEMI_COMMIT:
        return for_i / (for_i + for_j)
    add_i, add_j = _third_parties(rule, h, i, j, near, slope, rhi, w, for_i, for_i + for_j)
    for_i = for_i + add_i
    for_j = for_j + add_j
    return for_i / (for_i + for_j)


@njit(**_JIT)
def _third_parties_row(rule, i, near, slope, rhi, w, base_i, total, add_i, add_j):
    """:func:`_third_parties` for i's own estimates (h = i) of its contests with every j at
    once: the loop over j is innermost (vector instructions), each sum still runs over the
    third parties k in order. add_i, add_j (n,): the sums, accumulated in place."""
    n = w.size
    for k in range(n):
        if k == i:
            continue
        rk = rhi[i, k]
        u_ki = near[k, i] + slope[k, i] * rk
        u_kk = near[k, k] + slope[k, k] * rk
        w_k = w[k]
        near_k, slope_k = near[k], slope[k]
        keep_i, keep_j = add_i[k], add_j[k]  # k is no third party of its own contest
        if rule == PROP:  # the default rule, written out (the compiler keeps the branch)
            for j in range(n):
                u_kj = near_k[j] + slope_k[j] * rk
                c_k = w_k * (u_ki - u_kj)
                plus = max(c_k, 0.0)
                p_ik = (plus + base_i[j]) / (((plus - c_k) + plus) + total[j])
                v = w_k * (p_ik * (u_kk - u_ki) + (1.0 - p_ik) * (u_kj - u_kk))
                add_i[j] += max(v, 0.0)
                add_j[j] += max(-v, 0.0)
        else:
            for j in range(n):
                u_kj = near_k[j] + slope_k[j] * rk
                c_k = _vote(rule, w_k, u_ki - u_kj)
                plus = max(c_k, 0.0)
                p_ik = (plus + base_i[j]) / (((plus - c_k) + plus) + total[j])
                v = _vote(rule, w_k, p_ik * (u_kk - u_ki) + (1.0 - p_ik) * (u_kj - u_kk))
                add_i[j] += max(v, 0.0)
                add_j[j] += max(-v, 0.0)
        add_i[k], add_j[k] = keep_i, keep_j


@njit(**_JIT)
def _best_challenge(i, near, slope, rhi, w, s_sum, opt, work):
    """SMPState::bestChallengeUtils and bestChallenge for challenger i: the target (-1 for
    none) and i's estimate that it beats the target. work (6, n): scratch rows, reused
    from one challenger to the next."""
    n = w.size
    rule = opt[VOTE]
    u_ii = near[i, i] + slope[i, i] * rhi[i, i]
    u_ij, base_i, base_j, total, add_i, add_j = work[0], work[1], work[2], work[3], work[4], work[5]
    for j in range(n):
        u_ij[j] = near[i, j] + slope[i, j] * rhi[i, i]
        u_ji = near[j, i] + slope[j, i] * rhi[i, j]
        u_jj = near[j, j] + slope[j, j] * rhi[i, j]
        c_i = _vote(rule, w[i], u_ii - u_ij[j])
        c_j = _vote(rule, w[j], u_ji - u_jj)
        base_i[j] = _MIN_CHALLENGE + max(c_i, 0.0) + max(c_j, 0.0)
        base_j[j] = _MIN_CHALLENGE + max(-c_i, 0.0) + max(-c_j, 0.0)
        total[j] = base_i[j] + base_j[j]
    add_i[:] = 0.0
    add_j[:] = 0.0
    if opt[COMMIT] == SEMI_COMMIT:
        _third_parties_row(rule, i, near, slope, rhi, w, base_i, total, add_i, add_j)
    best, best_gain, best_p = 0, -np.inf, 0.0
    for j in range(n):
        if j == i:
            continue
        for_i = base_i[j] + add_i[j]
        for_j = base_j[j] + add_j[j]
        p = for_i / (for_i + for_j)
        s_j = s_sum[j]
        gain = (1 - s_j) * (2 * u_ii) + s_j * (p * (2 * u_ii) + (1 - p) * (2 * u_ij[j]))
        gain = gain - (u_ii + u_ij[j])
        if gain > best_gain:
            best, best_gain, best_p = j, gain, p
    if best_gain > _MIN_GAIN:
        return best, best_p
    return -1, 0.0


@njit(**_JIT)
def _interpolate(rule, x_i, s_i, p_i, x_j, s_j, lo, hi, b_i, b_j):
    """SMPActor::interpolateBrgn with p_j = 1 - p_i, clipped to [lo, hi]: into b_i, b_j."""
    p_j = 1 - p_i
    for k in range(x_i.size):
        if rule == S2PMAX:
            di, dj = max(p_j - p_i, 0.0), max(p_i - p_j, 0.0)
            si2, sj2 = s_i[k] * s_i[k], s_j[k] * s_j[k]
            dik = (di * sj2) / ((di * sj2) + _MIN_INTERP + ((1 - di) * si2))
            djk = (dj * si2) / ((dj * si2) + _MIN_INTERP + ((1 - dj) * sj2))
            a = x_i[k] + dik * (x_j[k] - x_i[k])
            b = x_j[k] + djk * (x_i[k] - x_j[k])
        else:
            if rule == S1P1:
                wi, wj = s_i[k] * p_i, s_j[k] * p_j
            else:
                wi, wj = (s_i[k] * s_i[k]) * (p_i * p_i), (s_j[k] * s_j[k]) * (p_j * p_j)
            den = wi + _MIN_INTERP + wj
            a = _round4(((wi + _MIN_INTERP) * x_i[k] + wj * x_j[k]) / den)
            b = _round4((wi * x_i[k] + (_MIN_INTERP + wj) * x_j[k]) / den)
        b_i[k] = min(max(a, lo[k]), hi[k])
        b_j[k] = min(max(b, lo[k]), hi[k])


@njit(**_JIT)
def _bargains(x, s, c, s_sum, w, near, slope, rhi, target, p_init, lo, hi, opt):
    """SMPState::doBCN(i) for every initiator with a target: the initiator's and the
    target's positions, each (n, K, m), K bargains per initiator (2 for InitRcvrInterp)."""
    n, m = x.shape
    model = opt[BARGAIN]
    n_k = 2 if model == INIT_RCVR else 1
    init, rcvr = np.zeros((n, n_k, m)), np.zeros((n, n_k, m))
    b_ji, b_jj = np.empty(m), np.empty(m)
    for i in range(n):
        t = target[i]
        if t < 0:
            continue
        _interpolate(opt[INTERP], x[i], s[i], p_init[i], x[t], s[t], lo, hi, init[i, 0], rcvr[i, 0])
        if model == INIT_ONLY:
            continue
        p_t = _contest(opt[VOTE], opt[COMMIT], t, i, t, near, slope, rhi, w)
        if model == INIT_RCVR:
            _interpolate(opt[INTERP], x[i], s[i], p_t, x[t], s[t], lo, hi, init[i, 1], rcvr[i, 1])
            continue
        _interpolate(opt[INTERP], x[i], s[i], p_t, x[t], s[t], lo, hi, b_ji, b_jj)
        wi, wj = c[i] * s_sum[i], c[i] * s_sum[t]
        for k in range(m):
            init[i, 0, k] = (wi * init[i, 0, k] + wj * b_ji[k]) / (wi + wj)
            rcvr[i, 0, k] = (wi * rcvr[i, 0, k] + wj * b_jj[k]) / (wi + wj)
    return init, rcvr


@njit(**_JIT)
def _bargain_values(x, sal2, ss, r, own, target, init, rcvr):
    """Every actor's value of the state after each bargain (and of the status quo, column
    0): its mean utility of the positions. Returns (n, 1 + n K)."""
    n = x.shape[0]
    n_k = init.shape[1]
    total = np.zeros(n)
    for a in range(n):
        for j in range(n):
            total[a] += own[a, j]
    m = x.shape[1]
    value = np.zeros((n, 1 + n * n_k))
    for a in range(n):
        value[a, 0] = total[a] / n
    # every actor a's utility of a bargain's positions y at once, the sums over the issues
    # along (m, n) rows, so that the loops over a are vectorised
    xt, s2t = np.ascontiguousarray(x.T), np.ascontiguousarray(sal2.T)
    num_i, num_t, u = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        t = target[i]
        if t < 0:
            continue
        for kk in range(n_k):
            o = 1 + i * n_k + kk
            num_i[:] = 0.0
            num_t[:] = 0.0
            for k in range(m):
                y_i, y_t, row, srow = init[i, kk, k], rcvr[i, kk, k], xt[k], s2t[k]
                for a in range(n):
                    diff = row[a] - y_i
                    num_i[a] += diff * diff * srow[a]
                    diff = row[a] - y_t
                    num_t[a] += diff * diff * srow[a]
            for a in range(n):
                u_i = _utility(_distance(num_i[a], ss[a]), r[a])
                u_t = _utility(_distance(num_t[a], ss[a]), r[a])
                u[a] = ((total[a] - (own[a, i] + own[a, t])) + (u_i + u_t)) / n
            for a in range(n):
                value[a, o] = u[a]
    return value


@njit(**_JIT)
def _queue(k, target, n_k, queue):
    """Actor k's queue: the status quo (0) and the bargains it initiated or received (the
    first entries of queue, (1 + n K,), which are returned)."""
    n = target.size
    queue[0] = 0
    q = 1
    for i in range(n):
        if target[i] >= 0 and (i == k or target[i] == k):
            for kk in range(n_k):
                queue[q] = 1 + i * n_k + kk
                q += 1
    return queue[:q]


@njit(**_JIT)
def _choose(prob, queue, n_options, move, uniform, stochastic):
    """The bargain k adopts (an index into its queue): the most probable, the smallest move
    among ties; or the one the uniform number draws (Stochastic)."""
    q = queue.size
    if not stochastic:
        top = prob.max()
        best, best_move = 0, np.inf
        for a in range(q):
            if prob[a] >= top * (1 - _TIE) and move[a] < best_move:
                best, best_move = a, move[a]
        return best
    # the cumulative sum over every option of the state (0 outside the queue), as numpy
    cum, count, a = 0.0, 0, 0
    for o in range(n_options):
        if a < q and queue[a] == o:
            cum += prob[a]
            a += 1
        else:
            cum += 0.0
        if cum < uniform:
            count += 1
    choice = min(count, n_options - 1)
    for a in range(q):
        if queue[a] == choice:
            return a
    return 0


@njit(**_JIT)
def _next_positions(x, sal2, ss, c, r, own, target, init, rcvr, opt, uniform):
    """SMPState::updateBestBrgnPositions: each actor adopts a bargain of its queue."""
    n, m = x.shape
    n_k = init.shape[1]
    value = _bargain_values(x, sal2, ss, r, own, target, init, rcvr)
    new = np.empty((n, m))
    # work arrays for the largest queue (1 + n K options), reused from one actor to the next
    size = 1 + n * n_k
    queue_all, prob_all, move_all = np.empty(size, np.int64), np.empty(size), np.empty(size)
    u_all, coal_all, pv_all = np.empty(n * size), np.empty(size * size), np.empty(size * size)
    cand_all = np.empty((size, m))
    for k in range(n):
        queue = _queue(k, target, n_k, queue_all)
        q = queue.size
        prob = prob_all[:q]
        coal = coal_all[: q * q].reshape((q, q))
        u = u_all[: n * q].reshape((n, q))
        _coalitions_into(opt[VOTE], c, value, queue, u, coal)
        _condorcet_into(opt[PCE], opt[VICTORY], coal, prob, pv_all[: q * q].reshape((q, q)))
        cand = cand_all[:q]
        move = move_all[:q]
        move[:] = 0.0
        cand[0] = x[k]
        for a in range(1, q):
            i = (queue[a] - 1) // n_k
            kk = (queue[a] - 1) % n_k
            cand[a] = init[i, kk] if i == k else rcvr[i, kk]
            for dim in range(m):
                move[a] += (cand[a, dim] - x[k, dim]) ** 2
            move[a] = math.sqrt(move[a])
        stochastic = opt[TRANSITIONS] != DETERMINISTIC
        new[k] = cand[_choose(prob, queue, value.shape[1], move, uniform[k], stochastic)]
    return new


@njit(**_JIT)
def _turn(x, s, sal2, ss, s_sum, c, lo, hi, opt, uniform):
    """SMPState::doBCN: one turn of challenges and bargains. Returns the next positions
    (n, m), the targets (n; -1 for none) and the state's risk attitudes (n,)."""
    n = x.shape[0]
    near, slope, _, r, rhi = _assess(x, sal2, ss, c, opt)
    w = s_sum * c
    target = np.empty(n, dtype=np.int64)
    p_init = np.empty(n)
    work = np.empty((6, n))
    for i in range(n):
        target[i], p_init[i] = _best_challenge(i, near, slope, rhi, w, s_sum, opt, work)
    init, rcvr = _bargains(x, s, c, s_sum, w, near, slope, rhi, target, p_init, lo, hi, opt)
    own = np.empty((n, n))
    for a in range(n):
        for j in range(n):
            own[a, j] = near[a, j] + slope[a, j] * rhi[a, a]
    new = _next_positions(x, sal2, ss, c, r, own, target, init, rcvr, opt, uniform)
    return new, target, r


# ---------------------------------------------------------------------------------------
# the final election and the run of a draw


@njit(**_JIT)
def _close(x, tol):
    """Which positions are nearer than ``tol`` to one another (n, n)."""
    n, m = x.shape
    close = np.empty((n, n), dtype=np.bool_)
    for i in range(n):
        for j in range(n):
            d2 = 0.0
            for k in range(m):
                d2 += (x[i, k] - x[j, k]) ** 2
            close[i, j] = math.sqrt(d2) < tol
    return close


@njit(**_JIT)
def _ktab_groups(close):
    """KBase::ueIndices and State::posProb: in actor order, an actor joins the first
    earlier leader it is near, or else leads; it is reported with the last leader near it.
    Returns each actor's option (an index into the leaders) and the leaders."""
    n = close.shape[0]
    label = np.empty(n, dtype=np.int64)
    leaders = np.empty(n, dtype=np.int64)
    g = 0
    for i in range(n):
        lead = True
        for q in range(g):
            lead = lead and not close[i, leaders[q]]
        if lead:
            leaders[g] = i
            g += 1
    for i in range(n):
        for q in range(g):
            if close[i, leaders[q]]:
                label[i] = q
    return label, leaders[:g]


@njit(**_JIT)
def _chain_groups(close):
    """Chains of near positions: each actor's option (an index into the leaders) and the
    leaders (each option's first actor)."""
    n = close.shape[0]
    label = np.full(n, -1, dtype=np.int64)
    leaders = np.empty(n, dtype=np.int64)
    g = 0
    for i in range(n):
        if label[i] >= 0:
            continue
        leaders[g] = i
        label[i] = g
        stack = [i]
        while stack:
            a = stack.pop()
            for b in range(n):
                if label[b] < 0 and close[a, b]:
                    label[b] = g
                    stack.append(b)
        g += 1
    return label, leaders[:g]


@njit(**_JIT)
def _final(x, sal2, ss, c, opt, prob, expected):
    """SMPState::pDist(-1): the probability that each actor's final position wins (into
    prob) and the expected final position (into expected)."""
    n, m = x.shape
    near, slope, _, _, rhi = _assess(x, sal2, ss, c, opt)
    ktab = opt[GROUPING] == KTAB_GROUPING
    # KTAB's grouping with KTAB's comparison, round-off and all; the chains with posTol
    # read as in exact arithmetic (_NEAR)
    if ktab:
        label, leaders = _ktab_groups(_close(x, _POS_TOL))
    else:
        label, leaders = _chain_groups(_close(x, _NEAR))
    g = leaders.size
    util = np.zeros((n, g))
    centre = np.zeros((g, m))
    size = np.zeros(g)
    if ktab:
        for q in range(g):
            centre[q] = x[leaders[q]]
            for a in range(n):
                util[a, q] = near[a, leaders[q]] + slope[a, leaders[q]] * rhi[a, a]
    else:
        for b in range(n):
            size[label[b]] += 1
            centre[label[b]] += x[b]
            for a in range(n):
                util[a, label[b]] += near[a, b] + slope[a, b] * rhi[a, a]
        for q in range(g):
            centre[q] = centre[q] / size[q]
            util[:, q] = util[:, q] / size[q]
    option = np.empty(g)
    _condorcet(opt[PCE], opt[VICTORY], _coalitions(opt[VOTE], c, util, np.arange(g)), option)
    for i in range(n):
        prob[i] = option[label[i]]
    expected[:] = 0.0
    for q in range(g):
        for k in range(m):
            expected[k] += option[q] * centre[q, k]


@njit(**_JIT)
def _uniforms(key, turn, out):
    """_smp_ktab._uniforms for one draw: splitmix64 of the key, (turn, actor)."""
    n = out.size
    for a in range(n):
        z = key + np.uint64(0x9E3779B97F4A7C15) * (
            np.uint64(turn) * np.uint64(n + 1) + np.uint64(a + 1)
        )
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        out[a] = np.float64(z >> np.uint64(11)) / 9007199254740992.0  # 2**53


@njit(**_JIT)
def _sums(s):
    """Per actor: the sum of squared saliences and the sum of saliences."""
    n, m = s.shape
    ss, s_sum = np.zeros(n), np.zeros(n)
    for a in range(n):
        for k in range(m):
            ss[a] += s[a, k] * s[a, k]
            s_sum[a] += s[a, k]
    return ss, s_sum


@njit(**_JIT)
def _moved(new, x, pres):
    """The stopping rule's measure: the sum over actors of the Euclidean move (present
    entries)."""
    n, m = x.shape
    dist = 0.0
    for a in range(n):
        sq = 0.0
        for k in range(m):
            if pres[a, k]:
                sq += (new[a, k] - x[a, k]) ** 2
        dist += math.sqrt(sq)
    return dist


@njit(**_JIT)
def _run_draw(b, x, s, c, pres, lo, hi, keys, opt, limits, t0, out, first_step, record):
    """Turns t0 + 1 ... t0 + seg of draw b (see :func:`run_segment`)."""
    states, done_at, prob, expected, targets0, risk0 = out
    min_iter, max_iter, ratio = limits
    xb = x[b]
    sal2 = s[b] * s[b]
    ss, s_sum = _sums(s[b])
    uniform = np.zeros(xb.shape[0])
    for step in range(states.shape[1]):
        if done_at[b] > 0:
            states[b, step] = xb
            continue
        it = t0 + step + 1
        if opt[TRANSITIONS] != DETERMINISTIC:
            _uniforms(keys[b], it, uniform)
        new, target, r = _turn(xb, s[b], sal2, ss, s_sum, c[b], lo[b], hi[b], opt, uniform)
        if record and b == 0:
            targets0[step] = target
            if it == 1:
                risk0[:] = r
        dist = _moved(new, xb, pres)
        if it == 1:
            first_step[b] = dist + 1e-4  # configExec's minSigDelta
        xb[:] = new
        states[b, step] = new
        if it >= max_iter or (it >= min_iter and dist / first_step[b] < ratio):
            done_at[b] = it
            _final(xb, sal2, ss, c[b], opt, prob[b], expected[b])


@njit(cache=True, **_JIT)
def run_segment(x, s, c, pres, lo, hi, keys, opt, limits, t0, out, first_step, record):
    """Turns t0 + 1 ... t0 + seg of every draw of a batch, one draw after the other (the
    caller runs batches in threads: the function releases the GIL).

    x, s : (B, n, m) float; c : (B, n); pres : (n, m) bool; lo, hi : (B, m), the span of
    the initial positions; keys : (B,) uint64 (Stochastic transitions); opt : the codes of
    :func:`option_codes`; limits : (minIter, maxIter, minDeltaRatio); t0 : the turns run so
    far. x is updated in place. out = (states (B, seg, n, m), done_at (B,) int, 0 while the
    draw runs, prob (B, n), expected (B, m), targets0 (seg, n) int, risk0 (n,)): the
    positions after each turn (a stopped draw repeats its final state), the turn at which
    each draw stopped, the probability that each actor's final position wins and the
    expected final position (set when the draw stops); with ``record``, the first draw's
    targets at each turn and its risk attitudes at turn 1. first_step (B,): each draw's
    first move plus 1e-4, set at turn 1.
    """
    for b in range(x.shape[0]):
        _run_draw(b, x, s, c, pres, lo, hi, keys, opt, limits, t0, out, first_step, record)
