#!/usr/bin/env python3
"""Print the validation figures of the two-stage credibility model (docs/models/credibility.md).

Usage: python scripts/validate_credibility.py [--quick] [--seed N] [--section a ... h]

Sections (Markdown tables on standard output):

a. stage 1 (challenge / attack) out of sample: leave-one-decade-out and grouped by pair of
   states, the full model (the commitments' prior sd chosen by evidence, as shipped), the
   full model with every slope N(0, 2.5^2) and the two Leeds-style models (controls + one
   pact indicator) against the controls-only model and the base rate, with and without
   controls for the recent threat environment; the Leeds-style model with the pact split
   by its age (established or new); the evidence of the three specifications;
   the defense-pact effect as an odds ratio;
b. stage 2 (who fights) out of sample: grouped 20-fold cross-validation by dispute against
   the base rate and the old honoring model (both stage-2 prior sds chosen by evidence in
   every fold, as shipped); the shipped coefficients; the evidence for the provisions'
   prior sd; use of force as the outcome;
c. persistence and common shock: the shipped estimates and held-out log loss of the
   correlated model against independence and against rho = 1;
d. retrodiction of the cases of tests/data/retrodiction_cases.csv, each from a stage-2 fit
   without its dispute;
e. the design terms: each obligation's features and their coefficients in both stages;
f. the Ukraine 2022 scenario: each design's P(at least one fights), p_attack_10y and
   p_abandoned_10y, the United States' and United Kingdom's P(fights tomorrow | not
   today) under three designs, and four designs with the Russia-Ukraine rivalry as the
   scenario states it and as the data have it, and the designs holding an obligation with
   no historical counterpart under four sds of its stated prior (0: history alone; 2000
   draws, seed 0);
g. stage 1 on the population the scenario forecasts: the shipped attack fit (in sample)
   against the attacks observed in the ten years after each COW inter-state war, by
   rivalry and era;
h. institutionalization and reliability in two outside records of commitments invoked in
   war (Leeds & Anac 2005, tests/data/leeds_anac_2005.csv; Berkemeier & Fuhrmann 2018, the
   shipped alliance_invocations.csv): honoring by ATOP's military institutionalization, a
   logit of honoring on it and on formality, beside stage 2's institutionalization terms.

Everything printed is a function of the shipped tables, the shipped fit
(src/guaranty/data/evidence_fit.json) and the seed (which only assigns the folds). The full
run takes about twenty minutes on one core; ``--quick`` (under a minute) skips the
cross-validation of stage 1 and uses 5 folds, the shipped alliance sd and the full-data
stage 1 in section b, and 5 folds in section c. The figures in the docs are from the full run.
"""

from __future__ import annotations

import os

# One thread: the fits are small dense solves, and the machine is shared.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import ndtri  # noqa: E402

from guaranty.credibility import OBLIGATION_MAP  # noqa: E402
from guaranty.data.alliances import alliance_invocations  # noqa: E402
from guaranty.data.conflict import (  # noqa: E402
    ATOP_FLAGS,
    challenge_dyads,
    defense_promisers,
    joiner_cases,
)
from guaranty.evidence import (  # noqa: E402
    PRIOR_SD,
    PROVISIONS,
    Evidence,
    evidence,
    fixed_stage2,
    joining_sample,
    persistence_pairs,
    selection_probability,
    shock_pairs,
    shrunk_stage1,
    shrunk_stage2,
)
from guaranty.models.credibility import honoring, joining  # noqa: E402
from guaranty.models.credibility.persistence import (  # noqa: E402
    cluster_loglik,
    conditional_probability,
    grid_argmax,
)
from guaranty.models.deterrence import challenge  # noqa: E402
from guaranty.models.logit import LogitFit, brier_score, fit_logit, log_loss  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "retrodiction_cases.csv"

#: the default seed of the fold assignments
SEED = 20221

#: the NATO-like commitment of section a: stage-1 feature -> value
NATO_LIKE = {
    "t_def": 1.0,
    "t_def_rel": 1.0,
    "t_def_major": 1.0,
    "t_def_nuclear": 1.0,
    "t_def_base": 1.0,
    "t_def_intcom": 1.0,
    "t_def_organ": 1.0,
    "t_def_share": 0.9,
}

#: stage-2 commitment feature -> the stage-1 feature a design sets with it
#: (``guaranty.credibility._stage1_rows``); milaid and multilateral have none
STAGE1_OF = {
    "defense": ("t_def", "t_def_rel"),
    "nondef": ("t_nondef",),
    "base": ("t_def_base",),
    "intcom": ("t_def_intcom",),
    "organ": ("t_def_organ",),
}

_Z90 = float(ndtri(0.95))


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def group_folds(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold (0..k-1) of every row, all rows of one label in the same fold; shape (rows,).

    The distinct labels are shuffled with ``seed`` and dealt round-robin to the folds."""
    ids, inv = np.unique(np.asarray(labels), return_inverse=True)
    perm = np.random.default_rng(seed).permutation(ids.size)
    fold_of_id = np.empty(ids.size, dtype=np.int64)
    fold_of_id[perm] = np.arange(ids.size) % k
    return fold_of_id[inv]


def decade(year: np.ndarray) -> np.ndarray:
    """The decade of each year, 1810 ... 2000 (2010, the data's last year, joins the 2000s)."""
    return np.minimum(np.floor(np.asarray(year) / 10.0) * 10.0, 2000.0).astype(int)


def odds_ratio(fit: LogitFit, weights: dict[str, float]) -> tuple[float, float, float]:
    """exp(c . beta) and its central 90% interval from the posterior covariance."""
    c = np.zeros(fit.mean.size)
    for name, w in weights.items():
        c[fit.names.index(name)] = w
    m = float(c @ fit.mean)
    s = float(np.sqrt(c @ fit.cov @ c))
    return float(np.exp(m)), float(np.exp(m - _Z90 * s)), float(np.exp(m + _Z90 * s))


def _scores(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    return log_loss(p, y), brier_score(p, y)


# --------------------------------------------------------------------------------------------
# a. stage 1
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage1Data:
    x: np.ndarray  # (rows, len(challenge.FEATURES))
    y: dict[str, np.ndarray]
    year: np.ndarray
    ccode1: np.ndarray
    ccode2: np.ndarray
    #: (rows, 2): log(1 + challenges against the target) and log(1 + challenges by the
    #: challenger), each over the five years before the row's year, from every row of the table
    history: np.ndarray


#: the two threat-history controls of the sensitivity in section a (columns of ``history``)
HISTORY = ("target_challenged_5y", "challenger_initiated_5y")
HISTORY_YEARS = 5


def threat_history(t: dict[str, np.ndarray], years: int = HISTORY_YEARS) -> np.ndarray:
    """log(1 + the challenges made against the row's target) and log(1 + the challenges
    its challenger made), each summed over the ``years`` years before the row's year, over
    every row of the dyad table (ongoing disputes included); shape (rows, 2)."""
    year = t["year"].astype(np.int64)
    first = int(year.min()) - years
    span = int(year.max()) - first + 1
    challenged = np.nan_to_num(t["challenge"]) > 0
    out = []
    for side in ("ccode2", "ccode1"):
        state = t[side].astype(np.int64)
        counts = np.zeros((int(state.max()) + 1, span))
        np.add.at(counts, (state[challenged], year[challenged] - first), 1.0)
        cum = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
        # challenges in years y - years ... y - 1 = cum[y - first] - cum[y - years - first]
        past = cum[state, year - first] - cum[state, year - years - first]
        out.append(np.log1p(past))
    return np.stack(out, axis=1)


def stage1_data() -> Stage1Data:
    """The stage-1 risk set (``challenge.sample_mask``) with every feature of the full model."""
    t = challenge_dyads()
    keep = challenge.sample_mask(t)
    history = threat_history(t)[keep]
    sub = {k: v[keep] for k, v in t.items()}
    x = challenge.feature_matrix(sub, challenge.FEATURES)
    return Stage1Data(
        x,
        {o: sub[o] for o in challenge.OUTCOMES},
        sub["year"],
        sub["ccode1"].astype(np.int64),
        sub["ccode2"].astype(np.int64),
        history,
    )


def columns(features: tuple[str, ...]) -> list[int]:
    return [challenge.FEATURES.index(f) for f in features]


#: the Leeds-style models of section a: the controls and one pact indicator
LEEDS_STYLE = {
    "leeds": (*challenge.CONTROL_FEATURES, "t_def"),
    "leeds_rel": (*challenge.CONTROL_FEATURES, "t_def_rel"),
}


def stage1_cv(
    data: Stage1Data,
    outcome: str,
    folds: np.ndarray,
    *,
    history: bool = False,
    leeds: bool = False,
    fixed: bool = False,
    age: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Held-out predictions of the full model (the shipped fit: the commitment features'
    prior sd chosen by evidence on the training folds), the controls-only model and the
    training folds' base rate, each of shape (rows,), every fold of ``folds`` (shape
    (rows,)) held out in turn. With ``history`` both models add the threat-history
    controls; with ``leeds`` the Leeds-style models of :data:`LEEDS_STYLE` are fitted too;
    with ``fixed`` the full model with every slope's prior fixed at N(0, 2.5^2) too
    ("full_fixed", the fit shipped before 2026-12-06); with ``age`` (each row's
    :func:`pact_age`, shape (rows,)) the controls with the pact split by its age too
    ("age", :func:`age_split`)."""
    y = data.y[outcome]
    specs = {"full": challenge.FEATURES, "controls": tuple(challenge.CONTROL_FEATURES)}
    if fixed:
        specs["full_fixed"] = challenge.FEATURES
    if leeds:
        specs.update(LEEDS_STYLE)
    if age is not None:
        specs["age"] = tuple(challenge.CONTROL_FEATURES)
        split = age_split(data, age)
    out = {name: np.empty(y.size) for name in (*specs, "base")}
    for k in np.unique(folds):
        held = folds == k
        for name, feats in specs.items():
            x = data.x[:, columns(feats)]
            names = feats
            if name == "age":
                x, names = np.hstack([x, split]), (*feats, *AGE_SPLIT)
            if history:
                x, names = np.hstack([x, data.history]), (*names, *HISTORY)
            if name == "full":
                fit = shrunk_stage1(x[~held], y[~held], names)
            else:
                fit = fit_logit(x[~held], y[~held], names=names, prior_sd=PRIOR_SD)
            out[name][held] = fit.predict(x[held])
        out["base"][held] = y[~held].mean()
    return out


def stage1_lodo(data: Stage1Data, outcome: str) -> dict[str, np.ndarray]:
    """Leave-one-decade-out predictions (:func:`stage1_cv` by decade), each of shape (rows,)."""
    return stage1_cv(data, outcome, decade(data.year))


def pair_of_states(data: Stage1Data) -> np.ndarray:
    """An id of each row's pair of states, the same in both directions; shape (rows,)."""
    return np.minimum(data.ccode1, data.ccode2) * 10_000 + np.maximum(data.ccode1, data.ccode2)


def dyad_folds(data: Stage1Data, k: int, seed: int) -> np.ndarray:
    """Fold of every row, shape (rows,): both directions of a pair of states in one fold."""
    return group_folds(pair_of_states(data), k, seed)


def paired_difference(
    p: np.ndarray, q: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, n: int = 500
) -> tuple[float, float, float]:
    """Mean held-out log loss of ``p`` minus that of ``q`` (all shape (rows,)) and its 90%
    interval from a bootstrap of the ``groups`` (cluster resampling)."""
    d = log_loss_terms(p, y) - log_loss_terms(q, y)
    ids, inv = np.unique(groups, return_inverse=True)
    total, count = np.bincount(inv, d), np.bincount(inv)
    rng = np.random.default_rng(seed)
    boot = np.empty(n)
    for i in range(n):
        w = np.bincount(rng.integers(0, ids.size, ids.size), minlength=ids.size)
        boot[i] = (w @ total) / (w @ count)
    lo, hi = np.percentile(boot, [5, 95])
    return float(d.mean()), float(lo), float(hi)


def log_loss_terms(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each row's log loss, shape (rows,)."""
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))


#: the pact-age sensitivity of section a: a promise to defend the target is "established"
#: once it has been in force in each of the AGE_YEARS years before the row's year (chosen
#: before the fit was run, as the threat history's window; not tuned)
AGE_YEARS = 5
AGE_SPLIT = ("t_def_established", "t_def_new")


def pact_age(data: Stage1Data) -> np.ndarray:
    """Per row, shape (rows,): the years without a break, the row's year included, that the
    target's longest-standing promise of defense from a third state (not the challenger) has
    been in force (ATOP 5.1 defense flags of (third state, target)); 0 where it has none, as
    where ``t_def`` is 0."""
    promised = defense_promisers()
    run: dict[tuple[int, int, int], int] = {}

    def in_force(b: int, c: int, y: int) -> int:
        back = []  # years of an unbroken promise not yet counted, latest first
        while (b, c, y) not in run and c in promised.get((b, y), ()):
            back.append(y)
            y -= 1
        n = run.get((b, c, y), 0)
        for year in reversed(back):
            n += 1
            run[b, c, year] = n
        return n

    out = np.zeros(data.year.size)
    codes = (data.ccode1.tolist(), data.ccode2.tolist(), data.year.astype(int).tolist())
    rows = zip(*codes, strict=True)
    for i, (a, b, y) in enumerate(rows):
        third = promised.get((b, y), frozenset()).difference((a, b))
        if third:
            out[i] = max(in_force(b, c, y) for c in third)
    return out


def age_split(data: Stage1Data, age: np.ndarray) -> np.ndarray:
    """``t_def`` split by :func:`pact_age` (shape (rows,)) into an established promise (in
    force more than :data:`AGE_YEARS` years) and only newer ones; shape (rows, 2)."""
    t_def = data.x[:, challenge.FEATURES.index("t_def")]
    old = t_def * (age > AGE_YEARS)
    return np.stack([old, t_def - old], axis=1)


def stage1_age_effects(
    data: Stage1Data, outcome: str, age: np.ndarray
) -> dict[str, tuple[float, float, float]]:
    """Odds ratios of an established and of only a new defense promise, each against none,
    in the Leeds-style specification (controls + :func:`age_split`)."""
    feats = tuple(challenge.CONTROL_FEATURES)
    x = np.hstack([data.x[:, columns(feats)], age_split(data, age)])
    fit = fit_logit(x, data.y[outcome], names=(*feats, *AGE_SPLIT), prior_sd=PRIOR_SD)
    return {
        f"t_def established (more than {AGE_YEARS} years in force)": odds_ratio(
            fit, {AGE_SPLIT[0]: 1.0}
        ),
        f"t_def, only new ({AGE_YEARS} years or fewer)": odds_ratio(fit, {AGE_SPLIT[1]: 1.0}),
    }


def stage1_history_effects(data: Stage1Data, outcome: str) -> dict[str, tuple[float, float, float]]:
    """The Leeds-style odds ratios of ``t_def`` and ``t_def_rel`` with the threat-history
    controls added, and the odds ratio of each history term (per unit of log(1 + count))."""
    y = data.y[outcome]
    out = {}
    for pact in ("t_def", "t_def_rel"):
        feats = (*challenge.CONTROL_FEATURES, pact)
        x = np.hstack([data.x[:, columns(feats)], data.history])
        fit = fit_logit(x, y, names=(*feats, *HISTORY), prior_sd=PRIOR_SD)
        out[f"{pact}, Leeds-style + threat history"] = odds_ratio(fit, {pact: 1.0})
        if pact == "t_def":
            for h in HISTORY:
                out[f"{h} (per log unit)"] = odds_ratio(fit, {h: 1.0})
    return out


def print_odds_ratios(
    data: Stage1Data, effects: Callable[[Stage1Data, str], dict[str, tuple[float, float, float]]]
) -> None:
    """Print ``effects(data, outcome)`` for both outcomes as a table of odds ratios."""
    print("| outcome | effect | odds ratio | 90% interval |")
    print("|---|---|---|---|")
    for outcome in challenge.OUTCOMES:
        for label, (r, lo, hi) in effects(data, outcome).items():
            print(f"| {outcome} | {label} | {r:.3f} | [{lo:.3f}, {hi:.3f}] |")
    print()


def print_stage1_cv(
    data: Stage1Data,
    scheme: str,
    folds: np.ndarray,
    *,
    history: bool = False,
    leeds: bool = False,
    age: np.ndarray | None = None,
) -> None:
    """Print the held-out scores of :func:`stage1_cv` for both outcomes and each model's
    log-loss difference from the controls-only model with its cluster-bootstrap interval
    (clusters: the folds' groups, decades or pairs of states)."""
    extra = " + threat history" if history else ""
    print(f"| outcome | model ({scheme} folds{extra}) | held-out log loss | held-out Brier |")
    print("|---|---|---|---|")
    labels = {
        "full": "full model (`challenge.FEATURES`)",
        "controls": "controls only (`CONTROL_FEATURES`)",
        "base": "base rate",
    }
    if leeds:
        labels.update(
            full_fixed="full model, every slope N(0, 2.5²) (shipped before 2026-12-06)",
            leeds="Leeds-style: controls + t_def",
            leeds_rel="Leeds-style: controls + t_def_rel",
        )
    if age is not None:
        labels["age"] = "Leeds-style by the pact's age: controls + " + " + ".join(AGE_SPLIT)
    groups = decade(data.year) if scheme == "decade" else pair_of_states(data)
    verdicts = []
    by_decade = {}
    for outcome in challenge.OUTCOMES:
        p = stage1_cv(data, outcome, folds, history=history, leeds=leeds, fixed=leeds, age=age)
        y = data.y[outcome]
        sc = {k: _scores(v, y) for k, v in p.items()}
        for k, label in labels.items():
            print(f"| {outcome} | {label} | {sc[k][0]:.5f} | {sc[k][1]:.6f} |")
        compared = ("full", *(("full_fixed", *LEEDS_STYLE) if leeds else ()))
        for k in (*compared, *(("age",) if age is not None else ())):
            d, lo, hi = paired_difference(p[k], p["controls"], y, groups, SEED)
            verdicts.append(
                f"- {outcome}: {labels[k]} minus controls-only: log loss {d:+.6f} [90%: "
                f"{lo:+.6f}, {hi:+.6f}], Brier {sc[k][1] - sc['controls'][1]:+.7f}"
            )
        if scheme == "decade" and leeds:
            by_decade[outcome] = decade_differences(p["full"], p["controls"], y, groups)
    print()
    print("\n".join(verdicts))
    print()
    if by_decade:
        print_decade_differences(by_decade)


def decade_differences(
    p: np.ndarray, q: np.ndarray, y: np.ndarray, decades: np.ndarray
) -> dict[int, tuple[int, int, float]]:
    """Per held-out decade: (rows, events, the summed log loss of ``p`` minus that of
    ``q``), all arrays of shape (rows,). A sum, not a mean: the decades' contributions add
    up to the pooled difference times the rows."""
    d = log_loss_terms(p, y) - log_loss_terms(q, y)
    return {
        int(k): (
            int(np.sum(decades == k)),
            int(y[decades == k].sum()),
            float(d[decades == k].sum()),
        )
        for k in np.unique(decades)
    }


def print_decade_differences(by_decade: dict[str, dict[int, tuple[int, int, float]]]) -> None:
    """Where the full model gains or loses against the controls alone, by held-out decade."""
    outcomes = list(by_decade)
    print(
        "Full model (shipped) minus controls only, summed held-out log loss by decade (nats; "
        "negative: the commitment features helped predict that decade):\n"
    )
    cells = " | ".join(f"{o}: events | {o}: full − controls" for o in outcomes)
    print(f"| decade | rows | {cells} |")
    print("|---|---:|" + "---:|---:|" * len(outcomes))
    for k in sorted(by_decade[outcomes[0]]):
        rows = by_decade[outcomes[0]][k][0]
        parts = " | ".join(f"{by_decade[o][k][1]} | {by_decade[o][k][2]:+.2f}" for o in outcomes)
        print(f"| {k}s | {rows:,} | {parts} |")
    print()


def stage1_effects(data: Stage1Data, outcome: str) -> dict[str, tuple[float, float, float]]:
    """Odds ratios of a defense pact (Leeds-style specification and full model) and of a
    NATO-like commitment (full model), each (ratio, 90% low, 90% high)."""
    y = data.y[outcome]
    leeds = (*challenge.CONTROL_FEATURES, "t_def")
    f_leeds = fit_logit(data.x[:, columns(leeds)], y, names=leeds, prior_sd=PRIOR_SD)
    rel = (*challenge.CONTROL_FEATURES, "t_def_rel")
    f_rel = fit_logit(data.x[:, columns(rel)], y, names=rel, prior_sd=PRIOR_SD)
    f_full = shrunk_stage1(data.x, y, challenge.FEATURES)
    return {
        "t_def, Leeds-style (controls + t_def)": odds_ratio(f_leeds, {"t_def": 1.0}),
        "t_def_rel, Leeds-style (controls + t_def_rel)": odds_ratio(f_rel, {"t_def_rel": 1.0}),
        "t_def, full model": odds_ratio(f_full, {"t_def": 1.0}),
        "t_def + t_def_rel, full model": odds_ratio(f_full, {"t_def": 1.0, "t_def_rel": 1.0}),
        "NATO-like commitment, full model": odds_ratio(f_full, NATO_LIKE),
    }


def stage1_evidence(data: Stage1Data, outcome: str) -> dict[str, tuple[float, float | None]]:
    """Laplace log evidence of the controls-only model, the full model with every slope
    N(0, 2.5^2) and the full model with the commitments' prior sd chosen by evidence (the
    shipped specification), on all rows; each (log evidence, the commitments' prior sd)."""
    y = data.y[outcome]
    ctl = tuple(challenge.CONTROL_FEATURES)
    f_ctl = fit_logit(data.x[:, columns(ctl)], y, names=ctl, prior_sd=PRIOR_SD)
    f_fix = fit_logit(data.x, y, names=challenge.FEATURES, prior_sd=PRIOR_SD)
    f_shr = shrunk_stage1(data.x, y, challenge.FEATURES)
    return {
        "controls only": (f_ctl.log_evidence, None),
        "full model, every slope N(0, 2.5²)": (f_fix.log_evidence, PRIOR_SD),
        "full model, commitments' prior sd by evidence": (f_shr.log_evidence, f_shr.shrink_sd),
    }


PERIODS = ((1816, 1913), (1816, 1944), (1816, 2000), (1945, 2010), (1816, 2010))


def stage1_periods(data: Stage1Data, outcome: str) -> list[tuple[int, int, int, int, tuple]]:
    """The Leeds-style odds ratio of ``t_def`` refitted on each period of ``PERIODS``:
    (first year, last year, rows, events, (ratio, 90% low, 90% high)) per period."""
    feats = (*challenge.CONTROL_FEATURES, "t_def")
    cols = columns(feats)
    out = []
    for lo, hi in PERIODS:
        m = (data.year >= lo) & (data.year <= hi)
        y = data.y[outcome][m]
        if hi < 1945:  # the era dummies are constant inside the period
            keep = [i for i, f in enumerate(feats) if f not in ("post1945", "post1989")]
        else:
            keep = list(range(len(feats)))
        names = tuple(feats[i] for i in keep)
        fit = fit_logit(data.x[m][:, [cols[i] for i in keep]], y, names=names, prior_sd=PRIOR_SD)
        out.append((lo, hi, int(m.sum()), int(y.sum()), odds_ratio(fit, {"t_def": 1.0})))
    return out


def section_a(quick: bool) -> None:
    print("## a. Stage 1 out of sample: leave one decade out\n")
    data = stage1_data()
    n = data.y["challenge"].size
    print(
        f"Risk set: {n:,} directed dyad-years 1816-2010 (not in an ongoing dispute unless a "
        f"new one starts); challenges {int(data.y['challenge'].sum()):,}, attacks "
        f"{int(data.y['attack'].sum()):,}. Each decade (1810s ... 2000s; 2010 counted in the "
        "2000s) is held out in turn and every model refitted on the others; the base rate is "
        "the training folds' mean.\n"
    )
    if quick:
        print("(skipped with --quick)\n")
    else:
        print_stage1_cv(data, "decade", decade(data.year), leeds=True)
    print("### Grouped by pair of states (10 folds)\n")
    print(
        "The issue's other scheme: both directions of a pair of states held out together, "
        f"pairs dealt to 10 folds with seed {SEED}. The difference is the full model's held-out "
        "log loss minus the controls-only model's, with a 90% interval from 500 bootstrap "
        "resamples of the pairs.\n"
    )
    if quick:
        print("(skipped with --quick)\n")
    else:
        print_stage1_cv(data, "pair", dyad_folds(data, 10, SEED), leeds=True)
    print("### The commitments' prior chosen by evidence\n")
    print(
        "Laplace log marginal likelihood on all rows (higher is better; a difference of 1 is "
        "a Bayes factor of e) and the commitment features' common prior sd.\n"
    )
    print("| outcome | model | log evidence | commitments' prior sd |")
    print("|---|---|---|---|")
    for outcome in challenge.OUTCOMES:
        for label, (lev, tau) in stage1_evidence(data, outcome).items():
            cell = "—" if tau is None else f"{tau:.3f}"
            print(f"| {outcome} | {label} | {lev:,.1f} | {cell} |")
    ev = evidence()
    print(
        f"\nShipped fits: the selection equation (`SELECTION_FEATURES`, outcome challenge) "
        f"{ev.challenge.shrink_sd:.3f}, the attack hazard {ev.attack.shrink_sd:.3f}.\n"
    )
    print("### Sensitivity: the threat that prompted the pact\n")
    print(
        "Both models, and the Leeds-style fits, with two more controls: log(1 + the "
        f"challenges made against the target) and log(1 + the challenges its challenger made) "
        f"in the {HISTORY_YEARS} years before (every row of the table; a state's recent threat "
        "environment, which also moves it to seek allies).\n"
    )
    print_odds_ratios(data, stage1_history_effects)
    if quick:
        print("(the cross-validation with these controls is skipped with --quick)\n")
    else:
        print_stage1_cv(data, "decade", decade(data.year), history=True)
        print_stage1_cv(data, "pair", dyad_folds(data, 10, SEED), history=True)
    print("### Sensitivity: the pact's age\n")
    age = pact_age(data)
    t_def = data.x[:, challenge.FEATURES.index("t_def")] > 0
    print(
        "States that are threatened seek allies, so a pact formed under threat would mark "
        f"the danger for its first years. The Leeds-style model with `t_def` split: a "
        f"promise in force more than {AGE_YEARS} years (established) against only newer "
        f"ones. Rows with a defense pact of the target: {int(t_def.sum()):,}, of which "
        f"{int((t_def & (age > AGE_YEARS)).sum()):,} with an established one.\n"
    )
    print_odds_ratios(data, lambda d, o: stage1_age_effects(d, o, age))
    if quick:
        print("(the cross-validation of the split is skipped with --quick)\n")
    else:
        print_stage1_cv(data, "decade", decade(data.year), age=age)
        print_stage1_cv(data, "pair", dyad_folds(data, 10, SEED), age=age)
    print("### The defense-pact effect (all rows)\n")
    print(
        "exp(coefficient): an odds ratio, about the hazard ratio for a yearly event this rare; "
        "90% interval from the normal posterior.\n"
    )
    print_odds_ratios(data, stage1_effects)
    terms = " + ".join(f"{v:g}·{k}" if v != 1 else k for k, v in NATO_LIKE.items())
    print(f"NATO-like commitment: {terms}.\n")
    print("### The Leeds-style defense-pact effect by period\n")
    print(
        "controls + t_def refitted on the rows of each period (the era dummies dropped where "
        "they are constant); odds ratio and 90% interval.\n"
    )
    print("| outcome | period | rows | events | odds ratio | 90% interval |")
    print("|---|---|---|---|---|---|")
    for outcome in challenge.OUTCOMES:
        for lo, hi, n_rows, n_ev, (r, a, b) in stage1_periods(data, outcome):
            cells = f"{n_rows:,} | {n_ev:,} | {r:.3f} | [{a:.3f}, {b:.3f}]"
            print(f"| {outcome} | {lo}-{hi} | {cells} |")
    print()


# --------------------------------------------------------------------------------------------
# b. stage 2
# --------------------------------------------------------------------------------------------


def old_model_features(sub: dict[str, np.ndarray]) -> np.ndarray:
    """The old honoring model's features for joiner-table rows, shape (rows, 12).

    As the old tool mapped a case: pact features 0 where J and B have no pact; inside a pact a
    provision ATOP v4 leaves blank stays NaN (the old model fills its training mean)."""
    flags = {k: np.nan_to_num(np.asarray(sub[k], float)) for k in ATOP_FLAGS}
    pact = np.maximum.reduce(list(flags.values())) > 0

    def inside(col: str, f=lambda c: c) -> np.ndarray:
        return np.where(pact, f(np.asarray(sub[col], float)), 0.0)

    positive = lambda c: np.where(np.isnan(c), np.nan, (c > 0).astype(float))  # noqa: E731
    cj = np.asarray(sub["cinc_joiner"], float)
    cc = np.asarray(sub["cinc_challenger"], float)
    tot = cj + cc
    share = np.where(tot > 0, cj / np.where(tot > 0, tot, 1.0), np.nan)
    cols = {
        "post1945": (np.asarray(sub["year"]) >= 1945).astype(float),
        "defense": flags["defense"],
        "offense": flags["offense"],
        "neutral": flags["neutral"],
        "nonagg": flags["nonagg"],
        "formal": inside("formal", lambda c: c / 2.0),
        "intcom": inside("intcom"),
        "base": inside("base", positive),
        "milaid": inside("milaid", positive),
        "ally_cinc_share": share,
        "nuclear_opponent": np.nan_to_num(np.asarray(sub["challenger_nuclear"], float)),
        "multilateral": inside("multilateral"),
    }
    return np.stack([cols[f] for f in honoring.DEFAULT_FEATURES], axis=1)


def old_model_predictions(sub: dict[str, np.ndarray]) -> np.ndarray:
    """P(honored) of the old model (fitted on the alliance-war table as shipped)."""
    t = alliance_invocations()
    post = honoring.EmpiricalHonoring().fit(honoring.feature_matrix(t), t["honored"])
    return post.predict(old_model_features(sub))


@dataclass(frozen=True)
class Stage2CV:
    y: np.ndarray
    allied: np.ndarray
    model: np.ndarray
    base: np.ndarray
    old: np.ndarray
    folds: int
    refit_stage1: bool
    group_sds: np.ndarray


def stage2_cv(
    folds: int = 20,
    seed: int = SEED,
    *,
    refit_stage1: bool = True,
    group_sd: float | None = None,
) -> Stage2CV:
    """Grouped k-fold predictions by dispute of the stage-2 model, the base rate and the old
    model, on the relevant joiner rows.

    ``refit_stage1``: refit the stage-1 selection equation on each training fold (dropping
    the held-out disputes' onset dyad-years) instead of using the shipped fit; ``group_sd``:
    fix the alliance sd (None: chosen by evidence in every fold)."""
    ev = evidence()
    _, y, groups, sub = joining_sample(ev.challenge)
    fold = group_folds(sub["dispnum"], folds, seed)
    allied = np.maximum.reduce([np.nan_to_num(sub[k]) for k in ATOP_FLAGS]) > 0
    model = np.empty(y.size)
    base = np.empty(y.size)
    sds = np.empty(folds)
    if refit_stage1:
        t = challenge_dyads()
        keep = challenge.sample_mask(t)
        s1 = {k: v[keep] for k, v in t.items()}
        x1 = challenge.feature_matrix(s1, challenge.SELECTION_FEATURES)
        key1 = (s1["ccode1"].astype(np.int64) * 1000 + s1["ccode2"]) * 10000 + s1["year"]
        keyj = (sub["challenger"].astype(np.int64) * 1000 + sub["target"]) * 10000 + sub["year"]
    for k in range(folds):
        held = fold == k
        if refit_stage1:
            train1 = ~np.isin(key1, np.unique(keyj[held]))
            stage1 = shrunk_stage1(
                x1[train1], s1["challenge"][train1], challenge.SELECTION_FEATURES
            )
        else:
            stage1 = ev.challenge
        x = joining.feature_matrix(sub, selection_probability(stage1, sub))
        if group_sd is None:  # the shipped rule: both sds chosen by evidence in the fold
            fit = shrunk_stage2(x[~held], y[~held], groups[~held], joining.FEATURES)
        else:  # --quick: the shipped alliance and provisions' sds
            fit = fixed_stage2(x[~held], y[~held], groups[~held], group_sd, ev.joining.shrink_sd)
        sds[k] = fit.group_sd
        model[held] = fit.predict(x[held], groups[held])
        base[held] = y[~held].mean()
    old = old_model_predictions(sub)
    return Stage2CV(y, allied, model, base, old, folds, refit_stage1, sds)


def coefficient_table(fit: LogitFit) -> None:
    print("| coefficient | mean | sd | 90% interval | odds ratio |")
    print("|---|---|---|---|---|")
    for k, name in enumerate(fit.names):
        lo, hi = fit.interval(name, 0.9)
        print(
            f"| {name} | {fit.mean[k]:+.3f} | {fit.sd[k]:.3f} | [{lo:+.3f}, {hi:+.3f}] "
            f"| {np.exp(fit.mean[k]):.3f} |"
        )
    print()


#: the coefficients the evidence table shows
PROVISION_SHOWN = ("defense", *PROVISIONS)
PROVISION_TAUS = (0.1, 0.3, 0.6, 1.0, 2.5)


def provision_evidence(ev) -> dict[float, LogitFit]:
    """The stage-2 fit with the provisions' slopes at prior sd tau for each tau of
    :data:`PROVISION_TAUS` and the shipped one, the alliance sd fixed at the shipped one
    (the others' prior N(0, 2.5^2)), in increasing tau."""
    x, y, groups, _ = joining_sample(ev.challenge)
    taus = sorted({*PROVISION_TAUS, ev.joining.shrink_sd})
    return {tau: fixed_stage2(x, y, groups, ev.joining.group_sd, tau) for tau in taus}


#: how many of the disputes with the most joins "One dispute's weight" leaves out
DISPUTES_WEIGHED = 10


def dispute_weight(ev: Evidence) -> list[tuple[int | None, int | None, int, float]]:
    """Stage 2's defense coefficient on all relevant cases, then without each of the
    :data:`DISPUTES_WEIGHED` disputes with the most joins (ties by dispute number), refitted
    with the shipped selection equation and sds: rows (dispute, first year, joins,
    coefficient); the first row's dispute and year are None."""
    x, y, g, sub = joining_sample(ev.challenge)
    at = 1 + list(joining.FEATURES).index("defense")
    sds = (ev.joining.group_sd, ev.joining.shrink_sd)
    rows: list[tuple[int | None, int | None, int, float]] = [
        (None, None, int(y.sum()), float(fixed_stage2(x, y, g, *sds).mean[at]))
    ]
    disputes, joins = np.unique(sub["dispnum"][y == 1], return_counts=True)
    for k in np.lexsort((disputes, -joins))[:DISPUTES_WEIGHED]:
        keep = sub["dispnum"] != disputes[k]
        fit = fixed_stage2(x[keep], y[keep], g[keep], *sds)
        year = int(sub["year"][~keep].min())
        rows.append((int(disputes[k]), year, int(joins[k]), float(fit.mean[at])))
    return rows


def dispute_weight_table(rows: list[tuple[int | None, int | None, int, float]]) -> list[str]:
    """The lines of the table of :func:`dispute_weight`."""
    lines = [
        "| dispute left out | began | joins | defense coefficient | odds ratio |",
        "|---|---|---|---|---|",
    ]
    for dispute, year, joins, coef in rows:
        label = "none (the shipped fit)" if dispute is None else f"MID {dispute}"
        began = "" if year is None else str(year)
        lines.append(f"| {label} | {began} | {joins} | {coef:+.3f} | {np.exp(coef):.2f} |")
    return lines


def section_b(quick: bool, seed: int) -> None:
    ev = evidence()
    folds = 5 if quick else 20
    cv = stage2_cv(
        folds, seed, refit_stage1=not quick, group_sd=ev.joining.group_sd if quick else None
    )
    print(f"## b. Stage 2 out of sample: grouped {folds}-fold cross-validation by dispute\n")
    n_disp = np.unique(joining_sample(ev.challenge)[3]["dispnum"]).size
    s1 = (
        "the stage-1 selection equation refitted on each training fold (the held-out disputes' "
        "onset dyad-years dropped)"
        if cv.refit_stage1
        else "the shipped (full-data) stage-1 selection equation"
    )
    sd = (
        f"the alliance sd chosen by evidence in every fold ({cv.group_sds.min():.3f}-"
        f"{cv.group_sds.max():.3f})"
        if not quick
        else f"the alliance sd fixed at the shipped {ev.joining.group_sd:.3f}"
    )
    print(
        f"{cv.y.size:,} relevant cases in {n_disp:,} disputes, {int(cv.y.sum())} joined. The "
        f"disputes are dealt at random (seed {seed}) into {folds} folds and every case of a "
        f"dispute is held out together: grouped {folds}-fold, not exact leave-one-dispute-out "
        f"(one random-effects fit takes seconds). Each fold uses {s1} and {sd}. Held-out "
        "alliances seen in other disputes keep their fitted intercept; new ones are averaged "
        "over it. The old honoring model is the shipped one (fitted on the 146 alliance-war "
        "cases of `alliance_invocations`), applied to each case as the old tool mapped a "
        "commitment.\n"
    )
    print("| cases | model | log loss | Brier |")
    print("|---|---|---|---|")
    for label, mask in (
        (f"all relevant ({cv.y.size:,}; {int(cv.y.sum())} joined)", np.ones_like(cv.allied)),
        (
            f"allied, any ATOP pact ({int(cv.allied.sum()):,}; "
            f"{int(cv.y[cv.allied].sum())} joined)",
            cv.allied,
        ),
    ):
        for name, p in (("two-stage model", cv.model), ("base rate", cv.base), ("old", cv.old)):
            name = "old honoring model" if name == "old" else name
            ll, br = _scores(p[mask], cv.y[mask])
            print(f"| {label} | {name} | {ll:.5f} | {br:.6f} |")
    print()
    print("### Shipped fit (all relevant cases)\n")
    print(
        f"Alliance random-intercept sd: {ev.joining.group_sd:.3f} "
        f"({ev.joining.group_ids.size} alliances); {ev.joining.n_cases:,} cases.\n"
    )
    coefficient_table(ev.joining)
    print("### One dispute's weight\n")
    print(
        f"The {DISPUTES_WEIGHED} disputes with the most joins, each left out in turn and stage "
        "2 refitted (the shipped selection equation and sds): the defense obligation's "
        "coefficient, the term through which every design with a defense promise acts.\n"
    )
    print("\n".join(dispute_weight_table(dispute_weight(ev))))
    print()
    print("### The provisions' prior chosen by evidence\n")
    print(
        "Laplace log evidence of the stage-2 specification with the slopes of the pact's "
        f"provisions ({', '.join(PROVISIONS)}) sharing a prior sd tau, the alliance sd fixed "
        f"at the shipped {ev.joining.group_sd:.3f}; 2.5 is every slope's default, "
        f"{ev.joining.shrink_sd:.3f} the evidence's choice (the shipped fit).\n"
    )
    print("| provisions' prior sd | log evidence | " + " | ".join(PROVISION_SHOWN) + " |")
    print("|---|---|" + "---|" * len(PROVISION_SHOWN))
    for tau, fit in provision_evidence(ev).items():
        cells = " | ".join(f"{fit.coef(n):+.2f}" for n in PROVISION_SHOWN)
        print(f"| {tau:.3g} | {fit.log_evidence:,.1f} | {cells} |")
    print()
    print("### Sensitivity: use of force (`joined_force`) as the outcome\n")
    x, _, groups, sub = joining_sample(ev.challenge)
    yf = sub["joined_force"]
    force = (
        fixed_stage2(x, yf, groups, ev.joining.group_sd, ev.joining.shrink_sd)
        if quick
        else shrunk_stage2(x, yf, groups, joining.FEATURES)
    )
    print(
        f"{int(yf.sum())} of the {yf.size:,} cases joined with force; alliance sd "
        f"{force.group_sd:.3f}.\n"
    )
    print("| coefficient | joined (shipped) [90%] | joined with force [90%] |")
    print("|---|---|---|")
    for name in force.names:
        a = ev.joining
        la, ha = a.interval(name)
        lf, hf = force.interval(name)
        print(
            f"| {name} | {a.coef(name):+.2f} [{la:+.2f}, {ha:+.2f}] "
            f"| {force.coef(name):+.2f} [{lf:+.2f}, {hf:+.2f}] |"
        )
    print()


# --------------------------------------------------------------------------------------------
# c. persistence and common shock
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairCV:
    y1: np.ndarray
    y2: np.ndarray
    correlated: np.ndarray
    independent: np.ndarray
    rho_one: np.ndarray
    rhos: np.ndarray


def pair_cv(
    p1: np.ndarray,
    p2: np.ndarray,
    y1: np.ndarray,
    y2: np.ndarray,
    clusters: np.ndarray,
    folds: int,
    seed: int,
) -> PairCV:
    """Held-out P(y2 = 1 | y1) by grouped k-fold over ``clusters``: rho fitted on the
    training pairs, independence (P = p2) and rho = 1.

    The pairwise likelihood is a sum over clusters, so the per-cluster likelihood on the
    grid is computed once and each fold's estimate maximises the sum over its training
    clusters with ``fit_correlation``'s own functions: the estimate it returns on those
    pairs, without recomputing the grid in every fold."""
    ids, inv = np.unique(clusters, return_inverse=True)
    per_cluster = cluster_loglik(p1, p2, y1, y2, clusters)
    fold_of_cluster = group_folds(ids, folds, seed)
    fold = fold_of_cluster[inv]
    corr = np.empty(p1.size)
    rhos = np.empty(folds)
    for k in range(folds):
        held = fold == k
        rhos[k] = float(grid_argmax(per_cluster[fold_of_cluster != k].sum(axis=0)))
        corr[held] = conditional_probability(p1[held], p2[held], y1[held], rhos[k])
    one = conditional_probability(p1, p2, y1, 1.0)
    return PairCV(np.asarray(y1), np.asarray(y2), corr, np.asarray(p2, float), one, rhos)


def stage2_margins() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """In-sample stage-2 probabilities of the shipped fit (with the fitted alliance
    intercepts), the outcomes and the table: the margins ``fit_evidence`` uses."""
    ev = evidence()
    x, y, groups, sub = joining_sample(ev.challenge)
    return ev.joining.predict(x, groups), y.astype(int), sub


def print_pair_cv(title: str, cv: PairCV) -> None:
    print(f"| {title} | pairs | correlated (rho fitted) | independence | rho = 1 |")
    print("|---|---|---|---|---|")
    for label, mask in (
        ("all pairs: log loss", np.ones(cv.y1.size, bool)),
        ("after a join (y1 = 1): log loss", cv.y1 == 1),
        ("after no join (y1 = 0): log loss", cv.y1 == 0),
    ):
        row = [log_loss(p[mask], cv.y2[mask]) for p in (cv.correlated, cv.independent, cv.rho_one)]
        print(f"| {label} | {int(mask.sum()):,} | " + " | ".join(f"{v:.5f}" for v in row) + " |")
    row = [brier_score(p, cv.y2) for p in (cv.correlated, cv.independent, cv.rho_one)]
    print(f"| all pairs: Brier | {cv.y1.size:,} | " + " | ".join(f"{v:.6f}" for v in row) + " |")
    print()
    print(f"rho fitted in the folds: {cv.rhos.min():.3f} to {cv.rhos.max():.3f}.\n")


def section_c(quick: bool, seed: int) -> None:
    ev = evidence()
    folds = 5 if quick else 10
    print("## c. Persistence and common shock\n")
    print("| correlation | estimate | 90% interval (cluster bootstrap) | pairs | clusters |")
    print("|---|---|---|---|---|")
    for label, c in (
        (
            "persistence (same joiner and target, consecutive tests; clusters: dyads)",
            ev.persistence,
        ),
        (
            "common shock (two defense allies of one target, same dispute; clusters: disputes)",
            ev.common_shock,
        ),
    ):
        print(
            f"| {label} | {c.rho:.3f} | [{c.interval[0]:.3f}, {c.interval[1]:.3f}] "
            f"| {c.pairs:,} | {c.clusters:,} |"
        )
    print()
    p, y, sub = stage2_margins()
    print(
        f"Held-out prediction of the second decision given the first, grouped {folds}-fold "
        f"(seed {seed}); margins: the shipped stage-2 fit's in-sample probabilities (as in "
        "the estimate), so the comparison isolates rho. rho = 1 can give probability 0 to an "
        "event that happens (log loss then counts ln(1e12) = 27.6 nats).\n"
    )
    f, s, dyad = persistence_pairs(sub)
    cv = pair_cv(p[f], p[s], y[f], y[s], dyad, folds, seed)
    print(f"### Persistence (grouped by dyad, {folds} folds)\n")
    print_pair_cv("persistence", cv)
    print(f"### Common shock (grouped by dispute, {folds} folds)\n")
    if quick:
        print("(skipped with --quick)\n")
        return
    f, s, disp = shock_pairs(sub)
    cv = pair_cv(p[f], p[s], y[f], y[s], disp, folds, seed)
    print_pair_cv("common shock", cv)


# --------------------------------------------------------------------------------------------
# d. retrodiction
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retro:
    case_id: str
    commitment: str
    p: float
    base: float
    fought: int
    fought_history: int
    relevant: bool


def read_cases() -> list[dict[str, str]]:
    with CASES.open(newline="") as fh:
        return list(csv.DictReader(fh))


def retrodiction() -> tuple[list[Retro], list[tuple[str, str]]]:
    """Every case's P(joiner fights) from a stage-2 fit without its dispute (shipped
    stage 1 and alliance sd); and the cases without a row, with the reason."""
    ev = evidence()
    x, y, groups, sub = joining_sample(ev.challenge)
    full = joiner_cases()
    index = {
        (int(d), int(t), int(j)): i
        for i, (d, t, j) in enumerate(
            zip(full["dispnum"], full["target"], full["joiner"], strict=True)
        )
    }
    targets = {(int(d), int(t)) for d, t in zip(full["dispnum"], full["target"], strict=True)}
    x_full = joining.feature_matrix(full, selection_probability(ev.challenge, full))
    g_full = np.where(np.isnan(full["atopid"]), -1, np.nan_to_num(full["atopid"])).astype(int)
    rows, missing = [], []
    fits: dict[int, tuple[LogitFit, float]] = {}
    for case in read_cases():
        d, t, j = int(case["dispnum"]), int(case["target"]), int(case["joiner"])
        i = index.get((d, t, j))
        if i is None:
            why = (
                "the joiner is not a non-originator of the dispute (no row for it)"
                if (d, t) in targets
                else "the target is not a side-B originator of the dispute (no such target)"
            )
            missing.append((case["case_id"], why))
            continue
        if d not in fits:
            keep = sub["dispnum"] != d
            fit = fixed_stage2(
                x[keep], y[keep], groups[keep], ev.joining.group_sd, ev.joining.shrink_sd
            )
            fits[d] = (fit, float(y[keep].mean()))
        fit, base = fits[d]
        p = float(fit.predict(x_full[i : i + 1], g_full[i : i + 1])[0])
        flags = [k for k in ATOP_FLAGS if np.nan_to_num(full[k][i]) > 0]
        commit = ", ".join(flags) if flags else "none"
        if not np.isnan(full["atopid"][i]):
            commit += f" (ATOP {int(full['atopid'][i])})"
        rows.append(
            Retro(
                case["case_id"],
                commit,
                p,
                base,
                int(case["fought"]),
                int(case["fought_history"]),
                bool(full["relevant"][i] == 1),
            )
        )
        if int(full["joined"][i]) != int(case["fought"]):
            raise SystemExit(f"{case['case_id']}: the case's 'fought' disagrees with the table")
    return rows, missing


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """P(a random positive case gets a higher probability than a random negative; ties 1/2)."""
    pos, neg = p[y == 1], p[y == 0]
    if not (pos.size and neg.size):
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


def section_d() -> None:
    rows, missing = retrodiction()
    print("## d. Retrodiction of the famous cases\n")
    print(
        f"{len(rows) + len(missing)} cases in `tests/data/retrodiction_cases.csv`, fixed from "
        "the literature before any model was fitted; the features were fixed before fitting "
        "too. Each case is predicted by a stage-2 fit without every case of its dispute "
        "(the shipped stage 1 and alliance sd kept: one hyperparameter estimated on 57,670 "
        "cases). Commitment: the ATOP 5.1 obligations of joiner and target in the data.\n"
    )
    print("| case | commitment (data) | P(fights) | fought (data) | fought (history) |")
    print("|---|---|---|---|---|")
    for r in rows:
        mark = "" if r.relevant else " (relevant = 0: outside the fitted sample)"
        print(
            f"| {r.case_id}{mark} | {r.commitment} | {r.p:.3f} | {r.fought} | {r.fought_history} |"
        )
    print()
    if missing:
        print(f"Skipped, no row in the joiner table ({len(missing)}):\n")
        for cid, why in missing:
            print(f"- {cid}: {why}")
        print()
    p = np.array([r.p for r in rows])
    b = np.array([r.base for r in rows])
    yd = np.array([r.fought for r in rows])
    yh = np.array([r.fought_history for r in rows])
    print("| coding | cases | fought | model Brier | base-rate Brier | model AUC |")
    print("|---|---|---|---|---|---|")
    for label, y in (("data (`fought`)", yd), ("history (`fought_history`)", yh)):
        print(
            f"| {label} | {len(rows)} | {int(y.sum())} | {brier_score(p, y):.4f} "
            f"| {brier_score(b, y):.4f} | {auc(p, y):.3f} |"
        )
    print()
    print(
        f"Mean P: {p[yd == 1].mean():.3f} where the joiner fought (data), "
        f"{p[yd == 0].mean():.3f} where it did not; base rate {b.mean():.4f}.\n"
    )


# --------------------------------------------------------------------------------------------
# e. design terms
# --------------------------------------------------------------------------------------------


def section_e() -> None:
    ev = evidence()
    print("## e. Design terms: obligation -> features -> coefficients\n")
    print(
        "Stage 2: log-odds of fighting (shipped `joining` fit); stage 1: log-odds of an "
        "attack (shipped `attack` fit) of the feature the design sets for the protected "
        "state. Mean [90% interval].\n"
    )
    print("| obligation | features | stage 2 (who fights) | stage 1 (attack) | note |")
    print("|---|---|---|---|---|")

    def fmt(fit: LogitFit, name: str) -> str:
        lo, hi = fit.interval(name)
        return f"{name} {fit.coef(name):+.2f} [{lo:+.2f}, {hi:+.2f}]"

    for ob, (feats, unknown, _note) in OBLIGATION_MAP.items():
        s2 = "; ".join(fmt(ev.joining, f) for f in feats) or "—"
        s1 = (
            "; ".join(fmt(ev.attack, g) for f in feats if f in STAGE1_OF for g in STAGE1_OF[f])
            or "—"
        )
        note = "adds an unknown effect N(0, 1) on the log-odds of fighting" if unknown else ""
        print(f"| `{ob}` | {', '.join(feats) or '—'} | {s2} | {s1} | {note} |")
    print()
    print(
        "Every design with a pact also sets `multilateral` (more than one guarantor: "
        f"{fmt(ev.joining, 'multilateral')}) and, with legal form 'membership', `organ` "
        f"({fmt(ev.joining, 'organ')}; stage 1 {fmt(ev.attack, 't_def_organ')}). A pact "
        "without defense obligation sets `nondef` "
        f"({fmt(ev.joining, 'nondef')}; stage 1 {fmt(ev.attack, 't_nondef')}).\n"
    )


# --------------------------------------------------------------------------------------------
# f. the Ukraine 2022 scenario
# --------------------------------------------------------------------------------------------

#: the designs and guarantors of the doc's table of P(fights tomorrow | not today)
HONOR_DESIGNS = ("nato_membership", "budapest_assurances", "israel_model")
HONOR_GUARANTORS = ("usa", "uk")


def ukraine_tables() -> tuple[list[list[str]], list[list[str]]]:
    """The cells of section f's two tables: per design (label, guarantors, P(at least one
    fights), p_attack_10y, p_abandoned_10y), and per design of :data:`HONOR_DESIGNS` (its id
    and each guarantor of :data:`HONOR_GUARANTORS`'s P(fights tomorrow | not today)); each
    figure as "mean [5%, 95%]" across the 2000 draws of seed 0."""
    from guaranty.credibility import assess
    from guaranty.scenario import load

    res = assess(load(ROOT / "scenarios" / "ukraine-2022.yaml"), draws=2000, seed=0)

    def cell(x: np.ndarray) -> str:
        lo, hi = np.quantile(x, [0.05, 0.95])
        return f"{np.mean(x):.3f} [{lo:.3f}, {hi:.3f}]"

    designs = [
        [
            d.design.label,
            str(len(d.guarantors)),
            cell(d.p_any) if d.guarantors else "—",
            cell(d.p_attack),
            cell(d.p_abandoned),
        ]
        for d in res.designs
    ]
    by = {d.design.id: d for d in res.designs}
    honor = [
        [
            f"`{name}`",
            *(cell(by[name].p_honor[:, by[name].guarantors.index(g)]) for g in HONOR_GUARANTORS),
        ]
        for name in HONOR_DESIGNS
    ]
    return designs, honor


#: the designs of the rivalry sensitivity (section f)
RIVALRY_DESIGNS = ("neutrality_alone", "nato_membership", "nonbloc_coalition", "p5_coalition")


def rivalry_sensitivity() -> list[list[str]]:
    """The Ukraine scenario with the Russia-Ukraine rivalry as the scenario states it (1) and
    as the shipped data have it (0: Thompson & Dreyer end in 2010 without it): per design
    of :data:`RIVALRY_DESIGNS`, (id, P(at least one fights) and p_attack_10y under each),
    each "mean [5%, 95%]" across the 2000 draws of seed 0."""
    from guaranty.credibility import assess
    from guaranty.scenario import load

    stated = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    data = stated.model_copy(
        update={"credibility": stated.credibility.model_copy(update={"pair": {}})}
    )
    runs = [assess(sc, draws=2000, seed=0) for sc in (stated, data)]

    def cell(x: np.ndarray) -> str:
        lo, hi = np.quantile(x, [0.05, 0.95])
        return f"{np.mean(x):.3f} [{lo:.3f}, {hi:.3f}]"

    rows = []
    for name in RIVALRY_DESIGNS:
        d1, d0 = (next(d for d in r.designs if d.design.id == name) for r in runs)
        rows.append(
            [
                f"`{name}`, by rivalry",
                cell(d1.p_any) if d1.guarantors else "—",
                cell(d0.p_any) if d0.guarantors else "—",
                cell(d1.p_attack),
                cell(d0.p_attack),
            ]
        )
    return rows


#: the sds of the stated prior on an obligation with no historical counterpart that section
#: f sets against each other (0: history alone; 1: the default, credibility.unknown_sd)
UNKNOWN_SDS = (0.0, 0.5, 1.0, 2.0)


def unknown_sd_sensitivity() -> list[list[str]]:
    """The Ukraine scenario's designs that hold an obligation with no historical counterpart
    (a no-fly zone, a nuclear umbrella), their P(at least one fights) under each sd of
    :data:`UNKNOWN_SDS` for its unknown effect: per design (id, the obligations, one cell
    "mean [5%, 95%]" per sd across the 2000 draws of seed 0)."""
    from guaranty.credibility import assess, no_counterpart
    from guaranty.scenario import load

    scenario = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    cred = scenario.credibility
    runs = [
        assess(
            scenario.model_copy(update={"credibility": cred.model_copy(update={"unknown_sd": sd})}),
            draws=2000,
            seed=0,
        )
        for sd in UNKNOWN_SDS
    ]

    def cell(x: np.ndarray) -> str:
        lo, hi = np.quantile(x, [0.05, 0.95])
        return f"{np.mean(x):.3f} [{lo:.3f}, {hi:.3f}]"

    rows = []
    for d in scenario.guarantees:
        new = no_counterpart(d.obligations)
        if not new or not d.guarantors:
            continue
        cells = [cell(next(x for x in r.designs if x.design.id == d.id).p_any) for r in runs]
        rows.append([f"`{d.id}`, by the prior's sd", ", ".join(new), *cells])
    return rows


#: NATO membership as ATOP v4 codes NATO itself (atopid 3180: a defense obligation, bases, a
#: formal organisation, no integrated command): the shipped design's obligations with
#: ``article5_membership`` and ``integrated_command`` replaced by ``tripwire_forces``
#: (defense and bases; see "From designs to features")
NATO_AS_CODED = "nato_as_atop_codes_nato"


def nato_coding_sensitivity() -> list[list[str]]:
    """The Ukraine scenario's NATO membership as the design maps it (with an integrated
    command) and as ATOP codes NATO (:data:`NATO_AS_CODED`), and neutrality: per design
    (id, its obligations, P(at least one fights), p_attack_10y, each "mean [5%, 95%]", and
    the shares of the 2000 draws of seed 0 in which p_attack_10y is below / above
    neutrality's: equal in the others, where the design takes effect after the horizon)."""
    from guaranty.credibility import assess
    from guaranty.scenario import load
    from guaranty.scenario.designs import Obligation

    scenario = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    nato = next(d for d in scenario.guarantees if d.id == "nato_membership")
    dropped = {Obligation.article5_membership, Obligation.integrated_command}
    coded = nato.model_copy(
        update={
            "id": NATO_AS_CODED,
            "obligations": [
                *(o for o in nato.obligations if o not in dropped),
                Obligation.tripwire_forces,
            ],
        }
    )
    run = assess(
        scenario.model_copy(update={"guarantees": [*scenario.guarantees, coded]}),
        draws=2000,
        seed=0,
    )
    by = {d.design.id: d for d in run.designs}

    def cell(x: np.ndarray) -> str:
        lo, hi = np.quantile(x, [0.05, 0.95])
        return f"{np.mean(x):.3f} [{lo:.3f}, {hi:.3f}]"

    neutral = by["neutrality_alone"].p_attack
    rows = []
    labels = {
        "nato_membership": "NATO as the design maps it",
        NATO_AS_CODED: "NATO as ATOP codes it",
        "neutrality_alone": "for reference",
    }
    for name, what in labels.items():
        d = by[name]
        rows.append(
            [
                f"`{name}` ({what})",
                ", ".join(o.value for o in d.design.obligations) or "—",
                cell(d.p_any) if d.guarantors else "—",
                cell(d.p_attack),
                "—"
                if name == "neutrality_alone"
                else f"{np.mean(d.p_attack < neutral):.3f} / {np.mean(d.p_attack > neutral):.3f}",
            ]
        )
    return rows


def section_f() -> None:
    print("## f. The Ukraine 2022 scenario\n")
    print(
        "`guaranty.credibility.assess` as `guaranty credibility scenarios/ukraine-2022.yaml` "
        "runs it (2000 draws, seed 0); mean [90% interval] across draws.\n"
    )
    designs, honor = ukraine_tables()
    print("| design | guarantors | P(at least one fights) | p_attack_10y | p_abandoned_10y |")
    print("|---|---:|---|---|---|")
    for row in designs:
        print(f"| {' | '.join(row)} |")
    print()
    print(f"| design | {' | '.join(HONOR_GUARANTORS)} |")
    print("|---|" + "---|" * len(HONOR_GUARANTORS))
    for row in honor:
        print(f"| {' | '.join(row)} |")
    print()
    print(
        "| design | P(at least one fights), rivalry stated | ..., rivalry as in the data "
        "| p_attack_10y, rivalry stated | ..., rivalry as in the data |"
    )
    print("|---|---|---|---|---|")
    for row in rivalry_sensitivity():
        print(f"| {' | '.join(row)} |")
    print()
    print(
        "| design | obligations without a historical counterpart | "
        + " | ".join(f"P(at least one fights), their effect's sd {sd:g}" for sd in UNKNOWN_SDS)
        + " |"
    )
    print("|---|---|" + "---|" * len(UNKNOWN_SDS))
    for row in unknown_sd_sensitivity():
        print(f"| {' | '.join(row)} |")
    print()
    print(
        "| design | obligations | P(at least one fights) | p_attack_10y "
        "| share of draws with p_attack_10y below / above neutrality's |"
    )
    print("|---|---|---|---|---|")
    for row in nato_coding_sensitivity():
        print(f"| {' | '.join(row)} |")
    print()


#: the years after a war over which section g follows each pair
POSTWAR_YEARS = 10


def postwar_calibration() -> list[tuple[str, int, int, float, float]]:
    """Stage 1 (the shipped attack fit, in sample) on the peace after the COW inter-state
    wars: for each spell of ``postwar_spells`` whose pair has rows in the challenge table,
    the directed dyad (the initiator-side state against the target) in the
    :data:`POSTWAR_YEARS` years after the war, up to its first attack and to 2010, rows at
    risk only (:func:`challenge.sample_mask`). Per group: (label, spells, spells with an
    attack, the observed share, the mean predicted P(an attack in those years), both over
    the years followed)."""
    from guaranty.data.conflict import challenge_dyads
    from guaranty.data.peace import postwar_spells
    from guaranty.evidence import evidence

    table = challenge_dyads()
    fit = evidence().attack
    x = challenge.feature_matrix(table, challenge.FEATURES)
    hazard = 1.0 / (1.0 + np.exp(-(fit.mean[0] + x @ fit.mean[1:])))
    at_risk = challenge.sample_mask(table)
    row = {
        (int(a), int(b), int(y)): i
        for i, (a, b, y) in enumerate(
            zip(table["ccode1"], table["ccode2"], table["year"], strict=True)
        )
    }
    spells = postwar_spells()
    cases = []  # (attacked, predicted, rivalry, after 1945)
    for k in range(spells.n_spells):
        a, b, end = int(spells.ccode_init[k]), int(spells.ccode_target[k]), int(spells.war_end[k])
        survival, attacked, followed = 1.0, False, 0
        for year in range(end + 1, min(end + POSTWAR_YEARS, 2010) + 1):
            i = row.get((a, b, year))
            if i is None:
                break
            followed += 1
            if not at_risk[i]:
                continue
            survival *= 1.0 - hazard[i]
            if table["attack"][i] == 1:
                attacked = True
                break
        if followed:
            rivalry = spells.covariates["rivalry"][k] == 1
            cases.append((attacked, 1.0 - survival, rivalry, end >= 1945))
    c = np.array(cases, dtype=float)
    groups = (
        ("all spells", np.ones(len(c), dtype=bool)),
        ("a strategic rivalry", c[:, 2] == 1),
        ("no rivalry", c[:, 2] == 0),
        ("wars ended before 1945", c[:, 3] == 0),
        ("wars ended in 1945 or later", c[:, 3] == 1),
        ("a rivalry, wars ended in 1945 or later", (c[:, 2] == 1) & (c[:, 3] == 1)),
    )
    return [
        (label, int(m.sum()), int(c[m, 0].sum()), float(c[m, 0].mean()), float(c[m, 1].mean()))
        for label, m in groups
    ]


def section_g() -> None:
    print("## g. Stage 1 after wars: the population of the forecast\n")
    print(
        "The shipped attack fit, in sample, on the directed dyads of the peace after COW "
        f"inter-state wars (initiator side against target, {POSTWAR_YEARS} years, to the "
        "first attack).\n"
    )
    print(
        f"| after the war, {POSTWAR_YEARS} years | spells | with an attack | observed "
        "| observed, 90% interval | predicted |"
    )
    print("|---|---|---|---|---|---|")
    for label, n, hit, obs, pred in postwar_calibration():
        lo, hi = wilson(hit, n)
        print(f"| {label} | {n} | {hit} | {obs:.3f} | [{lo:.3f}, {hi:.3f}] | {pred:.3f} |")
    print()


# --------------------------------------------------------------------------------------------
# h. institutionalization and reliability: two outside records of commitments invoked in war
# --------------------------------------------------------------------------------------------

#: Leeds & Anac (2005)'s alliance-war pairs (their replication file, copied verbatim)
LEEDS_ANAC = ROOT / "tests" / "data" / "leeds_anac_2005.csv"

#: the shipped ATOP v4 membership rows (alliance provisions, the alliance's defense flag)
ATOP4_PROVISIONS = ROOT / "src" / "guaranty" / "data" / "atop4_provisions.csv"

#: stage 2's terms for a pact's peacetime institutionalization (ATOP v4: joint bases or
#: troops, an integrated command, a formal organisation, military aid)
INSTITUTION_TERMS = ("base", "intcom", "organ", "milaid")

#: ATOP's military institutionalization, ``milinst``
MILINST_LEVELS = {0: "none", 1: "moderate", 2: "high (integrated command or bases)"}


def leeds_anac_cases() -> dict[str, np.ndarray]:
    """Leeds & Anac (2005)'s 137 alliance-war pairs: ``honor3`` (the ally did what the
    treaty obliged it to do), ``milinst`` and ``formal`` as they coded them, and ``defense``,
    whether the alliance (``atopid``) carries a defense obligation in ATOP v4 (for a
    defense obligation, honoring it is fighting beside the ally attacked)."""
    with LEEDS_ANAC.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    with ATOP4_PROVISIONS.open(newline="") as fh:
        defense = {int(r["atopid"]): int(r["defense"]) for r in csv.DictReader(fh)}
    out = {k: np.array([int(float(r[k])) for r in rows]) for k in ("atopid", "honor3", "milinst")}
    out["formal"] = np.array([int(float(r["formal"])) for r in rows])
    out["defense"] = np.array([defense[a] for a in out["atopid"]])
    return out


def honor_by_level(
    honored: np.ndarray, level: np.ndarray, keep: np.ndarray
) -> list[tuple[int, int, int]]:
    """(level, cases, honored) for each level of ``milinst`` among the cases ``keep``."""
    return [
        (lvl, int((keep & (level == lvl)).sum()), int(honored[keep & (level == lvl)].sum()))
        for lvl in sorted(MILINST_LEVELS)
    ]


def institutionalization_records() -> list[tuple[str, str, list[tuple[int, int, int]]]]:
    """Honoring by ATOP's military institutionalization in the two outside records, all
    obligations and defense obligations: (record, obligations, [(level, cases, honored)])."""
    la = leeds_anac_cases()
    bf = alliance_invocations()
    milinst = np.asarray(bf["milinst"], dtype=float)
    bf_level = np.where(np.isfinite(milinst), milinst, -1).astype(int)  # -1: not coded
    bf_honored = np.asarray(bf["honored"]).astype(int)
    bf_defense = np.asarray(bf["defense"]) == 1
    out = []
    for label, honored, level, defense in (
        ("Leeds & Anac (2005)", la["honor3"], la["milinst"], la["defense"] == 1),
        ("Berkemeier & Fuhrmann (2018), LLM coding", bf_honored, bf_level, bf_defense),
    ):
        everything = np.ones(honored.size, dtype=bool)
        out.append((label, "all", honor_by_level(honored, level, everything)))
        out.append((label, "defense", honor_by_level(honored, level, defense)))
    return out


def leeds_anac_logit(defense_only: bool) -> LogitFit:
    """A Laplace logit (slopes N(0, 2.5^2)) of ``honor3`` on ``milinst`` and ``formal``
    in Leeds & Anac's cases (those with a defense obligation if ``defense_only``)."""
    la = leeds_anac_cases()
    keep = la["defense"] == 1 if defense_only else np.ones(la["honor3"].size, dtype=bool)
    x = np.column_stack([la["milinst"][keep], la["formal"][keep]]).astype(float)
    return fit_logit(x, la["honor3"][keep].astype(float), names=("milinst", "formal"))


def section_h() -> None:
    print("## h. Institutionalization and reliability: the outside record\n")
    print(
        "Share of commitments honored when invoked in war, by ATOP's military "
        "institutionalization (`milinst`), with its 90% Wilson interval. Defense: the "
        "alliance carries a defense obligation in ATOP v4, so honoring it is fighting.\n"
    )
    print(
        "| record | obligations | "
        + " | ".join(f"milinst {k}: {v}" for k, v in MILINST_LEVELS.items())
        + " |"
    )
    print("|---|---|" + "---|" * len(MILINST_LEVELS))
    for label, obligations, cells in institutionalization_records():
        text = []
        for _lvl, n, k in cells:
            lo, hi = wilson(k, n)
            text.append(f"{k}/{n} = {k / n:.2f} [{lo:.2f}, {hi:.2f}]")
        print(f"| {label} | {obligations} | {' | '.join(text)} |")
    print()
    print(
        "Logit of `honor3` on `milinst` and `formal` (Leeds & Anac's cases; slopes "
        "N(0, 2.5^2), Laplace), mean [90% interval]:\n"
    )
    print("| cases | n | milinst | formal |")
    print("|---|---:|---|---|")
    for defense_only in (False, True):
        fit = leeds_anac_logit(defense_only)
        n = fit.n_cases
        cells = []
        for name in ("milinst", "formal"):
            lo, hi = fit.interval(name)
            cells.append(f"{fit.coef(name):+.2f} [{lo:+.2f}, {hi:+.2f}]")
        label = "defense obligations" if defense_only else "all"
        print(f"| {label} | {n} | {' | '.join(cells)} |")
    print()
    ev = evidence()
    terms = []
    for name in INSTITUTION_TERMS:
        lo, hi = ev.joining.interval(name)
        terms.append(f"{name} {ev.joining.coef(name):+.3f} [{lo:+.3f}, {hi:+.3f}]")
    print("Stage 2 (the shipped `joining` fit), mean [90% interval]: " + "; ".join(terms) + ".\n")


def wilson(k: int, n: int, z: float = 1.6449) -> tuple[float, float]:
    """The Wilson score interval of a share k / n (90% by default)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slowest parts")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the fold assignment")
    parser.add_argument(
        "--section",
        action="append",
        choices=tuple("abcdefgh"),
        help="print only this section (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    chosen = args.section or list("abcdefgh")
    print("# Validation of the credibility model\n")
    print(
        f"Printed by `python scripts/validate_credibility.py{' --quick' if args.quick else ''}`"
        f" (seed {args.seed}).\n"
    )
    sections = {
        "a": lambda: section_a(args.quick),
        "b": lambda: section_b(args.quick, args.seed),
        "c": lambda: section_c(args.quick, args.seed),
        "d": section_d,
        "e": section_e,
        "f": section_f,
        "g": section_g,
        "h": section_h,
    }
    for name in chosen:
        sections[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
