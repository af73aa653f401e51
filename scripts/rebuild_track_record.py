#!/usr/bin/env python3
"""Score the negotiation models on DEU III and write src/guaranty/data/deu_track_record.json.

Usage: python scripts/rebuild_track_record.py [--check]

The reports show each model's record on real negotiations beside its forecast
(``guaranty.validation.track_record``): the mean absolute error of ``guaranty backtest
tests/data/deu3_dev.tsv`` (the development half of DEU III, 166 issues with an outcome;
every model per issue, exchange, bdm and smp per proposal too; 2000 bootstrap resamples,
seed 0), and the two forecasts without a model it prints below them; for ``extremity``,
whose parameter was fitted on these issues, the grouped cross-validated error as well
(docs/validation.md); and each run's error minus each forecast without a model's, with a 95%
bootstrap interval resampling proposals (``guaranty.validation.against_reference``; for
extremity cross-validated too); for the runs of bdm and exchange, on how many issues the
forecast had not settled over the last half of the rounds and the error there against the
others' (``guaranty.validation.unsettled_record``). The file is a pure
function of that data file and the models; ``--check`` rescores and exits 1 if the shipped
file differs. About 20 s.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _shipped import DATA, write_or_check

from guaranty.pipeline import backtest, naive_backtest
from guaranty.scenario import load
from guaranty.validation import (
    DECLARED_CANDIDATES,
    against_reference,
    cross_validate,
    unsettled_record,
)

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "deu3_dev.tsv"
OUT = DATA / "deu_track_record.json"


def track_record() -> dict:
    """The JSON of the shipped file: the cases, and per run and per naive forecast its
    scores (without the per-issue errors)."""
    cases = load(CASES)
    scores = backtest(cases, seed=0, boot=2000)
    naive = naive_backtest(cases, seed=0, boot=2000)
    keep = ("model", "run", "mae", "mae_ci", "median_ae", "within10")
    # a model whose defaults were fitted on these issues is recorded by its grouped
    # cross-validated error too (docs/validation.md, seed 0, 10 folds of proposals)
    cv = cross_validate(cases, DECLARED_CANDIDATES, k=10, seed=0)

    # each run's error minus each forecast without a model's, proposals resampled
    def minus(errors: dict) -> dict:
        rows = {
            ref: against_reference(cases, errors, v.errors, boot=2000, seed=0)
            for ref, v in naive.items()
        }
        return {
            key: {ref: {"mae": r[key][0], "interval": list(r[key][1])} for ref, r in rows.items()}
            for key in errors
        }

    runs = minus({k: v.errors for k, v in scores.items()})
    # the runs of models with rounds to settle (bdm, exchange) that had not settled on some
    # issues: how many, and their error there against the others'
    unsettled = unsettled_record(cases, scores, boot=2000, seed=0)
    held_out = minus({"extremity": cv.scores["extremity"].errors})
    return {
        "cross_validated": {"extremity": cv.scores["extremity"].mae},
        "cross_validated_minus_without_model": held_out,
        "source": "guaranty backtest tests/data/deu3_dev.tsv (seed 0, 2000 resamples)",
        "cases": "DEU III, development half: EU legislative issues, 0-100 scales",
        "n": next(iter(scores.values())).n,
        "models": {
            k: {f: v.to_json()[f] for f in keep}
            | {"minus_without_model": runs[k]}
            | ({"unsettled": unsettled[k]} if k in unsettled else {})
            for k, v in scores.items()
        },
        "without_model": {k: {f: v.to_json()[f] for f in keep} for k, v in naive.items()},
    }


def main(argv: list[str]) -> int:
    text = json.dumps(track_record(), indent=1, sort_keys=True) + "\n"
    return write_or_check(OUT, text, argv)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
