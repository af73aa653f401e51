"""The sweeps of the results store: the chain over a design matrix, one row per design point
(``guaranty sweep``, :mod:`guaranty.sweep`, docs/sweep.md).

Tables (created with the others through :data:`guaranty.store.tables.DDL`):

``sweeps``        one row per sweep, keyed by ``sweep_id`` = a hash of (scenario hash,
                  design, n, seed, block, version, code digest): the design, the names of
                  the quantile columns (``columns``: every input the design sets, then
                  ``chance`` for a Sobol design) and of the output columns (``outputs``);
``sweep_units``   the finished units (a unit: the points of one matrix of the design that
                  share one stream of chance; bookkeeping for resuming);
``sweep_points``  one row per (sweep, design point): the point's index in the design's row
                  order (SALib's), its unit, its quantiles (``DOUBLE[]`` in the order of
                  ``sweeps.columns``) and its outputs (``DOUBLE[]`` in the order of
                  ``sweeps.outputs``; NaN where an output is missing in that draw).

A chunk's rows and its ``sweep_units`` rows are written in one transaction, so a killed
sweep leaves only whole units behind and the same command resumes from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from guaranty.errors import GuarantyError
from guaranty.store.failures import guarded
from guaranty.store.keys import pick_id

if TYPE_CHECKING:
    from guaranty.store import Store

__all__ = [
    "SWEEP_DDL",
    "StoredSweep",
    "done_units",
    "find_sweep",
    "list_sweeps",
    "open_sweep",
    "read_sweep",
    "set_sweep_status",
    "write_units",
]

SWEEP_DDL = [
    """CREATE TABLE IF NOT EXISTS sweeps (
        sweep_id VARCHAR PRIMARY KEY,
        scenario VARCHAR NOT NULL,
        scenario_hash VARCHAR NOT NULL,
        design VARCHAR NOT NULL,
        n INTEGER NOT NULL,
        seed BIGINT NOT NULL,
        block_size INTEGER NOT NULL,
        version VARCHAR NOT NULL,
        points BIGINT NOT NULL,
        units INTEGER NOT NULL,
        factors VARCHAR[] NOT NULL,
        columns VARCHAR[] NOT NULL,
        outputs VARCHAR[] NOT NULL,
        source VARCHAR,
        scenario_json VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL DEFAULT current_timestamp,
        finished TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS sweep_units (
        sweep_id VARCHAR NOT NULL, unit INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (sweep_id, unit)
    )""",
    """CREATE TABLE IF NOT EXISTS sweep_points (
        sweep_id VARCHAR NOT NULL,
        point BIGINT NOT NULL,
        unit INTEGER NOT NULL,
        quantiles DOUBLE[] NOT NULL,
        outputs DOUBLE[] NOT NULL
    )""",
]


class _On:
    """The store's path and connection under the name :func:`guarded` expects."""

    def __init__(self, st: Store) -> None:
        self.path, self.con, self.st = st.path, st.con, st


@guarded("opening the sweep")
def _open(on: _On, row: dict[str, Any]) -> None:
    have = on.con.execute(
        "SELECT columns, outputs FROM sweeps WHERE sweep_id = ?", [row["sweep_id"]]
    ).fetchone()
    if have is None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        on.con.execute(f"INSERT INTO sweeps ({cols}) VALUES ({marks})", list(row.values()))
        return
    if list(have[0]) != list(row["columns"]) or list(have[1]) != list(row["outputs"]):
        raise GuarantyError(  # pragma: no cover - same hash, same code: same columns
            f"{on.path}: sweep {row['sweep_id']} has other columns"
        )
    on.con.execute(
        "UPDATE sweeps SET status = 'running', finished = NULL WHERE sweep_id = ?",
        [row["sweep_id"]],
    )


def open_sweep(st: Store, row: dict[str, Any]) -> None:
    """Create the sweep's ``sweeps`` row (``row``: column -> value), or mark an existing
    one (the same sweep, resumed) running again."""
    _open(_On(st), row)


@guarded("reading the finished units")
def _done(on: _On, sweep_id: str) -> dict[int, int]:
    rows = on.con.execute(
        "SELECT unit, n FROM sweep_units WHERE sweep_id = ?", [sweep_id]
    ).fetchall()
    return {int(u): int(n) for u, n in rows}


def done_units(st: Store, sweep_id: str) -> dict[int, int]:
    """The sweep's finished units: unit -> points stored."""
    return _done(_On(st), sweep_id)


@guarded("writing a sweep's points")
def _write(
    on: _On,
    sweep_id: str,
    units: Sequence[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    con = on.con
    con.execute("BEGIN TRANSACTION")
    try:
        for unit, points, q, y in units:
            n = len(points)
            tbl: dict[str, np.ndarray] = {"point": np.asarray(points, dtype=np.int64)}
            for k in range(q.shape[1]):
                tbl[f"q{k}"] = np.ascontiguousarray(q[:, k], dtype=float)
            for k in range(y.shape[1]):
                tbl[f"y{k}"] = np.ascontiguousarray(y[:, k], dtype=float)
            qs = ", ".join(f"q{k}" for k in range(q.shape[1]))
            ys = ", ".join(f"y{k}" for k in range(y.shape[1]))
            con.register("sweep_chunk", tbl)
            try:
                con.execute(
                    f"INSERT INTO sweep_points SELECT ?, point, ?, [{qs}]::DOUBLE[], "
                    f"[{ys}]::DOUBLE[] FROM sweep_chunk",
                    [sweep_id, unit],
                )
            finally:
                con.unregister("sweep_chunk")
            con.execute("INSERT INTO sweep_units VALUES (?, ?, ?)", [sweep_id, unit, n])
        con.execute("COMMIT")
    except BaseException:
        on.st._rollback()
        raise


def write_units(
    st: Store,
    sweep_id: str,
    units: Iterable[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    """Write whole units, each with its ``sweep_units`` row, in one transaction: ``units``
    holds (unit, points (n,), quantiles (n, columns), outputs (n, outputs))."""
    _write(_On(st), sweep_id, list(units))


@guarded("setting a sweep's status")
def _status(on: _On, sweep_id: str, status: str) -> None:
    finished = "current_timestamp" if status == "done" else "NULL"
    on.con.execute(
        f"UPDATE sweeps SET status = ?, finished = {finished} WHERE sweep_id = ?",
        [status, sweep_id],
    )


def set_sweep_status(st: Store, sweep_id: str, status: str) -> None:
    """Mark the sweep ``done`` (with the time) or ``cancelled``."""
    _status(_On(st), sweep_id, status)


@guarded("listing the sweeps")
def _list(on: _On) -> list[dict[str, Any]]:
    if not _has_tables(on):
        return []
    cur = on.con.execute(
        """SELECT s.sweep_id, s.scenario, s.scenario_hash, s.design, s.n, s.seed, s.points, s.units,
                  s.status, s.version, s.created, s.finished, coalesce(sum(u.n), 0) AS stored
           FROM sweeps s LEFT JOIN sweep_units u USING (sweep_id)
           GROUP BY ALL ORDER BY s.created DESC, s.sweep_id"""
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _has_tables(on: _On) -> bool:
    row = on.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'sweeps'"
    ).fetchone()
    return bool(row and row[0])


def list_sweeps(st: Store) -> list[dict[str, Any]]:
    """Every sweep of the store, newest first, with the points stored."""
    return _list(_On(st))


def find_sweep(st: Store, ref: str, scenario_hash: str | None = None) -> str:
    """The id of the sweep ``ref`` names: its whole id, the start of exactly one sweep's id,
    or ``latest`` (the newest sweep, of the scenario with ``scenario_hash`` if given). An
    error that names the store's sweeps otherwise."""
    rows = list_sweeps(st)
    if ref == "latest":
        mine = [r for r in rows if scenario_hash is None or r["scenario_hash"] == scenario_hash]
        if mine:
            return str(mine[0]["sweep_id"])
        raise GuarantyError(
            f"{st.path}: no sweep of this scenario in the results store "
            "(guaranty sweep FILE --store writes one)"
        )
    return pick_id(
        [str(r["sweep_id"]) for r in rows],
        ref,
        kind="sweep",
        store=st.path,
        none_yet="guaranty sweep FILE --store writes them",
    )


@dataclass(frozen=True)
class StoredSweep:
    """A finished sweep read back: ``info`` (its ``sweeps`` row), ``quantiles`` of shape
    (points, columns) and ``outputs`` of shape (points, outputs), rows in point order."""

    info: dict[str, Any]
    quantiles: np.ndarray
    outputs: np.ndarray


@guarded("reading a sweep")
def _read(on: _On, sweep_id: str) -> StoredSweep:
    cur = on.con.execute("SELECT * FROM sweeps WHERE sweep_id = ?", [sweep_id])
    row = cur.fetchone()
    if row is None:
        raise GuarantyError(f"{on.path}: no sweep {sweep_id!r}")
    info = dict(zip([d[0] for d in cur.description], row, strict=True))
    points = int(info["points"])
    got = on.con.execute(
        "SELECT count(*), min(point), max(point) FROM sweep_points WHERE sweep_id = ?",
        [sweep_id],
    ).fetchone()
    if got is None or int(got[0]) != points or got[1] != 0 or got[2] != points - 1:
        stored = 0 if got is None else int(got[0])
        raise GuarantyError(
            f"{on.path}: sweep {sweep_id} is incomplete ({stored:,} of its {points:,} design "
            "points are stored); run the same guaranty sweep command again to finish it"
        )
    ncol, nout = len(info["columns"]), len(info["outputs"])
    q = np.empty((points, ncol))
    y = np.empty((points, nout))
    qs = ", ".join(f"quantiles[{k + 1}] AS q{k}" for k in range(ncol))
    ys = ", ".join(f"outputs[{k + 1}] AS y{k}" for k in range(nout))
    d = on.con.execute(
        f"SELECT {qs}, {ys} FROM sweep_points WHERE sweep_id = ? ORDER BY point", [sweep_id]
    ).fetchnumpy()
    for k in range(ncol):
        q[:, k] = np.asarray(d[f"q{k}"], dtype=float)
    for k in range(nout):
        y[:, k] = np.asarray(np.ma.filled(d[f"y{k}"], np.nan), dtype=float)
    return StoredSweep(info=info, quantiles=q, outputs=y)


def read_sweep(st: Store, sweep_id: str) -> StoredSweep:
    """The sweep's stored points (an error if some are missing: an unfinished sweep)."""
    return _read(_On(st), sweep_id)
