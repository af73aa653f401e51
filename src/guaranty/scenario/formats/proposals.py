"""The issues of a :class:`~guaranty.scenario.formats.common.CaseSet` grouped into
multi-issue scenarios, one per proposal (DEU III's ``prnr``), for the models that negotiate
several issues at once (exchange, smp).

A proposal's scenario has the proposal's issues in the order of the file, each the issue of
its one-issue case under the case's name (its id), and the actors present on at least one
of them, with the capability the cases give. An actor keeps its position and salience on
the issues it took a stand on and is *absent* from the others, exactly as in the one-issue
cases: the models leave an absent actor out of that issue (``NegotiationInputs.present``;
each model's docstring says what absence means to it). Nothing is invented for an absent
actor: no position, no salience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guaranty.errors import ScenarioError
from guaranty.scenario.formats.common import CaseSet
from guaranty.scenario.schema import Scenario, validate_scenario

__all__ = ["ProposalGroup", "group_by_proposal", "groupable"]


@dataclass(frozen=True)
class ProposalGroup:
    """One proposal's issues as one scenario.

    ``label`` is the proposal (the value of the grouping column), ``scenario`` the
    multi-issue scenario, and ``cases[k]`` the index in ``CaseSet.cases`` of the case whose
    issue is ``scenario.issues[k]``.
    """

    label: str
    scenario: Scenario
    cases: tuple[int, ...]


def groupable(cases: CaseSet, key: str = "prnr") -> bool:
    """Whether every case of ``cases`` names its group in ``meta[key]`` (non-blank)."""
    return len(cases.meta) == len(cases.cases) > 0 and all(m.get(key) for m in cases.meta)


def group_by_proposal(cases: CaseSet, key: str = "prnr") -> tuple[ProposalGroup, ...]:
    """The cases grouped by ``meta[key]``, each group as one multi-issue scenario.

    Groups come in the order of their first case in the file; a group's issues in the order
    of the file. Every case must have one issue, a non-blank ``meta[key]`` and, within its
    group, a distinct name (the issue's id in the group's scenario).
    """
    if not groupable(cases, key):
        raise ScenarioError(
            f"cannot group the cases of {cases.name!r} by {key!r}: "
            f"every case needs a non-blank {key!r} entry in its meta",
            file=cases.name,
        )
    members: dict[str, list[int]] = {}
    for k, meta in enumerate(cases.meta):
        members.setdefault(meta[key], []).append(k)
    shared: dict[Any, Any] = {}
    return tuple(
        ProposalGroup(
            label, _proposal_scenario(label, [cases.cases[k] for k in idx], shared), tuple(idx)
        )
        for label, idx in members.items()
    )


def _proposal_scenario(label: str, cases: list[Scenario], shared: dict[Any, Any]) -> Scenario:
    """One scenario over the issues of ``cases`` (one-issue scenarios over the same actors)."""
    positions: dict[str, dict[str, Any]] = {}
    issues = []
    for case in cases:
        if len(case.issues) != 1:
            raise ScenarioError(
                f"case {case.name!r} has {len(case.issues)} issues; grouping needs one-issue cases"
            )
        issue = case.issues[0]
        if any(i.id == case.name for i in issues):
            raise ScenarioError(f"proposal {label!r} has two issues named {case.name!r}")
        issues.append(issue.model_copy(update={"id": case.name}))
        for actor_id, per_issue in case.positions.items():
            entry = per_issue.get(issue.id)
            if entry is not None:
                positions.setdefault(actor_id, {})[case.name] = entry
    actors = [a for a in cases[0].actors if a.id in positions]
    data = {
        "name": label,
        "description": f"proposal {label}: {len(issues)} issue(s)",
        "actors": actors,
        "issues": issues,
        "positions": positions,
    }
    from pydantic import ValidationError

    try:
        return validate_scenario(data, shared=shared)
    except ValidationError as exc:  # an issue name that is not an id, in a file of cases
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScenarioError(
            f"the issues of proposal {label!r} cannot be negotiated together: {where}: "
            f"{first['msg']}"
        ) from None
