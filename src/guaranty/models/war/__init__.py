"""War models: the battlefield process that decides when both sides prefer a deal, and where.

:func:`~guaranty.models.war.battlefield.simulate_war` runs a stochastic Lanchester war with
learning about the balance of power (after Filson & Werner 2002) over a leading draw axis and
returns, per draw, how the war ended (settlement, decisive win of either side, a ceasefire
that leaves the issues open, or still fighting at the horizon), when, and where the line
runs (docs/models/war.md).
"""

from __future__ import annotations

from guaranty.models.war import battlefield as _battlefield
from guaranty.models.war.battlefield import *  # noqa: F403 (the names of its __all__)

__all__ = list(_battlefield.__all__)
