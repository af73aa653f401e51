"""Designs compared on the same draws: credibility, deterrence of a renewed attack, and the
durability of the peace.

For each design, in every credibility draw: the probability that at least one guarantor
honors (the revealed-resolve update), the probability that the aggressor does not renew the
war within ``deterrence.years`` (the capability contest with the guarantors' expected
committed capability once the design is in force, :mod:`guaranty.models.deterrence`), and the
probability that the peace holds that long on the ceasefire data (Weibull survival with a
third party present when the design has guarantors, weighted by P(at least one honors),
:mod:`guaranty.models.durability`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from guaranty.credibility import CredibilityResult
from guaranty.data.peace import fortna_ceasefires
from guaranty.models.deterrence import renewal_risk
from guaranty.models.durability import SurvivalFit, fit_survival, survival_probability
from guaranty.scenario.compile import sample_quantity
from guaranty.scenario.schema import DeterrenceSettings, Scenario

__all__ = ["DesignComparison", "compare_designs", "peace_model"]


@cache
def peace_model() -> SurvivalFit:
    """The Weibull model of ceasefire durations (peacekeepers, treaty, victory), fitted once."""
    covariates = ("peacekeepers", "treaty", "victory")
    return fit_survival(*fortna_ceasefires().survival_data(covariates), covariates)


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
                    "p_peace": stat(self.p_peace[k]),
                }
                for k, d in enumerate(self.designs)
            },
        }


def _entropy(seed: int | Sequence[int], k: int) -> list[int]:
    return [seed, k] if isinstance(seed, int | np.integer) else [*seed, k]


def compare_designs(
    scenario: Scenario,
    credibility: CredibilityResult,
    *,
    seed: int | Sequence[int] = 0,
    aggressor: np.ndarray | None = None,
    protected: np.ndarray | None = None,
    covariates: Mapping[str, np.ndarray] | None = None,
) -> DesignComparison:
    """Compare every design of ``scenario`` on the draws of ``credibility``.

    aggressor, protected : the two sides' capabilities after the war, arrays of shape
        (draws,); default: the scenario's nominal capabilities.
    covariates : other covariates of the peace model (``treaty``, ``victory``), arrays of
        shape (draws,); absent ones are 0.
    seed : the entropy of a ``numpy.random.SeedSequence`` (an integer or a sequence).
    """
    settings = scenario.deterrence or DeterrenceSettings()
    draws = credibility.draws
    cred = scenario.credibility
    rng = np.random.default_rng(np.random.SeedSequence(_entropy(seed, 7)))
    stakes = sample_quantity(settings.stakes, draws, rng, 0.0, np.inf)
    cost = sample_quantity(settings.cost, draws, rng, 0.0, np.inf)
    sigma = sample_quantity(settings.sigma, draws, rng, 1e-9, np.inf)
    if aggressor is None:
        aggressor = np.full(draws, scenario.actor(cred.aggressor).capability_value.nominal)
    if protected is None:
        nominal = scenario.actor(cred.protected).capability_value.nominal if cred.protected else 0.0
        protected = np.full(draws, nominal)
    peace = peace_model().sample(
        np.random.default_rng(np.random.SeedSequence(_entropy(seed, 8))), draws
    )
    rows_any, rows_attack, rows_peace, rows_window, rows_exposure = [], [], [], [], []
    for d in credibility.designs:
        p_any = np.nan_to_num(d.p_any, nan=0.0)
        years_to_effect = sample_quantity(d.design.years_to_effect, draws, rng, 0.0, np.inf)
        risk = renewal_risk(
            aggressor,
            protected,
            d.expected_capability,
            years_to_effect,
            stakes,
            cost,
            sigma,
            settings.years,
        )
        third = np.full(draws, 1.0 if d.guarantors else 0.0)
        held = survival_probability(
            peace, [settings.years], third, credibility=p_any, covariates=covariates
        )[:, 0]
        # P(renewed attack while the design is not yet in force): 1 - S(exposure years)
        survival0 = np.concatenate([np.ones((draws, 1)), risk.survival], axis=1)
        exposed = risk.exposure_years.astype(int)
        rows_window.append(1.0 - survival0[np.arange(draws), exposed])
        rows_exposure.append(risk.exposure_years)
        rows_any.append(d.p_any)
        rows_attack.append(risk.survival[:, -1])
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
        inputs={
            "stakes of a renewed war (deterrence.stakes)": stakes,
            "cost of a renewed war (deterrence.cost)": cost,
            "spread of the yearly reconsideration (deterrence.sigma)": sigma,
        },
    )
