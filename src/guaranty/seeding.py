"""Named random streams of the chain from the war to the peace.

Every random number of a pipeline run comes from a ``numpy.random.SeedSequence`` whose
entropy is (seed, block, stream[, sub-stream]): block ``b`` of a run with seed ``s`` draws
stream ``k`` from ``SeedSequence([s, b, k])``. The streams are named here, once, so that a
stage never shares or reuses another's numbers by accident, and so that adding a stream
never moves the draws of the others (docs/store.md, "Randomness").
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np

__all__ = ["Stream", "entropy", "generator"]


class Stream(IntEnum):
    """The streams of one block (their numbers are part of the stored draws: never renumber)."""

    INPUTS = 0  #: the negotiation inputs (positions, saliences, capabilities)
    WAR = 1  #: the war's uncertain parameters and the battlefield
    NEGOTIATION = 2  #: the negotiation model's own randomness
    LEVELS = 3  #: the designs' uncertain levels on the guarantee ladder
    CREDIBILITY = 4  #: credibility and deterrence: coefficients, circumstances, latent draws
    DURABILITY = 5  #: durability of the peace
    PEACE_MODEL = 8  #: within DURABILITY: the peace model's posterior draw


def entropy(base: int | Sequence[int], stream: Stream) -> list[int]:
    """The entropy of ``stream`` under ``base`` (a seed, or the entropy of an outer stream)."""
    head = [int(base)] if isinstance(base, int | np.integer) else [int(b) for b in base]
    return [*head, int(stream)]


def generator(base: int | Sequence[int], stream: Stream) -> np.random.Generator:
    """A generator of ``stream`` under ``base``."""
    return np.random.default_rng(np.random.SeedSequence(entropy(base, stream)))
