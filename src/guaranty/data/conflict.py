"""Conflict tables: who is challenged despite an ally, and who joins a dispute on the target's side.

Two derived tables, built by ``scripts/rebuild_conflict_data.py`` from published data
(``SOURCES.md`` documents every rule and count):

- ``challenge_dyads.csv.gz``: politically relevant directed dyad-years 1816-2010 (potential
  challenger ``ccode1``, potential target ``ccode2``) with whether the first originated a
  militarized dispute against the second, and the covariates of a deterrence model (the
  target's defense pacts with third states among them). Read with :func:`challenge_dyads`.
- ``joiner_cases.csv.gz``: for every target of a militarized dispute 1816-2010, the states
  that could have joined it and whether they did. Read with :func:`joiner_cases`.

Four small lookup tables (COW direct contiguity, Thompson & Dreyer rivalries, the COW
major-power list, ATOP 5.1 directed dyad-years 1815-2018) together with the COW CINC table let
:func:`dyad_covariates` and :func:`joiner_covariates` give the same covariates for a new case,
such as a 2022 scenario, without the raw data. Both tables and both functions compute their
covariates with the same code (:class:`ConflictSources`), so a row of a table and a look-up
for the same states and year agree.

Tables are read lazily, once per process, on first use: importing this module reads nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from guaranty.data.conflict_sources import (
    ATOP_FLAGS,
    DYAD_COVARIATES,
    JOINER_COVARIATES,
    NUCLEAR_POWERS,
    PACT_COVARIATES,
    PAIR_COVARIATES,
    AtopTable,
    ConflictSources,
    joiner_pair_covariates,
    nuclear,
    pair_covariates,
)
from guaranty.data.tables import check_fields, check_header, read_only
from guaranty.errors import DataError

__all__ = [
    "ATOP_FLAGS",
    "CHALLENGE_COLUMNS",
    "CHALLENGE_LAST_YEAR",
    "DYAD_COVARIATES",
    "JOINER_COLUMNS",
    "JOINER_COVARIATES",
    "NUCLEAR_POWERS",
    "SELECTION_COVARIATES",
    "ConflictSources",
    "challenge_dyads",
    "covers",
    "defense_promisers",
    "dyad_covariates",
    "joiner_cases",
    "joiner_covariates",
    "joint_provisions",
    "major_power",
    "nuclear",
    "peace_since",
]

#: ``t_def``: a third state (not the challenger) promised to defend the target (ATOP 5.1 defense
#: flag of (third state, target)); ``t_def_major``, ``t_def_nuclear``, ``t_def_cinc``: over
#: those states.
_TARGET_DEFENDERS = ("t_def", "t_def_major", "t_def_nuclear", "t_def_cinc")

#: ``t_nondef``: a third state promised the target only a non-defense obligation and none
#: promised to defend it; ``c_def``: a third state promised to defend the challenger.
#: ``t_def_rel`` (last, so that earlier columns keep their positions): the target has an ATOP
#: v4 defense commitment relevant to this challenger (Leeds 2003) — an alliance with a third
#: member, without the challenger, and not limited to named threats that leave it out.
_SELECTION_TAIL = ("t_nondef", "c_def", "t_def_rel")

#: The challenge-stage covariates repeated in the joiner table with the prefix ``s1_``: those
#: of the pair (:data:`~guaranty.data.conflict_sources.PAIR_COVARIATES`), the years at peace,
#: the pact flags between the two, and the promises of third states (above).
SELECTION_COVARIATES: tuple[str, ...] = (
    *PAIR_COVARIATES,
    "peace_years",
    *PACT_COVARIATES,
    *_TARGET_DEFENDERS,
    *_SELECTION_TAIL,
)

#: The columns of ``challenge_dyads.csv.gz``, in file order: the dyad-year, its outcomes, and
#: the selection covariates with the ATOP v4 provisions of the target's defenders.
CHALLENGE_COLUMNS: tuple[str, ...] = (
    "year",
    "ccode1",
    "ccode2",
    "challenge",
    "attack",
    "war",
    "ongoing",
    *PAIR_COVARIATES,
    "peace_years",
    *PACT_COVARIATES,
    *_TARGET_DEFENDERS,
    "t_def_base",
    "t_def_intcom",
    "t_def_organ",
    "t_def_milaid",
    *_SELECTION_TAIL,
)

#: The columns of ``joiner_cases.csv.gz``, in file order.
JOINER_COLUMNS: tuple[str, ...] = (
    "dispnum",
    "year",
    "target",
    "challenger",
    "n_challengers",
    "n_targets",
    "joiner",
    "relevant",
    "joined",
    "joined_force",
    "joined_other",
    "join_lag_days",
    *ATOP_FLAGS,
    "base",
    "intcom",
    "milaid",
    "organ",
    "formal",
    "multilateral",
    "atopid",
    *JOINER_COVARIATES[len(ATOP_FLAGS) :],
    *(f"s1_{name}" for name in SELECTION_COVARIATES),
)

_CHALLENGE_FILE = "challenge_dyads.csv.gz"
_JOINER_FILE = "joiner_cases.csv.gz"
_CONTIGUITY_FILE = "cow_contiguity.csv"
_RIVALRY_FILE = "td_rivalries.csv"
_MAJOR_FILE = "cow_major_powers.csv"
_ATOP_FILE = "atop_dyads.npz"
_PROVISIONS_FILE = "atop4_provisions.csv"
_CINC_FILE = "cow_nmc_cinc.csv"

#: Header of each shipped lookup table.
CONTIGUITY_HEADER = ("ccode1", "ccode2", "conttype", "styear", "endyear")
RIVALRY_HEADER = ("ccode1", "ccode2", "styear", "endyear", "type1", "type2", "type3")
MAJOR_HEADER = ("ccode", "styear", "endyear")
ATOP_HEADER = ("ccode1", "ccode2", "year", *(f"atop_{k}" for k in ATOP_FLAGS))
#: the provisions a pact's row carries in both fits (stage 2: of the pact joining the joiner
#: and the target; stage 1: of the target's defense pacts with third states), from ATOP v4
PROVISIONS = ("base", "intcom", "milaid", "organ", "multilateral")
PROVISIONS_HEADER = (
    "atopid",
    "member",
    "yrent",
    "yrexit",
    "limited",
    "threat1",
    "threat2",
    "defense",
    *PROVISIONS,
)

_REBUILD = "rebuild it with scripts/rebuild_conflict_data.py"


# --- the two derived tables ------------------------------------------------------------------


def _read_gz_table(name: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read a shipped gzip CSV of numbers (blank = NaN) into read-only float64 columns."""
    ref = resources.files(__package__).joinpath(name)
    try:
        with ref.open("rb") as fh:
            text = gzip.decompress(fh.read()).decode("utf-8")
    except FileNotFoundError:
        raise DataError(f"the shipped table is missing; {_REBUILD}", file=name) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the gzip CSV ({exc}); {_REBUILD}", file=name) from None
    head, _, body = text.partition("\n")
    header = tuple(head.split(","))
    check_header(header, columns, name, _REBUILD)
    if not body.strip():
        raise DataError("the table has no rows", file=name)
    # Blank fields become "nan" (the first column is never blank), then numpy parses the body.
    body = body.replace(",,", ",nan,").replace(",,", ",nan,").replace(",\n", ",nan\n")
    if body.endswith(","):
        body += "nan"
    try:
        table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        _locate_error(body, columns, name)
        raise DataError(f"malformed table ({exc})", file=name) from None
    if table.shape[1] != len(columns):
        raise DataError(f"expected {len(columns)} fields; got {table.shape[1]}", file=name)
    out: dict[str, np.ndarray] = {}
    for j, col in enumerate(columns):
        out[col] = read_only(np.ascontiguousarray(table[:, j]))
    return out


def _locate_error(body: str, columns: tuple[str, ...], name: str) -> None:
    """Raise a ``DataError`` naming the first malformed line and field of ``body``."""
    for lineno, row in enumerate(csv.reader(io.StringIO(body)), start=2):
        check_fields(row, len(columns), name, lineno)
        for col, text in zip(columns, row, strict=True):
            try:
                float(text)
            except ValueError:
                raise DataError(
                    f"must be a number; got {text!r}", file=name, line=lineno, field=col
                ) from None


#: The columns of each derived table, by file name.
_TABLE_COLUMNS = {_CHALLENGE_FILE: CHALLENGE_COLUMNS, _JOINER_FILE: JOINER_COLUMNS}


@cache
def _shipped_table(name: str) -> dict[str, np.ndarray]:
    """The derived table in file ``name``, read once per process."""
    return _read_gz_table(name, _TABLE_COLUMNS[name])


def challenge_dyads() -> dict[str, np.ndarray]:
    """The directed dyad-year table: column name -> float64 array (NaN where blank).

    One row per politically relevant directed dyad-year 1816-2010 (see ``SOURCES.md``), in
    the columns :data:`CHALLENGE_COLUMNS`. The arrays are read-only and shared across calls
    (the table is read once per process); the dict itself is a fresh copy.
    """
    return dict(_shipped_table(_CHALLENGE_FILE))


def joiner_cases() -> dict[str, np.ndarray]:
    """The potential-joiner table: column name -> float64 array (NaN where blank).

    One row per (dispute, target, potential joiner), in the columns :data:`JOINER_COLUMNS`
    (see ``SOURCES.md``). The arrays are read-only and shared across calls; the dict itself
    is a fresh copy.
    """
    return dict(_shipped_table(_JOINER_FILE))


# --- covariates of new cases -----------------------------------------------------------------


def _open_text(name: str) -> io.TextIOBase:
    ref = resources.files(__package__).joinpath(name)
    try:
        if name.endswith(".gz"):
            with ref.open("rb") as fh:
                return io.StringIO(gzip.decompress(fh.read()).decode("utf-8"))
        with ref.open("r", encoding="utf-8", newline="") as fh:
            return io.StringIO(fh.read())
    except FileNotFoundError:
        raise DataError(f"the shipped lookup table is missing; {_REBUILD}", file=name) from None


def _read_lookup(name: str, header: tuple[str, ...], ints: int) -> list[list[int]]:
    """The rows of a shipped lookup table, the first ``ints`` columns as integers."""
    reader = csv.reader(_open_text(name))
    check_header(tuple(next(reader, ())), header, name, _REBUILD)
    rows = []
    for lineno, row in enumerate(reader, start=2):
        check_fields(row, len(header), name, lineno)
        try:
            rows.append([int(v) for v in row[:ints]])
        except ValueError:
            raise DataError(
                f"expected integers in {', '.join(header[:ints])}", file=name, line=lineno
            ) from None
    if not rows:
        raise DataError("the lookup table has no rows", file=name)
    return rows


def _read_atop() -> AtopTable:
    """The shipped ATOP 5.1 directed dyad-years: (ccode1, ccode2, year, the five flags), from
    a numpy archive (``columns``: the header; ``rows``: 16-bit integers, one row per
    dyad-year). As a gzipped CSV its 273,296 rows took about 0.1 s to read and parse in every
    process that assesses a case (each worker of a run among them); the archive 0.01-0.03 s."""
    ref = resources.files(__package__).joinpath(_ATOP_FILE)
    try:
        with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as archive:
            columns = [str(c) for c in archive["columns"]]
            table = np.asarray(archive["rows"])
    except FileNotFoundError:
        raise DataError(
            f"the shipped lookup table is missing; {_REBUILD}", file=_ATOP_FILE
        ) from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            f"expected a numpy archive with the members 'columns' and 'rows' ({exc}); {_REBUILD}",
            file=_ATOP_FILE,
        ) from None
    check_header(columns, ATOP_HEADER, _ATOP_FILE, _REBUILD)
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] != len(ATOP_HEADER):
        raise DataError(f"expected rows of {len(ATOP_HEADER)} integers", file=_ATOP_FILE)
    if table.dtype.kind not in "iu":
        raise DataError(f"expected integers, got {table.dtype}", file=_ATOP_FILE)
    return AtopTable(table)


@cache
def _shipped_sources() -> ConflictSources:
    from guaranty.data import cinc_table

    contiguity = _read_lookup(_CONTIGUITY_FILE, CONTIGUITY_HEADER, 5)
    rivalries = _read_lookup(_RIVALRY_FILE, RIVALRY_HEADER, 4)
    majors = _read_lookup(_MAJOR_FILE, MAJOR_HEADER, 3)
    return ConflictSources.from_rows(
        cinc=cinc_table(),
        contiguity=[(a, b, k, y0, y1) for a, b, k, y0, y1 in contiguity],
        rivalries=[(a, b, y0, y1) for a, b, y0, y1 in rivalries],
        majors=[(c, y0, y1) for c, y0, y1 in majors],
        atop=_read_atop(),
    )


def _data_years(src: ConflictSources, year: int) -> dict[str, int]:
    """Each source read at the latest year it covers that is <= ``year``; nuclear at ``year``."""
    files = {
        "cinc": _CINC_FILE,
        "contiguity": _CONTIGUITY_FILE,
        "rivalry": _RIVALRY_FILE,
        "major": _MAJOR_FILE,
        "atop": _ATOP_FILE,
    }
    years: dict[str, int] = {}
    for key, (first, last) in src.coverage.items():
        if year < first:
            raise DataError(
                f"no data for {year}: the shipped table covers {first}-{last}", file=files[key]
            )
        years[key] = min(year, last)
    years["nuclear"] = year
    return years


def _check_codes(*codes: int) -> None:
    if len(set(codes)) != len(codes):
        raise DataError(f"the states of a case must differ; got {', '.join(map(str, codes))}")


def major_power(ccode: int, year: int) -> bool:
    """Whether ``ccode`` is a COW major power in ``year`` (the shipped list, to 2016: read
    at the latest year it covers that is <= ``year``, as the covariates are)."""
    src = _shipped_sources()
    return src.major(ccode, _data_years(src, year)["major"])


def defense_promisers() -> Mapping[tuple[int, int], frozenset[int]]:
    """(ccode, year) -> the states that promised to defend ``ccode`` in ``year`` (ATOP 5.1
    defense flag of (state, ccode)), from the shipped ATOP dyad-years: the promises behind
    ``t_def`` (a third state's, when the challenger is left out)."""
    return _shipped_sources().defenders


def dyad_covariates(
    challenger: int, target: int, year: int
) -> tuple[dict[str, float], dict[str, int]]:
    """The challenge-stage covariates of the directed dyad (challenger, target) in ``year``.

    Returns ``(covariates, data_years)``: the covariates :data:`DYAD_COVARIATES` as in
    ``challenge_dyads.csv.gz`` (flags 0.0/1.0, CINC NaN for a state without an NMC row), and
    the year at which each source was read (``cinc``, ``contiguity``, ``rivalry``, ``major``,
    ``atop``, ``nuclear``): the latest year the shipped table covers that is <= ``year``
    (CINC to 2022, contiguity and major powers to 2016, rivalries to 2010 — a rivalry in force
    at the end of its data counts as still in force —, ATOP to 2018). ``shared_pact`` and
    ``shared_defense`` read the ATOP 5.1 flags in both directions, ``c_def`` the promises of
    third states to defend the challenger (see :func:`pair_covariates`). The outcome columns,
    ``peace_years`` and the target's third-party pacts (``t_def*``, ``t_nondef``) are left to
    the caller. Raises ``DataError`` for a year before a source begins.
    """
    _check_codes(challenger, target)
    src = _shipped_sources()
    years = _data_years(src, year)
    return pair_covariates(src, challenger, target, year, years), years


#: the last year of ``challenge_dyads.csv.gz`` (the GML MID data end in 2010)
CHALLENGE_LAST_YEAR = 2010


@cache
def peace_since(a: int, b: int, year: int) -> tuple[int, int] | None:
    """The year the current peace between states ``a`` and ``b`` began as
    ``challenge_dyads.csv.gz`` counts it, read at ``min(year, 2010)``: that year itself if a
    militarized dispute between them (either direction) began or went on in it, else the
    last year before it with one (or, with none since 1816, the later state's first year in
    the system; ``SOURCES.md``, ``peace_years``). Returns ``(since, read_at)``, or None when
    the table does not hold the pair in that year (not politically relevant then). A dispute
    after 2010 is not in the table."""
    _check_codes(a, b)
    read_at = min(year, CHALLENGE_LAST_YEAR)
    t = _shipped_table(_CHALLENGE_FILE)
    at = np.flatnonzero(
        (t["year"] == read_at)
        & (((t["ccode1"] == a) & (t["ccode2"] == b)) | ((t["ccode1"] == b) & (t["ccode2"] == a)))
    )
    if at.size == 0:
        return None
    if np.nansum(t["challenge"][at]) > 0 or np.nansum(t["ongoing"][at]) > 0:
        return read_at, read_at
    return int(read_at - np.nanmin(t["peace_years"][at])), read_at


class _Membership(NamedTuple):
    """One ATOP v4 membership row of the shipped ``atop4_provisions.csv``."""

    atopid: int
    entered: int
    left: int  # 9999: in force when the data end
    limited: bool  # obligations limited to the named threats
    named: frozenset[int]
    defense: bool  # the alliance's
    flags: tuple[int, ...]  # the PROVISIONS, 0/1


@cache
def _provision_table() -> dict[int, list[_Membership]]:
    """The shipped ATOP v4 membership rows by member."""
    reader = csv.reader(_open_text(_PROVISIONS_FILE))
    check_header(tuple(next(reader, ())), PROVISIONS_HEADER, _PROVISIONS_FILE, _REBUILD)
    out: dict[int, list[_Membership]] = {}
    for lineno, row in enumerate(reader, start=2):
        check_fields(row, len(PROVISIONS_HEADER), _PROVISIONS_FILE, lineno)
        try:
            atopid, member, y0, y1, limited, t1, t2, defense, *flags = (int(v) for v in row)
        except ValueError:
            raise DataError("expected integers", file=_PROVISIONS_FILE, line=lineno) from None
        named = frozenset(c for c in (t1, t2) if c)
        out.setdefault(member, []).append(
            _Membership(atopid, y0, y1, limited == 1, named, defense == 1, tuple(flags))
        )
    if not out:
        raise DataError("the lookup table has no rows", file=_PROVISIONS_FILE)
    return out


def _in_force(code: int, year: int) -> list[_Membership]:
    return [m for m in _provision_table().get(code, ()) if m.entered <= year <= m.left]


def joint_provisions(a: int, b: int, year: int, *, defense_only: bool = False) -> dict[str, float]:
    """The ATOP v4 provisions (:data:`PROVISIONS`, 0.0 or 1.0) over the alliances with both
    states ``a`` and ``b`` members in ``year`` (read at the latest year the shipped ATOP
    dyad-years cover, as their flags are), each the largest over those alliances, as the two
    fits code a pact's provisions: stage 2 over every such alliance (the pact joining the
    joiner and the target), stage 1 over those with a defense obligation
    (``defense_only``; the target's defense pacts with third states). All 0.0 without such an
    alliance (ATOP v4 ends in 2016: a pact made since has its 5.1 flags but no provisions,
    which both fits count as 0)."""
    _check_codes(a, b)
    at = _data_years(_shipped_sources(), year)["atop"]
    shared = {m.atopid for m in _in_force(a, at) if m.defense or not defense_only}
    out = dict.fromkeys(PROVISIONS, 0.0)
    for m in _in_force(b, at):
        if m.atopid in shared:
            for k, v in zip(PROVISIONS, m.flags, strict=True):
                out[k] = max(out[k], float(v))
    return out


def covers(defender: int, target: int, challenger: int, year: int) -> bool:
    """Whether an ATOP v4 defense alliance in force in ``year`` (read as
    :func:`joint_provisions` reads it) joins ``defender`` and ``target`` and covers
    ``challenger`` as stage 1's ``t_def_rel`` codes it (Leeds 2003): the challenger is not a
    member, and some membership row of the target in force is not limited to named threats,
    or names the challenger."""
    _check_codes(defender, target, challenger)
    at = _data_years(_shipped_sources(), year)["atop"]
    ours = {m.atopid for m in _in_force(defender, at) if m.defense}
    theirs = {m.atopid for m in _in_force(challenger, at)}
    return any(
        m.atopid in ours and m.atopid not in theirs and (not m.limited or challenger in m.named)
        for m in _in_force(target, at)
    )


def joiner_covariates(
    joiner: int, target: int, challenger: int, year: int
) -> tuple[dict[str, float], dict[str, int]]:
    """The covariates of a potential joiner on the target's side, as in ``joiner_cases.csv.gz``.

    Returns ``(covariates, data_years)``: :data:`JOINER_COVARIATES` — the joiner's ATOP
    obligations to the target (flags of (joiner, target)), major-power and nuclear status of
    the three states, direct contiguity of each pair, their CINC, rivalries joiner-challenger
    and joiner-target, and the joiner-challenger pact flags (either direction) — read with the
    same year rule as :func:`dyad_covariates`. The ATOP v4 provisions and the ``s1_`` selection
    covariates are not included.
    """
    _check_codes(joiner, target, challenger)
    src = _shipped_sources()
    years = _data_years(src, year)
    return joiner_pair_covariates(src, joiner, target, challenger, year, years), years
