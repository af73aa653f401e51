"""The two stages of a guarantee's work, fitted to the shipped history tables.

``fit_evidence()`` fits, from :mod:`guaranty.data.conflict`:

1. **challenge** and **attack** (:mod:`guaranty.models.deterrence.challenge`): the yearly
   probability that a state starts a militarized dispute / uses force against a target,
   given the target's commitments from third parties;
2. **joining** (:mod:`guaranty.models.credibility.joining`): the probability that a third
   state fights on the target's side once the target is challenged, with the alliance as a
   random intercept and the selection by stage 1 as a control function;
3. **persistence**: the latent correlation of the same state's decisions on the same target
   in consecutive tests (:mod:`guaranty.models.credibility.persistence`);
4. **common shock**: the latent correlation of two defense allies' decisions on the same
   target in the same dispute.

Fitting takes a few seconds, so the result is shipped as ``data/evidence_fit.json`` (written
by ``scripts/fit_evidence.py``) and read by :func:`evidence`; a test refits and compares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from guaranty.models.credibility import joining
from guaranty.models.credibility.persistence import CorrelationFit, fit_correlation
from guaranty.models.deterrence import challenge
from guaranty.models.logit import LogitFit, fit_logit, fit_logit_shrunk

__all__ = [
    "Evidence",
    "evidence",
    "fit_evidence",
    "fixed_stage2",
    "joining_sample",
    "mills_probability",
    "persistence_pairs",
    "shock_pairs",
    "shrunk_stage1",
    "shrunk_stage2",
    "stage2_prior_sd",
]

#: the seed of the bootstrap intervals of the two correlations
SEED = 20221

#: the slopes' prior sd (Gelman et al. 2008)
PRIOR_SD = 2.5


@dataclass(frozen=True)
class Correlation:
    """A latent correlation with its bootstrap draws (a sampling distribution)."""

    rho: float
    interval: tuple[float, float]
    draws: np.ndarray
    pairs: int
    clusters: int

    @classmethod
    def of(cls, fit: CorrelationFit) -> Correlation:
        return cls(fit.rho, fit.interval, fit.draws, fit.pairs, fit.clusters)


@dataclass(frozen=True)
class Evidence:
    challenge: LogitFit
    attack: LogitFit
    joining: LogitFit
    persistence: Correlation
    common_shock: Correlation

    def to_json(self) -> dict[str, Any]:
        def logit(f: LogitFit) -> dict[str, Any]:
            return {
                "names": list(f.names),
                "mean": f.mean.tolist(),
                "cov": f.cov.tolist(),
                "group_ids": f.group_ids.tolist(),
                "group_effects": f.group_effects.tolist(),
                "group_sd": f.group_sd,
                "log_evidence": f.log_evidence,
                "n_cases": f.n_cases,
                "shrink_sd": f.shrink_sd,
            }

        def corr(c: Correlation) -> dict[str, Any]:
            return {
                "rho": c.rho,
                "interval": list(c.interval),
                "draws": c.draws.tolist(),
                "pairs": c.pairs,
                "clusters": c.clusters,
            }

        return {
            "challenge": logit(self.challenge),
            "attack": logit(self.attack),
            "joining": logit(self.joining),
            "persistence": corr(self.persistence),
            "common_shock": corr(self.common_shock),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        def logit(d: dict[str, Any]) -> LogitFit:
            return LogitFit(
                names=tuple(d["names"]),
                mean=np.asarray(d["mean"], float),
                cov=np.asarray(d["cov"], float),
                group_ids=np.asarray(d["group_ids"], np.int64),
                group_effects=np.asarray(d["group_effects"], float),
                group_sd=float(d["group_sd"]),
                log_evidence=float(d["log_evidence"]),
                n_cases=int(d["n_cases"]),
                shrink_sd=None if d.get("shrink_sd") is None else float(d["shrink_sd"]),
            )

        def corr(d: dict[str, Any]) -> Correlation:
            return Correlation(
                float(d["rho"]),
                (float(d["interval"][0]), float(d["interval"][1])),
                np.asarray(d["draws"], float),
                int(d["pairs"]),
                int(d["clusters"]),
            )

        return cls(
            challenge=logit(data["challenge"]),
            attack=logit(data["attack"]),
            joining=logit(data["joining"]),
            persistence=corr(data["persistence"]),
            common_shock=corr(data["common_shock"]),
        )


# --------------------------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------------------------


def challenge_sample(
    features: tuple[str, ...] = challenge.FEATURES,
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(x of shape (rows, features), outcome columns, year) of the stage-1 risk set."""
    from guaranty.data.conflict import challenge_dyads

    t = challenge_dyads()
    keep = challenge.sample_mask(t)
    sub = {k: v[keep] for k, v in t.items()}
    x = challenge.feature_matrix(sub, features)
    return x, {o: sub[o] for o in challenge.OUTCOMES}, sub["year"]


def fit_stage1(outcome: str, features: tuple[str, ...] = challenge.FEATURES) -> LogitFit:
    """A stage-1 fit: the controls' slopes with the prior N(0, 2.5^2), the target's
    commitments' slopes with a common prior sd chosen by evidence (:func:`shrunk_stage1`)."""
    x, y, _ = challenge_sample(features)
    return shrunk_stage1(x, y[outcome], features)


def shrunk_stage1(x: np.ndarray, y: np.ndarray, features: tuple[str, ...]) -> LogitFit:
    """:func:`fit_logit_shrunk` of a stage-1 outcome y (shape (rows,)) on x (shape (rows,
    features)): the features of ``challenge.COMMITMENT_FEATURES`` share a prior sd chosen by
    evidence (at most :data:`PRIOR_SD`), the others keep :data:`PRIOR_SD`."""
    block = tuple(f for f in features if f in challenge.COMMITMENT_FEATURES)
    if not block:
        return fit_logit(x, y, names=features, prior_sd=PRIOR_SD)
    return fit_logit_shrunk(x, y, names=features, shrink=block, prior_sd=PRIOR_SD)


def selection_probability(fit: LogitFit, table: dict[str, np.ndarray]) -> np.ndarray:
    """Stage-1 probability that the challenger challenged the target, per joiner row."""
    s1 = {k[3:]: v for k, v in table.items() if k.startswith("s1_")}
    s1["year"] = table["year"]
    return fit.predict(challenge.feature_matrix(s1, tuple(fit.names[1:])))


def mills_probability(fit: LogitFit, x: np.ndarray) -> float:
    """Stage-1 probability of a challenge for one feature vector x of shape (features,)."""
    return float(fit.predict(np.asarray(x, dtype=np.float64)[None, :])[0])


def joining_sample(
    stage1: LogitFit, features: tuple[str, ...] = joining.FEATURES
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(x, joined, alliance group (-1: none), table) of the stage-2 cases (relevant rows)."""
    from guaranty.data.conflict import joiner_cases

    t = joiner_cases()
    keep = t["relevant"] == 1
    sub = {k: v[keep] for k, v in t.items()}
    x = joining.feature_matrix(sub, selection_probability(stage1, sub), features)
    groups = np.where(np.isnan(sub["atopid"]), -1, np.nan_to_num(sub["atopid"])).astype(np.int64)
    return x, sub["joined"], groups, sub


#: stage 2's terms for what a pact provides beyond the defense obligation itself (and a pact
#: without one): their slopes share a prior sd chosen by evidence (:func:`shrunk_stage2`)
PROVISIONS = ("nondef", "base", "intcom", "organ", "milaid", "multilateral")


def fit_stage2(
    stage1: LogitFit, features: tuple[str, ...] = joining.FEATURES
) -> tuple[LogitFit, np.ndarray, dict[str, np.ndarray]]:
    """The joining model and its in-sample probabilities (with known alliance effects)."""
    x, y, g, sub = joining_sample(stage1, features)
    fit = shrunk_stage2(x, y, g, features)
    return fit, fit.predict(x, g), sub


def stage2_prior_sd(tau: float | None, features: tuple[str, ...] = joining.FEATURES) -> np.ndarray:
    """The per-feature prior sds of stage 2, shape (features,): ``tau`` for
    :data:`PROVISIONS` (None: :data:`PRIOR_SD`, every slope's default), :data:`PRIOR_SD` for
    the others."""
    return np.where(np.isin(features, PROVISIONS), PRIOR_SD if tau is None else tau, PRIOR_SD)


def fixed_stage2(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    group_sd: float,
    tau: float | None,
    features: tuple[str, ...] = joining.FEATURES,
) -> LogitFit:
    """Stage 2 with both sds given instead of chosen: the alliance sd ``group_sd`` and the
    provisions' prior sd ``tau`` (:func:`stage2_prior_sd`); what the leave-one-dispute-out
    refits and the quick variants of the validation use with the shipped fit's sds. x
    (rows, features), y and groups (rows,) as :func:`joining_sample` returns them."""
    return fit_logit(
        x,
        y,
        names=features,
        prior_sd=stage2_prior_sd(tau, features),
        groups=groups,
        group_sd=group_sd,
    )


def shrunk_stage2(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, features: tuple[str, ...]
) -> LogitFit:
    """Stage 2 with the alliance sd and the provisions' common prior sd each chosen by
    evidence, by one round of coordinate ascent: the alliance sd with every slope at
    N(0, 2.5^2); the provisions' sd (:data:`PROVISIONS`, at most 2.5) at that alliance sd;
    the alliance sd again at the chosen provisions' sd. x (rows, features), y and groups
    (rows,) as :func:`joining_sample` returns them."""
    block = tuple(f for f in features if f in PROVISIONS)
    first = fit_logit(x, y, names=features, prior_sd=PRIOR_SD, groups=groups)
    if not block:
        return first
    tau = fit_logit_shrunk(
        x,
        y,
        names=features,
        shrink=block,
        prior_sd=PRIOR_SD,
        groups=groups,
        group_sd=first.group_sd,
    ).shrink_sd
    fit = fit_logit(x, y, names=features, prior_sd=stage2_prior_sd(tau, features), groups=groups)
    return replace(fit, shrink_sd=tau)


def persistence_pairs(sub: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive tests of the same joiner for the same target: (first, second, dyad).

    Rows index ``sub``; a test is one (dispute, target, joiner) row, ordered by year and
    dispute number within each (joiner, target) dyad.
    """
    order = np.lexsort((sub["dispnum"], sub["year"], sub["target"], sub["joiner"]))
    j, t = sub["joiner"][order], sub["target"][order]
    same = (j[1:] == j[:-1]) & (t[1:] == t[:-1])
    first, second = order[:-1][same], order[1:][same]
    dyad = (j[:-1][same] * 10000 + t[:-1][same]).astype(np.int64)
    return first, second, dyad


def shock_pairs(sub: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of the target's defense allies in the same dispute: (first, second, dispute)."""
    ally = np.flatnonzero(np.nan_to_num(sub["defense"]) == 1)
    key = sub["dispnum"][ally] * 10000 + sub["target"][ally]
    order = ally[np.argsort(key, kind="stable")]
    keys = sub["dispnum"][order] * 10000 + sub["target"][order]
    first, second, cluster = [], [], []
    start = 0
    for end in [*np.flatnonzero(np.diff(keys) != 0) + 1, order.size]:
        idx = order[start:end]
        for a in range(idx.size):
            for b in range(a + 1, idx.size):
                first.append(idx[a])
                second.append(idx[b])
                cluster.append(sub["dispnum"][idx[a]])
        start = end
    return np.array(first, int), np.array(second, int), np.array(cluster)


def fit_evidence(*, boots: int = 200) -> Evidence:
    """Fit every stage to the shipped tables (about a minute)."""
    ch = fit_stage1("challenge", challenge.SELECTION_FEATURES)
    at = fit_stage1("attack")
    jn, p, sub = fit_stage2(ch)
    y = sub["joined"].astype(int)
    rng = np.random.default_rng(SEED)
    f, s, dyad = persistence_pairs(sub)
    pers = fit_correlation(p[f], p[s], y[f], y[s], dyad, rng, boots=boots)
    f, s, disp = shock_pairs(sub)
    shock = fit_correlation(p[f], p[s], y[f], y[s], disp, rng, boots=boots)
    return Evidence(ch, at, jn, Correlation.of(pers), Correlation.of(shock))


@cache
def evidence() -> Evidence:
    """The shipped fit (``data/evidence_fit.json``), read once per process."""
    text = resources.files("guaranty.data").joinpath("evidence_fit.json").read_text()
    return Evidence.from_json(json.loads(text))
