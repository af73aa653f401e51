"""The report of a run kept in a results store (``guaranty report RUN``), written from SQL
aggregates so that its memory does not grow with the run's draws.

The report is the one ``guaranty analyze`` writes (the same templates and figures), fed
with :class:`guaranty.store.stats.RunStats` in place of the run's draws: the summary,
the histograms and the designs' means and intervals are computed by DuckDB; the claims
ledger is counted a block of draws at a time (:func:`guaranty.store.ledger.stored_ledger`);
the credibility of each design is read off the same aggregates. The negotiation forecasts
do not depend on the run: they are computed again from the run's scenario (every model,
``forecast_draws`` draws, the run's seed), as ``guaranty analyze`` computes them. The one
figure that shows paths month by month re-simulates the run's first blocks of the war
(4,000 draws at most), as it does for a run in memory.

DuckDB itself is held to :data:`MEMORY` and spills to a temporary folder beyond it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guaranty.analysis import (
    FORECAST_DRAWS,
    checks_stored_facts,
    rerun_what,
    stated_facts_of_stored,
)
from guaranty.report.writer import write_report

__all__ = ["MEMORY", "report_stored"]

#: DuckDB's memory limit while a stored run's report is computed
MEMORY = "600MB"


def report_stored(
    store: Path | str,
    run: str,
    out_dir: Path | str,
    *,
    draws: int | None = None,
    forecast_draws: int = FORECAST_DRAWS,
    models: list[str] | None = None,
    step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write ``report.md`` and ``report.html`` of run ``run`` (its id, or the start of it)
    of the results store ``store`` into ``out_dir``: its first ``draws`` draws (all by
    default). ``step(text)`` is told what is being done. Returns ``{"md", "html"}`` (the
    paths), ``run_id`` and ``draws``."""
    from guaranty.claims import with_today
    from guaranty.comparison import today_outputs
    from guaranty.models import registry
    from guaranty.pipeline import forecast
    from guaranty.scenario import Scenario
    from guaranty.store import Store
    from guaranty.store.ledger import stored_ledger

    def say(text: str) -> None:
        if step is not None:
            step(text)

    spill = tempfile.mkdtemp(prefix="guaranty-report-")
    try:
        with Store(store, read_only=True, create=False) as st:
            st.limit_memory(MEMORY, spill)
            run_id = st.find_run(run)
            stats = st.stats(run_id, draws=draws)
            info = stats.info
            scenario = Scenario.model_validate_json(info["scenario_json"])
            say("aggregating the draws")
            stats.summary()
            credibility = stats.credibility(scenario)
            claims = None
            if scenario.claims:
                say("checking the claims")
                claims = with_today(stored_ledger(stats, scenario.claims), today_outputs(scenario))
            if checks_stored_facts(scenario, stats.draws):
                say(f"rerunning the chain with {rerun_what(scenario)}")
            claims, answers = stated_facts_of_stored(scenario, claims, stats.draws, stats.seed)
            say("running the negotiation models")
            n_fc = min(forecast_draws, stats.draws)
            names = models if models is not None else list(registry.available())
            forecasts = [forecast(scenario, m, draws=n_fc, seed=stats.seed) for m in names]
            say("writing the report")
            source = f"run {run_id} of {store}" + (
                f" (scenario {info['source']})" if info.get("source") else ""
            )
            paths = write_report(
                scenario,
                forecasts,
                Path(out_dir),
                source=source,
                seed=stats.seed,
                draws=stats.draws,
                credibility=credibility,
                claims=claims,
                run=stats,
                forecast_draws=n_fc,
                fact_answers=answers,
            )
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return {**paths, "run_id": run_id, "draws": stats.draws}
