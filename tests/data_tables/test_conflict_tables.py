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

The ATOP 5.1 flags are one-way: those of (ccode1, ccode2) are ccode1's promises to ccode2.
Checked in the raw file: in 1970 the only defense flag towards Japan (740) is (2, 740) —
(740, 2) has defense 0, and Japan's only other partner, Ethiopia (530), has a non-aggression
flag both ways; the USSR (365) has defense flags both ways with 265, 290, 310, 315, 355, 360,
375, 710, 712 and 731; in 1999 and 2015 the only defense flag towards Pakistan (770) is
(2, 770), none points to India (750); in 1840 the United Kingdom (200) promised to defend the
Ottoman Empire (640) and no state promised to defend the United Kingdom; in 1974 Greece (350),
Turkey (640) and the UK promised to defend Cyprus (352), which promised none of them defense;
in 1982 and 2015 (2, 740) has defense 1 and (740, 2) defense 0.
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
    assert int(dyads["t_def"].sum()) == 146_559
    assert int(dyads["c_def"].sum()) == 146_559  # every dyad in both orders
    assert int(dyads["t_nondef"].sum()) == 29_903
    assert int(dyads["shared_pact"].sum()) == 59_936
    assert int(dyads["shared_defense"].sum()) == 37_404
    t_def = dyads["t_def"] == 1
    assert (int(dyads["challenge"][t_def].sum()), int(dyads["attack"][t_def].sum())) == (1_266, 826)


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


def test_relevant_defense_counts(dyads, joiners) -> None:
    """``t_def_rel``: the counts stated in SOURCES.md."""
    assert CHALLENGE_COLUMNS[-1] == "t_def_rel" and JOINER_COLUMNS[-1] == "s1_t_def_rel"
    rel, t_def = dyads["t_def_rel"], dyads["t_def"]
    assert not np.isnan(rel).any() and set(np.unique(rel)) == {0.0, 1.0}
    assert int(rel.sum()) == 115_028
    assert int((rel * t_def).sum()) == 112_782
    # v4 membership against 5.1 promises: not nested either way
    assert int((rel * (1 - t_def)).sum()) == 2_246
    assert int(((1 - rel) * t_def).sum()) == 33_777
    for outcome, n_def, n_rel, n_both in (
        ("challenge", 1_266, 933, 925),
        ("attack", 826, 624, 619),
    ):
        assert int((dyads[outcome] * t_def).sum()) == n_def, outcome
        assert int((dyads[outcome] * rel).sum()) == n_rel, outcome
        assert int((dyads[outcome] * rel * t_def).sum()) == n_both, outcome
    assert int(joiners["s1_t_def_rel"].sum()) == 33_335
    assert int(joiners["s1_t_def"].sum()) == 42_292


def test_relevant_defense_same_code_in_both_tables(dyads, joiners) -> None:
    """Every joiner row whose (challenger, target, year) is a row of Table 1 repeats it."""
    keys = dyads["year"] * 1e6 + dyads["ccode1"] * 1e3 + dyads["ccode2"]
    wanted = joiners["year"] * 1e6 + joiners["challenger"] * 1e3 + joiners["target"]
    at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    found = keys[at] == wanted
    assert found.sum() > 50_000
    for name in ("t_def", "t_def_rel", "t_nondef", "c_def", "shared_pact", "shared_defense"):
        assert np.array_equal(joiners[f"s1_{name}"][found], dyads[name][at[found]]), name


def test_relevant_defense_hand_checked(dyads) -> None:
    """Rows checked against alliances/atop4_member_level.csv and atop4_alliance_level.csv.

    Czechoslovakia (315) in 1938 had v4 defense alliances with France (2140: specthrt 1,
    statthr1 255 = Germany, defcoadv 1), Yugoslavia (2050) and Romania (2080) (both naming
    Hungary, 310) and the USSR (2365: defcoadv 1, no state named). Germany, Hungary and Poland
    all originated a dispute against it that year.
    """
    for challenger, relevant in ((255, 1), (310, 1), (290, 0), (365, 0)):
        row = _row(dyads, year=1938, ccode1=challenger, ccode2=315)
        assert (row["t_def"], row["t_def_rel"]) == (1, relevant), challenger
        assert row["challenge"] == (challenger != 365)
    # Kuwait's only v4 defense alliance in 1990 is the Arab League treaty (3205, in force,
    # specthrt 0), of which Iraq has been a member since 1951: a pact, but not against Iraq.
    row = _row(dyads, year=1990, ccode1=645, ccode2=690)
    assert (row["t_def"], row["t_def_rel"], row["challenge"]) == (1, 0, 1)
    # Japan and the United States (3375, 1960): only the United States pledges defense
    # (member-level defense 1 for 2, 0 for 740; ATOP 5.1 flag (2, 740) 1, (740, 2) 0): a third
    # state promised to defend Japan (t_def) and v4 has the alliance (t_def_rel).
    row = _row(dyads, year=1970, ccode1=365, ccode2=740)
    assert (row["t_def"], row["t_def_rel"]) == (1, 1)


def test_directions_hand_checked(dyads) -> None:
    """Each covariate reads the one-way ATOP 5.1 flags in its stated direction (see above)."""
    us_1970 = _row(dyads, year=1970, ccode1=2, ccode2=740)["cinc1"]  # the US CINC, as stored
    # The USSR against Japan, 1970: the United States promised to defend Japan.
    row = _row(dyads, year=1970, ccode1=365, ccode2=740)
    assert (row["t_def"], row["t_def_major"], row["t_def_nuclear"], row["t_nondef"]) == (1, 1, 1, 0)
    assert row["t_def_cinc"] == us_1970
    assert (row["shared_pact"], row["shared_defense"], row["c_def"]) == (0, 0, 1)
    # Japan against the USSR: Japan's ally is the United States (c_def); the USSR's defenders
    # are the Warsaw Pact, Finland, China, Mongolia and North Korea (t_def).
    row = _row(dyads, year=1970, ccode1=740, ccode2=365)
    assert (row["c_def"], row["t_def"], row["t_def_major"], row["t_def_nuclear"]) == (1, 1, 1, 1)
    # The United States and Japan: the defense pledge runs one way, the shared flags both ways.
    us_jp = _row(dyads, year=1970, ccode1=2, ccode2=740)
    jp_us = _row(dyads, year=1970, ccode1=740, ccode2=2)
    assert (us_jp["shared_defense"], jp_us["shared_defense"]) == (1, 1)
    assert (us_jp["t_def"], us_jp["t_nondef"], us_jp["c_def"]) == (0, 1, 1)  # 530: non-aggression
    assert (jp_us["t_def"], jp_us["c_def"]) == (1, 0)  # no state but the US defends Japan
    # India against Pakistan, 1999 (a challenge): the US promise to Pakistan is its only one.
    row = _row(dyads, year=1999, ccode1=750, ccode2=770)
    assert (row["challenge"], row["attack"], row["t_def"], row["c_def"]) == (1, 1, 1, 0)
    row = _row(dyads, year=1999, ccode1=770, ccode2=750)
    assert (row["t_def"], row["c_def"]) == (0, 1)
    # The United Kingdom in 1840: a guarantor (of the Ottoman Empire), not guaranteed.
    row = _row(dyads, year=1840, ccode1=220, ccode2=200)
    assert (row["t_def"], row["t_def_major"], row["t_def_cinc"]) == (0, 0, 0)
    assert _row(dyads, year=1840, ccode1=200, ccode2=220)["c_def"] == 0


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


def test_joiner_directions(joiners) -> None:
    """``defense`` … ``consul`` are J's promises to B; ``jc_*`` read both directions."""
    # Dispute 2229 (1982), the USSR against Japan: the United States promised to defend Japan.
    usa = _row(joiners, dispnum=2229, target=740, joiner=2)
    assert (usa["challenger"], usa["defense"], usa["nonagg"], usa["joined"]) == (365, 1, 1, 1)
    assert (usa["s1_t_def"], usa["s1_c_def"], usa["s1_shared_defense"]) == (1, 1, 0)
    # Dispute 1293 (1974), Turkey against Greece; Cyprus joined Greece's side. Greece promised
    # to defend Cyprus, not the reverse (defense 0; consultation both ways); Turkey promised
    # to defend Cyprus (jc_defense 1).
    cyprus = _row(joiners, dispnum=1293, target=350, joiner=352)
    assert (cyprus["challenger"], cyprus["joined"]) == (640, 1)
    assert (cyprus["defense"], cyprus["consul"]) == (0, 1)
    assert (cyprus["jc_pact"], cyprus["jc_defense"]) == (1, 1)
    assert (cyprus["s1_shared_defense"], cyprus["s1_t_def"], cyprus["s1_c_def"]) == (1, 1, 1)


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


def test_lookup_directions_2015() -> None:
    """The look-ups read the flags as the tables do: only the US promised to defend Japan."""
    us_jp, _ = dyad_covariates(2, 740, 2015)
    jp_us, _ = dyad_covariates(740, 2, 2015)
    assert (us_jp["shared_defense"], jp_us["shared_defense"]) == (1, 1)
    assert (us_jp["c_def"], jp_us["c_def"]) == (1, 0)
    assert dyad_covariates(740, 365, 2015)[0]["c_def"] == 1
    assert dyad_covariates(770, 750, 2015)[0]["c_def"] == 1  # the US promise to Pakistan
    assert dyad_covariates(750, 770, 2015)[0]["c_def"] == 0  # no state promised India defense
    # Japan as a joiner for China against the United States: no promise to China but
    # non-aggression; a defense pledge between Japan and the United States (the US's).
    cov, _ = joiner_covariates(740, 710, 2, 2015)
    assert (cov["defense"], cov["nonagg"], cov["jc_pact"], cov["jc_defense"]) == (0, 1, 1, 1)
    cov, _ = joiner_covariates(2, 710, 740, 2015)
    assert (cov["defense"], cov["jc_defense"]) == (0, 1)


def test_conflict_sources_directions() -> None:
    """``ConflictSources`` on three made-up rows: 1 promised to defend 2, 3 promised 2 only
    non-aggression, 2 promised 3 consultation."""
    src = conflict.ConflictSources.from_rows(
        cinc={(1, 2000): 0.5},
        contiguity=[(1, 2, 1, 2000, 2000)],
        rivalries=[(1, 2, 2000, 2000)],
        majors=[(1, 2000, 2000)],
        atop=[
            (1, 2, 2000, (1, 0, 0, 0, 0)),
            (2, 1, 2000, (0, 0, 0, 0, 0)),
            (3, 2, 2000, (0, 0, 0, 1, 0)),
            (2, 3, 2000, (0, 0, 0, 0, 1)),
        ],
    )
    assert src.flags(1, 2, 2000) == (1, 0, 0, 0, 0) and src.flags(2, 1, 2000) == (0,) * 5
    assert src.either_flags(2, 1, 2000) == (1, 0, 0, 0, 0)
    assert src.either_flags(2, 3, 2000) == (0, 0, 0, 1, 1)
    assert src.third_defenders(2, 2000, ()) == {1}
    assert src.third_defenders(2, 2000, (1,)) == frozenset()
    assert src.third_defenders(1, 2000, ()) == frozenset()
    assert src.third_nondefense(2, 2000, ()) == {3}
    assert src.third_nondefense(3, 2000, ()) == {2}
    years = dict.fromkeys(("cinc", "contiguity", "rivalry", "major", "atop"), 2000)
    cov = conflict.pair_covariates(src, 3, 2, 2000, years)
    assert (cov["shared_pact"], cov["shared_defense"], cov["c_def"]) == (1, 0, 0)
    cov = conflict.pair_covariates(src, 2, 3, 2000, years)
    assert (cov["shared_pact"], cov["c_def"]) == (1, 1)
    cov = conflict.joiner_pair_covariates(src, 2, 3, 1, 2000, years)
    assert (cov["defense"], cov["consul"], cov["nonagg"], cov["jc_defense"]) == (0, 1, 0, 1)


def test_the_atop_table_reads_as_the_indexed_rows() -> None:
    """The shipped ATOP rows are looked up in a sorted array (``AtopTable``) instead of
    dictionaries: the same flags, defenders and other promisers."""
    from guaranty.data.conflict_sources import AtopTable

    rows = [
        (1, 2, 2000, (1, 0, 0, 0, 0)),
        (2, 1, 2000, (0, 0, 0, 0, 0)),
        (3, 2, 2000, (0, 0, 0, 1, 0)),
        (2, 3, 2000, (0, 0, 0, 0, 1)),
        (4, 2, 2001, (1, 0, 0, 0, 1)),
        (999, 2, 2001, (0, 1, 0, 0, 0)),
    ]
    common = {
        "cinc": {(1, 2000): 0.5},
        "contiguity": [(1, 2, 1, 2000, 2000)],
        "rivalries": [(1, 2, 2000, 2000)],
        "majors": [(1, 2000, 2000)],
    }
    by_dict = conflict.ConflictSources.from_rows(**common, atop=rows)
    table = AtopTable(np.array([(a, b, y, *f) for a, b, y, f in rows]))
    by_table = conflict.ConflictSources.from_rows(**common, atop=table)
    assert dict(by_table.atop) == dict(by_dict.atop)
    assert dict(by_table.defenders) == dict(by_dict.defenders)
    assert dict(by_table.nondefense_promisers) == dict(by_dict.nondefense_promisers)
    assert by_table.coverage == by_dict.coverage
    for a, b in ((1, 2), (2, 1), (2, 3), (4, 2), (5, 2)):
        for year in (1999, 2000, 2001):
            assert by_table.either_flags(a, b, year) == by_dict.either_flags(a, b, year)
            assert by_table.third_defenders(b, year, ()) == by_dict.third_defenders(b, year, ())
            assert by_table.third_nondefense(b, year, ()) == by_dict.third_nondefense(b, year, ())


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
    with pytest.raises(DataError, match="1816"):
        dyad_covariates(2, 365, 1800)  # before the first year of the shipped tables
    # any year of the data works (the ATOP table is shipped whole, 1815-2018): North and
    # South Korea in 1953 are contiguous rivals without a pact between them
    cov, years = dyad_covariates(731, 732, 1953)
    assert years["atop"] == 1953 and cov["contig_land"] == 1 and cov["rivalry"] == 1
    assert cov["shared_defense"] == 0
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


def test_the_shipped_atop_archive_holds_the_sorted_dyad_years() -> None:
    """``atop_dyads.npz`` (SOURCES.md): 273,296 directed dyad-years, 1815-2018, sorted by
    ccode1, ccode2 and year, flags 0/1; the United States promised to defend the United
    Kingdom in 2000 (NATO), and Russia did not."""
    table = conflict._read_atop()
    rows = table._rows
    assert rows.shape == (273_296, 8)
    assert table.years() == (1815, 2018)
    assert np.all(np.diff(table._key) >= 0)
    assert set(np.unique(rows[:, 3:])) <= {0, 1}
    assert table[(2, 200, 2000)][0] == 1  # USA -> UK: defense
    assert table.get((365, 200, 2000), (0,) * 5)[0] == 0  # Russia -> UK: no defense


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (None, "expected a numpy archive"),  # not a zip at all
        ({"rows": np.zeros((2, 8), np.int16)}, "expected a numpy archive"),  # no header
        (
            {"columns": np.array(["a"] * 8), "rows": np.zeros((2, 8), np.int16)},
            "ccode1",  # the header check names the expected columns
        ),
        (
            {"columns": np.array(conflict.ATOP_HEADER), "rows": np.zeros((2, 7), np.int16)},
            "expected rows of 8 integers",
        ),
        (
            {"columns": np.array(conflict.ATOP_HEADER), "rows": np.zeros((2, 8))},
            "expected integers",
        ),
    ],
)
def test_a_damaged_atop_archive_is_a_data_error_naming_it(
    tmp_path, monkeypatch: pytest.MonkeyPatch, members, expected: str
) -> None:
    path = tmp_path / conflict._ATOP_FILE
    if members is None:
        path.write_bytes(b"ccode1,ccode2,year\n1,2,2000\n")
    else:
        np.savez_compressed(path, **members)
    monkeypatch.setattr(conflict.resources, "files", lambda package: tmp_path)
    with pytest.raises(conflict.DataError) as info:
        conflict._read_atop()
    assert expected in str(info.value)
    assert "atop_dyads.npz" in str(info.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1005,200,1815,1815,0,0,0,1,0,0,0,0\n", "csv:2: expected 13 fields"),  # one short
        ("1005,200,1815,x,0,0,0,1,0,0,0,0,1\n", "csv:2: expected integers"),
        ("", "no rows"),
    ],
)
def test_a_damaged_provisions_table_is_a_data_error_naming_it(
    tmp_path, monkeypatch: pytest.MonkeyPatch, body: str, expected: str
) -> None:
    """``atop4_provisions.csv`` (SOURCES.md): a malformed row is refused with the file and
    the line, not read as a pact without provisions."""
    path = tmp_path / conflict._PROVISIONS_FILE
    path.write_text(",".join(conflict.PROVISIONS_HEADER) + "\n" + body)
    monkeypatch.setattr(conflict.resources, "files", lambda package: tmp_path)
    conflict._provision_table.cache_clear()
    try:
        with pytest.raises(conflict.DataError) as info:
            conflict._provision_table()
    finally:
        conflict._provision_table.cache_clear()
    assert expected in str(info.value)
    assert "atop4_provisions.csv" in str(info.value)
