"""Today's pacts carry the provisions the fits were estimated with.

Both stages were fitted on rows whose pacts carry their ATOP v4 provisions (bases, an
integrated command, a formal organisation, military aid, more than two members): stage 2 of
every alliance joining the joiner and the target, stage 1 of the target's defense pacts with
third states. Until 2026-12-07 a scenario's pacts of today were read from the ATOP 5.1 flags
alone, so that an ally of today (Estonia's NATO allies) entered both stages as a pact
without provisions, a kind of row the fits had seldom seen for such a pact. The figures
below are ATOP v4's codes (``../shared/data/alliances/atop4_alliance_level.csv``: NATO,
atopid 3180, has base 3, intcom 0, organ1 3; the 1954 US-Taiwan treaty, 3270, base 3, in
force 1954-1980) and the shipped tables themselves.
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
    assert "33 states" in note and "t_def_nuclear" in note
    assert defenders_note(load(ESTONIA)) == []
    assert unnamed_defenders(load("ukraine-2022")) == ([], [])
