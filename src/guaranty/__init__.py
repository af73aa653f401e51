"""guaranty: security guarantees and negotiated war endings as explicit, testable numbers.

The public API::

    from guaranty import load, forecast, registry
    scenario = load("scenarios/ukraine-2022.yaml")
    result = forecast(scenario, "median")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from guaranty.errors import DataError, GuarantyError, ModelError, ScenarioError

try:
    __version__ = version("guaranty")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "DataError",
    "GuarantyError",
    "ModelError",
    "ScenarioError",
    "__version__",
]
