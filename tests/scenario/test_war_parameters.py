"""The schema's table of war parameters matches the battlefield kernel's parameters, so the
scenario layer can name them without importing the models."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from guaranty.models.war.battlefield import WarParams
from guaranty.scenario.war_parameters import (
    SIGNED_WAR_PARAMETERS,
    WAR_PARAMETERS,
    war_defaults,
    war_domain,
)

#: The kernel's fields a scenario sets in the ``war`` section itself, not in ``parameters``.
_SECTION_FIELDS = ("horizon", "planning")


def test_war_parameter_names_and_defaults_match_the_kernel() -> None:
    kernel = [
        (f.name, f.default) for f in dataclasses.fields(WarParams) if f.name not in _SECTION_FIELDS
    ]
    table = [(name, default) for name, default, _ in WAR_PARAMETERS]
    assert [n for n, _ in table] == [n for n, _ in kernel]
    for (name, ours), (_, theirs) in zip(table, kernel, strict=True):
        assert isinstance(theirs, float), name
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs)), name


def test_war_parameter_domains() -> None:
    assert set(war_defaults()) == {f.name for f in dataclasses.fields(WarParams)} - set(
        _SECTION_FIELDS
    )
    assert SIGNED_WAR_PARAMETERS <= set(war_defaults())
    assert war_domain("front_min") == (None, 100.0)
    assert war_domain("discount") == (0.0, 1.0)
    assert war_domain("force_a") == (0.0, None)
    for name, default, kind in WAR_PARAMETERS:
        lo, hi = war_domain(name)
        if not math.isnan(default):  # a default lies within its own domain
            assert (lo is None or default >= lo) and (hi is None or default <= hi), (name, kind)


def test_the_schema_does_not_import_the_models() -> None:
    """Validating a scenario with war parameters, and reading a peer format, import nothing
    of guaranty.models: upstream modules do not import downstream ones. (A pipeline's
    ``model`` is still checked against the models' registry.)"""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from guaranty.scenario.formats import parse_bdm_csv\n"
        "from guaranty.scenario.schema import validate_scenario\n"
        "validate_scenario({'name': 'x', 'actors': [{'id': 'a', 'name': 'A', 'capability': 1}],"
        " 'issues': [{'id': 'i', 'label': 'I', 'scale': [0, 1]}],"
        " 'positions': {'a': {'i': {'position': 0, 'salience': 1}}},"
        " 'war': {'parameters': {'force_a': 3, 'front_min': -5}}})\n"
        "parse_bdm_csv('Actor,Capability,Position,Salience\\nA,1,0,1\\nB,2,1,1\\n')\n"
        "print(sorted(m for m in sys.modules if m.startswith('guaranty.models')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out


#: values at, just inside and just outside every bound a war parameter has
_PROBES = (-1e3, -1.0, -1e-9, 0.0, 1e-9, 0.5, 1 - 1e-9, 1.0, 1 + 1e-9, 99.9, 100.0, 100.5, 1e3)

_BASE = """\
name: d
actors:
  - {id: a, name: A, capability: 1}
issues:
  - {id: x, label: X, scale: [0, 100]}
positions:
  a: {x: {position: 10, salience: 0.5}}
war:
  parameters:
"""


@pytest.mark.parametrize("name", [name for name, _, _ in WAR_PARAMETERS])
def test_the_schema_accepts_a_fixed_value_exactly_when_the_kernel_does(name: str) -> None:
    """Each war parameter's range in the schema (``war_bounds``) is the one the battlefield
    kernel checks: a fixed value at, just inside or just outside each bound loads if and only
    if the kernel runs on it (the partner of the line's start and floor held out of the way:
    ``front_min`` far below for ``front0``, ``front0`` at 100 for ``front_min``, a red line
    for its shift)."""
    from guaranty.errors import ModelError, ScenarioError
    from guaranty.models.war.battlefield import simulate_war
    from guaranty.scenario import parse

    partner = {
        "front0": {"front_min": -1e6},
        "front_min": {"front0": 100.0},
        "red_line_shift_a": {"red_line_a": 50.0},  # a shift needs its red line
        "red_line_shift_b": {"red_line_b": 50.0},
    }.get(name, {})
    for value in _PROBES:
        given = {name: value, **partner}
        try:
            simulate_war(WarParams(**given, horizon=1), 1, np.random.default_rng(0))
            kernel = True
        except ModelError:
            kernel = False
        text = _BASE + "".join(f"    {k}: {v:.12f}\n" for k, v in given.items())  # YAML floats
        try:
            parse(text, "w.yaml")
            schema = True
        except ScenarioError:
            schema = False
        assert schema == kernel, (name, value, schema, kernel)


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        (["front0: 10", "front_min: -5"], True),
        (["front0: 10", "front_min: 10"], True),
        (["front0: 10", "front_min: 20"], False),
        (["front_min: 40"], True),  # the inherited start: 50, the middle of the line
        (["front_min: 60"], False),
        (["front0: {dist: uniform, low: 0, high: 20}", "front_min: 5"], False),
        (["front0: {dist: uniform, low: 5, high: 20}", "front_min: 5"], True),
    ],
)
def test_the_line_starts_at_or_above_its_floor(given: list[str], ok: bool) -> None:
    from guaranty.errors import ScenarioError
    from guaranty.scenario import parse

    text = _BASE + "".join(f"    {part}\n" for part in given)
    if ok:
        parse(text, "w.yaml")
        return
    with pytest.raises(ScenarioError, match="at or below the line at the start") as info:
        parse(text, "w.yaml")
    assert info.value.field == ("war", "parameters", "front_min")


def test_normal_war_parameters_are_drawn_within_the_kernels_ranges() -> None:
    """A normal distribution is truncated to its parameter's range (and the line at the
    start to its floor), so that a run never stops on a draw the kernel refuses: before,
    these draws were truncated at 0 only, and the run stopped on a breaking point above 1."""
    from guaranty.scenario import parse
    from guaranty.war import run_war

    lines = [
        "collapse_a: {dist: normal, mean: 0.9, sd: 0.3}",
        "discount: {dist: normal, mean: 0.99, sd: 0.1}",
        "prior_sd_a: {dist: normal, mean: 0.1, sd: 1}",
        "weight_a: {dist: normal, mean: 0.5, sd: 2}",
        "front0: {dist: normal, mean: 0, sd: 40}",
        "front_min: -50",
    ]
    s = parse(_BASE + "".join(f"    {line}\n" for line in lines), "w.yaml")
    w = run_war(s, draws=2000, seed=0)
    p = {k: np.asarray(v) for k, v in w.params.items()}
    assert p["collapse_a"].max() < 1 and p["collapse_a"].min() >= 0
    assert 0 < p["discount"].min() and p["discount"].max() <= 1
    assert p["prior_sd_a"].min() > 0
    assert 0 <= p["weight_a"].min() and p["weight_a"].max() <= 1
    assert p["front0"].min() >= -50 and p["front0"].max() <= 100
    assert p["collapse_a"].std() > 0.05  # drawn, not pinned at a bound
