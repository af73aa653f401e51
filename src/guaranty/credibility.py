"""Credibility of a scenario's guarantee designs: designs mapped to the honoring model's
features, and the revealed-resolve update run for every design and guarantor.

The mapping (``OBLIGATION_MAP``, ``LEGAL_FORM``) is the one documented table of
``docs/models/credibility.md``. An obligation with no historical counterpart among the
features (a no-fly zone, sanctions, a nuclear umbrella, ...) adds an unknown effect to b,
drawn from N(0, ``UNKNOWN_SD``^2) per outer draw: a wider uncertainty instead of a made-up
precision.

Today's arrangement x_0 for guarantor g is what g does today (``credibility.conduct``) with no
treaty; the design's features x_d are its obligations and legal form. Both share the case
features (invoked after 1945, whether the aggressor is nuclear-armed, the guarantors'
capability share against the aggressor), so those cancel in b(x_d) - b(x_0) up to the
coalition's size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from guaranty.data.alliances import alliance_invocations
from guaranty.errors import ScenarioError
from guaranty.models.credibility import create
from guaranty.models.credibility.honoring import HonoringPosterior, feature_matrix
from guaranty.models.credibility.resolve import revealed_resolve
from guaranty.scenario.compile import sample_quantity
from guaranty.scenario.schema import Design, Scenario

__all__ = [
    "LEGAL_FORM",
    "OBLIGATION_MAP",
    "UNKNOWN_SD",
    "CredibilityResult",
    "DesignCredibility",
    "assess",
    "design_features",
    "explain",
    "honoring_posterior",
]

#: obligation -> (features it sets to 1, has no historical counterpart, note)
OBLIGATION_MAP: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "consultation": ((), False, "consultation pacts carry no defense feature (B&F 'consul')"),
    "sanctions": ((), True, "economic measures: no counterpart among alliance provisions"),
    "arms": (("milaid",), False, "military aid provisions (ATOP milaid)"),
    "training": (("milaid",), False, "military aid provisions (ATOP milaid)"),
    "intelligence": (("milaid",), False, "read as military aid (ATOP milaid)"),
    "air_defense": (("milaid",), False, "air-defense systems supplied: military aid (ATOP milaid)"),
    "no_fly_zone": (
        ("defense",),
        True,
        "combat by the guarantor's air forces: a defense "
        "obligation, but no alliance in the data enforced a no-fly zone",
    ),
    "tripwire_forces": (
        ("defense", "base"),
        False,
        "troops stationed on the protected state's soil (ATOP base) with a defense obligation",
    ),
    "troops_on_call": (("defense",), False, "a defense obligation (B&F defense)"),
    "integrated_command": (("intcom",), False, "integrated military command (ATOP intcom)"),
    "article5_membership": (
        ("defense",),
        False,
        "a defense obligation within a formal "
        "organisation (legal form 'membership' sets formality)",
    ),
    "nuclear_umbrella": (
        ("defense",),
        True,
        "extended nuclear deterrence: a defense obligation with no counterpart in the data",
    ),
}

#: legal form -> ATOP formality (0-2, divided by 2)
LEGAL_FORM: dict[str, float] = {
    "membership": 1.0,
    "treaty": 0.5,
    "executive_agreement": 0.5,
    "political_declaration": 0.0,
    "none": 0.0,
}

#: sd (log-odds) of the effect of an obligation with no historical counterpart
UNKNOWN_SD = 1.0


@cache
def honoring_posterior() -> HonoringPosterior:
    """The honoring model fitted to the shipped alliance table (cached per process)."""
    table = alliance_invocations()
    return create("honoring").fit(feature_matrix(table), table["honored"])


def design_features(
    obligations: list[str], legal_form: str, multilateral: bool, case: Mapping[str, float]
) -> tuple[dict[str, float], int]:
    """Feature values of an arrangement, and the number of obligations without counterpart."""
    values = {"formal": LEGAL_FORM[legal_form], "multilateral": float(multilateral)}
    for f in ("defense", "offense", "neutral", "nonagg", "intcom", "base", "milaid"):
        values[f] = 0.0
    unknown = 0
    for ob in dict.fromkeys(obligations):
        feats, no_counterpart, _ = OBLIGATION_MAP[ob]
        for f in feats:
            values[f] = 1.0
        unknown += no_counterpart
    values.update(case)
    return values, unknown


@dataclass(frozen=True)
class DesignCredibility:
    """One design's credibility. Arrays over outer draws; intervals are central ``level``."""

    design: Design
    guarantors: tuple[str, ...]
    p_honor: np.ndarray  # (draws, guarantors)
    p_any: np.ndarray  # (draws,)
    p_all: np.ndarray
    expected_capability: np.ndarray
    level: float

    def _ci(self, x: np.ndarray) -> list[float]:
        if np.isnan(x).all():
            return [float("nan"), float("nan")]
        lo, hi = np.quantile(x, [(1 - self.level) / 2, (1 + self.level) / 2])
        return [float(lo), float(hi)]

    def to_json(self) -> dict[str, Any]:
        def num(x: np.ndarray) -> float | None:
            v = float(np.mean(x))
            return None if np.isnan(v) else v

        def ci(x: np.ndarray) -> list[float] | None:
            c = self._ci(x)
            return None if np.isnan(c[0]) else c

        return {
            "label": self.design.label,
            "guarantors": {
                g: {"p_honor": num(self.p_honor[:, k]), "ci": ci(self.p_honor[:, k])}
                for k, g in enumerate(self.guarantors)
            },
            "p_any": num(self.p_any),
            "p_any_ci": ci(self.p_any),
            "p_all": num(self.p_all),
            "p_all_ci": ci(self.p_all),
            "expected_capability": num(self.expected_capability),
            "expected_capability_ci": ci(self.expected_capability),
        }


@dataclass(frozen=True)
class CredibilityResult:
    scenario: str
    designs: tuple[DesignCredibility, ...]
    draws: int
    seed: int | tuple[int, ...]
    #: the uncertain inputs of each draw, name -> array of shape (draws,)
    inputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def outputs(self) -> dict[str, Any]:
        """Per-draw outputs for claims: name -> {design: array (draws,)} or array (draws,)."""
        out: dict[str, Any] = {
            "p_any": {},
            "p_all": {},
            "expected_capability": {},
            "mean_p_honor": {},
        }
        best = np.zeros(self.draws)
        for d in self.designs:
            i = d.design.id
            out["p_any"][i] = d.p_any
            out["p_all"][i] = d.p_all
            out["expected_capability"][i] = d.expected_capability
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
            "designs": {d.design.id: d.to_json() for d in self.designs},
        }


def _settings(scenario: Scenario):
    cred = scenario.credibility
    if cred is None:
        raise ScenarioError(
            "the scenario has no 'credibility' section (aggressor, conduct of each guarantor "
            "today, circumstances, common shock); see docs/scenario-format.md",
            field="credibility",
        )
    if cred.aggressor is None:
        raise ScenarioError(
            "credibility needs the aggressor's actor id", field=("credibility", "aggressor")
        )
    return cred


def _case_features(scenario: Scenario, guarantors: tuple[str, ...]) -> dict[str, float]:
    cred = _settings(scenario)
    aggressor = scenario.actor(cred.aggressor)
    allies = sum(scenario.actor(g).capability_value.nominal for g in guarantors)
    opp = aggressor.capability_value.nominal
    share = allies / (allies + opp) if allies + opp > 0 else np.nan
    return {"post1945": 1.0, "nuclear_opponent": float(aggressor.nuclear), "ally_cinc_share": share}


def assess(
    scenario: Scenario,
    *,
    draws: int = 2000,
    seed: int | Sequence[int] = 0,
    level: float = 0.9,
    inner: int = 256,
) -> CredibilityResult:
    """Credibility of every design and guarantor of ``scenario`` (see module docstring).

    ``seed`` is the entropy of a ``numpy.random.SeedSequence`` (an integer or a sequence)."""
    cred = _settings(scenario)
    post = honoring_posterior()
    root = np.random.SeedSequence(seed)
    s_coef, s_circ, s_unknown, s_latent = root.spawn(4)
    coef = post.draw_coefficients(np.random.default_rng(s_coef), draws)
    rng_c = np.random.default_rng(s_circ)
    c_today = sample_quantity(cred.circumstances_today, draws, rng_c)
    c_tomorrow = sample_quantity(cred.circumstances_tomorrow, draws, rng_c)
    rho = sample_quantity(cred.common_shock, draws, rng_c, 0.0, 0.999)
    per_g: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gid, conduct in sorted(cred.conduct.items()):
        ct = (
            c_today
            if conduct.circumstances_today is None
            else sample_quantity(conduct.circumstances_today, draws, rng_c)
        )
        cm = (
            c_tomorrow
            if conduct.circumstances_tomorrow is None
            else sample_quantity(conduct.circumstances_tomorrow, draws, rng_c)
        )
        per_g[gid] = (ct, cm)
    unknown_effect = np.random.default_rng(s_unknown).normal(
        0.0, UNKNOWN_SD, size=(draws, len(OBLIGATION_MAP))
    )
    unknown_index = {ob: k for k, ob in enumerate(OBLIGATION_MAP)}
    results = []
    for design in scenario.guarantees:
        gs = tuple(design.guarantors)
        n = len(gs)
        case = _case_features(scenario, gs)
        b0 = np.zeros((draws, n))
        b1 = np.zeros((draws, n))
        ct = np.zeros((draws, n))
        cm = np.zeros((draws, n))
        cap = np.zeros((draws, n))
        for k, g in enumerate(gs):
            conduct = cred.conduct.get(g)
            today = [o.value for o in conduct.today] if conduct else []
            x0, _ = design_features(today, "none", False, case)
            x1, _ = design_features(
                [o.value for o in design.obligations], design.legal_form.value, n > 1, case
            )
            b0[:, k] = post.linear_predictor(post.feature_vector(x0), coef)
            b1[:, k] = post.linear_predictor(post.feature_vector(x1), coef)
            new_unknown = {o.value for o in design.obligations} - set(today)
            for ob in new_unknown:
                if OBLIGATION_MAP[ob][1]:
                    b1[:, k] += unknown_effect[:, unknown_index[ob]]
            ct[:, k], cm[:, k] = per_g.get(g, (c_today, c_tomorrow))
            cap[:, k] = scenario.actor(g).capability_value.nominal
        # common random numbers: every design sees the same latent draws, so designs differ
        # only by what they change
        res = revealed_resolve(
            b0, b1, ct, cm, cap, rho, np.random.default_rng(s_latent), inner=inner
        )
        results.append(
            DesignCredibility(
                design, gs, res.p_honor, res.p_any, res.p_all, res.expected_capability, level
            )
        )
    inputs = {
        "common shock (credibility.common_shock)": rho,
        "circumstances tomorrow (credibility.circumstances_tomorrow)": c_tomorrow,
        "circumstances today (credibility.circumstances_today)": c_today,
    }
    for k, name in enumerate(post.coef_names):
        inputs[f"history: coefficient of {name}"] = coef[:, k]
    seed = seed if isinstance(seed, int) else tuple(seed)
    return CredibilityResult(scenario.name, tuple(results), draws, seed, inputs)


def explain(scenario: Scenario, design_id: str, guarantor: str) -> dict[str, Any]:
    """Which terms move guarantor's probability under a design, at the posterior mean.

    Returns the terms of b(x_d) - b(x_0) (coefficient x change in feature), the change in
    circumstances, the obligations without counterpart, and the probability with all terms
    and with each term removed in turn.
    """
    from guaranty.models.credibility.resolve import conditional_honor_probability

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
    post = honoring_posterior()
    case = _case_features(scenario, tuple(design.guarantors))
    conduct = cred.conduct.get(guarantor)
    today = [o.value for o in conduct.today] if conduct else []
    x0, _ = design_features(today, "none", False, case)
    x1, _ = design_features(
        [o.value for o in design.obligations],
        design.legal_form.value,
        len(design.guarantors) > 1,
        case,
    )
    coef = dict(zip(post.coef_names, post.mean, strict=True))
    terms = {
        f: coef[f] * (x1[f] - x0[f])
        for f in post.feature_names
        if f in x1 and f in x0 and x1[f] != x0[f] and not (np.isnan(x1[f]) or np.isnan(x0[f]))
    }

    def nominal(q, default):
        return default if q is None else q.nominal

    c0 = nominal(conduct.circumstances_today if conduct else None, cred.circumstances_today.nominal)
    c1 = nominal(
        conduct.circumstances_tomorrow if conduct else None, cred.circumstances_tomorrow.nominal
    )
    b0 = float(post.linear_predictor(post.feature_vector(x0)))
    b1 = float(post.linear_predictor(post.feature_vector(x1)))
    p = float(conditional_honor_probability(b0, b1, c0, c1))
    without = {
        name: float(conditional_honor_probability(b0, b1 - value, c0, c1))
        for name, value in terms.items()
    }
    if c1 != c0:
        without["circumstances"] = float(conditional_honor_probability(b0, b1, c0, c0))
    unknown = [
        o.value for o in design.obligations if OBLIGATION_MAP[o.value][1] and o.value not in today
    ]
    return {
        "design": design_id,
        "guarantor": guarantor,
        "today": today,
        "b_today": b0,
        "b_design": b1,
        "terms": terms,
        "circumstances": {"today": c0, "tomorrow": c1},
        "no_counterpart": unknown,
        "p_honor_at_mean": p,
        "p_without_term": without,
    }
