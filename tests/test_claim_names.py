"""validate checks claims: every output name a statement or ``given`` uses must be one the
scenario produces (issue: a misspelt name used to pass validate and fail the run)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty import montecarlo as mc
from guaranty.claims import PIPELINE_METRICS, output_names
from guaranty.cli import app
from guaranty.scenario import claim_names, load

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
        # the statement's form, checked at load too (found by mutating the Ukraine claims:
        # these passed validate and stopped the ledger with a traceback or a wrong shape)
        (
            'statement: "war.front >= 78"',
            'statement: "0.5 >= 78"',
            "statement",
            "names no output of the models",
        ),
        (
            'statement: "war.front >= 78"',
            'statement: "war.front + 78"',
            "statement",
            "must be a comparison",
        ),
        (
            'statement: "war.front >= 78"',
            'statement: "war.front ** 2 >= 78"',
            "statement",
            "uses Pow, which statements do not allow",
        ),
        (
            'statement: "war.front >= 78"',
            'statement: "max(war.front) >= 78"',
            "statement",
            "uses Call, which statements do not allow",
        ),
        ('given: "war.settlement == 1"', 'given: "1 == 1"', "given", "names no output"),
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


def test_builtin_models_are_the_registry() -> None:
    """The model names claim_names holds as data are the models the registry ships."""
    from guaranty.models import registry

    shipped = [
        n for n in registry.available() if registry.get(n).__module__.startswith("guaranty.models.")
    ]
    assert claim_names.BUILTIN_MODELS == tuple(shipped)
    assert set(claim_names.negotiation_models()) == set(registry.available())


def test_the_models_are_listed_in_one_order_whatever_was_imported_first() -> None:
    """The registry lists the built-in models in one order (BUILTIN_MODELS), which every
    table and report follows. Before, it was the order in which the modules registered, so
    a process that imported ``compromise`` first listed it before ``bdm`` (found when this
    file's test above failed under pytest-xdist on another spread of the tests)."""
    code = (
        "import guaranty.models.bargaining.smp, guaranty.models.bargaining.compromise\n"
        "from guaranty.models import registry\n"
        "print(','.join(registry.available()))"
    )
    got = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert tuple(got.split(",")) == claim_names.BUILTIN_MODELS


def test_user_models_count_once_the_registry_is_loaded(monkeypatch) -> None:
    fake = types.SimpleNamespace(available=lambda: [*claim_names.BUILTIN_MODELS, "mine"])
    monkeypatch.setitem(sys.modules, "guaranty.models.registry", fake)
    assert claim_names.negotiation_models() == (*claim_names.BUILTIN_MODELS, "mine")
    monkeypatch.delitem(sys.modules, "guaranty.models.registry")
    assert claim_names.negotiation_models() == claim_names.BUILTIN_MODELS


def test_claim_names_loads_no_model() -> None:
    """Checking claim names (at validation) imports neither numpy nor the models."""
    import guaranty

    code = (
        "import sys, guaranty.scenario.claim_names\n"
        "heavy = ('numpy', 'guaranty.models', 'guaranty.claims', 'guaranty.montecarlo',"
        " 'guaranty.pipeline', 'guaranty.credibility', 'guaranty.war', 'guaranty.comparison')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numpy' or m.startswith(heavy)))"
    )
    src = str(Path(guaranty.__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": src},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_the_builtin_models_parameters_are_their_declarations() -> None:
    """claim_names.BUILTIN_PARAMETERS (which the scenario's schema checks pipeline.params
    against without loading the models) names each built-in model's declared parameters,
    in order; and DEFAULT_SETTLEMENT is the pipeline's default model."""
    from guaranty.models import registry
    from guaranty.plan import DEFAULT_MODEL

    for name, declared in claim_names.BUILTIN_PARAMETERS.items():
        assert declared == tuple(registry.get(name).parameters), name
    assert set(claim_names.BUILTIN_PARAMETERS) == set(claim_names.BUILTIN_MODELS)
    assert claim_names.DEFAULT_SETTLEMENT == DEFAULT_MODEL
