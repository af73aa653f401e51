"""``nash``: the asymmetric Nash bargaining solution over all issues at once.

The settlement x (one point on every issue) maximises the capability-weighted product of the
actors' gains over their disagreement payoffs (Nash 1950; Kalai 1977 for the asymmetric form;
Achen 2006 for its use on EU legislation):

    x* = argmax_x  prod_i (u_i(x) - u_i(d))^(c_i)      s.t. u_i(x) >= u_i(d) for every i,

    u_i(x) = - sum_j s_ij |x_j - p_ij| / (upper_j - lower_j),

with p_ij actor i's position, s_ij its salience and c_i its capability. The disagreement
payoff u_i(d) sums, issue by issue, the loss at the status quo (the reference point) where
the issue has one, and otherwise the loss at the actor's worst point of the scale (the end
farthest from its position).

Solution method: the objective sum_i c_i log(u_i(x) - u_i(d)) is concave, and its only
kinks come from |x_j - p_ij|, one coordinate at a time. The directional derivative is then a
sum of per-coordinate terms, so a point that no single coordinate can improve is the
optimum, and exact coordinate ascent converges to it. Each coordinate is maximised exactly by
bisection on the sign of its one-sided derivative (the function is concave in it), in
sweeps over the issues until no coordinate moves by more than 1e-10 of its scale. With
several issues coordinate ascent crawls along ridges, so after three sweeps a log-barrier
Newton method (:func:`_barrier_polish`) finishes exactly, its steps solved through the
Hessian's arrow structure (:func:`_barrier_newton_step`). Everything is vectorised over
draws.

Choices
-------
* Utilities are linear losses in distance, weighted by salience and scaled by the issue's
  width (the spatial utility of the compromise and median models). Rescaling an actor's
  saliences does not change x*.
* The exponent c_i is the actor's capability averaged over the issues it takes part in
  (capability may differ by issue, as in decide's files). Absent actors have zero salience
  on the issue they are absent from; an actor absent from every issue plays no part.
* With the status quo as disagreement point, a one-issue negotiation with actors on both
  sides of the status quo has no settlement that leaves everyone better off, and the
  solution is the status quo itself: the Nash solution is a unanimity rule. To keep the
  logarithm finite at such a point, gains are shifted by ``mu`` = 1e-9 (in units of
  salience-weighted scale widths); the solution then lies within about 1e-9 of a scale
  width of the exact one.
* Where the objective is flat along a stretch of an issue, the solution lies at the upper
  end of the flat stretch within the span of the positions; any point of it is a Nash
  solution. Where no present actor has salience on an issue at all, the solution there is
  the starting point, the weighted mean of the positions (capability alone weighs them
  then, as in ``effective_weights``), so that it stays within their span.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.compromise import weighted_mean
from guaranty.models.params import Constraint, Options, check_parameters
from guaranty.models.registry import register

__all__ = ["Nash", "nash_solution"]

_BISECTIONS = 60
_SWEEPS_BEFORE_POLISH = 3
_NEWTON_TOL = 1e-13  # a barrier stage ends when no Newton step would gain more than this


def _losses(x: np.ndarray, p: np.ndarray, s: np.ndarray, width: np.ndarray) -> np.ndarray:
    """s |x - p| / width, shapes (draws, 1, issues) x (draws, actors, issues) -> same."""
    return s * np.abs(x - p) / width


def nash_solution(
    positions: np.ndarray,
    salience: np.ndarray,
    exponent: np.ndarray,
    disagreement_loss: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: np.ndarray,
    *,
    mu: float = 1e-9,
    max_sweeps: int = 25,
) -> tuple[np.ndarray, np.ndarray]:
    """The asymmetric Nash solution by exact coordinate ascent.

    positions, salience : arrays of shape (draws, actors, issues); absent actors have
        salience 0.
    exponent : array of shape (draws, actors), >= 0.
    disagreement_loss : array of shape (draws, actors): sum_j s_ij |d_ij - p_ij| / width_j.
    lower, upper : arrays of shape (issues,).
    start : array of shape (draws, issues), a point where every gain is >= 0.
    Returns the solution, shape (draws, issues), and the sweeps used, shape (draws,).
    """
    width = upper - lower
    x = start.copy()
    present = salience > 0
    pos_lo = np.where(present, positions, np.inf).min(axis=1)
    pos_hi = np.where(present, positions, -np.inf).max(axis=1)
    # the optimum lies within the span of the positions (moving toward it helps everyone);
    # on an issue where no actor has salience every point is optimal, and the solution
    # stays at the start (it went to the scale's lower end, outside the positions)
    span_lo = np.where(np.isfinite(pos_lo), pos_lo, start)
    span_hi = np.where(np.isfinite(pos_hi), pos_hi, start)
    loss = _losses(x[:, None, :], positions, salience, width).sum(axis=2)  # (draws, actors)
    sweeps = np.zeros(x.shape[0], dtype=int)
    tol = 1e-10 * width
    # several issues: a few sweeps find an interior point from which the barrier method
    # below reaches the optimum (more sweeps would only crawl along the ridges)
    for _ in range(max_sweeps if x.shape[1] == 1 else min(max_sweeps, _SWEEPS_BEFORE_POLISH)):
        x_before = x.copy()
        for j in range(x.shape[1]):
            pj, sj, xj = positions[:, :, j], salience[:, :, j], x[:, j]
            rest = loss - sj * np.abs(xj[:, None] - pj) / width[j]  # loss without issue j
            lo = np.minimum(span_lo[:, j], xj)
            hi = np.maximum(span_hi[:, j], xj)
            for _ in range(_BISECTIONS):
                t = 0.5 * (lo + hi)
                dist = t[:, None] - pj
                gain = disagreement_loss - rest - sj * np.abs(dist) / width[j] + mu
                feasible = (gain > 0).all(axis=1)
                # right-derivative of sum_i c_i log(gain_i) in t
                slope = -sj * np.where(dist >= 0, 1.0, -1.0) / width[j]
                deriv = (exponent * slope / np.where(gain > 0, gain, 1.0)).sum(axis=1)
                go_right = np.where(feasible, deriv > 0, t < xj)
                lo = np.where(go_right, t, lo)
                hi = np.where(go_right, hi, t)
            new = 0.5 * (lo + hi)
            new = np.where(np.abs(new - xj) > tol[j], new, xj)
            loss = rest + sj * np.abs(new[:, None] - pj) / width[j]
            x[:, j] = new
        # Acceleration: exact line search along the sweep's net step (coordinate ascent
        # alone crawls along ridges where the issues trade off against each other).
        x, loss = _line_search(
            x,
            x - x_before,
            positions,
            salience,
            exponent,
            disagreement_loss,
            width,
            span_lo,
            span_hi,
            mu,
        )
        moved = (np.abs(x - x_before) > tol).any(axis=1)
        sweeps += moved
        if not moved.any():
            break
    if x.shape[1] > 1:
        # coordinate ascent crawls along ridges where issues trade off; finish exactly
        chunk = 1024
        x = np.concatenate(
            [
                _barrier_polish(
                    x[k : k + chunk],
                    positions[k : k + chunk],
                    salience[k : k + chunk],
                    exponent[k : k + chunk],
                    disagreement_loss[k : k + chunk],
                    width,
                    mu,
                )
                for k in range(0, x.shape[0], chunk)
            ]
        )
    return x, sweeps


def _line_search(
    x: np.ndarray,
    step: np.ndarray,
    positions: np.ndarray,
    salience: np.ndarray,
    exponent: np.ndarray,
    disagreement_loss: np.ndarray,
    width: np.ndarray,
    span_lo: np.ndarray,
    span_hi: np.ndarray,
    mu: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximise the (concave) objective along x + a * step, a in [0, a_max], exactly by
    bisection on the directional derivative; a_max keeps x inside the span of positions."""
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(
            step > 0, (span_hi - x) / step, np.where(step < 0, (span_lo - x) / step, np.inf)
        )
    a_hi = np.minimum(np.min(room, axis=1), 64.0)
    a_hi = np.where(np.isfinite(a_hi) & (a_hi > 0), a_hi, 0.0)
    a_lo = np.zeros_like(a_hi)
    for _ in range(_BISECTIONS):
        a = 0.5 * (a_lo + a_hi)
        xa = x + a[:, None] * step
        dist = xa[:, None, :] - positions  # (draws, actors, issues)
        gain = disagreement_loss - (salience * np.abs(dist) / width).sum(axis=2) + mu
        feasible = (gain > 0).all(axis=1)
        slope = -(salience * np.where(dist >= 0, 1.0, -1.0) * step[:, None, :] / width).sum(2)
        deriv = (exponent * slope / np.where(gain > 0, gain, 1.0)).sum(axis=1)
        go_right = feasible & (deriv > 0)
        a_lo = np.where(go_right, a, a_lo)
        a_hi = np.where(go_right, a_hi, a)
    x = x + a_lo[:, None] * step
    loss = (salience * np.abs(x[:, None, :] - positions) / width).sum(axis=2)
    return x, loss


def _newton_step(hessian: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Solve H step = -grad for every draw (H of shape (draws, n, n), negative definite).

    The system is scaled by the diagonal first (barrier terms near a kink reach 1e13 beside
    entries of order 1); a draw whose scaled system is still numerically singular gets the
    least-squares step instead.
    """
    scale = 1.0 / np.sqrt(np.abs(np.diagonal(hessian, axis1=1, axis2=2)))  # (draws, n)
    h = hessian * scale[:, :, None] * scale[:, None, :]
    b = -grad * scale
    try:
        y = np.linalg.solve(h, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        y = np.empty_like(b)
        for k in range(h.shape[0]):  # only on the rare draws the batched solve rejects
            try:
                y[k] = np.linalg.solve(h[k], b[k])
            except np.linalg.LinAlgError:
                y[k] = np.linalg.lstsq(h[k], b[k], rcond=None)[0]
    step = y * scale
    return np.where(np.isfinite(step), step, 0.0)


def _barrier_newton_step(
    gx: np.ndarray,
    gt: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    active: np.ndarray,
    mu: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The Newton step (dx, dt) of the barrier problem of :func:`_barrier_polish` for every
    draw, from the structure of its Hessian rather than a dense solve.

    In the variables (x, t) the Hessian is an arrow: x-x is diagonal, x-t couples x_j with
    t_aj only (``cross``), and t-t is block-diagonal by actor, each block A_a = D_a - w_a s_a
    s_a^T (a negative diagonal minus a rank-one term). A_a is inverted by Sherman-Morrison
    and t eliminated (Schur complement), which leaves an issues x issues system:

        S dx = -g_x + sum_a C_a A_a^-1 g_{t,a},   S = H_xx - sum_a C_a A_a^-1 C_a,
        dt_a = A_a^-1 (-g_{t,a} - C_a dx),

    with C_a = diag(cross_a). The diagonal part of S, D - cross^2 / D per entry, is
    -4 mu / (u^2 + v^2) exactly (no cancellation near a kink, where |cross| ~ |D|).
    O(actors x issues^2) per draw instead of O((actors x issues)^3).

    gx (draws, issues) and gt (draws, actors, issues): the gradient; u, v, s (draws, actors,
    issues): the barrier slacks (1 where inactive) and salience / width; w (draws, actors):
    c / g^2; active (draws, actors, issues). Returns dx (draws, issues), dt (draws, actors,
    issues).
    """
    inv_u2, inv_v2 = 1.0 / u**2, 1.0 / v**2
    d_inv = np.where(active, -1.0 / (mu * (inv_u2 + inv_v2)), -1.0)  # 1 / D
    cross = np.where(active, mu * (inv_u2 - inv_v2), 0.0)
    ds = d_inv * s  # D^-1 s
    den = 1.0 - w * (s * ds).sum(2)  # >= 1: D < 0
    coef = w / den  # (draws, actors)

    def a_inv(y: np.ndarray) -> np.ndarray:  # A_a^-1 y_a for every actor, y (d, a, i)
        return d_inv * y + (coef * (ds * y).sum(2))[:, :, None] * ds

    schur_diag = np.where(active, -4.0 * mu / (u**2 + v**2), 0.0).sum(1)
    schur_diag = np.where(active.any(1), schur_diag, -1.0)  # an issue nobody cares about
    q = cross * ds
    schur = -np.einsum("da,dai,daj->dij", coef, q, q)
    i = np.arange(gx.shape[1])
    schur[:, i, i] += schur_diag
    rhs = -gx + (cross * a_inv(gt)).sum(1)
    dx = _newton_step(schur, -rhs)
    dt = a_inv(-gt - cross * dx[:, None, :])
    return dx, np.where(np.isfinite(dt), dt, 0.0)


def _max_step(
    u: np.ndarray,
    v: np.ndarray,
    g: np.ndarray,
    du: np.ndarray,
    dv: np.ndarray,
    dg: np.ndarray,
    active: np.ndarray,
) -> np.ndarray:
    """The largest a (draws,) with u + a du > 0, v + a dv > 0 (where active; shapes (draws,
    actors, issues)) and g + a dg > 0 (draws, actors), for slacks u, v, g > 0; inf where no
    slack shrinks."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ru = np.where(active & (du < 0), -u / du, np.inf).min((1, 2))
        rv = np.where(active & (dv < 0), -v / dv, np.inf).min((1, 2))
        rg = np.where(dg < 0, -g / dg, np.inf).min(1)
    return np.minimum(np.minimum(ru, rv), rg)


def _barrier_polish(
    x0: np.ndarray,
    positions: np.ndarray,
    salience: np.ndarray,
    exponent: np.ndarray,
    dloss: np.ndarray,
    width: np.ndarray,
    mu_shift: float,
    outer: int = 6,
    newton: int = 50,
) -> np.ndarray:
    """Exact optimum for several issues: a batched log-barrier Newton method.

    The problem is rewritten smoothly with t_ij >= |x_j - p_ij| as variables: maximise
    sum_i c_i log(K_i - sum_j s_ij t_ij / w_j) + mu sum_ij [log(t_ij - x_j + p_ij) +
    log(t_ij + x_j - p_ij)], with mu lowered a hundredfold each outer round (1e-3 to 1e-13). At
    each mu, Newton steps (:func:`_barrier_newton_step`, all draws at once) go on until a
    draw's step would raise the barrier objective by no more than 1e-13, or no step does
    (at most ``newton``); the line search starts at the longest step that keeps the
    iterate feasible and halves it until the objective does not fall. Shapes: x0 (draws, issues),
    positions and salience (draws, actors, issues), exponent and dloss (draws, actors).
    """
    n_d = positions.shape[0]
    s = salience / width  # (n_d,n_a,n_i)
    c = exponent  # (n_d,n_a)
    K = dloss + mu_shift  # (n_d,n_a)
    x = x0.copy()
    dist = np.abs(x[:, None, :] - positions)
    g0 = K - (s * dist).sum(2)
    room = np.maximum(g0.min(1), 0) / np.maximum((s.sum(2)).max(1), 1e-300)
    delta = np.minimum(1e-3, 0.5 * room)[:, None, None]
    t = dist + delta
    # an entry with zero salience (an absent actor) plays no part: its t stays put, and an
    # issue nobody cares about keeps its x (otherwise the barrier would push t to infinity)
    active = s > 0

    def F(idx, x, t, mu):  # the barrier objective of the draws idx at (x, t)
        pos, act, s_i = positions[idx], active[idx], s[idx]
        u = t - (x[:, None, :] - pos)
        v = t + (x[:, None, :] - pos)
        g = K[idx] - (s_i * t).sum(2)
        ok = ((u > 0) | ~act).all((1, 2)) & ((v > 0) | ~act).all((1, 2)) & (g > 0).all(1)
        barrier = np.where(act, np.log(np.where(u > 0, u, 1)) + np.log(np.where(v > 0, v, 1)), 0.0)
        val = (c[idx] * np.log(np.where(g > 0, g, 1))).sum(1) + mu * barrier.sum((1, 2))
        return np.where(ok, val, -np.inf)

    mu = 1e-3
    for _ in range(outer):
        live = np.arange(n_d)  # the draws whose Newton iterations go on at this mu
        for _ in range(newton):
            pos, act, s_l, c_l = positions[live], active[live], s[live], c[live]
            x_l, t_l = x[live], t[live]
            u = np.where(act, t_l - (x_l[:, None, :] - pos), 1.0)
            v = np.where(act, t_l + (x_l[:, None, :] - pos), 1.0)
            g = K[live] - (s_l * t_l).sum(2)
            gt = np.where(act, -(c_l / g)[:, :, None] * s_l + mu * (1 / u + 1 / v), 0.0)
            gx = np.where(act, mu * (-1 / u + 1 / v), 0.0).sum(1)  # (live, issues)
            dx, dt = _barrier_newton_step(gx, gt, u, v, s_l, c_l / g**2, act, mu)
            # half the Newton decrement: the rise of the barrier objective a full step promises
            going = 0.5 * ((gx * dx).sum(1) + (gt * dt).sum((1, 2))) > _NEWTON_TOL
            # the longest step that keeps every slack positive (they are linear in it), then
            # halvings until the barrier objective does not fall
            alpha = np.minimum(
                1.0,
                0.99
                * _max_step(
                    u, v, g, dt - dx[:, None, :], dt + dx[:, None, :], -(s_l * dt).sum(2), act
                ),
            )
            alpha[~going] = 0.0
            f0 = F(live, x_l, t_l, mu)
            gain = np.zeros(live.size)  # the rise of the barrier objective the step makes
            todo = np.flatnonzero(going)
            for _ in range(40):
                a = alpha[todo]
                fn = F(
                    live[todo],
                    x_l[todo] + a[:, None] * dx[todo],
                    t_l[todo] + a[:, None, None] * dt[todo],
                    mu,
                )
                ok = fn >= f0[todo]
                gain[todo[ok]] = fn[ok] - f0[todo[ok]]
                todo = todo[~ok]
                if not todo.size:
                    break
                alpha[todo] *= 0.5
            alpha[todo] = 0.0  # no step of 2^-40 or longer raises it: the draw stops here
            x[live] = x_l + alpha[:, None] * dx
            t[live] = t_l + alpha[:, None, None] * dt
            # a draw goes on while its steps still raise the objective (a draw pinned
            # against a bound by a tiny gain, whose steps shrink to nothing, stops)
            live = live[(alpha > 0) & (gain > _NEWTON_TOL)]
            if not live.size:
                break
        mu *= 0.01
    return x


#: an actor's exponent is at least this share of the largest (:func:`bargaining_powers`)
POWER_FLOOR = 1e-6


def bargaining_powers(capability: np.ndarray) -> np.ndarray:
    """The exponents of the Nash product from the actors' capabilities, shape (draws, actors):
    the capabilities, each at least :data:`POWER_FLOOR` times the draw's largest, and all
    equal where every capability is 0 (as the other models weigh such a draw).

    An actor keeps its veto whatever its power (every gain must stay positive), and the
    solution is continuous as a capability falls to 0: the same to 1e-6 of a scale width for
    Russia's capability at 1e-5 ... 1e-8 in the Ukraine scenario. At exactly 0 the actor's
    constraint has nothing holding the solver off its boundary, which then stopped on the
    boundary (another answer, with numpy's division warnings): the floor gives it the
    limit."""
    largest = capability.max(axis=-1, keepdims=True)
    floored = np.maximum(capability, POWER_FLOOR * largest)
    return np.where(largest > 0, floored, 1.0)


@register
class Nash(NegotiationModel):
    """Asymmetric Nash bargaining over all issues; see the module docstring.

    Parameters
    ----------
    disagreement : {"reference", "worst"}
        ``"reference"`` (default): the status quo where an issue has a reference point, the
        actor's worst point elsewhere; ``"worst"``: every actor's worst point everywhere.
    """

    name: ClassVar[str] = "nash"
    summary: ClassVar[str] = (
        "asymmetric Nash bargaining solution over all issues (capability-weighted)"
    )
    separable: ClassVar[bool] = False

    parameters: ClassVar[dict[str, Constraint]] = {"disagreement": Options("reference", "worst")}

    def __init__(self, disagreement: str = "reference") -> None:
        check_parameters(self, locals())
        self.disagreement = disagreement

    def __repr__(self) -> str:
        return f"Nash(disagreement={self.disagreement!r})"

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        present = inputs.present[None, :, :]
        sal = np.where(present, inputs.salience, 0.0)
        pos = inputs.positions
        width = inputs.upper - inputs.lower
        n_present = inputs.present.sum(axis=1)  # (actors,)
        cap = np.where(present, inputs.capability, 0.0).sum(axis=2) / np.maximum(n_present, 1)
        exponent = np.where(n_present > 0, bargaining_powers(cap), 0.0)
        worst = np.maximum(pos - inputs.lower, inputs.upper - pos)
        known = ~np.isnan(inputs.reference)
        if self.disagreement == "reference" and known.any():
            at_sq = np.abs(np.where(known, inputs.reference, 0.0) - pos)
            dist_d = np.where(known, at_sq, worst)
            start = np.where(known, inputs.reference, weighted_mean(pos, effective_weights(inputs)))
        else:
            dist_d = worst
            start = weighted_mean(pos, effective_weights(inputs))
        d_loss = (sal * dist_d / width).sum(axis=2)
        x, sweeps = nash_solution(pos, sal, exponent, d_loss, inputs.lower, inputs.upper, start)
        return NegotiationResult(outcome=x, diagnostics={"sweeps": sweeps})
