"""A stored run's tables as files for other tools (R, Stata, Excel, pandas):
:func:`export_run` writes them as CSV, Parquet (both through DuckDB's ``COPY``, streamed from
the store) or Excel (through xlsxwriter, the optional extra ``guaranty[excel]``), one file
per table, all together or not at all (:mod:`guaranty.store.folder`). docs/store.md lists
the files and their columns.

:func:`table_sql` is the one definition of each table's rows, shared with
:meth:`guaranty.store.Store.frame` (a table as a pandas DataFrame). The uncertain inputs and
the settled terms are wide, one column per input or issue; in an export the columns get
names R and Stata accept (:func:`column_names`: letters, digits and ``_``, at most 32
characters), and ``input_names`` gives each input's full name.
"""

from __future__ import annotations

import errno
import json
import math
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from guaranty._version import __version__
from guaranty.errors import GuarantyError, OutputError, disk_problem
from guaranty.results import METRICS
from guaranty.store.folder import check_folder, staged_folder
from guaranty.store.tables import stored_draws

__all__ = [
    "ABOUT",
    "EXCEL_ROWS",
    "FORMATS",
    "STORE_TABLES",
    "TABLES",
    "column_names",
    "export_run",
    "need_xlsxwriter",
    "table_sql",
]

#: the file formats of an export
FORMATS = ("csv", "parquet", "xlsx")
#: the tables of an export, in the order they are written (each in a file TABLE.FORMAT)
TABLES = ("draws", "outcomes", "inputs", "input_names", "terms", "claims", "claim_swings")
#: what each table of an export holds (docs/store.md gives the columns)
ABOUT = {
    "draws": "a row per draw: how the war ended, the settlement and its design",
    "outcomes": "a row per draw and design: the design imposed on the draw (what if)",
    "inputs": "a row per draw, a column per uncertain input: the values it drew",
    "input_names": "a row per input: its column in inputs and its full name",
    "terms": "a row per draw with a peace, a column per issue: the settled terms",
    "claims": "a row per claim: share of draws where it holds, verdict, reading",
    "claim_swings": "a row per claim and input: the claim's share in each half of the input",
}
#: the tables :func:`table_sql` reads from the store
STORE_TABLES = ("draws", "outcomes", "inputs", "terms", "honor")
#: rows of an Excel sheet, its header included
EXCEL_ROWS = 1_048_576
#: draws of the wide ``inputs`` table made at a time (DuckDB holds a list of every input's
#: value per draw for them: about 1.2 KB per draw for 150 inputs, and it does not spill them)
_INPUT_DRAWS = 100_000
#: Stata's longest variable name
_NAME_LENGTH = 32
#: shorter words for the words of guaranty's own input names (docs/store.md)
_WORDS = (
    ("history, who fights: coefficient of ", "fight_b_"),
    ("history, deterrence: coefficient of ", "deter_b_"),
    ("history, deterrence: ", "deter_"),
    ("history, durability: coefficient of ", "peace_b_"),
    ("unknown effect of ", "prior_"),
    (" (stated prior)", ""),
    ("years to effect of ", "years_"),
    ("position of ", "pos_"),
    ("salience of ", "sal_"),
    ("capability of ", "cap_"),
    (" on ", "_"),
    (" of ", "_"),
)


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_names(names: Sequence[str], taken: Sequence[str] = ("draw",)) -> list[str]:
    """Column names for ``names`` that R and Stata both accept: lower case letters, digits
    and ``_``, starting with a letter, at most 32 characters, none twice and none of
    ``taken`` (a name shortened or made unique ends in ``_N``)."""
    out: list[str] = []
    seen = set(taken)
    for k, raw in enumerate(names):
        name = str(raw).lower()
        for long, short in _WORDS:
            name = name.replace(long, short)
        name = re.sub(r"[^a-z0-9]+", "_", name).strip("_") or f"v{k + 1}"
        if not name[0].isalpha():
            name = f"v_{name}"
        if len(name) > _NAME_LENGTH or name in seen:
            suffix = f"_{k + 1}"
            name = name[: _NAME_LENGTH - len(suffix)].rstrip("_") + suffix
        while name in seen:  # pragma: no cover - an input named like another's suffix
            name = f"v{uuid.uuid4().hex[:8]}"
        seen.add(name)
        out.append(name)
    return out


def table_sql(
    info: dict[str, Any],
    draws: int,
    table: str,
    *,
    safe: bool = False,
    flags: str = "BOOLEAN",
    start: int = 0,
) -> str:
    """The SELECT of one of :data:`STORE_TABLES` for the run of ``runs`` row ``info``, its
    draws ``start`` .. ``draws`` - 1 in draw order. ``inputs`` and ``terms`` are wide: a
    column per input (its value; NULL for NaN) or per issue (the settled term; a row per draw
    with a peace); their column names are the inputs' and issues' own or, with ``safe``,
    those of :func:`column_names`. ``flags``: the SQL type of true/false columns
    (``TINYINT``: 1 or 0)."""
    where = f"run_id = {_literal(info['run_id'])} AND draw >= {int(start)} AND draw < {int(draws)}"
    flag = (lambda c: c) if flags == "BOOLEAN" else (lambda c: f"{c}::{flags} AS {c}")
    if table == "draws":
        cols = ["draw", "war_outcome", "end_month", "front", "terms", "force_a", "force_b",
                flag("peace"), "design", "guarantee_level"]  # fmt: skip
        return f"SELECT {', '.join(cols)} FROM draws WHERE {where} ORDER BY draw"
    if table == "outcomes":
        designs = "[" + ", ".join(_literal(d) for d in info["designs"]) + "]"
        cols = ["draw", "design", flag("settled"), *METRICS]
        return (
            f"SELECT {', '.join(cols)} FROM outcomes WHERE {where} "
            f"ORDER BY draw, list_position({designs}, design)"
        )
    if table == "inputs":  # wide in the store: a column per input (x1, x2, ...)
        keys = list(info["inputs"])
        names = column_names(keys) if safe else keys
        cols = "".join(
            f", CASE WHEN isnan(x{k + 1}) THEN NULL ELSE x{k + 1} END::DOUBLE AS {_quoted(n)}"
            for k, n in enumerate(names)
        )
        source = "inputs" if keys else "draws"
        return f"SELECT draw{cols} FROM {source} WHERE {where} ORDER BY draw"
    if table == "terms":  # a row per draw with a peace, a column per issue
        keys = list(info["issues"])
        names = column_names(keys) if safe else keys
        cols = ", ".join(
            f"max(value) FILTER (issue = {_literal(k)}) AS {_quoted(n)}"
            for k, n in zip(keys, names, strict=True)
        )
        return f"SELECT draw, {cols} FROM terms WHERE {where} GROUP BY draw ORDER BY draw"
    if table == "honor":  # wide in the store (h1, h2, ...): a row per draw and pair here
        pairs = [p.split("/", 1) for p in info["honor"]]
        if not pairs:
            return (
                "SELECT NULL::BIGINT AS draw, NULL::VARCHAR AS design, NULL::VARCHAR AS "
                "guarantor, NULL::DOUBLE AS p_honor LIMIT 0"
            )
        cells = ", ".join(f"h{k + 1}" for k in range(len(pairs)))
        rows = ", ".join(
            f"({k + 1}, {_literal(d)}, {_literal(g)})" for k, (d, g) in enumerate(pairs)
        )
        return (
            f"SELECT draw, p.design, p.guarantor, [{cells}][p.k]::DOUBLE AS p_honor "
            f"FROM honor, (VALUES {rows}) p(k, design, guarantor) WHERE {where} "
            "ORDER BY draw, design, guarantor"
        )
    raise GuarantyError(f"no table {table!r}; the tables are {', '.join(STORE_TABLES)}")


def need_xlsxwriter() -> Any:
    """The xlsxwriter module, or an error naming the optional extra that installs it."""
    try:
        import xlsxwriter
    except ImportError:
        raise GuarantyError(
            "an Excel export (--format xlsx) needs the optional package xlsxwriter, which "
            "is not installed: install guaranty's extra 'excel' (pip install "
            "'guaranty[excel]'), or export --format csv or parquet"
        ) from None
    return xlsxwriter


# -- the claims ledger as two tables ------------------------------------------------------------

_CLAIM_COLUMNS = (
    ("id", "VARCHAR"),
    ("who", "VARCHAR"),
    ("paraphrase", "VARCHAR"),
    ("statement", "VARCHAR"),
    ("given", "VARCHAR"),
    ("note", "VARCHAR"),
    ("share", "DOUBLE"),
    ("n", "BIGINT"),
    ("verdict", "VARCHAR"),
    ("reading", "VARCHAR"),
    ("sensitivity", "VARCHAR"),
)
_SWING_COLUMNS = (
    ("claim", "VARCHAR"),
    ("rank", "INTEGER"),
    ("input", "VARCHAR"),
    ("share_low", "DOUBLE"),
    ("share_high", "DOUBLE"),
    ("kept", "BOOLEAN"),
)


def _claim_rows(claims: Sequence[Any]) -> tuple[list[tuple], list[tuple]]:
    rows, swings = [], []
    for c in claims:
        said = "; ".join(f"{n}: {lo:.3f} in its lower half, {hi:.3f} in its upper" for n, lo, hi
                         in c.sensitivity)  # fmt: skip
        share = None if c.share is None or math.isnan(c.share) else float(c.share)
        rows.append((c.id, c.who, c.paraphrase, c.statement, c.given, c.note, share, c.n,
                     c.verdict, c.reading, said))  # fmt: skip
        kept = {name for name, _, _ in c.sensitivity}
        for rank, (name, lo, hi) in enumerate(c.swings, start=1):
            swings.append((c.id, rank, name, float(lo), float(hi), name in kept))
    return rows, swings


class _Temp:
    """The claims ledger's two tables in temporary tables of the connection (dropped on
    leaving the ``with`` block)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, claims: Sequence[Any]) -> None:
        self.con = con
        tag = uuid.uuid4().hex[:12]
        self.names = {"claims": f"_export_claims_{tag}", "claim_swings": f"_export_swings_{tag}"}
        self.rows = dict(zip(self.names, _claim_rows(claims), strict=True))

    def __enter__(self) -> _Temp:
        for table, columns in (("claims", _CLAIM_COLUMNS), ("claim_swings", _SWING_COLUMNS)):
            name = self.names[table]
            cols = ", ".join(f"{c} {t}" for c, t in columns)
            self.con.execute(f"CREATE TEMP TABLE {name} ({cols})")
            if self.rows[table]:
                marks = ", ".join("?" * len(columns))
                self.con.executemany(f"INSERT INTO {name} VALUES ({marks})", self.rows[table])
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.names.values():
            try:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
            except duckdb.Error:  # pragma: no cover - the connection is going anyway
                pass

    def sql(self, table: str, flags: str) -> str:
        cols = [c if t != "BOOLEAN" or flags == "BOOLEAN" else f"{c}::{flags} AS {c}"
                for c, t in (_CLAIM_COLUMNS if table == "claims" else _SWING_COLUMNS)]  # fmt: skip
        return f"SELECT {', '.join(cols)} FROM {self.names[table]} ORDER BY rowid"


# -- writing ---------------------------------------------------------------------------------


def _write_xlsx(
    xlsxwriter: Any, con: duckdb.DuckDBPyConnection, sqls: Sequence[str], path: Path
) -> None:
    """The rows of the queries ``sqls``, one after the other, into one sheet (named as the
    file) of a new workbook, under the first query's column names."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        ws = book.add_worksheet(path.stem)
        r = 0
        for sql in sqls:
            con.execute(sql)  # on this connection: the claims' tables are its own
            if r == 0:
                ws.write_row(0, 0, [d[0] for d in con.description], book.add_format({"bold": True}))
                ws.freeze_panes(1, 0)
                r = 1
            while rows := con.fetchmany(10_000):
                for row in rows:
                    for c, v in enumerate(row):
                        if v is None or (isinstance(v, float) and not math.isfinite(v)):
                            continue
                        if isinstance(v, int | float):
                            ws.write_number(r, c, v)
                        else:
                            ws.write_string(r, c, str(v))
                    r += 1
    finally:
        book.close()


def _copy(con: duckdb.DuckDBPyConnection, sqls: Sequence[str], path: Path, fmt: str) -> None:
    """The rows of the queries ``sqls``, one after the other, into one CSV or Parquet file:
    each into a part file beside it, then the parts into the file (DuckDB reads the parts
    in order and streams them; a CSV's parts after the first are appended without their
    header). One query is copied straight."""
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
    if len(sqls) == 1:
        con.execute(f"COPY ({sqls[0]}) TO {_literal(str(path))} ({options})")
        return
    parts = [path.with_name(f".{path.stem}.part{k}.{fmt}") for k in range(len(sqls))]
    try:
        for sql, part in zip(sqls, parts, strict=True):
            con.execute(f"COPY ({sql}) TO {_literal(str(part))} ({options})")
        if fmt == "parquet":
            files = "[" + ", ".join(_literal(str(p)) for p in parts) + "]"
            con.execute(f"COPY (SELECT * FROM read_parquet({files})) TO {_literal(str(path))} "
                        f"({options})")  # fmt: skip
        else:
            with open(path, "wb") as out:
                for k, part in enumerate(parts):
                    with open(part, "rb") as fh:
                        if k:
                            fh.readline()  # the header
                        shutil.copyfileobj(fh, out)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)


def _write(
    con: duckdb.DuckDBPyConnection,
    sql: str | Sequence[str],
    path: Path,
    fmt: str,
    xlsxwriter: Any = None,
) -> None:
    """The rows of the query ``sql`` (or of several, one after the other) into ``path``."""
    sqls = [sql] if isinstance(sql, str) else list(sql)
    try:
        if fmt == "xlsx":
            _write_xlsx(xlsxwriter, con, sqls, path)
        else:
            _copy(con, sqls, path, fmt)
    except duckdb.Error as exc:
        kind = disk_problem(exc)
        if kind not in ("full", "read-only"):
            raise
        code = errno.ENOSPC if kind == "full" else errno.EROFS
        raise OSError(code, str(exc).splitlines()[0]) from None


def _counts(con: duckdb.DuckDBPyConnection, info: dict[str, Any], n: int) -> dict[str, int]:
    """Rows of each store table in an export of ``n`` draws."""
    where = f"run_id = {_literal(info['run_id'])} AND draw < {n}"
    outcomes, terms = con.execute(
        f"SELECT (SELECT count(*) FROM outcomes WHERE {where}), "
        f"(SELECT count(DISTINCT draw) FROM terms WHERE {where})"
    ).fetchone() or (0, 0)
    return {"draws": n, "outcomes": int(outcomes), "inputs": n, "terms": int(terms),
            "input_names": len(info["inputs"])}  # fmt: skip


def export_run(
    store: Any,
    run_id: str,
    fmt: str,
    out_dir: Path | str,
    *,
    draws: int | None = None,
    claims: Sequence[Any] | None = None,
    tables: Sequence[str] = TABLES,
) -> dict[str, Any]:
    """Write the tables of run ``run_id`` of ``store`` (a :class:`guaranty.store.Store`) as
    ``fmt`` files (:data:`FORMATS`) into ``out_dir``, with ``run.json`` (the run, the files
    and their rows, the inputs' column names) and ``scenario.json``: its first ``draws``
    draws (all by default; all must be stored). ``claims``: the claims ledger
    (:class:`guaranty.claims.ClaimResult`), computed if not given
    (:func:`guaranty.store.ledger.stored_ledger`) and a table of ``tables`` (default: all,
    :data:`TABLES`) needs it. Returns what ``run.json`` holds."""
    if fmt not in FORMATS:
        raise GuarantyError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise GuarantyError(f"no table {unknown[0]!r}; the tables are {', '.join(TABLES)}")
    tables = [t for t in TABLES if t in tables]
    writer = need_xlsxwriter() if fmt == "xlsx" else None
    out_dir = Path(out_dir)
    check_folder(out_dir, "export")
    info = store.run_info(run_id)
    con = store.con
    n = stored_draws(con, store.path, run_id, int(info["draws"] if draws is None else draws))
    counts = _counts(con, info, n)
    if claims is None:
        claims = _ledger(store, info, n) if {"claims", "claim_swings"} & set(tables) else []
    claim_rows, swing_rows = _claim_rows(claims)
    counts.update(claims=len(claim_rows), claim_swings=len(swing_rows))
    if fmt == "xlsx":
        _check_excel(out_dir, {t: counts[t] for t in tables})
    flags = "BOOLEAN" if fmt == "parquet" else "TINYINT"
    names = column_names(info["inputs"])
    files = {t: f"{t}.{fmt}" for t in tables}
    meta = _meta(info, n, fmt, files, counts, names, store.path)
    with staged_folder(out_dir, "export") as stage, _Temp(con, claims) as temp:
        for table in tables:
            if table in temp.names:
                sql = temp.sql(table, flags)
            elif table == "input_names":
                sql = _input_names_sql(info["inputs"], names)
            elif table == "inputs":  # a list per draw: a few draws at a time (memory)
                sql = [
                    table_sql(info, min(a + _INPUT_DRAWS, n), table, safe=True, start=a)
                    for a in range(0, n, _INPUT_DRAWS)
                ]
            else:
                sql = table_sql(info, n, table, safe=True, flags=flags)
            _write(con, sql, stage / files[table], fmt, writer)
        (stage / "run.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        (stage / "scenario.json").write_text(info["scenario_json"], encoding="utf-8")
    return meta


def _input_names_sql(inputs: Sequence[str], names: Sequence[str]) -> str:
    if not inputs:
        return (
            "SELECT NULL::VARCHAR AS column_name, NULL::INTEGER AS input, "
            "NULL::VARCHAR AS name LIMIT 0"
        )
    rows = ", ".join(
        f"({_literal(c)}, {k}, {_literal(i)})"
        for k, (c, i) in enumerate(zip(names, inputs, strict=True))
    )
    return f"SELECT * FROM (VALUES {rows}) t(column_name, input, name) ORDER BY input"


def _ledger(store: Any, info: dict[str, Any], n: int) -> list[Any]:
    from guaranty.scenario import Scenario
    from guaranty.store.ledger import stored_ledger
    from guaranty.store.stats import RunStats

    scenario = Scenario.model_validate_json(info["scenario_json"])
    if not scenario.claims:
        return []
    from guaranty.claims import with_today
    from guaranty.comparison import today_outputs

    claims = stored_ledger(RunStats(store.con, store.path, info, n), scenario.claims)
    return with_today(claims, today_outputs(scenario))


def _check_excel(out_dir: Path, counts: dict[str, int]) -> None:
    big = {t: c for t, c in counts.items() if c + 1 > EXCEL_ROWS}
    if big:
        said = ", ".join(f"{t} {c:,} rows" for t, c in big.items())
        raise OutputError(
            f"{out_dir}: an Excel sheet holds at most {EXCEL_ROWS - 1:,} rows below its "
            f"header, and this export would need more ({said}). Export fewer draws "
            "(--draws), or use --format csv or parquet."
        )


def _meta(
    info: dict[str, Any],
    n: int,
    fmt: str,
    files: dict[str, str],
    counts: dict[str, int],
    names: Sequence[str],
    store: str,
) -> dict[str, Any]:
    def when(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else v

    return {
        "run_id": info["run_id"],
        "scenario": info["scenario"],
        "scenario_hash": info["scenario_hash"],
        "seed": int(info["seed"]),
        "version": info["version"],
        "model": info["model"],
        "status": info["status"],
        "created": when(info["created"]),
        "finished": when(info["finished"]),
        "source": info["source"],
        "store": str(store),
        "draws": n,
        "format": fmt,
        "exported_by": f"guaranty {__version__}",
        "files": {name: counts[t] for t, name in files.items()},
        "issues": list(info["issues"]),
        "designs": list(info["designs"]),
        "inputs": [
            {"column": c, "input": k, "name": i}
            for k, (c, i) in enumerate(zip(names, info["inputs"], strict=True))
        ],
    }
