"""The arguments and options that several commands share (or that keep the commands'
signatures short): the input file, ``--json``, ``--seed``, ``--store``, ``--model`` and the
``--draws`` of each kind of run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from guaranty import analysis

#: the chain's draws unless told otherwise, in every command that runs it (analyze, run,
#: claims): one default with one meaning
CHAIN_DRAWS = analysis.DRAWS

FileArg = Annotated[
    Path,
    typer.Argument(
        help="A scenario: .yaml, BDM/KTAB .csv, DEU III .tsv, a decide exchange file, or the "
        "name of a shipped scenario (guaranty scenarios lists them).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
ModelOpt = Annotated[str, typer.Option("--model", "-m", help="A registered model name.")]
DrawsOpt = Annotated[
    int,
    typer.Option(
        "--draws", min=0, help="Monte Carlo draws of the uncertain inputs (0: nominal values only)."
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the random draws.")]
StoreOpt = Annotated[
    Path,
    typer.Option(
        "--store",
        help="The results store (created if missing): a DuckDB file, or a folder of Parquet "
        "files (an existing folder, or a new path without an extension).",
    ),
]
ExistingStoreOpt = Annotated[
    Path,
    typer.Option(
        "--store", help="The results store (it must exist): a DuckDB file or a store folder."
    ),
]
#: where a command keeps or reads its runs unless told otherwise
DEFAULT_STORE = Path("guaranty.duckdb")
WorkersOpt = Annotated[
    int,
    typer.Option("--workers", min=0, help="Worker processes (0: the CPU count, at most 8)."),
]


def resolve_workers(workers: int) -> int:
    """``--workers``: 0 means the CPU count, at most 8."""
    import os

    return workers or min(os.cpu_count() or 1, 8)


ChainDrawsOpt = Annotated[
    int, typer.Option("--draws", min=1, help="Draws of the chain from the war to the peace.")
]


CredibilityDrawsOpt = Annotated[int, typer.Option("--draws", min=100, help="Outer draws.")]
WarDrawsOpt = Annotated[int, typer.Option("--draws", min=1, help="Draws of the war.")]

#: where the chunks of a run or a sweep can run (guaranty.runner.BACKENDS)
BACKENDS = ("local", "ray")  # as guaranty.runner.BACKENDS (tests/test_ray.py)
BackendOpt = Annotated[
    str,
    typer.Option(
        "--backend",
        help="Where the chunks run: local (a process pool) or ray (Ray tasks; "
        "pip install 'guaranty\\[ray]').",  # \[: not rich markup
    ),
]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address",
        help="A Ray cluster's address (with --backend ray; default: RAY_ADDRESS, else a "
        "local Ray instance of --workers CPUs).",
        show_default=False,
    ),
]


def check_backend(backend: str, address: str | None) -> None:
    """``--backend`` and ``--address``: usage errors (64) for an unknown backend or an
    address without Ray; with Ray, an error (2) naming the extra if it is not installed."""
    from guaranty.cli.common import USAGE, fail

    if backend not in BACKENDS:
        raise fail(
            f"error: unknown --backend {backend!r}; choose one of {', '.join(BACKENDS)}", USAGE
        )
    if address is not None and backend != "ray":
        raise fail("error: --address names a Ray cluster: it needs --backend ray", USAGE)
    if backend == "ray":
        from guaranty.runner_ray import need_ray

        need_ray()
