"""Registries of models, by short name (``compromise``, ``median``, ``honoring``, ...).

Scenario files and the CLI name models by these keys. :class:`Registry` is the one
mechanism; this module holds the registry of negotiation models (module-level ``register``,
``available``, ``get``, ``create``), over which one shared contract test runs
(``tests/models/test_contract.py``); :mod:`guaranty.models.credibility` keeps another.

Another package adds a negotiation model through an entry point of the group
:data:`ENTRY_POINT_GROUP` (``guaranty.models``), named as the model and pointing at its
class (docs/architecture.md, "Adding a model")::

    [project.entry-points."guaranty.models"]
    mymodel = "mypackage.mymodel:MyModel"

The entry points are read when the registry is first asked for its models, or for a name that
is not one of guaranty's own, never at start-up; one that cannot be loaded, is no model
class or clashes with a registered name is a :class:`~guaranty.errors.ModelError` naming
the entry point and its distribution.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from guaranty.errors import ModelError
from guaranty.models.bargaining.base import NegotiationModel

__all__ = ["ENTRY_POINT_GROUP", "Registry", "available", "create", "get", "register"]

#: The entry-point group through which other packages add negotiation models.
ENTRY_POINT_GROUP = "guaranty.models"

T = TypeVar("T")
C = TypeVar("C", bound=type)


class Registry(Generic[T]):
    """Name -> model class, filled by the ``@register`` decorator of each model module.

    The modules of ``packages`` are imported on first use (in alphabetical order), except
    private ones (``_name``) and ``helpers``; each model module registers itself. Then the
    entry points of ``group`` (other packages' models), if given, each a subclass of
    ``base``, are loaded and registered.

    :meth:`available` lists the names of ``order`` first, in that order, then the others in
    the order they registered: the list (which tables and reports follow) does not depend on
    which module happened to be imported first.
    """

    def __init__(
        self,
        kind: str,
        packages: Iterable[str],
        helpers: Iterable[str] = (),
        *,
        group: str | None = None,
        base: type | None = None,
        order: Iterable[str] = (),
    ) -> None:
        self.kind = kind
        self.order = tuple(order)
        self.packages = tuple(packages)
        self.helpers = frozenset(helpers)
        self.group = group
        self.base = base
        self._models: dict[str, type[T]] = {}
        self._own_loaded = False  # the modules of ``packages`` imported
        self._loaded = False  # and the entry points read

    def register(self, cls: C) -> C:
        """Class decorator: register a model class under ``cls.name``."""
        name = cls.name
        if name in self._models and self._models[name] is not cls:
            raise ModelError(
                f"a {self.kind} named {name!r} is already registered ({self._models[name]!r})"
            )
        self._models[name] = cls
        return cls

    def _load_own(self) -> None:
        """Import the modules of ``packages`` (each registers its models)."""
        if self._own_loaded:
            return
        for package in self.packages:
            pkg = importlib.import_module(package)
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                if info.name not in self.helpers and not info.name.startswith("_"):
                    importlib.import_module(f"{package}.{info.name}")
        self._own_loaded = True

    def _load(self) -> None:
        if self._loaded:
            return
        self._load_own()
        if self.group is not None:
            self._load_entry_points(self.group)
        # only now: a broken entry point fails every call alike, not just the first one
        self._loaded = True

    def _load_entry_points(self, group: str) -> None:
        """Register the model class of every entry point of ``group``."""
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=group), key=lambda e: (e.name, e.value)):
            dist = getattr(ep, "dist", None)
            origin = (
                f"distribution {dist.name} {dist.version}"
                if dist is not None
                else "an unknown distribution"
            )
            where = f"entry point {ep.name} = {ep.value!r} (group {group}) of {origin}"
            try:
                cls = ep.load()
            except Exception as exc:  # any failure of the other package's import
                raise ModelError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from exc
            if not isinstance(cls, type) or (self.base and not issubclass(cls, self.base)):
                expected = f"a subclass of {self.base.__qualname__}" if self.base else "a class"
                raise ModelError(f"{where} is not a {self.kind} class: expected {expected}")
            if getattr(cls, "name", None) != ep.name:
                raise ModelError(
                    f"{where}: the class's name is {getattr(cls, 'name', None)!r}; the entry "
                    f"point must be named as the {self.kind} (its registry key)"
                )
            try:
                self.register(cls)
            except ModelError as exc:
                raise ModelError(f"{where}: {exc}") from None

    def available(self) -> list[str]:
        """Names of every registered model."""
        self._load()
        first = [name for name in self.order if name in self._models]
        return first + [name for name in self._models if name not in self.order]

    def get(self, name: str) -> type[T]:
        """The class registered as ``name``.

        A model of guaranty's own is returned without reading the entry points (7 ms of a
        command's start-up: scanning every installed package's metadata), so a broken
        third-party package cannot stop the built-in models; any other name, and the list
        of models, reads them (and reports a plugin that clashes with a built-in name)."""
        self._load_own()
        own = self._models.get(name)
        if own is not None:
            return own
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
    "model",
    ("guaranty.models.bargaining",),
    helpers={"base"},
    group=ENTRY_POINT_GROUP,
    base=NegotiationModel,
    # the built-in models as every table lists them (guaranty.scenario.claim_names keeps the
    # same tuple, BUILTIN_MODELS, for the layers that load no model)
    order=("bdm", "compromise", "median", "exchange", "extremity", "nash", "smp"),
)
register = NEGOTIATION.register
available = NEGOTIATION.available
get = NEGOTIATION.get
create = NEGOTIATION.create
