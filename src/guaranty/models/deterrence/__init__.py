"""Deterrence of a renewed attack after a settlement (see :mod:`.renewal`)."""

from guaranty.models.deterrence.renewal import RenewalResult, renewal_risk

__all__ = ["RenewalResult", "renewal_risk"]
