"""The commands on a run kept in a results store: ``export`` (its tables as CSV, Parquet or
Excel files for other tools) and ``report`` (its report, aggregated in SQL so that its
memory does not grow with the run's draws). The store, DuckDB, the models and the plotting
libraries are imported inside the commands, so that ``--help`` stays quick."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from guaranty.analysis import FORECAST_DRAWS
from guaranty.cli.common import out, print_json, spinner, styled
from guaranty.cli.options import JsonOpt
from guaranty.errors import GuarantyError

RunArg = Annotated[
    str,
    typer.Argument(
        help="A run id of the store (guaranty runs lists them), or the start of one.",
        metavar="RUN",
        show_default=False,
    ),
]
StoreReadOpt = Annotated[
    Path,
    typer.Option(
        "--store",
        help="The results store that holds the run: a DuckDB file or a folder of Parquet files.",
    ),
]
RunDrawsOpt = Annotated[
    int | None,
    typer.Option("--draws", min=1, help="Only the run's first N draws (default: all)."),
]


#: DuckDB's memory limit while a run is exported (beyond it, to a temporary folder)
EXPORT_MEMORY = "1GB"


class Format(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def _existing(store: Path) -> None:
    """A store to read must exist (opening a missing one would create it)."""
    if not store.exists():
        raise GuarantyError(
            f"{store}: no such results store; expected the DuckDB file or the folder that "
            f"'guaranty run --store {store}' writes (--store names it; the default is "
            "guaranty.duckdb in the current folder)"
        )


def export_cmd(
    run: RunArg,
    fmt: Annotated[
        Format,
        typer.Option("--format", help="csv or parquet (both for R, Stata, pandas) or xlsx."),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the files.")],
    store: StoreReadOpt = Path("guaranty.duckdb"),
    draws: RunDrawsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a stored run's tables (draws, per-design outcomes, inputs one column each,
    settled terms, the claims ledger) as CSV, Parquet or Excel files into a folder, with
    run.json (the run and its files) and scenario.json. The files are written together or
    not at all."""
    _existing(store)
    from guaranty.store import Store
    from guaranty.store.export import need_xlsxwriter
    from guaranty.store.folder import check_folder

    check_folder(out_dir, "export")
    if fmt is Format.xlsx:
        need_xlsxwriter()  # before anything is read
    import shutil
    import tempfile

    spill = tempfile.mkdtemp(prefix="guaranty-export-")
    try:
        with (
            spinner("exporting ...", quiet=as_json),
            Store(store, read_only=True, create=False) as st,
        ):
            st.limit_memory(EXPORT_MEMORY, spill)  # the wide inputs of a big run spill
            run_id = st.find_run(run)
            meta = st.export(run_id, fmt.value, out_dir, draws=draws)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    if as_json:
        print_json({"run_id": run_id, "store": str(store), "out": str(out_dir), **meta})
        return
    files = ", ".join(f"{name} ({rows:,} rows)" for name, rows in meta["files"].items())
    out.print(
        styled(
            "run ", (run_id, "bold"), f": {meta['draws']:,} draws exported to {out_dir}: {files}"
        )
    )


def report_cmd(
    run: RunArg,
    store: StoreReadOpt = Path("guaranty.duckdb"),
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path("report"),
    draws: RunDrawsOpt = None,
    forecast_draws: Annotated[
        int,
        typer.Option(
            "--forecast-draws", min=1, help="Draws for every negotiation model's forecast."
        ),
    ] = FORECAST_DRAWS,
    as_json: JsonOpt = False,
) -> None:
    """Write the HTML and Markdown report of a stored run, as guaranty analyze does, from
    aggregates computed by DuckDB: its memory does not grow with the run's draws."""
    _existing(store)
    from guaranty.report import check_output
    from guaranty.report.stored import report_stored

    check_output(out_dir)
    with spinner("reading the run ...", quiet=as_json) as status:

        def step(text: str) -> None:
            if status is not None:
                status.update(f"{text} ...")

        got = report_stored(
            store, run, out_dir, draws=draws, forecast_draws=forecast_draws, step=step
        )
    if as_json:
        print_json(
            {
                "run_id": got["run_id"],
                "draws": got["draws"],
                "report": str(got["html"]),
                "markdown": str(got["md"]),
            }
        )
        return
    out.print(
        styled(
            "report of run ",
            (got["run_id"], "bold"),
            f" ({got['draws']:,} draws) written: ",
            (str(got["html"]), "bold"),
            f" (and {got['md'].name})",
        )
    )
