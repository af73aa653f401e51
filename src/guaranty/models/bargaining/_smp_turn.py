"""One state and one turn of ``smp`` on a batch of states (KTAB's ``SMPState``).

:class:`SMPTurns` holds the methods of :class:`~guaranty.models.bargaining.smp.
SpatialModelOfPolitics` that work on the positions of one turn: the actors' utilities and
risk attitudes (``assess``), the probability that each distinct position wins, the best
challenges, the bargains and the next state. They read the model's KTAB options from
``self.options``; the model adds its parameters, the preparation of the inputs and the
loop over turns and batches of draws.
"""

from __future__ import annotations

import numpy as np

from guaranty.models.bargaining._smp_ktab import (
    _MIN_COALITION,
    _MIN_GAIN,
    _NEAR,
    _POS_TOL,
    _TIE,
    _distance,
    _estimated_risk,
    condorcet_probabilities,
    contest_probability,
    interpolate_bargain,
    risk_attitudes,
    smp_utility,
    vote,
)

__all__ = ["SMPTurns"]


class SMPTurns:
    """The per-turn kernel of the SMP (a base class of the model; see the module docstring)."""

    #: KTAB's option name -> the chosen value.
    options: dict[str, str]
    #: how positions within ``posTol`` form one option: "chain" or "ktab"
    grouping: str

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
        """KTAB's ``SMPState::pDist(-1)`` and ``State::posProb``: the probability that each
        distinct position wins, each actor voting by its own utility.

        x : (B, n, m); c : (B, n); u : (B, n, n, n) from :meth:`assess`. Returns (prob,
        option, centre): option (B, n), the probability that the option led by actor j
        wins (0 where j leads none); centre (B, n, m), where that option stands; prob
        (B, n), the probability reported for actor i's position. Positions within
        ``posTol`` are one option: with ``grouping="ktab"`` as KTAB's ``ueIndices`` (in
        actor order, an actor joins the first earlier leader within ``posTol``, or else
        leads a new option, valued at the leader's position; an actor is reported with the
        last leader within ``posTol`` of it, as ``posProb``); with ``"chain"`` chains of
        such positions are one option, valued at its members' mean utility and mean
        position, whatever the order of the actors.
        """
        o = self.options
        n = x.shape[1]
        # KTAB's grouping with KTAB's comparison; the chains with posTol read as in exact
        # arithmetic (_NEAR)
        tol = _POS_TOL if self.grouping == "ktab" else _NEAR
        near = np.sqrt(((x[:, :, None, :] - x[:, None, :, :]) ** 2).sum(axis=-1)) < tol
        own = u[:, np.arange(n), np.arange(n), :]  # own[a, j] = u[a, a, j]
        if self.grouping == "ktab":
            leader = _greedy_leaders(near)
            util = own
        else:
            groups = _chains(near)
            size = groups.sum(axis=-1)
            leader = np.argmax(groups, axis=-1) == np.arange(n)
            util = own @ np.swapaxes(groups, -1, -2).astype(float) / size[:, None, :]
        du = util[:, :, :, None] - util[:, :, None, :]
        votes = vote(o["VotingRule"], c[:, :, None, None], du)
        coalition = _MIN_COALITION + np.maximum(votes, 0).sum(axis=1)
        option = condorcet_probabilities(o["PCEModel"], o["VictoryProbModel"], coalition, leader)
        if self.grouping == "ktab":
            match = leader[:, None, :] & near  # (B, i, j): leaders within posTol of i
            last = n - 1 - np.argmax(match[..., ::-1], axis=-1)
            return np.take_along_axis(option, last, axis=-1), option, x
        prob = (groups * option[:, None, :]).sum(axis=-1)
        return prob, option, groups.astype(float) @ x / size[..., None]

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


def _greedy_leaders(near: np.ndarray) -> np.ndarray:
    """KTAB's ``KBase::ueIndices``: in actor order, an actor joins the first earlier leader
    it is near, or else leads. near : (B, n, n) bool. Returns the leaders (B, n) bool."""
    bsz, n, _ = near.shape
    leader = np.ones((bsz, n), dtype=bool)
    for i in range(1, n):
        leader[:, i] = ~(leader[:, :i] & near[:, i, :i]).any(axis=-1)
    return leader


def _chains(near: np.ndarray) -> np.ndarray:
    """The transitive closure of ``near`` (B, n, n): actors linked by chains of near pairs."""
    groups = near.astype(float)
    for _ in range(max(1, int(np.ceil(np.log2(max(near.shape[-1], 2)))))):
        groups = ((groups @ groups) > 0).astype(float)
    return groups > 0
