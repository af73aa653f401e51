"""DEU III's TSV (Decision-making in the European Union): each row an issue, read as one
case of a :class:`~guaranty.scenario.formats.common.CaseSet`; row 2 holds the actors'
capabilities. Positions are on the scale 0-100 and saliences on 0-100 (divided by 100); an
actor without a position on an issue is absent from that issue, and a salience left blank
where a position is given counts as 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from guaranty.errors import ScenarioError
from guaranty.scenario.base import ID_PATTERN
from guaranty.scenario.formats.common import CaseSet, build, load_with, number, records
from guaranty.scenario.schema import Scenario

__all__ = ["DEU_ACTORS", "iter_issue_outcomes", "load_deu_tsv", "parse_deu_tsv"]

DEU_ACTORS: dict[str, str] = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czechia",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}
_DEU_META = (
    "prnr",
    "prname",
    "isnr",
    "type",
    "council",
    "proc",
    "counvte",
    "proccde",
    "issues",
    "intro",
    "finact",
)


def load_deu_tsv(path: Path | str) -> CaseSet:
    """Load a DEU III TSV file from ``path``: one case per issue row."""
    return load_with(parse_deu_tsv, path)


def _cell(row: Sequence[str], k: int) -> str:
    return row[k].strip().strip('"').strip() if k < len(row) else ""


def _header(cells: Sequence[str], name: str, line: int) -> tuple[list[str], dict[str, int]]:
    """The header's column names and each one's index; an error for a column given twice
    (the later would silently replace the earlier) and for an actor's position or salience
    column without its partner (a misspelt or lost column would silently drop the actor)."""
    header = [h.strip().strip('"') for h in cells]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise ScenarioError(
                f"column {h!r} appears twice in the header", file=name, line=line, field=h
            )
        seen.add(h)
    index = {h: k for k, h in enumerate(header)}
    for a in DEU_ACTORS:
        has, lacks = (f"p{a}", f"s{a}") if f"p{a}" in index else (f"s{a}", f"p{a}")
        if has in index and lacks not in index:
            raise ScenarioError(
                f"column {has!r} ({DEU_ACTORS[a]}) has no partner column {lacks!r}: every actor "
                "needs a position (p...) and a salience (s...) column",
                file=name,
                line=line,
                field=has,
            )
    return header, index


def _check_width(row: Sequence[str], width: int, name: str, line: int) -> None:
    """A row with more or fewer fields than the header: a cut or shifted row, whose cells
    would otherwise be read under the wrong columns or as blank."""
    if len(row) != width:
        raise ScenarioError(
            f"expected {width} tab-separated fields, as in the header; got {len(row)}",
            file=name,
            line=line,
        )


def parse_deu_tsv(text: str, *, name: str = "<string>") -> CaseSet:
    """Parse the text of a DEU III TSV file called ``name``: each issue row becomes a
    one-issue case; row 2 gives the actors' capabilities."""
    rows = iter(records(text, name=name, delimiter="\t"))
    head, cap = next(rows, None), next(rows, None)
    if head is None or cap is None:
        raise ScenarioError(
            "expected a header row, a capability row and issue rows",
            file=name,
            line=2 if head is None else head[0] + 1,
        )
    header, index = _header(head[1], name, head[0])
    actors = [a for a in DEU_ACTORS if f"p{a}" in index and f"s{a}" in index]
    if not actors:
        raise ScenarioError(
            "no actor columns (pcom, scom, pat, sat, ...) in the header", file=name, line=head[0]
        )
    for col in ("isnr", "out", "rp"):
        if col not in index:
            raise ScenarioError(
                f"missing column {col!r} in the header", file=name, line=head[0], field=col
            )
    cap_line, cap_row = cap
    _check_width(cap_row, len(header), name, cap_line)
    capability = {}
    for a in actors:
        raw = _cell(cap_row, index[f"p{a}"])
        capability[a] = number(
            raw, file=name, line=cap_line, field=f"p{a}", what="the actor's capability (row 2)"
        )
    cases: list[Scenario] = []
    metas, lines = [], []
    shared: dict[Any, Any] = {}
    for lineno, row in rows:
        if not any(c.strip().strip('"') for c in row):
            continue
        _check_width(row, len(header), name, lineno)
        isnr = _cell(row, index["isnr"]) or f"issue{lineno}"
        if not re.fullmatch(ID_PATTERN, isnr) or len(isnr) > 64:
            # the issue's id when the issues of a proposal are negotiated together
            raise ScenarioError(
                "the issue number must be an identifier: a letter, then letters, digits, _ "
                f"or - (at most 64 characters), as DEU III's are (n98288i2); got {isnr!r}",
                file=name,
                line=lineno,
                field="isnr",
            )
        positions = {}
        for a in actors:
            p = _cell(row, index[f"p{a}"])
            if not p:
                continue
            s = _cell(row, index[f"s{a}"])
            pos = number(p, file=name, line=lineno, field=f"p{a}")
            sal = number(s, file=name, line=lineno, field=f"s{a}") / 100 if s else 0.0
            positions[a] = {"issue": {"position": pos, "salience": sal}}
        if not positions:
            raise ScenarioError("no actor has a position on this issue", file=name, line=lineno)
        out, rp = _cell(row, index["out"]), _cell(row, index["rp"])
        issue = {
            "id": "issue",
            "label": f"{_cell(row, index.get('prname', 0))} {isnr}".strip(),
            "scale": [0, 100],
            "outcome": number(out, file=name, line=lineno, field="out") if out else None,
            "reference_point": number(rp, file=name, line=lineno, field="rp") if rp else None,
        }
        data = {
            "name": isnr,
            "description": f"DEU III issue {isnr}",
            # every case has the same actors: the first case's, validated once, are reused
            # (pydantic takes a validated model as it is), which makes a row 5 times faster
            "actors": cases[0].actors
            if cases
            else [
                {
                    "id": a,
                    "name": DEU_ACTORS[a],
                    "capability": capability[a],
                    "roles": ["organization"] if a in ("com", "ep") else [],
                }
                for a in actors
            ],
            "issues": [issue],
            "positions": positions,
        }

        def line_of(path: list[Any], n: int = lineno) -> int:
            return cap_line if path[:1] == ["actors"] else n

        cases.append(build(data, file=name, line_of=line_of, shared=shared))
        metas.append({k: _cell(row, index[k]) for k in _DEU_META if k in index})
        lines.append(lineno)
    if not cases:
        raise ScenarioError(
            "expected a header row, a capability row and issue rows; no issue row",
            file=name,
            line=cap_line + 1,
        )
    return CaseSet(name=Path(name).stem, cases=tuple(cases), meta=tuple(metas), lines=tuple(lines))


def iter_issue_outcomes(cases: Iterable[Scenario]) -> Iterable[tuple[Scenario, float]]:
    """The cases that have an observed outcome, with it."""
    for case in cases:
        out = case.issues[0].outcome
        if out is not None:
            yield case, out
