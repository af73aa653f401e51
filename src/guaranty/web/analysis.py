"""The web's analysis of a stored run: the run's draws loaded from the store, then the main
job's use case (:func:`guaranty.analysis.analyze_run`, the same code and defaults as
``guaranty analyze``): the credibility read from the run's draws, the claims ledger, and the
forecasts when the results page first needs them. The results page, the compare page and
the results and claims endpoints all show what :func:`analyze_run` returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException

from guaranty.errors import GuarantyError
from guaranty.scenario import Scenario
from guaranty.store import Store

__all__ = ["analyze_run", "whole_blocks"]


def analyze_run(open_store: Callable[[], Store], run_id: str, stored: int) -> dict[str, Any]:
    """The run ``run_id`` (its first ``stored`` draws; of an interrupted run, the whole
    blocks at its start) and what is computed from it: ``{"run": RunResult, "scenario":
    Scenario, "credibility": CredibilityResult (the run's own), "claims": the ledger,
    "analysis": the Analysis}``. ``open_store`` gives a store to read in a ``with`` block.
    409 if the run has no finished draws."""
    from guaranty.analysis import analyze_run as use_case

    with open_store() as st:
        info_row = st.run_info(run_id)
        try:
            run = st.load(run_id, draws=stored)
        except GuarantyError:
            # an interrupted run: use the whole blocks at the start
            n = whole_blocks(st.done_blocks(run_id))
            if n == 0:
                raise HTTPException(409, f"run {run_id} has no finished draws yet") from None
            run = st.load(run_id, draws=n)
    scenario = Scenario.model_validate_json(info_row["scenario_json"])
    analysis = use_case(run, scenario)
    from dataclasses import replace

    from guaranty.analysis import stated_facts_of_stored

    claims, answers = stated_facts_of_stored(scenario, analysis.claims, run.draws, run.seed)
    analysis = replace(analysis, claims=claims, fact_answers=answers)
    return {
        "run": run,
        "scenario": scenario,
        "credibility": analysis.credibility,
        "claims": analysis.claims or [],
        "analysis": analysis,
    }


def whole_blocks(done: dict[int, int]) -> int:
    """The draws in the unbroken run of finished blocks at the start (``done``: block number
    -> draws stored in it; a block holds 1000 draws)."""
    n = 0
    while n // 1000 in done:
        n += done[n // 1000]
        if done[(n - 1) // 1000] < 1000:
            break
    return n
