"""The outputs that summarise a run's distribution over each half of each uncertain input,
gathered a block of draws at a time (:class:`HalfScalars`), for the claims ledger of a run
too big to hold at once (:mod:`guaranty.claims.chunked`).

:func:`guaranty.claims.run_ledger` recomputes such outputs (``war.p_frozen``,
``p_peace_reached``, ``p_design.DESIGN``, ``explained.ISSUE``) on the draws of each half, from
the run in memory. Here each is a sum over the draws in the half, so blocks add up: the
shares are counts, and the share of a settled term's variance the war explains (the R² of a
least-squares fit on how the war went, :meth:`guaranty.results.RunResult.explained`) comes
from sums of the regressors, the term and their products. All halves are counted at once,
as products of the (draws x inputs) matrix of "in the lower half" with the block's columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from guaranty.models.war.battlefield import OUTCOMES

__all__ = ["HalfScalars", "r2_from_sums"]

_DECISIVE_A = OUTCOMES.index("decisive_a")
_DECISIVE_B = OUTCOMES.index("decisive_b")
#: regressors of the R² (those of RunResult.explained) and the term: 6 variables
_VARS = 6
#: the sums kept per half: the count, each variable, each product of two (upper triangle)
_SUMS = 1 + _VARS + _VARS * (_VARS + 1) // 2


def _features(z: np.ndarray) -> np.ndarray:
    """Per row of ``z`` (rows x 6): 1, the six values and their 21 products (i <= j)."""
    i, j = np.triu_indices(_VARS)
    return np.column_stack([np.ones(len(z)), z, z[:, i] * z[:, j]])


def r2_from_sums(sums: np.ndarray, lo: float, hi: float) -> float:
    """The R² of the least-squares fit (with an intercept) of the last of the six variables
    on the other five, from the sums of :func:`_features` over some rows (``lo``, ``hi``:
    the fitted variable's range there): NaN for fewer than 3 rows or a constant variable, as
    :meth:`guaranty.results.RunResult.explained`."""
    n = float(sums[0])
    if n < 3 or not lo < hi:
        return float("nan")
    mean = sums[1 : 1 + _VARS] / n
    second = np.zeros((_VARS, _VARS))
    i, j = np.triu_indices(_VARS)
    second[i, j] = second[j, i] = sums[1 + _VARS :] / n
    cov = second - np.outer(mean, mean)
    var_y = cov[-1, -1]
    if var_y <= 0:
        return float("nan")
    cxy = cov[:-1, -1]
    b = np.linalg.lstsq(cov[:-1, :-1], cxy, rcond=None)[0]
    return float(b @ cxy / var_y)


class _Explained:
    """The sums of one issue's R² in each half (``low``: the lower halves, ``all``: every
    draw; an upper half is their difference), and the term's range in each half."""

    def __init__(self, halves: int) -> None:
        self.low = np.zeros((halves, _SUMS))
        self.all = np.zeros(_SUMS)
        self.range = np.array([[np.inf, -np.inf, np.inf, -np.inf]] * halves)  # lo/hi, lower/upper
        self.centre: np.ndarray | None = None

    def add(self, x: np.ndarray, y: np.ndarray, low: np.ndarray) -> None:
        if self.centre is None:  # sums of values centred once, so that they do not cancel
            self.centre = np.append(x.mean(axis=0), y.mean())
        f = _features(np.column_stack([x, y]) - self.centre)
        self.low += low.T.astype(float) @ f
        self.all += f.sum(axis=0)
        for col, mask in ((0, low), (2, ~low)):
            lo = np.where(mask, y[:, None], np.inf).min(axis=0)
            hi = np.where(mask, y[:, None], -np.inf).max(axis=0)
            self.range[:, col] = np.minimum(self.range[:, col], lo)
            self.range[:, col + 1] = np.maximum(self.range[:, col + 1], hi)

    def r2(self, j: int, lower: bool) -> float:
        sums = self.low[j] if lower else self.all - self.low[j]
        lo, hi = self.range[j, 0:2] if lower else self.range[j, 2:4]
        return r2_from_sums(sums, lo, hi)


class HalfScalars:
    """The distribution outputs of the output ``groups`` (``war``, ``p_peace_reached``,
    ``p_design``, ``explained``) over the lower and the upper half of each of ``halves``
    (:class:`guaranty.claims.chunked.Half`), gathered by :meth:`add` and read by
    :meth:`result`; ``issues``: the issues whose ``explained`` share is wanted."""

    def __init__(self, halves: Sequence[Any], groups: set[str], issues: Sequence[str]) -> None:
        self.halves = list(halves)
        self.groups = set(groups)
        self.issues = list(issues) if "explained" in groups else []
        h = len(self.halves)
        self.n = 0
        self.n_low = np.zeros(h)
        self.outcomes = (np.zeros((h, len(OUTCOMES))), np.zeros(len(OUTCOMES)))
        self.peace = (np.zeros(h), 0.0)
        self.designs: tuple[str, ...] = ()
        self.design: tuple[np.ndarray, np.ndarray] | None = None
        self.explained = {i: _Explained(h) for i in self.issues}

    def add(self, block: Any, lows: np.ndarray) -> None:
        """Gather ``block`` (a :class:`guaranty.results.RunResult` of some draws); ``lows``:
        (draws, halves) bool, whether each draw is in the lower half of each input."""
        low = lows.astype(float)
        self.n += int(block.draws)
        self.n_low += low.sum(axis=0)
        if "war" in self.groups:
            hot = (block.war_outcome[:, None] == np.arange(len(OUTCOMES))).astype(float)
            self.outcomes[0][...] += low.T @ hot
            self.outcomes[1][...] += hot.sum(axis=0)
        if "p_peace_reached" in self.groups:
            peace = block.peace.astype(float)
            self.peace = (self.peace[0] + low.T @ peace, self.peace[1] + float(peace.sum()))
        if "p_design" in self.groups:
            self.designs = tuple(block.layout.designs)
            hot = (block.design[:, None] == np.arange(len(self.designs))).astype(float)
            if self.design is None:
                self.design = (
                    np.zeros((len(self.halves), len(self.designs))),
                    np.zeros(len(self.designs)),
                )
            self.design = (self.design[0] + low.T @ hot, self.design[1] + hot.sum(axis=0))
        if self.issues:
            self._add_explained(block, lows)

    def _add_explained(self, block: Any, lows: np.ndarray) -> None:
        p = block.peace
        x = np.column_stack(
            [
                block.front[p],
                block.end_month[p].astype(float),
                block.force_a[p],
                block.force_b[p],
                (block.war_outcome[p] == _DECISIVE_A).astype(float),
            ]
        )
        issues = list(block.layout.issues)
        for issue, acc in self.explained.items():
            y = block.settled[p, issues.index(issue)]
            ok = ~np.isnan(y)
            if ok.any():
                acc.add(x[ok], y[ok], lows[p][ok])

    def _shares(self, j: int, lower: bool, n: float) -> dict[str, float]:
        out: dict[str, float] = {}
        if "war" in self.groups:
            low, every = self.outcomes
            counts = low[j] if lower else every - low[j]
            out.update({f"war.p_{k}": counts[c] / n for c, k in enumerate(OUTCOMES)})
            out["war.p_decisive"] = (counts[_DECISIVE_A] + counts[_DECISIVE_B]) / n
        if "p_peace_reached" in self.groups:
            low_p, every_p = self.peace
            out["p_peace_reached"] = (low_p[j] if lower else every_p - low_p[j]) / n
        if self.design is not None:
            low_d, every_d = self.design
            counts = low_d[j] if lower else every_d - low_d[j]
            out.update({f"p_design.{d}": counts[k] / n for k, d in enumerate(self.designs)})
        return out

    def result(self) -> dict[tuple[str, bool], dict[str, float]]:
        """``(input name, lower half?) -> {dotted output name: value}``."""
        out: dict[tuple[str, bool], dict[str, float]] = {}
        for j, h in enumerate(self.halves):
            for lower in (True, False):
                n = float(self.n_low[j] if lower else self.n - self.n_low[j])
                got = self._shares(j, lower, n) if n else {}
                for issue, acc in self.explained.items():
                    got[f"explained.{issue}"] = acc.r2(j, lower)
                out[(h.name, lower)] = got
        return out
