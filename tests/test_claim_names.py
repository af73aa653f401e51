"""validate checks claims: every output name a statement or ``given`` uses must be one the
scenario produces (issue: a misspelt name used to pass validate and fail the run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty import montecarlo as mc
from guaranty.claims import PIPELINE_METRICS, output_names
from guaranty.cli import app
from guaranty.scenario import load

ROOT = Path(__file__).resolve().parents[1]
UKRAINE = ROOT / "scenarios" / "ukraine-2022.yaml"
runner = CliRunner()


def _flat(d: dict, pre: str = "") -> set[str]:
    out: set[str] = set()
    for k, v in d.items():
        out |= _flat(v, f"{pre}{k}.") if isinstance(v, dict) else {pre + k}
    return out


def test_output_names_are_the_pipeline_outputs() -> None:
    """The static list equals the names a real run produces (no drift between the two)."""
    scenario = load(UKRAINE)
    run = mc.simulate(scenario, draws=1000, seed=1)
    assert output_names(scenario) == _flat(run.outputs())
    assert PIPELINE_METRICS == mc.METRICS


@pytest.mark.parametrize(
    ("old", "new", "key", "hint"),
    [
        (
            'statement: "war.p_frozen > war.p_decisive"',
            'statement: "war.p_frozn > war.p_decisive"',
            "statement",
            "did you mean 'war.p_frozen'?",
        ),
        (
            'statement: "p_any.p5_coalition < p_any.nato_membership"',
            'statement: "p_any.p5_coalition < p_any.nato_membrship"',
            "statement",
            "did you mean 'p_any.nato_membership'?",
        ),
        ('given: "war.settlement == 1"', 'given: "war.setlement == 1"', "given", "war.settlement"),
        (
            'statement: "war.front >= 78"',
            'statement: "war.front >="',
            "statement",
            "not a valid expression",
        ),
    ],
)
def test_validate_rejects_unknown_claim_outputs(
    tmp_path: Path, old: str, new: str, key: str, hint: str
) -> None:
    text = UKRAINE.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    err = res.stderr
    assert f"bad.yaml:{line}:" in err and f".{key}:" in err and hint in err
    assert "Traceback" not in err


def test_distribution_outputs_agree() -> None:
    from guaranty.claims import DISTRIBUTION_OUTPUTS

    assert DISTRIBUTION_OUTPUTS == mc.RunResult.DISTRIBUTION_OUTPUTS
