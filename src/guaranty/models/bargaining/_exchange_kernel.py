"""The compiled kernel of ``exchange``: decide's loop of realisations, one draw at a time.

The rules are those of :mod:`guaranty.models.bargaining.exchange` (its docstring gives
decide's steps and the choices); the state is the one ``_Round`` of ``_exchange_round``
keeps in arrays for a batch, here for one draw, in loops compiled by numba. The arithmetic
is written in the same order as the vectorised numpy kernel's (sums over actors in numpy's
order too), so that both give the same exchanges and, on every input tried, bit-identical
positions (``tests/models/test_exchange.py`` compares them).

Per draw and round: the feasible exchanges ("slots", in candidate order) with their statics,
move histories, current moves, gains and validity; decide's list as entries (slot, place in
the list) of which the alive ones are held in a compact array, so that choosing the next
exchange is a scan over the listed exchanges only; and the slots grouped by the (actor,
issue) of each role, so that the exchanges a realisation affects are found directly.

decide's coin for ties comes from a buffer of each draw's random numbers; a draw that needs
more than its buffer holds stops and reports it (``status`` -1), and the caller runs it again
with a longer buffer (the same numbers first, so the result is the same).

This module imports numba: it is imported only when the model runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit

from guaranty.models.bargaining._exchange_round import EPS_BOUND, EPS_GAIN, EPS_MOVE, EPS_NBS
from guaranty.models.bargaining.exchange import FIXED_WEIGHT, SALIENCE_WEIGHT, TIE_RTOL

__all__ = ["N_LOG", "run_draws"]

BOUND = 100 + EPS_BOUND
# columns of a slot's row in ``rec``: statics, move history (sum, min, max of sides i, j),
# current moves and gain
S_IP, S_IQ, S_JP, S_JQ, W_IQ, W_JP, W_P, W_Q, X_IP, X_JQ = range(10)
H_SUM, H_MIN, H_MAX, MV, GAIN = 10, 12, 14, 16, 18
N_REC = 19
# rows of ``lst``: per entry of decide's list its slot, place in the list, index in the
# alive array (-1 once off the list) and the slot's entry made before it (-1: none); the
# alive array itself; per slot the number of its entries on the list and its last entry
E_SLOT, E_KEY, E_POS, E_PREV, ALIVE, LISTED, LAST = range(7)
# the list's counters in ``ls``: listed entries, entries made, next place, coins used,
# whether a copy was made this round
N_ACT, N_ENT, COUNTER, COIN, COPIES = range(5)
I64_MAX = np.iinfo(np.int64).max
_COINS = 256  # random numbers first drawn for each draw's coin (8 times more when it runs out)
_BLOCK = 1024  # draws run by one call of the kernel
N_LOG = 13  # i, j, p, q, start_i, start_j, end_i, end_j, toward_i, toward_j, gain, eu_i, eu_j

# Every function is compiled on its own and cached. A call that LLVM does not inline and
# that passes arrays costs some 80 ns (reference counts), so the loops over exchanges call
# only functions of numbers, and the functions that take arrays run once a step or a round.
_JIT = {"cache": True, "error_model": "numpy"}


# -- functions of numbers ---------------------------------------------------------------------


@njit(**_JIT)
def _move_ok(
    h_sum: float, h_min: float, h_max: float, pos: float, m: float, absolute: bool
) -> bool:
    """decide's is_move_valid: move m at supply position pos, with the earlier moves' sum,
    minimum and maximum; the sum checked signed (decide) or, if ``absolute``, in absolute
    value."""
    am = abs(m)
    y = pos + m
    if not (am <= BOUND and am > EPS_MOVE and y >= -EPS_BOUND and y <= BOUND):
        return False
    total = h_sum + m
    if not (abs(total) if absolute else total) <= BOUND:
        return False
    return max(h_max, m) < 0 or min(h_min, m) > 0


@njit(**_JIT)
def _crosses(x_b: float, rest: float, w_a: float, big_k: float, pos: float, m: float) -> bool:
    """Whether a's move m (from pos) takes the NBS of its supply issue across b's position
    x_b (decide's check_nbs; rest: the other actors' weighted positions, with the updates
    toward b)."""
    c0 = x_b - (rest + w_a * pos) / big_k
    e1 = x_b - (rest + w_a * (pos + m)) / big_k
    return not ((c0 >= -EPS_NBS and e1 >= -EPS_NBS) or (c0 <= EPS_NBS and e1 <= EPS_NBS))


@njit(**_JIT)
def _cut(
    x_b: float,
    rest: float,
    w_a: float,
    big_k: float,
    own: float,
    sa_k: float,
    sb_k: float,
    sa_o: float,
    sb_o: float,
    pos_a: float,
    pos_b: float,
    x_a: float,
    k_b: float,
    w_b: float,
) -> tuple[float, float, float]:
    """decide's check_nbs cut: a's move that puts the NBS of its supply issue on b's position
    (``adjusted_nbs_by_position``), b's move for equal gain, and the gain. s: saliences of a
    and b on a's supply issue (k) and on the other (o); own: a's recorded position; x_a: a's
    position on b's supply issue; k_b, w_b: sum of c s on b's supply issue and b's c s."""
    delta = abs((x_b * big_k - rest - w_a * own) / w_a)
    ratio_a = delta * w_a / big_k
    ratio_b = ((sa_k + sb_k) / (sa_o + sb_o)) * ratio_a
    mv_b = abs(ratio_b * k_b / w_b)
    move_a = -delta if pos_a > x_b else delta
    move_b = -mv_b if pos_b > x_a else mv_b
    return move_a, move_b, abs(ratio_b * sb_o - ratio_a * sb_k)


@njit(**_JIT)
def _equal_gain(
    s_ip: float,
    s_iq: float,
    s_jp: float,
    s_jq: float,
    w_iq: float,
    w_jp: float,
    w_p: float,
    w_q: float,
    di: float,
    dj: float,
    xi: float,
    xj: float,
) -> tuple[float, float, float]:
    """decide's equal-gain moves (i's on q, j's on p) and gain, before its checks; di, dj:
    i's position on p and j's on q (the targets), xi, xj: the current supply positions."""
    dist_j = abs(di - xj)
    dp = dist_j * w_jp / w_p
    dq = dp * (s_jp + s_ip) / (s_jq + s_iq)
    mi = dq * w_q / w_iq
    dist_i = abs(dj - xi)
    if abs(mi) > dist_i:  # i's move would pass j: i moves to j instead
        dq = dist_i * w_iq / w_q
        dp = dq * (s_iq + s_jq) / (s_ip + s_jp)
        mi = dist_i
        mj = dp * w_p / w_jp
    else:
        mj = dist_j
    m0 = -mi if xi > dj else mi
    m1 = -mj if xj > di else mj
    return m0, m1, abs(dq * s_iq - dp * s_ip)


@njit(**_JIT)
def _block_sum(v: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise summation of v[lo : lo + n] for n <= 128 (one block)."""
    if n < 8:
        res = 0.0
        for k in range(lo, lo + n):
            res += v[k]
        return res
    r0, r1, r2, r3 = v[lo], v[lo + 1], v[lo + 2], v[lo + 3]
    r4, r5, r6, r7 = v[lo + 4], v[lo + 5], v[lo + 6], v[lo + 7]
    k = lo + 8
    while k < lo + n - n % 8:
        r0, r1, r2, r3 = r0 + v[k], r1 + v[k + 1], r2 + v[k + 2], r3 + v[k + 3]
        r4, r5, r6, r7 = r4 + v[k + 4], r5 + v[k + 5], r6 + v[k + 6], r7 + v[k + 7]
        k += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while k < lo + n:
        res += v[k]
        k += 1
    return res


@njit(**_JIT)
def _pairwise_sum(v: np.ndarray, n: int) -> float:
    """numpy's pairwise summation of v[:n] (the order of ``v[:n].sum()``): blocks of at most
    128, halves split at a multiple of 8 (numpy recurses; a stack here, since numba's cache
    does not keep recursive functions)."""
    if n <= 128:
        return _block_sum(v, 0, n)
    frames = np.zeros((64, 3), dtype=np.int64)  # lo, n, stage
    part = np.zeros(64)
    frames[0, 1] = n
    top, ret = 0, 0.0
    while top >= 0:
        lo, m, stage = frames[top, 0], frames[top, 1], frames[top, 2]
        if m <= 128:
            ret = _block_sum(v, lo, m)
            top -= 1
            continue
        half = m // 2 - (m // 2) % 8
        if stage == 2:
            ret = part[top] + ret
            top -= 1
            continue
        if stage == 1:
            part[top] = ret
        frames[top, 2] = stage + 1
        top += 1
        frames[top, 0] = lo if stage == 0 else lo + half
        frames[top, 1] = half if stage == 0 else m - half
        frames[top, 2] = 0
    return ret


# -- one exchange, one step, one round ---------------------------------------------------------


@njit(**_JIT)
def _calculate(
    slots: np.ndarray,
    n: int,
    ids: np.ndarray,
    rec: np.ndarray,
    valid: np.ndarray,
    cur: np.ndarray,
    xr: np.ndarray,
    upd: np.ndarray,
    tot: np.ndarray,
    absolute: bool,
) -> None:
    """decide's EqualGainExchange.calculate for the slots slots[:n] (``absolute``: the sum
    of an actor's moves checked in absolute value, see _move_ok)."""
    for t in range(n):
        e = slots[t]
        i, j, p, q = ids[e, 0], ids[e, 1], ids[e, 2], ids[e, 3]
        s_ip, s_iq, s_jp, s_jq = rec[e, S_IP], rec[e, S_IQ], rec[e, S_JP], rec[e, S_JQ]
        w_iq, w_jp, w_p, w_q = rec[e, W_IQ], rec[e, W_JP], rec[e, W_P], rec[e, W_Q]
        di, dj, xi, xj = rec[e, X_IP], rec[e, X_JQ], cur[i, q], cur[j, p]
        m0, m1, gain = _equal_gain(s_ip, s_iq, s_jp, s_jq, w_iq, w_jp, w_p, w_q, di, dj, xi, xj)
        hi = (rec[e, H_SUM], rec[e, H_MIN], rec[e, H_MAX])
        hj = (rec[e, H_SUM + 1], rec[e, H_MIN + 1], rec[e, H_MAX + 1])
        ok = _move_ok(hi[0], hi[1], hi[2], xi, m0, absolute) and _move_ok(
            hj[0], hj[1], hj[2], xj, m1, absolute
        )
        ok = ok and gain >= EPS_GAIN
        if ok:  # check_nbs for i (supplies q, demanded by j), then for j (supplies p)
            u0, u1 = upd[j, q, i], upd[i, p, j]  # the positions recorded toward the demander
            own0 = xi if np.isnan(u0) else u0
            own1 = xj if np.isnan(u1) else u1
            rest0 = tot[j, q] - w_iq * (xr[i, q] if np.isnan(u0) else u0)
            rest1 = tot[i, p] - w_jp * (xr[j, p] if np.isnan(u1) else u1)
            cut = False
            if _crosses(dj, rest0, w_iq, w_q, xi, m0):
                m0, m1, gain = _cut(
                    dj, rest0, w_iq, w_q, own0, s_iq, s_jq, s_ip, s_jp, xi, xj, di, w_p, w_jp
                )
                cut = True
            if _crosses(di, rest1, w_jp, w_p, xj, m1):
                m1, m0, gain = _cut(
                    di, rest1, w_jp, w_p, own1, s_jp, s_ip, s_jq, s_iq, xj, xi, dj, w_q, w_iq
                )
                cut = True
            if cut:
                ok = _move_ok(hi[0], hi[1], hi[2], xi, m0, absolute) and _move_ok(
                    hj[0], hj[1], hj[2], xj, m1, absolute
                )
        rec[e, MV], rec[e, MV + 1], rec[e, GAIN] = m0, m1, gain
        valid[e] = ok


@njit(**_JIT)
def _sides(
    present: np.ndarray, p: int, q: int, left: np.ndarray, group: np.ndarray, size: np.ndarray
) -> None:
    """The actors present on p and q grouped by their side of the two NBSs (group 2 lp + lq,
    lp: at or below the NBS of p), each group in actor order; ``left`` per actor and issue."""
    size[:] = 0
    for b in range(left.shape[0]):
        if present[b, p] and present[b, q]:
            c = 2 * left[b, p] + left[b, q]
            group[c, size[c]] = b
            size[c] += 1


@njit(**_JIT)
def _create(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    bw: np.ndarray,
    present: np.ndarray,
    pp: np.ndarray,
    qq: np.ndarray,
    ids: np.ndarray,
    key: np.ndarray,
    rec: np.ndarray,
    code: np.ndarray,
    base: np.ndarray,
) -> int:
    """The exchanges decide creates at the start of a round (its step 2 and the conditions
    for a supplier), in candidate order (pair of issues, i, j), with their creation order
    ``key``, statics, empty move histories and the (actor, issue) codes of i's and j's supply
    and demand. Fills ``base`` (the sum of c s x per issue). Returns their number."""
    a, n = x.shape
    left = np.empty((a, n), dtype=np.bool_)
    for k in range(n):
        tot = w[0, k] * x[0, k]
        for b in range(1, a):
            tot += w[b, k] * x[b, k]
        base[k] = tot
        nbs = tot / bw[k] if bw[k] > 0 else 0.0
        for b in range(a):
            left[b, k] = x[b, k] <= nbs + EPS_NBS
    group = np.empty((4, a), dtype=np.int64)
    size = np.zeros(4, dtype=np.int64)
    m = 0
    for k in range(pp.size):
        p, q = pp[k], qq[k]
        _sides(present, p, q, left, group, size)
        for i in range(a):  # j on the other side of both NBSs, in actor order
            if not (present[i, p] and present[i, q] and w[i, q] > 0):
                continue
            other = 3 - (2 * left[i, p] + left[i, q])
            for t in range(size[other]):
                j = group[other, t]
                lhs, rhs = s[i, p] * s[j, q], s[j, p] * s[i, q]
                larger = rhs < lhs if left[i, q] else not lhs < rhs  # i: the larger s_p/s_q
                if not (larger and w[j, p] > 0 and s[i, p] + s[j, p] > 0 and s[i, q] + s[j, q] > 0):
                    continue
                u_is_i = not left[i, q]  # u: the actor above the NBS of q
                block = left[i, p] if u_is_i else left[j, p]
                uu, vv = (i, j) if u_is_i else (j, i)
                key[m] = ((k * 2 + block) * a + uu) * a + vv
                ids[m, 0], ids[m, 1], ids[m, 2], ids[m, 3] = i, j, p, q
                rec[m, S_IP], rec[m, S_IQ], rec[m, S_JP], rec[m, S_JQ] = (
                    s[i, p],
                    s[i, q],
                    s[j, p],
                    s[j, q],
                )
                rec[m, W_IQ], rec[m, W_JP], rec[m, W_P], rec[m, W_Q] = (
                    w[i, q],
                    w[j, p],
                    bw[p],
                    bw[q],
                )
                rec[m, X_IP], rec[m, X_JQ] = x[i, p], x[j, q]
                rec[m, H_SUM], rec[m, H_SUM + 1] = 0.0, 0.0
                rec[m, H_MIN], rec[m, H_MIN + 1] = np.inf, np.inf
                rec[m, H_MAX], rec[m, H_MAX + 1] = -np.inf, -np.inf
                code[m, 0], code[m, 1] = i * n + q, j * n + p  # supplies
                code[m, 2], code[m, 3] = i * n + p, j * n + q  # demands
                m += 1
    return m


@njit(**_JIT)
def _index_codes(code: np.ndarray, m: int, nc: int, ptr: np.ndarray, idx: np.ndarray) -> None:
    """The slots of each role (i's supply, j's supply, i's demand, j's demand) grouped by
    that role's (actor, issue) code: idx[role, ptr[role, c] : ptr[role, c + 1]]."""
    for role in range(4):
        ptr[role, :] = 0
        for e in range(m):
            ptr[role, code[e, role] + 1] += 1
        for c in range(nc):
            ptr[role, c + 1] += ptr[role, c]
        fill = ptr[role, :nc].copy()
        for e in range(m):
            c = code[e, role]
            idx[role, fill[c]] = e
            fill[c] += 1


@njit(**_JIT)
def _kill(e: int, lst: np.ndarray, lg: np.ndarray, ls: np.ndarray) -> None:
    """Take entry e off the list."""
    lst[LISTED, lst[E_SLOT, e]] -= 1
    pos = lst[E_POS, e]
    last = lst[ALIVE, ls[N_ACT] - 1]
    lst[ALIVE, pos] = last
    lg[pos] = lg[ls[N_ACT] - 1]
    lst[E_POS, last] = pos
    lst[E_POS, e] = -1
    ls[N_ACT] -= 1


@njit(**_JIT)
def _add(slot: int, k: int, g: float, lst: np.ndarray, lg: np.ndarray, ls: np.ndarray) -> None:
    """A new entry of slot ``slot`` (gain g) at place k of the list."""
    e = ls[N_ENT]
    lst[E_SLOT, e], lst[E_KEY, e], lst[E_POS, e] = slot, k, ls[N_ACT]
    lst[E_PREV, e], lst[LAST, slot] = lst[LAST, slot], e
    lst[ALIVE, ls[N_ACT]] = e
    lst[LISTED, slot] += 1
    lg[ls[N_ACT]] = g
    ls[N_ACT] += 1
    ls[N_ENT] += 1


@njit(**_JIT)
def _choose(lst: np.ndarray, lg: np.ndarray, ls: np.ndarray, coins: np.ndarray) -> int:
    """decide's choice of the next entry: the highest gain, ties by the list order and
    decide's coin (which can move the first to the end, or append the second once more).
    Takes it off the list and returns it; -1 if the list is empty, -2 if the coins ran out."""
    n = ls[N_ACT]
    if n == 0:
        return -1
    top = -np.inf
    for t in range(n):
        if lg[t] > top:
            top = lg[t]
    thr = top - TIE_RTOL * abs(top)
    e1, e2 = -1, -1
    k1, k2 = I64_MAX, I64_MAX
    for t in range(n):
        if lg[t] >= thr:
            e = lst[ALIVE, t]
            k = lst[E_KEY, e]
            if k < k1:
                e2, k2, e1, k1 = e1, k1, e, k
            elif k < k2:
                e2, k2 = e, k
    pick = e1
    if e2 >= 0:  # a tie
        if ls[COIN] >= coins.size:
            return -2
        c = coins[ls[COIN]]
        ls[COIN] += 1
        if c >= 0.5:  # decide: the first goes to the end, the second is taken
            lst[E_KEY, e1] = ls[COUNTER]
            pick = e2
        else:  # decide appends the second to its list once more
            _add(lst[E_SLOT, e2], ls[COUNTER], lg[lst[E_POS, e2]], lst, lg, ls)
            ls[COPIES] = 1
        ls[COUNTER] += 1
    _kill(pick, lst, lg, ls)
    return pick


@njit(**_JIT)
def _realise(
    f: int,
    ids: np.ndarray,
    rec: np.ndarray,
    valid: np.ndarray,
    xr: np.ndarray,
    w: np.ndarray,
    cur: np.ndarray,
    moved: np.ndarray,
    upd: np.ndarray,
    tot: np.ndarray,
    base: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """Realise slot f: move both actors, record the positions they took toward their
    demanders (decide's update_updates) and the sums of c s x with them, void it."""
    a = cur.shape[0]
    for side in range(2):  # i supplies q to j, j supplies p to i
        sup, dem = ids[f, side], ids[f, 1 - side]
        iss = ids[f, 3 - side]
        y = cur[sup, iss] + rec[f, MV + side]
        old = upd[dem, iss, sup]
        if np.isnan(old):
            upd[dem, iss, sup] = y
        elif xr[sup, iss] <= old:
            upd[dem, iss, sup] = min(old, y)
        else:
            upd[dem, iss, sup] = max(old, y)
        cur[sup, iss] = y
        moved[sup, iss] = True
    for side in range(2):  # after both updates, as the vectorised kernel
        dem, iss = ids[f, 1 - side], ids[f, 3 - side]
        for b in range(a):
            u = upd[dem, iss, b]
            scratch[b] = w[b, iss] * (0.0 if np.isnan(u) else u - xr[b, iss])
        tot[dem, iss] = base[iss] + _pairwise_sum(scratch, a)
    valid[f] = False


@njit(**_JIT)
def _drop_void(valid: np.ndarray, lst: np.ndarray, lg: np.ndarray, ls: np.ndarray) -> None:
    """decide drops the listed exchanges that are not valid."""
    for t in range(ls[N_ACT] - 1, -1, -1):
        e = lst[ALIVE, t]
        if not valid[lst[E_SLOT, e]]:
            _kill(e, lst, lg, ls)


@njit(**_JIT)
def _affected(
    f: int,
    code: np.ndarray,
    ptr: np.ndarray,
    idx: np.ndarray,
    valid: np.ndarray,
    stamp: np.ndarray,
    step: int,
    out: np.ndarray,
) -> int:
    """The valid slots that share a supplier or a demander with slot f, into out; returns
    their number."""
    n = 0
    for role in range(4):  # i's supply, j's supply (against f's supplies), i's and j's demand
        first = role - role % 2
        for c in (code[f, first], code[f, first + 1]):
            for t in range(ptr[role, c], ptr[role, c + 1]):
                e = idx[role, t]
                if valid[e] and stamp[e] != step:
                    stamp[e] = step
                    out[n] = e
                    n += 1
    return n


@njit(**_JIT)
def _shared_side(sup_i: int, sup_j: int, r1: int, r2: int) -> int:
    """The side (0: i, 1: j) of an exchange whose supply (code sup_i, sup_j) is one of the
    realised exchange's (r1, r2), or -1 (at most one side can share it)."""
    if sup_j == r1 or sup_j == r2:
        return 1
    return 0 if sup_i == r1 or sup_i == r2 else -1


@njit(**_JIT)
def _push_history(rec: np.ndarray, e: int, side: int) -> None:
    """The current move of side ``side`` of slot e joins its history (decide appends the
    realised move, then pops the last move of both sides)."""
    m = rec[e, MV + side]
    rec[e, H_SUM + side] += m
    rec[e, H_MIN + side] = min(rec[e, H_MIN + side], m)
    rec[e, H_MAX + side] = max(rec[e, H_MAX + side], m)


@njit(**_JIT)
def _recalculate(
    f: int,
    n_aff: int,
    aff: np.ndarray,
    st: tuple,
    lst: np.ndarray,
    lg: np.ndarray,
    ls: np.ndarray,
) -> None:
    """decide recalculates the listed exchanges that share a supplier or a demander with the
    realised slot f (aff[:n_aff]) and drops the ones that fail. st: the round's state (ids,
    rec, valid, code, cur, xr, upd, tot)."""
    ids, rec, valid, code, cur, xr, upd, tot, absolute = st
    r1, r2 = code[f, 0], code[f, 1]
    for t in range(n_aff):
        e = aff[t]
        side = _shared_side(code[e, 0], code[e, 1], r1, r2)
        if side >= 0:  # its supplier moved (_push_history, written out: see _JIT)
            m = rec[e, MV + side]
            rec[e, H_SUM + side] += m
            rec[e, H_MIN + side] = min(rec[e, H_MIN + side], m)
            rec[e, H_MAX + side] = max(rec[e, H_MAX + side], m)
    _calculate(aff, n_aff, ids, rec, valid, cur, xr, upd, tot, absolute)
    for t in range(n_aff):
        e = aff[t]
        if lst[LISTED, e] == 1 and lst[E_POS, e] >= 0:  # the slot's own entry, alone
            if valid[e]:
                lg[lst[E_POS, e]] = rec[e, GAIN]
            else:
                _kill(e, lst, lg, ls)
        elif lst[LISTED, e] > 0:
            _recalculate_copies(e, _shared_side(code[e, 0], code[e, 1], r1, r2), st, lst, lg, ls)


@njit(**_JIT)
def _recalculate_copies(
    e: int, side: int, st: tuple, lst: np.ndarray, lg: np.ndarray, ls: np.ndarray
) -> None:
    """_recalculate's drops for slot e (just recalculated) when the list holds a copy of it
    (or only a copy): decide recalculates each copy in turn (the k-th after k - 1 more moves
    of its side ``side`` if that supplier moved, else -1) and drops the copies from the
    first that fails on."""
    ids, rec, valid, _, cur, xr, upd, tot, absolute = st
    entries = np.empty(lst[LISTED, e], dtype=np.int64)
    n = _entries_of(e, lst, entries)
    good = valid[e]
    survive = n if good else 0
    k = 2
    while good and side >= 0 and k <= n:
        _push_history(rec, e, side)
        _calculate(np.array([e]), 1, ids, rec, valid, cur, xr, upd, tot, absolute)
        if not valid[e]:
            survive = k - 1
            break
        k += 1
    for c in range(n):
        if c < survive:
            lg[lst[E_POS, entries[c]]] = rec[e, GAIN]
        else:
            _kill(entries[c], lst, lg, ls)


@njit(**_JIT)
def _entries_of(slot: int, lst: np.ndarray, out: np.ndarray) -> int:
    """The listed entries of a slot into out, in list order; returns their number."""
    n = 0
    e = lst[LAST, slot]
    while e >= 0:  # the slot's entries, latest first
        if lst[E_POS, e] >= 0:
            k = n  # insertion by place in the list (a few copies at most)
            while k > 0 and lst[E_KEY, out[k - 1]] > lst[E_KEY, e]:
                out[k] = out[k - 1]
                k -= 1
            out[k] = e
            n += 1
        e = lst[E_PREV, e]
    return n


@njit(**_JIT)
def _max_utilities(
    f: int,
    ids: np.ndarray,
    rec: np.ndarray,
    xr: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    bw: np.ndarray,
    cur: np.ndarray,
    upd: np.ndarray,
    tot: np.ndarray,
) -> tuple[float, float]:
    """decide's calculate_maximum_utility for slot f: (i's, j's eu_max)."""
    i, j, p, q = ids[f, 0], ids[f, 1], ids[f, 2], ids[f, 3]

    yi, yj = cur[i, q] + rec[f, MV], cur[j, p] + rec[f, MV + 1]
    i_opt = abs(xr[i, p] - yi) <= EPS_NBS
    j_opt = abs(xr[j, q] - yj) <= EPS_NBS
    d_i = abs(
        _nbs(i, q, j, cur[i, q], xr, w, bw, upd, tot)
        - _nbs(i, q, j, yi if i_opt else xr[j, q], xr, w, bw, upd, tot)
    )
    d_j = abs(
        _nbs(j, p, i, cur[j, p], xr, w, bw, upd, tot)
        - _nbs(j, p, i, yj if j_opt else xr[i, p], xr, w, bw, upd, tot)
    )
    si_s, si_d, sj_s, sj_d = s[i, q], s[i, p], s[j, p], s[j, q]
    loss_1, gain_2 = d_j * sj_s, d_j * si_d
    loss_2, gain_1 = d_i * si_s, d_i * sj_d
    over = 0.0  # decide's None (and a zero) mean: not set
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
    other = over if over != 0.0 else share * o_dem * (g / (share * a_sup)) - loss
    return (other, own) if gain_2 > gain_1 else (own, other)


@njit(**_JIT)
def _nbs(
    a: int,
    k: int,
    b: int,
    z: float,
    xr: np.ndarray,
    w: np.ndarray,
    bw: np.ndarray,
    upd: np.ndarray,
    tot: np.ndarray,
) -> float:
    """The NBS of issue k with the updates toward b and actor a at z."""
    u = upd[b, k, a]
    own = xr[a, k] if np.isnan(u) else u
    return (tot[b, k] - w[a, k] * own + w[a, k] * z) / bw[k]


@njit(**_JIT)
def _record(
    f: int, st: tuple, s: np.ndarray, w: np.ndarray, bw: np.ndarray, out: np.ndarray
) -> None:
    """Slot f, about to be realised, into out (N_LOG values, positions on the 0-100 scale)."""
    ids, rec, _, _, cur, xr, upd, tot, _ = st
    i, j, p, q = ids[f, 0], ids[f, 1], ids[f, 2], ids[f, 3]
    eu_i, eu_j = _max_utilities(f, ids, rec, xr, s, w, bw, cur, upd, tot)
    out[0], out[1], out[2], out[3] = i, j, p, q
    out[4], out[5] = cur[i, q], cur[j, p]
    out[6], out[7] = cur[i, q] + rec[f, MV], cur[j, p] + rec[f, MV + 1]
    out[8], out[9] = xr[j, q], xr[i, p]
    out[10], out[11], out[12] = rec[f, GAIN], eu_i, eu_j


@njit(**_JIT)
def _round(
    m: int,
    st: tuple,
    s: np.ndarray,
    w: np.ndarray,
    bw: np.ndarray,
    key: np.ndarray,
    index: tuple,
    lst: np.ndarray,
    lg: np.ndarray,
    ls: np.ndarray,
    coins: np.ndarray,
    moved: np.ndarray,
    base: np.ndarray,
    scratch: np.ndarray,
    log: np.ndarray,
) -> int:
    """decide's loop of realisations (``ModelLoop.loop``) on one round whose m exchanges are
    created. Returns the number of realised exchanges (-1 if the coins ran out); if log has
    rows, the exchanges go into them."""
    ids, rec, valid, code, cur, xr, upd, tot, _ = st
    ptr, idx, stamp, aff, steps = index
    ls[N_ACT], ls[N_ENT], ls[COPIES] = 0, 0, 0
    lst[LISTED, :m], lst[LAST, :m] = 0, -1
    for e in range(m):
        _add(e, key[e], rec[e, GAIN], lst, lg, ls)
    count = 0
    while True:
        pick = _choose(lst, lg, ls, coins)
        if pick < 0:
            return count if pick == -1 else -1
        f = lst[E_SLOT, pick]
        if not valid[f]:
            continue
        if count < log.shape[0]:
            _record(f, st, s, w, bw, log[count])
        _realise(f, ids, rec, valid, xr, w, cur, moved, upd, tot, base, scratch)
        if count == 0 or ls[COPIES]:
            _drop_void(valid, lst, lg, ls)
        count += 1
        steps[0] += 1
        n_aff = _affected(f, code, ptr, idx, valid, stamp, steps[0], aff)
        _recalculate(f, n_aff, aff, st, lst, lg, ls)


@njit(**_JIT)
def _start_round(
    x: np.ndarray,
    base: np.ndarray,
    cur: np.ndarray,
    moved: np.ndarray,
    upd: np.ndarray,
    tot: np.ndarray,
    start: np.ndarray,
) -> None:
    """The state at the start of a round from its start positions x (also copied to start):
    no move, no update, the sums of c s x without updates."""
    a, n = x.shape
    for b in range(a):
        for k in range(n):
            start[b, k] = cur[b, k] = x[b, k]
            moved[b, k] = False
            tot[b, k] = base[k]
            for o in range(a):
                upd[b, k, o] = np.nan


@njit(**_JIT)
def _next_start(
    x: np.ndarray, s: np.ndarray, cur: np.ndarray, moved: np.ndarray, voting: np.ndarray
) -> None:
    """The voting positions cur (copied to voting) and decide's start positions of the next
    round, into x: x + ((1 - s) 0.4 + 0.1) (y - x) where the actor moved."""
    a, n = x.shape
    for b in range(a):
        for k in range(n):
            voting[b, k] = cur[b, k]
            if moved[b, k]:
                wgt = (1 - s[b, k]) * SALIENCE_WEIGHT + FIXED_WEIGHT
                x[b, k] = wgt * cur[b, k] + (1 - wgt) * x[b, k]


@njit(cache=True, error_model="numpy", nogil=True)
def _draws(
    which: np.ndarray,
    x0: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    bw: np.ndarray,
    present: np.ndarray,
    pp: np.ndarray,
    qq: np.ndarray,
    coins: np.ndarray,
    voting: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    status: np.ndarray,
    logs: np.ndarray,
    absolute: bool,
) -> None:
    """The rounds of the draws ``which`` (coins[t]: the coin of draw which[t]): voting and
    start positions (draws, rounds, actors, issues) and the number of exchanges per round;
    for draw 0, the exchanges into logs (rounds, rows, N_LOG) if it has rows. status[d] is 0,
    or -1 if draw d ran out of coins. ``absolute``: see _move_ok."""
    _, a, n = x0.shape
    rounds = counts.shape[1]
    cap = max(1, pp.size * a * (a - 1) // 2)  # one exchange per pair of actors and issues
    nc = a * n
    ids = np.empty((cap, 4), dtype=np.int64)
    key = np.empty(cap, dtype=np.int64)
    rec = np.empty((cap, N_REC))
    valid = np.zeros(cap, dtype=np.bool_)
    code = np.empty((cap, 4), dtype=np.int64)
    stamp = np.empty(cap, dtype=np.int64)
    stamp[:] = -1
    index = (
        np.empty((4, nc + 1), dtype=np.int64), np.empty((4, cap), dtype=np.int64), stamp,
        np.empty(cap, dtype=np.int64), np.zeros(1, dtype=np.int64),
    )  # fmt: skip
    lst = np.zeros((7, cap + coins.shape[1]), dtype=np.int64)
    lg = np.empty(cap + coins.shape[1])  # the gains of the alive entries, in the alive order
    ls = np.zeros(5, dtype=np.int64)
    base, scratch, every = np.empty(n), np.empty(a), np.arange(cap)
    x, cur = np.empty((a, n)), np.empty((a, n))
    moved = np.empty((a, n), dtype=np.bool_)
    upd, tot = np.empty((a, n, a)), np.empty((a, n))
    st = (ids, rec, valid, code, cur, x, upd, tot, absolute)
    for t in range(which.size):
        d = which[t]
        _copy(x0[d], x)
        ls[COUNTER], ls[COIN] = pp.size * 2 * a * a, 0  # after every creation key
        rows = logs.shape[1] if d == 0 else 0
        status[d] = 0
        for rnd in range(rounds):
            m = _create(x, s[d], w[d], bw[d], present, pp, qq, ids, key, rec, code, base)
            _index_codes(code, m, nc, index[0], index[1])
            _start_round(x, base, cur, moved, upd, tot, starts[d, rnd])
            _calculate(every, m, ids, rec, valid, cur, x, upd, tot, absolute)
            count = _round(m, st, s[d], w[d], bw[d], key, index, lst, lg, ls, coins[t], moved,
                           base, scratch, logs[rnd, :rows])  # fmt: skip
            if count < 0:
                status[d] = -1
                break
            counts[d, rnd] = count
            _next_start(x, s[d], cur, moved, voting[d, rnd])
            if count == 0:  # nothing moved: every later round is the same
                _repeat(starts[d], voting[d], counts[d], rnd)
                break


@njit(**_JIT)
def _repeat(starts: np.ndarray, voting: np.ndarray, counts: np.ndarray, rnd: int) -> None:
    """The rounds after round rnd, in which nothing moved, are the same."""
    for later in range(rnd + 1, counts.size):
        _copy(starts[rnd], starts[later])
        _copy(voting[rnd], voting[later])
        counts[later] = 0


@njit(**_JIT)
def _copy(src: np.ndarray, dst: np.ndarray) -> None:
    """dst[:] = src for 2-d arrays of one shape."""
    for b in range(src.shape[0]):
        for k in range(src.shape[1]):
            dst[b, k] = src[b, k]


def run_draws(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    big_w: np.ndarray,
    present: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    rounds: int,
    coins: Callable[[int, int], np.ndarray],
    record: bool,
    absolute: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the rounds of every draw. x, s, w (c s, 0 where absent): (draws, actors, issues);
    big_w (draws, issues); ``coins(draw, k)`` the first k random numbers of a draw's coin.
    Returns voting and start positions (draws, rounds, actors, issues), the number of
    exchanges (draws, rounds), and, if ``record``, the exchanges of draw 0 (rounds, rows,
    N_LOG; the first counts[0, r] rows of round r). ``absolute``: the sum of an actor's
    moves is checked in absolute value, not signed as decide does (see _move_ok)."""
    d, a, n = x.shape
    pp, qq = (np.ascontiguousarray(v, dtype=np.int64) for v in pairs)
    x, s, w, big_w = (np.ascontiguousarray(v, dtype=np.float64) for v in (x, s, w, big_w))
    present = np.ascontiguousarray(present, dtype=np.bool_)
    voting = np.empty((d, rounds, a, n))
    starts = np.empty_like(voting)
    counts = np.zeros((d, rounds), dtype=np.int64)
    status = np.zeros(d, dtype=np.int64)
    kept = np.empty((rounds, 0, N_LOG))
    for lo in range(0, d, _BLOCK):  # the coins' buffers of a block at a time
        which = np.arange(lo, min(lo + _BLOCK, d), dtype=np.int64)
        k = _COINS
        while which.size:  # a draw that runs out of coins runs again with 8 times as many
            rows = max(1, pp.size * a * (a - 1) // 2) + k if record and which[0] == 0 else 0
            logs = np.empty((rounds, rows, N_LOG))  # a realisation takes an entry of the list
            buf = np.empty((which.size, k))
            for t, draw in enumerate(which.tolist()):
                buf[t] = coins(draw, k)
            _draws(
                which, x, s, w, big_w, present, pp, qq, buf, voting, starts, counts, status, logs,
                absolute,
            )  # fmt: skip
            if rows:
                kept = logs
            which = which[status[which] < 0]
            k *= 8
    return voting, starts, counts, kept
