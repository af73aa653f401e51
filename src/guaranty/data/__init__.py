"""Reference tables shipped with guaranty (derived from published data; see SOURCES.md).

Tables are read lazily, once per process, on first use: importing this module reads nothing.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from guaranty.errors import DataError

__all__ = ["LATEST_DATA_YEAR", "NUCLEAR_POWERS", "cinc", "cinc_table", "nuclear", "state_years"]

#: the last year of the shipped COW capabilities, at which a scenario with a credibility
#: section but neither ``year`` nor ``credibility.data_year`` reads the states' data
LATEST_DATA_YEAR = 2022

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
        raise _missing() from None
    return table


@cache
def state_years() -> dict[int, tuple[int, int, frozenset[int]]]:
    """Per COW country code, the first and last year of the CINC table overall and the
    years this code has a row (a state of the COW system in that year)."""
    table = cinc_table()
    first, last = min(y for _, y in table), max(y for _, y in table)
    years: dict[int, set[int]] = {}
    for code, year in table:
        years.setdefault(code, set()).add(year)
    return {code: (first, last, frozenset(ys)) for code, ys in years.items()}


def _missing() -> DataError:
    return DataError(
        "the shipped COW capability table is missing; reinstall guaranty or run "
        "scripts/rebuild_data.py",
        file=_CINC_FILE,
    )


@cache
def _cinc_text() -> str:
    """The CINC file's text, read once (375 KB: about a millisecond, against 60 ms to parse)."""
    try:
        text = resources.files(__name__).joinpath(_CINC_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _missing() from None
    if not text.startswith("ccode,year,cinc\n"):
        raise DataError(
            f"expected the columns ccode, year and cinc; found {text.partition(chr(10))[0]}",
            file=_CINC_FILE,
            line=1,
        )
    return text


def cinc(ccode: int, year: int) -> float:
    """CINC score of COW country ``ccode`` in ``year``.

    A scenario needs a handful of scores, so the row is found in the file's text rather than
    by parsing all 17,000 rows (what :func:`cinc_table` does, for the bulk users). Raises
    ``DataError`` naming the nearest available years when the pair is not in the table.
    """
    text = _cinc_text()
    at = text.find(f"\n{int(ccode)},{int(year)},")
    if at >= 0:
        end = text.find("\n", at + 1)
        line = text[at + 1 : end if end >= 0 else len(text)]
        try:
            return float(line.split(",")[2])
        except (IndexError, ValueError):
            raise DataError(
                f"expected a numeric cinc, found {line!r}",
                file=_CINC_FILE,
                line=text.count("\n", 0, at) + 2,
            ) from None
    table = cinc_table()
    years = sorted(y for (c, y) in table if c == ccode)
    if not years:
        raise DataError(
            f"COW country code {ccode} is not in the National Material Capabilities table",
            file=_CINC_FILE,
        )
    raise DataError(
        f"COW country code {ccode} has no CINC score for {year}; "
        f"the table covers {years[0]}-{years[-1]}",
        file=_CINC_FILE,
    )


# Nuclear-armed states: COW country code -> first year counted as nuclear-armed. A judgement
# from common knowledge (SIPRI Yearbook, "World nuclear forces"; first test or, for Israel,
# the commonly cited date of a first deliverable weapon); see SOURCES.md. The credibility
# model reads a state's nuclear status here, unless the scenario states it (``nuclear`` of
# an actor).
NUCLEAR_POWERS: dict[int, int] = {
    2: 1945,  # United States (Trinity test, July 1945)
    365: 1949,  # USSR / Russia
    200: 1952,  # United Kingdom
    220: 1960,  # France
    710: 1964,  # China
    666: 1967,  # Israel (undeclared; about 1967)
    750: 1974,  # India (first test 1974; declared 1998)
    770: 1998,  # Pakistan
    731: 2006,  # North Korea
}


def nuclear(ccode: int, year: int) -> bool:
    """Whether COW country ``ccode`` is nuclear-armed in ``year`` (see :data:`NUCLEAR_POWERS`)."""
    first = NUCLEAR_POWERS.get(ccode)
    return first is not None and first <= year
