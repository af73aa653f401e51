"""The domains of the numbers a scenario holds, and loading big tables in linear time."""

from __future__ import annotations

import time

import pytest

from guaranty.errors import ScenarioError
from guaranty.scenario import parse
from guaranty.scenario.schema import (
    SIGNED_WAR_PARAMETERS,
    Fixed,
    Scenario,
    validate_scenario,
)

BASE = """\
name: d
actors:
  - {id: a, name: A, capability: 1}
  - {id: b, name: B, capability: 2}
issues:
  - {id: x, label: X, scale: [0, 100]}
positions:
  a: {x: {position: 10, salience: 0.5}}
  b: {x: {position: 90, salience: 0.5}}
"""


def with_section(text: str) -> str:
    return BASE + text


def test_signed_war_parameters_are_war_parameters() -> None:
    """Every name in the schema's list of signed war parameters is a parameter of the war
    kernel (a misspelt name would leave the real parameter truncated at 0)."""
    import dataclasses

    from guaranty.models.war.battlefield import WarParams

    fields = {f.name for f in dataclasses.fields(WarParams)}
    assert SIGNED_WAR_PARAMETERS <= fields, SIGNED_WAR_PARAMETERS - fields


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("front_min", -50, True),
        ("red_line_b", 75, True),
        ("optimism_a", -1.5, True),
        ("force_a", -1, False),
        ("aid_b", -0.1, False),
        ("noise", 0, True),
        ("discount", 1.2, False),
        ("collapse_a", 0.35, True),
        ("weight_a", -0.1, False),
        # the kernel's own bounds (guaranty.models.war.battlefield), some of them strict
        ("force_a", 0, False),
        ("prior_sd_b", 0, False),
        ("collapse_b", 1, False),
        ("collapse_b", 0, True),
        ("discount", 0, False),
        ("discount", 1, True),
        ("weight_a", 1, True),
        ("front0", 100, True),
        ("front0", 100.5, False),
        ("front_min", 100, False),
        ("front_speed", 0, False),  # the costs and premia are in its units
    ],
)
def test_war_parameter_domains(name: str, value: float, ok: bool) -> None:
    text = with_section(f"war:\n  parameters:\n    {name}: {value}\n")
    if ok:
        assert parse(text, "w.yaml").war.parameters[name].nominal == value
    else:
        with pytest.raises(ScenarioError, match="must lie ") as info:
            parse(text, "w.yaml")
        assert info.value.field == ("war", "parameters", name) and info.value.line == 12


def test_a_red_lines_shift_needs_the_red_line() -> None:
    """A shift of the premium past a red line the war does not set would do nothing: an
    error at the shift's key, and the pair together loads."""
    text = with_section("war:\n  parameters:\n    red_line_shift_b: -80\n")
    with pytest.raises(ScenarioError, match="give red_line_b too") as info:
        parse(text, "w.yaml")
    assert info.value.field == ("war", "parameters", "red_line_shift_b")
    assert info.value.line == 12
    both = with_section("war:\n  parameters:\n    red_line_b: 75\n    red_line_shift_b: -80\n")
    assert parse(both, "w.yaml").war.parameters["red_line_shift_b"].nominal == -80


def test_war_parameter_distribution_must_stay_in_domain() -> None:
    text = with_section("war:\n  parameters:\n    force_b: {dist: uniform, low: -10, high: 50}\n")
    with pytest.raises(ScenarioError, match="a range from -10 to 50"):
        parse(text, "w.yaml")


@pytest.mark.parametrize(
    ("entry", "ok"),
    [
        ("sigma: 0.25", True),
        ("sigma: 0", False),
        ("sigma: {dist: uniform, low: 0, high: 1}", False),
        ("cost: -0.5", False),
        ("cost: 0", True),
        ("stakes: {dist: normal, mean: -1, sd: 0.5}", False),
    ],
)
def test_deterrence_domains(entry: str, ok: bool) -> None:
    text = with_section(f"deterrence:\n  {entry}\n")
    if ok:
        assert parse(text, "d.yaml").deterrence is not None
    else:
        with pytest.raises(ScenarioError) as info:
            parse(text, "d.yaml")
        assert info.value.field[0] == "deterrence" and info.value.line == 11


def test_circumstances_take_any_finite_shift() -> None:
    pair = "credibility:\n  aggressor: a\n  protected: b\n"
    s = parse(with_section(pair + "  circumstances_today: -3.5\n"), "c.yaml")
    assert s.credibility.circumstances_today.nominal == -3.5
    with pytest.raises(ScenarioError, match="finite number"):
        parse(with_section(pair + "  circumstances_tomorrow: -.inf\n"), "c.yaml")


def test_the_credibility_section_names_its_two_states() -> None:
    """The aggressor and the protected state are required (docs/scenario-format.md): before,
    a credibility section without them loaded and validated, and failed only when the
    credibility model ran."""
    for missing in ("aggressor", "protected"):
        kept = "protected: b" if missing == "aggressor" else "aggressor: a"
        with pytest.raises(ScenarioError, match=f"missing required field '{missing}'") as info:
            parse(with_section(f"credibility:\n  {kept}\n"), "c.yaml")
        assert info.value.field == ("credibility",) and info.value.line == 10


def test_pipeline_model_must_be_registered() -> None:
    s = parse(with_section("pipeline:\n  model: median\n"), "p.yaml")
    assert s.pipeline.model == "median"
    with pytest.raises(
        ScenarioError, match="unknown negotiation model 'medain'; did you mean"
    ) as info:
        parse(with_section("pipeline:\n  model: medain\n"), "p.yaml")
    assert info.value.field == ("pipeline", "model") and info.value.line == 11


def test_pipeline_params_are_the_settlement_models() -> None:
    """pipeline.params: parameters of the settlement's model (or of the default, extremity).
    A name the model does not declare is an error when the scenario loads; a value it does
    not accept, when the model is built (guaranty.plan.check_model_params, which `guaranty
    validate` calls too); both with the file and the line."""
    from guaranty.plan import check_model_params

    s = parse(
        with_section("pipeline:\n  model: smp\n  params:\n    capability: scaled\n"), "p.yaml"
    )
    assert s.pipeline.params == {"capability": "scaled"}
    check_model_params(s)
    with pytest.raises(
        ScenarioError, match="smp declares no parameter 'capabilty'; did you"
    ) as info:
        parse(with_section("pipeline:\n  model: smp\n  params:\n    capabilty: scaled\n"), "p.yaml")
    assert info.value.field == ("pipeline", "params") and info.value.line == 12
    for body, said in [
        ("model: exchange\n  params:\n    move_sum: both", "move_sum of exchange must be one of"),
        ("params:\n    extreme_weight: 7", "extreme_weight of extremity must be a number in"),
        ("params:\n    extreme_weight: true", "extreme_weight of extremity must be a number"),
    ]:
        s = parse(with_section(f"pipeline:\n  {body}\n"), "p.yaml")
        with pytest.raises(ScenarioError, match=said) as info:
            check_model_params(s)
        assert info.value.field == ("pipeline", "params"), body
        assert info.value.file == "p.yaml" and info.value.line is not None
        assert "its parameters:" in str(info.value)


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(ScenarioError, match="not a boolean"):
        parse(BASE.replace("capability: 2}", "capability: {value: true}}"), "b.yaml")


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("deterrence:\n  years: true\n", ("deterrence", "years")),
        ("war:\n  months_fought: yes\n", ("war", "months_fought")),
        ("war:\n  horizon: true\n", ("war", "horizon")),
        ("pipeline:\n  inner: true\n", ("pipeline", "inner")),
    ],
)
def test_booleans_are_not_counts(section: str, field: tuple[str, ...]) -> None:
    """A count or a year given as a boolean (YAML reads ``yes`` and ``true`` so) is an error
    at its line, not 1: ``years: true`` ran a one-year horizon before 2026-12-08."""
    with pytest.raises(ScenarioError, match="expected a number, not a boolean") as info:
        parse(with_section(section), "b.yaml")
    assert info.value.field == field and info.value.line == 11


def test_a_scenario_without_positions_is_for_credibility_alone() -> None:
    text = BASE.split("positions:")[0]
    s = parse(text, "c.yaml")
    assert s.positions == {}
    with pytest.raises(ScenarioError, match="no actor takes a position on issue 'x'") as info:
        s.require_positions()
    assert info.value.field == ("issues", 0)
    # at the line of the file (before: the file alone, from every command that
    # forecasts: forecast, analyze, run, claims, sweep)
    assert (info.value.file, info.value.line, info.value.column) == ("c.yaml", 6, 5)
    parse(BASE, "ok.yaml").require_positions()  # no error


def test_equal_fixed_numbers_are_shared_and_keep_their_values() -> None:
    rows = "\n".join(f"A{k},1,{k % 3},0.5" for k in range(30))
    s = parse("Actor,Capability,Position,Salience\n" + rows + "\n", "t.csv")
    saliences = {id(e["issue"].salience) for e in s.positions.values()}
    assert len(saliences) == 1  # thirty equal saliences, one object
    assert [s.positions[f"A{k}"]["issue"].position.value for k in range(6)] == [0, 1, 2, 0, 1, 2]
    # -0.0 and 0.0, an int and a float, or another source are not mixed up
    data = {
        "name": "z",
        "actors": [
            {"id": "a", "name": "A", "capability": {"value": 1.0, "source": "one"}},
            {"id": "b", "name": "B", "capability": {"value": 1.0, "source": "two"}},
            {"id": "c", "name": "C", "capability": 1.0},
        ],
        "issues": [{"id": "x", "label": "X", "scale": [-1, 1]}],
        "positions": {
            "a": {"x": {"position": -0.0, "salience": 0.5}},
            "b": {"x": {"position": 0.0, "salience": 0.5}},
        },
    }
    s = validate_scenario(data)
    assert [a.capability.source for a in s.actors] == ["one", "two", None]
    assert str(s.positions["a"]["x"].position.value) == "-0.0"
    assert str(s.positions["b"]["x"].position.value) == "0.0"
    assert s == Scenario.model_validate(data)  # the same scenario as without sharing
    assert isinstance(s.actors[2].capability, Fixed)


def test_many_equally_named_actors_load_in_linear_time() -> None:
    # 20,000 KTAB actors of the same name (300 KB): ids Same, Same_2, ... Before, each id
    # searched the suffixes from 2 up and every position's actor was looked up in a list:
    # 140.8 s measured; now 1.3 s (on a shared, loaded machine).
    n = 20_000
    rows = "\n".join(f"Same,x,{1 + k % 7},{k % 100},{k % 50 + 1}" for k in range(n))
    text = f"Many,desc,{n},1\nActor,Description,Power,P1,S1\n{rows}\n"
    start = time.perf_counter()
    s = parse(text, "many.csv")
    took = time.perf_counter() - start
    assert len(s.actors) == n and s.actors[-1].id == f"Same_{n}"
    assert len({a.id for a in s.actors}) == n
    assert took < 20.0, took
