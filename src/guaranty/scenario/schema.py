"""The typed scenario: the pydantic v2 model of a whole case, and the one place every schema
name is imported from.

Every loader (YAML and the peer tools' formats) produces a :class:`Scenario`. The models are
strict: unknown keys are errors with a "did you mean" hint, numbers may carry a ``source``,
and cross references (actor and issue ids, positions inside each issue's scale) are checked
when the scenario is built. Errors are raised as pydantic ``ValidationError``s whose
locations are field paths; :mod:`guaranty.scenario.yaml_io` turns them into
:class:`~guaranty.errors.ScenarioError` with file, line and column.

The parts live in their own modules, re-exported here:

* :mod:`~guaranty.scenario.base`: the strict base model, bounded numbers, ids;
* :mod:`~guaranty.scenario.quantities`: numbers with uncertainty (fixed or distributions);
* :mod:`~guaranty.scenario.actors`: actors, issues and positions;
* :mod:`~guaranty.scenario.designs`: guarantee designs and the credibility settings;
* :mod:`~guaranty.scenario.claim`: the debate's claims;
* :mod:`~guaranty.scenario.settings`: deterrence, war and pipeline settings;
* :mod:`~guaranty.scenario.war_parameters`: the war parameters' names, defaults, domains;
* :mod:`~guaranty.scenario.references`: the checks of the whole scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from guaranty.errors import ScenarioError
from guaranty.scenario.actors import (
    Actor,
    Capability,
    CowCapability,
    Issue,
    IssueRole,
    PositionEntry,
    Role,
)
from guaranty.scenario.base import ID_PATTERN, MAX_MAGNITUDE, Id, Int, Num, Strict
from guaranty.scenario.claim import MAX_STATEMENT_CHARS, MAX_STATEMENT_DEPTH, Claim
from guaranty.scenario.designs import (
    OBLIGATIONS,
    Conduct,
    CredibilitySettings,
    Design,
    LegalForm,
    Obligation,
)
from guaranty.scenario.quantities import (
    Fixed,
    Normal,
    Quantity,
    Triangular,
    Uncertain,
    Uniform,
    describe,
)
from guaranty.scenario.references import check_references, no_position_message
from guaranty.scenario.settings import DeterrenceSettings, PipelineSettings, WarSettings
from guaranty.scenario.war_parameters import SIGNED_WAR_PARAMETERS, war_defaults

__all__ = [
    "ID_PATTERN",
    "MAX_MAGNITUDE",
    "MAX_STATEMENT_CHARS",
    "MAX_STATEMENT_DEPTH",
    "OBLIGATIONS",
    "SIGNED_WAR_PARAMETERS",
    "Actor",
    "Capability",
    "Claim",
    "Conduct",
    "CowCapability",
    "CredibilitySettings",
    "Design",
    "DeterrenceSettings",
    "Fixed",
    "Id",
    "Issue",
    "IssueRole",
    "LegalForm",
    "Normal",
    "Num",
    "Obligation",
    "PipelineSettings",
    "PositionEntry",
    "Quantity",
    "Role",
    "Scenario",
    "Strict",
    "Triangular",
    "Uncertain",
    "Uniform",
    "WarSettings",
    "describe",
    "validate_scenario",
]

#: Name -> default of every war parameter (the web's assumptions page reads it).
_war_parameters = war_defaults


def validate_scenario(data: Any, *, shared: dict[Any, Any] | None = None) -> Scenario:
    """``Scenario.model_validate(data)``, with equal fixed numbers sharing one object (the
    loaders use it: a table of a million cells needs a third of the memory); ``shared``
    carries the shared numbers from one scenario to the next (DEU III's cases)."""
    return Scenario.model_validate(data, context={"fixed": {} if shared is None else shared})


class Scenario(Strict):
    """A whole case: actors, issues, positions, guarantee designs and claims.

    ``positions`` maps actor id -> issue id -> :class:`PositionEntry`. An actor may be absent
    from an issue (as in DEU III, where not every member state takes a stand); models then
    leave it out of that issue.
    """

    format: Literal[1] = 1
    name: str = Field(min_length=1)
    question: str | None = Field(
        default=None,
        description="the question the analysis answers, shown first in the report",
    )
    description: str | None = None
    year: Int | None = Field(default=None, ge=1, le=9999)
    source: str | None = None
    actors: list[Actor] = Field(min_length=1)
    issues: list[Issue] = Field(min_length=1)
    positions: dict[Id, dict[Id, PositionEntry]] = Field(default_factory=dict)
    guarantees: list[Design] = Field(default_factory=list)
    credibility: CredibilitySettings | None = None
    war: WarSettings | None = None
    deterrence: DeterrenceSettings | None = None
    pipeline: PipelineSettings | None = None
    claims: list[Claim] = Field(default_factory=list)
    #: the file's name and text when read from YAML, to place an error found later
    _source: tuple[str, str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        check_references(self)
        return self

    def __eq__(self, other: object) -> bool:
        """Equal content, wherever it was read from (the file's name and text, kept to place
        later errors, do not count)."""
        if not isinstance(other, Scenario):
            return NotImplemented

        def private(s: Scenario) -> dict[str, Any]:
            return {k: v for k, v in (s.__pydantic_private__ or {}).items() if k != "_source"}

        fields = type(self).model_fields
        return (
            type(self) is type(other)
            and private(self) == private(other)
            and all(self.__dict__.get(k) == other.__dict__.get(k) for k in fields)
        )

    __hash__ = None  # type: ignore[assignment]  # unhashable as before (its fields hold lists)

    def error_at(self, message: str, field: Sequence[str | int]) -> ScenarioError:
        """A :class:`ScenarioError` about ``field`` found after the scenario loaded (when a
        model checks what the schema cannot), with the file, line and column of the field
        when the scenario was read from a YAML file."""
        from guaranty.scenario.yaml_io import locate_field

        return locate_field(self._source, message, field)

    def require_positions(self) -> None:
        """Raise a :class:`~guaranty.errors.ScenarioError` (field ``issues[k]``) unless every
        issue has at least one position entry: what a negotiation model needs (a scenario
        without any position validates, for credibility alone, but has nothing to negotiate;
        its forecast would be NaN)."""
        taken = {iid for per_issue in self.positions.values() for iid in per_issue}
        for k, issue in enumerate(self.issues):
            if issue.id not in taken:
                raise self.error_at(no_position_message(issue.id), ("issues", k))

    # Convenience views -----------------------------------------------------------------------

    def actor(self, actor_id: str) -> Actor:
        return next(a for a in self.actors if a.id == actor_id)

    def issue(self, issue_id: str) -> Issue:
        return next(i for i in self.issues if i.id == issue_id)

    @property
    def data_year(self) -> int | None:
        """The year whose data describe the states: ``credibility.data_year``, else ``year``;
        with a credibility section but neither, the shipped data's last year
        (:data:`guaranty.data.LATEST_DATA_YEAR`); else None."""
        from guaranty.data import LATEST_DATA_YEAR

        cred = self.credibility
        if cred is not None and cred.data_year is not None:
            return cred.data_year
        if self.year is not None:
            return self.year
        return LATEST_DATA_YEAR if cred is not None else None

    def nuclear_in_data(self, actor_id: str) -> bool | None:
        """Whether the shipped list (:data:`guaranty.data.NUCLEAR_POWERS`) counts the actor as
        nuclear-armed in :attr:`data_year`; None for an actor without a COW code, or a
        scenario without a year."""
        from guaranty.data import nuclear

        a, year = self.actor(actor_id), self.data_year
        return None if a.cow is None or year is None else nuclear(a.cow, year)

    def nuclear_armed(self, actor_id: str) -> bool | None:
        """Whether the actor is nuclear-armed, as the credibility model takes it: as the
        scenario states it (the actor's ``nuclear``), else as :meth:`nuclear_in_data`."""
        stated = self.actor(actor_id).nuclear
        return stated if stated is not None else self.nuclear_in_data(actor_id)

    def nuclear_label(self, actor_id: str) -> str:
        """The actor's nuclear status as the tables show it: "yes", "" (not nuclear-armed, or
        unknown), or, where the scenario's statement differs from the data, "yes (stated; the
        data: no)" / "no (stated; the data: yes)"."""
        stated, data = self.actor(actor_id).nuclear, self.nuclear_in_data(actor_id)
        if stated is not None and data is not None and stated != data:
            return f"{'yes' if stated else 'no'} (stated; the data: {'yes' if data else 'no'})"
        return "yes" if self.nuclear_armed(actor_id) else ""

    def credibility_states(self) -> set[str]:
        """The actors whose data the credibility model reads: the aggressor, the protected
        state and every guarantor (none without a credibility section)."""
        cred = self.credibility
        if cred is None:
            return set()
        return {cred.aggressor, cred.protected, *(g for d in self.guarantees for g in d.guarantors)}

    def stated_nuclear(self) -> dict[str, tuple[bool, bool]]:
        """The actors the credibility model reads (:meth:`credibility_states`) whose stated
        ``nuclear`` differs from the shipped list's status in :attr:`data_year`: actor id ->
        (stated, the data's). (Another actor's statement changes nothing but its label.)"""
        read = self.credibility_states()
        out = {}
        for a in self.actors:
            if a.id not in read:
                continue
            data = self.nuclear_in_data(a.id)
            if a.nuclear is not None and data is not None and a.nuclear != data:
                out[a.id] = (a.nuclear, data)
        return out

    def position(self, actor_id: str, issue_id: str) -> PositionEntry | None:
        return self.positions.get(actor_id, {}).get(issue_id)
