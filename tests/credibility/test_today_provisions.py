"""Today's pacts are read as the fits read a pact.

Both stages were fitted on rows whose pacts carry their ATOP v4 provisions (bases, an
integrated command, a formal organisation, military aid, more than two members): stage 2 of
every alliance joining the joiner and the target, stage 1 of the target's defense pacts with
third states, and whether one of those covers the challenger (``t_def_rel``). Until
2026-12-07 a scenario's pacts of today were read from the ATOP 5.1 flags alone, so that an
ally of today (Estonia's NATO allies) entered both stages as a pact without provisions, and
every defense pact of today as covering the aggressor. The hand figures are ATOP v4's codes
(its alliance-level file, ``alliances/atop4_alliance_level.csv`` in the data SOURCES.md
lists: NATO, atopid 3180, has base 3, intcom 0, organ1 3; the 1954 US-Taiwan treaty, 3270,
base 3, in force 1954-1980); the rest are the shipped tables themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guaranty.credibility import assess, explain
from guaranty.credibility_case import arrangements, case_of
from guaranty.data.conflict import (
    PROVISIONS,
    challenge_dyads,
    covers,
    defense_promisers,
    joiner_cases,
    joint_provisions,
)
from guaranty.scenario import load

ESTONIA = Path(__file__).resolve().parents[1] / "data" / "estonia-peacetime.yaml"
USA, UKRAINE, ESTONIA_COW, TAIWAN = 2, 369, 366, 713


def test_joint_provisions_by_hand() -> None:
    nato = {"base": 1.0, "intcom": 0.0, "milaid": 0.0, "organ": 1.0, "multilateral": 1.0}
    # NATO: bases and a formal organisation, but no integrated command in ATOP's coding of
    # the treaty (docs/models/credibility.md, "From designs to features")
    assert joint_provisions(USA, ESTONIA_COW, 2021, defense_only=True) == nato
    # Ukraine and the United States: no defense alliance; a multilateral one with an organ
    assert joint_provisions(USA, UKRAINE, 2021, defense_only=True) == dict.fromkeys(PROVISIONS, 0.0)
    assert joint_provisions(USA, UKRAINE, 2021)["organ"] == 1.0
    # the 1954 treaty with Taiwan: bases while in force, nothing after 1980
    assert joint_provisions(USA, TAIWAN, 1975, defense_only=True)["base"] == 1.0
    assert joint_provisions(USA, TAIWAN, 1985, defense_only=True)["base"] == 0.0


def test_joint_provisions_reproduce_the_joiner_table() -> None:
    """Stage 2's rows: every (joiner, target, year) with a pact between the two (ATOP 5.1
    flags) has the provisions ``joint_provisions`` gives (26,542 triples)."""
    t = joiner_cases()
    flags = ("defense", "offense", "neutral", "nonagg", "consul")
    pact = np.maximum.reduce([np.nan_to_num(t[k]) for k in flags]) > 0
    seen = set()
    for i in np.flatnonzero(pact):
        key = (int(t["joiner"][i]), int(t["target"][i]), int(t["year"][i]))
        if key in seen:
            continue
        seen.add(key)
        expected = {k: float(np.nan_to_num(t[k][i]) > 0) for k in PROVISIONS}
        assert joint_provisions(*key) == expected, key
    assert len(seen) == 26_542


def test_joint_provisions_reproduce_the_challenge_table() -> None:
    """Stage 1's rows: a target's third-party defense pacts' provisions (``t_def_base``,
    ``t_def_intcom``, ``t_def_organ``) are the largest over its defenders other than the
    challenger of ``joint_provisions(..., defense_only=True)``; every 10th of the 146,559
    rows with such a pact."""
    t = challenge_dyads()
    promisers = defense_promisers()
    rows = np.flatnonzero(np.nan_to_num(t["t_def"]) > 0)
    assert rows.size == 146_559
    cache: dict[tuple[int, int, int], dict[str, float]] = {}
    for i in rows[::10]:
        a, b, y = int(t["ccode1"][i]), int(t["ccode2"][i]), int(t["year"][i])
        got = dict.fromkeys(("base", "intcom", "organ"), 0.0)
        for g in promisers.get((b, y), ()):
            if g == a:
                continue
            if (g, b, y) not in cache:
                cache[g, b, y] = joint_provisions(g, b, y, defense_only=True)
            for k in got:
                got[k] = max(got[k], cache[g, b, y][k])
        expected = {k: float(np.nan_to_num(t[f"t_def_{k}"][i]) > 0) for k in got}
        assert got == expected, (a, b, y)


def test_an_ally_of_today_keeps_its_provisions() -> None:
    """Estonia's NATO allies: today's pact has NATO's bases and organisation in both stages;
    a design that adds troops and an integrated command changes only the command."""
    s = load(ESTONIA)
    case = case_of(s)
    design = next(d for d in s.guarantees if d.id == "forward_troops")
    today, tomorrow = arrangements(s, case, design)
    usa = today["usa"]
    assert (usa["defense"], usa["base"], usa["organ"], usa["intcom"]) == (1.0, 1.0, 1.0, 0.0)
    assert (usa["defpact_base"], usa["defpact_organ"], usa["defpact_intcom"]) == (1.0, 1.0, 0.0)
    after = tomorrow["usa"]
    assert (after["defpact_base"], after["defpact_organ"], after["defpact_intcom"]) == (1, 1, 1)
    info = explain(s, "forward_troops", "usa")
    assert set(info["terms"]) == {"intcom"}
    assert set(info["attack"]["terms"]) == {"t_def_intcom"}
    # so the design's only stage-1 term is the integrated command's (-0.39): fewer attacks
    res = {d.design.id: d for d in assess(s, draws=400, seed=1).designs}
    assert res["forward_troops"].p_attack.mean() < res["as_today"].p_attack.mean()


def test_a_design_keeps_the_provisions_of_todays_pacts() -> None:
    """Ukraine: the United States' pacts with Ukraine today (non-aggression, in alliances
    with a formal organisation and more than two members) keep those provisions under a
    bilateral consultation design, which on its own would carry neither."""
    s = load("ukraine-2022")
    case = case_of(s)
    design = next(d for d in s.guarantees if d.id == "budapest_assurances")
    today, tomorrow = arrangements(s, case, design)
    assert today["usa"]["organ"] == today["usa"]["multilateral"] == 1.0
    assert tomorrow["usa"]["organ"] == tomorrow["usa"]["multilateral"] == 1.0
    # no defense pact today: stage 1 reads none of those provisions
    assert today["usa"]["defpact_organ"] == 0.0


@pytest.mark.parametrize("key", ["defpact_base", "defpact_intcom", "defpact_organ"])
def test_stage_one_reads_a_defense_pacts_provisions_only(key: str) -> None:
    """A design of consultation only carries no stage-1 provision, whatever it holds."""
    from guaranty.credibility import design_commitments

    commit = design_commitments(
        ["consultation", "integrated_command"], "membership", 2
    )  # a pact (consultation, a legal form) with no defense obligation
    assert commit["defense"] == 0.0 and commit[key] == 0.0
    nato = design_commitments(["article5_membership"], "membership", 3)
    assert nato[key] == 1.0


def test_a_defender_the_scenario_leaves_out_is_named_in_a_note() -> None:
    """Estonia with Germany as its only guarantor: the data's 33 other defenders of Estonia
    (the NATO and EU allies) are not read, and without the United States, the United
    Kingdom and France no nuclear-armed state defends it today as the model reads it; a
    note says so. The fixture (the United States named) and Ukraine (no defender in the
    data) get no such note."""
    from guaranty.cli.war import defenders_note
    from guaranty.credibility_case import unnamed_defenders
    from guaranty.scenario.yaml_io import parse_yaml_scenario

    text = ESTONIA.read_text().replace("guarantors: [usa, uk, germany]", "guarantors: [germany]")
    text = text.replace("guarantors: [usa]", "guarantors: [germany]")
    only_germany = parse_yaml_scenario(text)
    unnamed, differs = unnamed_defenders(only_germany)
    assert len(unnamed) == 33 and USA in unnamed and differs == ["t_def_nuclear"]
    (note,) = defenders_note(only_germany)
    assert "33 states" in note and "no defense pact with a nuclear-armed state" in note
    assert defenders_note(load(ESTONIA)) == []
    assert unnamed_defenders(load("ukraine-2022")) == ([], [])
    # the report's assumptions table says it too
    from guaranty.report.context import assumption_rows

    rows = [r for r in assumption_rows(only_germany) if r["name"] == "today's pacts"]
    assert len(rows) == 1 and "33 other states" in rows[0]["value"]
    assert rows[0]["value"].endswith("no defense pact with a nuclear-armed state")
    assert not [r for r in assumption_rows(load(ESTONIA)) if r["name"] == "today's pacts"]


def test_covers_reproduces_the_challenge_tables_relevant_pact() -> None:
    """Stage 1's ``t_def_rel`` (Leeds 2003; from ATOP v4 alone): some state shares a v4
    defense alliance with the target of which the challenger is not a member and which the
    target's obligations do not limit to other named threats. ``covers`` over the target's
    allies gives the table's value on every 20th of its 224,576 rows."""
    from guaranty.data.conflict import _in_force, _provision_table

    t = challenge_dyads()
    allies: dict[tuple[int, int], set[int]] = {}
    for i in range(0, t["year"].size, 20):
        a, b, y = int(t["ccode1"][i]), int(t["ccode2"][i]), int(t["year"][i])
        if (b, y) not in allies:
            theirs = {m.atopid for m in _in_force(b, y) if m.defense}
            allies[b, y] = {
                c
                for c, rows in _provision_table().items()
                if c != b and any(m.atopid in theirs and m.entered <= y <= m.left for m in rows)
            }
        got = any(covers(c, b, a, y) for c in sorted(allies[b, y] - {a}))
        assert float(got) == float(np.nan_to_num(t["t_def_rel"][i]) > 0), (a, b, y)


def test_a_pact_of_which_the_aggressor_is_a_member_does_not_cover_it() -> None:
    """Greece and Turkey, both in NATO: the United States' defense pacts with Greece do not
    cover Turkey (ATOP v4: Turkey is a member of each), while NATO covers Russia for Estonia.
    A scenario of Turkey and Greece with the United States as the only guarantor reads
    today's pact so; with the United Kingdom and Germany as well it counts a pact that does
    cover Turkey (the EU's, of which Turkey is not a member: the table codes every
    Turkey-Greece row of 2000-2010 t_def_rel 1). Before 2026-12-07 every defense pact of
    today counted as covering the aggressor."""
    assert not covers(USA, 350, 640, 2000) and covers(USA, ESTONIA_COW, 365, 2021)
    from guaranty.credibility_case import _stage1_row
    from guaranty.scenario.yaml_io import parse_yaml_scenario

    text = ESTONIA.read_text().replace("cow: 365", "cow: 640").replace("cow: 366", "cow: 350")

    def today_row(text: str) -> dict[str, float]:
        scenario = parse_yaml_scenario(text)
        case = case_of(scenario)
        today, _ = arrangements(scenario, case, scenario.guarantees[0])
        return dict(_stage1_row(case, scenario, today))

    only_usa = text.replace("guarantors: [usa, uk, germany]", "guarantors: [usa]")
    row = today_row(only_usa)
    assert row["t_def"] == 1.0 and row["t_def_rel"] == 0.0
    assert today_row(text)["t_def_rel"] == 1.0
    # a new defense pact of the guarantors (not NATO) covers the aggressor
    aegean = parse_yaml_scenario(only_usa)
    troops = next(d for d in aegean.guarantees if d.id == "forward_troops")
    _, after = arrangements(aegean, case_of(aegean), troops)
    assert dict(_stage1_row(case_of(aegean), aegean, after))["t_def_rel"] == 1.0


def test_the_doc_counts_of_provisions() -> None:
    """The counts docs/models/credibility.md ("From designs to features") quotes: 29 of the
    745 ATOP v4 alliances code an integrated command; a defense pact with none of the
    provisions is 3% of the joiner table's defense pacts (no base, organisation, integrated
    command or more than two members) and 21% of the dyad-years' third-party defense pacts
    (no base, organisation or integrated command)."""
    from guaranty.data.conflict import _provision_table

    rows = [m for ms in _provision_table().values() for m in ms]
    intcom = PROVISIONS.index("intcom")
    assert len({m.atopid for m in rows}) == 745
    assert len({m.atopid for m in rows if m.flags[intcom]}) == 29
    j = joiner_cases()
    defense = np.nan_to_num(j["defense"]) > 0
    bare = defense & ~np.any(
        [np.nan_to_num(j[k]) > 0 for k in ("base", "organ", "intcom", "multilateral")], axis=0
    )
    assert round(100 * bare.sum() / defense.sum()) == 3
    t = challenge_dyads()
    t_def = np.nan_to_num(t["t_def"]) > 0
    bare = t_def & ~np.any(
        [np.nan_to_num(t[f"t_def_{k}"]) > 0 for k in ("base", "organ", "intcom")], axis=0
    )
    assert round(100 * bare.sum() / t_def.sum()) == 21
