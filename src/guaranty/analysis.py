"""The main job as one use case, shared by ``guaranty analyze`` and the web workbench.

For a scenario: every negotiation model's forecast, the chain from the war to the peace
(:mod:`guaranty.montecarlo`, in memory or through a results store), the credibility of every
design *as the run computed it* (:func:`guaranty.credibility.from_run`: read from the run's
draws, never recomputed on other streams), and the claims ledger. A scenario without a war
(or without credibility settings or designs) has no run; its credibility is then assessed on
its own (:func:`guaranty.credibility.assess`) and its claims are checked on the separate
analyses. For DEU III cases (a :class:`CaseSet`): the backtest of every model.

The command line calls :func:`analyze`; the web, which reads runs from its store, calls
:func:`analyze_run`; both end in the same code with the same defaults (the constants below),
so that a run's report and its results page show the same numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = [
    "CREDIBILITY_DRAWS",
    "DRAWS",
    "FORECAST_DRAWS",
    "PRIOR",
    "WAR_DRAWS",
    "Analysis",
    "FactAnswer",
    "analyze",
    "analyze_run",
    "attack_range",
    "check_stated_facts",
    "checks_stored_facts",
    "has_chain",
    "peace_range",
    "prior_off",
    "rerun_what",
    "run_forecasts",
    "separate_war",
]

#: draws of the chain from the war to the peace
DRAWS = 20_000
#: draws of every negotiation model's forecast (at most the chain's draws)
FORECAST_DRAWS = 500
#: draws of the credibility assessment of a scenario without a run
CREDIBILITY_DRAWS = 2_000
#: draws of the war of a scenario without a run, for the claims that name it
WAR_DRAWS = 2_000


def has_chain(scenario: Any) -> bool:
    """Whether the scenario runs the chain: a war, credibility settings and designs."""
    from guaranty.plan import chain_lacks

    return not chain_lacks(scenario)


@dataclass(frozen=True)
class Analysis:
    """What the main job computes for one scenario (or one set of cases).

    ``forecasts`` (every model's forecast, with ``forecast_draws`` draws and the analysis'
    seed; for cases the backtest scores by model) is computed on first use, so that a caller
    that shows only the run's results does not wait for it; :func:`analyze` starts it in the
    background instead, beside the chain.
    """

    scenario: Any  # Scenario | CaseSet
    seed: int
    draws: int
    forecast_draws: int
    models: tuple[str, ...]
    run: Any = None  # RunResult | None
    credibility: Any = None  # CredibilityResult | None
    claims: Any = None  # list[ClaimResult] | None
    given_forecasts: Any = None
    #: for each fact the scenario states in place of the data, unlike it (the pair's, a
    #: state's nuclear status), the answer's ranges of the risk of a renewed attack and of
    #: the peace's durability with the data's value instead (:func:`check_stated_facts`)
    fact_answers: Any = None  # dict[str, FactAnswer] | None

    @cached_property
    def forecasts(self) -> Any:
        """Forecasts by model (a list in ``models`` order), or backtest scores for cases."""
        if isinstance(self.given_forecasts, Future):  # computed in the background
            return self.given_forecasts.result()
        if self.given_forecasts is not None:
            return self.given_forecasts
        return _forecasts(self.scenario, self.models, self.forecast_draws, self.seed)


def run_forecasts(scenario: Any, draws: int, seed: int) -> Any:
    """The forecasts that :func:`analyze_run` gives a run of ``draws`` draws with ``seed``
    (its ``forecasts``): every registered model, ``min(FORECAST_DRAWS, draws)`` draws each.
    They depend on the scenario and the seed only, so they can be computed while the run's
    chain is (the web does)."""
    return _forecasts(scenario, _models(None), min(FORECAST_DRAWS, draws), seed)


def _models(models: Sequence[str] | None) -> tuple[str, ...]:
    from guaranty.models import registry

    return tuple(models) if models is not None else tuple(registry.available())


def _forecasts(obj: Any, models: Sequence[str], draws: int, seed: int) -> Any:
    from guaranty.pipeline import backtest, forecast
    from guaranty.scenario.formats import CaseSet

    if isinstance(obj, CaseSet):
        return backtest(obj, list(models), seed=seed)
    return [forecast(obj, m, draws=draws, seed=seed) for m in models]


def analyze_run(
    run: Any,
    scenario: Any,
    *,
    forecast_draws: int = FORECAST_DRAWS,
    models: Sequence[str] | None = None,
) -> Analysis:
    """The analysis of a pipeline ``run`` of ``scenario`` (a
    :class:`guaranty.results.RunResult`, in memory or read back from the store): the run's
    own credibility and claims, and the forecasts on first use."""
    from guaranty.claims import run_ledger, with_today
    from guaranty.comparison import today_outputs
    from guaranty.credibility import from_run

    return Analysis(
        scenario=scenario,
        seed=run.seed,
        draws=run.draws,
        forecast_draws=min(forecast_draws, run.draws),
        models=_models(models),
        run=run,
        credibility=from_run(run, scenario),
        claims=(
            with_today(run_ledger(scenario.claims, run), today_outputs(scenario))
            if scenario.claims
            else None
        ),
    )


def analyze(
    obj: Any,
    *,
    draws: int = DRAWS,
    forecast_draws: int = FORECAST_DRAWS,
    seed: int = 0,
    store: str | Path | None = None,
    workers: int = 2,
    source: str | None = None,
    models: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    forecasts_process: bool = False,
) -> Analysis:
    """The main job on a scenario or a set of cases (module docstring). With ``store`` the
    chain runs through :func:`guaranty.runner.run` over ``workers`` processes and is read
    back from the store (so a stored run and its report show the same draws); without it,
    in this process. The forecasts depend on the scenario and the seed only: they are
    computed in a background thread beside the chain, and ``forecasts`` of the result waits
    for them (and raises what they raised).

    ``forecasts_process``: compute them in a process of their own instead (spawned, so the
    caller's main module must be import-safe, as multiprocessing requires: the command line
    is; a script without an ``if __name__ == "__main__":`` guard is not). A thread shares
    the interpreter's lock with the chain; the process has a core to itself, and ``guaranty
    analyze`` of the Ukraine scenario takes about 1 s less on two cores
    (docs/performance.md, "The main job")."""
    from guaranty.errors import ParameterError
    from guaranty.scenario.formats import CaseSet

    if draws < 1 or forecast_draws < 1:
        raise ParameterError(f"draws must be positive; got {draws} and {forecast_draws}")
    forecast_draws = min(forecast_draws, draws)
    names = _models(models)
    if isinstance(obj, CaseSet) or not has_chain(obj):
        return _without_chain(obj, names, draws, forecast_draws, seed)
    # the forecasts depend on the scenario and the seed only: computed beside the chain,
    # which keeps one core busy (in this process) or leaves this process to write the store
    pending = (_in_process if forecasts_process else _in_background)(
        _forecasts, obj, names, forecast_draws, seed
    )
    if store is not None:
        from guaranty.runner import run as run_pipeline
        from guaranty.store import Store

        summary = run_pipeline(
            obj,
            draws=draws,
            seed=seed,
            store=store,
            workers=workers,
            source=source,
            progress=progress,
        )
        with Store(store, read_only=True) as st:
            run = st.load(summary.run_id, draws=draws)
    else:
        from guaranty.montecarlo import simulate

        run = simulate(obj, draws=draws, seed=seed, progress=_one_arg(progress, draws))
    result = analyze_run(run, obj, forecast_draws=forecast_draws, models=names)
    if states_facts(obj):
        claims, answers = check_stated_facts(obj, result.claims, draws, seed)
        result = replace(result, claims=claims, fact_answers=answers)
    return replace(result, given_forecasts=pending)


#: the largest stored run whose claims :func:`stated_facts` checks when it is read back (the
#: web's results, ``guaranty report``): the check reruns the chain in memory, about 1 s and
#: 200 MB for 20,000 Ukraine draws
STATED_FACTS_MAX_DRAWS = 200_000


def stated_facts_of_stored(
    scenario: Any, claims: list[Any] | None, draws: int, seed: int
) -> tuple[list[Any] | None, dict[str, FactAnswer] | None]:
    """:func:`check_stated_facts` for a stored run, when the scenario states a fact and the
    run has at most :data:`STATED_FACTS_MAX_DRAWS` draws; the claims as they are and no
    answers otherwise (:func:`checks_stored_facts`)."""
    if not checks_stored_facts(scenario, draws):
        return claims, None
    return check_stated_facts(scenario, claims, draws, seed)


def checks_stored_facts(scenario: Any, draws: int) -> bool:
    """Whether :func:`stated_facts_of_stored` reruns the chain for a stored run of
    ``draws`` draws of ``scenario``: it states a fact, and the run is at most
    :data:`STATED_FACTS_MAX_DRAWS` draws."""
    return states_facts(scenario) and draws <= STATED_FACTS_MAX_DRAWS


def states_facts(scenario: Any) -> bool:
    """Whether the scenario states a fact in place of the data, unlike it, that the
    credibility model reads (:func:`guaranty.credibility_case.stated_facts`), or states the
    forces of a war the fit would read otherwise (:func:`guaranty.war.forces_alternative`),
    or a prior that a run from history alone sets to 0 (:func:`prior_off`): whatever
    :func:`check_stated_facts` runs again (:func:`rerun_what`)."""
    if getattr(scenario, "credibility", None) is None:
        return False
    return bool(rerun_what(scenario))


def rerun_what(scenario: Any) -> str:
    """What :func:`check_stated_facts` changes in the runs it makes again, for a progress
    step: "the data's value of each stated fact", "the stated prior at 0 (history alone)",
    or both."""
    from guaranty.credibility_case import stated_facts as facts
    from guaranty.war import forces_alternative

    parts = []
    if facts(scenario) or forces_alternative(scenario) is not None:
        parts.append("the data's value of each stated fact")
    if prior_off(scenario) is not None:
        parts.append("the stated prior at 0 (history alone)")
    return ", and with ".join(parts)


def prior_off(scenario: Any) -> Any | None:
    """The scenario with the stated prior on the effect of an obligation with no historical
    counterpart set to 0 (``credibility.unknown_sd``: history alone), when some design with
    guarantors holds such an obligation and the prior's sd is not 0 already; else None."""
    from guaranty.credibility_case import unknown_held

    cred = getattr(scenario, "credibility", None)
    if cred is None or cred.unknown_sd == 0 or not unknown_held(scenario):
        return None
    return scenario.model_copy(update={"credibility": cred.model_copy(update={"unknown_sd": 0.0})})


@dataclass(frozen=True)
class FactAnswer:
    """What the answer's figures would be with the data's value of a fact the scenario
    states in place of it, in the chain run again on the same draws with ``data`` instead of
    ``stated``: ``attack`` is (lowest, highest) over the designs of the mean P(a renewed
    attack within the deterrence horizon) and ``peace`` of the mean P(the peace holds that
    long), over the draws with a peace (:func:`attack_range`, :func:`peace_range`); None
    when no draw ends in a peace."""

    fact: str
    stated: float
    data: float
    attack: tuple[float, float] | None
    peace: tuple[float, float] | None = None
    #: for the stated prior (:data:`PRIOR`): each design's P(at least one guarantor fights)
    #: with it at 0, history alone ({design id: {"mean", "interval", ...}}, as the summary's)
    fights: dict[str, Any] | None = None


#: the key of :func:`check_stated_facts`'s answer (and of a claim's flip) for the stated
#: prior on the effect of an obligation with no historical counterpart, set to 0
PRIOR = "unknown_sd"


def _design_range(summary: dict[str, Any], key: str) -> tuple[float, float] | None:
    """(lowest, highest) over a run's designs of the mean of ``key`` (a probability of the
    summary's designs); None when no design has one."""
    means = [d[key]["mean"] for d in summary["designs"].values() if d[key]["mean"] is not None]
    return (min(means), max(means)) if means else None


def attack_range(summary: dict[str, Any]) -> tuple[float, float] | None:
    """(lowest, highest) over a run's designs of the mean P(a renewed attack within the
    horizon), 1 - ``p_no_attack`` (``summary``: :meth:`guaranty.results.RunResult.summary`);
    None when no design has one (no draw ends in a peace)."""
    got = _design_range(summary, "p_no_attack")
    return None if got is None else (1 - got[1], 1 - got[0])


def peace_range(summary: dict[str, Any]) -> tuple[float, float] | None:
    """(lowest, highest) over a run's designs of the mean P(the peace holds over the
    horizon), ``p_peace`` (``summary`` as for :func:`attack_range`); None without a peace."""
    return _design_range(summary, "p_peace")


def stated_facts(scenario: Any, claims: list[Any], draws: int, seed: int) -> list[Any]:
    """The claims of :func:`check_stated_facts` alone."""
    return check_stated_facts(scenario, claims, draws, seed)[0]


def check_stated_facts(
    scenario: Any, claims: list[Any] | None, draws: int, seed: int
) -> tuple[list[Any] | None, dict[str, FactAnswer]]:
    """The claims with the facts the scenario states in place of the data (the pair's,
    ``credibility.pair``; a state's nuclear status, an actor's ``nuclear``; the war's forces
    where the fit would read them from the two sides' capabilities,
    :func:`guaranty.war.forces_alternative`) and on which their verdicts turn: for each
    stated fact unlike the data, the chain is run again on the same draws (the same seed)
    with the data's value, and a claim whose verdict differs says so
    (:func:`guaranty.claims.with_facts`). One more run of the chain per stated fact.

    With them, for each fact of the pair or a state's nuclear status, what that run gives
    for the answer's risk of a renewed attack and the peace's durability
    (:class:`FactAnswer`; the forces have their own note, :func:`guaranty.war.
    forces_reading`). That run is made even when there are no claims. So is one with the
    stated prior on the effect of an obligation with no historical counterpart at 0
    (:func:`prior_off`, history alone; the answer :data:`PRIOR`, with each design's
    P(at least one guarantor fights) in ``fights``), whose claims that turn on it say so."""
    from guaranty.claims import run_ledger, with_facts
    from guaranty.credibility_case import stated_facts as facts
    from guaranty.credibility_case import without_stated
    from guaranty.montecarlo import simulate
    from guaranty.war import capability_ratio_of, forces_alternative, stated_force_ratio

    alternatives: dict[str, tuple[Any, ...]] = {}
    answers: dict[str, FactAnswer] = {}
    for fact, (stated, data) in facts(scenario).items():  # those unlike the data
        other = without_stated(scenario, fact)
        run = simulate(other, draws=draws, seed=seed)
        summary = run.summary()
        answers[fact] = FactAnswer(fact, stated, data, attack_range(summary), peace_range(summary))
        if claims:
            alternatives[fact] = (stated, data, run_ledger(other.claims, run))
    other = prior_off(scenario)
    if other is not None:  # history alone: the stated prior's sd at 0
        sd = scenario.credibility.unknown_sd
        run = simulate(other, draws=draws, seed=seed)
        summary = run.summary()
        fights = {
            k: d["p_any"] for k, d in summary["designs"].items() if d["p_any"]["mean"] is not None
        }
        answers[PRIOR] = FactAnswer(
            PRIOR, sd, 0.0, attack_range(summary), peace_range(summary), fights=fights
        )
        if claims:
            phrase = (
                "the stated prior on the effect of an obligation with no historical "
                f"counterpart (sd {sd:g}; history alone: sd 0"
            )
            alternatives[PRIOR] = (sd, 0.0, run_ledger(other.claims, run), phrase)
    other = forces_alternative(scenario) if claims else None
    if other is not None:  # the forces as the fit to the COW wars reads them
        stated, data = stated_force_ratio(scenario), capability_ratio_of(other)
        run = simulate(other, draws=draws, seed=seed)
        phrase = (
            f"the stated forces (the aggressor's {stated:.2g} times the protected state's; "
            f"read as the fit to the COW wars reads them, from capabilities {data:.2g} times "
            "theirs raised to the fitted exponent, docs/models/war.md"
        )
        alternatives["forces"] = (stated, data, run_ledger(other.claims, run), phrase)
    return (with_facts(claims, alternatives) if claims else claims), answers


def _in_background(fn: Callable[..., Any], *args: Any) -> Future:
    """``fn(*args)`` in a daemon thread (a failure of the command in the meantime does not
    wait for it); its result, or its exception, through the returned future."""
    future: Future = Future()

    def work() -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # re-raised by future.result() in the reader
            future.set_exception(exc)

    threading.Thread(target=work, name="guaranty-forecasts", daemon=True).start()
    return future


def _one_arg(
    progress: Callable[[int, int], None] | None, total: int
) -> Callable[[int], None] | None:
    """``simulate`` reports draws done one chunk at a time; the runner reports (done, total)."""
    if progress is None:
        return None
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], total)

    return step


def separate_war(scenario: Any, draws: int, seed: int) -> Any:
    """The scenario's war on its own (at most :data:`WAR_DRAWS` draws), for the claims of a
    scenario without the chain that name it; None without a war section."""
    if scenario.war is None:
        return None
    from guaranty.war import run_war

    return run_war(scenario, draws=min(draws, WAR_DRAWS), seed=seed)


def _without_chain(
    obj: Any, models: tuple[str, ...], draws: int, forecast_draws: int, seed: int
) -> Analysis:
    """Cases (the backtest) or a scenario without a war: forecasts now, the credibility on
    its own, and the claims on the separate analyses."""
    from guaranty.scenario.formats import CaseSet

    forecasts = _forecasts(obj, models, forecast_draws, seed)
    cred = claims = None
    if not isinstance(obj, CaseSet):
        if obj.credibility is not None and obj.guarantees:
            from guaranty.credibility import assess

            cred = assess(obj, draws=min(draws, CREDIBILITY_DRAWS), seed=seed)
        if obj.claims:
            from guaranty.claims import ledger, scenario_outputs

            outputs, inputs = scenario_outputs(forecasts, cred, separate_war(obj, draws, seed))
            claims = ledger(obj.claims, outputs, inputs)
    return Analysis(
        scenario=obj,
        seed=seed,
        draws=draws,
        forecast_draws=forecast_draws,
        models=models,
        credibility=cred,
        claims=claims,
        given_forecasts=forecasts,
    )


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in :func:`_in_process`'s process, shown as the
    cause of the exception re-raised here."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def _child(conn: Any, fn: Callable[..., Any], args: tuple) -> None:
    """The body of :func:`_in_process`'s process: sends ``(True, fn(*args), "")`` on
    ``conn``, or ``(False, exception, traceback)`` (an exception that does not survive
    pickling replaced by a RuntimeError that names it)."""
    import contextlib
    import pickle
    import traceback

    try:
        message: tuple = (True, fn(*args), "")
    except BaseException as exc:
        text = traceback.format_exc()
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        message = (False, exc, text)
    try:
        conn.send(message)
    except Exception as exc:  # a result that cannot be pickled, or the command is gone
        with contextlib.suppress(Exception):
            conn.send((False, RuntimeError(f"cannot send the result back: {exc}"), ""))
    finally:
        conn.close()


def _in_process(fn: Callable[..., Any], *args: Any) -> Future:
    """``fn(*args)`` in a spawned daemon process (it ends with the command, which does not
    wait for it if it fails in the meantime); its result, or its exception (with the
    process's traceback as its cause), through the returned future. ``fn`` and ``args``
    must pickle; a process that dies without an answer gives a RuntimeError with its exit
    code."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args), name="guaranty-forecasts", daemon=True)
    proc.start()
    send.close()  # this end stays with the child: its exit then ends recv() with EOFError
    future: Future = Future()

    def wait() -> None:
        future.set_running_or_notify_cancel()
        try:
            ok, value, text = receive.recv()
        except BaseException as exc:  # the process died, or its answer did not unpickle
            proc.join()
            future.set_exception(
                RuntimeError(
                    f"the forecasts' process ended (exit code {proc.exitcode}) without an "
                    f"answer ({type(exc).__name__}: {exc})"
                )
            )
            return
        finally:
            receive.close()
        proc.join()
        if ok:
            future.set_result(value)
        else:
            if text:
                value.__cause__ = _RemoteTraceback(text)
            future.set_exception(value)

    threading.Thread(target=wait, name="guaranty-forecasts-wait", daemon=True).start()
    return future
