"""The batch-last kernels of ``bdm``: one round of Scholz et al.'s steps on many contests.

The functions here keep the batch axis last: x of shape (n, batch), pairwise arrays of
shape (n, n, batch) indexed [i, j, row]. With n ~ 10-30 actors, the contiguous loops over
the batch are several times faster than loops over the short actor axes. The public,
batch-first functions of :mod:`guaranty.models.bargaining.bdm` wrap them; the equations and
choices are in that module's docstring and ``docs/models/bdm.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from guaranty.models.bargaining.bdm import BuenoDeMesquita

__all__ = ["EPS_EU", "EPS_X", "Contests"]

EPS_EU = 1e-12  # expected utilities closer than this count as equal (and as 0 near 0)
EPS_X = 1e-12  # positions closer than this x R count as equal


# The private kernels keep the batch axis last: x of shape (n, batch), pairwise arrays of
# shape (n, n, batch) indexed [i, j, row]. With n ~ 10-30 actors, the contiguous loops over
# the batch are several times faster than loops over the short actor axes. The public
# functions below them take and return batch-first arrays.


class Contests(NamedTuple):
    """A batch of one-dimensional contests.

    ``x`` (positions), ``s`` (saliences), ``w`` (capability x salience, 0 where absent) and
    ``present`` (bool) have shape (batch, n) in the public functions of
    :mod:`guaranty.models.bargaining.bdm` and (n, batch) in the kernels of this module
    (:attr:`T` swaps the axes); ``scale`` is R, shape (batch,).
    """

    x: np.ndarray
    s: np.ndarray
    w: np.ndarray
    present: np.ndarray
    scale: np.ndarray

    @property
    def T(self) -> Contests:
        """The same contests with the actor and batch axes swapped."""
        return Contests(self.x.T, self.s.T, self.w.T, self.present.T, self.scale)

    def take(self, rows: np.ndarray) -> Contests:
        """The batch-last contests ``rows`` (indices into the batch axis)."""
        return Contests(
            self.x[:, rows],
            self.s[:, rows],
            self.w[:, rows],
            self.present[:, rows],
            self.scale[rows],
        )


def _pairs(present: np.ndarray) -> np.ndarray:
    """Bool (n, n, batch): both actors present and distinct; present (n, batch)."""
    n = present.shape[0]
    return present[:, None, :] & present[None, :, :] & ~np.eye(n, dtype=bool)[:, :, None]


def _distances(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """d[i, j, row] = |x_i - x_j| / R; x (n, batch), scale (batch,)."""
    d = np.abs(x[:, None, :] - x[None, :, :])
    d /= scale
    return d


def _median(
    x: np.ndarray, weights: np.ndarray, present: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """Batch-last :func:`condorcet_median`: x, weights, present (n, batch) -> (batch,)."""
    w = np.where(present, weights, 0.0)
    loss = (w[:, None, :] * np.abs(x[:, None, :] - x[None, :, :])).sum(axis=0)
    loss = np.where(present, loss, np.inf)
    best = loss.min(axis=0)
    tol = 1e-12 * scale * w.sum(axis=0)
    tied = present & (loss <= best + tol)
    lo = np.where(tied, x, np.inf).min(axis=0)
    hi = np.where(tied, x, -np.inf).max(axis=0)
    return (lo + hi) / 2


class _Geometry(NamedTuple):
    """What the vote margins of a round share (batch-last arrays, see :func:`_geometry`)."""

    order: np.ndarray  # (n, batch): the voters sorted by position, absent ones last
    dist: np.ndarray  # (n, n, batch): |x_k - x_a| / R for the sorted voters k
    take_j: np.ndarray  # (n, n, batch): flat index of cum[below_ij, j, row]
    take_i: np.ndarray  # (n, n, batch): flat index of cum[below_ij, i, row]
    above: np.ndarray  # (n, n, batch) bool: x_i > x_j


def _geometry(x: np.ndarray, present: np.ndarray, scale: np.ndarray) -> _Geometry:
    """For each pair (i, j), the number of present voters strictly below the midpoint of
    x_i and x_j, as flat indices into a (n + 1, n, batch) array of prefix sums over the
    voters sorted by position; x, present (n, batch), scale (batch,)."""
    n, b = x.shape
    xm = np.where(present, x, np.inf)
    order = np.argsort(xm, axis=0, kind="stable")
    xs = np.take_along_axis(xm, order, axis=0)
    mid = x[:, None, :] + x[None, :, :]
    mid *= 0.5
    # a loop over the voters; a voter on a midpoint is indifferent and counts for nothing
    small = n < 255
    below = np.zeros((n, n, b), dtype=np.uint8 if small else np.intp)
    tmp = np.empty((n, n, b), dtype=bool)
    for k in range(n):
        np.less(xs[k], mid, out=tmp)
        np.add(below, tmp.view(np.uint8) if small else tmp, out=below)
    offset = below * np.intp(n * b)
    offset += np.arange(b)
    col = (np.arange(n) * b)[:, None]  # offset of alternative a: a * batch
    dist = np.abs(np.take_along_axis(x, order, axis=0)[:, None, :] - x[None, :, :])
    dist /= scale
    return _Geometry(
        order=order,
        dist=dist,
        take_j=offset + col[None, :, :],
        take_i=offset + col[:, None, :],
        above=x[:, None, :] > x[None, :, :],
    )


class _Frame(NamedTuple):
    """What the steps of one round share, batch-last (see :func:`_frame`)."""

    k: Contests
    mu: np.ndarray  # (batch,): the median
    pairs: np.ndarray  # (n, n, batch) bool, from _pairs
    d: np.ndarray  # (n, n, batch): |x_i - x_j| / R
    geometry: _Geometry


def _frame(k: Contests, mu: np.ndarray, pairs: np.ndarray | None = None) -> _Frame:
    """The shared arrays of a round on the batch-last contests ``k`` with median ``mu``."""
    pairs = _pairs(k.present) if pairs is None else pairs
    return _Frame(k, mu, pairs, _distances(k.x, k.scale), _geometry(k.x, k.present, k.scale))


def _margins(
    w: np.ndarray, rho: np.ndarray | None, pairs: np.ndarray, geometry: _Geometry
) -> np.ndarray:
    """Batch-last :func:`vote_margins` (n, n, batch) from w, rho (n, batch)."""
    n, b = w.shape
    order = geometry.order
    if rho is None:
        cost = geometry.dist.copy()  # [voter k (sorted), a, row]
    else:
        cost = np.power(geometry.dist, np.take_along_axis(rho, order, axis=0)[:, None, :])
    cost *= np.take_along_axis(w, order, axis=0)[:, None, :]  # -w_k u_k(x_a)
    cum = np.zeros((n + 1, n, b))
    np.cumsum(cost, axis=0, out=cum[1:])
    flat = cum.reshape(-1)
    gain = np.take(flat, geometry.take_j)  # sum over the voters below of -w_k u_k(x_j)
    gain -= np.take(flat, geometry.take_i)  # minus the same for x_i
    # x_i < x_j: the voters below the midpoint prefer x_i; x_i > x_j: those above it.
    total = cum[n]
    above = total[None, :, :] - total[:, None, :]
    above -= gain
    np.copyto(gain, above, where=geometry.above)
    np.maximum(gain, 0.0, out=gain)
    gain *= pairs
    return gain


def _probability(gain: np.ndarray, probability: str) -> np.ndarray:
    """Batch-last :func:`win_probability`."""
    if probability == "pooled":
        den = np.broadcast_to(2 * gain.sum(axis=1).sum(axis=0), gain.shape)  # row by row
    else:
        den = gain + gain.transpose(1, 0, 2)
    return np.divide(gain, den, out=np.zeros_like(gain), where=den > 0)


def _utilities(d: np.ndarray, r: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U_s, U_f (shape of d) and U_sq (shape of r) for exponent r (None: r = 1)."""
    u_s = np.maximum(0.5 - 0.5 * d, 0.0)
    u_f = 0.5 + 0.5 * d
    if r is None:
        u_sq = np.zeros(1)
    else:
        np.power(u_s, r, out=u_s)
        np.power(u_f, r, out=u_f)
        u_sq = 2 - 4 * 0.5**r
    u_s *= -4
    u_s += 2
    u_f *= -4
    u_f += 2
    return u_s, u_f, u_sq


def _status_quo_term(
    d: np.ndarray, d_mu: np.ndarray, r: np.ndarray | None, q: float, t: float | None
) -> np.ndarray:
    """(1 - Q) [T U_b + (1 - T) U_w] for challenger-to-median distances d_mu."""
    lo = np.maximum(0.5 - 0.25 * (d_mu + d), 0.0)
    hi = 0.5 + 0.25 * (d_mu + d)
    u_b, u_w = (2 - 4 * lo, 2 - 4 * hi) if r is None else (2 - 4 * lo**r, 2 - 4 * hi**r)
    if t is None:
        better = np.where(d_mu < d - EPS_X, 1.0, np.where(d_mu > d + EPS_X, 0.0, 0.5))
    else:
        better = t
    return (1 - q) * (better * u_b + (1 - better) * u_w)


def _eu(
    u_s: np.ndarray,
    diff: np.ndarray,
    u_sq: np.ndarray,
    p: np.ndarray,
    s_target: np.ndarray,
    q: float,
) -> np.ndarray:
    """s (P U_s + (1 - P) U_f) + (1 - s) U_s - Q U_sq, computed as
    U_s - s (1 - P) (U_s - U_f) - Q U_sq with diff = U_s - U_f."""
    return u_s - s_target * (1 - p) * diff - q * u_sq


def _risk(f: _Frame, model: BuenoDeMesquita) -> np.ndarray:
    """Batch-last :func:`risk_exponents`, (n, batch)."""
    k = f.k
    if model.risk == "neutral":
        return np.ones_like(k.x)
    p = _probability(_margins(k.w, None, f.pairs, f.geometry), model.probability)
    u_s, u_f, u_sq = _utilities(f.d, None)
    e1 = _eu(u_s, u_s - u_f, u_sq, p, k.s[None, :, :], model.q)  # [challenger i, target j, row]
    if model.q < 1:
        d_mu = np.abs(k.x - f.mu) / k.scale
        e1 -= _status_quo_term(f.d, d_mu[:, None, :], None, model.q, model.t)
    e1 *= f.pairs
    level = e1.sum(axis=0) if model.risk == "received" else e1.sum(axis=1)
    hi = np.where(k.present, level, -np.inf).max(axis=0)
    lo = np.where(k.present, level, np.inf).min(axis=0)
    spread = hi - lo
    big_r = np.divide(2 * level - hi - lo, spread, out=np.zeros_like(level), where=spread > EPS_EU)
    return np.where(k.present, (1 - big_r / 3) / (1 + big_r / 3), 1.0)


def _views(
    f: _Frame, r: np.ndarray, model: BuenoDeMesquita
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch-last :func:`perceived_eus`: a, b, P of shape (n, n, batch)."""
    k = f.k
    rho = r if model.vote_utility == "risk" else None
    p = _probability(_margins(k.w, rho, f.pairs, f.geometry), model.probability)
    u_s, u_f, u_sq = _utilities(f.d, r[:, None, :])
    diff = u_s - u_f
    a = _eu(u_s, diff, u_sq, p, k.s[None, :, :], model.q)
    b = _eu(u_s, diff, u_sq, p.transpose(1, 0, 2), k.s[:, None, :], model.q)
    if model.q < 1:
        d_mu = np.abs(k.x - f.mu) / k.scale
        rr = r[:, None, :]
        a -= _status_quo_term(f.d, d_mu[:, None, :], rr, model.q, model.t)
        b -= _status_quo_term(f.d, d_mu[None, :, :], rr, model.q, model.t)
    return a, b, p


def _pick(mask: np.ndarray, keys: list[tuple[np.ndarray, np.ndarray | float]]) -> np.ndarray:
    """Lexicographic choice over the rivals (axis 1): keep the candidates within tol of the
    least value of each key in turn. Returns the bool mask of the survivors."""
    for key, tol in keys:
        k = np.where(mask, key, np.inf)
        mask = mask & (k <= k.min(axis=1, keepdims=True) + tol)
    return mask


def _moves(
    x: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    scale: np.ndarray,
    pairs: np.ndarray,
    selection: str,
    capitulation: bool,
) -> np.ndarray:
    """Batch-last :func:`next_positions`, (n, batch)."""
    gap = x[None, :, :] - x[:, None, :]  # [i, j] = x_j - x_i
    dist = np.abs(gap)
    pair = pairs & (dist > EPS_X * scale)
    challenged = pair & (a < -EPS_EU) & (b > EPS_EU)
    compromise = challenged & (b >= -a)
    lost = pair & (a > EPS_EU) & (b > a + EPS_EU)
    # category of each offer: 0 confrontation lost, 1 compromise, 2 capitulation, 3 none
    code = np.full(a.shape, 3, dtype=np.uint8)
    code -= lost.view(np.uint8) * np.uint8(3)
    code -= compromise.view(np.uint8) * np.uint8(2)
    if capitulation:
        code -= (challenged & ~compromise).view(np.uint8)
    first = code.min(axis=1)
    has = first < 3
    mask = code == first[:, None, :]
    mask &= has[:, None, :]
    target = np.broadcast_to(x[None, :, :], a.shape).copy()  # x_j
    move = dist.copy()
    if compromise.any():
        frac = np.divide(-a, b, out=np.zeros_like(a), where=compromise)
        part = x[:, None, :] + gap * frac  # eq. 36
        np.copyto(target, part, where=compromise)
        np.copyto(move, np.abs(part - x[:, None, :]), where=compromise)
    neg_b = -b
    move_tol = EPS_X * scale
    if selection == "least":
        keys = [(move, move_tol), (neg_b, EPS_EU)]
    elif selection == "strongest":
        keys = [(neg_b, EPS_EU), (move, move_tol)]
    else:  # compromises: the strongest rival first; the rest: the least move first
        strong = (first == 1)[:, None, :]
        keys = [
            (np.where(strong, neg_b, move), np.where(strong, EPS_EU, move_tol)),
            (np.where(strong, move, neg_b), np.where(strong, move_tol, EPS_EU)),
        ]
    np.copyto(target, np.inf, where=~_pick(mask, keys))
    return np.where(has, target.min(axis=1), x)


def _round(
    k: Contests, mu: np.ndarray, model: BuenoDeMesquita, pairs: np.ndarray | None = None
) -> np.ndarray:
    """Batch-last :func:`bdm_round`, (n, batch); ``pairs`` as :func:`_pairs` gives them."""
    f = _frame(k, mu, pairs)
    r = _risk(f, model)
    a, b, _ = _views(f, r, model)
    return _moves(k.x, a, b, k.scale, f.pairs, model.selection, model.capitulation)


def _paths(
    k: Contests, mean_weights: np.ndarray, model: BuenoDeMesquita
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batch-last :func:`bdm_paths` from the initial positions ``k.x``: (rounds, n, batch),
    (rounds, batch) x 2, (batch,)."""
    n, bsz = k.x.shape
    rounds = model.rounds
    present, scale = k.present, k.scale
    pairs = _pairs(present)
    paths = np.empty((rounds, n, bsz))
    medians = np.empty((rounds, bsz))
    means = np.empty((rounds, bsz))
    rounds_run = np.zeros(bsz, dtype=int)
    x = k.x.copy()
    mu = _median(x, mean_weights, present, scale)
    active = np.ones(bsz, dtype=bool)
    for rnd in range(rounds):
        moved = np.zeros(bsz)
        if active.all():
            new = _round(k._replace(x=x), mu, model, pairs)
            moved = np.abs(new - x).max(axis=0)
            x = new
            rounds_run[:] = rnd + 1
        elif active.any():
            rows = np.flatnonzero(active)
            new = _round(k._replace(x=x).take(rows), mu[rows], model, pairs[:, :, rows])
            moved[rows] = np.abs(new - x[:, rows]).max(axis=0)
            x[:, rows] = new
            rounds_run[rows] = rnd + 1
        if model.tol is not None:
            active &= moved > model.tol * scale
        mu = _median(x, mean_weights, present, scale)
        paths[rnd] = x
        medians[rnd] = mu
        means[rnd] = (mean_weights * x).sum(axis=0) / mean_weights.sum(axis=0)
    return paths, medians, means, rounds_run
