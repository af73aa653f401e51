#!/usr/bin/env python3
"""Print how far each war input moves the Ukraine scenario's outcome shares over its own
stated 90% range (the table in docs/models/war.md).

Usage: python scripts/war_sensitivity.py [SCENARIO] [--draws N]
       python scripts/war_sensitivity.py [SCENARIO] --survival-seeds 0,1,2 [--survival-draws K]
       python scripts/war_sensitivity.py [SCENARIO] --conditioning 2,4,8 [--draws N]
       python scripts/war_sensitivity.py [SCENARIO] --losses 8,25,12,35 \
           [--mobilisation 10,30] [--draws N]
       python scripts/war_sensitivity.py [SCENARIO] --forces-as-fit [--draws N]

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

``--losses A_LOW,A_HIGH,B_LOW,B_HIGH`` prints what conditioning on the losses of the months
fought does (docs/models/war.md, "What the war's losses say about its tempo"): the outcome
shares, this war's attrition sqrt(alpha beta) and balance log(beta / alpha) as drawn, and
P(still fought 20 months on), for the scenario as it is, with ``war.observed_losses`` set to
those 90% ranges (thousand a month; A the protected state, B the aggressor), and with both
sides' monthly replenishment (``mobilisation_a``, ``mobilisation_b``) stated as uniform over
``--mobilisation LOW,HIGH`` as well. ``--draws`` draws each (20,000 by default here).

``--forces-as-fit`` prints the outcome shares with the two sides' forces as the scenario
states them and split as the fit to the COW wars reads a war's forces: the aggressor's over
the protected state's is their capability ratio (the scenario's nominal capabilities of the
two states its ``credibility`` section names) raised to the fit's ``force_exponent``, drawn
with the rest of the fit, the total kept (docs/models/war.md, "Forces as stated or as the
fit reads them"). ``--draws`` draws each (20,000 by default here).
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
    observation: Any = None,
    matrix: Any = None,
    capability_ratio: float | None = None,
) -> dict[str, np.ndarray]:
    """``guaranty.war.fitted_defaults`` with the joint conditioning of ``--conditioning``: a
    parameter vector drawn as shipped (its weight times its chance of lasting
    ``months_fought`` months), then the war's tempo shock and premium draw taken from one of
    that vector's simulated wars that lasted that long (afresh if none did). Not defined
    with observed losses (``observation``) or forces split by a ``capability_ratio``."""
    from guaranty.warfit import war_fit

    if observation is not None:
        raise SystemExit("--conditioning: the joint conditioning takes no observed losses")
    if capability_ratio is not None:
        raise SystemExit("--conditioning: the joint conditioning takes the forces as stated")

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


def losses_rows(
    path: Path, ranges: list[float], mobilisation: list[float] | None, draws: int
) -> list[dict[str, Any]]:
    """The rows of ``--losses``: (label, the outcome shares, the 5th, 50th and 95th
    percentiles of the drawn attrition sqrt(alpha beta), the median balance
    log(beta / alpha), P(still fought :data:`AHEAD`\\[-1] months on))."""
    from guaranty.scenario.quantities import Uniform
    from guaranty.scenario.settings import LossRange, ObservedLosses

    scenario = load(path)
    settings = scenario.war
    if settings is None or settings.months_fought < 1:
        raise SystemExit(f"{path}: --losses needs a war with months_fought of at least 1")
    a_lo, a_hi, b_lo, b_hi = ranges
    note = "--losses of scripts/war_sensitivity.py"
    observed = ObservedLosses(
        a=LossRange(low=a_lo, high=a_hi, source=note),
        b=LossRange(low=b_lo, high=b_hi, source=note),
    )
    variants = [
        ("as given", settings),
        ("losses observed", settings.model_copy(update={"observed_losses": observed})),
    ]
    if mobilisation is not None:
        lo, hi = mobilisation
        stated = Uniform(dist="uniform", low=lo, high=hi, source=note)
        params = {**settings.parameters, "mobilisation_a": stated, "mobilisation_b": stated}
        variants.append(
            (
                f"losses observed, replenishment {lo:g}-{hi:g} a month each",
                settings.model_copy(update={"observed_losses": observed, "parameters": params}),
            )
        )
    obs = war.loss_observation(scenario.model_copy(update={"war": variants[1][1]}))
    assert obs is not None
    # the observation alone on sqrt(alpha beta): the mean of the two log rates, its sd
    log_g, sd_g = (obs[0] + obs[2]) / 2.0, np.sqrt(obs[1] + obs[3]) / 2.0
    observed = [float(np.exp(log_g + k * war._Z95 * sd_g)) for k in (-1, 0, 1)]
    floor = observed[0]
    rows = []
    for label, variant in variants:
        w = run_war(scenario.model_copy(update={"war": variant}), draws=draws, seed=0)
        out, end = w.result.outcome, w.result.end_month
        g = np.sqrt(w.params["alpha"] * w.params["beta"])
        late = (end > AHEAD[-1]) | (out == OUTCOMES.index("ongoing"))
        rows.append(
            {
                "label": label,
                "shares": w.shares(),
                "attrition": [float(q) for q in np.quantile(g, [0.05, 0.5, 0.95])],
                "balance": float(np.median(np.log(w.params["beta"] / w.params["alpha"]))),
                "ongoing_later": w.p_fighting_after(AHEAD[-1]),
                "late_attrition": float(np.median(g[late])) if late.any() else float("nan"),
                "late_below": float((g[late] < floor).mean()) if late.any() else float("nan"),
                "floor": floor,
                "observed": observed,
            }
        )
    return rows


def losses(path: Path, ranges: list[float], mobilisation: list[float] | None, draws: int) -> int:
    """Print :func:`losses_rows` as the table of docs/models/war.md."""
    rows = losses_rows(path, ranges, mobilisation, draws)
    months = load(path).war.months_fought  # type: ignore[union-attr]
    record = war.duration_reference(months, months + AHEAD[-1])["share"]
    print(
        f"{path.name}: {draws:,} draws each (seed 0); "
        f"UCDP record {AHEAD[-1]} months on: {record:.3f}"
    )
    print(
        "| war | " + " | ".join(OUTCOMES) + " | attrition sqrt(alpha beta), median [90%] "
        f"| balance log(beta/alpha), median | P(still fought {AHEAD[-1]} months on) |"
    )
    print("|---|" + "---|" * (len(OUTCOMES) + 3))
    for r in rows:
        lo, mid, hi = r["attrition"]
        shares = " | ".join(f"{r['shares'][o]:.3f}" for o in OUTCOMES)
        print(
            f"| {r['label']} | {shares} | {mid:.3f} [{lo:.3f}, {hi:.3f}] | "
            f"{r['balance']:+.2f} | {r['ongoing_later']:.3f} |"
        )
    o_lo, o_mid, o_hi = rows[0]["observed"]
    print(
        f"The losses alone put sqrt(alpha beta) at {o_mid:.3f} [{o_lo:.3f}, {o_hi:.3f}] (90%, "
        "measurement only)."
    )
    for r in rows:
        print(
            f"{r['label']}: of the draws still fought {AHEAD[-1]} months on, median attrition "
            f"{r['late_attrition']:.3f}; {100 * r['late_below']:.1f}% below {r['floor']:.3f}"
        )
    return 0


def capability_ratio(path: Path) -> float:
    """The aggressor's material capabilities over the protected state's, as the scenario
    states them (its ``credibility`` section names the two; their nominal capabilities)."""
    scenario = load(path)
    cred = scenario.credibility
    if cred is None:
        raise SystemExit(f"{path}: --forces-as-fit needs a credibility section naming the sides")
    agg = scenario.actor(cred.aggressor).capability_value.nominal
    prot = scenario.actor(cred.protected).capability_value.nominal
    return float(agg) / float(prot)


def forces_rows(path: Path, draws: int) -> tuple[float, list[dict[str, Any]]]:
    r"""The rows of ``--forces-as-fit``: the war with the forces as the scenario states them
    and split as the fit reads them (:func:`guaranty.war.forces_as_fitted`, the scenario's
    capability ratio): (label, outcome shares, median forces, P(still fought
    :data:`AHEAD`\[-1] months on)); and the ratio."""
    scenario = load(path)
    ratio = capability_ratio(path)
    rows = []
    for label, r in (("forces as stated", None), ("forces as the fit reads them", ratio)):
        w = run_war(scenario, draws=draws, seed=0, capability_ratio=r)
        rows.append(
            {
                "label": label,
                "shares": w.shares(),
                "force_a": float(np.median(w.params["force_a"])),
                "force_b": float(np.median(w.params["force_b"])),
                "ongoing_later": w.p_fighting_after(AHEAD[-1]),
            }
        )
    return ratio, rows


def forces(path: Path, draws: int) -> int:
    """Print :func:`forces_rows` as the table of docs/models/war.md."""
    ratio, rows = forces_rows(path, draws)
    print(
        f"{path.name}: {draws:,} draws each (seed 0); the aggressor's capabilities over the "
        f"protected state's: {ratio:.3f}"
    )
    print(
        "| forces | force_a, median | force_b, median | "
        + " | ".join(OUTCOMES)
        + f" | P(still fought {AHEAD[-1]} months on) |"
    )
    print("|---|---|---|" + "---|" * (len(OUTCOMES) + 1))
    for r in rows:
        shares = " | ".join(f"{r['shares'][o]:.3f}" for o in OUTCOMES)
        print(
            f"| {r['label']} | {r['force_a']:.0f} | {r['force_b']:.0f} | {shares} | "
            f"{r['ongoing_later']:.3f} |"
        )
    return 0


def main(argv: list[str]) -> int:
    if {"-h", "--help"} & set(argv):
        print(__doc__)
        return 0
    observed = _option(argv, "--losses")
    if observed is not None:
        mob = _option(argv, "--mobilisation")
        draws = int(_option(argv, "--draws") or 20000)
        path = Path(argv[0]) if argv else ROOT / "scenarios" / "ukraine-2022.yaml"
        return losses(
            path,
            [float(v) for v in observed.split(",")],
            None if mob is None else [float(v) for v in mob.split(",")],
            draws,
        )
    if "--forces-as-fit" in argv:
        rest = [a for a in argv if a != "--forces-as-fit"]
        draws = int(_option(rest, "--draws") or 20000)
        path = Path(rest[0]) if rest and not rest[0].startswith("--") else None
        return forces(path or ROOT / "scenarios" / "ukraine-2022.yaml", draws)
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
