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
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from guaranty.errors import DataError

__all__ = [
    "ATOP_FLAGS",
    "CHALLENGE_COLUMNS",
    "DYAD_COVARIATES",
    "JOINER_COLUMNS",
    "JOINER_COVARIATES",
    "NUCLEAR_POWERS",
    "SELECTION_COVARIATES",
    "ConflictSources",
    "challenge_dyads",
    "dyad_covariates",
    "joiner_cases",
    "joiner_covariates",
    "nuclear",
]

# Nuclear-armed states: COW country code -> first year counted as nuclear-armed. A judgement
# from common knowledge (SIPRI Yearbook, "World nuclear forces"; first test or, for Israel,
# the commonly cited date of a first deliverable weapon); see SOURCES.md.
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

#: The five ATOP obligation types, in the order of the ATOP 5.1 dyad-year flags.
ATOP_FLAGS: tuple[str, ...] = ("defense", "offense", "neutral", "nonagg", "consul")

#: The covariates of a directed dyad (challenger, target) that :func:`dyad_covariates` returns.
#: ``shared_pact`` / ``shared_defense``: an ATOP 5.1 obligation / defense obligation between the
#: two in either direction; ``c_def``: a third state promised to defend the challenger.
DYAD_COVARIATES: tuple[str, ...] = (
    "contig_land",
    "contig_sea",
    "major1",
    "major2",
    "nuclear1",
    "nuclear2",
    "cinc1",
    "cinc2",
    "rivalry",
    "shared_pact",
    "shared_defense",
    "c_def",
)

#: The covariates of a potential joiner that :func:`joiner_covariates` returns.
JOINER_COVARIATES: tuple[str, ...] = (
    *ATOP_FLAGS,
    "joiner_major",
    "joiner_nuclear",
    "challenger_major",
    "challenger_nuclear",
    "target_major",
    "target_nuclear",
    "contig_jt",
    "contig_jc",
    "contig_tc",
    "cinc_joiner",
    "cinc_target",
    "cinc_challenger",
    "rival_jc",
    "rival_jt",
    "jc_pact",
    "jc_defense",
)

#: The challenge-stage covariates repeated in the joiner table with the prefix ``s1_``.
#: ``t_def``: a third state (not the challenger) promised to defend the target (ATOP 5.1 defense
#: flag of (third state, target)); ``t_def_major``, ``t_def_nuclear``, ``t_def_cinc``: over
#: those states; ``t_nondef``: a third state promised the target only a non-defense obligation
#: and none promised to defend it; ``c_def``: a third state promised to defend the challenger.
#: ``t_def_rel`` (last, so that earlier columns keep their positions): the target has an ATOP
#: v4 defense commitment relevant to this challenger (Leeds 2003) — an alliance with a third
#: member, without the challenger, and not limited to named threats that leave it out.
SELECTION_COVARIATES: tuple[str, ...] = (
    "contig_land",
    "contig_sea",
    "major1",
    "major2",
    "nuclear1",
    "nuclear2",
    "cinc1",
    "cinc2",
    "rivalry",
    "peace_years",
    "shared_pact",
    "shared_defense",
    "t_def",
    "t_def_major",
    "t_def_nuclear",
    "t_def_cinc",
    "t_nondef",
    "c_def",
    "t_def_rel",
)

#: The columns of ``challenge_dyads.csv.gz``, in file order.
CHALLENGE_COLUMNS: tuple[str, ...] = (
    "year",
    "ccode1",
    "ccode2",
    "challenge",
    "attack",
    "war",
    "ongoing",
    "contig_land",
    "contig_sea",
    "major1",
    "major2",
    "nuclear1",
    "nuclear2",
    "cinc1",
    "cinc2",
    "rivalry",
    "peace_years",
    "shared_pact",
    "shared_defense",
    "t_def",
    "t_def_major",
    "t_def_nuclear",
    "t_def_cinc",
    "t_def_base",
    "t_def_intcom",
    "t_def_organ",
    "t_def_milaid",
    "t_nondef",
    "c_def",
    "t_def_rel",
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
_ATOP_FILE = "atop_dyads.csv.gz"
_CINC_FILE = "cow_nmc_cinc.csv"

#: Header of each shipped lookup table.
CONTIGUITY_HEADER = ("ccode1", "ccode2", "conttype", "styear", "endyear")
RIVALRY_HEADER = ("ccode1", "ccode2", "styear", "endyear", "type1", "type2", "type3")
MAJOR_HEADER = ("ccode", "styear", "endyear")
ATOP_HEADER = ("ccode1", "ccode2", "year", *(f"atop_{k}" for k in ATOP_FLAGS))

_NO_FLAGS = (0, 0, 0, 0, 0)
_REBUILD = "rebuild it with scripts/rebuild_conflict_data.py"


def nuclear(ccode: int, year: int) -> bool:
    """Whether COW country ``ccode`` is nuclear-armed in ``year`` (see :data:`NUCLEAR_POWERS`)."""
    first = NUCLEAR_POWERS.get(ccode)
    return first is not None and first <= year


@dataclass(frozen=True)
class ConflictSources:
    """The look-ups behind the covariates of both conflict tables.

    ``contiguity`` maps an ordered pair (both orders are stored) to its COW direct-contiguity
    spells ``(conttype, first year, last year)`` with conttype 1-5; ``rivalries`` maps a pair
    ``(smaller ccode, larger ccode)`` to its Thompson & Dreyer rivalry spells; ``majors`` maps a
    ccode to its COW major-power spells; ``atop`` maps a directed dyad-year ``(ccode1, ccode2,
    year)`` to its five ATOP 5.1 flags (:data:`ATOP_FLAGS` order); ``cinc`` maps ``(ccode,
    year)`` to the COW CINC score; ``defenders`` maps ``(ccode, year)`` to the states that
    promised to defend ``ccode`` that year (ATOP 5.1 defense flag of ``(state, ccode)``), and
    ``nondefense_promisers`` to the states that promised it an offense, neutrality,
    non-aggression or consultation obligation; ``coverage`` gives each source's first and last
    year.

    The ATOP 5.1 flags are one-way: the flags of the directed dyad ``(a, b)`` are the
    obligations ``a`` took on towards ``b`` (in 1970 the defense flag of (2, 740) is 1 — the
    United States promised to defend Japan — and that of (740, 2) is 0). :meth:`flags` reads
    one direction, :meth:`either_flags` both.
    The rebuild script fills it from the published files and :func:`dyad_covariates` from the
    shipped tables, so both read the data through the same methods.
    """

    cinc: Mapping[tuple[int, int], float]
    contiguity: Mapping[tuple[int, int], tuple[tuple[int, int, int], ...]]
    rivalries: Mapping[tuple[int, int], tuple[tuple[int, int], ...]]
    majors: Mapping[int, tuple[tuple[int, int], ...]]
    atop: Mapping[tuple[int, int, int], tuple[int, int, int, int, int]]
    defenders: Mapping[tuple[int, int], frozenset[int]]
    nondefense_promisers: Mapping[tuple[int, int], frozenset[int]]
    coverage: Mapping[str, tuple[int, int]]

    @classmethod
    def from_rows(
        cls,
        *,
        cinc: Mapping[tuple[int, int], float],
        contiguity: Iterable[tuple[int, int, int, int, int]],
        rivalries: Iterable[tuple[int, int, int, int]],
        majors: Iterable[tuple[int, int, int]],
        atop: Iterable[tuple[int, int, int, tuple[int, int, int, int, int]]],
    ) -> ConflictSources:
        """Index the rows of the five sources.

        ``contiguity``: ``(ccode1, ccode2, conttype, styear, endyear)`` with conttype 1-5;
        ``rivalries``: ``(ccode1, ccode2, styear, endyear)``; ``majors``: ``(ccode, styear,
        endyear)``; ``atop``: ``(ccode1, ccode2, year, flags)``, the flags being ccode1's
        obligations to ccode2 (directed: both orders, each row one direction).
        """
        cont: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        cont_years: list[int] = []
        for a, b, kind, y0, y1 in contiguity:
            cont.setdefault((a, b), []).append((kind, y0, y1))
            cont_years += (y0, y1)
        riv: dict[tuple[int, int], list[tuple[int, int]]] = {}
        riv_years: list[int] = []
        for a, b, y0, y1 in rivalries:
            riv.setdefault((min(a, b), max(a, b)), []).append((y0, y1))
            riv_years += (y0, y1)
        maj: dict[int, list[tuple[int, int]]] = {}
        maj_years: list[int] = []
        for c, y0, y1 in majors:
            maj.setdefault(c, []).append((y0, y1))
            maj_years += (y0, y1)
        flags: dict[tuple[int, int, int], tuple[int, int, int, int, int]] = {}
        defenders: dict[tuple[int, int], set[int]] = {}
        promisers: dict[tuple[int, int], set[int]] = {}
        for a, b, year, f in atop:
            flags[a, b, year] = f
            # The flags of (a, b) are a's promises to b: a defends b, or promised b something else.
            if f[0]:
                defenders.setdefault((b, year), set()).add(a)
            if any(f[1:]):
                promisers.setdefault((b, year), set()).add(a)
        atop_years = [y for _, _, y in flags]
        cinc_years = [y for _, y in cinc]
        if not (cont_years and riv_years and maj_years and atop_years and cinc_years):
            raise DataError("a conflict source table has no rows")
        return cls(
            cinc=cinc,
            contiguity={k: tuple(v) for k, v in cont.items()},
            rivalries={k: tuple(v) for k, v in riv.items()},
            majors={k: tuple(v) for k, v in maj.items()},
            atop=flags,
            defenders={k: frozenset(v) for k, v in defenders.items()},
            nondefense_promisers={k: frozenset(v) for k, v in promisers.items()},
            coverage={
                "cinc": (min(cinc_years), max(cinc_years)),
                "contiguity": (min(cont_years), max(cont_years)),
                "rivalry": (min(riv_years), max(riv_years)),
                "major": (min(maj_years), max(maj_years)),
                "atop": (min(atop_years), max(atop_years)),
            },
        )

    def contiguity_type(self, a: int, b: int, year: int) -> int:
        """The closest COW direct contiguity of ``a`` and ``b`` in ``year`` (1 land .. 5), or 0.

        A spell counts in every calendar year it touches (``styear <= year <= endyear``).
        """
        kinds = [k for k, y0, y1 in self.contiguity.get((a, b), ()) if y0 <= year <= y1]
        return min(kinds) if kinds else 0

    def contiguous(self, a: int, b: int, year: int) -> bool:
        """Directly contiguous (by land or across at most 400 miles of water) in ``year``."""
        return self.contiguity_type(a, b, year) > 0

    def major(self, ccode: int, year: int) -> bool:
        """Whether ``ccode`` is a COW major power in ``year``."""
        return any(y0 <= year <= y1 for y0, y1 in self.majors.get(ccode, ()))

    def rivalry(self, a: int, b: int, year: int) -> bool:
        """Whether a Thompson & Dreyer strategic rivalry between ``a`` and ``b`` is in force."""
        spells = self.rivalries.get((min(a, b), max(a, b)), ())
        return any(y0 <= year <= y1 for y0, y1 in spells)

    def flags(self, a: int, b: int, year: int) -> tuple[int, int, int, int, int]:
        """The five ATOP 5.1 obligations ``a`` took on towards ``b`` in ``year`` (one way: ``a``
        promised ``b``; zeros if none)."""
        return self.atop.get((a, b, year), _NO_FLAGS)

    def either_flags(self, a: int, b: int, year: int) -> tuple[int, int, int, int, int]:
        """The five ATOP 5.1 obligation flags between ``a`` and ``b`` in ``year`` in either
        direction: 1 if ``a`` promised ``b`` or ``b`` promised ``a`` that obligation."""
        ab, ba = self.flags(a, b, year), self.flags(b, a, year)
        return (
            max(ab[0], ba[0]),
            max(ab[1], ba[1]),
            max(ab[2], ba[2]),
            max(ab[3], ba[3]),
            max(ab[4], ba[4]),
        )

    def cinc_of(self, ccode: int, year: int) -> float:
        """CINC of ``ccode`` in ``year``; NaN when the state has no NMC row that year."""
        return self.cinc.get((ccode, year), math.nan)

    def third_defenders(self, ccode: int, year: int, exclude: Iterable[int]) -> frozenset[int]:
        """States other than ``exclude`` (and ``ccode``) that promised to defend ``ccode`` in
        ``year``: ATOP 5.1 defense flag of (state, ``ccode``) is 1."""
        defenders = self.defenders.get((ccode, year), frozenset())
        return defenders.difference(exclude, (ccode,))

    def third_nondefense(self, ccode: int, year: int, exclude: Iterable[int]) -> frozenset[int]:
        """States other than ``exclude`` (and ``ccode``) that promised ``ccode`` an offense,
        neutrality, non-aggression or consultation obligation in ``year`` (flag of (state,
        ``ccode``))."""
        promisers = self.nondefense_promisers.get((ccode, year), frozenset())
        return promisers.difference(exclude, (ccode,))


def pair_covariates(
    src: ConflictSources, challenger: int, target: int, year: int, years: Mapping[str, int]
) -> dict[str, float]:
    """The covariates :data:`DYAD_COVARIATES` of the directed dyad (challenger, target).

    ``years`` gives the year at which each source is read (keys ``cinc``, ``contiguity``,
    ``rivalry``, ``major``, ``atop``); nuclear status is read at ``year``. Flags are 0.0/1.0,
    CINC is NaN for a state without an NMC row. ``shared_pact`` / ``shared_defense``: an ATOP
    5.1 obligation / a defense obligation between the two in either direction (the challenger
    promised the target, or the target the challenger); ``c_def``: a third state (not the
    target) promised to defend the challenger (defense flag of (third state, challenger)).
    """
    kind = src.contiguity_type(challenger, target, years["contiguity"])
    flags = src.either_flags(challenger, target, years["atop"])
    return {
        "contig_land": float(kind == 1),
        "contig_sea": float(2 <= kind <= 5),
        "major1": float(src.major(challenger, years["major"])),
        "major2": float(src.major(target, years["major"])),
        "nuclear1": float(nuclear(challenger, year)),
        "nuclear2": float(nuclear(target, year)),
        "cinc1": src.cinc_of(challenger, years["cinc"]),
        "cinc2": src.cinc_of(target, years["cinc"]),
        "rivalry": float(src.rivalry(challenger, target, years["rivalry"])),
        "shared_pact": float(any(flags)),
        "shared_defense": float(flags[0]),
        "c_def": float(bool(src.third_defenders(challenger, years["atop"], (target,)))),
    }


def joiner_pair_covariates(
    src: ConflictSources,
    joiner: int,
    target: int,
    challenger: int,
    year: int,
    years: Mapping[str, int],
) -> dict[str, float]:
    """The covariates :data:`JOINER_COVARIATES` of a joiner; see :func:`pair_covariates`.

    ``defense`` … ``consul``: the joiner's obligations to the target (ATOP 5.1 flags of
    (joiner, target): the joiner promised the target); ``jc_pact`` / ``jc_defense``: an
    obligation / a defense obligation between the joiner and the challenger in either
    direction.
    """
    jt = src.flags(joiner, target, years["atop"])
    jc = src.either_flags(joiner, challenger, years["atop"])
    out = {name: float(flag) for name, flag in zip(ATOP_FLAGS, jt, strict=True)}
    for role, ccode in (("joiner", joiner), ("challenger", challenger), ("target", target)):
        out[f"{role}_major"] = float(src.major(ccode, years["major"]))
        out[f"{role}_nuclear"] = float(nuclear(ccode, year))
    cy = years["contiguity"]
    out["contig_jt"] = float(src.contiguous(joiner, target, cy))
    out["contig_jc"] = float(src.contiguous(joiner, challenger, cy))
    out["contig_tc"] = float(src.contiguous(target, challenger, cy))
    out["cinc_joiner"] = src.cinc_of(joiner, years["cinc"])
    out["cinc_target"] = src.cinc_of(target, years["cinc"])
    out["cinc_challenger"] = src.cinc_of(challenger, years["cinc"])
    out["rival_jc"] = float(src.rivalry(joiner, challenger, years["rivalry"]))
    out["rival_jt"] = float(src.rivalry(joiner, target, years["rivalry"]))
    out["jc_pact"] = float(any(jc))
    out["jc_defense"] = float(jc[0])
    return {name: out[name] for name in JOINER_COVARIATES}


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
    if header != columns:
        raise DataError(
            f"expected the columns {', '.join(columns)}; got {', '.join(header)} ({_REBUILD})",
            file=name,
            line=1,
        )
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
        arr = np.ascontiguousarray(table[:, j])
        arr.flags.writeable = False
        out[col] = arr
    return out


def _locate_error(body: str, columns: tuple[str, ...], name: str) -> None:
    """Raise a ``DataError`` naming the first malformed line and field of ``body``."""
    for lineno, row in enumerate(csv.reader(io.StringIO(body)), start=2):
        if len(row) != len(columns):
            raise DataError(
                f"expected {len(columns)} fields; got {len(row)}", file=name, line=lineno
            )
        for col, text in zip(columns, row, strict=True):
            try:
                float(text)
            except ValueError:
                raise DataError(
                    f"must be a number; got {text!r}", file=name, line=lineno, field=col
                ) from None


@cache
def _challenge_table() -> dict[str, np.ndarray]:
    return _read_gz_table(_CHALLENGE_FILE, CHALLENGE_COLUMNS)


@cache
def _joiner_table() -> dict[str, np.ndarray]:
    return _read_gz_table(_JOINER_FILE, JOINER_COLUMNS)


def challenge_dyads() -> dict[str, np.ndarray]:
    """The directed dyad-year table: column name -> float64 array (NaN where blank).

    One row per politically relevant directed dyad-year 1816-2010 (see ``SOURCES.md``), in
    the columns :data:`CHALLENGE_COLUMNS`. The arrays are read-only and shared across calls
    (the table is read once per process); the dict itself is a fresh copy.
    """
    return dict(_challenge_table())


def joiner_cases() -> dict[str, np.ndarray]:
    """The potential-joiner table: column name -> float64 array (NaN where blank).

    One row per (dispute, target, potential joiner), in the columns :data:`JOINER_COLUMNS`
    (see ``SOURCES.md``). The arrays are read-only and shared across calls; the dict itself
    is a fresh copy.
    """
    return dict(_joiner_table())


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
    got = tuple(next(reader, ()))
    if got != header:
        raise DataError(
            f"expected the columns {', '.join(header)}; got {', '.join(got)} ({_REBUILD})",
            file=name,
            line=1,
        )
    rows = []
    for lineno, row in enumerate(reader, start=2):
        if len(row) != len(header):
            raise DataError(
                f"expected {len(header)} fields; got {len(row)}", file=name, line=lineno
            )
        try:
            rows.append([int(v) for v in row[:ints]])
        except ValueError:
            raise DataError(
                f"expected integers in {', '.join(header[:ints])}", file=name, line=lineno
            ) from None
    if not rows:
        raise DataError("the lookup table has no rows", file=name)
    return rows


def _read_atop() -> list[tuple[int, int, int, tuple[int, int, int, int, int]]]:
    """The shipped ATOP 5.1 directed dyad-years: (ccode1, ccode2, year, the five flags)."""
    text = _open_text(_ATOP_FILE).read()
    head, _, body = text.partition("\n")
    if tuple(head.split(",")) != ATOP_HEADER:
        raise DataError(
            f"expected the columns {', '.join(ATOP_HEADER)}; got {head} ({_REBUILD})",
            file=_ATOP_FILE,
            line=1,
        )
    try:
        table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as exc:
        raise DataError(f"expected integers only ({exc})", file=_ATOP_FILE) from None
    if table.shape[0] == 0 or table.shape[1] != len(ATOP_HEADER):
        raise DataError(f"expected rows of {len(ATOP_HEADER)} integers", file=_ATOP_FILE)
    return [(a, b, y, (d, o, n, g, c)) for a, b, y, d, o, n, g, c in table.tolist()]


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
