"""Synthetic negotiations shared by the benchmarks."""

from __future__ import annotations

import numpy as np

from guaranty.models.bargaining.base import NegotiationInputs


def synthetic_inputs(draws: int, actors: int, issues: int, seed: int = 0) -> NegotiationInputs:
    """Uniform positions on [0, 100], saliences in [0, 1], one capability per actor;
    every actor present. Arrays of shape (draws, actors, issues)."""
    rng = np.random.default_rng(seed)
    return NegotiationInputs(
        positions=rng.uniform(0, 100, (draws, actors, issues)),
        salience=rng.random((draws, actors, issues)),
        capability=rng.random((draws, actors, 1)) * np.ones((1, 1, issues)),
        present=np.ones((actors, issues), dtype=bool),
        lower=np.zeros(issues),
        upper=np.full(issues, 100.0),
        reference=np.full(issues, np.nan),
        actor_ids=tuple(f"a{k:02d}" for k in range(actors)),
        issue_ids=tuple(f"i{k}" for k in range(issues)),
    )
