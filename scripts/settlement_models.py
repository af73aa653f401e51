#!/usr/bin/env python3
"""How the settled guarantee depends on the negotiation model that settles it: the chain of a
scenario run with each registered model as its settlement model (``pipeline.model``); prints
the table of docs/pipeline.md ("Under the other negotiation models").

Usage: python scripts/settlement_models.py [--scenario scenarios/ukraine-2022.yaml]
       [--draws 2000] [--seed 0]

Per model: the share of the draws with a peace, the median settled level of the guarantee
issue over them, and the three designs the settlement lands on most often with their shares
of all draws. Everything else is the scenario's; the war, the credibility and the durability
draws are the same under every model (only the settlement differs). About 10 s.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from guaranty import montecarlo as mc
from guaranty.models import registry
from guaranty.scenario import load
from guaranty.scenario.settings import PipelineSettings

ROOT = Path(__file__).resolve().parents[1]


def settled_by_model(scenario: Any, draws: int, seed: int) -> list[dict[str, Any]]:
    """Per registered model: ``model``, ``peace`` (share of draws), ``level`` (median
    settled term of the guarantee issue, over the draws with a peace) and ``top`` (the
    three designs most settled on, (id, share of all draws), most first)."""
    rows = []
    guarantee = next(i.id for i in scenario.issues if i.role.value == "guarantee")
    for m in registry.available():
        s = scenario.model_copy(update={"pipeline": PipelineSettings(model=m)})
        summ = mc.simulate(s, draws=draws, seed=seed).summary()
        shares = sorted(summ["designs"].items(), key=lambda kv: -kv[1]["share"])
        rows.append(
            {
                "model": m,
                "peace": summ["peace"],
                "level": summ["settled"][guarantee]["median"],
                "top": [(d, v["share"]) for d, v in shares[:3]],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "ukraine-2022.yaml")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    s = load(args.scenario)
    print(f"{s.name}: {args.draws} draws, seed {args.seed}\n")
    print("| settlement model | peace | guarantee level (median) | designs settled on most often |")
    print("|---|---:|---:|---|")
    for r in settled_by_model(s, args.draws, args.seed):
        top = ", ".join(f"{d} {100 * v:.1f}%" for d, v in r["top"])
        print(f"| {r['model']} | {100 * r['peace']:.1f}% | {r['level']:.1f} | {top} |")


if __name__ == "__main__":
    main()
