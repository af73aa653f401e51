"""The arrays a compiled scenario hands to the negotiation models (the compile stage's
output, :mod:`guaranty.scenario.compile`): :class:`NegotiationInputs`, batched over draws.
Every negotiation kernel takes them (:mod:`guaranty.models.bargaining.base`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from guaranty.errors import ModelError

__all__ = ["NegotiationInputs", "stack_issues"]


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
