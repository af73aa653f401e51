"""The claims ledger of a stored run, read a block of draws at a time
(:func:`stored_ledger`): the same verdicts, shares and swings as
:func:`guaranty.claims.run_ledger` on the run in memory, with memory bounded by the block.

What the blocks cannot give is computed in SQL first (:mod:`guaranty.claims.chunked` says
why): the median of each uncertain input (:func:`halves`, in two scans that hold a few
percent of the values), and the outputs that summarise the whole run's distribution (the war's
shares, the designs' shares, the share of peaces, the share of each settled term the war
explains: :class:`guaranty.store.stats.RunStats`). Then each block of draws is read
(:func:`guaranty.store.tables.read_run`) and its claims counted, with the same outputs over
each half of each input gathered on the way (:class:`guaranty.claims.halves.HalfScalars`; a
claim that names both per-draw and distribution outputs needs them before its draws are
counted, and then the blocks are read twice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from guaranty.claims import ClaimResult
from guaranty.claims.chunked import ChunkedLedger, Half, ledger_groups
from guaranty.store.stats import RunStats
from guaranty.store.tables import long_inputs, read_run

__all__ = ["BLOCK_DRAWS", "halves", "stored_ledger"]

#: draws read at a time (about 2 KB each in memory, with the outputs computed from them)
BLOCK_DRAWS = 25_000
#: the ranks around the median that the first pass brackets, on a sample of
#: :data:`_SAMPLE` draws: the share of the sample below the run's median is 0.5 give or take
#: 0.0035 (one standard deviation), so a bracket of 1.5% either side misses it about once in
#: 40,000 inputs (and the median is then computed from all the input's values)
_BRACKET = (0.485, 0.515)
_SAMPLE = 20_000


def halves(stats: RunStats) -> list[Half]:
    """The inputs that split the run's draws in two (those that vary), with their medians
    over the values that are not NaN, as :func:`guaranty.claims.run_ledger` takes them
    (numpy's median: the middle value, or the mean of the two middle ones).

    An exact median holds every value; two scans of the ``inputs`` table avoid that: the
    first counts each input's values and brackets its median between two quantiles of a
    sample of the draws, the second counts the values below the bracket and keeps those
    inside it (a few percent of them), whose order statistics give the median. An input
    whose median falls outside its bracket has it computed from all its values."""
    names = stats.layout.inputs
    ok = "NOT isnan(value)"
    inputs = long_inputs(len(names))
    first = stats.rows(
        f"""SELECT input, count(value) FILTER ({ok}), count(*) - count(value) FILTER ({ok}),
                   min(value) FILTER ({ok}), max(value) FILTER ({ok}),
                   quantile_cont(value, [{_BRACKET[0]}, {_BRACKET[1]}])
                       FILTER ({ok} AND draw % $step = 0)
            FROM {inputs} GROUP BY input ORDER BY input""",
        step=max(1, stats.draws // _SAMPLE),
    )
    varies = [r for r in first if r[1] >= 2 and r[3] != r[4]]
    lows: list[float | None] = [None] * len(names)
    highs: list[float | None] = [None] * len(names)
    for k, _, _, _, _, bracket in varies:
        lows[int(k)], highs[int(k)] = (float(v) for v in bracket or (np.nan, np.nan))
    rows = stats.rows(
        f"""SELECT input, count(*) FILTER (value < $lo[input + 1]),
                   list(value) FILTER (value >= $lo[input + 1] AND value <= $hi[input + 1])
            FROM {inputs} WHERE {ok} AND $lo[input + 1] IS NOT NULL
            GROUP BY input""",
        lo=lows,
        hi=highs,
    )
    counts = {int(r[0]): int(r[1]) for r in varies}
    medians: dict[int, float | None] = {}
    while rows:  # one input at a time, its values let go as soon as its median is known
        k, below, inside = rows.pop()
        medians[int(k)] = _median(counts[int(k)], int(below), inside or [])
    out = []
    for k, _, n_nan, _, hi, _ in varies:
        median = medians.get(int(k))
        if median is None:
            median = _exact_median(stats, int(k))
        if hi <= median and n_nan == 0:
            continue  # every draw would be in its lower half
        out.append(Half(names[int(k)], int(k), median))
    return out


def _median(n: int, below: int, inside: list[float]) -> float | None:
    """numpy's median of ``n`` values from the values ``inside`` a bracket with ``below``
    values under it; None if a middle value is outside the bracket."""
    lo, hi = (n - 1) // 2 - below, n // 2 - below
    if lo < 0 or hi >= len(inside):
        return None
    values = np.partition(np.asarray(inside, dtype=float), [lo, hi])
    return float(values[lo]) if lo == hi else float((values[lo] + values[hi]) / 2)


def _exact_median(stats: RunStats, k: int) -> float:
    """One input's median from all its values (the fallback of :func:`halves`)."""
    col = f"x{k + 1}::DOUBLE"
    rows = stats.rows(
        f"SELECT list({col}) FROM inputs WHERE run_id = $run AND draw < $n AND NOT isnan({col})"
    )
    return float(np.median(np.asarray(rows[0][0], dtype=float)))


def _full_scalars(stats: RunStats, used: set[str]) -> dict[str, float]:
    """The distribution outputs of the groups ``used``, over the whole run."""
    out: dict[str, float] = {}
    if "war" in used:
        shares = stats.shares()
        out.update({f"war.p_{k}": v for k, v in shares.items()})
        out["war.p_decisive"] = shares["decisive_a"] + shares["decisive_b"]
    if "p_peace_reached" in used:
        out["p_peace_reached"] = stats.peace_draws() / stats.draws
    if "p_design" in used:
        out.update({f"p_design.{k}": v for k, v in stats.design_shares().items()})
    if "explained" in used:
        out.update({f"explained.{k}": v for k, v in stats.explained().items()})
    return out


def stored_ledger(
    stats: RunStats,
    claims: Sequence[Any],
    *,
    block: int = BLOCK_DRAWS,
    top: int = 2,
    min_change: float = 0.1,
    progress: Callable[[int, int], None] | None = None,
) -> list[ClaimResult]:
    """The claims ledger of the stored run whose aggregates are ``stats`` (its first
    ``stats.draws`` draws), read ``block`` draws at a time; ``progress(done, total)`` is
    called after each block."""
    claims = list(claims)
    hs = halves(stats) if any(c.statement for c in claims) else []
    used, _ = ledger_groups(claims)
    ledger = ChunkedLedger(claims, hs, _full_scalars(stats, used), top=top, min_change=min_change)
    starts = range(0, stats.draws, block)
    passes = 2 if ledger.needs_halves_first else 1
    for step in range(passes):
        for start in starts:
            end = min(start + block, stats.draws)
            part = read_run(stats.con, stats.path, stats.info, end, start)
            if step + 1 < passes:
                ledger.prepare(part)
            else:
                ledger.add(part)
            if progress is not None:
                progress(step * stats.draws + end, passes * stats.draws)
    return ledger.results()
