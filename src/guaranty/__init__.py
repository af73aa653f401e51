"""guaranty: security guarantees and negotiated war endings as explicit, testable numbers.

The public API::

    from guaranty import load, forecast, registry
    scenario = load("scenarios/ukraine-2022.yaml")
    result = forecast(scenario, "median")

``load``, ``forecast``, ``registry`` and ``__version__`` are imported on first use, so that
importing the package (and starting the command line) stays quick.
"""

from __future__ import annotations

from typing import Any

from guaranty.errors import DataError, GuarantyError, ModelError, ScenarioError

__all__ = [
    "DataError",
    "GuarantyError",
    "ModelError",
    "ScenarioError",
    "__version__",
    "forecast",
    "load",
    "registry",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("guaranty")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0+unknown"
    elif name == "load":
        from guaranty.scenario import load as value
    elif name == "forecast":
        from guaranty.pipeline import forecast as value
    elif name == "registry":
        from guaranty.models import registry as value
    else:
        raise AttributeError(f"module 'guaranty' has no attribute {name!r}")
    globals()[name] = value
    return value
