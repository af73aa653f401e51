"""The shipped alliance-invocation table against the published figures and its own joins.

Published figures (Berkemeier & Fuhrmann 2018, LLM coding, rows where the commitment
applied): 73 of 146 honored; 61/92 for wars beginning 1816-1944 and 12/54 for 1945-2003;
by obligation type (a row may carry several) defense 42/102, offense 31/42, neutrality
35/45, non-aggression 18/49.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from guaranty.data.alliances import (
    ALLIANCE_COLUMNS,
    alliance_invocations,
    read_alliance_table,
)
from guaranty.errors import DataError


@pytest.fixture(scope="module")
def table():
    return alliance_invocations()


def counts(table, mask) -> tuple[int, int]:
    return int(table["honored"][mask].sum()), int(mask.sum())


def test_columns_and_rows(table) -> None:
    assert tuple(table) == ALLIANCE_COLUMNS
    assert table.n_rows == 146
    assert set(np.unique(table["honored"])) == {0.0, 1.0}


def test_overall_rate(table) -> None:
    assert counts(table, np.ones(table.n_rows, bool)) == (73, 146)


def test_rates_by_era(table) -> None:
    assert counts(table, table["post1945"] == 0) == (61, 92)
    assert counts(table, table["post1945"] == 1) == (12, 54)


def test_era_is_bf_split(table) -> None:
    # Era = invocation year >= 1945, invocation year = max(war start, alliance start):
    # this reproduces the B&F sample split row by row (4 WWII rows fall after 1945).
    year = np.maximum(table["war_start_year"], table["alliance_start_year"])
    np.testing.assert_array_equal(table["invocation_year"], year)
    np.testing.assert_array_equal(table["post1945"], (year >= 1945).astype(float))
    np.testing.assert_array_equal(table["post1945"], 1.0 - table["bf_sample"])
    ww2_late = (table["war_name"] == "WorldWarII") & (table["post1945"] == 1)
    assert int(ww2_late.sum()) == 4


@pytest.mark.parametrize(
    ("column", "expected"),
    [("defense", (42, 102)), ("offense", (31, 42)), ("neutral", (35, 45)), ("nonagg", (18, 49))],
)
def test_rates_by_obligation(table, column, expected) -> None:
    assert counts(table, table[column] == 1) == expected


def test_join_fill_counts(table) -> None:
    source = table["war_start_source"]
    assert int((source == "cow").sum()) == 141
    assert int((source == "name").sum()) == 5
    assert int(np.isnan(table["cowwarnum"]).sum()) == 5
    provisions = ["conditio", "milcon", "intcom", "base", "milaid", "organ1", "milinst", "formal"]
    complete = ~np.isnan(np.stack([table[c] for c in provisions])).any(axis=0)
    assert int(complete.sum()) == 141
    assert int((~np.isnan(table["protected_ccode"])).sum()) == 140
    assert int((~np.isnan(table["ally_cinc_share"])).sum()) == 128
    assert int((~np.isnan(table["nuclear_opponent"])).sum()) == 141
    assert int(np.isnan(table["honored_bf"]).sum()) == 7


def test_capability_share_is_consistent(table) -> None:
    share = table["ally_cinc_share"]
    ok = ~np.isnan(share)
    assert ((share[ok] >= 0) & (share[ok] <= 1)).all()
    ally, opp = table["ally_cinc"][ok], table["opponent_cinc"][ok]
    np.testing.assert_allclose(share[ok], ally / (ally + opp), atol=1e-4)
    # Sides are known wherever a share is.
    assert not np.isnan(table["protected_ccode"][ok]).any()


def test_nuclear_flag(table) -> None:
    nuc = table["nuclear_opponent"]
    early = table["invocation_year"] < 1945
    assert (nuc[early] == 0).all()
    # Soviet-Hungarian 1956: Hungary (310) fought the USSR, nuclear-armed since 1949.
    hungary = (table["war_name"] == "Soviet-Hungarian1956") & (table["protected_ccode"] == 310)
    assert (nuc[hungary] == 1).all() and hungary.any()
    assert int(np.nansum(nuc)) == 19


def test_table_is_read_only(table) -> None:
    with pytest.raises(ValueError):
        table["honored"][0] = 1.0


def test_take_and_unknown_column(table) -> None:
    late = table.take(table["post1945"] == 1)
    assert late.n_rows == 54
    with pytest.raises(KeyError, match="no column 'nope'"):
        table["nope"]


def csv_text(rows: list[list[str]], header: tuple[str, ...] = ALLIANCE_COLUMNS) -> io.StringIO:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return io.StringIO("\n".join(lines) + "\n")


def good_row() -> list[str]:
    row = ["1"] * len(ALLIANCE_COLUMNS)
    for name in ("war_name", "war_start_source", "ally_ccodes", "opponent_ccodes"):
        row[ALLIANCE_COLUMNS.index(name)] = "x"
    return row


def test_reader_accepts_a_minimal_table() -> None:
    t = read_alliance_table(csv_text([good_row()]), "t.csv")
    assert t.n_rows == 1 and t["war_name"][0] == "x"


def test_reader_rejects_bad_header() -> None:
    with pytest.raises(DataError, match=r"t\.csv:1: expected the columns"):
        read_alliance_table(csv_text([good_row()], header=("a", "b")), "t.csv")


def test_reader_rejects_blank_required_value() -> None:
    row = good_row()
    row[ALLIANCE_COLUMNS.index("honored")] = ""
    with pytest.raises(DataError, match=r"t\.csv:2: honored: must not be blank"):
        read_alliance_table(csv_text([row]), "t.csv")


def test_reader_rejects_non_numbers_and_short_rows() -> None:
    row = good_row()
    row[ALLIANCE_COLUMNS.index("formal")] = "high"
    with pytest.raises(DataError, match=r"t\.csv:2: formal: must be a number; got 'high'"):
        read_alliance_table(csv_text([row]), "t.csv")
    with pytest.raises(DataError, match="fields"):
        read_alliance_table(csv_text([good_row()[:-1]]), "t.csv")
    with pytest.raises(DataError, match="no rows"):
        read_alliance_table(csv_text([]), "t.csv")
