"""The battlefield war model: closed forms, hand-derived bargaining cases, contract checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from guaranty.errors import ModelError
from guaranty.models.war import (
    DECISIVE_A,
    DECISIVE_B,
    FROZEN,
    ONGOING,
    SETTLEMENT,
    WarParams,
    WarResult,
    simulate_war,
)

# a battlefield that never settles and never collapses, without replenishment or noise
QUIET = WarParams(
    noise=0.0,
    fog=0.0,
    mobilisation_a=0.0,
    mobilisation_b=0.0,
    aid_a=0.0,
    aid_b=0.0,
    collapse_a=0.0,
    collapse_b=0.0,
    reservation_a=1e6,
)


def test_noise_free_square_law_matches_the_closed_form() -> None:
    # dA/dt = -beta B, dB/dt = -alpha A: A(t) = A0 cosh(gt) - sqrt(beta/alpha) B0 sinh(gt),
    # B(t) = B0 cosh(gt) - sqrt(alpha/beta) A0 sinh(gt), g = sqrt(alpha beta) (Lanchester 1916)
    alpha, beta, a0, b0 = 0.05, 0.04, 100.0, 80.0
    params = dataclasses.replace(QUIET, alpha=alpha, beta=beta, force_a=a0, force_b=b0, horizon=5)
    res = simulate_war(params, 1, np.random.default_rng(0), keep_paths=True)
    t = np.arange(6)
    g = np.sqrt(alpha * beta)
    a = a0 * np.cosh(g * t) - np.sqrt(beta / alpha) * b0 * np.sinh(g * t)
    b = b0 * np.cosh(g * t) - np.sqrt(alpha / beta) * a0 * np.sinh(g * t)
    np.testing.assert_allclose(res.force_path[0, :, 0], a, rtol=1e-12)
    np.testing.assert_allclose(res.force_path[0, :, 1], b, rtol=1e-12)
    # the front's first step: kappa tanh(log(alpha A0^2 / (beta B0^2)) / 2)
    step = 8.0 * np.tanh(0.5 * np.log(alpha * a0**2 / (beta * b0**2)))
    assert res.front_path[0, 1] == pytest.approx(step, rel=1e-12)
    assert res.outcome[0] == ONGOING and res.end_month[0] == 5


def test_replenishment_matches_a_numerical_ode_solution() -> None:
    alpha, beta, a0, b0, ra, rb = 0.3, 0.5, 100.0, 90.0, 12.0, 7.0
    params = dataclasses.replace(
        QUIET,
        alpha=alpha,
        beta=beta,
        force_a=a0,
        force_b=b0,
        mobilisation_a=ra - 2.0,
        aid_a=2.0,
        mobilisation_b=rb,
        horizon=3,
    )
    res = simulate_war(params, 1, np.random.default_rng(0), keep_paths=True)
    sol = solve_ivp(
        lambda _, y: [-beta * y[1] + ra, -alpha * y[0] + rb],
        (0, 3),
        [a0, b0],
        t_eval=[0, 1, 2, 3],
        rtol=1e-11,
        atol=1e-11,
    )
    np.testing.assert_allclose(res.force_path[0], sol.y.T, rtol=1e-8)


def _symmetric(**kw: object) -> WarParams:
    """Equal forces and effectiveness: the front does not move and beliefs stay centred."""
    base = dict(
        alpha=0.05,
        beta=0.05,
        force_a=100.0,
        force_b=100.0,
        noise=0.0,
        mobilisation_a=0.0,
        mobilisation_b=0.0,
        aid_a=0.0,
        aid_b=0.0,
        collapse_a=0.0,
        collapse_b=0.0,
        front0=20.0,
        horizon=6,
    )
    base.update(kw)
    return WarParams(**base)


def test_settlement_terms_on_a_hand_case() -> None:
    # noise 0 and fog 0: the first battle reveals phi = 0 to both sides; forces stay equal, so
    # both expect no drift: V_A = 20 - c_A D, V_B = 20 + c_B D with
    # D = 0.9 + 0.81 + 0.729 = 2.439; the range [17.561, 24.878] is open at month 1 and the
    # line is low + 0.25 (high - low) = 17.561 + 0.25 * 3 * 2.439 = 19.39025.
    params = _symmetric(fog=0.0, cost_a=1.0, cost_b=2.0, discount=0.9, planning=3, weight_a=0.25)
    res = simulate_war(params, 1, np.random.default_rng(0))
    assert res.outcome[0] == SETTLEMENT
    assert res.end_month[0] == 1
    assert res.terms[0] == pytest.approx(19.39025, abs=1e-9)
    assert res.front[0] == pytest.approx(20.0)


def test_no_range_when_premia_exceed_the_costs() -> None:
    params = _symmetric(fog=0.0, cost_a=1.0, cost_b=1.0, reservation_a=2.0, reservation_b=2.0)
    res = simulate_war(params, 3, np.random.default_rng(0))
    # no drift expected: low = 20 - D + 2, high = 20 + D - 2, open iff 2 D >= 4. With the
    # default D = sum_{k=1..12} 0.99^k = 11.27 it is open at month 1; with D = 1 it never is.
    assert (res.outcome == SETTLEMENT).all()
    params = dataclasses.replace(params, planning=1, discount=1.0)  # D = 1 < 2
    res = simulate_war(params, 3, np.random.default_rng(0))
    # no settlement, but both prefer the line (20) to fighting on (V_A = 19 <= 20 <= V_B =
    # 21): a ceasefire at month 1 on the current line, the issues left open
    assert (res.outcome == FROZEN).all()
    assert (res.end_month == 1).all()
    assert res.front == pytest.approx(np.full(3, 20.0))
    assert np.isnan(res.terms).all()
    assert np.isnan(res.range_low).all() and np.isnan(res.range_high).all()


@pytest.mark.parametrize(("costs", "settles"), [(1.90, False), (2.00, True)])
def test_mutual_optimism_blocks_the_deal_until_costs_exceed_the_gap(
    costs: float, settles: bool
) -> None:
    # beliefs frozen at the priors (sd 1e-6): A expects a drift of kappa tanh(0.25), B of
    # -kappa tanh(0.25); the range opens iff (d_A - d_B) D <= (c_A + c_B) D, i.e. iff
    # c_A + c_B >= 2 kappa tanh(0.25) = 1.9592 for kappa = 4.
    params = _symmetric(
        fog=1.0,
        front_speed=4.0,
        optimism_a=0.5,
        optimism_b=0.5,
        prior_sd_a=1e-6,
        prior_sd_b=1e-6,
        cost_a=costs / 2,
        cost_b=costs / 2,
    )
    res = simulate_war(params, 4, np.random.default_rng(0))
    assert ((res.outcome == SETTLEMENT) == settles).all()


def test_learning_opens_the_range() -> None:
    # with learning, the same optimistic priors converge and the war ends in a deal
    params = _symmetric(
        fog=1.0,
        front_speed=4.0,
        cost_a=0.3,
        cost_b=0.3,
        prior_sd_a=0.5,
        prior_sd_b=0.5,
        horizon=60,
    )
    res = simulate_war(params, 200, np.random.default_rng(3))
    assert (res.outcome == SETTLEMENT).mean() > 0.95
    # the prior gap 1.96 exceeds the costs 0.6: it takes several battles to close it
    assert res.end_month.min() > 1
    assert np.median(res.end_month) > 3


def test_red_line_delays_a_deal_until_the_line_is_crossed() -> None:
    # A is stronger and advances; B negotiates in earnest only once the line reaches 40
    common = dict(
        alpha=0.06,
        beta=0.04,
        noise=0.2,
        fog=0.3,
        collapse_a=0.0,
        collapse_b=0.0,
        cost_a=0.5,
        cost_b=0.5,
        horizon=60,
    )
    draws, seed = 2000, 11
    earnest = simulate_war(WarParams(**common), draws, np.random.default_rng(seed))
    stubborn = simulate_war(
        WarParams(**common, reservation_b=30.0), draws, np.random.default_rng(seed)
    )
    red = simulate_war(
        WarParams(**common, reservation_b=30.0, red_line_b=40.0, red_line_shift_b=-30.0),
        draws,
        np.random.default_rng(seed),
    )
    settled = red.outcome == SETTLEMENT
    assert settled.mean() > (stubborn.outcome == SETTLEMENT).mean()
    assert red.end_month[settled].mean() > earnest.end_month[earnest.outcome == SETTLEMENT].mean()
    assert (red.front_raw[settled] >= 40.0).all()
    # the red line moves the terms in A's favour
    assert np.nanmean(red.terms[settled]) > np.nanmean(earnest.terms[earnest.outcome == SETTLEMENT])


def test_more_aid_helps_the_defender() -> None:
    params = WarParams(reservation_a=1e6, horizon=60)
    low = simulate_war(params, 4000, np.random.default_rng(5))
    high = simulate_war(dataclasses.replace(params, aid_a=15.0), 4000, np.random.default_rng(5))
    assert high.front_raw.mean() > low.front_raw.mean()
    assert (high.outcome == DECISIVE_B).mean() <= (low.outcome == DECISIVE_B).mean()
    # fewer wars end with B holding more than in mid-2022 (decisive or on a ceasefire line)
    assert (high.front_raw < 0).mean() < (low.front_raw < 0).mean()


def test_reproducible_and_batch_of_one_is_the_first_draw() -> None:
    params = WarParams(horizon=24, reservation_a=5.0)
    r1 = simulate_war(params, 9000, np.random.default_rng(42))  # more than one chunk
    r2 = simulate_war(params, 9000, np.random.default_rng(42))
    one = simulate_war(params, 1, np.random.default_rng(42))
    for f in dataclasses.fields(WarResult):
        x, y, z = getattr(r1, f.name), getattr(r2, f.name), getattr(one, f.name)
        if x is None:
            continue
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x[:1], z)


def test_shapes_with_per_draw_parameters_and_paths() -> None:
    draws, horizon = 7, 10
    rng = np.random.default_rng(0)
    params = WarParams(
        alpha=rng.uniform(0.03, 0.05, draws),
        optimism_a=rng.uniform(0, 1, draws),
        aid_a=rng.uniform(0, 10, (draws, horizon)),
        aid_b=np.linspace(0, 2, horizon)[None, :],
        red_line_b=np.full(draws, 75.0),
        horizon=horizon,
    )
    res = simulate_war(params, draws, rng, keep_paths=True)
    for name in ("outcome", "end_month", "front", "front_raw", "terms"):
        assert getattr(res, name).shape == (draws,)
    assert res.forces.shape == res.beliefs.shape == (draws, 2)
    assert res.front_path.shape == (draws, horizon + 1)
    assert res.force_path.shape == res.belief_path.shape == (draws, horizon + 1, 2)
    assert ((res.front >= 0) & (res.front <= 100)).all()
    assert ((res.end_month >= 1) & (res.end_month <= horizon)).all()
    assert simulate_war(WarParams(), 3, rng).front_path is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("force_a", 0.0),
        ("alpha", -1.0),
        ("discount", 1.5),
        ("collapse_b", 1.0),
        ("prior_sd_a", 0.0),
        ("weight_a", np.array([0.5, 2.0, 0.5])),
        ("cost_a", np.zeros(4)),
        ("aid_a", np.zeros((3, 5))),
        ("horizon", 0),
        ("planning", 2.5),
        ("front0", -80.0),
        ("noise", np.nan),
    ],
)
def test_bad_parameters_raise_model_error(field: str, value: object) -> None:
    params = dataclasses.replace(WarParams(), **{field: value})
    with pytest.raises(ModelError, match=field):
        simulate_war(params, 3, np.random.default_rng(0))


def test_default_ukraine_2022_shares_are_reported_and_coherent() -> None:
    # Not a target: the shares are recorded in docs/models/war.md, whatever they are.
    res = simulate_war(WarParams(), 20_000, np.random.default_rng(2022))
    shares = np.bincount(res.outcome, minlength=4) / res.outcome.size
    assert shares.sum() == pytest.approx(1.0)
    settled = res.outcome == SETTLEMENT
    assert ((res.terms[settled] >= 0) & (res.terms[settled] <= 100)).all()
    assert (res.terms[res.outcome == DECISIVE_A] == 100).all()
    assert (res.terms[res.outcome == DECISIVE_B] == 0).all()
    assert np.isnan(res.terms[res.outcome == FROZEN]).all()
    # the battlefield alone (no deal is ever acceptable): only collapses or a frozen war
    alone = simulate_war(WarParams(reservation_a=1e6), 20_000, np.random.default_rng(2022))
    assert not (alone.outcome == SETTLEMENT).any()


def test_no_ceasefire_while_a_side_expects_to_gain() -> None:
    # A is far stronger (phi = log 4 revealed at once) and premia block any deal. A keeps
    # fighting while it expects the line to move its way by more than the war costs it; it
    # stops only once the line is within c_A D of the top of the scale (100), where fighting
    # on can win it less than it costs (V_A = 100 - c_A D <= x).
    params = _symmetric(
        fog=0.0, alpha=0.08, beta=0.02, reservation_a=50.0, reservation_b=50.0, horizon=24
    )
    res = simulate_war(params, 2, np.random.default_rng(0), keep_paths=True)
    d = sum(params.discount**k for k in range(1, params.planning + 1))
    assert (res.outcome == FROZEN).all()
    assert (res.front_raw >= 100.0 - params.cost_a * d).all()
    # the month before, the line was still more than c_A D below the top
    before = res.front_path[np.arange(2), res.end_month - 1]
    assert (before < 100.0 - params.cost_a * d).all()


@settings(max_examples=40, deadline=None)
@given(
    cost=st.floats(0.0, 3.0),
    optimism=st.floats(-1.0, 1.5),
    noise=st.floats(0.0, 1.0),
    premium=st.floats(-5.0, 40.0),
    weight=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_settlements_lie_inside_both_acceptance_sets(
    cost: float, optimism: float, noise: float, premium: float, weight: float, seed: int
) -> None:
    """Property: in every settled draw the terms lie in [range_low, range_high], the range A
    and B accept that month; every other ending has no range; with zero premia no draw ends
    in a ceasefire (a ceasefire is only ever the fallback when premia block a deal)."""
    params = WarParams(
        cost_a=cost,
        cost_b=cost,
        optimism_a=optimism,
        optimism_b=optimism,
        noise=noise,
        reservation_a=premium,
        reservation_b=premium,
        weight_a=weight,
        horizon=24,
    )
    res = simulate_war(params, 200, np.random.default_rng(seed))
    settled = res.outcome == SETTLEMENT
    assert (res.range_low[settled] <= res.terms[settled] + 1e-9).all()
    assert (res.terms[settled] <= res.range_high[settled] + 1e-9).all()
    assert np.isnan(res.range_low[~settled]).all() and np.isnan(res.range_high[~settled]).all()
    zero = dataclasses.replace(params, reservation_a=0.0, reservation_b=0.0)
    res0 = simulate_war(zero, 200, np.random.default_rng(seed))
    assert not (res0.outcome == FROZEN).any()


def test_a_side_wiped_out_within_a_month_leaves_the_square_law_survivor() -> None:
    # alpha A0^2 = 2 * 300^2 > beta B0^2 = 1.5 * 200^2: B is wiped out within the first
    # month (g = sqrt(3)); Lanchester's invariant leaves A with sqrt(A0^2 - (beta/alpha)
    # B0^2) = 244.949 (not the closed form run past B's zero, which would grow as cosh)
    params = dataclasses.replace(
        QUIET, alpha=2.0, beta=1.5, force_a=300.0, force_b=200.0, reservation_b=1e6, horizon=3
    )
    res = simulate_war(params, 1, np.random.default_rng(0), keep_paths=True)
    survivor = np.sqrt(300.0**2 - (1.5 / 2.0) * 200.0**2)
    assert res.force_path[0, 1:, 0] == pytest.approx(np.full(3, survivor), rel=1e-12)
    assert (res.force_path[0, 1:, 1] == 0).all()


def mirrored(p: WarParams) -> WarParams:
    """The same war told from the other side: A and B swap every parameter, the balance
    phi = log(alpha / beta) changes sign, and the line is read from the other end,
    x -> F - x with F = front_min + 100, which maps [front_min, 100] onto itself (so the
    red lines map the same way and A's share of a bargaining range becomes 1 - weight_a)."""
    pairs = ("force", "mobilisation", "aid", "collapse", "cost", "optimism", "prior_sd",
             "reservation", "red_line_shift")  # fmt: skip
    d = dataclasses.asdict(p)
    for name in pairs:
        d[f"{name}_a"], d[f"{name}_b"] = d[f"{name}_b"], d[f"{name}_a"]
    big_f = p.front_min + 100.0
    d["alpha"], d["beta"] = p.beta, p.alpha
    d["red_line_a"], d["red_line_b"] = big_f - p.red_line_b, big_f - p.red_line_a
    d["weight_a"] = 1.0 - p.weight_a
    d["front0"] = big_f - p.front0
    return WarParams(**d)


def _random_wars(seed: int, k: int, reservation: float, cost: float) -> list[WarParams]:
    """k random wars (seeded): premia up to ``reservation`` points, costs up to ``cost``."""
    rng = np.random.default_rng(seed)

    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    wars = []
    for _ in range(k):
        wars.append(WarParams(
            force_a=u(100, 400), force_b=u(100, 400), alpha=u(0.02, 0.08), beta=u(0.02, 0.08),
            noise=u(0.1, 0.5), fog=u(0.1, 1), mobilisation_a=u(0, 30), mobilisation_b=u(0, 30),
            aid_a=u(0, 10), aid_b=u(0, 10), collapse_a=u(0.2, 0.6), collapse_b=u(0.2, 0.6),
            front_min=u(-80, -10), front_speed=u(2, 20), cost_a=u(0, cost), cost_b=u(0, cost),
            optimism_a=u(-0.5, 1), optimism_b=u(-0.5, 1), prior_sd_a=u(0.2, 1),
            prior_sd_b=u(0.2, 1), weight_a=u(0, 1), reservation_a=u(reservation / 6, reservation),
            reservation_b=u(reservation / 6, reservation), red_line_a=u(-10, 40),
            red_line_b=u(40, 90), red_line_shift_a=u(-20, 20), red_line_shift_b=u(-20, 20),
            front0=u(-5, 60), horizon=48,
        ))  # fmt: skip
    return wars


def test_the_war_told_from_the_other_side_is_the_mirror_image() -> None:
    """Nothing in the model favours side A or B as such (the sides' equations are one
    another's mirror image, module docstring): the mirrored war must end with the shares of
    the outcomes swapped (decisive A <-> decisive B), after as many months, on the mirrored
    line and, when settled, on mirrored terms. Four random wars (seeded), two that mostly
    settle and two long ones, so that every outcome occurs, and two by hand (below). The
    mirrored war runs on other random numbers, so the comparison is in distribution, 40,000
    draws each: every difference within 5 standard errors."""
    n = 40_000
    settling = _random_wars(5, 6, reservation=10, cost=2)
    long = _random_wars(5, 7, reservation=60, cost=0.4)
    # by hand: a range wide open from the first month, so that the terms depend on A's
    # share of it (weight_a: 54 at 0.8, 31 at 0.2); and B past its red line, whose shift
    # removes the premium that blocks a settlement (settled at once; without the shift,
    # frozen in 99%), A's red line out of reach
    wide = dataclasses.replace(settling[2], reservation_a=0.0, reservation_b=0.0, cost_a=3.0,
                               cost_b=1.0, weight_a=0.8)  # fmt: skip
    red = dataclasses.replace(settling[2], reservation_a=0.0, reservation_b=30.0, cost_a=1.0,
                              cost_b=1.0, front0=50.0, red_line_b=40.0, red_line_shift_b=-60.0,
                              red_line_a=-200.0)  # fmt: skip
    swap = [SETTLEMENT, DECISIVE_B, DECISIVE_A, FROZEN, ONGOING]
    covered = set()

    def close(x: np.ndarray, y: np.ndarray) -> bool:
        """Means within 5 standard errors."""
        return abs(x.mean() - y.mean()) <= 5 * np.sqrt(x.var() / x.size + y.var() / y.size)

    for p in (settling[2], settling[5], long[1], long[6], wide, red):
        told = simulate_war(p, n, np.random.default_rng(1))
        other = simulate_war(mirrored(p), n, np.random.default_rng(2))
        a = np.bincount(told.outcome, minlength=5) / n
        b = (np.bincount(other.outcome, minlength=5) / n)[swap]
        se = np.sqrt((a * (1 - a) + b * (1 - b)) / n)
        assert np.all(np.abs(a - b) <= 5 * se + 1e-12), (a, b)
        covered |= {k for k in range(5) if a[k] > 0.01}
        big_f = p.front_min + 100.0
        assert close(told.front_raw, big_f - other.front_raw)
        assert close(told.end_month, other.end_month)
        if a[SETTLEMENT] > 0.01:  # terms are clipped to the scale, [0, 100]: compare the
            # terms that lie inside it in both wars, the mirrored ones mapped back
            lo, hi = max(0.0, big_f - 100.0), min(100.0, big_f)
            mine = told.terms[(told.outcome == SETTLEMENT) & (told.terms > lo) & (told.terms < hi)]
            back = big_f - other.terms[other.outcome == SETTLEMENT]
            theirs = back[(back > lo) & (back < hi)]
            assert abs(mine.size - theirs.size) <= 5 * np.sqrt(mine.size + theirs.size)
            assert close(mine, theirs), (mine.mean(), theirs.mean())
    assert covered == {SETTLEMENT, DECISIVE_A, DECISIVE_B, FROZEN, ONGOING}


def test_the_unit_of_forces_does_not_matter() -> None:
    """Forces, replenishment and aid in troops rather than thousands (all multiplied by one
    number): the same wars, draw for draw (outcomes equal, lines and terms to 1e-9). The
    square law's losses scale with the forces, the line moves with their log ratio, and a
    collapse is a share of the initial forces."""
    wars = _random_wars(5, 3, reservation=10, cost=2) + _random_wars(5, 3, reservation=60, cost=0.4)
    for unit in (1000.0, 0.001):
        for p in wars:
            q = dataclasses.replace(
                p,
                **{f"{name}_{side}": getattr(p, f"{name}_{side}") * unit
                   for name in ("force", "mobilisation", "aid") for side in "ab"},
            )  # fmt: skip
            a = simulate_war(p, 1000, np.random.default_rng(1))
            b = simulate_war(q, 1000, np.random.default_rng(1))
            np.testing.assert_array_equal(a.outcome, b.outcome)
            np.testing.assert_allclose(b.front_raw, a.front_raw, rtol=0, atol=1e-9)
            np.testing.assert_allclose(b.terms, a.terms, rtol=0, atol=1e-9)
