"""Institutionalization and reliability in two outside records (credibility.md, section h).

Leeds & Anac (2005)'s replication file (``tests/data/leeds_anac_2005.csv``, a verbatim copy)
and Berkemeier & Fuhrmann (2018)'s pairs (the shipped ``alliance_invocations.csv``) are
records of alliance commitments invoked in war, coded by others. The figures come from
``scripts/validate_credibility.py`` (section h, imported here, so the test runs the
script's own code); the published share is Leeds & Anac's (93 of 137 honored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_figures import doc_fixture, numbers, script_fixture, table_row

from guaranty.evidence import evidence

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "models" / "credibility.md"

script = script_fixture("validate_credibility")

doc = doc_fixture(DOC)


def test_leeds_anac_file_gives_the_published_share(script) -> None:
    """93 of the 137 alliance-war pairs honored (67.9%, Leeds & Anac 2005), and every pair's
    alliance is in the shipped ATOP v4 table (86 of them with a defense obligation)."""
    cases = script.leeds_anac_cases()
    assert cases["honor3"].size == 137
    assert int(cases["honor3"].sum()) == 93
    assert int(cases["honor3"].sum()) / 137 == pytest.approx(0.679, abs=5e-4)
    assert int((cases["defense"] == 1).sum()) == 86
    assert set(cases["milinst"].tolist()) == {0, 1, 2}


def test_doc_quotes_the_honoring_tables(script, doc) -> None:
    """Each row of the honoring table is what the shipped files give (counts, and shares and
    Wilson intervals as the script prints them, two decimals); the Leeds & Anac rows add up
    to the published 93 of 137."""
    records = script.institutionalization_records()
    assert len(records) == 4
    for label, obligations, cells in records:
        row = table_row(doc, f"| {label} | {obligations} |", DOC.name)
        assert len(row) == 2 + len(cells), label
        for (_level, n, k), text in zip(cells, row[2:], strict=True):
            lo, hi = script.wilson(k, n)
            assert text == f"{k}/{n} = {k / n:.2f} [{lo:.2f}, {hi:.2f}]", label
    la_all = next(cells for label, ob, cells in records if "Anac" in label and ob == "all")
    assert sum(n for _, n, _ in la_all) == 137
    assert sum(k for _, _, k in la_all) == 93


def test_no_record_honors_high_institutionalization_more_often(script) -> None:
    """What the doc reads from the tables: among defense obligations neither record has a
    higher share honored at high military institutionalization (an integrated command or
    bases) than at none; in Leeds & Anac's cases the formal alliances were honored less
    often (the formality term's 90% interval below zero, all cases and defense ones)."""
    for label, obligations, cells in script.institutionalization_records():
        if obligations != "defense":
            continue
        share = {level: k / n for level, n, k in cells}
        assert share[2] <= share[0] + 1e-12, label
    for defense_only in (False, True):
        fit = script.leeds_anac_logit(defense_only)
        assert fit.interval("formal")[1] < 0.0


def test_doc_quotes_the_logit_and_stage2_terms(script, doc) -> None:
    """The logit table and the stage-2 terms are what the script computes; stage 2's
    institutionalization terms each cover zero and lie within the doc's ±0.12."""
    for defense_only, label in ((False, "all"), (True, "defense obligations")):
        fit = script.leeds_anac_logit(defense_only)
        row = table_row(doc, f"| {label} | {fit.n_cases} |", DOC.name)
        want = []
        for name in ("milinst", "formal"):
            want += [fit.coef(name), *fit.interval(name)]
        assert numbers(" ".join(row[2:])) == pytest.approx(want, abs=6e-3), label
    joining = evidence().joining
    text = " ".join(doc.split())
    for name in script.INSTITUTION_TERMS:
        lo, hi = joining.interval(name)
        assert lo < 0.0 < hi, name
        assert max(-lo, hi) < 0.12, name
        assert f"{name} {joining.coef(name):+.3f} [{lo:+.3f}, {hi:+.3f}]" in text, name
