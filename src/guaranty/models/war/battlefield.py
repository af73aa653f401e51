"""A stochastic battlefield in monthly steps, ending in a settlement, a collapse, or not at all.

Side A is the defender (Ukraine), side B the attacker (Russia). Per draw the state is the
forces A_t, B_t (thousand troop-equivalents), the front line x_t on the scenario's territory
scale (share of the land occupied in mid-2022 that is back under A, 0-100; below 0 means B
holds more than in mid-2022) and each side's normal belief N(m_i, 1/tau_i) about the balance
phi = log(alpha / beta), the log ratio of the two sides' Lanchester effectiveness.

Month t (t = 1, ..., horizon):

1. Effectiveness with noise: alpha_t = alpha exp(sigma e_A - sigma^2 / 2), likewise beta_t
   with e_B; e_A, e_B standard normal.
2. Forces follow the Lanchester square law dA/ds = -beta_t B + r_A, dB/ds = -alpha_t A + r_B
   over the month (s in [0, 1]), solved exactly with g = sqrt(alpha_t beta_t):
       A_t = cosh(g) A - beta_t S B + S r_A - beta_t Q r_B
       B_t = cosh(g) B - alpha_t S A + S r_B - alpha_t Q r_A
   with S = sinh(g) / g, Q = (cosh(g) - 1) / g^2 and r_i = mobilisation_i + aid_i(t); forces
   are floored at 0. With r = 0 this is the closed form A(t) = A0 cosh(g t) - sqrt(beta /
   alpha) B0 sinh(g t).
3. The front moves by kappa tanh(s_t / 2), s_t = log(alpha_t A^2 / (beta_t B^2)) the log ratio
   of the square law's fighting strengths at the start of the month (= the log ratio of the
   two sides' fractional losses); it is clipped to [front_min, 100].
4. Both sides see the month's battle outcome y_t = log(alpha_t / beta_t) + fog xi (xi standard
   normal), i.e. phi plus noise of variance v = 2 sigma^2 + fog^2, and update by Bayes:
       tau_i <- tau_i + 1 / v,   m_i <- m_i + (y_t - m_i) / (v tau_i).
5. Collapse: A collapses when A_t < collapse_a A_0 (decisive win of B), B when
   B_t < collapse_b B_0 (decisive win of A).
6. Bargaining. Side i expects the front to drift by d_i = kappa tanh((m_i + 2 log(A_t/B_t))/2)
   a month and values fighting on for `planning` more months, in units of the line, as
       V_A = clip(x_t + d_A D, front_min, 100) - c_A D      (A wants the line high)
       V_B = clip(x_t + d_B D, front_min, 100) + c_B D      (B wants the line low)
   with D = sum_{k=1..planning} discount^k the discounted months ahead. A accepts a line y
   with y >= V_A + rho_A, B one with y <= V_B - rho_B, rho_i the side's reservation premium
   plus its red-line shift when the red line is crossed (for A: x_t <= red_line_a; for B:
   x_t >= red_line_b; a negative shift removes the premium at most, down to
   min(reservation, 0)). When low = max(V_A + rho_A, front_min) <= high = min(V_B - rho_B, 100)
   a bargaining range is open: the war ends in a settlement on the line
   y = low + weight_a (high - low), which lies inside both sides' acceptance sets.
7. Ceasefire. When no settlement is acceptable but both sides prefer holding the current line
   to fighting on (V_A <= x_t <= V_B: neither expects to gain more than fighting costs it), the
   fighting stops on the current line and the political issues stay open: a frozen conflict
   (an armistice such as Korea 1953 or the Donbas lines of 2015-22; Fortna 2004). The premia
   rho_i are what a settlement asks of a side beyond the line (recognition, indivisible
   claims, commitment problems); a ceasefire asks none of it. With zero premia a ceasefire
   never happens: whenever it would, a settlement is open.
8. A war that neither settles, freezes nor collapses within the horizon is still going on.

The month loop is compiled with numba (:mod:`._battle_kernel`): each draw runs on its own
and stops in the month its war ends.

Choices
-------
* Filson & Werner (2002, AJPS 46(4), 819-837) model one-sided uncertainty about the
  defender's type (two types) and Bernoulli battles whose outcomes move a finite resource
  pool; offers are take-it-or-leave-it. Here both sides are uncertain about a continuous
  balance phi and hold different priors (mutual optimism, ``optimism_a`` and ``optimism_b``
  away from the true phi), both observe the same public battle outcomes, and the deal splits
  the bargaining range by ``weight_a`` rather than going wholly to a proposer
  (weight_a = 1 or 0 gives F&W's proposer-takes-the-range limit). What carries over is the
  mechanism: fighting reveals the balance, beliefs converge, and a range opens once the
  remaining optimism gap is smaller than the costs of war (F&W Proposition 1 and sec. 3).
* Expected values use each side's belief mean (certainty equivalent) and a linear projection
  of the front over a planning window, not a full dynamic-programming value; future
  replenishment and collapse are not in the projection (a collapse shows as a drift to the
  edge of the line). Territory is valued linearly; the cost of war is in points of the line
  per month.
* Lanchester's square law is applied to the whole theatre, with replenishment as a constant
  inflow within the month; the monthly solution is exact for the month's coefficients, so
  with noise 0 it reproduces the closed form.
* The red line depends on the current line (the shift applies while the line is past the
  threshold and lapses if the line falls back), it does not latch.
* Settlement is checked only after a month of fighting (the war is under way at month 0), and
  a collapse in a month takes precedence over a settlement in that month; if both sides
  collapse in the same month, the one further below its breaking point loses.
* The front is bounded below by ``front_min`` (B's furthest plausible gains, a modelling
  floor), and reaching 100 does not end the war by itself. Outputs on the scenario scale are
  clipped to [0, 100]; ``front_raw`` keeps the unclipped line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from guaranty.errors import ModelError

__all__ = [
    "DECISIVE_A",
    "DECISIVE_B",
    "FROZEN",
    "ONGOING",
    "OUTCOMES",
    "SETTLEMENT",
    "WarParams",
    "WarResult",
    "simulate_war",
]

SETTLEMENT, DECISIVE_A, DECISIVE_B, FROZEN, ONGOING = 0, 1, 2, 3, 4
OUTCOMES = ("settlement", "decisive_a", "decisive_b", "frozen", "ongoing")

_CHUNK = 8192

ArrayLike = float | np.ndarray


@dataclass(frozen=True)
class WarParams:
    """Parameters of :func:`simulate_war`, with the Ukraine-2022 defaults of docs/models/war.md.

    Every float field is a number or an array of shape (draws,) (one value per draw, so
    uncertain inputs can be passed as draws); ``aid_a`` and ``aid_b`` may also have shape
    (draws, horizon) or (1, horizon) for flows that change over time. ``horizon`` and
    ``planning`` are integers. Forces are in thousand troop-equivalents; the front, the
    costs, reservation premia and red lines are in points of the territory scale (0-100);
    ``alpha``, ``beta`` and the flows are per month. Sources are in docs/models/war.md.
    """

    force_a: ArrayLike = 300.0  # A's forces at month 0
    force_b: ArrayLike = 200.0  # B's forces at month 0
    alpha: ArrayLike = 0.037  # B's losses per month per unit of A
    beta: ArrayLike = 0.055  # A's losses per month per unit of B
    noise: ArrayLike = 0.3  # sigma: sd of the monthly log-effectiveness shocks
    fog: ArrayLike = 0.5  # sd of the observation noise on the battle outcome
    mobilisation_a: ArrayLike = 15.0  # A's own replenishment per month
    mobilisation_b: ArrayLike = 20.0  # B's own replenishment per month
    aid_a: ArrayLike = 5.0  # replenishment from partners' arms flows to A, per month
    aid_b: ArrayLike = 1.0  # replenishment from partners' arms flows to B, per month
    collapse_a: ArrayLike = 0.35  # A breaks below this share of its initial forces
    collapse_b: ArrayLike = 0.35  # B breaks below this share of its initial forces
    front0: ArrayLike = 0.0  # the line at month 0 (mid-2022 = 0 by the scale's definition)
    front_min: ArrayLike = -50.0  # floor of the line (B's furthest gains)
    front_speed: ArrayLike = 8.0  # kappa: the most the line moves in a month
    cost_a: ArrayLike = 0.5  # A's cost of a month of war, in points of the line
    cost_b: ArrayLike = 0.5  # B's cost of a month of war, in points of the line
    discount: ArrayLike = 0.99  # monthly discount factor
    planning: int = 12  # months ahead each side projects when valuing fighting on
    optimism_a: ArrayLike = 0.5  # A's prior mean of phi minus the true phi
    optimism_b: ArrayLike = 0.5  # the true phi minus B's prior mean of phi
    prior_sd_a: ArrayLike = 0.5  # sd of A's prior on phi
    prior_sd_b: ArrayLike = 0.5  # sd of B's prior on phi
    weight_a: ArrayLike = 0.5  # A's share of the bargaining range
    reservation_a: ArrayLike = 0.0  # A's premium over its value of fighting
    reservation_b: ArrayLike = 0.0  # B's premium over its value of fighting
    red_line_a: ArrayLike = math.nan  # A's premium shifts while x <= this (NaN: none)
    red_line_b: ArrayLike = math.nan  # B's premium shifts while x >= this (NaN: none)
    red_line_shift_a: ArrayLike = 0.0  # added to A's premium past its red line
    red_line_shift_b: ArrayLike = 0.0  # added to B's premium past its red line
    horizon: int = 60  # months simulated


@dataclass(frozen=True)
class WarResult:
    """Outcome of :func:`simulate_war` per draw.

    Attributes
    ----------
    outcome : int8 array of shape (draws,)
        ``SETTLEMENT`` (0), ``DECISIVE_A`` (1, B collapsed), ``DECISIVE_B`` (2, A collapsed),
        ``FROZEN`` (3, a ceasefire on the current line that leaves the issues open) or
        ``ONGOING`` (4, still fighting at the horizon); names in ``OUTCOMES``.
    end_month : int array of shape (draws,)
        Month the fighting stopped (1..horizon); the horizon if still going on.
    front : array of shape (draws,)
        The line at the end on the scenario's territory scale, clipped to [0, 100].
    front_raw : array of shape (draws,)
        The same line, unclipped, in [front_min, 100].
    terms : array of shape (draws,)
        Where the settled line runs on the territory scale (clipped to [0, 100]): the
        settlement's line, 100 for a decisive win of A, 0 for a decisive win of B, NaN if
        frozen or still going on (a ceasefire line is ``front``, not agreed terms).
    range_low, range_high : arrays of shape (draws,)
        The bargaining range of a settlement (clipped to [0, 100] like ``terms``): the lowest
        line A accepts and the highest B accepts in the month of the settlement; NaN for
        every other ending. ``range_low <= terms <= range_high`` in every settled draw.
    forces : array of shape (draws, 2)
        Forces of A and B at the end.
    beliefs : array of shape (draws, 2)
        A's and B's belief means about phi = log(alpha / beta) at the end.
    front_path, force_path, belief_path : arrays of shape (draws, horizon + 1[, 2]) or None
        Month-by-month paths (month 0 first; after the end the state stays put), only with
        ``keep_paths=True``.
    """

    outcome: np.ndarray
    end_month: np.ndarray
    front: np.ndarray
    front_raw: np.ndarray
    terms: np.ndarray
    range_low: np.ndarray
    range_high: np.ndarray
    forces: np.ndarray
    beliefs: np.ndarray
    front_path: np.ndarray | None = None
    force_path: np.ndarray | None = None
    belief_path: np.ndarray | None = None


def _bad(name: str, what: str, got: object) -> ModelError:
    return ModelError(f"parameter {name} of WarParams must be {what}; got {got!r}")


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise _bad(name, "an integer >= 1", value)
    return int(value)


# name -> (lowest, highest, lowest is inclusive, description); None = unbounded
_BOUNDS: dict[str, tuple[float | None, float | None, bool, str]] = {
    "force_a": (0.0, None, False, "> 0"),
    "force_b": (0.0, None, False, "> 0"),
    "alpha": (0.0, None, True, ">= 0"),
    "beta": (0.0, None, True, ">= 0"),
    "noise": (0.0, None, True, ">= 0"),
    "fog": (0.0, None, True, ">= 0"),
    "mobilisation_a": (0.0, None, True, ">= 0"),
    "mobilisation_b": (0.0, None, True, ">= 0"),
    "aid_a": (0.0, None, True, ">= 0"),
    "aid_b": (0.0, None, True, ">= 0"),
    "collapse_a": (0.0, 1.0, True, "in [0, 1)"),
    "collapse_b": (0.0, 1.0, True, "in [0, 1)"),
    "front0": (None, 100.0, True, "<= 100 and >= front_min"),
    "front_min": (None, 100.0, True, "< 100"),
    "front_speed": (0.0, None, False, "> 0: the costs and premia are in its units"),
    "cost_a": (0.0, None, True, ">= 0"),
    "cost_b": (0.0, None, True, ">= 0"),
    "discount": (0.0, 1.0, False, "in (0, 1]"),
    "optimism_a": (None, None, True, "finite"),
    "optimism_b": (None, None, True, "finite"),
    "prior_sd_a": (0.0, None, False, "> 0"),
    "prior_sd_b": (0.0, None, False, "> 0"),
    "weight_a": (0.0, 1.0, True, "in [0, 1]"),
    "reservation_a": (None, None, True, "finite"),
    "reservation_b": (None, None, True, "finite"),
    "red_line_a": (None, None, True, "a number or NaN"),
    "red_line_b": (None, None, True, "a number or NaN"),
    "red_line_shift_a": (None, None, True, "finite"),
    "red_line_shift_b": (None, None, True, "finite"),
}


def _prepare(params: WarParams, draws: int) -> tuple[dict[str, np.ndarray], int, int]:
    """Validate the parameters and broadcast each float field to shape (draws,) or (draws, H)."""
    horizon = _check_int("horizon", params.horizon)
    planning = _check_int("planning", params.planning)
    out: dict[str, np.ndarray] = {}
    for f in fields(params):
        name = f.name
        if name in ("horizon", "planning"):
            continue
        value = getattr(params, name)
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise _bad(name, "a number or an array of numbers", value) from None
        if name in ("aid_a", "aid_b"):
            if arr.ndim == 1:
                arr = arr[:, None]
            if arr.ndim > 2 or (
                arr.ndim == 2
                and (arr.shape[0] not in (1, draws) or arr.shape[1] not in (1, horizon))
            ):
                raise _bad(
                    name, f"a number or of shape ({draws},) or ({draws}, {horizon})", arr.shape
                )
            shape: tuple[int, ...] = (draws, horizon)
        else:
            if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != draws):
                raise _bad(name, f"a number or an array of shape ({draws},)", arr.shape)
            shape = (draws,)
        lo, hi, lo_incl, what = _BOUNDS[name]
        nan_ok = name.startswith("red_line_") and "shift" not in name
        finite = np.isfinite(arr) | (np.isnan(arr) if nan_ok else False)
        ok = finite.all()
        vals = arr[np.isfinite(arr)]
        if lo is not None:
            ok = ok and bool(np.all(vals >= lo) if lo_incl else np.all(vals > lo))
        if hi is not None:
            inclusive_hi = name in ("weight_a", "discount", "front0")
            ok = ok and bool(np.all(vals <= hi) if inclusive_hi else np.all(vals < hi))
        if not ok:
            raise _bad(name, what, value)
        out[name] = np.broadcast_to(arr, shape)  # checked before broadcasting: no big copies
    if np.any(out["front0"] < out["front_min"]):
        raise _bad("front0", ">= front_min", params.front0)
    return out, horizon, planning


def simulate_war(
    params: WarParams, draws: int, rng: np.random.Generator, *, keep_paths: bool = False
) -> WarResult:
    """Simulate the war month by month for ``draws`` draws (equations in the module docstring).

    params : WarParams, each field a number or an array of shape (draws,) (aid: also
        (draws, horizon)).
    draws : number of draws (>= 1).
    rng : the generator of the monthly shocks; draw k uses the k-th block of 3 x horizon
        standard normals, so a batch of one reproduces the first draw of a larger batch.
    keep_paths : also return the month-by-month front, forces and beliefs (memory
        draws x (horizon + 1) x 5 floats).

    Returns a :class:`WarResult` whose arrays have leading axis ``draws``.
    """
    draws = _check_int("draws", draws)
    p, horizon, planning = _prepare(params, draws)
    parts = []
    for start in range(0, draws, _CHUNK):
        stop = min(start + _CHUNK, draws)
        z = rng.standard_normal((stop - start, horizon, 3))
        sub = {k: v[start:stop] for k, v in p.items()}
        parts.append(_simulate_chunk(sub, z, horizon, planning, keep_paths))
    if len(parts) == 1:
        return parts[0]
    merged = {}
    for f in fields(WarResult):
        vals = [getattr(r, f.name) for r in parts]
        merged[f.name] = None if vals[0] is None else np.concatenate(vals, axis=0)
    return WarResult(**merged)


def _simulate_chunk(
    p: dict[str, np.ndarray], z: np.ndarray, horizon: int, planning: int, keep_paths: bool
) -> WarResult:
    from guaranty.models.war._battle_kernel import COLUMNS, battles  # loads numba

    n = z.shape[0]
    params = np.stack([np.broadcast_to(p[name], (n,)) for name in COLUMNS], axis=1)
    outcome = np.empty(n, np.int8)
    end_month = np.empty(n, np.int64)
    state = np.empty((n, 5))  # A, B, the line, A's and B's belief
    deal = np.empty((n, 3))  # the terms and the bargaining range
    paths = np.empty((n if keep_paths else 0, horizon + 1, 5))
    battles(
        params,
        np.ascontiguousarray(p["aid_a"], dtype=np.float64),
        np.ascontiguousarray(p["aid_b"], dtype=np.float64),
        np.ascontiguousarray(z, dtype=np.float64),
        planning,
        outcome,
        end_month,
        state,
        deal,
        paths,
    )
    x = state[:, 2]
    return WarResult(
        outcome=outcome,
        end_month=end_month,
        front=np.clip(x, 0.0, 100.0),
        front_raw=x.copy(),
        terms=np.clip(deal[:, 0], 0.0, 100.0),
        range_low=np.clip(deal[:, 1], 0.0, 100.0),
        range_high=np.clip(deal[:, 2], 0.0, 100.0),
        forces=state[:, :2].copy(),
        beliefs=state[:, 3:].copy(),
        front_path=paths[:, :, 2].copy() if keep_paths else None,
        force_path=paths[:, :, :2].copy() if keep_paths else None,
        belief_path=paths[:, :, 3:].copy() if keep_paths else None,
    )
