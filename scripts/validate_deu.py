#!/usr/bin/env python3
"""Backtest and grouped cross-validation on DEU III; prints the tables of docs/validation.md.

Usage: .venv/bin/python scripts/validate_deu.py [--data tests/data/deu3_dev.tsv] [--k 10]
       [--seed 0] [--repeats 5] [--boot 2000] [--models compromise median extremity]
       [--explore]
       .venv/bin/python scripts/validate_deu.py --settled

The in-sample backtest scores each registered model (or ``--models``) on every issue with an
outcome, beside forecasts that need no model (the scale's midpoint, the training folds' mean
outcome, the status quo, the Commission's position, the unweighted mean of the positions).
The cross-validation compares the candidates declared in
``guaranty.validation.DECLARED_CANDIDATES`` on the same ``k`` folds of proposals (seed
``--seed``), then repeats it with seeds ``seed .. seed + repeats - 1``. Every figure is a
pure function of the data file and these options. ``--explore`` prints instead the in-sample
table of the variants looked at on the whole file before the candidates were declared.
``--settled`` prints instead, for bdm and exchange, the issues on which the forecast had not
settled in the model's rounds under thresholds of 1% to 20% of the scale, and the error
there against elsewhere (docs/models/bdm.md, "Rounds and whether the forecast settled").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from guaranty.models import registry
from guaranty.models.bargaining.base import stack_issues
from guaranty.models.bargaining.median import weighted_median
from guaranty.pipeline import backtest, naive_forecasts
from guaranty.scenario import load
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.formats import CaseSet
from guaranty.validation import (
    DECLARED_CANDIDATES,
    cross_validate,
    grouped_bootstrap_difference,
    predictions,
    proposal_folds,
    scored_cases,
)

ROOT = Path(__file__).resolve().parents[1]
BASE, MODEL = "compromise", "extremity"


def _params(p: dict) -> str:
    short = {"extreme_weight": "e", "capability_exponent": "a", "salience_exponent": "b"}
    order = [k for k in short if k in p] + sorted(k for k in p if k not in short)
    return ", ".join(f"{short.get(k, k)} = {p[k]:g}" for k in order) or "—"


def explore(cases: CaseSet) -> None:
    """The in-sample variants tried before the candidates were declared (DEU III only)."""
    sub, y = scored_cases(cases)
    x = stack_issues([nominal_inputs(c) for c in sub.cases])  # DEU: the same 30 actors
    pos, sal, cap = x.positions[0].T, x.salience[0].T, x.capability[0].T  # (issues, actors)
    here = x.present.T
    ids = list(x.actor_ids)

    def wmean(w: np.ndarray, keep: np.ndarray = here) -> np.ndarray:
        w = np.where(keep, w, 0.0)
        return (w * pos).sum(axis=1) / w.sum(axis=1)

    def mae(pred: np.ndarray, rows: np.ndarray | None = None) -> float:
        err = np.abs(pred - y)
        return float(err[rows].mean() if rows is not None else err.mean())

    cw = cap * sal
    base = wmean(cw)
    proc = np.array([m.get("proc", "") for m in sub.meta])
    rp = x.reference
    has_rp = ~np.isnan(rp)
    lo = np.where(here, pos, np.inf).min(axis=1, keepdims=True)
    hi = np.where(here, pos, -np.inf).max(axis=1, keepdims=True)
    outer = (pos == lo) | (pos == hi)
    ends = (pos <= 0) | (pos >= 100)
    med = weighted_median(pos.T[None], np.where(here, cw, 0.0).T[None])[0]

    def scaled(actor: str, m: float) -> np.ndarray:
        w = cw.copy()
        w[:, ids.index(actor)] *= m
        return w

    def iterated(g: float) -> np.ndarray:
        m = base
        for _ in range(5):
            m = wmean(cw * np.exp(-g * np.abs(pos - m[:, None]) / 100))
        return m

    def best(rows: np.ndarray | None, variants: dict[str, np.ndarray], ref: np.ndarray) -> str:
        scores = {k: mae(v, rows) for k, v in variants.items()}
        k = min(scores, key=scores.get)
        return f"{scores[k]:.2f} ({k}) | {mae(ref, rows):.2f}"

    states = here.copy()
    states[:, [ids.index("com"), ids.index("ep")]] = False
    rows = [
        (
            "weights c^a s^b",
            None,
            {
                f"a = {a:g}, b = {b:g}": wmean(cap**a * sal**b)
                for a in (0, 0.25, 0.5, 0.75, 1, 1.5)
                for b in (0, 0.5, 1, 2, 3)
            },
        ),
        (
            "shrink toward rp (issues with an rp)",
            has_rp,
            {f"t = {s:g}": (1 - s) * base + s * np.nan_to_num(rp) for s in (0.1, 0.2, 0.3, 0.4)},
        ),
        (
            "shrink toward the midpoint",
            None,
            {f"t = {s:g}": (1 - s) * base + s * 50 for s in (0.1, 0.2, 0.3, 0.5)},
        ),
        (
            "blend with the weighted median",
            None,
            {f"t = {s:g}": (1 - s) * base + s * med for s in (0.25, 0.5, 0.75)},
        ),
        (
            "Commission's weight x m",
            None,
            {f"m = {m:g}": wmean(scaled("com", m)) for m in (0, 0.25, 0.5, 2)},
        ),
        (
            "Parliament's weight x m under COD",
            proc == "COD",
            {f"m = {m:g}": wmean(scaled("ep", m)) for m in (0, 0.5, 2)},
        ),
        (
            "Parliament's weight x m under CNS",
            proc == "CNS",
            {f"m = {m:g}": wmean(scaled("ep", m)) for m in (0, 0.5, 2)},
        ),
        (
            "weights x exp(-g d)",
            None,
            {
                f"g = {g:g}": wmean(cw * np.exp(-g * np.abs(pos - base[:, None]) / 100))
                for g in (1, 2, 3, 4, 6)
            },
        ),
        (
            "weights x e at the scale's end points",
            None,
            {
                f"e = {e:g}": wmean(cw * np.where(ends, max(e, 1e-9), 1))
                for e in (0, 0.1, 0.25, 0.5)
            },
        ),
        (
            "weights x e at the outermost positions",
            None,
            {
                f"e = {e:g}": wmean(cw * np.where(outer, max(e, 1e-9), 1))
                for e in (0, 0.1, 0.25, 0.5)
            },
        ),
        (
            "scale end points with a = .5, b = 1.5",
            None,
            {
                f"e = {e:g}": wmean(cap**0.5 * sal**1.5 * np.where(ends, e, 1))
                for e in (0.25, 0.5, 0.75, 1.5, 2)
            },
        ),
        ("distance discount iterated 5 times", None, {f"g = {g:g}": iterated(g) for g in (2, 4)}),
        (
            "other weights",
            None,
            {
                "none": wmean(np.ones_like(cw)),
                "capability": wmean(cap),
                "salience": wmean(sal + 1e-9),
                "member states only": wmean(cw, states),
            },
        ),
    ]
    print("| variant | best in-sample MAE | compromise on the same issues |")
    print("|---|---:|---:|")
    for label, sel, variants in rows:
        print(f"| {label} | {best(sel, variants, base)} |")


def naive_baselines(
    cases: CaseSet, k: int, seed: int, boot: int
) -> list[tuple[str, int, float, float, float, tuple[float, float]]]:
    """Forecasts that need no model, each on the issues it can forecast: (label, issues,
    its MAE, the compromise model's MAE on the same issues, the mean of the compromise's
    absolute error minus the naive one's, and that difference's 95% bootstrap interval over
    proposals). The training folds' mean outcome is out of sample (``k`` folds of
    proposals, ``seed``); the others use nothing but the issue's own inputs."""
    sub, y = scored_cases(cases)
    x = stack_issues([nominal_inputs(c) for c in sub.cases])  # DEU: the same 30 actors
    pos, here = x.positions[0].T, x.present.T  # (issues, actors)
    groups = [m["prnr"] for m in sub.meta]
    compromise = next(c for c in DECLARED_CANDIDATES if c.key == BASE)
    err_base = np.abs(predictions(sub, compromise)[1][0] - y)
    folds = proposal_folds(groups, k, seed)
    fold_mean = np.empty(y.size)
    for f in range(k):
        fold_mean[folds == f] = y[folds != f].mean()
    com = list(x.actor_ids).index("com")
    plain = naive_forecasts(sub)  # the two that guaranty backtest prints too
    naive = {
        "the scale's midpoint (50)": plain["midpoint"],
        f"the training folds' mean outcome ({k} folds of proposals)": fold_mean,
        "the reference point (the status quo), where the file gives one": x.reference,
        "the Commission's position, where it takes one": np.where(
            here[:, com], pos[:, com], np.nan
        ),
        "the unweighted mean of the positions taken": plain["unweighted mean"],
    }
    out = []
    for label, forecast in naive.items():
        rows = ~np.isnan(forecast)
        err = np.abs(forecast[rows] - y[rows])
        diff, ci = grouped_bootstrap_difference(
            err_base[rows],
            err,
            [g for g, r in zip(groups, rows, strict=True) if r],
            boot=boot,
            seed=seed,
        )
        out.append(
            (label, int(rows.sum()), float(err.mean()), float(err_base[rows].mean()), diff, ci)
        )
    return out


#: the thresholds of ``--settled``: how far, as a share of the scale, a forecast may move over
#: the last half of its model's rounds and count as settled (the shipped one is 5%)
SETTLED_SHARES = (0.01, 0.02, 0.05, 0.10, 0.20)

#: the runs of ``--settled``: (model, how it is run) as ``guaranty backtest`` runs them
SETTLED_RUNS = (("bdm", "per issue"), ("exchange", "per proposal"))


def settled_thresholds(cases: CaseSet, boot: int, seed: int) -> list[tuple]:
    """The rows of ``--settled``: for bdm (per issue) and exchange (per proposal) and each
    threshold of :data:`SETTLED_SHARES`, the issues whose forecast had not settled
    (``guaranty.pipeline.late_rounds``: the range over the last half of the rounds against
    that share of the issue's scale), the model's MAE there and on the others, and the
    difference with a 95% bootstrap interval resampling proposals: (model, run, share,
    issues, MAE there, MAE elsewhere (None for an empty side), (difference, (low, high)) or
    None)."""
    from guaranty.pipeline import forecast_cases, forecast_proposals, settled_within
    from guaranty.validation import grouped_bootstrap_split, scored_groups

    scored, _ = scored_cases(cases)
    keep = [k for k, c in enumerate(cases.cases) if c.issues[0].outcome is not None]
    groups = scored_groups(cases)
    width = np.array([c.issues[0].scale[1] - c.issues[0].scale[0] for c in scored.cases])
    rows = []
    for model, run in SETTLED_RUNS:
        fc = (
            forecast_cases(scored, model)
            if run == "per issue"
            else forecast_proposals(cases, model, only=keep)
        )
        err = np.array([abs(i.outcome - i.observed) for i in fc.issues])
        low = np.array([i.late[2] for i in fc.issues])
        high = np.array([i.late[3] for i in fc.issues])
        for share in SETTLED_SHARES:
            bad = ~settled_within(low, high, width, share)
            diff = grouped_bootstrap_split(err, bad, groups, boot=boot, seed=seed)
            there = float(err[bad].mean()) if bad.any() else None
            elsewhere = float(err[~bad].mean()) if not bad.all() else None
            rows.append((model, run, share, int(bad.sum()), there, elsewhere, diff))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "deu3_dev.tsv")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--explore", action="store_true")
    ap.add_argument("--settled", action="store_true")
    args = ap.parse_args()
    cases = load(args.data)
    if args.explore:
        explore(cases)
        return
    if args.settled:
        print("| model | run | threshold | issues not settled | MAE there | MAE elsewhere "
              "| difference, 95% bootstrap interval over proposals |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---|")
        for model, run, share, n, bad, good, diff in settled_thresholds(cases, args.boot, 0):
            there = "—" if bad is None else f"{bad:.2f}"
            elsewhere = "—" if good is None else f"{good:.2f}"
            cell = "—"
            if diff is not None:
                cell = f"{diff[0]:+.2f} ({diff[1][0]:+.2f} to {diff[1][1]:+.2f})"
            print(f"| {model} | {run} | {share:.0%} | {n} | {there} | {elsewhere} | {cell} |")
        return

    print("### In-sample backtest\n")
    print("| model | issues | MAE | 95% bootstrap CI | median AE | within 10 points |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in backtest(
        cases, args.models or sorted(registry.available()), boot=args.boot
    ).items():
        print(
            f"| `{name}` | {s.n} | {s.mae:.2f} | {s.mae_ci[0]:.2f}–{s.mae_ci[1]:.2f} "
            f"| {s.median_ae:.2f} | {100 * s.within10:.1f}% |"
        )

    print("\n### Forecasts without a model (same issues)\n")
    print(
        f"| forecast | issues | MAE | {BASE} on the same issues | {BASE} minus it: mean "
        "absolute error, 95% bootstrap interval over proposals |"
    )
    print("|---|---:|---:|---:|---|")
    for label, n, mae, base_mae, diff, (lo, hi) in naive_baselines(
        cases, args.k, args.seed, args.boot
    ):
        print(
            f"| {label} | {n} | {mae:.2f} | {base_mae:.2f} | {diff:+.2f} ({lo:+.2f} to {hi:+.2f}) |"
        )

    seeds = range(args.seed, args.seed + args.repeats)
    runs = [cross_validate(cases, DECLARED_CANDIDATES, k=args.k, seed=s) for s in seeds]
    r = runs[0]
    labels = [c.key for c in DECLARED_CANDIDATES] + ["nested"]

    print("\n### Declared candidates, fitted on the whole file\n")
    print("| candidate | fitted parameters | grid points | in-sample MAE |")
    print("|---|---|---:|---:|")
    for c in DECLARED_CANDIDATES:
        params, mae = r.full_fit[c.key]
        n = int(np.prod([len(v) for v in c.grid.values()])) if c.grid else 1
        print(f"| {c.key} | {_params(params)} | {n} | {mae:.2f} |")

    print(f"\n### Grouped {args.k}-fold cross-validation (same folds for every candidate)\n")
    head = " | ".join(f"seed {s}" for s in seeds)
    print(f"| candidate | {head} | mean |")
    print("|---|" + "---:|" * (len(runs) + 1))
    for label in labels:
        maes = [run.scores[label].mae for run in runs]
        cells = " | ".join(f"{m:.2f}" for m in maes)
        print(f"| {label} | {cells} | {np.mean(maes):.2f} |")

    print(f"\n### Per fold (seed {args.seed})\n")
    print(f"| fold | proposals | issues | {BASE} | {MODEL} | e fitted | nested choice |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    groups = np.array(r.groups)
    base, model, nested = r.scores[BASE], r.scores[MODEL], r.scores["nested"]
    for f in range(r.k):
        test = r.folds == f
        print(
            f"| {f} | {len(set(groups[test]))} | {int(test.sum())} | {base.fold_mae[f]:.2f} "
            f"| {model.fold_mae[f]:.2f} | {model.params[f]['extreme_weight']:g} "
            f"| {nested.chosen[f]} |"
        )
    won = int((model.fold_mae < base.fold_mae).sum())
    print(f"\n- {MODEL} has the lower MAE on {won} of {r.k} folds.")
    for label in (MODEL, "nested"):
        diff, (lo, hi) = grouped_bootstrap_difference(
            r.scores[label].errors, base.errors, r.groups, boot=args.boot, seed=args.seed
        )
        print(
            f"- MAE({label}) - MAE({BASE}) = {diff:+.2f}, 95% bootstrap interval over "
            f"proposals {lo:+.2f} to {hi:+.2f}"
        )

    print(f"\n### Held-out MAE by procedure and voting rule (seed {args.seed})\n")
    sub, _ = scored_cases(cases)
    print(f"| subset | issues | {BASE} | {MODEL} |")
    print("|---|---:|---:|---:|")
    for key in ("proc", "counvte"):
        values = np.array([m.get(key, "") for m in sub.meta])
        for v in sorted(set(values)):
            g = values == v
            print(
                f"| {key} = {v} | {int(g.sum())} | {base.errors[g].mean():.2f} "
                f"| {model.errors[g].mean():.2f} |"
            )


if __name__ == "__main__":
    main()
