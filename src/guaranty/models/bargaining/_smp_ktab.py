"""KTAB's model functions used by ``smp``: votes, victory and Condorcet probabilities, risk
attitudes, utilities, the challenge probability and the bargain interpolation.

Each function ports one function of the KAPSARC Toolkit for Behavioral Analysis (KTAB,
``kmodel.cpp``, ``smp.cpp``, ``smpbcn.cpp``) to arrays that broadcast over a batch of
states; the equations are in the docstring of :mod:`guaranty.models.bargaining.smp` and in
``docs/models/smp.md``. The public names are re-exported by
:mod:`guaranty.models.bargaining.smp`.
"""

from __future__ import annotations

import numpy as np

from guaranty.errors import ModelError

__all__ = [
    "OPTIONS",
    "condorcet_probabilities",
    "contest_probability",
    "interpolate_bargain",
    "risk_attitudes",
    "smp_utility",
    "third_party_gain",
    "victory_probability",
    "vote",
]

OPTIONS: dict[str, tuple[str, ...]] = {
    "VictoryProbModel": ("Linear", "Square", "Quartic", "Octic", "Binary"),
    "VotingRule": ("Prop", "Binary", "PropBin", "PropCbc", "Cubic", "ASymProsp"),
    "PCEModel": ("Conditional", "MarkovIncentive", "MarkovUniform"),
    "StateTransitions": ("Deterministic", "Stochastic"),
    "BigRRange": ("Mid", "Min", "Max"),
    "BigRAdjust": ("OneThird", "None", "Half", "TwoThirds", "Full"),
    "ThirdPartyCommit": ("SemiCommit", "NoCommit", "FullCommit"),
    "InterVecBrgn": ("S2P2", "S1P1", "S2PMax"),
    "BargnModel": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
}

_MIN_COALITION = 1e-8  # Model::coalitions
_MIN_CHALLENGE = 1e-10  # SMPState::probEduChlg
_MIN_GAIN = 1e-5  # SMPState::bestChallenge
_MIN_INTERP = 1e-6  # SMPActor::interpBrgnSnPm
_POS_TOL = 1e-3  # SMPModel::posTol
#: positions nearer than this are one option: posTol read as in exact arithmetic. Bargains
#: lie on the 1e-4 grid of the scale, so two positions exactly posTol (ten steps) apart are
#: common, and round-off (which differs with the direction of the scale) decided whether
#: they were one option; they are not (distance < posTol is false at equality)
_NEAR = _POS_TOL - 1e-11
_P_TOL = 1e-9  # degenerate P_max - P_min
_TIE = 1e-9  # relative difference of probabilities taken as a tie
_HALF_UP = 1e-7  # in units of the 1e-4 rounding of bargains
_EXPONENT = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}
_MARKOV_TOL = {"MarkovUniform": 1e-6, "MarkovIncentive": 1e-8}
_MARKOV_MAX = 1000


def vote(rule: str, weight: np.ndarray, du: np.ndarray) -> np.ndarray:
    """KTAB's ``Model::vote``: the vote of weight ``weight`` for a utility difference ``du``.

    Arrays broadcast; returns their broadcast shape.
    """
    if rule == "Prop":
        return weight * du
    binary = np.clip(du / 1e-8, -1.0, 1.0)
    if rule == "Binary":
        return weight * binary
    if rule == "PropBin":
        return weight * (0.8 * du + 0.2 * binary)
    if rule == "PropCbc":
        return weight * (0.5 * du + 0.5 * du * du * du)
    if rule == "Cubic":
        return weight * (du * du * du)
    if rule == "ASymProsp":
        return np.where(du < 0, weight * du, 2.0 * weight * du / 3.0)
    raise ModelError(f"unknown VotingRule {rule!r}")


def victory_probability(model: str, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """KTAB's ``Model::vProb``: probability that a coalition of strength s1 beats one of s2.

    s1, s2 > 0, broadcastable arrays; returns their broadcast shape.
    """
    if model == "Binary":
        thresh = 1.10
        p12 = (s1 / (s1 + s2) * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        x1 = np.where(s1 >= thresh * s2, 1.0, np.where(s2 >= thresh * s1, 1e-6, p12))
        x2 = np.where(s1 >= thresh * s2, 1e-6, np.where(s2 >= thresh * s1, 1.0, 1.0 - p12))
        return x1 / (x1 + x2)
    e = _EXPONENT[model]
    x1, x2 = s1**e, s2**e
    return x1 / (x1 + x2)


def condorcet_probabilities(
    pce_model: str, vp_model: str, coalition: np.ndarray, options: np.ndarray | None = None
) -> np.ndarray:
    """KTAB's ``Model::probCE2``: probability that each option wins.

    coalition : array of shape (..., n, n), C(a, b) > 0 the strength of the coalition for a
    over b. options : bool array broadcastable to (..., n), the options taking part (all by
    default). Returns an array of shape (..., n) summing to 1 over the options taking part,
    0 elsewhere. The Conditional model is computed in logarithms (KTAB multiplies, which can
    underflow).
    """
    n = coalition.shape[-1]
    pv = victory_probability(vp_model, coalition, np.swapaxes(coalition, -1, -2))
    eye = np.eye(n, dtype=bool)
    pv = np.where(eye, 0.5, pv)
    if options is None:
        options = np.ones(coalition.shape[:-1], dtype=bool)
    shape = np.broadcast_shapes(options.shape, coalition.shape[:-1])
    mask = np.broadcast_to(options, shape)
    col = mask[..., None, :]
    if pce_model == "Conditional":
        logp = np.where(col, np.log(pv), 0.0).sum(axis=-1)
        logp = np.where(mask, logp, -np.inf)
        logp = logp - logp.max(axis=-1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=-1, keepdims=True)
    pv = np.where(col & mask[..., :, None], pv, 0.0)
    size = mask.sum(axis=-1, keepdims=True)
    p = mask / size
    tol = _MARKOV_TOL[pce_model]
    if pce_model == "MarkovUniform":

        def update(p: np.ndarray) -> np.ndarray:
            return ((pv * (p[..., :, None] + p[..., None, :])).sum(axis=-1)) / size

    elif pce_model == "MarkovIncentive":
        incentive = coalition * pv + np.where(eye, 1e-10, 0.0)
        incentive = np.where(col & mask[..., :, None], incentive, 0.0)
        # chlg(i, j) = incentive(i, j) / sum_k incentive(k, j), over the options taking part
        chlg = incentive / np.where(mask[..., None, :], incentive.sum(axis=-2, keepdims=True), 1)

        def update(p: np.ndarray) -> np.ndarray:
            # ct(i, j) = p_i chlg(j, i);  q_i = sum_j pv(i, j) (ct(i, j) + ct(j, i))
            ct = p[..., :, None] * np.swapaxes(chlg, -1, -2)
            return (pv * (ct + np.swapaxes(ct, -1, -2))).sum(axis=-1)

    else:
        raise ModelError(f"unknown PCEModel {pce_model!r}")
    live = np.ones(shape[:-1], dtype=bool)
    for _ in range(_MARKOV_MAX):
        q = update(p)
        change = np.abs(q - p).max(axis=-1)
        p = np.where(live[..., None], (p + q) / 2.0, p)
        live &= change > tol
        if not live.any():
            break
    return p


def risk_attitudes(p: np.ndarray, big_r_range: str) -> np.ndarray:
    """KTAB's ``Model::bigRfromProb``: risk attitudes R from win probabilities.

    p : array of shape (..., n). Returns R of the same shape: in [-1/2, 1] (Mid), [0, 1]
    (Min) or [-1, 1] (Max), highest for the most probable position; all 0 where the
    probabilities are (nearly) equal.
    """
    lo = p.min(axis=-1, keepdims=True)
    hi = p.max(axis=-1, keepdims=True)
    span = hi - lo
    ok = span > _P_TOL
    den = np.where(ok, span, 1.0)
    if big_r_range == "Min":
        r = (p - lo) / den
    elif big_r_range == "Mid":
        r = (3 * p - (hi + 2 * lo)) / (2 * den)
    elif big_r_range == "Max":
        r = (2 * p - (hi + lo)) / den
    else:
        raise ModelError(f"unknown BigRRange {big_r_range!r}")
    return np.where(ok, r, 0.0)


def _estimated_risk(r_h: np.ndarray, r_i: np.ndarray, adjust: str) -> np.ndarray:
    """KTAB's ``Model::estNRA``: h's estimate of i's risk attitude (broadcasting)."""
    if adjust == "Full":
        return r_i + 0.0 * r_h
    if adjust == "TwoThirds":
        return (r_h + 2.0 * r_i) / 3.0
    if adjust == "Half":
        return (r_h + r_i) / 2
    if adjust == "OneThird":
        return (2.0 * r_h + r_i) / 3.0
    if adjust == "None":
        return r_h + 0.0 * r_i
    raise ModelError(f"unknown BigRAdjust {adjust!r}")


def smp_utility(d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """KTAB's ``SMPModel::bsUtil``: utility (1 - d)(1 + d R) of a distance d >= 0 (with R in
    place of d R beyond 1, which round-off can reach). Arrays broadcast."""
    return (1 - d) * (1 + np.minimum(d, 1.0) * r)


def _distance(ideal: np.ndarray, points: np.ndarray, sal2: np.ndarray) -> np.ndarray:
    """KTAB's ``SMPModel::bvDiff`` for every actor and point.

    ideal, sal2 : arrays of shape (B, n, m) (squared saliences); points : (B, P, m).
    Returns d of shape (B, n, P): actor i's weighted distance to point p; 0 for an actor
    without salience.
    """
    ss = sal2.sum(axis=-1)
    diff2 = (ideal[:, :, None, :] - points[:, None, :, :]) ** 2
    num = (diff2 * sal2[:, :, None, :]).sum(axis=-1)
    return np.where(ss[..., None] > 0, np.sqrt(num / np.where(ss > 0, ss, 1.0)[..., None]), 0.0)


def third_party_gain(
    commit: str, p_i: np.ndarray, u_i: np.ndarray, u_j: np.ndarray, u_n: np.ndarray
) -> np.ndarray | None:
    """KTAB's ``Actor::thirdPartyVoteSU`` before the vote: n's expected utility of joining i
    minus that of joining j, with p_i its estimate that i wins (broadcasting).

    The utilities are sums over the three positions (i's, j's, n's) after the contest; with
    ``SemiCommit`` n adopts the winner's position only if its side loses:

        joining i:  p_i (2 u_i + u_n) + p_j 3 u_j;    joining j:  p_i 3 u_i + p_j (2 u_j + u_n)

    With ``FullCommit`` (n always adopts the winner's position) and ``NoCommit`` (never)
    the two are equal, so third parties do not vote: returns None.
    """
    if commit == "SemiCommit":
        # = p_i (2 u_i + u_n - 3 u_i) + p_j (3 u_j - 2 u_j - u_n)
        return p_i * (u_n - u_i) + (1.0 - p_i) * (u_j - u_n)
    if commit in ("FullCommit", "NoCommit"):
        return None
    raise ModelError(f"unknown ThirdPartyCommit {commit!r}")


def contest_probability(
    rule: str,
    commit: str,
    u_ii: np.ndarray,
    u_ij: np.ndarray,
    u_ji: np.ndarray,
    u_jj: np.ndarray,
    u_ni: np.ndarray,
    u_nj: np.ndarray,
    u_nn: np.ndarray,
    w_i: np.ndarray,
    w_j: np.ndarray,
    w_n: np.ndarray,
    third: np.ndarray,
) -> np.ndarray:
    """One perspective's probability that i beats j (``SMPState::probEduChlg``).

    u_ab : that perspective's utility to a of b's position; principal terms (u_ii ... w_j)
    of a common shape S, third-party terms (u_ni, u_nj, u_nn, w_n) of shape S + (n,);
    third : bool, broadcastable to S + (n,), which n count as third parties. w = salience
    sum x capability. Returns the probability, shape S.

    i and j vote for themselves; each third party n estimates the chance p_in that i wins
    from the principals' votes and its own (``Actor::vProbLittle``), then votes by
    :func:`third_party_gain`.
    """
    c_i = vote(rule, w_i, u_ii - u_ij)
    c_j = vote(rule, w_j, u_ji - u_jj)
    for_i = _MIN_CHALLENGE + np.maximum(c_i, 0) + np.maximum(c_j, 0)
    for_j = _MIN_CHALLENGE + np.maximum(-c_i, 0) + np.maximum(-c_j, 0)
    if commit != "SemiCommit":
        third_party_gain(commit, for_i, u_ii, u_ij, u_jj)  # checks the name
        return for_i / (for_i + for_j)
    c_n = vote(rule, w_n, u_ni - u_nj)
    plus = np.maximum(c_n, 0.0)
    minus = np.subtract(plus, c_n, out=c_n)  # max(-c_n, 0)
    minus += plus
    minus += (for_i + for_j)[..., None]
    plus += for_i[..., None]
    p_in = np.divide(plus, minus, out=plus)  # (for_i + c+) / (for_i + for_j + |c|)
    v = vote(rule, w_n, third_party_gain(commit, p_in, u_ni, u_nj, u_nn))
    v *= third
    for_i = for_i + np.maximum(v, 0).sum(axis=-1)
    for_j = for_j + np.maximum(np.negative(v, out=v), 0, out=v).sum(axis=-1)
    return for_i / (for_i + for_j)


def interpolate_bargain(
    rule: str,
    x_i: np.ndarray,
    s_i: np.ndarray,
    p_i: np.ndarray,
    x_j: np.ndarray,
    s_j: np.ndarray,
    p_j: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """KTAB's ``SMPActor::interpolateBrgn``: the positions i and j would adopt.

    x, s : arrays of shape (..., m), positions on [0, 1] and saliences; p : (...,).
    Returns (b_i, b_j), each of shape (..., m).
    """
    p_i, p_j = p_i[..., None], p_j[..., None]
    if rule == "S2PMax":
        di = np.maximum(p_j - p_i, 0.0)
        dj = np.maximum(p_i - p_j, 0.0)
        si2, sj2 = s_i * s_i, s_j * s_j
        dik = (di * sj2) / ((di * sj2) + _MIN_INTERP + ((1 - di) * si2))
        djk = (dj * si2) / ((dj * si2) + _MIN_INTERP + ((1 - dj) * sj2))
        return x_i + dik * (x_j - x_i), x_j + djk * (x_i - x_j)
    if rule == "S1P1":
        wi, wj = s_i * p_i, s_j * p_j
    elif rule == "S2P2":
        wi, wj = (s_i * s_i) * (p_i * p_i), (s_j * s_j) * (p_j * p_j)
    else:
        raise ModelError(f"unknown InterVecBrgn {rule!r}")
    den = wi + _MIN_INTERP + wj
    b_i = _round4(((wi + _MIN_INTERP) * x_i + wj * x_j) / den)
    b_j = _round4((wi * x_i + (_MIN_INTERP + wj) * x_j) / den)
    return b_i, b_j


def _round4(x: np.ndarray) -> np.ndarray:
    # KTAB: (int)(0.5 + 10000 x) / 10000; the 1e-7 puts the half-way points, which
    # averages of rounded positions hit exactly, out of reach of round-off
    return np.floor(0.5 + _HALF_UP + x * 10000.0) / 10000.0


def _uniforms(keys: np.ndarray, turn: int, n: int) -> np.ndarray:
    """Uniform numbers in [0, 1) for (draw, actor) at ``turn``, hashed from the draw's key
    (splitmix64). keys : uint64 array (B,). Returns (B, n)."""
    z = keys[:, None] + np.uint64(0x9E3779B97F4A7C15) * (
        np.uint64(turn) * np.uint64(n + 1) + np.arange(1, n + 1, dtype=np.uint64)
    )
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(float) / float(2**53)
