"""The results of a pipeline run (:mod:`guaranty.montecarlo`): their axes (:class:`Layout`),
one block of draws (:class:`BlockResult`) and a whole run (:class:`RunResult`), with the
summaries and the named outputs that claims, reports, the store and the web read.

Every per-draw quantity a report or page shows is an array here, written by the pipeline and
read back from the store (:mod:`guaranty.store`) unchanged; nothing here runs a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import pairwise
from typing import Any

import numpy as np

from guaranty.models.war.battlefield import OUTCOMES
from guaranty.scenario.claim_names import DISTRIBUTION_OUTPUTS as _DISTRIBUTION
from guaranty.scenario.claim_names import PIPELINE_METRICS

__all__ = [
    "BINS",
    "METRICS",
    "BlockResult",
    "Layout",
    "PerDraw",
    "RunResult",
    "bin_width",
    "rung_shifts",
]

#: per-design outputs of the "what if" runs, each of shape (designs, draws) (the names
#: claims may use are declared once, in the scenario's claim vocabulary)
METRICS = PIPELINE_METRICS

_SETTLEMENT, _DECISIVE_A, _DECISIVE_B, _FROZEN, _ONGOING = (
    OUTCOMES.index(n) for n in ("settlement", "decisive_a", "decisive_b", "frozen", "ongoing")
)


#: bars of the report's histograms
BINS = 40


def _most_often(levels: np.ndarray, ladder: np.ndarray) -> tuple[int, float]:
    """The rung nearest to the most of ``levels`` (sorted, shape (n,)) on ``ladder`` (shape
    (designs,), NaN: no rung), and the share of ``levels`` it is nearest to. As the pipeline
    settles (an argmin over the gaps): a level midway between two rungs, or on a rung two
    designs share, goes to the design listed first. Counted between the midpoints of
    neighbouring rungs (``searchsorted``), so memory stays that of the levels."""
    order = sorted(np.flatnonzero(~np.isnan(ladder)), key=lambda k: (ladder[k], k))
    rungs = [k for i, k in enumerate(order) if i == 0 or ladder[k] != ladder[order[i - 1]]]
    counts = np.zeros(ladder.size, np.int64)
    done = 0
    for a, b in pairwise(rungs):
        mid = (ladder[a] + ladder[b]) / 2.0
        end = np.searchsorted(levels, mid, side="right" if a < b else "left")
        counts[a] += end - done
        done = int(end)
    counts[rungs[-1]] += levels.size - done
    k = int(np.argmax(counts))
    return k, float(counts[k] / levels.size)


def rung_shifts(
    levels: np.ndarray, ladder: Sequence[float | None], shift: float
) -> list[tuple[int, float, int, float]]:
    """Does the design the settlement lands on most often hinge on where one design stands on
    the ladder? ``levels``: the settled guarantee levels of the draws with a peace, shape
    (n,); ``ladder``: each design's rung (None: it has none and is never settled on). Each
    rung in turn is moved by ``-shift`` and by ``+shift``, the others kept, and each draw
    settled again on the nearest rung. Returns, for every move after which another design is
    the most frequent, ``(design, move, new most frequent design, its share of the draws
    with a peace)``; an empty list when no single move of that size changes it."""
    rungs = np.array([np.nan if v is None else float(v) for v in ladder])
    levels = np.sort(np.asarray(levels, dtype=float))
    levels = levels[~np.isnan(levels)]
    if levels.size == 0 or np.isnan(rungs).all():
        return []
    top, _ = _most_often(levels, rungs)
    turned = []
    for k in np.flatnonzero(~np.isnan(rungs)):
        for move in (-shift, shift):
            moved = rungs.copy()
            moved[k] += move
            new, share = _most_often(levels, moved)
            if new != top:
                turned.append((int(k), move, new, share))
    return turned


def bin_width(lo: float, hi: float, bins: int = BINS) -> float:
    """The width of each of ``bins`` equal bins from ``lo`` to ``hi`` (1 if they are equal).
    A value ``x`` falls in bin ``min(floor((x - lo) / width), bins - 1)``: the same formula
    here and in the store's SQL (:mod:`guaranty.store.stats`), so both count alike."""
    return (hi - lo) / bins if hi > lo else 1.0


def _histogram(values: np.ndarray, lo: float, width: float, bins: int) -> list[int]:
    """Counts of ``values`` in the bins of :func:`bin_width`."""
    k = np.minimum(np.floor((values - lo) / width), bins - 1).astype(int)
    return [int(c) for c in np.bincount(k, minlength=bins)]


def _interval(x: np.ndarray, lo: float, hi: float) -> tuple[float, float, float] | None:
    """(mean, ``lo`` quantile, ``hi`` quantile) of the values of ``x`` that are not NaN."""
    x = x[~np.isnan(x)]
    if x.size == 0:
        return None
    q = np.quantile(x, [lo, hi])
    return float(x.mean()), float(q[0]), float(q[1])


@dataclass(frozen=True)
class Layout:
    """The axes of a run's outputs: issue, design and input names, and the model."""

    model: str
    issues: tuple[str, ...]
    designs: tuple[str, ...]
    inputs: tuple[str, ...]
    guarantee_issue: int | None  # index of the issue with role 'guarantee'
    territory_issue: int | None  # index of the issue with role 'territory'
    #: (design, guarantor) of every guarantor of every design, in scenario order: the rows
    #: of :attr:`BlockResult.honor`
    pairs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PerDraw:
    """The per-draw outputs of a block or a whole run of ``n`` draws.

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
    honor : array of shape (pairs, n), each guarantor's P(honor tomorrow | not fighting
        today) under each design imposed, in :attr:`Layout.pairs` order
    inputs : array of shape (n, inputs), the uncertain inputs in :attr:`Layout.inputs` order
    """

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
    honor: np.ndarray


@dataclass(frozen=True)
class BlockResult(PerDraw):
    """The outputs of draws ``start`` .. ``start + n - 1`` (fields of :class:`PerDraw`)."""

    start: int

    @property
    def n(self) -> int:
        return int(self.war_outcome.shape[0])

    def head(self, n: int) -> BlockResult:
        """The first ``n`` draws."""
        return replace(self, **_take(self, slice(0, n)))


#: the per-draw arrays of BlockResult and RunResult (draws on axis 0; ``whatif`` and ``honor``
#: on axis 1)
_PER_DRAW = tuple(f.name for f in fields(PerDraw) if f.name not in ("whatif", "honor"))


def _take(result: Any, index: slice | np.ndarray, *, inputs: bool = True) -> dict[str, Any]:
    """The per-draw fields of ``result`` at ``index`` (a slice or a bool mask over draws);
    without ``inputs`` the input columns come back empty (quicker, for outputs only)."""
    out: dict[str, Any] = {
        name: getattr(result, name)[index] for name in _PER_DRAW if inputs or name != "inputs"
    }
    if not inputs:
        out["inputs"] = result.inputs[:0]
    out["whatif"] = {k: v[:, index] for k, v in result.whatif.items()}
    out["honor"] = result.honor[:, index]
    return out


def _r2_columns(y: np.ndarray, columns: Sequence[np.ndarray]) -> list[float]:
    """:func:`_r2` of each column of ``y`` (rows, k) on the same ``columns`` (each of shape
    (rows,)): one solve for all the columns without NaN (the usual case), :func:`_r2` for
    the others.

    The solve is that of the normal equations of the columns centred and scaled to unit
    variance (a constant column dropped: the intercept spans it), a (p, p) system in place
    of the (rows, p + 1) least-squares problem, with the residuals computed directly (no
    cancellation); the fitted values are the same projection, so R^2 agrees with
    :func:`_r2` to round-off (``tests/test_montecarlo.py``) at about half the cost. The
    claims ledger computes it on both halves of every uncertain input."""
    clean = [k for k in range(y.shape[1]) if not np.isnan(y[:, k]).any()] if len(y) >= 3 else []
    out = [float("nan") if k in clean else _r2(y[:, k], columns) for k in range(y.shape[1])]
    if clean:
        # rows along the last axis: numpy's reductions run over contiguous memory
        yt = y[:, clean].T
        yt = yt - yt.mean(axis=1, keepdims=True)
        x = np.stack(columns) if columns else np.zeros((0, len(y)))
        x = x - x.mean(axis=1, keepdims=True)
        sd = x.std(axis=1)
        x = x[sd > 0] / sd[sd > 0, None]
        coef, *_ = np.linalg.lstsq(x @ x.T, x @ yt.T, rcond=None)
        resid_var = (yt - coef.T @ x).var(axis=1)
        total_var = yt.var(axis=1)
        for j, k in enumerate(clean):
            if np.ptp(yt[j]) > 0:
                out[k] = float(1.0 - resid_var[j] / total_var[j])
    return out


#: the per-draw arrays each group of :meth:`RunResult.outputs` reads (``whatif.m``: the
#: "what if" values of metric m); kept in step with ``outputs`` by
#: ``tests/test_montecarlo.py::test_outputs_where_equals_the_outputs_of_the_subset``
_GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "war": ("front", "end_month", "terms", "war_outcome"),
    "peace": ("peace",),
    "p_peace_reached": ("peace",),
    "settled": ("settled",),
    "explained": ("peace", "settled", "front", "end_month", "force_a", "force_b", "war_outcome"),
    "design": ("design",),
    "p_design": ("design",),
    "chosen": ("design", *(f"whatif.{m}" for m in METRICS)),
    **{m: (f"whatif.{m}",) for m in METRICS},
}


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
class RunResult(PerDraw):
    """Every draw of a run: the per-draw arrays of :class:`BlockResult`, concatenated."""

    scenario: str
    seed: int
    draws: int
    layout: Layout
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
            honor=np.concatenate([b.honor for b in parts], axis=1),
            **{name: np.concatenate([getattr(b, name) for b in parts]) for name in _PER_DRAW},
        )

    def subset(self, mask: np.ndarray, *, with_inputs: bool = True) -> RunResult:
        """The draws where ``mask`` (bool array of shape (draws,)) is true (without the
        input columns if ``with_inputs`` is false: quicker, for outputs only)."""
        mask = np.asarray(mask, dtype=bool)
        return replace(self, draws=int(mask.sum()), **_take(self, mask, inputs=with_inputs))

    def outputs_where(self, mask: np.ndarray, groups: Iterable[str]) -> dict[str, Any]:
        """``self.subset(mask).outputs(groups)``, copying only the arrays those groups read
        (:data:`_GROUP_FIELDS`): what the claims ledger computes on each half of every
        uncertain input. ``mask``: bool array of shape (draws,)."""
        # the draws as indices, taken from each array: ten times quicker than indexing
        # every array with the mask itself, and the same values
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        groups = set(groups)
        need: set[str] = set()
        for g in groups:
            need.update(_GROUP_FIELDS.get(g, ()))
        taken: dict[str, Any] = {
            # a field no group reads stays None, so that a read of it fails loudly
            name: getattr(self, name).take(rows, axis=0) if name in need else None
            for name in _PER_DRAW
        }
        taken["whatif"] = {
            m: v.take(rows, axis=1) for m, v in self.whatif.items() if f"whatif.{m}" in need
        }
        taken["honor"] = None
        return replace(self, draws=rows.size, **taken).outputs(groups)

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
        p = np.flatnonzero(self.peace)  # indices: quicker to take than a mask
        cols = [
            self.front.take(p),
            self.end_month.take(p).astype(float),
            self.force_a.take(p),
            self.force_b.take(p),
            (self.war_outcome.take(p) == _DECISIVE_A).astype(float),
        ]
        settled = self.settled.take(p, axis=0)
        return dict(zip(self.layout.issues, _r2_columns(settled, cols), strict=True))

    # -- claims -----------------------------------------------------------------------------

    #: outputs that summarise the whole distribution (the same value in every draw)
    DISTRIBUTION_OUTPUTS = _DISTRIBUTION

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

    # -- what the report's figures show ---------------------------------------------------------
    # (the same methods, computed in SQL, on guaranty.store.stats.RunStats)

    def war_histograms(self, bins: int = BINS) -> dict[str, Any]:
        """How the war ends, for the report's histograms: ``{"front": (lo, width)`` of the
        bins of the line at the end (:func:`bin_width`, over every draw)``, "outcomes": {name:
        {"share", "months": {end month: draws}, "front": [draws per bin]}}}``, for the
        outcomes that occur, in :data:`OUTCOMES` order."""
        lo, hi = float(self.front.min()), float(self.front.max())
        width = bin_width(lo, hi, bins)
        out: dict[str, Any] = {}
        for code, name in enumerate(OUTCOMES):
            sel = self.war_outcome == code
            if not sel.any():
                continue
            months, counts = np.unique(self.end_month[sel], return_counts=True)
            out[name] = {
                "share": float(sel.mean()),
                "months": {int(m): int(c) for m, c in zip(months, counts, strict=True)},
                "front": _histogram(self.front[sel], lo, width, bins),
            }
        return {"front": (lo, width), "outcomes": out}

    def still_fighting(self, months: int) -> list[float]:
        """Share of draws still fighting after month t, for t = 0 .. ``months``."""
        ongoing = self.war_outcome == _ONGOING
        return [float(np.mean((self.end_month > t) | ongoing)) for t in range(months + 1)]

    def last_month(self) -> int:
        """The latest month any draw's fighting stopped (or was still going on)."""
        return int(self.end_month.max())

    def level_histogram(self, bins: int = BINS) -> dict[str, Any] | None:
        """The settled guarantee levels (draws with a peace) in ``bins`` bins: ``{"lo",
        "width", "counts"}``, or None if no draw settled one."""
        level = self.guarantee_level[~np.isnan(self.guarantee_level)]
        if level.size == 0:
            return None
        lo, hi = float(level.min()), float(level.max())
        width = bin_width(lo, hi, bins)
        return {"lo": lo, "width": width, "counts": _histogram(level, lo, width, bins)}

    def peace_draws(self) -> int:
        """The number of draws with a peace."""
        return int(self.peace.sum())

    def guarantee_levels(self) -> np.ndarray:
        """The settled guarantee levels of the draws that settled one, shape (k,)."""
        return self.guarantee_level[~np.isnan(self.guarantee_level)]

    def design_intervals(
        self, metric: str, lo: float = 0.05, hi: float = 0.95
    ) -> list[tuple[float, float, float] | None]:
        """Per design (in :attr:`Layout.designs` order), the mean of ``metric`` and its ``lo``
        and ``hi`` quantiles over the draws with a peace (every draw if none has one), NaN
        left out; None for a design without a value."""
        values = self.whatif[metric][:, self.peace] if self.peace.any() else self.whatif[metric]
        return [_interval(row, lo, hi) for row in values]

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
                # the line is clipped to the territory scale: the shares at either end
                "front_at_floor": float(np.mean(self.front <= 0.0)),
                "front_at_top": float(np.mean(self.front >= 100.0)),
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
            "honor": {
                f"{d}/{g}": stat(self.honor[k]) for k, (d, g) in enumerate(self.layout.pairs)
            },
        }

    # -- frames -------------------------------------------------------------------------------

    def frames(self) -> dict[str, Any]:
        """The run as pandas DataFrames, for notebooks and for R and Stata users:

        - ``draws``: one row per draw (``draw``, the war's ``outcome`` by name, ``end_month``,
          ``front``, ``terms``, ``force_a``, ``force_b``, ``peace``, the settled ``design`` by
          id or None, ``guarantee_level``, and ``settled.<issue>`` per issue);
        - ``designs``: one row per draw and design imposed (``draw``, ``design`` and one
          column per metric of :data:`METRICS`), i.e. ``draws x designs`` rows;
        - ``honor``: one row per draw, design and guarantor (``p_honor``);
        - ``inputs``: one row per draw, one column per uncertain input (wide).

        pandas is imported here, on first use."""
        import pandas as pd

        lay = self.layout
        index = np.arange(self.draws)
        names = np.array([*lay.designs, None], dtype=object)
        draws = pd.DataFrame(
            {
                "draw": index,
                "outcome": np.array(OUTCOMES, dtype=object)[self.war_outcome],
                "end_month": self.end_month,
                "front": self.front,
                "terms": self.terms,
                "force_a": self.force_a,
                "force_b": self.force_b,
                "peace": self.peace,
                "design": names[np.where(self.design >= 0, self.design, len(lay.designs))],
                "guarantee_level": self.guarantee_level,
                **{f"settled.{i}": self.settled[:, k] for k, i in enumerate(lay.issues)},
            }
        )
        n_designs = len(lay.designs)
        designs = pd.DataFrame(
            {
                "draw": np.tile(index, n_designs),
                "design": np.repeat(np.array(lay.designs, dtype=object), self.draws),
                **{m: self.whatif[m].reshape(-1) for m in METRICS},
            }
        )
        pairs = np.array(lay.pairs, dtype=object).reshape(-1, 2)
        honor = pd.DataFrame(
            {
                "draw": np.tile(index, len(pairs)),
                "design": np.repeat(pairs[:, 0], self.draws),
                "guarantor": np.repeat(pairs[:, 1], self.draws),
                "p_honor": self.honor.reshape(-1),
            }
        )
        inputs = pd.DataFrame({"draw": index, **self.input_arrays()})
        return {"draws": draws, "designs": designs, "honor": honor, "inputs": inputs}
