"""The ``analyze`` command, the main job: check that the report (and the store) can be
written, run the main job's use case (:func:`guaranty.analysis.analyze`, which the web's
results page shares), and write the HTML and Markdown report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from guaranty.analysis import DRAWS, FORECAST_DRAWS
from guaranty.cli.common import err, out, print_json, spinner, styled
from guaranty.cli.lazy import is_cases, negotiable
from guaranty.cli.options import (
    ChainDrawsOpt,
    FileArg,
    JsonOpt,
    SeedOpt,
    WorkersOpt,
    resolve_workers,
)
from guaranty.cli.war import defaults_note
from guaranty.scenario import load


def analyze(
    file: FileArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path("report"),
    draws: ChainDrawsOpt = DRAWS,
    forecast_draws: Annotated[
        int,
        typer.Option(
            "--forecast-draws", min=1, help="Draws for every negotiation model's forecast."
        ),
    ] = FORECAST_DRAWS,
    seed: SeedOpt = 0,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Also keep the draws in this DuckDB store (guaranty run)."),
    ] = None,
    workers: WorkersOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """The main job: validate, run the chain from the war to the peace and every negotiation
    model, check the claims, and write an HTML and Markdown report."""
    from guaranty.report import check_output, write_report  # plotting libraries load here

    obj = negotiable(load(file), file)
    # a target that cannot be written fails now, not after minutes of computing
    check_output(out_dir)
    if store is not None:
        from guaranty.store import check_writable

        check_writable(store)
    if not is_cases(obj) and not as_json:
        for line in defaults_note(obj):
            err.print(line)
    from guaranty import analysis  # looked up when called (the fault tests replace it)

    with spinner("running models ...", quiet=as_json):
        done = analysis.analyze(
            obj,
            draws=draws,
            forecast_draws=forecast_draws,
            seed=seed,
            store=store,
            workers=resolve_workers(workers),
            source=str(file),
            # a process of their own beside the chain in this process (with a store the
            # chain's workers have the cores, and a thread waits as well)
            forecasts_process=store is None,
        )
        paths = write_report(
            obj,
            done.forecasts,
            out_dir,
            source=file,
            seed=seed,
            draws=draws,
            credibility=done.credibility,
            claims=done.claims,
            run=done.run,
            forecast_draws=done.forecast_draws,
            fact_answers=done.fact_answers,
        )
    if as_json:
        print_json(
            {
                "report": str(paths["html"]),
                "markdown": str(paths["md"]),
                "models": list(done.models),
            }
        )
        return
    html, md = paths["html"], paths["md"]
    out.print(styled("report written: ", (str(html), "bold"), f" (and {md.name})"))
