"""Reference tables shipped with guaranty (derived from published data; see SOURCES.md).

Tables are read lazily, once per process, on first use: importing this module reads nothing.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from guaranty.errors import DataError

__all__ = ["cinc", "cinc_table"]

_CINC_FILE = "cow_nmc_cinc.csv"


@cache
def cinc_table() -> dict[tuple[int, int], float]:
    """The COW National Material Capabilities v7.0 CINC score by (ccode, year)."""
    ref = resources.files(__name__).joinpath(_CINC_FILE)
    table: dict[tuple[int, int], float] = {}
    try:
        # csv.reader rather than DictReader: 17,000 rows are read by every command that
        # resolves a country's capability (validate among them), and building a dict per
        # row was most of that command's own time
        with ref.open("r", encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh)
            header = next(rows, [])
            try:
                at = [header.index(name) for name in ("ccode", "year", "cinc")]
            except ValueError:
                raise DataError(
                    f"expected the columns ccode, year and cinc; found {', '.join(header)}",
                    file=_CINC_FILE,
                    line=1,
                ) from None
            for lineno, row in enumerate(rows, start=2):
                try:
                    table[int(row[at[0]]), int(row[at[1]])] = float(row[at[2]])
                except (IndexError, ValueError) as exc:
                    raise DataError(
                        f"expected integer ccode and year and a numeric cinc ({exc})",
                        file=_CINC_FILE,
                        line=lineno,
                    ) from None
    except FileNotFoundError:
        raise DataError(
            "the shipped COW capability table is missing; reinstall guaranty or run "
            "scripts/rebuild_data.py",
            file=_CINC_FILE,
        ) from None
    return table


def cinc(ccode: int, year: int) -> float:
    """CINC score of COW country ``ccode`` in ``year``.

    Raises ``DataError`` naming the nearest available years when the pair is not in the table.
    """
    table = cinc_table()
    try:
        return table[ccode, year]
    except KeyError:
        years = sorted(y for (c, y) in table if c == ccode)
        if not years:
            raise DataError(
                f"COW country code {ccode} is not in the National Material Capabilities table",
                file=_CINC_FILE,
            ) from None
        raise DataError(
            f"COW country code {ccode} has no CINC score for {year}; "
            f"the table covers {years[0]}-{years[-1]}",
            file=_CINC_FILE,
        ) from None
