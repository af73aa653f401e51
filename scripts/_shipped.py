"""Writing a shipped fit (``src/guaranty/data/*.json``) or checking it, for the fit scripts."""

from __future__ import annotations

from pathlib import Path

#: where the shipped fits live
DATA = Path(__file__).resolve().parents[1] / "src" / "guaranty" / "data"


def write_or_check(out: Path, text: str, argv: list[str]) -> int:
    """With ``--check`` in ``argv``: 0 if ``out`` holds ``text`` exactly, else 1 (printed
    either way). Otherwise write ``text`` to ``out`` and return 0."""
    if "--check" in argv:
        same = out.exists() and out.read_text() == text
        print(f"{out.name} is up to date" if same else f"{out.name} differs")
        return 0 if same else 1
    out.write_text(text)
    print(f"wrote {out.name} ({len(text):,} bytes)")
    return 0
