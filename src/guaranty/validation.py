"""Cross-validation of negotiation models grouped by proposal.

Issues of one legislative proposal share actors, negotiators and often the deal that settled
them, so a model tuned on some issues of a proposal and scored on others would be scored on
issues it has partly seen. Folds here keep every proposal whole:

* :func:`proposal_folds` sorts the distinct group labels (DEU III's ``prnr``), permutes them
  with ``numpy.random.default_rng(seed)`` and deals the permuted labels round-robin into
  ``k`` folds; every issue goes to its proposal's fold.
* A :class:`Candidate` is a registered model with a finite grid of parameter values (an
  empty grid for a model without free parameters). "Fitting" a candidate on some issues
  picks the grid point with the lowest mean absolute error on those issues (the first such
  point in grid order on ties).
* :func:`cross_validate` fits each candidate on all folds but one and scores it on the
  held-out fold, for every fold; every candidate is scored on the same folds. It also scores
  a nested selection: within each outer training set, the candidate with the lowest inner
  cross-validated error (leave one of the remaining folds out) is chosen, refitted on the
  whole training set and scored on the held-out fold, so the choice among candidates is
  paid for too.

Forecasts for every grid point are computed once for all issues; fitting then only reads
the training issues' errors, so no held-out outcome enters a fit.

Everything is a pure function of its arguments (and ``seed``); nothing prints.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from guaranty.errors import ModelError, ParameterError
from guaranty.models import registry
from guaranty.models.bargaining.base import stack_issues
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.formats import CaseSet, groupable

__all__ = [
    "DECLARED_CANDIDATES",
    "EXTREMITY_GRID",
    "CVResult",
    "Candidate",
    "CandidateScore",
    "against_reference",
    "cross_validate",
    "fit_index",
    "grid_points",
    "grouped_bootstrap_difference",
    "grouped_bootstrap_split",
    "predictions",
    "proposal_folds",
    "scored_cases",
    "scored_groups",
    "track_record",
    "track_record_of",
    "unsettled_reading",
    "unsettled_record",
]

#: The parameter grid over which ``extremity`` is fitted (declared before cross-validation).
EXTREMITY_GRID: dict[str, tuple[float, ...]] = {
    "extreme_weight": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0),
    "capability_exponent": (0.25, 0.5, 0.75, 1.0, 1.25),
    "salience_exponent": (0.5, 1.0, 1.5, 2.0),
}


@dataclass(frozen=True)
class Candidate:
    """A registered model and the grid its free parameters are fitted over.

    ``grid`` maps a parameter name to the values tried (the Cartesian product is searched);
    ``fixed`` holds parameters passed unchanged. ``label`` names the candidate in results
    (default: the model name).
    """

    model: str
    grid: Mapping[str, Sequence[float]] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None

    @property
    def key(self) -> str:
        return self.label or self.model


_E = {"extreme_weight": EXTREMITY_GRID["extreme_weight"]}
_AB = {k: EXTREMITY_GRID[k] for k in ("capability_exponent", "salience_exponent")}

#: The candidates compared on DEU III, declared before the cross-validation was run: the
#: baseline, the discount alone, the exponents alone, and both.
DECLARED_CANDIDATES: tuple[Candidate, ...] = (
    Candidate("compromise"),
    Candidate(
        "extremity",
        grid=_E,
        fixed={"capability_exponent": 1.0, "salience_exponent": 1.0},
        label="extremity",
    ),
    Candidate("extremity", grid=_AB, fixed={"extreme_weight": 1.0}, label="exponents"),
    Candidate("extremity", grid=EXTREMITY_GRID, label="extremity+exponents"),
)


def grid_points(candidate: Candidate) -> list[dict[str, Any]]:
    """Every parameter set of ``candidate``, in grid order (last parameter varies fastest)."""
    names = list(candidate.grid)
    for n in names:
        if n in candidate.fixed:
            raise ParameterError(
                f"parameter {n!r} of {candidate.key} is both fixed and on the grid"
            )
        if len(candidate.grid[n]) == 0:
            raise ParameterError(f"the grid of parameter {n!r} of {candidate.key} is empty")
    combos = itertools.product(*(candidate.grid[n] for n in names))
    return [{**candidate.fixed, **dict(zip(names, c, strict=True))} for c in combos]


def proposal_folds(groups: Sequence[str], k: int = 10, seed: int = 0) -> np.ndarray:
    """Fold of each item, keeping items of one group together.

    groups : sequence of n labels (e.g. DEU III ``prnr``). The sorted distinct labels are
    permuted by ``numpy.random.default_rng(seed)`` and the label at permuted position r goes
    to fold ``r % k``. Returns an int array of shape (n,) with values in [0, k).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ParameterError(f"k must be an integer >= 2; got {k!r}")
    labels = sorted(set(groups))
    if len(labels) < k:
        raise ParameterError(f"k = {k} folds need at least {k} distinct groups; got {len(labels)}")
    order = np.random.default_rng(seed).permutation(len(labels))
    fold_of = {labels[j]: r % k for r, j in enumerate(order)}
    return np.array([fold_of[g] for g in groups], dtype=int)


def scored_cases(cases: CaseSet) -> tuple[CaseSet, np.ndarray]:
    """The cases that have an observed outcome, and the outcomes (array of shape (n,))."""
    keep = [k for k, c in enumerate(cases.cases) if c.issues[0].outcome is not None]
    if not keep:
        raise ModelError(f"no case in {cases.name!r} has an observed outcome to score against")
    sub = CaseSet(
        name=cases.name,
        cases=tuple(cases.cases[k] for k in keep),
        meta=tuple(cases.meta[k] for k in keep) if cases.meta else (),
        lines=tuple(cases.lines[k] for k in keep) if cases.lines else (),
    )
    observed = np.array([cases.cases[k].issues[0].outcome for k in keep], dtype=float)
    return sub, observed


def predictions(cases: CaseSet, candidate: Candidate) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Nominal forecasts of every one-issue case for every grid point of ``candidate``.

    Returns the grid points and an array of shape (grid points, cases). For a separable model
    whose cases all share their actors, the cases are run in one call, stacked along the issue
    axis (:func:`~guaranty.models.bargaining.base.stack_issues`); otherwise case by case.
    """
    points = grid_points(candidate)
    parts = [nominal_inputs(c) for c in cases.cases]
    # only a model that forecasts each issue on its own may run on the stacked cases
    same_actors = all(p.actor_ids == parts[0].actor_ids for p in parts)
    stacked = (
        stack_issues(parts) if registry.get(candidate.model).separable and same_actors else None
    )
    out = np.empty((len(points), len(parts)))
    for g, params in enumerate(points):
        model = registry.create(candidate.model, **params)
        if stacked is not None:
            out[g] = model.run(stacked, np.random.default_rng(0)).outcome[0]
        else:
            for k, x in enumerate(parts):
                out[g, k] = model.run(x, np.random.default_rng(0)).outcome[0, 0]
    return points, out


def fit_index(abs_errors: np.ndarray, train: np.ndarray) -> int:
    """Grid point with the lowest mean absolute error on the ``train`` issues.

    abs_errors : array of shape (grid points, issues); train : bool array of shape (issues,).
    The first minimiser in grid order wins ties.
    """
    return int(np.argmin(abs_errors[:, train].mean(axis=1)))


def _cv_errors(abs_errors: np.ndarray, folds: np.ndarray, which: Sequence[int]) -> np.ndarray:
    """Held-out absolute errors (shape (issues,)) of leave-one-fold-out over folds ``which``;
    NaN outside them."""
    err = np.full(abs_errors.shape[1], np.nan)
    inside = np.isin(folds, which)
    for f in which:
        test = folds == f
        g = fit_index(abs_errors, inside & ~test)
        err[test] = abs_errors[g, test]
    return err


@dataclass(frozen=True)
class CandidateScore:
    """Cross-validated accuracy of one candidate.

    errors : array of shape (issues,), held-out absolute errors.
    fold_mae : array of shape (k,), mean absolute error on each held-out fold.
    params : the parameters fitted on the training folds of each fold (k dicts).
    chosen : for the nested selection, the candidate chosen in each fold (k labels).
    """

    label: str
    mae: float
    fold_mae: np.ndarray
    errors: np.ndarray
    params: tuple[dict[str, Any], ...]
    chosen: tuple[str, ...] = ()


@dataclass(frozen=True)
class CVResult:
    """Grouped cross-validation of several candidates on the same folds.

    folds : int array of shape (issues,); groups : the group label of each issue;
    observed : array of shape (issues,); scores : per candidate label, and ``"nested"`` for
    the nested selection among all candidates; full_fit : per candidate, the parameters
    fitted on every issue, with their in-sample MAE.
    """

    k: int
    seed: int
    folds: np.ndarray
    groups: tuple[str, ...]
    observed: np.ndarray
    scores: dict[str, CandidateScore]
    full_fit: dict[str, tuple[dict[str, Any], float]]


def cross_validate(
    cases: CaseSet,
    candidates: Sequence[Candidate],
    *,
    group_key: str = "prnr",
    k: int = 10,
    seed: int = 0,
) -> CVResult:
    """Grouped k-fold cross-validation of ``candidates`` on the cases with an outcome.

    Cases are grouped by ``meta[group_key]`` (DEU III: the proposal). See the module
    docstring for the folds, the fit and the nested selection.
    """
    if not candidates:
        raise ParameterError("cross_validate needs at least one candidate")
    keys = [c.key for c in candidates]
    if len(set(keys)) != len(keys) or "nested" in keys:
        raise ParameterError(f"candidate labels must be distinct and not 'nested'; got {keys}")
    sub, observed = scored_cases(cases)
    if not sub.meta or any(group_key not in m for m in sub.meta):
        raise ParameterError(f"every case needs a {group_key!r} entry in its meta to be grouped")
    groups = tuple(m[group_key] for m in sub.meta)
    folds = proposal_folds(groups, k, seed)
    grids, errs = {}, {}
    for c in candidates:
        points, pred = predictions(sub, c)
        grids[c.key], errs[c.key] = points, np.abs(pred - observed)

    scores: dict[str, CandidateScore] = {}
    every = np.ones(len(observed), dtype=bool)
    full_fit = {}
    for key in keys:
        err = _cv_errors(errs[key], folds, range(k))
        params = tuple(grids[key][fit_index(errs[key], folds != f)] for f in range(k))
        scores[key] = CandidateScore(
            label=key,
            mae=float(err.mean()),
            fold_mae=np.array([err[folds == f].mean() for f in range(k)]),
            errors=err,
            params=params,
        )
        g = fit_index(errs[key], every)
        full_fit[key] = (grids[key][g], float(errs[key][g].mean()))

    nested = np.full(len(observed), np.nan)
    chosen, nested_params = [], []
    for f in range(k):
        inner = [h for h in range(k) if h != f]
        inner_mae = [np.nanmean(_cv_errors(errs[key], folds, inner)) for key in keys]
        best = keys[int(np.argmin(inner_mae))]
        g = fit_index(errs[best], folds != f)
        nested[folds == f] = errs[best][g, folds == f]
        chosen.append(best)
        nested_params.append(grids[best][g])
    scores["nested"] = CandidateScore(
        label="nested",
        mae=float(nested.mean()),
        fold_mae=np.array([nested[folds == f].mean() for f in range(k)]),
        errors=nested,
        params=tuple(nested_params),
        chosen=tuple(chosen),
    )
    return CVResult(
        k=k,
        seed=seed,
        folds=folds,
        groups=groups,
        observed=observed,
        scores=scores,
        full_fit=full_fit,
    )


def _group_resamples(
    groups: Sequence[str], *, boot: int, level: float, seed: int
) -> tuple[int, np.ndarray, np.ndarray]:
    """For a bootstrap that resamples whole groups: the number of groups k, each item's
    group index (shape (n,)) and ``boot`` resamples of the k groups with replacement
    (shape (boot, k), from ``numpy.random.default_rng(seed)``); checks ``level``."""
    if not 0 < level < 1:
        raise ParameterError(f"level must lie strictly between 0 and 1; got {level}")
    labels = sorted(set(groups))
    index = {g: j for j, g in enumerate(labels)}
    gid = np.array([index[g] for g in groups])
    k = len(labels)
    return k, gid, np.random.default_rng(seed).integers(0, k, size=(boot, k))


def grouped_bootstrap_difference(
    errors_a: np.ndarray,
    errors_b: np.ndarray,
    groups: Sequence[str],
    *,
    boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, tuple[float, float]]:
    """Mean of ``errors_a - errors_b`` and a percentile bootstrap interval resampling groups.

    errors_a, errors_b : arrays of shape (n,) on the same issues; groups : n labels. Whole
    groups (proposals) are resampled with replacement, ``boot`` times, with
    ``numpy.random.default_rng(seed)``.
    """
    diff = np.asarray(errors_a, dtype=float) - np.asarray(errors_b, dtype=float)
    k, gid, draw = _group_resamples(groups, boot=boot, level=level, seed=seed)
    sums = np.bincount(gid, weights=diff, minlength=k)
    counts = np.bincount(gid, minlength=k).astype(float)
    stats = sums[draw].sum(axis=1) / counts[draw].sum(axis=1)
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(diff.mean()), (float(lo), float(hi))


def grouped_bootstrap_split(
    errors: np.ndarray,
    mask: np.ndarray,
    groups: Sequence[str],
    *,
    boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, tuple[float, float]] | None:
    """Mean of ``errors`` where ``mask`` holds minus their mean where it does not, with a
    percentile bootstrap interval resampling whole groups (proposals) ``boot`` times with
    ``numpy.random.default_rng(seed)`` (resamples that lack either side are left out).
    errors, mask : arrays of shape (n,); groups : n labels. None when either side is
    empty."""
    err = np.asarray(errors, dtype=float)
    on = np.asarray(mask, dtype=bool)
    k, gid, draw = _group_resamples(groups, boot=boot, level=level, seed=seed)
    if on.all() or not on.any():
        return None
    sum_on = np.bincount(gid, weights=np.where(on, err, 0.0), minlength=k)
    n_on = np.bincount(gid, weights=on.astype(float), minlength=k)
    sum_off = np.bincount(gid, weights=np.where(on, 0.0, err), minlength=k)
    n_off = np.bincount(gid, weights=(~on).astype(float), minlength=k)
    a, b = n_on[draw].sum(axis=1), n_off[draw].sum(axis=1)
    ok = (a > 0) & (b > 0)
    stats = sum_on[draw].sum(axis=1)[ok] / a[ok] - sum_off[draw].sum(axis=1)[ok] / b[ok]
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(err[on].mean() - err[~on].mean()), (float(lo), float(hi))


def scored_groups(cases: CaseSet, group_key: str = "prnr") -> list[str]:
    """The bootstrap's unit for each issue of ``cases`` with an outcome, in order: its
    proposal (``meta[group_key]``) when the cases name them, else the issue itself."""
    sub, _ = scored_cases(cases)
    if groupable(sub, group_key):
        return [str(m[group_key]) for m in sub.meta]
    return [str(k) for k in range(len(sub.cases))]


def against_reference(
    cases: CaseSet,
    errors: dict[str, np.ndarray],
    reference: np.ndarray,
    *,
    boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    group_key: str = "prnr",
) -> dict[str, tuple[float, tuple[float, float]]]:
    """Each run's mean absolute error minus a reference forecast's (one without a model,
    :func:`guaranty.pipeline.naive_backtest`), on the issues of ``cases`` that have an
    outcome, with a percentile bootstrap interval (:func:`grouped_bootstrap_difference`).

    ``errors`` maps a run's key to its absolute errors, ``reference`` holds the reference
    forecast's; arrays of shape (n,) over those issues in the order of the cases. The
    bootstrap resamples whole proposals (``meta[group_key]``), whose issues are decided
    together, or the issues when the cases do not name their proposals; every run uses the
    same resamples (``seed``). A negative difference: the run beats the reference."""
    groups = scored_groups(cases, group_key)
    return {
        key: grouped_bootstrap_difference(err, reference, groups, boot=boot, level=level, seed=seed)
        for key, err in errors.items()
    }


def unsettled_reading(model: str) -> str:
    """What a forecast that had not settled says, from the model's record on DEU III
    (:func:`track_record_of`, its ``unsettled`` entry: :func:`unsettled_record`)."""
    entry = track_record_of(model) or {}
    u = entry.get("unsettled")
    page = f'docs/models/{model}.md, "Rounds and whether the forecast settled"'
    if not u or u.get("difference") is None:
        return f"Read such a forecast as one point of a path that had not come to rest ({page})."
    d, (lo, hi) = u["difference"]["mae"], u["difference"]["interval"]
    text = (
        f"On the {track_record()['n']} EU legislative issues of DEU III's development half "
        f"{model} had not settled on {u['issues']}, and erred there by {u['mae']:.1f} points "
        f"on average against {u['mae_settled']:.1f} on the others (difference {d:+.1f}, 95% "
        f"interval {lo:+.1f} to {hi:+.1f})"
    )
    if lo > 0:
        return text + f": such a forecast is the less reliable ({page})."
    if hi < 0:
        return text + f": such a forecast was the more accurate there ({page})."
    return text + f": no clear difference there ({page})."


def unsettled_record(
    cases: CaseSet, scores: Mapping[str, Any], *, boot: int = 2000, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """Per backtest run (:func:`guaranty.pipeline.backtest`) of a model with rounds to settle
    (bdm, exchange) that had not settled on some issues (:func:`guaranty.pipeline.late_rounds`):
    ``issues`` (how many), ``mae`` there, ``mae_settled`` on the others, and ``difference``,
    the first minus the second with a 95% bootstrap interval resampling proposals
    (:func:`grouped_bootstrap_split`; None when no issue settled): ``{"mae", "interval"}``.
    """
    groups = scored_groups(cases)
    out = {}
    for key, sc in scores.items():
        split = sc.settled_split()
        if split is None or split[0] == 0:
            continue
        count, bad, good = split
        diff = grouped_bootstrap_split(sc.errors, sc.unsettled, groups, boot=boot, seed=seed)
        out[key] = {
            "issues": count,
            "mae": bad,
            "mae_settled": good,
            "difference": None if diff is None else {"mae": diff[0], "interval": list(diff[1])},
        }
    return out


@cache
def track_record() -> dict[str, Any]:
    """The models' record on real negotiations, shipped (``data/deu_track_record.json``,
    written by ``scripts/rebuild_track_record.py``): the scores of ``guaranty backtest`` on
    the development half of DEU III, per run (``models``, keyed as the backtest keys them)
    and for the forecasts without a model (``without_model``), with ``n``, the issues."""
    text = resources.files("guaranty.data").joinpath("deu_track_record.json").read_text()
    return json.loads(text)


def track_record_of(model: str) -> dict[str, Any] | None:
    """A model's entry of :func:`track_record` for a scenario's forecast: run per proposal
    where the backtest ran it so (its issues negotiated together, as a scenario's are),
    else per issue; for a model whose defaults were fitted on these issues, its
    cross-validated error in place of the in-sample one (``run``: "cross-validated"), and
    its differences from the forecasts without a model (``minus_without_model``: name ->
    ``mae`` and 95% ``interval``) held out too; None for a model the record does not hold
    (one registered later)."""
    rec = track_record()
    entry = rec["models"].get(f"{model} (per proposal)") or rec["models"].get(model)
    if entry is not None and model in rec["cross_validated"]:
        entry = {
            **entry,
            "mae": rec["cross_validated"][model],
            "run": "cross-validated",
            "minus_without_model": rec["cross_validated_minus_without_model"][model],
        }
    return entry
