"""The BDM actor table (CSV: ``Actor, Capability, Position, Salience``), as used by the
expected-utility replication scripts: one issue, whose scale is the range of the actors'
positions; saliences on 0-100 (any value above 1) are divided by 100.
"""

from __future__ import annotations

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
    slug,
)
from guaranty.scenario.schema import Scenario

__all__ = ["load_bdm_csv", "parse_bdm_csv"]

_BDM_COLUMNS = {
    "actor": ("actor", "stakeholder", "name"),
    "capability": ("capability", "resources", "power", "influence", "clout"),
    "position": ("position",),
    "salience": ("salience",),
}


def load_bdm_csv(path: Path | str) -> Scenario:
    """Load a BDM actor table from the file ``path``."""
    return load_with(parse_bdm_csv, path)


def parse_bdm_csv(text: str, *, name: str = "<string>") -> Scenario:
    """Parse the text of a BDM actor table (a header row naming the columns, then one row
    per actor) from the file ``name`` into a one-issue scenario."""
    rows = iter(records(text, name=name))
    first = next(rows, None)
    if first is None:
        raise ScenarioError("the file is empty; expected a header row", file=name, line=1)
    head_line, head = first
    header = [h.strip().lower() for h in head]
    col = _columns(head, header, file=name, line=head_line)
    actors, positions, used, lines = [], {}, Slugs(), {}
    rows_read = []
    last = max(col.values())
    for lineno, row in rows:
        if not any(c.strip() for c in row):
            continue
        if len(row) <= last or any(c.strip() for c in row[len(header) :]):
            raise ScenarioError(
                f"expected {len(header)} fields, as in the header; got {len(row)}",
                file=name,
                line=lineno,
            )
        rec = {"actor": row[col["actor"]].strip(), "line": lineno}
        for key in ("capability", "position", "salience"):
            rec[key] = number(row[col[key]], file=name, line=lineno, field=head[col[key]])
        rows_read.append(rec)
    if not rows_read:
        raise ScenarioError("no actor rows after the header", file=name, line=head_line + 1)
    pct = any(r["salience"] > 1 for r in rows_read)
    lo = min(r["position"] for r in rows_read)
    hi = max(r["position"] for r in rows_read)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    for r in rows_read:
        aid = slug(r["actor"], used)
        lines[aid] = r["line"]
        actors.append({"id": aid, "name": r["actor"] or aid, "capability": r["capability"]})
        sal = salience(r["salience"], pct, file=name, line=r["line"], field=head[col["salience"]])
        positions[aid] = {"issue": {"position": r["position"], "salience": sal}}
    stem = Path(name).stem
    data = {
        "name": stem,
        "description": "BDM actor table",
        "actors": actors,
        "issues": [{"id": "issue", "label": stem, "scale": [lo, hi]}],
        "positions": positions,
    }

    def line_of(path: list[Any]) -> int | None:
        if len(path) >= 2 and path[0] == "positions":
            return lines.get(path[1])
        if len(path) >= 2 and path[0] == "actors" and isinstance(path[1], int):
            return rows_read[path[1]]["line"] if path[1] < len(rows_read) else None
        if path and path[0] == "issues":  # the scale spans the positions: the extreme one
            return max(rows_read, key=lambda r: abs(r["position"]))["line"]
        return head_line

    return build(data, file=name, line_of=line_of)


def _columns(head: list[str], header: list[str], *, file: str, line: int) -> dict[str, int]:
    """The index of each needed column (``_BDM_COLUMNS``) in the header row ``head``
    (``header``: its cells stripped and in lower case)."""
    col: dict[str, int] = {}
    for key, names in _BDM_COLUMNS.items():
        idx = next((header.index(n) for n in names if n in header), None)
        if idx is None:
            shown = ", ".join(head)
            raise ScenarioError(
                f"missing column {key!r} (accepted names: {', '.join(names)}); "
                f"the header is {shown if len(shown) <= 200 else shown[:197] + '...'}",
                file=file,
                line=line,
                field=key,
            )
        col[key] = idx
    return col
