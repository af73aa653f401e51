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

from dataclasses import dataclass
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


def compare_designs(
    scenario: Scenario, credibility: CredibilityResult, *, seed: int = 0
) -> DesignComparison:
    """Compare every design of ``scenario`` on the draws of ``credibility``."""
    settings = scenario.deterrence or DeterrenceSettings()
    draws = credibility.draws
    cred = scenario.credibility
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    stakes = sample_quantity(settings.stakes, draws, rng, 0.0, np.inf)
    cost = sample_quantity(settings.cost, draws, rng, 0.0, np.inf)
    sigma = sample_quantity(settings.sigma, draws, rng, 1e-9, np.inf)
    aggressor = scenario.actor(cred.aggressor).capability_value.nominal
    protected = scenario.actor(cred.protected).capability_value.nominal if cred.protected else 0.0
    peace = peace_model().sample(np.random.default_rng(np.random.SeedSequence([seed, 8])), draws)
    rows_any, rows_attack, rows_peace = [], [], []
    for d in credibility.designs:
        p_any = np.nan_to_num(d.p_any, nan=0.0)
        years_to_effect = sample_quantity(d.design.years_to_effect, draws, rng, 0.0, np.inf)
        risk = renewal_risk(
            np.full(draws, aggressor),
            np.full(draws, protected),
            d.expected_capability,
            years_to_effect,
            stakes,
            cost,
            sigma,
            settings.years,
        )
        third = np.full(draws, 1.0 if d.guarantors else 0.0)
        held = survival_probability(peace, [settings.years], third, credibility=p_any)[:, 0]
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
    )
