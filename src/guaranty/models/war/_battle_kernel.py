"""The compiled month-by-month loop of the battlefield (:mod:`.battlefield`), with numba.

Imported by :func:`guaranty.models.war.battlefield.simulate_war` only when it runs, so that
importing the models never loads numba. Compiled once per machine: ``cache=True`` keeps the
machine code beside this file (``__pycache__``).

Each draw runs on its own, in scalars, and stops at the month its war ends (the arrays of
the whole batch ran until the last war of the batch ended); the equations are those of the
module docstring of :mod:`.battlefield`, step by step, in float64.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["COLUMNS", "battles"]

#: the per-draw parameters, in the columns of the matrix :func:`battles` takes
COLUMNS = (
    "force_a",
    "force_b",
    "alpha",
    "beta",
    "noise",
    "fog",
    "front_speed",
    "front_min",
    "front0",
    "optimism_a",
    "optimism_b",
    "prior_sd_a",
    "prior_sd_b",
    "discount",
    "mobilisation_a",
    "mobilisation_b",
    "collapse_a",
    "collapse_b",
    "reservation_a",
    "reservation_b",
    "red_line_a",
    "red_line_b",
    "red_line_shift_a",
    "red_line_shift_b",
    "cost_a",
    "cost_b",
    "weight_a",
)
(
    _FORCE_A,
    _FORCE_B,
    _ALPHA,
    _BETA,
    _NOISE,
    _FOG,
    _SPEED,
    _FRONT_MIN,
    _FRONT0,
    _OPT_A,
    _OPT_B,
    _SD_A,
    _SD_B,
    _DISCOUNT,
    _MOB_A,
    _MOB_B,
    _COLLAPSE_A,
    _COLLAPSE_B,
    _RES_A,
    _RES_B,
    _RED_A,
    _RED_B,
    _SHIFT_A,
    _SHIFT_B,
    _COST_A,
    _COST_B,
    _WEIGHT_A,
) = range(len(COLUMNS))

_TINY = 1e-12
# the outcomes, as in battlefield
_SETTLEMENT, _DECISIVE_A, _DECISIVE_B, _FROZEN, _ONGOING = 0, 1, 2, 3, 4


@numba.njit(cache=True)
def battles(
    p: np.ndarray,
    aid_a: np.ndarray,
    aid_b: np.ndarray,
    z: np.ndarray,
    planning: int,
    outcome: np.ndarray,
    end_month: np.ndarray,
    state: np.ndarray,
    deal: np.ndarray,
    paths: np.ndarray,
) -> None:
    """Every draw's war. p : (draws, len(COLUMNS)); aid_a, aid_b : (draws, horizon);
    z : (draws, horizon, 3) the standard normal shocks. Fills outcome (int8) and end_month
    (int64), state (draws, 5): the forces A and B, the line and both beliefs at the end,
    deal (draws, 3): the terms and the bargaining range (NaN without a settlement), and,
    when it has rows, paths (draws, horizon + 1, 5): the state month by month."""
    draws, horizon = z.shape[0], z.shape[1]
    keep = paths.shape[0] > 0
    for d in range(draws):
        q = p[d]
        discount_sum = 0.0  # D: the discounted months of the planning window
        for k in range(1, planning + 1):
            discount_sum += q[_DISCOUNT] ** k
        phi = math.log(max(q[_ALPHA], _TINY)) - math.log(max(q[_BETA], _TINY))
        s = np.empty(5)  # A, B, the line, A's and B's belief about phi
        s[0], s[1], s[2] = q[_FORCE_A], q[_FORCE_B], q[_FRONT0]
        s[3], s[4] = phi + q[_OPT_A], phi - q[_OPT_B]
        tau_a, tau_b = q[_SD_A] ** -2, q[_SD_B] ** -2
        obs_var = 2.0 * q[_NOISE] ** 2 + q[_FOG] ** 2
        inv_v = 0.0 if obs_var <= 0.0 else 1.0 / obs_var
        outcome[d], end_month[d] = _ONGOING, horizon
        deal[d, 0] = deal[d, 1] = deal[d, 2] = np.nan
        if keep:
            paths[d, 0, :] = s
        for t in range(horizon):
            tau_a += inv_v
            tau_b += inv_v
            _month(q, aid_a[d, t], aid_b[d, t], z[d, t], inv_v, tau_a, tau_b, s)
            ended = _ends(q, s, discount_sum, deal[d])
            if keep:
                for later in range(t + 1, horizon + 1 if ended >= 0 else t + 2):
                    paths[d, later, :] = s
            if ended >= 0:
                outcome[d], end_month[d] = ended, t + 1
                break
        state[d, :] = s


@numba.njit(cache=True)
def _month(
    q: np.ndarray,
    aid_a: float,
    aid_b: float,
    e: np.ndarray,
    inv_v: float,
    tau_a: float,
    tau_b: float,
    s: np.ndarray,
) -> None:
    """One month of fighting (steps 1-4): the forces, the line and the beliefs in ``s``;
    ``tau_a``, ``tau_b`` are the beliefs' precisions after the month."""
    alpha, beta, sigma, fog = q[_ALPHA], q[_BETA], q[_NOISE], q[_FOG]
    a, b, x = s[0], s[1], s[2]
    alpha_t = alpha * math.exp(sigma * e[0] - 0.5 * sigma**2)
    beta_t = beta * math.exp(sigma * e[1] - 0.5 * sigma**2)
    r_a = q[_MOB_A] + aid_a
    r_b = q[_MOB_B] + aid_b
    # 2. the square law over the month, solved exactly
    g2 = alpha_t * beta_t
    g = math.sqrt(g2)
    ch = math.cosh(g)
    if g < 1e-4:
        s_, q_ = 1.0 + g2 / 6.0, 0.5 + g2 / 24.0
    else:
        s_, q_ = math.sinh(g) / g, (ch - 1.0) / g**2
    a_raw = ch * a - beta_t * s_ * b + s_ * r_a - beta_t * q_ * r_b
    b_raw = ch * b - alpha_t * s_ * a + s_ * r_b - alpha_t * q_ * r_a
    # a side wiped out within the month: the survivor keeps what the invariant leaves it
    ratio = beta_t / max(alpha_t, _TINY)
    a_cap = math.sqrt(max(a * a - ratio * b * b, 0.0)) + r_a
    b_cap = math.sqrt(max(b * b - a * a / max(ratio, _TINY), 0.0)) + r_b
    a_new = max(min(a_raw, a_cap) if b_raw < 0.0 else a_raw, 0.0)
    b_new = max(min(b_raw, b_cap) if a_raw < 0.0 else b_raw, 0.0)
    # 3. the front moves with the log ratio of fighting strengths at the month's start
    log_alpha = math.log(max(alpha_t, _TINY))
    log_beta = math.log(max(beta_t, _TINY))
    strength = log_alpha + 2.0 * math.log(max(a, _TINY)) - log_beta
    strength -= 2.0 * math.log(max(b, _TINY))
    x_new = min(max(x + q[_SPEED] * math.tanh(0.5 * strength), q[_FRONT_MIN]), 100.0)
    # 4. both sides update their beliefs on the month's battle outcome
    y = log_alpha - log_beta + fog * e[2]
    if inv_v == 0.0:  # no noise: the balance is seen exactly
        s[3], s[4] = y, y
    else:
        s[3] += (y - s[3]) * inv_v / tau_a
        s[4] += (y - s[4]) * inv_v / tau_b
    s[0], s[1], s[2] = a_new, b_new, x_new


@numba.njit(cache=True)
def _ends(q: np.ndarray, s: np.ndarray, discount_sum: float, deal: np.ndarray) -> int:
    """How the war ends after this month (steps 5-7): an outcome, or -1 if it goes on;
    a settlement's terms and range go into ``deal``."""
    a, b, x = s[0], s[1], s[2]
    a0, b0 = q[_FORCE_A], q[_FORCE_B]
    # 5. collapse (if both break, the one further below its breaking point loses)
    ra = a / (q[_COLLAPSE_A] * a0 + _TINY)
    rb = b / (q[_COLLAPSE_B] * b0 + _TINY)
    broke_a = a < q[_COLLAPSE_A] * a0
    broke_b = b < q[_COLLAPSE_B] * b0
    if broke_a and not (broke_b and rb < ra):
        deal[0] = 0.0
        return _DECISIVE_B
    if broke_b:
        deal[0] = 100.0
        return _DECISIVE_A
    # 6. bargaining
    kappa, front_min = q[_SPEED], q[_FRONT_MIN]
    balance = 2.0 * (math.log(max(a, _TINY)) - math.log(max(b, _TINY)))
    proj_a = x + kappa * math.tanh(0.5 * (s[3] + balance)) * discount_sum
    proj_b = x + kappa * math.tanh(0.5 * (s[4] + balance)) * discount_sum
    proj_a = min(max(proj_a, front_min), 100.0)
    proj_b = min(max(proj_b, front_min), 100.0)
    prem_a = _premium(q[_RES_A], x <= q[_RED_A], q[_SHIFT_A])
    prem_b = _premium(q[_RES_B], x >= q[_RED_B], q[_SHIFT_B])
    value_a = proj_a - q[_COST_A] * discount_sum  # V_A: A's value of fighting on
    value_b = proj_b + q[_COST_B] * discount_sum  # V_B: B's value of fighting on
    low = max(value_a + prem_a, front_min)
    high = min(value_b - prem_b, 100.0)
    if low <= high:
        deal[0] = low + q[_WEIGHT_A] * (high - low)
        deal[1], deal[2] = low, high
        return _SETTLEMENT
    # 7. a ceasefire on the current line when both prefer it to fighting on
    if value_a <= x <= value_b:
        return _FROZEN
    return -1


@numba.njit(cache=True, inline="always")
def _premium(reservation: float, crossed: bool, shift: float) -> float:
    """A side's premium: its reservation, plus the shift while its red line is crossed; a
    negative shift can remove the premium but not push it below min(reservation, 0)."""
    if not crossed:
        return reservation
    return max(reservation + shift, min(reservation, 0.0))
