"""Durability models: how long the peace lasts after a ceasefire, and what keeps it.

:mod:`guaranty.models.durability.survival` fits a Weibull (or exponential) proportional-
hazards model to civil-war ceasefires (Fortna's data, the sample of Regression and Other
Stories) and turns parameter draws into P(peace holds for T years) and simulated durations,
with a third-party presence and the guarantee's credibility as inputs. Nothing is registered
globally; this is a plain module API. The models do no I/O: the caller passes the data, e.g.
``fit_survival(*guaranty.data.peace.fortna_ceasefires().survival_data(COVS), COVS)``.
"""

from __future__ import annotations

from guaranty.models.durability import survival as _survival
from guaranty.models.durability.survival import *  # noqa: F403 (the names of its __all__)

__all__ = list(_survival.__all__)
