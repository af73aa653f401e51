"""The chain from the battlefield to a lasting peace, one draw at a time (``docs/pipeline.md``).

One draw:

1. the scenario's uncertain inputs are drawn (positions, saliences, capabilities; the war's
   parameters; the credibility model's coefficients and circumstances; the deterrence
   inputs; the designs' levels and years to take effect);
2. **war** (:mod:`guaranty.models.war`): how it ends (settlement, a decisive win of either
   side, a ceasefire that leaves the issues open, or still fighting at the horizon), when,
   where the line runs, and the forces left on each side;
3. **capabilities after the war**: the protected state's and the aggressor's capabilities
   are scaled by the share of their initial forces they have left;
4. **negotiation** over the scenario's issues with those capabilities (the scenario's
   ``pipeline.model``, by default :data:`DEFAULT_MODEL`, the best model of the DEU III
   backtest); on the territory issue the table only picks the line inside what both
   belligerents accept: after a settlement its term is the negotiation's forecast clipped
   to the war's bargaining range of that month (third parties move the terms through their
   weight at the table only as far as both belligerents would sign; outside the range the
   nearer end of the range holds), after a decisive win the winner's line;
5. the **settled guarantee level** (the forecast on the issue with role ``guarantee``) and
   the **design** whose level is nearest to it;
6. **credibility** of every design (:mod:`guaranty.credibility`: who fights, and
   **deterrence** of a renewed attack, estimated from history, with the two sides'
   capabilities after the war), and **durability** of the peace (:mod:`guaranty.comparison`);
   the settled design's values are those of the chosen design, and every design's values
   are kept as "what if" runs that impose it on the same draw.

A peace exists in a draw when the war ended in a settlement or in a decisive win of the
protected state; after a decisive win of the aggressor there is no state left to guarantee,
and a ceasefire (frozen) or a war still going on has no settled terms, so the settlement's
outputs are missing (NaN) in
those draws.

Randomness is defined per **block** of :data:`BLOCK` consecutive draws: block ``b`` of a run
with seed ``s`` draws everything from ``numpy.random.SeedSequence([s, b, component])``. A
block is always simulated whole (a run whose last block is partial keeps its first draws),
so draw ``i`` is a function of (scenario, seed, version, i) alone: the same whatever the
number of draws, the chunk size or the number of worker processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from guaranty.errors import ParameterError
from guaranty.models import registry
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.plan import BLOCK, DEFAULT_MODEL, blocks_of, model_params, settings
from guaranty.results import METRICS, BlockResult, Layout, RunResult
from guaranty.scenario.compile import sample_inputs
from guaranty.scenario.design_matrix import DesignMatrix, draw
from guaranty.scenario.schema import Fixed, IssueRole, PipelineSettings, Scenario
from guaranty.seeding import Stream, entropy, generator

__all__ = [
    "BLOCK",
    "DEFAULT_MODEL",
    "METRICS",
    "BlockResult",
    "Layout",
    "RunResult",
    "blocks_of",
    "input_factors",
    "layout",
    "lean",
    "settings",
    "simulate",
    "simulate_block",
    "simulate_design",
]

_SETTLEMENT, _DECISIVE_A = OUTCOMES.index("settlement"), OUTCOMES.index("decisive_a")


def _role_index(scenario: Scenario, role: IssueRole) -> int | None:
    return next((k for k, i in enumerate(scenario.issues) if i.role == role), None)


def _negotiation_inputs(scenario: Scenario, x: Any) -> dict[str, np.ndarray]:
    """The uncertain negotiation inputs of a draw, name -> array of shape (draws,)."""
    out: dict[str, np.ndarray] = {}
    for a, actor in enumerate(scenario.actors):
        if not isinstance(actor.capability_value, Fixed):
            out[f"capability of {actor.id}"] = x.capability[:, a, 0]
        for k, issue in enumerate(scenario.issues):
            entry = scenario.position(actor.id, issue.id)
            if entry is None:
                continue
            if not isinstance(entry.position, Fixed):
                out[f"position of {actor.id} on {issue.id}"] = x.positions[:, a, k]
            if not isinstance(entry.salience, Fixed):
                out[f"salience of {actor.id} on {issue.id}"] = x.salience[:, a, k]
    return out


def _simulate(
    scenario: Scenario,
    seed: int,
    block: int,
    n: int,
    s: PipelineSettings,
    *,
    matrix: DesignMatrix | None = None,
    mask: bool = True,
) -> tuple[BlockResult, tuple[str, ...]]:
    """Block ``block`` of ``n`` draws. ``matrix`` gives quantiles for named inputs (the
    generators are consumed alike with or without it); ``mask=False`` keeps the settlement's
    outputs in every draw, as if the peace held (global sensitivity analysis)."""
    from guaranty.comparison import compare_designs
    from guaranty.credibility import assess
    from guaranty.war import run_war

    where = [seed, block]

    cred_settings = scenario.credibility
    assert cred_settings is not None and s.model is not None  # checked by settings()
    # 1-2. inputs and the war
    x = sample_inputs(scenario, n, generator(where, Stream.INPUTS), matrix)
    war = run_war(scenario, draws=n, seed=entropy(where, Stream.WAR), matrix=matrix)
    r = war.result
    a0, b0 = war.initial_forces()
    force_a = r.forces[:, 0] / a0
    force_b = r.forces[:, 1] / b0
    peace = (r.outcome == _SETTLEMENT) | (r.outcome == _DECISIVE_A)
    held = peace if mask else np.ones(n, dtype=bool)
    # 3. capabilities after the war
    ids = list(x.actor_ids)
    cap = x.capability.copy()
    cap[:, ids.index(cred_settings.protected), :] *= force_a[:, None]
    agg = ids.index(cred_settings.aggressor)
    cap[:, agg, :] *= force_b[:, None]
    # 4. negotiation
    model = registry.create(s.model, **model_params(s))
    if matrix is not None:
        # in a design, a model parameter the data cannot pin varies over its stated range
        ranges = type(model).stated_ranges
        picked = {
            name: lo + u * (hi - lo)
            for name, (lo, hi, _) in sorted(ranges.items())
            if (u := matrix.get(f"negotiation model: {name} (stated range)", n)) is not None
        }
        if picked:
            model = model.per_draw(**picked)
    outcome = model.run(replace(x, capability=cap), generator(where, Stream.NEGOTIATION)).outcome
    settled = np.where(held[:, None], outcome, np.nan)
    t_issue = _role_index(scenario, IssueRole.territory)
    terms = r.terms
    if t_issue is not None:
        # the line is bargained at the table only within what both belligerents accept:
        # the negotiation's forecast clipped to the war's bargaining range of that month
        lo_t, hi_t = scenario.issues[t_issue].scale
        at_table = (outcome[:, t_issue] - lo_t) * (100.0 / (hi_t - lo_t))
        clipped = np.clip(at_table, r.range_low, r.range_high)
        terms = np.where(r.outcome == _SETTLEMENT, clipped, r.terms)
        # as if the peace held (no mask): a war without terms ends on the line it reached
        line = terms if mask else np.where(np.isnan(terms), r.front, terms)
        settled[:, t_issue] = np.where(held, lo_t + line * ((hi_t - lo_t) / 100.0), np.nan)
    # 5. the settled guarantee level and the nearest design on the ladder
    g_issue = _role_index(scenario, IssueRole.guarantee)
    rng_levels = generator(where, Stream.LEVELS)
    levels = np.full((len(scenario.guarantees), n), np.nan)
    if g_issue is not None:
        lo, hi = scenario.issues[g_issue].scale
        for k, d in enumerate(scenario.guarantees):
            if d.level is not None:
                levels[k] = draw(
                    d.level, n, rng_levels, lo, hi, name=f"level of {d.id}", matrix=matrix
                )
    level = settled[:, g_issue] if g_issue is not None else np.full(n, np.nan)
    has_level = ~np.isnan(levels).all(axis=0) & ~np.isnan(level)
    gap = np.abs(np.where(np.isnan(levels), np.inf, levels - level[None, :]))
    design = np.where(has_level, np.argmin(gap, axis=0), -1).astype(np.int16)
    # 6. credibility, deterrence and durability of every design, on the same draws
    # the two sides' capabilities after the war, as in the negotiation (the draw's own values)
    cap_a = cap[:, ids.index(cred_settings.protected), 0] if cred_settings.protected else None
    cap_b = cap[:, agg, 0]
    cred = assess(
        scenario,
        draws=n,
        seed=entropy(where, Stream.CREDIBILITY),
        inner=s.inner,
        aggressor_capability=cap_b,
        protected_capability=cap_a,
        matrix=matrix,
    )
    comp = compare_designs(
        scenario,
        cred,
        seed=entropy(where, Stream.DURABILITY),
        aggressor=cap_b,
        protected=cap_a if cap_a is not None else np.zeros(n),
        # read as COW reads a war's end: a settlement is a compromise (no decisive outcome)
        # settled by negotiation, a win of the protected state a decisive one (the peace
        # model's covariates; the draws without a peace are not scored)
        covariates={
            "treaty": (r.outcome == _SETTLEMENT).astype(float),
            "decisive": (r.outcome == _DECISIVE_A).astype(float),
        },
        matrix=matrix,
    )
    whatif: dict[str, np.ndarray] = {
        "p_any": np.array([d.p_any for d in cred.designs]),
        "p_all": np.array([d.p_all for d in cred.designs]),
        "expected_capability": np.array([d.expected_capability for d in cred.designs]),
        "max_p_honor": np.array(
            [d.p_honor.max(axis=1) if d.guarantors else np.full(n, np.nan) for d in cred.designs]
        ),
        "p_no_attack": comp.p_no_attack,
        "p_abandoned": comp.p_abandoned,
        "p_attack_window": comp.p_attack_window,
        "exposure_years": comp.exposure_years,
        "p_peace": comp.p_peace,
    }
    for k in ("p_no_attack", "p_attack_window", "p_peace", "p_abandoned"):
        whatif[k] = np.where(held[None, :], whatif[k], np.nan)
    inputs: dict[str, np.ndarray] = {}
    inputs.update(_negotiation_inputs(scenario, x))
    for name, values in sorted(war.params.items()):
        given = scenario.war.parameters.get(name)  # type: ignore[union-attr]
        if given is None or not isinstance(given, Fixed):  # fitted defaults vary too
            inputs[f"war: {name}"] = values
    inputs.update(cred.inputs)
    inputs.update(comp.inputs)
    for k, d in enumerate(scenario.guarantees):
        if d.level is not None and not isinstance(d.level, Fixed):
            inputs[f"level of {d.id}"] = levels[k]
    inputs = {k: np.asarray(v, dtype=float) for k, v in inputs.items() if np.ptp(v) > 0 or n < 2}
    names = tuple(inputs)
    matrix = np.stack([inputs[k] for k in names], axis=1) if names else np.zeros((n, 0))
    result = BlockResult(
        start=block * BLOCK,
        war_outcome=r.outcome.astype(np.int8),
        end_month=r.end_month.astype(np.int16),
        front=r.front,
        terms=terms,
        force_a=force_a,
        force_b=force_b,
        peace=peace,
        settled=settled,
        design=design,
        guarantee_level=np.where(has_level, level, np.nan),
        whatif={k: np.asarray(v, dtype=float) for k, v in whatif.items()},
        inputs=matrix,
        honor=_honor(cred.designs, n),
    )
    return result, names


def _honor(designs: Sequence[Any], n: int) -> np.ndarray:
    """Each guarantor's P(honor) under each design, shape (pairs, n) in the order of
    :func:`honor_pairs`."""
    rows = [d.p_honor.T for d in designs if d.guarantors]
    return np.concatenate(rows, axis=0).astype(float) if rows else np.zeros((0, n))


def honor_pairs(scenario: Scenario) -> tuple[tuple[str, str], ...]:
    """(design, guarantor) of every guarantor of every design, in scenario order."""
    return tuple((d.id, g) for d in scenario.guarantees for g in d.guarantors)


def layout(scenario: Scenario) -> Layout:
    """The axes of the scenario's run outputs (checks that it can run the pipeline)."""
    s = settings(scenario)
    uncertain = _input_names(scenario, s)
    return Layout(
        model=str(s.model),
        issues=tuple(i.id for i in scenario.issues),
        designs=tuple(d.id for d in scenario.guarantees),
        inputs=uncertain,
        guarantee_issue=_role_index(scenario, IssueRole.guarantee),
        territory_issue=_role_index(scenario, IssueRole.territory),
        pairs=honor_pairs(scenario),
    )


def _input_names(scenario: Scenario, s: PipelineSettings) -> tuple[str, ...]:
    # the names of the inputs that vary: read off a small simulation (cheap, deterministic)
    _, names = _simulate(scenario, 0, 0, 8, s)
    return names


def simulate_block(
    scenario: Scenario, seed: int, block: int, *, n: int = BLOCK, lay: Layout | None = None
) -> BlockResult:
    """Simulate block ``block`` of a run with seed ``seed`` and keep its first ``n`` draws.

    The whole block of :data:`BLOCK` draws is simulated, so the draws kept do not depend on
    ``n``. ``lay`` (from :func:`layout`) fixes the order of the input columns. The inputs,
    the "what if" metrics and P(honor) are kept to float32 precision (:func:`lean`): what
    the results store keeps of them, so a run in memory and a stored run are the same.
    """
    if not 1 <= n <= BLOCK:
        raise ParameterError(f"n must be in 1..{BLOCK}; got {n}")
    s = settings(scenario)
    lay = lay or layout(scenario)
    result, names = _simulate(scenario, seed, block, BLOCK, s)
    return lean(arrange(result, names, lay).head(n))


def _f32(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(float)


def lean(result: BlockResult) -> BlockResult:
    """``result`` with its inputs (shape (n, inputs)), "what if" metrics (each (designs,
    n)) and P(honor) ((pairs, n)) rounded to float32 (a relative error below 6e-8, far
    below what any figure, share or verdict of a report can show; docs/store.md): the
    lean store keeps them as REAL, at half the bytes. Still float64 arrays."""
    return replace(
        result,
        inputs=_f32(result.inputs),
        honor=_f32(result.honor),
        whatif={k: _f32(v) for k, v in result.whatif.items()},
    )


def simulate_design(
    scenario: Scenario,
    matrix: DesignMatrix,
    n: int,
    *,
    seed: int = 0,
    stream: int = 0,
    mask: bool = False,
    lay: Layout | None = None,
) -> BlockResult:
    """``n`` draws with the inputs the design ``matrix`` names at its quantiles (every other
    randomness from the streams of (``seed``, ``stream``)), the input columns in the layout's
    order; ``mask=False`` keeps the settlement's outputs in every draw, as if the peace held
    (global sensitivity analysis, :mod:`guaranty.sensitivity`)."""
    lay = lay or layout(scenario)
    result, names = _simulate(
        scenario, seed, stream, n, settings(scenario), matrix=matrix, mask=mask
    )
    return arrange(result, names, lay)


def input_factors(scenario: Scenario) -> tuple[str, ...]:
    """The names of the scenario's uncertain inputs as a design matrix sees them, in the
    order the pipeline draws them."""
    rec = DesignMatrix.recorder()
    _simulate(scenario, 0, 0, 8, settings(scenario), matrix=rec)
    return tuple(rec.asked)


def arrange(result: BlockResult, names: Sequence[str], lay: Layout) -> BlockResult:
    """``result`` with its input columns (named ``names``) in the layout's order (NaN for an
    input that did not vary in this block)."""
    index = {name: k for k, name in enumerate(names)}
    rows = result.inputs.shape[0]
    cols = [
        result.inputs[:, index[name]] if name in index else np.full(rows, np.nan)
        for name in lay.inputs
    ]
    return replace(result, inputs=np.stack(cols, axis=1) if cols else np.zeros((rows, 0)))


def simulate(
    scenario: Scenario,
    *,
    draws: int,
    seed: int = 0,
    progress: Any = None,
) -> RunResult:
    """Run ``draws`` draws in this process (no store); ``progress(k)`` after k more draws."""
    lay = layout(scenario)
    parts = []
    for b, n in blocks_of(draws):
        parts.append(simulate_block(scenario, seed, b, n=n, lay=lay))
        if progress is not None:
            progress(n)
    return RunResult.from_blocks(scenario.name, seed, lay, parts)
