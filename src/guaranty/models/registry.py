"""Registries of models, by short name (``compromise``, ``median``, ``honoring``, ...).

Scenario files and the CLI name models by these keys. :class:`Registry` is the one
mechanism; this module holds the registry of negotiation models (module-level ``register``,
``available``, ``get``, ``create``), over which one shared contract test runs
(``tests/models/test_contract.py``); :mod:`guaranty.models.credibility` keeps another.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from guaranty.errors import ModelError
from guaranty.models.bargaining.base import NegotiationModel

__all__ = ["Registry", "available", "create", "get", "register"]

T = TypeVar("T")
C = TypeVar("C", bound=type)


class Registry(Generic[T]):
    """Name -> model class, filled by the ``@register`` decorator of each model module.

    The modules of ``packages`` are imported on first use (in alphabetical order), except
    private ones (``_name``) and ``helpers``; each model module registers itself.
    """

    def __init__(self, kind: str, packages: Iterable[str], helpers: Iterable[str] = ()) -> None:
        self.kind = kind
        self.packages = tuple(packages)
        self.helpers = frozenset(helpers)
        self._models: dict[str, type[T]] = {}
        self._loaded = False

    def register(self, cls: C) -> C:
        """Class decorator: register a model class under ``cls.name``."""
        name = cls.name
        if name in self._models and self._models[name] is not cls:
            raise ModelError(
                f"a {self.kind} named {name!r} is already registered ({self._models[name]!r})"
            )
        self._models[name] = cls
        return cls

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for package in self.packages:
            pkg = importlib.import_module(package)
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                if info.name not in self.helpers and not info.name.startswith("_"):
                    importlib.import_module(f"{package}.{info.name}")

    def available(self) -> list[str]:
        """Names of every registered model."""
        self._load()
        return list(self._models)

    def get(self, name: str) -> type[T]:
        """The class registered as ``name``."""
        self._load()
        try:
            return self._models[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._models), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ModelError(
                f"unknown {self.kind} {name!r}{hint} (registered: {', '.join(self._models)})"
            ) from None

    def create(self, name: str, **params: Any) -> T:
        """An instance of ``name`` with ``params``, validated by the model."""
        cls = self.get(name)
        try:
            return cls(**params)
        except TypeError as exc:
            raise ModelError(f"bad parameters for {self.kind} {name!r}: {exc}") from None


NEGOTIATION: Registry[NegotiationModel] = Registry(
    "model", ("guaranty.models.bargaining",), helpers={"base"}
)
register = NEGOTIATION.register
available = NEGOTIATION.available
get = NEGOTIATION.get
create = NEGOTIATION.create
