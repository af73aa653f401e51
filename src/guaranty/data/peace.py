"""The peace tables: the peace after inter-state wars (COW), civil-war ceasefires (Fortna)
and post-civil-war episodes (Walter).

``postwar_spells.csv`` holds one spell of peace per pair of states that fought each other in a
Correlates of War inter-state war 1816-2007, from the end of their war to their next one (or
to the end of the data): the sample of the pipeline's durability model.

``fortna_ceasefires.csv`` holds the n = 96 analysis sample of Gelman, Hill & Vehtari,
*Regression and Other Stories* (ROS, ch. 1, from Fortna's "Does Peacekeeping Keep Peace?"
data): one row per ceasefire with the duration of peace and whether war returned.
``walter_postwar.csv`` holds one row per post-civil-war episode (61) of the subset of Walter
(2015). These two are derived by ``scripts/rebuild_data.py``, the first by
``scripts/rebuild_conflict_data.py``; ``SOURCES.md`` documents every column.
Tables are read lazily, once per process, on first use.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from guaranty.errors import DataError

__all__ = [
    "CEASEFIRE_COVARIATES",
    "DAYS_PER_YEAR",
    "INTERSTATE_COVARIATES",
    "POSTWAR_COLUMNS",
    "CeasefireTable",
    "InterstateTable",
    "PostwarTable",
    "fortna_ceasefires",
    "postwar_spells",
    "walter_postwar",
]

_FORTNA_FILE = "fortna_ceasefires.csv"
_POSTWAR_FILE = "postwar_spells.csv"
_WALTER_FILE = "walter_postwar.csv"

#: The columns of ``postwar_spells.csv`` (``scripts/rebuild_conflict_data.py`` writes it):
#: the war (COW number), the initiator-side and target-side states, the pair's first and
#: last year in the war, the years of peace (to the next war, or to the censoring), whether
#: war returned and the first year of the next war, the war's settlement (a war-level GML
#: dispute of the pair settled by negotiation), a decisive outcome (one side won), and in the
#: first year of peace the target's defense pact with a third state, a strategic rivalry,
#: contiguity by land and a defense pact between the two; the pair's battle deaths.
POSTWAR_COLUMNS: tuple[str, ...] = (
    "warnum",
    "ccode_init",
    "ccode_target",
    "war_start",
    "war_end",
    "years",
    "failed",
    "next_war",
    "treaty",
    "decisive",
    "t_def",
    "rivalry",
    "contig_land",
    "shared_defense",
    "batdeath",
)

#: ROS divides the delay in days by this to get years (``Peacekeeping/peace.R``).
DAYS_PER_YEAR = 365.24

#: Covariates of the ceasefire table, by their names in the survival model, and the column
#: each one reads: peacekeepers present (Fortna's ``pk_dum``), a formal peace treaty
#: (``treaty``), a decisive military victory (``victory``).
CEASEFIRE_COVARIATES: dict[str, str] = {
    "peacekeepers": "pk_dum",
    "treaty": "treaty",
    "victory": "victory",
}


@dataclass(frozen=True)
class CeasefireTable:
    """Fortna's civil-war ceasefires as used by ROS; every array has shape (cases,).

    ``duration_years`` runs from the ceasefire to the return of war (``failed`` true) or to
    2004-12-31, the end of the data (``failed`` false: right-censored).
    """

    name: tuple[str, ...]
    duration_years: np.ndarray
    failed: np.ndarray
    peacekeepers: np.ndarray
    treaty: np.ndarray
    victory: np.ndarray
    pkop: np.ndarray

    def survival_data(
        self, covariates: Sequence[str] = tuple(CEASEFIRE_COVARIATES)
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time of shape (cases,), event of shape (cases,), X of shape (cases, covariates))."""
        unknown = [c for c in covariates if c not in CEASEFIRE_COVARIATES]
        if unknown:
            raise DataError(
                f"covariates must be among {sorted(CEASEFIRE_COVARIATES)}; got {unknown}",
                file=_FORTNA_FILE,
            )
        x = np.column_stack([getattr(self, c) for c in covariates]) if covariates else None
        if x is None:
            x = np.zeros((self.n_cases, 0))
        return self.duration_years.copy(), self.failed.copy(), x.astype(float)

    @property
    def n_cases(self) -> int:
        """Number of ceasefires."""
        return len(self.name)


#: The covariates of the inter-state spells the survival model may use (each a 0/1 column of
#: ``postwar_spells.csv`` under the same name).
INTERSTATE_COVARIATES = (
    "t_def",
    "treaty",
    "decisive",
    "rivalry",
    "contig_land",
    "shared_defense",
)


@dataclass(frozen=True)
class InterstateTable:
    """The peace after COW inter-state wars, one spell per pair and war; every array has
    shape (spells,). ``years`` runs from the end of the pair's war to the first year of their
    next war (``failed`` true), or to the censoring (``failed`` false; see SOURCES.md)."""

    warnum: np.ndarray
    ccode_init: np.ndarray
    ccode_target: np.ndarray
    war_end: np.ndarray
    years: np.ndarray
    failed: np.ndarray
    covariates: dict[str, np.ndarray]

    def survival_data(
        self, covariates: Sequence[str] = INTERSTATE_COVARIATES
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time of shape (spells,), event of shape (spells,), X of shape (spells,
        covariates))."""
        unknown = [c for c in covariates if c not in INTERSTATE_COVARIATES]
        if unknown:
            raise DataError(
                f"covariates must be among {list(INTERSTATE_COVARIATES)}; got {unknown}",
                file=_POSTWAR_FILE,
            )
        x = np.zeros((self.n_spells, len(covariates)))
        for j, c in enumerate(covariates):
            x[:, j] = self.covariates[c]
        return self.years.copy(), self.failed.copy(), x

    @property
    def n_spells(self) -> int:
        """Number of spells."""
        return int(self.years.size)


@dataclass(frozen=True)
class PostwarTable:
    """Walter's (2015) post-civil-war episodes; every array has shape (episodes,).

    ``renewed`` is 1 if any country-year of the episode has ``renewed_war == 1``;
    ``years_at_peace`` counts the episode's country-years up to and including the first
    year of renewed war (or all of them, when war did not return: right-censored).
    """

    episode: np.ndarray
    ccode: np.ndarray
    first_year: np.ndarray
    renewed: np.ndarray
    years_at_peace: np.ndarray
    comprehensive: np.ndarray
    victory: np.ndarray
    unpko_first: np.ndarray
    unpko_ever: np.ndarray

    @property
    def n_episodes(self) -> int:
        """Number of episodes."""
        return len(self.episode)


def _read(file: str, columns: Sequence[str]) -> list[dict[str, str]]:
    ref = resources.files(__package__).joinpath(file)
    try:
        with ref.open("r", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"missing columns {missing}", file=file, line=1)
            return list(reader)
    except FileNotFoundError:
        raise DataError(
            "the shipped peace table is missing; reinstall guaranty or run scripts/rebuild_data.py",
            file=file,
        ) from None


def _numbers(rows: list[dict[str, str]], column: str, file: str, *, blank: float | None = None):
    out = np.empty(len(rows))
    for i, row in enumerate(rows):
        text = row[column].strip()
        if not text and blank is not None:
            out[i] = blank
            continue
        try:
            out[i] = float(text)
        except ValueError:
            raise DataError(
                f"expected a number; got {text!r}", file=file, line=i + 2, field=column
            ) from None
    return out


@cache
def fortna_ceasefires() -> CeasefireTable:
    """The 96 ceasefires of the ROS sample (see the module docstring)."""
    cols = ["cname", "duration_days", "failed", "pk_dum", "pkop", "treaty", "victory"]
    rows = _read(_FORTNA_FILE, cols)
    num = {c: _numbers(rows, c, _FORTNA_FILE) for c in cols[1:]}
    if np.any(num["duration_days"] <= 0):
        raise DataError("duration_days must be positive", file=_FORTNA_FILE)
    return CeasefireTable(
        name=tuple(r["cname"] for r in rows),
        duration_years=num["duration_days"] / DAYS_PER_YEAR,
        failed=num["failed"].astype(bool),
        peacekeepers=num["pk_dum"],
        treaty=num["treaty"],
        victory=num["victory"],
        pkop=num["pkop"].astype(int),
    )


@cache
def postwar_spells() -> InterstateTable:
    """The spells of peace after COW inter-state wars (see the module docstring)."""
    rows = _read(_POSTWAR_FILE, list(POSTWAR_COLUMNS))
    num = {c: _numbers(rows, c, _POSTWAR_FILE, blank=np.nan) for c in POSTWAR_COLUMNS}
    for i, value in enumerate(num["years"]):
        if not value > 0:
            raise DataError(
                f"expected a positive number of years; got {rows[i]['years']!r}",
                file=_POSTWAR_FILE,
                line=i + 2,
                field="years",
            )
    for c in ("failed", *INTERSTATE_COVARIATES):
        bad = np.flatnonzero((num[c] != 0) & (num[c] != 1))
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"expected 0 or 1; got {rows[i][c]!r}", file=_POSTWAR_FILE, line=i + 2, field=c
            )
    return InterstateTable(
        warnum=num["warnum"].astype(int),
        ccode_init=num["ccode_init"].astype(int),
        ccode_target=num["ccode_target"].astype(int),
        war_end=num["war_end"].astype(int),
        years=num["years"],
        failed=num["failed"].astype(bool),
        covariates={c: num[c] for c in INTERSTATE_COVARIATES},
    )


@cache
def walter_postwar() -> PostwarTable:
    """The 61 post-war episodes of the Walter (2015) subset (see the module docstring)."""
    cols = [
        "episode",
        "ccode",
        "first_year",
        "last_year",
        "renewed",
        "renewal_year",
        "comprehensive",
        "victory",
        "unpko_first",
        "unpko_ever",
    ]
    rows = _read(_WALTER_FILE, cols)
    num = {c: _numbers(rows, c, _WALTER_FILE, blank=np.nan) for c in cols}
    renewed = num["renewed"].astype(bool)
    end = np.where(renewed, num["renewal_year"], num["last_year"])
    return PostwarTable(
        episode=num["episode"].astype(int),
        ccode=num["ccode"].astype(int),
        first_year=num["first_year"].astype(int),
        renewed=renewed,
        years_at_peace=(end - num["first_year"] + 1).astype(int),
        comprehensive=num["comprehensive"],
        victory=num["victory"],
        unpko_first=num["unpko_first"],
        unpko_ever=num["unpko_ever"],
    )
