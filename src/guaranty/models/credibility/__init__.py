"""Credibility models: how likely a commitment is to be honored, estimated from history.

A credibility model is fitted to historical cases (a feature matrix of shape (cases,
features) and a 0/1 outcome of shape (cases,)) and returns a :class:`CoefficientPosterior`:
a distribution over the coefficients of a linear predictor b(x) on the log-odds scale. The
"revealed resolve" step of the design (DESIGN.md) needs exactly two things from it: b(x) for
an arbitrary feature vector x, and draws of the coefficient vector under a
``numpy.random.Generator``.

This package keeps its own :class:`~guaranty.models.registry.Registry` (name -> class),
separate from the negotiation models' registry, over which the negotiation contract test
runs. Modules of this package register
themselves with ``@register`` and are imported on first use of :func:`available`,
:func:`get` or :func:`create` (private modules, starting with ``_``, are skipped).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from guaranty.models.params import Constraint
from guaranty.models.registry import Registry

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
    keyword-only constructor arguments, each declared in :attr:`parameters` and checked by
    :func:`guaranty.models.params.check_parameters`, and implements :meth:`fit`, a pure
    function of its arrays.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    #: What each constructor parameter accepts (name -> constraint).
    parameters: ClassVar[dict[str, Constraint]] = {}

    @property
    @abstractmethod
    def feature_names(self) -> tuple[str, ...]:
        """The features the model uses, in the order of the columns of ``x``."""

    @abstractmethod
    def fit(self, x: np.ndarray, honored: np.ndarray) -> CoefficientPosterior:
        """Fit to x of shape (cases, features) (NaN = missing) and honored of shape (cases,)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


REGISTRY: Registry[CredibilityModel] = Registry("credibility model", (__name__,))
register = REGISTRY.register
available = REGISTRY.available
get = REGISTRY.get
create = REGISTRY.create
