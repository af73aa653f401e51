#!/usr/bin/env python3
"""Copy the shipped scenarios, ``scenarios/*.yaml`` (the files to edit), into the package,
``src/guaranty/scenarios/`` (what a wheel ships), and remove the package's copies that have
no file in ``scenarios/`` any more.

Usage: python3 scripts/sync_scenarios.py [--check]

``--check`` changes nothing and exits 1 if the two folders differ (``tests/test_packaging.py``
checks the same).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scenarios"
PACKAGE = ROOT / "src" / "guaranty" / "scenarios"
PATTERN = "*.y*ml"


def differences() -> list[str]:
    """What differs between ``scenarios/`` and the package's copies, one line each."""
    source = {p.name: p for p in SOURCE.glob(PATTERN)}
    package = {p.name: p for p in PACKAGE.glob(PATTERN)}
    out = [f"{name}: missing in the package" for name in sorted(source.keys() - package.keys())]
    out += [f"{name}: only in the package" for name in sorted(package.keys() - source.keys())]
    out += [
        f"{name}: differs"
        for name in sorted(source.keys() & package.keys())
        if source[name].read_bytes() != package[name].read_bytes()
    ]
    return out


def sync() -> list[str]:
    """Make the package's copies those of ``scenarios/``; what was changed."""
    changed = differences()
    PACKAGE.mkdir(parents=True, exist_ok=True)
    for p in PACKAGE.glob(PATTERN):
        if not (SOURCE / p.name).exists():
            p.unlink()
    for p in SOURCE.glob(PATTERN):
        shutil.copyfile(p, PACKAGE / p.name)
    return changed


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        diff = differences()
        for line in diff:
            print(line)
        return 1 if diff else 0
    if argv:
        print(__doc__)
        return 2
    for line in sync():
        print(f"synced {line}")
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
