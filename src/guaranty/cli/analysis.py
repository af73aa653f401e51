"""What ``guaranty analyze`` computes, in one function: which stages run for the file at
hand (the backtest for cases; for a scenario every negotiation model's forecast, the
credibility estimate, the chain from the war to the peace in process or through the runner
and its store), and the claims ledger. No printing and no report: the command does those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guaranty.cli.lazy import is_cases, registry

#: the most draws the credibility estimate takes, whatever ``--draws`` says
CREDIBILITY_DRAWS = 2000


@dataclass
class Analysis:
    """The results the report is written from."""

    #: the registered negotiation models, in the registry's order
    models: list[str]
    #: cases: the backtest's scores by model; a scenario: one forecast per model
    results: Any
    #: the forecasts' draws, ``--forecast-draws`` capped at ``--draws``
    forecast_draws: int
    #: guaranty.credibility.assess's result, when the scenario has credibility and designs
    credibility: Any = None
    #: the pipeline's draws (a montecarlo run), when it has a war besides
    run: Any = None
    #: the claims ledger, when the scenario has claims
    claims: Any = None


def _entry_points() -> Any:
    """The package ``guaranty.cli``, whose ``forecast`` and ``backtest`` are called here
    (looked up when called: the fault tests replace them there, to show that nothing is
    computed before an output that cannot be written is refused)."""
    import guaranty.cli

    return guaranty.cli


def _pipeline_run(
    obj: Any, *, draws: int, seed: int, store: Path | None, workers: int, source: Path
) -> Any:
    """The chain from the war to the peace: in process, or through the runner into ``store``
    and read back from it."""
    if store is None:
        from guaranty import montecarlo

        return montecarlo.simulate(obj, draws=draws, seed=seed)
    from guaranty.runner import run as run_pipeline
    from guaranty.store import Store

    summary = run_pipeline(
        obj, draws=draws, seed=seed, store=store, workers=workers, source=str(source)
    )
    with Store(store, read_only=True) as st:
        return st.load(summary.run_id, draws=draws)


def run_analysis(
    obj: Any,
    *,
    source: Path,
    draws: int,
    forecast_draws: int,
    seed: int,
    store: Path | None = None,
    workers: int = 2,
) -> Analysis:
    """Run every stage that ``obj`` (a loaded scenario or case set from ``source``) has the
    sections for, with ``seed``: for cases, the backtest of every model; for a scenario,
    every model's forecast (``forecast_draws`` draws, at most ``draws``), the credibility
    estimate (at most :data:`CREDIBILITY_DRAWS` draws) when it has credibility settings and
    designs, the pipeline's ``draws`` draws when it has a war besides (kept in ``store`` by
    ``workers`` processes when a store is given), and the claims ledger when it has claims
    (from the pipeline's draws, or else from the forecasts and the credibility estimate)."""
    cli = _entry_points()
    models = registry.available()
    done = Analysis(models=models, results=None, forecast_draws=min(forecast_draws, draws))
    if is_cases(obj):
        done.results = cli.backtest(obj, models, seed=seed)
        return done
    done.results = [cli.forecast(obj, m, draws=done.forecast_draws, seed=seed) for m in models]
    if obj.credibility is not None and obj.guarantees:
        from guaranty.credibility import assess

        done.credibility = assess(obj, draws=min(draws, CREDIBILITY_DRAWS), seed=seed)
        if obj.war is not None:
            done.run = _pipeline_run(
                obj, draws=draws, seed=seed, store=store, workers=workers, source=source
            )
    if obj.claims:
        from guaranty.claims import ledger, run_ledger, scenario_outputs

        if done.run is not None:
            done.claims = run_ledger(obj.claims, done.run)
        else:
            outputs, inputs = scenario_outputs(done.results, done.credibility)
            done.claims = ledger(obj.claims, outputs, inputs)
    return done
