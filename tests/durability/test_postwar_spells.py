"""The shipped table of spells of peace after inter-state wars (``postwar_spells.csv``),
recomputed from the COW war dyad-years fixture (``tests/data/wars``, the file it was built
from): each spell's war years, its next war and its censoring follow the rules of
``src/guaranty/data/SOURCES.md``; the counts are those the doc and SOURCES quote."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from guaranty.data import cinc_table
from guaranty.data.peace import postwar_spells
from guaranty.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
WARS = ROOT / "tests" / "data" / "wars" / "cow_interstate_war_dyad_years_v4.csv.gz"


@pytest.fixture(scope="module")
def pair_wars() -> dict[tuple[int, int, int], tuple[int, int, int]]:
    """(war, smaller code, larger code) -> (first year, last year, COW outcome of the
    smaller code in its first row, 0 where blank)."""
    out: dict[tuple[int, int, int], list[int]] = {}
    with gzip.open(WARS, "rt") as fh:
        for r in csv.DictReader(fh):
            w, a, b, y = (int(float(r[k])) for k in ("warnum", "ccode1", "ccode2", "year"))
            if a < b:
                outcome = int(float(r["outcome1"])) if r["outcome1"].strip() else 0
                s = out.setdefault((w, a, b), [y, y, outcome])
                s[0], s[1] = min(s[0], y), max(s[1], y)
    return {k: tuple(v) for k, v in out.items()}


def test_counts_quoted_by_the_doc() -> None:
    t = postwar_spells()
    assert t.n_spells == 295
    assert int(t.failed.sum()) == 71
    assert np.unique(t.warnum).size == 82
    assert {k: int(v.sum()) for k, v in t.covariates.items()} == {
        "t_def": 152,
        "treaty": 95,
        "decisive": 258,
        "rivalry": 98,
        "contig_land": 103,
        "shared_defense": 21,
    }
    # docs/models/durability.md: GML codes 198 of the 258 spells after a decisive end as not
    # settled by negotiation (treaty 0)
    decisive = t.covariates["decisive"] == 1
    assert int((decisive & (t.covariates["treaty"] == 0)).sum()) == 198


def test_spells_follow_the_rules(pair_wars) -> None:
    t = postwar_spells()
    starts: dict[tuple[int, int], list[int]] = {}
    for (_, a, b), (y0, _, _) in pair_wars.items():
        starts.setdefault((a, b), []).append(y0)
    present = set(cinc_table())
    kept = 0
    for i in range(t.n_spells):
        a, b = sorted((int(t.ccode_init[i]), int(t.ccode_target[i])))
        y0, y1, outcome = pair_wars[int(t.warnum[i]), a, b]
        assert t.war_end[i] == y1 and outcome in (1, 2, 3, 6, 7)
        assert t.covariates["decisive"][i] == (outcome in (1, 2))
        end = 2007
        for c in (a, b):
            year = y1 + 1
            while (c, year) in present:
                year += 1
            end = min(end, year - 1)
        later = [y for y in starts[a, b] if y1 < y <= end]
        if later:
            assert t.failed[i] and t.years[i] == min(later) - y1
        else:
            assert not t.failed[i] and t.years[i] == end - y1 + 0.5
        kept += 1
    dropped = len(pair_wars) - kept
    assert (len(pair_wars), dropped) == (374, 22 + 57)


def test_a_malformed_flag_names_its_line(monkeypatch, tmp_path) -> None:
    """A 0/1 column holding anything else is a DataError naming the file, line and field."""
    from guaranty.data import peace

    text = (ROOT / "src" / "guaranty" / "data" / "postwar_spells.csv").read_text()
    lines = text.splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index("rivalry")] = "2"
    lines[3] = ",".join(row)
    bad = tmp_path / "postwar_spells.csv"
    bad.write_text("\n".join(lines) + "\n")

    def read(file, columns):
        with bad.open(newline="") as fh:
            return list(csv.DictReader(fh))

    monkeypatch.setattr(peace, "_read", read)
    peace.postwar_spells.cache_clear()
    try:
        with pytest.raises(DataError) as err:
            peace.postwar_spells()
        message = str(err.value)
        assert message.startswith("postwar_spells.csv:4: rivalry: expected 0 or 1")
    finally:
        peace.postwar_spells.cache_clear()
