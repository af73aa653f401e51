"""``median``: the capability x salience weighted median of the actors' positions.

The weighted median is the position x_(k) (positions sorted) at which the cumulative
weight first reaches half of the total:

    outcome_j = min { x : sum_{i : x_ij <= x} w_ij >= W_j / 2 },   w_ij = c_ij s_ij

It is the Condorcet winner of pairwise majority votes weighted by w when preferences are
single-peaked and symmetric (Black 1948), and the "median voter" forecast of the
stakeholder literature (Bueno de Mesquita 1994; Achen 2006).

Choices
-------
* When the cumulative weight reaches exactly half at x_(k), every point between x_(k) and
  the next position is a median; we return the midpoint of the two (the usual convention
  for an even split), so the forecast does not depend on the order of the actors.
* Absent actors and degenerate weights as in ``compromise``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.registry import register

__all__ = ["Median", "weighted_median"]

_TOL = 1e-12


def weighted_median(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted median over the actor axis.

    positions, weights : arrays of shape (draws, actors, issues), weights >= 0 with a positive
    sum per (draw, issue). Returns an array of shape (draws, issues).
    """
    order = np.argsort(positions, axis=1, kind="stable")
    x = np.take_along_axis(positions, order, axis=1)
    w = np.take_along_axis(weights, order, axis=1)
    cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    lo = np.argmax(cum >= 0.5 - _TOL, axis=1)  # first index reaching half
    hi = np.argmax(cum > 0.5 + _TOL, axis=1)  # first index passing half
    x_lo = np.take_along_axis(x, lo[:, None, :], axis=1)[:, 0, :]
    x_hi = np.take_along_axis(x, hi[:, None, :], axis=1)[:, 0, :]
    exact = np.abs(np.take_along_axis(cum, lo[:, None, :], axis=1)[:, 0, :] - 0.5) <= _TOL
    return np.where(exact, (x_lo + x_hi) / 2, x_lo)


@register
class Median(NegotiationModel):
    name: ClassVar[str] = "median"
    summary: ClassVar[str] = "capability x salience weighted median of positions"

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        return NegotiationResult(
            outcome=weighted_median(inputs.positions, effective_weights(inputs))
        )
