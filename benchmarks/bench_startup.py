#!/usr/bin/env python3
"""Wall time of short ``guaranty`` commands, start-up included (run on demand; prints figures).

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]

Each command runs ``--repeat`` times as its own process through the installed ``guaranty``
script, the way a user types it; the median and the range of the wall times are printed,
with the exit code. Goals (issues 14 and 16, on a 2-core machine): ``--version`` under
0.25 s, ``validate`` of the Ukraine scenario under 0.6 s, the "billion laughs" file
refused (exit 2) in under 1 s, and ``forecast --model smp`` of KTAB's 7-actor example
(``tests/data/dummyData_3Dim.csv``, KTAB's ``smpc`` 0.076 s) under 0.25 s, as JSON and as
the table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = [
    ("--version", ["--version"], 0.25),
    ("validate ukraine-2022.yaml", ["validate", "scenarios/ukraine-2022.yaml"], 0.6),
    ("validate billion-laughs.yaml", ["validate", "tests/data/hostile/billion-laughs.yaml"], 1.0),
    (
        "forecast dummyData_3Dim.csv --model smp --json",
        ["forecast", "tests/data/dummyData_3Dim.csv", "--model", "smp", "--json"],
        0.25,
    ),
    (  # the table (rich), as a user at a terminal reads it
        "forecast dummyData_3Dim.csv --model smp",
        ["forecast", "tests/data/dummyData_3Dim.csv", "--model", "smp"],
        0.25,
    ),
]


def timed(argv: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - start, proc.returncode


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    exe = Path(sys.executable).with_name("guaranty")
    if not exe.exists():
        sys.exit(f"the guaranty script is not installed next to {sys.executable}")
    timed([str(exe), "--version"])  # warm the file cache once
    for label, rest, goal in COMMANDS:
        runs = [timed([str(exe), *rest]) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        codes = sorted({c for _, c in runs})
        med = statistics.median(times)
        verdict = "meets" if med < goal else "MISSES"
        print(
            f"guaranty {label}: median {med:.3f} s (range {min(times):.3f}-{max(times):.3f}, "
            f"n={args.repeat}), exit {codes}; goal < {goal} s: {verdict}"
        )


if __name__ == "__main__":
    main()
