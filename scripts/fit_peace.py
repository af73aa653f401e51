#!/usr/bin/env python3
"""Fit the peace model (Weibull survival of the peace after inter-state wars) and write
src/guaranty/data/peace_fit.json.

Usage: python scripts/fit_peace.py [--check]

The fit is a pure function of the shipped ``src/guaranty/data/postwar_spells.csv``
(:func:`guaranty.comparison.fit_peace_model`); ``--check`` refits and exits 1 if the shipped
file differs. ``docs/models/durability.md`` describes the model.
"""

from __future__ import annotations

import json
import sys

from _shipped import DATA, write_or_check

from guaranty.comparison import fit_peace_model

OUT = DATA / "peace_fit.json"


def main(argv: list[str]) -> int:
    text = json.dumps(fit_peace_model().to_json(), indent=1) + "\n"
    return write_or_check(OUT, text, argv)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
