"""Deterrence of a renewed attack after a settlement, year by year.

After a settlement the aggressor weighs, each year t, renewing the war against keeping the
peace. It expects to win a renewed war with probability

    p_t = C_a / (C_a + C_p + K_t),          K_t = committed_t if t >= years_to_effect else 0,

(a contest-success function in capabilities: the aggressor's C_a against the protected
state's C_p and the capability K_t the guarantors are expected to commit once the guarantee
is in force), and attacks when the expected value of war exceeds that of peace,

    p_t * V - c + e_t > 0,                  e_t ~ N(0, sigma^2) independent across years,

with V the value of winning (the stakes, relative to the peace) and c the cost of war, both on
the same scale. So the yearly probability of a renewed attack is
h_t = Phi((p_t V - c) / sigma), and the probability that the peace survives T years is
prod_{t < T} (1 - h_t). A design that takes years to take effect (NATO accession) leaves a
window of exposure, the years t < years_to_effect in which K_t = 0.

Choices
-------
* The contest-success function (Tullock 1980; the capability ratio used in the
  expected-utility tradition, Bueno de Mesquita 1981) is the simplest form in which the
  committed capability enters; it ignores geography and nuclear escalation, which enter
  only through V, c and sigma.
* V, c and sigma are stated per scenario with uncertainty; the module has no defaults drawn
  from data, because no data set here measures them.
* The guarantors' committed capability is the credibility model's expected capability
  committed, per draw (honoring is not redrawn year by year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["RenewalResult", "renewal_risk"]


@dataclass(frozen=True)
class RenewalResult:
    """Yearly and cumulative risk of a renewed attack.

    Attributes
    ----------
    hazard : array of shape (draws, years)
        Probability of a renewed attack in year t, given peace until then.
    survival : array of shape (draws, years)
        Probability that the peace lasts through year t (inclusive).
    exposure_years : array of shape (draws,)
        Years before the guarantee takes effect (the window of exposure), capped at the
        horizon.
    """

    hazard: np.ndarray
    survival: np.ndarray
    exposure_years: np.ndarray


def renewal_risk(
    aggressor: np.ndarray,
    protected: np.ndarray,
    committed: np.ndarray,
    years_to_effect: np.ndarray,
    stakes: np.ndarray,
    cost: np.ndarray,
    sigma: np.ndarray,
    years: int,
) -> RenewalResult:
    """Yearly risk of a renewed attack over ``years`` years after a settlement.

    aggressor, protected, committed : capabilities, arrays of shape (draws,) (>= 0).
    years_to_effect, stakes, cost, sigma (> 0) : arrays of shape (draws,).
    """
    t = np.arange(years)[None, :]
    in_force = t >= np.ceil(years_to_effect)[:, None]
    k = np.where(in_force, committed[:, None], 0.0)
    denom = aggressor[:, None] + protected[:, None] + k
    p_win = np.where(denom > 0, aggressor[:, None] / np.where(denom > 0, denom, 1.0), 0.0)
    z = (p_win * stakes[:, None] - cost[:, None]) / sigma[:, None]
    hazard = special.ndtr(z)
    survival = np.cumprod(1.0 - hazard, axis=1)
    exposure = np.minimum(np.ceil(years_to_effect), years)
    return RenewalResult(hazard=hazard, survival=survival, exposure_years=exposure)
