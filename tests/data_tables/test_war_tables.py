"""The shipped war tables: COW inter-state wars and UCDP/PRIO inter-state episodes.

Every figure here is stated in src/guaranty/data/SOURCES.md and traces to the published data
through scripts/rebuild_war_data.py. Most tests read only the tables shipped in the package,
and the others recompute the tables' counts, independently of the script, from the raw files'
rows and columns they need, shipped gzipped under ``tests/data/wars`` (rebuilt by
scripts/rebuild_data.py), so that every test runs without the shared data folder.

Facts checked against ``wars/cow_interstate_war_dyad_years_v4.csv`` (and COW's v4.0 war
list): 95 wars and 337 participant records (332 war-state pairs: Germany in war 108 and
France, Italy, Bulgaria and Romania in World War II, 139, have a record on each side). War 1,
the Franco-Spanish War of 1823: France (220) initiated and won against Spain (230), 400 and
600 battle deaths. War 151, the Korean War, 1950-53: North Korea (731) initiated, joined by
China (710), against South Korea (732), the United States and 12 others; stalemate (6). War
202, the Falklands War, 1982: Argentina (160) initiated and lost to the United Kingdom (200),
746 and 255 battle deaths. War 211, the Gulf War, 1990-91: Iraq (645) initiated and lost
against Kuwait (690) and 12 coalition states (only Kuwait fought in 1990). World War I (106)
and II (139) battle deaths: 8,578,031 and 16,634,907.
"""

from __future__ import annotations

import csv
import gzip
import types
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from guaranty.data import wars
from guaranty.data.wars import (
    CENSOR_DATE,
    COW_WAR_COLUMNS,
    DAYS_PER_MONTH,
    OUTCOME_CLASSES,
    UCDP_EPISODE_COLUMNS,
    cow_wars,
    ucdp_episodes,
)
from guaranty.errors import DataError

# the raw files' rows and columns these tests read (tests/data/SOURCES.md; rebuilt by
# scripts/rebuild_data.py from the shared data folder)
RAW = Path(__file__).resolve().parents[1] / "data" / "wars"


def _raw_rows(name: str) -> list[dict[str, str]]:
    with gzip.open(RAW / name, "rt", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def cow() -> dict[str, np.ndarray]:
    return cow_wars()


@pytest.fixture(scope="module")
def ucdp() -> dict[str, np.ndarray]:
    return ucdp_episodes()


def _war(cow: dict[str, np.ndarray], warnum: int) -> dict[str, object]:
    (index,) = np.nonzero(cow["warnum"] == warnum)
    assert index.size == 1, warnum
    return {name: col[index[0]] for name, col in cow.items()}


def _codes(text: str) -> list[int]:
    return [int(c) for c in text.split(";")] if text else []


# --- cow_wars: always on ---------------------------------------------------------------------


def test_cow_columns_and_types(cow) -> None:
    assert tuple(cow) == COW_WAR_COLUMNS
    assert all(col.shape == (95,) for col in cow.values())
    assert cow["warnum"].dtype == np.int64 and cow["cinc_init"].dtype == np.float64
    assert cow["init_ccodes"].dtype == object and isinstance(cow["outcome_class"][0], str)
    assert not cow["warnum"].flags.writeable
    assert np.all(np.diff(cow["warnum"]) > 0)
    assert cow_wars() is not cow and cow_wars()["warnum"] is cow["warnum"]  # cached arrays


def test_cow_counts(cow) -> None:
    assert int(cow["n_states"].sum()) == 332
    assert int((cow["n_init_side"] + cow["n_target_side"]).sum()) == 337
    counts = {k: int((cow["outcome_class"] == k).sum()) for k in OUTCOME_CLASSES}
    assert counts == {
        "initiator": 51,
        "target": 26,
        "compromise": 2,
        "stalemate": 8,
        "transformed": 8,
        "other": 0,
    }
    assert set(cow["warnum"][cow["resume"] == 1]) == {10, 13, 46, 148, 184}
    assert (cow["start_year"].min(), cow["end_year"].max()) == (1823, 2003)
    missing = cow["milper_missing_init"] + cow["milper_missing_target"]
    assert set(cow["warnum"][missing > 0]) == {58, 107, 108, 145, 225}


def test_cow_gml_settlement(cow) -> None:
    """The GML MID settlement of each war's war-level dispute, by COW outcome class: the
    counts that src/guaranty/data/SOURCES.md gives (rebuilt from the raw MID files by
    scripts/rebuild_war_data.py), and wars whose end is well known."""
    counts: dict[tuple[str, str], int] = {}
    for cls, how in zip(cow["outcome_class"], cow["gml_settle"], strict=True):
        counts[cls, how or "not linked"] = counts.get((cls, how or "not linked"), 0) + 1
    assert counts == {
        ("initiator", "negotiated"): 19,
        ("initiator", "imposed"): 24,
        ("initiator", "none"): 1,
        ("initiator", "not linked"): 7,
        ("target", "negotiated"): 12,
        ("target", "imposed"): 10,
        ("target", "none"): 1,
        ("target", "not linked"): 3,
        ("compromise", "negotiated"): 1,
        ("compromise", "not linked"): 1,
        ("stalemate", "negotiated"): 7,
        ("stalemate", "not linked"): 1,
        ("transformed", "negotiated"): 2,
        ("transformed", "imposed"): 4,
        ("transformed", "none"): 2,
    }
    assert np.array_equal(cow["gml_dispnum"] == 0, cow["gml_settle"] == "")
    unlinked = {1, 34, 37, 43, 52, 117, 145, 158, 159, 202, 217, 221}
    assert set(cow["warnum"][cow["gml_dispnum"] == 0]) == unlinked
    # the Korean War ended in an armistice, both world wars and the Gulf War in a peace the
    # victors imposed
    settle = dict(zip(cow["warnum"].tolist(), cow["gml_settle"], strict=True))
    assert settle[151] == "negotiated"
    assert settle[106] == settle[139] == settle[211] == "imposed"


def test_cow_gml_outcome(cow) -> None:
    """The GML MID outcome of each war's war-level dispute: the counts by COW outcome class
    and against the settlement that src/guaranty/data/SOURCES.md gives (rebuilt from the raw
    MID files by scripts/rebuild_war_data.py), and wars whose end is well known."""
    counts: dict[tuple[str, str], int] = {}
    for cls, how in zip(cow["outcome_class"], cow["gml_outcome"], strict=True):
        counts[cls, how or "not linked"] = counts.get((cls, how or "not linked"), 0) + 1
    assert counts == {
        ("initiator", "victory"): 33,
        ("initiator", "yield"): 1,
        ("initiator", "stalemate"): 7,
        ("initiator", "compromise"): 2,
        ("initiator", "joins war"): 1,
        ("initiator", "not linked"): 7,
        ("target", "victory"): 19,
        ("target", "stalemate"): 4,
        ("target", "not linked"): 3,
        ("compromise", "victory"): 1,
        ("compromise", "not linked"): 1,
        ("stalemate", "victory"): 1,
        ("stalemate", "yield"): 1,
        ("stalemate", "stalemate"): 3,
        ("stalemate", "compromise"): 2,
        ("stalemate", "not linked"): 1,
        ("transformed", "victory"): 6,
        ("transformed", "stalemate"): 1,
        ("transformed", "compromise"): 1,
    }
    assert np.array_equal(cow["gml_dispnum"] == 0, cow["gml_outcome"] == "")
    scored = np.isin(cow["outcome_class"], ["initiator", "target", "compromise", "stalemate"])
    pairs: dict[tuple[str, str], int] = {}
    for how, settle in zip(cow["gml_outcome"][scored], cow["gml_settle"][scored], strict=True):
        if how:
            pairs[how, settle] = pairs.get((how, settle), 0) + 1
    assert pairs == {
        ("victory", "negotiated"): 21,
        ("victory", "imposed"): 33,
        ("yield", "negotiated"): 2,
        ("stalemate", "negotiated"): 12,
        ("stalemate", "none"): 2,
        ("compromise", "negotiated"): 4,
        ("joins war", "imposed"): 1,
    }
    # the Korean War ended in a stalemate; both world wars and the Gulf War in a victory
    ended = dict(zip(cow["warnum"].tolist(), cow["gml_outcome"], strict=True))
    assert ended[151] == "stalemate"
    assert ended[106] == ended[139] == ended[211] == "victory"


def test_cow_structure(cow) -> None:
    assert np.array_equal(cow["years_touched"], cow["end_year"] - cow["start_year"] + 1)
    assert set(cow["init_side"]) == {1, 2}
    for i in range(95):
        init, target = _codes(cow["init_ccodes"][i]), _codes(cow["target_ccodes"][i])
        assert init == sorted(set(init)) and target == sorted(set(target))
        assert (len(init), len(target)) == (cow["n_init_side"][i], cow["n_target_side"][i])
        assert len(set(init) | set(target)) == cow["n_states"][i]
        codes = _codes(cow["init_outcome_codes"][i])
        expected = {1: "initiator", 2: "target", 3: "compromise", 6: "stalemate"}
        expected[4] = "transformed"
        cls = expected.get(codes[0], "other") if len(codes) == 1 else "other"
        assert cow["outcome_class"][i] == cls
    for side in ("init", "target"):
        assert np.all(cow[f"cinc_{side}_all"] >= cow[f"cinc_{side}"])
        assert np.all(cow[f"milper_missing_{side}"] <= cow[f"n_{side}_side"])
        assert np.all(cow[f"batdeath_{side}"] >= 0)
    assert np.all(cow["cinc_init"] > 0) and np.all(cow["cinc_target"] > 0)


def test_franco_spanish_war_1823(cow) -> None:
    war = _war(cow, 1)
    assert (war["start_year"], war["end_year"], war["init_ccodes"], war["target_ccodes"]) == (
        1823,
        1823,
        "220",
        "230",
    )
    assert (war["outcome_class"], war["init_outcome_codes"]) == ("initiator", "1")
    assert (war["batdeath_init"], war["batdeath_target"]) == (400, 600)
    assert (war["major_init"], war["major_target"], war["resume"]) == (1, 0, 0)


def test_korean_war(cow) -> None:
    war = _war(cow, 151)
    assert (war["start_year"], war["end_year"], war["years_touched"]) == (1950, 1953, 4)
    assert war["init_ccodes"] == "710;731"
    target = _codes(war["target_ccodes"])
    assert {2, 732, 200} <= set(target) and len(target) == 14
    assert (war["outcome_class"], war["major_init"], war["major_target"]) == ("stalemate", 1, 1)


def test_falklands_war(cow) -> None:
    war = _war(cow, 202)
    assert (war["start_year"], war["end_year"]) == (1982, 1982)
    assert (war["init_ccodes"], war["target_ccodes"], war["outcome_class"]) == (
        "160",
        "200",
        "target",
    )
    assert (war["batdeath_init"], war["batdeath_target"]) == (746, 255)
    assert (war["major_init"], war["major_target"]) == (0, 1)
    assert war["cinc_target"] > war["cinc_init"]


def test_gulf_war(cow) -> None:
    war = _war(cow, 211)
    assert (war["start_year"], war["end_year"], war["init_ccodes"]) == (1990, 1991, "645")
    target = _codes(war["target_ccodes"])
    assert {2, 200, 690} <= set(target) and len(target) == 13
    assert war["outcome_class"] == "target"
    # Only Kuwait fought in 1990: the start-year sums read it alone; the _all sums everyone.
    assert war["milper_target"] == 7 and war["cinc_target_all"] > 10 * war["cinc_target"]


def test_world_wars(cow) -> None:
    ww1, ww2 = _war(cow, 106), _war(cow, 139)
    assert ww1["batdeath_init"] + ww1["batdeath_target"] == 8_578_031
    assert ww2["batdeath_init"] + ww2["batdeath_target"] == 16_634_907
    assert (ww2["start_year"], ww2["end_year"], ww2["n_states"]) == (1939, 1945, 25)
    # France, Italy, Bulgaria and Romania fought on both sides.
    both = set(_codes(ww2["init_ccodes"])) & set(_codes(ww2["target_ccodes"]))
    assert both == {220, 325, 355, 360}
    assert (ww2["n_init_side"], ww2["n_target_side"]) == (8, 21)


# --- ucdp_interstate_episodes: always on -----------------------------------------------------


def test_ucdp_episodes(ucdp) -> None:
    assert tuple(ucdp) == UCDP_EPISODE_COLUMNS
    n = 73
    assert all(col.shape == (n,) for col in ucdp.values())
    assert len(set(ucdp["conflict_id"])) == 49
    assert int(ucdp["censored"].sum()) == 2
    assert set(ucdp["conflict_id"][ucdp["censored"] == 1]) == {14609, 13324}
    assert int((ucdp["max_intensity"] == 2).sum()) == 29
    censor = date.fromisoformat(CENSOR_DATE)
    assert np.all(ucdp["months"] >= 0)
    for i in range(n):
        start = date.fromisoformat(ucdp["episode_start"][i])
        assert start <= censor
        if ucdp["censored"][i]:
            assert ucdp["episode_end"][i] == ""
            end = censor
        else:
            end = date.fromisoformat(ucdp["episode_end"][i])
            assert start <= end <= censor
        assert ucdp["months"][i] == round((end - start).days / DAYS_PER_MONTH, 2)
    keys = list(zip(ucdp["episode_start"], ucdp["conflict_id"], strict=True))
    assert keys == sorted(keys) and len(set(keys)) == n


def test_ucdp_known_episodes(ucdp) -> None:
    def row(conflict_id: int, start: str) -> dict[str, object]:
        mask = (ucdp["conflict_id"] == conflict_id) & (ucdp["episode_start"] == start)
        (index,) = np.nonzero(mask)
        assert index.size == 1
        return {k: v[index[0]] for k, v in ucdp.items()}

    kuwait = row(371, "1990-08-02")
    assert (kuwait["episode_end"], kuwait["gwno_a"], kuwait["gwno_b"]) == (
        "1991-03-01",
        "645",
        "690",
    )
    assert kuwait["max_intensity"] == 2
    falklands = row(346, "1982-05-02")
    assert (falklands["gwno_a"], falklands["gwno_b"], falklands["episode_end"]) == (
        "160",
        "200",
        "1982-06-14",
    )
    iraq = row(420, "2003-03-23")
    assert (iraq["gwno_a"], iraq["gwno_b"], iraq["incompatibility"]) == (
        "2;200;900",
        "645",
        "government",
    )
    korea = row(235, "1949-05-31")
    assert (korea["episode_end"], korea["months"]) == ("1953-07-27", 49.87)
    assert 13243 not in set(ucdp["conflict_id"])  # Russia-Ukraine 2022 starts too late


# --- against the raw files -------------------------------------------------------------------


def _raw_cow() -> dict[int, dict[str, object]]:
    """Per war, straight from the dyad-year rows: years, sides, initiators, outcomes, deaths."""
    out: dict[int, dict[str, object]] = defaultdict(
        lambda: {
            "years": set(),
            "records": {},
            "record_years": defaultdict(set),
            "init_side": set(),
            "codes": set(),
            "resume": 0,
        }
    )
    for r in _raw_rows("cow_interstate_war_dyad_years_v4.csv.gz"):
        w = int(float(r["warnum"]))
        state, side = int(float(r["ccode1"])), int(float(r["sidea1"]))
        war = out[w]
        war["years"].add(int(float(r["year"])))
        war["records"].setdefault((state, side), set()).add(float(r["batdeath1"]))
        war["record_years"][state, side].add(int(float(r["year"])))
        war["resume"] = max(war["resume"], int(float(r["resume"])))
        if float(r["initiator1"]) == 1:
            war["init_side"].add(side)
            if r["outcome1"]:
                war["codes"].add(int(float(r["outcome1"])))
    return dict(out)


def test_cow_reproduces_the_raw_file(cow) -> None:
    raw_wars = _raw_cow()
    assert sorted(raw_wars) == cow["warnum"].tolist()
    assert sum(len(w["records"]) for w in raw_wars.values()) == 337
    classes = {1: "initiator", 2: "target", 3: "compromise", 6: "stalemate", 4: "transformed"}
    for i, warnum in enumerate(cow["warnum"].tolist()):
        war = raw_wars[warnum]
        assert (cow["start_year"][i], cow["end_year"][i]) == (min(war["years"]), max(war["years"]))
        (side,) = war["init_side"]
        assert cow["init_side"][i] == side
        init = sorted({s for s, d in war["records"] if d == side})
        target = sorted({s for s, d in war["records"] if d != side})
        assert cow["init_ccodes"][i] == ";".join(map(str, init))
        assert cow["target_ccodes"][i] == ";".join(map(str, target))
        codes = war["codes"]
        cls = classes.get(min(codes), "other") if len(codes) == 1 else "other"
        assert cow["outcome_class"][i] == cls, warnum
        # Battle deaths: one value per record (checked), counted once; -9 counts 0.
        assert all(len(v) == 1 for v in war["records"].values())
        deaths = {k: max(next(iter(v)), 0) for k, v in war["records"].items()}
        assert cow["batdeath_init"][i] == sum(v for (_, d), v in deaths.items() if d == side)
        assert cow["batdeath_target"][i] == sum(v for (_, d), v in deaths.items() if d != side)
        assert cow["resume"][i] == war["resume"]


def test_cow_forces_from_nmc(cow) -> None:
    """Start-year and entry-year CINC sums of every war, and the Falklands' NMC values."""
    nmc: dict[tuple[int, int], dict[str, str]] = {}
    for r in _raw_rows("cow_nmc_v7_forces.csv.gz"):
        nmc[int(float(r["ccode"])), int(float(r["year"]))] = r
    raw_wars = _raw_cow()
    for i, warnum in enumerate(cow["warnum"].tolist()):
        war, start = raw_wars[warnum], int(cow["start_year"][i])
        (init_side,) = war["init_side"]
        for label, on_side in (("init", True), ("target", False)):
            records = [k for k in war["record_years"] if (k[1] == init_side) == on_side]
            at_start = [s for s, d in records if start in war["record_years"][s, d]]
            cinc = sum(float(nmc[s, start]["cinc"]) for s in at_start)
            assert cow[f"cinc_{label}"][i] == pytest.approx(cinc, rel=1e-5, abs=1e-9)
            missing = sum(nmc.get((s, start), {}).get("milper", "") in ("", "-9") for s in at_start)
            assert cow[f"milper_missing_{label}"][i] == missing
            entry = sum(float(nmc[k[0], min(war["record_years"][k])]["cinc"]) for k in records)
            assert cow[f"cinc_{label}_all"][i] == pytest.approx(entry, rel=1e-5, abs=1e-9)
    falklands = _war(cow, 202)
    for side, state in (("init", 160), ("target", 200)):
        row = nmc[state, 1982]
        assert falklands[f"milper_{side}"] == float(row["milper"])
        assert falklands[f"milex_{side}"] == float(row["milex"])


def test_ucdp_reproduces_the_raw_file(ucdp) -> None:
    episodes: dict[tuple[int, str], set[str]] = defaultdict(set)
    for r in _raw_rows("ucdp_prio_interstate.csv.gz"):
        if r["type_of_conflict"] == "interstate" and r["start_date2"] <= CENSOR_DATE:
            ends = episodes[int(float(r["conflict_id"])), r["start_date2"]]
            if r["ep_end"] and float(r["ep_end"]) == 1:
                ends.add(r["ep_end_date"])
    assert len(episodes) == ucdp["conflict_id"].size
    open_at_censor = {k for k, ends in episodes.items() if not ends or max(ends) > CENSOR_DATE}
    assert len(open_at_censor) == int(ucdp["censored"].sum())
    shipped = set(zip(ucdp["conflict_id"].tolist(), ucdp["episode_start"], strict=True))
    assert shipped == set(episodes)


# --- the reader ------------------------------------------------------------------------------


def test_malformed_table_is_a_data_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(wars, "resources", types.SimpleNamespace(files=lambda _: tmp_path))
    kinds = {"a": "int", "b": "float", "c": "str"}
    (tmp_path / "ok.csv").write_text("a,b,c\n1,,x\n2,2.5,\n")
    table = wars._read_table("ok.csv", kinds)
    assert table["a"].tolist() == [1, 2] and np.isnan(table["b"][0])
    assert table["c"].tolist() == ["x", ""]
    (tmp_path / "bad.csv").write_text("a,b,c\n1.5,1,x\n")
    with pytest.raises(DataError, match=r"bad.csv:2: a: must be an integer"):
        wars._read_table("bad.csv", kinds)
    with pytest.raises(DataError, match="expected the columns"):
        wars._read_table("ok.csv", {"a": "int"})
    with pytest.raises(DataError, match="missing"):
        wars._read_table("absent.csv", kinds)
