"""The tables of the results store and the reading and writing of a run's draws.

Columns are read by name; a run's layout comes from its ``runs`` row and the scenario's JSON
(read as plain JSON: the store does not validate scenarios again).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import duckdb
import numpy as np

from guaranty.errors import GuarantyError
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.results import METRICS, BlockResult, Layout, RunResult
from guaranty.store.sweeps import SWEEP_DDL

__all__ = [
    "DATA_TABLES",
    "DDL",
    "SCHEMA_VERSION",
    "digest",
    "layout_of",
    "read_run",
    "stored_draws",
    "write_block",
]

#: 2 added the ``honor`` table (stores of version 1 gain it when opened; their runs have
#: no rows in it, and read back NaN)
SCHEMA_VERSION = 2

DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY,
        scenario VARCHAR NOT NULL,
        scenario_hash VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        version VARCHAR NOT NULL,
        draws BIGINT NOT NULL,
        block_size INTEGER NOT NULL,
        model VARCHAR NOT NULL,
        issues VARCHAR[] NOT NULL,
        designs VARCHAR[] NOT NULL,
        inputs VARCHAR[] NOT NULL,
        source VARCHAR,
        scenario_json VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL DEFAULT current_timestamp,
        finished TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS blocks (
        run_id VARCHAR NOT NULL, block INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (run_id, block)
    )""",
    """CREATE TABLE IF NOT EXISTS draws (
        run_id VARCHAR NOT NULL,
        draw BIGINT NOT NULL,
        war_outcome VARCHAR NOT NULL,
        end_month SMALLINT NOT NULL,
        front DOUBLE NOT NULL,
        terms DOUBLE,
        force_a DOUBLE NOT NULL,
        force_b DOUBLE NOT NULL,
        peace BOOLEAN NOT NULL,
        design VARCHAR,
        guarantee_level DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS outcomes (
        run_id VARCHAR NOT NULL,
        draw BIGINT NOT NULL,
        design VARCHAR NOT NULL,
        settled BOOLEAN NOT NULL,
        """
    + ",\n        ".join(f"{m} DOUBLE" for m in METRICS)
    + """
    )""",
    """CREATE TABLE IF NOT EXISTS terms (
        run_id VARCHAR NOT NULL, draw BIGINT NOT NULL, issue VARCHAR NOT NULL, value DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS inputs (
        run_id VARCHAR NOT NULL, draw BIGINT NOT NULL, input SMALLINT NOT NULL, value DOUBLE
    )""",
]

DDL.append(
    """CREATE TABLE IF NOT EXISTS scenarios (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        origin VARCHAR NOT NULL,
        parent VARCHAR,
        filename VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL DEFAULT current_timestamp
    )"""
)

DDL.append(
    """CREATE TABLE IF NOT EXISTS honor (
        run_id VARCHAR NOT NULL, draw BIGINT NOT NULL, design VARCHAR NOT NULL,
        guarantor VARCHAR NOT NULL, p_honor DOUBLE
    )"""
)

DDL.extend(SWEEP_DDL)  # the sweeps' tables (guaranty.store.sweeps); stores gain them when opened

#: the tables with rows per draw, and the order of their rows in a digest
DATA_TABLES = {
    "draws": "draw",
    "outcomes": "draw, design",
    "terms": "draw, issue",
    "inputs": "draw, input",
    "honor": "draw, design, guarantor",
}


def write_block(con: duckdb.DuckDBPyConnection, run_id: str, lay: Layout, r: BlockResult) -> None:
    """Insert the rows of block ``r`` of run ``run_id`` (the caller holds the transaction and
    writes the ``blocks`` row).

    Columns go in as numpy arrays (DuckDB scans the local dicts below by name); names (run
    id, outcome, design, issue, guarantor) are attached in SQL from short lists, which keeps
    string arrays out of the bulk path."""
    n = r.n
    draw = np.arange(r.start, r.start + n, dtype=np.int64)
    d_tbl = {  # noqa: F841 - read by DuckDB
        "draw": draw,
        "outcome": r.war_outcome.astype(np.int16) + 1,
        "end_month": r.end_month.astype(np.int16),
        "front": r.front,
        "terms": r.terms,
        "force_a": r.force_a,
        "force_b": r.force_b,
        "peace": r.peace,
        "design": r.design.astype(np.int16) + 1,
        "guarantee_level": r.guarantee_level,
    }
    con.execute(
        "INSERT INTO draws SELECT $run, draw, $outcomes[outcome], end_month, front, "
        "CASE WHEN isnan(terms) THEN NULL ELSE terms END, force_a, force_b, peace, "
        "CASE WHEN design = 0 THEN NULL ELSE $designs[design] END, "
        "CASE WHEN isnan(guarantee_level) THEN NULL ELSE guarantee_level END FROM d_tbl",
        {"run": run_id, "outcomes": list(OUTCOMES), "designs": list(lay.designs)},
    )
    k = len(lay.designs)
    o_tbl: dict[str, np.ndarray] = {
        "draw": np.tile(draw, k),
        "design": np.repeat(np.arange(1, k + 1, dtype=np.int16), n),
        "settled": (r.design[None, :] == np.arange(k)[:, None]).ravel(),
    }
    for m in METRICS:
        o_tbl[m] = r.whatif[m].ravel()
    nulls = ", ".join(f"CASE WHEN isnan({m}) THEN NULL ELSE {m} END" for m in METRICS)
    con.execute(
        f"INSERT INTO outcomes SELECT $run, draw, $designs[design], settled, {nulls} FROM o_tbl",
        {"run": run_id, "designs": list(lay.designs)},
    )
    t_tbl = _long(draw, r.settled)  # noqa: F841 - read by DuckDB
    con.execute(
        "INSERT INTO terms SELECT $run, draw, $issues[k], value FROM t_tbl WHERE NOT isnan(value)",
        {"run": run_id, "issues": list(lay.issues)},
    )
    if lay.inputs:
        in_tbl = _long(draw, r.inputs)  # noqa: F841 - read by DuckDB
        con.execute(
            "INSERT INTO inputs SELECT $run, draw, k - 1, value FROM in_tbl", {"run": run_id}
        )
    if lay.pairs:
        h_tbl = _long(draw, r.honor.T)  # noqa: F841 - read by DuckDB
        con.execute(
            "INSERT INTO honor SELECT $run, draw, $designs[k], $guarantors[k], "
            "CASE WHEN isnan(value) THEN NULL ELSE value END FROM h_tbl",
            {
                "run": run_id,
                "designs": [d for d, _ in lay.pairs],
                "guarantors": [g for _, g in lay.pairs],
            },
        )


def _long(draw: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """The cells of ``values`` (shape (draws, k)) as columns: the draw, the column number
    ``k`` (from 1, as DuckDB's lists count) and the value."""
    n, k = values.shape
    return {
        "draw": np.repeat(draw, k),
        "k": np.tile(np.arange(1, k + 1, dtype=np.int16), n),
        "value": values.ravel(),
    }


def layout_of(info: dict[str, Any]) -> Layout:
    """The layout of a stored run from its ``runs`` row (the issues' roles and the designs'
    guarantors from the scenario's JSON)."""
    scenario = json.loads(info["scenario_json"])
    roles = [i.get("role") for i in scenario.get("issues", [])]
    pairs = tuple(
        (d["id"], g) for d in scenario.get("guarantees", []) for g in d.get("guarantors", [])
    )
    return Layout(
        model=info["model"],
        issues=tuple(info["issues"]),
        designs=tuple(info["designs"]),
        inputs=tuple(info["inputs"]),
        guarantee_issue=roles.index("guarantee") if "guarantee" in roles else None,
        territory_issue=roles.index("territory") if "territory" in roles else None,
        pairs=pairs,
    )


def _nan(column: str) -> str:
    return f"coalesce({column}, 'nan'::DOUBLE) AS {column}"


def stored_draws(con: duckdb.DuckDBPyConnection, path: str, run_id: str, limit: int) -> int:
    """How many of the run's first ``limit`` draws are stored (all of draws 0 .. n - 1,
    counted in SQL: nothing is read into memory); an error if none is, or if one is
    missing in between (as :func:`read_run` says)."""
    row = con.execute(
        "SELECT count(*), max(draw) FROM draws WHERE run_id = ? AND draw < ?", [run_id, limit]
    ).fetchone()
    n, last = (0, None) if row is None else (int(row[0]), row[1])
    if n == 0:
        raise GuarantyError(f"{path}: run {run_id} has no draws stored yet")
    if last is None or int(last) + 1 != n:
        raise GuarantyError(
            f"{path}: run {run_id} is incomplete (draws missing); run it again "
            "with the same arguments to finish it"
        )
    return n


def _draw_columns(
    con: duckdb.DuckDBPyConnection, path: str, run_id: str, limit: int, start: int = 0
) -> dict:
    d = con.execute(
        f"""SELECT draw, war_outcome, end_month, front, {_nan("terms")}, force_a, force_b,
                   peace, coalesce(design, '') AS design, {_nan("guarantee_level")}
            FROM draws WHERE run_id = ? AND draw >= ? AND draw < ? ORDER BY draw""",
        [run_id, start, limit],
    ).fetchnumpy()
    n = len(d["draw"])
    if n == 0:
        raise GuarantyError(f"{path}: run {run_id} has no draws stored yet")
    if not np.array_equal(np.asarray(d["draw"]), np.arange(start, start + n)):
        raise GuarantyError(
            f"{path}: run {run_id} is incomplete (draws missing); run it again "
            "with the same arguments to finish it"
        )
    return d


def _per_design(
    con: duckdb.DuckDBPyConnection, run_id: str, lay: Layout, n: int, start: int = 0
) -> dict[str, np.ndarray]:
    o = con.execute(
        f"""SELECT {", ".join(_nan(m) for m in METRICS)}
            FROM outcomes o
            JOIN (SELECT unnest(?) AS design, generate_subscripts(?, 1) AS k) USING (design)
            WHERE run_id = ? AND draw >= ? AND draw < ? ORDER BY k, draw""",
        [list(lay.designs), list(lay.designs), run_id, start, start + n],
    ).fetchnumpy()
    return {m: np.asarray(o[m], dtype=float).reshape(len(lay.designs), n) for m in METRICS}


def _cells(
    con: duckdb.DuckDBPyConnection, sql: str, args: list[Any], shape: tuple[int, int]
) -> np.ndarray:
    """A (rows, columns) array of NaN filled from the query's (row, col, value) triples."""
    out = np.full(shape, np.nan)
    t = con.execute(sql, args).fetchnumpy()
    rows, cols, values = (np.asarray(t[k]) for k in ("row", "col", "value"))
    if rows.size:
        out[rows, cols] = np.asarray(values, dtype=float)
    return out


def read_run(
    con: duckdb.DuckDBPyConnection, path: str, info: dict[str, Any], limit: int, start: int = 0
) -> RunResult:
    """The draws ``start`` .. ``limit - 1`` of the run described by its ``runs`` row
    ``info`` (the whole run's first ``limit`` draws by default; a later ``start`` reads one
    block of a run too big to hold at once)."""
    run_id = info["run_id"]
    lay = layout_of(info)
    d = _draw_columns(con, path, run_id, limit, start)
    n = len(d["draw"])
    end = start + n
    code = {name: k for k, name in enumerate(OUTCOMES)}
    design_index = {name: k for k, name in enumerate(lay.designs)}
    issues = list(lay.issues)
    pairs = [f"{a}\x1f{b}" for a, b in lay.pairs]
    settled = _cells(
        con,
        "SELECT draw - ? AS row, list_position(?, issue) - 1 AS col, value FROM terms "
        "WHERE run_id = ? AND draw >= ? AND draw < ?",
        [start, issues, run_id, start, end],
        (n, len(issues)),
    )
    inputs = _cells(
        con,
        "SELECT draw - ? AS row, input AS col, value FROM inputs "
        "WHERE run_id = ? AND draw >= ? AND draw < ?",
        [start, run_id, start, end],
        (n, len(lay.inputs)),
    )
    honor = _cells(
        con,
        "SELECT list_position(?, design || chr(31) || guarantor) - 1 AS row, draw - ? AS col, "
        "p_honor AS value FROM honor WHERE run_id = ? AND draw >= ? AND draw < ?",
        [pairs, start, run_id, start, end],
        (len(pairs), n),
    )
    return RunResult(
        scenario=info["scenario"],
        seed=int(info["seed"]),
        draws=n,
        layout=lay,
        war_outcome=np.array([code[v] for v in d["war_outcome"]], dtype=np.int8),
        end_month=np.asarray(d["end_month"]),
        front=np.asarray(d["front"], dtype=float),
        terms=np.asarray(d["terms"], dtype=float),
        force_a=np.asarray(d["force_a"], dtype=float),
        force_b=np.asarray(d["force_b"], dtype=float),
        peace=np.asarray(d["peace"], dtype=bool),
        settled=settled,
        design=np.array([design_index.get(v, -1) for v in d["design"]], dtype=np.int16),
        guarantee_level=np.asarray(d["guarantee_level"], dtype=float),
        whatif=_per_design(con, run_id, lay, n, start),
        inputs=inputs,
        honor=honor,
        meta={"run_id": run_id, "version": info["version"], "store": path},
    )


def digest(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """A SHA-256 of every stored row of the run, in draw order (for reproducibility checks)."""
    h = hashlib.sha256()
    for table, order in DATA_TABLES.items():
        cur = con.execute(
            f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ? ORDER BY {order}",
            [run_id],
        )
        while True:
            rows = cur.fetchmany(100_000)
            if not rows:
                break
            h.update(json.dumps(rows, default=repr).encode())
    return h.hexdigest()
