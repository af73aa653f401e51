"""The decide exchange model file, in both forms decide reads and ships: rows of
tab-separated cells, each cell single-quoted or not (what decide writes), or of
semicolon-separated cells (decide's older input files, as a spreadsheet saves them; a cell
may be double-quoted as in any CSV, and a number may have a decimal comma). The form is
that of the first line holding a tab or a semicolon.

Rows: ``#A`` (an actor: id, name), ``#P`` (an issue: id, label, description), ``#M`` (a
value of an issue's scale, with its meaning; the scale runs from the least to the greatest
value, and is decide's default 0-100 for an issue without ``#M`` rows) and ``#D`` (actor,
issue, position, salience, power). ``#O`` (the file's title) and ``#/`` (comments, column
headings) rows, and any other row whose tag starts with ``#``, carry no model input; a
blank line is skipped. Cells after the last one a row needs are ignored (decide's files end
rows with empty cells and put notes there).

Power is given per actor *and issue*: it becomes the position entry's issue-specific
``capability``, and an actor's base capability is its mean power over its issues. Saliences
on 0-100 (any value above 1) are divided by 100.

Every error names the file, the row's line and the field (the tag of a row that is too
short, else the column: ``actor``, ``issue``, ``position``, ``salience``, ``power``,
``#M value``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guaranty.errors import ScenarioError
from guaranty.scenario.formats.common import (
    Slugs,
    build,
    load_with,
    number,
    records,
    salience,
    short,
    slug,
    split_lines,
)
from guaranty.scenario.schema import Scenario

__all__ = ["load_exchange", "parse_exchange", "semicolon_form"]

#: One ``#D`` row: its line, actor, issue, position, salience and power.
DataRow = tuple[int, str, str, float, float, float]


def load_exchange(path: Path | str) -> Scenario:
    """Load a decide exchange model file from ``path``."""
    return load_with(parse_exchange, path)


def parse_exchange(text: str, *, name: str = "<string>") -> Scenario:
    """Parse the text of a decide exchange model file called ``name`` into a scenario."""
    rows = _ExchangeRows(name)
    n_lines = 0
    for lineno, cells in _rows(text, name):
        n_lines = lineno
        rows.read(cells, lineno)
    if not rows.data:
        raise ScenarioError(
            "no #D (actor, issue, position, salience, power) rows",
            file=name,
            line=max(n_lines, 1),
        )
    used_a = Slugs()
    used_i = Slugs()
    aid_of = {a: slug(a, used_a) for a in rows.actors}
    iid_of = {i: slug(i, used_i) for i in rows.issues}
    positions = rows.positions(aid_of, iid_of)  # its errors come before the issues'
    issues = rows.issue_list(iid_of)
    data = {
        "name": Path(name).stem,
        "description": "decide exchange model file",
        "actors": rows.actor_list(aid_of),
        "issues": issues,
        "positions": positions,
    }
    return build(data, file=name, line_of=rows.line_of)


def semicolon_form(text: str) -> bool:
    """Whether ``text`` is a decide file's semicolon-separated form: the first line holding
    a tab or a semicolon holds a semicolon before any tab."""
    for line in split_lines(text):
        tab, semi = line.find("\t"), line.find(";")
        if tab >= 0 or semi >= 0:
            return semi >= 0 and (tab < 0 or semi < tab)
    return False


def _unquote(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        return cell[1:-1]
    return cell


def _rows(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows of a decide file, each with its line and its cells (unquoted)."""
    if semicolon_form(text):
        for lineno, row in records(text, name=name, delimiter=";"):
            cells = [_unquote(c) for c in row]
            if any(cells):
                yield lineno, cells
        return
    for lineno, raw in enumerate(split_lines(text), start=1):
        if raw.strip():
            yield lineno, [_unquote(c) for c in raw.split("\t")]


@dataclass
class _ExchangeRows:
    """The rows of one exchange file, gathered by kind, with the line of each."""

    name: str
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    scales: dict[str, list[float]] = field(default_factory=dict)
    data: list[DataRow] = field(default_factory=list)
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    #: rows with a tag decide does not define for the model (line, tag): skipped, and named
    #: when an id they might have declared is missing
    other_tags: list[tuple[int, str]] = field(default_factory=list)

    def read(self, cells: list[str], lineno: int) -> None:
        """Take in the cells of the non-blank row at line ``lineno`` of the file."""
        kind = cells[0]
        reader = _ROW_READERS.get(kind)
        if reader is not None:
            reader(self, cells, lineno)
        elif kind.startswith("#"):
            if kind not in ("#O", "#/"):
                self.other_tags.append((lineno, kind))
        else:
            raise ScenarioError(
                "expected a row starting with '#A', '#P', '#M' or '#D' (or a '#O', '#/' "
                f"row, which is skipped); got {short(kind)}",
                file=self.name,
                line=lineno,
                field="tag",
            )
        # other decide row kinds (#O title, #/ comments) carry no model input

    def number(self, text: str, lineno: int, field: str) -> float:
        """The number in the cell ``text``; a decimal comma reads as a point (decide's
        readers replace ',' by '.')."""
        if "," in text and "." not in text:
            try:
                return number(text.replace(",", "."), file=self.name, line=lineno, field=field)
            except ScenarioError:
                pass  # the error shows the cell as it is written
        return number(text, file=self.name, line=lineno, field=field)

    def actor_row(self, cells: list[str], lineno: int) -> None:
        """``#A``, actor id, name."""
        if len(cells) < 2 or not cells[1]:
            raise ScenarioError(
                "an #A row needs an actor id", file=self.name, line=lineno, field="actor"
            )
        self._once(("A", cells[1]), "actor", lineno)
        self.actors[cells[1]] = {"name": cells[2] if len(cells) > 2 and cells[2] else cells[1]}

    def issue_row(self, cells: list[str], lineno: int) -> None:
        """``#P``, issue id, label, description."""
        if len(cells) < 2 or not cells[1]:
            raise ScenarioError(
                "a #P row needs an issue id", file=self.name, line=lineno, field="issue"
            )
        self._once(("P", cells[1]), "issue", lineno)
        self.issues[cells[1]] = {
            "label": cells[2] if len(cells) > 2 and cells[2] else cells[1],
            "description": cells[3] if len(cells) > 3 else None,
        }

    def scale_row(self, cells: list[str], lineno: int) -> None:
        """``#M``, issue id, a value of its scale."""
        if len(cells) < 3:
            raise ScenarioError(
                "an #M row needs an issue id and a scale value",
                file=self.name,
                line=lineno,
                field="#M",
            )
        self.scales.setdefault(cells[1], []).append(self.number(cells[2], lineno, "#M value"))
        self.lines.setdefault(("M", cells[1]), lineno)

    def data_row(self, cells: list[str], lineno: int) -> None:
        """``#D``, actor, issue, position, salience, power."""
        if len(cells) < 6:
            raise ScenarioError(
                "a #D row needs: actor, issue, position, salience, power; "
                f"got {len(cells) - 1} fields",
                file=self.name,
                line=lineno,
                field="#D",
            )
        pos, sal, power = (
            self.number(cells[k], lineno, f)
            for k, f in ((3, "position"), (4, "salience"), (5, "power"))
        )
        # keyed by the file's ids ("d"); positions() keys the same rows by scenario ids ("D")
        self._once(("d", cells[1], cells[2]), "actor", lineno, what=f"{cells[1]!r} on issue")
        self.data.append((lineno, cells[1], cells[2], pos, sal, power))

    def _once(self, key: tuple[str, ...], field: str, lineno: int, what: str = "") -> None:
        """Record the line of the row ``key`` names; an error if it was given before:
        decide's reader would keep the last silently, as YAML's loaders do with a repeated
        key."""
        if key in self.lines:
            tag = {"A": "#A", "P": "#P", "d": "#D"}[key[0]]
            name = f"{what} {key[2]!r}" if key[0] == "d" else repr(key[1])
            raise ScenarioError(
                f"a second {tag} row for {name} (the first is on line {self.lines[key]}); "
                "give each once",
                file=self.name,
                line=lineno,
                field=field,
            )
        self.lines[key] = lineno

    def positions(
        self, aid_of: dict[str, str], iid_of: dict[str, str]
    ) -> dict[str, dict[str, Any]]:
        """The scenario's positions (actor id -> issue id -> entry) from the ``#D`` rows."""
        pct = any(r[4] > 1 for r in self.data)
        positions: dict[str, dict[str, Any]] = {}
        for lineno, a, i, pos, sal, power in self.data:
            aid = self._declared(aid_of, a, "actor", "#A", lineno)
            iid = self._declared(iid_of, i, "issue", "#P", lineno)
            positions.setdefault(aid, {})[iid] = {
                "position": pos,
                "salience": salience(sal, pct, file=self.name, line=lineno, field="salience"),
                "capability": power,
            }
            self.lines[("D", aid, iid)] = lineno
        return positions

    def _declared(self, id_of: dict[str, str], key: str, kind: str, row: str, lineno: int) -> str:
        """The scenario id of ``key``, the ``kind`` (actor or issue) a ``#D`` row at line
        ``lineno`` names; an error unless a ``row`` row (``#A`` or ``#P``) declared it."""
        if key not in id_of:
            same = [(n, t) for n, t in self.other_tags if t.upper() == row.upper()]
            named = same or self.other_tags
            other = (
                "; rows with a tag the model does not read were skipped: "
                + ", ".join(f"line {n} ({short(t)})" for n, t in named[:3])
                + ("" if len(named) <= 3 else ", ...")
                + (f", a misspelt {row}" if same else f": is one of them a misspelt {row}?")
                if named
                else ""
            )
            raise ScenarioError(
                f"unknown {kind} {key!r}: it has no {row} row{other}",
                file=self.name,
                line=lineno,
                field=kind,
            )
        return id_of[key]

    def issue_list(self, iid_of: dict[str, str]) -> list[dict[str, Any]]:
        """The scenario's issues, each with the scale its ``#M`` rows span (decide's default
        0-100 without ``#M`` rows)."""
        out = []
        for i, meta in self.issues.items():
            sc = self.scales.get(i, [0.0, 100.0])
            if min(sc) == max(sc):
                raise ScenarioError(
                    f"issue {i!r} has one #M value ({sc[0]:g}); its scale needs a least and a "
                    "greatest value (or no #M row at all: decide's default 0-100)",
                    file=self.name,
                    line=self.lines.get(("M", i), self.lines[("P", i)]),
                    field="#M value",
                )
            out.append(
                {
                    "id": iid_of[i],
                    "label": meta["label"],
                    "description": meta["description"] or None,
                    "scale": [min(sc), max(sc)],
                }
            )
        return out

    def actor_list(self, aid_of: dict[str, str]) -> list[dict[str, Any]]:
        """The scenario's actors; an actor's base capability is its mean power over the
        issues it takes part in."""
        base: dict[str, list[float]] = {}
        for _, a, _, _, _, power in self.data:
            base.setdefault(aid_of[a], []).append(power)
        return [
            {
                "id": aid_of[a],
                "name": m["name"],
                "capability": sum(base.get(aid_of[a], [0.0])) / len(base.get(aid_of[a], [0.0])),
            }
            for a, m in self.actors.items()
        ]

    def line_of(self, path: list[Any]) -> int | None:
        """The line of the file a schema error at the field ``path`` concerns."""
        lines = self.lines
        if len(path) >= 3 and path[0] == "positions":
            return lines.get(("D", path[1], path[2]))
        if len(path) >= 2 and path[0] == "positions":
            return next((v for k, v in lines.items() if k[:2] == ("D", path[1])), None)
        if len(path) >= 2 and path[0] == "issues" and isinstance(path[1], int):
            keys = list(self.issues)
            return lines.get(("P", keys[path[1]])) if path[1] < len(keys) else None
        if len(path) >= 2 and path[0] == "actors" and isinstance(path[1], int):
            keys = list(self.actors)
            return lines.get(("A", keys[path[1]])) if path[1] < len(keys) else None
        return 1


_ROW_READERS: dict[str, Callable[[_ExchangeRows, list[str], int], None]] = {
    "#A": _ExchangeRows.actor_row,
    "#P": _ExchangeRows.issue_row,
    "#M": _ExchangeRows.scale_row,
    "#D": _ExchangeRows.data_row,
}
