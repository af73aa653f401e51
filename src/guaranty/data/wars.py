"""The war tables: COW inter-state wars (one row per war) and UCDP/PRIO inter-state episodes.

``cow_wars.csv`` holds one row per Correlates of War inter-state war (v4.0, 95 wars,
1823-2003): its years, the states on the initiator's and the target's side, the outcome for
the initiator(s), forces at the start (COW NMC v7) and battle deaths.
``ucdp_interstate_episodes.csv`` holds one row per episode of a UCDP/PRIO inter-state armed
conflict that started on or before 2021-12-31, with its duration in months (censored at
2021-12-31). Both are derived by
``scripts/rebuild_war_data.py``; ``SOURCES.md`` documents every column and rule. Tables are
read lazily, once per process, on first use.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

import numpy as np

from guaranty.data.tables import check_fields, check_header, read_only
from guaranty.errors import DataError

__all__ = [
    "CENSOR_DATE",
    "COW_WAR_COLUMNS",
    "DAYS_PER_MONTH",
    "OUTCOME_CLASSES",
    "UCDP_EPISODE_COLUMNS",
    "cow_wars",
    "ucdp_episodes",
    "ucdp_war_lengths",
    "ucdp_war_survival",
    "ucdp_war_survival_after",
]

_COW_FILE = "cow_wars.csv"
_UCDP_FILE = "ucdp_interstate_episodes.csv"
_REBUILD = "reinstall guaranty or run scripts/rebuild_war_data.py"

#: The last day an episode may start, and the day open episodes are censored at (the
#: forecast is as of mid-2022: nothing later enters the tables).
CENSOR_DATE = "2021-12-31"

#: Days per month used to turn an episode's length in days into months (365.25 / 12).
DAYS_PER_MONTH = 30.4375

#: The values of ``outcome_class`` in ``cow_wars.csv``: the COW outcome codes of the
#: initiator(s) all 1 (``initiator`` won), all 2 (``target`` won), all 3 (``compromise``),
#: all 6 (``stalemate``), all 4 (``transformed`` into another type of war); anything else
#: (initiators with different codes, code 8 = changed sides) is ``other``.
OUTCOME_CLASSES: tuple[str, ...] = (
    "initiator",
    "target",
    "compromise",
    "stalemate",
    "transformed",
    "other",
)

# Column -> kind: "int" (int64), "float" (float64, blank = NaN) or "str" (object array).
_COW_KINDS: dict[str, str] = {
    "warnum": "int",
    "start_year": "int",
    "end_year": "int",
    "years_touched": "int",
    "n_states": "int",
    "n_init_side": "int",
    "n_target_side": "int",
    "init_side": "int",
    "init_ccodes": "str",
    "target_ccodes": "str",
    "outcome_class": "str",
    "init_outcome_codes": "str",
    "milper_init": "float",
    "milper_target": "float",
    "milper_missing_init": "int",
    "milper_missing_target": "int",
    "cinc_init": "float",
    "cinc_target": "float",
    "milex_init": "float",
    "milex_target": "float",
    "cinc_init_all": "float",
    "cinc_target_all": "float",
    "batdeath_init": "int",
    "batdeath_target": "int",
    "major_init": "int",
    "major_target": "int",
    "resume": "int",
    "gml_dispnum": "int",
    "gml_settle": "str",
    "gml_outcome": "str",
}

_UCDP_KINDS: dict[str, str] = {
    "conflict_id": "int",
    "episode_start": "str",
    "episode_end": "str",
    "gwno_a": "str",
    "gwno_b": "str",
    "incompatibility": "str",
    "max_intensity": "int",
    "months": "float",
    "censored": "int",
}

#: The columns of ``cow_wars.csv``, in file order.
COW_WAR_COLUMNS: tuple[str, ...] = tuple(_COW_KINDS)

#: The columns of ``ucdp_interstate_episodes.csv``, in file order.
UCDP_EPISODE_COLUMNS: tuple[str, ...] = tuple(_UCDP_KINDS)


def _read_table(name: str, kinds: dict[str, str]) -> dict[str, np.ndarray]:
    """Read a shipped CSV into read-only columns of the given kinds (see ``_COW_KINDS``)."""
    ref = resources.files(__package__).joinpath(name)
    try:
        with ref.open("r", encoding="utf-8", newline="") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise DataError(f"the shipped war table is missing; {_REBUILD}", file=name) from None
    reader = csv.reader(io.StringIO(text))
    columns = tuple(kinds)
    header = tuple(next(reader, ()))
    check_header(header, columns, name, _REBUILD)
    rows = list(reader)
    if not rows:
        raise DataError("the table has no rows", file=name)
    out: dict[str, np.ndarray] = {}
    for j, (col, kind) in enumerate(kinds.items()):
        values = []
        for lineno, row in enumerate(rows, start=2):
            check_fields(row, len(columns), name, lineno)
            text = row[j]
            if kind == "str":
                values.append(text)
                continue
            try:
                values.append(int(text) if kind == "int" else float(text or "nan"))
            except ValueError:
                raise DataError(
                    f"must be {'an integer' if kind == 'int' else 'a number'}; got {text!r}",
                    file=name,
                    line=lineno,
                    field=col,
                ) from None
        dtype = {"int": np.int64, "float": np.float64, "str": object}[kind]
        out[col] = read_only(np.array(values, dtype=dtype))
    return out


@cache
def _war_table(name: str) -> dict[str, np.ndarray]:
    """The war table in file ``name`` (:data:`_COW_FILE` or :data:`_UCDP_FILE`), read once."""
    kinds = _COW_KINDS if name == _COW_FILE else _UCDP_KINDS
    return _read_table(name, kinds)


def cow_wars() -> dict[str, np.ndarray]:
    """The COW inter-state wars v4.0: column name -> array of shape (95,), one entry per war.

    Columns :data:`COW_WAR_COLUMNS`, sorted by ``warnum``. Codes, years, counts, flags and
    battle deaths are int64; NMC sums (``milper_*`` in thousands, ``milex_*`` in thousands of
    US dollars, ``cinc_*``) are float64; ``init_ccodes``, ``target_ccodes`` (";"-joined sorted
    COW codes), ``outcome_class`` (one of :data:`OUTCOME_CLASSES`) and ``init_outcome_codes``
    (";"-joined) are object arrays of ``str``. The arrays are read-only and shared across
    calls (the table is read once per process); the dict itself is a fresh copy.
    """
    return dict(_war_table(_COW_FILE))


def ucdp_episodes() -> dict[str, np.ndarray]:
    """UCDP/PRIO inter-state conflict episodes: column name -> array of shape (episodes,).

    Columns :data:`UCDP_EPISODE_COLUMNS`, one entry per episode starting on or before
    :data:`CENSOR_DATE`, sorted by start date and conflict id. ``conflict_id``,
    ``max_intensity`` (1 minor, 2 war) and ``censored`` (1 = not ended by
    :data:`CENSOR_DATE`) are int64; ``months`` (start to end, or to the censoring date, in
    days / :data:`DAYS_PER_MONTH`) is float64; ``episode_start``, ``episode_end`` (ISO dates,
    ``""`` when censored), ``gwno_a``, ``gwno_b`` (Gleditsch-Ward codes, ";"-joined when
    several) and ``incompatibility`` are object arrays of ``str``. Read-only arrays, shared
    across calls; the dict itself is a fresh copy.
    """
    return dict(_war_table(_UCDP_FILE))


def ucdp_war_lengths() -> tuple[np.ndarray, np.ndarray]:
    """The UCDP/PRIO war-intensity episodes (``max_intensity`` 2): their months of fighting
    (float) and whether each had ended by :data:`CENSOR_DATE` (bool); shapes (episodes,)."""
    u = ucdp_episodes()
    war = u["max_intensity"].astype(int) == 2
    return u["months"][war].astype(float), u["censored"][war].astype(int) == 0


def ucdp_war_survival(months: np.ndarray | list[float]) -> np.ndarray:
    """The share of the UCDP/PRIO war-intensity episodes (``max_intensity`` 2) still being
    fought after each of ``months`` (any shape): the Kaplan-Meier estimate, the episodes
    still open at :data:`CENSOR_DATE` censored there. The record the war model's month
    scale is checked against (``docs/models/war.md``)."""
    length, ended = ucdp_war_lengths()
    times = np.unique(length[ended])
    factors = [1.0 - np.sum((length == t) & ended) / np.sum(length >= t) for t in times]
    cumulative = np.concatenate([[1.0], np.cumprod(factors)])
    return cumulative[np.searchsorted(times, np.asarray(months, dtype=float), side="right")]


def ucdp_war_survival_after(
    fought: float, at: float, level: float = 0.9
) -> tuple[float, float | None, float | None]:
    """Of the UCDP/PRIO war-intensity episodes still fought after ``fought`` months (every
    episode for ``fought`` 0), the share still fought after ``at`` months: the Kaplan-Meier
    estimate S(at) / S(fought) from the episodes at risk after ``fought``, with its ``level``
    interval, Greenwood's variance on the log(-log) scale (the usual "log-log" interval,
    e.g. Kalbfleisch & Prentice 2002), which stays inside (0, 1). The interval is
    (None, None) when no episode is at risk (the share then NaN) or the share is 0 or 1
    (the transformation is not defined there)."""
    from scipy.special import ndtri

    length, ended = ucdp_war_lengths()
    # a war that starts (``fought`` 0) is set against every episode, those of a day included
    after = length > fought if fought > 0 else np.ones(length.size, dtype=bool)
    share, greenwood = 1.0, 0.0
    for t in np.unique(length[ended & after & (length <= at)]):
        at_risk = float(np.sum(length >= t))
        died = float(np.sum((length == t) & ended))
        share *= 1.0 - died / at_risk
        if died < at_risk:
            greenwood += died / (at_risk * (at_risk - died))
    if not np.any(after) or share <= 0.0 or share >= 1.0:
        return float(share if np.any(after) else np.nan), None, None
    z = float(ndtri(0.5 + level / 2.0))
    centre = np.log(-np.log(share))
    spread = z * np.sqrt(greenwood) / abs(np.log(share))
    lo, hi = np.exp(-np.exp(centre + spread)), np.exp(-np.exp(centre - spread))
    return float(share), float(lo), float(hi)
