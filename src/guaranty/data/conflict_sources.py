"""The covariates of a conflict case, computed from the look-up sources.

:class:`ConflictSources` indexes COW direct contiguity, Thompson & Dreyer rivalries, the COW
major-power list, ATOP 5.1 directed dyad-years and the COW CINC table;
:func:`pair_covariates` and :func:`joiner_pair_covariates` compute from it the covariates of
a directed dyad (challenger, target) and of a potential joiner on the target's side. The
rebuild script (``scripts/rebuild_conflict_data.py``) fills the sources from the published
files to build the shipped tables, and :mod:`guaranty.data.conflict` from the shipped lookup
tables to give the covariates of a new case, so a row of a table and a look-up for the same
states and year agree. Nuclear status is a judgement from common knowledge
(:data:`NUCLEAR_POWERS`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from guaranty.data import NUCLEAR_POWERS, nuclear
from guaranty.errors import DataError

__all__ = [
    "ATOP_FLAGS",
    "DYAD_COVARIATES",
    "JOINER_COVARIATES",
    "NUCLEAR_POWERS",
    "PACT_COVARIATES",
    "PAIR_COVARIATES",
    "AtopTable",
    "ConflictSources",
    "joiner_pair_covariates",
    "nuclear",
    "pair_covariates",
]

#: The five ATOP obligation types, in the order of the ATOP 5.1 dyad-year flags.
ATOP_FLAGS: tuple[str, ...] = ("defense", "offense", "neutral", "nonagg", "consul")

#: The covariates of a pair of states that open :data:`DYAD_COVARIATES` (and, for the
#: challenger and the target, the selection covariates of the conflict tables): direct
#: contiguity by land or by sea, major-power and nuclear status and CINC of each, a rivalry.
PAIR_COVARIATES: tuple[str, ...] = (
    "contig_land",
    "contig_sea",
    "major1",
    "major2",
    "nuclear1",
    "nuclear2",
    "cinc1",
    "cinc2",
    "rivalry",
)

#: ``shared_pact`` / ``shared_defense``: an ATOP 5.1 obligation / defense obligation between
#: the two states of a dyad in either direction.
PACT_COVARIATES: tuple[str, ...] = ("shared_pact", "shared_defense")

#: The covariates of a directed dyad (challenger, target) that
#: :func:`guaranty.data.conflict.dyad_covariates` returns; ``c_def``: a third state promised to
#: defend the challenger.
DYAD_COVARIATES: tuple[str, ...] = (*PAIR_COVARIATES, *PACT_COVARIATES, "c_def")

#: The covariates of a potential joiner that :func:`guaranty.data.conflict.joiner_covariates`
#: returns.
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

_NO_FLAGS = (0, 0, 0, 0, 0)


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
    The rebuild script fills it from the published files and
    :func:`guaranty.data.conflict.dyad_covariates` from the shipped tables, so both read the
    data through the same methods.
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
        atop: Iterable[tuple[int, int, int, tuple[int, int, int, int, int]]] | AtopTable,
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
        if isinstance(atop, AtopTable):  # indexed already, looked up on demand
            flags: Mapping[tuple[int, int, int], tuple[int, int, int, int, int]] = atop
            defenders: Mapping[tuple[int, int], frozenset[int]] = atop.promisers(defense=True)
            promisers: Mapping[tuple[int, int], frozenset[int]] = atop.promisers(defense=False)
            atop_years = list(atop.years())
        else:
            flags, defenders, promisers = _index_atop(atop)
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
            defenders=defenders,
            nondefense_promisers=promisers,
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


def _index_atop(
    atop: Iterable[tuple[int, int, int, tuple[int, int, int, int, int]]],
) -> tuple[
    dict[tuple[int, int, int], tuple[int, int, int, int, int]],
    dict[tuple[int, int], frozenset[int]],
    dict[tuple[int, int], frozenset[int]],
]:
    """The flags of each directed dyad-year, and each (state, year)'s defenders and other
    promisers, from the rows of ATOP 5.1."""
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
    return (
        flags,
        {k: frozenset(v) for k, v in defenders.items()},
        {k: frozenset(v) for k, v in promisers.items()},
    )


def _atop_key(a: np.ndarray | int, b: np.ndarray | int, year: np.ndarray | int) -> Any:
    """One integer per directed dyad-year, ordered by (year, ccode2, ccode1): the promises
    to a state in a year are a contiguous run (COW codes are below 1000)."""
    return (np.asarray(year, dtype=np.int64) * 1000 + b) * 1000 + a


class AtopTable(Mapping[tuple[int, int, int], tuple[int, int, int, int, int]]):
    """The ATOP 5.1 directed dyad-years as one sorted integer array, read as the mapping
    (ccode1, ccode2, year) -> the five flags of :attr:`ConflictSources.atop` by binary search.

    Indexing the shipped table's 270,000 rows into dictionaries took about a second in every
    process that looked up a case; this takes a sort. ``table`` has one row per directed
    dyad-year: ccode1, ccode2, year and the five flags (a later duplicate wins, as in a
    dictionary).
    """

    def __init__(self, table: np.ndarray) -> None:
        t = np.asarray(table, dtype=np.int64).reshape(-1, 8)
        key = _atop_key(t[:, 0], t[:, 1], t[:, 2])
        order = np.argsort(key, kind="stable")
        self._key, self._rows = key[order], t[order]

    def _find(self, a: int, b: int, year: int) -> int:
        k = int(_atop_key(a, b, year))
        i = int(np.searchsorted(self._key, k, side="right")) - 1
        return i if i >= 0 and self._key[i] == k else -1

    def __getitem__(self, dyad_year: tuple[int, int, int]) -> tuple[int, int, int, int, int]:
        i = self._find(*dyad_year)
        if i < 0:
            raise KeyError(dyad_year)
        f = self._rows[i, 3:].tolist()
        return (f[0], f[1], f[2], f[3], f[4])

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return (tuple(r) for r in np.unique(self._rows[:, :3], axis=0).tolist())  # type: ignore[misc]

    def __len__(self) -> int:
        return int(np.unique(self._key).size)

    def years(self) -> tuple[int, int]:
        """The first and the last year of the table."""
        if not self._key.size:
            return ()  # type: ignore[return-value]
        return int(self._rows[0, 2]), int(self._rows[-1, 2])

    def promisers(self, *, defense: bool) -> Mapping[tuple[int, int], frozenset[int]]:
        """(ccode, year) -> the states that promised ``ccode`` a defense obligation that
        year (``defense``), or an offense, neutrality, non-aggression or consultation one."""
        return _Promisers(self, defense)

    def promised(self, ccode: int, year: int, defense: bool) -> frozenset[int]:
        lo = int(np.searchsorted(self._key, _atop_key(0, ccode, year)))
        hi = int(np.searchsorted(self._key, _atop_key(1000, ccode, year)))
        rows = self._rows[lo:hi]
        keep = rows[:, 3] > 0 if defense else (rows[:, 4:] > 0).any(axis=1)
        return frozenset(rows[keep, 0].tolist())


class _Promisers(Mapping[tuple[int, int], frozenset[int]]):
    """A view of :class:`AtopTable`: (ccode, year) -> a non-empty set of promisers."""

    def __init__(self, table: AtopTable, defense: bool) -> None:
        self._table, self._defense = table, defense

    def __getitem__(self, key: tuple[int, int]) -> frozenset[int]:
        found = self._table.promised(key[0], key[1], self._defense)
        if not found:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[tuple[int, int]]:
        rows = self._table._rows
        keep = rows[:, 3] > 0 if self._defense else (rows[:, 4:] > 0).any(axis=1)
        return (tuple(r) for r in np.unique(rows[keep][:, [1, 2]], axis=0).tolist())  # type: ignore[misc]

    def __len__(self) -> int:
        return sum(1 for _ in self)


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
