"""The ``sweep`` command: the chain over a design matrix of the scenario's inputs (Sobol,
Morris or a grid), one stored row per design point, resumable, and the indices of the
headline outputs (docs/sweep.md). ``guaranty claims --sweep`` reads the same rows."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from guaranty.cli.claims import HEADLINE_METRICS
from guaranty.cli.common import USAGE, fail, out, print_json, progress_bar, styled
from guaranty.cli.lazy import is_cases, negotiable
from guaranty.cli.options import (
    DEFAULT_STORE,
    AddressOpt,
    BackendOpt,
    FileArg,
    JsonOpt,
    SeedOpt,
    StoreOpt,
    WorkersOpt,
    check_backend,
    resolve_workers,
)
from guaranty.scenario import load


class DesignKind(StrEnum):
    sobol = "sobol"
    morris = "morris"
    grid = "grid"


def _check_n(design: str, n: int) -> None:
    """A usage error (exit 64) for an ``--n`` the design cannot take."""
    from guaranty.errors import ParameterError
    from guaranty.sweep import check_design

    try:
        check_design(design, n)
    except ParameterError as exc:
        raise fail(f"error: --n: {exc}", USAGE) from None


def _executor(backend: str, address: str | None, workers: int) -> Any:
    """The chunk executor of ``--backend`` (the seam of guaranty.sweep.Executor)."""
    check_backend(backend, address)
    if backend == "ray":
        from guaranty.runner_ray import sweep_executor

        return sweep_executor(workers, address)
    from guaranty.sweep import local_executor

    return local_executor(workers)


def _headline(res: Any, top: int) -> dict[str, Any]:
    return {key: {"sums": res.sums(key), "indices": res.rows(key, top)} for key in res.indices}


def _factors_text(factors: tuple[str, ...]) -> str:
    from guaranty.sensitivity import CHANCE

    if CHANCE in factors:
        return f"{len(factors) - 1} factors and chance"
    return f"{len(factors)} factors"


def _print_headline(res: Any, top: int) -> None:
    for key in res.indices:
        rows = res.rows(key, top)
        if "st" in (rows[0] if rows else {}):
            rank = "S1 / ST"
            shown = "; ".join(f"{r['input']} ({r['s1']:.2f} / {r['st']:.2f})" for r in rows)
        elif rows and "mu_star" in rows[0]:
            rank = "mu* / sigma"
            shown = "; ".join(f"{r['input']} ({r['mu_star']:.3g} / {r['sigma']:.3g})" for r in rows)
        else:
            rank = "range"
            shown = "; ".join(f"{r['input']} ({r['range']:.3g})" for r in rows)
        out.print(f"  {key} ({rank}): {shown}", markup=False)


def sweep_cmd(
    file: FileArg,
    design: Annotated[
        DesignKind, typer.Option("--design", help="sobol (Saltelli), morris or grid.")
    ] = DesignKind.sobol,
    n: Annotated[
        int,
        typer.Option(
            "--n",
            help="Sobol: base samples (a power of 2; n x (factors + 3) points); morris: "
            "trajectories (n x (factors + 1) points); grid: levels per factor, one factor "
            "at a time (n x factors points).",
        ),
    ] = 256,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 0,
    store: StoreOpt = DEFAULT_STORE,
    backend: BackendOpt = "local",
    address: AddressOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Factors listed per headline output.")
    ] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Run the chain over a design matrix of the scenario's uncertain inputs (Sobol, Morris
    or a grid over the factors of guaranty claims), one row per design point in the results
    store; an interrupted sweep resumes, and the rows are the same whatever the workers.
    Prints the indices of the headline outputs; guaranty claims --sweep gives each claim's
    (docs/sweep.md)."""
    from guaranty.store import Store
    from guaranty.sweep import headline, stored_indices, sweep

    _check_n(design.value, n)
    workers = resolve_workers(workers)
    executor = _executor(backend, address, workers)
    obj = negotiable(load(file), file)
    if is_cases(obj):
        raise fail(f"error: {file}: a sweep needs a scenario (.yaml), not a case file")
    with progress_bar(label="design points", quiet=as_json) as bar:
        task = bar.add_task("points", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = sweep(
            obj,
            design=design.value,
            n=n,
            seed=seed,
            store=store,
            workers=workers,
            executor=executor,
            source=str(file),
            progress=progress,
        )
    with Store(store, read_only=True) as st:
        _, res = stored_indices(st, summary.sweep_id, lambda o: headline(o, HEADLINE_METRICS))
    from guaranty.sensitivity import design_method

    data = {
        "sweep_id": summary.sweep_id,
        "store": summary.store,
        "design": summary.design,
        "n": summary.n,
        "seed": seed,
        "points": summary.points,
        "computed": summary.computed,
        "seconds": round(summary.seconds, 3),
        "workers": workers,
        "backend": backend,
        "factors": list(summary.factors),
        "method": design_method(summary.design),
        "headline": _headline(res, top),
    }
    if as_json:
        print_json(data)
        return
    reused = summary.points - summary.computed
    out.print(
        styled(
            "sweep ",
            (summary.sweep_id, "bold"),
            f": {summary.design} design, n {summary.n}, "
            f"{summary.points:,} points of the chain over {_factors_text(summary.factors)} in "
            f"{summary.store} ({summary.computed:,} computed in {summary.seconds:.1f} s"
            + (f", {reused:,} already stored" if reused else "")
            + ")",
        )
    )
    out.print(f"headline outputs, top {top} factors:")
    _print_headline(res, top)
    out.print(
        f"each claim's indices: guaranty claims {file} --store {store} --sweep {summary.sweep_id}",
        markup=False,
    )
