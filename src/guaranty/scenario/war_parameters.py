"""The parameters of the battlefield model a scenario's ``war.parameters`` may set: each
name with the model's default and its domain, declared here so that the scenario layer needs
nothing of the models (the data flow is scenario -> compile -> models -> pipeline).

The list mirrors the fields of ``guaranty.models.war.battlefield.WarParams`` other than
``horizon`` and ``planning`` (whole numbers, set in the ``war`` section itself); a test
(``tests/scenario/test_war_parameters.py``) checks the two against each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from guaranty.scenario.actors import Issue, IssueRole

__all__ = [
    "SIGNED_WAR_PARAMETERS",
    "WAR_PARAMETERS",
    "WarDomain",
    "describe_bounds",
    "neutral_front0",
    "war_bounds",
    "war_defaults",
    "war_domain",
]

WarDomain = Literal[
    "signed", "nonnegative", "positive", "unit", "breaking", "discount", "line", "floor"
]
"""Where a war parameter may lie, as the battlefield kernel checks it
(``guaranty.models.war.battlefield``): any finite value (``signed``: optimism, reservation
premia, red lines and their shifts), at 0 and above (``nonnegative``: rates, flows, costs,
noise, fog), above 0 (``positive``: the forces, the prior spreads, the front's speed, in
whose units the costs and premia are measured), within [0, 1] (``unit``: A's share of the
bargaining range), within [0, 1) (``breaking``: the breaking points), within (0, 1]
(``discount``), at 100 or below (``line``: the line at the start, which must also lie at or
above the floor) or below 100 (``floor``: the lowest line, ``front_min``). ``guaranty.war``
draws each truncated to its domain."""

#: (name, the model's default, domain) of every war parameter, in the kernel's order.
WAR_PARAMETERS: tuple[tuple[str, float, WarDomain], ...] = (
    ("force_a", 300.0, "positive"),
    ("force_b", 200.0, "positive"),
    ("alpha", 0.037, "nonnegative"),
    ("beta", 0.055, "nonnegative"),
    ("noise", 0.3, "nonnegative"),
    ("fog", 0.5, "nonnegative"),
    ("mobilisation_a", 15.0, "nonnegative"),
    ("mobilisation_b", 20.0, "nonnegative"),
    ("aid_a", 5.0, "nonnegative"),
    ("aid_b", 1.0, "nonnegative"),
    ("collapse_a", 0.35, "breaking"),
    ("collapse_b", 0.35, "breaking"),
    ("front0", 0.0, "line"),
    ("front_min", -50.0, "floor"),
    ("front_speed", 8.0, "positive"),
    ("cost_a", 0.5, "nonnegative"),
    ("cost_b", 0.5, "nonnegative"),
    ("discount", 0.99, "discount"),
    ("optimism_a", 0.5, "signed"),
    ("optimism_b", 0.5, "signed"),
    ("prior_sd_a", 0.5, "positive"),
    ("prior_sd_b", 0.5, "positive"),
    ("weight_a", 0.5, "unit"),
    ("reservation_a", 0.0, "signed"),
    ("reservation_b", 0.0, "signed"),
    ("red_line_a", math.nan, "signed"),
    ("red_line_b", math.nan, "signed"),
    ("red_line_shift_a", 0.0, "signed"),
    ("red_line_shift_b", 0.0, "signed"),
)

_DOMAIN: dict[str, WarDomain] = {name: kind for name, _, kind in WAR_PARAMETERS}

#: domain -> (low, high, low excluded, high excluded); None: unbounded on that side
_BOUNDS: dict[WarDomain, tuple[float | None, float | None, bool, bool]] = {
    "signed": (None, None, False, False),
    "nonnegative": (0.0, None, False, False),
    "positive": (0.0, None, True, False),
    "unit": (0.0, 1.0, False, False),
    "breaking": (0.0, 1.0, False, True),
    "discount": (0.0, 1.0, True, False),
    "line": (None, 100.0, False, False),
    "floor": (None, 100.0, False, True),
}

#: War parameters that may be negative: the front and its floor, optimism, reservation
#: premia, red lines and their shifts (every other one is bounded below by 0;
#: ``guaranty.war`` draws each parameter truncated to its domain).
SIGNED_WAR_PARAMETERS = frozenset(
    name for name, _, kind in WAR_PARAMETERS if _BOUNDS[kind][0] is None
)


def war_defaults() -> dict[str, float]:
    """Name -> the model's default of every war parameter (NaN: a red line not drawn)."""
    return {name: default for name, default, _ in WAR_PARAMETERS}


def war_domain(name: str) -> tuple[float | None, float | None]:
    """The range ``(low, high)`` of the war parameter ``name`` (None: unbounded), its ends
    included or not as :func:`war_bounds` says: the signed ones may take any finite value,
    shares lie within [0, 1], the line at most at 100, the others cannot be negative."""
    lo, hi, _, _ = _BOUNDS[_DOMAIN.get(name, "nonnegative")]
    return lo, hi


def war_bounds(name: str) -> tuple[float | None, float | None, bool, bool]:
    """``(low, high, low excluded, high excluded)`` of the war parameter ``name``: its range
    as the battlefield kernel checks it (None: unbounded on that side)."""
    return _BOUNDS[_DOMAIN.get(name, "nonnegative")]


def describe_bounds(name: str) -> str:
    """The range of ``name`` in words, after "must lie" in an error message: "above 0",
    "at or above 0", "within [0, 1)", "below 100"."""
    lo, hi, lo_open, hi_open = war_bounds(name)
    if lo is not None and hi is not None:
        return f"within {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"above {lo:g}" if lo_open else f"at or above {lo:g}"
    if hi is not None:
        return f"below {hi:g}" if hi_open else f"at or below {hi:g}"
    return "anywhere (any finite number)"


def neutral_front0(issues: Sequence[Issue]) -> float:
    """The line at the start a scenario's war inherits when it does not give ``front0``: its
    territory issue's reference point rescaled to the war's 0-100 line, else 50 (the
    middle)."""
    issue = next((i for i in issues if i.role == IssueRole.territory), None)
    if issue is not None and issue.reference_point is not None:
        lo, hi = issue.scale
        return 100.0 * (issue.reference_point - lo) / (hi - lo)
    return 50.0
