"""Designs compared on the same draws: credibility, deterrence of a renewed attack, and the
durability of the peace.

For each design, in every credibility draw: the probability that at least one guarantor
fights (the revealed-resolve update), the probability that the aggressor does not attack
again within ``deterrence.years`` (stage 1 of :mod:`guaranty.credibility`: the yearly attack
hazard estimated on directed dyad-years 1816-2010, with the design's commitments once it is
in force), the probability of being attacked and abandoned, and the probability that the
peace holds that long: no new war between the two states, on the peace after the COW
inter-state wars 1816-2007 (a Weibull model of the years to the pair's next war, with the
protected state's defense pact with a third state as it is today and, once the design is in
force, as the design makes it; :mod:`guaranty.models.durability`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from guaranty.credibility import CredibilityResult
from guaranty.data.peace import postwar_spells
from guaranty.models.durability import SurvivalFit, fit_survival, survival_switch
from guaranty.scenario.design_matrix import DesignMatrix, draw_pooled
from guaranty.scenario.schema import DeterrenceSettings, Scenario
from guaranty.seeding import Stream, generator

__all__ = [
    "FIT_PEACE",
    "PEACE_COVARIATES",
    "DesignComparison",
    "compare_designs",
    "durability_as_today",
    "fit_peace_model",
    "peace_model",
    "today_outputs",
]

#: The name of the peace model's posterior draw in a design matrix (a joint input).
FIT_PEACE = "history, durability: the fit's posterior draw"


#: the peace model's covariates, in the order of its coefficients: the protected state's
#: defense pact with a third state (what a guarantee changes), a settlement by negotiation, a
#: decisive outcome, a strategic rivalry and contiguity by land (docs/models/durability.md)
PEACE_COVARIATES = ("t_def", "treaty", "decisive", "rivalry", "contig_land")


def fit_peace_model() -> SurvivalFit:
    """The Weibull model of the years from the end of an inter-state war to the pair's next
    war (:data:`PEACE_COVARIATES`), fitted on the shipped table of spells
    (``guaranty.data.peace.postwar_spells``; ``scripts/fit_peace.py`` writes the fit to
    ``data/peace_fit.json``)."""
    return fit_survival(*postwar_spells().survival_data(PEACE_COVARIATES), PEACE_COVARIATES)


@cache
def peace_model() -> SurvivalFit:
    """The shipped fit of :func:`fit_peace_model` (``data/peace_fit.json``), read once per
    process: the fit itself takes 15 ms, but its optimiser's import (``scipy.optimize``)
    0.3 s in every worker of a run. ``tests/durability`` checks that it equals a refit."""
    from importlib import resources

    text = resources.files("guaranty.data").joinpath("peace_fit.json").read_text()
    return SurvivalFit.from_json(json.loads(text))


@dataclass(frozen=True)
class DesignComparison:
    """Per design (rows, in scenario order), arrays over draws of shape (draws,)."""

    designs: tuple[str, ...]
    labels: tuple[str, ...]
    years: int
    p_any: np.ndarray  # (designs, draws)
    p_no_attack: np.ndarray
    p_peace: np.ndarray
    #: P(a renewed attack before the design takes effect), (designs, draws)
    p_attack_window: np.ndarray | None = None
    #: years before the design takes effect, (designs, draws)
    exposure_years: np.ndarray | None = None
    #: P(attacked within the horizon and no guarantor fights), (designs, draws)
    p_abandoned: np.ndarray | None = None
    #: the uncertain inputs of the comparison, name -> array of shape (draws,)
    inputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self, level: float = 0.9) -> dict[str, Any]:
        lo, hi = (1 - level) / 2, (1 + level) / 2

        def stat(x: np.ndarray) -> dict[str, Any]:
            x = x[~np.isnan(x)]
            if x.size == 0:
                return {"mean": None, "interval": None}
            return {
                "mean": float(x.mean()),
                "interval": [float(q) for q in np.quantile(x, [lo, hi])],
            }

        return {
            "years": self.years,
            "designs": {
                d: {
                    "label": self.labels[k],
                    "p_any": stat(self.p_any[k]),
                    "p_no_attack": stat(self.p_no_attack[k]),
                    **(
                        {"p_abandoned": stat(self.p_abandoned[k])}
                        if self.p_abandoned is not None
                        else {}
                    ),
                    "p_peace": stat(self.p_peace[k]),
                }
                for k, d in enumerate(self.designs)
            },
        }


def _peace_values(
    pair: Mapping[str, float], war: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray | float]:
    """The peace model's covariates of one arrangement: the pair's and the design's
    (``pair``) with the war's (``war``), those the model does not use left out."""
    values: dict[str, np.ndarray | float] = {**pair, **war}
    return {k: v for k, v in values.items() if k in PEACE_COVARIATES}


def today_outputs(scenario: Scenario) -> frozenset[str]:
    """The per-design outputs (``p_no_attack.israel_model``, ...) that are today's by
    construction, the design changing nothing their model reads: who fights (``p_any``,
    ``p_all``, ``expected_capability``) by :func:`guaranty.credibility_case.fight_as_today`,
    the renewed attack (``p_no_attack``, ``p_attack_window``, ``exposure_years``) by
    :func:`guaranty.credibility_case.attack_as_today`, being attacked and abandoned by both
    (by the attack alone for a design without guarantors), the peace's durability
    (``p_peace``) by :func:`durability_as_today`."""
    from guaranty.credibility_case import attack_as_today, fight_as_today

    attack, fight, peace = (
        attack_as_today(scenario),
        fight_as_today(scenario),
        durability_as_today(scenario),
    )
    names = set()
    for d in scenario.guarantees:
        fights = d.id in fight and bool(d.guarantors)
        if fights:
            names |= {f"{m}.{d.id}" for m in ("p_any", "p_all", "expected_capability")}
        if d.id in attack:
            names |= {f"{m}.{d.id}" for m in ("p_no_attack", "p_attack_window", "exposure_years")}
            if fights or not d.guarantors:
                names.add(f"p_abandoned.{d.id}")
        if d.id in peace:
            names.add(f"p_peace.{d.id}")
    return frozenset(names)


def durability_as_today(scenario: Scenario) -> frozenset[str]:
    """The designs (ids) that leave every covariate the peace model reads of the pair as it
    is today (:data:`PEACE_COVARIATES`: of a design, only whether the protected state has a
    defense pact with a third state): their P(the peace holds) is today's by construction.
    A superset of :func:`guaranty.credibility_case.attack_as_today`. Empty without a
    credibility section."""
    from guaranty.credibility_case import arrangements, case_of, peace_covariates

    if scenario.credibility is None or not scenario.guarantees:
        return frozenset()
    case = case_of(scenario)
    same = set()
    for d in scenario.guarantees:
        today, tomorrow = arrangements(scenario, case, d)
        before = _peace_values(peace_covariates(case, scenario, today), {})
        after = _peace_values(peace_covariates(case, scenario, tomorrow), {})
        if before == after:
            same.add(d.id)
    return frozenset(same)


def compare_designs(
    scenario: Scenario,
    credibility: CredibilityResult,
    *,
    seed: int | Sequence[int] = 0,
    aggressor: np.ndarray | None = None,
    protected: np.ndarray | None = None,
    covariates: Mapping[str, np.ndarray] | None = None,
    matrix: DesignMatrix | None = None,
) -> DesignComparison:
    """Compare every design of ``scenario`` on the draws of ``credibility``.

    aggressor, protected : the two sides' capabilities after the war, arrays of shape
        (draws,); default: the scenario's nominal capabilities.
    covariates : the covariates of the peace model that the war decides (``treaty``,
        ``decisive``), arrays of shape (draws,); absent ones are 0. Those of the pair
        (``rivalry``, ``contig_land``) and of the design (``t_def``) come with each design of
        ``credibility``.
    seed : the entropy of a ``numpy.random.SeedSequence`` (an integer or a sequence).
    matrix : quantiles for named inputs (:mod:`guaranty.scenario.design_matrix`):
        :data:`FIT_PEACE` picks a posterior draw of the peace model.
    """
    settings = scenario.deterrence or DeterrenceSettings()
    draws = credibility.draws
    del aggressor, protected  # the credibility result already holds the post-war capabilities
    model = peace_model()
    theta = draw_pooled(
        lambda rng, k: rng.multivariate_normal(model.theta, model.cov, size=k),
        draws,
        generator(seed, Stream.PEACE_MODEL),
        name=FIT_PEACE,
        matrix=matrix,
    )
    peace = model.params(theta)
    rows_any, rows_attack, rows_peace, rows_window, rows_exposure = [], [], [], [], []
    rows_abandoned = []
    war = dict(covariates or {})
    for d in credibility.designs:
        held = survival_switch(
            peace,
            settings.years,
            _peace_values(d.peace_today, war),
            _peace_values(d.peace_design, war),
            d.exposure_years if d.exposure_years.size else 0.0,
        )
        rows_window.append(d.p_attack_window)
        rows_exposure.append(d.exposure_years)
        rows_any.append(d.p_any)
        rows_attack.append(1.0 - d.p_attack)
        rows_abandoned.append(d.p_abandoned)
        rows_peace.append(held)
    return DesignComparison(
        designs=tuple(d.design.id for d in credibility.designs),
        labels=tuple(d.design.label for d in credibility.designs),
        years=settings.years,
        p_any=np.array(rows_any),
        p_no_attack=np.array(rows_attack),
        p_peace=np.array(rows_peace),
        p_attack_window=np.array(rows_window),
        exposure_years=np.array(rows_exposure),
        p_abandoned=np.array(rows_abandoned),
        # the one term of the peace model a design moves, recorded as history's other terms
        # are (guaranty.credibility): the claims' halves can then name it
        inputs={
            "history, durability: coefficient of t_def": peace.beta[
                :, peace.covariates.index("t_def")
            ]
        },
    )
