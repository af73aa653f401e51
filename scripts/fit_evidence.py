#!/usr/bin/env python3
"""Fit the two stages of the credibility model and write src/guaranty/data/evidence_fit.json.

Usage: python scripts/fit_evidence.py [--check]

The fit is a pure function of the shipped tables (``src/guaranty/data/challenge_dyads.csv.gz``,
``joiner_cases.csv.gz``) and the bootstrap seed ``guaranty.evidence.SEED``; ``--check``
refits and exits 1 if the shipped file differs. ``docs/models/credibility.md`` describes it.
"""

from __future__ import annotations

import json
import sys

from _shipped import DATA, write_or_check

from guaranty.evidence import fit_evidence

OUT = DATA / "evidence_fit.json"


def main(argv: list[str]) -> int:
    text = json.dumps(fit_evidence().to_json(), indent=1, sort_keys=True) + "\n"
    return write_or_check(OUT, text, argv)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
