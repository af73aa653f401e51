"""KTAB's Spatial Model of Politics CSV (line 1: name, description, actors, dimensions;
line 2: ``Actor, Description, Power`` then a position and a salience column per dimension),
read with the checks of KTAB's own reader (``SMPModel::csvRead``): every salience cell in
[0, 100] and an actor's saliences summing to at most 100. A cell in (100, 200] is read as
its excess over 100, as KTAB's reference run reads the copy of ``dummyData_3Dim.csv``
distributed with guaranty's reference data (``docs/scenario-format.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from guaranty.errors import ScenarioError
from guaranty.scenario.formats.common import (
    Slugs,
    build,
    count,
    load_with,
    number,
    records,
    slug,
)
from guaranty.scenario.schema import Scenario

__all__ = ["load_ktab_csv", "parse_ktab_csv"]


def load_ktab_csv(path: Path | str) -> Scenario:
    """Load a KTAB SMP CSV file from ``path``."""
    return load_with(parse_ktab_csv, path)


def _ktab_salience(raw: float, *, file: str, line: int, field: str) -> float:
    """A KTAB salience cell on 0-100, read as KTAB's reference run reads it (see above)."""
    if 100.0 < raw <= 200.0:
        return raw - 100.0
    if not 0.0 <= raw <= 100.0:
        raise ScenarioError(
            f"a KTAB salience must lie within [0, 100]; got {raw:g}",
            file=file,
            line=line,
            field=field,
        )
    return raw


def _ktab_rows(text: str, name: str) -> Iterable[tuple[int, list[str]]]:
    for line, record in records(text, name=name):
        row = [c.strip() for c in record]
        yield line, row[:-1] if row and row[-1] == "" else row


def parse_ktab_csv(text: str, *, name: str = "<string>") -> Scenario:
    """Parse the text of a KTAB SMP CSV file called ``name``: one issue per dimension on
    the scale 0-100, saliences divided by 100."""
    rows = iter(_ktab_rows(text, name))
    first, second = next(rows, None), next(rows, None)
    if first is None or second is None:
        raise ScenarioError(
            "expected a title line (name, description, actors, dimensions), a header line "
            "and at least one actor line",
            file=name,
            line=2 if first is None else first[0] + 1,
        )
    title_line, title = first
    if len(title) < 4:
        raise ScenarioError(
            "line 1 must read: scenario name, description, number of actors, number of "
            f"dimensions; got {len(title)} fields",
            file=name,
            line=title_line,
        )
    n_actors = count(title[2], file=name, line=title_line, field="actors")
    n_dims = count(title[3], file=name, line=title_line, field="dimensions")
    header_line, header = second
    need = 3 + 2 * n_dims
    if len(header) < need:
        raise ScenarioError(
            f"the header must have {need} fields (Actor, Description, Power and a position and "
            f"salience column for each of {n_dims} dimensions); got {len(header)}",
            file=name,
            line=header_line,
        )
    dims = [header[3 + 2 * d] or f"dim{d + 1}" for d in range(n_dims)]
    used_issue = Slugs()
    issue_ids = [slug(d, used_issue) for d in dims]
    actors, positions, used, lines = [], {}, Slugs(), {}
    body: list[int] = []
    for lineno, row in rows:
        if not any(row):
            continue
        body.append(lineno)
        if len(body) > n_actors:
            break
        if len(row) < need:
            raise ScenarioError(f"expected {need} fields; got {len(row)}", file=name, line=lineno)
        aid = slug(row[0], used)
        lines[aid] = lineno
        power = number(row[2], file=name, line=lineno, field=header[2])
        actors.append(
            {
                "id": aid,
                "name": row[1] or row[0],
                "capability": power,
                "source": f"KTAB file, actor {row[0]}",
            }
        )
        entry, total = {}, 0.0
        for d, iid in enumerate(issue_ids):
            field = header[4 + 2 * d]
            pos = number(row[3 + 2 * d], file=name, line=lineno, field=header[3 + 2 * d])
            raw = number(row[4 + 2 * d], file=name, line=lineno, field=field)
            sal = _ktab_salience(raw, file=name, line=lineno, field=field)
            total += sal
            entry[iid] = {"position": pos, "salience": sal / 100.0}
        if total > 100.0 + 1e-9:
            raise ScenarioError(
                f"a KTAB actor's saliences must sum to at most 100; got {total:g} for {row[0]}",
                file=name,
                line=lineno,
            )
        positions[aid] = entry
    if len(body) != n_actors:
        found = f"more than {n_actors}" if len(body) > n_actors else str(len(body))
        raise ScenarioError(
            f"line {title_line} announces {n_actors} actors but the file has {found} actor lines",
            file=name,
            line=title_line,
            field="actors",
        )
    data = {
        "name": title[0] or Path(name).stem,
        "description": title[1] or None,
        "actors": actors,
        "issues": [
            {"id": iid, "label": d, "scale": [0, 100]}
            for iid, d in zip(issue_ids, dims, strict=True)
        ],
        "positions": positions,
    }

    def line_of(path: list[Any]) -> int | None:
        if len(path) >= 2 and path[0] == "positions":
            return lines.get(path[1])
        if len(path) >= 2 and path[0] == "actors" and isinstance(path[1], int):
            return body[path[1]] if path[1] < len(body) else None
        if path and path[0] == "issues":
            return header_line
        return title_line

    return build(data, file=name, line_of=line_of)
