"""Writing a shipped fit (``src/guaranty/data/*.json``) or checking it, for the fit scripts."""

from __future__ import annotations

import json
import math
from pathlib import Path

#: where the shipped fits live
DATA = Path(__file__).resolve().parents[1] / "src" / "guaranty" / "data"


#: how far a number of a shipped JSON file may lie from a rebuild's and still match: the
#: models' sums in another order (another BLAS, another processor) move the last digits
REL_TOL = 1e-9


def _close(a: object, b: object) -> bool:
    """Whether two parsed JSON values agree, numbers within :data:`REL_TOL`."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


def write_or_check(out: Path, text: str, argv: list[str]) -> int:
    """With ``--check`` in ``argv``: 0 if ``out`` holds ``text`` (a JSON file: the same
    values, numbers within :data:`REL_TOL`; any other file: exactly), else 1 (printed either
    way). Otherwise write ``text`` to ``out`` and return 0."""
    if "--check" in argv:
        same = out.exists() and out.read_text() == text
        if not same and out.exists() and out.suffix == ".json":
            same = _close(json.loads(out.read_text()), json.loads(text))
        print(f"{out.name} is up to date" if same else f"{out.name} differs")
        return 0 if same else 1
    out.write_text(text)
    print(f"wrote {out.name} ({len(text):,} bytes)")
    return 0
