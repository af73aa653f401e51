"""The aggregates of a stored run that its report shows, computed in SQL by DuckDB
(:class:`RunStats`), so that a report of a run of any size holds no per-draw array.

:class:`RunStats` answers the same questions as :class:`guaranty.results.RunResult` (the run
in memory) with the same numbers: the JSON summary (shares, means, medians and central
intervals: ``quantile_cont`` interpolates linearly between order statistics, as numpy's
default ``quantile`` does), the share of the variance of each settled term that the war
explains (least squares from the covariances, ``covar_pop``, rather than from the draws),
and what the report's figures show (histograms counted in SQL with the bins of
:func:`guaranty.results.bin_width`; means and quantiles per design). Means and quantiles
agree with numpy's to rounding (about 1e-12); shares and counts exactly. The credibility
of each design as the run computed it (:meth:`RunStats.credibility`) is read off the same
summary.

Memory: a quantile holds the values it is taken over, so each query takes one column of one
table at a time (one design's P(honor) at a time), at most 8 bytes per draw and design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from guaranty.models.war.battlefield import OUTCOMES
from guaranty.results import BINS, METRICS, bin_width
from guaranty.store.failures import store_failure
from guaranty.store.tables import layout_of

__all__ = ["X_COLUMNS", "RunStats", "StoredCredibility", "StoredDesign", "r2_from_moments"]

#: how the war went, the regressors of :meth:`RunStats.explained` (SQL over ``draws``), in
#: the order of :meth:`guaranty.results.RunResult.explained`
X_COLUMNS = (
    "front",
    "end_month::DOUBLE",
    "force_a",
    "force_b",
    "(war_outcome = 'decisive_a')::DOUBLE",
)


def _q(p: float) -> str:
    """A probability as a SQL double literal, to the last bit."""
    return f"{p!r}::DOUBLE"


def stat_sql(expr: str, lo: float, hi: float) -> str:
    """The aggregates of :func:`stat` over ``expr`` (NULLs left out): mean, the ``lo``,
    median and ``hi`` quantiles, count."""
    qs = f"[{_q(lo)}, 0.5::DOUBLE, {_q(hi)}]"
    return f"avg({expr}), quantile_cont({expr}, {qs}), count({expr})"


def stat(mean: Any, q: Any, n: Any) -> dict[str, Any]:
    """One quantity's summary as :meth:`guaranty.results.RunResult.summary` gives it, from
    the three values :func:`stat_sql` selects."""
    if not n:
        return {"mean": None, "median": None, "interval": None, "n": 0}
    return {
        "mean": float(mean),
        "median": float(q[1]),
        "interval": [float(q[0]), float(q[2])],
        "n": int(n),
    }


def moments_sql(y: str, xs: tuple[str, ...] = X_COLUMNS) -> list[str]:
    """The aggregates :func:`r2_from_moments` reads, over the rows where ``y`` is not NULL:
    count, min and max of ``y``, its variance, the covariances of the ``xs`` and theirs
    with ``y``."""
    out = [f"count({y})", f"min({y})", f"max({y})", f"var_pop({y})"]
    k = len(xs)
    for i in range(k):
        for j in range(i, k):
            out.append(f"covar_pop({xs[i]}, {xs[j]}) FILTER ({y} IS NOT NULL)")
    out += [f"covar_pop({x}, {y})" for x in xs]
    return out


def r2_from_moments(row: tuple[Any, ...], k: int = len(X_COLUMNS)) -> float:
    """The R² of the least-squares fit (with an intercept) of ``y`` on ``k`` regressors
    from the aggregates of :func:`moments_sql`: slopes from the covariances, R² their
    explained variance over ``y``'s (NaN for fewer than 3 values or a constant ``y``, as
    :meth:`guaranty.results.RunResult.explained`)."""
    n, lo, hi, var_y = row[:4]
    if not n or n < 3 or lo == hi or not var_y:
        return float("nan")
    cov = np.zeros((k, k))
    pos = 4
    for i in range(k):
        for j in range(i, k):
            cov[i, j] = cov[j, i] = float(row[pos] or 0.0)
            pos += 1
    cxy = np.array([float(v or 0.0) for v in row[pos : pos + k]])
    b = np.linalg.lstsq(cov, cxy, rcond=None)[0]
    return float(b @ cxy / float(var_y))


@dataclass(frozen=True)
class StoredDesign:
    """One design's credibility as a stored run computed it: what
    :class:`guaranty.credibility.DesignCredibility` gives the report (its JSON, the mean
    P(honor) of each guarantor), read off the run's summary."""

    design: Any  # guaranty.scenario.schema.Design
    guarantors: tuple[str, ...]
    horizon: int
    json: dict[str, Any]
    means: tuple[float, ...]
    #: as :attr:`guaranty.credibility.DesignCredibility.attack_as_today`
    attack_as_today: bool = False

    def to_json(self) -> dict[str, Any]:
        return self.json

    def honor_means(self) -> list[float]:
        return list(self.means)


@dataclass(frozen=True)
class StoredCredibility:
    """The designs' credibility of a stored run (``origin`` "run", as
    :func:`guaranty.credibility.from_run` gives it for a run in memory)."""

    scenario: str
    designs: tuple[StoredDesign, ...]
    draws: int
    seed: int
    horizon: int
    origin: str = "run"


class RunStats:
    """A stored run's first ``draws`` draws (all stored, from draw 0), aggregated in SQL on
    demand. ``con``: an open connection to the store at ``path``; ``info``: the run's
    ``runs`` row. Attributes as :class:`guaranty.results.RunResult`'s: ``scenario``,
    ``seed``, ``draws``, ``layout``, ``meta``."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, path: str, info: dict[str, Any], draws: int
    ) -> None:
        self.con = con
        self.path = path
        self.info = info
        self.run_id = str(info["run_id"])
        self.scenario = info["scenario"]
        self.seed = int(info["seed"])
        self.draws = int(draws)
        self.layout = layout_of(info)
        self.meta = {"run_id": self.run_id, "version": info["version"], "store": path}
        self._memo: dict[Any, Any] = {}

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """The rows of ``sql``, with ``$run`` (the run id) and ``$n`` (its draws) bound."""
        args = {"run": self.run_id, "n": self.draws, **params}
        try:
            return self.con.execute(
                sql, {k: v for k, v in args.items() if f"${k}" in sql}
            ).fetchall()
        except duckdb.Error as exc:
            raise store_failure(self.path, exc, "reading the run") from None

    # -- shares ---------------------------------------------------------------------------

    def _counts(self, column: str, where: str = "TRUE") -> dict[Any, int]:
        got = self.rows(
            f"SELECT {column}, count(*) FROM draws WHERE run_id = $run AND draw < $n "
            f"AND {where} GROUP BY ALL"
        )
        return {k: int(c) for k, c in got}

    def shares(self) -> dict[str, float]:
        """Share of draws per war outcome."""
        counts = self._counts("war_outcome")
        return {name: counts.get(name, 0) / self.draws for name in OUTCOMES}

    def design_shares(self) -> dict[str, float]:
        """Share of draws in which each design is the settled one."""
        counts = self._counts("design")
        return {d: counts.get(d, 0) / self.draws for d in self.layout.designs}

    def peace_draws(self) -> int:
        """The number of draws with a peace."""
        return sum(self._counts("peace", "peace").values())

    def explained(self) -> dict[str, float]:
        """Per issue, the share of the variance of the settled term (over the draws with a
        peace) explained by how the war went (:data:`X_COLUMNS`), as
        :meth:`guaranty.results.RunResult.explained`."""
        if "explained" not in self._memo:
            got = self.rows(
                f"""SELECT t.issue, {", ".join(moments_sql("t.value"))}
                    FROM terms t JOIN (SELECT * FROM draws WHERE run_id = $run
                                       AND draw < $n AND peace) d USING (draw)
                    WHERE t.run_id = $run AND t.draw < $n GROUP BY t.issue"""
            )
            by_issue = {r[0]: r2_from_moments(r[1:]) for r in got}
            self._memo["explained"] = {i: by_issue.get(i, float("nan")) for i in self.layout.issues}
        return dict(self._memo["explained"])

    # -- the summary ----------------------------------------------------------------------

    def summary(self, level: float = 0.9) -> dict[str, Any]:
        """The JSON-ready summary of :meth:`guaranty.results.RunResult.summary`, in SQL."""
        if ("summary", level) in self._memo:
            return self._memo[("summary", level)]
        lo, hi = (1 - level) / 2, (1 + level) / 2
        row = self.rows(
            f"""SELECT {
                stat_sql("CASE WHEN war_outcome <> 'ongoing' THEN end_month::DOUBLE END", lo, hi)
            },
                       {stat_sql("front", lo, hi)},
                       {stat_sql("CASE WHEN war_outcome = 'settlement' THEN terms END", lo, hi)},
                       avg(peace::DOUBLE),
                       avg(CASE WHEN front <= 0 THEN 1.0 ELSE 0.0 END),
                       avg(CASE WHEN front >= 100 THEN 1.0 ELSE 0.0 END)
                FROM draws WHERE run_id = $run AND draw < $n"""
        )[0]
        settled = {
            r[0]: stat(*r[1:])
            for r in self.rows(
                f"SELECT issue, {stat_sql('value', lo, hi)} FROM terms "
                "WHERE run_id = $run AND draw < $n GROUP BY issue"
            )
        }
        empty = stat(None, None, 0)
        shares = self.design_shares()
        per_design, chosen = self._metric_stats(lo, hi)
        out = {
            "scenario": self.scenario,
            "seed": self.seed,
            "draws": self.draws,
            "model": self.layout.model,
            "level": level,
            "war": {
                "outcomes": self.shares(),
                "end_month": stat(*row[0:3]),
                "front": stat(*row[3:6]),
                "settlement_line": stat(*row[6:9]),
                # the line is clipped to the territory scale: the shares at either end
                "front_at_floor": float(row[10]),
                "front_at_top": float(row[11]),
            },
            "peace": float(row[9]),
            "settled": {i: settled.get(i, empty) for i in self.layout.issues},
            "explained": self.explained(),
            "designs": {
                d: {"share": shares[d], **{m: per_design[m].get(d, empty) for m in METRICS}}
                for d in self.layout.designs
            },
            "chosen": chosen,
            "honor": self._honor_stats(lo, hi),
        }
        self._memo[("summary", level)] = out
        return out

    def _metric_stats(
        self, lo: float, hi: float
    ) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, dict[str, Any]]]:
        """Per metric: each design's summary over every draw, and the settled design's."""
        per_design: dict[str, dict[str, dict[str, Any]]] = {}
        chosen: dict[str, dict[str, Any]] = {}
        base = "FROM outcomes WHERE run_id = $run AND draw < $n"
        for metric in METRICS:  # one column at a time: a quantile holds its values
            m = f"{metric}::DOUBLE"  # stored as REAL: interpolated in DOUBLE, as numpy does
            got = self.rows(f"SELECT design, {stat_sql(m, lo, hi)} {base} GROUP BY design")
            per_design[metric] = {r[0]: stat(*r[1:]) for r in got}
            chosen[metric] = stat(*self.rows(f"SELECT {stat_sql(m, lo, hi)} {base} AND settled")[0])
        return per_design, chosen

    def _honor_stats(self, lo: float, hi: float) -> dict[str, dict[str, Any]]:
        out = {}
        for k, (d, g) in enumerate(self.layout.pairs):  # one column at a time
            col = f"h{k + 1}::DOUBLE"
            out[f"{d}/{g}"] = stat(
                *self.rows(
                    f"SELECT {stat_sql(col, lo, hi)} FROM honor WHERE run_id = $run AND draw < $n"
                )[0]
            )
        return out

    # -- what the figures show ------------------------------------------------------------

    def war_histograms(self, bins: int = BINS) -> dict[str, Any]:
        """As :meth:`guaranty.results.RunResult.war_histograms`, counted in SQL."""
        lo, hi = self.rows(
            "SELECT min(front), max(front) FROM draws WHERE run_id = $run AND draw < $n"
        )[0]
        lo, hi = float(lo), float(hi)
        width = bin_width(lo, hi, bins)
        shares = self.shares()
        out: dict[str, Any] = {
            name: {"share": shares[name], "months": {}, "front": [0] * bins}
            for name in OUTCOMES
            if shares[name] > 0
        }
        for name, month, c in self.rows(
            "SELECT war_outcome, end_month, count(*) FROM draws WHERE run_id = $run "
            "AND draw < $n GROUP BY ALL ORDER BY ALL"
        ):
            out[name]["months"][int(month)] = int(c)
        for name, k, c in self.rows(
            "SELECT war_outcome, least(floor((front - $lo) / $w), $b - 1)::INTEGER, count(*) "
            "FROM draws WHERE run_id = $run AND draw < $n GROUP BY ALL",
            lo=lo,
            w=width,
            b=bins,
        ):
            out[name]["front"][int(k)] = int(c)
        return {"front": (lo, width), "outcomes": out}

    def still_fighting(self, months: int) -> list[float]:
        """Share of draws still fighting after month t, for t = 0 .. ``months``."""
        got = self.rows(
            "SELECT end_month, war_outcome = 'ongoing', count(*) FROM draws "
            "WHERE run_id = $run AND draw < $n GROUP BY ALL"
        )
        ongoing = sum(int(c) for _, on, c in got if on)
        ended = [(int(m), int(c)) for m, on, c in got if not on]
        return [
            (ongoing + sum(c for m, c in ended if m > t)) / self.draws for t in range(months + 1)
        ]

    def last_month(self) -> int:
        return int(
            self.rows("SELECT max(end_month) FROM draws WHERE run_id = $run AND draw < $n")[0][0]
        )

    def guarantee_levels(self) -> np.ndarray:
        """As :meth:`guaranty.results.RunResult.guarantee_levels` (in the order of the
        draws)."""
        sql = (
            "SELECT guarantee_level FROM draws WHERE run_id = $run AND draw < $n "
            "AND guarantee_level IS NOT NULL ORDER BY draw"
        )
        try:
            got = self.con.execute(sql, {"run": self.run_id, "n": self.draws}).fetchnumpy()
        except duckdb.Error as exc:
            raise store_failure(self.path, exc, "reading the run") from None
        return np.asarray(got["guarantee_level"], dtype=float)

    def level_histogram(self, bins: int = BINS) -> dict[str, Any] | None:
        """As :meth:`guaranty.results.RunResult.level_histogram`, counted in SQL."""
        where = "run_id = $run AND draw < $n AND guarantee_level IS NOT NULL"
        lo, hi = self.rows(
            f"SELECT min(guarantee_level), max(guarantee_level) FROM draws WHERE {where}"
        )[0]
        if lo is None:
            return None
        lo, hi = float(lo), float(hi)
        width = bin_width(lo, hi, bins)
        counts = [0] * bins
        for k, c in self.rows(
            "SELECT least(floor((guarantee_level - $lo) / $w), $b - 1)::INTEGER, count(*) "
            f"FROM draws WHERE {where} GROUP BY ALL",
            lo=lo,
            w=width,
            b=bins,
        ):
            counts[int(k)] = int(c)
        return {"lo": lo, "width": width, "counts": counts}

    def design_intervals(
        self, metric: str, lo: float = 0.05, hi: float = 0.95
    ) -> list[tuple[float, float, float] | None]:
        """As :meth:`guaranty.results.RunResult.design_intervals`, in SQL."""
        if metric not in METRICS:
            raise KeyError(metric)
        peace = (
            "AND draw IN (SELECT draw FROM draws WHERE run_id = $run AND draw < $n AND peace)"
            if self.peace_draws()
            else ""
        )
        got = {
            r[0]: r[1:]
            for r in self.rows(
                f"SELECT design, avg({metric}::DOUBLE), "
                f"quantile_cont({metric}::DOUBLE, [{_q(lo)}, {_q(hi)}]), "
                f"count({metric}) FROM outcomes WHERE run_id = $run AND draw < $n {peace} "
                "GROUP BY design"
            )
        }
        out: list[tuple[float, float, float] | None] = []
        for d in self.layout.designs:
            mean, q, n = got.get(d, (None, None, 0))
            out.append(None if not n else (float(mean), float(q[0]), float(q[1])))
        return out

    # -- credibility ----------------------------------------------------------------------

    def credibility(self, scenario: Any, level: float = 0.9) -> StoredCredibility:
        """Every design's credibility as the run computed it, for the report: what
        :func:`guaranty.credibility.from_run` gives for the run in memory (means over the
        draws, central ``level`` intervals), from :meth:`summary`."""
        from guaranty.credibility_case import attack_as_today, fight_as_today

        summ = self.summary(level)
        as_today, same = attack_as_today(scenario), fight_as_today(scenario)
        horizon = (scenario.deterrence.years if scenario.deterrence else 10) or 10
        aggressor = scenario.credibility.aggressor if scenario.credibility else None
        agg_cow = scenario.actor(aggressor).cow if aggressor else None
        designs = []
        for d_id in self.layout.designs:
            design = next(d for d in scenario.guarantees if d.id == d_id)
            gs = tuple(g for d, g in self.layout.pairs if d == d_id)
            unable = {
                g
                for g in gs
                if g == aggressor or (agg_cow is not None and scenario.actor(g).cow == agg_cow)
            }
            honor = [summ["honor"][f"{d_id}/{g}"] for g in gs]
            designs.append(
                StoredDesign(
                    design,
                    gs,
                    horizon,
                    _design_json(
                        design.label,
                        summ["designs"][d_id],
                        gs,
                        honor,
                        unable,
                        horizon,
                        as_today=d_id in as_today,
                        fight_today=d_id in same,
                    ),
                    tuple(np.nan if h["mean"] is None else h["mean"] for h in honor),
                    attack_as_today=d_id in as_today,
                )
            )
        return StoredCredibility(self.scenario, tuple(designs), self.draws, self.seed, horizon)


def _design_json(
    label: str,
    j: dict[str, Any],
    guarantors: tuple[str, ...],
    honor: list[dict[str, Any]],
    unable: set[str],
    h: int,
    *,
    as_today: bool,
    fight_today: bool,
) -> dict[str, Any]:
    """:meth:`guaranty.credibility.DesignCredibility.to_json` from a design's summary ``j``
    (P(attack) = 1 - P(no attack): its mean and interval turned over)."""
    from guaranty.credibility import ALL_UNABLE

    attack = j["p_no_attack"]
    interval = attack["interval"]
    flipped = {
        "mean": None if attack["mean"] is None else 1.0 - attack["mean"],
        "interval": None if interval is None else [1.0 - interval[1], 1.0 - interval[0]],
    }
    by = "the aggressor cannot fight itself"
    return {
        "label": label,
        "guarantors": {
            g: {
                "p_honor": s["mean"],
                "ci": s["interval"],
                **({"by_construction": by} if g in unable else {}),
            }
            for g, s in zip(guarantors, honor, strict=True)
        },
        "p_any": j["p_any"]["mean"],
        "p_any_ci": j["p_any"]["interval"],
        "p_all": j["p_all"]["mean"],
        "p_all_ci": j["p_all"]["interval"],
        **({"p_all_by_construction": ALL_UNABLE} if unable else {}),
        "expected_capability": j["expected_capability"]["mean"],
        "expected_capability_ci": j["expected_capability"]["interval"],
        f"p_attack_{h}y": flipped["mean"],
        f"p_attack_{h}y_ci": flipped["interval"],
        f"p_abandoned_{h}y": j["p_abandoned"]["mean"],
        f"p_abandoned_{h}y_ci": j["p_abandoned"]["interval"],
        "p_attack_as_today": as_today,
        "p_any_as_today": fight_today,
    }
