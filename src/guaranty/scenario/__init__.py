"""Scenarios: the typed schema, the YAML front end, the peer tools' formats, and compilation
to arrays for the models.

``load(path)`` reads any supported file, choosing the format from the extension and the
first line (or a shipped scenario by its name, ``load("ukraine-2022")``: :mod:`.shipped`):

=====================  ==========================================================
``.yaml`` / ``.yml``   guaranty's scenario format (:mod:`.schema`)
``.tsv``               DEU III (a :class:`CaseSet`, one case per issue)
``.csv``               KTAB SMP (title line + ``Actor, Description, ...`` header)
                       or a BDM actor table (``Actor, Capability, Position, Salience``)
any                    the decide exchange format when the first row's first cell is a
                       decide tag (``#A``, ``#P``, ``#M``, ``#D``, ``#O``, ``#/``), the
                       cells tab- or semicolon-separated, quoted or not
=====================  ==========================================================
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guaranty.errors import ScenarioError
from guaranty.scenario.shipped import resolve
from guaranty.scenario.text import read_text

if TYPE_CHECKING:
    from guaranty.scenario.formats import CaseSet
    from guaranty.scenario.schema import Scenario

__all__ = ["CaseSet", "Scenario", "detect_format", "load", "parse"]


def __getattr__(name: str) -> Any:
    # The schema (pydantic model building, about 0.3 s) loads on first use, so a file the
    # YAML reader refuses, or a command that never touches a scenario, does not wait for it.
    if name == "Scenario":
        from guaranty.scenario.schema import Scenario

        return Scenario
    if name == "CaseSet":
        from guaranty.scenario.formats import CaseSet

        return CaseSet
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FORMATS = ("yaml", "bdm", "ktab", "exchange", "deu")

#: The tags that start the rows of a decide file (``#O`` its title, ``#/`` a comment).
DECIDE_TAGS = frozenset({"#A", "#P", "#M", "#D", "#O", "#/"})


def _decide_tag(line: str) -> bool:
    """Whether the first cell of ``line`` (cells separated by a tab or a semicolon, quoted
    or not) is one of :data:`DECIDE_TAGS`."""
    cell = re.split(r"[\t;]", line, maxsplit=1)[0].strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        cell = cell[1:-1].strip()
    return cell in DECIDE_TAGS


def detect_format(path: Path, text: str) -> str:
    """Name the format of ``text`` (read from ``path``): one of :data:`FORMATS`."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    suffix = path.suffix.lower()
    if _decide_tag(first):
        return "exchange"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".tsv":
        return "deu"
    if suffix == ".csv":
        lines = [ln for ln in text.splitlines() if ln.strip()]
        second = lines[1].lower().replace(" ", "") if len(lines) > 1 else ""
        if second.startswith("actor,description"):
            return "ktab"
        return "bdm"
    raise ScenarioError(
        f"cannot tell the format from the name {path.name!r}; expected a .yaml/.yml scenario, "
        "a .csv (BDM actor table or KTAB), a .tsv (DEU III) or a decide exchange file "
        "(rows starting '#A', '#P', '#M', '#D', '#O' or '#/')",
        file=str(path),
    )


def load(path: Path | str, *, fmt: str | None = None) -> Scenario | CaseSet:
    """Load any supported input file, or a shipped scenario by its name (``ukraine-2022``,
    :mod:`.shipped`); ``fmt`` forces a format (one of :data:`FORMATS`)."""
    path = resolve(path)
    return parse(read_text(path), str(path), fmt=fmt)


def parse(text: str, name: str, *, fmt: str | None = None) -> Scenario | CaseSet:
    """Parse the text of an input file called ``name`` (its suffix tells the format unless
    ``fmt`` is given); errors name ``name``, the line and the field, in one paragraph."""
    try:
        return _parse(text, name, fmt)
    except ScenarioError as exc:
        raise _one_paragraph(exc) from None


def _tidy(text: str, limit: int | None = None) -> str:
    if len(text.splitlines()) > 1:
        text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _one_paragraph(exc: ScenarioError) -> ScenarioError:
    """``exc`` with line breaks in its message and field (a key or a header cell of the
    file may hold them) turned into spaces, and overlong field names shortened."""
    field = tuple(_tidy(p, 60) if isinstance(p, str) else p for p in exc.field)
    message = _tidy(exc.message)
    if message == exc.message and field == exc.field:
        return exc
    return ScenarioError(message, file=exc.file, line=exc.line, column=exc.column, field=field)


def _parse(text: str, name: str, fmt: str | None) -> Scenario | CaseSet:
    path = Path(name)
    fmt = fmt or detect_format(path, text)
    if fmt == "yaml":  # PyYAML loads with the first YAML file, not for a peer tool's CSV
        from guaranty.scenario.yaml_io import parse_yaml_scenario

        return parse_yaml_scenario(text, name=name)
    from guaranty.scenario.formats import (
        parse_bdm_csv,
        parse_deu_tsv,
        parse_exchange,
        parse_ktab_csv,
    )

    if fmt == "bdm":
        return parse_bdm_csv(text, name=name)
    if fmt == "ktab":
        return parse_ktab_csv(text, name=name)
    if fmt == "exchange":
        return parse_exchange(text, name=name)
    if fmt == "deu":
        return parse_deu_tsv(text, name=name)
    raise ScenarioError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", file=name)
