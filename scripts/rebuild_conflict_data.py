#!/usr/bin/env python3
"""Rebuild guaranty's conflict tables (challenge dyad-years, dispute joiners) and their lookups.

Usage: python3 scripts/rebuild_conflict_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ``../shared/data`` next to the repository. Writes, under
src/guaranty/data/: ``challenge_dyads.csv.gz``, ``joiner_cases.csv.gz`` and the lookup tables
``cow_contiguity.csv``, ``td_rivalries.csv``, ``cow_major_powers.csv``,
``atop4_provisions.csv`` and ``atop_dyads.npz`` (a numpy archive of 16-bit integers: every
process that assesses a case reads its 273,296 rows, which as CSV took 0.1 s to parse).
Every output is a pure function of the input files (fixed row order, gzip headers and zip
entries without a time stamp), so running the script twice gives identical bytes.
The covariates of both tables are computed by the same code (``Context.selection`` and
``guaranty.data.conflict``). The ATOP 5.1 flags are one-way: those of (ccode1, ccode2) are
ccode1's promises to ccode2. See src/guaranty/data/SOURCES.md for every rule and count.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import sys
import zipfile
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
from rebuild_data import PKG_DATA, ROOT, _int  # also puts src/ on the import path

from guaranty.data.conflict import (
    ATOP_FLAGS,
    CHALLENGE_COLUMNS,
    CONTIGUITY_HEADER,
    JOINER_COLUMNS,
    MAJOR_HEADER,
    PROVISIONS,
    PROVISIONS_HEADER,
    RIVALRY_HEADER,
    SELECTION_COVARIATES,
    ConflictSources,
    joiner_pair_covariates,
    nuclear,
    pair_covariates,
)
from guaranty.data.peace import POSTWAR_COLUMNS

FIRST_YEAR, LAST_YEAR = 1816, 2010  # the years of the GML MID data
PEACE_CAP = 200
FORCE_HIACT = 13  # MID highest action 13 (blockade) and above is a use of force
V4_PROVISIONS = ("base", "intcom", "organ", "milaid")


def _read_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _fmt(value: object) -> str:
    """Integers as integers, floats with 6 significant digits, None and NaN blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def write_npz(path: Path, header: Sequence[str], rows: Iterable[Sequence[int]]) -> int:
    """Write an integer table as a compressed numpy archive of two members, ``columns`` (the
    header) and ``rows`` (int16, shape (rows, columns)), each zip entry dated 1980-01-01 so
    that the bytes are a function of the rows (``numpy.savez_compressed`` dates them now)."""
    table = np.array([list(r) for r in rows], dtype=np.int64).reshape(-1, len(header))
    if table.size and (
        table.min() < np.iinfo(np.int16).min or table.max() > np.iinfo(np.int16).max
    ):
        raise ValueError(f"{path.name}: a value does not fit in 16 bits")
    members = {"columns": np.array(list(header)), "rows": table.astype(np.int16)}
    with zipfile.ZipFile(path, "w") as archive:
        for name, values in members.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, values, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buf.getvalue(), compresslevel=9)
    return int(table.shape[0])


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    fmt: Callable[[object], str] | None = None,
) -> int:
    """Write a CSV (gzip-compressed, without time stamp or file name, if the name ends in
    .gz), each value written by ``fmt`` (default: this script's number format)."""
    fmt = fmt or _fmt
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow([fmt(v) for v in row])
        n += 1
    data = buf.getvalue().encode("utf-8")
    with path.open("wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                gz.write(data)
        else:
            raw.write(data)
    return n


class Context:
    """Every input, indexed, and the covariates shared by the two tables."""

    def __init__(self, shared: Path) -> None:
        # COW NMC v7: who is in the system, CINC, first year in the system.
        self.cinc: dict[tuple[int, int], float] = {}
        self.system: dict[int, list[int]] = {}
        self.first_year: dict[int, int] = {}
        for r in _read_csv(shared / "capabilities" / "cow_nmc_v7.csv"):
            c, y = _int(r["ccode"]), _int(r["year"])
            self.cinc[c, y] = float(r["cinc"])
            self.system.setdefault(y, []).append(c)
            self.first_year[c] = min(self.first_year.get(c, y), y)
        for states in self.system.values():
            states.sort()

        self.majors = [
            (_int(r["ccode"]), _int(r["styear"]), _int(r["endyear"]))
            for r in _read_csv(shared / "capabilities" / "cow_major_powers.csv")
        ]
        cont = _read_csv(shared / "wars" / "cow_direct_contiguity.csv")
        self.contiguity_type0 = sum(_int(r["conttype"]) == 0 for r in cont)
        self.contiguity = [
            (
                _int(r["ccode1"]),
                _int(r["ccode2"]),
                _int(r["conttype"]),
                int(r["stdate"][:4]),
                int(r["enddate"][:4]),
            )
            for r in cont
            if 1 <= _int(r["conttype"]) <= 5
        ]
        self.rivalries = [
            (
                _int(r["ccode1"]),
                _int(r["ccode2"]),
                _int(r["styear"]),
                _int(r["endyear"]),
                r["type1"],
                r["type2"],
                r["type3"],
            )
            for r in _read_csv(shared / "wars" / "thompson_dreyer_rivalries.csv")
        ]
        # ATOP 5.1 directed dyad-years: the flags of (a, b) are a's promises to b.
        self.atop_rows: list[tuple[int, int, int, tuple[int, int, int, int, int]]] = []
        for r in _read_csv(shared / "alliances" / "atop51_directed_dyad_years.csv.gz"):
            a, b, y = _int(r["ccode1"]), _int(r["ccode2"]), _int(r["year"])
            f = tuple(_int(r[f"atop_{k}"]) for k in ATOP_FLAGS)
            self.atop_rows.append((a, b, y, f))
        self.atop_rows.sort()
        self.src = ConflictSources.from_rows(
            cinc=self.cinc,
            contiguity=self.contiguity,
            rivalries=[r[:4] for r in self.rivalries],
            majors=self.majors,
            atop=self.atop_rows,
        )

        # ATOP v4: provisions by alliance, membership spells by alliance and by member.
        self.v4: dict[int, dict[str, int | None]] = {}
        for r in _read_csv(shared / "alliances" / "atop4_alliance_level.csv"):
            self.v4[_int(r["atopid"])] = {
                "defense": _int(r["defense"]),
                "base": _gt0(_int(r["base"])),
                "intcom": _eq1(_int(r["intcom"])),
                "milaid": _gt0(_int(r["milaid"])),
                "organ": _gt0(_int(r["organ1"])),
                "formal": _int(r["formal"]),
                "bilat": _int(r["bilat"]),
            }
        self.v4_members: dict[int, list[tuple[int, int, int]]] = {}
        self.v4_by_member: dict[int, set[int]] = {}
        # Per membership row (one per member and treaty phase): whether that member's
        # obligations are limited to named threats (specthrt == 1, or defense conditional on a
        # specific adversary, defcoadv == 1), and the states named (statthr1, statthr2).
        self.v4_threats: dict[tuple[int, int], list[tuple[int, int, bool, frozenset[int]]]] = {}
        for r in _read_csv(shared / "alliances" / "atop4_member_level.csv"):
            atopid, member = _int(r["atopid"]), _int(r["member"])
            yrexit = _int(r["yrexit"]) or 0
            spell = (member, _int(r["yrent"]), yrexit if yrexit > 0 else 9999)
            self.v4_members.setdefault(atopid, []).append(spell)
            self.v4_by_member.setdefault(member, set()).add(atopid)
            limited = _int(r["specthrt"]) == 1 or _int(r["defcoadv"]) == 1
            named = frozenset(c for c in (_int(r["statthr1"]), _int(r["statthr2"])) if c)
            self.v4_threats.setdefault((atopid, member), []).append(
                (spell[1], spell[2], limited, named)
            )
        for atopid, info in self.v4.items():
            n_members = len({m for m, _, _ in self.v4_members.get(atopid, [])})
            info["multilateral"] = int(n_members > 2 or info["bilat"] == 0)

        # GML MID directed dyad-years.
        self.challenges: dict[tuple[int, int, int], int] = {}  # -> highest hostlev1
        self.ongoing: set[tuple[int, int, int]] = set()  # (smaller, larger, year)
        mid_years: dict[tuple[int, int], set[int]] = {}
        for r in _read_csv(shared / "wars" / "gml_mid_directed_dyad_years.csv"):
            a, b, y = _int(r["ccode1"]), _int(r["ccode2"]), _int(r["year"])
            pair = (min(a, b), max(a, b))
            mid_years.setdefault(pair, set()).add(y)
            if _int(r["midonset"]) == 0:
                self.ongoing.add((*pair, y))
            if (
                _int(r["midonset"]) == 1
                and _int(r["sidea1"]) == 1
                and _int(r["orig1"]) == 1
                and _int(r["sidea2"]) == 0
                and _int(r["orig2"]) == 1
            ):
                host = _int(r["hostlev1"])
                self.challenges[a, b, y] = max(self.challenges.get((a, b, y), 0), host)
        self.mid_years = {k: sorted(v) for k, v in mid_years.items()}

        self.participants = _read_csv(shared / "wars" / "gml_mid_participants.csv")
        self._third: dict[tuple[int, int, int | None], dict[str, object]] = {}
        self._related_cache: dict[tuple[int, int], frozenset[int]] = {}
        self._v4_cache: dict[tuple[int, int], list[tuple[int, frozenset[int]]]] = {}

    # --- ATOP v4 -----------------------------------------------------------------------------

    def v4_alliances(self, ccode: int, year: int) -> list[tuple[int, frozenset[int]]]:
        """ATOP v4 alliances with ``ccode`` a member in ``year``: (atopid, members then)."""
        key = (ccode, year)
        if key not in self._v4_cache:
            out = []
            for atopid in sorted(self.v4_by_member.get(ccode, ())):
                now = frozenset(m for m, y0, y1 in self.v4_members[atopid] if y0 <= year <= y1)
                if ccode in now:
                    out.append((atopid, now))
            self._v4_cache[key] = out
        return self._v4_cache[key]

    def v4_named(self, ccode: int, year: int) -> frozenset[int]:
        """The states named as threats (statthr1, statthr2) in ``ccode``'s membership rows in
        force in ``year``, over all its ATOP v4 alliances."""
        return frozenset(
            c
            for atopid, _ in self.v4_alliances(ccode, year)
            for y0, y1, _, named in self.v4_threats[atopid, ccode]
            if y0 <= year <= y1
            for c in named
        )

    def v4_applies(self, atopid: int, challenger: int, target: int, year: int) -> bool:
        """Whether ``target``'s obligations in alliance ``atopid`` apply against ``challenger``.

        True if some membership row of ``target`` in force in ``year`` (a member has one row
        per treaty phase) is not limited to named threats (neither ``specthrt == 1`` nor
        ``defcoadv == 1``), or names ``challenger`` in ``statthr1`` or ``statthr2``.
        """
        return any(
            not limited or challenger in named
            for y0, y1, limited, named in self.v4_threats[atopid, target]
            if y0 <= year <= y1
        )

    # --- Table-1 covariates (also the s1_ columns of Table 2) --------------------------------

    def peace_years(self, a: int, b: int, year: int) -> int | None:
        """Years since the last year before ``year`` with a MID between a and b (either way).

        Without one since 1816: years since the later of their first years in the system.
        Capped at 200; None when a state has not entered the system by ``year``.
        """
        years = self.mid_years.get((min(a, b), max(a, b)), [])
        i = bisect_left(years, year)
        if i:
            return min(year - years[i - 1], PEACE_CAP)
        if a not in self.first_year or b not in self.first_year:
            return None
        start = max(self.first_year[a], self.first_year[b])
        return min(year - start, PEACE_CAP) if year >= start else None

    def _related(self, b: int, year: int) -> frozenset[int]:
        """Every state that promised b an ATOP 5.1 obligation in ``year``, or with an ATOP v4
        alliance with b then, or named as a threat in one of b's v4 alliances then."""
        key = (b, year)
        if key not in self._related_cache:
            related = set(self.src.defenders.get(key, ()))
            related |= self.src.nondefense_promisers.get(key, frozenset())
            for _, members in self.v4_alliances(b, year):
                related |= members
            related |= self.v4_named(b, year)
            self._related_cache[key] = frozenset(related)
        return self._related_cache[key]

    def third_party(self, a: int, b: int, year: int) -> dict[str, object]:
        """The promises third states (not a, not b) made to the target b in ``year``."""
        # The result depends on a only if a promised b something (ATOP 5.1), is in a v4
        # alliance with b, or is named as a threat in one of b's v4 alliances: cache by
        # (b, year) otherwise.
        key = (b, year, a if a in self._related(b, year) else None)
        if key in self._third:
            return self._third[key]
        # Third states that promised to defend b: ATOP 5.1 defense flag of (C, b).
        partners = self.src.third_defenders(b, year, (a,))
        t_def = bool(partners)
        out: dict[str, object] = {
            "t_def": int(t_def),
            "t_def_major": int(any(self.src.major(c, year) for c in partners)),
            "t_def_nuclear": int(any(nuclear(c, year) for c in partners)),
            "t_def_cinc": math.fsum(self.cinc.get((c, year), 0.0) for c in sorted(partners)),
        }
        # Third states that promised b an offense, neutrality, non-aggression or consultation
        # obligation (flag (C, b)), counted only when no third state promised to defend b.
        nondef = self.src.third_nondefense(b, year, (a,))
        out["t_nondef"] = int(bool(nondef) and not t_def)
        # ATOP v4 defense alliances in force with b and a member other than a and b (t_def_rel)
        # and, among them, those with one of b's ATOP 5.1 defenders as a member (provisions).
        defense = [
            (atopid, members)
            for atopid, members in self.v4_alliances(b, year)
            if self.v4[atopid]["defense"] == 1 and members - {a, b}
        ]
        if not t_def:
            out.update(dict.fromkeys((f"t_def_{k}" for k in V4_PROVISIONS), 0))
            out["no_v4"] = out["no_v4_other"] = 0
        else:
            used = [self.v4[atopid] for atopid, members in defense if members & partners]
            for k in V4_PROVISIONS:
                out[f"t_def_{k}"] = _max_known(info[k] for info in used) if used else None
            # Counted, not written: no such alliance; no v4 defense alliance at all with b and
            # a member other than a and b.
            out["no_v4"] = int(not used)
            out["no_v4_other"] = int(not defense)
        # Leeds (2003): a commitment relevant to this challenger — a not a member, and b's
        # obligations not limited to named threats that leave a out. From v4 alone, so it
        # does not require t_def (ATOP 5.1) and is 0 where v4 has no such alliance.
        out["t_def_rel"] = int(
            any(
                a not in members and self.v4_applies(atopid, a, b, year)
                for atopid, members in defense
            )
        )
        self._third[key] = out
        return out

    def selection(self, a: int, b: int, year: int) -> dict[str, object]:
        """The covariates of the directed dyad-year (challenger a, target b) of Table 1."""
        years = dict.fromkeys(("cinc", "contiguity", "rivalry", "major", "atop"), year)
        out: dict[str, object] = dict(pair_covariates(self.src, a, b, year, years))
        out["peace_years"] = self.peace_years(a, b, year)
        out.update(self.third_party(a, b, year))
        return out


def _gt0(v: int | None) -> int | None:
    return None if v is None else int(v > 0)


def _eq1(v: int | None) -> int | None:
    return None if v is None else int(v == 1)


def _max_known(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


# --- Table 1 ---------------------------------------------------------------------------------


def build_challenge_dyads(ctx: Context, out: Path) -> dict[str, int]:
    """Politically relevant directed dyad-years 1816-2010 with challenges and covariates."""
    counts = dict.fromkeys(
        [
            "rows",
            "challenge",
            "attack",
            "war",
            "ongoing",
            "non_ongoing",
            "t_def",
            "no_v4",
            "no_v4_other",
            "t_nondef",
            "c_def",
            "shared_pact",
            "shared_defense",
            "t_def_rel",
            "t_def_rel_not_t_def",
            "t_def_not_t_def_rel",
            "t_def_rel_challenge",
            "t_def_rel_attack",
            "t_def_challenge",
            "t_def_attack",
            "challenge_rows_gml",
        ],
        0,
    )
    # (t_def, t_def_rel) cross-tabulated: rows, challenges, attacks.
    for t in (0, 1):
        for r in (0, 1):
            for what in ("rows", "challenge", "attack"):
                counts[f"def{t}_rel{r}_{what}"] = 0
    counts["challenge_rows_gml"] = len(ctx.challenges)
    found: set[tuple[int, int, int]] = set()

    def rows() -> Iterable[list[object]]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            states = ctx.system.get(year, [])
            present = set(states)
            pairs: set[tuple[int, int]] = set()
            for a, b in ctx.src.contiguity:
                if a in present and b in present and ctx.src.contiguous(a, b, year):
                    pairs.add((a, b))
            for m in states:
                if ctx.src.major(m, year):
                    for x in states:
                        if x != m:
                            pairs.update(((m, x), (x, m)))
            for a, b in sorted(pairs):
                host = ctx.challenges.get((a, b, year))
                challenge = int(host is not None)
                if challenge:
                    found.add((a, b, year))
                ongoing = int((min(a, b), max(a, b), year) in ctx.ongoing)
                cov = ctx.selection(a, b, year)
                row = {
                    "year": year,
                    "ccode1": a,
                    "ccode2": b,
                    "challenge": challenge,
                    "attack": int(challenge and host >= 4),
                    "war": int(challenge and host == 5),
                    "ongoing": ongoing,
                    **cov,
                }
                counts["rows"] += 1
                for k in (
                    "challenge",
                    "attack",
                    "war",
                    "ongoing",
                    "t_def",
                    "no_v4",
                    "no_v4_other",
                    "t_nondef",
                    "c_def",
                    "shared_pact",
                    "shared_defense",
                    "t_def_rel",
                ):
                    counts[k] += int(row[k])
                counts["t_def_rel_not_t_def"] += int(row["t_def_rel"] > row["t_def"])
                counts["t_def_not_t_def_rel"] += int(row["t_def"] > row["t_def_rel"])
                cell = f"def{row['t_def']}_rel{row['t_def_rel']}"
                counts[f"{cell}_rows"] += 1
                counts[f"{cell}_challenge"] += challenge
                counts[f"{cell}_attack"] += row["attack"]
                for k in ("t_def", "t_def_rel"):
                    counts[f"{k}_challenge"] += row[k] * challenge
                    counts[f"{k}_attack"] += row[k] * row["attack"]
                counts["non_ongoing"] += 1 - ongoing
                yield [row[c] for c in CHALLENGE_COLUMNS]

    write_csv(out, CHALLENGE_COLUMNS, rows())
    missing = set(ctx.challenges) - found
    counts["challenges_outside"] = len(missing)
    counts["outside_not_in_system"] = sum(
        not ((a, y) in ctx.cinc and (b, y) in ctx.cinc) for a, b, y in missing
    )
    nonong = [0, 0]
    # Share of challenges and attacks among non-ongoing rows, for SOURCES.md.
    with gzip.open(out, "rt", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["ongoing"] == "0":
                nonong[0] += int(r["challenge"])
                nonong[1] += int(r["attack"])
    counts["challenge_non_ongoing"], counts["attack_non_ongoing"] = nonong
    return counts


# --- Table 2 ---------------------------------------------------------------------------------


def _start(r: dict[str, str]) -> date:
    day = _int(r["stday"])
    return date(_int(r["styear"]), _int(r["stmon"]), 1 if day in (None, -9) else day)


def build_joiner_cases(ctx: Context, out: Path) -> dict[str, int]:
    """One row per (dispute, target, potential or actual non-originator joiner)."""
    src = ctx.src
    disputes: dict[int, list[dict[str, str]]] = {}
    for r in ctx.participants:
        disputes.setdefault(_int(r["dispnum"]), []).append(r)
    counts = dict.fromkeys(
        [
            "disputes_in_file",
            "disputes",
            "skipped_one_sided",
            "targets",
            "rows",
            "relevant",
            "joined",
            "joined_force",
            "joined_other",
            "joined_relevant",
            "joined_not_relevant",
            "defense_rows",
            "joined_defense",
            "nodefense_rows",
            "joined_nodefense",
            "challenger_no_cinc",
        ],
        0,
    )
    counts["disputes_in_file"] = len(disputes)
    table: list[list[object]] = []
    for dispnum in sorted(disputes):
        parts = disputes[dispnum]
        year = min(_int(r["styear"]) for r in parts)
        start = min(_start(r) for r in parts)
        origs = {_int(r["ccode"]) for r in parts if _int(r["orig"]) == 1}
        targets = sorted(
            {_int(r["ccode"]) for r in parts if _int(r["orig"]) == 1 and _int(r["sidea"]) == 0}
        )
        challengers = sorted(
            {_int(r["ccode"]) for r in parts if _int(r["orig"]) == 1 and _int(r["sidea"]) == 1}
        )
        if not targets or not challengers:
            counts["skipped_one_sided"] += 1
            continue
        counts["disputes"] += 1
        chal = min(
            challengers,
            key=lambda c: (0, -ctx.cinc[c, year], c) if (c, year) in ctx.cinc else (1, 0.0, c),
        )
        counts["challenger_no_cinc"] += (chal, year) not in ctx.cinc
        joiners: dict[int, list[dict[str, str]]] = {}
        for r in parts:
            c = _int(r["ccode"])
            if c not in origs:
                joiners.setdefault(c, []).append(r)
        years = dict.fromkeys(("cinc", "contiguity", "rivalry", "major", "atop"), year)
        for target in targets:
            counts["targets"] += 1
            rule = {
                j
                for j in ctx.system.get(year, [])
                if j not in origs
                and (
                    any(src.flags(j, target, year))  # J promised the target something
                    or src.major(j, year)
                    or src.contiguous(j, target, year)
                    or src.contiguous(j, chal, year)
                )
            }
            s1 = ctx.selection(chal, target, year)
            for j in sorted(rule | set(joiners)):
                rows = joiners.get(j, [])
                side_b = [r for r in rows if _int(r["sidea"]) == 0]
                joined = int(bool(side_b))
                force = int(joined and max(_int(r["hiact"]) for r in side_b) >= FORCE_HIACT)
                lag = (min(_start(r) for r in side_b) - start).days if joined else None
                cov = joiner_pair_covariates(src, j, target, chal, year, years)
                prov = _joint_provisions(ctx, j, target, year)
                row = {
                    "dispnum": dispnum,
                    "year": year,
                    "target": target,
                    "challenger": chal,
                    "n_challengers": len(challengers),
                    "n_targets": len(targets),
                    "joiner": j,
                    "relevant": int(j in rule),
                    "joined": joined,
                    "joined_force": force,
                    "joined_other": int(any(_int(r["sidea"]) == 1 for r in rows)),
                    "join_lag_days": lag,
                    **cov,
                    **prov,
                    **{f"s1_{k}": s1[k] for k in SELECTION_COVARIATES},
                }
                table.append([row[c] for c in JOINER_COLUMNS])
                counts["rows"] += 1
                counts["relevant"] += row["relevant"]
                counts["joined"] += joined
                counts["joined_force"] += force
                counts["joined_other"] += row["joined_other"]
                if row["relevant"]:
                    counts["joined_relevant"] += joined
                    d = "defense" if cov["defense"] == 1 else "nodefense"
                    counts[f"{d}_rows"] += 1
                    counts[f"joined_{d}"] += joined
                else:
                    counts["joined_not_relevant"] += joined
    write_csv(out, JOINER_COLUMNS, table)
    # Distinct (dispute, joiner) pairs: a joiner has one row per target of its dispute.
    col = {name: i for i, name in enumerate(JOINER_COLUMNS)}
    for flag in ("joined", "joined_force"):
        pairs = {(r[col["dispnum"]], r[col["joiner"]]) for r in table if r[col[flag]] == 1}
        counts[f"{flag}_dispute_states"] = len(pairs)
    return counts


def _joint_provisions(ctx: Context, j: int, b: int, year: int) -> dict[str, object]:
    """ATOP v4 provisions over the alliances in force in ``year`` with both j and b members."""
    shared = [a for a, members in ctx.v4_alliances(b, year) if j in members]
    keys = ("base", "intcom", "milaid", "organ", "formal", "multilateral")
    if not shared:
        return {**dict.fromkeys(keys), "atopid": None}
    out: dict[str, object] = {k: _max_known(ctx.v4[a][k] for a in shared) for k in keys}
    defense = [a for a in shared if ctx.v4[a]["defense"] == 1]
    out["atopid"] = min(defense or shared)
    return out


# --- lookup tables ---------------------------------------------------------------------------


def provision_rows(ctx: Context) -> list[tuple[int, ...]]:
    """One row per ATOP v4 membership row (a member has one per treaty phase): the alliance,
    the member, the years it entered and left (9999: still in force when the data end),
    whether that member's obligations are limited to named threats (specthrt 1 or defcoadv
    1) and the states named (statthr1, statthr2; 0 for none), then the alliance's defense
    flag and provisions as the two derived tables code them (base, organ, milaid: > 0;
    intcom: == 1; multilateral: more than two members or not bilateral), a provision ATOP
    lacks written as 0, as both fits count it. Exact duplicates dropped; sorted, so that the
    file is a pure function of the input."""
    rows = set()
    for (atopid, member), spells in ctx.v4_threats.items():
        info = ctx.v4[atopid]
        flags = tuple(int(info[k] or 0) for k in ("defense", *PROVISIONS))
        for y0, y1, limited, named in spells:
            t1, t2 = ([*sorted(named), 0, 0])[:2]
            rows.add((atopid, member, y0, y1, int(limited), t1, t2, *flags))
    return sorted(rows)


def build_lookups(ctx: Context) -> dict[str, int]:
    """The small tables behind guaranty.data.conflict.dyad_covariates."""
    counts = {
        "cow_contiguity.csv": write_csv(
            PKG_DATA / "cow_contiguity.csv", CONTIGUITY_HEADER, ctx.contiguity
        ),
        "td_rivalries.csv": write_csv(PKG_DATA / "td_rivalries.csv", RIVALRY_HEADER, ctx.rivalries),
        "cow_major_powers.csv": write_csv(
            PKG_DATA / "cow_major_powers.csv", MAJOR_HEADER, ctx.majors
        ),
    }
    counts["atop4_provisions.csv"] = write_csv(
        PKG_DATA / "atop4_provisions.csv", PROVISIONS_HEADER, provision_rows(ctx)
    )
    rows = [(a, b, y, *f) for a, b, y, f in ctx.atop_rows]
    counts["atop_dyads.npz"] = write_npz(
        PKG_DATA / "atop_dyads.npz",
        ("ccode1", "ccode2", "year", *(f"atop_{k}" for k in ATOP_FLAGS)),
        rows,
    )
    return counts


#: COW inter-state war outcomes (``outcome1``) that end a pair's war in a peace whose
#: durability can be followed: 1 winner, 2 loser, 3 compromise, 6 stalemate, 7 continuing
#: conflict below the level of war. Dropped: 4 transformed into another war, 5 ongoing at the
#: end of the data, 8 changed sides.
POSTWAR_OUTCOMES = (1, 2, 3, 6, 7)
COW_LAST_YEAR = 2007  # the last year of COW inter-state wars v4.0


def _first_absent(cinc: dict[tuple[int, int], float], ccode: int, year: int) -> int:
    """The first year from ``year`` on in which ``ccode`` has no NMC row (left the system)."""
    while (ccode, year) in cinc:
        year += 1
    return year


def build_postwar_spells(ctx: Context, shared: Path, out: Path) -> dict[str, int]:
    """One spell of peace per pair of states that fought each other in a COW inter-state war.

    The spell starts after the pair's last year in that war and ends at the first year of
    their next COW inter-state war (``failed`` 1), or is censored at the end of 2007 (the
    end of COW v4.0) or at the last year before either state leaves the system (no NMC row).
    The initiator-side state is the challenger (``ccode_init``), the other the target
    (``ccode_target``); the covariates are read in the first year of the peace, with the
    same code as the challenge table (``Context.selection``). See SOURCES.md.
    """
    spells: dict[tuple[int, int, int], dict[str, object]] = {}
    initiators: dict[int, set[int]] = {}
    for r in _read_csv(shared / "wars" / "cow_interstate_war_dyad_years_v4.csv"):
        war, a, b, year = _int(r["warnum"]), _int(r["ccode1"]), _int(r["ccode2"]), _int(r["year"])
        if _int(r["initiator1"]) == 1:
            initiators.setdefault(war, set()).add(_int(r["sidea1"]))
        if a > b:
            continue
        s = spells.setdefault(
            (war, a, b),
            {
                "y0": year,
                "y1": year,
                "outcome": _int(r["outcome1"]),
                "init1": _int(r["initiator1"]),
                "init2": _int(r["initiator2"]),
                "side1": _int(r["sidea1"]),
                "deaths": (_int(r["batdeath1"]) or 0) + (_int(r["batdeath2"]) or 0),
            },
        )
        s["y0"], s["y1"] = min(s["y0"], year), max(s["y1"], year)
    # War-level disputes of each pair, for the settlement: (year, settle) of GML rows with
    # the dyad's highest hostility 5 (war).
    war_mids: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for r in _read_csv(shared / "wars" / "gml_mid_directed_dyad_years.csv"):
        a, b = _int(r["ccode1"]), _int(r["ccode2"])
        if a < b and _int(r["hostlev"]) == 5:
            war_mids.setdefault((a, b), []).append((_int(r["year"]), _int(r["settle"]) or 0))
    starts: dict[tuple[int, int], list[int]] = {}
    for (_, a, b), s in spells.items():
        starts.setdefault((a, b), []).append(s["y0"])
    counts = dict.fromkeys(
        ("pair_wars", "dropped_outcome", "dropped_absent", "spells", "failed", "treaty_linked"), 0
    )
    rows = []
    for (war, a, b), s in sorted(spells.items()):
        counts["pair_wars"] += 1
        y0, y1 = s["y0"], s["y1"]
        if s["outcome"] not in POSTWAR_OUTCOMES:
            counts["dropped_outcome"] += 1
            continue
        end = min(
            COW_LAST_YEAR,
            _first_absent(ctx.cinc, a, y1 + 1) - 1,
            _first_absent(ctx.cinc, b, y1 + 1) - 1,
        )
        if end <= y1:
            counts["dropped_absent"] += 1
            continue
        later = [y for y in starts[a, b] if y1 < y <= end]
        failed = int(bool(later))
        years = (min(later) - y1) if later else (end - y1 + 0.5)
        if s["init1"] == 1 or (s["init2"] != 1 and s["side1"] in initiators.get(war, {1})):
            init, target = a, b
        else:
            init, target = b, a
        settle = [st for y, st in war_mids.get((a, b), []) if y0 <= y <= y1]
        counts["treaty_linked"] += int(bool(settle))
        cov = ctx.selection(init, target, y1 + 1)
        rows.append(
            (
                war,
                init,
                target,
                y0,
                y1,
                years,
                failed,
                min(later) if later else "",
                int(1 in settle),
                int(s["outcome"] in (1, 2)),
                int(cov["t_def"]),
                int(cov["rivalry"]),
                int(cov["contig_land"]),
                int(cov["shared_defense"]),
                s["deaths"],
            )
        )
        counts["spells"] += 1
        counts["failed"] += failed
    write_csv(out, POSTWAR_COLUMNS, rows)
    return counts


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        print(f"no such folder: {shared}", file=sys.stderr)
        return 2
    ctx = Context(shared)
    print(f"contiguity rows with conttype 0 dropped: {ctx.contiguity_type0}")
    for name, n in build_lookups(ctx).items():
        print(f"{name}: {n} rows")
    t1 = build_challenge_dyads(ctx, PKG_DATA / "challenge_dyads.csv.gz")
    print("challenge_dyads.csv.gz: " + ", ".join(f"{k} {v}" for k, v in t1.items()))
    t2 = build_joiner_cases(ctx, PKG_DATA / "joiner_cases.csv.gz")
    print("joiner_cases.csv.gz: " + ", ".join(f"{k} {v}" for k, v in t2.items()))
    t3 = build_postwar_spells(ctx, shared, PKG_DATA / "postwar_spells.csv")
    print("postwar_spells.csv: " + ", ".join(f"{k} {v}" for k, v in t3.items()))
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
