#!/usr/bin/env python3
"""Print the out-of-sample check of the durability model (docs/models/durability.md).

Usage: python scripts/validate_durability.py

Leave one ceasefire out: each of the 96 ceasefires of Fortna's data (the ROS sample) is
held out in turn, every model is refitted on the other 95, and the held-out case is scored:

* its log-likelihood at the refitted estimate (log h(t) - H(t) for a peace that failed at t,
  -H(t) for one still holding at the end of 2004), in nats per case (higher is better);
* the Brier score of P(war returns within T years) for T = 2 and 5 (every case was
  followed for at least 5.19 years, so its outcome at both horizons is known).

The models: the shipped Weibull on peacekeepers, treaty and victory; the Weibull on
peacekeepers alone, and on treaty and victory without peacekeepers (what the peacekeeping
term, through which a guarantee acts, adds out of sample); the Weibull and the exponential
without covariates (parametric base rates); and, for the Brier scores, the training cases'
share failed within T (the nonparametric base rate). The shipped model's gains come with
90% intervals from 2,000 bootstrap resamples of the cases (paired; seed 20221, which only
draws the resamples). A second or two.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from guaranty.data.peace import fortna_ceasefires
from guaranty.models.durability import fit_survival

#: the shipped peace model's covariates (guaranty.comparison.peace_model)
SHIPPED = ("peacekeepers", "treaty", "victory")
#: the models compared: label -> (covariates, distribution)
MODELS: dict[str, tuple[tuple[str, ...], str]] = {
    "Weibull, peacekeepers + treaty + victory (shipped)": (SHIPPED, "weibull"),
    "Weibull, peacekeepers only": (("peacekeepers",), "weibull"),
    "Weibull, treaty + victory (no peacekeepers)": (("treaty", "victory"), "weibull"),
    "Weibull, no covariates": ((), "weibull"),
    "exponential, no covariates": ((), "exponential"),
}
BASE_RATE = "base rate: the training cases' share failed within T"
HORIZONS = (2.0, 5.0)
SEED = 20221


@dataclass(frozen=True)
class HeldOut:
    """Leave-one-out results of one model: per case (shape (cases,)) the held-out
    log-likelihood (NaN for the base rate, which has none) and P(failed within T) for each
    of :data:`HORIZONS` (shape (cases, horizons))."""

    log_likelihood: np.ndarray
    p_failed: np.ndarray


def leave_one_out() -> tuple[dict[str, HeldOut], np.ndarray, np.ndarray]:
    """Every model's held-out predictions, and the cases' (time, event), each (cases,)."""
    t, d, x_all = fortna_ceasefires().survival_data(SHIPPED)
    n = t.size
    out: dict[str, HeldOut] = {}
    for label, (covs, dist) in MODELS.items():
        x = x_all[:, [SHIPPED.index(c) for c in covs]]
        ll, pf = np.empty(n), np.empty((n, len(HORIZONS)))
        for i in range(n):
            keep = np.arange(n) != i
            fit = fit_survival(t[keep], d[keep], x[keep], covs, dist)
            ll[i] = fit.case_log_likelihood(t[i : i + 1], d[i : i + 1], x[i : i + 1])[0]
            pf[i] = 1.0 - fit.survival_at(x[i : i + 1], HORIZONS)[0]
        out[label] = HeldOut(ll, pf)
    share = np.empty((n, len(HORIZONS)))
    for i in range(n):
        keep = np.arange(n) != i
        share[i] = [np.mean((t[keep] < h) & (d[keep] == 1)) for h in HORIZONS]
    out[BASE_RATE] = HeldOut(np.full(n, np.nan), share)
    return out, t, d


def scores(held: HeldOut, t: np.ndarray, d: np.ndarray) -> tuple[float, list[float]]:
    """(mean held-out log-likelihood per case, [Brier at each horizon]), over the cases
    whose outcome at the horizon is known (all of them here)."""
    briers = []
    for j, h in enumerate(HORIZONS):
        known = (t >= h) | (d == 1)
        briers.append(float(np.mean(case_brier(held, t, d, j)[known])))
    return float(np.mean(held.log_likelihood)), briers


def case_brier(held: HeldOut, t: np.ndarray, d: np.ndarray, j: int) -> np.ndarray:
    """Each case's squared error of P(failed within HORIZONS[j]), shape (cases,) (every
    case's outcome at both horizons is known: see the module docstring)."""
    y = ((t < HORIZONS[j]) & (d == 1)).astype(float)
    return (held.p_failed[:, j] - y) ** 2


def paired_gain(a: np.ndarray, b: np.ndarray, n: int = 2000) -> tuple[float, float, float]:
    """Mean of a - b (both per case, shape (cases,)) and its 90% interval from ``n``
    bootstrap resamples of the cases (seed :data:`SEED`)."""
    diff = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(SEED)
    boot = diff[rng.integers(0, diff.size, (n, diff.size))].mean(axis=1)
    lo, hi = np.percentile(boot, [5, 95])
    return float(diff.mean()), float(lo), float(hi)


def gains(held: dict[str, HeldOut], t: np.ndarray, d: np.ndarray) -> dict[str, tuple]:
    """The shipped model against the base rates: its held-out log-likelihood minus the
    Weibull's without covariates, and its Brier score minus the training share's at each
    horizon; and against the model without peacekeepers (log-likelihood, Brier at 5 years);
    each (mean, 90% low, 90% high)."""
    ship = held[next(iter(MODELS))]
    no_pk = held["Weibull, treaty + victory (no peacekeepers)"]
    out = {
        "log-likelihood per case, minus the Weibull without covariates": paired_gain(
            ship.log_likelihood, held["Weibull, no covariates"].log_likelihood
        ),
        "log-likelihood per case, minus the model without peacekeepers": paired_gain(
            ship.log_likelihood, no_pk.log_likelihood
        ),
        "Brier, war within 5 years, minus the model without peacekeepers": paired_gain(
            case_brier(ship, t, d, 1), case_brier(no_pk, t, d, 1)
        ),
    }
    for j, h in enumerate(HORIZONS):
        out[f"Brier, war within {h:g} years, minus the base rate"] = paired_gain(
            case_brier(ship, t, d, j), case_brier(held[BASE_RATE], t, d, j)
        )
    return out


def main() -> int:
    held, t, d = leave_one_out()
    print("# Durability: leave one ceasefire out\n")
    print(
        f"{t.size} ceasefires, {int(d.sum())} failures; shortest follow-up of a peace that "
        f"held: {t[d == 0].min():.2f} years.\n"
    )
    heads = " | ".join(f"Brier, war within {h:g} years" for h in HORIZONS)
    print(f"| model | held-out log-likelihood per case | {heads} |")
    print("|---|---|" + "---|" * len(HORIZONS))
    for label, h in held.items():
        ll, briers = scores(h, t, d)
        cell = "—" if np.isnan(ll) else f"{ll:.4f}"
        print(f"| {label} | {cell} | " + " | ".join(f"{b:.4f}" for b in briers) + " |")
    print()
    print("| the shipped model's gain | mean | 90% interval |")
    print("|---|---|---|")
    for label, (m, lo, hi) in gains(held, t, d).items():
        print(f"| {label} | {m:+.4f} | [{lo:+.4f}, {hi:+.4f}] |")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
