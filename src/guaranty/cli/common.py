"""The plumbing every command shares: the Typer app and its ``--version``, the two consoles
(stdout for results, stderr for messages and progress), the error boundary (one paragraph
and exit code 2 for guaranty's own errors and the disk's), JSON printing, the spinner and
the progress bars.

Exit codes: 0 done; 1 a bug (with its traceback); 2 the input or the data (a malformed or
inconsistent file, a missing store, a full disk: one paragraph naming the file, line and
field); 64 the command line itself (an unknown option, a value out of range, options that
do not go together; ``EX_USAGE`` of sysexits.h); 130 interrupted. With ``--json`` every
error is one JSON object on stdout, ``{"error": {"file", "line", "column", "field",
"message"}}``, and the exit code is the same.

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
from typer import Abort
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from guaranty.errors import GuarantyError, disk_problem

if TYPE_CHECKING:  # rich.progress loads with the first bar (17 ms that validate never needs)
    from rich.progress import Progress, ProgressColumn

#: exit code of an error in the command line itself (sysexits.h's EX_USAGE)
USAGE = 64
#: exit code of an error in the input, the data or the store
DATA = 2


class Failure(Exception):
    """A command's refusal, raised through :func:`fail` and printed by the error boundary
    (as text, or as a JSON object under ``--json``)."""

    def __init__(self, message: str, code: int = DATA) -> None:
        self.message = message.removeprefix("error: ")
        self.code = code
        super().__init__(self.message)


def error_object(
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """An error as the JSON object that ``--json`` prints."""
    return {
        "error": {
            "file": file,
            "line": line,
            "column": column,
            "field": field or None,
            "message": message,
        }
    }


def _report(text: str, obj: dict[str, Any], *, as_json: bool, code: int) -> typer.Exit:
    if as_json:
        print_json(obj)
    else:
        err.print(text, markup=False)
    return typer.Exit(code)


class _Group(TyperGroup):
    """The command group with guaranty's exit codes: a usage error exits with
    :data:`USAGE` (click's own code, 2, is the one guaranty gives bad input), and under
    ``--json`` it is a JSON object like every other error."""

    def main(self, args: Any = None, *pos: Any, standalone_mode: bool = True, **kw: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, *pos, standalone_mode=False, **kw)
        try:
            code = super().main(argv, *pos, standalone_mode=False, **kw)
        except UsageError as exc:
            if "--json" in argv and type(exc).__name__ != "NoArgsIsHelpError":
                field = getattr(getattr(exc, "param", None), "opts", None)
                print_json(error_object(exc.format_message(), field=(field or [None])[0]))
            else:
                from typer import rich_utils

                rich_utils.rich_format_error(exc)
            sys.exit(USAGE)
        except ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except Abort:
            err.print("aborted", markup=False)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="guaranty",
    cls=_Group,
    help="Security guarantees and negotiated war endings as explicit, testable numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(*, stderr: bool = False) -> Console:
    """A console that wraps nothing when its stream is not a terminal (a pipe, a file):
    tables and summary lines stay whole for the program that reads them."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        stderr=stderr,
        emoji=False,
        highlight=not stderr,
        soft_wrap=stderr or not tty,
        width=None if tty else 1000,
    )


out = _console()
err = _console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = DATA) -> Failure:
    """The refusal to raise: ``message`` goes to stderr as it is (no markup), or to stdout
    as a JSON object under ``--json``; ``code`` is :data:`DATA` for the input's faults and
    :data:`USAGE` for options that do not go together."""
    return Failure(message, code)


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
        as_json = bool(kwargs.get("as_json"))
        try:
            return fn(*args, **kwargs)
        except Failure as exc:
            raise _report(
                f"error: {exc.message}", error_object(exc.message), as_json=as_json, code=exc.code
            ) from None
        except GuarantyError as exc:
            raise _report(f"error: {exc}", _located(exc), as_json=as_json, code=DATA) from None
        except OSError as exc:
            text = one_paragraph(os_error(exc))
            obj = error_object(text, file=str(exc.filename) if exc.filename else None)
            raise _report(f"error: {text}", obj, as_json=as_json, code=DATA) from None
        except Exception as exc:
            # DuckDB's own errors, should one slip past the store's translation
            if not _is_duckdb_error(exc):
                raise
            text = f"the results store failed: {one_paragraph(str(exc))}"
            raise _report(
                f"error: {text}", error_object(text), as_json=as_json, code=DATA
            ) from None

    return wrapper  # type: ignore[return-value]


def _located(exc: GuarantyError) -> dict[str, Any]:
    """A guaranty error as the JSON error object, with its file, line, column and field when
    it knows them."""
    message = getattr(exc, "message", None)
    if message is None:
        return error_object(one_paragraph(str(exc)))
    return error_object(
        one_paragraph(message),
        file=exc.file,  # type: ignore[attr-defined]
        line=exc.line,  # type: ignore[attr-defined]
        column=exc.column,  # type: ignore[attr-defined]
        field=exc.field_path,  # type: ignore[attr-defined]
    )


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
