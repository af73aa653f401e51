"""The start-up budget (issue 16): the short commands load only what they use.

Each command runs in a fresh interpreter, through the same entry point as the installed
``guaranty`` script, and reports the modules it loaded. ``--version`` loads no command-line
library at all; ``--help`` and ``validate`` load no scipy, plotly, duckdb, FastAPI or model.
Module sets, not wall times, are checked (times flake on a loaded machine; the times are
printed by ``benchmarks/bench_startup.py``: ``--version`` 0.08-0.13 s).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

REPORT = """
import json, sys
from guaranty.__main__ import main
sys.argv = ["guaranty", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
watch = ("typer", "rich", "pydantic", "numpy", "scipy", "plotly", "duckdb", "fastapi",
         "guaranty.models", "guaranty.scenario.schema")
print(json.dumps({"code": code, "loaded": [m for m in watch if m in sys.modules]}))
"""


def loaded(*args: str) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", REPORT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report["code"], report["loaded"]


def test_version_loads_no_command_line_library() -> None:
    assert loaded("--version") == (0, [])


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--help"], {"typer", "rich"}),
        (
            ["validate", "scenarios/ukraine-2022.yaml"],
            {"typer", "rich", "pydantic", "guaranty.scenario.schema"},
        ),
        (
            ["validate", "tests/data/SOE-Policy.csv"],
            {"typer", "rich", "pydantic", "guaranty.scenario.schema"},
        ),
    ],
)
def test_short_commands_load_no_heavy_library(args: list[str], allowed: set[str]) -> None:
    code, got = loaded(*args)
    assert code == 0
    assert set(got) <= allowed, sorted(set(got) - allowed)
