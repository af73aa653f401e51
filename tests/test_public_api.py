"""The public API (``import guaranty``): every example in its docstrings runs as a doctest,
from the repository's root (the examples read ``scenarios/``), and the package docstring
names only functions that exist."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import guaranty

ROOT = Path(__file__).resolve().parent.parent
SLOW = {"simulate", "run"}  # a whole block of the chain: about 10 s each on 2 cores

TESTS = {
    t.name.rpartition(".")[2]: t
    for t in doctest.DocTestFinder().find(guaranty, "guaranty")
    if t.examples
}


def test_every_public_function_has_an_example() -> None:
    public = {n for n in guaranty.__all__ if callable(getattr(guaranty, n, None))}
    public -= {n for n in public if n[0].isupper()}  # the exceptions
    public.discard("registry")
    assert public <= set(TESTS), sorted(public - set(TESTS))


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(TESTS)],
)
def test_docstring_example(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(TESTS[name])
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{name}: {result}"


def test_the_package_docstring_tells_the_truth() -> None:
    """Each ``guaranty.NAME(`` the package docstring shows exists and is in ``__all__``."""
    named = set(re.findall(r"guaranty\.(\w+)\(", guaranty.__doc__ or ""))
    assert named, "the docstring shows no call"
    for name in named:
        assert name in guaranty.__all__ and callable(getattr(guaranty, name)), name
