"""The shipped conflict tables (challenge dyad-years, dispute joiners) and their look-ups.

Every figure here is stated in src/guaranty/data/SOURCES.md and traces to the published data
(GML MID 2.2.1, COW, ATOP 5.1 / v4, Thompson & Dreyer) through
scripts/rebuild_conflict_data.py. The tests read only the tables shipped in the package, so
they run without the shared data folder. The hand-checked cases were read off the raw files:
``wars/gml_mid_participants.csv`` (disputes 51 and 3957), ``wars/gml_mid_directed_dyad_years.csv``
(3957: Iraq on side A, originator, hostility 5 against Kuwait; 4436: Russia-Georgia, no onset
in 2008), ``wars/cow_direct_contiguity.csv`` (Russia-Ukraine, type 1 from 1991),
``alliances/atop51_directed_dyad_years.csv.gz`` and ``alliances/atop4_*`` (alliance 3205,
the Arab League treaty of 1950, a defense pact with Saudi Arabia, Kuwait and Iraq as members).
"""

from __future__ import annotations

import gzip
import math
import types

import numpy as np
import pytest

from guaranty.data import conflict
from guaranty.data.conflict import (
    ATOP_FLAGS,
    CHALLENGE_COLUMNS,
    DYAD_COVARIATES,
    JOINER_COLUMNS,
    JOINER_COVARIATES,
    challenge_dyads,
    dyad_covariates,
    joiner_cases,
    joiner_covariates,
)
from guaranty.errors import DataError


@pytest.fixture(scope="module")
def dyads() -> dict[str, np.ndarray]:
    return challenge_dyads()


@pytest.fixture(scope="module")
def joiners() -> dict[str, np.ndarray]:
    return joiner_cases()


def _row(table: dict[str, np.ndarray], **keys: float) -> dict[str, float]:
    mask = np.ones(len(next(iter(table.values()))), bool)
    for name, value in keys.items():
        mask &= table[name] == value
    (index,) = np.nonzero(mask)
    assert index.size == 1, f"{keys}: {index.size} rows"
    return {name: float(col[index[0]]) for name, col in table.items()}


def _shipped(value: float) -> float:
    """A value as the tables store it: 6 significant digits."""
    return float(f"{value:.6g}")


# --- challenge_dyads -------------------------------------------------------------------------


def test_challenge_counts(dyads) -> None:
    assert tuple(dyads) == CHALLENGE_COLUMNS
    assert dyads["year"].shape == (224_576,)
    assert int(dyads["challenge"].sum()) == 2_149
    assert int(dyads["attack"].sum()) == 1_409
    assert int(dyads["war"].sum()) == 110
    assert int(dyads["ongoing"].sum()) == 2_792
    fresh = dyads["ongoing"] == 0
    assert int(fresh.sum()) == 221_784
    assert int(dyads["challenge"][fresh].sum()) == 1_976
    assert int(dyads["attack"][fresh].sum()) == 1_278
    assert int(dyads["t_def"].sum()) == 141_868


def test_challenge_structure(dyads) -> None:
    year, a, b = (dyads[k].astype(np.int64) for k in ("year", "ccode1", "ccode2"))
    assert (year.min(), year.max()) == (1816, 2010)
    assert np.all(a != b)
    keys = year * 1_000_000 + a * 1_000 + b
    assert np.all(np.diff(keys) > 0)  # sorted by year, A, B; no duplicates
    assert np.array_equal(np.sort(keys), np.sort(year * 1_000_000 + b * 1_000 + a))
    assert np.all(dyads["attack"] <= dyads["challenge"])
    assert np.all(dyads["war"] <= dyads["attack"])
    assert np.all(dyads["contig_land"] + dyads["contig_sea"] <= 1)
    relevant = (dyads["contig_land"] + dyads["contig_sea"] + dyads["major1"] + dyads["major2"]) > 0
    assert relevant.all()
    assert np.all((dyads["peace_years"] >= 0) & (dyads["peace_years"] <= 200))
    assert np.all(dyads["t_nondef"] * dyads["t_def"] == 0)
    for name in ("t_def_base", "t_def_intcom", "t_def_organ", "t_def_milaid"):
        blank = np.isnan(dyads[name])
        assert np.all(dyads["t_def"][blank] == 1)
        assert np.all(dyads[name][dyads["t_def"] == 0] == 0)
    assert int(np.isnan(dyads["t_def_base"]).sum()) == 2_011
    for name in CHALLENGE_COLUMNS:
        if not name.startswith("t_def_"):
            assert not np.isnan(dyads[name]).any(), name


def test_iraq_kuwait_1990_is_a_challenge(dyads) -> None:
    row = _row(dyads, year=1990, ccode1=645, ccode2=690)
    assert (row["challenge"], row["attack"], row["war"], row["ongoing"]) == (1, 1, 1, 0)
    assert (row["contig_land"], row["rivalry"], row["shared_defense"]) == (1, 1, 1)
    assert row["t_def"] == 1  # Kuwait's Arab League partners other than Iraq
    back = _row(dyads, year=1990, ccode1=690, ccode2=645)
    assert back["challenge"] == 0


def test_russia_georgia_2008_is_an_ongoing_dispute(dyads) -> None:
    row = _row(dyads, year=2008, ccode1=365, ccode2=372)
    assert (row["challenge"], row["ongoing"], row["contig_land"]) == (0, 1, 1)
    assert (row["major1"], row["nuclear1"], row["nuclear2"]) == (1, 1, 0)


# --- joiner_cases ----------------------------------------------------------------------------


def test_joiner_counts(joiners) -> None:
    assert tuple(joiners) == JOINER_COLUMNS
    assert joiners["dispnum"].shape == (57_791,)
    assert len(np.unique(joiners["dispnum"])) == 2_174
    assert (
        len({(d, t) for d, t in zip(joiners["dispnum"], joiners["target"], strict=True)}) == 2_323
    )
    relevant = joiners["relevant"] == 1
    assert int(relevant.sum()) == 57_670
    assert int(joiners["joined"].sum()) == 367
    assert int(joiners["joined"][relevant].sum()) == 292
    assert int(joiners["joined_force"].sum()) == 166
    assert int(joiners["joined_other"].sum()) == 269
    joined = joiners["joined"] == 1
    pairs = set(zip(joiners["dispnum"][joined], joiners["joiner"][joined], strict=True))
    assert len(pairs) == 305
    assert len({d for d, _ in pairs}) == 146
    defense = relevant & (joiners["defense"] == 1)
    assert (int(defense.sum()), int(joiners["joined"][defense].sum())) == (16_654, 144)
    other = relevant & (joiners["defense"] == 0)
    assert (int(other.sum()), int(joiners["joined"][other].sum())) == (41_016, 148)


def test_joiner_structure(joiners) -> None:
    joined = joiners["joined"] == 1
    assert np.all(joiners["joined_force"] <= joiners["joined"])
    assert np.array_equal(~np.isnan(joiners["join_lag_days"]), joined)
    assert np.all(joiners["join_lag_days"][joined] >= 0)
    assert np.all(joiners["joiner"] != joiners["target"])
    assert np.all(joiners["joiner"] != joiners["challenger"])
    no_alliance = np.isnan(joiners["atopid"])
    assert int(no_alliance.sum()) == 24_477
    assert np.all(np.isnan(joiners["multilateral"]) == no_alliance)
    assert not np.isnan(joiners["s1_peace_years"]).any()


def test_korean_war(joiners) -> None:
    """GML dispute 51: North Korea against South Korea and the United States, both originators."""
    war = joiners["dispnum"] == 51
    assert set(joiners["target"][war]) == {2.0, 732.0}
    assert set(joiners["challenger"][war]) == {731.0}
    assert set(joiners["n_targets"][war]) == {2.0}
    assert 2.0 not in set(joiners["joiner"][war])  # the USA is an originator, not a joiner
    uk = _row(joiners, dispnum=51, target=732, joiner=200)
    assert (uk["relevant"], uk["joined"], uk["joined_force"], uk["join_lag_days"]) == (1, 1, 1, 3)
    uk_us = _row(joiners, dispnum=51, target=2, joiner=200)
    assert (uk_us["defense"], uk_us["atopid"]) == (1, 3180)  # NATO
    china = _row(joiners, dispnum=51, target=732, joiner=710)
    assert (china["joined"], china["joined_other"]) == (0, 1)


def test_iraq_kuwait_1990_joiners(joiners) -> None:
    usa = _row(joiners, dispnum=3957, target=690, joiner=2)
    assert usa["year"] == 1990 and usa["challenger"] == 645
    assert (usa["relevant"], usa["joined"], usa["joined_force"]) == (1, 1, 1)
    assert usa["join_lag_days"] == 28  # 26 June -> 24 July 1990
    assert usa["defense"] == 0 and math.isnan(usa["atopid"])
    saudi = _row(joiners, dispnum=3957, target=690, joiner=670)
    assert (saudi["joined"], saudi["join_lag_days"], saudi["defense"]) == (1, 38, 1)
    assert (saudi["atopid"], saudi["multilateral"]) == (3205, 1)
    assert (saudi["s1_contig_land"], saudi["s1_shared_defense"], saudi["s1_rivalry"]) == (1, 1, 1)


# --- look-ups for new cases ------------------------------------------------------------------


def test_russia_ukraine_2021() -> None:
    cov, years = dyad_covariates(365, 369, 2021)
    assert tuple(cov) == DYAD_COVARIATES
    assert (cov["contig_land"], cov["contig_sea"]) == (1, 0)
    assert (cov["major1"], cov["nuclear1"], cov["major2"], cov["nuclear2"]) == (1, 1, 0, 0)
    assert cov["cinc1"] > cov["cinc2"] > 0
    assert years == {
        "cinc": 2021,
        "contiguity": 2016,
        "rivalry": 2010,
        "major": 2016,
        "atop": 2018,
        "nuclear": 2021,
    }


def test_joiner_covariates_2022() -> None:
    cov, years = joiner_covariates(2, 369, 365, 2022)
    assert tuple(cov) == JOINER_COVARIATES
    assert (cov["joiner_major"], cov["joiner_nuclear"], cov["challenger_nuclear"]) == (1, 1, 1)
    assert (cov["contig_jt"], cov["contig_tc"], cov["defense"]) == (0, 1, 0)
    assert years["cinc"] == 2022 and years["atop"] == 2018


def test_lookups_agree_with_the_tables(dyads, joiners) -> None:
    rows = np.nonzero(dyads["year"] == 2005)[0]
    assert rows.size > 1_000
    for i in rows:
        a, b, y = (int(dyads[k][i]) for k in ("ccode1", "ccode2", "year"))
        cov, _ = dyad_covariates(a, b, y)
        for name, value in cov.items():
            assert _shipped(value) == dyads[name][i], (a, b, y, name)
    rows = np.nonzero(joiners["year"] >= 1990)[0][::10]
    assert rows.size > 500
    for i in rows:
        j, t, c, y = (int(joiners[k][i]) for k in ("joiner", "target", "challenger", "year"))
        cov, _ = joiner_covariates(j, t, c, y)
        for name, value in cov.items():
            expected = float(joiners[name][i])
            if math.isnan(expected):
                assert math.isnan(value), name
            else:
                assert _shipped(value) == expected, name


def test_lookup_errors() -> None:
    with pytest.raises(DataError, match="1990"):
        dyad_covariates(2, 365, 1985)  # the shipped ATOP table starts in 1990
    with pytest.raises(DataError, match="differ"):
        joiner_covariates(2, 2, 365, 2000)
    assert set(ATOP_FLAGS) <= set(JOINER_COVARIATES)


def test_malformed_table_is_a_data_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(conflict, "resources", types.SimpleNamespace(files=lambda _: tmp_path))
    columns = ("year", "ccode1", "ccode2")
    (tmp_path / "ok.csv.gz").write_bytes(gzip.compress(b"year,ccode1,ccode2\n1990,2,\n1991,2,20\n"))
    table = conflict._read_gz_table("ok.csv.gz", columns)
    assert np.isnan(table["ccode2"][0]) and table["ccode2"][1] == 20
    (tmp_path / "bad.csv.gz").write_bytes(gzip.compress(b"year,ccode1,ccode2\n1990,2,x\n"))
    with pytest.raises(DataError, match=r"bad.csv.gz:2: ccode2: must be a number"):
        conflict._read_gz_table("bad.csv.gz", columns)
    (tmp_path / "short.csv.gz").write_bytes(
        gzip.compress(b"year,ccode1,ccode2\n1990,2,3\n1991,2\n")
    )
    with pytest.raises(DataError, match=r"short.csv.gz:3: expected 3 fields; got 2"):
        conflict._read_gz_table("short.csv.gz", columns)
    with pytest.raises(DataError, match="expected the columns"):
        conflict._read_gz_table("ok.csv.gz", ("year", "ccode1"))
    with pytest.raises(DataError, match="missing"):
        conflict._read_gz_table("absent.csv.gz", columns)
