"""The plumbing every command shares: the Typer app and its ``--version``, the two consoles
(stdout for results, stderr for messages and progress), the error boundary (one paragraph
and exit code 2 for guaranty's own errors and the disk's), JSON printing, the spinner and
the progress bars.

Nothing here imports numpy, scipy or the models: ``--version``, ``--help`` and
``validate`` stay quick.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from guaranty.errors import GuarantyError, disk_problem

if TYPE_CHECKING:  # rich.progress loads with the first bar (17 ms that validate never needs)
    from rich.progress import Progress, ProgressColumn

app = typer.Typer(
    name="guaranty",
    help="Security guarantees and negotiated war endings as explicit, testable numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` to stderr as it is (no markup) and return the exit to raise."""
    err.print(message, markup=False)
    return typer.Exit(code)


def one_paragraph(text: str) -> str:
    """``text`` with every run of white space (newlines included) as one space."""
    return " ".join(str(text).split())


def os_error(exc: OSError) -> str:
    """An OS error guaranty did not foresee (a full disk, a read-only folder) as one line
    with what to do."""
    kind = disk_problem(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    hint = {
        "full": " Free some space, or write to another disk.",
        "read-only": " Write to a folder you can write to.",
    }.get(kind, "")
    return f"{where}{reason}.{hint}"


def _is_duckdb_error(exc: Exception) -> bool:
    return type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb")


def handles_errors(fn: F) -> F:
    """Turn guaranty's errors (:class:`~guaranty.errors.GuarantyError`: a bad file, an unknown
    model, a store or report that cannot be written) and the file system's errors (a full
    disk, a read-only folder) into one paragraph and exit code 2. Anything else, a bare
    ``ValueError`` included, is a bug and leaves with its traceback (exit code 1)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GuarantyError as exc:
            raise fail(f"error: {exc}") from None
        except OSError as exc:
            raise fail(f"error: {one_paragraph(os_error(exc))}") from None
        except Exception as exc:
            # DuckDB's own errors, should one slip past the store's translation
            if not _is_duckdb_error(exc):
                raise
            raise fail(f"error: the results store failed: {one_paragraph(str(exc))}") from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (strict: a NaN is an error, not ``NaN``)."""
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def progress_bar(
    *extra: ProgressColumn, label: str = "{task.description}", remaining: bool = True, quiet: bool
) -> Progress:
    """A progress bar on stderr that disappears when done: the label, the bar, done/total,
    the ``extra`` columns, the time elapsed and (``remaining``) the time left. Off when
    ``quiet`` (``--json``) or when stderr is not a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), *extra, TimeElapsedColumn()]
    if remaining:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=err, transient=True, disable=quiet or not err.is_terminal)


def spinner(text: str, *, quiet: bool) -> AbstractContextManager[Any]:
    """A spinner with ``text`` on stdout while the work runs; nothing when ``quiet``
    (``--json``: stdout carries the JSON document alone)."""
    return nullcontext() if quiet else out.status(text, spinner="dots")


def _version(value: bool) -> None:
    if value:
        from guaranty._version import __version__

        out.print(f"guaranty {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Security guarantees and negotiated war endings as explicit, testable numbers."""
