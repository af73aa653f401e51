"""Credibility models: how likely a commitment is to be honored, estimated from history.

A credibility model is fitted to historical cases (a feature matrix of shape (cases,
features) and a 0/1 outcome of shape (cases,)) and returns a :class:`CoefficientPosterior`:
a distribution over the coefficients of a linear predictor b(x) on the log-odds scale. The
"revealed resolve" step of the design (DESIGN.md) needs exactly two things from it: b(x) for
an arbitrary feature vector x, and draws of the coefficient vector under a
``numpy.random.Generator``.

This package keeps its own registry (name -> class), separate from
:mod:`guaranty.models.registry`, which is typed to negotiation models and runs the
negotiation contract test over everything it holds. Modules of this package register
themselves with ``@register`` and are imported on first use of :func:`available`,
:func:`get` or :func:`create` (private modules, starting with ``_``, are skipped).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from abc import ABC, abstractmethod
from typing import ClassVar, TypeVar

import numpy as np

from guaranty.errors import ModelError

__all__ = [
    "CoefficientPosterior",
    "CredibilityModel",
    "available",
    "create",
    "get",
    "register",
]


class CoefficientPosterior(ABC):
    """A distribution over the coefficients of a logistic model of honoring.

    Coefficient vectors have shape (1 + features,): the intercept first, then one slope per
    feature, on the scale of the raw features (``coef_names`` labels them).
    """

    feature_names: tuple[str, ...]

    @property
    def coef_names(self) -> tuple[str, ...]:
        """``("intercept", *feature_names)``."""
        return ("intercept", *self.feature_names)

    @abstractmethod
    def linear_predictor(self, x: np.ndarray, coefficients: np.ndarray | None = None) -> np.ndarray:
        """b(x), the log-odds of honoring, for features x of shape (..., features)."""

    @abstractmethod
    def draw_coefficients(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Coefficient vectors drawn from the posterior, shape (draws, 1 + features)."""

    @abstractmethod
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Posterior predictive probability of honoring for x of shape (..., features)."""


class CredibilityModel(ABC):
    """Base class of credibility models.

    A subclass sets ``name`` (the registry key) and ``summary``, takes its parameters as
    keyword-only constructor arguments (checked there), and implements :meth:`fit`, a pure
    function of its arrays.
    """

    name: ClassVar[str]
    summary: ClassVar[str]

    @property
    @abstractmethod
    def feature_names(self) -> tuple[str, ...]:
        """The features the model uses, in the order of the columns of ``x``."""

    @abstractmethod
    def fit(self, x: np.ndarray, honored: np.ndarray) -> CoefficientPosterior:
        """Fit to x of shape (cases, features) (NaN = missing) and honored of shape (cases,)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


_MODELS: dict[str, type[CredibilityModel]] = {}
_loaded = False

C = TypeVar("C", bound=type[CredibilityModel])


def register(cls: C) -> C:
    """Class decorator: register a credibility model under ``cls.name``."""
    name = cls.name
    if name in _MODELS and _MODELS[name] is not cls:
        raise ModelError(
            f"a credibility model named {name!r} is already registered ({_MODELS[name]!r})"
        )
    _MODELS[name] = cls
    return cls


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True


def available() -> list[str]:
    """Names of every registered credibility model."""
    _load_builtin()
    return list(_MODELS)


def get(name: str) -> type[CredibilityModel]:
    """The credibility model class registered as ``name``."""
    _load_builtin()
    try:
        return _MODELS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_MODELS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ModelError(
            f"unknown credibility model {name!r}{hint} (registered: {', '.join(_MODELS)})"
        ) from None


def create(name: str, **params: object) -> CredibilityModel:
    """An instance of credibility model ``name`` with ``params``, validated by the model."""
    cls = get(name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise ModelError(f"bad parameters for credibility model {name!r}: {exc}") from None
