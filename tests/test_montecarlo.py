"""The chain from the war to the peace (guaranty.montecarlo), draw by draw.

Expected values come from the module's definitions (docs/pipeline.md) applied by hand to the
arrays of a run, and from the DEU III backtest (docs/backtest.md) for the default model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from doc_figures import script_fixture, table_row

from guaranty import montecarlo as mc
from guaranty.claims import run_ledger
from guaranty.errors import ScenarioError
from guaranty.models import registry
from guaranty.models.war.battlefield import OUTCOMES
from guaranty.pipeline import backtest
from guaranty.scenario import load
from guaranty.scenario.schema import PipelineSettings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenario():
    return load(ROOT / "scenarios" / "ukraine-2022.yaml")


@pytest.fixture(scope="module")
def run(scenario):
    return mc.simulate(scenario, draws=2500, seed=3)


@pytest.mark.slow
def test_default_model_is_the_best_of_the_backtest() -> None:
    """The settlement's default model has the lowest MAE on the DEU III development issues."""
    cases = load(ROOT / "tests" / "data" / "deu3_dev.tsv")
    scores = backtest(cases, registry.available(), seed=0, boot=100)
    best = min(scores, key=lambda m: scores[m].mae)
    assert mc.DEFAULT_MODEL == best
    assert scores[best].mae == pytest.approx(20.64, abs=0.01)  # docs/backtest.md


def test_same_seed_same_draws_and_blocks_are_whole(scenario, run) -> None:
    again = mc.simulate(scenario, draws=1200, seed=3)
    # draw i depends on (seed, i) only: the first 1200 draws of a 2500-draw run
    for name in ("war_outcome", "front", "terms", "design", "guarantee_level", "inputs"):
        np.testing.assert_array_equal(getattr(again, name), getattr(run, name)[: again.draws])
    np.testing.assert_array_equal(again.settled, run.settled[:1200])
    for m in mc.METRICS:
        np.testing.assert_array_equal(again.whatif[m], run.whatif[m][:, :1200])
    other = mc.simulate(scenario, draws=1200, seed=4)
    assert not np.array_equal(other.front, again.front)


def test_peace_and_settled_terms(scenario, run) -> None:
    code = {name: k for k, name in enumerate(OUTCOMES)}
    peace = (run.war_outcome == code["settlement"]) | (run.war_outcome == code["decisive_a"])
    np.testing.assert_array_equal(run.peace, peace)
    assert 0 < peace.mean() < 1
    # no peace, no settled terms, no design, no deterrence or durability
    assert np.isnan(run.settled[~peace]).all()
    assert not np.isnan(run.settled[peace]).any()
    assert (run.design[~peace] == -1).all()
    for m in ("p_no_attack", "p_peace", "p_attack_window"):
        assert np.isnan(run.whatif[m][:, ~peace]).all()
        assert not np.isnan(run.whatif[m][:, peace]).any()
    # the territory's term is the agreed line of the war's outputs
    t = [i.id for i in scenario.issues].index("territory")
    np.testing.assert_array_equal(run.settled[peace, t], run.terms[peace])
    # the settled guarantee level is the forecast on the ladder
    g = [i.id for i in scenario.issues].index("guarantee")
    np.testing.assert_array_equal(run.guarantee_level[peace], run.settled[peace, g])


def test_settled_design_is_the_nearest_rung(scenario, run) -> None:
    # every design of the Ukraine scenario has a fixed rung: the nearest one, first on ties
    rungs = np.array([d.level.nominal for d in scenario.guarantees])
    peace = run.peace
    gap = np.abs(rungs[None, :] - run.guarantee_level[peace, None])
    np.testing.assert_array_equal(run.design[peace], np.argmin(gap, axis=1))
    # the chosen design's values are the what-if values of that design
    k = run.design[peace].astype(int)
    cols = np.flatnonzero(peace)
    for m in mc.METRICS:
        np.testing.assert_array_equal(run.chosen(m)[peace], run.whatif[m][k, cols])
    assert sum(run.design_shares().values()) == pytest.approx(peace.mean())


def test_capabilities_after_the_war_enter_deterrence(scenario) -> None:
    """The two sides' capabilities after the war scale with the share of their forces left
    and enter the estimated attack hazard through the aggressor's share of the dyad's CINC:
    its coefficient is positive in the shipped fit (docs/models/credibility.md), so draws in
    which Russia kept the larger share must face a higher risk of a renewed attack."""
    from guaranty.evidence import evidence

    assert evidence().attack.interval("cap_share")[0] > 0
    base = mc.simulate(scenario, draws=1000, seed=5)
    assert np.all((base.force_b >= 0) & np.isfinite(base.force_b))
    assert np.all(base.force_a[base.peace] > 0)
    peace = base.peace
    none = list(base.layout.designs).index("neutrality_alone")
    p = base.whatif["p_no_attack"][none, peace]
    ru = scenario.actor("russia").capability_value.nominal * base.force_b[peace]
    ua = scenario.actor("ukraine").capability_value.nominal * base.force_a[peace]
    share = ru / (ru + ua)
    hi, lo = share > np.median(share), share <= np.median(share)
    assert p[hi].mean() < p[lo].mean()


def test_what_if_runs_share_the_draws(run) -> None:
    """Designs are compared on the same draws: the same war, and for two designs without
    guarantors (neutrality, a nuclear deterrent of its own) nothing is committed, so
    deterrence is the same whenever they take effect."""
    d = list(run.layout.designs)
    a, b = d.index("neutrality_alone"), d.index("nuclear_deterrent")
    np.testing.assert_array_equal(run.whatif["p_no_attack"][a], run.whatif["p_no_attack"][b])
    assert np.isnan(run.whatif["p_any"][a]).all()


def test_claims_over_the_run(scenario, run) -> None:
    ledger = {c.id: c for c in run_ledger(scenario.claims, run)}
    assert len(ledger) == len(scenario.claims)
    from guaranty.claims import VERDICTS

    assert all(c.verdict in VERDICTS for c in ledger.values())
    assert all(c.reading for c in ledger.values())
    # per-draw claim with a condition, by hand: among settlements, the line at 70 or more
    settle = run.war_outcome == OUTCOMES.index("settlement")
    want = float(np.mean(run.front[settle] >= 70))
    c = ledger["crimea_red_line"]
    assert c.share == pytest.approx(want, abs=1e-12) and c.n == int(settle.sum())
    # the red line (75) comes from the claim's own memo, yet the settlements stay near the
    # mid-2022 line (0): the model does not carry the input through, so the verdict is read
    # off the draws and names the input (docs/claims.md)
    assert abs(np.median(run.front[settle])) <= 5 and c.share <= 0.05
    assert c.verdict == "not supported" and "the model does not carry it through" in c.reading
    # a claim about the whole distribution, by hand, and on each half of an input
    shares = run.shares()
    frozen = ledger["frozen_conflict_likelier"]
    holds = shares["frozen"] > shares["decisive_a"] + shares["decisive_b"]
    assert frozen.share == float(holds)
    for name, lo, hi in frozen.sensitivity:
        values = run.input_arrays()[name]
        low = values <= np.median(values)
        for part, got in ((run.subset(low), lo), (run.subset(~low), hi)):
            s = part.shares()
            assert got == float(s["frozen"] > s["decisive_a"] + s["decisive_b"])


def test_outputs_where_equals_the_outputs_of_the_subset(run) -> None:
    """What the claims ledger computes on each half of an input: ``outputs_where`` copies
    only the arrays a group reads, and must give every group exactly what the whole subset
    gives (a group reading an array it does not declare fails loudly, on None)."""
    low = run.input_arrays()[run.layout.inputs[0]] <= np.median(run.inputs[:, 0])
    groups = list(run.outputs())
    assert {"war", "explained", "chosen", "max_p_honor"} <= set(groups)
    part = run.subset(low, with_inputs=False)
    for g in groups:
        got, want = run.outputs_where(low, [g]), part.outputs([g])
        assert got.keys() == want.keys() == {g}
        for a, b in zip(_leaves(got), _leaves(want), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    got = run.outputs_where(low, groups)
    for a, b in zip(_leaves(got), _leaves(part.outputs()), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def _leaves(tree):
    """The arrays of a nested dict of outputs, in key order."""
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    return [np.asarray(tree, dtype=float)]


def test_explained_fits_every_issue_as_one_at_a_time(run) -> None:
    """The R^2 of the settled terms, fitted for all issues in one solve, equals the fit of
    each issue alone (``results._r2``), and an issue with a NaN falls back to it."""
    from guaranty import results

    p = run.peace
    cols = [run.front[p], run.end_month[p].astype(float), run.force_a[p], run.force_b[p]]
    y = run.settled[p].copy()
    want = [results._r2(y[:, k], cols) for k in range(y.shape[1])]
    assert results._r2_columns(y, cols) == pytest.approx(want, rel=1e-10, abs=1e-12)
    y[0, 0] = np.nan
    want[0] = results._r2(y[:, 0], cols)
    assert results._r2_columns(y, cols) == pytest.approx(want, rel=1e-10, abs=1e-12)


def test_explained_drops_constant_and_collinear_columns_as_least_squares_does() -> None:
    """``_r2_columns`` solves the normal equations of the scaled columns; a constant column
    (spanned by the intercept) and a column that is a sum of two others (a rank-deficient
    least-squares problem) give the R^2 of numpy's least squares on the raw columns
    (``results._r2``), to round-off."""
    from guaranty import results

    rng = np.random.default_rng(3)
    n = 4000
    a, b = rng.normal(50, 20, n), rng.uniform(0, 100, n)
    cols = [a, b, np.full(n, 7.0), a + 3 * b, (b > 60).astype(float)]
    y = np.column_stack([0.3 * a - b + rng.normal(0, 30, n), rng.normal(0, 1, n), 2.0 * a])
    want = [results._r2(y[:, k], cols) for k in range(y.shape[1])]
    got = results._r2_columns(y, cols)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert got[2] == pytest.approx(1.0, abs=1e-12)  # an exact fit
    assert got[1] == pytest.approx(0.0, abs=0.01)  # noise explains next to nothing


def test_pipeline_needs_its_sections(scenario) -> None:
    with pytest.raises(ScenarioError, match="'war'"):
        mc.settings(scenario.model_copy(update={"war": None}))
    # an unknown model is refused where the settings are read (validate), and, should a
    # scenario be built around the schema, where the pipeline reads them
    with pytest.raises(ValueError, match="unknown negotiation model 'nope'"):
        PipelineSettings(model="nope")
    bad = scenario.model_copy(update={"pipeline": PipelineSettings.model_construct(model="nope")})
    with pytest.raises(ScenarioError, match="unknown negotiation model 'nope'") as e:
        mc.settings(bad)
    assert e.value.field == ("pipeline", "model")


def test_scenario_may_name_the_settlement_model(scenario) -> None:
    other = scenario.model_copy(update={"pipeline": PipelineSettings(model="compromise")})
    a = mc.simulate(other, draws=300, seed=1)
    b = mc.simulate(scenario, draws=300, seed=1)
    assert a.layout.model == "compromise" and b.layout.model == "extremity"
    np.testing.assert_array_equal(a.war_outcome, b.war_outcome)  # same war
    g = list(a.layout.issues).index("guarantee")
    assert not np.allclose(a.settled[a.peace, g], b.settled[b.peace, g])


def test_scenario_may_set_the_settlement_models_parameters(scenario) -> None:
    """pipeline.params reach the settlement's model: extremity without its discount on the
    outermost positions (extreme_weight 0) settles elsewhere than the default (0.1), on
    the same war; an empty params is the default."""
    given = PipelineSettings(model="extremity", params={"extreme_weight": 0.0})
    a = mc.simulate(scenario.model_copy(update={"pipeline": given}), draws=300, seed=1)
    b = mc.simulate(scenario, draws=300, seed=1)
    none = PipelineSettings(model="extremity", params={})
    c = mc.simulate(scenario.model_copy(update={"pipeline": none}), draws=300, seed=1)
    np.testing.assert_array_equal(a.war_outcome, b.war_outcome)  # same war
    g = list(a.layout.issues).index("guarantee")
    assert not np.allclose(a.settled[a.peace, g], b.settled[b.peace, g])
    np.testing.assert_array_equal(c.settled[c.peace], b.settled[b.peace])


def test_renaming_an_actor_changes_no_draw(scenario) -> None:
    """The ids the file gives the actors are names only: the whole chain with 'uk' called
    'britain' everywhere gives the same draws, bit for bit (war, settled terms and design,
    every guarantor's P(fights), every design's what-if metrics)."""
    import re

    from guaranty.scenario import parse

    text = (ROOT / "scenarios" / "ukraine-2022.yaml").read_text()
    renamed = parse(re.sub(r"\buk\b", "britain", text), "renamed.yaml")
    a = mc.simulate(scenario, draws=600, seed=2)
    b = mc.simulate(renamed, draws=600, seed=2)
    for name in ("war_outcome", "front", "terms", "settled", "design", "honor"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for metric in a.whatif:
        np.testing.assert_array_equal(a.whatif[metric], b.whatif[metric], err_msg=metric)


def test_settled_line_lies_inside_both_acceptance_sets(scenario) -> None:
    """Property over the pipeline's draws: after a settlement the territory's term is the
    negotiation's forecast clipped to the war's bargaining range of that month, so it lies
    in [range_low, range_high] in every settled draw (the war of block b is re-run from the
    block's seed, [seed, b, 1], to recover the ranges), and a decisive win gives 100 or 0."""
    from guaranty.war import run_war

    run = mc.simulate(scenario, draws=2 * mc.BLOCK, seed=9)
    settle = run.war_outcome == OUTCOMES.index("settlement")
    assert settle.any()
    for b in range(2):
        war = run_war(scenario, draws=mc.BLOCK, seed=[9, b, 1]).result
        sl = slice(b * mc.BLOCK, (b + 1) * mc.BLOCK)
        np.testing.assert_array_equal(war.outcome, run.war_outcome[sl])
        s = settle[sl]
        terms = run.terms[sl]
        assert (war.range_low[s] - 1e-9 <= terms[s]).all()
        assert (terms[s] <= war.range_high[s] + 1e-9).all()
        assert (terms[run.war_outcome[sl] == OUTCOMES.index("decisive_a")] == 100).all()


settlement_script = script_fixture("settlement_models")


@pytest.mark.slow  # the chain seven times over (about 8 s)
def test_doc_quotes_the_settled_designs_under_every_model(scenario, settlement_script) -> None:
    """docs/pipeline.md's table of the design the settlement lands on under each registered
    model is what ``scripts/settlement_models.py`` prints (2000 draws, seed 0), to its
    decimals; and the peace, set by the war alone, is the same under every model."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "pipeline.md").read_text()
    rows = settlement_script.settled_by_model(scenario, 2000, 0)
    assert [r["model"] for r in rows] == registry.available()
    assert len({r["peace"] for r in rows}) == 1
    for r in rows:
        cells = table_row(doc, f"| {r['model']} | ", "docs/pipeline.md")
        assert cells[1] == f"{100 * r['peace']:.1f}%"
        assert cells[2] == f"{r['level']:.1f}"
        assert cells[3] == ", ".join(f"{d} {100 * v:.1f}%" for d, v in r["top"])
