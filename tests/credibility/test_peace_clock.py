"""The clock of stage 1's hazard: how many years of peace each year of the horizon has.

The fit reads ``peace_years`` as the shipped table codes it (``challenge_dyads.csv.gz``,
``SOURCES.md``): the year minus the last year *before* it with a militarized dispute
between the two, so the first calendar year after a dispute has 1 and only a pair's first
year has 0. Year t of a peace after a war (t = 0, 1, ...) is therefore the (t + 1)-th year
after the war's last year of fighting: t + 1 years of peace. Until 2026-12-07 the pipeline
gave it t, the value of a pair that has just entered the system.
"""

from __future__ import annotations

import numpy as np

from guaranty.credibility_case import arrangements, case_of, stage1_rows
from guaranty.data.conflict import challenge_dyads
from guaranty.evidence import evidence
from guaranty.scenario import load


def test_the_data_give_no_pair_zero_years_of_peace_after_a_year_in_the_table() -> None:
    t = challenge_dyads()
    key = t["ccode1"] * 1000 + t["ccode2"]
    rows = set(zip(key.tolist(), t["year"].tolist(), strict=True))
    zero = np.flatnonzero(t["peace_years"] == 0)
    assert zero.size > 1000  # the entry years (3,424 rows)
    after = sum((k, y - 1) in rows for k, y in zip(key[zero], t["year"][zero], strict=True))
    assert after == 0
    # and the year after a dispute has one year of peace: China and Taiwan, dispute in 2007
    china_taiwan = (t["ccode1"] == 710) & (t["ccode2"] == 713)
    years = dict(zip(t["year"][china_taiwan], t["peace_years"][china_taiwan], strict=True))
    assert years[2007.0] == 2 and years[2008.0] == 1


def test_year_t_of_the_peace_has_t_plus_one_years_of_peace() -> None:
    scenario = load("ukraine-2022")
    case = case_of(scenario)
    design = scenario.guarantees[0]
    today, _ = arrangements(scenario, case, design)
    names = evidence().attack.names[1:]
    x = stage1_rows(case, scenario, today, 4, np.array([0.05]), np.array([0.01]), names)[0]
    # the fit's cubic in years of peace / 10 (Carter & Signorino 2010), by hand
    decades = np.array([1.0, 2.0, 3.0, 4.0]) / 10
    got = x[:, [names.index(f) for f in ("peace1", "peace2", "peace3")]]
    np.testing.assert_allclose(got, np.stack([decades, decades**2, decades**3], axis=1))
