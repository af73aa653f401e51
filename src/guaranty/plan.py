"""What a run of the chain is made of, without the models or the store: its blocks of draws
(the unit of randomness), its checked pipeline settings and the kind of store it goes to.

:mod:`guaranty.montecarlo` simulates the blocks and re-exports these names; the runner's
main process and the store need only these, so they import this module and leave the
models (numpy's and scipy's special functions, the data, the kernels) to the workers that
compute the blocks, and the runner starts the workers before it loads DuckDB
(docs/performance.md, "The chain").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from guaranty.errors import ParameterError
from guaranty.scenario.claim_names import DEFAULT_SETTLEMENT

if TYPE_CHECKING:
    from guaranty.scenario.schema import PipelineSettings, Scenario

__all__ = [
    "BLOCK",
    "DEFAULT_MODEL",
    "blocks_of",
    "chain_lacks",
    "check_before_a_run",
    "check_model_params",
    "is_folder_store",
    "model_params",
    "settings",
]

#: draws per block, the unit of randomness (docs/store.md, "Blocks")
BLOCK = 1000

#: the negotiation model of the settlement unless the scenario names one: the model with the
#: lowest mean absolute error on the DEU III development issues (20.64 against compromise's
#: 21.82; docs/backtest.md), checked by tests/test_montecarlo.py
DEFAULT_MODEL = DEFAULT_SETTLEMENT


def blocks_of(draws: int) -> list[tuple[int, int]]:
    """The (block, draws kept) pairs of a run of ``draws`` draws."""
    if draws < 1:
        raise ParameterError(f"draws must be a positive integer; got {draws}")
    return [(b, min(BLOCK, draws - b * BLOCK)) for b in range((draws + BLOCK - 1) // BLOCK)]


def chain_lacks(scenario: Scenario) -> list[str]:
    """The sections the chain needs that the scenario lacks, of 'war', 'credibility' and
    'guarantees' (empty: it runs)."""
    return [
        name
        for name, present in (
            ("war", scenario.war is not None),
            ("credibility", scenario.credibility is not None),
            ("guarantees", bool(scenario.guarantees)),
        )
        if not present
    ]


def settings(scenario: Scenario) -> PipelineSettings:
    """The scenario's pipeline settings, checked: it needs a war, credibility and designs."""
    from guaranty.models import registry
    from guaranty.scenario.schema import PipelineSettings

    missing = chain_lacks(scenario)
    if missing:
        raise scenario.error_at(
            f"the pipeline needs the scenario's {', '.join(repr(m) for m in missing)} "
            "section(s): the war, the credibility of the guarantors and at least one guarantee "
            "design; see docs/scenario-format.md",
            (missing[0],),
        )
    s = scenario.pipeline or PipelineSettings()
    model = s.model or DEFAULT_MODEL
    if model not in registry.available():
        raise scenario.error_at(
            f"unknown negotiation model {model!r}; expected one of: "
            f"{', '.join(registry.available())}",
            ("pipeline", "model"),
        )
    check_model_params(scenario, model)
    from guaranty.credibility_inputs import check_actors

    check_actors(scenario)  # COW codes and CINC shares, before any draw is made
    return s.model_copy(update={"model": model})


def check_before_a_run(scenario: Scenario) -> None:
    """Two refusals every run would make before its first draw, made without running: a
    value of ``pipeline.params`` the model does not accept (the model is loaded only when
    some are given) and, with a credibility section, a state's COW code or CINC share the
    model cannot use (the COW table: about 50 ms). ``guaranty validate`` and the
    workbench's uploads call it. What depends on the draws (a war's start drawn below its
    floor) is still found by the run."""
    if scenario.pipeline is not None and scenario.pipeline.params:
        check_model_params(scenario)
    if scenario.credibility is not None:
        from guaranty.credibility_inputs import check_actors

        check_actors(scenario)


def check_model_params(scenario: Scenario, model: str | None = None) -> None:
    """Raise a :class:`ScenarioError` at ``pipeline.params`` unless the settlement's model
    (``model``, else the scenario's or the default) declares every parameter given there
    and accepts its value (the scenario's schema checks the built-in models' names only;
    this loads the model)."""
    from guaranty.models import registry
    from guaranty.models.params import ParameterError as BadParameter
    from guaranty.models.params import check_parameters

    s = scenario.pipeline
    if s is None or not s.params:
        return
    model = model or s.model or DEFAULT_MODEL
    if model not in registry.available():
        return  # settings() says so
    try:
        check_parameters(registry.get(model), model_params(s))
    except BadParameter as exc:
        declared = ", ".join(registry.get(model).parameters) or "none"
        raise scenario.error_at(
            f"{exc} (the model of the settlement: {model}; its parameters: {declared})",
            ("pipeline", "params"),
        ) from None


def model_params(s: PipelineSettings) -> dict[str, object]:
    """The settlement model's parameters stated in ``pipeline.params`` (their names
    checked when the scenario loads, their values by :func:`check_model_params`), lists of
    names as tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in s.params.items()}


def is_folder_store(path: str | Path) -> bool:
    """Whether ``path`` names a folder store (Parquet files and a catalogue,
    docs/store.md): an existing folder, or a new path without a file extension."""
    p = Path(path)
    if str(path) == ":memory:":
        return False
    return p.is_dir() or (not p.exists() and not p.suffix)
