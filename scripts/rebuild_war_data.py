#!/usr/bin/env python3
"""Rebuild guaranty's war tables: COW inter-state wars and UCDP/PRIO inter-state episodes.

Usage: python3 scripts/rebuild_war_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ``../shared/data`` next to the repository. Writes, under
src/guaranty/data/: ``cow_wars.csv`` (one row per COW inter-state war v4.0, with forces at
the start from COW NMC v7, major-power status, and how its war-level militarized dispute was
settled, from the GML MID data) and ``ucdp_interstate_episodes.csv`` (one
row per UCDP/PRIO inter-state conflict episode starting on or before 2021-12-31). Every
output is a pure function of the input files (fixed row order and number formats), so
running the script twice gives identical bytes. The column lists live in
``guaranty.data.wars``. See src/guaranty/data/SOURCES.md for every rule and count.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guaranty.data.wars import (  # noqa: E402
    CENSOR_DATE,
    COW_WAR_COLUMNS,
    DAYS_PER_MONTH,
    OUTCOME_CLASSES,
    UCDP_EPISODE_COLUMNS,
)

PKG_DATA = ROOT / "src" / "guaranty" / "data"
COW_FILE = "wars/cow_interstate_war_dyad_years_v4.csv"
UCDP_FILE = "wars/ucdp_prio_armed_conflict.csv"
NMC_FILE = "capabilities/cow_nmc_v7.csv"
MAJOR_FILE = "capabilities/cow_major_powers.csv"
MID_DYAD_FILE = "wars/gml_mid_directed_dyad_years.csv"
MID_DISPUTE_FILE = "wars/gml_mid_disputes.csv"
# GML MID ``settle`` codes -> ``gml_settle`` (blank: no war-level dispute linked)
SETTLE_OF_CODE = {1: "negotiated", 2: "imposed", 3: "none", 4: "unclear", -9: "missing"}
# GML MID dispute ``outcome`` codes -> ``gml_outcome`` (a victory or a yield by either side
# are one class each: the war model's sides are not GML's sides A and B)
OUTCOME_OF_CODE = {
    1: "victory",
    2: "victory",
    3: "yield",
    4: "yield",
    5: "stalemate",
    6: "compromise",
    7: "released",
    8: "unclear",
    9: "joins war",
    -9: "missing",
}
# COW outcome codes shared by every initiator -> class; anything else is "other".
OUTCOME_CLASS_OF_CODE = {
    1: "initiator",
    2: "target",
    3: "compromise",
    6: "stalemate",
    4: "transformed",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _int(text: str) -> int | None:
    """'1020.0' -> 1020; '' -> None."""
    return int(float(text)) if text.strip() else None


def _amount(text: str) -> float | None:
    """An NMC value: blank or negative (-9) is missing."""
    if not text.strip():
        return None
    value = float(text)
    return None if value < 0 else value


def _fmt(value: object) -> str:
    """Integers (and integral floats) as integers, other floats with 6 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    return str(value)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """The conflict tables' CSV writer with this script's number format."""
    from rebuild_conflict_data import write_csv as write

    return write(path, header, rows, _fmt)


def _joined(values: Iterable[int]) -> str:
    return ";".join(str(v) for v in sorted(set(values)))


# --- COW inter-state wars ----------------------------------------------------------------------


class Participant:
    """One COW participant record: a state on one side of one war.

    The dyad-year file repeats the state's attributes on every row it appears in (as ccode1):
    ``initiator1``, ``outcome1`` and ``batdeath1`` are constant over the record's dyads and
    years (``outcome1`` is blank on the duplicated rows with ``resume == 1``). A state that
    changed sides has one record per side, each with its own outcome and battle deaths.
    """

    def __init__(self, ccode: int, side: int) -> None:
        self.ccode, self.side = ccode, side
        self.years: set[int] = set()
        self.initiator: set[int] = set()
        self.outcome: set[int] = set()
        self.batdeath: set[int] = set()


def read_participants(shared: Path) -> tuple[dict[int, dict[tuple[int, int], Participant]], dict]:
    """Participant records by war, and per-war facts read off the rows (rows, resume)."""
    wars: dict[int, dict[tuple[int, int], Participant]] = defaultdict(dict)
    facts: dict[int, dict[str, int]] = defaultdict(lambda: {"rows": 0, "resume": 0})
    for r in _read_csv(shared / COW_FILE):
        w, c, side = _int(r["warnum"]), _int(r["ccode1"]), _int(r["sidea1"])
        p = wars[w].setdefault((c, side), Participant(c, side))
        p.years.add(_int(r["year"]))
        p.initiator.add(_int(r["initiator1"]))
        if _int(r["outcome1"]) is not None:
            p.outcome.add(_int(r["outcome1"]))
        p.batdeath.add(_int(r["batdeath1"]))
        facts[w]["rows"] += 1
        facts[w]["resume"] = max(facts[w]["resume"], _int(r["resume"]))
    for w, parts in wars.items():
        for p in parts.values():
            if len(p.initiator) != 1 or len(p.outcome) != 1 or len(p.batdeath) != 1:
                raise ValueError(f"war {w}, state {p.ccode}, side {p.side}: attributes vary")
    return wars, facts


def outcome_class(codes: set[int]) -> str:
    """The class of a war from the distinct outcome codes of its initiators."""
    return OUTCOME_CLASS_OF_CODE.get(next(iter(codes)), "other") if len(codes) == 1 else "other"


def tally_outcome_classes(shared: Path) -> Counter:
    """Outcome classes straight from the raw rows (initiator1 == 1, outcome1 not blank)."""
    codes: dict[int, set[int]] = defaultdict(set)
    for r in _read_csv(shared / COW_FILE):
        if r["initiator1"].strip() and float(r["initiator1"]) == 1 and r["outcome1"].strip():
            codes[int(float(r["warnum"]))].add(int(float(r["outcome1"])))
    return Counter(outcome_class(c) for c in codes.values())


def read_nmc(shared: Path) -> dict[tuple[int, int], dict[str, float | None]]:
    return {
        (_int(r["ccode"]), _int(r["year"])): {k: _amount(r[k]) for k in ("milper", "milex", "cinc")}
        for r in _read_csv(shared / NMC_FILE)
    }


def read_majors(shared: Path) -> list[tuple[int, int, int]]:
    return [
        (_int(r["ccode"]), _int(r["styear"]), _int(r["endyear"]))
        for r in _read_csv(shared / MAJOR_FILE)
    ]


def read_war_disputes(
    shared: Path,
) -> tuple[dict[int, set], dict[int, int], dict[int, int]]:
    """The GML militarized disputes that reached war (dispute hostility level 5): their
    directed dyad-years {(ccode1, ccode2, year)} by dispute number, and their ``settle``
    and ``outcome`` codes (from the dispute-level file)."""
    war_level = [r for r in _read_csv(shared / MID_DISPUTE_FILE) if _int(r["hostlev"]) == 5]
    settle = {_int(r["dispnum"]): _int(r["settle"]) for r in war_level}
    outcome = {_int(r["dispnum"]): _int(r["outcome"]) for r in war_level}
    dyads: dict[int, set] = defaultdict(set)
    for r in _read_csv(shared / MID_DYAD_FILE):
        d = _int(r["dispnum"])
        if d in settle:
            dyads[d].add((_int(r["ccode1"]), _int(r["ccode2"]), _int(r["year"])))
    return dyads, settle, outcome


def war_dyad_years(shared: Path) -> dict[int, set]:
    """Each COW war's directed dyad-years {(ccode1, ccode2, year)}."""
    out: dict[int, set] = defaultdict(set)
    for r in _read_csv(shared / COW_FILE):
        out[_int(r["warnum"])].add((_int(r["ccode1"]), _int(r["ccode2"]), _int(r["year"])))
    return out


def link_dispute(war: set, disputes: dict[int, set]) -> int:
    """The war-level dispute sharing the most directed dyad-years with the war (the lowest
    dispute number on a tie); 0 if none shares any."""
    best = max(((len(war & dy), -d) for d, dy in disputes.items() if war & dy), default=None)
    return -best[1] if best else 0


def build_cow_wars(shared: Path, out: Path) -> dict[str, object]:
    wars, facts = read_participants(shared)
    dyad_years = war_dyad_years(shared)
    disputes, settle, ended = read_war_disputes(shared)
    settled: Counter = Counter()
    outcomes: Counter = Counter()
    nmc = read_nmc(shared)
    majors = read_majors(shared)
    rows = []
    classes: Counter = Counter()
    odd: dict[str, list] = defaultdict(list)
    for w in sorted(wars):
        parts = list(wars[w].values())
        start = min(min(p.years) for p in parts)
        end = max(max(p.years) for p in parts)
        init_sides = {p.side for p in parts if p.initiator == {1}}
        if len(init_sides) != 1:
            raise ValueError(f"war {w}: initiators on sides {sorted(init_sides)}")
        (init_side,) = init_sides
        init = [p for p in parts if p.side == init_side]
        target = [p for p in parts if p.side != init_side]
        codes = set().union(*(p.outcome for p in init if p.initiator == {1}))
        cls = outcome_class(codes)
        classes[cls] += 1
        sums: dict[str, object] = {}
        for label, side in (("init", init), ("target", target)):
            at_start = [p for p in side if start in p.years]
            milper = milex = cinc = 0.0
            missing = 0
            for p in at_start:
                cap = nmc.get((p.ccode, start), {})
                if cap.get("milper") is None:
                    missing += 1
                milper += cap.get("milper") or 0.0
                milex += cap.get("milex") or 0.0
                if cap.get("milex") is None:
                    odd["milex missing (counted 0)"].append((w, label, p.ccode))
                if cap.get("cinc") is None:
                    odd["no cinc at start"].append((w, p.ccode, start))
                cinc += cap.get("cinc") or 0.0
            cinc_all = 0.0
            for p in side:
                first = min(p.years)
                value = nmc.get((p.ccode, first), {}).get("cinc")
                if value is None:
                    odd["no cinc at entry"].append((w, p.ccode, first))
                cinc_all += value or 0.0
            deaths = 0
            for p in side:
                (d,) = p.batdeath
                if d is None or d < 0:
                    odd["batdeath missing"].append((w, p.ccode, p.side))
                else:
                    deaths += d
            if missing:
                odd["milper missing"].append((w, label, missing))
            sums[label] = {
                "ccodes": _joined(p.ccode for p in side),
                "n": len({p.ccode for p in side}),
                "milper": milper,
                "milper_missing": missing,
                "cinc": cinc,
                "milex": milex,
                "cinc_all": cinc_all,
                "batdeath": deaths,
                "major": int(
                    any(c == p.ccode and y0 <= start <= y1 for p in side for c, y0, y1 in majors)
                ),
            }
        i, t = sums["init"], sums["target"]
        dispute = link_dispute(dyad_years[w], disputes)
        how = SETTLE_OF_CODE[settle[dispute]] if dispute else ""
        settled[(cls, how or "not linked")] += 1
        gml = OUTCOME_OF_CODE[ended[dispute]] if dispute else ""
        outcomes[(cls, gml or "not linked")] += 1
        row = {
            "warnum": w,
            "start_year": start,
            "end_year": end,
            "years_touched": end - start + 1,
            "n_states": len({p.ccode for p in parts}),
            "n_init_side": i["n"],
            "n_target_side": t["n"],
            "init_side": init_side,
            "init_ccodes": i["ccodes"],
            "target_ccodes": t["ccodes"],
            "outcome_class": cls,
            "init_outcome_codes": _joined(codes),
            "milper_init": i["milper"],
            "milper_target": t["milper"],
            "milper_missing_init": i["milper_missing"],
            "milper_missing_target": t["milper_missing"],
            "cinc_init": i["cinc"],
            "cinc_target": t["cinc"],
            "milex_init": i["milex"],
            "milex_target": t["milex"],
            "cinc_init_all": i["cinc_all"],
            "cinc_target_all": t["cinc_all"],
            "batdeath_init": i["batdeath"],
            "batdeath_target": t["batdeath"],
            "major_init": i["major"],
            "major_target": t["major"],
            "resume": facts[w]["resume"],
            "gml_dispnum": dispute,
            "gml_settle": how,
            "gml_outcome": gml,
        }
        rows.append([row[c] for c in COW_WAR_COLUMNS])
    tally = tally_outcome_classes(shared)
    if tally != classes:
        raise ValueError(f"outcome classes {dict(classes)} differ from the raw tally {dict(tally)}")
    n = write_csv(out, COW_WAR_COLUMNS, rows)
    return {
        "wars": n,
        "dyad-year rows": sum(f["rows"] for f in facts.values()),
        "participant records": sum(len(p) for p in wars.values()),
        "states summed over wars": sum(len({c for c, _ in p}) for p in wars.values()),
        "classes": {k: classes[k] for k in OUTCOME_CLASSES},
        "war-level disputes (GML MID, hostility 5)": len(settle),
        "settled": dict(sorted(settled.items())),
        "ended": dict(sorted(outcomes.items())),
        "odd": dict(odd),
    }


# --- UCDP/PRIO inter-state episodes ------------------------------------------------------------


def _gwno(texts: Iterable[str]) -> str:
    return _joined(int(float(t)) for t in texts if t.strip())


def build_ucdp_episodes(shared: Path, out: Path) -> dict[str, int]:
    """One row per (conflict_id, start_date2) of the inter-state conflict-years.

    The input has one row per conflict-year and party: a year with several primary parties
    on a side is repeated, one party per row, so the parties of an episode are the union of
    ``gwno_a`` (``gwno_b``) over its rows.
    """
    censor = date.fromisoformat(CENSOR_DATE)
    episodes: dict[tuple[int, str], list[dict[str, str]]] = defaultdict(list)
    for r in _read_csv(shared / UCDP_FILE):
        if r["type_of_conflict"] == "interstate":
            episodes[_int(r["conflict_id"]), r["start_date2"]].append(r)
    rows = []
    counts = Counter()
    for (cid, start_text), eps in sorted(episodes.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        start = date.fromisoformat(start_text)
        counts["episodes in the file"] += 1
        if start > censor:
            counts["starting after " + CENSOR_DATE] += 1
            continue
        ends = {r["ep_end_date"] for r in eps if _int(r["ep_end"]) == 1}
        if len(ends) > 1:
            raise ValueError(f"conflict {cid}, episode {start_text}: end dates {sorted(ends)}")
        end = date.fromisoformat(ends.pop()) if ends else None
        incompat = {r["incompatibility"] for r in eps}
        if len(incompat) != 1:
            raise ValueError(f"conflict {cid}, episode {start_text}: incompatibility varies")
        censored = end is None or end > censor
        if censored and end is not None:
            counts["ended after " + CENSOR_DATE] += 1
        stop = censor if censored else end
        rows.append(
            [
                cid,
                start.isoformat(),
                "" if censored else end.isoformat(),
                _gwno(r["gwno_a"] for r in eps),
                _gwno(r["gwno_b"] for r in eps),
                incompat.pop(),
                max(_int(r["intensity_level"]) for r in eps),
                f"{(stop - start).days / DAYS_PER_MONTH:.2f}",
                int(censored),
            ]
        )
        counts["censored"] += int(censored)
    counts["episodes"] = write_csv(out, UCDP_EPISODE_COLUMNS, rows)
    counts["conflicts"] = len({r[0] for r in rows})
    return dict(counts)


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        print(f"no such folder: {shared}", file=sys.stderr)
        return 2
    cow = build_cow_wars(shared, PKG_DATA / "cow_wars.csv")
    classes, odd, settled = cow.pop("classes"), cow.pop("odd"), cow.pop("settled")
    ended = cow.pop("ended")
    print("cow_wars.csv: " + ", ".join(f"{k} {v}" for k, v in cow.items()))
    print(
        "  outcome classes (equal to the raw tally): "
        + ", ".join(f"{k} {v}" for k, v in classes.items())
    )
    print(
        "  GML MID settlement of the linked war-level dispute, by outcome class: "
        + ", ".join(f"{c}/{how} {n}" for (c, how), n in settled.items())
    )
    print(
        "  GML MID outcome of the linked war-level dispute, by outcome class: "
        + ", ".join(f"{c}/{how} {n}" for (c, how), n in ended.items())
    )
    for what, cases in odd.items():
        print(f"  {what}: {len(cases)}: {cases}")
    ucdp = build_ucdp_episodes(shared, PKG_DATA / "ucdp_interstate_episodes.csv")
    print("ucdp_interstate_episodes.csv: " + ", ".join(f"{k} {v}" for k, v in ucdp.items()))
    return 0


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):  # the docstring is the usage
        print(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
