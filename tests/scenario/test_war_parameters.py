"""The schema's table of war parameters matches the battlefield kernel's parameters, so the
scenario layer can name them without importing the models."""

from __future__ import annotations

import dataclasses
import math

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
    assert war_domain("front_min") == (None, None)
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
