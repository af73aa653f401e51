"""Negotiation (stakeholder) models, one file per model.

The registry (:mod:`guaranty.models.registry`) imports every module of this package on first
use (except ``base`` and private ones); each model module registers itself with ``@register``.
"""

from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
)

__all__ = ["NegotiationInputs", "NegotiationModel", "NegotiationResult"]
