"""The plumbing every command shares: the Typer app and its ``--version``, the error
boundary around every command (one paragraph and exit code 2 for guaranty's own errors and
the disk's; the consoles, JSON printing and the translation of errors live in
:mod:`guaranty.cli.boundary`, which needs no Typer), the spinner and the progress bars.

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

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer import Abort
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from guaranty.cli.boundary import (
    DATA,
    USAGE,
    Failure,
    err,
    error_object,
    fail,
    one_paragraph,
    os_error,
    out,
    print_json,
    report_error,
    styled,
)

if TYPE_CHECKING:  # rich.progress loads with the first bar (17 ms that validate never needs)
    from rich.progress import Progress, ProgressColumn

__all__ = [
    "DATA",
    "USAGE",
    "Failure",
    "app",
    "err",
    "error_object",
    "fail",
    "handles_errors",
    "new_app",
    "one_paragraph",
    "os_error",
    "out",
    "print_json",
    "progress_bar",
    "spinner",
    "styled",
]


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


def new_app() -> typer.Typer:
    """The ``guaranty`` command group, without its commands: its name, help, exit codes
    (:class:`_Group`) and ``--version``. :data:`app` is one, with every command registered
    (:mod:`guaranty.cli.commands`); the script builds another with only the command it was
    asked for (:mod:`guaranty.cli.dispatch`)."""
    group = typer.Typer(
        name="guaranty",
        cls=_Group,
        help="Security guarantees and negotiated war endings as explicit, testable numbers.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    group.callback()(_main)
    return group


F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(fn: F) -> F:
    """Turn guaranty's errors (:class:`~guaranty.errors.GuarantyError`: a bad file, an unknown
    model, a store or report that cannot be written) and the file system's errors (a full
    disk, a read-only folder) into one paragraph and exit code 2. Anything else, a bare
    ``ValueError`` included, is a bug and leaves with its traceback (exit code 1)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            code = report_error(exc, as_json=bool(kwargs.get("as_json")))
            if code is None:
                raise
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


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


def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Security guarantees and negotiated war endings as explicit, testable numbers."""


app = new_app()
