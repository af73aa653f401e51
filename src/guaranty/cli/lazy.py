"""The library's entry points that the commands call, imported on first use: the models and
the pipeline pull in numpy and scipy, and the scenario schema pydantic, which ``--version``,
``--help`` and a refused hostile file must not wait for."""

from __future__ import annotations

from pathlib import Path
from typing import Any


# The models and the pipeline (numpy, scipy) are imported when a command needs them, so that
# `--version`, `--help` and `validate` start quickly.
class _Registry:
    """guaranty.models.registry, imported on first use."""

    def __getattr__(self, name: str) -> Any:
        from guaranty.models import registry as real

        return getattr(real, name)


registry: Any = _Registry()


def forecast(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.forecast (imported on first use)."""
    from guaranty.pipeline import forecast as real

    return real(*args, **kwargs)


def forecast_cases(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.forecast_cases (imported on first use)."""
    from guaranty.pipeline import forecast_cases as real

    return real(*args, **kwargs)


def backtest(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.backtest (imported on first use)."""
    from guaranty.pipeline import backtest as real

    return real(*args, **kwargs)


def backtest_runs(*args: Any, **kwargs: Any) -> Any:
    """guaranty.pipeline.backtest_runs (imported on first use)."""
    from guaranty.pipeline import backtest_runs as real

    return real(*args, **kwargs)


def describe(value: Any) -> str:
    """guaranty.scenario.schema.describe (imported on first use)."""
    from guaranty.scenario.schema import describe as real

    return real(value)


def is_cases(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`CaseSet` (imported here: the schema loads lazily)."""
    from guaranty.scenario.formats import CaseSet

    return isinstance(obj, CaseSet)


def negotiable(obj: Any, file: Path) -> Any:
    """``obj``, checked to give every issue a position if it is a scenario (a scenario that
    has none validates, for credibility alone, but a negotiation model has nothing to
    weigh): otherwise a :class:`~guaranty.errors.ScenarioError` at the issue's line of
    ``file``, which the error boundary reports."""
    from guaranty.scenario import Scenario

    if isinstance(obj, Scenario):
        obj.require_positions()
    return obj
