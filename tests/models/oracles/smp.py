"""Readable reference implementation of ``smp``: one draw at a time, in plain loops.

The registered kernel (:mod:`guaranty.models.bargaining.smp`) computes every draw, actor
and challenge of a turn at once on arrays. This module follows KTAB's C++ (``smp.cpp``,
``smpbcn.cpp``, ``kmodel.cpp``) function by function, with explicit loops over actors, so
that the kernel can be checked against it (``tests/models/test_smp.py``) and timed against
it (``benchmarks/bench_smp.py``). It is a test oracle, not part of the
installed package, and far too slow for Monte Carlo use.

Every choice (absent actors, salience sums above 1, ties, the bargain clipping, the final
grouping of equal positions) is the kernel's; see the ``Choices`` of
:mod:`guaranty.models.bargaining.smp` and ``docs/models/smp.md``.
"""

from __future__ import annotations

import math

import numpy as np

from guaranty.models.bargaining._smp_ktab import (
    _EXPONENT,
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
    _uniforms,
)
from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.smp import _MIN_SIG_DELTA, SpatialModelOfPolitics

__all__ = ["reference_run"]

Vec = list[float]


def _vote(rule: str, w: float, du: float) -> float:  # Model::vote
    binary = max(-1.0, min(1.0, du / 1e-8))
    return {
        "Binary": w * binary,
        "PropBin": w * (0.8 * du + 0.2 * binary),
        "Prop": w * du,
        "PropCbc": w * (0.5 * du + 0.5 * du**3),
        "Cubic": w * du**3,
        "ASymProsp": w * du if du < 0 else 2.0 * w * du / 3.0,
    }[rule]


def _victory(model: str, s1: float, s2: float) -> float:  # Model::vProb
    if model == "Binary":
        if s1 >= 1.1 * s2:
            x1, x2 = 1.0, 1e-6
        elif s2 >= 1.1 * s1:
            x1, x2 = 1e-6, 1.0
        else:
            x1 = (s1 / (s1 + s2) * 2.1 - 1.0) / 0.1
            x2 = 1.0 - x1
    else:
        x1, x2 = s1 ** _EXPONENT[model], s2 ** _EXPONENT[model]
    return x1 / (x1 + x2)


def _coalitions(u: list[Vec], w: Vec, rule: str) -> list[Vec]:  # Model::coalitions
    n_opt = len(u[0])
    return [
        [
            _MIN_COALITION
            + sum(max(0.0, _vote(rule, w[k], u[k][a] - u[k][b])) for k in range(len(u)))
            for b in range(n_opt)
        ]
        for a in range(n_opt)
    ]


def _pce(model: str, vp_model: str, c: list[Vec]) -> Vec:  # Model::probCE2
    n = len(c)
    pv = [
        [0.5 if a == b else _victory(vp_model, c[a][b], c[b][a]) for b in range(n)]
        for a in range(n)
    ]
    if model == "Conditional":  # in logarithms, as the kernel
        logp = [sum(math.log(v) for v in row) for row in pv]
        top = max(logp)
        p = [math.exp(v - top) for v in logp]
        return [v / sum(p) for v in p]
    if model == "MarkovUniform":
        update = lambda p: [sum(pv[a][b] * (p[a] + p[b]) for b in range(n)) / n for a in range(n)]  # noqa: E731
    else:  # MarkovIncentive
        inc = [
            [c[a][b] * pv[a][b] + (1e-10 if a == b else 0.0) for b in range(n)] for a in range(n)
        ]
        col = [sum(inc[k][b] for k in range(n)) for b in range(n)]
        chlg = [[inc[a][b] / col[b] for b in range(n)] for a in range(n)]

        def update(p: Vec) -> Vec:
            ct = [[p[a] * chlg[b][a] for b in range(n)] for a in range(n)]
            return [sum(pv[a][b] * (ct[a][b] + ct[b][a]) for b in range(n)) for a in range(n)]

    p = [1.0 / n] * n
    for _ in range(_MARKOV_MAX):
        q = update(p)
        change = max(abs(q[a] - p[a]) for a in range(n))
        p = [(p[a] + q[a]) / 2.0 for a in range(n)]
        if change <= _MARKOV_TOL[model]:
            break
    return p


def _big_r(p: Vec, rng_name: str) -> Vec:  # Model::bigRfromProb
    lo, hi = min(p), max(p)
    if hi - lo <= _P_TOL:
        return [0.0] * len(p)
    if rng_name == "Min":
        return [(v - lo) / (hi - lo) for v in p]
    if rng_name == "Mid":
        return [(3 * v - (hi + 2 * lo)) / (2 * (hi - lo)) for v in p]
    return [(2 * v - (hi + lo)) / (hi - lo) for v in p]


def _est_r(r_h: float, r_i: float, adjust: str) -> float:  # Model::estNRA
    return {
        "Full": r_i,
        "TwoThirds": (r_h + 2.0 * r_i) / 3.0,
        "Half": (r_h + r_i) / 2,
        "OneThird": (2.0 * r_h + r_i) / 3.0,
        "None": r_h,
    }[adjust]


def _distance(ideal: Vec, y: Vec, sal: Vec) -> float:  # SMPModel::bvDiff
    ss = sum(s * s for s in sal)
    if ss <= 0:
        return 0.0
    return math.sqrt(sum((s * (a - b)) ** 2 for a, b, s in zip(ideal, y, sal, strict=True)) / ss)


def _utility(d: float, r: float) -> float:  # SMPModel::bsUtil
    return (1 - d) * (1 + d * r) if d <= 1 else (1 - d) * (1 + r)


def _round4(v: float) -> float:  # in SMPActor::interpBrgnSnPm
    return math.floor(0.5 + _HALF_UP + v * 10000.0) / 10000.0


def _interpolate(
    rule: str, x_i: Vec, s_i: Vec, p_i: float, x_j: Vec, s_j: Vec, p_j: float
) -> tuple[Vec, Vec]:  # SMPActor::interpolateBrgn
    b_i, b_j = [], []
    for k in range(len(x_i)):
        if rule == "S2PMax":
            di, dj = max(p_j - p_i, 0.0), max(p_i - p_j, 0.0)
            si2, sj2 = s_i[k] ** 2, s_j[k] ** 2
            dik = di * sj2 / (di * sj2 + _MIN_INTERP + (1 - di) * si2)
            djk = dj * si2 / (dj * si2 + _MIN_INTERP + (1 - dj) * sj2)
            b_i.append(x_i[k] + dik * (x_j[k] - x_i[k]))
            b_j.append(x_j[k] + djk * (x_i[k] - x_j[k]))
            continue
        e = 1 if rule == "S1P1" else 2
        wi, wj = (s_i[k] * p_i) ** e, (s_j[k] * p_j) ** e
        den = wi + _MIN_INTERP + wj
        b_i.append(_round4(((wi + _MIN_INTERP) * x_i[k] + wj * x_j[k]) / den))
        b_j.append(_round4((wi * x_i[k] + (_MIN_INTERP + wj) * x_j[k]) / den))
    return b_i, b_j


class _State:
    """One SMP state: positions (ideals), risk attitudes, every h's utility matrix."""

    def __init__(self, x: list[Vec], s: list[Vec], c: Vec, o: dict[str, str]) -> None:
        n = len(x)
        self.x, self.s, self.c, self.o = x, s, c, o
        self.d = [[_distance(x[i], x[j], s[i]) for j in range(n)] for i in range(n)]
        neutral = [[_utility(self.d[i][j], 0.0) for j in range(n)] for i in range(n)]
        coal = _coalitions(neutral, c, o["VotingRule"])
        self.p = _pce(o["PCEModel"], o["VictoryProbModel"], coal)
        self.r = _big_r(self.p, o["BigRRange"])  # SMPState::setAllAUtil
        self.u = [
            [
                [
                    _utility(self.d[i][j], _est_r(self.r[h], self.r[i], o["BigRAdjust"]))
                    for j in range(n)
                ]
                for i in range(n)
            ]
            for h in range(n)
        ]

    def prob_gain(self, h: int, k: int, i: int, j: int) -> tuple[float, float]:
        """SMPState::probEduChlg: h's estimate that i beats j, and of k's gain from i
        challenging j."""
        o, u, n = self.o, self.u[h], len(self.x)
        rule = o["VotingRule"]
        s_sum = [sum(v) for v in self.s]
        w = [s_sum[a] * self.c[a] for a in range(n)]
        c_i = _vote(rule, w[i], u[i][i] - u[i][j])
        c_j = _vote(rule, w[j], u[j][i] - u[j][j])
        for_i = _MIN_CHALLENGE + max(c_i, 0.0) + max(c_j, 0.0)
        for_j = _MIN_CHALLENGE + max(-c_i, 0.0) + max(-c_j, 0.0)
        base_i, base_j = for_i, for_j
        for m in range(n):
            if m in (i, j) or o["ThirdPartyCommit"] != "SemiCommit":
                continue  # under Full- and NoCommit the third parties' votes are 0
            c_m = _vote(rule, w[m], u[m][i] - u[m][j])  # Actor::vProbLittle
            p_im = (base_i + max(c_m, 0.0)) / (base_i + base_j + abs(c_m))
            join_i = p_im * (2 * u[m][i] + u[m][m]) + (1 - p_im) * 3 * u[m][j]
            join_j = p_im * 3 * u[m][i] + (1 - p_im) * (2 * u[m][j] + u[m][m])
            v = _vote(rule, w[m], join_i - join_j)  # Actor::thirdPartyVoteSU
            for_i += max(v, 0.0)
            for_j += max(-v, 0.0)
        p = for_i / (for_i + for_j)
        sj = s_sum[j]
        sq = u[k][i] + u[k][j]
        win, lose = 2 * u[k][i], 2 * u[k][j]
        return p, (1 - sj) * win + sj * (p * win + (1 - p) * lose) - sq

    def own_utility(self, a: int, y: Vec) -> float:  # SMPActor::posUtil
        return _utility(_distance(self.x[a], y, self.s[a]), self.r[a])


def _step(st: _State, bounds: tuple[Vec, Vec], uniform: Vec | None) -> tuple[list[Vec], list[int]]:
    """SMPState::doBCN: the next positions and each actor's target (-1 for none)."""
    o, x, s, c = st.o, st.x, st.s, st.c
    n = len(x)
    clip = lambda v: [min(max(a, bounds[0][k]), bounds[1][k]) for k, a in enumerate(v)]  # noqa: E731
    bargains: list[tuple[int, int, Vec, Vec]] = []  # (initiator, receiver, positions)
    targets = []
    for i in range(n):
        best, tgt, p_best = -1.0, -1, 0.0  # SMPState::bestChallenge
        for j in range(n):
            if j != i:
                p, gain = st.prob_gain(i, i, i, j)
                if gain > _MIN_GAIN and gain > best:
                    best, tgt, p_best = gain, j, p
        targets.append(tgt)
        if tgt < 0:
            continue
        j = tgt
        b_i, b_j = _interpolate(o["InterVecBrgn"], x[i], s[i], p_best, x[j], s[j], 1 - p_best)
        b_i, b_j = clip(b_i), clip(b_j)
        if o["BargnModel"] == "InitOnlyInterp":
            bargains.append((i, j, b_i, b_j))
            continue
        p_j, _ = st.prob_gain(j, i, i, j)
        r_i, r_j = _interpolate(o["InterVecBrgn"], x[i], s[i], p_j, x[j], s[j], 1 - p_j)
        r_i, r_j = clip(r_i), clip(r_j)
        if o["BargnModel"] == "InitRcvrInterp":
            bargains += [(i, j, b_i, b_j), (i, j, r_i, r_j)]
        else:  # PWCompInterp, both weights with the initiator's capability (as KTAB)
            wi, wj = c[i] * sum(s[i]), c[i] * sum(s[j])
            mix_i = [(wi * p + wj * q) / (wi + wj) for p, q in zip(b_i, r_i, strict=True)]
            mix_j = [(wi * p + wj * q) / (wi + wj) for p, q in zip(b_j, r_j, strict=True)]
            bargains.append((i, j, mix_i, mix_j))
    # SMPState::updateBestBrgnPositions
    own = [[st.u[a][a][m] for m in range(n)] for a in range(n)]
    value_sq = [sum(own[a]) / n for a in range(n)]
    values = []
    for i, j, p_i, p_j in bargains:
        values.append(
            [
                (
                    (sum(own[a]) - (own[a][i] + own[a][j]))
                    + (st.own_utility(a, p_i) + st.own_utility(a, p_j))
                )
                / n
                for a in range(n)
            ]
        )
    new = [list(v) for v in x]
    for k in range(n):
        queue = [b for b, (i, j, _, _) in enumerate(bargains) if k in (i, j)]
        u = [[value_sq[a]] + [values[b][a] for b in queue] for a in range(n)]
        prob = _pce(o["PCEModel"], o["VictoryProbModel"], _coalitions(u, c, o["VotingRule"]))
        cand = [x[k]] + [bargains[b][2] if bargains[b][0] == k else bargains[b][3] for b in queue]
        if uniform is None:  # the most probable; among ties the smallest move
            top = max(prob)
            move = [
                math.dist(cand[q], x[k]) if prob[q] >= top * (1 - _TIE) else math.inf
                for q in range(len(prob))
            ]
            choice = min(range(len(prob)), key=lambda q: (move[q], q))
        else:
            cum, choice = 0.0, len(prob) - 1
            for q, pq in enumerate(prob):
                cum += pq
                if uniform[k] <= cum:
                    choice = q
                    break
        new[k] = list(cand[choice])
    return new, targets


def _groups(x: list[Vec]) -> list[list[int]]:
    """Actors whose positions are chained within the tolerance of one another."""
    n, seen, out = len(x), set(), []
    for a in range(n):
        if a in seen:
            continue
        group, todo = [], [a]
        seen.add(a)
        while todo:
            b = todo.pop()
            group.append(b)
            for q in range(n):
                if q not in seen and math.dist(x[b], x[q]) < _NEAR:
                    seen.add(q)
                    todo.append(q)
        out.append(sorted(group))
    return out


def _ktab_groups(x: list[Vec]) -> tuple[list[int], list[int]]:
    """KBase::ueIndices with SMPState::equivNdx: in actor order, an actor joins the first
    leader within the tolerance of it, or else leads a new group. Returns the leaders and,
    for each actor, the group State::posProb reports (the last leader within tolerance)."""
    leaders: list[int] = []
    for a in range(len(x)):
        if not any(math.dist(x[a], x[q]) < _POS_TOL for q in leaders):
            leaders.append(a)
    shown = [
        max(k for k, q in enumerate(leaders) if math.dist(x[a], x[q]) < _POS_TOL)
        for a in range(len(x))
    ]
    return leaders, shown


def _one_draw(
    model: SpatialModelOfPolitics,
    x0: list[Vec],
    s: list[Vec],
    c: Vec,
    present: np.ndarray,
    bounds: tuple[Vec, Vec],
    key: np.ndarray | None,
) -> tuple[list[list[Vec]], Vec, Vec]:
    """Model::run with smpStopFn: the states after each turn, the expected final position
    and the probability that each actor's final position wins."""
    o = model.options
    n = len(x0)
    history, x, first = [], x0, 0.0
    it = 0
    while True:
        it += 1
        uniform = None if key is None else [float(v) for v in _uniforms(key, it, n)[0]]
        new, _ = _step(_State(x, s, c, o), bounds, uniform)
        dist = sum(
            math.sqrt(sum((new[a][k] - x[a][k]) ** 2 for k in range(len(x[a])) if present[a, k]))
            for a in range(n)
        )
        if it == 1:
            first = dist + _MIN_SIG_DELTA
        x = new
        history.append(x)
        if it >= model.maxIter or (it >= model.minIter and dist / first < model.minDeltaRatio):
            break
    # SMPState::pDist(-1): the distinct final positions, judged by each actor's own utility
    st = _State(x, s, c, o)
    if model.grouping == "ktab":
        leaders, shown = _ktab_groups(x)
        util = [[st.u[a][a][q] for q in leaders] for a in range(n)]
        centres = [x[q] for q in leaders]
    else:
        groups = _groups(x)
        util = [[sum(st.u[a][a][b] for b in g) / len(g) for g in groups] for a in range(n)]
        centres = [[sum(x[a][k] for a in g) / len(g) for k in range(len(x[0]))] for g in groups]
        shown = [next(q for q, g in enumerate(groups) if a in g) for a in range(n)]
    p = _pce(o["PCEModel"], o["VictoryProbModel"], _coalitions(util, c, o["VotingRule"]))
    expected = [sum(p[q] * v[k] for q, v in enumerate(centres)) for k in range(len(x[0]))]
    prob = [p[q] for q in shown]
    return history, expected, prob


def reference_run(
    model: SpatialModelOfPolitics, inputs: NegotiationInputs, rng: np.random.Generator
) -> NegotiationResult:
    """``model.run(inputs, rng)``, one draw at a time (slow). Returns the outcome, the
    positions after each turn and the turns run (no round medians or means)."""
    prep = model.prepare(inputs)
    actors, pres, width = prep["actors"], prep["present"], prep["width"]
    draws = prep["x"].shape[0]
    keys = None
    if model.StateTransitions == "Stochastic":
        keys = rng.integers(0, 2**63, size=draws, dtype=np.uint64)
    paths, outcomes, turns = [], [], []
    for d in range(draws):
        history, expected, _ = _one_draw(
            model,
            prep["x"][d].tolist(),
            prep["s"][d].tolist(),
            prep["c"][d].tolist(),
            pres,
            (prep["lo"][d].tolist(), prep["hi"][d].tolist()),
            None if keys is None else keys[d : d + 1],
        )
        paths.append(np.array(history))
        turns.append(len(history))
        if model.forecast == "expected":
            outcomes.append(inputs.lower + width * np.array(expected))
        else:
            w = effective_weights(inputs)[d, actors]
            final = inputs.lower + width * np.array(history[-1])
            outcomes.append((w * final).sum(axis=0) / w.sum(axis=0))
    rounds = max(turns)
    full = np.repeat(inputs.positions[:, None], rounds, axis=1)
    for d, path in enumerate(paths):
        path = np.concatenate([path, np.repeat(path[-1:], rounds - len(path), axis=0)])
        full[d][:, actors] = np.where(pres, inputs.lower + width * path, full[d][:, actors])
    return NegotiationResult(
        outcome=np.array(outcomes),
        round_positions=full,
        diagnostics={"turns": np.array(turns)},
    )
