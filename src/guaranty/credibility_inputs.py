"""What the credibility model needs of a scenario, checked without its models and with one
small table of its data, the COW capabilities (so that :func:`guaranty.plan.settings`
refuses a scenario before a run starts): the credibility section, a COW code for the
aggressor, the protected state and every guarantor, each naming a different state of the
COW system in the year the data are read, and their capabilities in the unit the model was
fitted on (CINC shares)."""

from __future__ import annotations

from guaranty.scenario.schema import CredibilitySettings, Scenario

__all__ = ["check_actors", "cinc_share", "cow_code", "in_system", "settings_of"]


def settings_of(scenario: Scenario) -> CredibilitySettings:
    """The scenario's credibility section (which names the aggressor and the protected
    state: the schema requires them)."""
    cred = scenario.credibility
    if cred is None:
        raise scenario.error_at(
            "the scenario has no 'credibility' section (aggressor, protected state, conduct of "
            "each guarantor today); see docs/scenario-format.md",
            ("credibility",),
        )
    return cred


def cow_code(scenario: Scenario, actor_id: str, what: str) -> int:
    """The actor's COW country code, which the model needs to look it up in the data."""
    actor = scenario.actor(actor_id)
    code = actor.cow
    if code is None and any(r.value == "organization" for r in actor.roles):
        members = f" ({', '.join(actor.members)})" if actor.members else ""
        raise scenario.error_at(
            f"actor {actor_id!r} ({what}) is an organization: the credibility model "
            "estimates each state's decision to fight from the record of states, so name its "
            f"member states{members} in its place",
            ("actors", actor_id, "cow"),
        )
    if code is None:
        raise scenario.error_at(
            f"actor {actor_id!r} ({what}) needs its COW country code in 'cow': the credibility "
            "model looks up its power, nuclear arms, contiguity, rivalries and pacts in the "
            "historical data",
            ("actors", actor_id, "cow"),
        )
    return int(code)


def cinc_share(scenario: Scenario, actor_id: str, what: str) -> None:
    """The credibility model reads an actor's capability as its share of the world's
    material capabilities (COW's CINC, 0 to 1: the unit of the data it was fitted on); a
    capability above 1 is in another unit (an influence score, troops) and is refused. The
    negotiation models take any unit."""
    q = scenario.actor(actor_id).capability_value
    if q.support[1] > 1.0:
        raise scenario.error_at(
            f"actor {actor_id!r} ({what}) has a capability of {q.describe()}, above 1: the "
            "credibility model reads capabilities as COW CINC shares of the world's material "
            "capabilities (0 to 1, the unit of the data it was fitted on; `capability: {cow: "
            "YEAR}` looks them up), while the negotiation models take any unit; state this "
            "actor's capability as a CINC share",
            ("actors", actor_id, "capability"),
        )


def in_system(scenario: Scenario, actor_id: str, what: str, code: int, year: int | None) -> None:
    """The actor's COW code names a state of the COW system in ``year``, the year the data
    are read (``credibility.data_year``, else the scenario's; at most the capability table's
    last year): a code of no state, or of one that no longer exists (West Germany's 260 for
    Germany's 255), would be read as a state without borders, rivals, pacts or power."""
    from guaranty.data import state_years

    known = state_years().get(code)
    if known is None:
        where = "is not a state of the COW National Material Capabilities table"
    else:
        first, last, years = known
        at = min(int(year or last), last)
        if at < first or at in years:
            return
        where = f"names no state of the COW system in {at} (it has rows {min(years)}-{max(years)})"
    raise scenario.error_at(
        f"actor {actor_id!r} ({what}): COW country code {code} {where}; the credibility model "
        "looks up each state's power, borders, rivalries and pacts by its code in the year "
        "the data are read, so give the code of a state of that year",
        ("actors", actor_id, "cow"),
    )


def check_actors(scenario: Scenario) -> None:
    """The credibility section, and the aggressor's, the protected state's and every
    guarantor's COW code and capability."""
    cred = settings_of(scenario)
    guarantors = sorted({g for d in scenario.guarantees for g in d.guarantors})
    roles = [(cred.aggressor, "the aggressor"), (cred.protected, "the protected state")]
    year = scenario.data_year
    seen: dict[int, tuple[str, str]] = {}
    for actor_id, what in [*roles, *((g, "a guarantor") for g in guarantors)]:
        code = cow_code(scenario, actor_id, what)
        cinc_share(scenario, actor_id, what)
        in_system(scenario, actor_id, what, code, year)
        other, other_what = seen.setdefault(code, (actor_id, what))
        if other != actor_id:
            raise scenario.error_at(
                f"actor {actor_id!r} ({what}) has the COW code {code} of {other!r} "
                f"({other_what}): the credibility model finds a state in the data by its "
                "code, so the two would be one state counted twice; give each its own state's "
                "code",
                ("actors", actor_id, "cow"),
            )
