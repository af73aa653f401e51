"""Negotiation models from other packages, through the entry-point group ``guaranty.models``.

Each test installs a small fake distribution in ``tmp_path`` (a module and its
``.dist-info`` with ``entry_points.txt``) and puts the folder on the path, as pip would put
a third party's package into site-packages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from guaranty.errors import ModelError
from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationModel
from guaranty.models.registry import ENTRY_POINT_GROUP, Registry

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
from typing import ClassVar

import numpy as np

from guaranty.models.bargaining.base import NegotiationModel, NegotiationResult


class Midrange(NegotiationModel):
    """Halfway between the lowest and the highest position of the actors present."""

    name: ClassVar[str] = "midrange"
    summary: ClassVar[str] = "halfway between the outermost positions"

    def run(self, inputs, rng):
        pos = np.where(inputs.present[None, :, :], inputs.positions, np.nan)
        return NegotiationResult(outcome=(np.nanmin(pos, axis=1) + np.nanmax(pos, axis=1)) / 2)


class NotAModel:
    name = "not-a-model"


class Median2(Midrange):
    name: ClassVar[str] = "median"
'''


def install_plugin(folder: Path, entry_points: str, name: str = "guaranty-plugin") -> Path:
    """A distribution ``name`` 1.0 in ``folder`` whose module ``guaranty_plugin`` holds the
    classes of :data:`PLUGIN`, with ``entry_points`` (lines of ``[guaranty.models]``)."""
    (folder / "guaranty_plugin.py").write_text(PLUGIN)
    info = folder / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_points}\n")
    return folder


def fresh_registry() -> Registry[NegotiationModel]:
    """A registry like :data:`registry.NEGOTIATION`, with the built-in models, its entry
    points not yet read. (The built-in modules are imported already and do not register
    again: they are copied in.)"""
    reg: Registry[NegotiationModel] = Registry(
        "model",
        ("guaranty.models.bargaining",),
        helpers={"base"},
        group=ENTRY_POINT_GROUP,
        base=NegotiationModel,
    )
    for name in registry.available():
        reg.register(registry.get(name))
    return reg


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "guaranty_plugin", raising=False)
    return tmp_path


def test_a_third_party_model_is_registered_and_runs(plugin_path: Path) -> None:
    install_plugin(plugin_path, "midrange = guaranty_plugin:Midrange")
    reg = fresh_registry()
    names = reg.available()
    assert "midrange" in names
    assert set(registry.available()) <= set(names)  # the built-in models, all there
    from guaranty.models.bargaining.base import NegotiationInputs

    inputs = NegotiationInputs(
        positions=np.array([[[0.0], [40.0], [100.0]]]),
        salience=np.ones((1, 3, 1)),
        capability=np.ones((1, 3, 1)),
        present=np.array([[True], [True], [False]]),
        lower=np.array([0.0]),
        upper=np.array([100.0]),
        reference=np.array([np.nan]),
        actor_ids=("a", "b", "c"),
        issue_ids=("x",),
    )
    out = reg.create("midrange").run(inputs, np.random.default_rng(0)).outcome
    assert out.tolist() == [[20.0]]


@pytest.mark.parametrize(
    ("entry_point", "expected"),
    [
        (
            "midrange = guaranty_plugin_missing:Midrange",
            "cannot be loaded: ModuleNotFoundError",
        ),
        ("not-a-model = guaranty_plugin:NotAModel", "is not a model class"),
        ("other-name = guaranty_plugin:Midrange", "the class's name is 'midrange'"),
        ("median = guaranty_plugin:Median2", "already registered"),
    ],
)
def test_a_bad_entry_point_names_its_distribution(
    plugin_path: Path, entry_point: str, expected: str
) -> None:
    install_plugin(plugin_path, entry_point, name="broken-plugin")
    reg = fresh_registry()
    for _ in range(2):  # the second call fails alike: the registry does not half-load
        with pytest.raises(ModelError) as info:
            reg.available()
        message = str(info.value)
        assert expected in message
        assert "distribution broken-plugin 1.0" in message
        assert entry_point.split(" = ")[1] in message
        assert f"(group {ENTRY_POINT_GROUP})" in message


def test_entry_points_are_read_only_when_the_models_are_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def entry_points(group: str) -> list[object]:
        calls.append(group)
        return []

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    reg = fresh_registry()
    assert calls == []
    reg.get("median")  # one of guaranty's own: no entry point is read
    assert calls == []
    reg.available()
    reg.get("median")
    assert calls == [ENTRY_POINT_GROUP]  # once
    reg = fresh_registry()
    with pytest.raises(ModelError, match="unknown model 'no-such-model'"):
        reg.get("no-such-model")  # not a registered name: the plugins are read first
    assert calls == [ENTRY_POINT_GROUP] * 2


def test_a_broken_plugin_does_not_stop_the_built_in_models(plugin_path: Path) -> None:
    """A built-in model is found without reading the entry points; the list of models,
    and any other name, still report the broken one."""
    install_plugin(plugin_path, "median = guaranty_plugin:Median2", name="broken-plugin")
    reg = fresh_registry()
    assert reg.get("median").name == "median"
    with pytest.raises(ModelError, match="already registered"):
        reg.available()
    with pytest.raises(ModelError, match=r"distribution broken-plugin 1\.0"):
        reg.get("no-such-model")


def _with_plugin(folder: Path) -> dict[str, str]:
    """The environment with ``folder`` first on PYTHONPATH (the entries already there made
    absolute: the processes run in other folders)."""
    env = dict(os.environ)
    paths = [str(Path(p).resolve()) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(folder), *paths])
    return env


@pytest.mark.slow
def test_a_third_party_model_passes_the_contract_and_the_command_line(tmp_path: Path) -> None:
    """Installed, the model is in the registry of every process: the shared contract test
    runs over it, and the command line forecasts with it."""
    install_plugin(tmp_path, "midrange = guaranty_plugin:Midrange")
    env = _with_plugin(tmp_path)
    contract = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "midrange"),
            str(ROOT / "tests" / "models" / "test_contract.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert contract.returncode == 0, contract.stdout + contract.stderr
    assert " passed" in contract.stdout and "deselected" in contract.stdout
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "guaranty",
            "forecast",
            "korea-1953",
            "--model",
            "midrange",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["model"] == "midrange"
