"""High-level operations over scenarios: forecasts with uncertainty, and backtests.

Every stochastic result is a function of (scenario, seed, version): the seed feeds a
``numpy.random.SeedSequence`` whose children drive the input draws and the model.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from guaranty.errors import ModelError, ParameterError
from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationResult, stack_issues
from guaranty.models.params import parameters_json
from guaranty.scenario.compile import nominal_inputs, sample_inputs
from guaranty.scenario.formats import CaseSet, group_by_proposal, groupable
from guaranty.scenario.schema import Scenario

__all__ = [
    "PER_ISSUE",
    "PER_PROPOSAL",
    "PROPOSAL_MODELS",
    "SETTLED_SHARE",
    "BacktestScore",
    "Forecast",
    "IssueForecast",
    "LateRounds",
    "backtest",
    "backtest_runs",
    "forecast",
    "forecast_cases",
    "forecast_proposals",
    "late_rounds",
    "naive_backtest",
    "naive_forecasts",
    "unweighted_means",
]

#: How a backtest ran a model: each issue on its own, or a proposal's issues together.
PER_ISSUE = "per issue"
PER_PROPOSAL = "per proposal"

#: The models a backtest of cases grouped by proposal (DEU III) also runs per proposal
#: (issue 17): ``exchange`` and ``smp`` negotiate all the issues of a scenario at once (their
#: forecast of an issue depends on the others); ``bdm`` is Scholz et al.'s issue-by-issue
#: contest, so per proposal it gives its per-issue forecasts, reported both ways to show it.
#: ``nash`` maximises one product over all the issues of a scenario, so it is run per
#: proposal too (since 2026-12-08; before, per issue only, a choice made when a run over
#: DEU III's proposals took minutes: it takes seconds now, and per proposal nash scores 3.1
#: points better, docs/backtest.md).
PROPOSAL_MODELS: tuple[str, ...] = ("exchange", "bdm", "smp", "nash")


#: How far, as a share of an issue's scale, the forecast of a model that runs a set number of
#: rounds (bdm, exchange) may move over the last half of its rounds and still count as
#: settled: 5%, half the 10 points of DEU III's "within 10" score (docs/models/bdm.md,
#: "Rounds and whether the forecast settled").
SETTLED_SHARE = 0.05


@dataclass(frozen=True)
class LateRounds:
    """Where an iterative model's forecast went over the last half of its rounds.

    ``first`` and ``last`` are the rounds (1-based) of that half, the last ceil(R / 2) of
    R rounds; ``low`` and ``high``, arrays of shape (draws, issues), the least and the most
    the forecast was after any of them; ``settled`` (bool, same shape) whether they lie
    within :data:`SETTLED_SHARE` of the issue's scale, i.e. whether stopping the model
    anywhere in that half would have given about the same forecast.
    """

    first: int
    last: int
    low: np.ndarray
    high: np.ndarray
    settled: np.ndarray


def late_rounds(
    result: NegotiationResult, lower: np.ndarray, upper: np.ndarray
) -> LateRounds | None:
    """:class:`LateRounds` of a model's result, or None for a model without a forecast per
    round (``round_outcome``). ``lower``, ``upper``: the issues' scales, shape (issues,)."""
    path = result.round_outcome
    if path is None:
        return None
    rounds = path.shape[1]
    first = rounds - (rounds + 1) // 2 + 1
    tail = path[:, first - 1 :]
    low, high = tail.min(axis=1), tail.max(axis=1)
    width = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
    settled = settled_within(low, high, width)
    return LateRounds(first=first, last=rounds, low=low, high=high, settled=settled)


def settled_within(
    low: np.ndarray, high: np.ndarray, width: np.ndarray, share: float = SETTLED_SHARE
) -> np.ndarray:
    """Whether a forecast that ranged from ``low`` to ``high`` over the last half of its
    model's rounds lies within ``share`` of its scale's ``width`` (arrays that broadcast;
    a hair of relative slack so that a move of exactly the share counts as settled)."""
    return (np.asarray(high) - np.asarray(low)) <= share * np.asarray(width) * (1 + 1e-9)


@dataclass(frozen=True)
class IssueForecast:
    """One issue's forecast: the nominal outcome, and with draws its mean and interval.

    For a model that runs a set number of rounds (bdm, exchange), ``late`` is (first round,
    last round, low, high): the range of the forecast over the last half of the rounds at
    the nominal inputs, ``settled`` whether that range lies within :data:`SETTLED_SHARE` of
    the scale, and, with draws, ``unsettled_share`` the share of draws in which it does
    not; all None for other models.
    """

    id: str
    label: str
    outcome: float
    observed: float | None = None
    mean: float | None = None
    interval: tuple[float, float] | None = None
    rounds: list[dict[str, Any]] | None = None
    settled: bool | None = None
    late: tuple[int, int, float, float] | None = None
    unsettled_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "outcome": self.outcome}
        if self.observed is not None:
            out["observed"] = self.observed
        if self.mean is not None:
            out["mean"] = self.mean
            out["interval"] = list(self.interval) if self.interval else None
        if self.settled is not None and self.late is not None:
            first, last, low, high = self.late
            out["settled"] = self.settled
            out["late_rounds"] = {"from": first, "to": last, "low": low, "high": high}
            if self.unsettled_share is not None:
                out["unsettled_share"] = self.unsettled_share
        if self.rounds is not None:
            out["rounds"] = self.rounds
        return out

    def unsettled_note(self, model: str) -> str | None:
        """A sentence for a reader when the forecast had not settled, else None."""
        if self.settled is None or self.late is None:
            return None
        share = self.unsettled_share
        if self.settled and not share:
            return None
        first, last, low, high = self.late
        if self.settled:
            return (
                f"{model} on '{self.id}': settled at the nominal inputs, but not in "
                f"{share:.0%} of the draws (over the last half of the rounds the forecast "
                f"moved by more than {SETTLED_SHARE:.0%} of the scale)."
            )
        text = (
            f"{model} on '{self.id}' had not settled: over rounds {first}-{last} its "
            f"forecast ranged from {low:.4g} to {high:.4g}, more than {SETTLED_SHARE:.0%} of "
            f"the scale, so the figure is the last round's by convention and another "
            f"number of rounds gives another forecast"
        )
        if share is not None:
            text += f"; over the draws, {share:.0%} had not settled"
        return text + "."


@dataclass(frozen=True)
class Forecast:
    """A model's forecast of every issue of a scenario."""

    model: str
    scenario: str
    issues: tuple[IssueForecast, ...]
    draws: int
    seed: int
    level: float
    details: dict[str, Any] | None = None
    #: the outcome in every draw, shape (draws, issues); None without draws
    samples: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: seconds the model's kernel took: on the nominal inputs, and over all draws (wall
    #: time of ``model.run``, inputs already compiled)
    timing: dict[str, float] = field(default_factory=dict, compare=False)
    #: the model's parameters given (the rest keep their defaults, docs/models/)
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self, *, timing: bool = False) -> dict[str, Any]:
        """The forecast as JSON; with ``timing`` the kernel's seconds too (they differ from
        run to run, while everything else is a function of the scenario and the seed)."""
        out: dict[str, Any] = {
            "model": self.model,
            "scenario": self.scenario,
            "issues": [i.to_json() for i in self.issues],
        }
        if self.params:
            out["params"] = parameters_json(self.params)
        if self.draws:
            out.update(draws=self.draws, seed=self.seed, level=self.level)
        if self.details:
            out["details"] = self.details
        if timing and self.timing:
            out["timing"] = self.timing
        return out


def _rounds(
    result: NegotiationResult, actor_ids: Sequence[str], present: np.ndarray, k: int
) -> list[dict[str, Any]] | None:
    """Round-by-round median, mean and positions (of the actors present on issue k)."""
    if result.round_median is None or result.round_mean is None:
        return None
    out = []
    for r in range(result.round_median.shape[1]):
        entry: dict[str, Any] = {
            "round": r + 1,
            "median": float(result.round_median[0, r, k]),
            "mean": float(result.round_mean[0, r, k]),
        }
        if result.round_positions is not None:
            entry["positions"] = {
                a: float(result.round_positions[0, r, j, k])
                for j, a in enumerate(actor_ids)
                if present[j, k]
            }
        out.append(entry)
    return out


def _late_fields(nominal: LateRounds | None, draws: LateRounds | None, k: int) -> dict[str, Any]:
    """IssueForecast's ``settled``, ``late`` and ``unsettled_share`` for issue ``k``."""
    if nominal is None:
        return {}
    out: dict[str, Any] = {
        "settled": bool(nominal.settled[0, k]),
        "late": (
            nominal.first,
            nominal.last,
            float(nominal.low[0, k]),
            float(nominal.high[0, k]),
        ),
    }
    if draws is not None:
        column = draws.settled[:, k]
        out["unsettled_share"] = int(np.count_nonzero(~column)) / column.size
    return out


def forecast(
    scenario: Scenario,
    model: str,
    *,
    draws: int = 0,
    seed: int = 0,
    level: float = 0.9,
    params: dict[str, Any] | None = None,
) -> Forecast:
    """Forecast every issue of ``scenario`` with registered model ``model``.

    The outcome is the model run on the nominal inputs. With ``draws > 0`` the scenario's
    uncertain inputs are sampled ``draws`` times and the mean and central ``level``
    interval of the outcome are added.
    """
    if not 0 < level < 1:
        raise ParameterError(f"level must lie strictly between 0 and 1; got {level}")
    if draws < 0:
        raise ParameterError(f"draws must be >= 0; got {draws}")
    scenario.require_positions()  # an issue nobody takes a position on has no forecast
    m = registry.create(model, **(params or {}))
    seq_inputs, seq_model, seq_nominal = np.random.SeedSequence(seed).spawn(3)
    x0 = nominal_inputs(scenario)
    start = time.perf_counter()
    nominal = m.run(x0, np.random.default_rng(seq_nominal))
    timing = {"kernel_nominal_s": time.perf_counter() - start}
    late0 = late_rounds(nominal, x0.lower, x0.upper)
    dist = late = None
    if draws:
        xs = sample_inputs(scenario, draws, np.random.default_rng(seq_inputs))
        start = time.perf_counter()
        res = m.run(xs, np.random.default_rng(seq_model))
        timing["kernel_draws_s"] = time.perf_counter() - start
        dist, late = res.outcome, late_rounds(res, xs.lower, xs.upper)
    issues = []
    for k, issue in enumerate(scenario.issues):
        mean = interval = None
        if dist is not None:
            col = dist[:, k]
            mean = float(col.mean())
            q = np.quantile(col, [(1 - level) / 2, (1 + level) / 2])
            interval = (float(q[0]), float(q[1]))
        issues.append(
            IssueForecast(
                id=issue.id,
                label=issue.label,
                outcome=float(nominal.outcome[0, k]),
                observed=issue.outcome,
                mean=mean,
                interval=interval,
                rounds=_rounds(nominal, x0.actor_ids, x0.present, k),
                **_late_fields(late0, late, k),
            )
        )
    return Forecast(
        model=model,
        scenario=scenario.name,
        issues=tuple(issues),
        draws=draws,
        seed=seed,
        level=level,
        details=nominal.details or None,
        samples=dist,
        timing=timing,
        params=dict(params or {}),
    )


def forecast_cases(
    cases: CaseSet,
    model: str,
    *,
    params: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Forecast:
    """Forecast each one-issue case of a :class:`CaseSet` at its nominal inputs.

    For a separable model, cases over the same actors are stacked along the issue axis and
    run in one call; otherwise each case runs on its own. ``progress(k)`` is called as
    ``k`` more cases are done.
    """
    m = registry.create(model, **(params or {}))
    inputs = [nominal_inputs(case) for case in cases.cases]
    outcomes = np.empty(len(inputs))
    late: dict[int, dict[str, Any]] = {}
    rng = np.random.default_rng(0)
    if m.separable:
        groups: dict[tuple[str, ...], list[int]] = {}
        for k, x in enumerate(inputs):
            groups.setdefault(x.actor_ids, []).append(k)
        for idx in groups.values():
            stacked = stack_issues([inputs[k] for k in idx])
            res = m.run(stacked, rng)
            outcomes[idx] = res.outcome[0]
            rounds = late_rounds(res, stacked.lower, stacked.upper)
            late.update((k, _late_fields(rounds, None, j)) for j, k in enumerate(idx))
            if progress:
                progress(len(idx))
    else:
        for k, x in enumerate(inputs):
            res = m.run(x, rng)
            outcomes[k] = res.outcome[0, 0]
            late[k] = _late_fields(late_rounds(res, x.lower, x.upper), None, 0)
            if progress:
                progress(1)
    issues = tuple(
        IssueForecast(
            id=case.name,
            label=case.issues[0].label,
            outcome=float(outcomes[k]),
            observed=case.issues[0].outcome,
            **late[k],
        )
        for k, case in enumerate(cases.cases)
    )
    return Forecast(
        model=model, scenario=cases.name, issues=issues, draws=0, seed=0, level=0.9,
        params=dict(params or {}),
    )  # fmt: skip


@dataclass(frozen=True)
class BacktestScore:
    """Accuracy of one model against observed outcomes.

    ``errors`` is the array of absolute errors, shape (n,), one per scored issue in the
    order of the cases; ``mae_ci`` a percentile bootstrap interval of the mean absolute
    error. ``run`` says how the model was run: ``"per issue"`` (each issue a negotiation of
    its own) or ``"per proposal"`` (the issues of a proposal negotiated together).
    ``unsettled`` (bool, shape (n,)) marks the issues on which a model that runs a set number
    of rounds had not settled (:func:`late_rounds`); None for the other models.
    """

    model: str
    n: int
    mae: float
    mae_ci: tuple[float, float]
    median_ae: float
    within10: float
    errors: np.ndarray
    run: str = PER_ISSUE
    unsettled: np.ndarray | None = None

    def settled_split(self) -> tuple[int, float | None, float | None] | None:
        """(issues not settled, MAE on them, MAE on the settled ones; None where there are
        none), or None for a model without rounds to settle."""
        if self.unsettled is None:
            return None
        bad = self.unsettled

        def mae(mask: np.ndarray) -> float | None:
            return float(self.errors[mask].mean()) if mask.any() else None

        return int(bad.sum()), mae(bad), mae(~bad)

    def to_json(self) -> dict[str, Any]:
        out = {
            "model": self.model,
            "run": self.run,
            "mae": self.mae,
            "mae_ci": list(self.mae_ci),
            "median_ae": self.median_ae,
            "within10": self.within10,
            "n": self.n,
        }
        split = self.settled_split()
        if split is not None:
            count, mae_bad, mae_good = split
            out["unsettled"] = {"issues": count, "mae": mae_bad, "mae_settled": mae_good}
        return out


def forecast_proposals(
    cases: CaseSet,
    model: str,
    *,
    key: str = "prnr",
    params: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    only: Sequence[int] | None = None,
) -> Forecast:
    """Forecast the cases of a :class:`CaseSet` proposal by proposal: the issues that share
    ``meta[key]`` are one multi-issue scenario (:func:`group_by_proposal`), run at its
    nominal inputs with a generator seeded 0.

    Returns one :class:`IssueForecast` per case, in the order of the cases. ``only`` (case
    indices) runs just the proposals holding one of them and returns just their forecasts,
    in the order of ``only``; the other issues of those proposals still take part in the
    negotiation. ``progress(k)`` is called as the ``k`` cases of ``only`` (by default all)
    of a proposal are done.
    """
    m = registry.create(model, **(params or {}))
    wanted = list(range(len(cases.cases))) if only is None else list(only)
    want = set(wanted)
    outcomes: dict[int, float] = {}
    late: dict[int, dict[str, Any]] = {}
    for group in group_by_proposal(cases, key):
        mine = [k for k in group.cases if k in want]
        if not mine:
            continue
        x = nominal_inputs(group.scenario)
        res = m.run(x, np.random.default_rng(0))
        rounds = late_rounds(res, x.lower, x.upper)
        for j, k in enumerate(group.cases):
            outcomes[k] = float(res.outcome[0, j])
            late[k] = _late_fields(rounds, None, j)
        if progress:
            progress(len(mine))
    issues = tuple(
        IssueForecast(
            id=cases.cases[k].name,
            label=cases.cases[k].issues[0].label,
            outcome=outcomes[k],
            observed=cases.cases[k].issues[0].outcome,
            **late[k],
        )
        for k in wanted
    )
    return Forecast(
        model=model, scenario=cases.name, issues=issues, draws=0, seed=0, level=0.9,
        params=dict(params or {}),
    )  # fmt: skip


def _score(
    name: str,
    run: str,
    predicted: np.ndarray,
    observed: np.ndarray,
    *,
    seed: int,
    boot: int,
    level: float,
) -> BacktestScore:
    """The scores of the forecasts ``predicted`` of the issues with outcomes ``observed``."""
    err = np.abs(predicted - observed)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    idx = rng.integers(0, len(err), size=(boot, len(err)))
    boot_mae = err[idx].mean(axis=1)
    lo, hi = np.quantile(boot_mae, [(1 - level) / 2, (1 + level) / 2])
    return BacktestScore(
        model=name,
        n=len(err),
        mae=float(err.mean()),
        mae_ci=(float(lo), float(hi)),
        median_ae=float(np.median(err)),
        within10=float((err <= 10).mean()),
        errors=err,
        run=run,
    )


#: forecasts that need no model, scored beside the models by :func:`naive_backtest`
NO_MODEL = "no model"
NAIVE_FORECASTS = {
    "midpoint": "the midpoint of the issue's scale",
    "unweighted mean": "the unweighted mean of the positions the actors take",
}


def unweighted_means(scenario: Scenario) -> np.ndarray:
    """Each issue's unweighted mean of the nominal positions of the actors that take one,
    shape (issues,); NaN for an issue on which no actor takes one."""
    x = nominal_inputs(scenario)
    out = np.full(len(scenario.issues), np.nan)
    for k in range(out.size):
        taken = x.positions[0, x.present[:, k], k]
        if taken.size:
            out[k] = taken.mean()
    return out


def naive_forecasts(cases: CaseSet) -> dict[str, np.ndarray]:
    """Forecasts without a model of every one-issue case (:data:`NAIVE_FORECASTS`), each of
    shape (cases,): the midpoint of the issue's scale, and the unweighted mean of the
    nominal positions of the actors that take one (:func:`unweighted_means`; the midpoint
    where none does)."""
    mid = np.array([sum(case.issues[0].scale) / 2 for case in cases.cases])
    mean = np.array([unweighted_means(case)[0] for case in cases.cases])
    return {"midpoint": mid, "unweighted mean": np.where(np.isnan(mean), mid, mean)}


def naive_backtest(
    cases: CaseSet, *, seed: int = 0, boot: int = 2000, level: float = 0.95
) -> dict[str, BacktestScore]:
    """:func:`naive_forecasts` scored as :func:`backtest` scores a model, on the same issues
    and with the same bootstrap resamples (run ``"no model"``): what a model's error is to
    be read against (docs/validation.md)."""
    keep = [k for k, c in enumerate(cases.cases) if c.issues[0].outcome is not None]
    if not keep:
        raise ModelError(f"no case in {cases.name!r} has an observed outcome to score against")
    scored = CaseSet(cases.name, tuple(cases.cases[k] for k in keep), (), ())
    observed = np.array([c.issues[0].outcome for c in scored.cases])
    return {
        name: _score(name, NO_MODEL, predicted, observed, seed=seed, boot=boot, level=level)
        for name, predicted in naive_forecasts(scored).items()
    }


def backtest_runs(
    cases: CaseSet,
    models: Sequence[str],
    *,
    per_proposal: Sequence[str] = PROPOSAL_MODELS,
    group_key: str = "prnr",
) -> list[tuple[str, str, str]]:
    """The runs a :func:`backtest` makes, as (key, model, run): every model per issue, and
    the models of ``per_proposal`` also per proposal when the cases name their proposal in
    ``meta[group_key]``; such a model's keys are ``"NAME (per proposal)"`` and
    ``"NAME (per issue)"``, every other model's its name."""
    grouped = groupable(cases, group_key)
    runs = []
    for name in models:
        if grouped and name in per_proposal:
            runs.append((f"{name} ({PER_PROPOSAL})", name, PER_PROPOSAL))
            runs.append((f"{name} ({PER_ISSUE})", name, PER_ISSUE))
        else:
            runs.append((name, name, PER_ISSUE))
    return runs


def backtest(
    cases: CaseSet,
    models: Sequence[str] | None = None,
    *,
    seed: int = 0,
    boot: int = 2000,
    level: float = 0.95,
    params: dict[str, dict[str, Any]] | None = None,
    progress: Callable[[str, int], None] | None = None,
    per_proposal: Sequence[str] = PROPOSAL_MODELS,
    group_key: str = "prnr",
) -> dict[str, BacktestScore]:
    """Score models against the observed outcomes of the cases that have one.

    Returns, per run (:func:`backtest_runs` names them), the mean and median absolute error,
    the share of issues within 10 scale points, and a percentile bootstrap interval
    (``boot`` resamples of the issues, seeded) for the mean absolute error. Every run is
    scored on the same issues with the same resamples. A model of ``per_proposal`` runs
    both per issue and per proposal (:func:`forecast_proposals`) when the cases are grouped
    by ``meta[group_key]``. ``params`` maps a model name to its parameters;
    ``progress(key, k)`` is called as ``k`` more scored issues of the run ``key`` are done.
    """
    names = list(models) if models else registry.available()
    keep = [k for k, c in enumerate(cases.cases) if c.issues[0].outcome is not None]
    if not keep:
        raise ModelError(f"no case in {cases.name!r} has an observed outcome to score against")
    scored = CaseSet(cases.name, tuple(cases.cases[k] for k in keep), (), ())
    observed = np.array([cases.cases[k].issues[0].outcome for k in keep])
    out = {}
    for key, name, run in backtest_runs(
        cases, names, per_proposal=per_proposal, group_key=group_key
    ):
        tick = (lambda k, key=key: progress(key, k)) if progress else None
        if run == PER_PROPOSAL:
            fc = forecast_proposals(
                cases,
                name,
                key=group_key,
                params=(params or {}).get(name),
                progress=tick,
                only=keep,
            )
        else:
            fc = forecast_cases(scored, name, params=(params or {}).get(name), progress=tick)
        predicted = np.array([i.outcome for i in fc.issues])
        score = _score(name, run, predicted, observed, seed=seed, boot=boot, level=level)
        if any(i.settled is not None for i in fc.issues):
            unsettled = np.array([i.settled is False for i in fc.issues])
            score = dataclasses.replace(score, unsettled=unsettled)
        out[key] = score
    return out
