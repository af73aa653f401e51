"""A state's nuclear status (an actor's ``nuclear``): left out, the credibility model and every
table read it from the shipped list by COW code and year (``guaranty.data.NUCLEAR_POWERS``);
stated, the model reads the statement, and where it differs from the list the outputs say
so. Before, the flag was only displayed: the model read the list whatever the scenario said,
and a scenario that left it out (as every peer format does) showed the United States and
Russia of 2007 as not nuclear-armed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.credibility import assess
from guaranty.credibility_case import stated_facts, stated_nuclear_facts, without_stated
from guaranty.report.context import assumption_rows
from guaranty.scenario import Scenario, load

ROOT = Path(__file__).resolve().parents[2]


def _with_nuclear(scenario: Scenario, **flags: bool | None) -> Scenario:
    actors = [
        a.model_copy(update={"nuclear": flags[a.id]}) if a.id in flags else a
        for a in scenario.actors
    ]
    return scenario.model_copy(update={"actors": actors})


def _p_honor(scenario: Scenario) -> dict[tuple[str, str], float]:
    res = assess(scenario, draws=400, seed=3)
    return {
        (d.design.id, g): float(d.p_honor[:, k].mean())
        for d in res.designs
        for k, g in enumerate(d.guarantors)
    }


@pytest.mark.parametrize("name", ["ukraine-2022", "korea-1953"])
def test_the_shipped_flags_agree_with_the_list(name: str) -> None:
    """Every flag the shipped scenarios state is the list's status in their data year, so
    leaving them all out changes no figure of the model."""
    scenario = load(name)
    assert scenario.stated_nuclear() == {}
    assert stated_nuclear_facts(scenario) == {}
    plain = _with_nuclear(scenario, **{a.id: None for a in scenario.actors})
    for a in scenario.actors:
        assert bool(plain.nuclear_armed(a.id)) == bool(a.nuclear), a.id
    assert _p_honor(plain) == _p_honor(scenario)


def test_left_out_the_status_is_the_lists() -> None:
    ukraine = load("ukraine-2022")
    plain = _with_nuclear(ukraine, russia=None, usa=None, ukraine=None)
    assert plain.data_year == 2021
    assert plain.nuclear_armed("russia") and plain.nuclear_armed("usa")
    assert not plain.nuclear_armed("ukraine")
    assert plain.nuclear_label("russia") == "yes" and plain.nuclear_label("ukraine") == ""
    assert plain.nuclear_armed("nato") is None  # an organization: no COW code
    # the year counts: the United Kingdom's first test was in 1952 (Korea reads 1952)
    korea = load("korea-1953")
    assert _with_nuclear(korea, uk=None).nuclear_armed("uk")
    cred = korea.credibility.model_copy(update={"data_year": 1951})
    assert korea.model_copy(update={"credibility": cred}).nuclear_in_data("uk") is False


def test_a_stated_status_unlike_the_list_is_what_the_model_reads() -> None:
    """France stated as not nuclear-armed: its P(fight) falls by more than 15% under
    every design it guarantees (the stage-2 term 'the joiner is nuclear-armed' is +0.41
    [+0.01, +0.81], docs/models/credibility.md), a design without France barely moves, and
    the outputs name the statement."""
    ukraine = load("ukraine-2022")
    stated = _with_nuclear(ukraine, france=False)
    assert stated.stated_nuclear() == {"france": (False, True)}
    assert stated_facts(stated) == {"rivalry": (1.0, 0.0), "nuclear status of france": (0.0, 1.0)}
    assert stated.nuclear_label("france") == "no (stated; the data: yes)"
    before, after = _p_honor(ukraine), _p_honor(stated)
    france = [k for k in before if k[1] == "france"]
    assert len(france) == 6
    for k in france:
        assert after[k] < 0.85 * before[k], k
    # a design without France moves only through what France's refusal today says of the
    # shock the guarantors share (every design is conditioned on all of them): by under 1%
    scholz = ("scholz_tailored", "germany")
    assert after[scholz] == pytest.approx(before[scholz], rel=0.01)
    # dropping the statement gives the data's case back
    assert _p_honor(without_stated(stated, "nuclear status of france")) == before
    rows = {r["name"]: r for r in assumption_rows(stated)}
    assert rows["nuclear-armed: france"]["value"] == "no (stated; the data: yes in 2021)"
    assert "nuclear-armed: usa" not in rows  # stated like the data: not an assumption


def test_the_commands_show_the_status(tmp_path: Path) -> None:
    """``show`` and ``credibility`` of a scenario that leaves the flags out, and one that
    states France unlike the data."""
    text = (ROOT / "scenarios" / "ukraine-2022.yaml").read_text()
    assert text.count("    nuclear: true\n") == 6
    plain = tmp_path / "plain.yaml"
    plain.write_text(text.replace("    nuclear: true\n", ""))
    runner = CliRunner()
    shown = runner.invoke(app, ["show", str(plain)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    russia = next(line for line in shown.output.splitlines() if "│ russia " in line)
    assert "yes" in russia
    french = tmp_path / "french.yaml"
    france = "    cow: 220\n    capability: {cow: 2021}\n    nuclear: "
    french.write_text(text.replace(france + "true", france + "false"))
    cred = runner.invoke(app, ["credibility", str(french), "--draws", "200"])
    assert cred.exit_code == 0, cred.output
    said = " ".join(cred.output.split())
    assert "nuclear status of france 0 (the data: 1; with it, attacked within 10 y: " in said
    # validate names it in a note (a slip such as 'nuclear: false' would change the figures)
    checked = runner.invoke(app, ["validate", str(french)])
    assert checked.exit_code == 0, checked.output
    assert "unlike the shipped list: france no (the data: yes in 2021)" in " ".join(
        checked.stderr.split()
    )
    assert "note:" not in runner.invoke(app, ["validate", str(plain)]).stderr
    # --explain says what it reads of the states it explains
    explained = runner.invoke(
        app, ["credibility", str(french), "--explain", "eu_style_clause", "france"]
    )
    assert explained.exit_code == 0, explained.output
    assert (
        "nuclear-armed, as the model reads them: russia yes (as in the data), ukraine no (as "
        "in the data), france no (stated, unlike the data)"
    ) in " ".join(explained.stdout.split())
    data = json.loads(
        runner.invoke(
            app, ["credibility", str(french), "--explain", "eu_style_clause", "france", "--json"]
        ).stdout
    )
    assert data["nuclear"]["france"] == {"value": False, "stated": True}


def test_the_answer_and_the_claims_name_the_stated_status() -> None:
    """The report's answer names a nuclear status stated unlike the data (in the Markdown
    as a sentence, in the HTML in the dagger's tooltip beside the pair's facts), and the
    claims ledger reruns the chain with the data's status, as for a fact of the pair."""
    from guaranty.analysis import states_facts
    from guaranty.montecarlo import simulate
    from guaranty.report.context import answer_context, answer_html

    ukraine = load("ukraine-2022")
    stated = _with_nuclear(ukraine, france=False)
    assert states_facts(stated)
    run = simulate(stated, draws=200, seed=1)
    a = answer_context(run, stated, [])
    assert a["attack_facts"] == "rivalry 1 (the data: 0)"
    assert a["nuclear_facts"] == "nuclear status of france 0 (the data: 1)"
    html = answer_html(run, stated, [])
    assert (
        "in place of the data: rivalry 1 (the data: 0); who fights and the risk of a renewed "
        "attack read a nuclear status the scenario states in place of the data: nuclear "
        'status of france 0 (the data: 1)">†</span>'
    ) in html
    assert answer_context(run, ukraine, [])["nuclear_facts"] is None


def test_without_a_year_the_data_year_is_the_shipped_datas_last() -> None:
    """A credibility section in a scenario without ``year`` or ``data_year`` reads the
    states' data at the last year of the shipped COW capabilities, and a stated nuclear
    status is read there too (before: the model read 2022 while the statement was compared
    with no year and dropped)."""
    from guaranty.data import LATEST_DATA_YEAR, cinc_table

    assert LATEST_DATA_YEAR == max(year for _, year in cinc_table())
    ukraine = load("ukraine-2022")
    cred = ukraine.credibility.model_copy(update={"data_year": None})
    bare = ukraine.model_copy(update={"year": None, "credibility": cred})
    assert bare.data_year == LATEST_DATA_YEAR
    assert ukraine.model_copy(update={"year": None, "credibility": None}).data_year is None
    stated = _with_nuclear(bare, france=False)
    assert stated_nuclear_facts(stated) == {"nuclear status of france": (0.0, 1.0)}
    assert (
        _p_honor(stated)[("eu_style_clause", "france")]
        < _p_honor(bare)[("eu_style_clause", "france")]
    )
