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
from pathlib import Path

from guaranty.evidence import fit_evidence

OUT = Path(__file__).resolve().parents[1] / "src" / "guaranty" / "data" / "evidence_fit.json"


def main(argv: list[str]) -> int:
    text = json.dumps(fit_evidence().to_json(), indent=1, sort_keys=True) + "\n"
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        print("evidence_fit.json is up to date" if same else "evidence_fit.json differs")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT.name} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
