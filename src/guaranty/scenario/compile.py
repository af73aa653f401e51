"""Compile a :class:`Scenario` into the arrays the model kernels take, and sample its
uncertainty.

``nominal_inputs`` uses each quantity's nominal value (the number, the normal's mean, the
uniform's midpoint, the triangular's mode); ``sample_inputs`` draws every uncertain quantity
independently:

* normal: truncated to the admissible range (the issue's scale for a position, [0, 1] for a
  salience, [0, inf) for a capability), by inverse-CDF sampling (the inverse CDF of
  ``scipy.stats.truncnorm``, computed with ``scipy.special``);
* uniform on [low, high]; triangular on [low, high] with the mode.

The draws are a function of the scenario and the generator alone: quantities are visited in
the scenario's order (actors, then issues), one block of ``draws`` values each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from guaranty.errors import ParameterError
from guaranty.scenario.arrays import NegotiationInputs
from guaranty.scenario.schema import Fixed, Normal, Scenario, Triangular, Uniform

__all__ = ["nominal_inputs", "quantile", "sample_inputs", "sample_quantity"]

if TYPE_CHECKING:
    from guaranty.scenario.design_matrix import DesignMatrix

Quantity = Fixed | Normal | Uniform | Triangular


def sample_quantity(
    q: Quantity, draws: int, rng: np.random.Generator, lo: float = -np.inf, hi: float = np.inf
) -> np.ndarray:
    """``draws`` samples of ``q`` (array of shape (draws,)), kept within [lo, hi]."""
    if isinstance(q, Fixed):
        return np.full(draws, q.value)
    if isinstance(q, Normal):
        with np.errstate(over="ignore"):  # a tiny sd: the bounds are +-inf, as they should
            a, b = (lo - q.mean) / q.sd, (hi - q.mean) / q.sd
        return q.mean + q.sd * _standard_truncnorm(rng.uniform(size=draws), a, b)
    if isinstance(q, Uniform):
        return rng.uniform(q.low, q.high, size=draws)
    if q.low == q.high:
        return np.full(draws, q.low)
    return rng.triangular(q.low, q.mode, q.high, size=draws)


def _standard_truncnorm(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """The standard normal truncated to [a, b] at the quantiles ``u``: the inverse CDF as
    ``scipy.stats.truncnorm`` computes it (in logs, from the nearer tail), with scipy.special
    only (``scipy.stats`` takes a second to import in every process of a run)."""
    from scipy import special

    if not a < b:
        raise ParameterError(
            f"a truncated normal needs its lower bound below its upper; got {a}, {b}"
        )
    with np.errstate(divide="ignore"):
        if b <= 0 or a > 0:  # both bounds in one tail: work in the left one
            lo, hi = (a, b) if b <= 0 else (-b, -a)
            log_hi = special.log_ndtr(hi)
            mass = log_hi + np.log1p(-np.exp(special.log_ndtr(lo) - log_hi))
        else:
            mass = np.log1p(-special.ndtr(a) - special.ndtr(-b))
        if a < 0:
            return special.ndtri_exp(np.logaddexp(special.log_ndtr(a), np.log(u) + mass))
        return -special.ndtri_exp(np.logaddexp(special.log_ndtr(-b), np.log1p(-u) + mass))


def quantile(q: Quantity, u: np.ndarray, lo: float = -np.inf, hi: float = np.inf) -> np.ndarray:
    """The inverse CDF of ``q`` (kept within [lo, hi] as in sampling) at ``u`` (shape (n,))."""
    if isinstance(q, Fixed):
        return np.full(u.shape, q.value)
    if isinstance(q, Normal):
        with np.errstate(over="ignore"):  # a tiny sd: the bounds are +-inf, as they should
            a, b = (lo - q.mean) / q.sd, (hi - q.mean) / q.sd
        from scipy import stats

        return stats.truncnorm.ppf(u, a, b, loc=q.mean, scale=q.sd)
    if isinstance(q, Uniform):
        return q.low + u * (q.high - q.low)
    if q.low == q.high:
        return np.full(u.shape, q.low)
    c = (q.mode - q.low) / (q.high - q.low)
    from scipy import stats

    return stats.triang.ppf(u, c, loc=q.low, scale=q.high - q.low)


def _compile(
    scenario: Scenario,
    draws: int,
    rng: np.random.Generator | None,
    matrix: DesignMatrix | None = None,
) -> NegotiationInputs:
    actors, issues = scenario.actors, scenario.issues
    n_a, n_i = len(actors), len(issues)
    lower = np.array([i.scale[0] for i in issues], dtype=float)
    upper = np.array([i.scale[1] for i in issues], dtype=float)
    reference = np.array(
        [np.nan if i.reference_point is None else i.reference_point for i in issues]
    )
    positions = np.broadcast_to((lower + upper) / 2, (draws, n_a, n_i)).copy()
    salience = np.zeros((draws, n_a, n_i))
    capability = np.zeros((draws, n_a, n_i))
    present = np.zeros((n_a, n_i), dtype=bool)

    def value(q: Quantity, lo: float, hi: float, name: str) -> np.ndarray:
        if rng is None:
            return np.full(draws, q.nominal)
        values = sample_quantity(q, draws, rng, lo, hi)
        u = matrix.get(name, draws) if matrix is not None and not isinstance(q, Fixed) else None
        return values if u is None else quantile(q, u, lo, hi)

    for a, actor in enumerate(actors):
        base_cap = value(actor.capability_value, 0.0, np.inf, f"capability of {actor.id}")
        capability[:, a, :] = base_cap[:, None]
        entries = scenario.positions.get(actor.id, {})
        for k, issue in enumerate(issues):
            entry = entries.get(issue.id)
            if entry is None:
                continue
            present[a, k] = True
            where = f"{actor.id} on {issue.id}"
            positions[:, a, k] = value(entry.position, lower[k], upper[k], f"position of {where}")
            salience[:, a, k] = value(entry.salience, 0.0, 1.0, f"salience of {where}")
            if entry.capability is not None:
                capability[:, a, k] = value(entry.capability, 0.0, np.inf, f"capability of {where}")
    return NegotiationInputs(
        positions=positions,
        salience=salience,
        capability=capability,
        present=present,
        lower=lower,
        upper=upper,
        reference=reference,
        actor_ids=tuple(a.id for a in actors),
        issue_ids=tuple(i.id for i in issues),
    )


def nominal_inputs(scenario: Scenario) -> NegotiationInputs:
    """The scenario at its nominal values, as a batch of one draw."""
    return _compile(scenario, 1, None)


def sample_inputs(
    scenario: Scenario,
    draws: int,
    rng: np.random.Generator,
    matrix: DesignMatrix | None = None,
) -> NegotiationInputs:
    """``draws`` joint draws of the scenario's uncertain positions, saliences, capabilities
    (a quantity the ``matrix`` names takes its quantiles instead; the generator is consumed
    alike either way)."""
    if draws < 1:
        raise ParameterError(f"draws must be a positive integer; got {draws}")
    return _compile(scenario, draws, rng, matrix)
