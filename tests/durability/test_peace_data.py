"""The shipped peace tables against the published figures.

Published figures (shared data README; Gelman, Hill & Vehtari, Regression and Other
Stories, ch. 1 and ``Peacekeeping/peace.R``, from Fortna's "Does Peacekeeping Keep Peace?"
data): of the n = 96 ceasefires, peace held in 41.7% (40), in 55.9% with peacekeepers
(19 of 34) and in 33.9% without (21 of 62). Walter (2015) subset: 61 post-war episodes,
31% (19) with renewed war.
"""

from __future__ import annotations

import numpy as np
import pytest

from guaranty.data.peace import (
    CEASEFIRE_COVARIATES,
    DAYS_PER_YEAR,
    fortna_ceasefires,
    walter_postwar,
)
from guaranty.errors import DataError


@pytest.fixture(scope="module")
def ceasefires():
    return fortna_ceasefires()


def test_ros_sample_size(ceasefires) -> None:
    assert ceasefires.n_cases == 96
    assert int(ceasefires.peacekeepers.sum()) == 34


def test_peace_held_overall(ceasefires) -> None:
    held = ~ceasefires.failed
    assert int(held.sum()) == 40
    assert round(100 * held.mean(), 1) == 41.7


def test_peace_held_with_and_without_peacekeepers(ceasefires) -> None:
    held = ~ceasefires.failed
    pk = ceasefires.peacekeepers == 1
    assert (int(held[pk].sum()), int(pk.sum())) == (19, 34)
    assert (int(held[~pk].sum()), int((~pk).sum())) == (21, 62)
    assert round(100 * held[pk].mean(), 1) == 55.9
    assert round(100 * held[~pk].mean(), 1) == 33.9


def test_durations_censored_at_end_of_data(ceasefires) -> None:
    # Censored cases run to 2004-12-31; the last ceasefire of the sample is of 1999-12-29.
    censored = ceasefires.duration_years[~ceasefires.failed]
    assert censored.min() > 5.0
    assert np.all(ceasefires.duration_years > 0)
    # Afghanistan-Mujahideen: 1992-04-25 to 1992-08-10 is 107 days.
    assert ceasefires.name[0] == "Afghanistan-Mujahideen"
    assert ceasefires.duration_years[0] == pytest.approx(107 / DAYS_PER_YEAR)


def test_survival_data(ceasefires) -> None:
    t, d, x = ceasefires.survival_data()
    assert t.shape == d.shape == (96,)
    assert x.shape == (96, len(CEASEFIRE_COVARIATES))
    assert int(d.sum()) == 56
    with pytest.raises(DataError, match="covariates must be among"):
        ceasefires.survival_data(("duration",))


def test_walter_episodes() -> None:
    table = walter_postwar()
    assert table.n_episodes == 61
    assert int(table.renewed.sum()) == 19
    assert round(100 * table.renewed.mean()) == 31
    assert np.all(table.years_at_peace >= 1)
