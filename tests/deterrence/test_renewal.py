"""The yearly risk of a renewed attack against hand-derived cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from guaranty.models.deterrence import renewal_risk


def run(
    committed=0.0,
    years_to_effect=0.0,
    aggressor=4.0,
    protected=1.0,
    stakes=1.0,
    cost=0.5,
    sigma=0.25,
    years=5,
):
    arr = lambda v: np.array([float(v)])  # noqa: E731
    return renewal_risk(
        arr(aggressor),
        arr(protected),
        arr(committed),
        arr(years_to_effect),
        arr(stakes),
        arr(cost),
        arr(sigma),
        years,
    )


def test_hand_case_without_guarantee() -> None:
    # p = 4 / (4 + 1) = 0.8; z = (0.8 - 0.5) / 0.25 = 1.2; h = Phi(1.2) every year
    res = run()
    h = stats.norm.cdf(1.2)
    np.testing.assert_allclose(res.hazard[0], np.full(5, h), rtol=1e-12)
    np.testing.assert_allclose(res.survival[0], (1 - h) ** np.arange(1, 6), rtol=1e-12)


def test_guarantee_in_force_and_window_of_exposure() -> None:
    # committed 5: p = 4 / 10 = 0.4; z = (0.4 - 0.5) / 0.25 = -0.4 once in force (t >= 2)
    res = run(committed=5.0, years_to_effect=2.0)
    exposed, covered = stats.norm.cdf(1.2), stats.norm.cdf(-0.4)
    np.testing.assert_allclose(res.hazard[0], [exposed, exposed, covered, covered, covered])
    assert res.exposure_years[0] == 2


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 10), st.floats(0, 10), st.floats(0, 6))
def test_more_commitment_never_raises_the_risk(c1: float, extra: float, years: float) -> None:
    a = run(committed=c1, years_to_effect=years)
    b = run(committed=c1 + extra, years_to_effect=years)
    assert (b.hazard <= a.hazard + 1e-12).all()
    # and a later effect never lowers the risk
    c = run(committed=c1, years_to_effect=years + 1)
    assert (c.survival <= a.survival + 1e-12).all()


def test_shapes_are_batched() -> None:
    d = 7
    res = renewal_risk(
        np.full(d, 4.0),
        np.ones(d),
        np.linspace(0, 5, d),
        np.zeros(d),
        np.ones(d),
        np.full(d, 0.5),
        np.full(d, 0.25),
        10,
    )
    assert res.hazard.shape == (d, 10) and res.survival.shape == (d, 10)
    assert res.exposure_years.shape == (d,)
    assert pytest.approx(res.survival[:, -1]) == np.prod(1 - res.hazard, axis=1)
