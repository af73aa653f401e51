"""Helpers of the tests that check the figures a doc quotes: import one of the repository's
``scripts/*.py`` as a module (so that a test runs the script's own code: the validation
scripts print the figures the docs quote), and read a row of a Markdown table."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@contextmanager
def script_module(name: str) -> Iterator[ModuleType]:
    """``scripts/<name>.py`` imported as the module ``name`` for the duration of the block
    (registered in ``sys.modules`` so that its dataclasses resolve, then removed)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def script_fixture(name: str):
    """A module-scoped pytest fixture that yields ``scripts/<name>.py`` as a module; bind
    it to the name the tests take (``script = script_fixture("validate_durability")``)."""

    @pytest.fixture(scope="module")
    def script() -> Iterator[ModuleType]:
        with script_module(name) as module:
            yield module

    return script


def doc_fixture(path: Path):
    """A module-scoped pytest fixture that gives the text of the doc at ``path``; bind it to
    the name the tests take (``doc = doc_fixture(DOC)``)."""

    @pytest.fixture(scope="module")
    def doc() -> str:
        return path.read_text()

    return doc


def table_row(text: str, prefix: str, name: str = "the doc") -> list[str]:
    """The cells of the first Markdown table row of ``text`` that starts with ``prefix``."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return [c.strip() for c in line.strip().strip("|").split("|")]
    raise AssertionError(f"no row starting with {prefix!r} in {name}")


def numbers(text: str) -> list[float]:
    """The decimal numbers of ``text``, in order (integers without a point are skipped)."""
    return [float(v) for v in re.findall(r"[-+]?\d+\.\d+", text)]
