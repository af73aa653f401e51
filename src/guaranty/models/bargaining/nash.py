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

from guaranty.errors import ModelError
from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.compromise import weighted_mean
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
    max_sweeps: int = 200,
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
        moved = np.zeros(x.shape[0], dtype=bool)
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
            moved |= new != xj
            loss = rest + sj * np.abs(new[:, None] - pj) / width[j]
            x[:, j] = new
        sweeps += moved
        if not moved.any():
            break
    return x, sweeps


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

    def __init__(self, disagreement: str = "reference") -> None:
        if disagreement not in ("reference", "worst"):
            raise ModelError(
                "parameter disagreement of nash must be 'reference' or 'worst'; "
                f"got {disagreement!r}"
            )
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
