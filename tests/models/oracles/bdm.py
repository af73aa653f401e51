"""Readable reference implementation of ``bdm``: one contest at a time, in plain loops.

The registered kernel (:mod:`guaranty.models.bargaining.bdm`) computes the same rounds for
all draws and issues at once, with prefix sums in place of the sum over third parties. This
module keeps the equations in the order of Scholz, Calbert & Smith (2011, appendix), one
draw and one issue at a time, with explicit loops over the actors, so that the kernel can
be checked against it (``tests/models/test_bdm.py``) and timed against it
(``benchmarks/bench_bdm.py``). It is a test oracle, not part of the
installed package, and far too slow for Monte Carlo use.

Every choice (the pooled probability denominator, the perception of the rival's expected
utility, the order of the offers, the tolerances) is the kernel's; see the ``Choices`` of
:mod:`guaranty.models.bargaining.bdm` and ``docs/models/bdm.md``.
"""

from __future__ import annotations

import numpy as np

from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.bdm import EPS_EU, EPS_X, BuenoDeMesquita

__all__ = ["reference_run"]


def _median(x: list[float], w: list[float], scale: float) -> float:
    """Condorcet winner among the positions x (linear utilities, weights w); the midpoint of
    the tied winners if several positions are unbeaten."""
    loss = [sum(wk * abs(xk - xa) for xk, wk in zip(x, w, strict=True)) for xa in x]
    best = min(loss)
    tol = 1e-12 * scale * sum(w)
    tied = [xa for xa, la in zip(x, loss, strict=True) if la <= best + tol]
    return (min(tied) + max(tied)) / 2


def _probabilities(
    x: list[float], w: list[float], rho: list[float], scale: float, pooled: bool
) -> list[list[float]]:
    """P[i][j]: i's chance against j from the votes of every actor k (step 5 of the
    appendix), with k's utility -(|x_k - x| / scale) ** rho_k."""
    n = len(x)
    gain = [[0.0] * n for _ in range(n)]  # sum_k w_k max(0, u_k(x_i) - u_k(x_j))
    for i in range(n):
        for j in range(n):
            for k in range(n):
                u_i = -((abs(x[k] - x[i]) / scale) ** rho[k])
                u_j = -((abs(x[k] - x[j]) / scale) ** rho[k])
                gain[i][j] += w[k] * max(0.0, u_i - u_j)
    total = 2 * sum(sum(row) for row in gain)  # every vote cast in every pairwise contest
    p = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            den = total if pooled else gain[i][j] + gain[j][i]
            p[i][j] = gain[i][j] / den if den > 0 else 0.0
    return p


def _eu(
    x_ch: float,
    x_tg: float,
    s_tg: float,
    p: float,
    r: float,
    mu: float,
    scale: float,
    q: float,
    t: float | None,
) -> float:
    """Expected utility of challenger ch against target tg, seen with risk exponent r
    (equation 25a; utilities of step 4 of the appendix)."""
    d = abs(x_ch - x_tg) / scale
    u_s = 2 - 4 * max(0.5 - 0.5 * d, 0.0) ** r
    u_f = 2 - 4 * (0.5 + 0.5 * d) ** r
    u_sq = 2 - 4 * 0.5**r
    eu = (
        u_s - s_tg * (1 - p) * (u_s - u_f) - q * u_sq
    )  # = s (P U_s + (1-P) U_f) + (1-s) U_s - Q U_sq
    if q < 1:
        d_mu = abs(x_ch - mu) / scale
        u_b = 2 - 4 * max(0.5 - 0.25 * (d_mu + d), 0.0) ** r
        u_w = 2 - 4 * (0.5 + 0.25 * (d_mu + d)) ** r
        if t is None:
            tol = EPS_X
            better = 1.0 if d_mu < d - tol else 0.0 if d_mu > d + tol else 0.5
        else:
            better = t
        eu -= (1 - q) * (better * u_b + (1 - better) * u_w)
    return eu


def _one_round(
    x: list[float],
    s: list[float],
    c: list[float],
    wm: list[float],
    scale: float,
    m: BuenoDeMesquita,
) -> list[float]:
    n = len(x)
    w = [ck * sk for ck, sk in zip(c, s, strict=True)]
    mu = _median(x, wm, scale)
    pooled = m.probability == "pooled"

    # Steps 2-9: risk exponents from the security levels at r = 1.
    r = [1.0] * n
    if m.risk != "neutral":
        p1 = _probabilities(x, w, [1.0] * n, scale, pooled)
        e1 = [
            [_eu(x[i], x[j], s[j], p1[i][j], 1.0, mu, scale, m.q, m.t) for j in range(n)]
            for i in range(n)
        ]  # e1[i][j]: i challenges j
        danger = []
        for i in range(n):
            if m.risk == "received":
                danger.append(sum(e1[j][i] for j in range(n) if j != i))
            else:
                danger.append(sum(e1[i][j] for j in range(n) if j != i))
        hi, lo = max(danger), min(danger)
        for i in range(n):
            big_r = (2 * danger[i] - hi - lo) / (hi - lo) if hi - lo > EPS_EU else 0.0
            r[i] = (1 - big_r / 3) / (1 + big_r / 3)

    # Step 10: probabilities and expected utilities with the risk exponents.
    rho = r if m.vote_utility == "risk" else [1.0] * n
    p = _probabilities(x, w, rho, scale, pooled)

    # Step 11: each actor's offers, from its own point of view.
    new = list(x)
    for i in range(n):
        offers = []  # (category, target, move, b)
        for j in range(n):
            if j == i or abs(x[j] - x[i]) <= EPS_X * scale:
                continue
            a = _eu(x[i], x[j], s[j], p[i][j], r[i], mu, scale, m.q, m.t)  # E^i(U_ij)
            b = _eu(x[j], x[i], s[i], p[j][i], r[i], mu, scale, m.q, m.t)  # E^i(U_ji)
            if a > EPS_EU and b > a + EPS_EU:
                offers.append((0, x[j], b))  # confrontation: i moves to j
            elif a < -EPS_EU and b > EPS_EU and b >= -a:
                offers.append((1, x[i] + (x[j] - x[i]) * (-a / b), b))  # compromise
            elif a < -EPS_EU and b > EPS_EU and m.capitulation:
                offers.append((2, x[j], b))  # capitulation: i moves to j
        if not offers:
            continue
        first = min(o[0] for o in offers)
        offers = [o for o in offers if o[0] == first]
        strongest = m.selection == "strongest" or (m.selection == "paper" and first == 1)
        keys = ["strength", "move"] if strongest else ["move", "strength"]
        for key in keys:
            if key == "move":
                values = [abs(o[1] - x[i]) for o in offers]
                tol = EPS_X * scale
            else:
                values = [-o[2] for o in offers]
                tol = EPS_EU
            best = min(values)
            offers = [o for o, v in zip(offers, values, strict=True) if v <= best + tol]
        new[i] = min(o[1] for o in offers)
    return new


def reference_run(model: BuenoDeMesquita, inputs: NegotiationInputs) -> NegotiationResult:
    """``model.run(inputs)``, one draw and one issue at a time (slow)."""
    draws, actors, issues = inputs.shape
    rounds = model.rounds
    paths = np.repeat(inputs.positions[:, None], rounds, axis=1)
    medians = np.empty((draws, rounds, issues))
    means = np.empty((draws, rounds, issues))
    rounds_run = np.zeros((draws, issues), dtype=int)
    wm_all = effective_weights(inputs)
    for d in range(draws):
        for k in range(issues):
            idx = [a for a in range(actors) if inputs.present[a, k]]
            x = [float(inputs.positions[d, a, k]) for a in idx]
            s = [float(inputs.salience[d, a, k]) for a in idx]
            c = [float(inputs.capability[d, a, k]) for a in idx]
            wm = [float(wm_all[d, a, k]) for a in idx]
            span = max(x) - min(x)
            if model.scale == "issue":
                span = max(span, float(inputs.upper[k] - inputs.lower[k]))
            scale = span if span > 0 else 1.0
            stopped = False
            for t in range(rounds):
                if not stopped:
                    new = _one_round(x, s, c, wm, scale, model)
                    moved = max(abs(u - v) for u, v in zip(new, x, strict=True))
                    x = new
                    rounds_run[d, k] = t + 1
                    stopped = model.tol is not None and moved <= model.tol * scale
                paths[d, t, idx, k] = x
                medians[d, t, k] = _median(x, wm, scale)
                means[d, t, k] = sum(wi * xi for wi, xi in zip(wm, x, strict=True)) / sum(wm)
    return NegotiationResult(
        outcome=medians[:, -1].copy(),
        round_median=medians,
        round_mean=means,
        round_positions=paths,
        diagnostics={"rounds_run": rounds_run},
    )
