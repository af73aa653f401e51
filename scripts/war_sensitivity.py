#!/usr/bin/env python3
"""Print how far each war input moves the Ukraine scenario's outcome shares over its own
stated 90% range (the table in docs/models/war.md).

Usage: python scripts/war_sensitivity.py [SCENARIO] [--draws N]
"""

from __future__ import annotations

import sys
from pathlib import Path

from guaranty.models.war.battlefield import OUTCOMES
from guaranty.scenario import load
from guaranty.war import sensitivity

ROOT = Path(__file__).resolve().parents[1]


def table(rows: list[dict]) -> str:
    head = (
        "| input | kind | low | high | "
        + " | ".join(f"{o} (low → high)" for o in OUTCOMES)
        + " | largest shift |"
    )
    lines = [head, "|" + "---|" * (5 + len(OUTCOMES))]
    for r in sorted(rows, key=lambda r: -r["max_shift"]):
        cells = " | ".join(f"{r['at_low'][o]:.2f} → {r['at_high'][o]:.2f}" for o in OUTCOMES)
        lines.append(
            f"| `{r['name']}` | {r['kind']} | {r['low']:.4g} | {r['high']:.4g} | {cells} | "
            f"{100 * r['max_shift']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    draws = 4000
    if "--draws" in argv:
        draws = int(argv[argv.index("--draws") + 1])
        del argv[argv.index("--draws") : argv.index("--draws") + 2]
    path = Path(argv[0]) if argv else ROOT / "scenarios" / "ukraine-2022.yaml"
    rows = sensitivity(load(path), draws=draws, seed=0)  # type: ignore[arg-type]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
