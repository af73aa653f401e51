"""guaranty: security guarantees and negotiated war endings as explicit, testable numbers.

The public API, for scripts and notebooks (each function's docstring has an example that
runs as a doctest)::

    import guaranty
    scenario = guaranty.load("scenarios/ukraine-2022.yaml")    # any supported input file
    guaranty.forecast(scenario, "compromise")                   # the negotiation, per issue
    guaranty.assess(scenario, draws=500)                        # credibility and deterrence
    guaranty.simulate(scenario, draws=1000)                     # the whole chain, in memory
    guaranty.run(scenario, draws=1000, store="runs.duckdb")     # the same, kept in a store

``guaranty.registry`` names the negotiation models; the exceptions are in
:mod:`guaranty.errors`. The functions import their layers on first use, so that importing
the package (and starting the command line) stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from guaranty._version import __version__
from guaranty.errors import (
    DataError,
    GuarantyError,
    ModelError,
    ParameterError,
    ScenarioError,
    StoreError,
)

if TYPE_CHECKING:
    from guaranty.credibility import CredibilityResult
    from guaranty.pipeline import Forecast
    from guaranty.results import RunResult
    from guaranty.scenario import CaseSet, Scenario

__all__ = [
    "DataError",
    "GuarantyError",
    "ModelError",
    "ParameterError",
    "ScenarioError",
    "StoreError",
    "__version__",
    "assess",
    "forecast",
    "load",
    "registry",
    "run",
    "simulate",
]


def load(path: str | Path, *, fmt: str | None = None) -> Scenario | CaseSet:
    """Read a scenario (YAML) or a peer tool's file (a BDM or KTAB CSV, a decide exchange
    file, DEU III cases as TSV); ``fmt`` forces a format. A malformed file raises a
    :class:`ScenarioError` naming the file, line and field.

    >>> scenario = load("scenarios/korea-1953.yaml")
    >>> [issue.id for issue in scenario.issues]
    ['guarantee', 'line', 'prisoners']
    """
    from guaranty.scenario import load as real

    return real(path, fmt=fmt)


def forecast(scenario: Scenario, model: str = "compromise", **options: Any) -> Forecast:
    """The outcome of every issue of ``scenario`` under negotiation model ``model`` (one of
    ``registry.available()``); ``draws=N`` adds the mean and interval over N draws of the
    uncertain inputs, ``params={...}`` sets the model's parameters.

    >>> korea = load("scenarios/korea-1953.yaml")
    >>> result = forecast(korea, "median")
    >>> [issue.id for issue in result.issues]
    ['guarantee', 'line', 'prisoners']
    >>> all(0 <= issue.outcome <= 100 for issue in result.issues)
    True
    """
    from guaranty.pipeline import forecast as real

    return real(scenario, model, **options)


def assess(scenario: Scenario, *, draws: int = 2000, seed: int = 0) -> CredibilityResult:
    """Credibility and deterrence of each guarantee design of ``scenario``, before any war
    outcome: who fights if the protected state is attacked again (``p_honor`` per
    guarantor, ``p_any``), and the risk of a renewed attack (``p_attack``), as arrays over
    ``draws`` draws of the estimates' uncertainty.

    >>> korea = load("scenarios/korea-1953.yaml")
    >>> cred = assess(korea, draws=200, seed=1)
    >>> [d.design.id for d in cred.designs]
    ['defense_treaty', 'aid_without_treaty', 'joint_warning', 'withdrawal']
    >>> treaty, aid = cred.designs[0], cred.designs[1]
    >>> bool(treaty.p_any.mean() > aid.p_any.mean())   # a defense treaty beats aid alone
    True
    """
    from guaranty.credibility import assess as real

    return real(scenario, draws=draws, seed=seed)


def simulate(scenario: Scenario, *, draws: int, seed: int = 0) -> RunResult:
    """The whole chain (war, negotiation of the settlement, credibility, deterrence and
    durability of every design) for ``draws`` draws, in this process and in memory; the
    result is a function of (scenario, seed, version) and each draw of its own index.

    >>> korea = load("scenarios/korea-1953.yaml")
    >>> result = simulate(korea, draws=1000, seed=1)
    >>> result.draws, result.whatif["p_any"].shape
    (1000, (4, 1000))
    >>> round(sum(result.shares().values()), 9)   # every draw ends one way
    1.0
    """
    from guaranty.montecarlo import simulate as real

    return real(scenario, draws=draws, seed=seed)


def run(
    scenario: Scenario,
    *,
    draws: int,
    seed: int = 0,
    store: str | Path = "guaranty.duckdb",
    workers: int = 1,
) -> RunResult:
    """:func:`simulate`, kept in the DuckDB results ``store`` (resumed if it was cut
    short, reused if it is there already) and spread over ``workers`` processes; returns
    the run read back from the store (its id in ``result.meta["run_id"]``).

    >>> import tempfile, os
    >>> korea = load("scenarios/korea-1953.yaml")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     kept = run(korea, draws=1000, seed=1, store=os.path.join(folder, "runs.duckdb"))
    >>> kept.draws, len(kept.meta["run_id"])
    (1000, 16)
    """
    from guaranty.runner import run as real
    from guaranty.store import Store

    summary = real(scenario, draws=draws, seed=seed, store=store, workers=workers)
    with Store(summary.store, read_only=True) as st:
        return st.load(summary.run_id)


def __getattr__(name: str) -> Any:
    if name == "registry":
        from guaranty.models import registry as value
    else:
        raise AttributeError(f"module 'guaranty' has no attribute {name!r}")
    globals()[name] = value
    return value
