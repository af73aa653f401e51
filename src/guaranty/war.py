"""The war of a scenario: its ``war`` section turned into draws of the battlefield model.

Each parameter the scenario gives (a number or a distribution, with its source) is drawn
independently per draw; parameters it does not give keep the model's documented defaults
(``docs/models/war.md``). Parameters that cannot be negative (forces, rates, costs, noise,
...) are drawn truncated at 0; the front, optimism, reservation premia and red lines are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from guaranty.errors import ScenarioError
from guaranty.models.war.battlefield import OUTCOMES, WarParams, WarResult, simulate_war
from guaranty.scenario.compile import sample_quantity
from guaranty.scenario.schema import Scenario

__all__ = ["WarSummary", "run_war"]

_SIGNED = frozenset(
    {
        "front0",
        "front_min",
        "optimism_a",
        "optimism_b",
        "reservation_a",
        "reservation_b",
        "red_line_a",
        "red_line_b",
        "red_line_shift_a",
        "red_line_shift_b",
    }
)


@dataclass(frozen=True)
class WarSummary:
    """The war over draws: the raw result and its summary."""

    result: WarResult
    draws: int
    seed: int | tuple[int, ...]
    level: float
    #: the sampled parameters, name -> array of shape (draws,) (only those the scenario gives)
    params: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def initial_forces(self) -> tuple[np.ndarray, np.ndarray]:
        """A's and B's forces at month 0, arrays of shape (draws,)."""
        defaults = WarParams()
        a = self.params.get("force_a", np.full(self.draws, defaults.force_a))
        b = self.params.get("force_b", np.full(self.draws, defaults.force_b))
        return np.asarray(a, dtype=float), np.asarray(b, dtype=float)

    def outputs(self) -> dict[str, np.ndarray]:
        """Per-draw outputs for claims (``war.NAME``). ``p_*`` are shares over all draws,
        repeated in every draw: statements about the whole distribution of outcomes."""
        r = self.result
        out: dict[str, np.ndarray] = {
            "front": r.front.astype(float),
            "end_month": r.end_month.astype(float),
        }
        frozen = r.outcome == OUTCOMES.index("frozen")
        decisive = (r.outcome == OUTCOMES.index("decisive_a")) | (
            r.outcome == OUTCOMES.index("decisive_b")
        )
        settled = r.outcome == OUTCOMES.index("settlement")
        for name, flag in (("frozen", frozen), ("decisive", decisive), ("settlement", settled)):
            out[name] = flag.astype(float)
            out[f"p_{name}"] = np.full(self.draws, flag.mean())
        return out

    def to_json(self) -> dict[str, Any]:
        r = self.result
        lo, hi = (1 - self.level) / 2, (1 + self.level) / 2
        shares = {name: float(np.mean(r.outcome == code)) for code, name in enumerate(OUTCOMES)}
        ended = r.outcome != OUTCOMES.index("frozen")
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed if isinstance(self.seed, int) else list(self.seed),
            "outcomes": shares,
            "end_month": {
                "median": float(np.median(r.end_month[ended])) if ended.any() else None,
                "interval": [float(q) for q in np.quantile(r.end_month[ended], [lo, hi])]
                if ended.any()
                else None,
            },
            "front": {
                "median": float(np.median(r.front)),
                "interval": [float(q) for q in np.quantile(r.front, [lo, hi])],
            },
        }
        settled = r.outcome == OUTCOMES.index("settlement")
        if settled.any():
            out["settlement_terms"] = {
                "median": float(np.median(r.terms[settled])),
                "interval": [float(q) for q in np.quantile(r.terms[settled], [lo, hi])],
            }
        return out


def run_war(
    scenario: Scenario, *, draws: int = 2000, seed: int | Sequence[int] = 0, level: float = 0.9
) -> WarSummary:
    """Simulate the scenario's war ``draws`` times (seeded; ``seed`` is the entropy of a
    ``numpy.random.SeedSequence``, an integer or a sequence of them)."""
    if scenario.war is None:
        raise ScenarioError(
            "the scenario has no 'war' section (the battlefield model's parameters with their "
            "sources); see docs/scenario-format.md",
            field="war",
        )
    settings = scenario.war
    s_params, s_war = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(s_params)
    values: dict[str, Any] = {}
    for name, q in sorted(settings.parameters.items()):
        lo = -np.inf if name in _SIGNED else 0.0
        values[name] = sample_quantity(q, draws, rng, lo, np.inf)
    params = WarParams(**values, horizon=settings.horizon, planning=settings.planning)
    result = simulate_war(params, draws, np.random.default_rng(s_war))
    seed = seed if isinstance(seed, int) else tuple(seed)
    return WarSummary(result=result, draws=draws, seed=seed, level=level, params=values)
