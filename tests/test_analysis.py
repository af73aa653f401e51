"""The main job's use case (``guaranty.analysis.analyze``) computes the forecasts in a
background thread while the chain runs: they must be exactly those computed alone, and a
failure among them must reach the caller that reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from guaranty import analysis
from guaranty.errors import ModelError
from guaranty.scenario import load

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("median", "bdm", "smp")


@pytest.fixture(scope="module")
def ukraine() -> Any:
    return load(ROOT / "scenarios" / "ukraine-2022.yaml")


def test_the_background_forecasts_are_those_computed_alone(ukraine: Any) -> None:
    done = analysis.analyze(ukraine, draws=1000, forecast_draws=40, seed=3, models=MODELS)
    alone = analysis._forecasts(ukraine, MODELS, 40, 3)
    assert [f.to_json() for f in done.forecasts] == [f.to_json() for f in alone]
    assert [f.model for f in done.forecasts] == list(MODELS)


def test_a_failure_of_the_background_forecasts_reaches_their_reader(
    ukraine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise ModelError("bdm: a model that cannot run on this scenario")

    monkeypatch.setattr(analysis, "_forecasts", broken)
    done = analysis.analyze(ukraine, draws=1000, forecast_draws=40, seed=3, models=MODELS)
    assert done.claims is not None  # the chain and the ledger are unaffected
    with pytest.raises(ModelError, match="cannot run"):
        _ = done.forecasts
