"""What the historical data say about a scenario's case, for the credibility stages.

The states of a scenario are looked up by COW country code in the shipped data
(:mod:`guaranty.data.conflict`) at the scenario's year (:func:`case_of`); each arrangement
(every guarantor's commitments today, and under a design) becomes commitment features by the
documented table :data:`OBLIGATION_MAP` (:func:`design_commitments`, :func:`arrangements`);
and the two stages' feature rows are built from both (:func:`stage1_rows`,
:func:`stage2_eta`, :func:`selection`). :mod:`guaranty.credibility` draws and combines them;
:func:`explain` takes one guarantor's probability apart, term by term.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
from scipy.special import expit

from guaranty.credibility_inputs import check_actors, settings_of
from guaranty.evidence import Evidence, evidence, mills_probability
from guaranty.models.credibility import joining
from guaranty.models.credibility.resolve import conditional_honor_probability
from guaranty.models.deterrence import challenge
from guaranty.scenario.designs import PAIR_FACTS, UNKNOWN_SD_DEFAULT
from guaranty.scenario.schema import Design, Scenario

__all__ = [
    "ATTACK_READS",
    "DEFENSE_OBLIGATIONS",
    "FIGHT_READS",
    "OBLIGATION_MAP",
    "PEACE_COLUMNS",
    "PEACE_READS",
    "Case",
    "arrangements",
    "as_today_note",
    "attack_as_today",
    "case_of",
    "conduct_phrase",
    "design_commitments",
    "explain",
    "fight_as_today",
    "fighting_today",
    "margin_scale",
    "no_counterpart",
    "peace_covariates",
    "peacetime_clock",
    "selection",
    "settings_of",
    "stage1_eta",
    "stage1_rows",
    "stage1_unchanged",
    "stage2_eta",
    "stage2_unchanged",
    "stage2_x",
    "stated_facts",
    "stated_nuclear_facts",
    "stated_pair_facts",
    "unmarked_belligerents",
    "war_today",
    "without_stated",
]

#: obligation -> (commitment features it sets, has no historical counterpart, note)
OBLIGATION_MAP: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "consultation": (
        ("nondef",),
        False,
        "a pact with a promise to consult and no defense obligation (ATOP consul)",
    ),
    "sanctions": ((), False, "economic measures: not a military commitment, no feature"),
    "arms": (("milaid",), False, "military aid provisions (ATOP milaid), inside a pact only"),
    "training": (("milaid",), False, "military aid provisions (ATOP milaid), inside a pact only"),
    "intelligence": (("milaid",), False, "read as military aid (ATOP milaid), inside a pact only"),
    "air_defense": (("milaid",), False, "air-defense systems supplied: military aid (ATOP milaid)"),
    "no_fly_zone": (
        ("defense",),
        True,
        "combat by the guarantor's air forces: a defense obligation, plus an unknown effect "
        "(no alliance in the data enforced a no-fly zone)",
    ),
    "tripwire_forces": (
        ("defense", "base"),
        False,
        "troops on the protected state's soil (ATOP base) with a defense obligation",
    ),
    "troops_on_call": (("defense",), False, "a defense obligation (ATOP defense)"),
    "integrated_command": (("intcom",), False, "integrated military command (ATOP intcom)"),
    "article5_membership": (
        ("defense", "base", "intcom"),
        False,
        "a defense obligation in an alliance with bases and an integrated command, as NATO "
        "(legal form 'membership' adds the formal organisation)",
    ),
    "nuclear_umbrella": (
        ("defense",),
        True,
        "extended nuclear deterrence: a defense obligation plus an unknown effect",
    ),
}

DEFENSE_OBLIGATIONS = frozenset(o for o, (f, _, _) in OBLIGATION_MAP.items() if "defense" in f)

#: sd (log-odds) of the effect of an obligation with no historical counterpart by default
#: (a scenario may state its own, ``credibility.unknown_sd``; 0 is history alone)
UNKNOWN_SD = UNKNOWN_SD_DEFAULT

#: the commitment features of stage 2
_COMMIT = tuple(joining.COMMITMENT_FEATURES)
#: the provisions of a guarantor's pact with the protected state that the data hold (ATOP
#: v4), as stage 2 reads them: of every alliance joining the two
_PACT_PROVISIONS = ("base", "intcom", "milaid", "organ", "multilateral")
#: the provisions stage 1 reads of a guarantor's defense pact with the protected state
#: (``t_def_base``, ``t_def_intcom``, ``t_def_organ``), keys of a commitment apart from
#: stage 2's: the fit reads them from the alliances with a defense obligation only
DEFENSE_PACT_PROVISIONS = {
    "base": "defpact_base",
    "intcom": "defpact_intcom",
    "organ": "defpact_organ",
}
#: the key of a commitment that says its defense pact covers the aggressor (stage 1's
#: ``t_def_rel``, Leeds 2003): a design's new pact does unless the aggressor is one of its
#: defending guarantors; a pact of today as ATOP v4 codes it (:func:`guaranty.data.conflict.
#: covers`)
COVERS = "defpact_covers"


def unknown_held(scenario: Scenario) -> list[str]:
    """The obligations with no historical counterpart that a design with guarantors holds,
    sorted: their effect is drawn from the stated prior (``credibility.unknown_sd``)."""
    return sorted(
        {o for d in scenario.guarantees if d.guarantors for o in no_counterpart(d.obligations)}
    )


def no_counterpart(obligations: Iterable[Any]) -> list[str]:
    """The obligations of ``obligations`` (scenario obligations or their names) with no
    historical counterpart, in their order: their effect on the log-odds of fighting is
    drawn from the stated N(0, :data:`UNKNOWN_SD`^2) prior."""
    names = [getattr(o, "value", o) for o in obligations]
    return [n for n in names if OBLIGATION_MAP.get(n, ((), False, ""))[1]]


def design_commitments(
    obligations: Sequence[str], legal_form: str, n_guarantors: int
) -> dict[str, float]:
    """Stage-2 commitment features of an arrangement (``defense``, ``nondef``, ...).

    A pact exists with a defense obligation, or with a legal form other than 'none' and a
    promise to consult; provisions count only inside a pact; 'membership' adds the formal
    organisation; a pact of several guarantors is multilateral.
    """
    obs = set(obligations)
    defense = bool(obs & DEFENSE_OBLIGATIONS)
    pact = defense or (legal_form != "none" and "consultation" in obs)
    out = dict.fromkeys((*_COMMIT, *DEFENSE_PACT_PROVISIONS.values(), COVERS), 0.0)
    if not pact:
        return out
    for ob in obs:
        for f in OBLIGATION_MAP[ob][0]:
            out[f] = 1.0
    out["defense"] = float(defense)
    out["nondef"] = float(not defense)
    out["organ"] = float(legal_form == "membership" or out["organ"] > 0)
    out["multilateral"] = float(n_guarantors > 1)
    for k, key in DEFENSE_PACT_PROVISIONS.items():
        out[key] = out[k] if defense else 0.0
    out[COVERS] = float(defense)
    return out


@dataclass(frozen=True)
class Case:
    """What the data say about the scenario's states, at the year their data are read
    (``credibility.data_year``, by default the scenario's year)."""

    year: int
    aggressor: int
    protected: int
    dyad: dict[str, float]  # stage-1 covariates of (aggressor, protected)
    joiner: dict[str, dict[str, float]]  # guarantor id -> stage-2 covariates
    data_years: dict[str, int]
    # guarantor id -> what ATOP v4 codes of its alliances with the protected state today:
    # "pact", the provisions of them all (stage 2's reading); "defense", of those with a
    # defense obligation (stage 1's); "covers", 1.0 if one of those covers the aggressor
    provisions: dict[str, dict[str, Any]] = field(default_factory=dict)


@cache
def _lookup(year: int, aggressor: int, protected: int, guarantors: tuple[tuple[str, int], ...]):
    from guaranty.data.conflict import (
        covers,
        dyad_covariates,
        joiner_covariates,
        joint_provisions,
    )

    dyad, years = dyad_covariates(aggressor, protected, year)
    joiner, provisions = {}, {}
    for gid, code in guarantors:
        if code == aggressor:
            continue
        cov, _ = joiner_covariates(code, protected, aggressor, year)
        joiner[gid] = cov
        provisions[gid] = {
            "pact": joint_provisions(code, protected, year),
            "defense": joint_provisions(code, protected, year, defense_only=True),
            "covers": float(covers(code, protected, aggressor, year)),
        }
    return Case(year, aggressor, protected, dict(dyad), joiner, dict(years), provisions)


def case_of(scenario: Scenario) -> Case:
    check_actors(scenario)  # the section, every COW code, the capabilities' unit
    cred = settings_of(scenario)

    def cow(actor_id: str) -> int:
        return int(scenario.actor(actor_id).cow)  # type: ignore[arg-type]

    agg, prot = cow(cred.aggressor), cow(cred.protected)
    codes = tuple(
        (g, cow(g)) for g in sorted({g for d in scenario.guarantees for g in d.guarantors})
    )
    case = _lookup(int(scenario.data_year), agg, prot, codes)  # type: ignore[arg-type]
    if not cred.war_today:  # in peacetime the hazard's clock starts at the pair's peace
        start, read_at = peacetime_clock(scenario)
        years = {**case.data_years, **({"disputes": read_at} if read_at is not None else {})}
        case = replace(case, dyad={**case.dyad, "peace_start": float(start)}, data_years=years)
    nuclear = scenario.stated_nuclear()
    if not cred.pair and not nuclear:
        return case
    # facts stated in the scenario replace the data's (a new Case: the looked-up one is
    # cached and shared): the pair's (credibility.pair), and each state's nuclear status
    # where the actor's 'nuclear' differs from the shipped list
    stated = {k: float(v.value) for k, v in cred.pair.items()}
    for key, actor_id in (("nuclear1", cred.aggressor), ("nuclear2", cred.protected)):
        if actor_id in nuclear:
            stated[key] = float(nuclear[actor_id][0])
    dyad = {**case.dyad, **stated}
    years = {**case.data_years, **{k: int(scenario.year or case.year) for k in cred.pair}}
    roles = {
        "joiner_nuclear": None,  # the joiner itself
        "challenger_nuclear": cred.aggressor,
        "target_nuclear": cred.protected,
    }
    joiner = {}
    for gid, cov in case.joiner.items():
        changed = {
            key: float(nuclear[who][0])
            for key, who in ((k, gid if w is None else w) for k, w in roles.items())
            if who in nuclear
        }
        joiner[gid] = {**cov, **changed} if changed else cov
    return replace(case, dyad=dyad, joiner=joiner, data_years=years)


def peacetime_clock(scenario: Scenario) -> tuple[int, int | None]:
    """In peacetime (``credibility.war_today`` false): the years of peace between the
    aggressor and the protected state in the first year of the horizon (the scenario's
    year, else the year after the data's), and the year the dispute data were read at (None
    when the scenario states the years, ``credibility.peace_years``). Counted as the data
    count them (``guaranty.data.conflict.peace_since``): the years since the pair's last
    militarized dispute, at least 1; a dispute after the data's end (2010) is not seen."""
    from guaranty.data.conflict import peace_since

    cred = settings_of(scenario)
    if cred.peace_years is not None:
        return cred.peace_years.value, None
    data_year = int(scenario.data_year)  # type: ignore[arg-type]
    first = int(scenario.year) if scenario.year is not None else data_year + 1
    agg, prot = (int(scenario.actor(a).cow) for a in (cred.aggressor, cred.protected))  # type: ignore[arg-type]
    got = peace_since(agg, prot, data_year)
    if got is None:
        raise scenario.error_at(
            f"the shipped dispute data (politically relevant pairs to 2010) hold no row of "
            f"{cred.aggressor!r} and {cred.protected!r} in {min(data_year, 2010)}, so the "
            "years of peace between them cannot be counted; state them in "
            "credibility.peace_years, with a source",
            ("credibility", "war_today"),
        )
    since, read_at = got
    return max(first - since, 1), read_at


def stated_pair_facts(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The facts of the aggressor and the protected state that the scenario states in place
    of the data (``credibility.pair``) and that differ from the data: fact -> (stated value,
    the data's value)."""
    cred = settings_of(scenario)
    if not cred.pair:
        return {}
    plain = scenario.model_copy(update={"credibility": cred.model_copy(update={"pair": {}})})
    data = case_of(plain).dyad
    return {
        k: (float(v.value), float(data[k]))
        for k, v in cred.pair.items()
        if float(v.value) != float(data[k])
    }


#: the name of a state's nuclear status stated in place of the data, as a stated fact
NUCLEAR_FACT = "nuclear status of {}"


def stated_nuclear_facts(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The nuclear statuses the scenario states (an actor's ``nuclear``) unlike the shipped
    list, of the states the credibility model reads (the aggressor, the protected state, the
    guarantors): fact (:data:`NUCLEAR_FACT`) -> (stated, the data's), 1 or 0."""
    settings_of(scenario)  # the section
    return {
        NUCLEAR_FACT.format(a): (float(stated), float(data))
        for a, (stated, data) in scenario.stated_nuclear().items()
    }


def stated_facts(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Every fact the scenario states in place of the data and unlike it, that the
    credibility model reads: the pair's (:func:`stated_pair_facts`) and the states' nuclear
    status (:func:`stated_nuclear_facts`); fact -> (stated, the data's). Empty without a
    credibility section."""
    if scenario.credibility is None:
        return {}
    return {**stated_pair_facts(scenario), **stated_nuclear_facts(scenario)}


def without_stated(scenario: Scenario, fact: str) -> Scenario:
    """The scenario with the data's value in place of the stated ``fact`` (a key of
    :func:`stated_facts`): the pair's fact dropped from ``credibility.pair``, or the actor's
    ``nuclear`` left out."""
    cred = settings_of(scenario)
    if fact in cred.pair:
        rest = {k: v for k, v in cred.pair.items() if k != fact}
        return scenario.model_copy(update={"credibility": cred.model_copy(update={"pair": rest})})
    actors = [
        a.model_copy(update={"nuclear": None}) if NUCLEAR_FACT.format(a.id) == fact else a
        for a in scenario.actors
    ]
    return scenario.model_copy(update={"actors": actors})


def _today_commitments(case: Case, gid: str, today: Sequence[str]) -> dict[str, float]:
    """A guarantor's commitment features today: its pacts with the protected state in the
    data (ATOP 5.1's flags, with the provisions ATOP v4 codes for their alliances, read as
    the fits read them: :func:`guaranty.data.conflict.joint_provisions`) and what it does
    today without a treaty."""
    out = design_commitments(today, "none", 1)
    cov = case.joiner.get(gid, {})
    data = case.provisions.get(gid, {})
    joint, defense_joint = data.get("pact", {}), data.get("defense", {})
    # as the fit codes t_def_rel: from ATOP v4, whatever ATOP 5.1's flags say
    out[COVERS] = max(out[COVERS], data.get("covers", 0.0))
    data_pact = False
    if cov.get("defense", 0) > 0:
        out["defense"], out["nondef"], data_pact = 1.0, 0.0, True
        for k, key in DEFENSE_PACT_PROVISIONS.items():
            out[key] = max(out[key], defense_joint.get(k, 0.0))
    elif any(cov.get(k, 0) > 0 for k in ("offense", "neutral", "nonagg", "consul")):
        data_pact = True
        if out["defense"] == 0:
            out["nondef"] = 1.0
    if data_pact:  # a pact's provisions, as the joiner table codes them
        for k in _PACT_PROVISIONS:
            out[k] = max(out[k], joint.get(k, 0.0))
    return out


def _stage1_row(
    case: Case, scenario: Scenario, commit: Mapping[str, Mapping[str, float]]
) -> tuple[tuple[str, float], ...]:
    """The dyad-year columns of the aggressor and the protected state under ``commit`` that
    do not change from draw to draw or from year to year of the peace."""
    guarantors = sorted(commit)
    third = [g for g in guarantors if g in case.joiner]
    defenders = [g for g in third if commit[g]["defense"] > 0]
    pacts = [g for g in third if commit[g]["defense"] > 0 or commit[g]["nondef"] > 0]
    own = [g for g in guarantors if g not in case.joiner]  # the aggressor as guarantor
    # fsum: correctly rounded, so the same whatever order the ids sort the defenders in
    ally_cinc = math.fsum(scenario.actor(g).capability_value.nominal for g in defenders)
    base = dict(case.dyad)
    for g in own:
        if commit[g]["defense"] > 0 or commit[g]["nondef"] > 0:
            base["shared_pact"] = 1.0
        if commit[g]["defense"] > 0:
            base["shared_defense"] = 1.0
    row = {
        **base,
        "year": float(case.year),
        "t_def": float(bool(defenders)),
        # a pact that covers the aggressor (Leeds 2003): not one of which it is a member
        "t_def_rel": float(any(commit[g][COVERS] > 0 for g in third)),
        "t_def_major": float(any(case.joiner[g]["joiner_major"] > 0 for g in defenders)),
        "t_def_nuclear": float(any(case.joiner[g]["joiner_nuclear"] > 0 for g in defenders)),
        "t_def_base": float(any(commit[g]["defpact_base"] > 0 for g in defenders)),
        "t_def_intcom": float(any(commit[g]["defpact_intcom"] > 0 for g in defenders)),
        "t_def_organ": float(any(commit[g]["defpact_organ"] > 0 for g in defenders)),
        "t_def_cinc": ally_cinc,
        "t_nondef": float(bool(pacts) and not defenders),
    }
    return tuple(row.items())


#: the columns of the stage-1 row that the peace model may read
#: (:data:`guaranty.comparison.PEACE_COVARIATES`): the design's and the pair's
PEACE_COLUMNS = ("t_def", "rivalry", "contig_land", "shared_defense")


def peace_covariates(
    case: Case, scenario: Scenario, commit: Mapping[str, Mapping[str, float]]
) -> dict[str, float]:
    """The peace model's covariates of the aggressor and the protected state under the
    arrangement ``commit`` (:data:`PEACE_COLUMNS`, as the stage-1 row has them)."""
    row = dict(_stage1_row(case, scenario, commit))
    return {k: float(row[k]) for k in PEACE_COLUMNS}


#: what the attack hazard (stage 1) reads of a design, for :func:`as_today_note`
ATTACK_READS = (
    "the risk of a renewed attack reads the protected state's pacts with third parties and "
    "with the aggressor: whether one is a defense pact, its provisions, its defenders' power "
    "and nuclear arms"
)
#: what the peace model reads of a design (``guaranty.comparison.PEACE_COVARIATES``)
PEACE_READS = "the peace's durability reads whether it has a defense pact with a third state"
#: what stage 2 reads of a design (:func:`fight_as_today`)
FIGHT_READS = (
    "who fights reads each guarantor's pacts with the protected state and their provisions"
)


def as_today_note(*, attack: bool = True, peace: bool = False, fight: bool = False) -> str:
    """What a mark (°) on a design's chance that a guarantor fights (``fight``), renewed-attack
    (``attack``) or durability (``peace``) figure says: the design changes nothing that
    figure's model reads (:func:`fight_as_today`, :func:`attack_as_today`,
    :func:`guaranty.comparison.durability_as_today`)."""
    reads = "; ".join(
        r for r, on in ((FIGHT_READS, fight), (ATTACK_READS, attack), (PEACE_READS, peace)) if on
    )
    return (
        "The same as under today's commitments, by construction: the design changes nothing "
        f"the model reads ({reads}), so the figure is not evidence about the design"
    )


def stage1_unchanged(
    case: Case,
    scenario: Scenario,
    today: Mapping[str, Mapping[str, float]],
    tomorrow: Mapping[str, Mapping[str, float]],
) -> bool:
    """Whether the aggressor's and the protected state's stage-1 features under the
    arrangement ``tomorrow`` are those under ``today`` (:func:`arrangements`): then the risk
    of a renewed attack, and the peace model's covariates (a subset of those features), are
    today's by construction, whatever the design promises (a consultation pact where the data
    already record one, arms without a treaty, a design without guarantors)."""

    def key(commit: Mapping[str, Mapping[str, float]]) -> tuple[tuple[str, str], ...]:
        # repr: NaN equals NaN here
        return tuple((k, repr(float(v))) for k, v in _stage1_row(case, scenario, commit))

    return key(today) == key(tomorrow)


def _designs_where(scenario: Scenario, unchanged: Callable[..., bool]) -> frozenset[str]:
    """The designs (ids) for which ``unchanged(case, scenario, design, today, tomorrow)``
    holds, ``today`` and ``tomorrow`` the design's :func:`arrangements`. Empty without a
    credibility section."""
    if scenario.credibility is None or not scenario.guarantees:
        return frozenset()
    case = case_of(scenario)
    return frozenset(
        d.id
        for d in scenario.guarantees
        if unchanged(case, scenario, d, *arrangements(scenario, case, d))
    )


def attack_as_today(scenario: Scenario) -> frozenset[str]:
    """The designs (ids) whose stage-1 features are today's (:func:`stage1_unchanged`).
    Empty without a credibility section."""
    return _designs_where(scenario, lambda c, s, _d, t, m: stage1_unchanged(c, s, t, m))


def stage2_unchanged(
    case: Case,
    scenario: Scenario,
    design: Design,
    today: Mapping[str, Mapping[str, float]],
    tomorrow: Mapping[str, Mapping[str, float]],
) -> bool:
    """Whether every guarantor of ``design`` (one at least) has today's stage-2 terms under
    it: its commitment features (:func:`arrangements`) and the selection term (the stage-1
    features, :func:`stage1_unchanged`) unchanged, and no obligation without historical
    counterpart beyond what it does today. Each guarantor's chance of fighting tomorrow is
    then that under today's commitments, whatever the design promises (arms, training or
    intelligence without a treaty, where the data record a pact of today). A guarantor that
    cannot fight for the protected state (the aggressor named among its guarantors, as
    Russia in Budapest-style assurances) has P = 0 under every design and is not asked."""
    able = [g for g in design.guarantors if g in case.joiner]
    if not able or not stage1_unchanged(case, scenario, today, tomorrow):
        return False
    conduct = settings_of(scenario).conduct
    unknown = set(no_counterpart(design.obligations))
    return all(
        tomorrow[g] == today[g]
        and not unknown - {o.value for o in (conduct[g].today if g in conduct else ())}
        for g in able
    )


def fight_as_today(scenario: Scenario) -> frozenset[str]:
    """The designs (ids) whose guarantors' stage-2 terms are today's
    (:func:`stage2_unchanged`). Empty without a credibility section."""
    return _designs_where(scenario, stage2_unchanged)


#: the stage-1 features that vary by draw: the capability shares (from the capabilities
#: after the war)
_SHARES = ("cap_share", "t_def_share")


def _shares(
    row: tuple[tuple[str, float], ...],
    cinc_aggressor: np.ndarray,
    cinc_protected: np.ndarray,
    shares: tuple[str, ...],
) -> np.ndarray:
    """The capability shares of ``shares`` per draw, shape (draws, len(shares))."""
    one_year = {k: np.array([float(v)]) for k, v in row}
    one_year["peace_years"] = np.zeros(1)
    return challenge.feature_matrix(
        {**one_year, "cinc1": cinc_aggressor, "cinc2": cinc_protected}, shares
    )


def stage1_rows(
    case: Case,
    scenario: Scenario,
    commit: Mapping[str, Mapping[str, float]],
    years: int,
    cinc_aggressor: np.ndarray,
    cinc_protected: np.ndarray,
    features: tuple[str, ...],
) -> np.ndarray:
    """Stage-1 features, shape (draws, years, features), of the aggressor attacking the
    protected state in year t of the peace under the arrangement ``commit`` (every
    guarantor of the scenario -> its commitment features)."""
    row = _stage1_row(case, scenario, commit)
    # the features of the years of one draw (cached: a function of the row's values), then
    # the columns that vary by draw
    x = np.repeat(_stage1_base(row, years, features)[None], cinc_aggressor.shape[0], axis=0)
    shares = tuple(name for name in _SHARES if name in features)
    if shares:
        by_draw = _shares(row, cinc_aggressor, cinc_protected, shares)
        for k, name in enumerate(shares):
            x[:, :, features.index(name)] = by_draw[:, k][:, None]
    return x


def stage1_eta(
    case: Case,
    scenario: Scenario,
    commit: Mapping[str, Mapping[str, float]],
    years: int,
    cinc_aggressor: np.ndarray,
    cinc_protected: np.ndarray,
    features: tuple[str, ...],
    coef: np.ndarray,
) -> np.ndarray:
    """The stage-1 log-odds, shape (draws, years): ``coef`` (draws, 1 + features; the
    intercept first) times :func:`stage1_rows`, without building the rows draw by draw."""
    row = _stage1_row(case, scenario, commit)
    base = _stage1_base(row, years, features)
    shares = tuple(name for name in _SHARES if name in features)
    cols = [features.index(name) for name in shares]
    fixed = base.copy()
    fixed[:, cols] = 0.0
    eta = coef[:, 1:] @ fixed.T + coef[:, :1]
    if shares:
        by_draw = _shares(row, cinc_aggressor, cinc_protected, shares)
        eta += (by_draw * coef[:, [1 + c for c in cols]]).sum(axis=1)[:, None]
    return eta


def _stage1_base(
    row: tuple[tuple[str, float], ...], years: int, features: tuple[str, ...]
) -> np.ndarray:
    """The stage-1 features of ``years`` years of peace of the dyad-year ``row`` (both
    capabilities 1: the shares are set per draw), shape (years, features); kept, read-only."""
    key = (tuple((k, repr(float(v))) for k, v in row), years, features)  # NaN == NaN here
    x = _BASE_CACHE.get(key)
    if x is None:
        table = {k: np.full(years, float(v)) for k, v in row}
        table["cinc1"] = np.full(years, 1.0)
        table["cinc2"] = np.full(years, 1.0)
        # year t of the peace (t = 0, 1, ...) is the (t + 1)-th calendar year after the last
        # dispute: the data count the first year after a dispute as one year of peace (a
        # pair's peace_years is 0 only in the year it enters the system); in peacetime the
        # clock starts at the pair's years of peace (peace_start, :func:`peacetime_clock`)
        start = dict(row).get("peace_start", 1.0)
        table["peace_years"] = np.arange(years, dtype=float) + start
        x = challenge.feature_matrix(table, features)
        x.setflags(write=False)
        _BASE_CACHE[key] = x
    return x


_BASE_CACHE: dict[tuple[Any, ...], np.ndarray] = {}


def stage2_x(case: Case, gid: str, commit: Mapping[str, float], mills: float) -> np.ndarray:
    """Stage-2 features of guarantor ``gid`` under ``commit``, shape (features,)."""
    # keyed by the values the features are built from (a pure function of them)
    key = (case.year, tuple(sorted(case.joiner[gid].items())), tuple(sorted(commit.items())), mills)
    x = _X_CACHE.get(key)
    if x is None:
        x = _X_CACHE[key] = _stage2_features(case, gid, commit, mills)
    return x.copy()


_X_CACHE: dict[tuple[Any, ...], np.ndarray] = {}


def _stage2_features(case: Case, gid: str, commit: Mapping[str, float], mills: float) -> np.ndarray:
    """The uncached body of :func:`stage2_x`."""
    table = {k: np.array([v]) for k, v in case.joiner[gid].items()}
    table.update({k: np.array([v]) for k, v in commit.items()})
    table["year"] = np.array([float(case.year)])
    # provisions are read from the commitment, the pact flags from the data columns
    table["defense"] = np.array([commit["defense"]])
    table["consul"] = np.array([commit["nondef"]])
    for k in ("offense", "neutral", "nonagg"):
        table[k] = np.array([0.0])
    x = joining.feature_matrix(table, np.array([0.5]))[0]
    x[joining.FEATURES.index("mills")] = mills
    return x


def margin_scale(ev: Evidence, pact: bool) -> float:
    """Attenuation of the log-odds for a commitment whose alliance effect is unknown."""
    return 1.0 / np.sqrt(1.0 + np.pi * ev.joining.group_sd**2 / 8.0) if pact else 1.0


def arrangements(
    scenario: Scenario, case: Case, design: Design
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Commitment features of every guarantor of the scenario today, and under ``design``:
    the design adds its commitments to those of its own guarantors' today
    (:func:`_on_top_of_today`); every other state keeps its pacts of today (as the data
    record them)."""
    cred = scenario.credibility
    gs = tuple(design.guarantors)
    everyone = sorted({g for d in scenario.guarantees for g in d.guarantors})
    today = {}
    for g in everyone:
        conduct = cred.conduct.get(g)
        obs = [o.value for o in conduct.today] if conduct else []
        today[g] = _today_commitments(case, g, obs)
    tomorrow = dict(today)
    new = design_commitments(
        [o.value for o in design.obligations], design.legal_form.value, len(gs)
    )
    if cred.aggressor in gs and new["defense"] > 0:
        new[COVERS] = 0.0  # a pact of which the aggressor is a member does not cover it
    for g in gs:
        tomorrow[g] = _on_top_of_today(new, today[g])
    return today, tomorrow


def _on_top_of_today(design: dict[str, float], today: Mapping[str, float]) -> dict[str, float]:
    """A guarantor's commitment features under a design, given its pacts with the protected
    state today (:func:`_today_commitments`): a design adds to them and takes nothing away.
    Without a pact of its own (arms, training or intelligence without a treaty), the pacts of
    today stay as they are; with a non-defense pact, a defense pact of today stays a defense
    pact; the provisions of today's pacts (ATOP v4) stay with them. (Before 2026-12-07 a
    design replaced them, so that the Israel model, which offers no treaty, dropped every
    pact its guarantors had with Ukraine in the data, and each guarantor's chance of
    fighting fell below that of doing nothing new.)"""
    if design["defense"] == 0 and design["nondef"] == 0:
        return dict(today)
    out = dict(design)
    if today["defense"] > 0 and out["defense"] == 0:
        out["defense"], out["nondef"] = 1.0, 0.0
    # today's pacts stay, and with them their provisions
    for k in (*_PACT_PROVISIONS, *DEFENSE_PACT_PROVISIONS.values(), COVERS):
        out[k] = max(out[k], today[k])
    return out


def stage2_eta(
    ev: Evidence, case: Case, g: str, commit: Mapping[str, float], p_sel: float, coef: np.ndarray
) -> np.ndarray:
    x = stage2_x(case, g, commit, float(joining.mills_ratio(np.array([p_sel]))[0]))
    pact = commit["defense"] > 0 or commit["nondef"] > 0
    return ev.joining.eta(x, coef) * margin_scale(ev, pact)


def selection(
    ev: Evidence, case: Case, scenario: Scenario, commit: Mapping[str, Mapping[str, float]]
) -> float:
    """Stage-1 probability that the aggressor challenges the protected state in the first
    year of the peace under ``commit`` (the selection term of stage 2)."""
    agg = scenario.actor(scenario.credibility.aggressor).capability_value.nominal
    prot = scenario.actor(scenario.credibility.protected).capability_value.nominal
    row = _stage1_row(case, scenario, commit)
    # a function of the fit and of the values the row is built from: kept (with the fit,
    # so that its id stays its own)
    key = (id(ev.challenge), tuple((k, repr(float(v))) for k, v in row), agg, prot)
    hit = _SELECTION_CACHE.get(key)
    if hit is None:
        x = stage1_rows(
            case, scenario, commit, 1, np.array([agg]), np.array([prot]), ev.challenge.names[1:]
        )[0, 0]
        hit = _SELECTION_CACHE[key] = (ev.challenge, mills_probability(ev.challenge, x))
    return hit[1]


_SELECTION_CACHE: dict[tuple[Any, ...], tuple[Any, float]] = {}


def fighting_today(scenario: Scenario) -> frozenset[str]:
    """The guarantors whose conduct says they fight for the protected state today
    (``credibility.conduct.ID.fights``)."""
    cred = scenario.credibility
    if cred is None:
        return frozenset()
    return frozenset(g for g, conduct in cred.conduct.items() if conduct.fights)


def war_today(scenario: Scenario) -> bool:
    """Whether the protected state is at war with the aggressor today
    (``credibility.war_today``, default true): only then is what each guarantor does for it
    today a test of its resolve, which the revealed-resolve update conditions on. In
    peacetime P(fights) is each guarantor's chance of fighting if the protected state is
    attacked, under the design, with no update."""
    cred = scenario.credibility
    return cred is None or cred.war_today


#: what the stage-1 features :func:`unnamed_defenders` returns say of the protected state
#: today, in words for the notes and the report
DEFENDER_WORDS = {
    "t_def": "defense pact with a third state",
    "t_def_major": "defense pact with a major power",
    "t_def_nuclear": "defense pact with a nuclear-armed state",
}


def unnamed_defenders(scenario: Scenario) -> tuple[list[int], list[str]]:
    """The states the data record as promising to defend the protected state today (ATOP
    5.1 at the case's ATOP year; the aggressor left out) that guarantee no design of the
    scenario, and the features of stage 1 (``t_def``, ``t_def_major``, ``t_def_nuclear``)
    that would read otherwise today if they were counted. The model reads the protected
    state's pacts of today from the scenario's guarantors only (a design adds to its own
    guarantors' pacts); a pact of a state the scenario leaves out is not seen. Two empty
    lists without a credibility section or designs."""
    from guaranty.data import nuclear
    from guaranty.data.conflict import defense_promisers, major_power

    if scenario.credibility is None or not scenario.guarantees:
        return [], []
    case = case_of(scenario)
    named = {int(scenario.actor(g).cow) for g in case.joiner}  # type: ignore[arg-type]
    promised = defense_promisers().get((case.protected, case.data_years["atop"]), frozenset())
    unnamed = sorted(promised - named - {case.aggressor, case.protected})
    if not unnamed:
        return [], []
    today, _ = arrangements(scenario, case, scenario.guarantees[0])
    row = dict(_stage1_row(case, scenario, today))
    counted = {
        "t_def": True,
        "t_def_major": row["t_def_major"] > 0 or any(major_power(c, case.year) for c in unnamed),
        "t_def_nuclear": row["t_def_nuclear"] > 0 or any(nuclear(c, case.year) for c in unnamed),
    }
    return unnamed, [k for k, v in counted.items() if float(v) != row[k]]


def unmarked_belligerents(scenario: Scenario) -> list[str]:
    """The guarantors with the role ``belligerent``, other than the aggressor, whose conduct
    does not say that they fight for the protected state today: each is conditioned on
    *not* fighting today, which a scenario may mean (a belligerent on the aggressor's side)
    or not (a co-belligerent of the protected state, as the United States in Korea in 1953);
    the commands name them (the roles do not say on which side a state fights)."""
    cred = scenario.credibility
    if cred is None or not cred.war_today:  # in peacetime nobody is conditioned on today
        return []
    guarantors = {g for d in scenario.guarantees for g in d.guarantors}
    fighting = fighting_today(scenario)
    return sorted(
        a.id
        for a in scenario.actors
        if a.id in guarantors
        and a.id != cred.aggressor
        and a.id not in fighting
        and any(r.value == "belligerent" for r in a.roles)
    )


def conduct_phrase(fighting: Collection[str], war: bool = True) -> str:
    """What P(fight tomorrow | ...) is conditioned on, given the guarantors that fight today
    (:func:`fighting_today`): "not fighting today" when none does, as for Ukraine in 2022;
    "no war today" in peacetime (``war`` false, :func:`war_today`), when nothing is."""
    if not war:
        return "no war today"
    if not fighting:
        return "not fighting today"
    return f"its conduct today: {', '.join(sorted(fighting))} fight, any other guarantor not"


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    """ "; did you mean 'x'?" for the one known id that begins with ``name`` or is close to
    it (``budapest`` for ``budapest_assurances``), else nothing."""
    from guaranty.scenario.base import closest

    starts = [k for k in known if k.startswith(name)]
    hint = starts[0] if len(starts) == 1 else closest(name, known)
    return f"; did you mean {hint!r}?" if hint else ""


def explain(scenario: Scenario, design_id: str, guarantor: str) -> dict[str, Any]:
    """Which terms move a guarantor's probability under a design, at the posterior mode and
    the estimated persistence: the terms of the linear predictor that the design changes
    (coefficient x change in the feature), the probability with all terms and with each
    removed in turn. b(x) is the linear predictor times a scale (``scale_today``,
    ``scale_design``): 1/sqrt(1 + pi sigma^2 / 8) with a commitment (the average over its
    alliance's unknown intercept, sd sigma), 1 without one; so b(x_d) - b(x_0) is the sum of
    the terms times the scale only when the two scales agree."""
    cred = settings_of(scenario)
    design = next((d for d in scenario.guarantees if d.id == design_id), None)
    if design is None:
        ids = [d.id for d in scenario.guarantees]
        raise scenario.error_at(
            f"no design {design_id!r}{_did_you_mean(design_id, ids)} (designs: {', '.join(ids)})",
            ("guarantees",),
        )
    if guarantor not in design.guarantors:
        raise scenario.error_at(
            f"{guarantor!r} is not a guarantor of {design_id!r}"
            f"{_did_you_mean(guarantor, design.guarantors)} "
            f"(guarantors: {', '.join(design.guarantors) or 'none'})",
            ("guarantees", design_id, "guarantors"),
        )
    ev = evidence()
    case = case_of(scenario)
    today, tomorrow = arrangements(scenario, case, design)
    rho = ev.persistence.rho
    attack = attack_terms(ev, case, scenario, today, tomorrow)
    # the nuclear status the model reads of the states it explains, and whether the
    # scenario states it unlike the shipped list
    nuclear = {
        a: {
            "value": bool(scenario.nuclear_armed(a)),
            "stated": a in scenario.stated_nuclear(),
        }
        for a in dict.fromkeys((cred.aggressor, cred.protected, guarantor))
    }
    if guarantor not in case.joiner:
        return {
            "design": design_id,
            "guarantor": guarantor,
            "by_construction": "the aggressor cannot fight itself: P = 0",
            "p_honor_at_mean": 0.0,
            "terms": {},
            "nuclear": nuclear,
            "attack": attack,
        }
    m0 = float(joining.mills_ratio(np.array([selection(ev, case, scenario, today)]))[0])
    m1 = float(joining.mills_ratio(np.array([selection(ev, case, scenario, tomorrow)]))[0])
    x0 = stage2_x(case, guarantor, today[guarantor], m0)
    x1 = stage2_x(case, guarantor, tomorrow[guarantor], m1)
    s0 = margin_scale(ev, today[guarantor]["defense"] + today[guarantor]["nondef"] > 0)
    s1 = margin_scale(ev, tomorrow[guarantor]["defense"] + tomorrow[guarantor]["nondef"] > 0)
    coef = ev.joining.mean
    b0 = float(ev.joining.eta(x0)) * s0
    b1 = float(ev.joining.eta(x1)) * s1
    terms = {
        f: float(coef[1 + j] * (x1[j] - x0[j]))
        for j, f in enumerate(joining.FEATURES)
        if x1[j] != x0[j]
    }
    fights = guarantor in fighting_today(scenario)
    war = war_today(scenario)

    def p_of(b: float) -> float:
        # in peacetime no conduct today is a test: the design's own chance, not updated
        if not war:
            return float(expit(b))
        return float(conditional_honor_probability(b0, b, 0.0, 0.0, rho, fights))

    p = p_of(b1)
    without = {name: p_of(b1 - v * s1) for name, v in terms.items()}
    return {
        "design": design_id,
        "guarantor": guarantor,
        "today": today[guarantor],
        "design_features": tomorrow[guarantor],
        "b_today": b0,
        "b_design": b1,
        # b = the linear predictor x its scale (below 1 with a commitment: the average over
        # its alliance's unknown intercept); the terms are those of the linear predictor
        "scale_today": float(s0),
        "scale_design": float(s1),
        "war_today": war,
        "fights_today": fights,
        "p_fight_today_model": float(expit(b0)),
        "p_fight_design_unconditional": float(expit(b1)),
        "persistence": rho if war else None,
        "terms": terms,
        "no_counterpart": [o.value for o in design.obligations if OBLIGATION_MAP[o.value][1]],
        "p_honor_at_mean": p,
        "p_without_term": without,
        "data_years": case.data_years,
        "circumstances": {
            "today": cred.circumstances_today.nominal,
            "tomorrow": cred.circumstances_tomorrow.nominal,
        },
        "nuclear": nuclear,
        "attack": attack,
    }


def attack_terms(
    ev: Evidence,
    case: Case,
    scenario: Scenario,
    today: Mapping[str, Mapping[str, float]],
    tomorrow: Mapping[str, Mapping[str, float]],
) -> dict[str, Any]:
    """Stage 1 for a design once it is in force, at the posterior mode of the ``attack``
    fit, the scenario's nominal capabilities and the first year of the peace: the terms of
    the log-odds of a renewed attack that the design changes (coefficient x change in the
    feature, for the protected state's commitments), and the yearly hazard under today's
    arrangement (``today``) and under the design (``tomorrow``); the same for every
    guarantor of the design. ``pair``: the facts of the pair that a scenario may state
    (``PAIR_FACTS``), each with its value and whether the scenario stated it."""
    cred = settings_of(scenario)
    names = ev.attack.names[1:]
    cap_a = np.array([scenario.actor(cred.aggressor).capability_value.nominal])
    cap_p = np.array([scenario.actor(cred.protected).capability_value.nominal])
    x0 = stage1_rows(case, scenario, today, 1, cap_a, cap_p, names)[0, 0]
    x1 = stage1_rows(case, scenario, tomorrow, 1, cap_a, cap_p, names)[0, 0]
    coef = ev.attack.mean
    terms = {f: float(coef[1 + j] * (x1[j] - x0[j])) for j, f in enumerate(names) if x1[j] != x0[j]}
    return {
        "terms": terms,
        "hazard_today": float(expit(coef[0] + coef[1:] @ x0)),
        "hazard_design": float(expit(coef[0] + coef[1:] @ x1)),
        "pair": {k: {"value": float(case.dyad[k]), "stated": k in cred.pair} for k in PAIR_FACTS},
    }
