"""The contract every negotiation model keeps: inputs, result, and the model base class."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from guaranty.errors import ModelError
from guaranty.models.params import Constraint
from guaranty.scenario.arrays import NegotiationInputs, stack_issues

__all__ = [
    "NegotiationInputs",
    "NegotiationModel",
    "NegotiationResult",
    "effective_weights",
    "stack_issues",
]


@dataclass(frozen=True)
class NegotiationResult:
    """What a negotiation model returns.

    Attributes
    ----------
    outcome : array of shape (draws, issues)
        The forecast outcome on each issue.
    round_median, round_mean : arrays of shape (draws, rounds, issues), optional
        Per-round median and mean for iterative models (None for one-shot models).
    round_positions : array of shape (draws, rounds, actors, issues), optional
        Every actor's position after each round, for iterative models.
    round_outcome : array of shape (draws, rounds, issues), optional
        The forecast the model would give had it stopped after each round (its last round
        is ``outcome``), for iterative models that run a number of rounds the user sets
        (bdm, exchange), so that a caller can tell whether that number matters
        (:func:`guaranty.pipeline.late_rounds`); None for the others.
    diagnostics : dict of arrays
        Model-specific arrays with a leading draw axis (e.g. the number of turns run).
    details : dict
        JSON-ready, model-specific account of the *first* draw (e.g. every exchange
        realised, round by round); ``guaranty forecast --json`` prints it under ``details``.
    """

    outcome: np.ndarray
    round_median: np.ndarray | None = None
    round_mean: np.ndarray | None = None
    round_positions: np.ndarray | None = None
    round_outcome: np.ndarray | None = None
    diagnostics: dict[str, np.ndarray] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


class NegotiationModel(ABC):
    """Base class of negotiation models.

    A subclass sets ``name`` (the registry key) and ``summary`` and implements :meth:`run`,
    a pure function of the inputs and a random generator. Parameters are constructor
    arguments, each declared in :attr:`parameters` and checked by
    :func:`guaranty.models.params.check_parameters` ("parameter X of Y must be ...; got ...").
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    iterative: ClassVar[bool] = False
    #: True when each issue is forecast on its own (one-dimensional models); such models may
    #: be run on many independent cases at once by stacking them along the issue axis.
    separable: ClassVar[bool] = True
    #: What each constructor parameter accepts (name -> constraint; see
    #: :mod:`guaranty.models.params`); every constructor parameter is declared here.
    parameters: ClassVar[dict[str, Constraint]] = {}
    #: Pairs (a, b) of parameters that must satisfy a <= b.
    ordered_parameters: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Parameters the data cannot pin to one value: name -> (low, high, source). A global
    #: sensitivity analysis varies each over its range, one value per draw
    #: (:meth:`per_draw`); a model that declares one accepts an array of shape (draws,) for it.
    stated_ranges: ClassVar[dict[str, tuple[float, float, str]]] = {}

    def per_draw(self, **values: np.ndarray) -> NegotiationModel:
        """A copy of the model with the named :attr:`stated_ranges` parameters set per
        draw (arrays of shape (draws,), each within its stated range)."""
        import copy

        out = copy.copy(self)
        for name, v in values.items():
            if name not in self.stated_ranges:
                raise ModelError(f"{self.name} states no range for parameter {name!r}")
            lo, hi, _ = self.stated_ranges[name]
            v = np.asarray(v, dtype=float)
            if v.ndim != 1 or not np.all((v >= lo) & (v <= hi)):
                raise ModelError(f"parameter {name} of {self.name} must lie in [{lo}, {hi}]")
            setattr(out, name, v)
        return out

    @abstractmethod
    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        """Forecast every issue for every draw."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def effective_weights(inputs: NegotiationInputs) -> np.ndarray:
    """Capability x salience of each present actor, with fallbacks for degenerate issues.

    Returns an array of shape (draws, actors, issues), zero for absent actors. Where every
    present actor has zero capability x salience on an issue, capability alone is used, and
    where that is zero too, the present actors count equally.
    """
    present = inputs.present[None, :, :]
    w = np.where(present, inputs.capability * inputs.salience, 0.0)
    total = w.sum(axis=1, keepdims=True)
    cap = np.where(present, inputs.capability, 0.0)
    w = np.where(total > 0, w, cap)
    total = w.sum(axis=1, keepdims=True)
    equal = np.broadcast_to(present, w.shape).astype(float)
    return np.where(total > 0, w, equal)
