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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from guaranty.errors import ScenarioError
from guaranty.models import registry
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.scenario.compile import sample_inputs
from guaranty.scenario.design_matrix import DesignMatrix, draw
from guaranty.scenario.schema import Fixed, IssueRole, PipelineSettings, Scenario

__all__ = [
    "BLOCK",
    "DEFAULT_MODEL",
    "METRICS",
    "BlockResult",
    "Layout",
    "RunResult",
    "input_factors",
    "layout",
    "simulate",
    "simulate_block",
    "simulate_design",
]

#: draws per block, the unit of randomness (see the module docstring)
BLOCK = 1000

#: the negotiation model of the settlement unless the scenario names one: the model with the
#: lowest mean absolute error on the DEU III development issues (20.64 against compromise's
#: 21.82; docs/backtest.md), checked by tests/test_montecarlo.py
DEFAULT_MODEL = "extremity"

#: per-design outputs of the "what if" runs, each of shape (designs, draws)
METRICS = (
    "p_any",
    "p_all",
    "expected_capability",
    "max_p_honor",
    "p_no_attack",
    "p_abandoned",
    "p_attack_window",
    "exposure_years",
    "p_peace",
)

_SETTLEMENT, _DECISIVE_A, _DECISIVE_B, _FROZEN, _ONGOING = (
    OUTCOMES.index(n) for n in ("settlement", "decisive_a", "decisive_b", "frozen", "ongoing")
)


@dataclass(frozen=True)
class Layout:
    """The axes of a run's outputs: issue, design and input names, and the model."""

    model: str
    issues: tuple[str, ...]
    designs: tuple[str, ...]
    inputs: tuple[str, ...]
    guarantee_issue: int | None  # index of the issue with role 'guarantee'
    territory_issue: int | None  # index of the issue with role 'territory'


@dataclass(frozen=True)
class BlockResult:
    """The outputs of draws ``start`` .. ``start + n - 1``.

    Attributes
    ----------
    war_outcome : int8 array of shape (n,), codes of :data:`OUTCOMES`
    end_month, front, terms : arrays of shape (n,), the month the fighting stopped, the final
        line and the agreed line on the war's 0-100 territory scale: after a settlement the
        negotiation's forecast clipped to the war's bargaining range, 100 or 0 after a
        decisive win, NaN after a ceasefire (frozen) or while still fighting
    force_a, force_b : arrays of shape (n,), each side's forces at the end as a share of its
        initial forces
    peace : bool array of shape (n,), a settlement or a decisive win of the protected state
    settled : array of shape (n, issues), the settled terms (NaN without a peace)
    design : int16 array of shape (n,), index of the settled design (-1: none)
    guarantee_level : array of shape (n,), the settled guarantee level (NaN: none)
    whatif : metric -> array of shape (designs, n), each design imposed (:data:`METRICS`)
    inputs : array of shape (n, inputs), the uncertain inputs in :attr:`Layout.inputs` order
    """

    start: int
    war_outcome: np.ndarray
    end_month: np.ndarray
    front: np.ndarray
    terms: np.ndarray
    force_a: np.ndarray
    force_b: np.ndarray
    peace: np.ndarray
    settled: np.ndarray
    design: np.ndarray
    guarantee_level: np.ndarray
    whatif: dict[str, np.ndarray]
    inputs: np.ndarray

    @property
    def n(self) -> int:
        return int(self.war_outcome.shape[0])

    def head(self, n: int) -> BlockResult:
        """The first ``n`` draws."""
        return replace(self, **_take(self, slice(0, n)))


#: the per-draw arrays of BlockResult and RunResult (draws on axis 0; ``whatif`` on axis 1)
_PER_DRAW = (
    "war_outcome",
    "end_month",
    "front",
    "terms",
    "force_a",
    "force_b",
    "peace",
    "settled",
    "design",
    "guarantee_level",
    "inputs",
)


def _take(result: Any, index: slice | np.ndarray, *, inputs: bool = True) -> dict[str, Any]:
    """The per-draw fields of ``result`` at ``index`` (a slice or a bool mask over draws);
    without ``inputs`` the input columns come back empty (quicker, for outputs only)."""
    out: dict[str, Any] = {
        name: getattr(result, name)[index] for name in _PER_DRAW if inputs or name != "inputs"
    }
    if not inputs:
        out["inputs"] = result.inputs[:0]
    out["whatif"] = {k: v[:, index] for k, v in result.whatif.items()}
    return out


def settings(scenario: Scenario) -> PipelineSettings:
    """The scenario's pipeline settings, checked: it needs a war, credibility and designs."""
    missing = [
        name
        for name, ok in (
            ("war", scenario.war is not None),
            ("credibility", scenario.credibility is not None),
            ("guarantees", bool(scenario.guarantees)),
        )
        if not ok
    ]
    if missing:
        raise ScenarioError(
            f"the pipeline needs the scenario's {', '.join(repr(m) for m in missing)} "
            "section(s): the war, the credibility of the guarantors and at least one guarantee "
            "design; see docs/scenario-format.md",
            field=missing[0],
        )
    s = scenario.pipeline or PipelineSettings()
    model = s.model or DEFAULT_MODEL
    if model not in registry.available():
        raise ScenarioError(
            f"unknown negotiation model {model!r}; expected one of: "
            f"{', '.join(registry.available())}",
            field=("pipeline", "model"),
        )
    return s.model_copy(update={"model": model})


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

    def entropy(k: int) -> list[int]:
        return [seed, block, k]

    cred_settings = scenario.credibility
    assert cred_settings is not None and s.model is not None  # checked by settings()
    # 1-2. inputs and the war
    x = sample_inputs(
        scenario, n, np.random.default_rng(np.random.SeedSequence(entropy(0))), matrix
    )
    war = run_war(scenario, draws=n, seed=entropy(1), matrix=matrix)
    r = war.result
    a0, b0 = war.initial_forces()
    force_a = r.forces[:, 0] / a0
    force_b = r.forces[:, 1] / b0
    peace = (r.outcome == _SETTLEMENT) | (r.outcome == _DECISIVE_A)
    held = peace if mask else np.ones(n, dtype=bool)
    # 3. capabilities after the war
    ids = list(x.actor_ids)
    cap = x.capability.copy()
    if cred_settings.protected is not None:
        cap[:, ids.index(cred_settings.protected), :] *= force_a[:, None]
    agg = ids.index(cred_settings.aggressor)
    cap[:, agg, :] *= force_b[:, None]
    # 4. negotiation
    model = registry.create(s.model)
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
    outcome = model.run(
        replace(x, capability=cap), np.random.default_rng(np.random.SeedSequence(entropy(2)))
    ).outcome
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
    rng_levels = np.random.default_rng(np.random.SeedSequence(entropy(3)))
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
        seed=entropy(4),
        inner=s.inner,
        aggressor_capability=cap_b,
        protected_capability=cap_a,
        matrix=matrix,
    )
    comp = compare_designs(
        scenario,
        cred,
        seed=entropy(5),
        aggressor=cap_b,
        protected=cap_a if cap_a is not None else np.zeros(n),
        covariates={
            "treaty": (r.outcome == _SETTLEMENT).astype(float),
            "victory": (r.outcome == _DECISIVE_A).astype(float),
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
    )
    return result, names


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
    ``n``. ``lay`` (from :func:`layout`) fixes the order of the input columns.
    """
    if not 1 <= n <= BLOCK:
        raise ValueError(f"n must be in 1..{BLOCK}; got {n}")
    s = settings(scenario)
    lay = lay or layout(scenario)
    result, names = _simulate(scenario, seed, block, BLOCK, s)
    return arrange(result, names, lay).head(n)


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


def blocks_of(draws: int) -> list[tuple[int, int]]:
    """The (block, draws kept) pairs of a run of ``draws`` draws."""
    if draws < 1:
        raise ValueError(f"draws must be a positive integer; got {draws}")
    return [(b, min(BLOCK, draws - b * BLOCK)) for b in range((draws + BLOCK - 1) // BLOCK)]


# --------------------------------------------------------------------------------------------
# A whole run's results
# --------------------------------------------------------------------------------------------


def _r2(y: np.ndarray, columns: Sequence[np.ndarray]) -> float:
    """Share of the variance of y explained by a least-squares fit on the columns."""
    ok = ~np.isnan(y)
    y = y[ok]
    if y.size < 3 or np.ptp(y) == 0:
        return float("nan")
    x = np.column_stack([np.ones(y.size), *[c[ok] for c in columns]])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    return float(1.0 - resid.var() / y.var())


@dataclass(frozen=True)
class RunResult:
    """Every draw of a run: the per-draw arrays of :class:`BlockResult`, concatenated."""

    scenario: str
    seed: int
    draws: int
    layout: Layout
    war_outcome: np.ndarray
    end_month: np.ndarray
    front: np.ndarray
    terms: np.ndarray
    force_a: np.ndarray
    force_b: np.ndarray
    peace: np.ndarray
    settled: np.ndarray
    design: np.ndarray
    guarantee_level: np.ndarray
    whatif: dict[str, np.ndarray]
    inputs: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_blocks(
        cls, scenario: str, seed: int, lay: Layout, blocks: Iterable[BlockResult]
    ) -> RunResult:
        parts = sorted(blocks, key=lambda b: b.start)
        if not parts:
            raise ValueError("a run needs at least one block")

        return cls(
            scenario=scenario,
            seed=seed,
            draws=sum(b.n for b in parts),
            layout=lay,
            whatif={k: np.concatenate([b.whatif[k] for b in parts], axis=1) for k in METRICS},
            **{name: np.concatenate([getattr(b, name) for b in parts]) for name in _PER_DRAW},
        )

    def subset(self, mask: np.ndarray, *, with_inputs: bool = True) -> RunResult:
        """The draws where ``mask`` (bool array of shape (draws,)) is true (without the
        input columns if ``with_inputs`` is false: quicker, for outputs only)."""
        mask = np.asarray(mask, dtype=bool)
        return replace(self, draws=int(mask.sum()), **_take(self, mask, inputs=with_inputs))

    # -- chosen design's values -----------------------------------------------------------

    def chosen(self, metric: str) -> np.ndarray:
        """The settled design's value of ``metric`` per draw (NaN without a design)."""
        values = self.whatif[metric]
        idx = np.clip(self.design.astype(int), 0, None)
        got = values[idx, np.arange(self.draws)]
        return np.where(self.design >= 0, got, np.nan)

    def shares(self) -> dict[str, float]:
        """Share of draws per war outcome."""
        return {name: float(np.mean(self.war_outcome == k)) for k, name in enumerate(OUTCOMES)}

    def design_shares(self) -> dict[str, float]:
        """Share of draws in which each design is the settled one."""
        return {d: float(np.mean(self.design == k)) for k, d in enumerate(self.layout.designs)}

    def explained(self) -> dict[str, float]:
        """Per issue, the share of the variance of the settled term (over draws with a peace)
        explained by how the war went: a least-squares fit on the line at the end, the month
        it ended, each side's forces left and the kind of ending."""
        p = self.peace
        cols = [
            self.front[p],
            self.end_month[p].astype(float),
            self.force_a[p],
            self.force_b[p],
            (self.war_outcome[p] == _DECISIVE_A).astype(float),
        ]
        return {issue: _r2(self.settled[p, k], cols) for k, issue in enumerate(self.layout.issues)}

    # -- claims -----------------------------------------------------------------------------

    #: outputs that summarise the whole distribution (the same value in every draw)
    DISTRIBUTION_OUTPUTS = ("war.p_", "p_peace_reached", "explained.", "p_design.")

    def outputs(self, groups: Iterable[str] | None = None) -> dict[str, Any]:
        """Named per-draw outputs for claims (docs/claims.md); shares are repeated per draw.

        ``groups`` restricts the result to those top-level names (all by default)."""
        n = self.draws
        lay = self.layout
        want = None if groups is None else set(groups)

        def needed(name: str) -> bool:
            return want is None or name in want

        def rep(v: float) -> np.ndarray:
            return np.full(n, v)

        out: dict[str, Any] = {}
        if needed("war"):
            war: dict[str, np.ndarray] = {
                "front": self.front,
                "end_month": self.end_month.astype(float),
                "terms": self.terms,
            }
            flags = {
                "settlement": self.war_outcome == _SETTLEMENT,
                "decisive_a": self.war_outcome == _DECISIVE_A,
                "decisive_b": self.war_outcome == _DECISIVE_B,
                "frozen": self.war_outcome == _FROZEN,
                "ongoing": self.war_outcome == _ONGOING,
            }
            flags["decisive"] = flags["decisive_a"] | flags["decisive_b"]
            for name, flag in flags.items():
                war[name] = flag.astype(float)
                war[f"p_{name}"] = rep(float(flag.mean()) if n else np.nan)
            out["war"] = war
        if needed("peace"):
            out["peace"] = self.peace.astype(float)
        if needed("p_peace_reached"):
            out["p_peace_reached"] = rep(float(self.peace.mean()) if n else np.nan)
        if needed("settled"):
            out["settled"] = {i: self.settled[:, k] for k, i in enumerate(lay.issues)}
        if needed("explained"):
            out["explained"] = {i: rep(v) for i, v in self.explained().items()}
        if needed("design"):
            out["design"] = {d: (self.design == k).astype(float) for k, d in enumerate(lay.designs)}
        if needed("p_design"):
            out["p_design"] = {d: rep(v) for d, v in self.design_shares().items()}
        if needed("chosen"):
            out["chosen"] = {m: self.chosen(m) for m in METRICS}
        for m in METRICS:
            if m != "max_p_honor" and needed(m):  # max_p_honor: one value per draw, below
                out[m] = {d: self.whatif[m][k] for k, d in enumerate(lay.designs)}
        if needed("max_p_honor"):
            honor = self.whatif["max_p_honor"]
            best = np.where(np.isnan(honor), -np.inf, honor).max(axis=0, initial=-np.inf)
            out["max_p_honor"] = np.where(np.isfinite(best), best, 0.0)
        return out

    def input_arrays(self) -> dict[str, np.ndarray]:
        """The uncertain inputs, name -> array of shape (draws,)."""
        return {name: self.inputs[:, k] for k, name in enumerate(self.layout.inputs)}

    # -- summaries ------------------------------------------------------------------------------

    def summary(self, level: float = 0.9) -> dict[str, Any]:
        """A JSON-ready summary: war outcomes, settled terms, designs, what-if means."""
        lo, hi = (1 - level) / 2, (1 + level) / 2

        def stat(x: np.ndarray) -> dict[str, Any]:
            x = x[~np.isnan(x)]
            if x.size == 0:
                return {"mean": None, "median": None, "interval": None, "n": 0}
            q = np.quantile(x, [lo, 0.5, hi])
            return {
                "mean": float(x.mean()),
                "median": float(q[1]),
                "interval": [float(q[0]), float(q[2])],
                "n": int(x.size),
            }

        ended = self.war_outcome != _ONGOING
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "draws": self.draws,
            "model": self.layout.model,
            "level": level,
            "war": {
                "outcomes": self.shares(),
                "end_month": stat(self.end_month[ended].astype(float)),
                "front": stat(self.front),
                "settlement_line": stat(
                    np.where(self.war_outcome == _SETTLEMENT, self.terms, np.nan)
                ),
            },
            "peace": float(self.peace.mean()),
            "settled": {i: stat(self.settled[:, k]) for k, i in enumerate(self.layout.issues)},
            "explained": self.explained(),
            "designs": {
                d: {
                    "share": float(np.mean(self.design == k)),
                    **{m: stat(self.whatif[m][k]) for m in METRICS},
                }
                for k, d in enumerate(self.layout.designs)
            },
            "chosen": {m: stat(self.chosen(m)) for m in METRICS},
        }


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
