"""Global sensitivity of the pipeline's outputs: Sobol indices from a Saltelli design.

Every uncertain input of the chain from the war to the peace is a **factor**: each
negotiation actor's positions, saliences and capability (one group per actor), each war
parameter the scenario gives a distribution, the draw of the war's calibration to the COW
wars and this war's tempo and premium around it, the posterior draws of the credibility,
deterrence and durability fits (one joint factor each), the persistence of resolve and the
common shock, the circumstances today and tomorrow, the stated priors of obligations with
no history, each design's years to effect and level — and **chance**, the model's own
randomness (the battles, the negotiation's noise, who fights in the end). Model defaults
enter with the range the data or the docs state for them (the fits' posteriors, the stated
priors); an input the scenario fixes is not a factor.

The design is Saltelli's (2010): two independent quasi-random matrices A and B of quantiles
(scrambled Sobol' points, ``SALib.sample.sobol``), and for each factor a matrix AB_g with
that factor's columns from B. Each matrix is run through the whole pipeline
(:func:`guaranty.montecarlo.simulate_design`), A and every AB_g on the same
stream of chance, B on another, and the AB_g of chance with A's inputs and B's chance, so
that every factor, chance included, is swapped alone. ``SALib.analyze.sobol`` gives the
first-order (S1: the share of the output's variance the factor explains alone) and total
(ST: alone and in interaction) indices, with bootstrap 95% intervals.

The settlement's outputs are computed in every draw as if the peace held (the pipeline
without the peace mask), so that an output's variance is the variance of the quantity, not
of whether it exists; a claim's ``given`` condition is therefore not applied here.

Additivity: for independent factors the first-order indices sum to 1 less the share of the
interactions, which ``sum(ST) - sum(S1)`` estimates. An output is called **additive** when
that estimate is under :data:`ADDITIVE` (0.1); for an additive output the sum of S1 must lie
within 0.1 of 1 (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from guaranty.errors import ParameterError

__all__ = [
    "ADDITIVE",
    "CHANCE",
    "SobolResult",
    "analyze_sobol",
    "chance_stream",
    "design_method",
    "factors",
    "groups_of",
    "sobol",
    "sobol_problem",
]

#: The factor of the model's own randomness.
CHANCE = "chance (the model's own randomness)"
#: An output is additive when sum(ST) - sum(S1) is under this.
ADDITIVE = 0.1
#: the bootstrap's seed when the design's seed is 0 (which SALib would take as no seed)
BOOT_SEED_0 = 2**32


def design_method(design: str) -> str:
    """What a sweep's ``design`` ("sobol", "morris" or "grid") computes, in one sentence
    with its source: the method line of a sweep's and a claim's sensitivity report."""
    return {
        "sobol": "Saltelli (2010) design, SALib 1.6: first-order and total Sobol indices "
        "(s1, st) with bootstrap 95% half-widths (s1_conf, st_conf)",
        "morris": "Morris (1991) trajectories over 4 levels (quantiles 1/8 .. 7/8), SALib "
        "1.6: mu* (mean absolute elementary effect) with its bootstrap 95% half-width, mu "
        "and sigma; chance held fixed along each trajectory",
        "grid": "one factor at a time at n levels (quantiles (l + 1/2) / n), the others at "
        "their medians, chance held fixed per factor: the output's range over the levels "
        "and its values at the lowest and highest level (main effects, no variance shares)",
    }[design]


def groups_of(names: tuple[str, ...]) -> list[str]:
    """The factor (group) of each input name: a negotiation actor's positions, saliences and
    capability form one group ("negotiation: ACTOR"); every other input is its own."""
    out = []
    for name in names:
        group = name
        for prefix in ("position of ", "salience of ", "capability of "):
            if name.startswith(prefix):
                group = "negotiation: " + name[len(prefix) :].split(" on ")[0]
        out.append(group)
    return out


def factors(scenario: Any) -> tuple[str, ...]:
    """The names of the scenario's uncertain inputs, in the order the pipeline draws them."""
    from guaranty.montecarlo import input_factors

    return input_factors(scenario)


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of several outputs over the same factors.

    ``factors``: the factor names (groups, chance last), shape (g,); ``indices``: output ->
    {"S1", "S1_conf", "ST", "ST_conf"} -> array of shape (g,) (the ``_conf`` arrays are the
    half-widths of bootstrap 95% intervals); ``n``: base samples; ``evaluations``: draws of
    the pipeline run; ``variance``: output -> its variance over the A and B draws."""

    factors: tuple[str, ...]
    n: int
    seed: int
    evaluations: int
    indices: dict[str, dict[str, np.ndarray]]
    variance: dict[str, float]

    def rows(self, output: str, top: int | None = None) -> list[dict[str, Any]]:
        """The factors of ``output`` by decreasing total index: input, s1, st, s1_conf,
        st_conf (rounded to 4 decimals); empty if the output does not vary."""
        got = self.indices.get(output)
        if got is None:
            return []
        order = np.argsort(-got["ST"], kind="stable")
        rows = [
            {
                "input": self.factors[k],
                "s1": round(float(got["S1"][k]), 4),
                "st": round(float(got["ST"][k]), 4),
                "s1_conf": round(float(got["S1_conf"][k]), 4),
                "st_conf": round(float(got["ST_conf"][k]), 4),
            }
            for k in order
        ]
        return rows[:top] if top is not None else rows

    def sums(self, output: str) -> dict[str, Any] | None:
        """sum of S1, sum of ST, the interaction share sum(ST) - sum(S1), and whether the
        output is additive (:data:`ADDITIVE`); None if the output does not vary."""
        got = self.indices.get(output)
        if got is None:
            return None
        s1, st = float(np.sum(got["S1"])), float(np.sum(got["ST"]))
        return {
            "sum_s1": round(s1, 4),
            "sum_st": round(st, 4),
            "interactions": round(st - s1, 4),
            "additive": bool(st - s1 < ADDITIVE),
        }


def sobol_problem(
    scenario: Any, only: Sequence[str] | None = None
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The input names of the scenario's factors (those of the groups ``only``, if given)
    and SALib's problem over them and chance: every input a column of quantiles in [0, 1],
    grouped by :func:`groups_of`, chance the last group (a column of its own)."""
    names = factors(scenario)
    if only is not None:
        unknown = sorted(set(only) - set(groups_of(names)))
        if unknown:
            raise ParameterError(f"no factor {unknown[0]!r} in the scenario")
        names = tuple(nm for nm, g in zip(names, groups_of(names), strict=True) if g in only)
    groups = [*groups_of(names), CHANCE]
    problem = {
        "num_vars": len(groups),
        "names": [*names, CHANCE],
        "bounds": [[0.0, 1.0]] * len(groups),
        "groups": groups,
    }
    return names, problem


def chance_stream(t: int, order: Sequence[str]) -> int:
    """The stream of chance (0: A's, 1: B's) of matrix ``t`` of a Saltelli design over the
    groups ``order`` (rows ``t::len(order) + 2`` of SALib's sample: A, every AB_g, B): A's
    for A and for every AB_g but chance's, B's for B and for AB_chance."""
    step = len(order) + 2
    return int(t == step - 1 or (0 < t < step - 1 and order[t - 1] == CHANCE))


def analyze_sobol(
    problem: Mapping[str, Any],
    ys: Mapping[str, np.ndarray],
    n: int,
    *,
    seed: int = 0,
    resamples: int = 200,
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, float]]:
    """S1, ST and their bootstrap 95% half-widths (``SALib.analyze.sobol``, the bootstrap
    seeded with ``seed``, or :data:`BOOT_SEED_0` for 0) of each output
    (name -> values at the points of a Saltelli design of ``n`` base samples over
    ``problem``, in SALib's row order, shape (n (g + 2),)), and each output's variance
    over the A and B rows. An output that does not vary, or has a missing value, is left
    out of both."""
    from SALib.analyze import sobol as analyze

    step = len(dict.fromkeys(problem["groups"])) + 2
    indices: dict[str, dict[str, np.ndarray]] = {}
    variance: dict[str, float] = {}
    ab = np.r_[0 : n * step : step, step - 1 : n * step : step]
    # SALib seeds its bootstrap only with a seed that is true, and draws from numpy's
    # global state otherwise: seed 0 takes BOOT_SEED_0 instead, so every interval is seeded
    boot = seed if seed else BOOT_SEED_0
    for key, y in ys.items():
        y = np.asarray(y, dtype=float)
        if np.isnan(y).any() or np.var(y[ab]) == 0:
            continue  # missing somewhere, or constant over A and B: nothing to apportion
        variance[key] = float(np.var(y[ab]))
        got = analyze.analyze(
            dict(problem), y, calc_second_order=False, num_resamples=resamples, seed=boot
        )
        indices[key] = {k: np.nan_to_num(np.asarray(got[k], dtype=float)) for k in got}
    return indices, variance


def sobol(
    scenario: Any,
    outputs: Callable[[Any], Mapping[str, np.ndarray]],
    *,
    n: int = 256,
    seed: int = 0,
    resamples: int = 200,
    only: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SobolResult:
    """Sobol indices of ``outputs(run)`` (name -> per-draw values, shape (draws,), for a
    :class:`guaranty.results.RunResult` of the pipeline without the peace mask) over
    every factor of ``scenario`` (module docstring).

    ``n``: base samples (a power of 2; the pipeline runs n (g + 2) draws for g factors);
    ``seed`` fixes the quasi-random points, the bootstrap and the streams of chance;
    ``only``: analyse just these factors (group names), every other input joins chance;
    ``progress(done, total)`` after each matrix. An output that does not vary, or has a
    missing value, gets no indices."""
    from SALib.sample import sobol as sample

    from guaranty.montecarlo import RunResult, layout, simulate_design
    from guaranty.scenario.design_matrix import DesignMatrix

    if n < 2 or n & (n - 1):
        raise ParameterError(f"n must be a power of 2 (at least 2); got {n}")
    names, problem = sobol_problem(scenario, only)
    order = list(dict.fromkeys(problem["groups"]))
    x = sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    step = len(order) + 2
    lay = layout(scenario)
    ys: dict[str, np.ndarray] = {}
    for t in range(step):
        u = x[t::step]
        matrix = DesignMatrix({name: u[:, k] for k, name in enumerate(names)})
        block = simulate_design(
            scenario, matrix, n, seed=seed, stream=chance_stream(t, order), lay=lay
        )
        run = RunResult.from_blocks(scenario.name, seed, lay, [block])
        for key, y in outputs(run).items():
            col = ys.setdefault(key, np.full(n * step, np.nan))
            col[t::step] = np.asarray(y, dtype=float)
        if progress is not None:
            progress(t + 1, step)
    indices, variance = analyze_sobol(problem, ys, n, seed=seed, resamples=resamples)
    return SobolResult(
        factors=tuple(order),
        n=n,
        seed=seed,
        evaluations=n * step,
        indices=indices,
        variance=variance,
    )
