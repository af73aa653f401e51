"""Shared fixtures: paths of the test data (see tests/data/SOURCES.md), and reports of
the Ukraine scenario that several test files read (written once per session)."""

from __future__ import annotations

import os

# one BLAS thread per test process, as `python3 dev.py test` sets it, for a bare `pytest` run
# too (numpy, imported after this file, reads it when it loads): pytest-xdist's workers are
# the parallelism (docs/performance.md, "BLAS threads")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (a failing CI run is then a property
# that fails, not bad luck; reproducible as the project's results are): the default profile
# is derandomized and keeps no example database. `HYPOTHESIS_PROFILE=explore` draws new
# random examples, for a search beyond the fixed ones.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def root() -> Path:
    return ROOT


@dataclass(frozen=True)
class Analyzed:
    """What ``guaranty analyze <scenario> --out <out> --draws <draws> --json`` left behind."""

    exit_code: int
    output: str
    stdout: str
    out: Path


@pytest.fixture(scope="session")
def analyzed_ukraine(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Analyzed]:
    """``analyzed_ukraine(draws)``: the report of ``guaranty analyze
    scenarios/ukraine-2022.yaml --draws <draws> --json`` (default seed and models, through
    typer's CliRunner), written once per number of draws in the session.

    Several tests check different parts of the same report (test_cli, test_war_cli,
    test_report_browser): they ran the same command with the same arguments each, about 6 to
    9 s apiece. The report does not depend on --json (it only changes what is printed).
    Tests read the folder and must not change it."""
    from typer.testing import CliRunner

    from guaranty.cli import app

    done: dict[int, Analyzed] = {}

    def analyzed(draws: int) -> Analyzed:
        if draws not in done:
            out = tmp_path_factory.mktemp(f"ukraine-{draws}") / "rep"
            scenario = ROOT / "scenarios" / "ukraine-2022.yaml"
            args = ["analyze", str(scenario), "--out", str(out), "--draws", str(draws), "--json"]
            result = CliRunner().invoke(app, args)
            done[draws] = Analyzed(result.exit_code, result.output, result.stdout, out)
        return done[draws]

    return analyzed
