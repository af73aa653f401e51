"""Credibility of a scenario's guarantee designs: deterrence first, then who fights.

For every design (``docs/models/credibility.md``):

1. **Deterrence** (stage 1, :mod:`guaranty.models.deterrence.challenge`): the yearly
   probability that the aggressor uses force against the protected state, for the first
   ``years`` years of the peace, with the protected state's commitments as they are today
   until the design takes effect and as the design makes them afterwards; ``p_attack`` is
   the probability of a renewed attack within the horizon.
2. **Who fights** (stage 2, :mod:`guaranty.models.credibility.joining`): each guarantor's
   probability of fighting for the protected state if it is attacked tomorrow, given that it
   does not fight today (the revealed-resolve update, :mod:`.models.credibility.resolve`),
   with the persistence of resolve and the guarantors' common shock estimated from history
   (:mod:`guaranty.evidence`).
3. ``p_abandoned``: attacked within the horizon and no guarantor fights.

Covariates of the guarantors, the aggressor and the protected state (power, nuclear arms,
contiguity, rivalry, existing pacts) are looked up by COW country code in the shipped data
(:mod:`guaranty.data.conflict`) at the scenario's year; a design changes only the commitment
features, mapped by :func:`design_commitments` (the documented table ``OBLIGATION_MAP``).

Choices
-------
* An obligation with no historical counterpart (a no-fly zone, a nuclear umbrella) adds an
  unknown effect on the log-odds of fighting, N(0, ``UNKNOWN_SD``^2) per draw: a wider
  uncertainty instead of a made-up precision. Sanctions are not a military commitment and
  change nothing in either stage.
* The aggressor named among a design's guarantors cannot fight itself: its probability of
  fighting is 0 by construction (labelled so in the output), and in stage 1 its pact with
  the protected state counts as a pact between challenger and target, as the data code it.
* A new commitment's alliance effect is unknown: margins average over the alliance random
  intercept (``LogitFit.predict`` for a new group).
* ``circumstances_today`` / ``circumstances_tomorrow`` remain as a user's stated shift on the
  log-odds of fighting (default 0); the shipped scenario uses none.
* A question asked in peacetime (``credibility.war_today`` false) has no test today: no
  revealed-resolve update (each guarantor's chance is the design's own, the guarantors
  joined by the common shock), and the attack hazard's clock starts at the pair's years of
  peace (:func:`guaranty.credibility_case.peacetime_clock`), not at a war's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtri

from guaranty.credibility_case import (
    DEFENSE_OBLIGATIONS,
    OBLIGATION_MAP,
    UNKNOWN_SD,
    Case,
    arrangements,
    attack_as_today,
    case_of,
    conduct_phrase,
    design_commitments,
    explain,
    fight_as_today,
    fighting_today,
    no_counterpart,
    peace_covariates,
    selection,
    settings_of,
    stage1_eta,
    stage1_unchanged,
    stage2_eta,
    stage2_unchanged,
    stated_facts,
    war_today,
)
from guaranty.evidence import Evidence, evidence
from guaranty.models.credibility import joining
from guaranty.models.credibility.resolve import Members, revealed_resolve_designs
from guaranty.models.deterrence import challenge
from guaranty.scenario.design_matrix import DesignMatrix, draw, draw_pooled
from guaranty.scenario.schema import Design, Scenario

__all__ = [
    "DEFENSE_OBLIGATIONS",
    "OBLIGATION_MAP",
    "UNKNOWN_SD",
    "CredibilityResult",
    "DesignCredibility",
    "assess",
    "design_commitments",
    "explain",
    "fighting_today",
    "from_run",
    "no_counterpart",
    "unknown_input",
]

#: Names of inputs in a design matrix and in :attr:`CredibilityResult.inputs`.
PERSISTENCE = "persistence of resolve (history)"
SHOCK = "common shock (history)"
TODAY = "circumstances today (credibility.circumstances_today)"
TOMORROW = "circumstances tomorrow (credibility.circumstances_tomorrow)"
#: One draw of each stage's coefficients from its posterior (a joint input).
FIT_JOINING = "history, who fights: the fit's posterior draw"
FIT_ATTACK = "history, deterrence: the fit's posterior draw"


@dataclass(frozen=True)
class DesignCredibility:
    """One design's credibility and deterrence. Arrays over outer draws; intervals are
    central ``level``."""

    design: Design
    guarantors: tuple[str, ...]
    p_honor: np.ndarray  # (draws, guarantors)
    p_any: np.ndarray  # (draws,)
    p_all: np.ndarray
    expected_capability: np.ndarray
    level: float
    #: P(a renewed attack within the horizon), (draws,)
    p_attack: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: P(attacked within the horizon and no guarantor fights), (draws,)
    p_abandoned: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: P(an attack before the design is in force), (draws,)
    p_attack_window: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: years before the design takes effect, capped at the horizon, (draws,)
    exposure_years: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: guarantors that cannot fight for the protected state (the aggressor itself)
    unable: tuple[str, ...] = ()
    horizon: int = 10
    #: the peace model's covariates of the pair with today's pacts and with the design in
    #: force (:func:`guaranty.credibility_case.peace_covariates`)
    peace_today: dict[str, float] = field(default_factory=dict)
    peace_design: dict[str, float] = field(default_factory=dict)
    #: whether the design changes none of the stage-1 features of today's commitments, so
    #: that ``p_attack`` (and the peace's durability) is today's by construction
    #: (:func:`guaranty.credibility_case.stage1_unchanged`)
    attack_as_today: bool = False
    #: whether every guarantor's stage-2 terms are today's, so that ``p_honor``, ``p_any``
    #: and ``p_all`` are those under today's commitments by construction
    #: (:func:`guaranty.credibility_case.fight_as_today`)
    fight_as_today: bool = False

    def honor_means(self) -> list[float]:
        """Each guarantor's P(honor), the mean over the draws (the credibility heat map's
        cells)."""
        return [float(np.mean(self.p_honor[:, k])) for k in range(len(self.guarantors))]

    def _ci(self, x: np.ndarray) -> list[float] | None:
        x = x[~np.isnan(x)]
        if x.size == 0:
            return None
        lo, hi = np.quantile(x, [(1 - self.level) / 2, (1 + self.level) / 2])
        return [float(lo), float(hi)]

    def to_json(self) -> dict[str, Any]:
        def num(x: np.ndarray) -> float | None:
            x = x[~np.isnan(x)]
            return float(np.mean(x)) if x.size else None

        h = self.horizon
        return {
            "label": self.design.label,
            "guarantors": {
                g: {
                    "p_honor": num(self.p_honor[:, k]),
                    "ci": self._ci(self.p_honor[:, k]),
                    **(
                        {"by_construction": "the aggressor cannot fight itself"}
                        if g in self.unable
                        else {}
                    ),
                }
                for k, g in enumerate(self.guarantors)
            },
            "p_any": num(self.p_any),
            "p_any_ci": self._ci(self.p_any),
            "p_all": num(self.p_all),
            "p_all_ci": self._ci(self.p_all),
            **({"p_all_by_construction": ALL_UNABLE} if self.unable else {}),
            "expected_capability": num(self.expected_capability),
            "expected_capability_ci": self._ci(self.expected_capability),
            f"p_attack_{h}y": num(self.p_attack),
            f"p_attack_{h}y_ci": self._ci(self.p_attack),
            f"p_abandoned_{h}y": num(self.p_abandoned),
            f"p_abandoned_{h}y_ci": self._ci(self.p_abandoned),
            "p_attack_as_today": self.attack_as_today,
            "p_any_as_today": self.fight_as_today,
        }


#: what the JSON says of a design whose P(all fight) is 0 because it names the aggressor
ALL_UNABLE = "the aggressor, named a guarantor, never fights"


@dataclass(frozen=True)
class CredibilityResult:
    scenario: str
    designs: tuple[DesignCredibility, ...]
    draws: int
    seed: int | tuple[int, ...]
    #: the uncertain inputs of each draw, name -> array of shape (draws,)
    inputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    horizon: int = 10
    #: "assessment" (:func:`assess` on the scenario's own inputs) or "run" (read from a
    #: pipeline run's draws by :func:`from_run`: capabilities after each draw's war, the risk
    #: of a renewed attack over the draws with a peace)
    origin: str = "assessment"
    #: facts the scenario states in place of the data, unlike it: fact -> (stated, data)
    #: (:func:`guaranty.credibility_case.stated_facts`: the pair's, the states' nuclear status)
    stated: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: the year each source of the states' covariates was read at (``cinc``, ``atop``,
    #: ``contiguity``, ``major``, ``rivalry``, ``nuclear``; a stated fact at the scenario's
    #: year): the latest the shipped data hold up to ``credibility.data_year``
    data_years: dict[str, int] = field(default_factory=dict)
    #: the guarantors that fight for the protected state today (conditioned on fighting,
    #: not on refusing; :func:`guaranty.credibility_case.fighting_today`), sorted
    fighting: tuple[str, ...] = ()
    #: whether the protected state is at war today (:func:`guaranty.credibility_case.
    #: war_today`): if not, nothing is conditioned on today's conduct
    war_today: bool = True

    @property
    def conditioned_on(self) -> str:
        """What P(fight tomorrow | ...) is conditioned on, for titles and notes."""
        return conduct_phrase(self.fighting, self.war_today)

    def outputs(self) -> dict[str, Any]:
        """Per-draw outputs for claims: name -> {design: array (draws,)} or array (draws,)."""
        from guaranty.scenario.claim_names import CREDIBILITY_OUTPUTS  # names claims may use

        out: dict[str, Any] = {k: {} for k in CREDIBILITY_OUTPUTS}
        best = np.zeros(self.draws)
        for d in self.designs:
            i = d.design.id
            out["p_any"][i] = d.p_any
            out["p_all"][i] = d.p_all
            out["expected_capability"][i] = d.expected_capability
            out["p_attack"][i] = d.p_attack
            out["p_abandoned"][i] = d.p_abandoned
            if d.guarantors:
                out["mean_p_honor"][i] = d.p_honor.mean(axis=1)
                best = np.maximum(best, d.p_honor.max(axis=1))
            else:
                out["mean_p_honor"][i] = np.full(self.draws, np.nan)
        out["max_p_honor"] = best
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "draws": self.draws,
            "seed": self.seed if isinstance(self.seed, int) else list(self.seed),
            "horizon_years": self.horizon,
            "origin": self.origin,
            "stated_facts": {k: {"stated": s, "data": d} for k, (s, d) in self.stated.items()},
            "data_years": dict(self.data_years),
            "war_today": self.war_today,
            "fights_today": list(self.fighting),
            "designs": {d.design.id: d.to_json() for d in self.designs},
        }


@dataclass(frozen=True)
class _Draws:
    """What every design of one assessment shares, drawn once: arrays over outer draws."""

    draws: int
    horizon: int
    coef_j: np.ndarray  # (draws, stage-2 coefficients)
    coef_a: np.ndarray  # (draws, stage-1 coefficients)
    persistence: np.ndarray  # (draws,)
    shock: np.ndarray  # (draws,)
    today: np.ndarray  # (draws,), the circumstances today
    tomorrow: np.ndarray  # (draws,), the circumstances tomorrow
    per_guarantor: dict[str, tuple[np.ndarray, np.ndarray]]  # gid -> (today, tomorrow)
    unknown: np.ndarray  # (draws, obligations of OBLIGATION_MAP)
    cap_a: np.ndarray  # (draws,), the aggressor's capability
    cap_p: np.ndarray  # (draws,), the protected state's capability
    latent: np.random.SeedSequence  # each design's revealed-resolve stream
    years: np.random.Generator  # the designs' years to effect, drawn in turn
    #: stage-2 log-odds already computed, by guarantor, commitments and selection term, and
    #: stage-1 log-odds by arrangement (today's are the same in every design)
    etas: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict)


def _empirical(
    name: str,
    values: np.ndarray,
    hi: float,
    rng: np.random.Generator,
    draws: int,
    matrix: DesignMatrix | None,
) -> np.ndarray:
    """Draws from an estimate's bootstrap ``values`` (clipped to [0, hi]), or at the design
    matrix's quantiles for ``name``."""
    got = np.clip(rng.choice(values, draws), 0.0, hi)
    u = matrix.get(name, draws) if matrix is not None else None
    if u is None:
        return got
    ordered = np.sort(values)
    return np.clip(ordered[np.minimum((u * ordered.size).astype(int), ordered.size - 1)], 0, hi)


def _circumstances(
    cred: Any, draws: int, rng: np.random.Generator, matrix: DesignMatrix | None
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The circumstances today and tomorrow (shared), then each guarantor's own where its
    conduct states one (in guarantor order), all from ``rng``."""
    c_today = draw(cred.circumstances_today, draws, rng, name=TODAY, matrix=matrix)
    c_tomorrow = draw(cred.circumstances_tomorrow, draws, rng, name=TOMORROW, matrix=matrix)
    per_g: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gid, conduct in sorted(cred.conduct.items()):
        pair = []
        for when, shared in (("today", c_today), ("tomorrow", c_tomorrow)):
            given = getattr(conduct, f"circumstances_{when}")
            pair.append(
                shared
                if given is None
                else draw(given, draws, rng, name=f"circumstances {when} of {gid}", matrix=matrix)
            )
        per_g[gid] = (pair[0], pair[1])
    return c_today, c_tomorrow, per_g


def _unknown_used(scenario: Scenario) -> list[str]:
    """The obligations with no historical counterpart that some design of ``scenario``
    holds (their effect is the stated prior's), in a fixed order."""
    used = {o.value for d in scenario.guarantees for o in d.obligations}
    return [ob for ob in sorted(used & set(OBLIGATION_MAP)) if OBLIGATION_MAP[ob][1]]


def unknown_input(obligation: str) -> str:
    """The name of an obligation's unknown effect among the inputs (recorded, and in a
    design matrix)."""
    return f"unknown effect of {obligation} (stated prior)"


def _unknown_effects(
    scenario: Scenario, draws: int, rng: np.random.Generator, matrix: DesignMatrix | None
) -> np.ndarray:
    """The effect of each obligation with no historical counterpart, (draws, obligations):
    drawn from N(0, sd^2) with the scenario's ``credibility.unknown_sd`` (:data:`UNKNOWN_SD`
    without a credibility section). The same standard normals whatever the sd, so that a
    run with sd 0 (history alone) keeps every other draw."""
    sd = scenario.credibility.unknown_sd if scenario.credibility is not None else UNKNOWN_SD
    unknown = sd * rng.standard_normal(size=(draws, len(OBLIGATION_MAP)))
    if matrix is not None:
        index = {ob: k for k, ob in enumerate(OBLIGATION_MAP)}
        for ob in _unknown_used(scenario):
            u = matrix.get(unknown_input(ob), draws)
            if u is not None:
                unknown[:, index[ob]] = sd * ndtri(u)
    return unknown


def _shared_draws(
    scenario: Scenario,
    ev: Evidence,
    draws: int,
    seed: int | Sequence[int],
    aggressor_capability: np.ndarray | None,
    protected_capability: np.ndarray | None,
    matrix: DesignMatrix | None,
) -> _Draws:
    cred = settings_of(scenario)
    root = np.random.SeedSequence(seed)
    s_j, s_a, s_corr, s_circ, s_unknown, s_latent, s_years = root.spawn(7)
    coef_j = draw_pooled(
        ev.joining.draw, draws, np.random.default_rng(s_j), name=FIT_JOINING, matrix=matrix
    )
    coef_a = draw_pooled(
        ev.attack.draw, draws, np.random.default_rng(s_a), name=FIT_ATTACK, matrix=matrix
    )
    rng_corr = np.random.default_rng(s_corr)
    if cred.persistence is not None:
        pers = draw(cred.persistence, draws, rng_corr, 0.0, 1.0, name=PERSISTENCE, matrix=matrix)
    else:
        pers = _empirical(PERSISTENCE, ev.persistence.draws, 1.0, rng_corr, draws, matrix)
    if cred.common_shock is not None:
        shock = draw(cred.common_shock, draws, rng_corr, 0.0, 0.999, name=SHOCK, matrix=matrix)
    else:
        shock = _empirical(SHOCK, ev.common_shock.draws, 0.999, rng_corr, draws, matrix)
    c_today, c_tomorrow, per_g = _circumstances(cred, draws, np.random.default_rng(s_circ), matrix)
    unknown = _unknown_effects(scenario, draws, np.random.default_rng(s_unknown), matrix)
    agg = scenario.actor(cred.aggressor).capability_value.nominal
    prot = scenario.actor(cred.protected).capability_value.nominal
    return _Draws(
        draws=draws,
        horizon=(scenario.deterrence.years if scenario.deterrence else 10) or 10,
        coef_j=coef_j,
        coef_a=coef_a,
        persistence=pers,
        shock=shock,
        today=c_today,
        tomorrow=c_tomorrow,
        per_guarantor=per_g,
        unknown=unknown,
        cap_a=np.full(draws, agg) if aggressor_capability is None else aggressor_capability,
        cap_p=np.full(draws, prot) if protected_capability is None else protected_capability,
        latent=s_latent,
        years=np.random.default_rng(s_years),
    )


@dataclass(frozen=True)
class _Setting:
    """One design in its case: the estimates, the data on the states, the scenario, the
    design, and every guarantor's commitment features today and under the design."""

    ev: Evidence
    case: Case
    scenario: Scenario
    design: Design
    today: dict[str, dict[str, float]]
    tomorrow: dict[str, dict[str, float]]


def _attack_path(sh: _Draws, st: _Setting, matrix: DesignMatrix | None) -> dict[str, np.ndarray]:
    """Stage 1 for one design: the yearly attack hazard before and after the design takes
    effect. Arrays over draws: ``first`` (draws, horizon), the probability that the first
    renewed attack comes in year t; ``survival`` (draws, horizon); ``years`` to effect;
    ``exposure`` (years before it, capped at the horizon); ``window`` (an attack in them)."""
    draws, horizon = sh.draws, sh.horizon
    ev, design = st.ev, st.design
    names = ev.attack.names[1:]
    eta_b = _stage1(sh, st, st.today, names)
    eta_a = _stage1(sh, st, st.tomorrow, names)
    years = draw(
        design.years_to_effect,
        draws,
        sh.years,
        0.0,
        np.inf,
        name=f"years to effect of {design.id}",
        matrix=matrix,
    )
    hazard, survival = challenge.attack_risk(eta_b, eta_a, years)
    first = hazard * np.concatenate([np.ones((draws, 1)), survival[:, :-1]], axis=1)
    exposure = np.minimum(np.ceil(years), horizon)
    surv0 = np.concatenate([np.ones((draws, 1)), survival], axis=1)
    return {
        "first": first,
        "survival": survival,
        "years": years,
        "exposure": exposure,
        "window": 1.0 - surv0[np.arange(draws), exposure.astype(int)],
    }


def _stage1(
    sh: _Draws, st: _Setting, commit: dict[str, dict[str, float]], names: tuple[str, ...]
) -> np.ndarray:
    """Stage-1 log-odds (draws, horizon) of an attack under the arrangement ``commit``
    (guarantor -> its commitment features), computed once per assessment for each
    arrangement: today's is the same in every design, and was computed once per design
    (ten times a block of the Ukraine chain). Read-only: the designs share the array."""
    key = ("stage 1", tuple(sorted((g, tuple(sorted(f.items()))) for g, f in commit.items())))
    eta = sh.etas.get(key)
    if eta is None:
        eta = stage1_eta(
            st.case, st.scenario, commit, sh.horizon, sh.cap_a, sh.cap_p, names, sh.coef_a
        )
        eta.setflags(write=False)
        sh.etas[key] = eta
    return eta


def _stage2(sh: _Draws, st: _Setting, g: str, commit: dict[str, float], p_sel: float) -> np.ndarray:
    """Guarantor g's stage-2 log-odds under ``commit`` (draws,), computed once per
    assessment for each (guarantor, commitments, selection term)."""
    key = (g, tuple(sorted(commit.items())), p_sel)
    eta = sh.etas.get(key)
    if eta is None:
        eta = sh.etas[key] = stage2_eta(st.ev, st.case, g, commit, p_sel, sh.coef_j)
    return eta


def _resolve_inputs(sh: _Draws, st: _Setting, able: np.ndarray) -> tuple[np.ndarray, ...]:
    """Stage 2 for one design: each guarantor's log-odds of fighting today (b0) and under
    the design (b1), its circumstances today and tomorrow, and its capability; each of shape
    (draws, guarantors)."""
    ev, case, scenario, design = st.ev, st.case, st.scenario, st.design
    today, tomorrow = st.today, st.tomorrow
    cred = scenario.credibility
    gs = tuple(design.guarantors)
    shape = (sh.draws, len(gs))
    b0, b1, ct, cm, cap = (np.zeros(shape) for _ in range(5))
    if not gs:
        return b0, b1, ct, cm, cap
    p_sel_today = selection(ev, case, scenario, today)
    p_sel_design = selection(ev, case, scenario, tomorrow)
    index = {ob: k for k, ob in enumerate(OBLIGATION_MAP)}
    for k, g in enumerate(gs):
        cap[:, k] = scenario.actor(g).capability_value.nominal
        ct[:, k], cm[:, k] = sh.per_guarantor.get(g, (sh.today, sh.tomorrow))
        if not able[k]:
            continue
        b0[:, k] = _stage2(sh, st, g, today[g], p_sel_today)
        b1[:, k] = _stage2(sh, st, g, tomorrow[g], p_sel_design)
        conduct = cred.conduct.get(g)
        done = {o.value for o in conduct.today} if conduct else set()
        for ob in {o.value for o in design.obligations} - done:
            if OBLIGATION_MAP[ob][1]:
                b1[:, k] += sh.unknown[:, index[ob]]
    return b0, b1, ct, cm, cap


@dataclass(frozen=True)
class _Prepared:
    """One design before the revealed-resolve update: its stage 1 (``attack``, from
    :func:`_attack_path`), its guarantors, which of them can fight, and the terms of stage 2
    (:func:`_resolve_inputs`)."""

    design: Design
    guarantors: tuple[str, ...]
    able: np.ndarray
    attack: dict[str, np.ndarray]
    terms: tuple[np.ndarray, ...]  # b0, b1, ct, cm, cap
    peace: tuple[dict[str, float], dict[str, float]]  # today, under the design
    as_today: bool  # the design changes no stage-1 feature (stage1_unchanged)
    fight_today: bool  # nor any guarantor's stage-2 term (stage2_unchanged)

    @property
    def base_needed(self) -> bool:
        """Whether the design takes effect later in some draw: before it does, a guarantor
        fights with its conduct of today."""
        return bool(self.guarantors) and bool((self.attack["years"] > 0).any())


def _prepare_design(
    sh: _Draws,
    ev: Evidence,
    case: Case,
    scenario: Scenario,
    design: Design,
    matrix: DesignMatrix | None,
) -> _Prepared:
    gs = tuple(design.guarantors)
    today, tomorrow = arrangements(scenario, case, design)
    able = np.array([g in case.joiner for g in gs], dtype=bool)
    st = _Setting(ev, case, scenario, design, today, tomorrow)
    attack = _attack_path(sh, st, matrix)
    peace = (peace_covariates(case, scenario, today), peace_covariates(case, scenario, tomorrow))
    as_today = stage1_unchanged(case, scenario, today, tomorrow)
    fight = stage2_unchanged(case, scenario, design, today, tomorrow)
    terms = _resolve_inputs(sh, st, able)
    return _Prepared(design, gs, able, attack, terms, peace, as_today, fight)


def _resolve_designs(
    sh: _Draws,
    prepared: Sequence[_Prepared],
    inner: int,
    fighting: frozenset[str] = frozenset(),
    war: bool = True,
) -> list[Any]:
    """The revealed-resolve update of every design (with ``inner`` latent points), then of
    today's conduct for the designs that need it (a quarter of the points, at least 16), on
    the same latent points (:func:`revealed_resolve_designs`): a guarantor's terms today are
    the same in every design. The guarantors in ``fighting`` fight for the protected state
    today (:func:`fighting_today`): each is conditioned on that instead of a refusal.

    In peacetime (``war`` false) nothing today is a test: each guarantor's log-odds of
    fighting today is taken as -inf, so that "it does not fight today" is certain and
    conditions on nothing; the update then gives each design's own chances, with the
    guarantors joined by the common shock alone."""
    column: dict[str, int] = {}
    b_today: list[np.ndarray] = []
    c_today: list[np.ndarray] = []
    for pr in prepared:
        b0, _, ct, _, _ = pr.terms
        for k, g in enumerate(pr.guarantors):
            if g not in column:
                column[g] = len(column)
                b_today.append(b0[:, k])
                c_today.append(ct[:, k])
    members = []
    for pr in prepared:
        _, b1, _, cm, cap = pr.terms
        index = np.array([column[g] for g in pr.guarantors], dtype=np.int64)
        members.append(Members(index, b1, cm, cap, pr.able))
    for pr in prepared:
        if pr.base_needed:
            b0, _, _, cm, cap = pr.terms
            index = np.array([column[g] for g in pr.guarantors], dtype=np.int64)
            members.append(Members(index, b0, cm, cap, pr.able, points=max(inner // 4, 16)))
    shape = (sh.draws, len(column))
    if not war:
        b_today = [np.full(sh.draws, -np.inf) for _ in b_today]
    return revealed_resolve_designs(
        np.stack(b_today, axis=1) if b_today else np.zeros(shape),
        np.stack(c_today, axis=1) if c_today else np.zeros(shape),
        members,
        sh.shock,
        np.random.default_rng(sh.latent),
        persistence=sh.persistence,
        inner=inner,
        fights=np.array([g in fighting for g in column], dtype=bool),
    )


def _design_result(
    sh: _Draws, pr: _Prepared, res: Any, base: Any | None, level: float
) -> DesignCredibility:
    """One design's credibility and deterrence from its stage 1 and its revealed-resolve
    update (``base``: the update under today's conduct, before the design takes effect)."""
    attack, gs = pr.attack, pr.guarantors
    first = attack["first"]
    if base is not None:
        in_force = np.arange(sh.horizon)[None, :] >= np.ceil(attack["years"])[:, None]
        p_any_t = np.where(in_force, res.p_any[:, None], base.p_any[:, None])
        p_abandoned = (first * (1.0 - p_any_t)).sum(axis=1)
    elif gs:
        p_abandoned = (first * (1.0 - res.p_any[:, None])).sum(axis=1)
    else:
        p_abandoned = first.sum(axis=1)
    return DesignCredibility(
        pr.design,
        gs,
        res.p_honor,
        res.p_any,
        res.p_all,
        res.expected_capability,
        level,
        p_attack=1.0 - attack["survival"][:, -1],
        p_abandoned=p_abandoned,
        p_attack_window=attack["window"],
        exposure_years=attack["exposure"],
        unable=tuple(g for g, a in zip(gs, pr.able, strict=True) if not a),
        horizon=sh.horizon,
        peace_today=pr.peace[0],
        peace_design=pr.peace[1],
        attack_as_today=pr.as_today,
        fight_as_today=pr.fight_today,
    )


def _eta_today_nominal(sh: _Draws, ev: Evidence, case: Case, scenario: Scenario) -> np.ndarray:
    """The year-1 log-odds of an attack under today's pacts at the scenario's nominal (pre-war)
    capabilities, shape (draws,): the part of the stage-1 posterior draw that every design
    shares. Recorded as an input; with the capabilities after each draw's war it would follow
    how the war went, and a claim about the war would seem to turn on it."""
    cred = settings_of(scenario)
    today, _ = arrangements(scenario, case, scenario.guarantees[0])

    def nominal(who: str | None) -> np.ndarray:
        return np.full(sh.draws, scenario.actor(who).capability_value.nominal)

    names = ev.attack.names[1:]
    cap_a, cap_p = nominal(cred.aggressor), nominal(cred.protected)
    return stage1_eta(case, scenario, today, 1, cap_a, cap_p, names, sh.coef_a)[:, 0]


#: the recorded input of the stage-1 posterior draw's shared part (:func:`_eta_today_nominal`)
ATTACK_TODAY = "history, deterrence: log-odds of an attack in year 1 (today's pacts, pre-war power)"


def _recorded_inputs(
    sh: _Draws,
    ev: Evidence,
    eta_today: np.ndarray | None,
    unknown: Sequence[str] = (),
    war: bool = True,
) -> dict[str, np.ndarray]:
    """The uncertain inputs of an assessment, name -> array of shape (draws,). The
    coefficients a design moves are recorded one by one; the controls' part of each stage is
    recorded as one number (they move every design alike); so is the stated prior's draw of
    each obligation in ``unknown`` (no historical counterpart), which the claims' halves
    must see as they see history's. In peacetime (``war`` false) the persistence and the
    circumstances today are not inputs: nothing today is conditioned on."""
    inputs = {PERSISTENCE: sh.persistence, SHOCK: sh.shock, TOMORROW: sh.tomorrow, TODAY: sh.today}
    if not war:
        del inputs[PERSISTENCE], inputs[TODAY]
    index = {ob: k for k, ob in enumerate(OBLIGATION_MAP)}
    for ob in unknown:
        inputs[unknown_input(ob)] = sh.unknown[:, index[ob]]
    for k, name in enumerate(ev.joining.names):
        if name in joining.COMMITMENT_FEATURES or name in ("intercept", "mills"):
            inputs[f"history, who fights: coefficient of {name}"] = sh.coef_j[:, k]
    for k, name in enumerate(ev.attack.names):
        if name in challenge.COMMITMENT_FEATURES:
            inputs[f"history, deterrence: coefficient of {name}"] = sh.coef_a[:, k]
    if eta_today is not None:
        inputs[ATTACK_TODAY] = eta_today
    return inputs


def assess(
    scenario: Scenario,
    *,
    draws: int = 2000,
    seed: int | Sequence[int] = 0,
    level: float = 0.9,
    inner: int = 256,
    aggressor_capability: np.ndarray | None = None,
    protected_capability: np.ndarray | None = None,
    matrix: DesignMatrix | None = None,
) -> CredibilityResult:
    """Credibility and deterrence of every design of ``scenario`` (module docstring).

    ``seed`` is the entropy of a ``numpy.random.SeedSequence``; aggressor_capability and
    protected_capability (arrays of shape (draws,)) are the two sides' CINC after the war
    (default: the scenario's nominal capabilities). ``matrix``
    (:mod:`guaranty.scenario.design_matrix`) gives quantiles for named inputs: the names of
    :attr:`CredibilityResult.inputs` for single quantities, :data:`FIT_JOINING` and
    :data:`FIT_ATTACK` for a posterior draw of each stage's coefficients, "unknown effect of
    OBLIGATION" and "years to effect of DESIGN"."""
    settings_of(scenario)
    ev = evidence()
    case = case_of(scenario)
    sh = _shared_draws(
        scenario, ev, draws, seed, aggressor_capability, protected_capability, matrix
    )
    prepared = [
        _prepare_design(sh, ev, case, scenario, design, matrix) for design in scenario.guarantees
    ]
    war = war_today(scenario)
    resolved = iter(_resolve_designs(sh, prepared, inner, fighting_today(scenario), war))
    updates = [next(resolved) for _ in prepared]  # every design's, then today's conduct's
    results = [
        _design_result(sh, pr, res, next(resolved) if pr.base_needed else None, level)
        for pr, res in zip(prepared, updates, strict=True)
    ]
    eta_today = _eta_today_nominal(sh, ev, case, scenario) if prepared else None
    inputs = _recorded_inputs(sh, ev, eta_today, _unknown_used(scenario), war)
    for pr in prepared:  # a design's years to effect, when the scenario leaves them open
        if getattr(pr.design.years_to_effect, "dist", "fixed") != "fixed":
            inputs[f"years to effect of {pr.design.id}"] = pr.attack["years"]
    seed = seed if isinstance(seed, int) else tuple(seed)
    return CredibilityResult(
        scenario.name,
        tuple(results),
        draws,
        seed,
        inputs,
        sh.horizon,
        stated=stated_facts(scenario),
        data_years=dict(case.data_years),
        fighting=tuple(sorted(fighting_today(scenario))),
        war_today=war,
    )


def from_run(run: Any, scenario: Scenario, *, level: float = 0.9) -> CredibilityResult:
    """The credibility of every design as a pipeline run computed it (``run`` is a
    :class:`guaranty.results.RunResult`, from :func:`guaranty.montecarlo.simulate` or read
    back from the store): the per-draw arrays are the run's own, nothing is recomputed.

    In a run the two sides' capabilities are those after the war, and a renewed attack is
    counted only in draws with a peace (``p_attack`` and ``p_abandoned`` are NaN in the
    others), so the figures differ from :func:`assess` on the scenario's nominal inputs."""
    lay = run.layout
    horizon = (scenario.deterrence.years if scenario.deterrence else 10) or 10
    aggressor = scenario.credibility.aggressor if scenario.credibility else None
    agg_cow = scenario.actor(aggressor).cow if aggressor else None
    as_today, same = attack_as_today(scenario), fight_as_today(scenario)
    designs = []
    for k, d_id in enumerate(lay.designs):
        design = next(d for d in scenario.guarantees if d.id == d_id)
        rows = [i for i, (d, _) in enumerate(lay.pairs) if d == d_id]
        gs = tuple(lay.pairs[i][1] for i in rows)
        w = {m: run.whatif[m][k] for m in run.whatif}
        designs.append(
            DesignCredibility(
                design,
                gs,
                run.honor[rows].T if rows else np.zeros((run.draws, 0)),
                w["p_any"],
                w["p_all"],
                w["expected_capability"],
                level,
                p_attack=1.0 - w["p_no_attack"],
                p_abandoned=w["p_abandoned"],
                p_attack_window=w["p_attack_window"],
                exposure_years=w["exposure_years"],
                unable=tuple(
                    g
                    for g in gs
                    if g == aggressor or (agg_cow is not None and scenario.actor(g).cow == agg_cow)
                ),
                horizon=horizon,
                attack_as_today=d_id in as_today,
                fight_as_today=d_id in same,
            )
        )
    return CredibilityResult(
        scenario.name,
        tuple(designs),
        run.draws,
        run.seed,
        {},
        horizon,
        origin="run",
        data_years=dict(case_of(scenario).data_years) if scenario.credibility else {},
        fighting=tuple(sorted(fighting_today(scenario))),
        war_today=war_today(scenario),
    )
