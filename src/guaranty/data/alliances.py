"""The alliance-invocation table: alliance commitments in war, 1816-2003, with their provisions.

``alliance_invocations.csv`` holds one row per alliance-war pair of Berkemeier & Fuhrmann
(2018) in which the commitment applied (146 rows), joined with the COW inter-state war data,
ATOP v4 and COW NMC v7 by ``scripts/rebuild_data.py``; ``SOURCES.md`` and
``docs/models/credibility.md`` document every column and join. The table is read lazily,
once per process, on first use.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from guaranty.data.tables import check_fields, check_header, read_only
from guaranty.errors import DataError

__all__ = ["ALLIANCE_COLUMNS", "AllianceTable", "alliance_invocations", "read_alliance_table"]

_FILE = "alliance_invocations.csv"

#: Text columns; every other column is numeric (blank = missing, read as NaN).
_TEXT_COLUMNS = frozenset({"war_name", "war_start_source", "ally_ccodes", "opponent_ccodes"})

#: The columns of the table, in file order.
ALLIANCE_COLUMNS: tuple[str, ...] = (
    "warid",
    "cowwarnum",
    "war_name",
    "atopid",
    "war_start_year",
    "war_start_source",
    "alliance_start_year",
    "invocation_year",
    "post1945",
    "bf_sample",
    "defense",
    "offense",
    "neutral",
    "nonagg",
    "consul",
    "honored",
    "honored_bf",
    "multilateral",
    "atop_bilat",
    "conditio",
    "milcon",
    "intcom",
    "base",
    "milaid",
    "organ1",
    "milinst",
    "formal",
    "protected_ccode",
    "ally_ccodes",
    "opponent_ccodes",
    "ally_cinc",
    "opponent_cinc",
    "ally_cinc_share",
    "nuclear_opponent",
)

#: Numeric columns that are never blank (in alphabetical order).
_COMPLETE = frozenset(
    {
        "alliance_start_year",
        "atop_bilat",
        "atopid",
        "bf_sample",
        "consul",
        "defense",
        "honored",
        "invocation_year",
        "multilateral",
        "neutral",
        "nonagg",
        "offense",
        "post1945",
        "war_start_year",
        "warid",
    }
)


@dataclass(frozen=True, eq=False)
class AllianceTable(Mapping[str, np.ndarray]):
    """A column table: a read-only mapping from column name to a 1-D array of shape (rows,).

    Numeric columns are float64 arrays with NaN where the source has no value; text columns
    are arrays of ``str``. Select rows with :meth:`take`.
    """

    columns: Mapping[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name]
        except KeyError:
            raise KeyError(
                f"no column {name!r} in the alliance table (columns: {', '.join(self.columns)})"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        first = next(iter(self.columns.values()))
        return int(first.shape[0])

    def take(self, rows: np.ndarray) -> AllianceTable:
        """The table restricted to ``rows`` (a boolean mask of shape (rows,) or indices)."""
        out = {}
        for name, col in self.columns.items():
            out[name] = read_only(col[rows])
        return AllianceTable(out)


@cache
def alliance_invocations() -> AllianceTable:
    """The 146 alliance-war pairs in which the commitment applied (see the module docstring).

    The arrays are read-only (the table is cached for the process); copy before changing.
    """
    ref = resources.files(__package__).joinpath(_FILE)
    try:
        with ref.open("r", encoding="utf-8", newline="") as fh:
            return read_alliance_table(fh, _FILE)
    except FileNotFoundError:
        raise DataError(
            "the shipped alliance-invocation table is missing; reinstall guaranty or run "
            "scripts/rebuild_data.py",
            file=_FILE,
        ) from None


def read_alliance_table(lines: Iterable[str], file: str = _FILE) -> AllianceTable:
    """Parse an alliance-invocation table in the shipped CSV format (header included).

    ``file`` names the source in error messages. Raises ``DataError`` naming the line and
    column of the first malformed value.
    """
    reader = csv.reader(lines)
    header = tuple(next(reader, ()))
    check_header(header, ALLIANCE_COLUMNS, file, "rebuild the table with scripts/rebuild_data.py")
    raw = list(reader)
    if not raw:
        raise DataError("the alliance-invocation table has no rows", file=file)
    for lineno, row in enumerate(raw, start=2):
        check_fields(row, len(ALLIANCE_COLUMNS), file, lineno)
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(ALLIANCE_COLUMNS):
        values: list[object] = []
        for lineno, row in enumerate(raw, start=2):
            text = row[j].strip()
            if name in _TEXT_COLUMNS:
                values.append(text)
            elif not text:
                if name in _COMPLETE:
                    raise DataError("must not be blank", file=file, line=lineno, field=name)
                values.append(np.nan)
            else:
                try:
                    values.append(float(text))
                except ValueError:
                    raise DataError(
                        f"must be a number; got {text!r}", file=file, line=lineno, field=name
                    ) from None
        dtype = str if name in _TEXT_COLUMNS else np.float64
        columns[name] = read_only(np.array(values, dtype=dtype))
    return AllianceTable(columns)
