"""Sampling the scenario's uncertainty: bounds, nominal values, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from guaranty.scenario.compile import nominal_inputs, sample_inputs
from guaranty.scenario.yaml_io import parse_yaml_scenario

TEXT = """\
name: sampling
actors:
  - id: a
    name: A
    capability: {dist: triangular, low: 1, mode: 2, high: 6}
  - id: b
    name: B
    capability: 1
issues:
  - id: x
    label: X
    scale: [0, 10]
  - id: y
    label: Y
    scale: [-5, 5]
positions:
  a:
    x: {position: {dist: normal, mean: 9.5, sd: 3}, salience: {dist: uniform, low: 0.2, high: 0.4}}
    y: {position: -1, salience: 1, capability: {value: 7, source: issue-specific power}}
  b:
    x: {position: 2, salience: {dist: normal, mean: 0.05, sd: 0.5}}
"""


@pytest.fixture(scope="module")
def scenario():
    return parse_yaml_scenario(TEXT)


def test_nominal_values(scenario) -> None:
    x = nominal_inputs(scenario)
    assert x.shape == (1, 2, 2)
    assert x.positions[0, 0, 0] == 9.5  # the normal's mean
    assert x.salience[0, 0, 0] == pytest.approx(0.3)  # the uniform's midpoint
    assert x.capability[0, 0, 0] == 2.0  # the triangular's mode
    assert x.capability[0, 0, 1] == 7.0  # issue-specific override
    assert not x.present[1, 1]  # b takes no stand on y


def test_draws_respect_bounds_and_moments(scenario) -> None:
    x = sample_inputs(scenario, 20000, np.random.default_rng(7))
    pos = x.positions[:, 0, 0]
    assert pos.min() >= 0 and pos.max() <= 10  # truncated to the scale
    sal = x.salience[:, 1, 0]
    assert sal.min() >= 0 and sal.max() <= 1
    u = x.salience[:, 0, 0]
    assert u.min() >= 0.2 and u.max() <= 0.4
    assert u.mean() == pytest.approx(0.3, abs=0.005)
    cap = x.capability[:, 0, 0]
    # triangular(1, 2, 6) has mean (1 + 2 + 6) / 3 = 3
    assert cap.mean() == pytest.approx(3.0, abs=0.05)
    # truncated normal N(9.5, 3) on [0, 10]: its mean lies below 9.5 (scipy: 7.39)
    from scipy import stats

    expected = stats.truncnorm.mean((0 - 9.5) / 3, (10 - 9.5) / 3, loc=9.5, scale=3)
    assert pos.mean() == pytest.approx(expected, abs=0.06)


def test_draws_are_a_function_of_the_seed(scenario) -> None:
    a = sample_inputs(scenario, 100, np.random.default_rng(1))
    b = sample_inputs(scenario, 100, np.random.default_rng(1))
    c = sample_inputs(scenario, 100, np.random.default_rng(2))
    np.testing.assert_array_equal(a.positions, b.positions)
    assert not np.array_equal(a.positions, c.positions)
