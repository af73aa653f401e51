"""The registry of models, by short name (``compromise``, ``median``, ...).

Scenario files and the CLI name models by these keys; one shared contract test runs every
registered model through the same checks (``tests/models/test_contract.py``).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from typing import TypeVar

from guaranty.errors import ModelError
from guaranty.models.bargaining.base import NegotiationModel

__all__ = ["available", "create", "get", "register"]

_MODELS: dict[str, type[NegotiationModel]] = {}
# Packages whose modules are imported on first use; each model module registers itself.
BUILTIN_PACKAGES = ("guaranty.models.bargaining",)
_HELPERS = {"base"}  # modules in those packages that define no model
_loaded = False

M = TypeVar("M", bound=type[NegotiationModel])


def register(cls: M) -> M:
    """Class decorator: register a negotiation model under ``cls.name``."""
    name = cls.name
    if name in _MODELS and _MODELS[name] is not cls:
        raise ModelError(f"a model named {name!r} is already registered ({_MODELS[name]!r})")
    _MODELS[name] = cls
    return cls


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        for package in BUILTIN_PACKAGES:
            pkg = importlib.import_module(package)
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                if info.name not in _HELPERS and not info.name.startswith("_"):
                    importlib.import_module(f"{package}.{info.name}")
        _loaded = True


def available() -> list[str]:
    """Names of every registered model (modules imported in alphabetical order)."""
    _load_builtin()
    return list(_MODELS)


def get(name: str) -> type[NegotiationModel]:
    """The model class registered as ``name``."""
    _load_builtin()
    try:
        return _MODELS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_MODELS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ModelError(
            f"unknown model {name!r}{hint} (registered: {', '.join(_MODELS)})"
        ) from None


def create(name: str, **params: object) -> NegotiationModel:
    """An instance of model ``name`` with ``params``, validated by the model."""
    cls = get(name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise ModelError(f"bad parameters for model {name!r}: {exc}") from None
