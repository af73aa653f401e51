"""Loaders for the formats users already have, into the same typed objects as YAML.

* the BDM actor table (CSV: ``Actor, Capability, Position, Salience``), as used by the
  expected-utility replication scripts;
* KTAB's Spatial Model of Politics CSV (line 1: name, description, actors, dimensions;
  line 2: ``Actor, Description, Power`` then position/salience pairs);
* the decide exchange model file (tab-separated, single-quoted ``#A``, ``#P``, ``#M``, ``#D``
  rows);
* DEU III's TSV (each row an issue, loaded as one case; row 2 holds capabilities).

Each loader returns a :class:`~guaranty.scenario.schema.Scenario` (DEU III a :class:`CaseSet`
of one-issue scenarios). Problems are reported as :class:`~guaranty.errors.ScenarioError`
with the file, line and field.

Choices (each documented in ``docs/scenario-format.md``):

* Saliences on a 0-100 scale (any value above 1 in a BDM table or decide file; always in KTAB
  and DEU III) are divided by 100 so that every salience lies in [0, 1].
* KTAB: its reader (``SMPModel::csvRead``) requires every salience cell in [0, 100] and an
  actor's saliences to sum to at most 100 ("no more than 100% of attention"); guaranty
  raises the same errors. One exception follows KTAB's own reading of the files it ships:
  the copy of ``dummyData_3Dim.csv`` distributed with guaranty's reference data has 105.91
  where KTAB's repository has 5.91, and KTAB's reference run echoes 5.91; so a cell in
  (100, 200] is read as its excess over 100 (the stray leading 1 dropped), and the actor's
  total is checked after that.
* BDM tables carry no scale; the issue's scale is the range of the actors' positions.
* decide files give power per actor *and issue*; it becomes the position entry's
  issue-specific ``capability``.
* DEU III: an actor without a position on an issue is absent from that issue (the models
  leave it out); a salience left blank where a position is given counts as 0.
* Line breaks: LF, CRLF and a lone CR (old Mac files) each end a line, in every format, so
  a stray CR cannot hide inside a cell; a record's line is the line it starts on. A cell may
  be as long as the file (at most ``MAX_FILE_BYTES``).

The tables are read record by record (nothing is kept but the scenario being built), and
every step is linear in the size of the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from guaranty.errors import ScenarioError
from guaranty.scenario.schema import MAX_MAGNITUDE, Scenario, validate_scenario
from guaranty.scenario.yaml_io import MAX_FILE_BYTES, error_path_and_message, read_text

__all__ = [
    "CaseSet",
    "load_bdm_csv",
    "load_deu_tsv",
    "load_exchange",
    "load_ktab_csv",
    "parse_bdm_csv",
    "parse_deu_tsv",
    "parse_exchange",
    "parse_ktab_csv",
]


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


class _Slugs(set[str]):
    """Ids already given out, with the next free suffix of each base (so that many equal
    names get base, base_2, base_3, ... in linear time)."""

    def __init__(self) -> None:
        super().__init__()
        self.next_suffix: dict[str, int] = {}


def _slug(text: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_\-]+", "_", text.strip()).strip("_") or "actor"
    if not base[0].isalpha():
        base = "a_" + base
    base = base[:60]
    suffixes = used.next_suffix if isinstance(used, _Slugs) else {}
    out, k = base, suffixes.get(base, 2)
    if out in used:
        out = f"{base}_{k}"
        while out in used:
            k += 1
            out = f"{base}_{k}"
        suffixes[base] = k + 1
    used.add(out)
    return out


def _short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _number(text: str, *, file: str, line: int, field: str, what: str = "a number") -> float:
    try:
        value = float(text.strip())
    except (AttributeError, ValueError):
        raise ScenarioError(
            f"expected {what}; got {_short(text)}", file=file, line=line, field=field
        ) from None
    if value != value or abs(value) > MAX_MAGNITUDE:
        raise ScenarioError(
            f"expected {what} (finite, of magnitude at most 1e15); got {_short(text)}",
            file=file,
            line=line,
            field=field,
        )
    return value


def _count(text: str, *, file: str, line: int, field: str) -> int:
    value = _number(text, file=file, line=line, field=field, what="a whole number")
    if not value.is_integer() or value < 1:
        raise ScenarioError(
            f"expected a whole number of at least 1; got {_short(text)}",
            file=file,
            line=line,
            field=field,
        )
    return int(value)


def _lines(text: str) -> list[str]:
    """The lines of ``text``: split at LF, CRLF and a lone CR only (not at the other
    characters ``str.splitlines`` takes for line breaks)."""
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _records(text: str, *, name: str, delimiter: str = ",") -> Iterable[tuple[int, list[str]]]:
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


def _build(
    data: dict[str, Any],
    *,
    file: str,
    line_of: Callable[[list[Any]], int | None],
    shared: dict[Any, Any] | None = None,
) -> Scenario:
    """Validate ``data`` as a Scenario, mapping a schema error to the input file's line
    (``shared``: the equal numbers shared across several scenarios of one file)."""
    try:
        return validate_scenario(data, shared=shared)
    except ValidationError as exc:
        path, msg, _ = error_path_and_message(exc.errors()[0])
        raise ScenarioError(msg, file=file, line=line_of(path), field=path) from None


# ---------------------------------------------------------------------------------------------
# BDM actor table
# ---------------------------------------------------------------------------------------------

_BDM_COLUMNS = {
    "actor": ("actor", "stakeholder", "name"),
    "capability": ("capability", "resources", "power", "influence", "clout"),
    "position": ("position",),
    "salience": ("salience",),
}


def load_bdm_csv(path: Path | str) -> Scenario:
    path = Path(path)
    return parse_bdm_csv(read_text(path), name=str(path))


def parse_bdm_csv(text: str, *, name: str = "<string>") -> Scenario:
    rows = iter(_records(text, name=name))
    first = next(rows, None)
    if first is None:
        raise ScenarioError("the file is empty; expected a header row", file=name, line=1)
    head_line, head = first
    header = [h.strip().lower() for h in head]
    col: dict[str, int] = {}
    for key, names in _BDM_COLUMNS.items():
        idx = next((header.index(n) for n in names if n in header), None)
        if idx is None:
            shown = ", ".join(head)
            raise ScenarioError(
                f"missing column {key!r} (accepted names: {', '.join(names)}); "
                f"the header is {shown if len(shown) <= 200 else shown[:197] + '...'}",
                file=name,
                line=head_line,
                field=key,
            )
        col[key] = idx
    actors, positions, used, lines = [], {}, _Slugs(), {}
    records = []
    last = max(col.values())
    for lineno, row in rows:
        if not any(c.strip() for c in row):
            continue
        if len(row) <= last:
            raise ScenarioError(
                f"expected {len(header)} fields; got {len(row)}", file=name, line=lineno
            )
        rec = {"actor": row[col["actor"]].strip(), "line": lineno}
        for key in ("capability", "position", "salience"):
            rec[key] = _number(row[col[key]], file=name, line=lineno, field=head[col[key]])
        records.append(rec)
    if not records:
        raise ScenarioError("no actor rows after the header", file=name, line=head_line + 1)
    pct = any(r["salience"] > 1 for r in records)
    lo = min(r["position"] for r in records)
    hi = max(r["position"] for r in records)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    for r in records:
        aid = _slug(r["actor"], used)
        lines[aid] = r["line"]
        actors.append({"id": aid, "name": r["actor"] or aid, "capability": r["capability"]})
        sal = r["salience"] / 100 if pct else r["salience"]
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
            return records[path[1]]["line"] if path[1] < len(records) else None
        if path and path[0] == "issues":  # the scale spans the positions: the extreme one
            return max(records, key=lambda r: abs(r["position"]))["line"]
        return head_line

    return _build(data, file=name, line_of=line_of)


# ---------------------------------------------------------------------------------------------
# KTAB SMP CSV
# ---------------------------------------------------------------------------------------------


def load_ktab_csv(path: Path | str) -> Scenario:
    path = Path(path)
    return parse_ktab_csv(read_text(path), name=str(path))


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
    for line, record in _records(text, name=name):
        row = [c.strip() for c in record]
        yield line, row[:-1] if row and row[-1] == "" else row


def parse_ktab_csv(text: str, *, name: str = "<string>") -> Scenario:
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
    n_actors = _count(title[2], file=name, line=title_line, field="actors")
    n_dims = _count(title[3], file=name, line=title_line, field="dimensions")
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
    used_issue = _Slugs()
    issue_ids = [_slug(d, used_issue) for d in dims]
    actors, positions, used, lines = [], {}, _Slugs(), {}
    body: list[int] = []
    for lineno, row in rows:
        if not any(row):
            continue
        body.append(lineno)
        if len(body) > n_actors:
            break
        if len(row) < need:
            raise ScenarioError(f"expected {need} fields; got {len(row)}", file=name, line=lineno)
        aid = _slug(row[0], used)
        lines[aid] = lineno
        power = _number(row[2], file=name, line=lineno, field=header[2])
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
            pos = _number(row[3 + 2 * d], file=name, line=lineno, field=header[3 + 2 * d])
            raw = _number(row[4 + 2 * d], file=name, line=lineno, field=field)
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

    return _build(data, file=name, line_of=line_of)


# ---------------------------------------------------------------------------------------------
# decide exchange model file
# ---------------------------------------------------------------------------------------------


def load_exchange(path: Path | str) -> Scenario:
    path = Path(path)
    return parse_exchange(read_text(path), name=str(path))


def _unquote(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        return cell[1:-1]
    return cell


def parse_exchange(text: str, *, name: str = "<string>") -> Scenario:
    actors: dict[str, dict[str, Any]] = {}
    issues: dict[str, dict[str, Any]] = {}
    scales: dict[str, list[float]] = {}
    rows: list[tuple[int, str, str, float, float, float]] = []
    lines: dict[tuple[str, ...], int] = {}
    for lineno, raw in enumerate(_lines(text), start=1):
        if not raw.strip():
            continue
        cells = [_unquote(c) for c in (raw.split("\t") if "\t" in raw else raw.split(";"))]
        kind = cells[0]
        if kind == "#A":
            if len(cells) < 2 or not cells[1]:
                raise ScenarioError("an #A row needs an actor id", file=name, line=lineno)
            actors.setdefault(
                cells[1], {"name": cells[2] if len(cells) > 2 and cells[2] else cells[1]}
            )
            lines.setdefault(("A", cells[1]), lineno)
        elif kind == "#P":
            if len(cells) < 2 or not cells[1]:
                raise ScenarioError("a #P row needs an issue id", file=name, line=lineno)
            issues.setdefault(
                cells[1],
                {
                    "label": cells[2] if len(cells) > 2 and cells[2] else cells[1],
                    "description": cells[3] if len(cells) > 3 else None,
                },
            )
            lines.setdefault(("P", cells[1]), lineno)
        elif kind == "#M":
            if len(cells) < 3:
                raise ScenarioError(
                    "an #M row needs an issue id and a scale value", file=name, line=lineno
                )
            scales.setdefault(cells[1], []).append(
                _number(cells[2], file=name, line=lineno, field="#M value")
            )
        elif kind == "#D":
            if len(cells) < 6:
                raise ScenarioError(
                    "a #D row needs: actor, issue, position, salience, power; "
                    f"got {len(cells) - 1} fields",
                    file=name,
                    line=lineno,
                )
            rows.append(
                (
                    lineno,
                    cells[1],
                    cells[2],
                    _number(cells[3], file=name, line=lineno, field="position"),
                    _number(cells[4], file=name, line=lineno, field="salience"),
                    _number(cells[5], file=name, line=lineno, field="power"),
                )
            )
        elif kind.startswith("#"):
            continue  # other decide row kinds carry no model input
        else:
            raise ScenarioError(
                f"expected a row starting with '#A', '#P', '#M' or '#D'; got {_short(kind)}",
                file=name,
                line=lineno,
            )
    if not rows:
        raise ScenarioError(
            "no #D (actor, issue, position, salience, power) rows",
            file=name,
            line=max(_last_line(text), 1),
        )
    pct = any(r[4] > 1 for r in rows)
    used_a = _Slugs()
    used_i = _Slugs()
    aid_of = {a: _slug(a, used_a) for a in actors}
    iid_of = {i: _slug(i, used_i) for i in issues}
    positions: dict[str, dict[str, Any]] = {}
    for lineno, a, i, pos, sal, power in rows:
        if a not in aid_of:
            raise ScenarioError(
                f"unknown actor {a!r}: it has no #A row", file=name, line=lineno, field="actor"
            )
        if i not in iid_of:
            raise ScenarioError(
                f"unknown issue {i!r}: it has no #P row", file=name, line=lineno, field="issue"
            )
        positions.setdefault(aid_of[a], {})[iid_of[i]] = {
            "position": pos,
            "salience": sal / 100 if pct else sal,
            "capability": power,
        }
        lines[("D", aid_of[a], iid_of[i])] = lineno
    issue_list = []
    for i, meta in issues.items():
        sc = scales.get(i)
        if not sc or len(sc) < 2:
            raise ScenarioError(
                f"issue {i!r} needs two #M rows (scale minimum and maximum)",
                file=name,
                line=lines[("P", i)],
                field="#M",
            )
        issue_list.append(
            {
                "id": iid_of[i],
                "label": meta["label"],
                "description": meta["description"] or None,
                "scale": [min(sc), max(sc)],
            }
        )
    # an actor's base capability is its mean power over the issues it takes part in
    base: dict[str, list[float]] = {}
    for _, a, _, _, _, power in rows:
        base.setdefault(aid_of[a], []).append(power)
    data = {
        "name": Path(name).stem,
        "description": "decide exchange model file",
        "actors": [
            {
                "id": aid_of[a],
                "name": m["name"],
                "capability": sum(base.get(aid_of[a], [0.0])) / len(base.get(aid_of[a], [0.0])),
            }
            for a, m in actors.items()
        ],
        "issues": issue_list,
        "positions": positions,
    }

    issue_keys = list(issues)
    actor_keys = list(actors)

    def line_of(path: list[Any]) -> int | None:
        if len(path) >= 3 and path[0] == "positions":
            return lines.get(("D", path[1], path[2]))
        if len(path) >= 2 and path[0] == "positions":
            return next((v for k, v in lines.items() if k[:2] == ("D", path[1])), None)
        if len(path) >= 2 and path[0] == "issues" and isinstance(path[1], int):
            return lines.get(("P", issue_keys[path[1]])) if path[1] < len(issue_keys) else None
        if len(path) >= 2 and path[0] == "actors" and isinstance(path[1], int):
            return lines.get(("A", actor_keys[path[1]])) if path[1] < len(actor_keys) else None
        return 1

    return _build(data, file=name, line_of=line_of)


def _last_line(text: str) -> int:
    """The number of the file's last line (where a missing row would go)."""
    return len(_lines(text))


# ---------------------------------------------------------------------------------------------
# DEU III
# ---------------------------------------------------------------------------------------------

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
    path = Path(path)
    return parse_deu_tsv(read_text(path), name=str(path))


def _cell(row: Sequence[str], k: int) -> str:
    return row[k].strip().strip('"').strip() if k < len(row) else ""


def parse_deu_tsv(text: str, *, name: str = "<string>") -> CaseSet:
    rows = iter(_records(text, name=name, delimiter="\t"))
    head, cap = next(rows, None), next(rows, None)
    if head is None or cap is None:
        raise ScenarioError(
            "expected a header row, a capability row and issue rows",
            file=name,
            line=2 if head is None else head[0] + 1,
        )
    header = [h.strip().strip('"') for h in head[1]]
    index = {h: k for k, h in enumerate(header)}
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
    capability = {}
    for a in actors:
        raw = _cell(cap_row, index[f"p{a}"])
        capability[a] = _number(
            raw, file=name, line=cap_line, field=f"p{a}", what="the actor's capability (row 2)"
        )
    cases: list[Scenario] = []
    metas, lines = [], []
    shared: dict[Any, Any] = {}
    for lineno, row in rows:
        if not any(c.strip().strip('"') for c in row):
            continue
        isnr = _cell(row, index["isnr"]) or f"issue{lineno}"
        positions = {}
        for a in actors:
            p = _cell(row, index[f"p{a}"])
            if not p:
                continue
            s = _cell(row, index[f"s{a}"])
            pos = _number(p, file=name, line=lineno, field=f"p{a}")
            sal = _number(s, file=name, line=lineno, field=f"s{a}") / 100 if s else 0.0
            positions[a] = {"issue": {"position": pos, "salience": sal}}
        if not positions:
            raise ScenarioError("no actor has a position on this issue", file=name, line=lineno)
        out, rp = _cell(row, index["out"]), _cell(row, index["rp"])
        issue = {
            "id": "issue",
            "label": f"{_cell(row, index.get('prname', 0))} {isnr}".strip(),
            "scale": [0, 100],
            "outcome": _number(out, file=name, line=lineno, field="out") if out else None,
            "reference_point": _number(rp, file=name, line=lineno, field="rp") if rp else None,
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

        cases.append(_build(data, file=name, line_of=line_of, shared=shared))
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
