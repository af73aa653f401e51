"""The results store: every draw of every run (``docs/store.md``), in an embedded DuckDB file,
or in a **folder store**: Parquet files, one folder per chunk of a run (written by the
runner, or by Ray tasks: ``docs/scale.md``), with a small DuckDB catalogue (``catalog.duckdb``:
``meta``, ``runs``, ``scenarios``) that shows the files as views of the same names and
columns, so everything that reads a store reads either (:func:`is_folder_store` says which a
path names).

Tables
------
``runs``      one row per run, keyed by ``run_id`` = a hash of (scenario hash, seed, version);
``blocks``    the finished blocks of each run (bookkeeping for resuming an interrupted run);
``draws``     one row per (run, draw): how the war ended, the settlement and its design;
``outcomes``  one row per (run, draw, design): the design imposed on that draw ("what if");
``terms``     one row per (run, draw, issue): the settled term of each issue;
``inputs``    one row per (run, draw), a REAL column per uncertain input (``x1``, ``x2``, ...
              in the order of ``runs.inputs``): the values the draw used;
``honor``     one row per (run, draw), a REAL column per (design, guarantor) pair (``h1``, ...
              in the order of ``runs.honor``): the guarantor's P(honor) under the design
              imposed on that draw (what the credibility heat maps show).

Modules: :mod:`.tables` (the tables, writing and reading a run's rows by column name),
:mod:`.keys` (content hashes and run ids), :mod:`.failures` (disk and file failures),
:mod:`.stats` (a run's aggregates in SQL, for its report: :meth:`Store.stats`),
:mod:`.ledger` (a run's claims ledger, a block of draws at a time), :mod:`.export` (a run's
tables as CSV, Parquet or Excel files: :meth:`Store.export`) and :mod:`.folder` (writing a
folder of files together or not at all).

A block's rows and its ``blocks`` row are written in one transaction, so a run killed at any
moment leaves only whole blocks behind; the next run with the same arguments computes the
missing blocks only. Everything in a row is a function of (scenario, seed, version, draw).

Failures of the file itself (a full disk, a read-only folder, a truncated or corrupt file)
are raised as :class:`guaranty.errors.StoreError` with a ``kind`` and a hint, never as
DuckDB's own exceptions; a failed write rolls back its transaction only, so every block
committed before it stays in the store.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from guaranty._version import __version__
from guaranty.errors import GuarantyError, StoreError, disk_problem
from guaranty.plan import BLOCK, is_folder_store
from guaranty.results import BlockResult, Layout, RunResult
from guaranty.scenario.schema import Scenario
from guaranty.store.failures import HEADERS, check_writable, detail, store_failure
from guaranty.store.failures import guarded as _guarded
from guaranty.store.keys import code_digest, pick_id, run_key, scenario_hash
from guaranty.store.tables import (
    CATALOGUE_DDL,
    DATA_DDL,
    DATA_TABLES,
    DDL,
    SCHEMA_VERSION,
    WIDE,
    digest,
    emit,
    pair_names,
    read_run,
    stored_draws,
    widen,
)

if TYPE_CHECKING:
    import pandas

    from guaranty.store.stats import RunStats

__all__ = [
    "CATALOGUE",
    "SCHEMA_VERSION",
    "Store",
    "check_writable",
    "chunk_folder",
    "code_digest",
    "is_folder_store",
    "run_key",
    "scenario_hash",
    "store_failure",
    "write_chunk",
]

#: DuckDB checkpoints (compresses the write-ahead log into the file) when the log passes
#: this size. Its default, 16 MB, checkpoints a 100,000-draw run every few blocks, each
#: time recompressing the partly filled row groups: the run's writing took 4.9-5.1 s of CPU
#: and left a 136 MB file; at 256 MB it takes 3.6-3.7 s and leaves 93 MB (the same rows), for
#: about 30 MB more memory at the run's peak (docs/store.md, "Checkpoints").
CHECKPOINT_THRESHOLD = "256MB"
_OPEN = threading.Lock()

#: the DuckDB file of a folder store (its runs, its version, its views' column types)
CATALOGUE = "catalog.duckdb"


def _check_folder(folder: Path) -> None:
    """Refuse a folder that holds other things than a store (``--store .`` by mistake)."""
    if folder.is_dir() and not (folder / CATALOGUE).exists() and any(folder.iterdir()):
        raise GuarantyError(
            f"{folder}: this folder is not a results store (a folder store holds {CATALOGUE} "
            "and runs/, and a new one starts empty): choose an empty or new folder, or a "
            "DuckDB file (a path ending in .duckdb), as --store"
        )


def chunk_folder(root: str | Path, run_id: str, first_block: int) -> Path:
    """The folder of the chunk of run ``run_id`` that starts with block ``first_block``."""
    return Path(root) / "runs" / run_id / f"chunk-{first_block:07d}"


def write_chunk(
    con: duckdb.DuckDBPyConnection,
    root: str | Path,
    run_id: str,
    lay: Layout,
    results: list[BlockResult],
) -> Path:
    """Write the blocks ``results`` of run ``run_id`` as one chunk folder of the folder
    store at ``root``: the Parquet files go into a hidden temporary folder beside it, which
    is then renamed to :func:`chunk_folder` (so the chunk is there whole or not at all; a
    chunk that is there already is left as it is: it holds the same rows). ``con``: any
    DuckDB connection (an in-memory one in a Ray task). Returns the chunk's folder."""
    final = chunk_folder(root, run_id, results[0].start // BLOCK)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    temp.mkdir()
    try:
        emit(con, run_id, lay, results, temp)
        try:
            os.rename(temp, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    return final


class Store:
    """An open results store (a DuckDB file; ``":memory:"`` for a throwaway one).

    ``create`` makes the tables if they are missing (skip it for quick reads of a store
    known to exist); it also checks first that the store's folder can be written
    (:func:`check_writable`). A file shorter than its own header says (truncated) is refused
    as damaged when opened. ``threads`` caps DuckDB's threads (default: one per core)."""

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        create: bool = True,
        threads: int | None = None,
    ) -> None:
        self.path = str(path)
        #: the folder of a folder store (None: a DuckDB file)
        self.folder = Path(self.path) if is_folder_store(self.path) else None
        db = self.path if self.folder is None else str(self.folder / CATALOGUE)
        self._db = db
        if self.folder is not None:
            _check_folder(self.folder)
        if self.folder is not None and not Path(db).exists() and (read_only or not create):
            raise GuarantyError(
                f"{self.path}: no results store here (a folder store holds {CATALOGUE}); "
                "guaranty run --store writes one"
            )
        if create and not read_only:
            if self.folder is not None and not self.folder.is_dir():
                check_writable(self.folder)
                self.folder.mkdir()
            check_writable(db)
        try:
            with _OPEN:
                self.con = duckdb.connect(db, read_only=read_only)
        except duckdb.Error as e:
            if "conflicting lock" in str(e).lower():
                raise GuarantyError(
                    f"{self.path}: cannot open the results store: {detail(e)}. Another "
                    "guaranty process is writing to it; wait for it to finish."
                ) from None
            failure = store_failure(self.path, e, "opening it")
            if failure.kind == "other":
                raise GuarantyError(
                    f"{self.path}: cannot open the results store: {detail(e)}."
                ) from None
            raise failure from None
        try:
            if threads is not None:
                self.con.execute(f"SET threads = {int(threads)}")
            if not read_only:
                self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            self._check_intact()
            self._check_version()
            if create and not read_only:
                self._create()
            self.refresh()
        except BaseException as e:
            self._close_quietly()
            if isinstance(e, duckdb.Error):
                raise store_failure(self.path, e, "opening it") from None
            raise

    def _create(self) -> None:
        """The tables (a folder store: the catalogue, and the data tables empty in the
        schema ``empty``, which give its views their columns), and the store's version."""
        if self.folder is None:
            for ddl in DDL:
                self.con.execute(ddl)
        else:
            for ddl in CATALOGUE_DDL:
                self.con.execute(ddl)
            self.con.execute("CREATE SCHEMA IF NOT EXISTS empty")
            for t, cols in DATA_DDL.items():
                self.con.execute(f"CREATE TABLE IF NOT EXISTS empty.{t} {cols}")
        self.con.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )

    def _check_version(self) -> None:
        """Refuse a store written by a guaranty with another layout of the tables (before
        version 3: the long ``inputs`` and ``honor`` tables), naming what to do."""
        (has_meta,) = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = 'meta'"
        ).fetchall()  # all: see _check_intact
        if not has_meta[0]:
            return
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        row = rows[0] if rows else None
        version = int(row[0]) if row and str(row[0]).isdigit() else SCHEMA_VERSION
        if version != SCHEMA_VERSION:
            older = version < SCHEMA_VERSION
            raise StoreError(
                f"{self.path}: the results store has the layout of version {version} and this "
                f"guaranty ({__version__}) reads and writes version {SCHEMA_VERSION} "
                + (
                    "(the lean store: inputs and P(honor) a column each, docs/store.md). Its "
                    "runs cannot be resumed by this code anyway (a run's id holds the code's "
                    "digest): export or report them with the guaranty that wrote them "
                    "(guaranty export), and choose a new --store for new runs."
                    if older
                    else "(it was written by a newer guaranty). Upgrade guaranty, or choose "
                    "another --store."
                ),
                kind="other",
            )

    def refresh(self) -> None:
        """A folder store's views: each table with rows per draw (and ``blocks``) as the
        union of its Parquet files (none yet: the catalogue's empty table, which also gives
        the columns their types). Called on opening and after a write; a view re-lists the
        files each time it is read, so chunks written by other processes show at once."""
        if self.folder is None:
            return
        root = str(self.folder).replace("'", "''")
        for t in DATA_DDL:
            pattern = f"{root}/runs/*/chunk-*/{t}.parquet"
            files = next(self.folder.glob(f"runs/*/chunk-*/{t}.parquet"), None)
            sql = f"SELECT * FROM empty.{t}"
            if files is not None:
                union = "UNION ALL BY NAME" if t in WIDE else "UNION ALL"
                sql += f" {union} SELECT * FROM read_parquet('{pattern}'" + (
                    ", union_by_name = true)" if t in WIDE else ")"
                )
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {t} AS {sql}")

    def _check_intact(self) -> None:
        """Refuse a file cut short: DuckDB's header counts the file's blocks, and a whole
        file holds at least that many (DuckDB itself only notices when it reads a missing
        block, which may be long after it was opened)."""
        if self._db == ":memory:":
            return
        # fetchall, not fetchone: a result left unread keeps its transaction open, and a
        # connection kept open (the web workbench's) would block every other one's checkpoint
        rows = self.con.execute(
            "SELECT block_size, total_blocks, used_blocks FROM pragma_database_size()"
        ).fetchall()
        if not rows:  # pragma: no cover - one row per attached database
            return
        row = rows[0]
        size = os.path.getsize(self._db)
        block, total, used = (int(v) for v in row)
        need = HEADERS + block * total
        # DuckDB leaves free blocks at the end out of a file it closes (seen with a sweep's
        # store: 2 of 122): such a file ends on a block and holds at least the used blocks
        tail_free = (size - HEADERS) % block == 0 and size >= HEADERS + block * used
        if size < need and not tail_free:
            raise StoreError(
                f"{self._db}: the results store is damaged: the file has {size:,} bytes, "
                f"but its header counts {total} blocks ({need:,} bytes), so it was cut "
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
        """Create the run's row (or reuse it) and the wide tables' columns it needs
        (:func:`~guaranty.store.tables.widen`) in one transaction, and return its id."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            run_id = self._open_run(scenario, lay, seed=seed, draws=draws, source=source)
            self.con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self.refresh()
        return run_id

    def _open_run(
        self, scenario: Scenario, lay: Layout, *, seed: int, draws: int, source: str | None
    ) -> str:
        run_id = run_key(scenario, seed)
        row = self.con.execute(
            "SELECT draws, inputs FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
        if row is None:
            self.con.execute(
                """INSERT INTO runs (run_id, scenario, scenario_hash, seed, version, draws,
                   block_size, model, issues, designs, inputs, honor, source, scenario_json,
                   status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')""",
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
                    pair_names(lay),
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
        if self.folder is not None:  # half-written chunks of an interrupted run: never read
            for temp in (self.folder / "runs" / run_id).glob(".tmp-*"):
                shutil.rmtree(temp, ignore_errors=True)
        prefix = "" if self.folder is None else "empty."
        widen(self.con, f"{prefix}inputs", len(lay.inputs))
        widen(self.con, f"{prefix}honor", len(lay.pairs))
        return run_id

    @_guarded("checkpointing")
    def checkpoint(self) -> bool:
        """Compress what the write-ahead log holds into the file now (a folder store: nothing
        to do). The runner calls it once every chunk of a run is handed out, while the last
        ones compute, so that closing the store, which the run waits for, has only the last
        transaction left to compress (docs/store.md, "Checkpoints").

        Best effort: DuckDB refuses a checkpoint while another connection to the file has a
        transaction open (the web workbench's, reading the runs while one is computed); the
        logged rows then stay in the log, as committed as before, until a later checkpoint
        (DuckDB's own, or the last connection's close). Returns whether it ran."""
        if self.folder is None:
            try:
                self.con.execute("CHECKPOINT")
            except duckdb.TransactionException as exc:
                if "other write transactions" not in str(exc):
                    raise
                return False
        return True

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

    @_guarded("reading the runs")
    def find_run(self, run: str) -> str:
        """The id of the run ``run`` names: its whole id, or the start of exactly one run's
        id. An error that names the store and its runs otherwise."""
        rows = self.con.execute("SELECT run_id FROM runs ORDER BY created DESC").fetchall()
        return pick_id(
            [r[0] for r in rows],
            run,
            kind="run",
            store=self.path,
            none_yet="guaranty run --store writes them",
            listed=f" (guaranty runs --store {self.path} lists them)",
        )

    # -- blocks ---------------------------------------------------------------------------

    @_guarded("reading the finished blocks")
    def done_blocks(self, run_id: str) -> dict[int, int]:
        """Finished blocks of the run: block -> draws stored."""
        self.refresh()
        rows = self.con.execute("SELECT block, n FROM blocks WHERE run_id = ?", [run_id]).fetchall()
        return {int(b): int(n) for b, n in rows}

    @_guarded("dropping a block")
    def drop_block(self, run_id: str, block: int) -> None:
        """Delete block ``block`` of the run (in a folder store: the whole chunk that holds
        it; the runner computes its other blocks again too)."""
        if self.folder is not None:
            for chunk in sorted((self.folder / "runs" / run_id).glob("chunk-*")):
                got = self.con.execute(
                    "SELECT count(*) FROM read_parquet(?) WHERE block = ?",
                    [str(chunk / "blocks.parquet"), block],
                ).fetchone()
                if got and got[0]:
                    gone = chunk.with_name(f".tmp-drop-{chunk.name}-{uuid.uuid4().hex[:8]}")
                    os.rename(chunk, gone)
                    shutil.rmtree(gone, ignore_errors=True)
            self.refresh()
            return
        lo, hi = block * BLOCK, (block + 1) * BLOCK
        self.con.execute("BEGIN TRANSACTION")
        try:
            for t in DATA_TABLES:
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
        """Write whole blocks, each with its ``blocks`` row, in one transaction (a folder
        store: as one chunk folder, :func:`write_chunk`)."""
        results = list(results)
        if not results:
            return
        if self.folder is not None:
            try:
                write_chunk(self.con, self.folder, run_id, lay, results)
            except OSError as exc:
                raise StoreError(
                    f"{self.path}: cannot write a chunk of the results store: "
                    f"{exc.strerror or exc}. Nothing of that chunk was kept.",
                    kind=disk_problem(exc)
                    if disk_problem(exc) in ("full", "read-only")
                    else "other",
                ) from None
            self.refresh()
            return
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            emit(con, run_id, lay, results)
            con.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        # A COMMIT that fails (a full disk) has ended the transaction already; a second
        # error from the ROLLBACK would only hide the first.
        try:
            self.con.execute("ROLLBACK")
        except (duckdb.Error, RuntimeError):  # RuntimeError: a second Ctrl-C (interrupted)
            pass

    # -- reading --------------------------------------------------------------------------

    @_guarded("reading the draws")
    def load(self, run_id: str, *, draws: int | None = None) -> RunResult:
        """The run's draws (the first ``draws`` of them) as a :class:`RunResult`."""
        info = self.run_info(run_id)
        limit = int(info["draws"] if draws is None else draws)
        return read_run(self.con, self.path, info, limit)

    @_guarded("reading the draws")
    def stats(self, run_id: str, *, draws: int | None = None) -> RunStats:
        """The run's first ``draws`` draws (all by default) as aggregates computed in SQL on
        demand (:class:`guaranty.store.stats.RunStats`: the run's summary, what its report's
        figures show), never loading the draws."""
        from guaranty.store.stats import RunStats

        self._quiet()
        info = self.run_info(run_id)
        limit = int(info["draws"] if draws is None else draws)
        return RunStats(self.con, self.path, info, stored_draws(self.con, self.path, run_id, limit))

    @_guarded("reading a table")
    def frame(self, run_id: str, table: str, *, draws: int | None = None) -> pandas.DataFrame:
        """One of the run's tables (``draws``, ``outcomes``, ``inputs``, ``terms``,
        ``honor``) as a pandas DataFrame, in draw order (its first ``draws`` draws, all by
        default). ``inputs`` and ``terms`` are wide: a column per input (named as in
        ``runs.inputs``) or per issue. Needs pandas; other tools can run
        :func:`guaranty.store.export.table_sql` on :attr:`con` (``.fetchnumpy()``,
        ``.arrow()``)."""
        from guaranty.store.export import table_sql

        self._quiet()
        info = self.run_info(run_id)
        limit = int(info["draws"] if draws is None else draws)
        n = stored_draws(self.con, self.path, run_id, limit)
        return self.con.execute(table_sql(info, n, table)).df()

    @_guarded("exporting the run")
    def export(
        self, run_id: str, fmt: str, out_dir: str | Path, *, draws: int | None = None
    ) -> dict[str, Any]:
        """Write the run's tables as ``fmt`` files (csv, parquet, xlsx) into ``out_dir``
        (:func:`guaranty.store.export.export_run`); returns what its ``run.json`` says."""
        from guaranty.store.export import export_run

        self._quiet()
        return export_run(self, run_id, fmt, out_dir, draws=draws)

    def _quiet(self) -> None:
        """No progress bar of DuckDB's own on the terminal (long queries draw one)."""
        self.con.execute("SET enable_progress_bar = false")

    def limit_memory(self, limit: str, spill: str | Path | None = None) -> None:
        """Cap DuckDB's memory at ``limit`` (``"700MB"``), spilling to the folder ``spill``
        beyond it (for one command's own connection: the settings hold for every
        connection to the database)."""
        self.con.execute(f"SET memory_limit = '{limit}'")
        if spill is not None:
            self.con.execute(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")

    @_guarded("reading the draws")
    def digest(self, run_id: str) -> str:
        """A SHA-256 of every stored row of the run, in draw order (for reproducibility checks)."""
        return digest(self.con, run_id)
