"""The ``claims`` command: the claims ledger alone, each claim's verdict and the inputs that
move it (first-order and total Sobol indices from a Saltelli design, or first-order indices
from the draws themselves)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from guaranty.cli.common import USAGE, fail, out, print_json, progress_bar, spinner
from guaranty.cli.lazy import forecast, is_cases, negotiable, registry
from guaranty.cli.options import (
    CHAIN_DRAWS,
    DEFAULT_STORE,
    ChainDrawsOpt,
    ExistingStoreOpt,
    FileArg,
    JsonOpt,
    SeedOpt,
)
from guaranty.scenario import load

#: per-design outputs whose Sobol indices ``guaranty claims`` reports as the headline
HEADLINE_METRICS = ("p_any", "p_no_attack", "p_abandoned")


def _headline_keys(res: Any) -> list[str]:
    return [k for k in res.indices if not k.startswith("claim:")]


def _claims_sobol(obj: Any, reference: Any, n: int, seed: int, *, quiet: bool) -> Any:
    """Sobol indices of every claim's per-draw target and of the headline outputs (every
    design's P(a guarantor fights), P(no renewed attack), P(abandoned))."""
    from guaranty.claims import sobol_target, sobol_values
    from guaranty.sensitivity import sobol

    targets = {c.id: sobol_target(c, reference) for c in obj.claims}

    def outputs(run: Any) -> dict[str, Any]:
        got: dict[str, Any] = {}
        for k, d in enumerate(run.layout.designs):
            for m in HEADLINE_METRICS:
                got[f"{m}.{d}"] = run.whatif[m][k]
        outs = run.outputs()
        for cid, target in targets.items():
            if target is not None:
                got[f"claim:{cid}"] = sobol_values(target, outs)
        return got

    with progress_bar(label="Sobol design", remaining=False, quiet=quiet) as bar:
        task = bar.add_task("sobol", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = sobol(obj, outputs, n=n, seed=seed, progress=progress)
    return result, targets


def _find_claims_sweep(obj: Any, store: Any, ref: str) -> str:
    """The id of the stored sweep ``--sweep`` names, checked to be of this very scenario
    (before the ledger runs: a wrong sweep fails at once)."""
    from guaranty.store import Store, scenario_hash
    from guaranty.store.sweeps import find_sweep, list_sweeps

    if not store.exists():
        raise fail(f"error: {store}: no such results store (guaranty sweep --store writes one)")
    own = scenario_hash(obj)
    with Store(store, read_only=True) as st:
        sweep_id = find_sweep(st, ref, own)
        info = next(r for r in list_sweeps(st) if r["sweep_id"] == sweep_id)
    if info["scenario_hash"] != own:
        raise fail(
            f"error: {store}: sweep {sweep_id} is of another scenario ({info['scenario']!r}, "
            "or another version of this file); run guaranty sweep on this file first"
        )
    return sweep_id


def _claims_sweep(obj: Any, reference: Any, store: Any, sweep_id: str) -> tuple[Any, Any, dict]:
    """The indices of every claim's per-draw target and of the headline outputs from the
    stored sweep ``sweep_id`` (``--sweep``): Sobol S1/ST, Morris mu* or the grid's main
    effects, over the sweep's design points."""
    from guaranty.claims import sobol_target, sobol_values
    from guaranty.store import Store
    from guaranty.sweep import headline, stored_indices

    targets = {c.id: sobol_target(c, reference) for c in obj.claims}

    def wanted(outs: Any) -> dict[str, Any]:
        got: dict[str, Any] = dict(headline(outs, HEADLINE_METRICS))
        for cid, target in targets.items():
            if target is None:
                continue
            try:
                got[f"claim:{cid}"] = sobol_values(target, outs)
            except (KeyError, TypeError):
                targets[cid] = None  # names an output the sweep does not keep
        return got

    with Store(store, read_only=True) as st:
        info, result = stored_indices(st, sweep_id, wanted)
    return result, targets, {**info, "store": str(store)}


def _sweep_method(res: Any, info: dict[str, Any]) -> dict[str, Any]:
    """``sensitivity_method`` for indices read from a stored sweep: the keys of the
    in-memory design's, and the sweep."""
    from guaranty.sensitivity import design_method

    sweep = {
        "sweep_id": info["sweep_id"],
        "store": info["store"],
        "design": info["design"],
        "n": int(info["n"]),
        "seed": int(info["seed"]),
        "points": int(info["points"]),
    }
    if info["design"] == "sobol":
        return {**_sobol_method((res, None)), "sweep": sweep}
    return {
        "design": design_method(str(info["design"])),
        "base_samples": int(info["n"]),
        "factors": list(res.factors),
        "draws_of_the_pipeline": res.evaluations,
        "target": _TARGET,
        "additivity_check": None,
        "sweep": sweep,
    }


_TARGET = (
    "a claim about single draws: its truth value in each draw; a claim about "
    "the whole distribution: the per-draw difference of the two sides of its deciding "
    "comparison (war.p_X -> war.X, explained.I -> settled.I); the settlement's outputs "
    "are computed in every draw as if the peace held, so 'given' is not applied"
)


def _sobol_method(sobol: Any) -> dict[str, Any]:
    if sobol is None:
        return {
            "s1": "first-order Sobol index of the claim's per-draw truth value, estimated from "
            "the draws (20 equal-count bins per input, bias-corrected)",
            "st": None,
        }
    res = sobol[0]
    return {
        "design": "Saltelli (2010) with scrambled Sobol' points (SALib 1.6), first-order and "
        "total indices (Saltelli 2010 and Jansen 1999 estimators) with bootstrap 95% "
        "half-widths (s1_conf, st_conf)",
        "base_samples": res.n,
        "factors": list(res.factors),
        "draws_of_the_pipeline": res.evaluations,
        "target": _TARGET,
        "additivity_check": "an output is additive when sum(ST) - sum(S1) < 0.1; then the "
        "first-order indices over all factors sum to within 0.1 of 1",
    }


def _headline_json(sobol: Any, top: int) -> dict[str, Any]:
    res = sobol[0]
    return {
        key: {"sums": res.sums(key), "indices": res.rows(key, top)} for key in _headline_keys(res)
    }


def _claims_scenario(file: Any, sobol_n: int) -> Any:
    """The scenario of ``file``, checked to have claims (and ``--sobol`` to be usable)."""
    obj = negotiable(load(file), file)
    if is_cases(obj):
        raise fail(f"error: {file}: claims need a scenario with a 'claims' section")
    if not obj.claims:
        raise fail(f"error: {file}: the scenario has no claims")
    if sobol_n and (sobol_n < 2 or sobol_n & (sobol_n - 1)):
        raise fail(f"error: --sobol must be a power of 2, at least 2 (or 0); got {sobol_n}", USAGE)
    return obj


def _draws_of(outputs: Any, default: int) -> int:
    """The number of draws of the outputs' arrays (their common first axis)."""
    shape = getattr(outputs, "shape", None)  # an array (numpy is not imported at start-up)
    if shape:
        return int(shape[0])
    if isinstance(outputs, dict):
        for value in outputs.values():
            n = _draws_of(value, -1)
            if n >= 0:
                return n
    return default


def _ledger(obj: Any, draws: int, seed: int, pipeline: bool) -> tuple[Any, Any, Any]:
    """The ledger's results, the outputs and the inputs: from the pipeline's draws, or else
    from every negotiation model's forecast and the credibility estimate."""
    from guaranty.claims import ledger, run_ledger, with_today

    if pipeline:
        from guaranty import montecarlo
        from guaranty.comparison import today_outputs

        run = montecarlo.simulate(obj, draws=draws, seed=seed)
        results = with_today(run_ledger(obj.claims, run), today_outputs(obj))
        from guaranty.analysis import stated_facts, states_facts

        if states_facts(obj):
            results = stated_facts(obj, results, draws, seed)
        return results, run.outputs(), run.input_arrays()
    from guaranty.claims import scenario_outputs

    fcs = [forecast(obj, m, draws=min(draws, 500), seed=seed) for m in registry.available()]
    cred = None
    if obj.credibility is not None and obj.guarantees:
        from guaranty.credibility import assess

        cred = assess(obj, draws=min(draws, 2000), seed=seed)
    from guaranty.analysis import separate_war

    outputs, inputs = scenario_outputs(fcs, cred, separate_war(obj, draws, seed))
    return ledger(obj.claims, outputs, inputs), outputs, inputs


def _sobol_indices(claim: Any, sobol: Any, top: int) -> tuple[list[dict[str, Any]], str]:
    """A claim's largest Sobol indices from the design, and a note on what they decompose."""
    result, targets = sobol
    target = targets.get(claim.id)
    if target is None:
        return [], "the statement is not a comparison or a conjunction of comparisons"
    indices = result.rows(f"claim:{claim.id}", top)
    if not indices:
        return indices, (
            f"{target[0]!r} takes one value in every draw of the design (or is "
            "missing in some): there is no variance to apportion"
        )
    return indices, f"indices of {target[0]!r}" + (
        " (true or false in each draw)" if target[1] else " (per draw)"
    )


def _given_data_indices(claim: Any, outputs: Any, inputs: Any, top: int) -> list[dict[str, Any]]:
    """A claim's largest first-order indices estimated from the draws already made."""
    import numpy as np

    from guaranty.claims import evaluate, first_order_indices

    holds = evaluate(claim.statement, outputs, claim=claim.id).astype(float)
    sel = (
        evaluate(claim.given, outputs, claim=claim.id)
        if claim.given
        else np.ones(holds.shape, bool)
    )
    s1 = first_order_indices(holds[sel], {k: v[sel] for k, v in inputs.items()})
    best = sorted(s1.items(), key=lambda kv: -kv[1])[:top]
    return [{"input": k, "s1": round(v, 4), "st": None} for k, v in best if v > 0]


def _claim_row(c: Any, r: Any, sobol: Any, outputs: Any, inputs: Any, top: int) -> dict:
    """One claim of the ledger as the JSON row ``guaranty claims --json`` prints."""
    indices: list[dict[str, Any]] = []
    note = None
    if sobol is not None:
        indices, note = _sobol_indices(c, sobol, top)
    elif c.statement:
        indices = _given_data_indices(c, outputs, inputs, top)
    return {
        "id": r.id,
        "who": r.who,
        "statement": r.statement,
        "given": r.given,
        "verdict": r.verdict,
        "share": r.share,
        "n": r.n,
        "reading": r.reading,
        "sensitivity": indices,
        "sensitivity_note": note,
        "sensitivity_sums": sobol[0].sums(f"claim:{r.id}") if sobol else None,
        "halves": [{"input": k, "share_low": lo, "share_high": hi} for k, lo, hi in r.sensitivity],
        "stated_facts": [asdict(f) for f in r.facts],
    }


def _moved(row: dict[str, Any]) -> str:
    """The two factors that move a claim most, with their indices (S1 / ST; Morris's mu*;
    the grid's range)."""
    got = row["sensitivity"][:2]
    if got and "mu_star" in got[0]:
        return "; ".join(f"{x['input']} (mu* {x['mu_star']:.2f})" for x in got)
    if got and "range" in got[0]:
        return "; ".join(f"{x['input']} (range {x['range']:.2f})" for x in got)
    return "; ".join(
        f"{x['input']} ({x['s1']:.2f} / {x['st']:.2f})" for x in got if x.get("st") is not None
    )


def _print_claims(
    obj: Any, rows: list[dict], sobol: Any, draws: int, seed: int, sweep: dict | None = None
) -> None:
    """The ledger as a table, then the Sobol design (or the sweep) and the headline
    outputs' index sums."""
    t = Table(title=f"{obj.name}: the claims ({draws:,} draws, seed {seed})")
    moved = "moved most by (S1 / ST)"
    if sweep is not None and sweep["design"] != "sobol":
        moved = "moved most by (" + ("mu*" if sweep["design"] == "morris" else "range") + ")"
    for col in ("claim", "verdict", "holds in", "reading", moved):
        t.add_column(col)
    for row in rows:
        share = "" if row["share"] is None else f"{row['share']:.0%}"
        t.add_row(row["id"], row["verdict"], share, row["reading"] or "", _moved(row))
    out.print(t)
    if sobol is None:
        return
    res = sobol[0]
    if sweep is not None:
        out.print(
            f"from sweep {sweep['sweep_id']} in {sweep['store']} ({sweep['design']} design, "
            f"n {sweep['n']}, seed {sweep['seed']}, {sweep['points']:,} design points)",
            markup=False,
        )
        if sweep["design"] != "sobol":
            return
    out.print(
        f"Sobol indices: Saltelli design, {res.n} base samples, {len(res.factors)} factors, "
        f"{res.evaluations:,} draws of the pipeline; headline outputs (sum of S1 / sum of "
        "ST; additive when sum(ST) - sum(S1) < 0.1):"
    )
    for key in _headline_keys(res):
        sums = res.sums(key)
        if sums is not None:
            tag = "additive" if sums["additive"] else "interactions"
            out.print(f"  {key}: {sums['sum_s1']:.2f} / {sums['sum_st']:.2f} ({tag})")


def claims_cmd(
    file: FileArg,
    draws: ChainDrawsOpt = CHAIN_DRAWS,
    seed: SeedOpt = 0,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Inputs listed per claim, largest index first.")
    ] = 5,
    sobol_n: Annotated[
        int,
        typer.Option(
            "--sobol",
            min=0,
            help="Base samples of the Saltelli design for the Sobol indices (a power of 2; "
            "the pipeline runs n (factors + 2) draws); 0 skips them.",
        ),
    ] = 256,
    sweep: Annotated[
        str | None,
        typer.Option(
            "--sweep",
            help="Read the indices from this stored sweep of the scenario (its id, the start "
            "of it, or 'latest') instead of running the --sobol design (docs/sweep.md).",
        ),
    ] = None,
    store: ExistingStoreOpt = DEFAULT_STORE,
    as_json: JsonOpt = False,
) -> None:
    """The claims ledger alone: each claim's verdict (supported, depends, not supported, by
    construction, indistinguishable, not checkable), the share of draws in which it holds, a
    one-sentence reading, and the inputs that move it: first-order and total Sobol indices
    from a Saltelli design over every uncertain input, model defaults and chance included
    (docs/claims.md), or the indices of a stored sweep (--sweep)."""
    obj = _claims_scenario(file, 0 if sweep else sobol_n)
    pipeline = obj.war is not None and obj.credibility is not None and bool(obj.guarantees)
    if sweep is not None and not pipeline:
        raise fail(f"error: {file}: --sweep needs a scenario that runs the whole chain", USAGE)
    sweep_id = _find_claims_sweep(obj, store, sweep) if sweep is not None else None
    with spinner("running the models ...", quiet=as_json):
        results, outputs, inputs = _ledger(obj, draws, seed, pipeline)
    # without the chain the claims are read on the draws every separate analysis made (the
    # forecasts take at most 500): say how many, not how many were asked for
    draws = draws if pipeline else _draws_of(outputs, draws)
    sobol = None
    swept = None
    if sweep_id is not None:
        res, targets, swept = _claims_sweep(obj, outputs, store, sweep_id)
        sobol = (res, targets)
    elif pipeline and sobol_n:
        sobol = _claims_sobol(obj, outputs, sobol_n, seed, quiet=as_json)
    rows = [
        _claim_row(c, r, sobol, outputs, inputs, top)
        for c, r in zip(obj.claims, results, strict=True)
    ]
    if as_json:
        print_json(
            {
                "draws": draws,
                "seed": seed,
                "sensitivity_method": (
                    _sweep_method(sobol[0], swept) if swept else _sobol_method(sobol)
                ),
                "headline": _headline_json(sobol, top) if sobol else None,
                "claims": rows,
            }
        )
        return
    _print_claims(obj, rows, sobol, draws, seed, swept)
