"""The flagship scenario ``scenarios/ukraine-2022.yaml`` loads, validates and is complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from guaranty.data import cinc
from guaranty.scenario.schema import Design, IssueRole, Obligation, Role, Scenario
from guaranty.scenario.yaml_io import load_yaml_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"

# COW country codes of the twelve states (COW NMC v7.0 ccodes).
STATES = {
    "usa": 2,
    "canada": 20,
    "uk": 200,
    "france": 220,
    "germany": 255,
    "poland": 290,
    "italy": 325,
    "russia": 365,
    "ukraine": 369,
    "turkey": 640,
    "israel": 666,
    "china": 710,
}
ORGANIZATIONS = {
    "eu": {"france", "germany", "italy", "poland"},
    "nato": {"usa", "uk", "france", "germany", "italy", "poland", "turkey", "canada"},
}
NUCLEAR = {"usa", "uk", "france", "russia", "china", "israel"}

DESIGNS = {
    "nato_membership",
    "p5_coalition",
    "scholz_tailored",
    "eu_style_clause",
    "nonbloc_coalition",
    "budapest_assurances",
    "israel_model",
    "army_plus_commitments",
    "nuclear_deterrent",
    "neutrality_alone",
}
CLAIMS = {
    "no_fight_tomorrow",
    "not_article5",
    "crimea_red_line",
    "nonbloc_deters",
    "only_nato",
    "weapons_suffice",
    "escalation_risk",
    "credible_only_with_nato",
    "israel_model_better",
    "frozen_conflict_likelier",
    "battlefield_decides",
}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_yaml_scenario(SCENARIO)


def _design(scenario: Scenario, design_id: str) -> Design:
    return next(d for d in scenario.guarantees if d.id == design_id)


def test_loads_and_validates(scenario: Scenario) -> None:
    assert scenario.format == 1
    assert scenario.year == 2022
    assert scenario.name
    assert scenario.source
    assert scenario.description


def test_holds_exactly_the_fourteen_actors(scenario: Scenario) -> None:
    ids = [a.id for a in scenario.actors]
    assert len(ids) == 14
    assert set(ids) == set(STATES) | set(ORGANIZATIONS)
    assert {a.cow for a in scenario.actors if a.cow is not None} == set(STATES.values())
    for actor_id, code in STATES.items():
        assert scenario.actor(actor_id).cow == code
    for org_id, members in ORGANIZATIONS.items():
        org = scenario.actor(org_id)
        assert Role.organization in org.roles
        assert set(org.members) == members
        assert org.cow is None


def test_roles_and_nuclear_flags(scenario: Scenario) -> None:
    assert {a.id for a in scenario.actors if a.nuclear} == NUCLEAR
    belligerents = {a.id for a in scenario.actors if Role.belligerent in a.roles}
    assert belligerents == {"ukraine", "russia"}
    mediators = {a.id for a in scenario.actors if Role.mediator in a.roles}
    assert {"turkey", "israel", "china"} <= mediators
    # Every actor named as a guarantor of some design carries the guarantor role.
    named = {g for d in scenario.guarantees for g in d.guarantors}
    for actor_id in named:
        assert Role.guarantor in scenario.actor(actor_id).roles, actor_id


def test_state_capabilities_equal_the_shipped_cinc_table(scenario: Scenario) -> None:
    for actor_id, code in STATES.items():
        value = scenario.actor(actor_id).capability_value
        # 2021: the last full year before the mid-2022 forecast (the war year's are not known)
        assert value.nominal == pytest.approx(cinc(code, 2021), abs=1e-12), actor_id
    # Published COW NMC v7.0 values (cow_nmc_v7.csv), as a check on the table itself.
    assert scenario.actor("russia").capability_value.nominal == pytest.approx(0.034852274, abs=1e-9)
    assert scenario.actor("usa").capability_value.nominal == pytest.approx(0.12110018, abs=1e-9)


def test_organization_capabilities_are_small_stated_assumptions(scenario: Scenario) -> None:
    median_state = sorted(scenario.actor(a).capability_value.nominal for a in STATES)[6]
    for org_id in ORGANIZATIONS:
        actor = scenario.actor(org_id)
        low, high = actor.capability_value.support
        assert 0 <= low < high <= 0.01
        assert actor.capability_value.nominal < median_state
        assert actor.source and "assumption" in actor.source.lower()


def test_every_actor_has_a_position_on_every_issue(scenario: Scenario) -> None:
    issue_ids = {i.id for i in scenario.issues}
    assert set(scenario.positions) == {a.id for a in scenario.actors}
    for actor_id, per_issue in scenario.positions.items():
        assert set(per_issue) == issue_ids, actor_id
        for issue_id, entry in per_issue.items():
            lo, hi = scenario.issue(issue_id).scale
            assert lo <= entry.position.nominal <= hi
            assert 0 <= entry.salience.nominal <= 1
            assert entry.source and entry.source.strip(), (actor_id, issue_id)


def test_every_entry_has_a_source(scenario: Scenario) -> None:
    items = [*scenario.actors, *scenario.issues, *scenario.guarantees, *scenario.claims]
    for item in items:
        assert item.source and item.source.strip(), item.id


def test_issues_and_guarantee_ladder(scenario: Scenario) -> None:
    roles = {i.id: i.role for i in scenario.issues}
    assert roles["guarantee"] == IssueRole.guarantee
    assert roles["territory"] == IssueRole.territory
    assert any(r == IssueRole.other for r in roles.values())
    ladder = scenario.issue("guarantee")
    assert tuple(ladder.scale) == (0, 100)
    assert min(ladder.anchors) == 0
    assert max(ladder.anchors) == 100
    assert len(ladder.anchors) >= 5
    assert tuple(scenario.issue("territory").scale) == (0, 100)


def test_the_ten_designs(scenario: Scenario) -> None:
    assert {d.id for d in scenario.guarantees} == DESIGNS
    for design in scenario.guarantees:
        assert design.level is not None, design.id

    nato = _design(scenario, "nato_membership")
    assert Obligation.article5_membership in nato.obligations
    assert nato.years_to_effect.nominal > 0
    assert nato.years_to_effect.support[1] > nato.years_to_effect.support[0]
    assert nato.level.nominal == 100
    assert {"usa", "uk", "france", "germany"} <= set(nato.guarantors)

    nonbloc = _design(scenario, "nonbloc_coalition")
    assert {"usa", "uk", "france", "turkey", "poland"} == set(nonbloc.guarantors)
    obligations = set(nonbloc.obligations)
    assert obligations & {Obligation.troops_on_call, Obligation.tripwire_forces}
    assert {Obligation.no_fly_zone, Obligation.air_defense} <= obligations

    p5 = _design(scenario, "p5_coalition")
    assert {"usa", "uk", "france", "china", "russia"} <= set(p5.guarantors)
    assert {"canada", "germany", "israel", "italy", "poland", "turkey"} <= set(p5.guarantors)

    assert _design(scenario, "scholz_tailored").guarantors == ["germany"]
    assert Obligation.article5_membership not in _design(scenario, "scholz_tailored").obligations
    assert _design(scenario, "eu_style_clause").guarantors == ["france"]

    israel = set(_design(scenario, "israel_model").obligations)
    assert {
        Obligation.arms,
        Obligation.training,
        Obligation.intelligence,
        Obligation.air_defense,
    } <= israel

    assert "russia" in _design(scenario, "budapest_assurances").guarantors
    army = set(_design(scenario, "army_plus_commitments").obligations)
    assert {Obligation.arms, Obligation.training} <= army

    nuclear = _design(scenario, "nuclear_deterrent")
    assert nuclear.realistic is False
    assert nuclear.guarantors == []
    assert _design(scenario, "neutrality_alone").guarantors == []
    assert [d.id for d in scenario.guarantees if not d.realistic] == ["nuclear_deterrent"]


def test_design_levels_order_the_ladder(scenario: Scenario) -> None:
    level = {d.id: d.level.nominal for d in scenario.guarantees}
    assert level["neutrality_alone"] < level["budapest_assurances"] < level["israel_model"]
    assert level["israel_model"] < level["eu_style_clause"] < level["p5_coalition"]
    assert level["p5_coalition"] < level["nato_membership"]


def test_the_claims(scenario: Scenario) -> None:
    claims = {c.id: c for c in scenario.claims}
    assert CLAIMS <= set(claims)
    for claim in scenario.claims:
        assert claim.who.strip()
        assert claim.paraphrase.strip()
        assert claim.statement is None or claim.statement.strip()
        assert claim.source and "Bandow" in claim.source
    assert claims["no_fight_tomorrow"].who == "Doug Bandow"
    assert claims["not_article5"].who == "Olaf Scholz"
    assert "Burkovskyi" in claims["crimea_red_line"].who
    assert "Popova" in claims["only_nato"].who
    assert "D'Anieri" in claims["credible_only_with_nato"].who
    assert "Omelicheva" in claims["israel_model_better"].who
