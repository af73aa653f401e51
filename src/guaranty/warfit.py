"""The battlefield model fitted to the inter-state wars of 1816-2007, and its backtest.

:func:`fit_war` simulates every COW war under a prior sample of the calibrated parameters
(:mod:`guaranty.models.war.calibration`) and weighs each parameter vector by its synthetic
likelihood; ``scripts/fit_war.py`` writes the result to ``data/war_fit.json``, which
:func:`war_fit` reads and :mod:`guaranty.war` draws the scenario's defaults from.
:func:`backtest` scores the model out of sample, grouped by war, against the base rates
(``guaranty backtest-war``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from guaranty.models.war import calibration as cal

__all__ = [
    "FIT_SETTINGS",
    "WarFit",
    "backtest",
    "cases",
    "fit_war",
    "posterior_draws",
    "reweigh",
    "war_fit",
]

#: the settings of the shipped fit: prior sample size, simulations per war and per theta,
#: the seed of the prior sample and of the shocks, and the folds of the backtest. 128
#: simulations per war: with 16 the synthetic likelihood was noisy enough that the held-out
#: scores hung on the seed (docs/models/war.md, "Monte Carlo error of the fit")
FIT_SETTINGS = {"thetas": 2048, "per_case": 128, "seed": 2022, "folds": 10}

#: COW outcome classes of the wars that are scored (the others, a war transformed into
#: another kind of war or with initiators on both ends, are left out)
_CLASS_OF = {
    "initiator": "initiator",
    "target": "target",
    "compromise": "negotiated",
    "stalemate": "stalemate",
}


def cases(table: dict[str, np.ndarray] | None = None) -> cal.Cases:
    """The scored COW wars as :class:`~guaranty.models.war.calibration.Cases`.

    Forces are the two sides' material capabilities (the sum of CINC of every state that
    fought on the side, each in its first year of the war; COW NMC): military personnel
    alone predict the winner less well (docs/models/war.md)."""
    if table is None:
        from guaranty.data.wars import cow_wars

        table = cow_wars()
    keep = np.isin(table["outcome_class"], list(_CLASS_OF))
    t = {k: v[keep] for k, v in table.items()}
    ci = t["cinc_init_all"].astype(float)
    ct = t["cinc_target_all"].astype(float)
    scale = 200.0 / (ci + ct)
    outcome = np.array([cal.CLASSES.index(_CLASS_OF[c]) for c in t["outcome_class"]])
    major = t["major_init"].astype(np.int64) - t["major_target"].astype(np.int64)
    agreement = victory = imposed = None
    if "gml_settle" in t:
        settle = t["gml_settle"]
        agreement = np.select(
            [settle == "negotiated", (settle == "imposed") | (settle == "none")], [1, 0], -1
        ).astype(np.int64)
        imposed = np.asarray(settle == "imposed", dtype=bool)
    if "gml_outcome" in t:
        ended = t["gml_outcome"]
        victory = np.select(
            [ended == "victory", np.isin(ended, ["yield", "stalemate", "compromise"])], [1, 0], -1
        ).astype(np.int64)
    return cal.Cases(
        warnum=t["warnum"].astype(np.int64),
        force_a=ct * scale,
        force_b=ci * scale,
        major=major.astype(float),
        states=t["n_states"].astype(float),
        outcome=outcome,
        years=t["years_touched"].astype(np.int64),
        agreement=agreement,
        victory=victory,
        imposed=imposed,
    )


@dataclass(frozen=True)
class WarFit:
    """A fit: the prior sample, each war's log-likelihood under each theta, the weights.

    theta: name -> (T,); loglik: (T, W); weights: (T,) from all wars."""

    theta: dict[str, np.ndarray]
    loglik: np.ndarray
    weights: np.ndarray
    cases: cal.Cases
    temperature: float
    simulation: cal.Simulation | None = None

    def summary(self) -> dict[str, dict[str, float]]:
        """Per parameter: prior and posterior mean, sd and 5-95% range, and whether the data
        identify it (posterior sd below 80% of the prior's)."""
        out = {}
        for p in cal.PARAMETERS:
            v = self.theta[p.name]
            idx = np.argsort(v)
            cw = np.cumsum(self.weights[idx])
            q = [float(v[idx][min(np.searchsorted(cw, a), v.size - 1)]) for a in (0.05, 0.95)]
            mean = float(self.weights @ v)
            sd = float(np.sqrt(self.weights @ (v - mean) ** 2))
            prior_sd = float(np.std(v))
            out[p.name] = {
                "prior_mean": float(np.mean(v)),
                "prior_sd": prior_sd,
                "mean": mean,
                "sd": sd,
                "q05": q[0],
                "q95": q[1],
                "identified": bool(sd < 0.8 * prior_sd),
            }
        return out

    def to_json(self) -> dict[str, Any]:
        names = [p.name for p in cal.PARAMETERS]
        return {
            "settings": FIT_SETTINGS,
            "wars": int(self.cases.size),
            "names": names,
            "theta": [
                [round(float(self.theta[n][t]), 6) for n in names] for t in range(self.weights.size)
            ],
            "loglik": [round(float(v), 6) for v in self.loglik.sum(axis=1)],
            "temperature": self.temperature,
            "effective_sample_size": round(cal.effective_sample_size(self.weights), 3),
            "summary": self.summary(),
        }


def fit_war(
    *,
    thetas: int = FIT_SETTINGS["thetas"],
    per_case: int = FIT_SETTINGS["per_case"],
    seed: int = FIT_SETTINGS["seed"],
    table: dict[str, np.ndarray] | None = None,
    progress: Callable[[int], None] | None = None,
    agreement: bool = False,
    victory: bool = False,
) -> WarFit:
    """Simulate every scored war under ``thetas`` prior draws and weigh them (seeded); with
    ``agreement`` the likelihood also reads whether each war ended by agreement, with
    ``victory`` whether it ended without a victory (GML MID; not the shipped fit, which
    reads COW's classes and durations alone)."""
    c = cases(table)
    theta = cal.prior_sample(thetas, seed)
    sim = cal.simulate_cases(theta, c, per_case, seed, progress=progress)
    return reweigh(
        WarFit(theta, np.zeros((0, 0)), np.zeros(0), c, 1.0, sim),
        seed=seed,
        agreement=agreement,
        victory=victory,
    )


def reweigh(
    fit: WarFit,
    *,
    seed: int = FIT_SETTINGS["seed"],
    agreement: bool = False,
    victory: bool = False,
) -> WarFit:
    """``fit`` with its likelihood, temperature and weights made again from its
    simulations, the likelihood reading the records :func:`fit_war` names (``seed``: the
    folds that choose the temperature)."""
    assert fit.simulation is not None, "reweigh needs the simulations (fit_war)"
    c = fit.cases
    ll = cal.loglik(fit.simulation, c, agreement=agreement, victory=victory)
    every = np.ones(c.size, bool)
    temp = cal.choose_temperature(ll, every, FIT_SETTINGS["folds"], seed)
    w = cal.fold_weights(ll, every, temp)
    return WarFit(fit.theta, ll, w, c, temp, fit.simulation)


@dataclass(frozen=True)
class ShippedFit:
    """The shipped fit (``data/war_fit.json``): theta (name -> (T,)) and weights (T,)."""

    theta: dict[str, np.ndarray]
    weights: np.ndarray
    summary: dict[str, dict[str, float]]
    effective_sample_size: float
    wars: int
    backtest: dict[str, Any]


@cache
def war_fit() -> ShippedFit:
    """The shipped fit, read once."""
    raw = json.loads(resources.files("guaranty.data").joinpath("war_fit.json").read_text())
    arr = np.asarray(raw["theta"], dtype=float)
    theta = {n: arr[:, k] for k, n in enumerate(raw["names"])}
    ll = np.asarray(raw["loglik"], dtype=float) / raw["temperature"]
    w = np.exp(ll - ll.max())
    return ShippedFit(
        theta,
        w / w.sum(),
        raw["summary"],
        raw["effective_sample_size"],
        raw["wars"],
        raw.get("backtest", {}),
    )


def posterior_draws(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of the calibrated parameters from the shipped posterior; name -> (n,)."""
    fit = war_fit()
    idx = rng.choice(fit.weights.size, size=n, p=fit.weights)
    return {k: v[idx] for k, v in fit.theta.items()}


# --------------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------------


def _folds(size: int, k: int, seed: int) -> np.ndarray:
    perm = np.random.default_rng(seed).permutation(size)
    fold = np.empty(size, np.int64)
    fold[perm] = np.arange(size) % k
    return fold


def backtest(fit: WarFit, *, folds: int = FIT_SETTINGS["folds"], seed: int = 0) -> dict[str, Any]:
    """Out-of-sample scores, wars dealt at random into ``folds`` folds (every war held out
    once; the weights come from the other folds' wars only).

    Outcome: multiclass Brier score of :data:`~guaranty.models.war.calibration.CLASSES`
    against the training folds' class shares. Duration (calendar years touched): CRPS against
    the training folds' distribution, and the share of held-out wars inside the model's
    central 50% and 90% intervals. Also the survival curves (share still fighting after
    k = 1 .. Y calendar years) of the data (Kaplan-Meier; no war is censored) and of the
    model (mean of the held-out predictions)."""
    assert fit.simulation is not None, "backtest needs the simulations (fit_war)"
    c = fit.cases
    pc = cal.class_pmf(fit.simulation, pseudo=0.0)
    py = cal.year_pmf(fit.simulation, pseudo=0.0)
    fold = _folds(c.size, folds, seed)
    p_month = np.empty((c.size, cal.HORIZON))
    p_cls = np.empty((c.size, len(cal.CLASSES)))
    p_cls_base = np.empty_like(p_cls)
    p_yr = np.empty((c.size, cal.YEARS))
    p_yr_base = np.empty_like(p_yr)
    ends = fit.simulation.ends
    p_ends = None if ends is None else np.empty((c.size, ends.shape[2]))
    ess, temps = [], []
    years = np.minimum(c.years, cal.YEARS)
    for f in range(folds):
        held = fold == f
        temp = cal.choose_temperature(fit.loglik, ~held, folds, seed + 1 + f)
        w = cal.fold_weights(fit.loglik, ~held, temp)
        temps.append(temp)
        ess.append(cal.effective_sample_size(w))
        p_cls[held] = np.einsum("t,twk->wk", w, pc[:, held])
        p_yr[held] = np.einsum("t,twy->wy", w, py[:, held])
        p_month[held] = np.einsum("t,twm->wm", w, fit.simulation.months[:, held])
        if p_ends is not None:
            p_ends[held] = np.einsum("t,twk->wk", w, ends[:, held])
        p_cls_base[held] = np.bincount(c.outcome[~held], minlength=len(cal.CLASSES)) / (~held).sum()
        p_yr_base[held] = np.bincount(years[~held] - 1, minlength=cal.YEARS) / (~held).sum()
    lo50, hi50 = cal.central_interval(p_yr, 0.5)
    lo90, hi90 = cal.central_interval(p_yr, 0.9)
    k = np.arange(1, cal.YEARS + 1)
    return {
        "n": int(c.size),
        "folds": folds,
        "outcome": {
            "classes": list(cal.CLASSES),
            "brier": cal.multiclass_brier(p_cls, c.outcome),
            "brier_base_rate": cal.multiclass_brier(p_cls_base, c.outcome),
            "observed": {n: int((c.outcome == i).sum()) for i, n in enumerate(cal.CLASSES)},
            "predicted": {n: float(p_cls[:, i].sum()) for i, n in enumerate(cal.CLASSES)},
        },
        "duration": {
            "unit": "calendar years touched",
            "crps": float(cal.crps_discrete(p_yr, years).mean()),
            "crps_base_rate": float(cal.crps_discrete(p_yr_base, years).mean()),
            "coverage50": float(np.mean((years >= lo50) & (years <= hi50))),
            "coverage90": float(np.mean((years >= lo90) & (years <= hi90))),
            "survival": {
                "years": k.tolist(),
                "data": [float(np.mean(years > j)) for j in k],
                "model": [float(v) for v in 1.0 - np.cumsum(p_yr, axis=1).mean(axis=0)],
            },
        },
        "months": _months_check(p_month, fit.cases),
        **_agreement_check(fit, fold, p_ends),
        **_victory_check(fit, fold, p_ends, p_cls),
        "effective_sample_size": {"min": float(min(ess)), "max": float(max(ess))},
        "temperature": {"min": float(min(temps)), "max": float(max(temps))},
    }


def _binary_score(
    p: np.ndarray, y: np.ndarray, known: np.ndarray, fold: np.ndarray
) -> dict[str, Any]:
    """A held-out binary check: ``p`` the model's held-out P(event) and ``y`` the event
    (1 or 0), both of shape (wars with a record,), ``known`` which of all the wars those
    are, ``fold`` every war's fold. The counts, and the Brier scores of the model and of
    the base rate (each war's training folds' share among the wars with a record)."""
    rows = np.flatnonzero(known)
    base = np.array([y[fold[rows] != fold[r]].mean() for r in rows])
    return {
        "n": int(known.sum()),
        "observed": int(y.sum()),
        "predicted": float(p.sum()),
        "brier": float(np.mean((p - y) ** 2)),
        "brier_base_rate": float(np.mean((base - y) ** 2)),
    }


def _agreement_check(fit: WarFit, fold: np.ndarray, p_ends: np.ndarray | None) -> dict[str, Any]:
    """How the held-out wars ended against the model: by agreement (GML MID ``settle``
    negotiated) or not (imposed, or no settlement), a record the fit never reads. Scored
    by Brier against the training folds' share of agreements among the wars with a record;
    {} when the cases or the simulations carry none."""
    c = fit.cases
    if c.agreement is None or p_ends is None:
        return {}
    from guaranty.models.war.battlefield import OUTCOMES

    known = c.agreement >= 0
    y = c.agreement[known].astype(float)
    p = p_ends[known][:, [OUTCOMES.index(k) for k in cal.AGREED]].sum(axis=1)
    shares = {k: float(p_ends[known][:, OUTCOMES.index(k)].mean()) for k in OUTCOMES}
    decisive = [OUTCOMES.index(k) for k in OUTCOMES if k.startswith("decisive")]
    imposed = c.agreement[known] == 0 if c.imposed is None else c.imposed[known]
    score = _binary_score(p, y, known, fold)
    return {
        "agreement": {
            "source": "GML MID settle of the war's war-level dispute",
            **{k: score[k] for k in ("n", "observed", "predicted")},
            # a peace imposed on the loser ends a war without an agreement, which in the
            # model is a collapse: a bound the model must meet (imposed <= decisive)
            "imposed": int(imposed.sum()),
            "decisive_predicted": float(p_ends[known][:, decisive].sum()),
            "brier": score["brier"],
            "brier_base_rate": score["brier_base_rate"],
            "mean_if_negotiated": float(p[y == 1].mean()),
            "mean_if_not": float(p[y == 0].mean()),
            "endings": shares,
        }
    }


def _victory_check(
    fit: WarFit, fold: np.ndarray, p_ends: np.ndarray | None, p_cls: np.ndarray
) -> dict[str, Any]:
    """How the held-out wars ended against the model: in a victory of either side (GML MID
    dispute ``outcome``) or without one (a yield, a stalemate or a compromise), a record the
    fit never reads. The model's P(no victory) is every ending but a collapse
    (:data:`~guaranty.models.war.calibration.NO_VICTORY`). Scored by Brier against the
    training folds' share among the wars with a record; beside it (``cow``), the same score
    on the same wars of COW's classes compromise and stalemate (the classes the fit reads)
    against the model's P(compromise or stalemate). Also the shift of log-odds that, added
    to every war's P(no victory), brings the mean to the record's share and to the ends of
    its 90% Wilson interval (``shift``: what the claims ledger uses to ask whether a verdict
    survives the record); {} without a record."""
    c = fit.cases
    if c.victory is None or p_ends is None:
        return {}
    from scipy.optimize import brentq
    from scipy.special import expit, logit
    from scipy.stats import binomtest

    from guaranty.models.war.battlefield import OUTCOMES

    known = c.victory >= 0
    y = 1.0 - c.victory[known]  # 1: ended without a victory
    p = p_ends[known][:, [OUTCOMES.index(k) for k in cal.NO_VICTORY]].sum(axis=1)
    ci = binomtest(int(y.sum()), int(known.sum())).proportion_ci(0.9, method="wilson")
    odds = logit(np.clip(p, 1e-9, 1 - 1e-9))

    def shift(share: float) -> float:
        return float(brentq(lambda d: expit(odds + d).mean() - share, -20.0, 20.0, xtol=1e-12))

    cow = [cal.CLASSES.index(k) for k in ("negotiated", "stalemate")]
    z = np.isin(c.outcome[known], cow).astype(float)  # 1: COW's class is not a win
    pz = p_cls[known][:, cow].sum(axis=1)
    return {
        "victory": {
            "source": "GML MID outcome of the war's war-level dispute",
            **_binary_score(p, y, known, fold),
            "mean_if_no_victory": float(p[y == 1].mean()),
            "mean_if_victory": float(p[y == 0].mean()),
            "interval": [float(ci.low), float(ci.high)],
            "shift": {
                "observed": shift(float(y.mean())),
                "low": shift(float(ci.low)),
                "high": shift(float(ci.high)),
            },
            "cow": {
                **{k: v for k, v in _binary_score(pz, z, known, fold).items() if k != "n"},
                "mean_if_not_won": float(pz[z == 1].mean()),
                "mean_if_won": float(pz[z == 0].mean()),
            },
        }
    }


def _months_check(p_month: np.ndarray, c: cal.Cases) -> dict[str, Any]:
    """A month-scale check: the share of wars still fighting after m months (m = 0 .. 60)
    among the UCDP/PRIO inter-state war episodes 1946-2021 (intensity 2; Kaplan-Meier with
    the censored episodes) against the model's held-out prediction for the COW wars that
    began in 1946 or later. Not a score (the two lists of wars overlap but differ)."""
    from guaranty.data.wars import cow_wars, ucdp_war_lengths, ucdp_war_survival

    episodes = ucdp_war_lengths()[0].size
    grid = np.arange(61)
    km = ucdp_war_survival(grid)
    table = cow_wars()
    start = dict(zip(table["warnum"].astype(int), table["start_year"].astype(int), strict=True))
    recent = np.array([start[int(w)] >= 1946 for w in c.warnum])
    surv = 1.0 - np.cumsum(p_month[recent].mean(axis=0))  # P(months > m), m = 1 ..
    model = [1.0, *[float(surv[m - 1]) for m in grid[1:]]]
    return {
        "months": grid.tolist(),
        "ucdp_wars": int(episodes),
        "ucdp_kaplan_meier": [float(v) for v in km],
        "cow_wars_since_1946": int(recent.sum()),
        "model": model,
    }
