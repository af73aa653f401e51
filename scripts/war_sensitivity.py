#!/usr/bin/env python3
"""Print how far each war input moves the Ukraine scenario's outcome shares over its own
stated 90% range (the table in docs/models/war.md).

Usage: python scripts/war_sensitivity.py [SCENARIO] [--draws N]
       python scripts/war_sensitivity.py [SCENARIO] --survival-seeds 0,1,2 [--survival-draws K]
       python scripts/war_sensitivity.py [SCENARIO] --conditioning 2,4,8 [--draws N]

``--survival-seeds`` prints instead the outcome shares (``--draws`` draws, seed 0) under each
seed of the simulations that condition the fit on the months already fought
(``guaranty.war._survival``; ``--survival-draws`` simulations per parameter vector, the
shipped 128 by default): the Monte Carlo error of that conditioning.

``--conditioning`` prints how well that conditioning reproduces the model's own answer
(docs/models/war.md, "How good is the conditioning on the months fought"): with the
scenario's war inputs fixed at their nominal values, for each number of months m fought,
P(still fought 6 and 20 months on) from (1) one run of a war that starts with those inputs,
read as S(m + k) / S(m); (2) the shipped conditioning, which reweights the fit's parameter
vectors by their chance of lasting m months and draws the war's own tempo and premium
afresh; (3) a joint conditioning, which also keeps, within each vector, only the tempo and
premium draws of the simulated wars that lasted m months. ``--draws`` draws each (20,000 by
default here).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

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


def _joint_fitted_defaults(
    given: dict[str, Any],
    draws: int,
    rng: np.random.Generator,
    *,
    major_powers: str = "none",
    states: int = 2,
    months_fought: int = 0,
    nominal: dict[str, float] | None = None,
    matrix: Any = None,
) -> dict[str, np.ndarray]:
    """``guaranty.war.fitted_defaults`` with the joint conditioning of ``--conditioning``: a
    parameter vector drawn as shipped (its weight times its chance of lasting
    ``months_fought`` months), then the war's tempo shock and premium draw taken from one of
    that vector's simulated wars that lasted that long (afresh if none did)."""
    from guaranty.warfit import war_fit

    fit = war_fit()
    key = tuple(sorted((nominal or {}).items()))  # the shipped conditioning's simulations
    keep, z_all, u_all, alive = war._survival_runs(months_fought, major_powers, states, key)
    n = alive.shape[1]
    count = alive.sum(axis=1)
    weights = np.zeros(fit.weights.size)
    weights[keep] = fit.weights[keep] * (count + 0.5) / (n + 1.0)
    idx = rng.choice(weights.size, size=draws, p=weights / weights.sum())
    row = np.full(fit.weights.size, -1)
    row[keep] = np.arange(keep.size)
    z, u, pick = rng.standard_normal(draws), rng.random(draws), rng.random(draws)
    for d in range(draws):
        r = row[idx[d]]
        if r >= 0 and count[r] > 0:
            j = np.flatnonzero(alive[r])[int(pick[d] * count[r])]
            z[d], u[d] = z_all[r * n + j], u_all[r * n + j]
    th_d = {k: v[idx] for k, v in fit.theta.items()}
    return war._from_theta(th_d, z, u, given, major_powers, states)


#: how far on ``--conditioning`` reads the chance that the war is still fought (months)
AHEAD = (6, 20)


def conditioning_rows(path: Path, months: list[int], draws: int) -> list[dict[str, Any]]:
    """For each number of months fought m: P(still fought :data:`AHEAD` months on) in the
    UCDP record (``record``, :func:`guaranty.war.duration_reference`), from one run of a war
    that starts with the scenario's inputs (``own``, S(m + k) / S(m)), under the shipped
    conditioning (``shipped``) and under the joint one (``joint``), each a list over
    :data:`AHEAD`; the war's inputs fixed at their nominal values."""
    from guaranty.scenario.schema import Fixed

    scenario = load(path)
    settings = scenario.war
    if settings is None:
        raise SystemExit(f"{path}: the scenario has no war")
    fixed = {
        k: q if isinstance(q, Fixed) else Fixed(value=float(q.nominal), source=q.source)
        for k, q in settings.parameters.items()
    }
    horizon = max(settings.horizon, max(months) + AHEAD[-1])  # the scenario's, or longer
    base = settings.model_copy(update={"parameters": fixed, "months_fought": 0, "horizon": horizon})
    start = run_war(scenario.model_copy(update={"war": base}), draws=draws, seed=1)
    shipped = war.fitted_defaults
    rows = []
    for m in months:
        row: dict[str, Any] = {
            "months": m,
            "record": [war.duration_reference(m, m + k)["share"] for k in AHEAD],
            "own": [start.p_fighting_after(m + k) / start.p_fighting_after(m) for k in AHEAD],
        }
        fought = scenario.model_copy(update={"war": base.model_copy(update={"months_fought": m})})
        for label, variant in (("shipped", shipped), ("joint", _joint_fitted_defaults)):
            war.fitted_defaults = variant  # type: ignore[assignment]
            try:
                w = run_war(fought, draws=draws, seed=2)
            finally:
                war.fitted_defaults = shipped
            row[label] = [w.p_fighting_after(k) for k in AHEAD]
        rows.append(row)
    return rows


def conditioning(path: Path, months: list[int], draws: int) -> int:
    """Print :func:`conditioning_rows` as the table of docs/models/war.md."""
    rows = conditioning_rows(path, months, draws)
    print(f"{path.name}: the war's inputs at their nominal values, {draws:,} draws each")
    print(
        "| months fought | P(still fought 6 / 20 months on): UCDP record | one run, "
        "S(m+k)/S(m) | shipped conditioning | joint conditioning |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        keys = ("record", "own", "shipped", "joint")
        cells = [" / ".join(f"{v:.3f}" for v in r[k]) for k in keys]
        print(f"| {r['months']} | " + " | ".join(cells) + " |")
    return 0


def main(argv: list[str]) -> int:
    months = _option(argv, "--conditioning")
    draws = int(_option(argv, "--draws") or (20000 if months is not None else 4000))
    if months is not None:
        path = Path(argv[0]) if argv else ROOT / "scenarios" / "ukraine-2022.yaml"
        return conditioning(path, [int(v) for v in months.split(",")], draws)
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
