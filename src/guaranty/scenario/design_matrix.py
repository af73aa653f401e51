"""Design matrices: named inputs whose random draws are replaced by given quantiles.

A :class:`DesignMatrix` maps an input's name to quantiles ``u`` in (0, 1), one per draw (shape
(draws,)). Every place of the pipeline that samples an uncertain input asks the design first
(:func:`draw`, :func:`draw_normal`, :func:`draw_index`, :func:`draw_pooled`): if the design
holds the name, the input is the inverse CDF of its distribution at ``u`` and no random
number is consumed; otherwise it is drawn from the generator as without a design. A design
in recording mode (``DesignMatrix.recorder()``) gives no quantiles and lists every name asked for:
the factors of a global sensitivity analysis (:mod:`guaranty.sensitivity`).

Inputs drawn jointly (a posterior vector of coefficients, a draw of the war calibration)
are one factor: ``u`` picks a member of a fixed pool of :data:`POOL` joint draws (seeded by
the name alone), so that the pool is the same in every evaluation of a design.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy.special import ndtri

from guaranty.scenario.compile import quantile, sample_quantity
from guaranty.scenario.schema import Fixed, Normal, Triangular, Uniform

__all__ = [
    "POOL",
    "DesignMatrix",
    "draw",
    "draw_index",
    "draw_normal",
    "draw_pooled",
    "draw_uniform",
]

#: Members of the pool a jointly drawn input picks from.
POOL = 4096

Quantity = Fixed | Normal | Uniform | Triangular


class DesignMatrix:
    """Quantiles for named inputs (name -> array of shape (draws,), values in (0, 1))."""

    def __init__(self, u: Mapping[str, np.ndarray] | None = None, *, record: bool = False):
        self.u = {k: np.asarray(v, dtype=float) for k, v in (u or {}).items()}
        self.record = record
        self.asked: list[str] = []

    @classmethod
    def recorder(cls) -> DesignMatrix:
        """A design that gives no quantiles and lists the names asked for, in order."""
        return cls(record=True)

    def get(self, name: str, draws: int) -> np.ndarray | None:
        """The quantiles of ``name`` (shape (draws,)), or None to draw it at random."""
        if self.record:
            if name not in self.asked:
                self.asked.append(name)
            return None
        u = self.u.get(name)
        if u is None:
            return None
        if u.shape != (draws,):
            raise ValueError(f"design input {name!r}: {u.shape} quantiles for {draws} draws")
        return np.clip(u, 1e-12, 1.0 - 1e-12)


def draw(
    q: Quantity,
    draws: int,
    rng: np.random.Generator,
    lo: float = -np.inf,
    hi: float = np.inf,
    *,
    name: str,
    matrix: DesignMatrix | None = None,
) -> np.ndarray:
    """``draws`` values of the quantity ``q`` named ``name`` (shape (draws,)): from the
    design's quantiles if it holds the name, else sampled from ``rng`` (which is consumed
    alike either way, so that the other draws do not depend on the design)."""
    values = sample_quantity(q, draws, rng, lo, hi)
    if matrix is not None and not isinstance(q, Fixed):
        u = matrix.get(name, draws)
        if u is not None:
            return quantile(q, u, lo, hi)
    return values


def draw_normal(
    sd: float, draws: int, rng: np.random.Generator, *, name: str, matrix: DesignMatrix | None
) -> np.ndarray:
    """``draws`` values of N(0, sd^2) (shape (draws,)), from the design if it names them."""
    values = sd * rng.standard_normal(draws)
    u = matrix.get(name, draws) if matrix is not None else None
    return values if u is None else sd * ndtri(u)


def draw_index(
    weights: np.ndarray,
    draws: int,
    rng: np.random.Generator,
    *,
    name: str,
    matrix: DesignMatrix | None,
) -> np.ndarray:
    """``draws`` indices into ``weights`` (shape (m,), summing to 1), each with its weight's
    probability (shape (draws,)); from the design's quantiles if it names them."""
    idx = rng.choice(weights.size, size=draws, p=weights)
    u = matrix.get(name, draws) if matrix is not None else None
    if u is None:
        return idx
    cdf = np.cumsum(weights)
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), weights.size - 1)


def draw_uniform(
    draws: int, rng: np.random.Generator, *, name: str, matrix: DesignMatrix | None
) -> np.ndarray:
    """``draws`` values of U(0, 1) (shape (draws,)), from the design if it names them."""
    values = rng.random(draws)
    u = matrix.get(name, draws) if matrix is not None else None
    return values if u is None else u


def _pool_rng(name: str) -> np.random.Generator:
    digest = hashlib.sha256(name.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def draw_pooled(
    sampler: Callable[[np.random.Generator, int], Any],
    draws: int,
    rng: np.random.Generator,
    *,
    name: str,
    matrix: DesignMatrix | None,
) -> Any:
    """``sampler(rng, draws)`` (an array with draws on the first axis), or, when the design
    names the input, the members of a fixed pool of :data:`POOL` joint draws its quantiles
    pick (one factor for the whole vector)."""
    values = sampler(rng, draws)
    u = matrix.get(name, draws) if matrix is not None else None
    if u is None:
        return values
    pool = np.asarray(sampler(_pool_rng(name), POOL))
    return pool[np.minimum((u * POOL).astype(int), POOL - 1)]
