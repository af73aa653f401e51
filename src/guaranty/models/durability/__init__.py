"""Durability models: how long the peace lasts after a war or a ceasefire, and what keeps it.

:mod:`guaranty.models.durability.survival` fits a Weibull (or exponential) proportional-
hazards model with right censoring, and turns parameter draws into P(peace holds for T
years): with covariates that change once (:func:`survival_switch`: a guarantee that takes
effect later; the pipeline's use, on the peace after inter-state wars), or with a third-party
presence and its credibility as a mixture (:func:`survival_probability`, on Fortna's
civil-war ceasefires), and simulated durations. Nothing is registered globally; this is a
plain module API. The models do no I/O: the caller passes the data, e.g.
``fit_survival(*guaranty.data.peace.postwar_spells().survival_data(COVS), COVS)``.
"""

from __future__ import annotations

from guaranty.models.durability import survival as _survival
from guaranty.models.durability.survival import *  # noqa: F403 (the names of its __all__)

__all__ = list(_survival.__all__)
