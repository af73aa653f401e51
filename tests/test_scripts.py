"""Every script of ``scripts/`` answers ``--help`` with its usage (its docstring) and does
nothing else: some of them rewrite the shipped tables. Before this test ten of them did not
know ``--help``: four rewrote their tables (with the same contents) or copied the shipped
scenarios, one started a fit of several minutes, one compiled the kernels, three took it for
the name of a folder and one for a scenario's, with a traceback."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.py") if not p.name.startswith("_"))


def _tree_state() -> dict[str, int]:
    """Size and modification time of every file the scripts may write."""
    out = {}
    for folder in (ROOT / "src" / "guaranty" / "data", ROOT / "src" / "guaranty" / "scenarios",
                   ROOT / "tests" / "data"):  # fmt: skip
        for p in folder.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                out[str(p)] = p.stat().st_mtime_ns
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_every_script_answers_help_and_does_nothing_else(script: Path) -> None:
    before = _tree_state()
    doc = ast.get_docstring(ast.parse(script.read_text()))
    assert doc, f"{script.name} has no docstring to serve as its usage"
    result = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60,
        cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # the docstring's opening words (argparse reflows them after its usage line)
    assert " ".join(doc.split()[:6]) in " ".join(result.stdout.split())
    assert "Traceback" not in result.stderr
    assert _tree_state() == before
