"""The command line's conventions (issue 17): errors as one JSON object under ``--json``,
exit codes that tell a usage error (64) from bad input (2), output that is not wrapped when
it is not read by a terminal, and one name and one default for the same option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.cli.options import CHAIN_DRAWS

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

BROKEN = """\
name: broken
actors:
  - id: a
    label: A
    capability: -3
"""


def _guaranty(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real entry point in its own process, stdout a pipe (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "guaranty", *args], cwd=cwd, capture_output=True, text=True
    )


def test_validate_broken_yaml_json_prints_one_error_object_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    done = _guaranty("validate", str(path), "--json")
    assert done.returncode == 2, done.stderr
    doc = json.loads(done.stdout)  # the whole of stdout is one JSON document
    assert set(doc) == {"error"}
    error = doc["error"]
    assert set(error) == {"file", "line", "column", "field", "message"}
    assert error["file"] == str(path) and isinstance(error["line"], int)
    assert error["message"] and "Traceback" not in done.stderr


def test_without_json_the_error_is_one_paragraph_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {path}:") and result.stderr.count("\n") == 1


def test_a_usage_error_exits_64_and_is_json_under_json() -> None:
    done = _guaranty("forecast", "tests/data/dummyData_3Dim.csv", "--draws", "-1", "--json")
    assert done.returncode == 64
    error = json.loads(done.stdout)["error"]
    assert error["field"] == "--draws" and "-1" in error["message"]
    done = _guaranty("forecast", "tests/data/dummyData_3Dim.csv", "--no-such-option")
    assert done.returncode == 64 and "No such option" in done.stderr
    assert runner.invoke(app, ["forecast", "x.csv", "--bogus"]).exit_code == 64


def test_a_missing_file_is_bad_input_not_usage() -> None:
    done = _guaranty("forecast", "no-such-file.csv", "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["file"] == "no-such-file.csv"


def test_piped_output_is_not_wrapped() -> None:
    # the summary line of validate is longer than 80 columns; through a pipe it stays whole
    done = _guaranty("validate", "scenarios/ukraine-2022.yaml")
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) > 80, done.stdout


def test_one_name_and_one_default_for_the_same_option() -> None:
    import inspect

    from guaranty.cli import COMMANDS

    # the chain's draws: one default in every command that runs the chain
    for name in ("analyze", "run", "claims"):
        default = inspect.signature(COMMANDS[name]).parameters["draws"].default
        assert default == CHAIN_DRAWS, name
    # --workers: 0 means the CPU count wherever it is accepted
    for name in ("analyze", "run"):
        assert inspect.signature(COMMANDS[name]).parameters["workers"].default == 0, name
    # backtest takes --model/-m like forecast (the old --models still works)
    cases = str(ROOT / "tests" / "data" / "deu3_dev.tsv")
    for spelling in ("-m", "--model", "--models"):
        result = runner.invoke(
            app, ["backtest", cases, spelling, "median", "--boot", "100", "--json"]
        )
        assert result.exit_code == 0, (spelling, result.output)
        assert list(json.loads(result.stdout)["models"]) == ["median"], spelling
    # a command that reads a store does not claim to create it
    assert "created if missing" not in runner.invoke(app, ["runs", "--help"]).stdout


def test_the_command_list_flows_each_summary_as_one_paragraph() -> None:
    """``guaranty --help`` lists each command with its docstring's first paragraph, whose
    source line breaks are gone: at a width of 200 columns each summary's text up to 100
    characters sits on the command's own line (Rich kept the docstring's breaks before)."""
    from guaranty.cli import COMMANDS

    done = runner.invoke(app, ["--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    for name, fn in COMMANDS.items():
        first = " ".join((fn.__doc__ or "").split("\n\n")[0].replace("``", "").split())
        row = next(line for line in lines if line.lstrip("│ ").startswith(name + " "))
        assert first[:100] in row, (name, row)
