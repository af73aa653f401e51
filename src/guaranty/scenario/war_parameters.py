"""The parameters of the battlefield model a scenario's ``war.parameters`` may set: each
name with the model's default and its domain, declared here so that the scenario layer needs
nothing of the models (the data flow is scenario -> compile -> models -> pipeline).

The list mirrors the fields of ``guaranty.models.war.battlefield.WarParams`` other than
``horizon`` and ``planning`` (whole numbers, set in the ``war`` section itself); a test
(``tests/scenario/test_war_parameters.py``) checks the two against each other.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = [
    "SIGNED_WAR_PARAMETERS",
    "WAR_PARAMETERS",
    "WarDomain",
    "war_defaults",
    "war_domain",
]

WarDomain = Literal["signed", "unit", "nonnegative"]
"""Where a war parameter may lie: any finite value (``signed``: the front, optimism,
reservation premia, red lines and their shifts), within [0, 1] (``unit``: shares and the
discount factor), or at 0 and above (``nonnegative``: forces, rates, flows, costs, noise,
fog, prior spreads, front speed; ``guaranty.war`` draws them truncated at 0)."""

#: (name, the model's default, domain) of every war parameter, in the kernel's order.
WAR_PARAMETERS: tuple[tuple[str, float, WarDomain], ...] = (
    ("force_a", 300.0, "nonnegative"),
    ("force_b", 200.0, "nonnegative"),
    ("alpha", 0.037, "nonnegative"),
    ("beta", 0.055, "nonnegative"),
    ("noise", 0.3, "nonnegative"),
    ("fog", 0.5, "nonnegative"),
    ("mobilisation_a", 15.0, "nonnegative"),
    ("mobilisation_b", 20.0, "nonnegative"),
    ("aid_a", 5.0, "nonnegative"),
    ("aid_b", 1.0, "nonnegative"),
    ("collapse_a", 0.35, "unit"),
    ("collapse_b", 0.35, "unit"),
    ("front0", 0.0, "signed"),
    ("front_min", -50.0, "signed"),
    ("front_speed", 8.0, "nonnegative"),
    ("cost_a", 0.5, "nonnegative"),
    ("cost_b", 0.5, "nonnegative"),
    ("discount", 0.99, "unit"),
    ("optimism_a", 0.5, "signed"),
    ("optimism_b", 0.5, "signed"),
    ("prior_sd_a", 0.5, "nonnegative"),
    ("prior_sd_b", 0.5, "nonnegative"),
    ("weight_a", 0.5, "unit"),
    ("reservation_a", 0.0, "signed"),
    ("reservation_b", 0.0, "signed"),
    ("red_line_a", math.nan, "signed"),
    ("red_line_b", math.nan, "signed"),
    ("red_line_shift_a", 0.0, "signed"),
    ("red_line_shift_b", 0.0, "signed"),
)

#: War parameters that may be negative: the front, optimism, reservation premia, red lines
#: and their shifts (``guaranty.war`` draws every other parameter truncated at 0).
SIGNED_WAR_PARAMETERS = frozenset(name for name, _, kind in WAR_PARAMETERS if kind == "signed")

_DOMAIN: dict[str, WarDomain] = {name: kind for name, _, kind in WAR_PARAMETERS}
_BOUNDS: dict[WarDomain, tuple[float | None, float | None]] = {
    "signed": (None, None),
    "unit": (0.0, 1.0),
    "nonnegative": (0.0, None),
}


def war_defaults() -> dict[str, float]:
    """Name -> the model's default of every war parameter (NaN: a red line not drawn)."""
    return {name: default for name, default, _ in WAR_PARAMETERS}


def war_domain(name: str) -> tuple[float | None, float | None]:
    """The admissible range ``(low, high)`` of the war parameter ``name`` (None: unbounded):
    the signed ones may take any finite value, shares and the discount factor lie within
    [0, 1], the others cannot be negative."""
    return _BOUNDS[_DOMAIN.get(name, "nonnegative")]
