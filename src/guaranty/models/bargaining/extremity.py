"""``extremity``: the compromise model with a discount on the outermost positions.

The weighted mean of the actors' positions in which an actor holding one of the two
outermost positions taken on the issue counts only ``e`` times its usual weight:

    w_ij = c_ij^a s_ij^b (e if x_ij in {min_k x_kj, max_k x_kj} else 1)
    outcome_j = sum_i w_ij x_ij / sum_i w_ij

over the actors i present on issue j (c capability, s salience, x position). The shipped
model has one free parameter, e = 0.1, and a = b = 1; with e = 1 it is ``compromise``
(Achen 2006). Work on bargaining success with DEU data reports that actors holding extreme
positions fare worse (e.g. Arregui & Thomson 2009); the discount is the simplest form of
that idea, estimated from data rather than derived from a theory of bargaining. e is fitted
to the 166 DEU III development issues (``scripts/validate_deu.py``); its out-of-sample error
is estimated by cross-validation grouped by proposal, with e refitted on the training folds
(``docs/validation.md``).

Choices
-------
* "Outermost" is relative to the positions the present actors take, not to the issue's
  scale. The DEU scales run between the most extreme positions taken (the minimum is 0 on
  148 and the maximum 100 on 163 of the 166 dev issues), so on DEU the two nearly coincide;
  on a scale wider than the positions the relative rule still singles out the outermost
  actors. An actor counts as outermost when its position is within 1e-9 x the scale width
  of the minimum or maximum, so several actors can share an end point. (A discount on the
  scale's end points instead was also tried on the dev file: in-sample MAE 21.10 at its
  best e = 0.25, against 20.64 for this rule.)
* Where every present actor sits at one of the two end points (52 of the 166 DEU III dev
  issues), every weight is discounted alike and the forecast is the (exponent-weighted)
  compromise.
* The discount applies to the Commission and Parliament as to the member states: fitting it
  per actor type would need actor roles the kernel does not take.
* Degenerate weights fall back as in ``compromise`` (capability^a alone, then equal weights);
  with ``e = 0``, an issue on which only outermost actors carry weight keeps their
  undiscounted weights.
* The reference point is not used: shrinking the forecast toward DEU III's reference point
  raised the error at every strength tried (``docs/validation.md``).
"""

from __future__ import annotations

import dataclasses
from numbers import Real
from typing import ClassVar

import numpy as np

from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.compromise import weighted_mean
from guaranty.models.params import Constraint, Interval, check_parameters
from guaranty.models.registry import register

__all__ = ["Extremity", "outermost"]

_TOL = 1e-9


def outermost(positions: np.ndarray, present: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Whether each present actor holds the lowest or highest position taken on the issue.

    positions : array of shape (draws, actors, issues); present : bool array of shape
    (actors, issues), at least one present actor per issue; width : array of shape (issues,),
    the scale width (upper - lower). Returns a bool array of shape (draws, actors, issues),
    False for absent actors.
    """
    here = present[None, :, :]
    lo = np.where(here, positions, np.inf).min(axis=1, keepdims=True)
    hi = np.where(here, positions, -np.inf).max(axis=1, keepdims=True)
    tol = _TOL * np.abs(width)
    return here & ((positions <= lo + tol) | (positions >= hi - tol))


@register
class Extremity(NegotiationModel):
    """Weighted mean with weights c^a s^b, discounted by ``e`` for the outermost actors.

    Parameters
    ----------
    extreme_weight : float in [0, 1], default 0.1
        ``e``, the factor on the weight of an actor at either end of the positions taken;
        the value with the lowest mean absolute error on the 166 DEU III development issues
        among ``guaranty.validation.EXTREMITY_GRID["extreme_weight"]``.
    capability_exponent, salience_exponent : float >= 0, default 1
        ``a`` and ``b``, exponents of capability and salience. Fitting them as well did not
        lower the cross-validated error on DEU III (``docs/validation.md``), so the defaults
        keep the compromise model's weights.
    """

    name: ClassVar[str] = "extremity"
    summary: ClassVar[str] = "weighted mean (c^a s^b) discounting the outermost positions"
    stated_ranges: ClassVar[dict[str, tuple[float, float, str]]] = {
        "extreme_weight": (
            0.05,
            0.2,
            "the values of e refitted on the ten training sets of the grouped "
            "cross-validation on the DEU III development issues (docs/validation.md)",
        )
    }

    parameters: ClassVar[dict[str, Constraint]] = {
        "extreme_weight": Interval(Real, 0, 1, closed="both"),
        "capability_exponent": Interval(Real, 0, None, closed="left"),
        "salience_exponent": Interval(Real, 0, None, closed="left"),
    }

    def __init__(
        self,
        extreme_weight: float = 0.1,
        capability_exponent: float = 1.0,
        salience_exponent: float = 1.0,
    ) -> None:
        check_parameters(self, locals())
        self.extreme_weight = float(extreme_weight)
        self.capability_exponent = float(capability_exponent)
        self.salience_exponent = float(salience_exponent)

    def __repr__(self) -> str:
        return (
            f"Extremity(extreme_weight={self.extreme_weight}, "
            f"capability_exponent={self.capability_exponent}, "
            f"salience_exponent={self.salience_exponent})"
        )

    def weights(self, inputs: NegotiationInputs) -> np.ndarray:
        """The weights w of the forecast, array of shape (draws, actors, issues)."""
        powered = dataclasses.replace(
            inputs,
            capability=inputs.capability**self.capability_exponent,
            salience=inputs.salience**self.salience_exponent,
        )
        w = effective_weights(powered)
        edge = outermost(inputs.positions, inputs.present, inputs.upper - inputs.lower)
        e = np.asarray(self.extreme_weight, dtype=float)
        e = e.reshape(-1, 1, 1) if e.ndim else e  # one value per draw (per_draw)
        discounted = np.where(edge, e * w, w)
        return np.where(discounted.sum(axis=1, keepdims=True) > 0, discounted, w)

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        return NegotiationResult(outcome=weighted_mean(inputs.positions, self.weights(inputs)))
