"""``smp``: KTAB's Spatial Model of Politics, all issues of a scenario as one space.

A port of the SMP of the KAPSARC Toolkit for Behavioral Analysis (KTAB; ``examples/smp``
and ``KTAB/kmodel`` of github.com/KAPSARC/KTAB, Wise, Lester & Efird's KAPSARC discussion
papers on KTAB and the SMP). The state is every actor's position, a point of the unit cube
[0, 1]^m (each issue rescaled from its ``[lower, upper]``). One turn, for the current
positions x:

1. Distance and utility (``SMPModel::bvDiff``, ``bsUtil``): actor i's salience-weighted
   distance to a point y and its utility of y are

       d_i(y) = sqrt( sum_k s_ik^2 (x_ik - y_k)^2 / sum_k s_ik^2 ),
       u_i(y) = (1 - d) (1 + d R_i)                      (d <= 1; KTAB's "(1-sd)(1+sd R)")

2. Votes and coalitions (``Model::vote``, ``Model::coalitions``): actor k's vote for option
   a over option b is w_k f(u_k(a) - u_k(b)) with f the ``VotingRule`` (Prop: f(du) = du;
   Binary: du / 1e-8 clipped to [-1, 1]; ...); the coalition for a over b is
   C(a, b) = 1e-8 + sum_k max(0, vote_k(a, b)), with w_k the capability.
3. Victory and the probable winner (``Model::vProb``, ``Model::probCE2``): a beats b with
   P(a > b) = C(a, b)^e / (C(a, b)^e + C(b, a)^e), e = 1, 2, 4, 8 for the
   ``VictoryProbModel`` Linear, Square, Quartic, Octic (Binary: a 1.1 threshold); the
   probability that option a wins is, for the ``PCEModel`` Conditional,
   P(a) = prod_b P(a > b) / sum_c prod_b P(c > b), or the limit of KTAB's Markov chains.
4. Risk attitudes (``Model::bigRfromProb``, ``BigRRange`` Mid): with the risk-neutral
   utilities (R = 0), P(x_i) over the actors' positions gives
   R_i = (3 P_i - (P_max + 2 P_min)) / (2 (P_max - P_min)) in [-1/2, 1]: the actor whose
   position is most likely to win is risk averse. Actor h estimates i's attitude as
   R^h_i = (2 R_h + R_i) / 3 (``BigRAdjust`` OneThird), and u^h_i uses R^h_i.
5. Challenges (``SMPState::probEduChlg``): i's estimate of its gain from challenging j is

       E = (1 - S_j) 2 u_i(x_i) + S_j [p 2 u_i(x_i) + (1 - p) 2 u_i(x_j)] - (u_i(x_i) + u_i(x_j))

   with S_j = sum_k s_jk and p = C_ij / (C_ij + C_ji), the coalitions formed by i and j
   (weights S c) and by every third party n, whose vote compares its expected utility of
   joining i and of joining j (``Actor::thirdPartyVoteSU``, ``ThirdPartyCommit``
   SemiCommit: n adopts the winner's position only if its side loses). Each actor
   challenges the j with the largest E > 1e-5, if any.
6. Bargains (``SMPActor::interpBrgnSnPm``, ``InterVecBrgn`` S2P2): on each issue k both
   move to b_k = (w_i x_ik + w_j x_jk) / (w_i + w_j), w = s_k^2 p^2 with p_i the
   initiator's estimate that it wins and p_j = 1 - p_i (a 1e-6 weight keeps each party's
   own position when both weights vanish), rounded to 1e-4 of the scale
   (``BargnModel`` InitOnlyInterp: the initiator's interpolation is the bargain).
7. The next state (``SMPState::updateBestBrgnPositions``): every actor k has a queue of
   bargains, the status quo and those it initiated or received. Each bargain is valued by
   every actor as the mean of its utilities of all positions after it; k adopts the bargain
   of its queue most likely to win the Condorcet election among them (``StateTransitions``
   Deterministic), or one drawn with those probabilities (Stochastic).

Turns repeat until the state changes by less than 2% of the first turn's change (the sum
over actors of the Euclidean move, the first one plus 1e-4), after at least 2 and at most
100 turns (``configExec``, ``smpStopFn``).

The forecast (``forecast="expected"``, default) is the expected final position under the
model's own probability that each distinct final position wins (step 3 over the final
positions, each actor judging by its own risk-aware utility: KTAB's "winning
probabilities"). ``forecast="weighted_mean"`` gives the capability x salience weighted mean
of the final positions instead.

Choices
-------
* KTAB's algorithm is followed line by line (``smp.cpp``, ``smpbcn.cpp``, ``kmodel.cpp``,
  2017 sources, the version that wrote the reference runs): it reproduces the reference
  runs ``dummyData_3Dim`` (11 states) and ``SOE-Pol-Comp`` (28 states) to their printed
  precision. The victory probability of a challenge (step 5) is KTAB's linear ratio,
  whatever the ``VictoryProbModel``, which enters steps 3, 4 and 7 only, as in KTAB.
  In ``PWCompInterp``, both weights use the initiator's capability, as KTAB's code does.
* Ties (``SMPState::updateBestBrgnPositions``, ``ndxMaxAbs``): KTAB builds the queues in
  threads, so their order, which decides exact ties, varies from run to run. Here the most
  probable bargain wins and, among those within a relative 1e-9 of it, the one that moves
  the actor least (the status quo first); two bargains leading to the same state get the
  same value.
* Scale and rounding (``SMPActor::interpBrgnSnPm``): each issue is mapped to [0, 1] by its
  ``[lower, upper]`` (KTAB divides its [0, 100] positions by 100), so the 1e-4 rounding of
  bargains and the 1e-3 tolerance for equal positions are relative to the scale. The
  half-way point of the rounding is moved up by 1e-11 of the scale (averages of rounded
  positions hit it exactly, and round-off then decided), and a rounded bargain is kept
  inside the span of the present actors' initial positions (on KTAB's two-decimal grid
  rounding never leaves it).
* Saliences: KTAB's reader rejects an actor whose saliences sum above 1 (100%); here such an
  actor's saliences are divided by their sum. An actor with zero salience everywhere is
  indifferent: its distance to every point is 0 (KTAB stops on it).
* Capability: KTAB has one per actor; an actor's capability is the mean of its capability
  over the issues it is present on. A capability of 0 is a vote of 0 (KTAB stops on it).
* Absent actors: an actor absent from every issue takes no part. An actor absent from some
  issues has salience 0 there, and on such an issue it holds the capability x salience
  weighted mean of the present actors' positions (not its placeholder), which it may then
  bargain away; the stopping rule measures moves on present entries only. KTAB has no
  absence (an actor without a stake is given salience 0, its position still counting).
* Degenerate risk: where every position is equally likely to win (P_max - P_min <= 1e-9,
  e.g. a single actor) every actor is risk neutral (KTAB divides by zero).
* Equal positions (``SMPState::pDist``, ``State::setUENdx``): positions within 1e-3
  (Euclidean, unit scale) are one option in the final election. KTAB groups them greedily
  in actor order and values a group at its first actor's position; we join chains of such
  positions and use each group's mean position and members' mean utility, so that the
  result does not depend on the order of the actors.
* The Conditional PCE is computed in logarithms (KTAB multiplies, which can underflow).
* Markov PCE models stop when the largest change falls below KTAB's tolerance (1e-6
  MarkovUniform, 1e-8 MarkovIncentive) or after 1000 iterations (KTAB then aborts).
* Randomness: only ``StateTransitions="Stochastic"`` uses it (KTAB's seed is otherwise
  unused): each draw gets a 64-bit key from ``rng`` and each (turn, actor) choice a uniform
  number hashed from it, so a draw's path does not depend on the other draws of the batch.
* Outputs: ``round_positions[:, t]`` are the positions after turn t + 1 on the issues'
  scales (absent entries keep their input values), padded with the final state after the
  stop; ``round_median`` / ``round_mean`` are their capability x salience weighted median and
  mean; ``diagnostics["turns"]`` is the number of turns run (KTAB's states minus one).

Equations, the option mapping and the validation figures: ``docs/models/smp.md``.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from guaranty.errors import ModelError
from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.compromise import weighted_mean
from guaranty.models.bargaining.median import weighted_median
from guaranty.models.params import Constraint, Interval, Options, check_parameters
from guaranty.models.registry import register

__all__ = [
    "OPTIONS",
    "SpatialModelOfPolitics",
    "condorcet_probabilities",
    "contest_probability",
    "interpolate_bargain",
    "risk_attitudes",
    "smp_utility",
    "third_party_gain",
    "victory_probability",
    "vote",
]

#: KTAB's option names and their admissible values (first one: KTAB's default).
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
FORECASTS = ("expected", "weighted_mean")

_MIN_COALITION = 1e-8  # Model::coalitions
_MIN_CHALLENGE = 1e-10  # SMPState::probEduChlg
_MIN_GAIN = 1e-5  # SMPState::bestChallenge
_MIN_INTERP = 1e-6  # SMPActor::interpBrgnSnPm
_MIN_SIG_DELTA = 1e-4  # configExec
_POS_TOL = 1e-3  # SMPModel::posTol
_P_TOL = 1e-9  # degenerate P_max - P_min
_TIE = 1e-9  # relative difference of probabilities taken as a tie
_HALF_UP = 1e-7  # in units of the 1e-4 rounding of bargains
_EXPONENT = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}
_MARKOV_TOL = {"MarkovUniform": 1e-6, "MarkovIncentive": 1e-8}
_MARKOV_MAX = 1000
_CHUNK_ELEMENTS = 250_000  # draws x actors^3 per chunk (about 2 MB an array)


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


@register
class SpatialModelOfPolitics(NegotiationModel):
    """KTAB's Spatial Model of Politics over all the issues of a scenario at once.

    Parameters
    ----------
    VictoryProbModel : {"Linear", "Square", "Quartic", "Octic", "Binary"}, default "Linear"
    VotingRule : {"Prop", "Binary", "PropBin", "PropCbc", "Cubic", "ASymProsp"}, default "Prop"
    PCEModel : {"Conditional", "MarkovIncentive", "MarkovUniform"}, default "Conditional"
    StateTransitions : {"Deterministic", "Stochastic"}, default "Deterministic"
    BigRRange : {"Mid", "Min", "Max"}, default "Mid"
    BigRAdjust : {"OneThird", "None", "Half", "TwoThirds", "Full"}, default "OneThird"
    ThirdPartyCommit : {"SemiCommit", "NoCommit", "FullCommit"}, default "SemiCommit"
    InterVecBrgn : {"S2P2", "S1P1", "S2PMax"}, default "S2P2"
    BargnModel : {"InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"}, default
        "InitOnlyInterp"
        KTAB's options, with KTAB's names and defaults (the header of a KTAB log).
    minIter, maxIter : int, default 2 and 100
        Fewest and most turns (KTAB's ``configExec``).
    minDeltaRatio : float in (0, 1), default 0.02
        Stop when a turn moves the state by less than this fraction of the first turn.
    forecast : {"expected", "weighted_mean"}, default "expected"
        The outcome: the expected final position under the probability that each distinct
        final position wins, or the capability x salience weighted mean of final positions.
    """

    name: ClassVar[str] = "smp"
    summary: ClassVar[str] = "KTAB's Spatial Model of Politics (all issues one space, by turns)"
    iterative: ClassVar[bool] = True
    separable: ClassVar[bool] = False
    parameters: ClassVar[dict[str, Constraint]] = {
        **{option: Options(*values) for option, values in OPTIONS.items()},
        "minIter": Interval(Integral, 1, None, closed="left"),
        "maxIter": Interval(Integral, 1, None, closed="left"),
        "minDeltaRatio": Interval(Real, 0, 1, closed="neither"),
        "forecast": Options(*FORECASTS),
    }
    ordered_parameters: ClassVar[tuple[tuple[str, str], ...]] = (("minIter", "maxIter"),)

    def __init__(
        self,
        VictoryProbModel: str = "Linear",
        VotingRule: str = "Prop",
        PCEModel: str = "Conditional",
        StateTransitions: str = "Deterministic",
        BigRRange: str = "Mid",
        BigRAdjust: str = "OneThird",
        ThirdPartyCommit: str = "SemiCommit",
        InterVecBrgn: str = "S2P2",
        BargnModel: str = "InitOnlyInterp",
        minIter: int = 2,
        maxIter: int = 100,
        minDeltaRatio: float = 0.02,
        forecast: str = "expected",
    ) -> None:
        given = {
            "VictoryProbModel": VictoryProbModel,
            "VotingRule": VotingRule,
            "PCEModel": PCEModel,
            "StateTransitions": StateTransitions,
            "BigRRange": BigRRange,
            "BigRAdjust": BigRAdjust,
            "ThirdPartyCommit": ThirdPartyCommit,
            "InterVecBrgn": InterVecBrgn,
            "BargnModel": BargnModel,
        }
        check_parameters(
            self,
            **given,
            minIter=minIter,
            maxIter=maxIter,
            minDeltaRatio=minDeltaRatio,
            forecast=forecast,
        )
        self.options = given
        self.VictoryProbModel = VictoryProbModel
        self.VotingRule = VotingRule
        self.PCEModel = PCEModel
        self.StateTransitions = StateTransitions
        self.BigRRange = BigRRange
        self.BigRAdjust = BigRAdjust
        self.ThirdPartyCommit = ThirdPartyCommit
        self.InterVecBrgn = InterVecBrgn
        self.BargnModel = BargnModel
        self.minIter = minIter
        self.maxIter = maxIter
        self.minDeltaRatio = float(minDeltaRatio)
        self.forecast = forecast

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return (
            f"SpatialModelOfPolitics({args}, minIter={self.minIter}, maxIter={self.maxIter}, "
            f"minDeltaRatio={self.minDeltaRatio}, forecast={self.forecast!r})"
        )

    # ------------------------------------------------------------------------------------
    # inputs

    def prepare(self, inputs: NegotiationInputs) -> dict[str, np.ndarray]:
        """The arrays of the SMP, over the actors present on at least one issue.

        Returns ``actors`` (indices into the input's actor axis, shape (n,)), ``x``
        (positions on [0, 1], shape (draws, n, m), absent entries at the present actors'
        weighted mean), ``s`` (saliences, 0 where absent, each actor's sum at most 1),
        ``c`` (capabilities, shape (draws, n)), ``present`` (n, m), ``width`` (m,).
        """
        present = inputs.present
        if not present.any(axis=0).all():
            empty = [inputs.issue_ids[k] for k in np.nonzero(~present.any(axis=0))[0]]
            raise ModelError(f"smp needs a present actor on every issue; none on {empty}")
        actors = np.nonzero(present.any(axis=1))[0]
        pres = present[actors]
        width = inputs.upper - inputs.lower
        width = np.where(width > 0, width, 1.0)
        x = (inputs.positions - inputs.lower) / width
        fill = weighted_mean(x, effective_weights(inputs))  # (draws, m)
        x = np.where(pres[None], x[:, actors], fill[:, None, :])
        s = np.where(pres[None], inputs.salience[:, actors], 0.0)
        total = s.sum(axis=-1, keepdims=True)
        s = np.where(total > 1.0, s / np.where(total > 0, total, 1.0), s)
        cap = np.where(pres[None], inputs.capability[:, actors], 0.0).sum(axis=-1)
        cap = cap / pres.sum(axis=-1)
        lo = np.where(pres[None], x, np.inf).min(axis=1)
        hi = np.where(pres[None], x, -np.inf).max(axis=1)
        return {
            "actors": actors,
            "x": x,
            "s": s,
            "c": cap,
            "present": pres,
            "width": width,
            "lo": lo,
            "hi": hi,
        }

    # ------------------------------------------------------------------------------------
    # one state

    def assess(self, x: np.ndarray, s: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
        """KTAB's ``SMPState::setAllAUtil`` for a batch of states.

        x, s : arrays of shape (B, n, m); c : (B, n). Returns ``d`` (B, n, n), the distance
        from each actor's position (its ideal) to each position; ``p`` (B, n), the
        risk-neutral probability that each position wins; ``r`` (B, n), the risk attitudes;
        ``u`` (B, n, n, n), u[h, i, j] = h's estimate of i's utility of j's position.
        """
        o = self.options
        d = _distance(x, x, s * s)
        neutral = smp_utility(d, 0.0)
        du = neutral[:, :, :, None] - neutral[:, :, None, :]  # (B, k, i, j)
        votes = vote(o["VotingRule"], c[:, :, None, None], du)
        coalition = _MIN_COALITION + np.maximum(votes, 0).sum(axis=1)
        p = condorcet_probabilities(o["PCEModel"], o["VictoryProbModel"], coalition)
        r = risk_attitudes(p, o["BigRRange"])
        r_hi = _estimated_risk(r[:, :, None], r[:, None, :], o["BigRAdjust"])  # (B, h, i)
        near = 1 - d
        u = near[:, None] + (near * np.minimum(d, 1.0))[:, None] * r_hi[..., None]  # bsUtil
        return {"d": d, "p": p, "r": r, "u": u}

    def position_probabilities(
        self, x: np.ndarray, c: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """KTAB's ``SMPState::pDist(-1)``: probability that each distinct position wins.

        x : (B, n, m); c : (B, n); u : (B, n, n, n) from :meth:`assess`. Returns
        (prob, groups, centre): prob (B, n), the probability that actor i's position wins;
        groups (B, n, n) bool, actors holding the same position; centre (B, n, m), the mean
        position of actor i's group.
        """
        o = self.options
        n = x.shape[1]
        near = np.sqrt(((x[:, :, None, :] - x[:, None, :, :]) ** 2).sum(axis=-1)) < _POS_TOL
        groups = near
        for _ in range(max(1, int(np.ceil(np.log2(max(n, 2)))))):
            groups = (groups.astype(float) @ groups.astype(float)) > 0
        size = groups.sum(axis=-1)
        leader = np.argmax(groups, axis=-1) == np.arange(n)
        own = u[:, np.arange(n), np.arange(n), :]  # own[a, j] = u[a, a, j]
        util = own @ np.swapaxes(groups, -1, -2).astype(float) / size[:, None, :]
        du = util[:, :, :, None] - util[:, :, None, :]
        votes = vote(o["VotingRule"], c[:, :, None, None], du)
        coalition = _MIN_COALITION + np.maximum(votes, 0).sum(axis=1)
        p = condorcet_probabilities(o["PCEModel"], o["VictoryProbModel"], coalition, leader)
        prob = (groups * p[:, None, :]).sum(axis=-1)
        centre = groups.astype(float) @ x / size[..., None]
        return prob, groups, centre

    def challenges(
        self, u: np.ndarray, s: np.ndarray, c: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each actor's best challenge (``SMPState::bestChallengeUtils``, ``bestChallenge``).

        u : (B, n, n, n) from :meth:`assess`; s : (B, n, m); c : (B, n). Returns (target,
        gain, p): target (B, n), the actor i challenges (-1 for none); gain (B, n, n), i's
        expected gain from challenging j (-inf for j = i); p (B, n, n), i's estimate that
        it beats j.
        """
        o = self.options
        bsz, n = c.shape
        s_sum = s.sum(axis=-1)
        w = s_sum * c  # weight of an actor in a contest: salience sum x capability
        idx = np.arange(n)
        b3 = np.arange(bsz)[:, None, None]
        i3, j3 = idx[None, :, None], idx[None, None, :]
        n4 = idx[None, None, None, :]
        # perspective h = i, affected actor k = i
        u_ii = u[b3, i3, i3, i3]  # u[i, i, i] -> (B, i, 1)
        u_ij = u[b3, i3, i3, j3]  # u[i, i, j] -> (B, i, j)
        p = contest_probability(
            o["VotingRule"],
            o["ThirdPartyCommit"],
            u_ii,
            u_ij,
            u[b3, i3, j3, i3],  # u[i, j, i]
            u[b3, i3, j3, j3],  # u[i, j, j]
            u[b3, i3, j3, i3][:, :, None, :],  # u[i, n, i] -> (B, i, 1, n)
            np.swapaxes(u, -1, -2),  # u[i, n, j] -> (B, i, j, n)
            u[b3, i3, j3, j3][:, :, None, :],  # u[i, n, n] -> (B, i, 1, n)
            w[:, :, None],
            w[:, None, :],
            w[:, None, None, :],
            (i3[..., None] != n4) & (j3[..., None] != n4),
        )
        s_j = s_sum[:, None, :]
        gain = (1 - s_j) * (2 * u_ii) + s_j * (p * (2 * u_ii) + (1 - p) * (2 * u_ij))
        gain = gain - (u_ii + u_ij)
        gain = np.where(idx[:, None] == idx[None, :], -np.inf, gain)
        best = np.argmax(gain, axis=-1)
        best_gain = np.take_along_axis(gain, best[..., None], axis=-1)[..., 0]
        return np.where(best_gain > _MIN_GAIN, best, -1), gain, p

    def bargains(
        self,
        x: np.ndarray,
        s: np.ndarray,
        c: np.ndarray,
        u: np.ndarray,
        target: np.ndarray,
        p_init: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """The bargains each initiator proposes to its target (``SMPState::doBCN(i)``).

        x, s : (B, n, m); c : (B, n); u : (B, n, n, n); target : (B, n) with a valid index
        for every actor; p_init : (B, n), the initiator's estimate that it wins; bounds :
        two (B, m) arrays, the span of positions. Returns the initiator's and the target's
        positions, each (B, n, K, m), K bargains per initiator (2 for InitRcvrInterp).
        """
        o = self.options
        bsz, n, _ = x.shape
        b2, i2, t2 = np.arange(bsz)[:, None], np.arange(n)[None, :], target
        x_t, s_t = x[b2, t2], s[b2, t2]
        lo, hi = bounds[0][:, None, :], bounds[1][:, None, :]

        def interp(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            b_i, b_j = interpolate_bargain(o["InterVecBrgn"], x, s, p, x_t, s_t, 1 - p)
            return np.clip(b_i, lo, hi), np.clip(b_j, lo, hi)

        b_ii, b_ij = interp(p_init)
        if o["BargnModel"] == "InitOnlyInterp":
            return b_ii[:, :, None], b_ij[:, :, None]
        # the target's estimate that the initiator wins: perspective h = t_i
        s_sum = s.sum(axis=-1)
        w = s_sum * c
        b3, t3, i3 = b2[..., None], t2[..., None], i2[..., None]
        n3 = np.arange(n)[None, None, :]
        p_t = contest_probability(
            o["VotingRule"],
            o["ThirdPartyCommit"],
            u[b2, t2, i2, i2],  # u[t_i, i, i] -> (B, i)
            u[b2, t2, i2, t2],  # u[t_i, i, t_i]
            u[b2, t2, t2, i2],  # u[t_i, t_i, i]
            u[b2, t2, t2, t2],  # u[t_i, t_i, t_i]
            u[b3, t3, n3, i3],  # u[t_i, n, i] -> (B, i, n)
            u[b3, t3, n3, t3],  # u[t_i, n, t_i]
            u[b3, t3, n3, n3],  # u[t_i, n, n]
            w,
            w[b2, t2],
            w[:, None, :],
            (n3 != i3) & (n3 != t3),
        )
        b_ji, b_jj = interp(p_t)
        if o["BargnModel"] == "InitRcvrInterp":
            return np.stack([b_ii, b_ji], axis=2), np.stack([b_ij, b_jj], axis=2)
        # PWCompInterp; KTAB weighs both perspectives with the initiator's capability
        wi = (c * s_sum)[..., None]
        wj = (c * s_sum[b2, t2])[..., None]
        init = (wi * b_ii + wj * b_ji) / (wi + wj)
        rcvr = (wi * b_ij + wj * b_jj) / (wi + wj)
        return init[:, :, None], rcvr[:, :, None]

    def turn(
        self,
        x: np.ndarray,
        s: np.ndarray,
        c: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
        uniform: np.ndarray | None = None,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One turn of challenges and bargains (KTAB's ``SMPState::doBCN``).

        x, s : arrays of shape (B, n, m), positions on [0, 1] and saliences; c : (B, n);
        bounds : two (B, m) arrays, the span of the present positions; uniform : (B, n)
        numbers in [0, 1) for Stochastic state transitions. Returns the next positions
        (B, n, m) and a dict with ``target`` (B, n; -1 for none), ``r`` and ``p`` (B, n),
        the risk attitudes and risk-neutral win probabilities of the state.
        """
        o = self.options
        bsz, n, m = x.shape
        a = self.assess(x, s, c)
        u, r = a["u"], a["r"]
        idx = np.arange(n)
        b2 = np.arange(bsz)[:, None]
        target, _, p = self.challenges(u, s, c)
        has = target >= 0
        t = np.where(has, target, (idx + 1) % n)  # a valid index everywhere
        init, rcvr = self.bargains(x, s, c, u, t, p[b2, idx, t], bounds)
        k_b = init.shape[2]
        # every actor's value of the state after a bargain: its mean utility of the positions
        own = u[:, idx, idx, :]  # (B, a, j) = u[a, a, j]
        total = own.sum(axis=-1)  # (B, a)
        flat = (bsz, n * k_b, m)
        sal2 = s * s
        u_init = smp_utility(_distance(x, init.reshape(flat), sal2), r[..., None])
        u_rcvr = smp_utility(_distance(x, rcvr.reshape(flat), sal2), r[..., None])
        own_t = own[b2[..., None], idx[None, :, None], t[:, None, :]]  # u[a, a, t_i]: (B, a, i)
        # (grouped so that two bargains leading to the same state get the same value)
        value = (total[..., None] - (own + own_t))[..., None] + (
            u_init.reshape(bsz, n, n, k_b) + u_rcvr.reshape(bsz, n, n, k_b)
        )
        value = np.concatenate([total[..., None], value.reshape(bsz, n, n * k_b)], axis=-1) / n
        du = value[:, :, :, None] - value[:, :, None, :]
        votes = vote(o["VotingRule"], c[:, :, None, None], du)
        coalition = _MIN_COALITION + np.maximum(votes, 0).sum(axis=1)  # (B, O, O)
        # actor k's queue: the status quo and the bargains it initiated or received; the
        # position k would take with each
        i_of = np.repeat(idx, k_b)  # initiator of each bargain
        as_init = i_of[None, None, :] == idx[None, :, None]  # (1, k, nK)
        as_rcvr = np.repeat(t, k_b, axis=-1)[:, None, :] == idx[None, :, None]  # (B, k, nK)
        valid = np.repeat(has, k_b, axis=-1)[:, None, :]
        queue = np.concatenate(
            [np.ones((bsz, n, 1), dtype=bool), valid & (as_init | as_rcvr)], axis=-1
        )  # (B, k, O)
        cand = np.where(
            as_init[..., None], init.reshape(flat)[:, None], rcvr.reshape(flat)[:, None]
        )
        cand = np.concatenate([x[:, :, None, :], cand], axis=2)  # (B, k, O, m)
        prob = condorcet_probabilities(
            o["PCEModel"], o["VictoryProbModel"], coalition[:, None], queue
        )
        if o["StateTransitions"] == "Deterministic" or uniform is None:
            # the most probable bargain; among ties, the smallest move (the status quo first)
            near = prob >= prob.max(axis=-1, keepdims=True) * (1 - _TIE)
            move = np.sqrt(((cand - x[:, :, None, :]) ** 2).sum(axis=-1))
            choice = np.argmin(np.where(near & queue, move, np.inf), axis=-1)
        else:
            cum = np.cumsum(prob, axis=-1)
            choice = np.minimum((cum < uniform[..., None]).sum(axis=-1), prob.shape[-1] - 1)
            # never a bargain outside the queue (round-off at the end of the cumulative sum)
            choice = np.where(np.take_along_axis(queue, choice[..., None], -1)[..., 0], choice, 0)
        new = np.take_along_axis(cand, choice[:, :, None, None], axis=2)[:, :, 0]
        return new, {"target": target, "r": r, "p": a["p"]}

    # ------------------------------------------------------------------------------------
    # a run

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        prep = self.prepare(inputs)
        actors, x0, s, c = prep["actors"], prep["x"], prep["s"], prep["c"]
        pres, width = prep["present"], prep["width"]
        draws, n, m = x0.shape
        keys = None
        if self.StateTransitions == "Stochastic":
            keys = rng.integers(0, 2**63, size=draws, dtype=np.uint64)
        chunk = max(1, _CHUNK_ELEMENTS // n**3)
        parts = []
        for lo in range(0, draws, chunk):
            sl = slice(lo, min(lo + chunk, draws))
            bounds = (prep["lo"][sl], prep["hi"][sl])
            parts.append(
                self._run_chunk(
                    x0[sl], s[sl], c[sl], pres, bounds, None if keys is None else keys[sl]
                )
            )
        rounds = max(part[0].shape[1] for part in parts)
        path = np.concatenate(
            [
                np.concatenate([p, np.repeat(p[:, -1:], rounds - p.shape[1], axis=1)], axis=1)
                for p, *_ in parts
            ]
        )  # (draws, rounds, n, m) on [0, 1]
        weights = effective_weights(inputs)
        if self.forecast == "expected":
            outcome = inputs.lower + width * np.concatenate([part[2] for part in parts])
        else:
            outcome = weighted_mean(inputs.lower + width * path[:, -1], weights[:, actors])
        full = np.repeat(inputs.positions[:, None], rounds, axis=1)
        median, mean = np.empty((draws, rounds, m)), np.empty((draws, rounds, m))
        for r in range(rounds):
            full[:, r, actors] = np.where(
                pres, inputs.lower + width * path[:, r], full[:, r, actors]
            )
            median[:, r] = weighted_median(full[:, r], weights)
            mean[:, r] = weighted_mean(full[:, r], weights)
        details = parts[0][4]
        details["actors"] = [inputs.actor_ids[k] for k in actors]
        details["position_probabilities"] = dict(
            zip(details["actors"], details.pop("probabilities"), strict=True)
        )
        details["risk_attitudes"] = dict(
            zip(details["actors"], details["risk_attitudes"], strict=True)
        )
        details["challenges"] = [
            [[details["actors"][i], details["actors"][j]] for i, j in turn]
            for turn in details["challenges"]
        ]
        return NegotiationResult(
            outcome=outcome,
            round_median=median,
            round_mean=mean,
            round_positions=full,
            diagnostics={"turns": np.concatenate([part[1] for part in parts])},
            details={"options": dict(self.options), **details},
        )

    def _run_chunk(
        self,
        x0: np.ndarray,
        s: np.ndarray,
        c: np.ndarray,
        pres: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
        keys: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Turns until every draw of the batch has stopped.

        x0, s : (B, n, m); c : (B, n); pres : (n, m); bounds : two (B, m); keys : (B,)
        uint64 or None. Returns the positions after each turn (B, T, n, m), the turns run
        (B,), the expected final position (B, m), the probability that each actor's final
        position wins (B, n) and the first draw's account (turns, challenges, risk).
        """
        bsz, n, _ = x0.shape
        x = x0.copy()
        states = []
        alive = np.ones(bsz, dtype=bool)
        done_at = np.zeros(bsz, dtype=int)
        first_step = np.zeros(bsz)
        challenges: list[list[tuple[int, int]]] = []
        risk: list[float] = []
        it = 0
        while alive.any():
            it += 1
            rows = np.nonzero(alive)[0]
            uni = None if keys is None else _uniforms(keys[rows], it, n)
            new, info = self.turn(
                x[rows], s[rows], c[rows], (bounds[0][rows], bounds[1][rows]), uni
            )
            if alive[0]:
                tgt = info["target"][0]
                challenges.append([(i, int(tgt[i])) for i in range(n) if tgt[i] >= 0])
                if it == 1:
                    risk = [float(v) for v in info["r"][0]]
            move = np.where(pres, new - x[rows], 0.0)
            dist = np.sqrt((move**2).sum(axis=-1)).sum(axis=-1)
            if it == 1:
                first_step[rows] = dist + _MIN_SIG_DELTA
            x[rows] = new
            states.append(x.copy())
            quiet = dist / first_step[rows] < self.minDeltaRatio
            stop = (it >= self.maxIter) | ((it >= self.minIter) & quiet)
            done_at[rows[stop]] = it
            alive[rows[stop]] = False
        prob, groups, centre = self.position_probabilities(x, c, self.assess(x, s, c)["u"])
        leader = np.argmax(groups, axis=-1) == np.arange(n)  # one actor per distinct position
        expected = ((prob * leader)[..., None] * centre).sum(axis=1)
        first = {
            "turns": int(done_at[0]),
            "challenges": challenges,
            "risk_attitudes": risk,
            "probabilities": [float(v) for v in prob[0]],
        }
        return np.stack(states, axis=1), done_at, expected, prob, first
