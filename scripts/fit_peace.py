#!/usr/bin/env python3
"""Fit the peace model (Weibull survival of ceasefires) and write src/guaranty/data/peace_fit.json.

Usage: python scripts/fit_peace.py [--check]

The fit is a pure function of the shipped ``src/guaranty/data/fortna_ceasefires.csv``
(:func:`guaranty.comparison.fit_peace_model`); ``--check`` refits and exits 1 if the shipped
file differs. ``docs/models/durability.md`` describes the model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from guaranty.comparison import fit_peace_model

OUT = Path(__file__).resolve().parents[1] / "src" / "guaranty" / "data" / "peace_fit.json"


def main(argv: list[str]) -> int:
    text = json.dumps(fit_peace_model().to_json(), indent=1) + "\n"
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        print("peace_fit.json is up to date" if same else "peace_fit.json differs")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT.name} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
