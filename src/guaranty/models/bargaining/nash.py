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
sweeps over the issues until no coordinate moves by more than 1e-10 of its scale.
Everything is vectorised over draws.

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
* Where the objective is flat along an issue (no present actor has salience there), the
  solution lies at the upper end of the flat stretch within the span of the positions; any
  point of it is a Nash solution.
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
    # the optimum lies within the span of the positions (moving toward it helps everyone)
    span_lo = np.where(np.isfinite(pos_lo), pos_lo, lower)
    span_hi = np.where(np.isfinite(pos_hi), pos_hi, upper)
    loss = _losses(x[:, None, :], positions, salience, width).sum(axis=2)  # (draws, actors)
    sweeps = np.zeros(x.shape[0], dtype=int)
    tol = 1e-10 * width
    for _ in range(max_sweeps):
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


def _barrier_polish(
    x0: np.ndarray,
    positions: np.ndarray,
    salience: np.ndarray,
    exponent: np.ndarray,
    dloss: np.ndarray,
    width: np.ndarray,
    mu_shift: float,
    outer: int = 12,
    newton: int = 8,
) -> np.ndarray:
    """Exact optimum for several issues: a batched log-barrier Newton method.

    The problem is rewritten smoothly with t_ij >= |x_j - p_ij| as variables: maximise
    sum_i c_i log(K_i - sum_j s_ij t_ij / w_j) + mu sum_ij [log(t_ij - x_j + p_ij) +
    log(t_ij + x_j - p_ij)], with mu lowered tenfold each outer round (1e-3 to 1e-14); every
    Newton step is solved for all draws at once, with a backtracking line search that keeps
    the iterate feasible and the barrier objective rising. Shapes: x0 (draws, issues),
    positions and salience (draws, actors, issues), exponent and dloss (draws, actors).
    """
    n_d, n_a, n_i = positions.shape
    s = salience / width  # (n_d,n_a,n_i)
    c = exponent  # (n_d,n_a)
    K = dloss + mu_shift  # (n_d,n_a)
    x = x0.copy()
    dist = np.abs(x[:, None, :] - positions)
    g0 = K - (s * dist).sum(2)
    room = np.maximum(g0.min(1), 0) / np.maximum((s.sum(2)).max(1), 1e-300)
    delta = np.minimum(1e-3, 0.5 * room)[:, None, None]
    t = dist + delta
    n = n_i + n_a * n_i
    # an entry with zero salience (an absent actor) plays no part: its t stays put, and an
    # issue nobody cares about keeps its x (otherwise the barrier would push t to infinity)
    active = s > 0

    def F(x, t, mu):
        u = t - (x[:, None, :] - positions)
        v = t + (x[:, None, :] - positions)
        g = K - (s * t).sum(2)
        ok = ((u > 0) | ~active).all((1, 2)) & ((v > 0) | ~active).all((1, 2)) & (g > 0).all(1)
        barrier = np.where(
            active, np.log(np.where(u > 0, u, 1)) + np.log(np.where(v > 0, v, 1)), 0.0
        )
        val = (c * np.log(np.where(g > 0, g, 1))).sum(1) + mu * barrier.sum((1, 2))
        return np.where(ok, val, -np.inf)

    mu = 1e-3
    for _ in range(outer):
        for _ in range(newton):
            u = t - (x[:, None, :] - positions)
            v = t + (x[:, None, :] - positions)
            g = K - (s * t).sum(2)
            u = np.where(active, u, 1.0)
            v = np.where(active, v, 1.0)
            gt = np.where(active, -(c / g)[:, :, None] * s + mu * (1 / u + 1 / v), 0.0)
            gx = np.where(active, mu * (-1 / u + 1 / v), 0.0).sum(1)  # (n_d,n_i)
            grad = np.concatenate([gx, gt.reshape(n_d, -1)], axis=1)
            H = np.zeros((n_d, n, n))
            # t-t block: -c_i s_ij s_il / g_i^2 within actor i, plus diagonal
            w = c / g**2  # (n_d,n_a)
            for a in range(n_a):
                idx = n_i + a * n_i + np.arange(n_i)
                H[:, idx[:, None], idx[None, :]] -= (
                    w[:, a, None, None] * s[:, a, :, None] * s[:, a, None, :]
                )
            diag_t = np.where(active, -mu * (1 / u**2 + 1 / v**2), 0.0)  # (n_d,n_a,n_i)
            ti = n_i + np.arange(n_a * n_i)
            H[:, ti, ti] += np.where(active, diag_t, -1.0).reshape(n_d, -1)
            cross = np.where(active, mu * (1 / u**2 - 1 / v**2), 0.0)  # (n_d,n_a,n_i)
            for a in range(n_a):
                idx = n_i + a * n_i + np.arange(n_i)
                H[:, np.arange(n_i), idx] += cross[:, a, :]
                H[:, idx, np.arange(n_i)] += cross[:, a, :]
            diag_x = diag_t.sum(1)
            H[:, np.arange(n_i), np.arange(n_i)] += np.where(diag_x < 0, diag_x, -1.0)
            step = _newton_step(H, grad)
            dx = step[:, :n_i]
            dt = step[:, n_i:].reshape(n_d, n_a, n_i)
            f0 = F(x, t, mu)
            alpha = np.ones(n_d)
            for _ in range(40):
                fn = F(x + alpha[:, None] * dx, t + alpha[:, None, None] * dt, mu)
                bad = ~(fn >= f0)
                if not bad.any():
                    break
                alpha = np.where(bad, alpha * 0.5, alpha)
            alpha = np.where(
                F(x + alpha[:, None] * dx, t + alpha[:, None, None] * dt, mu) >= f0, alpha, 0.0
            )
            x = x + alpha[:, None] * dx
            t = t + alpha[:, None, None] * dt
        mu *= 0.1
    return x


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
        exponent = np.where(n_present > 0, cap, 0.0)
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
