"""Readable reference implementation of ``exchange``: one draw, one exchange object at a time.

The registered kernel (:mod:`guaranty.models.bargaining.exchange`) runs every draw at once and
keeps the state that decide stores in each exchange object (supply positions, the "updates"
of other actors' positions, the list of moves) in shared arrays. This module keeps decide's
own bookkeeping instead: a list of exchange objects, each with its own copy of that state,
recalculated one by one after each realised exchange, with the list of moves kept literally.
The kernel is checked against it (``tests/models/test_exchange.py``) and timed against it
(``benchmarks/bench_exchange.py``). It is a test oracle, not part of the installed package.

Every choice (the normalised scale, the order of tied exchanges, the tolerances) is the
kernel's; see the ``Choices`` of :mod:`guaranty.models.bargaining.exchange` and
``docs/models/exchange.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from guaranty.models.bargaining._exchange_round import EPS_BOUND, EPS_GAIN, EPS_MOVE, EPS_NBS
from guaranty.models.bargaining.exchange import TIE_RTOL, new_start_position

__all__ = ["ReferenceExchange", "reference_rounds"]


@dataclass
class _Side:
    """One actor of an exchange: it moves on its supply issue toward the other actor."""

    actor: int
    supply: int
    demand: int
    start: float  # supply position at the start of the round
    pos: float  # current supply position (moves with exchanges realised this round)
    moves: list[float] = field(default_factory=list)
    y: float = 0.0


@dataclass
class ReferenceExchange:
    """An exchange between i (supplies issue q, demands p) and j (supplies p, demands q)."""

    p: int
    q: int
    i: _Side
    j: _Side
    gain: float = 0.0
    valid: bool = True
    updates: dict[int, dict[int, float]] = field(default_factory=dict)


class _Round:
    def __init__(
        self, x0: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray, absolute: bool
    ):
        self.x0, self.s, self.present, self.absolute = x0, s, present, absolute
        self.w = np.where(present, c * s, 0.0)
        self.big_w = self.w.sum(axis=0)

    # -- decide's calculations, one exchange at a time -------------------------------------

    def move_ok(self, a: _Side) -> bool:
        m = a.moves[-1]
        if abs(m) > 100 + EPS_BOUND or abs(m) <= EPS_MOVE:
            return False
        if a.pos + m < -EPS_BOUND or a.pos + m > 100 + EPS_BOUND:
            return False
        total = sum(a.moves)  # decide: signed; the model's move_sum="absolute": |sum|
        if (abs(total) if self.absolute else total) > 100 + EPS_BOUND:
            return False
        return max(a.moves) < 0 or min(a.moves) > 0

    def nbs_with(self, e: ReferenceExchange, a: _Side, z: float) -> float:
        """NBS of a's supply issue with e's updates applied and a at z."""
        k = a.supply
        upd = e.updates.get(k, {})
        tot = 0.0
        for b in range(self.x0.shape[0]):
            if self.present[b, k]:
                pos = z if b == a.actor else upd.get(b, self.x0[b, k])
                tot += self.w[b, k] * pos
        return tot / self.big_w[k]

    def check_nbs(self, e: ReferenceExchange, a: _Side, b: _Side) -> None:
        """Keep the NBS of a's supply issue from passing b's position (decide's check_nbs)."""
        k = a.supply
        x = self.x0[b.actor, k]
        n0, n1 = self.nbs_with(e, a, a.pos), self.nbs_with(e, a, a.y)
        if (x - n0 >= -EPS_NBS and x - n1 >= -EPS_NBS) or (x - n0 <= EPS_NBS and x - n1 <= EPS_NBS):
            return
        upd = e.updates.get(k, {})
        tot = 0.0  # every actor, a included (at a.pos unless updated)
        for o in range(self.x0.shape[0]):
            if self.present[o, k]:
                pos = a.pos if o == a.actor else self.x0[o, k]
                tot += self.w[o, k] * upd.get(o, pos)
        delta = abs((x * self.big_w[k] - tot) / self.w[a.actor, k])
        ratio_a = delta * self.w[a.actor, k] / self.big_w[k]
        s = self.s
        ratio_b = (
            (s[a.actor, k] + s[b.actor, k]) / (s[a.actor, a.demand] + s[b.actor, b.supply])
        ) * ratio_a
        move_b = abs(ratio_b * self.big_w[b.supply] / self.w[b.actor, b.supply])
        move_a = delta
        if b.pos > self.x0[a.actor, a.demand]:
            move_b = -move_b
        if a.pos > self.x0[b.actor, b.demand]:
            move_a = -move_a
        b.moves[-1] = move_b
        a.moves[-1] = move_a
        b.y = b.pos + move_b
        a.y = a.pos + move_a
        e.gain = abs(ratio_b * s[b.actor, b.supply] - ratio_a * s[b.actor, b.demand])

    def calculate(self, e: ReferenceExchange) -> None:
        i, j, p, q = e.i, e.j, e.p, e.q
        s, w, big_w, x0 = self.s, self.w, self.big_w, self.x0
        s_ip, s_iq, s_jp, s_jq = s[i.actor, p], s[i.actor, q], s[j.actor, p], s[j.actor, q]
        dist_j = abs(x0[i.actor, p] - j.pos)
        dp = dist_j * w[j.actor, p] / big_w[p]
        dq = dp * (s_jp + s_ip) / (s_jq + s_iq)
        mi = dq * big_w[q] / w[i.actor, q]
        mj = dist_j
        if abs(mi) > abs(x0[j.actor, q] - i.pos):
            dq = abs(x0[j.actor, q] - i.pos) * w[i.actor, q] / big_w[q]
            dp = dq * (s_iq + s_jq) / (s_ip + s_jp)
            mi = abs(x0[j.actor, q] - i.pos)
            mj = dp * big_w[p] / w[j.actor, p]
        if i.pos > x0[j.actor, q]:
            mi = -mi
        if j.pos > x0[i.actor, p]:
            mj = -mj
        i.moves.append(mi)
        j.moves.append(mj)
        i.y, j.y = i.pos + mi, j.pos + mj
        e.gain = abs(dq * s_iq - dp * s_ip)
        e.valid = self.move_ok(i) and self.move_ok(j) and e.gain >= EPS_GAIN
        if e.valid:
            self.check_nbs(e, i, j)
            self.check_nbs(e, j, i)
            e.valid = self.move_ok(i) and self.move_ok(j)

    def recalculate(self, e: ReferenceExchange, r: ReferenceExchange) -> None:
        """decide's AbstractExchange.recalculate: e after r was realised."""
        matched = False
        for a in (e.i, e.j):
            for b in (r.i, r.j):
                if a.actor == b.actor and a.supply == b.supply:
                    a.pos = b.y
                    a.moves.append(b.moves[-1])
                    matched = True
                    break
        if matched:
            e.i.moves.pop()
            e.j.moves.pop()
        for giver, taker in ((r.i, r.j), (r.j, r.i)):
            if any(t.actor == taker.actor and t.demand == taker.demand for t in (e.i, e.j)):
                upd = e.updates.setdefault(taker.demand, {})
                old = upd.get(giver.actor)
                if old is None:
                    upd[giver.actor] = giver.y
                elif giver.start <= old:
                    upd[giver.actor] = min(old, giver.y)
                else:
                    upd[giver.actor] = max(old, giver.y)
                if not matched:
                    e.i.moves.pop()
                    e.j.moves.pop()
                    matched = True
        if matched:
            self.calculate(e)

    def max_utilities(self, e: ReferenceExchange) -> tuple[float, float]:
        """decide's calculate_maximum_utility: (eu_max of i, eu_max of j)."""
        i, j, s, x0 = e.i, e.j, self.s, self.x0
        i_opt = abs(x0[i.actor, i.demand] - i.y) <= EPS_NBS
        j_opt = abs(x0[j.actor, j.demand] - j.y) <= EPS_NBS
        d_i = abs(
            self.nbs_with(e, i, i.pos)
            - self.nbs_with(e, i, i.y if i_opt else x0[j.actor, j.demand])
        )
        d_j = abs(
            self.nbs_with(e, j, j.pos)
            - self.nbs_with(e, j, j.y if j_opt else x0[i.actor, i.demand])
        )
        si_s, si_d = s[i.actor, i.supply], s[i.actor, i.demand]
        sj_s, sj_d = s[j.actor, j.supply], s[j.actor, j.demand]
        loss_1, gain_2 = d_j * sj_s, d_j * si_d
        loss_2, gain_1 = d_i * si_s, d_i * sj_d
        over = None
        if i_opt and gain_1 - loss_1 > 0:
            over = gain_2 - (loss_1 / sj_d) * si_s
        if j_opt and gain_2 - loss_2 > 0:
            over = gain_1 - (loss_2 / si_d) * sj_s
        if gain_2 > gain_1:  # decide's "actor" is j
            g, loss, a_sup, o_dem = gain_1, loss_2, sj_s, si_d
        else:
            g, loss, a_sup, o_dem = gain_2, loss_1, si_s, sj_d
        share = a_sup / (a_sup + o_dem)
        own = g - share * a_sup * (loss / (share * o_dem))
        other = over if over else share * o_dem * (g / (share * a_sup)) - loss
        return (other, own) if gain_2 > gain_1 else (own, other)


def reference_rounds(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    present: np.ndarray,
    rounds: int,
    uniform: Callable[[], float],
    move_sum: str = "signed",
) -> list[dict[str, Any]]:
    """Run decide's equal-gain exchange model on one draw, on the normalised 0-100 scale.

    x, s, c : arrays of shape (actors, issues); present : bool (actors, issues). ``uniform()``
    gives the random numbers of decide's tie rule. Returns one dict per round with the start
    positions ``start`` (actors, issues), the voting positions ``voting`` after the round's
    exchanges, and ``exchanges``: (i, q, i's start, i's end, j, p, j's start, j's end, gain,
    i's eu_max, j's eu_max) for each realised exchange, in order. ``move_sum`` is the
    model's parameter of that name.
    """
    n_act, n_iss = x.shape
    out = []
    x = x.astype(float).copy()
    for _ in range(rounds):
        rd = _Round(x, s, c, present, move_sum == "absolute")
        nbs = np.where(
            rd.big_w > 0, (rd.w * x).sum(axis=0) / np.where(rd.big_w > 0, rd.big_w, 1), 0
        )
        left = x <= nbs + EPS_NBS
        entries: list[tuple[int, ReferenceExchange]] = []
        for p, q in combinations(range(n_iss), 2):
            if rd.big_w[p] <= 0 or rd.big_w[q] <= 0:
                continue
            both = [a for a in range(n_act) if present[a, p] and present[a, q]]
            groups = [
                [a for a in both if left[a, p] == lp and left[a, q] == lq]
                for lp, lq in ((False, False), (True, False), (False, True), (True, True))
            ]
            for g_u, g_v in ((groups[0], groups[3]), (groups[1], groups[2])):
                for u in g_u:
                    for v in g_v:
                        if s[u, p] * s[v, q] < s[v, p] * s[u, q]:
                            i_act, j_act = v, u
                        else:
                            i_act, j_act = u, v
                        if (
                            rd.w[i_act, q] <= 0
                            or rd.w[j_act, p] <= 0
                            or s[i_act, p] + s[j_act, p] <= 0
                            or s[i_act, q] + s[j_act, q] <= 0
                        ):
                            continue
                        e = ReferenceExchange(
                            p=p,
                            q=q,
                            i=_Side(i_act, q, p, x[i_act, q], x[i_act, q]),
                            j=_Side(j_act, p, q, x[j_act, p], x[j_act, p]),
                        )
                        rd.calculate(e)
                        entries.append((len(entries), e))
        counter = len(entries)
        realized: list[tuple[Any, ...]] = []
        while entries:
            top = max(en[1].gain for en in entries)
            tied = sorted(
                (en for en in entries if en[1].gain >= top - TIE_RTOL * top), key=lambda t: t[0]
            )
            first = tied[0]
            entries.remove(first)
            pick = first
            if len(tied) >= 2:
                second = tied[1]
                if uniform() >= 0.5:
                    entries.append((counter, first[1]))
                    entries.remove(second)
                    pick = second
                else:
                    entries.append((counter, second[1]))
                counter += 1
            r = pick[1]
            if not r.valid:
                continue
            eu_i, eu_j = rd.max_utilities(r)
            realized.append(
                (r.i.actor, r.q, r.i.pos, r.i.y, r.j.actor, r.p, r.j.pos, r.j.y, r.gain, eu_i, eu_j)
            )
            y_i, y_j = r.i.y, r.j.y
            kept = []
            for key, e in sorted(entries, key=lambda t: t[0]):
                if not e.valid:
                    continue
                if e is r:  # a copy of the realised exchange: it becomes void
                    e.valid = False
                    continue
                rd.recalculate(e, r)
                if e.valid:
                    kept.append((key, e))
            entries = kept
            r.i.y, r.j.y = y_i, y_j
        voting = x.copy()
        nxt = x.copy()
        for i_act, q, _, y_i, j_act, p, _, y_j, *_ in realized:
            voting[i_act, q] = y_i
            voting[j_act, p] = y_j
        for i_act, q, _, y_i, j_act, p, _, y_j, *_ in realized:
            nxt[i_act, q] = new_start_position(s[i_act, q], x[i_act, q], y_i)
            nxt[j_act, p] = new_start_position(s[j_act, p], x[j_act, p], y_j)
        out.append({"start": x, "nbs": nbs, "voting": voting, "exchanges": realized})
        x = nxt
    return out
