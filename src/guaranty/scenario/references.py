"""The checks of a whole scenario that no single section can make: ids are unique, every
reference to an actor or an issue names one, and numbers lie within the range their place
allows (a position within its issue's scale, a salience within [0, 1], ...).

:func:`check_references` runs them in a fixed order and raises the first problem as a
pydantic error of type ``reference`` whose context holds the field path (the YAML front end
uses it to find the line).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic_core import PydanticCustomError

from guaranty.scenario.actors import Issue, IssueRole
from guaranty.scenario.base import closest
from guaranty.scenario.quantities import Quantity
from guaranty.scenario.war_parameters import describe_bounds, neutral_front0, war_bounds

if TYPE_CHECKING:
    from guaranty.scenario.designs import CredibilitySettings
    from guaranty.scenario.schema import Scenario
    from guaranty.scenario.settings import DeterrenceSettings, WarSettings

__all__ = ["check_references", "no_position_message"]

FieldPath = tuple[str | int, ...]
"""Where a value stands in the scenario: keys and list indices from the top."""


def check_references(s: Scenario) -> None:
    """Check the cross references and ranges of ``s``; raise the first problem found."""
    # Membership is tested on sets and the id lists kept for the messages, so that a table
    # of many actors and issues validates in linear time.
    actors = _Known("actor", _unique("actors", [a.id for a in s.actors]))
    issues = _Known("issue", _unique("issues", [i.id for i in s.issues]))
    _unique("guarantees", [d.id for d in s.guarantees])
    _unique("claims", [c.id for c in s.claims])
    for k, actor in enumerate(s.actors):
        for m, member in enumerate(actor.members):
            path = ("actors", k, "members", m)
            actors.require(path, member)
            if member == actor.id or member in actor.members[:m]:
                why = "itself" if member == actor.id else f"'{member}' twice"
                raise _err(path, f"an organization cannot list {why} among its members")
    taken = _check_positions(s, actors, issues)
    for k, actor in enumerate(s.actors):
        _in_range(("actors", k, "capability"), actor.capability_value, 0, None)
    if taken:  # a scenario without any position is for credibility alone
        for k, issue in enumerate(s.issues):
            if issue.id not in taken:
                raise _err(("issues", k), no_position_message(issue.id))
    if s.credibility is not None:
        _check_credibility(s.credibility, actors, s.year)
    _check_guarantees(s, actors)
    if s.credibility is not None:
        _check_conduct(s)
    if s.deterrence is not None:
        _check_deterrence(s.deterrence)
    if s.war is not None:
        if s.credibility is not None and not s.credibility.war_today:
            raise _err(
                ("credibility", "war_today"),
                "the 'war' section simulates a war the protected state fights today; expected "
                "true (or remove the 'war' section for a question asked in peacetime)",
            )
        _check_war(s.war, s.issues)
        if s.war.forces == "capabilities":
            _check_forces_from_capabilities(s)


def no_position_message(issue_id: str) -> str:
    """What is wrong with an issue no actor takes a position on."""
    return (
        f"no actor takes a position on issue '{issue_id}'; every issue needs at least one "
        "entry in 'positions' (the negotiation models have nothing to weigh)"
    )


class _Known:
    """The ids of one section (actors or issues): a set for membership and the list, in the
    file's order, for the messages."""

    def __init__(self, kind: str, ids: list[str]) -> None:
        self.kind = kind
        self.ids = ids
        self.members = set(ids)

    def require(self, path: FieldPath, value: str) -> None:
        """Raise the error of ``path`` unless ``value`` is one of the ids."""
        if value not in self.members:
            raise _err(path, _unknown(self.kind, value, self.ids))


def _check_positions(s: Scenario, actors: _Known, issues: _Known) -> set[str]:
    """Check every position entry; return the ids of the issues that have one."""
    scales = {i.id: i.scale for i in s.issues}
    taken: set[str] = set()
    for aid, per_issue in s.positions.items():
        actors.require(("positions", aid), aid)
        for iid, entry in per_issue.items():
            issues.require(("positions", aid, iid), iid)
            taken.add(iid)
            lo, hi = scales[iid]
            _in_range(("positions", aid, iid, "position"), entry.position, lo, hi)
            _in_range(("positions", aid, iid, "salience"), entry.salience, 0.0, 1.0)
            if entry.capability is not None:
                _in_range(("positions", aid, iid, "capability"), entry.capability, 0, None)
    return taken


def _guarantee_issue(issues: Sequence[Issue]) -> Issue | None:
    """The one issue with the role 'guarantee' (the ladder of designs), if any."""
    ladders = [k for k, i in enumerate(issues) if i.role == IssueRole.guarantee]
    if len(ladders) > 1:
        raise _err(
            ("issues", ladders[1], "role"),
            "only one issue may have the role 'guarantee' (the ladder of designs)",
        )
    return issues[ladders[0]] if ladders else None


def _check_guarantees(s: Scenario, actors: _Known) -> None:
    ladder = _guarantee_issue(s.issues)
    protected = s.credibility.protected if s.credibility is not None else None
    for k, design in enumerate(s.guarantees):
        first: dict[str, int] = {}
        for g, gid in enumerate(design.guarantors):
            path = ("guarantees", k, "guarantors", g)
            actors.require(path, gid)
            if gid in first:
                # counted twice, a guarantor would be two states that decide alike
                raise _err(
                    path,
                    f"guarantor '{gid}' is listed twice (first as guarantors[{first[gid]}]); "
                    "list each guarantor once",
                )
            first[gid] = g
            if gid == protected:
                raise _err(
                    path,
                    f"'{gid}' is the protected state (credibility.protected) and cannot "
                    "guarantee itself; a design's guarantors are other states",
                )
        if design.obligations and not design.guarantors:
            raise _err(
                ("guarantees", k, "obligations"),
                "a design without guarantors (self-help) has no one to carry obligations; "
                "name the guarantors or leave the obligations empty; got "
                + ", ".join(o.value for o in design.obligations),
            )
        if design.level is None:
            continue
        if ladder is None:
            raise _err(
                ("guarantees", k, "level"),
                "a design's level needs an issue with role 'guarantee'",
            )
        lo, hi = ladder.scale
        _in_range(("guarantees", k, "level"), design.level, lo, hi)


def _check_credibility(cred: CredibilitySettings, actors: _Known, year: int | None) -> None:
    if cred.data_year is not None and year is not None and cred.data_year > year:
        raise _err(
            ("credibility", "data_year"),
            f"must not be after the scenario's year ({year}): the data describe the states as "
            f"they were known when the question is asked; got {cred.data_year}",
        )
    for key in ("aggressor", "protected"):
        actors.require(("credibility", key), getattr(cred, key))
    if cred.aggressor == cred.protected:
        raise _err(
            ("credibility", "protected"),
            f"must differ from the aggressor; got '{cred.protected}' for both",
        )
    for aid, conduct in cred.conduct.items():
        actors.require(("credibility", "conduct", aid), aid)
        if conduct.fights and aid == cred.aggressor:
            raise _err(
                ("credibility", "conduct", aid, "fights"),
                "the aggressor cannot fight for the protected state; expected false",
            )
    if not cred.war_today:
        _check_peacetime(cred)
    elif cred.peace_years is not None:
        raise _err(
            ("credibility", "peace_years"),
            "with a war today the peace begins when the war ends, so it has no years yet; "
            "remove it (or set war_today: false for a question asked in peacetime)",
        )
    for key, top in (("common_shock", 1.0), ("persistence", 1.0 + 1e-12)):
        q = getattr(cred, key)
        if q is None:
            continue
        lo, hi = q.support
        if lo < 0 or hi >= top or not 0 <= q.nominal < top:
            bound = "[0, 1)" if key == "common_shock" else "[0, 1]"
            raise _err(("credibility", key), f"must lie within {bound}")


def _check_peacetime(cred: CredibilitySettings) -> None:
    """With ``war_today: false`` nothing a guarantor does today tests its resolve: an input
    that would condition on such a test (a guarantor fighting today, the circumstances of
    today's decision, the persistence that links it to tomorrow's) is a contradiction, not
    an input to ignore."""
    why = "with war_today false the protected state is not at war today"
    for aid, conduct in cred.conduct.items():
        if conduct.fights:
            raise _err(
                ("credibility", "conduct", aid, "fights"),
                f"{why}, so no guarantor fights for it; expected false (or war_today: true)",
            )
        if conduct.circumstances_today is not None:
            raise _err(
                ("credibility", "conduct", aid, "circumstances_today"),
                f"{why}: there is no decision today for circumstances to shift; remove it "
                "(or set war_today: true)",
            )
    today = cred.circumstances_today  # 0 (the default, or stated) shifts nothing
    if getattr(today, "dist", "fixed") != "fixed" or today.nominal != 0.0:
        raise _err(
            ("credibility", "circumstances_today"),
            f"{why}: there is no decision today for circumstances to shift; remove it (or "
            "set war_today: true)",
        )
    if cred.persistence is not None:
        raise _err(
            ("credibility", "persistence"),
            f"{why}: persistence links a guarantor's decision today to tomorrow's, and there "
            "is none today; remove it (or set war_today: true)",
        )


def _check_conduct(s: Scenario) -> None:
    """Conduct says what a guarantor does for the protected state today: an entry for the
    protected state itself, or for an actor that guarantees no design, would condition
    nothing (the model reads the conduct of the designs' guarantors only), and one that
    fights would still be named in the results' titles."""
    cred = s.credibility
    assert cred is not None
    guarantors = sorted({g for d in s.guarantees for g in d.guarantors})
    for aid in cred.conduct:
        path = ("credibility", "conduct", aid)
        if aid == cred.protected:
            raise _err(
                path,
                f"'{aid}' is the protected state; conduct says what a guarantor does for it today",
            )
        if aid not in guarantors:
            raise _err(
                path,
                f"'{aid}' guarantees no design, so its conduct today would condition nothing; "
                f"expected one of the designs' guarantors ({', '.join(guarantors) or 'none'})",
            )


def _check_deterrence(deterrence: DeterrenceSettings) -> None:
    for key in ("stakes", "cost"):
        _in_range(("deterrence", key), getattr(deterrence, key), 0, None)
    sigma = deterrence.sigma
    if not (sigma.support[0] > 0 and sigma.nominal > 0):
        raise _err(
            ("deterrence", "sigma"),
            f"must be above 0 (the spread of the yearly shock); got {_got(sigma)}",
        )


def _check_forces_from_capabilities(s: Scenario) -> None:
    """``war.forces: capabilities`` needs a two-state war whose two sides the credibility
    section names, each with a positive capability (``guaranty.war.capability_ratio_of``)."""
    path = ("war", "forces")
    assert s.war is not None
    if s.war.states != 2:
        raise _err(
            path,
            "'capabilities' splits the forces by the capabilities of the two states the "
            f"credibility section names; expected a war of two states (war.states: 2), got "
            f"{s.war.states}, or 'stated'",
        )
    if s.war.observed_losses is not None:
        raise _err(
            path,
            "'capabilities' replaces the stated forces, over which war.observed_losses are "
            "read as rates; expected 'stated' with observed losses, or no observed losses",
        )
    if s.credibility is None:
        raise _err(
            path,
            "'capabilities' reads the capabilities of credibility.aggressor and "
            "credibility.protected; expected a credibility section naming them, or 'stated'",
        )
    for role in ("aggressor", "protected"):
        actor = next(a for a in s.actors if a.id == getattr(s.credibility, role))
        if not float(actor.capability_value.nominal) > 0:
            raise _err(
                path,
                f"'capabilities' reads the capability of credibility.{role} ('{actor.id}'), "
                "which has none; expected a positive capability, or 'stated'",
            )


def _check_war(war: WarSettings, issues: Sequence[Issue]) -> None:
    """Each war parameter within the range the battlefield kernel accepts (an interval's ends
    within the range's closure, a fixed value or a distribution's centre inside it), and the
    line at the start at or above the lowest line, as given or inherited
    (``guaranty.war.inherited``)."""
    for name, q in war.parameters.items():
        path = ("war", "parameters", name)
        lo, hi, lo_open, hi_open = war_bounds(name)
        a, b = q.support
        inside = (lo is None or a >= lo) and (hi is None or b <= hi)
        centre = q.nominal
        strict = (lo is None or not lo_open or centre > lo) and (
            hi is None or not hi_open or centre < hi
        )
        if not (inside and strict):
            raise _err(path, f"must lie {describe_bounds(name)}; got {_got(q)}")
    given = war.parameters
    if "front_min" in given:
        floor = given["front_min"].support[1]
        start = given["front0"].support[0] if "front0" in given else neutral_front0(issues)
        if start < floor:
            where = (
                "its lowest value"
                if "front0" in given
                else "the line the war starts from when front0 is not given: the territory "
                "issue's reference point on the 0-100 line, or 50"
            )
            raise _err(
                ("war", "parameters", "front_min"),
                f"must lie at or below the line at the start (front0; {where}: {start:g}); "
                f"got {_got(given['front_min'])}",
            )


def _err(path: FieldPath, message: str) -> PydanticCustomError:
    # The path rides along in the context; the YAML front end uses it to find the line.
    return PydanticCustomError("reference", message, {"path": list(path)})


def _unique(section: str, ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for k, i in enumerate(ids):
        if i in seen:
            raise _err(
                (section, k, "id"),
                f"duplicate id '{i}' (first used by {section}[{seen[i]}]); ids must be unique",
            )
        seen[i] = k
    return ids


def _unknown(kind: str, value: str, known: list[str]) -> str:
    close = closest(value, known)
    hint = f"; did you mean '{close}'?" if close else ""
    return f"unknown {kind} id '{value}'{hint} (known: {', '.join(known)})"


def _got(q: Quantity) -> str:
    a, b = q.support
    return f"{q.nominal:g}" if a == b else f"a range from {a:g} to {b:g}"


def _in_range(path: FieldPath, q: Quantity, lo: float | None, hi: float | None) -> None:
    a, b = q.support
    if (lo is not None and a < lo) or (hi is not None and b > hi):
        if lo is not None and hi is not None:
            what = f"within [{lo:g}, {hi:g}]"
        else:
            what = f"at or above {lo:g}" if lo is not None else f"at or below {hi:g}"
        raise _err(path, f"must lie {what}; got {_got(q)}")
