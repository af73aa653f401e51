#!/usr/bin/env python3
"""Fit the battlefield model to the COW inter-state wars and write
src/guaranty/data/war_fit.json; print the out-of-sample backtest.

Usage: python scripts/fit_war.py [--check] [--seeds 1,2,3 [--per-case N]] [--agreement | --victory]

The fit is a pure function of the shipped war table (``src/guaranty/data/cow_wars.csv``) and
``guaranty.warfit.FIT_SETTINGS`` (about 3 minutes on 2 cores); ``--check`` refits and exits 1
if the shipped file differs. ``--seeds`` writes nothing: it refits with each of the given
seeds in place of the shipped one (the prior sample, the simulated shocks and the folds of
the backtest) and prints one line of backtest scores per seed, the Monte Carlo error of the
fit that ``docs/models/war.md`` reports (about 3 minutes a seed); ``--per-case`` sets the
simulations per war and parameter vector (the shipped setting by default). ``--agreement``
writes nothing either: it refits with the likelihood also reading whether each war ended by
agreement (GML MID's settlement of its war-level dispute, with the model's settlement or
ceasefire as an agreement) and prints the backtest and the posterior against the shipped
fit's (``docs/models/war.md``, "How wars end: two records of the same wars", where the
correction says why that reading of the record is wrong). ``--victory`` does the same with
the likelihood reading whether each war ended without a victory (GML MID's outcome of its
war-level dispute; every ending of the model but a collapse); both refit on the shipped
fit's simulations (about 3 minutes). ``docs/models/war.md`` describes the fit.
"""

from __future__ import annotations

import json
import sys
import time

from _shipped import DATA, write_or_check

from guaranty.warfit import FIT_SETTINGS, backtest, fit_war, reweigh

OUT = DATA / "war_fit.json"


def seed_spread(seeds: list[int], per_case: int) -> int:
    """One line of backtest scores per fit seed (nothing written)."""
    print(f"{per_case} simulations per war and parameter vector")
    print("seed  Brier (base rate)  CRPS (base rate)  model: still fighting after 2 years")
    for seed in seeds:
        fit = fit_war(seed=seed, per_case=per_case)
        res = backtest(fit, folds=FIT_SETTINGS["folds"], seed=seed)
        o, d = res["outcome"], res["duration"]
        print(
            f"{seed:>4}  {o['brier']:.4f} ({o['brier_base_rate']:.4f})  "
            f"{d['crps']:.4f} ({d['crps_base_rate']:.4f})  {d['survival']['model'][1]:.3f}",
            flush=True,
        )
    return 0


def _scores(res: dict) -> str:
    o, d, a, v = res["outcome"], res["duration"], res["agreement"], res["victory"]
    return (
        f"Brier {o['brier']:.4f} ({o['brier_base_rate']:.4f})  "
        f"CRPS {d['crps']:.4f} ({d['crps_base_rate']:.4f})  "
        f"agreement: Brier {a['brier']:.4f} ({a['brier_base_rate']:.4f}), "
        f"{a['predicted']:.1f} of {a['n']} predicted, {a['observed']} observed; "
        f"no victory: Brier {v['brier']:.4f} ({v['brier_base_rate']:.4f}), "
        f"{v['predicted']:.1f} of {v['n']} predicted, {v['observed']} observed"
    )


def with_records(record: str) -> int:
    """The shipped fit against one whose likelihood also reads a record the shipped fit does
    not: ``agreement`` (GML's settlement, a settlement or a ceasefire as an agreement) or
    ``victory`` (GML's dispute outcome, every ending but a collapse as no victory); the same
    simulations, prior sample and folds."""
    print("fit            held out: score (base rate)")
    shipped = fit_war()
    for label, fit in (
        ("shipped", shipped),
        (f"+ {record}", reweigh(shipped, **{record: True})),
    ):
        res = backtest(fit, folds=FIT_SETTINGS["folds"], seed=FIT_SETTINGS["seed"])
        print(f"{label:<14} {_scores(res)}", flush=True)
        s = fit.summary()
        ends = res["agreement"]["endings"]
        print(
            "  endings, held out, mean over the wars with a settlement code: "
            + ", ".join(f"{k} {v:.3f}" for k, v in ends.items())
        )
        cow = res["victory"]["cow"]
        print(
            f"  COW's compromises and stalemates among the {res['victory']['n']} wars with a "
            f"GML outcome: {cow['observed']} observed, {cow['predicted']:.1f} predicted, "
            f"Brier {cow['brier']:.4f} ({cow['brier_base_rate']:.4f})"
        )
        print(
            "  posterior mean (5-95%): "
            + "; ".join(
                f"{k} {s[k]['mean']:.3g} ({s[k]['q05']:.3g}-{s[k]['q95']:.3g})"
                for k in ("premium", "cost", "band", "collapse", "fog", "optimism")
            )
            + f"; temperature {fit.temperature:g}"
        )
    return 0


def main(argv: list[str]) -> int:
    for record in ("agreement", "victory"):
        if f"--{record}" in argv:
            return with_records(record)
    if "--seeds" in argv:
        k = argv.index("--seeds")
        per_case = FIT_SETTINGS["per_case"]
        try:
            seeds = [int(v) for v in argv[k + 1].split(",")]
            if "--per-case" in argv:
                per_case = int(argv[argv.index("--per-case") + 1])
        except (IndexError, ValueError):
            print(
                "--seeds takes a comma-separated list of integers (e.g. --seeds 1,2,3) and "
                "--per-case an integer"
            )
            return 2
        return seed_spread(seeds, per_case)
    start = time.perf_counter()
    total = FIT_SETTINGS["thetas"]

    def progress(k: int) -> None:
        if k % 256 == 0 or k == total:
            print(f"  simulated {k:,}/{total:,} parameter vectors", file=sys.stderr)

    fit = fit_war(progress=progress)
    data = fit.to_json()
    data["backtest"] = backtest(fit, folds=FIT_SETTINGS["folds"], seed=FIT_SETTINGS["seed"])
    text = json.dumps(data, indent=0, sort_keys=True) + "\n"
    print(f"fit in {time.perf_counter() - start:.0f} s; temperature {fit.temperature:g}")
    print(json.dumps(data["backtest"], indent=1))
    print(json.dumps(fit.summary(), indent=1))
    return write_or_check(OUT, text, argv)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
