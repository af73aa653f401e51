"""Sweeps: the chain over a design matrix of scenario inputs, one stored row per design point
(``guaranty sweep``; docs/sweep.md).

A sweep is the stored, parallel and resumable form of the Saltelli design that
:func:`guaranty.sensitivity.sobol` runs in memory (``guaranty claims --sobol``), with two
more designs. The factors are those of :func:`guaranty.sensitivity.factors`, grouped by
:func:`guaranty.sensitivity.groups_of` (a negotiation actor's inputs move together); each
design point sets every input's quantile and is one draw of the pipeline without the peace
mask (:func:`guaranty.montecarlo.simulate_design`), whose per-draw outputs
(:func:`output_names`) are one row of the store's ``sweep_points``
(:mod:`guaranty.store.sweeps`).

Designs (``n`` is what ``--n`` gives; g the number of factor groups, 40 for Ukraine):

``sobol``   Saltelli (2010) over the groups and chance: ``SALib.sample.sobol`` with ``n``
            base samples (a power of 2), n (g + 3) points (A, B and an AB per group and per
            chance); S1 and ST with bootstrap 95% half-widths (``SALib.analyze.sobol``).
            Identical to ``guaranty.sensitivity.sobol`` with the same seed and n while
            n <= the block size (one unit per matrix): the same points, the same streams.
``morris``  Morris (1991) elementary effects with Campolongo's mu*: ``SALib.sample.morris``
            with ``n`` trajectories over 4 levels, placed at the quantiles 1/8, 3/8, 5/8,
            7/8 (the levels 0 and 1 of the unit interval would be a normal input's
            +-7 sd after clipping), n (g + 1) points; mu, mu*, its bootstrap 95% half-width
            and sigma (``SALib.analyze.morris``; an effect is the change of the output over
            a step of 2/3 of the level scale). Chance is not a factor: every point of a
            trajectory has the same chance (common random numbers), so an effect is the
            factor's alone; trajectories differ in chance.
``grid``    one factor at a time: each group at ``n`` levels, the quantiles (l + 1/2) / n,
            every other input at its median (quantile 1/2), g n points; every level of a
            group has the same chance (common random numbers). Main effects only: per group,
            the output at each level and their range (max - min); no variance shares.

Randomness: the points of a design are cut into **units**, the points of one matrix of the
design (one step of every trajectory, one level of the grid) whose base index (Saltelli's
base sample, Morris's trajectory, the grid's group) falls in one block of ``block`` (a
power of 2, :data:`BLOCK` by default). A unit is simulated whole with the streams of chance
(seed, 2 c + s) for base block c and s = 0 (A's chance) or 1 (B's, Sobol only); so a
point's row is a function of (scenario, design, n, seed, block, version) alone, the same
whatever the number of workers, the chunking or the interruptions.

Execution: units are grouped into **chunks** (``chunk`` units each), a chunk is computed by
an **executor** and written to the store in one transaction. An executor is any callable
``executor(scenario, chunks)`` that yields ``(chunk, compute_chunk(scenario, chunk))`` for
every chunk, in any order, computing them wherever it likes (:func:`local_executor`: in
this process, or on a pool of worker processes); closing the iterator stops its work. That
is the seam a Ray backend plugs into (docs/scale.md).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from guaranty._version import __version__
from guaranty.errors import ParameterError
from guaranty.results import METRICS, Layout, RunResult
from guaranty.scenario.schema import Scenario
from guaranty.sensitivity import CHANCE, SobolResult, analyze_sobol, chance_stream, groups_of

__all__ = [
    "BLOCK",
    "DESIGNS",
    "Chunk",
    "Design",
    "Executor",
    "ScreeningResult",
    "SweepSummary",
    "Unit",
    "compute_chunk",
    "indices",
    "local_executor",
    "make_design",
    "nested_outputs",
    "output_names",
    "sweep",
    "sweep_key",
]

#: the designs ``guaranty sweep --design`` takes
DESIGNS = ("sobol", "morris", "grid")
#: base indices per block of randomness (a unit holds at most this many points)
BLOCK = 1024
#: Morris's levels, and the quantiles they sit at: (2 l + 1) / (2 LEVELS)
MORRIS_LEVELS = 4
#: bootstrap resamples of the intervals (Sobol and Morris)
RESAMPLES = 200


# -- designs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """The points of one matrix of a design that share a stream of chance: ``index`` (the
    unit's number), ``stream`` (of :func:`guaranty.montecarlo.simulate_design`) and
    ``points`` (their row numbers in the design, shape (n,))."""

    index: int
    stream: int
    points: np.ndarray


@dataclass(frozen=True)
class Design:
    """A design matrix over a scenario's factors.

    ``kind``: sobol, morris or grid; ``n``: base samples, trajectories or levels;
    ``columns``: the names of the quantile columns (every input the design sets, and
    :data:`CHANCE` last for Sobol), shape (k,); ``inputs``: the inputs among them (the
    design matrix of the pipeline); ``factors``: the groups the indices are given for, in
    order; ``x``: the quantiles, shape (points, k); ``units``: the units of randomness."""

    kind: str
    n: int
    seed: int
    block: int
    columns: tuple[str, ...]
    inputs: tuple[str, ...]
    factors: tuple[str, ...]
    x: np.ndarray
    units: tuple[Unit, ...]
    problem: dict[str, Any] = field(repr=False)

    @property
    def points(self) -> int:
        return int(self.x.shape[0])


def check_design(kind: str, n: int, block: int = BLOCK) -> None:
    """Raise :class:`ParameterError` for a design, ``n`` or ``block`` that cannot be run."""
    if kind not in DESIGNS:
        raise ParameterError(f"unknown design {kind!r}; expected one of: {', '.join(DESIGNS)}")
    if kind == "sobol" and (n < 2 or n & (n - 1)):
        raise ParameterError(
            f"a Sobol design needs n a power of 2 (2, 4, ..., 256, 512, ...); got {n}: "
            "Sobol' points are balanced only in powers of 2, and the Saltelli estimators "
            "assume it"
        )
    if kind in ("morris", "grid") and n < 2:
        what = "trajectories" if kind == "morris" else "levels per factor"
        raise ParameterError(f"a {kind} design needs n >= 2 {what}; got {n}")
    if block < 1 or block & (block - 1):
        raise ParameterError(f"the block must be a power of 2; got {block}")


def _units(
    bases: int,
    steps: int,
    block: int,
    point: Callable[[np.ndarray, int], np.ndarray],
    stream: Callable[[int], int],
) -> tuple[Unit, ...]:
    """Units for ``bases`` base indices x ``steps`` matrices: unit (c, s) holds the points
    ``point(bases of block c, s)`` with the stream 2 c + ``stream(s)``."""
    out = []
    for c in range((bases + block - 1) // block):
        b = np.arange(c * block, min(bases, (c + 1) * block), dtype=np.int64)
        for s in range(steps):
            out.append(Unit(len(out), 2 * c + stream(s), point(b, s)))
    return tuple(out)


def _morris_problem(names: Sequence[str], groups: Sequence[str]) -> dict[str, Any]:
    """SALib's problem for a Morris design over ``names`` (grouped by ``groups``): every
    factor's quantile on [1/(2L), 1 - 1/(2L)], L = :data:`MORRIS_LEVELS`, so that its levels
    sit at the cell midpoints 1/8 ... 7/8 rather than at 0 and 1."""
    edge = 1.0 / (2 * MORRIS_LEVELS)
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[edge, 1.0 - edge]] * len(names),
        "groups": list(groups),
    }


def make_design(
    scenario: Scenario, kind: str, n: int, *, seed: int = 0, block: int = BLOCK
) -> Design:
    """The ``kind`` design (module docstring) with ``n`` over the scenario's factors."""
    from guaranty.sensitivity import factors, sobol_problem

    check_design(kind, n, block)
    if kind == "sobol":
        from SALib.sample import sobol as sample

        names, problem = sobol_problem(scenario)
        order = tuple(dict.fromkeys(problem["groups"]))
        x = sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
        step = len(order) + 2
        units = _units(n, step, block, lambda b, t: b * step + t, lambda t: chance_stream(t, order))
        return Design(kind, n, seed, block, (*names, CHANCE), names, order, x, units, problem)
    names = factors(scenario)
    groups = groups_of(names)
    order = tuple(dict.fromkeys(groups))
    g = len(order)
    if kind == "morris":
        from SALib.sample import morris as sample

        problem = _morris_problem(names, groups)
        x = sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
        units = _units(n, g + 1, block, lambda b, s: b * (g + 1) + s, lambda s: 0)
        return Design(kind, n, seed, block, names, names, order, x, units, problem)
    # grid: group j at level l is point l g + j; the others at the median
    levels = (np.arange(n) + 0.5) / n
    member = np.array([[gr == o for gr in groups] for o in order])  # (g, inputs)
    x = np.full((n * g, len(names)), 0.5)
    for level in range(n):
        rows = x[level * g : (level + 1) * g]
        rows[member] = levels[level]
    units = _units(g, n, block, lambda b, level: level * g + b, lambda s: 0)
    problem = {"names": list(names), "groups": list(groups), "levels": levels.tolist()}
    return Design(kind, n, seed, block, names, names, order, x, units, problem)


# -- one unit of work ------------------------------------------------------------------------


def output_names(lay: Layout) -> tuple[str, ...]:
    """The per-draw outputs a sweep keeps, as the names claims use (docs/claims.md): the
    war's (``war.front``, ``war.settlement``, ...), ``peace``, ``settled.ISSUE``,
    ``design.D``, ``chosen.METRIC``, ``METRIC.D`` and ``max_p_honor``. The run-level
    summaries (``war.p_X``, ``p_design.D``, ``explained.I``) are not per draw."""
    war = ("front", "end_month", "terms", "settlement", "decisive_a", "decisive_b", "frozen")
    war += ("ongoing", "decisive")
    names = [f"war.{k}" for k in war] + ["peace"]
    names += [f"settled.{i}" for i in lay.issues]
    names += [f"design.{d}" for d in lay.designs]
    names += [f"chosen.{m}" for m in METRICS]
    names += [f"{m}.{d}" for m in METRICS if m != "max_p_honor" for d in lay.designs]
    return (*names, "max_p_honor")


_PER_DRAW_GROUPS = ("war", "peace", "settled", "design", "chosen", *METRICS)


def point_outputs(run: RunResult, names: Sequence[str]) -> np.ndarray:
    """The outputs ``names`` (:func:`output_names`) of every draw of ``run``, shape
    (draws, len(names))."""
    got = run.outputs(_PER_DRAW_GROUPS)
    cols = []
    for name in names:
        head, _, tail = name.partition(".")
        value = got[head][tail] if tail else got[head]
        cols.append(np.asarray(value, dtype=float))
    return np.stack(cols, axis=1) if cols else np.zeros((run.draws, 0))


def nested_outputs(names: Sequence[str], y: np.ndarray) -> dict[str, Any]:
    """Stored outputs (columns ``names``, shape (points, len(names))) as the mapping claims
    read (``outputs["war"]["front"]``, ``outputs["peace"]``), with the run-level shares a
    statement may name (``war.p_X``, ``p_design.D``, ``p_peace_reached``) as the share over
    the points, repeated per point."""
    out: dict[str, Any] = {}
    for k, name in enumerate(names):
        head, _, tail = name.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = y[:, k]
        else:
            out[head] = y[:, k]
    rows = y.shape[0]
    for key, flag in list(out.get("war", {}).items()):
        if key in ("settlement", "decisive_a", "decisive_b", "frozen", "ongoing", "decisive"):
            out["war"][f"p_{key}"] = np.full(rows, float(np.mean(flag)))
    if "design" in out:
        out["p_design"] = {d: np.full(rows, float(np.mean(v))) for d, v in out["design"].items()}
    if "peace" in out:
        out["p_peace_reached"] = np.full(rows, float(np.mean(out["peace"])))
    return out


@dataclass(frozen=True)
class Chunk:
    """The work handed to an executor at a time: the sweep's ``seed``, the ``inputs`` the
    quantiles set (shape (k,)), ``outputs`` to keep, and ``units`` as (unit, stream,
    points (n,), quantiles (n, k)) tuples. Plain data: it pickles for any backend."""

    seed: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    units: tuple[tuple[int, int, np.ndarray, np.ndarray], ...]

    @property
    def points(self) -> int:
        return sum(len(p) for _, _, p, _ in self.units)


def compute_chunk(scenario: Scenario, chunk: Chunk, lay: Layout | None = None) -> list[np.ndarray]:
    """The outputs of every unit of ``chunk``, each of shape (points of the unit, outputs):
    each unit is one call of :func:`guaranty.montecarlo.simulate_design` (its points as
    draws, its stream of chance)."""
    from guaranty.montecarlo import layout, simulate_design
    from guaranty.scenario.design_matrix import DesignMatrix

    lay = lay or layout(scenario)
    out = []
    for _, stream, points, u in chunk.units:
        matrix = DesignMatrix({name: u[:, k] for k, name in enumerate(chunk.inputs)})
        block = simulate_design(
            scenario, matrix, len(points), seed=chunk.seed, stream=stream, lay=lay
        )
        run = RunResult.from_blocks(scenario.name, chunk.seed, lay, [block])
        out.append(point_outputs(run, chunk.outputs))
    return out


# -- executors -------------------------------------------------------------------------------


class Executor(Protocol):
    """Computes chunks somewhere: yields ``(chunk, compute_chunk(scenario, chunk))`` for
    every chunk of ``chunks``, in any order; closing the iterator (or an exception in the
    caller, Ctrl-C included) stops the work still running."""

    def __call__(
        self, scenario: Scenario, chunks: Sequence[Chunk]
    ) -> Iterator[tuple[Chunk, list[np.ndarray]]]: ...


def _pool_chunk(chunk: Chunk) -> list[np.ndarray]:
    """A chunk computed in a worker of :func:`guaranty.pool.start_pool` (the worker holds
    the scenario and its layout)."""
    from guaranty.pool import WORKER

    return compute_chunk(WORKER["scenario"], chunk, WORKER["layout"])


def local_executor(workers: int = 1) -> Executor:
    """The local backend: chunks in this process (``workers`` 1, or a single chunk), or on
    a pool of ``workers`` processes (the runner's: spawned, warm, ended with their parent),
    at most two chunks per worker in flight."""

    def run(scenario: Scenario, chunks: Sequence[Chunk]) -> Iterator[tuple[Chunk, list]]:
        if workers <= 1 or len(chunks) <= 1:
            from guaranty.montecarlo import layout

            lay = layout(scenario)
            for chunk in chunks:
                yield chunk, compute_chunk(scenario, chunk, lay)
            return
        from guaranty.pool import start_pool, stop_pool

        pool: ProcessPoolExecutor = start_pool(scenario, workers)
        done = False
        try:
            queue = list(chunks)
            pending: dict[Future, Chunk] = {}
            while queue or pending:
                while queue and len(pending) < 2 * workers:
                    chunk = queue.pop(0)
                    pending[pool.submit(_pool_chunk, chunk)] = chunk
                ready, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in ready:
                    yield pending.pop(fut), fut.result()
            done = True
        finally:
            if done:
                pool.shutdown(wait=True)
            else:
                stop_pool(pool)

    return run


# -- the sweep -------------------------------------------------------------------------------


def sweep_key(scenario: Scenario, kind: str, n: int, seed: int, block: int) -> str:
    """The id of a sweep: a hash of the scenario's content, the design, n, seed, block,
    guaranty's version and the code's digest (a sweep computed by other code is never
    resumed)."""
    from guaranty.store.keys import code_digest, scenario_hash

    raw = f"sweep:{scenario_hash(scenario)}:{kind}:{n}:{seed}:{block}:{__version__}:{code_digest()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SweepSummary:
    sweep_id: str
    store: str
    design: str
    n: int
    points: int
    computed: int  # points computed now (the rest were in the store already)
    seconds: float
    factors: tuple[str, ...]
    cancelled: bool = False


def sweep(
    scenario: Scenario,
    *,
    design: str,
    n: int,
    seed: int = 0,
    store: str | Path = "guaranty.duckdb",
    workers: int = 1,
    block: int = BLOCK,
    chunk: int = 1,
    executor: Executor | None = None,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SweepSummary:
    """Run the ``design`` sweep with ``n`` (module docstring) into ``store``, computing only
    the units not stored yet (a killed sweep resumes).

    ``chunk``: units per chunk (one transaction each); ``executor``: where chunks run
    (:func:`local_executor` with ``workers`` by default); ``progress(done, total)`` with
    the design points stored so far; ``should_stop()`` is asked between chunks (the sweep is
    then marked cancelled; what is stored stays)."""
    from guaranty.montecarlo import layout, settings
    from guaranty.store import Store, scenario_hash
    from guaranty.store.sweeps import done_units, open_sweep, set_sweep_status, write_units

    check_design(design, n, block)
    if chunk < 1:
        raise ParameterError(f"chunk must be a positive number of units; got {chunk}")
    if workers < 1:
        raise ParameterError(f"workers must be a positive integer; got {workers}")
    t0 = time.perf_counter()
    settings(scenario)
    d = make_design(scenario, design, n, seed=seed, block=block)
    lay = layout(scenario)
    outputs = output_names(lay)
    sweep_id = sweep_key(scenario, design, n, seed, block)
    executor = executor or local_executor(workers)
    computed = 0
    stopped = False
    with Store(store, threads=1) as st:
        open_sweep(
            st,
            {
                "sweep_id": sweep_id,
                "scenario": scenario.name,
                "scenario_hash": scenario_hash(scenario),
                "design": design,
                "n": n,
                "seed": seed,
                "block_size": block,
                "version": __version__,
                "points": d.points,
                "units": len(d.units),
                "factors": list(d.factors),
                "columns": list(d.columns),
                "outputs": list(outputs),
                "source": source,
                "scenario_json": scenario.model_dump_json(by_alias=True),
                "status": "running",
            },
        )
        have = done_units(st, sweep_id)
        todo = [u for u in d.units if have.get(u.index) != len(u.points)]
        stored = d.points - sum(len(u.points) for u in todo)
        k = len(d.inputs)
        chunks = [
            Chunk(
                seed,
                d.inputs,
                outputs,
                tuple(
                    (u.index, u.stream, u.points, d.x[u.points, :k]) for u in todo[j : j + chunk]
                ),
            )
            for j in range(0, len(todo), chunk)
        ]
        if progress is not None:
            progress(stored, d.points)
        results = executor(scenario, chunks)
        try:
            for ch, ys in results:
                write_units(
                    st,
                    sweep_id,
                    [
                        (unit, points, d.x[points], y)
                        for (unit, _, points, _), y in zip(ch.units, ys, strict=True)
                    ],
                )
                computed += ch.points
                stored += ch.points
                if progress is not None:
                    progress(stored, d.points)
                if should_stop is not None and stored < d.points and should_stop():
                    stopped = True
                    break
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        set_sweep_status(st, sweep_id, "cancelled" if stopped else "done")
    return SweepSummary(
        sweep_id=sweep_id,
        store=str(store),
        design=design,
        n=n,
        points=d.points,
        computed=computed,
        seconds=time.perf_counter() - t0,
        factors=d.factors,
        cancelled=stopped,
    )


# -- indices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningResult:
    """Morris or grid measures of several outputs over the same factors, shaped like
    :class:`guaranty.sensitivity.SobolResult` for the ledger: ``indices``: output ->
    measure -> array of shape (g,) (Morris: ``mu``, ``mu_star``, ``mu_star_conf``,
    ``sigma``; grid: ``range``, ``low``, ``high``: the output's range over the group's
    levels and its value at the lowest and highest level); ``rank_by``: the measure the
    rows are ordered by."""

    method: str
    factors: tuple[str, ...]
    n: int
    seed: int
    evaluations: int
    indices: dict[str, dict[str, np.ndarray]]
    variance: dict[str, float]
    rank_by: str

    def rows(self, output: str, top: int | None = None) -> list[dict[str, Any]]:
        """The factors of ``output`` by decreasing :attr:`rank_by`, each with every measure
        (rounded to 4 decimals); empty if the output does not vary."""
        got = self.indices.get(output)
        if got is None:
            return []
        order = np.argsort(-got[self.rank_by], kind="stable")
        rows = [
            {"input": self.factors[k], **{m: round(float(v[k]), 4) for m, v in got.items()}}
            for k in order
        ]
        return rows[:top] if top is not None else rows

    def sums(self, output: str) -> None:
        """No additivity check: screening measures are not shares of a variance."""
        return None


def _values(ys: Mapping[str, np.ndarray]) -> Iterable[tuple[str, np.ndarray]]:
    for key, y in ys.items():
        y = np.asarray(y, dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue  # missing somewhere, or constant: nothing to apportion
        yield key, y


def indices(
    info: Mapping[str, Any], quantiles: np.ndarray, ys: Mapping[str, np.ndarray]
) -> SobolResult | ScreeningResult:
    """The indices of each output (name -> values at the sweep's points in point order,
    shape (points,)) of the stored sweep ``info`` (its ``sweeps`` row; ``quantiles``, shape
    (points, columns), its points): Sobol S1/ST, Morris mu*/sigma or the grid's main
    effects (module docstring). An output that does not vary, or has a missing value, gets
    none; the bootstrap is seeded with the sweep's seed."""
    kind, n, seed = str(info["design"]), int(info["n"]), int(info["seed"])
    factors = tuple(info["factors"])
    columns = tuple(info["columns"])
    points = int(info["points"])
    if kind == "sobol":
        names = columns[:-1]
        groups = [*groups_of(names), CHANCE]
        problem = {
            "num_vars": len(groups),
            "names": list(columns),
            "bounds": [[0.0, 1.0]] * len(groups),
            "groups": groups,
        }
        got, variance = analyze_sobol(problem, ys, n, seed=seed, resamples=RESAMPLES)
        return SobolResult(factors, n, seed, points, got, variance)
    out: dict[str, dict[str, np.ndarray]] = {}
    variance: dict[str, float] = {}
    if kind == "morris":
        from SALib.analyze import morris as analyze

        problem = _morris_problem(columns, groups_of(columns))
        for key, y in _values(ys):
            variance[key] = float(np.var(y))
            res = analyze.analyze(
                problem,
                quantiles,
                y,
                num_resamples=RESAMPLES,
                num_levels=MORRIS_LEVELS,
                seed=seed,
            )
            by_name = list(res["names"])
            out[key] = {
                m: np.nan_to_num(np.array([float(res[m][by_name.index(f)]) for f in factors]))
                for m in ("mu_star", "mu_star_conf", "mu", "sigma")
            }
        return ScreeningResult("morris", factors, n, seed, points, out, variance, "mu_star")
    g = len(factors)
    for key, y in _values(ys):
        variance[key] = float(np.var(y))
        grid = y.reshape(n, g)  # (levels, groups)
        out[key] = {
            "range": grid.max(axis=0) - grid.min(axis=0),
            "low": grid[0],
            "high": grid[-1],
        }
    return ScreeningResult("grid", factors, n, seed, points, out, variance, "range")


def stored_indices(
    st: Any, sweep_id: str, wanted: Callable[[dict[str, Any]], Mapping[str, np.ndarray]]
) -> tuple[dict[str, Any], SobolResult | ScreeningResult]:
    """The sweep's ``sweeps`` row and the indices of ``wanted(outputs)`` (name -> per-point
    values, from the sweep's outputs as :func:`nested_outputs` gives them)."""
    from guaranty.store.sweeps import read_sweep

    got = read_sweep(st, sweep_id)
    outs = nested_outputs(tuple(got.info["outputs"]), got.outputs)
    return got.info, indices(got.info, got.quantiles, wanted(outs))


def headline(outs: Mapping[str, Any], metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """The headline outputs of a sweep: ``METRIC.DESIGN`` for every design and each of
    ``metrics``, per point (design by design, as ``guaranty claims`` lists them)."""
    designs = list(outs.get(metrics[0], {})) if metrics else []
    return {f"{m}.{d}": outs[m][d] for d in designs for m in metrics}
