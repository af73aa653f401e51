"""One round of ``exchange`` on a batch of draws: decide's exchange objects held in arrays.

:class:`_Round` keeps the state of every possible exchange of a round (its two sides'
positions, moves and gains, decide's checks) for all draws of a batch at once, and
recalculates the exchanges a realised one affects in one vector operation. The loop of
realisations that drives it, the rounds and the model are in
:mod:`guaranty.models.bargaining.exchange`, whose docstring gives decide's rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

EPS_MOVE = 1e-10  # decide: a move of at most 1e-10 is no move
EPS_GAIN = 1e-10  # decide: an exchange gaining less than 1e-10 is void
EPS_BOUND = 1e-9  # slack on 0 <= y <= 100, |move| <= 100 and the sum of moves <= 100
EPS_NBS = 1e-9  # a position this close to an NBS (0-100 scale) is on it
_BLOCK = 8192  # exchanges calculated at once when a round starts
_GROUP = 1 << 19  # draws x pairs x actors^2 of the feasibility arrays built at once


def _move_ok(
    h: np.ndarray, side: int, pos: np.ndarray, m: np.ndarray, absolute: bool = False
) -> np.ndarray:
    """decide's is_move_valid: move m of side ``side`` at supply position pos, with the
    earlier moves' sum, minimum and maximum in h[side], h[2 + side], h[4 + side]. The sum
    of the moves may not exceed 100: signed, as decide writes it, or, if ``absolute``, in
    absolute value (the same rule whichever end of the scale is 0)."""
    am = np.abs(m)
    y = pos + m
    ok = (am <= 100 + EPS_BOUND) & (am > EPS_MOVE) & (y >= -EPS_BOUND) & (y <= 100 + EPS_BOUND)
    total = h[side] + m
    ok &= (np.abs(total) if absolute else total) <= 100 + EPS_BOUND
    ok &= (np.maximum(h[4 + side], m) < 0) | (np.minimum(h[2 + side], m) > 0)
    return ok


def _feasible(
    left: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    pp: np.ndarray,
    qq: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The exchanges decide creates in each draw (its step 2 and the conditions for a
    supplier), as (draw, candidate) pairs sorted by draw then candidate; candidate
    (k a + i) a + j is actor i supplying issue qq[k] and j supplying pp[k]. The draws'
    arrays (draws, pairs, i, j) are built by broadcasting, a group of draws at a time."""
    d, a, _ = left.shape
    on = present[:, pp] & present[:, qq]  # (actors, pairs)
    both = on.T[:, :, None] & on.T[:, None, :] & ~np.eye(a, dtype=bool)
    per = max(1, _GROUP // max(1, pp.size * a * a))
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for lo in range(0, d, per):
        g = slice(lo, lo + per)
        lp, lq = (left[g][:, :, v].transpose(0, 2, 1) for v in (pp, qq))  # (draws, pairs, a)
        sp, sq = (s[g][:, :, v].transpose(0, 2, 1) for v in (pp, qq))
        l_ip, l_jp, l_iq, l_jq = (
            lp[..., :, None],
            lp[..., None, :],
            lq[..., :, None],
            lq[..., None, :],
        )
        s_ip, s_jp, s_iq, s_jq = (
            sp[..., :, None],
            sp[..., None, :],
            sq[..., :, None],
            sq[..., None, :],
        )
        feas = both & (l_ip != l_jp) & (l_iq != l_jq)
        feas &= (w[g][:, :, qq] > 0).transpose(0, 2, 1)[..., :, None]
        feas &= (w[g][:, :, pp] > 0).transpose(0, 2, 1)[..., None, :]
        lhs, rhs = s_ip * s_jq, s_jp * s_iq
        feas &= np.where(l_iq, rhs < lhs, ~(lhs < rhs))  # the one with the larger s_p/s_q demands p
        feas &= (s_ip + s_jp > 0) & (s_iq + s_jq > 0)
        r, c = np.nonzero(feas.reshape(feas.shape[0], -1))
        rows.append(r + lo)
        cols.append(c)
    return np.concatenate(rows), np.concatenate(cols)


class _Round:
    """One round of decide's exchange loop on a batch of draws (state in arrays).

    decide keeps, in each exchange object, the supply positions of its two actors, the
    positions other actors took toward each of its demanders ("updates"), and its list of
    moves. The positions and updates are the same for every live exchange that shares the
    actor and issue (every live exchange is recalculated after each realised exchange), so
    they are held once per draw: ``cur`` (draws, actors, issues) and ``upd`` (draws,
    demander, issue, supplier; NaN where none), with ``tot`` (draws, demander, issue) the
    sum of c s x on the issue with the updates toward that demander. The moves are per
    exchange and side: the current move ``mv`` (2, draws x m) and the sum, minimum and
    maximum of the earlier ones (in ``rec``).

    The exchanges possible in each draw are packed into ``m`` slots per draw (in candidate
    order), addressed by the flat index draw x m + slot. Per slot, as rows so that a
    calculation gathers each exchange with one ``take`` (numpy's 2-D fancy indexing is many
    times slower): ``rec`` (draws x m, 16) = s_ip, s_iq, s_jp, s_jq, c_iq s_iq, c_jp s_jp,
    W_p, W_q, x_ip, x_jq (positions at the start of the round), then the history sums,
    minima and maxima of sides i and j; ``loc`` (draws x m, 6) the flat indices of i's
    position on q and j's on p (in ``cur``), of the demanders' issues (j on q, i on p, in
    ``tot``) and of the suppliers' updates toward them (in ``upd``); ``ids`` (4, draws x m)
    = i, j, p, q. ``by_code`` and ``ptr`` list the live slots of each draw by the (actor,
    issue) of each role, so that the exchanges a realisation affects are found without a
    pass over every slot.
    """

    def __init__(
        self,
        x: np.ndarray,
        s: np.ndarray,
        w: np.ndarray,
        big_w: np.ndarray,
        present: np.ndarray,
        pairs: tuple[np.ndarray, np.ndarray],
        absolute: bool = False,
    ) -> None:
        d, a, n_iss = x.shape
        self.x, self.s, self.w, self.big_w = x, s, w, big_w
        self.absolute = absolute  # the sum of an actor's moves checked in absolute value
        self.n_act, self.n_iss = a, n_iss
        pp, qq = pairs
        nbs = np.where(big_w > 0, (w * x).sum(axis=1) / np.where(big_w > 0, big_w, 1.0), 0.0)
        left = x <= nbs[:, None, :] + EPS_NBS
        rows, cols = _feasible(left, s, w, present, pp, qq)
        # pack the feasible exchanges of each draw into its first slots, in candidate order
        count = np.bincount(rows, minlength=d)
        self.m = m = int(count.max()) if rows.size else 0
        slot = np.arange(rows.size) - (np.cumsum(count) - count)[rows]
        full = np.zeros((d, m), dtype=np.int64)
        full[rows, slot] = cols
        self.live = np.zeros((d, m), dtype=bool)
        self.live[rows, slot] = True
        k, ij = np.divmod(full, a * a)
        si, sj = np.divmod(ij, a)
        sp, sq = pp[k], qq[k]
        r = np.arange(d)[:, None]
        # flat indices: of i's position on q and j's on p in cur, of the demander's issue
        # (j on q, i on p) in tot, and of the supplier's update toward it in upd
        rd = r * a
        at_i, at_j = (rd + si) * n_iss + sq, (rd + sj) * n_iss + sp
        dem_i, dem_j = (rd + sj) * n_iss + sq, (rd + si) * n_iss + sp
        lf = left.reshape(-1)
        i_is_u = ~lf.take(at_i)  # u: the actor above the NBS of q, in decide's group a or b
        block = np.where(i_is_u, lf.take(dem_j), lf.take(at_j)).astype(np.int64)
        key = ((k * 2 + block) * a + np.where(i_is_u, si, sj)) * a + np.where(i_is_u, sj, si)
        self.key = np.where(self.live, key, -1)  # decide's creation order
        self.ids = np.stack([si, sj, sp, sq]).reshape(4, -1)
        # (actor, issue) codes of each side's supply and demand, (draws, m), to find the
        # exchanges that share a supplier or a demander with a realised one
        self.sup_i, self.sup_j = si * n_iss + sq, sj * n_iss + sp
        self.dem_i, self.dem_j = si * n_iss + sp, sj * n_iss + sq
        self._index_codes()
        # per slot: the statics of the exchange, then, per side (i, j), the sum, minimum and
        # maximum of its earlier moves (sum i, sum j, min i, min j, max i, max j): one row,
        # gathered at once
        sf, wf, xf, kf = s.reshape(-1), w.reshape(-1), x.reshape(-1), big_w.reshape(-1)
        rec = np.empty((16, d * m))
        columns = (
            (sf, dem_j), (sf, at_i), (sf, at_j), (sf, dem_i), (wf, at_i), (wf, at_j),
            (kf, r * n_iss + sp), (kf, r * n_iss + sq), (xf, dem_j), (xf, dem_i),
        )  # fmt: skip
        for k, (v, at) in enumerate(columns):
            v.take(at.reshape(-1), out=rec[k])
        rec[10:12], rec[12:14], rec[14:16] = 0.0, np.inf, -np.inf
        self.rec = np.ascontiguousarray(rec.T)
        small = d * a * n_iss * a < 2**31  # half the bytes to gather
        self.loc = np.stack([at_i, at_j, dem_i, dem_j, dem_i * a + si, dem_j * a + sj], axis=-1)
        self.loc = self.loc.reshape(-1, 6).astype(np.int32 if small else np.int64)
        self.cur = x.copy()
        self.moved = np.zeros(x.shape, dtype=bool)
        self.upd = np.full((d, a, n_iss, a), np.nan)
        self.base = (w * x).sum(axis=1)  # (draws, issues)
        self.xt, self.wt = (
            np.ascontiguousarray(v.transpose(0, 2, 1)).reshape(-1, a) for v in (x, w)
        )
        self.tot = np.broadcast_to(self.base[:, None, :], x.shape).copy()
        self.mv = np.zeros((2, d * m))  # the current move of each side
        self.gain = np.zeros((d, m))
        self.valid = np.zeros((d, m), dtype=bool)
        self.gain_f, self.valid_f = self.gain.reshape(-1), self.valid.reshape(-1)
        live = np.flatnonzero(self.live)
        for lo in range(0, live.size, _BLOCK):  # in blocks whose temporaries stay in cache
            self.calculate(live[lo : lo + _BLOCK])

    def calculate(self, f: np.ndarray) -> None:
        """decide's EqualGainExchange.calculate for the exchanges in flat slots f."""
        if f.size == 0:
            return
        rows = self.rec.take(f, axis=0).T
        st, h = rows[:10], rows[10:]
        s_ip, s_iq, s_jp, s_jq, w_iq, w_jp, w_p, w_q, di, dj = st
        lc = self.loc.take(f, axis=0).T
        cur = self.cur.reshape(-1)
        xi, xj = cur[lc[0]], cur[lc[1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            dist_j = np.abs(di - xj)
            dp = dist_j * w_jp / w_p
            dq = dp * (s_jp + s_ip) / (s_jq + s_iq)
            mi = dq * w_q / w_iq
            dist_i = np.abs(dj - xi)
            full_i = np.abs(mi) > dist_i  # i's move would pass j: i moves to j instead
            dq = np.where(full_i, dist_i * w_iq / w_q, dq)
            dp = np.where(full_i, dq * (s_iq + s_jq) / (s_ip + s_jp), dp)
            mi = np.where(full_i, dist_i, mi)
            mj = np.where(full_i, dp * w_p / w_jp, dist_j)
        mv = [np.where(xi > dj, -mi, mi), np.where(xj > di, -mj, mj)]
        gain = np.abs(dq * s_iq - dp * s_ip)
        ab = self.absolute
        ok = _move_ok(h, 0, xi, mv[0], ab) & _move_ok(h, 1, xj, mv[1], ab) & (gain >= EPS_GAIN)
        if ok.any() and self._check_nbs(st, lc, ok, (xi, xj), mv, gain):
            ok &= _move_ok(h, 0, xi, mv[0], ab) & _move_ok(h, 1, xj, mv[1], ab)
        self.mv[0, f], self.mv[1, f] = mv
        self.gain_f[f] = gain
        self.valid_f[f] = ok

    def _check_nbs(
        self,
        st: np.ndarray,
        lc: np.ndarray,
        ok: np.ndarray,
        pos: tuple[np.ndarray, np.ndarray],
        mv: list[np.ndarray],
        gain: np.ndarray,
    ) -> bool:
        """decide's check_nbs, first for i (supplies q, demanded by j), then for j (supplies
        p): the NBS of the supply issue, with the positions others took toward the same
        demander, may not pass the demander's position; the move is cut so that it lands
        on it and the partner's move recomputed for equal gain. Changes mv and gain in
        place; returns whether any move was cut."""
        s = (st[0], st[1], st[2], st[3])  # s_ip, s_iq, s_jp, s_jq
        w_a, big_k, x_b = (st[4], st[5]), (st[7], st[6]), (st[9], st[8])
        u = self.upd.reshape(-1)[lc[4:6]]
        has = ~np.isnan(u)
        tot = self.tot.reshape(-1)[lc[2:4]]
        start = self.x.reshape(-1)[lc[0:2]]  # the supply positions at the start of the round
        rest = [tot[k] - w_a[k] * np.where(has[k], u[k], start[k]) for k in (0, 1)]
        e0 = [x_b[k] - (rest[k] + w_a[k] * pos[k]) / big_k[k] for k in (0, 1)]
        cut = False
        for a_, (sa_k, sb_k, sa_o, sb_o) in enumerate(
            ((s[1], s[3], s[0], s[2]), (s[2], s[0], s[3], s[1]))
        ):
            b_ = 1 - a_
            e1 = x_b[a_] - (rest[a_] + w_a[a_] * (pos[a_] + mv[a_])) / big_k[a_]
            c0 = e0[a_]
            cross = ok & ~(
                ((c0 >= -EPS_NBS) & (e1 >= -EPS_NBS)) | ((c0 <= EPS_NBS) & (e1 <= EPS_NBS))
            )
            c = np.flatnonzero(cross)
            if c.size == 0:
                continue
            cut = True
            wa, kb, xa = w_a[a_][c], big_k[a_][c], x_b[a_][c]
            with np.errstate(divide="ignore", invalid="ignore"):
                # the move that puts the NBS on b's position (decide's
                # adjusted_nbs_by_position), and b's move for equal gain
                own = np.where(has[a_][c], u[a_][c], pos[a_][c])
                delta = np.abs((xa * kb - rest[a_][c] - wa * own) / wa)
                ratio_a = delta * wa / kb
                ratio_b = ((sa_k[c] + sb_k[c]) / (sa_o[c] + sb_o[c])) * ratio_a
                mv_b = np.abs(ratio_b * big_k[b_][c] / w_a[b_][c])
            mv[a_][c] = np.where(pos[a_][c] > xa, -delta, delta)
            mv[b_][c] = np.where(pos[b_][c] > x_b[b_][c], -mv_b, mv_b)
            gain[c] = np.abs(ratio_b * sb_o[c] - ratio_a * sb_k[c])
        return cut

    def ends(self, f: np.ndarray) -> np.ndarray:
        """The supply positions of i and j after the current moves of the exchanges in flat
        slots f, (2, len(f)); their positions have not changed since they were calculated
        (a move of a supplier recalculates every valid exchange it supplies in)."""
        cur = self.cur.reshape(-1)
        at = self.loc.take(f, axis=0)
        return np.stack([cur[at[:, 0]] + self.mv[0, f], cur[at[:, 1]] + self.mv[1, f]])

    def realise(self, f: np.ndarray) -> None:
        """Realise the exchange in flat slot f of each of its draws: move both actors, record
        the positions they took toward their demanders (decide's update_updates), void it."""
        dd = f // self.m
        p, q = self.ids[2:4, f]
        dk = np.concatenate([dd * self.n_iss + q, dd * self.n_iss + p])  # draw, issue
        y2 = self.ends(f).reshape(-1)
        wh = self.loc.take(f, axis=0).T
        at, ua = wh[2:4].reshape(-1), wh[4:6].reshape(-1)  # demander's issue; update
        old = self.upd.reshape(-1)[ua]
        own = wh[0:2].reshape(-1)
        start = self.x.reshape(-1)[own]
        self.upd.reshape(-1)[ua] = np.where(
            np.isnan(old), y2, np.where(start <= old, np.minimum(old, y2), np.maximum(old, y2))
        )
        upd = self.upd.reshape(-1, self.n_act).take(at, axis=0)
        diff = np.where(np.isnan(upd), 0.0, upd - self.xt.take(dk, axis=0))
        self.tot.reshape(-1)[at] = self.base.reshape(-1)[dk] + (
            self.wt.take(dk, axis=0) * diff
        ).sum(axis=1)
        self.cur.reshape(-1)[own] = y2
        self.moved.reshape(-1)[own] = True
        self.valid_f[f] = False

    def _index_codes(self) -> None:
        """The live slots of each draw grouped by the (actor, issue) code of each of the
        four roles (i's supply, j's supply, i's demand, j's demand): ``by_code`` holds the
        flat slots sorted by (role, draw, code), ``ptr`` where each group starts."""
        d, m = self.live.shape
        nc = self.n_act * self.n_iss
        start = np.arange(d)[:, None]
        groups, counts = [], []
        small = np.uint16 if nc < 2**16 - 1 else np.int64  # radix-sorted row by row
        for c in (self.sup_i, self.sup_j, self.dem_i, self.dem_j):
            # each draw's slots by code, the dead ones (code nc) last and left out
            code = np.where(self.live, c, nc).astype(small)
            order = np.argsort(code, axis=1, kind="stable")
            groups.append((order + start * m)[np.take_along_axis(code, order, axis=1) < nc])
            counts.append(np.bincount((start * nc + c)[self.live], minlength=d * nc))
        self.by_code = np.concatenate(groups)
        self.ptr = np.zeros(4 * d * nc + 1, dtype=np.int64)
        np.cumsum(np.concatenate(counts), out=self.ptr[1:])

    def affected(self, dd: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, ...]:
        """After the exchanges in flat slots f of draws dd (ascending): the exchanges of
        those draws still valid that share a supplier or a demander with it. Returns their
        flat slots (ascending), the index into dd of their draw, and whether each shares
        its supplier on i's side or on j's side."""
        d, m = self.live.shape
        nc = self.n_act * self.n_iss
        dn = d * nc
        ri, rj, di, dj = (
            v.reshape(-1)[f] for v in (self.sup_i, self.sup_j, self.dem_i, self.dem_j)
        )
        b = dd * nc
        codes = (ri, rj, ri, rj, di, dj, di, dj)
        q = np.concatenate([(k // 2) * dn + b + c for k, c in enumerate(codes)])
        lo = self.ptr[q]
        n = self.ptr[q + 1] - lo
        pos = np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(n.sum())
        fa = self.by_code[pos]
        fa = np.sort(fa[self.valid_f[fa]])
        if fa.size:
            fa = fa[np.concatenate([[True], fa[1:] != fa[:-1]])]
        at = np.searchsorted(dd, fa // m)
        si, sj = self.sup_i.reshape(-1)[fa], self.sup_j.reshape(-1)[fa]
        r1, r2 = ri[at], rj[at]
        return fa, at, (si == r1) | (si == r2), (sj == r1) | (sj == r2)

    def push_history(self, f: np.ndarray, side: np.ndarray) -> None:
        """The current move of side ``side`` (0: i, 1: j) of the exchanges in flat slots f,
        whose supply position moved, joins its history (decide appends the realised move,
        then pops the last move of both sides)."""
        if f.size == 0:
            return
        m = self.mv.reshape(-1)[side * self.mv.shape[1] + f]
        h = self.rec.reshape(-1)
        at = f * 16 + 10 + side
        h[at] = h[at] + m
        h[at + 2] = np.minimum(h[at + 2], m)
        h[at + 4] = np.maximum(h[at + 4], m)

    def max_utilities(self, d: int, n: int) -> tuple[float, float]:
        """decide's calculate_maximum_utility for exchange n of draw d: (i's, j's eu_max)."""
        f = d * self.m + n
        i, j, p, q = (int(v) for v in self.ids[:, f])
        x, s, w, big_w, cur = self.x[d], self.s[d], self.w[d], self.big_w[d], self.cur[d]

        def nbs(a: int, k: int, b: int, z: float) -> float:
            u = self.upd[d, b, k, a]
            own = x[a, k] if np.isnan(u) else u
            return float((self.tot[d, b, k] - w[a, k] * own + w[a, k] * z) / big_w[k])

        yi, yj = (float(v) for v in self.ends(np.array([f]))[:, 0])
        i_opt = abs(x[i, p] - yi) <= EPS_NBS
        j_opt = abs(x[j, q] - yj) <= EPS_NBS
        d_i = abs(nbs(i, q, j, cur[i, q]) - nbs(i, q, j, yi if i_opt else x[j, q]))
        d_j = abs(nbs(j, p, i, cur[j, p]) - nbs(j, p, i, yj if j_opt else x[i, p]))
        si_s, si_d, sj_s, sj_d = s[i, q], s[i, p], s[j, p], s[j, q]
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
        return (float(other), float(own)) if gain_2 > gain_1 else (float(own), float(other))

    def record(self, n: int) -> dict[str, Any]:
        """Exchange n of draw 0, about to be realised (positions on the 0-100 scale)."""
        i, j, p, q = (int(v) for v in self.ids[:, n])
        eu_i, eu_j = self.max_utilities(0, n)
        end_i, end_j = (float(v) for v in self.ends(np.array([n]))[:, 0])
        return {
            "i": i,
            "j": j,
            "p": p,
            "q": q,
            "start_i": float(self.cur[0, i, q]),
            "start_j": float(self.cur[0, j, p]),
            "end_i": end_i,
            "end_j": end_j,
            "toward_i": float(self.x[0, j, q]),
            "toward_j": float(self.x[0, i, p]),
            "gain": float(self.gain[0, n]),
            "eu_max_i": eu_i,
            "eu_max_j": eu_j,
        }
