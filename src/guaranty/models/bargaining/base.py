"""The contract every negotiation model keeps: inputs, result, and the model base class."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from guaranty.errors import ModelError
from guaranty.models.params import Constraint

__all__ = [
    "NegotiationInputs",
    "NegotiationModel",
    "NegotiationResult",
    "effective_weights",
    "stack_issues",
]


@dataclass(frozen=True)
class NegotiationInputs:
    """Arrays describing a negotiation, batched over draws.

    Attributes
    ----------
    positions : array of shape (draws, actors, issues)
        Each actor's position on each issue, on the issue's scale.
    salience : array of shape (draws, actors, issues)
        Salience in [0, 1].
    capability : array of shape (draws, actors, issues)
        Capability (power) of each actor, per issue (usually the same on every issue).
    present : bool array of shape (actors, issues)
        Whether the actor takes part in the issue; absent actors are ignored (their
        entries in the arrays above must still be finite).
    lower, upper : arrays of shape (issues,)
        The issue's scale.
    reference : array of shape (issues,)
        The status quo / reference point, NaN where unknown.
    actor_ids, issue_ids : tuples of str
        Labels of the actor and issue axes.
    """

    positions: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    present: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    reference: np.ndarray
    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        d, a, i = self.positions.shape
        for name in ("salience", "capability"):
            if getattr(self, name).shape != (d, a, i):
                raise ModelError(
                    f"{name} must have shape (draws, actors, issues) = {(d, a, i)}; "
                    f"got {getattr(self, name).shape}"
                )
        if self.present.shape != (a, i):
            raise ModelError(
                f"present must have shape (actors, issues) = {(a, i)}; got {self.present.shape}"
            )
        for name in ("lower", "upper", "reference"):
            if getattr(self, name).shape != (i,):
                raise ModelError(
                    f"{name} must have shape (issues,) = {(i,)}; got {getattr(self, name).shape}"
                )
        if len(self.actor_ids) != a or len(self.issue_ids) != i:
            raise ModelError("actor_ids and issue_ids must label the actor and issue axes")
        for name in ("positions", "salience", "capability"):
            if not np.isfinite(getattr(self, name)).all():
                raise ModelError(f"{name} must be finite everywhere (absent actors included)")

    @property
    def shape(self) -> tuple[int, int, int]:
        """(draws, actors, issues)."""
        return self.positions.shape  # type: ignore[return-value]

    def take_actors(self, order: np.ndarray) -> NegotiationInputs:
        """The same negotiation with the actor axis permuted by ``order``."""
        return dataclasses.replace(
            self,
            **{k: getattr(self, k)[:, order] for k in ("positions", "salience", "capability")},
            present=self.present[order],
            actor_ids=tuple(self.actor_ids[k] for k in order),
        )

    def take_draws(self, draws: slice) -> NegotiationInputs:
        """The same negotiation restricted to the draws ``draws`` (a slice of the draw axis)."""
        return dataclasses.replace(
            self, **{k: getattr(self, k)[draws] for k in ("positions", "salience", "capability")}
        )


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


def stack_issues(parts: Sequence[NegotiationInputs]) -> NegotiationInputs:
    """Concatenate negotiations over the same actors along the issue axis.

    All parts must have the same actor ids and number of draws. Only meaningful for
    separable models, which treat every issue on its own.
    """
    first = parts[0]
    for p in parts[1:]:
        if p.actor_ids != first.actor_ids or p.shape[0] != first.shape[0]:
            raise ModelError("stack_issues needs the same actors and draws in every part")
    return NegotiationInputs(
        positions=np.concatenate([p.positions for p in parts], axis=2),
        salience=np.concatenate([p.salience for p in parts], axis=2),
        capability=np.concatenate([p.capability for p in parts], axis=2),
        present=np.concatenate([p.present for p in parts], axis=1),
        lower=np.concatenate([p.lower for p in parts]),
        upper=np.concatenate([p.upper for p in parts]),
        reference=np.concatenate([p.reference for p in parts]),
        actor_ids=first.actor_ids,
        issue_ids=tuple(i for p in parts for i in p.issue_ids),
    )


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
