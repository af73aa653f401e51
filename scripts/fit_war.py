#!/usr/bin/env python3
"""Fit the battlefield model to the COW inter-state wars and write
src/guaranty/data/war_fit.json; print the out-of-sample backtest.

Usage: python scripts/fit_war.py [--check]

The fit is a pure function of the shipped war table (``src/guaranty/data/cow_wars.csv``) and
``guaranty.warfit.FIT_SETTINGS`` (about 3 minutes on 2 cores); ``--check`` refits and exits 1
if the shipped file differs. ``docs/models/war.md`` describes it.
"""

from __future__ import annotations

import json
import sys
import time

from _shipped import DATA, write_or_check

from guaranty.warfit import FIT_SETTINGS, backtest, fit_war

OUT = DATA / "war_fit.json"


def main(argv: list[str]) -> int:
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
    sys.exit(main(sys.argv[1:]))
