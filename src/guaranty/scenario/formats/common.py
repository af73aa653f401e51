"""What the peer formats' readers share: the result type of a file of several cases, reading
lines and CSV records with the line each starts on, numbers and counts checked as the schema
checks them, ids made from names, and validation with the schema's errors mapped back to
the file's lines.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from guaranty.errors import ScenarioError
from guaranty.scenario.schema import MAX_MAGNITUDE, Scenario, validate_scenario
from guaranty.scenario.text import MAX_FILE_BYTES, error_path_and_message, read_text

__all__ = [
    "CaseSet",
    "LineOf",
    "Slugs",
    "build",
    "count",
    "load_with",
    "number",
    "records",
    "salience",
    "short",
    "slug",
    "split_lines",
]

T = TypeVar("T")

LineOf = Callable[[list[Any]], int | None]
"""Maps a schema error's field path to the line of the input file it concerns."""


@dataclass(frozen=True)
class CaseSet:
    """Several independent one-issue cases from one file (DEU III: one case per issue).

    ``cases[k]`` is a Scenario with one issue; ``meta[k]`` holds the row's descriptive
    columns (proposal, procedure, voting rule, ...) and ``lines[k]`` its line in the file.
    """

    name: str
    cases: tuple[Scenario, ...]
    meta: tuple[dict[str, str], ...]
    lines: tuple[int, ...]


# A cell may be as long as the file; csv's default limit is 128 KiB. (The limit is the csv
# module's, for the whole process; it is only ever raised here.)
if csv.field_size_limit() < MAX_FILE_BYTES:
    csv.field_size_limit(MAX_FILE_BYTES)

_NEWLINE = re.compile(r"\r\n?|\n")


class Slugs(set[str]):
    """Ids already given out, with the next free suffix of each base (so that many equal
    names get base, base_2, base_3, ... in linear time)."""

    def __init__(self) -> None:
        super().__init__()
        self.next_suffix: dict[str, int] = {}


def slug(text: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_\-]+", "_", text.strip()).strip("_") or "actor"
    if not base[0].isalpha():
        base = "a_" + base
    base = base[:60]
    suffixes = used.next_suffix if isinstance(used, Slugs) else {}
    out, k = base, suffixes.get(base, 2)
    if out in used:
        out = f"{base}_{k}"
        while out in used:
            k += 1
            out = f"{base}_{k}"
        suffixes[base] = k + 1
    used.add(out)
    return out


def short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def number(text: str, *, file: str, line: int, field: str, what: str = "a number") -> float:
    try:
        value = float(text.strip())
    except (AttributeError, ValueError):
        raise ScenarioError(
            f"expected {what}; got {short(text)}", file=file, line=line, field=field
        ) from None
    if value != value or abs(value) > MAX_MAGNITUDE:
        raise ScenarioError(
            f"expected {what} (finite, of magnitude at most 1e15); got {short(text)}",
            file=file,
            line=line,
            field=field,
        )
    return value


def salience(value: float, percent: bool, *, file: str, line: int, field: str) -> float:
    """A salience as the file gives it (``percent``: the file's saliences are on 0-100, as
    one of them is above 1), checked on the file's own scale so that the error shows the
    value as it is written, and returned on 0-1."""
    top = 100.0 if percent else 1.0
    if not 0.0 <= value <= top:
        scale = "0-100 (the file's saliences are on 0-100: one is above 1)" if percent else "0-1"
        raise ScenarioError(
            f"a salience must lie within {scale}; got {value:g}", file=file, line=line, field=field
        )
    return value / 100.0 if percent else value


def count(text: str, *, file: str, line: int, field: str) -> int:
    value = number(text, file=file, line=line, field=field, what="a whole number")
    if not value.is_integer() or value < 1:
        raise ScenarioError(
            f"expected a whole number of at least 1; got {short(text)}",
            file=file,
            line=line,
            field=field,
        )
    return int(value)


def split_lines(text: str) -> list[str]:
    """The lines of ``text``: split at LF, CRLF and a lone CR only (not at the other
    characters ``str.splitlines`` takes for line breaks)."""
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def records(text: str, *, name: str, delimiter: str = ",") -> Iterable[tuple[int, list[str]]]:
    """The CSV records of ``text``, each with the line it starts on, read one at a time."""
    source = io.StringIO(_NEWLINE.sub("\n", text) if "\r" in text else text)
    reader = csv.reader(source, delimiter=delimiter)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ScenarioError(
                f"malformed CSV: {exc}", file=name, line=max(reader.line_num, line)
            ) from None
        yield line, row
        line = reader.line_num + 1


def build(
    data: dict[str, Any],
    *,
    file: str,
    line_of: LineOf,
    shared: dict[Any, Any] | None = None,
) -> Scenario:
    """Validate ``data`` as a Scenario, mapping a schema error to the input file's line
    (``shared``: the equal numbers shared across several scenarios of one file)."""
    try:
        return validate_scenario(data, shared=shared)
    except ValidationError as exc:
        path, msg, _ = error_path_and_message(exc.errors()[0])
        raise ScenarioError(msg, file=file, line=line_of(path), field=path) from None


def load_with(parse: Callable[..., T], path: Path | str) -> T:
    """Read the file ``path`` and parse its text with ``parse`` (errors name the file)."""
    path = Path(path)
    return parse(read_text(path), name=str(path))
