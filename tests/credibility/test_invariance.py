"""What must not move the credibility figures: the ids the file gives the actors (the same
states under other names), exactly, since the draws follow the guarantors' places in the
designs, not their names. (The order in which the designs and their guarantors are listed
does assign the draws otherwise: the figures move by Monte Carlo noise, the means of
P(at least one fights) and P(renewed attack) of the Ukraine designs by at most 0.0003 with
2,000 draws when the designs are listed in reverse, a check made once by hand.) And what
must move one way only: a longer horizon never lowers the risks. And what holds by the
definitions: an event inside another is never the likelier."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import numpy as np

from guaranty.credibility import assess
from guaranty.scenario import load, parse

ROOT = Path(__file__).resolve().parents[2]
UKRAINE = ROOT / "scenarios" / "ukraine-2022.yaml"


def _by_design(result) -> dict[str, object]:
    return {d.design.id: d for d in result.designs}


def test_the_actors_ids_do_not_matter() -> None:
    text = UKRAINE.read_text()
    renamed = re.sub(r"\buk\b", "britain", text)
    assert renamed.count("britain") == 10  # its id, positions, designs and conduct
    a = _by_design(assess(load(UKRAINE), draws=300, seed=3))
    b = _by_design(assess(parse(renamed, "renamed.yaml"), draws=300, seed=3))
    for d_id, x in a.items():
        y = b[d_id]
        assert y.guarantors == tuple("britain" if g == "uk" else g for g in x.guarantors)
        np.testing.assert_array_equal(y.p_honor, x.p_honor)
        np.testing.assert_array_equal(y.p_any, x.p_any)
        np.testing.assert_array_equal(y.p_attack, x.p_attack)


def test_a_longer_horizon_never_lowers_the_risks() -> None:
    """P(a renewed attack within the horizon) and P(attacked and abandoned) over 1, 5, 10
    and 20 years: non-decreasing draw by draw, for every design (the horizon changes which
    years count, not the draws)."""
    scenario = load(UKRAINE)
    by_years = {}
    for years in (1, 5, 10, 20):
        deterrence = scenario.deterrence.model_copy(update={"years": years})
        result = assess(scenario.model_copy(update={"deterrence": deterrence}), draws=300, seed=3)
        by_years[years] = _by_design(result)
    for d_id in by_years[10]:
        for metric in ("p_attack", "p_abandoned"):
            runs = [getattr(by_years[y][d_id], metric) for y in (1, 5, 10, 20)]
            for shorter, longer in pairwise(runs):
                assert (shorter <= longer + 1e-12).all(), (d_id, metric)
            assert runs[-1].mean() > runs[0].mean() + 0.2, (d_id, metric)


def test_the_risks_of_each_design_are_coherent() -> None:
    """Draw by draw, for every design of the Ukraine scenario: being attacked and abandoned
    is at most being attacked, with equality where no guarantor is named; the attack in the
    window before the design takes effect is at most the attack within the horizon; and
    every figure is a probability. The bounds follow from the definitions (an event within
    another), so a violation is a bug, not noise."""
    result = assess(load(UKRAINE), draws=300, seed=5)
    eps = 1e-12
    for d in result.designs:
        for name in ("p_attack", "p_abandoned", "p_attack_window", "p_any", "p_all"):
            values = getattr(d, name)
            if values is not None and np.size(values) and not np.isnan(values).all():
                assert ((values >= -eps) & (values <= 1 + eps)).all(), (d.design.id, name)
        assert (d.p_abandoned <= d.p_attack + eps).all(), d.design.id
        assert (d.p_attack_window <= d.p_attack + eps).all(), d.design.id
        if not d.guarantors:
            np.testing.assert_allclose(d.p_abandoned, d.p_attack, rtol=0, atol=1e-12)
        else:
            assert (d.p_all <= d.p_any + eps).all(), d.design.id
