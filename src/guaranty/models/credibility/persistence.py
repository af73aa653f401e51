"""Correlated binary decisions: the Gaussian copula with given margins, and its correlation
estimated from pairs of decisions.

Two decisions y1, y2 (fight or not) of the same guarantor (persistence: today and tomorrow;
repeated tests of the same patron and target) or of two guarantors in the same crisis (the
common shock) are modelled as thresholds of two latent standard normals with correlation
rho, each with its own margin P(y = 1) = p::

    y_j = 1  <=>  z_j > t_j,   t_j = Phi^-1(1 - p_j),   corr(z_1, z_2) = rho.

With rho = 1 the second decision is a deterministic function of the first's latent (the
op-ed's argument: a refusal today is a refusal tomorrow unless the margin moves); with
rho = 0 the decisions are independent. The margins come from a fitted model
(:mod:`guaranty.models.credibility.joining`), so rho measures only what the covariates do
not explain.

``fit_correlation`` maximises the pairwise likelihood of observed pairs over rho (on a grid
of 197 values, refined by a parabola) and gives a cluster-bootstrap interval (pairs of one
dyad are not independent). The bivariate normal CDF is computed in closed form with Owen's
T function (Owen 1956), vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri, owens_t

from guaranty.errors import ModelError

__all__ = [
    "RHO_GRID",
    "CorrelationFit",
    "bvn_cdf",
    "cluster_loglik",
    "conditional_probability",
    "fit_correlation",
    "grid_argmax",
    "pair_probabilities",
]

_EPS = 1e-12
_RHO_MAX = 1.0 - 1e-9


def bvn_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """P(Z1 < h, Z2 < k) for standard normals with correlation rho (arrays broadcast)."""
    h, k, rho = np.broadcast_arrays(
        np.asarray(h, dtype=np.float64), np.asarray(k, dtype=np.float64), np.asarray(rho, float)
    )
    rho = np.clip(rho, -_RHO_MAX, _RHO_MAX)
    h = np.where(np.abs(h) < 1e-10, 1e-10, h)
    k = np.where(np.abs(k) < 1e-10, 1e-10, k)
    s = np.sqrt(1.0 - rho * rho)
    ah = (k - rho * h) / (h * s)
    ak = (h - rho * k) / (k * s)
    delta = np.where(h * k > 0, 0.0, 0.5)
    out = 0.5 * (ndtr(h) + ndtr(k)) - owens_t(h, ah) - owens_t(k, ak) - delta
    # exact limits where the closed form loses precision
    out = np.where(rho >= _RHO_MAX, ndtr(np.minimum(h, k)), out)
    out = np.where(rho <= -_RHO_MAX, np.maximum(ndtr(h) - ndtr(-k), 0.0), out)
    return np.clip(out, 0.0, np.minimum(ndtr(h), ndtr(k)))


def _threshold(p: np.ndarray) -> np.ndarray:
    return ndtri(np.clip(1.0 - np.asarray(p, dtype=np.float64), _EPS, 1.0 - _EPS))


def pair_probabilities(p1: np.ndarray, p2: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """Joint probabilities of (y1, y2), shape (..., 2, 2) indexed [y1, y2].

    p1, p2 : the margins P(y = 1), arrays that broadcast with rho.
    """
    t1, t2 = _threshold(p1), _threshold(p2)
    p00 = bvn_cdf(t1, t2, rho)
    f1, f2 = ndtr(t1), ndtr(t2)
    p01 = np.maximum(f1 - p00, 0.0)
    p10 = np.maximum(f2 - p00, 0.0)
    p11 = np.maximum(1.0 - f1 - f2 + p00, 0.0)
    return np.stack([np.stack([p00, p01], -1), np.stack([p10, p11], -1)], -2)


def conditional_probability(
    p1: np.ndarray, p2: np.ndarray, y1: np.ndarray | int, rho: np.ndarray | float
) -> np.ndarray:
    """P(y2 = 1 | y1) under the copula (arrays broadcast)."""
    joint = pair_probabilities(p1, p2, rho)
    y1 = np.asarray(y1).astype(bool)
    row0 = joint[..., 0, :]
    row1 = joint[..., 1, :]
    row = np.where(y1[..., None], row1, row0)
    total = row.sum(-1)
    return np.where(total > _EPS, row[..., 1] / np.maximum(total, _EPS), np.asarray(p2) * 1.0)


#: the grid of correlations on which the pairwise likelihood is evaluated
RHO_GRID = np.linspace(-0.98, 0.98, 197)


def cluster_loglik(
    p1: np.ndarray, p2: np.ndarray, y1: np.ndarray, y2: np.ndarray, clusters: np.ndarray
) -> np.ndarray:
    """Pairwise log likelihood of each cluster on :data:`RHO_GRID`, shape (clusters, grid),
    clusters in the order of ``np.unique(clusters)``; arrays of shape (pairs,)."""
    _, inv = np.unique(clusters, return_inverse=True)
    y1, y2 = np.asarray(y1).astype(int), np.asarray(y2).astype(int)
    out = np.empty((inv.max() + 1, RHO_GRID.size))
    rows = np.arange(y1.size)
    for k, r in enumerate(RHO_GRID):
        got = pair_probabilities(p1, p2, r)[rows, y1, y2]
        out[:, k] = np.bincount(inv, weights=np.log(np.maximum(got, 1e-300)))
    return out


def grid_argmax(ll: np.ndarray) -> np.ndarray:
    """The maximiser over the grid, refined by a parabola through the best three points;
    ll of shape (..., grid)."""
    k = np.clip(np.argmax(ll, axis=-1), 1, RHO_GRID.size - 2)
    a = np.take_along_axis(ll, (k - 1)[..., None], -1)[..., 0]
    b = np.take_along_axis(ll, k[..., None], -1)[..., 0]
    c = np.take_along_axis(ll, (k + 1)[..., None], -1)[..., 0]
    den = a - 2 * b + c
    shift = np.where(den < 0, 0.5 * (a - c) / np.where(den < 0, den, -1.0), 0.0)
    step = RHO_GRID[1] - RHO_GRID[0]
    return RHO_GRID[k] + np.clip(shift, -1.0, 1.0) * step


@dataclass(frozen=True)
class CorrelationFit:
    """The latent correlation of paired decisions.

    Attributes
    ----------
    rho : float
        Maximum pairwise-likelihood estimate.
    interval : tuple of float
        Central cluster-bootstrap interval at ``level``.
    draws : array of shape (boots,)
        The bootstrap estimates (a sampling distribution to draw rho from).
    pairs, clusters : int
        Numbers of pairs and of clusters.
    level : float
    """

    rho: float
    interval: tuple[float, float]
    draws: np.ndarray
    pairs: int
    clusters: int
    level: float


def fit_correlation(
    p1: np.ndarray,
    p2: np.ndarray,
    y1: np.ndarray,
    y2: np.ndarray,
    clusters: np.ndarray,
    rng: np.random.Generator,
    *,
    boots: int = 200,
    level: float = 0.9,
) -> CorrelationFit:
    """Estimate rho from pairs (arrays of shape (pairs,)); ``clusters`` labels the pairs'
    resampling units (e.g. the dyad), ``rng`` drives the bootstrap."""
    p1, p2 = np.asarray(p1, float), np.asarray(p2, float)
    y1, y2 = np.asarray(y1).astype(int), np.asarray(y2).astype(int)
    clusters = np.asarray(clusters)
    if not (p1.shape == p2.shape == y1.shape == y2.shape == clusters.shape) or p1.ndim != 1:
        raise ModelError("p1, p2, y1, y2 and clusters must be 1-D arrays of one length")
    if p1.size < 3:
        raise ModelError(f"need at least 3 pairs to estimate a correlation; got {p1.size}")
    ids = np.unique(clusters)
    per_cluster = cluster_loglik(p1, p2, y1, y2, clusters)
    rho = float(grid_argmax(per_cluster.sum(axis=0)))
    counts = rng.multinomial(ids.size, np.full(ids.size, 1.0 / ids.size), size=boots)
    est = grid_argmax(counts @ per_cluster)
    lo, hi = np.quantile(est, [(1 - level) / 2, (1 + level) / 2])
    return CorrelationFit(rho, (float(lo), float(hi)), est, int(p1.size), int(ids.size), level)
