"""Negotiation (stakeholder) models, one file per model.

The registry (:mod:`guaranty.models.registry`) imports the modules listed in its
``BUILTIN`` tuple on first use; each registers itself with ``@register``.
"""

from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
)

__all__ = ["NegotiationInputs", "NegotiationModel", "NegotiationResult"]
