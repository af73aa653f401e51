"""The tables of the results store and the reading and writing of a run's draws.

Columns are read by name; a run's layout comes from its ``runs`` row and the scenario's JSON
(read as plain JSON: the store does not validate scenarios again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from guaranty.errors import GuarantyError
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.plan import BLOCK
from guaranty.results import METRICS, BlockResult, Layout, RunResult
from guaranty.store.sweeps import SWEEP_DDL

__all__ = [
    "CATALOGUE_DDL",
    "DATA_DDL",
    "DATA_TABLES",
    "DDL",
    "PARQUET",
    "SCHEMA_VERSION",
    "WIDE",
    "digest",
    "emit",
    "layout_of",
    "long_inputs",
    "pair_names",
    "read_run",
    "stored_draws",
    "wide_columns",
    "widen",
]

#: 2 added the ``honor`` table; 3 (the lean store, docs/store.md) keeps ``inputs`` and
#: ``honor`` wide (a REAL column per input and per (design, guarantor) pair) and the
#: ``outcomes`` metrics as REAL. Stores of an older version are refused when opened
#: (:func:`guaranty.store.Store`), with what to do.
SCHEMA_VERSION = 3

#: the prefixes of the wide tables' numbered columns: input k of a run (from 0, in the
#: order of its ``runs.inputs``) is column ``x{k+1}`` of ``inputs``; pair k of its
#: ``runs.honor`` ("design/guarantor") is column ``h{k+1}`` of ``honor``
WIDE = {"inputs": "x", "honor": "h"}

#: the tables with rows per draw (and ``blocks``), as the catalogue of either kind of store
#: holds them: columns, in order, with their types (the wide tables gain numbered columns)
DATA_DDL = {
    "blocks": """(
        run_id VARCHAR NOT NULL, block INTEGER NOT NULL, n INTEGER NOT NULL
    )""",
    "draws": """(
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
    "outcomes": """(
        run_id VARCHAR NOT NULL,
        draw BIGINT NOT NULL,
        design VARCHAR NOT NULL,
        settled BOOLEAN NOT NULL,
        """
    + ",\n        ".join(f"{m} REAL" for m in METRICS)
    + """
    )""",
    "terms": """(
        run_id VARCHAR NOT NULL, draw BIGINT NOT NULL, issue VARCHAR NOT NULL, value DOUBLE
    )""",
    "inputs": "(run_id VARCHAR NOT NULL, draw BIGINT NOT NULL)",
    "honor": "(run_id VARCHAR NOT NULL, draw BIGINT NOT NULL)",
}

#: the catalogue: a run's row, the store's version, the web's scenarios (every store keeps
#: these in a DuckDB file; a folder store keeps its rows per draw in Parquet files)
CATALOGUE_DDL = [
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
        honor VARCHAR[] NOT NULL,
        source VARCHAR,
        scenario_json VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL DEFAULT current_timestamp,
        finished TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS scenarios (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        origin VARCHAR NOT NULL,
        parent VARCHAR,
        filename VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
]

#: every table of a DuckDB store (a store of version 3)
DDL = CATALOGUE_DDL + [f"CREATE TABLE IF NOT EXISTS {t} {cols}" for t, cols in DATA_DDL.items()]

DDL.extend(SWEEP_DDL)  # the sweeps' tables (guaranty.store.sweeps); stores gain them when opened

#: the tables with rows per draw, and the order of their rows in a digest
DATA_TABLES = {
    "draws": "draw",
    "outcomes": "draw, design",
    "terms": "draw, issue",
    "inputs": "draw",
    "honor": "draw",
}

#: Parquet files of a folder store: zstd, version 2 pages (byte-stream-split floats)
PARQUET = "FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2"


def wide_columns(table: str, k: int) -> list[str]:
    """The numbered columns of the wide ``table`` for ``k`` inputs or pairs."""
    return [f"{WIDE[table]}{j}" for j in range(1, k + 1)]


def widen(con: duckdb.DuckDBPyConnection, table: str, k: int) -> None:
    """Give the wide ``table`` (``inputs`` or ``honor``; a table or ``empty.{table}``) at
    least ``k`` numbered REAL columns.

    An empty table (a new store's, or a folder store's schema ``empty``) is made again with
    every column at once rather than given one ALTER per column (the Ukraine scenario has
    194): a run's row, on the path to its first chunk, then takes 0.01 s instead of 0.06 s
    (``benchmarks/bench_run_timeline.py``)."""
    described = con.execute(f"DESCRIBE {table}").fetchall()
    have = {r[0] for r in described}
    missing = [col for col in wide_columns(table.rsplit(".", 1)[-1], k) if col not in have]
    if not missing:
        return
    (empty,) = con.execute(f"SELECT count(*) = 0 FROM (SELECT 1 FROM {table} LIMIT 1)").fetchone()
    if empty:
        columns = [
            f"{name} {kind}{' NOT NULL' if null == 'NO' else ''}"
            for name, kind, null, *_ in described
        ] + [f"{col} REAL" for col in missing]
        con.execute(f"CREATE OR REPLACE TABLE {table} ({', '.join(columns)})")
        return
    for col in missing:
        con.execute(f"ALTER TABLE {table} ADD COLUMN {col} REAL")


def long_inputs(k: int) -> str:
    """A subquery of run ``$run``'s first ``$n`` draws' ``k`` inputs in long form, a row
    per (draw, input): ``draw``, ``input`` (from 0) and ``value`` (DOUBLE; NaN kept)."""
    if k == 0:
        return (
            "(SELECT NULL::BIGINT AS draw, NULL::SMALLINT AS input, NULL::DOUBLE AS value LIMIT 0)"
        )
    cols = wide_columns("inputs", k)
    wide = ", ".join(f"{c}::DOUBLE AS {c}" for c in cols)
    return (
        f"(SELECT draw, (col[2:])::SMALLINT - 1 AS input, value FROM (UNPIVOT (SELECT draw, "
        f"{wide} FROM inputs WHERE run_id = $run AND draw < $n) ON {', '.join(cols)} "
        "INTO NAME col VALUE value))"
    )


def pair_names(lay: Layout) -> list[str]:
    """The ``runs.honor`` names of the layout's (design, guarantor) pairs."""
    return [f"{d}/{g}" for d, g in lay.pairs]


def _cat(results: Sequence[BlockResult], name: str, axis: int = 0) -> np.ndarray:
    return np.concatenate([getattr(r, name) for r in results], axis=axis)


def emit(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    lay: Layout,
    results: Sequence[BlockResult],
    folder: Path | None = None,
) -> None:
    """The rows of the blocks ``results`` of run ``run_id`` (with their ``blocks`` rows):
    inserted into the store's tables (``folder`` None; the caller holds the transaction), or
    written as one Parquet file per table into ``folder`` (``draws.parquet`` ...). The same
    SELECTs feed both, so either kind of store holds the same rows with the same types.

    Columns go in as numpy arrays (DuckDB scans the local dicts below by name); names (run
    id, outcome, design, issue) are attached in SQL from short lists, which keeps string
    arrays out of the bulk path. Per draw: ``draw`` shape (n,); ``whatif[m]`` (designs,
    n); ``settled`` (n, issues); ``inputs`` (n, inputs); ``honor`` (pairs, n)."""
    k = len(lay.designs)
    draw = np.concatenate([np.arange(r.start, r.start + r.n, dtype=np.int64) for r in results])
    n = draw.size
    blk_tbl = {  # noqa: F841 - read by DuckDB
        "block": np.array([r.start // BLOCK for r in results], dtype=np.int32),
        "n": np.array([r.n for r in results], dtype=np.int32),
    }
    d_tbl = {  # noqa: F841 - read by DuckDB
        "draw": draw,
        "outcome": _cat(results, "war_outcome").astype(np.int16) + 1,
        "end_month": _cat(results, "end_month").astype(np.int16),
        "front": _cat(results, "front"),
        "terms": _cat(results, "terms"),
        "force_a": _cat(results, "force_a"),
        "force_b": _cat(results, "force_b"),
        "peace": _cat(results, "peace"),
        "design": _cat(results, "design").astype(np.int16) + 1,
        "guarantee_level": _cat(results, "guarantee_level"),
    }
    design = _cat(results, "design")
    o_tbl: dict[str, np.ndarray] = {
        "draw": np.tile(draw, k),
        "design": np.repeat(np.arange(1, k + 1, dtype=np.int16), n),
        "settled": (design[None, :] == np.arange(k)[:, None]).ravel(),
    }
    for m in METRICS:
        o_tbl[m] = np.concatenate([r.whatif[m] for r in results], axis=1).astype(np.float32).ravel()
    t_tbl = _long(draw, _cat(results, "settled"))  # noqa: F841 - read by DuckDB
    i_tbl = {"draw": draw}
    values = _cat(results, "inputs").astype(np.float32)
    for j, col in enumerate(wide_columns("inputs", len(lay.inputs))):
        i_tbl[col] = values[:, j]
    h_tbl = {"draw": draw}
    honor = _cat(results, "honor", axis=1).astype(np.float32)
    for j, col in enumerate(wide_columns("honor", len(lay.pairs))):
        h_tbl[col] = honor[j]
    nulls = ", ".join(f"CASE WHEN isnan({m}) THEN NULL ELSE {m} END::REAL AS {m}" for m in METRICS)
    h_cols = ", ".join(
        f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END::REAL AS {c}"
        for c in wide_columns("honor", len(lay.pairs))
    )
    i_cols = ", ".join(f"{c}::REAL AS {c}" for c in wide_columns("inputs", len(lay.inputs)))
    run = "$run::VARCHAR AS run_id"
    selects = {
        "draws": (
            f"SELECT {run}, draw, $outcomes[outcome]::VARCHAR AS war_outcome, end_month, "
            "front::DOUBLE AS front, "
            "CASE WHEN isnan(terms) THEN NULL ELSE terms END::DOUBLE AS terms, "
            "force_a::DOUBLE AS force_a, force_b::DOUBLE AS force_b, peace::BOOLEAN AS peace, "
            "CASE WHEN design = 0 THEN NULL ELSE $designs[design] END::VARCHAR AS design, "
            "CASE WHEN isnan(guarantee_level) THEN NULL ELSE guarantee_level END::DOUBLE "
            "AS guarantee_level FROM d_tbl",
            {"outcomes": list(OUTCOMES), "designs": list(lay.designs) or [""]},
        ),
        "outcomes": (
            f"SELECT {run}, draw, $designs[design]::VARCHAR AS design, settled, {nulls} FROM o_tbl",
            {"designs": list(lay.designs) or [""]},
        ),
        "terms": (
            f"SELECT {run}, draw, $issues[k]::VARCHAR AS issue, value::DOUBLE AS value "
            "FROM t_tbl WHERE NOT isnan(value)",
            {"issues": list(lay.issues) or [""]},
        ),
        "inputs": (f"SELECT {run}, draw, {i_cols} FROM i_tbl", {}) if lay.inputs else None,
        "honor": (f"SELECT {run}, draw, {h_cols} FROM h_tbl", {}) if lay.pairs else None,
        "blocks": (f"SELECT {run}, block, n FROM blk_tbl", {}),
    }
    for table, query in selects.items():
        if query is None:
            continue
        sql, params = query
        params = {"run": run_id, **params}
        if folder is None:
            con.execute(f"INSERT INTO {table} BY NAME {sql}", params)
        else:
            target = str(folder / f"{table}.parquet").replace("'", "''")
            con.execute(f"COPY ({sql}) TO '{target}' ({PARQUET})", params)


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
    return f"coalesce({column}::DOUBLE, 'nan'::DOUBLE) AS {column}"


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


def _wide(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, k: int, start: int, end: int
) -> np.ndarray:
    """The ``k`` numbered columns of the wide ``table`` for draws ``start`` .. ``end`` - 1,
    shape (k, end - start), NaN where a value is missing (or the draw has no row)."""
    out = np.full((k, end - start), np.nan)
    if k == 0:
        return out
    cols = wide_columns(table, k)
    got = con.execute(
        f"SELECT draw - ? AS row, {', '.join(_nan(c) for c in cols)} FROM {table} "
        "WHERE run_id = ? AND draw >= ? AND draw < ?",
        [start, run_id, start, end],
    ).fetchnumpy()
    rows = np.asarray(got["row"], dtype=np.int64)
    for j, c in enumerate(cols):
        out[j, rows] = np.asarray(got[c], dtype=float)
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
    settled = _cells(
        con,
        "SELECT draw - ? AS row, list_position(?, issue) - 1 AS col, value FROM terms "
        "WHERE run_id = ? AND draw >= ? AND draw < ?",
        [start, issues, run_id, start, end],
        (n, len(issues)),
    )
    inputs = _wide(con, "inputs", run_id, len(lay.inputs), start, end).T
    honor = _wide(con, "honor", run_id, len(lay.pairs), start, end)
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
    """A SHA-256 of every stored row of the run, in draw order (for reproducibility checks):
    the same for the same rows whatever the kind of store or the other runs it holds."""
    row = con.execute(
        "SELECT len(inputs), len(honor) FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    widths = {"inputs": row[0], "honor": row[1]} if row else {"inputs": 0, "honor": 0}
    h = hashlib.sha256()
    for table, order in DATA_TABLES.items():
        cols = (
            "* EXCLUDE (run_id)"
            if table not in WIDE
            else ", ".join(["draw", *wide_columns(table, int(widths[table]))])
        )
        cur = con.execute(f"SELECT {cols} FROM {table} WHERE run_id = ? ORDER BY {order}", [run_id])
        while True:
            rows = cur.fetchmany(100_000)
            if not rows:
                break
            h.update(json.dumps(rows, default=repr).encode())
    return h.hexdigest()
