"""Who negotiates over what: actors (with their capability, given or taken from the COW
table), issues (a scale with anchors, the reference point and the observed outcome) and one
actor's position on one issue.

The cross references among them (actor and issue ids, positions within each issue's scale)
are checked on the whole scenario, in :mod:`guaranty.scenario.references`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from guaranty.data import cinc
from guaranty.errors import DataError
from guaranty.scenario.base import Id, Int, Labelled, Num, Strict, optional
from guaranty.scenario.quantities import Fixed, Quantity, Uncertain, as_quantity

__all__ = [
    "Actor",
    "Capability",
    "CowCapability",
    "Issue",
    "IssueRole",
    "PositionEntry",
    "Role",
]


class Role(StrEnum):
    belligerent = "belligerent"
    guarantor = "guarantor"
    mediator = "mediator"
    organization = "organization"


class CowCapability(Strict):
    """Capability taken from the shipped COW NMC table: the CINC score of the actor's code."""

    cow: Int = Field(ge=1816, le=2100, description="the year of the CINC score")
    source: str | None = None


def _as_capability(value: Any) -> Any:
    if isinstance(value, dict) and "cow" in value:
        return value
    return as_quantity(value)


def _capability_kind(value: Any) -> str:
    # Chooses the branch up front: a smart union would first try CowCapability on every
    # plain number (and build an "unknown key" error for it), which is slow for big tables.
    if isinstance(value, CowCapability) or (isinstance(value, dict) and "cow" in value):
        return "CowCapability"
    return "Uncertain"


Capability = Annotated[
    Annotated[CowCapability, Tag("CowCapability")] | Annotated[Uncertain, Tag("Uncertain")],
    Discriminator(_capability_kind),
    BeforeValidator(_as_capability),
]


class Actor(Strict):
    """A party to the negotiation (a state, an organization), with its capability."""

    id: Id
    name: str = Field(min_length=1)
    cow: Int | None = Field(default=None, ge=1, le=999, description="COW country code")
    capability: Capability
    nuclear: bool | None = optional(
        "whether the actor is nuclear-armed; left out, the credibility model reads it from "
        "the shipped list by the actor's COW code (guaranty.data.NUCLEAR_POWERS)"
    )
    roles: list[Role] = Field(default_factory=list)
    members: list[Id] = Field(default_factory=list)
    source: str | None = None
    _cinc: float | None = PrivateAttr(default=None)
    _cinc_quantity: Fixed | None = PrivateAttr(default=None)  # built once, on first use

    @model_validator(mode="after")
    def _resolve_cow(self) -> Actor:
        if isinstance(self.capability, CowCapability):
            if self.cow is None:
                raise PydanticCustomError(
                    "cow_code",
                    "capability {{cow: {year}}} needs the actor's COW country code in 'cow'",
                    {"year": self.capability.cow},
                )
            try:
                value = cinc(self.cow, self.capability.cow)
            except DataError as exc:
                raise PydanticCustomError("cow_data", "{msg}", {"msg": exc.message}) from None
            self._cinc = value
        if self.members and Role.organization not in self.roles:
            raise PydanticCustomError(
                "members", "only an actor with the role 'organization' may list members", {}
            )
        return self

    @property
    def capability_value(self) -> Quantity:
        """The capability as a quantity (COW capabilities resolved to a fixed CINC value)."""
        if isinstance(self.capability, CowCapability):
            if self._cinc_quantity is None:  # the models read it many times per draw block
                src = (
                    self.capability.source
                    or f"COW NMC v7.0 CINC, ccode {self.cow}, {self.capability.cow}"
                )
                self._cinc_quantity = Fixed(value=float(self._cinc or 0.0), source=src)
            return self._cinc_quantity
        return self.capability


class IssueRole(StrEnum):
    guarantee = "guarantee"
    territory = "territory"
    other = "other"


class Issue(Labelled):
    """A question the actors take positions on: a scale from ``scale[0]`` to ``scale[1]``
    with labelled anchors, the reference point and, if known, the real outcome."""

    scale: tuple[Num, Num]
    anchors: dict[Num, str] = Field(default_factory=dict)
    role: IssueRole = IssueRole.other
    description: str | None = None
    reference_point: Num | None = optional("the status quo / reference point (DEU's rp)")
    outcome: Num | None = optional("the observed real outcome, if known")
    source: str | None = None

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] < v[1]:
            raise PydanticCustomError(
                "scale",
                "scale must be [min, max] with min < max; got [{a}, {b}]",
                {"a": v[0], "b": v[1]},
            )
        return v

    @model_validator(mode="after")
    def _inside(self) -> Issue:
        lo, hi = self.scale
        for name in ("reference_point", "outcome"):
            v = getattr(self, name)
            if v is not None and not lo <= v <= hi:
                raise PydanticCustomError(
                    "range",
                    "{name} {v} lies outside the scale [{lo}, {hi}]",
                    {"name": name, "v": v, "lo": lo, "hi": hi},
                )
        for v in self.anchors:
            if not lo <= v <= hi:
                raise PydanticCustomError(
                    "range",
                    "anchor {v} lies outside the scale [{lo}, {hi}]",
                    {"v": v, "lo": lo, "hi": hi},
                )
        return self


class PositionEntry(Strict):
    """One actor's stand on one issue."""

    position: Uncertain
    salience: Uncertain
    capability: Uncertain | None = optional(
        "an issue-specific capability (power), overriding the actor's"
    )
    source: str | None = None
