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
