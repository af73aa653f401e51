"""The results store: an embedded DuckDB file with every draw of every run (``docs/store.md``).

Tables
------
``runs``      one row per run, keyed by ``run_id`` = a hash of (scenario hash, seed, version);
``blocks``    the finished blocks of each run (bookkeeping for resuming an interrupted run);
``draws``     one row per (run, draw): how the war ended, the settlement and its design;
``outcomes``  one row per (run, draw, design): the design imposed on that draw ("what if");
``terms``     one row per (run, draw, issue): the settled term of each issue;
``inputs``    one row per (run, draw, input): the uncertain inputs the draw used.

A block's rows and its ``blocks`` row are written in one transaction, so a run killed at any
moment leaves only whole blocks behind; the next run with the same arguments computes the
missing blocks only. Everything in a row is a function of (scenario, seed, version, draw).

Failures of the file itself (a full disk, a read-only folder, a truncated or corrupt file)
are raised as :class:`guaranty.errors.StoreError` with a ``kind`` and a hint, never as
DuckDB's own exceptions; a failed write rolls back its transaction only, so every block
committed before it stays in the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np

from guaranty import __version__
from guaranty.errors import GuarantyError, StoreError, disk_problem
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.montecarlo import BLOCK, METRICS, BlockResult, Layout, RunResult
from guaranty.scenario.schema import Scenario

__all__ = ["Store", "check_writable", "run_key", "scenario_hash", "store_failure"]

_OPEN = threading.Lock()

SCHEMA_VERSION = 1

_DDL = [
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

_DDL.append(
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

_DATA_TABLES = ("draws", "outcomes", "terms", "inputs")


def scenario_hash(scenario: Scenario) -> str:
    """A hash of the scenario's content (its canonical JSON), blind to comments and layout."""
    text = scenario.model_dump_json(by_alias=True)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def code_digest() -> str:
    """A hash of guaranty's own code and reference tables, so that a run computed by other
    code (a development checkout between two releases) is never resumed or extended."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".csv") and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def run_key(scenario: Scenario, seed: int, version: str = __version__) -> str:
    """The id of the run of ``scenario`` with ``seed`` under guaranty ``version`` (and this
    exact code: :func:`code_digest`)."""
    raw = f"{scenario_hash(scenario)}:{seed}:{version}:{code_digest()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# the size of DuckDB's file headers before the first block (3 headers of 4 KiB)
_HEADERS = 3 * 4096

_F = TypeVar("_F", bound=Callable[..., Any])


def _detail(exc: BaseException) -> str:
    """DuckDB's message on one line, without a final full stop or exclamation mark."""
    return " ".join(str(exc).split()).rstrip(".!")


def _folder_problem(folder: Path) -> str:
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:  # pragma: no cover - statvfs works wherever access does
        read_only = False
    return "is on a read-only file system" if read_only else "is not writable (permission denied)"


def store_failure(path: str, exc: BaseException, doing: str) -> StoreError:
    """``exc`` (a DuckDB or OS error met while ``doing`` something with the store at
    ``path``) as one paragraph with a hint, and its kind."""
    kind = disk_problem(exc)
    detail = _detail(exc)
    if kind == "full":
        text = (
            f"{path}: the disk is full (no space left, or the file size limit reached) while "
            f"{doing} ({detail}). Free some space, or choose another --store on a disk with room"
        )
    elif kind == "read-only":
        text = (
            f"{path}: cannot write the results store while {doing}: a read-only file system "
            f"or no permission ({detail}). Choose a --store in a folder you can write to"
        )
    elif kind == "damaged":
        text = (
            f"{path}: the results store is damaged ({detail}); its draws cannot be read back. "
            "Restore it from a whole copy, or choose another --store to start afresh"
        )
    else:
        text = f"{path}: the results store failed while {doing} ({detail})"
    return StoreError(text + ".", kind=kind)


def _guarded(doing: str) -> Callable[[_F], _F]:
    """Turn DuckDB's errors in a :class:`Store` method into a :class:`StoreError`."""

    def wrap(fn: _F) -> _F:
        @wraps(fn)
        def method(self: Store, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except duckdb.Error as exc:
                raise store_failure(self.path, exc, doing) from None

        return method  # type: ignore[return-value]

    return wrap


def check_writable(path: str | Path) -> None:
    """Raise a :class:`StoreError` if a store at ``path`` could not be created or written:
    its folder is missing, read-only or not writable, or the file itself is read-only. Cheap
    (no DuckDB), so that a run can stop before it computes anything."""
    p = Path(path)
    if str(p) == ":memory:":
        return
    folder = Path(os.path.abspath(p)).parent
    if not folder.is_dir():
        raise StoreError(
            f"{p}: the folder {folder} does not exist; create it, or choose another --store.",
            kind="other",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(
            f"{p}: cannot write the results store: its folder {folder} {_folder_problem(folder)} "
            "(DuckDB writes a .wal file beside the store). Choose a --store in a folder you "
            "can write to.",
            kind="read-only",
        )
    if p.exists() and not os.access(p, os.W_OK):
        raise StoreError(
            f"{p}: cannot write the results store: the file is read-only. Make it writable, "
            "or choose another --store.",
            kind="read-only",
        )


class Store:
    """An open results store (a DuckDB file; ``":memory:"`` for a throwaway one).

    ``create`` makes the tables if they are missing (skip it for quick reads of a store
    known to exist); it also checks first that the store's folder can be written
    (:func:`check_writable`). A file shorter than its own header says (truncated) is refused
    as damaged when opened."""

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and Path(self.path).is_dir():
            raise GuarantyError(
                f"{self.path}: the results store must be a file (a DuckDB database); "
                "this is a folder"
            )
        if create and not read_only:
            check_writable(self.path)
        try:
            with _OPEN:
                self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as e:
            if "conflicting lock" in str(e).lower():
                raise GuarantyError(
                    f"{self.path}: cannot open the results store: {_detail(e)}. Another "
                    "guaranty process is writing to it; wait for it to finish."
                ) from None
            failure = store_failure(self.path, e, "opening it")
            if failure.kind == "other":
                raise GuarantyError(
                    f"{self.path}: cannot open the results store: {_detail(e)}."
                ) from None
            raise failure from None
        try:
            self._check_intact()
            if create and not read_only:
                for ddl in _DDL:
                    self.con.execute(ddl)
                self.con.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    [str(SCHEMA_VERSION)],
                )
        except BaseException as e:
            self._close_quietly()
            if isinstance(e, duckdb.Error):
                raise store_failure(self.path, e, "opening it") from None
            raise

    def _check_intact(self) -> None:
        """Refuse a file cut short: DuckDB's header counts the file's blocks, and a whole
        file holds at least that many (DuckDB itself only notices when it reads a missing
        block, which may be long after it was opened)."""
        if self.path == ":memory:":
            return
        row = self.con.execute(
            "SELECT block_size, total_blocks FROM pragma_database_size()"
        ).fetchone()
        if row is None:  # pragma: no cover - one row per attached database
            return
        size = os.path.getsize(self.path)
        need = _HEADERS + int(row[0]) * int(row[1])
        if size < need:
            raise StoreError(
                f"{self.path}: the results store is damaged: the file has {size:,} bytes, "
                f"but its header counts {int(row[1])} blocks ({need:,} bytes), so it was cut "
                "short (a copy that did not finish, or a disk that filled up during one). "
                "Restore it from a whole copy, or choose another --store to start afresh.",
                kind="damaged",
            )

    def _close_quietly(self) -> None:
        try:
            with _OPEN:
                self.con.close()
        except duckdb.Error:
            pass

    def close(self) -> None:
        try:
            with _OPEN:
                self.con.close()
        except duckdb.Error as exc:
            raise store_failure(self.path, exc, "closing it") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:  # the error in flight is the one to report
            self._close_quietly()
        else:
            self.close()

    # -- runs -----------------------------------------------------------------------------

    @_guarded("opening the run")
    def open_run(
        self,
        scenario: Scenario,
        lay: Layout,
        *,
        seed: int,
        draws: int,
        source: str | None = None,
    ) -> str:
        """Create the run's row (or reuse it), and return its id."""
        run_id = run_key(scenario, seed)
        row = self.con.execute(
            "SELECT draws, inputs FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
        if row is None:
            self.con.execute(
                """INSERT INTO runs (run_id, scenario, scenario_hash, seed, version, draws,
                   block_size, model, issues, designs, inputs, source, scenario_json, status)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')""",
                [
                    run_id,
                    scenario.name,
                    scenario_hash(scenario),
                    seed,
                    __version__,
                    draws,
                    BLOCK,
                    lay.model,
                    list(lay.issues),
                    list(lay.designs),
                    list(lay.inputs),
                    source,
                    scenario.model_dump_json(by_alias=True),
                ],
            )
        else:
            if tuple(row[1]) != lay.inputs:  # pragma: no cover - same hash, same inputs
                raise GuarantyError(f"run {run_id} in {self.path} has other inputs")
            self.con.execute(
                "UPDATE runs SET draws = greatest(draws, ?), status = 'running', finished = NULL "
                "WHERE run_id = ?",
                [draws, run_id],
            )
        return run_id

    @_guarded("finishing the run")
    def finish_run(self, run_id: str) -> None:
        self.con.execute(
            "UPDATE runs SET status = 'done', finished = current_timestamp WHERE run_id = ?",
            [run_id],
        )

    # -- scenarios kept by the web workbench ----------------------------------------------

    @_guarded("keeping a scenario")
    def add_scenario(
        self, sid: str, *, name: str, origin: str, parent: str | None, filename: str, text: str
    ) -> None:
        """Keep a scenario's text (uploads and edited versions; never overwritten)."""
        self.con.execute(
            "INSERT OR IGNORE INTO scenarios (id, name, origin, parent, filename, text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [sid, name, origin, parent, filename, text],
        )

    @_guarded("listing the scenarios")
    def scenarios(self) -> list[dict[str, Any]]:
        cur = self.con.execute(
            "SELECT id, name, origin, parent, filename, created FROM scenarios ORDER BY created"
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    @_guarded("reading a scenario")
    def scenario_text(self, sid: str) -> tuple[str, str, str | None] | None:
        """(filename, text, parent) of a kept scenario, or None."""
        row = self.con.execute(
            "SELECT filename, text, parent FROM scenarios WHERE id = ?", [sid]
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    @_guarded("setting a run's status")
    def set_status(self, run_id: str, status: str) -> None:
        self.con.execute("UPDATE runs SET status = ? WHERE run_id = ?", [status, run_id])

    @_guarded("listing the runs")
    def runs(self) -> list[dict[str, Any]]:
        """Every run, newest first, with the number of draws stored."""
        cur = self.con.execute(
            """SELECT r.run_id, r.scenario, r.seed, r.version, r.draws, r.model, r.status,
                      r.created, r.finished, coalesce(sum(b.n), 0) AS stored
               FROM runs r LEFT JOIN blocks b USING (run_id)
               GROUP BY ALL ORDER BY r.created DESC, r.run_id"""
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    @_guarded("reading a run")
    def run_info(self, run_id: str) -> dict[str, Any]:
        cur = self.con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        row = cur.fetchone()
        if row is None:
            raise GuarantyError(f"{self.path}: no run {run_id!r}")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    # -- blocks ---------------------------------------------------------------------------

    @_guarded("reading the finished blocks")
    def done_blocks(self, run_id: str) -> dict[int, int]:
        """Finished blocks of the run: block -> draws stored."""
        rows = self.con.execute("SELECT block, n FROM blocks WHERE run_id = ?", [run_id]).fetchall()
        return {int(b): int(n) for b, n in rows}

    @_guarded("dropping a block")
    def drop_block(self, run_id: str, block: int) -> None:
        lo, hi = block * BLOCK, (block + 1) * BLOCK
        self.con.execute("BEGIN TRANSACTION")
        try:
            for t in _DATA_TABLES:
                self.con.execute(
                    f"DELETE FROM {t} WHERE run_id = ? AND draw >= ? AND draw < ?",
                    [run_id, lo, hi],
                )
            self.con.execute("DELETE FROM blocks WHERE run_id = ? AND block = ?", [run_id, block])
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    @_guarded("writing blocks")
    def write_blocks(self, run_id: str, lay: Layout, results: Iterable[BlockResult]) -> None:
        """Write whole blocks, each with its ``blocks`` row, in one transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for r in results:
                self._write_block(run_id, lay, r)
            con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        # A COMMIT that fails (a full disk) has ended the transaction already; a second
        # error from the ROLLBACK would only hide the first.
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass

    def _write_block(self, run_id: str, lay: Layout, r: BlockResult) -> None:
        # Columns go in as numpy arrays (DuckDB scans the local dicts below by name); names
        # (run id, outcome, design, issue) are attached in SQL from short lists, which keeps
        # string arrays out of the bulk path.
        con = self.con
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
            f"INSERT INTO outcomes SELECT $run, draw, $designs[design], settled, {nulls} "
            "FROM o_tbl",
            {"run": run_id, "designs": list(lay.designs)},
        )
        i = len(lay.issues)
        t_tbl = {  # noqa: F841 - read by DuckDB
            "draw": np.repeat(draw, i),
            "issue": np.tile(np.arange(1, i + 1, dtype=np.int16), n),
            "value": r.settled.ravel(),
        }
        con.execute(
            "INSERT INTO terms SELECT $run, draw, $issues[issue], value FROM t_tbl "
            "WHERE NOT isnan(value)",
            {"run": run_id, "issues": list(lay.issues)},
        )
        j = len(lay.inputs)
        if j:
            in_tbl = {  # noqa: F841 - read by DuckDB
                "draw": np.repeat(draw, j),
                "input": np.tile(np.arange(j, dtype=np.int16), n),
                "value": r.inputs.ravel(),
            }
            con.execute(
                "INSERT INTO inputs SELECT $run, draw, input, value FROM in_tbl", {"run": run_id}
            )
        con.execute("INSERT INTO blocks VALUES (?, ?, ?)", [run_id, r.start // BLOCK, n])

    # -- reading --------------------------------------------------------------------------

    @_guarded("reading the draws")
    def load(self, run_id: str, *, draws: int | None = None) -> RunResult:
        """The run's draws (the first ``draws`` of them) as a :class:`RunResult`."""
        info = self.run_info(run_id)
        roles = [i.role.value for i in Scenario.model_validate_json(info["scenario_json"]).issues]
        lay = Layout(
            model=info["model"],
            issues=tuple(info["issues"]),
            designs=tuple(info["designs"]),
            inputs=tuple(info["inputs"]),
            guarantee_issue=roles.index("guarantee") if "guarantee" in roles else None,
            territory_issue=roles.index("territory") if "territory" in roles else None,
        )
        limit = int(info["draws"] if draws is None else draws)
        con = self.con
        d = con.execute(
            """SELECT draw, war_outcome, end_month, front, coalesce(terms, 'nan'::DOUBLE),
                      force_a, force_b, peace, coalesce(design, ''),
                      coalesce(guarantee_level, 'nan'::DOUBLE)
               FROM draws WHERE run_id = ? AND draw < ? ORDER BY draw""",
            [run_id, limit],
        ).fetchnumpy()
        cols = list(d)
        n = len(d[cols[0]])
        if n == 0:
            raise GuarantyError(f"{self.path}: run {run_id} has no draws stored yet")
        draw = np.asarray(d[cols[0]])
        if not np.array_equal(draw, np.arange(n)):
            raise GuarantyError(
                f"{self.path}: run {run_id} is incomplete (draws missing); run it again "
                "with the same arguments to finish it"
            )
        code = {name: k for k, name in enumerate(OUTCOMES)}
        design_index = {name: k for k, name in enumerate(lay.designs)}
        outcome = np.array([code[v] for v in d[cols[1]]], dtype=np.int8)
        design = np.array([design_index.get(v, -1) for v in d[cols[8]]], dtype=np.int16)
        whatif = {}
        o = con.execute(
            f"""SELECT {", ".join(f"coalesce({m}, 'nan'::DOUBLE) AS {m}" for m in METRICS)}
                FROM outcomes o
                JOIN (SELECT unnest(?) AS design, generate_subscripts(?, 1) AS k) USING (design)
                WHERE run_id = ? AND draw < ? ORDER BY k, draw""",
            [list(lay.designs), list(lay.designs), run_id, limit],
        ).fetchnumpy()
        for m in METRICS:
            whatif[m] = np.asarray(o[m], dtype=float).reshape(len(lay.designs), n)
        settled = np.full((n, len(lay.issues)), np.nan)
        t = con.execute(
            "SELECT draw, issue, value FROM terms WHERE run_id = ? AND draw < ?", [run_id, limit]
        ).fetchnumpy()
        issue_index = {name: k for k, name in enumerate(lay.issues)}
        if len(t["draw"]):
            ik = np.array([issue_index[v] for v in t["issue"]])
            settled[np.asarray(t["draw"]), ik] = np.asarray(t["value"], dtype=float)
        inputs = np.full((n, len(lay.inputs)), np.nan)
        if lay.inputs:
            x = con.execute(
                "SELECT draw, input, value FROM inputs WHERE run_id = ? AND draw < ?",
                [run_id, limit],
            ).fetchnumpy()
            inputs[np.asarray(x["draw"]), np.asarray(x["input"])] = np.asarray(x["value"])
        return RunResult(
            scenario=info["scenario"],
            seed=int(info["seed"]),
            draws=n,
            layout=lay,
            war_outcome=outcome,
            end_month=np.asarray(d[cols[2]]),
            front=np.asarray(d[cols[3]], dtype=float),
            terms=np.asarray(d[cols[4]], dtype=float),
            force_a=np.asarray(d[cols[5]], dtype=float),
            force_b=np.asarray(d[cols[6]], dtype=float),
            peace=np.asarray(d[cols[7]], dtype=bool),
            settled=settled,
            design=design,
            guarantee_level=np.asarray(d[cols[9]], dtype=float),
            whatif=whatif,
            inputs=inputs,
            meta={"run_id": run_id, "version": info["version"], "store": self.path},
        )

    @_guarded("reading the draws")
    def digest(self, run_id: str) -> str:
        """A SHA-256 of every stored row of the run, in draw order (for reproducibility checks)."""
        h = hashlib.sha256()
        for table, order in (
            ("draws", "draw"),
            ("outcomes", "draw, design"),
            ("terms", "draw, issue"),
            ("inputs", "draw, input"),
        ):
            cur = self.con.execute(
                f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ? ORDER BY {order}",
                [run_id],
            )
            while True:
                rows = cur.fetchmany(100_000)
                if not rows:
                    break
                h.update(json.dumps(rows, default=repr).encode())
        return h.hexdigest()
