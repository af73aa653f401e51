"""The error boundary and the output streams, without the command line's libraries: the
consoles (stdout for results, stderr for messages), JSON printing, the exit codes and the
translation of guaranty's errors and the disk's into one paragraph (or one JSON object).

:mod:`guaranty.cli.common` builds the Typer app on top of this module; the commands that
the entry point answers before Typer loads (:mod:`guaranty.cli.quick`) use it alone, so
that both ways print the same and exit with the same code.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, cast

from guaranty.errors import GuarantyError, disk_problem

if TYPE_CHECKING:
    from rich.console import Console

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


def _console(*, stderr: bool = False) -> Console:
    """A console that wraps nothing when its stream is not a terminal (a pipe, a file):
    tables and summary lines stay whole for the program that reads them.

    Without rich's highlighter: its patterns (numbers, paths, reprs) take time quadratic in
    the length of an unbroken run of characters, and a file's own text is printed (a
    scenario's name): a KTAB file whose first cell was 131,000 digits long kept
    ``guaranty validate`` busy for minutes (``benchmarks/fuzz_inputs.py``, seed 37).

    Without markup: a file's text printed as it is, in lines and in tables' cells and titles
    (a scenario named "Belgium [/1914]" stopped ``validate`` with a traceback, and "[red]"
    in a label coloured the rest of the line); the few styled words are
    :class:`rich.text.Text` (:func:`styled`)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        stderr=stderr,
        emoji=False,
        highlight=False,
        markup=False,
        soft_wrap=stderr or not tty,
        width=None if tty else 1000,
    )


def styled(*parts: str | tuple[str, str]) -> Any:
    """A line of plain strings and ``(text, style)`` pairs (a :class:`rich.text.Text`):
    ``styled(("ok", "green"), f" {file}")``; no part is read as markup."""
    from rich.text import Text

    return Text.assemble(*parts)


class _LazyConsole:
    """A console (:func:`_console`) made on its first use: rich takes a command 20 ms to
    import, and a command whose output is JSON (``--json``) prints through none."""

    __slots__ = ("_made", "_stderr")

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._made: Console | None = None

    def _console(self) -> Console:
        if self._made is None:
            self._made = _console(stderr=self._stderr)
        return self._made

    def __getattr__(self, name: str) -> Any:
        if name in _LazyConsole.__slots__:  # not set yet (a copy being made): no console
            raise AttributeError(name)
        return getattr(self._console(), name)

    # the special methods Python looks up on the type (rich enters a console to buffer)
    def __enter__(self) -> Console:
        return self._console().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._console().__exit__(*exc)


#: the console of results (stdout) and of messages (stderr), each made on first use
out = cast("Console", _LazyConsole())
err = cast("Console", _LazyConsole(stderr=True))


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


def located(exc: GuarantyError) -> dict[str, Any]:
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


def _report(text: str, obj: dict[str, Any], *, as_json: bool, code: int) -> int:
    if as_json:
        print_json(obj)
    else:
        err.print(text, markup=False)
    return code


def report_error(exc: BaseException, *, as_json: bool) -> int | None:
    """Print ``exc`` as guaranty reports an error and return the exit code, if it is one of
    the errors guaranty reports (:class:`Failure`, :class:`~guaranty.errors.GuarantyError`:
    a bad file, an unknown model, a store or report that cannot be written; the file
    system's errors: a full disk, a read-only folder; DuckDB's own, should one slip past the
    store's translation); None, printing nothing, for anything else (a bug, whose traceback
    the caller lets through)."""
    if isinstance(exc, Failure):
        return _report(
            f"error: {exc.message}", error_object(exc.message), as_json=as_json, code=exc.code
        )
    if isinstance(exc, GuarantyError):
        return _report(f"error: {exc}", located(exc), as_json=as_json, code=DATA)
    if isinstance(exc, OSError):
        text = one_paragraph(os_error(exc))
        obj = error_object(text, file=str(exc.filename) if exc.filename else None)
        return _report(f"error: {text}", obj, as_json=as_json, code=DATA)
    if isinstance(exc, Exception) and _is_duckdb_error(exc):
        text = f"the results store failed: {one_paragraph(str(exc))}"
        return _report(f"error: {text}", error_object(text), as_json=as_json, code=DATA)
    return None


def nuclear_note(obj: Any) -> list[str]:
    """A note naming the nuclear statuses the scenario states unlike the shipped list, of the
    states the credibility model reads (it reads the statement: a slip, such as 'nuclear:
    false' for a nuclear-armed guarantor, would change its figures)."""
    stated = obj.stated_nuclear()
    if not stated:
        return []
    said = ", ".join(
        f"{a} {'yes' if s else 'no'} (the data: {'yes' if d else 'no'} in {obj.data_year})"
        for a, (s, d) in stated.items()
    )
    return [
        f"note: nuclear-armed as stated in the scenario, unlike the shipped list: {said}; the "
        "credibility model reads the statement (docs/scenario-format.md, actors.nuclear)"
    ]


def unused_note(obj: Any) -> list[str]:
    """A note naming the keys the scenario gives that nothing reads (the deterrence
    section's capability-contest inputs, accepted so that older files load)."""
    keys = obj.deterrence.unused_given() if obj.deterrence is not None else []
    if not keys:
        return []
    return [
        f"note: {', '.join(keys)} "
        f"{'is not used and changes' if len(keys) == 1 else 'are not used and change'} "
        "nothing: the risk of a renewed attack is estimated from history (stage 1 of the "
        "credibility model, docs/models/deterrence.md); accepted so that older files load"
    ]
