"""The start-up budget (issue 16): the short commands load only what they use.

Each command runs in a fresh interpreter, through the same entry point as the installed
``guaranty`` script, and reports the modules it loaded. ``--version`` loads no command-line
library at all; ``--help`` and ``validate`` load no scipy, plotly, duckdb, FastAPI or model;
a peer tool's CSV loads no YAML parser, and JSON output no rich (``forecast`` of KTAB's
7-actor example too). ``validate FILE`` and
``forecast FILE [--model NAME] [--json]`` are answered without Typer
(:mod:`guaranty.cli.quick`), and must print and exit exactly as the Typer route does.
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
         "guaranty.models", "guaranty.scenario.schema", "yaml")
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
            {"rich", "pydantic", "guaranty.scenario.schema", "yaml"},
        ),
        (  # a peer tool's CSV: no YAML parser either
            ["validate", "tests/data/SOE-Policy.csv"],
            {"rich", "pydantic", "guaranty.scenario.schema"},
        ),
        (  # JSON output: no rich either
            ["validate", "--json", "scenarios/ukraine-2022.yaml"],
            {"pydantic", "guaranty.scenario.schema", "yaml"},
        ),
        (  # issue 16's smp forecast: the model and its numpy, but no Typer, rich, YAML or
            # scipy (answered by guaranty.cli.quick)
            ["forecast", "tests/data/dummyData_3Dim.csv", "--model", "smp", "--json"],
            {"pydantic", "numpy", "guaranty.models", "guaranty.scenario.schema"},
        ),
        (  # the same as a table: rich too, still no Typer
            ["forecast", "tests/data/dummyData_3Dim.csv", "-m", "smp"],
            {"rich", "pydantic", "numpy", "guaranty.models", "guaranty.scenario.schema"},
        ),
    ],
)
def test_short_commands_load_no_heavy_library(args: list[str], allowed: set[str]) -> None:
    """Each command loads at most ``allowed`` of the watched libraries."""
    code, got = loaded(*args)
    assert code == 0
    assert set(got) <= allowed, sorted(set(got) - allowed)


BOTH_ROUTES = """
import sys
route = sys.argv[1]
sys.argv = ["guaranty", *sys.argv[2:]]
if route == "typer":
    from guaranty.cli import main
else:
    from guaranty.__main__ import main
main()
"""


def run_route(route: str, *args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", BOTH_ROUTES, route, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "scenarios/ukraine-2022.yaml"],
        ["validate", "scenarios/ukraine-2022.yaml", "--json"],
        ["validate", "--json", "tests/data/SOE-Policy.csv"],
        ["validate", "ukraine-2022"],
        ["validate", "tests/data/deu3_dev.tsv"],
        ["validate", "no-such-file.yaml"],
        ["validate", "no-such-file.yaml", "--json"],
        ["validate", "tests/data/hostile/billion-laughs.yaml"],
        ["validate", "tests/data/hostile/no-positions.yaml", "--json"],
        ["validate", "tests/data/hostile/stray-cr.csv"],
        ["forecast", "tests/data/dummyData_3Dim.csv", "--model", "smp", "--json"],
        ["forecast", "tests/data/dummyData_3Dim.csv", "-m", "smp"],
        ["forecast", "--model=bdm", "--json", "tests/data/dummyData_3Dim.csv"],
        ["forecast", "tests/data/dummyData_3Dim.csv"],
        ["forecast", "tests/data/deu3_dev.tsv", "--json"],
        ["forecast", "tests/data/dummyData_3Dim.csv", "--model", "nope"],
        ["forecast", "tests/data/dummyData_3Dim.csv", "--model", "nope", "--json"],
        ["forecast", "no-such-file.csv", "--model", "smp"],
        ["forecast", "tests/data/hostile/no-positions.yaml", "-m", "smp", "--json"],
    ],
)
def test_quick_commands_print_and_exit_as_typer_does(args: list[str]) -> None:
    """``validate`` and the plain ``forecast`` answered without Typer
    (:mod:`guaranty.cli.quick`): the same output, messages and exit code as Typer's route."""
    quick = run_route("entry", *args)
    assert quick == run_route("typer", *args)
    assert quick[0] in (0, 2, 64), quick


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["validate", "--help"], 0),
        (["validate", "a.yaml", "b.yaml"], 64),
        (["validate", "--jsn", "a.yaml"], 64),
        (["validate"], 64),
        (["forecast", "--help"], 0),
        (["forecast"], 64),
        (["forecast", "a.csv", "--model"], 64),
        (["forecast", "a.csv", "--modle", "smp"], 64),
        (["forecast", "a.csv", "b.csv", "-m", "smp"], 64),
        (["forecast", "a.csv", "-m", "smp", "-m", "bdm", "--draws", "-1"], 64),
    ],
)
def test_other_quick_command_lines_go_to_typer(args: list[str], code: int) -> None:
    """Shapes the quick route does not answer are Typer's: its help and usage errors."""
    got, out, err = run_route("entry", *args)
    assert got == code, (got, out, err)
    if code == 0:
        assert "Usage" in out
    else:  # Typer's usage error: its usage line, or its error panel alone
        assert "Usage" in err or "Usage" in out or "─ Error ─" in err


def test_a_bug_in_the_quick_route_leaves_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As under Typer (tests/test_cli.py): a bare ValueError is a bug, not bad input."""
    from guaranty.__main__ import main

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr("guaranty.cli.quick.load", broken)
    monkeypatch.setattr(sys, "argv", ["guaranty", "validate", "scenarios/ukraine-2022.yaml"])
    with pytest.raises(ValueError, match="broadcast"):
        main()


@pytest.mark.parametrize(("given", "kept"), [(None, "1"), ("3", "3")])
def test_the_entry_point_asks_for_one_blas_thread_unless_told(
    monkeypatch: pytest.MonkeyPatch, given: str | None, kept: str
) -> None:
    """The command line's processes (and the workers they start) run BLAS on one thread
    unless the user set ``OPENBLAS_NUM_THREADS`` (docs/performance.md, "BLAS threads")."""
    import os

    from guaranty.__main__ import main

    if given is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", given)
    monkeypatch.setattr(sys, "argv", ["guaranty", "--version"])
    main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == kept


CONSOLE = """
import atexit, sys, threading, time
from guaranty import __main__ as entry
case = sys.argv[1]
sys.argv = ["guaranty", *sys.argv[2:]]
atexit.register(print, "exit handler ran", file=sys.stderr)
if case == "message":
    entry.main = lambda: sys.exit("a message")
if case == "thread":  # a thread still running at the end: the process waits for it
    def late():
        time.sleep(0.3)
        print("thread done", flush=True)
    threading.Thread(target=late).start()
    entry.main = lambda: sys.exit(3)
entry.console()
"""


def console(case: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CONSOLE, case, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_script_ends_with_the_commands_code_output_and_exit_handlers() -> None:
    """``guaranty.__main__.console`` (the installed script) ends the process without the
    interpreter's teardown, but with the command's exit code, all of its output (here a
    JSON document of some 17 KB, more than Python's 8 KB output buffer holds) and the exit
    handlers run."""
    ok = console("plain", "forecast", "tests/data/dummyData_3Dim.csv", "--model", "smp", "--json")
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout) > 8192 and json.loads(ok.stdout)["model"] == "smp"
    assert ok.stderr == "exit handler ran\n"
    bad = console("plain", "validate", "no-such-file.yaml", "--json")
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["error"]["file"] == "no-such-file.yaml"
    assert bad.stderr == "exit handler ran\n"
    message = console("message")
    assert (message.returncode, message.stderr) == (1, "a message\nexit handler ran\n")
    waited = console("thread")
    assert (waited.returncode, waited.stdout) == (3, "thread done\n")
    assert waited.stderr == "exit handler ran\n"
