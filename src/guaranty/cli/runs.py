"""The results-store commands: ``run`` (the whole chain over many draws, kept draw by draw
in a DuckDB store, resumable) and ``runs`` (the runs a store holds)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from guaranty.cli.common import USAGE, fail, out, print_json, progress_bar, styled
from guaranty.cli.lazy import is_cases, negotiable
from guaranty.cli.options import (
    CHAIN_DRAWS,
    DEFAULT_STORE,
    AddressOpt,
    BackendOpt,
    ChainDrawsOpt,
    ExistingStoreOpt,
    FileArg,
    JsonOpt,
    SeedOpt,
    StoreOpt,
    WorkersOpt,
    check_backend,
    resolve_workers,
)
from guaranty.scenario import load


def run_cmd(
    file: FileArg,
    draws: ChainDrawsOpt = CHAIN_DRAWS,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 0,
    store: StoreOpt = DEFAULT_STORE,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size",
            min=1,
            help="Draws per chunk (a multiple of 1000; default 5000, or 20000 into a folder "
            "store).",
            show_default=False,
        ),
    ] = None,
    backend: BackendOpt = "local",
    address: AddressOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the whole chain (war, settlement, design, credibility, deterrence, durability) over
    many draws and keep every draw in a results store (a DuckDB file, or a folder of Parquet
    files). Interrupted runs resume where they stopped; the same seed gives the same rows
    whatever the backend, workers or chunk size."""
    from guaranty.plan import BLOCK
    from guaranty.runner import run

    check_backend(backend, address)

    obj = negotiable(load(file), file)
    if is_cases(obj):
        raise fail(f"error: {file}: the pipeline needs a scenario (.yaml), not a case file")
    if chunk_size is not None and chunk_size % BLOCK:
        raise fail(
            f"error: chunk size must be a positive multiple of {BLOCK}; got {chunk_size}", USAGE
        )
    workers = resolve_workers(workers)
    from rich.progress import TextColumn

    # the bar (and its refresh thread) starts with the run's first report, once the run has
    # started its workers: a process with a second thread spawns them instead of forking
    # them, which costs each worker its imports again (guaranty.pool.start_method)
    bar = progress_bar(TextColumn("{task.fields[rate]}"), quiet=as_json)
    task = bar.add_task("draws", total=draws, rate="")
    started: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        import time

        now = time.perf_counter()
        if "t" not in started:
            started.update(t=now, done=done)
            bar.start()
        elapsed = now - started["t"]
        rate = (done - started["done"]) / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=done, rate=f"{rate:,.0f} draws/s" if rate else "")

    try:
        summary = run(
            obj,
            draws=draws,
            seed=seed,
            store=store,
            workers=workers,
            chunk_size=chunk_size,
            source=str(file),
            progress=progress,
            backend=backend,
            address=address,
        )
    finally:
        bar.stop()
    data = {
        "run_id": summary.run_id,
        "store": summary.store,
        "draws": summary.draws,
        "computed": summary.computed,
        "seconds": round(summary.seconds, 3),
        "workers": workers,
        "backend": backend,
    }
    if as_json:
        print_json(data)
        return
    reused = summary.draws - summary.computed
    out.print(
        styled(
            "run ",
            (summary.run_id, "bold"),
            f": {summary.draws:,} draws in {summary.store} "
            f"({summary.computed:,} computed in {summary.seconds:.1f} s"
            + (f", {reused:,} already stored" if reused else "")
            + ")",
        )
    )


def _runs_table(store: Path, rows: list[dict[str, Any]]) -> Table:
    t = Table(title=f"runs in {store}")
    for col in ("run", "scenario", "seed", "draws", "stored", "model", "status", "version"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r["run_id"],
            r["scenario"],
            str(r["seed"]),
            f"{r['draws']:,}",
            f"{r['stored']:,}",
            r["model"],
            r["status"],
            r["version"],
        )
    return t


def runs_cmd(store: ExistingStoreOpt = DEFAULT_STORE, as_json: JsonOpt = False) -> None:
    """List the runs in a results store."""
    from guaranty.store import Store

    if not store.exists() or (store.is_dir() and not (store / "catalog.duckdb").exists()):
        raise fail(f"error: {store}: no such results store")
    with Store(store, read_only=True) as st:
        rows = st.runs()
    if as_json:
        print_json(
            [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                for r in rows
            ]
        )
        return
    out.print(_runs_table(store, rows))
