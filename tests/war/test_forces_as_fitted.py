"""The forces split as the fit to the COW wars reads them (``guaranty.war.forces_as_fitted``):
by hand, and in a run of the Ukraine scenario (docs/models/war.md, "Forces as stated or as
the fit reads them")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guaranty.scenario import load
from guaranty.war import forces_as_fitted, run_war

ROOT = Path(__file__).resolve().parents[2]


def test_forces_as_fitted_by_hand() -> None:
    """Capabilities 4:1 for the aggressor, total 500: exponent 0 splits evenly, 1 gives 4:1
    (100 and 400), 0.5 gives 2:1 (166.7 and 333.3); the neutral forces total 200."""
    out = forces_as_fitted({"force_a": 300.0, "force_b": 200.0}, np.array([0.0, 1.0, 0.5]), 4.0)
    assert out["force_a"] == pytest.approx([250.0, 100.0, 500 / 3])
    assert out["force_b"] == pytest.approx([250.0, 400.0, 1000 / 3])
    neutral = forces_as_fitted({}, np.array([1.0]), 3.0)
    assert (neutral["force_a"][0], neutral["force_b"][0]) == pytest.approx((50.0, 150.0))
    with pytest.raises(ValueError, match="positive"):
        forces_as_fitted({}, np.array([1.0]), 0.0)


def test_a_run_with_the_capability_ratio_keeps_the_total_and_the_replenishment_share() -> None:
    """Each draw's forces total the stated 500 and put the aggressor ahead by the ratio to a
    drawn power in the fit's range (0-1); the replenishment stays the same share of each
    side's forces; equal capabilities split the forces evenly whatever the exponent."""
    scenario = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    ratio = 0.03485 / 0.006436
    w = run_war(scenario, draws=400, seed=1, capability_ratio=ratio)
    fa, fb = w.params["force_a"], w.params["force_b"]
    assert fa + fb == pytest.approx(np.full(400, 500.0))
    power = np.log(fb / fa) / np.log(ratio)
    assert power.min() >= 0.0 and power.max() <= 1.0 and power.std() > 0.01
    assert w.params["mobilisation_a"] / fa == pytest.approx(w.params["mobilisation_b"] / fb)
    even = run_war(scenario, draws=50, seed=1, capability_ratio=1.0)
    assert even.params["force_a"] == pytest.approx(np.full(50, 250.0))
    stated = run_war(scenario, draws=50, seed=1)
    assert np.all(stated.params["force_a"] == 300.0) and np.all(stated.params["force_b"] == 200.0)


def test_forces_reading_says_when_the_winner_turns() -> None:
    """Ukraine (two states, forces stated, Russia's capabilities 5.4 times Ukraine's): the
    likelier decisive winner turns, and the note gives both readings; Korea (16 states: the
    scenario does not say which fight on which side) and a war without stated forces give
    nothing; the shares with the stated forces can come from the caller."""
    from guaranty.war import FORCES_SHIFT, forces_reading

    scenario = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    got = forces_reading(scenario, draws=2000, seed=0)
    stated, fitted = got["stated"], got["fitted"]
    assert stated["decisive_a"] > stated["decisive_b"]
    assert fitted["decisive_b"] > fitted["decisive_a"]
    assert got["note"].startswith("Who wins turns on how the two sides' forces are measured")
    assert f"in {stated['decisive_a']:.0%} of the draws" in got["note"]
    assert f"in {fitted['decisive_a']:.0%} and {fitted['decisive_b']:.0%}" in got["note"]
    same = forces_reading(scenario, draws=2000, seed=0, stated=stated)
    assert same["fitted"] == fitted and same["note"] == got["note"]
    # shares that the fit's reading barely moves: no note
    quiet = forces_reading(scenario, draws=2000, seed=0, stated=fitted)
    assert quiet["note"] is None and FORCES_SHIFT == 0.10
    assert forces_reading(load(ROOT / "scenarios" / "korea-1953.yaml"), draws=200) is None
    war = scenario.war
    params = {k: v for k, v in war.parameters.items() if k not in ("force_a", "force_b")}
    bare = scenario.model_copy(update={"war": war.model_copy(update={"parameters": params})})
    assert forces_reading(bare, draws=200) is None


def test_the_war_command_and_the_report_say_it() -> None:
    import json

    from typer.testing import CliRunner

    from guaranty.cli import app
    from guaranty.report.context import forces_note

    path = str(ROOT / "scenarios" / "ukraine-2022.yaml")
    result = CliRunner().invoke(app, ["war", path, "--draws", "1000"])
    assert result.exit_code == 0, result.output
    assert "Who wins turns on how the two sides' forces are measured" in result.stdout
    data = json.loads(CliRunner().invoke(app, ["war", path, "--draws", "500", "--json"]).stdout)
    extra = data["forces_as_fitted"]
    assert extra["capability_ratio"] == pytest.approx(0.03485 / 0.006436, rel=1e-3)
    assert sum(extra["outcomes"].values()) == pytest.approx(1.0)
    summary = {"seed": 0, "war": {"outcomes": data["outcomes"]}}
    note = forces_note(summary, load(path))
    assert note is not None and note.startswith("Who wins turns")


def _ukraine_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "scenarios" / "ukraine-2022.yaml").read_text()
    assert text.count(old) == 1
    path = tmp_path / "u.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_a_scenario_may_read_the_forces_as_the_fit_does(tmp_path: Path) -> None:
    """``war.forces: capabilities`` gives the war of ``capability_ratio`` at the scenario's
    own ratio, draw for draw; such a scenario has no alternative reading to offer."""
    from guaranty.war import capability_ratio_of, forces_alternative, forces_reading

    path = _ukraine_with(
        tmp_path, "  months_fought: 4\n", "  months_fought: 4\n  forces: capabilities\n"
    )
    scenario = load(path)
    assert scenario.war.forces == "capabilities"
    stated = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    ratio = capability_ratio_of(stated)
    a = run_war(scenario, draws=300, seed=2)
    b = run_war(stated, draws=300, seed=2, capability_ratio=ratio)
    assert np.array_equal(a.result.outcome, b.result.outcome)
    assert np.array_equal(a.params["force_a"], b.params["force_a"])
    assert forces_alternative(scenario) is None and forces_reading(scenario) is None
    other = forces_alternative(stated)
    assert other is not None and other.war.forces == "capabilities"


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("  states: 2\n", "  states: 3\n  forces: capabilities\n", "expected a war of two states"),
        ("  months_fought: 4\n", "  months_fought: 4\n  forces: troops\n", "forces"),
        (
            "  months_fought: 4\n",
            "  months_fought: 4\n  forces: capabilities\n  observed_losses:\n"
            "    a: {low: 8, high: 25, source: t}\n    b: {low: 12, high: 35, source: t}\n",
            "war.observed_losses are read as rates",
        ),
    ],
)
def test_forces_from_capabilities_refused_where_it_cannot_hold(
    tmp_path: Path, old: str, new: str, expect: str
) -> None:
    """Exit 2 with the file, the line and the field: a war of more than two states (whose
    sides the scenario does not list), a value that is neither 'stated' nor 'capabilities',
    or observed losses (rates per unit of the stated forces, which 'capabilities'
    replaces)."""
    from typer.testing import CliRunner

    from guaranty.cli import app

    path = _ukraine_with(tmp_path, old, new)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.stderr and "war.forces" in result.stderr
    assert expect in result.stderr and "Traceback" not in result.output


def test_the_claims_say_which_verdicts_rest_on_the_stated_forces() -> None:
    """On the same draws with the fit's reading of the forces, ``escalation_risk`` (Ukraine
    does not win outright) turns from depends to supported; the ledger says so with the
    two readings (docs/claims.md)."""
    from guaranty.analysis import stated_facts, states_facts
    from guaranty.claims import run_ledger
    from guaranty.montecarlo import simulate

    scenario = load(ROOT / "scenarios" / "ukraine-2022.yaml")
    assert states_facts(scenario)
    run = simulate(scenario, draws=2000, seed=0)
    claims = stated_facts(scenario, run_ledger(scenario.claims, run), 2000, 0)
    esc = next(c for c in claims if c.id == "escalation_risk")
    flip = next(f for f in esc.facts if f.fact == "forces")
    assert esc.verdict == "depends" and flip.verdict == "supported"
    assert flip.stated == pytest.approx(200 / 300) and flip.data == pytest.approx(5.415, abs=1e-3)
    text = flip.text()
    assert text.startswith("the stated forces (the aggressor's 0.67 times the protected state's")
    assert text.endswith(f"under which it holds in {flip.share:.0%}, supported)")
    assert "The verdict rests on the stated forces" in esc.reading


def test_the_report_states_how_the_forces_are_read(tmp_path: Path) -> None:
    """A scenario that reads the forces as the fit does says so in the report's assumptions
    (the stated forces are then only their total); one that states them adds no row."""
    from guaranty.report.context import assumption_rows

    path = _ukraine_with(
        tmp_path, "  months_fought: 4\n", "  months_fought: 4\n  forces: capabilities\n"
    )
    (row,) = [r for r in assumption_rows(load(path)) if r["name"] == "forces"]
    assert row["value"].startswith("split by capabilities (5.41 of the aggressor's")
    assert "war.forces: capabilities" in row["source"]
    stated = assumption_rows(load(ROOT / "scenarios" / "ukraine-2022.yaml"))
    assert not [r for r in stated if r["name"] == "forces"]


def test_no_alternative_reading_with_observed_losses(tmp_path: Path) -> None:
    """Observed losses are read as rates per unit of the stated forces, so a scenario that
    gives them has no reading of its forces by capabilities to offer."""
    from guaranty.war import forces_alternative, forces_reading

    path = _ukraine_with(
        tmp_path,
        "  months_fought: 4\n",
        "  months_fought: 4\n  observed_losses:\n"
        "    a: {low: 8, high: 25, source: t}\n    b: {low: 12, high: 35, source: t}\n",
    )
    scenario = load(path)
    assert scenario.war.observed_losses is not None
    assert forces_alternative(scenario) is None and forces_reading(scenario) is None
