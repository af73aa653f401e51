#!/usr/bin/env python3
"""Rebuild guaranty's shipped reference tables and test fixtures from the published data.

Usage: python3 scripts/rebuild_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ``../shared/data`` next to the repository. Every output is a
pure function of its input file, so running the script twice gives identical files.
See src/guaranty/data/SOURCES.md and tests/data/SOURCES.md for what each file is.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG_DATA = ROOT / "src" / "guaranty" / "data"
TEST_DATA = ROOT / "tests" / "data"

# Test fixtures copied verbatim: (path under the shared data folder, name under tests/data).
FIXTURES = [
    ("negotiation/bdm/eu_emissions_1994_actors.csv", "eu_emissions_1994_actors.csv"),
    ("negotiation/bdm/scholz_2011_table2_expected.txt", "scholz_2011_table2_expected.txt"),
    ("negotiation/bdm/china_actors.csv", "china_actors.csv"),
    ("negotiation/ktab/dummyData_3Dim.csv", "dummyData_3Dim.csv"),
    ("negotiation/ktab/dummyData_3Dim.reference-run.txt", "dummyData_3Dim.reference-run.txt"),
    ("negotiation/ktab/SOE-Policy.csv", "SOE-Policy.csv"),
    ("negotiation/exchange/two_actor_example.txt", "two_actor_example.txt"),
    ("negotiation/exchange/two_actor_example.expected.md", "two_actor_example.expected.md"),
    ("negotiation/exchange/sample_data.txt", "exchange_sample_data.txt"),
    ("negotiation/deu3/deu3_dev.tsv", "deu3_dev.tsv"),
]


def build_cinc(src: Path, dst: Path) -> int:
    """COW NMC v7: keep ccode, year and the CINC score (integers for code and year)."""
    with src.open(newline="") as fin, dst.open("w", newline="") as fout:
        rows = csv.DictReader(fin)
        out = csv.writer(fout, lineterminator="\n")
        out.writerow(["ccode", "year", "cinc"])
        n = 0
        for row in rows:
            if not row["cinc"]:
                continue
            out.writerow([int(float(row["ccode"])), int(float(row["year"])), row["cinc"]])
            n += 1
    return n


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        print(f"no such folder: {shared}", file=sys.stderr)
        return 2
    n = build_cinc(shared / "capabilities" / "cow_nmc_v7.csv", PKG_DATA / "cow_nmc_cinc.csv")
    print(f"cow_nmc_cinc.csv: {n} country-years")
    TEST_DATA.mkdir(parents=True, exist_ok=True)
    for rel, name in FIXTURES:
        shutil.copyfile(shared / rel, TEST_DATA / name)
        print(f"tests/data/{name} <- {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
