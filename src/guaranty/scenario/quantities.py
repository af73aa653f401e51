"""Numbers with uncertainty and a source: a fixed value or a normal, uniform or triangular
distribution (:data:`Uncertain`), as every uncertain input of a scenario is written.

Each quantity has a ``nominal`` value (the centre the nominal run uses), a ``support`` (the
interval the range checks of :mod:`guaranty.scenario.references` test) and a short
``describe()`` form; :mod:`guaranty.scenario.compile` samples them.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BeforeValidator, Discriminator, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from guaranty.scenario.base import Num, Strict

__all__ = [
    "Fixed",
    "Normal",
    "Quantity",
    "Triangular",
    "Uncertain",
    "Uniform",
    "as_quantity",
    "describe",
]

#: The most distinct fixed numbers one validation shares (see ``Fixed._shared``).
SHARED_FIXED = 1 << 16


class _Quantity(Strict):
    """What every quantity offers: a nominal value, a support and a short description.

    A subclass names the field that holds its nominal value (``_centre``) and the format of
    its description over its fields (``_form``)."""

    _centre: ClassVar[str]
    _form: ClassVar[str]

    @property
    def nominal(self) -> float:
        """The value of the nominal run (the centre of a distribution)."""
        return getattr(self, self._centre)

    @property
    def support(self) -> tuple[float, float]:
        """The interval ``(low, high)`` the range checks test: here the nominal value alone
        (a normal distribution is truncated to its range when sampled: only its centre is
        checked)."""
        return (self.nominal, self.nominal)

    def describe(self) -> str:
        """A short human-readable form: ``0.4``, ``N(40, sd 10)``, ``U[20, 60]``."""
        return self._form.format_map(self.__dict__)


class Fixed(_Quantity):
    """A known number."""

    dist: Literal["fixed"] = "fixed"
    value: Num
    source: str | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _shared(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        # A big table repeats the same few numbers: validated with a context that holds a
        # ``"fixed"`` dict (see :func:`validate_scenario`), equal plain numbers share one
        # (frozen) Fixed instead of costing 500 bytes each.
        cache = info.context.get("fixed") if isinstance(info.context, dict) else None
        if cache is None or type(data) is not dict or not 2 <= len(data) <= 3:
            return handler(data)
        value, source = data.get("value"), data.get("source")
        if (
            data.get("dist") != "fixed"
            or type(value) not in (int, float)
            or not (source is None or type(source) is str)
            or len(data) != 2 + ("source" in data)
        ):
            return handler(data)
        sign = math.copysign(1.0, value) if type(value) is float else 0.0  # -0.0 apart
        key = (type(value), value, sign, source, "source" in data)
        hit = cache.get(key)
        if hit is None:
            hit = handler(data)
            if len(cache) < SHARED_FIXED:
                cache[key] = hit
        return hit

    _centre: ClassVar[str] = "value"
    _form: ClassVar[str] = "{value:.4g}"


class Normal(_Quantity):
    """A normal distribution (truncated to the quantity's admissible range when sampled)."""

    dist: Literal["normal"]
    mean: Num
    sd: Num = Field(gt=0)
    source: str | None = None

    _centre: ClassVar[str] = "mean"
    _form: ClassVar[str] = "N({mean:.4g}, sd {sd:.3g})"


class _Interval(_Quantity):
    """A distribution on [low, high] (its subclasses' fields ``low``, ``high`` and maybe
    ``mode``), checked to be in order."""

    @model_validator(mode="after")
    def _order(self) -> Self:
        rule = self._broken_rule()
        if rule is not None:
            bounds = {k: getattr(self, k) for k in ("low", "mode", "high") if hasattr(self, k)}
            raise PydanticCustomError("bounds", rule, bounds)
        return self

    def _broken_rule(self) -> str | None:
        """The message (a template over the bounds) if the bounds are out of order."""
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)  # type: ignore[attr-defined]


class Uniform(_Interval):
    """A uniform distribution on [low, high]."""

    dist: Literal["uniform"]
    low: Num
    high: Num
    source: str | None = None

    def _broken_rule(self) -> str | None:
        if self.low < self.high:
            return None
        return "low must be below high; got low={low}, high={high}"

    _form: ClassVar[str] = "U[{low:.4g}, {high:.4g}]"

    @property
    def nominal(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Interval):
    """A triangular distribution with bounds low, high and the most likely value mode."""

    dist: Literal["triangular"]
    low: Num
    mode: Num
    high: Num
    source: str | None = None

    def _broken_rule(self) -> str | None:
        if self.low <= self.mode <= self.high and self.low < self.high:
            return None
        return "need low <= mode <= high and low < high; got {low}, {mode}, {high}"

    _centre: ClassVar[str] = "mode"
    _form: ClassVar[str] = "Tri[{low:.4g}, {mode:.4g}, {high:.4g}]"


def as_quantity(value: Any) -> Any:
    """Accept a bare number as ``Fixed``; a mapping without ``dist`` is fixed too."""
    if isinstance(value, bool):
        return value  # let pydantic reject booleans
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict) and "dist" not in value:
        return {"dist": "fixed", **value}
    return value


Uncertain = Annotated[
    Fixed | Normal | Uniform | Triangular,
    Discriminator("dist"),
    BeforeValidator(as_quantity),
]
"""A number, ``{value, source}``, or a distribution ``{dist: normal|uniform|triangular, ...}``."""

Quantity = Fixed | Normal | Uniform | Triangular
"""A validated quantity (one of the four models)."""


def describe(q: Quantity | None) -> str:
    """A short human-readable form of a quantity: ``0.4``, ``N(40, sd 10)``, ``U[20, 60]``."""
    return "" if q is None else q.describe()
