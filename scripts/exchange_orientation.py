#!/usr/bin/env python3
"""Which end of the scale is 0: the exchange model with every scale reversed; prints the
table of docs/models/exchange.md ("Which end of the scale is 0").

Usage: .venv/bin/python scripts/exchange_orientation.py [--draws 500] [--seed 0]

Each case is run twice by the exchange model, once as given and once with every position
x replaced by lower + upper - x (each issue's scale read from the other end), and the second
outcome is mapped back the same way. A model whose rule reads the same in both directions
gives the same outcome both times. The gap is in points of a 0-100 scale (the absolute
difference over the issue's width, times 100), for the default rule (``move_sum="signed"``,
decide's) and for ``move_sum="absolute"``; the last columns compare the two rules on the
cases as given. Every figure is a pure function of the files and these options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs
from guaranty.scenario import load
from guaranty.scenario.compile import nominal_inputs, sample_inputs

ROOT = Path(__file__).resolve().parents[1]

#: (label, file, whether to run draws of its uncertain inputs)
CASES = (
    ("decide's COP21 file (15 actors, 13 issues), as given", "tests/data/cop21.csv", False),
    ("Korea 1953 (6 actors, 3 issues), nominal inputs", "scenarios/korea-1953.yaml", False),
    ("Ukraine 2022 (14 actors, 4 issues), nominal inputs", "scenarios/ukraine-2022.yaml", False),
    ("Korea 1953, draws of the uncertain inputs", "scenarios/korea-1953.yaml", True),
    ("Ukraine 2022, draws of the uncertain inputs", "scenarios/ukraine-2022.yaml", True),
)


def reversed_scales(x: NegotiationInputs) -> NegotiationInputs:
    """``x`` with every issue's scale read from the other end: x -> lower + upper - x."""
    return NegotiationInputs(**{**x.__dict__, "positions": x.lower + x.upper - x.positions})


def both_ways(
    x: NegotiationInputs, move_sum: str, rounds: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome (draws, issues) of the exchange model with ``move_sum`` on ``x``, and its
    outcome on the reversed scales mapped back (draws, issues)."""
    model = registry.create("exchange", rounds=rounds, move_sum=move_sum)
    out = model.run(x, np.random.default_rng(1)).outcome
    back = x.lower + x.upper - model.run(reversed_scales(x), np.random.default_rng(1)).outcome
    return out, back


def row(x: NegotiationInputs) -> dict[str, float]:
    """The figures of one case, in points of a 0-100 scale: for the signed rule, the
    largest, mean and 95th-percentile gap over draws and issues, the share of draws with a
    gap above 1e-9 on some issue, and the largest gap between the two orientations' means
    over draws; for the absolute rule, the largest gap; and the largest and mean difference
    between the two rules' outcomes on the case as given."""
    points = 100 / (x.upper - x.lower)
    signed, signed_back = both_ways(x, "signed")
    absolute, absolute_back = both_ways(x, "absolute")
    g = np.abs(signed - signed_back) * points
    rules = np.abs(signed - absolute) * points
    return {
        "signed_max": float(g.max()),
        "signed_mean": float(g.mean()),
        "signed_p95": float(np.quantile(g, 0.95)),
        "share": float((g > 1e-9).any(axis=1).mean()),
        "means_gap": float((np.abs(signed.mean(axis=0) - signed_back.mean(axis=0)) * points).max()),
        "absolute_max": float((np.abs(absolute - absolute_back) * points).max()),
        "rules_max": float(rules.max()),
        "rules_mean": float(rules.mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(
        "| case | draws | signed: largest gap | signed: mean gap | signed: 95th percentile "
        "| draws with a gap | gap between the means over draws | absolute: largest gap "
        "| absolute minus signed: largest | absolute minus signed: mean |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, path, drawn in CASES:
        obj = load(ROOT / path)
        x = (
            sample_inputs(obj, args.draws, np.random.default_rng(args.seed))
            if drawn
            else nominal_inputs(obj)
        )
        r = row(x)
        print(
            f"| {label} | {x.shape[0] if drawn else 'nominal'} | {r['signed_max']:.2f} "
            f"| {r['signed_mean']:.2f} | {r['signed_p95']:.2f} | {r['share']:.0%} "
            f"| {r['means_gap']:.2f} | {r['absolute_max']:.1e} | {r['rules_max']:.2f} "
            f"| {r['rules_mean']:.2f} |"
        )


if __name__ == "__main__":
    main()
