#!/usr/bin/env python3
"""Print the out-of-sample checks of the durability model (docs/models/durability.md).

Usage: python scripts/validate_durability.py [--data interstate|fortna] [--ukraine]

Two data sets, each printed by default:

* ``interstate`` (the pipeline's peace model): the 295 spells of peace after the COW
  inter-state wars 1816-2007 (one per pair of states that fought each other), **leave one
  war out**: every spell of a war is held out together and every model refitted on the other
  wars. Brier scores of P(a new war between the pair within T years) for T = 5 and 10, over
  the spells whose outcome at T is known (a new war before T, or followed at least T years);
  a calibration table of the held-out predictions at 10 years by era and rivalry. The
  former peace model (Fortna's civil-war ceasefires, shipped before 2026-12-06) is scored on
  the same spells without refitting. Then the shipped fit's terms, how far leaving out one
  war moves each, and P(the peace holds 10 years) for a pair like Russia and Ukraine after a
  decisive win and after a settlement, with all spells and without the war that moves a
  term most.
* ``fortna``: the 96 civil-war ceasefires of Fortna's data (the ROS sample), leave one
  ceasefire out, T = 2 and 5 years (every case was followed at least 5.19 years).

Scores of a held-out case: its log-likelihood at the refitted estimate (log h(t) - H(t) for
a peace that failed at t, -H(t) for one still holding at the end of the data), in nats per
case (higher is better), and the Brier scores. The models: the one the data set's page
ships, the same without the term through which a guarantee acts, that term alone, the
Weibull and the exponential without covariates (parametric base rates) and, for the Brier
scores, the training cases' share failed within T (the nonparametric base rate). The
shipped model's gains come with 90% intervals from 2,000 bootstrap resamples of the held-out
groups (wars, or ceasefires; paired; seed 20221, which only draws the resamples). A few
seconds.

``--ukraine`` prints instead the check that ties this model to stage 1 of the credibility
model on the shipped Ukraine scenario (2,000 draws, seed 0): a new war between the two
implies a renewed use of force, so P(a new war within 10 years) should not exceed P(a
renewed attack within 10 years), though the two are fitted apart. Per design and draw, after
a decisive win and after a negotiated settlement, with the scenario's stated rivalry and
with the data's coding of the pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from guaranty.comparison import PEACE_COVARIATES
from guaranty.data.peace import fortna_ceasefires, postwar_spells
from guaranty.models.durability import SurvivalFit, fit_survival

BASE_RATE = "base rate: the training cases' share failed within T"
SEED = 20221


@dataclass(frozen=True)
class Dataset:
    """One data set's check: the cases (time, event, covariates of shape (cases, len(
    covariates))), the group each case is held out with (shape (cases,)), the horizons T,
    and the models (label -> (covariates, distribution)); the first model is the shipped
    one, ``without`` the label of the model without the guarantee's term."""

    name: str
    unit: str
    time: np.ndarray
    event: np.ndarray
    x: np.ndarray
    covariates: tuple[str, ...]
    groups: np.ndarray
    horizons: tuple[float, ...]
    models: dict[str, tuple[tuple[str, ...], str]]
    without: str
    #: fixed predictors scored without refitting: label -> P(failed within T) and the
    #: log-likelihood per case, from (time, event, x)
    fixed: dict[str, Callable[[Dataset], HeldOut]]
    era: np.ndarray | None = None
    #: the label of the nonparametric base rate (unique across the data sets: the doc's
    #: tables are read by label)
    base_rate: str = BASE_RATE


@dataclass(frozen=True)
class HeldOut:
    """Held-out results of one model: per case (shape (cases,)) the log-likelihood (NaN for
    the base rate, which has none) and P(failed within T) for each horizon (shape (cases,
    horizons))."""

    log_likelihood: np.ndarray
    p_failed: np.ndarray


def _former_model(ds: Dataset) -> HeldOut:
    """The former peace model (the Weibull on Fortna's civil-war ceasefires: peacekeepers,
    treaty, victory), as shipped before 2026-12-06 and refitted here from the shipped
    ceasefires, applied to inter-state spells with no peacekeepers, the spell's treaty, and
    a decisive outcome as its victory."""
    covs = ("peacekeepers", "treaty", "victory")
    fit = fit_survival(*fortna_ceasefires().survival_data(covs), covs)
    x = np.column_stack(
        [
            np.zeros(ds.time.size),
            ds.x[:, ds.covariates.index("treaty")],
            ds.x[:, ds.covariates.index("decisive")],
        ]
    )
    return HeldOut(
        fit.case_log_likelihood(ds.time, ds.event, x), 1.0 - fit.survival_at(x, ds.horizons)
    )


FORMER = "former model: Fortna's civil-war ceasefires, not refitted"


def interstate() -> Dataset:
    """The pipeline's peace model on the spells after COW inter-state wars."""
    table = postwar_spells()
    covs = PEACE_COVARIATES
    t, d, x = table.survival_data(covs)
    no_guarantee = tuple(c for c in covs if c != "t_def")
    return Dataset(
        name="interstate",
        unit="spells",
        time=t,
        event=d,
        x=x,
        covariates=covs,
        groups=table.warnum,
        horizons=(5.0, 10.0),
        models={
            "inter-state Weibull, all five covariates (shipped)": (covs, "weibull"),
            "inter-state Weibull, without the target's defense pact": (no_guarantee, "weibull"),
            "inter-state Weibull, the target's defense pact only": (("t_def",), "weibull"),
            "inter-state Weibull, no covariates": ((), "weibull"),
            "inter-state exponential, no covariates": ((), "exponential"),
        },
        without="inter-state Weibull, without the target's defense pact",
        fixed={FORMER: _former_model},
        era=(table.war_end >= 1945).astype(int),
        base_rate=f"inter-state {BASE_RATE}",
    )


def fortna() -> Dataset:
    """Fortna's civil-war ceasefires (the peace model shipped before 2026-12-06)."""
    covs = ("peacekeepers", "treaty", "victory")
    t, d, x = fortna_ceasefires().survival_data(covs)
    return Dataset(
        name="fortna",
        unit="ceasefires",
        time=t,
        event=d,
        x=x,
        covariates=covs,
        groups=np.arange(t.size),
        horizons=(2.0, 5.0),
        models={
            "Weibull, peacekeepers + treaty + victory": (covs, "weibull"),
            "Weibull, peacekeepers only": (("peacekeepers",), "weibull"),
            "Weibull, treaty + victory (no peacekeepers)": (("treaty", "victory"), "weibull"),
            "Weibull, no covariates": ((), "weibull"),
            "exponential, no covariates": ((), "exponential"),
        },
        without="Weibull, treaty + victory (no peacekeepers)",
        fixed={},
    )


DATASETS: dict[str, Callable[[], Dataset]] = {"interstate": interstate, "fortna": fortna}


def held_out(ds: Dataset) -> dict[str, HeldOut]:
    """Every model's held-out predictions, leaving out one group at a time."""
    t, d = ds.time, ds.event
    n, h = t.size, ds.horizons
    out: dict[str, HeldOut] = {}
    groups = np.unique(ds.groups)
    for label, (covs, dist) in ds.models.items():
        x = ds.x[:, [ds.covariates.index(c) for c in covs]]
        ll, pf = np.empty(n), np.empty((n, len(h)))
        for g in groups:
            out_g = ds.groups == g
            keep = ~out_g
            fit = fit_survival(t[keep], d[keep], x[keep], covs, dist)
            ll[out_g] = fit.case_log_likelihood(t[out_g], d[out_g], x[out_g])
            pf[out_g] = 1.0 - fit.survival_at(x[out_g], h)
        out[label] = HeldOut(ll, pf)
    share = np.empty((n, len(h)))
    for g in groups:
        out_g = ds.groups == g
        keep = ~out_g
        for j, hj in enumerate(h):
            known = keep & ((t >= hj) | (d == 1))
            share[out_g, j] = np.mean((t[known] < hj) & (d[known] == 1))
    out[ds.base_rate] = HeldOut(np.full(n, np.nan), share)
    for label, predict in ds.fixed.items():
        out[label] = predict(ds)
    return out


def known(ds: Dataset, j: int) -> np.ndarray:
    """Whether each case's outcome at horizon j is known, shape (cases,): war returned
    before it, or the peace was followed that long."""
    return (ds.time >= ds.horizons[j]) | (ds.event == 1)


def case_brier(ds: Dataset, held: HeldOut, j: int) -> np.ndarray:
    """Each case's squared error of P(failed within horizon j), shape (cases,); NaN where
    the outcome at the horizon is not known."""
    y = ((ds.time < ds.horizons[j]) & (ds.event == 1)).astype(float)
    return np.where(known(ds, j), (held.p_failed[:, j] - y) ** 2, np.nan)


def scores(ds: Dataset, held: HeldOut) -> tuple[float, list[float]]:
    """(mean held-out log-likelihood per case, [Brier at each horizon over the cases whose
    outcome there is known])."""
    briers = [float(np.nanmean(case_brier(ds, held, j))) for j in range(len(ds.horizons))]
    return float(np.mean(held.log_likelihood)), briers


def paired_gain(ds: Dataset, a: np.ndarray, b: np.ndarray, n: int = 2000) -> tuple[float, ...]:
    """Mean of a - b over the cases where both are defined (each shape (cases,)) and its 90%
    interval from ``n`` bootstrap resamples of the groups (seed :data:`SEED`)."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    ok = ~np.isnan(diff)
    groups, inverse = np.unique(ds.groups[ok], return_inverse=True)
    sums = np.bincount(inverse, weights=diff[ok], minlength=groups.size)
    counts = np.bincount(inverse, minlength=groups.size).astype(float)
    rng = np.random.default_rng(SEED)
    pick = rng.integers(0, groups.size, (n, groups.size))
    boot = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
    lo, hi = np.percentile(boot, [5, 95])
    return float(diff[ok].mean()), float(lo), float(hi)


def gains(ds: Dataset, held: dict[str, HeldOut]) -> dict[str, tuple[float, ...]]:
    """The shipped model against the Weibull without covariates (log-likelihood), the base
    rate (Brier at each horizon) and the model without the guarantee's term
    (log-likelihood, Brier at the last horizon); each (mean, 90% low, 90% high)."""
    labels = list(ds.models)
    ship, without = held[labels[0]], held[ds.without]
    flat = next(label for label in labels if label.endswith("Weibull, no covariates"))
    tag = "" if ds.name == "fortna" else "inter-state: "
    term = "peacekeepers" if ds.name == "fortna" else "the target's defense pact"
    last = len(ds.horizons) - 1
    out = {
        f"{tag}log-likelihood per case, minus the Weibull without covariates": paired_gain(
            ds, ship.log_likelihood, held[flat].log_likelihood
        ),
        f"{tag}log-likelihood per case, minus the model without {term}": paired_gain(
            ds, ship.log_likelihood, without.log_likelihood
        ),
        f"{tag}Brier, war within {ds.horizons[last]:g} years, minus the model without {term}": (
            paired_gain(ds, case_brier(ds, ship, last), case_brier(ds, without, last))
        ),
    }
    for j, h in enumerate(ds.horizons):
        out[f"{tag}Brier, war within {h:g} years, minus the base rate"] = paired_gain(
            ds, case_brier(ds, ship, j), case_brier(ds, held[ds.base_rate], j)
        )
    return out


def calibration(
    ds: Dataset, held: dict[str, HeldOut]
) -> list[tuple[str, int, int, float, float, float]]:
    """Held-out calibration at the last horizon, by era and by rivalry: (group, spells with
    a known outcome, failed, observed share, the shipped model's mean prediction, the former
    model's)."""
    j = len(ds.horizons) - 1
    k = known(ds, j)
    y = (ds.time < ds.horizons[j]) & (ds.event == 1)
    ship = held[next(iter(ds.models))].p_failed[:, j]
    former = held[FORMER].p_failed[:, j]
    rivalry = ds.x[:, ds.covariates.index("rivalry")] == 1
    assert ds.era is not None
    rows = []
    for label, mask in (
        ("all spells", np.ones(ds.time.size, dtype=bool)),
        ("wars ended before 1945", ds.era == 0),
        ("wars ended in 1945 or later", ds.era == 1),
        ("a strategic rivalry", rivalry),
        ("no rivalry", ~rivalry),
    ):
        m = mask & k
        rows.append(
            (
                label,
                int(m.sum()),
                int(y[m].sum()),
                float(y[m].mean()),
                float(ship[m].mean()),
                float(former[m].mean()),
            )
        )
    return rows


def wars_followed_by_war(ds: Dataset) -> dict[str, tuple[int, int]]:
    """By the era of the war's end: (wars, wars followed by a new war between at least one
    pair of their belligerents before the end of the data)."""
    assert ds.era is not None
    out = {}
    for label, era in (("ended before 1945", 0), ("ended in 1945 or later", 1)):
        wars = np.unique(ds.groups[ds.era == era])
        renewed = sum(bool(ds.event[(ds.groups == w) & (ds.era == era)].any()) for w in wars)
        out[label] = (int(wars.size), int(renewed))
    return out


#: the pipeline's pair in the Ukraine scenario: rivals, contiguous by land, no defense pact
#: of the target's with a third state
PAIR = {"t_def": 0.0, "rivalry": 1.0, "contig_land": 1.0}
#: how the war ended, as the pipeline maps the war model's ends (docs/models/durability.md)
ENDS = {
    "a decisive win": {"decisive": 1.0, "treaty": 0.0},
    "a settlement": {"decisive": 0.0, "treaty": 1.0},
}


def _shipped_columns(ds: Dataset) -> tuple[tuple[str, ...], np.ndarray]:
    """The shipped model's covariates and their columns of ``ds.x``, shape (cases, len)."""
    covs = ds.models[next(iter(ds.models))][0]
    return covs, ds.x[:, [ds.covariates.index(c) for c in covs]]


def one_war_out(ds: Dataset) -> dict[str, tuple[float, float, int, float, int]]:
    """How much one war moves each term of the shipped model: per covariate, its hazard ratio
    on all spells and the lowest and the highest over the fits that leave out one war
    (with the war's COW number): covariate -> (all, lowest, war, highest, war)."""
    covs, x = _shipped_columns(ds)
    fit = fit_survival(ds.time, ds.event, x, covs)
    ratios = {}
    for g in np.unique(ds.groups):
        keep = ds.groups != g
        ratios[int(g)] = fit_survival(ds.time[keep], ds.event[keep], x[keep], covs)
    out = {}
    for c in covs:
        by_war = {g: f.hazard_ratio(c) for g, f in ratios.items()}
        low, high = min(by_war, key=by_war.get), max(by_war, key=by_war.get)
        out[c] = (fit.hazard_ratio(c), by_war[low], low, by_war[high], high)
    return out


def peace_after(ds: Dataset, without: int | None = None, years: float = 10.0) -> dict[str, float]:
    """P(the peace holds ``years`` years) for :data:`PAIR` after each of :data:`ENDS`, at the
    shipped model's estimate on all spells or on all but war ``without``."""
    covs, x = _shipped_columns(ds)
    keep = np.ones(ds.time.size, bool) if without is None else ds.groups != without
    fit = fit_survival(ds.time[keep], ds.event[keep], x[keep], covs)
    rows = np.array([[{**PAIR, **end}[c] for c in covs] for end in ENDS.values()])
    return dict(zip(ENDS, fit.survival_at(rows, (years,))[:, 0].tolist(), strict=True))


def one_war_tables(ds: Dataset) -> list[str]:
    """The lines of the two tables of "One war's weight" (docs/models/durability.md): each
    term's hazard ratio and its range leaving out one war, then P(the peace holds 10 years)
    for :data:`PAIR` with all spells and without the war that moves a term furthest."""
    influence = one_war_out(ds)
    lines = [
        "| term | hazard ratio, all spells | lowest leaving out one war | highest |",
        "|---|---|---|---|",
    ]
    for c, (hr, low, w_low, high, w_high) in influence.items():
        lines.append(f"| {c} | {hr:.2f} | {low:.2f} (war {w_low}) | {high:.2f} (war {w_high}) |")
    # the war that moves a term furthest from its estimate on all spells, and that term
    moves: dict[tuple[int, str], float] = {}
    for c, (hr, low, w_low, high, w_high) in influence.items():
        for w, r in ((w_low, low), (w_high, high)):
            moves[w, c] = abs(np.log(r / hr))
    heavy, term = max(moves, key=moves.get)
    covs, x = _shipped_columns(ds)
    keep = ds.groups != heavy
    refit = fit_survival(ds.time[keep], ds.event[keep], x[keep], covs)
    lo, hi = refit.hazard_ratio_interval(term)
    every, less = peace_after(ds), peace_after(ds, heavy)
    lines += [
        "",
        "| P(the peace holds 10 years), rivals contiguous by land, no pact | all spells "
        f"| without war {heavy} |",
        "|---|---|---|",
        *(f"| after {end} | {every[end]:.3f} | {less[end]:.3f} |" for end in ENDS),
        "",
        f"Without war {heavy} the hazard ratio of {term} is {refit.hazard_ratio(term):.2f} "
        f"(95% interval [{lo:.2f}, {hi:.2f}]).",
    ]
    return lines


def shipped_fit() -> SurvivalFit:
    """The shipped peace model (``data/peace_fit.json``)."""
    text = resources.files("guaranty.data").joinpath("peace_fit.json").read_text()
    return SurvivalFit.from_json(json.loads(text))


def kaplan_meier(ds: Dataset) -> list[float]:
    """The Kaplan-Meier share of cases without a failure after each horizon of ``ds``."""
    out = []
    for h in ds.horizons:
        s = 1.0
        for u in np.unique(ds.time[ds.event == 1]):
            if u > h:
                break
            s *= 1.0 - np.sum((ds.time == u) & (ds.event == 1)) / np.sum(ds.time >= u)
        out.append(float(s))
    return out


def report(ds: Dataset) -> None:
    held = held_out(ds)
    t, d = ds.time, ds.event
    groups = np.unique(ds.groups).size
    print(f"# Durability out of sample: {ds.name}\n")
    print(
        f"{t.size} {ds.unit} in {groups} held-out groups, {int(d.sum())} failures; "
        + ", ".join(
            f"outcome known at {h:g} years for {int(known(ds, j).sum())}"
            for j, h in enumerate(ds.horizons)
        )
        + "; Kaplan-Meier without a failure: "
        + ", ".join(
            f"{s:.1%} after {h:g} years" for h, s in zip(ds.horizons, kaplan_meier(ds), strict=True)
        )
        + f"; shortest censored case {t[d == 0].min():g} years.\n"
    )
    heads = " | ".join(f"Brier, war within {h:g} years" for h in ds.horizons)
    print(f"| model | held-out log-likelihood per case | {heads} |")
    print("|---|---|" + "---|" * len(ds.horizons))
    for label, h in held.items():
        ll, briers = scores(ds, h)
        cell = "—" if np.isnan(ll) else f"{ll:.4f}"
        print(f"| {label} | {cell} | " + " | ".join(f"{b:.4f}" for b in briers) + " |")
    print()
    print("| the first model's gain | mean | 90% interval |")
    print("|---|---|---|")
    for label, (m, lo, hi) in gains(ds, held).items():
        print(f"| {label} | {m:+.4f} | [{lo:+.4f}, {hi:+.4f}] |")
    print()
    if ds.fixed:
        h = ds.horizons[-1]
        print(
            f"| held out, war within {h:g} years | spells | failed | observed "
            "| shipped model | former model |"
        )
        print("|---|---|---|---|---|---|")
        for label, n, f, obs, ship, former in calibration(ds, held):
            print(f"| {label} | {n} | {f} | {obs:.3f} | {ship:.3f} | {former:.3f} |")
        print()
        for label, (n, renewed) in wars_followed_by_war(ds).items():
            print(
                f"Wars {label}: {renewed} of {n} ({renewed / n:.1%}) followed by a new war "
                "between at least one pair of their belligerents."
            )
        print()
        fit = shipped_fit()
        print("| term of the shipped fit (all spells) | estimate | hazard ratio | 95% interval |")
        print("|---|---|---|---|")
        print(f"| Weibull shape k | {np.exp(fit.theta[1]):.3f} | | |")
        for c in fit.covariates:
            lo, hi = fit.hazard_ratio_interval(c)
            i = fit.names.index(f"beta_{c}")
            hr = fit.hazard_ratio(c)
            print(f"| {c} | {fit.theta[i]:+.3f} | {hr:.2f} | [{lo:.2f}, {hi:.2f}] |")
        print()
        print("\n".join(one_war_tables(ds)))
        print()


def ukraine_coherence(draws: int = 2000, seed: int = 0) -> list[str]:
    """The table of ``--ukraine``: for each reading of the pair and each ending, the range
    over the designs of the mean P(a new war within 10 years) and of the mean P(a renewed
    attack within 10 years), and the largest share of a design's draws in which the first
    exceeds the second."""
    from guaranty.comparison import compare_designs
    from guaranty.credibility import assess
    from guaranty.scenario import load

    s = load(Path(__file__).resolve().parents[1] / "scenarios" / "ukraine-2022.yaml")
    data = s.model_copy(update={"credibility": s.credibility.model_copy(update={"pair": {}})})
    lines = [
        "| the pair | ending | P(new war, 10 y), over designs | P(renewed attack, 10 y) "
        "| largest share of draws with war > attack |",
        "|---|---|---|---|---|",
    ]
    for reading, sc in (("rivalry as stated", s), ("the data's coding", data)):
        cred = assess(sc, draws=draws, seed=seed)
        for ending in ("decisive", "treaty"):
            c = compare_designs(sc, cred, seed=seed, covariates={ending: np.ones(draws)})
            war, attack = 1.0 - c.p_peace, 1.0 - c.p_no_attack
            share = (war > attack).mean(axis=1)
            w, a = war.mean(axis=1), attack.mean(axis=1)
            lines.append(
                f"| {reading} | {'decisive win' if ending == 'decisive' else 'settlement'} "
                f"| {w.min():.3f}-{w.max():.3f} | {a.min():.3f}-{a.max():.3f} "
                f"| {share.max():.4f}"
                + (f" ({c.designs[int(share.argmax())]}) |" if share.max() > 0 else " |")
            )
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=tuple(DATASETS), action="append")
    parser.add_argument(
        "--ukraine",
        action="store_true",
        help="the check against stage 1 on the Ukraine scenario, instead of the data sets",
    )
    args = parser.parse_args(argv)
    if args.ukraine:
        print("\n".join(ukraine_coherence()))
        return 0
    for name in args.data or tuple(DATASETS):
        report(DATASETS[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
