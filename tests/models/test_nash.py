"""The asymmetric Nash bargaining solution against hand-derived cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guaranty.errors import ModelError
from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs


def make(pos, sal, cap, rp=None, lower=0.0, upper=100.0) -> NegotiationInputs:
    pos = np.array(pos, float)[None]
    sal = np.array(sal, float)[None]
    _, a, i = pos.shape
    cap = np.broadcast_to(np.array(cap, float)[None, :, None], (1, a, i)).copy()
    return NegotiationInputs(
        positions=pos,
        salience=sal,
        capability=cap,
        present=np.ones((a, i), bool),
        lower=np.full(i, lower),
        upper=np.full(i, upper),
        reference=np.full(i, np.nan) if rp is None else np.array(rp, float),
        actor_ids=tuple(f"a{k}" for k in range(a)),
        issue_ids=tuple(f"i{k}" for k in range(i)),
    )


def solve(x: NegotiationInputs, **params) -> np.ndarray:
    return registry.create("nash", **params).run(x, np.random.default_rng(0)).outcome[0]


def test_two_actors_one_issue_worst_point() -> None:
    # gains g1 = (100 - x)/100, g2 = x/100 against the worst points (100 and 0):
    # maximise 3 log g1 + log g2  ->  x = 100 * 1 / (3 + 1) = 25
    assert solve(make([[0], [100]], [[1], [1]], [3, 1])) == pytest.approx([25.0], abs=1e-6)


def test_two_actors_two_issues_logroll() -> None:
    # Actor 1 at (0, 0) with saliences (.8, .2), actor 2 at (100, 100) with (.2, .8),
    # capabilities 9 and 1. On the line x1 = 0 the first-order condition in x2 reads
    # 9 * .2 / g1 = .8 / g2 with g1 = .8 + .2 (1 - x2/100), g2 = .8 x2/100, so x2 = 50; at
    # (0, 50) the x1-derivative -9 * .8 / .9 + .2 / .4 < 0 keeps x1 at 0. Solution (0, 50).
    x = make([[0, 0], [100, 100]], [[0.8, 0.2], [0.2, 0.8]], [9, 1])
    assert solve(x) == pytest.approx([0.0, 50.0], abs=1e-6)
    # with equal capabilities each actor wins the issue it cares about more: (0, 100)
    x = make([[0, 0], [100, 100]], [[0.8, 0.2], [0.2, 0.8]], [1, 1])
    assert solve(x) == pytest.approx([0.0, 100.0], abs=1e-6)


def test_status_quo_between_the_actors_is_kept() -> None:
    # Any move from 40 hurts one of the two actors: the Nash solution is the status quo.
    assert solve(make([[0], [100]], [[1], [1]], [3, 1], rp=[40])) == pytest.approx([40], abs=1e-6)


def test_status_quo_beyond_both_actors() -> None:
    # Status quo 60, actors at 0 (capability 3) and 30 (1): gains 60 - x and x on [0, 30];
    # 3 / (60 - x) = 1 / x  ->  x = 15.
    assert solve(make([[0], [30]], [[1], [1]], [3, 1], rp=[60])) == pytest.approx([15], abs=1e-6)
    # ignoring the status quo, both actors' worst point is 100: gains 100 - x and
    # 70 - |x - 30| = 40 + x on [0, 30]; 3 / (100 - x) = 1 / (40 + x) at x = -5, outside
    # the span, so the solution is the nearest point of it: 0.
    got = solve(make([[0], [30]], [[1], [1]], [3, 1], rp=[60]), disagreement="worst")
    assert got == pytest.approx([0], abs=1e-6)


def test_scale_and_salience_invariance() -> None:
    # the same case on [-5, 5] with saliences halved: the solution maps linearly
    x = make([[-5], [5]], [[0.5], [0.5]], [3, 1], lower=-5, upper=5)
    assert solve(x) == pytest.approx([-2.5], abs=1e-7)


def test_bad_parameter() -> None:
    with pytest.raises(ModelError, match="parameter disagreement of nash"):
        registry.create("nash", disagreement="best")


def test_runs_on_eu_emissions(data_dir: Path) -> None:
    from guaranty.pipeline import forecast
    from guaranty.scenario import load

    out = forecast(load(data_dir / "eu_emissions_1994_actors.csv"), "nash").issues[0].outcome
    assert 4 <= out <= 10


@pytest.mark.slow
def test_several_issues_match_a_general_solver() -> None:
    """On random 6-actor, 3-issue cases the solution equals scipy's SLSQP on the smooth
    reformulation (t_ij >= |x_j - p_ij|), to 1e-4 of the scale in x and 1e-7 in objective."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(11)
    n_a, n_i = 6, 3
    for _ in range(3):
        pos = rng.uniform(0, 100, (n_a, n_i))
        sal = rng.uniform(0.1, 1.0, (n_a, n_i))
        cap = rng.uniform(0.5, 3.0, n_a)
        got = solve(make(pos.tolist(), sal.tolist(), cap.tolist()))
        worst = np.maximum(pos, 100 - pos)
        k = (sal * worst / 100).sum(1)

        def f(z, k=k, sal=sal, cap=cap):
            t = z[n_i:].reshape(n_a, n_i)
            g = k - (sal * t / 100).sum(1)
            return np.inf if (g <= 0).any() else -(cap * np.log(g)).sum()

        cons = []
        for a in range(n_a):
            for j in range(n_i):
                idx = n_i + a * n_i + j
                cons.append(
                    {"type": "ineq", "fun": lambda z, i=idx, j=j, p=pos[a, j]: z[i] - (z[j] - p)}
                )
                cons.append(
                    {"type": "ineq", "fun": lambda z, i=idx, j=j, p=pos[a, j]: z[i] + (z[j] - p)}
                )
        x0 = np.average(pos, axis=0, weights=cap)
        z0 = np.concatenate([x0, (np.abs(x0[None] - pos) + 1e-3).ravel()])
        ref = minimize(
            f, z0, constraints=cons, method="SLSQP", options={"maxiter": 1000, "ftol": 1e-14}
        )
        np.testing.assert_allclose(got, ref.x[:n_i], atol=1e-2)
        zg = np.concatenate([got, np.abs(got[None] - pos).ravel()])
        assert f(zg) <= ref.fun + 1e-7


def _nash_objective(x, pos, sal, cap, dloss) -> np.ndarray:
    """sum_i c_i log(gain_i) at x (draws, issues) on the scale 0-100; -inf if infeasible."""
    g = dloss - (sal * np.abs(x[:, None, :] - pos) / 100.0).sum(2) + 1e-9
    safe = np.where(g > 0, g, 1.0)
    return np.where((g > 0).all(1), (cap * np.log(safe)).sum(1), -np.inf)


@pytest.mark.slow
def test_status_quo_cases_reach_the_optimum_of_a_general_solver() -> None:
    """Against the status quo the feasible set is a thin region around it, where the
    solver once stopped short (objective up to 1.4 below the optimum, the solution up to 12
    points off, on cases like these). On 16 random 12-actor, 4-issue cases with a status
    quo and some actors absent from some issues, the solution is feasible and no worse than
    scipy's SLSQP on the smooth reformulation started from it and from the status quo
    (objective within 1e-6, the barrier's own accuracy).

    SLSQP's answer is scored by the true objective at its solution x, not by its own value:
    that is of the reformulation's slack variables, which a constraint violation of 5e-7
    can lift above the true optimum (on case 2 SLSQP reported -62.56, against -65.56 here, at
    a point where one actor's gain is negative; whether it ends there changed with the
    number of BLAS threads). Where both of SLSQP's solutions lie outside the thin feasible
    set (4 of the 16 cases), only the feasibility of ours is checked; the other 12 must be
    compared."""
    from scipy.optimize import minimize

    from guaranty.models.bargaining.nash import nash_solution

    rng = np.random.default_rng(2022)
    n_d, n_a, n_i = 16, 12, 4
    pos = rng.uniform(0, 100, (n_d, n_a, n_i))
    sal = rng.uniform(0, 1, (n_d, n_a, n_i)) * (rng.uniform(size=(n_d, n_a, n_i)) > 0.2)
    cap = rng.uniform(0.1, 1, (n_d, n_a))
    sq = rng.uniform(0, 100, (n_d, n_i))
    dloss = (sal * np.abs(sq[:, None, :] - pos) / 100.0).sum(2)
    got, _ = nash_solution(pos, sal, cap, dloss, np.zeros(n_i), np.full(n_i, 100.0), sq.copy())
    ours = _nash_objective(got, pos, sal, cap, dloss)
    assert np.isfinite(ours).all(), np.nonzero(~np.isfinite(ours))
    compared = 0
    for d in range(n_d):
        p, s, c, k = pos[d], sal[d], cap[d], dloss[d] + 1e-9

        def f(z, p=p, s=s, c=c, k=k):
            g = k - (s * z[n_i:].reshape(n_a, n_i) / 100.0).sum(1)
            return 1e6 if (g <= 0).any() else -(c * np.log(g)).sum()

        cons = [
            {"type": "ineq", "fun": lambda z, p=p: z[n_i:] - np.abs(z[:n_i] - p).ravel()},
        ]
        best = -np.inf
        for x0 in (got[d], sq[d]):
            z0 = np.concatenate([x0, np.abs(x0[None] - p).ravel()])
            ref = minimize(f, z0, constraints=cons, method="SLSQP", options={"maxiter": 500})
            x = ref.x[None, :n_i]
            best = max(
                best, float(_nash_objective(x, p[None], s[None], c[None], k[None] - 1e-9)[0])
            )
        if np.isfinite(best):
            compared += 1
            assert ours[d] >= best - 1e-6, (d, ours[d], best)
    assert compared >= 12, compared


def test_an_actor_without_capability_keeps_its_veto_and_the_limit() -> None:
    """An actor of capability 0 has no weight in the product but, as every actor, a veto
    (its gain must stay positive): the solution is the limit as its capability falls to 0.
    On random 5-actor, 3-issue cases against the status quo (seeded), capability 0 gives the
    solution of capability 1e-5 times the largest, to 1e-3 of the scale, with no numpy
    warning; without the floor of ``bargaining_powers`` the solver stopped on the actor's
    boundary (this test fails with the floor set to 0; docs/models/nash.md).
    Every capability 0: the actors count equally, as in the other models."""
    import warnings

    rng = np.random.default_rng(3)
    for _ in range(10):
        pos = rng.uniform(0, 100, (5, 3))
        sal = rng.uniform(0.1, 1, (5, 3))
        cap = rng.uniform(0.5, 3, 5)
        rp = rng.uniform(0, 100, 3).tolist()
        tiny = cap.copy()
        tiny[0] = 1e-5 * cap.max()
        cap[0] = 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = solve(make(pos.tolist(), sal.tolist(), cap.tolist(), rp=rp))
        limit = solve(make(pos.tolist(), sal.tolist(), tiny.tolist(), rp=rp))
        np.testing.assert_allclose(got, limit, atol=1e-3)
    pos, sal = [[10, 20], [90, 70]], [[0.5, 0.5], [0.5, 0.9]]
    np.testing.assert_allclose(
        solve(make(pos, sal, [0.0, 0.0])), solve(make(pos, sal, [1.0, 1.0])), atol=1e-9
    )
