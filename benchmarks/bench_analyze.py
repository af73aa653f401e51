#!/usr/bin/env python3
"""Where the main job's time goes: ``guaranty analyze`` on the Ukraine scenario, by stage
(run on demand; prints figures).

    .venv/bin/python benchmarks/bench_analyze.py [--draws 20000] [--repeat 1]

First the whole command as a user types it (its own process, wall time), then its stages in
one process, in the order the command runs them, each timed once (``time.perf_counter``):
loading the scenario, the chain from the war to the peace (``montecarlo.simulate``: the
first block pays the data, the fits and the compiled kernels), the run's credibility
(``credibility.from_run``), the claims ledger (``claims.run_ledger``: every claim on every
draw and on each half of every uncertain input), the chain and the ledger again for each
fact the scenario states in place of the data (``analysis.check_stated_facts``), the seven
models' forecasts (500 draws
each; the first call of a compiled model loads numba's cached machine code) and the report
(figures and files). The stages run one after another here; the command runs the
forecasts in a background thread beside the chain and the ledger (``analysis.analyze``), so
it takes less than their sum, the rest being Python's and the command line's start-up.
The figures of docs/performance.md, "The main job", come from here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"


def whole_command(draws: int, repeat: int) -> list[float]:
    """Wall seconds of ``guaranty analyze`` in its own process, ``repeat`` times."""
    exe = Path(sys.executable).with_name("guaranty")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(
                [str(exe), "analyze", str(SCENARIO), "--out", tmp, "--draws", str(draws)],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            out.append(time.perf_counter() - start)
    return out


def stages(draws: int) -> dict[str, float]:
    """Wall seconds of each stage of the main job, in one fresh process (this one)."""
    got: dict[str, float] = {}

    def clock(label: str, start: float) -> float:
        now = time.perf_counter()
        got[label] = now - start
        return now

    t = time.perf_counter()
    from guaranty.analysis import FORECAST_DRAWS, _forecasts, _models, check_stated_facts
    from guaranty.claims import run_ledger
    from guaranty.credibility import from_run
    from guaranty.montecarlo import simulate
    from guaranty.scenario import load

    scenario = load(SCENARIO)
    t = clock("imports and loading the scenario", t)
    run = simulate(scenario, draws=draws, seed=0)
    t = clock(f"the chain, {draws:,} draws (montecarlo.simulate)", t)
    credibility = from_run(run, scenario)
    t = clock("the run's credibility (credibility.from_run)", t)
    claims = run_ledger(scenario.claims, run)
    t = clock(f"the claims ledger, {len(claims)} claims (claims.run_ledger)", t)
    claims, answers = check_stated_facts(scenario, claims, draws, 0)
    from guaranty.analysis import prior_off
    from guaranty.credibility_case import stated_facts as facts
    from guaranty.war import forces_alternative

    stated = len(facts(scenario)) + (forces_alternative(scenario) is not None)
    prior = " and the stated prior at 0" if prior_off(scenario) is not None else ""
    t = clock(
        f"the chain and ledger again for {stated} stated facts{prior} "
        "(analysis.check_stated_facts)",
        t,
    )
    models = _models(None)
    forecasts = _forecasts(scenario, models, min(FORECAST_DRAWS, draws), 0)
    t = clock(f"{len(models)} models' forecasts, {FORECAST_DRAWS} draws each", t)
    from guaranty.report import write_report

    t = clock("importing the report's libraries (plotly)", t)
    with tempfile.TemporaryDirectory() as tmp:
        write_report(
            scenario,
            forecasts,
            Path(tmp),
            source=SCENARIO,
            seed=0,
            draws=draws,
            credibility=credibility,
            claims=claims,
            run=run,
            forecast_draws=min(FORECAST_DRAWS, draws),
            fact_answers=answers,
        )
    clock("the report: figures and files (report.write_report)", t)
    return got


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    walls = whole_command(args.draws, args.repeat)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f}")
    each = ", ".join(f"{w:.2f}" for w in walls)
    median = statistics.median(walls)
    print(f"guaranty analyze {SCENARIO.name} --draws {args.draws}: median {median:.2f} s ({each})")
    print("\n| stage | wall s |\n|---|---|")
    got = stages(args.draws)
    for label, seconds in got.items():
        print(f"| {label} | {seconds:.2f} |")
    print(f"| all the stages | {sum(got.values()):.2f} |")


if __name__ == "__main__":
    main()
