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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from scipy.special import expit, ndtri

from guaranty.errors import ScenarioError
from guaranty.evidence import Evidence, evidence, mills_probability
from guaranty.models.credibility import joining
from guaranty.models.credibility.resolve import conditional_honor_probability, revealed_resolve
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
]

#: Names of inputs in a design matrix and in :attr:`CredibilityResult.inputs`.
PERSISTENCE = "persistence of resolve (history)"
SHOCK = "common shock (history)"
TODAY = "circumstances today (credibility.circumstances_today)"
TOMORROW = "circumstances tomorrow (credibility.circumstances_tomorrow)"
#: One draw of each stage's coefficients from its posterior (a joint input).
FIT_JOINING = "history, who fights: the fit's posterior draw"
FIT_ATTACK = "history, deterrence: the fit's posterior draw"

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

#: sd (log-odds) of the effect of an obligation with no historical counterpart: a 95% range
#: of a factor of about 7 either way on the odds, wider than any design effect in the data
UNKNOWN_SD = 1.0

#: the commitment features of stage 2
_COMMIT = tuple(joining.COMMITMENT_FEATURES)


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
    out = dict.fromkeys(_COMMIT, 0.0)
    if not pact:
        return out
    for ob in obs:
        for f in OBLIGATION_MAP[ob][0]:
            out[f] = 1.0
    out["defense"] = float(defense)
    out["nondef"] = float(not defense)
    out["organ"] = float(legal_form == "membership" or out["organ"] > 0)
    out["multilateral"] = float(n_guarantors > 1)
    return out


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
            "expected_capability": num(self.expected_capability),
            "expected_capability_ci": self._ci(self.expected_capability),
            f"p_attack_{h}y": num(self.p_attack),
            f"p_attack_{h}y_ci": self._ci(self.p_attack),
            f"p_abandoned_{h}y": num(self.p_abandoned),
            f"p_abandoned_{h}y_ci": self._ci(self.p_abandoned),
        }


@dataclass(frozen=True)
class CredibilityResult:
    scenario: str
    designs: tuple[DesignCredibility, ...]
    draws: int
    seed: int | tuple[int, ...]
    #: the uncertain inputs of each draw, name -> array of shape (draws,)
    inputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    horizon: int = 10

    def outputs(self) -> dict[str, Any]:
        """Per-draw outputs for claims: name -> {design: array (draws,)} or array (draws,)."""
        from guaranty.claims import CREDIBILITY_OUTPUTS  # the names claims may use

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
            "designs": {d.design.id: d.to_json() for d in self.designs},
        }


def _settings(scenario: Scenario):
    cred = scenario.credibility
    if cred is None:
        raise ScenarioError(
            "the scenario has no 'credibility' section (aggressor, protected state, conduct of "
            "each guarantor today); see docs/scenario-format.md",
            field="credibility",
        )
    for key in ("aggressor", "protected"):
        if getattr(cred, key) is None:
            raise ScenarioError(
                f"credibility needs the {key}'s actor id", field=("credibility", key)
            )
    return cred


def _cow(scenario: Scenario, actor_id: str, what: str) -> int:
    code = scenario.actor(actor_id).cow
    if code is None:
        raise ScenarioError(
            f"actor {actor_id!r} ({what}) needs its COW country code in 'cow': the credibility "
            "model looks up its power, nuclear arms, contiguity, rivalries and pacts in the "
            "historical data",
            field=("actors", actor_id, "cow"),
        )
    return int(code)


@dataclass(frozen=True)
class _Case:
    """What the data say about the scenario's states, at the scenario's year."""

    year: int
    aggressor: int
    protected: int
    dyad: dict[str, float]  # stage-1 covariates of (aggressor, protected)
    joiner: dict[str, dict[str, float]]  # guarantor id -> stage-2 covariates
    data_years: dict[str, int]


@cache
def _lookup(year: int, aggressor: int, protected: int, guarantors: tuple[tuple[str, int], ...]):
    from guaranty.data.conflict import dyad_covariates, joiner_covariates

    dyad, years = dyad_covariates(aggressor, protected, year)
    joiner = {}
    for gid, code in guarantors:
        if code == aggressor:
            continue
        cov, _ = joiner_covariates(code, protected, aggressor, year)
        joiner[gid] = cov
    return _Case(year, aggressor, protected, dict(dyad), joiner, dict(years))


def _case(scenario: Scenario) -> _Case:
    cred = _settings(scenario)
    agg = _cow(scenario, cred.aggressor, "the aggressor")
    prot = _cow(scenario, cred.protected, "the protected state")
    gs = sorted({g for d in scenario.guarantees for g in d.guarantors})
    codes = tuple((g, _cow(scenario, g, "a guarantor")) for g in gs)
    return _lookup(int(scenario.year or 2022), agg, prot, codes)


def _today_commitments(case: _Case, gid: str, today: Sequence[str]) -> dict[str, float]:
    """A guarantor's commitment features today: its pacts with the protected state in the
    data (ATOP) and what it does today without a treaty."""
    out = design_commitments(today, "none", 1)
    cov = case.joiner.get(gid, {})
    if cov.get("defense", 0) > 0:
        out["defense"], out["nondef"] = 1.0, 0.0
    elif any(cov.get(k, 0) > 0 for k in ("offense", "neutral", "nonagg", "consul")):
        if out["defense"] == 0:
            out["nondef"] = 1.0
    return out


def _stage1_rows(
    case: _Case,
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
    draws = cinc_aggressor.shape[0]
    guarantors = sorted(commit)
    third = [g for g in guarantors if g in case.joiner]
    defenders = [g for g in third if commit[g]["defense"] > 0]
    pacts = [g for g in third if commit[g]["defense"] > 0 or commit[g]["nondef"] > 0]
    own = [g for g in guarantors if g not in case.joiner]  # the aggressor as guarantor
    ally_cinc = sum(scenario.actor(g).capability_value.nominal for g in defenders)
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
        # a pact of which the aggressor is a member does not cover it (Leeds 2003)
        "t_def_rel": float(bool(defenders) and not any(commit[g]["defense"] > 0 for g in own)),
        "t_def_major": float(any(case.joiner[g]["joiner_major"] > 0 for g in defenders)),
        "t_def_nuclear": float(any(case.joiner[g]["joiner_nuclear"] > 0 for g in defenders)),
        "t_def_base": float(any(commit[g]["base"] > 0 for g in defenders)),
        "t_def_intcom": float(any(commit[g]["intcom"] > 0 for g in defenders)),
        "t_def_organ": float(any(commit[g]["organ"] > 0 for g in defenders)),
        "t_def_cinc": ally_cinc,
        "t_nondef": float(bool(pacts) and not defenders),
    }
    # the features of one year of one draw, then the columns that vary: the years of peace
    # (by year) and the two capability shares (by draw, from the capabilities after the war)
    table = {k: np.full(years, float(v)) for k, v in row.items()}
    table["cinc1"] = np.full(years, 1.0)
    table["cinc2"] = np.full(years, 1.0)
    table["peace_years"] = np.arange(years, dtype=float)
    x = np.repeat(challenge.feature_matrix(table, features)[None], draws, axis=0)
    shares = ("cap_share", "t_def_share")
    one_year = {k: v[:1] for k, v in table.items()}
    by_draw = challenge.feature_matrix(
        {**one_year, "cinc1": cinc_aggressor, "cinc2": cinc_protected}, shares
    )  # (draws, 2)
    for k, name in enumerate(shares):
        if name in features:
            x[:, :, features.index(name)] = by_draw[:, k][:, None]
    return x


def _stage2_x(case: _Case, gid: str, commit: Mapping[str, float], mills: float) -> np.ndarray:
    """Stage-2 features of guarantor ``gid`` under ``commit``, shape (features,)."""
    # keyed by the values the features are built from (a pure function of them)
    key = (case.year, tuple(sorted(case.joiner[gid].items())), tuple(sorted(commit.items())), mills)
    x = _X_CACHE.get(key)
    if x is None:
        x = _X_CACHE[key] = _stage2_features(case, gid, commit, mills)
    return x.copy()


_X_CACHE: dict[tuple[Any, ...], np.ndarray] = {}


def _stage2_features(
    case: _Case, gid: str, commit: Mapping[str, float], mills: float
) -> np.ndarray:
    """The uncached body of :func:`_stage2_x`."""
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


def _margin_scale(ev: Evidence, pact: bool) -> float:
    """Attenuation of the log-odds for a commitment whose alliance effect is unknown."""
    return 1.0 / np.sqrt(1.0 + np.pi * ev.joining.group_sd**2 / 8.0) if pact else 1.0


def _arrangements(scenario: Scenario, case: _Case, design: Design):
    """Commitment features of every guarantor of the scenario today, and under ``design``:
    the design replaces its own guarantors' commitments; every other state keeps its pacts
    of today (as the data record them)."""
    cred = scenario.credibility
    gs = tuple(design.guarantors)
    everyone = sorted({g for d in scenario.guarantees for g in d.guarantors})
    today = {}
    for g in everyone:
        conduct = cred.conduct.get(g)
        obs = [o.value for o in conduct.today] if conduct else []
        today[g] = _today_commitments(case, g, obs)
    tomorrow = dict(today)
    for g in gs:
        tomorrow[g] = design_commitments(
            [o.value for o in design.obligations], design.legal_form.value, len(gs)
        )
    return today, tomorrow


def _stage2_eta(
    ev: Evidence, case: _Case, g: str, commit: Mapping[str, float], p_sel: float, coef: np.ndarray
) -> np.ndarray:
    x = _stage2_x(case, g, commit, float(joining.mills_ratio(np.array([p_sel]))[0]))
    pact = commit["defense"] > 0 or commit["nondef"] > 0
    return ev.joining.eta(x, coef) * _margin_scale(ev, pact)


def _selection(
    ev: Evidence, case: _Case, scenario: Scenario, commit: Mapping[str, Mapping[str, float]]
) -> float:
    """Stage-1 probability that the aggressor challenges the protected state in the first
    year of the peace under ``commit`` (the selection term of stage 2)."""
    agg = scenario.actor(scenario.credibility.aggressor).capability_value.nominal
    prot = scenario.actor(scenario.credibility.protected).capability_value.nominal
    x = _stage1_rows(
        case, scenario, commit, 1, np.array([agg]), np.array([prot]), ev.challenge.names[1:]
    )[0, 0]
    return mills_probability(ev.challenge, x)


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
    cred = _settings(scenario)
    ev = evidence()
    case = _case(scenario)
    horizon = (scenario.deterrence.years if scenario.deterrence else 10) or 10
    root = np.random.SeedSequence(seed)
    s_j, s_a, s_corr, s_circ, s_unknown, s_latent, s_years = root.spawn(7)
    coef_j = draw_pooled(
        ev.joining.draw, draws, np.random.default_rng(s_j), name=FIT_JOINING, matrix=matrix
    )
    coef_a = draw_pooled(
        ev.attack.draw, draws, np.random.default_rng(s_a), name=FIT_ATTACK, matrix=matrix
    )
    rng_corr = np.random.default_rng(s_corr)

    def empirical(name: str, values: np.ndarray, hi: float) -> np.ndarray:
        got = np.clip(rng_corr.choice(values, draws), 0.0, hi)
        u = matrix.get(name, draws) if matrix is not None else None
        if u is None:
            return got
        ordered = np.sort(values)
        return np.clip(ordered[np.minimum((u * ordered.size).astype(int), ordered.size - 1)], 0, hi)

    if cred.persistence is not None:
        pers = draw(cred.persistence, draws, rng_corr, 0.0, 1.0, name=PERSISTENCE, matrix=matrix)
    else:
        pers = empirical(PERSISTENCE, ev.persistence.draws, 1.0)
    if cred.common_shock is not None:
        shock = draw(cred.common_shock, draws, rng_corr, 0.0, 0.999, name=SHOCK, matrix=matrix)
    else:
        shock = empirical(SHOCK, ev.common_shock.draws, 0.999)
    rng_c = np.random.default_rng(s_circ)
    c_today = draw(cred.circumstances_today, draws, rng_c, name=TODAY, matrix=matrix)
    c_tomorrow = draw(cred.circumstances_tomorrow, draws, rng_c, name=TOMORROW, matrix=matrix)
    per_g: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gid, conduct in sorted(cred.conduct.items()):
        ct = (
            c_today
            if conduct.circumstances_today is None
            else draw(
                conduct.circumstances_today,
                draws,
                rng_c,
                name=f"circumstances today of {gid}",
                matrix=matrix,
            )
        )
        cm = (
            c_tomorrow
            if conduct.circumstances_tomorrow is None
            else draw(
                conduct.circumstances_tomorrow,
                draws,
                rng_c,
                name=f"circumstances tomorrow of {gid}",
                matrix=matrix,
            )
        )
        per_g[gid] = (ct, cm)
    unknown_effect = np.random.default_rng(s_unknown).normal(
        0.0, UNKNOWN_SD, size=(draws, len(OBLIGATION_MAP))
    )
    unknown_index = {ob: k for k, ob in enumerate(OBLIGATION_MAP)}
    if matrix is not None:
        used = {o.value for d in scenario.guarantees for o in d.obligations}
        for ob in sorted(used & set(OBLIGATION_MAP)):
            if OBLIGATION_MAP[ob][1]:
                u = matrix.get(f"unknown effect of {ob} (stated prior)", draws)
                if u is not None:
                    unknown_effect[:, unknown_index[ob]] = UNKNOWN_SD * ndtri(u)
    agg_nominal = scenario.actor(cred.aggressor).capability_value.nominal
    prot_nominal = scenario.actor(cred.protected).capability_value.nominal
    cap_a = np.full(draws, agg_nominal) if aggressor_capability is None else aggressor_capability
    cap_p = np.full(draws, prot_nominal) if protected_capability is None else protected_capability
    rng_years = np.random.default_rng(s_years)
    eta_today: np.ndarray | None = None
    results = []
    for design in scenario.guarantees:
        gs = tuple(design.guarantors)
        n = len(gs)
        today, tomorrow = _arrangements(scenario, case, design)
        able = np.array([g in case.joiner for g in gs], dtype=bool)
        # stage 1: the yearly attack hazard before and after the design takes effect
        names = ev.attack.names[1:]
        x_before = _stage1_rows(case, scenario, today, horizon, cap_a, cap_p, names)
        x_after = _stage1_rows(case, scenario, tomorrow, horizon, cap_a, cap_p, names)
        eta_b = np.einsum("dyk,dk->dy", x_before, coef_a[:, 1:]) + coef_a[:, :1]
        eta_a = np.einsum("dyk,dk->dy", x_after, coef_a[:, 1:]) + coef_a[:, :1]
        years_to_effect = draw(
            design.years_to_effect,
            draws,
            rng_years,
            0.0,
            np.inf,
            name=f"years to effect of {design.id}",
            matrix=matrix,
        )
        hazard, survival = challenge.attack_risk(eta_b, eta_a, years_to_effect)
        eta_today = eta_b[:, 0]  # today's arrangement: the same for every design
        first = hazard * np.concatenate([np.ones((draws, 1)), survival[:, :-1]], axis=1)
        exposure = np.minimum(np.ceil(years_to_effect), horizon)
        surv0 = np.concatenate([np.ones((draws, 1)), survival], axis=1)
        p_window = 1.0 - surv0[np.arange(draws), exposure.astype(int)]
        # stage 2: today and under the design, for every guarantor
        b0 = np.zeros((draws, n))
        b1 = np.zeros((draws, n))
        ct = np.zeros((draws, n))
        cm = np.zeros((draws, n))
        cap = np.zeros((draws, n))
        if n:
            p_sel_today = _selection(ev, case, scenario, today)
            p_sel_design = _selection(ev, case, scenario, tomorrow)
        for k, g in enumerate(gs):
            cap[:, k] = scenario.actor(g).capability_value.nominal
            ct[:, k], cm[:, k] = per_g.get(g, (c_today, c_tomorrow))
            if not able[k]:
                continue
            b0[:, k] = _stage2_eta(ev, case, g, today[g], p_sel_today, coef_j)
            b1[:, k] = _stage2_eta(ev, case, g, tomorrow[g], p_sel_design, coef_j)
            conduct = cred.conduct.get(g)
            done = {o.value for o in conduct.today} if conduct else set()
            for ob in {o.value for o in design.obligations} - done:
                if OBLIGATION_MAP[ob][1]:
                    b1[:, k] += unknown_effect[:, unknown_index[ob]]
        res = revealed_resolve(
            b0,
            b1,
            ct,
            cm,
            cap,
            shock,
            np.random.default_rng(s_latent),
            persistence=pers,
            inner=inner,
            able=able,
        )
        if n and (years_to_effect > 0).any():
            # before the design is in force a guarantor fights with its conduct of today
            base = revealed_resolve(
                b0,
                b0,
                ct,
                cm,
                cap,
                shock,
                np.random.default_rng(s_latent),
                persistence=pers,
                inner=max(inner // 4, 16),
                able=able,
            )
            t = np.arange(horizon)[None, :]
            in_force = t >= np.ceil(years_to_effect)[:, None]
            p_any_t = np.where(in_force, res.p_any[:, None], base.p_any[:, None])
            p_abandoned = (first * (1.0 - p_any_t)).sum(axis=1)
        elif n:
            p_abandoned = (first * (1.0 - res.p_any[:, None])).sum(axis=1)
        else:
            p_abandoned = first.sum(axis=1)
        results.append(
            DesignCredibility(
                design,
                gs,
                res.p_honor,
                res.p_any,
                res.p_all,
                res.expected_capability,
                level,
                p_attack=1.0 - survival[:, -1],
                p_abandoned=p_abandoned,
                p_attack_window=p_window,
                exposure_years=exposure,
                unable=tuple(g for g, a in zip(gs, able, strict=True) if not a),
                horizon=horizon,
            )
        )
    inputs = {PERSISTENCE: pers, SHOCK: shock, TOMORROW: c_tomorrow, TODAY: c_today}
    # the coefficients a design moves are recorded one by one; the controls' part of each
    # stage is recorded as one number (they move every design alike)
    for k, name in enumerate(ev.joining.names):
        if name in _COMMIT or name in ("intercept", "mills"):
            inputs[f"history, who fights: coefficient of {name}"] = coef_j[:, k]
    for k, name in enumerate(ev.attack.names):
        if name in challenge.COMMITMENT_FEATURES:
            inputs[f"history, deterrence: coefficient of {name}"] = coef_a[:, k]
    if eta_today is not None:
        inputs["history, deterrence: log-odds of an attack in year 1 with today's pacts"] = (
            eta_today
        )
    seed = seed if isinstance(seed, int) else tuple(seed)
    return CredibilityResult(scenario.name, tuple(results), draws, seed, inputs, horizon)


def explain(scenario: Scenario, design_id: str, guarantor: str) -> dict[str, Any]:
    """Which terms move a guarantor's probability under a design, at the posterior mode and
    the estimated persistence: the terms of b(x_d) - b(x_0) (coefficient x change in the
    feature), the probability with all terms and with each removed in turn."""
    cred = _settings(scenario)
    design = next((d for d in scenario.guarantees if d.id == design_id), None)
    if design is None:
        known = ", ".join(d.id for d in scenario.guarantees)
        raise ScenarioError(f"no design {design_id!r} (designs: {known})", field="guarantees")
    if guarantor not in design.guarantors:
        raise ScenarioError(
            f"{guarantor!r} is not a guarantor of {design_id!r} "
            f"(guarantors: {', '.join(design.guarantors) or 'none'})",
            field=("guarantees", design_id, "guarantors"),
        )
    ev = evidence()
    case = _case(scenario)
    today, tomorrow = _arrangements(scenario, case, design)
    rho = ev.persistence.rho
    if guarantor not in case.joiner:
        return {
            "design": design_id,
            "guarantor": guarantor,
            "by_construction": "the aggressor cannot fight itself: P = 0",
            "p_honor_at_mean": 0.0,
            "terms": {},
        }
    m0 = float(joining.mills_ratio(np.array([_selection(ev, case, scenario, today)]))[0])
    m1 = float(joining.mills_ratio(np.array([_selection(ev, case, scenario, tomorrow)]))[0])
    x0 = _stage2_x(case, guarantor, today[guarantor], m0)
    x1 = _stage2_x(case, guarantor, tomorrow[guarantor], m1)
    s0 = _margin_scale(ev, today[guarantor]["defense"] + today[guarantor]["nondef"] > 0)
    s1 = _margin_scale(ev, tomorrow[guarantor]["defense"] + tomorrow[guarantor]["nondef"] > 0)
    coef = ev.joining.mean
    b0 = float(ev.joining.eta(x0)) * s0
    b1 = float(ev.joining.eta(x1)) * s1
    terms = {
        f: float(coef[1 + j] * (x1[j] - x0[j]))
        for j, f in enumerate(joining.FEATURES)
        if x1[j] != x0[j]
    }
    p = float(conditional_honor_probability(b0, b1, 0.0, 0.0, rho))
    without = {
        name: float(conditional_honor_probability(b0, b1 - v * s1, 0.0, 0.0, rho))
        for name, v in terms.items()
    }
    return {
        "design": design_id,
        "guarantor": guarantor,
        "today": today[guarantor],
        "design_features": tomorrow[guarantor],
        "b_today": b0,
        "b_design": b1,
        "p_fight_today_model": float(expit(b0)),
        "p_fight_design_unconditional": float(expit(b1)),
        "persistence": rho,
        "terms": terms,
        "no_counterpart": [o.value for o in design.obligations if OBLIGATION_MAP[o.value][1]],
        "p_honor_at_mean": p,
        "p_without_term": without,
        "data_years": case.data_years,
        "circumstances": {
            "today": cred.circumstances_today.nominal,
            "tomorrow": cred.circumstances_tomorrow.nominal,
        },
    }
