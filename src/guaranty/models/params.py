"""Constraints on model parameters, declared as data and checked by one validator.

A model declares what each constructor parameter accepts in a class attribute (in the spirit
of scikit-learn's ``_parameter_constraints``)::

    parameters: ClassVar[dict[str, Constraint]] = {
        "rounds": Interval(Integral, 1, None, closed="left"),
        "tol": NoneOr(Interval(Real, 0, None, closed="left")),
        "probability": Options("pooled", "pairwise"),
    }
    ordered_parameters: ClassVar[tuple[tuple[str, str], ...]] = (("minIter", "maxIter"),)

and its constructor calls :func:`check_parameters` (``check_parameters(self, locals())``)
before it stores anything. A value that breaks its constraint raises
:class:`ParameterError` (a :class:`~guaranty.errors.ModelError` and a ``ValueError``) whose
text names the model, the parameter, what is expected and the value given, e.g.
``parameter rounds of bdm must be an integer >= 1; got 0``. The contract tests
(``tests/models/test_contract.py``) read the same declarations to draw valid and invalid
values for every registered model. See ``docs/models/parameters.md``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any, Literal

from guaranty import errors
from guaranty.errors import ModelError

__all__ = [
    "Boolean",
    "Constraint",
    "Interval",
    "Names",
    "NoneOr",
    "Options",
    "ParameterError",
    "check_parameters",
    "check_value",
    "parameters_json",
    "parameters_text",
    "parse_parameters",
]


class ParameterError(errors.ParameterError, ModelError):
    """A model parameter outside what the model declares it accepts (both a
    :class:`guaranty.errors.ParameterError`, hence a ValueError, and a ModelError)."""


class Constraint(ABC):
    """What one parameter accepts: :meth:`accepts` tests a value, :meth:`describe` says it."""

    @abstractmethod
    def accepts(self, value: object) -> bool:
        """Whether ``value`` satisfies the constraint."""

    @abstractmethod
    def describe(self) -> str:
        """What the constraint expects, to follow "must be" (e.g. ``an integer >= 1``)."""

    def reason(self, value: object) -> str:
        """Why ``value`` fails, where :meth:`describe` alone would not say ("" by default)."""
        return ""

    def parse(self, text: str) -> object:
        """The value that ``text`` (as typed on a command line) stands for; raises
        ``ValueError`` when it stands for none of the right type. The value is not checked:
        :meth:`accepts` does that."""
        raise ValueError(f"cannot read {text!r} as {self.describe()}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class Interval(Constraint):
    """A finite number of type ``kind`` (``Integral`` or ``Real``; never a bool) within
    ``[low, high]``, each end open or closed by ``closed``; None leaves that side unbounded.
    """

    def __init__(
        self,
        kind: type[Integral] | type[Real],
        low: float | None,
        high: float | None,
        *,
        closed: Literal["both", "left", "right", "neither"] = "both",
    ) -> None:
        if kind not in (Integral, Real):
            raise TypeError("Interval kind must be numbers.Integral or numbers.Real")
        self.kind = kind
        self.low = low
        self.high = high
        self.closed = closed

    @property
    def low_closed(self) -> bool:
        """Whether ``low`` itself is accepted."""
        return self.closed in ("both", "left")

    @property
    def high_closed(self) -> bool:
        """Whether ``high`` itself is accepted."""
        return self.closed in ("both", "right")

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        v = float(value)  # type: ignore[arg-type]
        if not math.isfinite(v):
            return False
        if self.low is not None and (v < self.low or (v == self.low and not self.low_closed)):
            return False
        return self.high is None or not (v > self.high or (v == self.high and not self.high_closed))

    def describe(self) -> str:
        integer = self.kind is Integral
        noun = "an integer" if integer else "a number"
        lo, hi = self.low, self.high
        if lo is not None and hi is not None:
            left = "[" if self.low_closed else "("
            right = "]" if self.high_closed else ")"
            return f"{noun} in {left}{lo}, {hi}{right}"
        if lo is not None:
            if lo == 0 and not self.low_closed:
                return "a positive integer" if integer else "a positive number"
            return f"{noun} {'>=' if self.low_closed else '>'} {lo}"
        if hi is not None:
            return f"{noun} {'<=' if self.high_closed else '<'} {hi}"
        return noun if integer else "a finite number"

    def parse(self, text: str) -> object:
        try:
            return int(text) if self.kind is Integral else float(text)
        except ValueError:
            raise ValueError(f"cannot read {text!r} as {self.describe()}") from None


class Options(Constraint):
    """One of a fixed set of values (names of variants, usually strings)."""

    def __init__(self, *options: object) -> None:
        self.options = tuple(options)

    def accepts(self, value: object) -> bool:
        return any(type(value) is type(o) and value == o for o in self.options)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def parse(self, text: str) -> object:
        for o in self.options:
            if str(o) == text:
                return o
        raise ValueError(f"cannot read {text!r} as {self.describe()}")


class Boolean(Constraint):
    """True or False (a bool, not a number standing for one)."""

    def accepts(self, value: object) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "True or False"

    def parse(self, text: str) -> object:
        word = text.strip().lower()
        if word in ("true", "yes", "1"):
            return True
        if word in ("false", "no", "0"):
            return False
        raise ValueError(f"cannot read {text!r} as true or false")


class NoneOr(Constraint):
    """None, or a value that ``inner`` accepts."""

    def __init__(self, inner: Constraint) -> None:
        self.inner = inner

    def accepts(self, value: object) -> bool:
        return value is None or self.inner.accepts(value)

    def describe(self) -> str:
        return f"None or {self.inner.describe()}"

    def parse(self, text: str) -> object:
        return None if text.strip().lower() in ("none", "null") else self.inner.parse(text)


class Names(Constraint):
    """A sequence (not a single string) of distinct names, each one of ``known``."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = tuple(known)

    def accepts(self, value: object) -> bool:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            return False
        names = tuple(value)
        return all(isinstance(v, str) and v in self.known for v in names) and len(
            set(names)
        ) == len(names)

    def describe(self) -> str:
        return f"a sequence of distinct names from {', '.join(self.known)}"

    def parse(self, text: str) -> object:
        return tuple(v.strip() for v in text.split(",") if v.strip())

    def reason(self, value: object) -> str:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            return "a single name or not a sequence"
        names = tuple(value)
        unknown = [v for v in names if not (isinstance(v, str) and v in self.known)]
        if unknown:
            return "unknown: " + ", ".join(map(repr, unknown))
        return "a name repeats"


def check_value(owner: str, name: str, constraint: Constraint, value: object) -> None:
    """Raise :class:`ParameterError` unless ``constraint`` accepts ``value``.

    ``owner`` names the model (or function) in the message.
    """
    if not constraint.accepts(value):
        why = constraint.reason(value)
        raise ParameterError(
            f"parameter {name} of {owner} must be {constraint.describe()}; got {value!r}"
            + (f" ({why})" if why else "")
        )


def check_parameters(model: Any, arguments: Mapping[str, object]) -> None:
    """Check constructor arguments against the declaration of ``model``'s class.

    ``model`` is the instance being built (or its class): its ``name`` labels the message,
    its ``parameters`` (name -> :class:`Constraint`) say what each accepts, and its optional
    ``ordered_parameters`` (pairs (a, b)) require a <= b. ``arguments`` maps parameter names
    to the values given; a constructor passes ``locals()`` as its first statement (``self``
    is skipped). Every argument must be declared. Raises :class:`ParameterError` on the
    first parameter that breaks its constraint.
    """
    declared: Mapping[str, Constraint] = model.parameters
    owner = model.name
    given = {k: v for k, v in arguments.items() if k not in ("self", "__class__")}
    for pname, value in given.items():
        if pname not in declared:
            raise ParameterError(f"{owner} declares no parameter {pname!r}")
        check_value(owner, pname, declared[pname], value)
    for low, high in getattr(model, "ordered_parameters", ()):
        if low in given and high in given and given[low] > given[high]:  # type: ignore[operator]
            raise ParameterError(
                f"parameter {low} of {owner} must be <= {high} ({given[high]!r}); "
                f"got {given[low]!r}"
            )


def parse_parameters(model: Any, items: Iterable[str]) -> dict[str, object]:
    """Parameters of ``model`` (a model class or instance, as for :func:`check_parameters`)
    from ``NAME=VALUE`` texts, as typed on a command line: each value read by its
    parameter's constraint (:meth:`Constraint.parse`) and checked. Raises
    :class:`ParameterError` naming the text and what was expected.

    >>> from guaranty.models import registry
    >>> parse_parameters(registry.get("exchange"), ["rounds=3", "move_sum=absolute"])
    {'rounds': 3, 'move_sum': 'absolute'}
    """
    declared: Mapping[str, Constraint] = model.parameters
    owner = model.name
    known = ", ".join(declared) if declared else "none"
    out: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(
                f"cannot read {item!r} as a parameter of {owner}: expected NAME=VALUE "
                f"(its parameters: {known})"
            )
        if name not in declared:
            raise ParameterError(f"{owner} declares no parameter {name!r}; its parameters: {known}")
        if name in out:
            raise ParameterError(f"parameter {name} of {owner} is given twice")
        constraint = declared[name]
        try:
            value = constraint.parse(text.strip())
        except ValueError:
            raise ParameterError(
                f"parameter {name} of {owner} must be {constraint.describe()}; got {text!r}"
            ) from None
        check_value(owner, name, constraint, value)
        out[name] = value
    return out


def parameters_json(params: Mapping[str, object]) -> dict[str, object]:
    """Parameters as JSON values: a tuple of names as a list."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def parameters_text(params: Mapping[str, object]) -> str:
    """Parameters as they are typed after ``--param``: ``name=value, name=value``."""
    return ", ".join(f"{k}={v}" for k, v in params.items())
