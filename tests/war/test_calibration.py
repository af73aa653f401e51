"""The war model's calibration on the COW wars: scoring rules and mappings by hand, common
random numbers, the shipped fit as a function of the shipped table, and face validity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from guaranty import warfit
from guaranty.models.war import calibration as cal
from guaranty.models.war.battlefield import (
    DECISIVE_A,
    DECISIVE_B,
    FROZEN,
    ONGOING,
    SETTLEMENT,
)


def test_classify_reads_endings_as_cow_does() -> None:
    outcome = np.array(
        [DECISIVE_B, DECISIVE_A, SETTLEMENT, SETTLEMENT, SETTLEMENT, FROZEN, ONGOING]
    )
    terms = np.array([0.0, 100.0, 30.0, 70.0, 55.0, np.nan, np.nan])
    got = cal.classify(outcome, terms, band=10.0)
    names = [cal.CLASSES[k] for k in got]
    # a settlement 20 points towards B (the initiator) is B's win, 20 towards A A's win,
    # 5 points off the pre-war line (50) a compromise; a ceasefire or a war still going on
    # is a stalemate
    assert names == [
        "initiator",
        "target",
        "initiator",
        "target",
        "negotiated",
        "stalemate",
        "stalemate",
    ]


def test_years_touched_by_hand() -> None:
    pmf = cal.years_touched_pmf(np.array([1, 12, 14, 24]))
    # one month: one calendar year whatever the start; twelve months: two years unless the
    # war starts in January (1/12); fourteen: two years unless it starts in December (11/12
    # two, 1/12 three); twenty-four: three years unless it starts in January
    assert pmf[0, 0] == pytest.approx(1.0)
    assert pmf[1, :2] == pytest.approx([1 / 12, 11 / 12])
    assert pmf[2, 1:3] == pytest.approx([11 / 12, 1 / 12])
    assert pmf[3, 1:3] == pytest.approx([1 / 12, 11 / 12])
    assert pmf.sum(axis=1) == pytest.approx(np.ones(4))


def test_scores_by_hand() -> None:
    point = np.zeros((2, cal.YEARS))
    point[:, 1] = 1.0  # all mass on 2 years
    # CRPS of a point forecast is the absolute error
    assert cal.crps_discrete(point, np.array([2, 5])) == pytest.approx([0.0, 3.0])
    p = np.array([[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    # (0.5-1)^2 + 0.5^2 = 0.5 and 0 -> mean 0.25
    assert cal.multiclass_brier(p, np.array([0, 0])) == pytest.approx(0.25)
    pmf = np.zeros((1, cal.YEARS))
    pmf[0, :4] = 0.25  # uniform on 1..4: F = .25 .5 .75 1
    assert [int(v[0]) for v in cal.central_interval(pmf, 0.5)] == [1, 3]
    assert [int(v[0]) for v in cal.central_interval(pmf, 0.9)] == [1, 4]


def test_weights_and_temperature() -> None:
    ll = np.array([[0.0, -1.0], [-1.0, -3.0]])
    w = cal.fold_weights(ll, np.array([True, True]))
    assert w == pytest.approx([1 / (1 + np.exp(-3.0)), np.exp(-3.0) / (1 + np.exp(-3.0))])
    hot = cal.fold_weights(ll, np.array([True, True]), temperature=1e9)
    assert hot == pytest.approx([0.5, 0.5])
    assert cal.effective_sample_size(hot) == pytest.approx(2.0)


def _small_fit(thetas: int = 32) -> warfit.WarFit:
    return warfit.fit_war(thetas=thetas, per_case=4, seed=7)


def test_common_random_numbers_make_a_theta_independent_of_the_others() -> None:
    c = warfit.cases()
    theta = cal.prior_sample(8, seed=3)
    first = {k: v[:2] for k, v in theta.items()}
    a = cal.simulate_cases(theta, c, 4, seed=11)
    b = cal.simulate_cases(first, c, 4, seed=11)
    np.testing.assert_array_equal(a.classes[:2], b.classes)
    np.testing.assert_array_equal(a.years[:2], b.years)


def test_the_shipped_fit_is_the_fit_of_the_shipped_table() -> None:
    """The first parameter vectors of war_fit.json, re-simulated with the shipped settings,
    give the log-likelihoods the file holds (the rest follow the same code path)."""
    import json
    from importlib import resources

    raw = json.loads(resources.files("guaranty.data").joinpath("war_fit.json").read_text())
    s = warfit.FIT_SETTINGS
    assert raw["settings"] == s
    theta = cal.prior_sample(s["thetas"], s["seed"])
    for k, name in enumerate(raw["names"]):
        assert [row[k] for row in raw["theta"][:4]] == pytest.approx(theta[name][:4], abs=1e-6)
    head = {k: v[:3] for k, v in theta.items()}
    c = warfit.cases()
    sim = cal.simulate_cases(head, c, s["per_case"], s["seed"])
    ll = cal.loglik(sim, c).sum(axis=1)
    assert ll == pytest.approx(raw["loglik"][:3], abs=1e-5)
    assert raw["wars"] == c.size == 87


def test_backtest_shapes_and_base_rates() -> None:
    fit = _small_fit()
    res = warfit.backtest(fit, folds=5, seed=1)
    assert res["n"] == 87
    assert sum(res["outcome"]["observed"].values()) == 87
    assert sum(res["outcome"]["predicted"].values()) == pytest.approx(87.0)
    # base rates by hand: a fold's base rate is the other folds' class shares, so the mean
    # Brier score is close to 1 - sum(share^2) of the whole sample (here 51/26/2/8)
    shares = np.array([51, 26, 2, 8]) / 87
    assert res["outcome"]["brier_base_rate"] == pytest.approx(1 - np.sum(shares**2), abs=0.02)
    d = res["duration"]
    assert 0 <= d["coverage50"] <= d["coverage90"] <= 1
    assert d["survival"]["data"][0] == pytest.approx(47 / 87)  # 40 of 87 wars touch 1 year
    assert np.all(np.diff(d["survival"]["model"]) <= 1e-12)


def test_the_shipped_backtest_beats_the_base_rates() -> None:
    """The figures docs/models/war.md quotes (computed by scripts/fit_war.py with the shipped
    settings and stored beside the fit)."""
    import json
    from importlib import resources

    raw = json.loads(resources.files("guaranty.data").joinpath("war_fit.json").read_text())
    b = raw["backtest"]
    assert b["outcome"]["brier"] < b["outcome"]["brier_base_rate"]
    assert b["duration"]["crps"] < b["duration"]["crps_base_rate"]
    assert 0.80 <= b["duration"]["coverage90"] <= 0.97


def test_the_records_of_how_the_scored_wars_ended() -> None:
    """How the 87 scored wars ended by the two GML MID records (src/guaranty/data/SOURCES.md):
    75 with a linked war-level dispute, 39 of them settled by negotiation; 74 with an outcome
    of their own, 20 of them without a victory. The base rates' Brier scores are then close
    to p(1 - p)."""
    c = warfit.cases()
    assert c.agreement is not None and c.victory is not None and c.size == 87
    assert int((c.agreement >= 0).sum()) == 75 and int((c.agreement == 1).sum()) == 39
    assert int((c.victory >= 0).sum()) == 74 and int((c.victory == 0).sum()) == 20
    # 21 of the 54 victories were settled by negotiation
    assert int(((c.victory == 1) & (c.agreement == 1)).sum()) == 21
    res = warfit.backtest(_small_fit(), folds=5, seed=1)
    a, v = res["agreement"], res["victory"]
    assert (a["n"], a["observed"], a["imposed"]) == (75, 39, 34)
    assert a["brier_base_rate"] == pytest.approx(39 / 75 * 36 / 75, abs=0.01)
    assert 0.0 <= a["predicted"] <= 75.0
    assert sum(a["endings"].values()) == pytest.approx(1.0)
    # the held-out P(agreement) is the held-out P(settlement) + P(frozen), and the
    # decisive endings the rest but those still fighting
    e = a["endings"]
    assert a["predicted"] == pytest.approx(75 * (e["settlement"] + e["frozen"]))
    assert a["decisive_predicted"] == pytest.approx(75 * (e["decisive_a"] + e["decisive_b"]))
    assert (v["n"], v["observed"]) == (74, 20)
    assert v["brier_base_rate"] == pytest.approx(20 / 74 * 54 / 74, abs=0.01)
    assert v["cow"]["observed"] == 8
    assert v["cow"]["brier_base_rate"] == pytest.approx(8 / 74 * 66 / 74, abs=0.01)
    # the shifts of log-odds: none where the model meets a share, and in the order of the
    # shares they reach
    s = v["shift"]
    assert s["low"] < s["observed"] < s["high"]
    share = v["predicted"] / 74
    lo, hi = v["interval"]
    assert (s["low"] < 0) == (share > lo) and (s["high"] < 0) == (share > hi)


def test_loglik_with_agreement_by_hand() -> None:
    """The agreement term is log P(agreement) (or its complement) from the smoothed share of
    settlements and ceasefires, added only for the wars with a record."""
    ends = np.zeros((1, 3, 5))
    ends[0, 0] = [0.5, 0.5, 0.0, 0.0, 0.0]  # half settled
    ends[0, 1] = [0.0, 0.0, 0.75, 0.25, 0.0]  # a quarter frozen
    ends[0, 2] = [1.0, 0.0, 0.0, 0.0, 0.0]
    classes = np.full((1, 3, len(cal.CLASSES)), 0.25)
    years = np.zeros((1, 3, cal.YEARS))
    years[:, :, 0] = 1.0
    sim = cal.Simulation({}, classes, years, np.zeros((1, 3, cal.HORIZON)), 4, ends)
    c = cal.Cases(
        warnum=np.arange(3),
        force_a=np.ones(3),
        force_b=np.ones(3),
        major=np.zeros(3),
        states=np.full(3, 2.0),
        outcome=np.zeros(3, np.int64),
        years=np.ones(3, np.int64),
        agreement=np.array([1, 0, -1]),
    )
    extra = cal.loglik(sim, c, agreement=True) - cal.loglik(sim, c)
    # smoothed with 4 simulations and pseudo-count 0.5: (4 p + 0.5) / 5
    assert extra[0] == pytest.approx([np.log(2.5 / 5), np.log(1 - 1.5 / 5), 0.0])
    # the victory term reads every ending but a collapse (settlement, frozen, still
    # fighting: the first, second and fifth) as no victory; the first war ended without
    # one (P = 0.5), the second in one (P(no victory) = 0.25), the third is not known
    c = replace(c, victory=np.array([0, 1, -1]))
    extra = cal.loglik(sim, c, victory=True) - cal.loglik(sim, c)
    assert extra[0] == pytest.approx([np.log(2.5 / 5), np.log(1 - 1.5 / 5), 0.0])
    both = cal.loglik(sim, c, agreement=True, victory=True) - cal.loglik(sim, c)
    assert both[0] == pytest.approx(2 * extra[0])


def test_the_shipped_fit_against_the_two_records() -> None:
    """docs/models/war.md, "How wars end: two records of the same wars": held out, the
    shipped fit ends about as many of the 74 wars with a GML outcome without a victory as
    COW's classes have compromises and stalemates, fewer than GML's 20 yields, stalemates and
    compromises, below that record's 90% interval (Wilson), and tells neither record's wars
    apart; GML's settlements are no score of it (a victor's peace may be negotiated), only a
    bound it meets: a peace imposed is a decisive ending in the model."""
    from guaranty.war import ending_outside, ending_record

    rec = ending_record()
    assert rec is not None
    a = rec["agreement"]
    assert (a["n"], a["observed"], rec["won"]) == (75, 39, 31)
    assert (rec["victories_negotiated"], rec["victories"]) == (21, 54)
    v = rec["victory"]
    # Wilson's interval by hand: (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    p, n, z = 20 / 74, 74, 1.6448536269514722
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = ((p + z * z / (2 * n) + s * half) / (1 + z * z / n) for s in (-1, 1))
    assert v["interval"] == pytest.approx((low, high), abs=1e-9)
    assert v["predicted"] / 74 < low and ending_outside(rec) == -1
    assert v["brier"] > v["brier_base_rate"]
    assert a["imposed"] <= a["decisive_predicted"]
    # the figures the doc's tables quote
    assert (round(low, 3), round(high, 3)) == (0.195, 0.362)
    assert (round(v["predicted"], 1), v["cow"]["observed"], round(v["cow"]["predicted"], 1)) == (
        11.2,
        8,
        9.9,
    )
    assert (round(v["brier"], 3), round(v["brier_base_rate"], 3)) == (0.217, 0.204)
    assert (round(v["mean_if_no_victory"], 3), round(v["mean_if_victory"], 3)) == (0.147, 0.154)
    cow = v["cow"]
    assert (round(cow["brier"], 3), round(cow["brier_base_rate"], 3)) == (0.100, 0.101)
    assert (round(cow["mean_if_not_won"], 3), round(cow["mean_if_won"], 3)) == (0.137, 0.133)
    assert {k: round(x, 2) for k, x in v["shift"].items()} == {
        "observed": 0.75,
        "low": 0.31,
        "high": 1.2,
    }
    assert round(a["predicted"], 1) == 10.9 and round(a["decisive_predicted"], 1) == 63.6
    assert (round(a["brier"], 3), round(a["brier_base_rate"], 3)) == (0.398, 0.255)
    ends = {k: round(100 * x, 1) for k, x in a["endings"].items()}
    assert ends == {
        "settlement": 2.0,
        "decisive_a": 28.6,
        "decisive_b": 56.2,
        "frozen": 12.6,
        "ongoing": 0.6,
    }


def test_ending_note_by_hand() -> None:
    from guaranty.war import ending_note

    v = {"n": 74, "observed": 20, "interval": (0.19, 0.36), "cow": {"observed": 8}}
    rec = {"victories_negotiated": 21, "victories": 54}
    few = ending_note({**rec, "victory": {**v, "predicted": 11.2}})
    assert few.startswith("How wars end: of the 74 COW wars of the fit whose militarized")
    assert "the model ends 11 without a victory, held out" in few
    assert "COW's classes have 8 compromises and stalemates and GML's outcomes 20" in few
    assert "(90% interval of the share 19%-36%)" in few
    assert "perhaps too low by GML's" in few
    assert "settled 21 of its 54 victories by negotiation" in few
    short = ending_note({**rec, "victory": {**v, "predicted": 11.2}}, short=True)
    assert "ends too few without a victory (11 of 74, where GML has 20" in short
    assert "perhaps too rare" in short
    # inside the record's interval: no reading, and nothing for a summary
    inside = ending_note({**rec, "victory": {**v, "predicted": 20.0}})
    assert "perhaps" not in inside and "settled 21 of its 54" in inside
    assert ending_note({**rec, "victory": {**v, "predicted": 20.0}}, short=True) == ""
    assert "perhaps too high" in ending_note({**rec, "victory": {**v, "predicted": 40.0}})
    assert ending_note({}) == ""


@pytest.mark.slow
def test_face_validity_under_the_fitted_posterior() -> None:
    """Domain knowledge: the much stronger side wins more often than the much weaker one,
    and a war among many states lasts longer than a war between two."""
    fit = warfit.war_fit()
    rng = np.random.default_rng(0)
    idx = rng.choice(fit.weights.size, size=64, p=fit.weights)
    theta = {k: v[idx] for k, v in fit.theta.items()}

    def cases(ratio: float, states: int) -> cal.Cases:
        return cal.Cases(
            warnum=np.array([1]),
            force_a=np.array([200.0 / (1 + ratio)]),
            force_b=np.array([200.0 * ratio / (1 + ratio)]),
            major=np.array([0.0]),
            states=np.array([float(states)]),
            outcome=np.array([0]),
            years=np.array([1]),
        )

    strong = cal.simulate_cases(theta, cases(4.0, 2), 16, seed=1).classes.mean(axis=(0, 1))
    weak = cal.simulate_cases(theta, cases(0.25, 2), 16, seed=1).classes.mean(axis=(0, 1))
    assert strong[0] > weak[0]  # the initiator wins more often when it is 4:1 stronger
    assert strong[1] < weak[1]
    two = cal.simulate_cases(theta, cases(1.0, 2), 16, seed=1).years.mean(axis=(0, 1))
    many = cal.simulate_cases(theta, cases(1.0, 10), 16, seed=1).years.mean(axis=(0, 1))
    k = np.arange(1, cal.YEARS + 1)
    assert k @ many > k @ two


def test_reweigh_reads_a_record_on_the_same_simulations() -> None:
    """warfit.reweigh: without a record, the fit itself (the same likelihood, temperature
    and weights); with GML's outcomes, the likelihood plus that term, on the same
    simulated wars."""
    fit = _small_fit()
    again = warfit.reweigh(fit, seed=7)
    assert np.array_equal(again.loglik, fit.loglik) and again.temperature == fit.temperature
    assert np.allclose(again.weights, fit.weights)
    both = warfit.reweigh(fit, seed=7, victory=True)
    assert both.simulation is fit.simulation
    term = cal.loglik(fit.simulation, fit.cases, victory=True) - fit.loglik
    assert np.allclose(both.loglik - fit.loglik, term) and np.any(term != 0)
