#!/usr/bin/env python3
"""The unit of capability and the smp model; prints the table of docs/models/smp.md ("The
unit of capability").

Usage: .venv/bin/python scripts/smp_capability_unit.py [--draws 300] [--seed 0]

Each scenario's draws of its uncertain inputs are run by smp with the capabilities as
given (CINC shares in the shipped scenarios), then multiplied by 100 (percent) and by 0.01,
with the model's default ``capability="as_given"`` (KTAB's) and with ``"scaled"``. Changes
are in points of a 0-100 scale, the largest over issues: of a mean over draws, and of one
draw. Every figure is a pure function of the files and these options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs
from guaranty.scenario import load
from guaranty.scenario.compile import sample_inputs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = (
    ("Ukraine 2022", "scenarios/ukraine-2022.yaml"),
    ("Korea 1953", "scenarios/korea-1953.yaml"),
)
UNITS = (100.0, 0.01)


def changes(x: NegotiationInputs, capability: str, unit: float) -> dict[str, float]:
    """How far the outcome moves when every capability of ``x`` is multiplied by ``unit``:
    the largest change of a mean over draws and of one draw (points of a 0-100 scale), and
    the share of draws that move by more than 1e-6 on some issue."""
    model = registry.create("smp", capability=capability)
    out = model.run(x, np.random.default_rng(1)).outcome
    y = NegotiationInputs(**{**x.__dict__, "capability": x.capability * unit})
    got = model.run(y, np.random.default_rng(1)).outcome
    points = 100 / (x.upper - x.lower)
    d = np.abs(got - out) * points
    return {
        "mean": float((np.abs(got.mean(axis=0) - out.mean(axis=0)) * points).max()),
        "draw": float(d.max()),
        "share": float((d > 1e-6).any(axis=1).mean()),
    }


def rule_change(x: NegotiationInputs) -> float:
    """The largest change of a mean over draws from "as_given" to "scaled" (points)."""
    a = registry.create("smp").run(x, np.random.default_rng(1)).outcome
    b = registry.create("smp", capability="scaled").run(x, np.random.default_rng(1)).outcome
    return float((np.abs(a.mean(axis=0) - b.mean(axis=0)) * 100 / (x.upper - x.lower)).max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(
        "| scenario | capability | unit | largest change of a mean over draws "
        "| largest change of one draw | draws that move |"
    )
    print("|---|---|---:|---:|---:|---:|")
    rules = []
    for label, path in SCENARIOS:
        x = sample_inputs(load(ROOT / path), args.draws, np.random.default_rng(args.seed))
        for capability in ("as_given", "scaled"):
            for unit in UNITS:
                r = changes(x, capability, unit)
                print(
                    f"| {label} | {capability} | × {unit:g} | {r['mean']:.2f} | {r['draw']:.2f} "
                    f"| {r['share']:.0%} |"
                )
        rules.append((label, rule_change(x)))
    print()
    for label, change in rules:
        print(
            f"{label}: from as_given to scaled, the means over draws move by {change:.2f} at most"
        )


if __name__ == "__main__":
    main()
