"""The ground the schema models stand on: the strict base model, bounded numbers and ids, and
the "did you mean" hints of its errors.

Every model of :mod:`guaranty.scenario.schema` derives from :class:`Strict` (frozen, no
unknown keys); numbers are :data:`Num` (finite, of magnitude at most :data:`MAX_MAGNITUDE`)
and ids :data:`Id`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "ID_PATTERN",
    "MAX_MAGNITUDE",
    "Id",
    "Int",
    "Labelled",
    "Num",
    "Strict",
    "closest",
    "optional",
    "unknown_name",
]

#: The largest magnitude a number of a scenario may have. Every quantity of a case (CINC
#: shares, GDP in trillions, forces in thousands, positions on a scale) is far below it, and
#: below it the models' sums and products of capabilities, saliences and positions cannot
#: overflow.
MAX_MAGNITUDE = 1e15


def _bounded(value: float) -> float:
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise PydanticCustomError("number", "must be a finite number of magnitude at most 1e15", {})
    return value


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("number", "expected a number, not a boolean", {})
    return value


Num = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_bounded)]
"""A finite float of magnitude at most :data:`MAX_MAGNITUDE` (NaN, infinities and booleans
are errors)."""

Int = Annotated[int, BeforeValidator(_not_bool)]
"""An integer (a count, a year, a code); a boolean is an error, not 0 or 1 (YAML reads
``yes`` and ``true`` as booleans, and ``years: true`` is a slip, not one year)."""

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=64)]


def optional(description: str) -> Any:
    """A field that may be left out (then None), with its ``description``."""
    return Field(default=None, description=description)


def closest(name: str, known: Sequence[str]) -> str | None:
    """The name of ``known`` closest to ``name`` (a likely misspelling), or None."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_name(
    what: str, key: Any, known: Sequence[str], elsewhere: str | None = None
) -> PydanticCustomError:
    """The error for the key ``key`` of a mapping that is not one of ``known``: "unknown
    {what} 'key'; did you mean ...? expected one of: ..." (type ``unknown_key``; its context
    holds ``key``, which the YAML front end uses to point at the key). ``elsewhere`` names
    the part of the file where the key belongs, when it is known there (then it replaces the
    "did you mean" guess: ``data_year`` is not a misspelt ``year``)."""
    allowed = sorted(known)
    close = closest(str(key), allowed)
    if elsewhere is not None:
        hint = f"it belongs inside {elsewhere}; "
    else:
        hint = f"did you mean '{close}'? " if close else ""
    return PydanticCustomError(
        "unknown_key",
        f"unknown {what} '{{key}}'; {{hint}}expected one of: {{allowed}}",
        {"key": key, "hint": hint, "allowed": ", ".join(allowed)},
    )


def _held_model(annotation: Any) -> tuple[type[Strict] | None, bool]:
    """The schema model a field holds one level down (``CredibilitySettings | None``, or the
    entries of ``list[Actor]`` or ``dict[Id, Conduct]``; not ``positions``, two levels down),
    and whether it is held as entries of a list or a mapping."""

    def model(t: Any) -> type[Strict] | None:
        if isinstance(t, type) and issubclass(t, Strict):
            return t
        found = [m for m in get_args(t) if isinstance(m, type) and issubclass(m, Strict)]
        return found[0] if len(found) == 1 and get_origin(t) not in (list, dict) else None

    found = model(annotation)
    if found is not None:
        return found, False
    for t in (annotation, *get_args(annotation)):
        if get_origin(t) in (list, dict):
            return model(get_args(t)[-1]), True
    return None, False


class Strict(BaseModel):
    """Base of every schema model: frozen, no unknown keys (with a "did you mean" hint)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )

    _allowed_keys: ClassVar[dict[type, frozenset[str]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = Strict._allowed_keys.get(cls)
            if allowed is None:
                allowed = Strict._allowed_keys[cls] = frozenset(cls.__pydantic_fields__)
            if allowed.issuperset(data):
                return data
            for key in data:
                if isinstance(key, str) and key not in allowed:
                    raise unknown_name("key", key, allowed, cls._home_of(key))
        return data

    @classmethod
    def _home_of(cls, key: str) -> str | None:
        """Where an unknown ``key`` of this model belongs, if it is a key of one of the
        models its fields hold ("the 'credibility' section", "each entry of 'actors'"), one
        level down: a key written at the wrong indentation."""
        homes = []
        for name, field in cls.__pydantic_fields__.items():
            part, entries = _held_model(field.annotation)
            if part is not None and key in part.__pydantic_fields__:
                homes.append(f"each entry of '{name}'" if entries else f"the '{name}' section")
        return " or ".join(homes) if homes else None


class Labelled(Strict):
    """A part of the scenario that others refer to by its ``id`` and people know by its
    ``label`` (an issue, a guarantee design); its subclasses' fields follow these two."""

    id: Id
    label: str = Field(min_length=1)
