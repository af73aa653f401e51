#!/usr/bin/env python3
"""Print how far each war input moves the Ukraine scenario's outcome shares over its own
stated 90% range (the table in docs/models/war.md).

Usage: python scripts/war_sensitivity.py [SCENARIO] [--draws N]
       python scripts/war_sensitivity.py [SCENARIO] --survival-seeds 0,1,2 [--survival-draws K]

``--survival-seeds`` prints instead the outcome shares (``--draws`` draws, seed 0) under each
seed of the simulations that condition the fit on the months already fought
(``guaranty.war._survival``; ``--survival-draws`` simulations per parameter vector, the
shipped 128 by default): the Monte Carlo error of that conditioning.
"""

from __future__ import annotations

import sys
from pathlib import Path

from guaranty import war
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.scenario import load
from guaranty.war import run_war, sensitivity

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


def _option(argv: list[str], name: str) -> str | None:
    """The value after ``name`` in ``argv`` (both removed), or None."""
    if name not in argv:
        return None
    k = argv.index(name)
    value = argv[k + 1]
    del argv[k : k + 2]
    return value


def survival_seeds(path: Path, seeds: list[int], per_vector: int, draws: int) -> int:
    """The outcome shares under each seed of the conditioning simulations."""
    scenario = load(path)
    print(f"{per_vector} simulations per parameter vector, {draws} draws (seed 0)")
    print("survival seed  " + "  ".join(OUTCOMES))
    for seed in seeds:
        war._SURVIVAL_DRAWS, war._SURVIVAL_SEED = per_vector, seed
        war._survival.cache_clear()
        out = run_war(scenario, draws=draws, seed=0).result.outcome  # type: ignore[arg-type]
        shares = "  ".join(f"{(out == k).mean():.3f}" for k in range(len(OUTCOMES)))
        print(f"{seed:>13}  {shares}")
    return 0


def main(argv: list[str]) -> int:
    draws = int(_option(argv, "--draws") or 4000)
    seeds = _option(argv, "--survival-seeds")
    per_vector = int(_option(argv, "--survival-draws") or war._SURVIVAL_DRAWS)
    path = Path(argv[0]) if argv else ROOT / "scenarios" / "ukraine-2022.yaml"
    if seeds is not None:
        return survival_seeds(path, [int(v) for v in seeds.split(",")], per_vector, draws)
    rows = sensitivity(load(path), draws=draws, seed=0)  # type: ignore[arg-type]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
