"""``compromise``: the capability x salience weighted mean of the actors' positions.

    outcome_j = sum_i c_ij s_ij x_ij / sum_i c_ij s_ij          (Achen 2006, "compromise model")

over the actors i present on issue j. It is the baseline of the DEU literature (Thomson et
al. 2006, Arregui & Perarnaud 2021) and BDM's "mean" (Scholz et al. 2011).

Choices
-------
* Actors absent from an issue drop out of its sums (DEU III leaves many states without a
  position).
* Where every present actor has zero capability x salience, capability alone weights the
  mean, and where that is zero too the present actors count equally
  (:func:`~guaranty.models.bargaining.base.effective_weights`).
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

__all__ = ["Compromise", "weighted_mean"]


def weighted_mean(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over the actor axis.

    positions, weights : arrays of shape (draws, actors, issues); weights sum to > 0 per issue.
    Returns an array of shape (draws, issues).
    """
    return (weights * positions).sum(axis=1) / weights.sum(axis=1)


@register
class Compromise(NegotiationModel):
    name: ClassVar[str] = "compromise"
    summary: ClassVar[str] = "capability x salience weighted mean of positions"

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        return NegotiationResult(outcome=weighted_mean(inputs.positions, effective_weights(inputs)))
