#!/usr/bin/env python3
"""Rebuild guaranty's shipped reference tables and test fixtures from the published data.

Usage: python3 scripts/rebuild_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ``../shared/data`` next to the repository. Every output is a
pure function of its input file, so running the script twice gives identical files.
See src/guaranty/data/SOURCES.md and tests/data/SOURCES.md for what each file is.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# Nuclear-armed states (COW code -> first year), one definition for the whole project; see
# src/guaranty/data/SOURCES.md.
from guaranty.data.conflict import NUCLEAR_POWERS  # noqa: E402

PKG_DATA = ROOT / "src" / "guaranty" / "data"
TEST_DATA = ROOT / "tests" / "data"

# Test fixtures copied verbatim: (path under the shared data folder, name under tests/data).
FIXTURES = [
    ("negotiation/bdm/eu_emissions_1994_actors.csv", "eu_emissions_1994_actors.csv"),
    ("negotiation/bdm/scholz_2011_table2_expected.txt", "scholz_2011_table2_expected.txt"),
    ("negotiation/bdm/china_actors.csv", "china_actors.csv"),
    ("negotiation/bdm/honduras_crisis_actors.csv", "honduras_crisis_actors.csv"),
    ("negotiation/ktab/dummyData_3Dim.csv", "dummyData_3Dim.csv"),
    ("negotiation/ktab/dummyData_3Dim.reference-run.txt", "dummyData_3Dim.reference-run.txt"),
    ("negotiation/ktab/SOE-Policy.csv", "SOE-Policy.csv"),
    ("negotiation/ktab/SOE-Policy.reference-history.txt", "SOE-Policy.reference-history.txt"),
    ("negotiation/ktab/SOE-Competitive.csv", "SOE-Competitive.csv"),
    (
        "negotiation/ktab/SOE-Competitive.reference-history.txt",
        "SOE-Competitive.reference-history.txt",
    ),
    ("negotiation/ktab/dummyData-a040.csv", "dummyData-a040.csv"),
    (
        "negotiation/ktab/dummyData-a040.reference-history.txt",
        "dummyData-a040.reference-history.txt",
    ),
    ("negotiation/exchange/two_actor_example.txt", "two_actor_example.txt"),
    ("negotiation/exchange/two_actor_example.expected.md", "two_actor_example.expected.md"),
    ("negotiation/exchange/sample_data.txt", "exchange_sample_data.txt"),
    ("negotiation/exchange/cop21.csv", "cop21.csv"),
    ("negotiation/deu3/deu3_dev.tsv", "deu3_dev.tsv"),
    ("alliances/leeds_anac_2005.csv", "leeds_anac_2005.csv"),
]

# Test fixtures taken by hand from a public repository, which the shared data folder does not
# hold: (repository, commit, path there, name under tests/data, the file's git blob id).
# Nothing is copied; the rebuild checks that the shipped copy is that file, byte for byte
# (``git hash-object FILE`` gives the same id; ``git show COMMIT:PATH`` in a clone the file).
FROM_REPOSITORIES = [
    (
        "github.com/foarsitter/decide-exchange-model",
        "3b2a1a25a56bd467273d1ee1ba676a4e1ef4ee4e",
        "data/input/CoP21.csv",
        "cop21_semicolon.csv",
        "214c4efced737240f7ea2dd76bf093f3fa9994f2",
    ),
]


def git_blob_id(path: Path) -> str:
    """The id git gives the file ``path`` (``git hash-object``): SHA-1 of its header and bytes."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check_from_repositories(folder: Path = TEST_DATA) -> list[str]:
    """The fixtures of :data:`FROM_REPOSITORIES` under ``folder`` that are missing or differ
    from the repository's file (an empty list when every one is the file it names)."""
    bad = []
    for repo, commit, rel, name, blob in FROM_REPOSITORIES:
        path = folder / name
        if not path.is_file() or git_blob_id(path) != blob:
            bad.append(f"tests/data/{name} is not {repo} {commit[:12]}:{rel} (blob {blob})")
    return bad


def build_cinc(src: Path, dst: Path) -> int:
    """COW NMC v7: keep ccode, year and the CINC score (integers for code and year)."""
    with src.open(newline="") as fin, dst.open("w", newline="") as fout:
        rows = csv.DictReader(fin)
        out = csv.writer(fout, lineterminator="\n")
        out.writerow(["ccode", "year", "cinc"])
        n = 0
        for row in rows:
            if not row["cinc"]:
                continue
            out.writerow([int(float(row["ccode"])), int(float(row["year"])), row["cinc"]])
            n += 1
    return n


ALLIANCE_COLUMNS = [
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
]
ATOP_PROVISIONS = ["conditio", "milcon", "intcom", "base", "milaid", "organ1", "milinst", "formal"]


def _int(text: str) -> int | None:
    """'1020.0' -> 1020; '' -> None."""
    return int(float(text)) if text.strip() else None


def _flag(text: str) -> int:
    """A 0/1 flag written as '', '0', '1' or '1.0' (blank meaning 0, as in the B&F file)."""
    value = _int(text)
    return 0 if value is None else value


def build_alliance_invocations(shared: Path, out: Path) -> dict[str, int]:
    """Berkemeier & Fuhrmann (2018) alliance-war pairs where the commitment applied, joined.

    One row per row of ``alliances/berkemeier_fuhrmann_2018.csv`` with ``dnaLLM != 1``, in
    the file's order, joined with the COW inter-state war dyad-years (start year, the war's
    sides), ATOP v4 (alliance provisions, members) and COW NMC v7 (CINC). Returns how many
    rows each join filled; see src/guaranty/data/SOURCES.md for every rule.
    """
    bf_rows = _read_csv(shared / "alliances" / "berkemeier_fuhrmann_2018.csv")
    atop = {
        _int(r["atopid"]): r for r in _read_csv(shared / "alliances" / "atop4_alliance_level.csv")
    }
    members: dict[int, list[tuple[int, int, int]]] = {}
    for r in _read_csv(shared / "alliances" / "atop4_member_level.csv"):
        yrexit = _int(r["yrexit"]) or 0
        members.setdefault(_int(r["atopid"]), []).append(
            (_int(r["member"]), _int(r["yrent"]), yrexit if yrexit > 0 else 9999)
        )
    dyads: dict[int, list[tuple[int, int, int]]] = {}
    for r in _read_csv(shared / "wars" / "cow_interstate_war_dyad_years_v4.csv"):
        dyads.setdefault(_int(r["warnum"]), []).append(
            (_int(r["ccode1"]), _int(r["ccode2"]), _int(r["year"]))
        )
    cinc: dict[tuple[int, int], float] = {}
    for r in _read_csv(shared / "capabilities" / "cow_nmc_v7.csv"):
        if r["cinc"].strip():
            cinc[_int(r["ccode"]), _int(r["year"])] = float(r["cinc"])

    counts = dict.fromkeys(
        [
            "rows",
            "cow_war",
            "start_from_name",
            "atop",
            "atop_complete",
            "sides",
            "cinc",
            "nuclear",
        ],
        0,
    )
    table: list[list[object]] = []
    for r in bf_rows:
        if _flag(r["dnaLLM"]) == 1:
            continue
        counts["rows"] += 1
        atopid = _int(r["atopid"])
        warnum = _int(r["cowwarid"])
        war = dyads.get(warnum, []) if warnum is not None else []
        if war:
            counts["cow_war"] += 1
            start, source = min(y for _, _, y in war), "cow"
        else:
            match = re.search(r"(1[89]\d\d|20\d\d)", r["warname"])
            if match is None:
                raise ValueError(f"war {r['warname']!r}: not in COW and no year in its name")
            start, source = int(match.group(1)), "name"
            counts["start_from_name"] += 1
        alliance = atop.get(atopid)
        if alliance is None:
            raise ValueError(f"ATOP alliance {atopid} (war {r['warname']!r}) is not in ATOP v4")
        counts["atop"] += 1
        provisions = [_int(alliance[k]) for k in ATOP_PROVISIONS]
        counts["atop_complete"] += all(v is not None for v in provisions)
        begyr = _int(alliance["begyr"])
        year = max(start, begyr)
        honor_bf = "" if _flag(r["dnaBF"]) == 1 else _flag(r["honorBF"])

        # The war's sides, as seen from the alliance (see SOURCES.md for the rules).
        active = sorted(
            {m for m, y0, y1 in members.get(atopid, []) if y0 <= year <= y1}
            or {m for m, _, _ in members.get(atopid, [])}
        )
        first: dict[int, int] = {}
        for a, _, y in war:
            first[a] = min(first.get(a, y), y)
        in_war = [m for m in active if m in first]
        protected = ally = opponents = None
        ally_cinc = opp_cinc = share = None
        nuclear: int | None = None
        if in_war:
            counts["sides"] += 1
            protected = min(in_war, key=lambda m: (first[m], cinc.get((m, year), 0.0), m))
            # Its enemies in the year the commitment was invoked (or, if it was not fighting
            # then, in its first war year).
            enemies: dict[int, set[int]] = {}
            for a, b, y in war:
                if a == protected:
                    enemies.setdefault(y, set()).add(b)
            opponents = sorted(enemies.get(year) or enemies[first[protected]])
            ally = [m for m in active if m != protected and m not in opponents]
            ally_vals = [cinc[m, year] for m in ally if (m, year) in cinc]
            opp_vals = [cinc[m, year] for m in opponents if (m, year) in cinc]
            if ally_vals and opp_vals:
                counts["cinc"] += 1
                ally_cinc, opp_cinc = sum(ally_vals), sum(opp_vals)
                share = ally_cinc / (ally_cinc + opp_cinc)
            nuclear = int(any(NUCLEAR_POWERS.get(m, 9999) <= year for m in opponents))
        if nuclear is None and year < min(NUCLEAR_POWERS.values()):
            nuclear = 0  # no nuclear power existed yet
        counts["nuclear"] += nuclear is not None

        table.append(
            [
                _int(r["warid"]),
                "" if warnum is None else warnum,
                r["warname"].strip(),
                atopid,
                start,
                source,
                begyr,
                year,
                int(year >= 1945),
                _flag(r["sample"]),
                *(_flag(r[k]) for k in ("defense", "offense", "neutral", "nonagg", "consul")),
                _flag(r["honorLLM"]),
                honor_bf,
                _flag(r["multilateral"]),
                _int(alliance["bilat"]),
                *("" if v is None else v for v in provisions),
                "" if protected is None else protected,
                "" if ally is None else ";".join(map(str, ally)),
                "" if opponents is None else ";".join(map(str, opponents)),
                "" if ally_cinc is None else f"{ally_cinc:.6g}",
                "" if opp_cinc is None else f"{opp_cinc:.6g}",
                "" if share is None else f"{share:.4f}",
                "" if nuclear is None else nuclear,
            ]
        )
    with out.open("w", newline="") as fout:
        writer = csv.writer(fout, lineterminator="\n")
        writer.writerow(ALLIANCE_COLUMNS)
        writer.writerows(table)
    return counts


# Fortna's data end on this date: ROS (Peacekeeping/peace.R) gives it to every ceasefire
# without a failure date, and so do we (right-censoring at the end of observation).
FORTNA_END_OF_DATA = "2004-12-31"


def build_peace_tables(shared: Path, out: Path) -> dict[str, int]:
    """Fortna's civil-war ceasefires (the n = 96 sample of ROS) and Walter's post-war episodes.

    ``fortna_ceasefires.csv``: the rows of ``peace/fortna_civil_ceasefires.csv`` that
    Regression and Other Stories keep (``Peacekeeping/peace.R``: ``pcw == 1`` and a defined
    delay, i.e. a ceasefire date), in file order, with the duration of peace in days from
    ``cfdate`` to ``faildate``, or to 2004-12-31 when there is none. ``walter_postwar.csv``:
    one row per post-war episode (``id``) of ``peace/walter_2015_postwar.csv``, in order of
    first appearance. See src/guaranty/data/SOURCES.md for every column.
    """
    end = date.fromisoformat(FORTNA_END_OF_DATA)
    fortna = _read_csv(shared / "peace" / "fortna_civil_ceasefires.csv")
    ceasefires = []
    for row in fortna:
        if _int(row["pcw"]) != 1 or not row["cfdate"].strip():
            continue
        start = date.fromisoformat(row["cfdate"])
        stop = date.fromisoformat(row["faildate"]) if row["faildate"].strip() else end
        ceasefires.append(
            [
                _int(row["id"]),
                row["cname"],
                row["cfdate"],
                row["faildate"],
                (stop - start).days,
                1 if row["faildate"].strip() else 0,
                _int(row["morewar"]),
                _int(row["pk_dum"]),
                _int(row["pkop"]),
                _int(row["pkwho"]),
                _int(row["treaty"]),
                _int(row["victory"]),
            ]
        )
    with (out / "fortna_ceasefires.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            [
                "id",
                "cname",
                "cfdate",
                "faildate",
                "duration_days",
                "failed",
                "morewar",
                "pk_dum",
                "pkop",
                "pkwho",
                "treaty",
                "victory",
            ]
        )
        writer.writerows(ceasefires)

    episodes: dict[int, list[dict[str, str]]] = {}
    for row in _read_csv(shared / "peace" / "walter_2015_postwar.csv"):
        episodes.setdefault(_int(row["id"]), []).append(row)
    table = []
    for episode, rows in episodes.items():
        years = [_int(r["year"]) for r in rows]
        renewed = [y for y, r in zip(years, rows, strict=True) if _flag(r["renewed_war"]) == 1]
        first = rows[0]
        table.append(
            [
                episode,
                _int(first["ccode"]),
                min(years),
                max(years),
                len(rows),
                1 if renewed else 0,
                min(renewed) if renewed else "",
                _flag(first["comprehensive"]),
                _flag(first["victory"]),
                _flag(first["unpko"]),
                max(_flag(r["unpko"]) for r in rows),
            ]
        )
    with (out / "walter_postwar.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            [
                "episode",
                "ccode",
                "first_year",
                "last_year",
                "country_years",
                "renewed",
                "renewal_year",
                "comprehensive",
                "victory",
                "unpko_first",
                "unpko_ever",
            ]
        )
        writer.writerows(table)
    return {"ceasefires": len(ceasefires), "postwar_episodes": len(table)}


#: War-table fixtures (tests/data_tables/test_war_tables.py recomputes the shipped war
#: tables' counts from them): (path under the shared folder, name under tests/data/wars,
#: the columns kept, a row filter or None). Written gzipped with a fixed header time, so
#: that a rebuild gives the same bytes.
WAR_FIXTURES = [
    (
        "wars/cow_interstate_war_dyad_years_v4.csv",
        "cow_interstate_war_dyad_years_v4.csv.gz",
        None,
        None,
    ),
    (
        "wars/ucdp_prio_armed_conflict.csv",
        "ucdp_prio_interstate.csv.gz",
        ["conflict_id", "type_of_conflict", "start_date2", "ep_end", "ep_end_date"],
        lambda r: r["type_of_conflict"] == "interstate",
    ),
    (
        "capabilities/cow_nmc_v7.csv",
        "cow_nmc_v7_forces.csv.gz",
        ["ccode", "year", "milex", "milper", "cinc"],
        None,
    ),
]


def build_war_fixtures(shared: Path, out: Path) -> dict[str, int]:
    """The rows and columns of the raw war files the war-table tests read."""
    from rebuild_conflict_data import write_csv

    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for rel, name, columns, keep in WAR_FIXTURES:
        rows = _read_csv(shared / rel)
        header = columns or list(rows[0])
        kept = ([r[c] for c in header] for r in rows if keep is None or keep(r))
        counts[name] = write_csv(out / name, header, kept, str)
    return counts


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        print(f"no such folder: {shared}", file=sys.stderr)
        return 2
    n = build_cinc(shared / "capabilities" / "cow_nmc_v7.csv", PKG_DATA / "cow_nmc_cinc.csv")
    print(f"cow_nmc_cinc.csv: {n} country-years")
    counts = build_alliance_invocations(shared, PKG_DATA / "alliance_invocations.csv")
    print("alliance_invocations.csv: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    peace = build_peace_tables(shared, PKG_DATA)
    print("peace tables: " + ", ".join(f"{k} {v}" for k, v in peace.items()))
    TEST_DATA.mkdir(parents=True, exist_ok=True)
    for rel, name in FIXTURES:
        shutil.copyfile(shared / rel, TEST_DATA / name)
        print(f"tests/data/{name} <- {rel}")
    bad = check_from_repositories()
    for line in bad:
        print(line, file=sys.stderr)
    if bad:
        return 1
    for repo, commit, rel, name, _ in FROM_REPOSITORIES:
        print(f"tests/data/{name} == {repo} {commit[:12]}:{rel} (checked, not copied)")
    wars = build_war_fixtures(shared, TEST_DATA / "wars")
    print("tests/data/wars: " + ", ".join(f"{k} {v} rows" for k, v in wars.items()))
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
