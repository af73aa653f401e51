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
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from guaranty import __version__
from guaranty.errors import GuarantyError
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.montecarlo import BLOCK, METRICS, BlockResult, Layout, RunResult
from guaranty.scenario.schema import Scenario

__all__ = ["Store", "run_key", "scenario_hash"]

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


class Store:
    """An open results store (a DuckDB file; ``":memory:"`` for a throwaway one).

    ``create`` makes the tables if they are missing (skip it for quick reads of a store
    known to exist)."""

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:" and Path(self.path).is_dir():
            raise GuarantyError(
                f"{self.path}: the results store must be a file (a DuckDB database); "
                "this is a folder"
            )
        try:
            with _OPEN:
                self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as e:
            hint = (
                " Another guaranty process is writing to it; wait for it to finish."
                if "lock" in str(e).lower()
                else ""
            )
            raise GuarantyError(f"{self.path}: cannot open the results store: {e}.{hint}") from None
        if create and not read_only:
            for ddl in _DDL:
                self.con.execute(ddl)
            self.con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    def close(self) -> None:
        with _OPEN:
            self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs -----------------------------------------------------------------------------

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

    def finish_run(self, run_id: str) -> None:
        self.con.execute(
            "UPDATE runs SET status = 'done', finished = current_timestamp WHERE run_id = ?",
            [run_id],
        )

    # -- scenarios kept by the web workbench ----------------------------------------------

    def add_scenario(
        self, sid: str, *, name: str, origin: str, parent: str | None, filename: str, text: str
    ) -> None:
        """Keep a scenario's text (uploads and edited versions; never overwritten)."""
        self.con.execute(
            "INSERT OR IGNORE INTO scenarios (id, name, origin, parent, filename, text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [sid, name, origin, parent, filename, text],
        )

    def scenarios(self) -> list[dict[str, Any]]:
        cur = self.con.execute(
            "SELECT id, name, origin, parent, filename, created FROM scenarios ORDER BY created"
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def scenario_text(self, sid: str) -> tuple[str, str, str | None] | None:
        """(filename, text, parent) of a kept scenario, or None."""
        row = self.con.execute(
            "SELECT filename, text, parent FROM scenarios WHERE id = ?", [sid]
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def set_status(self, run_id: str, status: str) -> None:
        self.con.execute("UPDATE runs SET status = ? WHERE run_id = ?", [status, run_id])

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

    def run_info(self, run_id: str) -> dict[str, Any]:
        cur = self.con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        row = cur.fetchone()
        if row is None:
            raise GuarantyError(f"{self.path}: no run {run_id!r}")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    # -- blocks ---------------------------------------------------------------------------

    def done_blocks(self, run_id: str) -> dict[int, int]:
        """Finished blocks of the run: block -> draws stored."""
        rows = self.con.execute("SELECT block, n FROM blocks WHERE run_id = ?", [run_id]).fetchall()
        return {int(b): int(n) for b, n in rows}

    def drop_block(self, run_id: str, block: int) -> None:
        lo, hi = block * BLOCK, (block + 1) * BLOCK
        self.con.execute("BEGIN TRANSACTION")
        for t in _DATA_TABLES:
            self.con.execute(
                f"DELETE FROM {t} WHERE run_id = ? AND draw >= ? AND draw < ?", [run_id, lo, hi]
            )
        self.con.execute("DELETE FROM blocks WHERE run_id = ? AND block = ?", [run_id, block])
        self.con.execute("COMMIT")

    def write_blocks(self, run_id: str, lay: Layout, results: Iterable[BlockResult]) -> None:
        """Write whole blocks, each with its ``blocks`` row, in one transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for r in results:
                self._write_block(run_id, lay, r)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

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
