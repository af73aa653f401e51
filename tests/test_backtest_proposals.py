"""DEU III's issues grouped by proposal (issue 17, item 5): the multi-issue scenarios, and
the backtest that runs exchange, bdm and smp per proposal beside per issue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guaranty.errors import ScenarioError
from guaranty.models import registry
from guaranty.pipeline import (
    PROPOSAL_MODELS,
    backtest,
    backtest_runs,
    forecast_cases,
    forecast_proposals,
)
from guaranty.scenario import load
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.formats import CaseSet, group_by_proposal, groupable


@pytest.fixture(scope="module")
def cases() -> CaseSet:
    return load(Path(__file__).resolve().parent / "data" / "deu3_dev.tsv")


def _subset(cases: CaseSet, proposals: list[str]) -> CaseSet:
    keep = [k for k, m in enumerate(cases.meta) if m["prnr"] in proposals]
    return CaseSet(
        cases.name,
        tuple(cases.cases[k] for k in keep),
        tuple(cases.meta[k] for k in keep),
        tuple(cases.lines[k] for k in keep),
    )


def test_every_issue_is_in_its_proposal_once(cases: CaseSet) -> None:
    groups = group_by_proposal(cases)
    assert len(groups) == 64  # docs/backtest.md: 167 issues from 64 proposals
    seen = sorted(k for g in groups for k in g.cases)
    assert seen == list(range(len(cases.cases)))
    for g in groups:
        assert {cases.meta[k]["prnr"] for k in g.cases} == {g.label}
        assert [i.id for i in g.scenario.issues] == [cases.cases[k].name for k in g.cases]


def test_a_proposal_keeps_each_issue_and_stand_as_it_is(cases: CaseSet) -> None:
    """Same scale, outcome and reference point per issue; each actor's entry on the issues
    it took a stand on; absent elsewhere; the actors are those present on some issue."""
    for g in group_by_proposal(cases):
        present = set()
        for k, issue in zip(g.cases, g.scenario.issues, strict=True):
            case = cases.cases[k]
            one = case.issues[0]
            assert (issue.scale, issue.outcome, issue.reference_point, issue.label) == (
                one.scale,
                one.outcome,
                one.reference_point,
                one.label,
            )
            for a in case.actors:
                assert g.scenario.position(a.id, issue.id) == case.position(a.id, one.id)
            present |= {a for a in case.positions if case.positions[a]}
        assert [a.id for a in g.scenario.actors] == [
            a.id for a in cases.cases[g.cases[0]].actors if a.id in present
        ]
        # capability as in the cases (DEU III's row 2)
        caps = {a.id: a.capability for a in cases.cases[g.cases[0]].actors}
        assert all(a.capability == caps[a.id] for a in g.scenario.actors)


def test_the_compiled_proposal_has_the_cases_presence(cases: CaseSet) -> None:
    g = next(g for g in group_by_proposal(cases) if len(g.cases) >= 4)
    x = nominal_inputs(g.scenario)
    for j, k in enumerate(g.cases):
        one = nominal_inputs(cases.cases[k])
        rows = [one.actor_ids.index(a) for a in x.actor_ids]
        np.testing.assert_array_equal(x.present[:, j], one.present[rows, 0])
        mask = x.present[:, j]
        np.testing.assert_array_equal(x.positions[0, mask, j], one.positions[0, rows, 0][mask])
        np.testing.assert_array_equal(x.salience[0, mask, j], one.salience[0, rows, 0][mask])
    assert not (~x.present).all(axis=1).any()  # every actor stands on some issue


def test_grouping_needs_the_proposal_column(cases: CaseSet) -> None:
    bare = CaseSet(cases.name, cases.cases, (), ())
    assert not groupable(bare)
    with pytest.raises(ScenarioError, match="non-blank 'prnr'"):
        group_by_proposal(bare)
    # without the column every model runs per issue, under its own name
    assert backtest_runs(bare, ["exchange", "median"]) == [
        ("exchange", "exchange", "per issue"),
        ("median", "median", "per issue"),
    ]


def test_runs_name_how_each_model_ran(cases: CaseSet) -> None:
    runs = backtest_runs(cases, registry.available())
    multi = [(k, r) for k, m, r in runs if m in PROPOSAL_MODELS]
    assert set(PROPOSAL_MODELS) == {"exchange", "bdm", "smp", "nash"}
    assert {k for k, _ in multi} == {
        f"{m} (per {r})" for m in PROPOSAL_MODELS for r in ("proposal", "issue")
    }
    assert {(k, r) for k, m, r in runs if m not in PROPOSAL_MODELS} == {
        (m, "per issue") for m in ("median", "compromise", "extremity")
    }


def test_exchange_per_proposal_trades_across_a_proposals_issues(cases: CaseSet) -> None:
    """On a proposal of several issues the exchange model realises exchanges and moves away
    from the compromise (its per-issue forecast); a one-issue proposal is the compromise."""
    groups = group_by_proposal(cases)
    many = next(g for g in groups if len(g.cases) >= 3)
    one = next(g for g in groups if len(g.cases) == 1)
    sub = _subset(cases, [many.label, one.label])
    res = registry.create("exchange").run(nominal_inputs(many.scenario), np.random.default_rng(0))
    assert res.diagnostics["exchanges"].sum() > 0
    per_prop = forecast_proposals(sub, "exchange")
    per_issue = forecast_cases(sub, "compromise")
    assert [i.id for i in per_prop.issues] == [c.name for c in sub.cases]
    got = {i.id: i.outcome for i in per_prop.issues}
    ref = {i.id: i.outcome for i in per_issue.issues}
    np.testing.assert_allclose(got[one.scenario.issues[0].id], ref[one.scenario.issues[0].id])
    issues = [i.id for i in many.scenario.issues]
    assert max(abs(got[i] - ref[i]) for i in issues) > 0.5
    np.testing.assert_allclose([got[i] for i in issues], res.outcome[0])


def test_backtest_scores_both_runs_on_the_same_issues(cases: CaseSet) -> None:
    labels = list(dict.fromkeys(m["prnr"] for m in cases.meta))[:6]
    sub = _subset(cases, labels)
    scores = backtest(sub, ["exchange", "bdm", "compromise"], boot=200)
    assert set(scores) == {
        "exchange (per proposal)",
        "exchange (per issue)",
        "bdm (per proposal)",
        "bdm (per issue)",
        "compromise",
    }
    n = sum(c.issues[0].outcome is not None for c in sub.cases)
    assert {s.n for s in scores.values()} == {n}
    assert scores["exchange (per proposal)"].run == "per proposal"
    assert scores["exchange (per issue)"].to_json()["run"] == "per issue"
    assert scores["compromise"].to_json()["model"] == "compromise"
    # one issue at a time, exchange is the compromise model
    np.testing.assert_allclose(scores["exchange (per issue)"].errors, scores["compromise"].errors)
    assert not np.allclose(scores["exchange (per proposal)"].errors, scores["compromise"].errors)
    # bdm's contests are issue by issue: together or apart, the same forecasts
    np.testing.assert_array_equal(
        scores["bdm (per proposal)"].errors, scores["bdm (per issue)"].errors
    )


def test_an_issue_left_out_of_the_score_still_negotiates(cases: CaseSet) -> None:
    """``only`` picks the issues to forecast (the backtest: those with an outcome); the
    other issues of their proposals stay on the table."""
    g = next(g for g in group_by_proposal(cases) if len(g.cases) >= 3)
    sub = _subset(cases, [g.label])
    full = forecast_proposals(sub, "exchange")
    part = forecast_proposals(sub, "exchange", only=[2, 0])
    assert [i.outcome for i in part.issues] == [full.issues[2].outcome, full.issues[0].outcome]
    # DEU III's one issue without an outcome is a proposal of its own: 63 proposals scored
    k = next(k for k, c in enumerate(cases.cases) if c.issues[0].outcome is None)
    assert sum(m["prnr"] == cases.meta[k]["prnr"] for m in cases.meta) == 1
