"""The claims ledger of a run read a block of draws at a time (:class:`ChunkedLedger`), with
the same results as :func:`guaranty.claims.run_ledger` on the whole run in memory.

A claim's share, its halves' shares and the mean difference of a comparison's two sides
are counts and sums over draws, so they add up block by block. What does not add up is
given beforehand, computed over the whole run (by SQL for a stored run,
:mod:`guaranty.store.ledger`):

- the outputs that summarise the whole distribution (``war.p_frozen``, ``explained.ISSUE``,
  ``p_design.DESIGN``, ``p_peace_reached``: :data:`DISTRIBUTION_OUTPUTS`), over every draw and
  over each half of each input (``scalars``, ``half_scalars``);
- the median of each uncertain input that splits the draws in two halves (``halves``).

Each block's outputs then have those values in place of the block's own, so that every
statement is evaluated draw by draw exactly as on the whole run. :func:`ledger_in_blocks`
runs this over a run in memory (the oracle the tests check the stored ledger with).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from guaranty.claims.expressions import comparison_sides, output_ranges
from guaranty.claims.halves import HalfScalars
from guaranty.claims.ledger import (
    ENDING_OUTPUTS,
    ClaimResult,
    Swing,
    _holds_where,
    _unchecked,
    decisive_split,
    judged,
    tie_text,
    verdict_reading,
)
from guaranty.scenario.claim_names import DISTRIBUTION_OUTPUTS, statement_names

__all__ = ["ChunkedLedger", "Half", "distribution_scalars", "ledger_groups", "ledger_in_blocks"]


@dataclass(frozen=True)
class Half:
    """An uncertain input that splits the draws: ``name``, its ``column`` in the run's inputs
    and its ``median`` (a draw is in the lower half when its value is at most the median;
    NaN is in the upper half, as in :func:`guaranty.claims.run_ledger`)."""

    name: str
    column: int
    median: float


def _names(claim: Any) -> set[str]:
    return statement_names(claim.statement) | statement_names(getattr(claim, "given", None))


def _holistic(claim: Any) -> bool:
    return any(n.startswith(DISTRIBUTION_OUTPUTS) for n in _names(claim))


def ledger_groups(claims: Iterable[Any]) -> tuple[set[str], set[str]]:
    """The top-level output names the claims use (what each block computes), and those of
    the claims that name a distribution output (what is recomputed on each half)."""
    used: set[str] = set()
    split: set[str] = set()
    for c in claims:
        if not c.statement:
            continue
        groups = {n.split(".")[0] for n in _names(c)}
        used |= groups
        if _holistic(c):
            split |= groups
    return used, split


def distribution_scalars(outputs: Mapping[str, Any]) -> dict[str, float]:
    """The distribution outputs in ``outputs`` (one value repeated in every draw), by dotted
    name: ``{"war.p_frozen": 0.17, "explained.territory": 0.4, ...}``."""
    out: dict[str, float] = {}
    for head, value in outputs.items():
        items = value.items() if isinstance(value, Mapping) else [(None, value)]
        for tail, arr in items:
            name = head if tail is None else f"{head}.{tail}"
            if name.startswith(DISTRIBUTION_OUTPUTS):
                arr = np.asarray(arr)
                out[name] = float(arr[0]) if arr.size else float("nan")
    return out


def _patched(outputs: Mapping[str, Any], scalars: Mapping[str, float], n: int) -> dict[str, Any]:
    """``outputs`` with each distribution output of ``scalars`` set to its value (repeated
    over the ``n`` draws of the block)."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in outputs.items()}
    for name, value in scalars.items():
        head, _, tail = name.partition(".")
        if head not in out:
            continue
        if tail:
            out[head][tail] = np.full(n, value)
        else:
            out[head] = np.full(n, value)
    return out


def _nested(scalars: Mapping[str, float], n: int) -> dict[str, Any]:
    """Outputs holding only the distribution outputs of ``scalars``, over ``n`` draws."""
    return _patched({name.partition(".")[0]: {} for name in scalars}, scalars, n)


class _Tally:
    """What one claim has gathered so far: the draws it is about (``sel``) and those where
    it holds (``held``); the same in the lower and the upper half of each input (arrays
    over the inputs that split the draws); the sums of its two sides (a comparison)."""

    def __init__(self, halves: int) -> None:
        self.sel = 0
        self.held = 0
        self.lo_sel = np.zeros(halves, np.int64)
        self.lo_held = np.zeros(halves, np.int64)
        self.hi_sel = np.zeros(halves, np.int64)
        self.hi_held = np.zeros(halves, np.int64)
        self.sides = False
        self.side_n = 0
        self.side_diff = 0.0
        self.side_abs = 0.0
        self.side_equal = True  # the two sides equal in every draw so far
        self.ranges: dict[str, tuple[float, float]] = {}  # each output's least and greatest
        #: held and about among the draws without a victory, then the decisive ones
        #: (:func:`guaranty.claims.ledger.decisive_split`); None without the war's outputs
        self.split: np.ndarray | None = None

    def widen(self, ranges: Mapping[str, tuple[float, float]]) -> None:
        """Take in the ranges of the outputs the claim reads over another block's draws."""
        for name, (lo, hi) in ranges.items():
            old = self.ranges.get(name, (lo, hi))
            self.ranges[name] = (min(old[0], lo), max(old[1], hi))


#: how a claim is counted on the halves: by the draws (per-draw outputs only), from its
#: value on each half (distribution outputs only: the same in every draw of the half), or
#: both (evaluated on each half's outputs draw by draw)
_NONE, _DRAWS, _SCALAR, _MIXED = "none", "draws", "scalar", "mixed"


def _kind(claim: Any) -> str:
    if not claim.statement:
        return _NONE
    names = _names(claim)
    if not any(n.startswith(DISTRIBUTION_OUTPUTS) for n in names):
        return _DRAWS
    # whole names only (``war.p_frozen`` names ``war`` too)
    whole = [n for n in names if not any(m.startswith(n + ".") for m in names)]
    if all(n.startswith(DISTRIBUTION_OUTPUTS) for n in whole):
        return _SCALAR
    return _MIXED


class ChunkedLedger:
    """The ledger of ``claims`` gathered over blocks of a run (:meth:`add`), then read
    (:meth:`results`). ``halves``: the inputs that split the draws, in the run's input
    order; ``scalars``: the run's distribution outputs by dotted name; ``half_scalars``:
    those of the groups named by claims about the distribution, over each half: ``(input
    name, lower half?) -> {name: value}``; ``top`` and ``min_change`` as in
    :func:`guaranty.claims.run_ledger`."""

    def __init__(
        self,
        claims: Sequence[Any],
        halves: Sequence[Half],
        scalars: Mapping[str, float],
        half_scalars: Mapping[tuple[str, bool], Mapping[str, float]] | None = None,
        *,
        top: int = 2,
        min_change: float = 0.1,
    ) -> None:
        self.claims = list(claims)
        self.halves = list(halves)
        self.scalars = dict(scalars)
        self.top = top
        self.min_change = min_change
        self.groups, split = ledger_groups(self.claims)
        self.kinds = [_kind(c) for c in self.claims]
        self.tallies = [_Tally(len(self.halves)) for _ in self.claims]
        self.n = 0
        self.n_low = np.zeros(len(self.halves), np.int64)
        self.half_scalars = half_scalars
        self.prepared = False
        named = set().union(*(_names(c) for c in self.claims if c.statement))
        issues = sorted(n.split(".", 1)[1] for n in named if n.startswith("explained."))
        self.gathered = HalfScalars(self.halves, split, issues)

    @property
    def needs_halves_first(self) -> bool:
        """Whether the outputs over each half must be known before :meth:`add` (a claim
        names both distribution and per-draw outputs): then every block goes through
        :meth:`prepare` first."""
        return self.half_scalars is None and not self.prepared and _MIXED in self.kinds

    def _lows(self, block: Any) -> np.ndarray:
        lows = np.empty((int(block.draws), len(self.halves)), bool)
        for j, h in enumerate(self.halves):
            lows[:, j] = block.inputs[:, h.column] <= h.median
        return lows

    def prepare(self, block: Any) -> None:
        """A first pass over the run's blocks, for :attr:`needs_halves_first`: gather the
        outputs over each half only."""
        if self.half_scalars is None:
            self.gathered.add(block, self._lows(block))
            self.prepared = True

    def _constant(self, i: int) -> np.ndarray:
        """A claim about the distribution alone holds, or not, in every draw of a half:
        (halves, 4) ints, whether it is about the lower half's draws and holds there, then
        the same of the upper half."""
        scalars = self._half_scalars()
        rows = []
        for h in self.halves:
            row = []
            for lower in (True, False):
                holds, sel = _holds_where(self.claims[i], _nested(scalars[(h.name, lower)], 1))
                row += [bool(sel[0]), bool(sel[0] and holds[0])]
            rows.append(row)
        return np.array(rows, np.int64).reshape(len(self.halves), 4)

    def _half_scalars(self) -> Mapping[tuple[str, bool], Mapping[str, float]]:
        if self.half_scalars is None:
            self.half_scalars = self.gathered.result()
        return self.half_scalars

    def add(self, block: Any) -> None:
        """Gather the draws of ``block`` (a :class:`guaranty.results.RunResult` of some of the
        run's draws, its inputs included)."""
        n = int(block.draws)
        if n == 0:
            return
        if self.needs_halves_first:
            raise RuntimeError("a claim needs the outputs over each half: prepare() first")
        lows = self._lows(block)
        if self.half_scalars is None and not self.prepared:
            self.gathered.add(block, lows)
        base = block.outputs(self.groups)
        full = _patched(base, self.scalars, n)
        self.n += n
        self.n_low += lows.sum(axis=0)
        by_draw: list[tuple[_Tally, np.ndarray, np.ndarray]] = []
        for c, t, kind in zip(self.claims, self.tallies, self.kinds, strict=True):
            if kind == _NONE:
                continue
            holds, sel = _holds_where(c, full)
            t.sel += int(sel.sum())
            t.held += int((holds & sel).sum())
            if statement_names(c.statement) & ENDING_OUTPUTS:
                split = decisive_split(holds, sel, full)
                if split is not None:
                    t.split = np.add(t.split if t.split is not None else 0.0, split)
            self._sides(c, t, full, sel)
            if kind != _SCALAR and sel.any():
                t.widen(output_ranges(c.statement, full, sel))
            if kind == _DRAWS:
                by_draw.append((t, sel, holds & sel))
            elif kind == _MIXED:
                self._mixed(c, t, base, lows)
            # _SCALAR: counted from the half's size when the ledger is read
        if by_draw:  # every per-draw claim on every half at once: counts as a product
            low = lows.astype(np.float32)
            sel = np.column_stack([s for _, s, _ in by_draw]).astype(np.float32)
            held = np.column_stack([h for _, _, h in by_draw]).astype(np.float32)
            sel_low = np.rint(low.T @ sel).astype(np.int64)
            held_low = np.rint(low.T @ held).astype(np.int64)
            for m, (t, _, _) in enumerate(by_draw):
                t.lo_sel += sel_low[:, m]
                t.lo_held += held_low[:, m]
                t.hi_sel += int(by_draw[m][1].sum()) - sel_low[:, m]
                t.hi_held += int(by_draw[m][2].sum()) - held_low[:, m]

    def _mixed(self, c: Any, t: _Tally, base: Mapping[str, Any], lows: np.ndarray) -> None:
        """A claim on per-draw and distribution outputs: evaluated on each half's outputs."""
        n = lows.shape[0]
        scalars = self._half_scalars()
        for j, h in enumerate(self.halves):
            for lower in (True, False):
                outputs = _patched(base, scalars[(h.name, lower)], n)
                holds, sel = _holds_where(c, outputs)
                sel = sel & (lows[:, j] if lower else ~lows[:, j])
                if lower:
                    t.lo_sel[j] += int(sel.sum())
                    t.lo_held[j] += int((holds & sel).sum())
                else:
                    t.hi_sel[j] += int(sel.sum())
                    t.hi_held[j] += int((holds & sel).sum())

    @staticmethod
    def _sides(c: Any, t: _Tally, outputs: Mapping[str, Any], sel: np.ndarray) -> None:
        sides = comparison_sides(c.statement, outputs)
        if sides is None:
            return
        t.sides = True
        a, b = (v[sel] for v in sides)
        ok = ~(np.isnan(a) | np.isnan(b))
        t.side_n += int(ok.sum())
        t.side_diff += float(np.sum(a[ok] - b[ok]))
        t.side_abs += float(np.sum(np.abs(a[ok]) + np.abs(b[ok])))
        t.side_equal = t.side_equal and bool(np.array_equal(a[ok], b[ok]))

    def _swings(self, t: _Tally) -> list[Swing]:
        swings = []
        for j, h in enumerate(self.halves):
            lo_sel, lo_held = int(t.lo_sel[j]), int(t.lo_held[j])
            hi_sel, hi_held = int(t.hi_sel[j]), int(t.hi_held[j])
            if lo_sel and hi_sel:
                swings.append((h.name, lo_held / lo_sel, hi_held / hi_sel))
        return swings

    def results(self) -> list[ClaimResult]:
        """The ledger, in the claims' order (as :func:`guaranty.claims.run_ledger` gives it)."""
        out = []
        endings = {k: v for k, v in self.scalars.items() if k.startswith("war.p_")}
        for i, (c, t) in enumerate(zip(self.claims, self.tallies, strict=True)):
            given = getattr(c, "given", None)
            note = getattr(c, "note", None)
            if not c.statement:
                out.append(_unchecked(c, given=given, note=note))
                continue
            if self.kinds[i] == _SCALAR:
                k = self._constant(i)
                t.lo_sel, t.lo_held = k[:, 0] * self.n_low, k[:, 1] * self.n_low
                t.hi_sel, t.hi_held = (
                    k[:, 2] * (self.n - self.n_low),
                    k[:, 3] * (self.n - self.n_low),
                )
                # what it reads, one value over the run (as the in-memory ledger gives it)
                t.ranges = output_ranges(c.statement, _nested(self.scalars, 1), np.ones(1, bool))
            share = t.held / t.sel if t.sel else None
            said = float("nan") if share is None else share

            def tie(over: str, t: _Tally = t) -> tuple[str, str] | None:
                if not t.sides or t.side_n == 0:
                    return None
                scale = max(1.0, t.side_abs / t.side_n / 2.0)
                return tie_text(t.side_diff / t.side_n, scale, over, equal=t.side_equal)

            def verdict_of(
                kept: tuple[Swing, ...],
                c: Any = c,
                n: int = t.sel,
                share: float = said,
                tie: Any = tie,
                ranges: dict[str, tuple[float, float]] = t.ranges,
                split: tuple[float, ...] | None = (
                    None if t.split is None else tuple(float(x) for x in t.split)
                ),
            ) -> tuple[str, str]:
                return verdict_reading(
                    c,
                    n,
                    share,
                    tie,
                    kept,
                    ranges=ranges,
                    endings=endings,
                    split=split,
                )

            extra = {"given": given, "note": note, "n": t.sel}
            swings = self._swings(t)
            out.append(judged(c, share, swings, self.top, self.min_change, verdict_of, **extra))
        return out


def ledger_in_blocks(
    claims: Sequence[Any],
    result: Any,
    *,
    block: int = 5000,
    gather: bool = False,
    top: int = 2,
    min_change: float = 0.1,
) -> list[ClaimResult]:
    """The ledger of a run in memory (:class:`guaranty.results.RunResult`) gathered ``block``
    draws at a time by :class:`ChunkedLedger`: the same results as
    :func:`guaranty.claims.run_ledger` (the tests check both against each other, and the
    ledger of a stored run against this). The outputs over each half are those of the
    run's subsets, as :func:`guaranty.claims.run_ledger` computes them, or with ``gather``
    those gathered block by block (:class:`guaranty.claims.halves.HalfScalars`), as for a
    stored run."""
    halves = []
    for k, name in enumerate(result.layout.inputs):
        values = result.inputs[:, k]
        ok = ~np.isnan(values)
        if ok.sum() < 2 or np.ptp(values[ok]) == 0:
            continue
        median = float(np.median(values[ok]))
        low = values <= median
        if low.all() or not low.any():
            continue
        halves.append(Half(name, k, median))
    used, split = ledger_groups(claims)
    scalars = distribution_scalars(result.outputs(used))
    half_scalars: dict[tuple[str, bool], dict[str, float]] | None = None
    if not gather:
        half_scalars = {}
        for h in halves if split else ():
            low = result.inputs[:, h.column] <= h.median
            for lower in (True, False):
                part = result.outputs_where(low if lower else ~low, split)
                half_scalars[(h.name, lower)] = distribution_scalars(part)
    ledger = ChunkedLedger(claims, halves, scalars, half_scalars, top=top, min_change=min_change)

    def blocks() -> Iterable[Any]:
        for start in range(0, result.draws, block):
            mask = np.zeros(result.draws, bool)
            mask[start : start + block] = True
            yield result.subset(mask)

    if ledger.needs_halves_first:
        for part in blocks():
            ledger.prepare(part)
    for part in blocks():
        ledger.add(part)
    return ledger.results()
