"""A guarantor that fights for the protected state today (``credibility.conduct.ID.fights``):
the revealed-resolve update conditioned on fighting instead of refusing, checked against the
bivariate normal by hand and by brute force, and on the Korea 1953 scenario, where the United
States and Britain were at war beside South Korea."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special, stats
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.credibility import assess, explain
from guaranty.models.credibility.resolve import conditional_honor_probability, revealed_resolve
from guaranty.scenario import Scenario, load
from guaranty.scenario.schema import Fixed

ROOT = Path(__file__).resolve().parents[2]
real = st.floats(-6, 6, allow_nan=False)
persistence = st.floats(0.0, 0.99)


def _both_fight(b0: float, b1: float, rho: float) -> float:
    """P(fights today and tomorrow) / P(fights today) from scipy's bivariate normal: the
    latent today exceeds Phi^-1(F(-b0)), tomorrow's Phi^-1(F(-b1)), correlation rho."""
    ua = stats.norm.ppf(special.expit(-b0))
    ub = stats.norm.ppf(special.expit(-b1))
    joint = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([-ua, -ub])
    return float(joint / special.expit(b0))


@pytest.mark.parametrize(
    ("b0", "b1", "rho"),
    [(-1.0, -0.5, 0.388), (-3.0, -1.0, 0.6), (0.5, -2.0, 0.2), (-2.0, -2.0, 0.9)],
)
def test_fighting_today_against_the_bivariate_normal(b0: float, b1: float, rho: float) -> None:
    got = conditional_honor_probability(b0, b1, 0.0, 0.0, rho, True)
    assert got == pytest.approx(_both_fight(b0, b1, rho), abs=1e-5)


def test_fighting_today_by_hand() -> None:
    # rho = 1: P(fights tomorrow | today) = min(1, F(b1) / F(b0)); rho = 0: the margin F(b1)
    assert conditional_honor_probability(-1.0, -2.0, 0.0, 0.0, 1.0, True) == pytest.approx(
        special.expit(-2.0) / special.expit(-1.0), abs=1e-12
    )
    assert conditional_honor_probability(-1.0, 0.0, 0.0, 0.0, 1.0, True) == 1.0
    assert conditional_honor_probability(-1.0, 0.5, 0.0, 0.0, 0.0, True) == pytest.approx(
        special.expit(0.5), abs=1e-7
    )


@given(real, real)
def test_an_unchanged_design_is_kept_for_sure_by_a_state_that_fights(b: float, c: float) -> None:
    # the mirror of the op-ed's zero: with persistence 1, a state that fights today under the
    # same terms fights tomorrow
    assert conditional_honor_probability(b, b, c, c, 1.0, True) == 1.0


@given(real, real, persistence)
def test_fighting_today_is_evidence_of_resolve(b0: float, b1: float, rho: float) -> None:
    # with persistence >= 0: P(tomorrow | refused) <= P(tomorrow) <= P(tomorrow | fought)
    refused = conditional_honor_probability(b0, b1, 0.0, 0.0, rho, False)
    fought = conditional_honor_probability(b0, b1, 0.0, 0.0, rho, True)
    margin = special.expit(b1)
    assert refused <= margin + 1e-6
    assert margin <= fought + 1e-6


def _brute(b0, b1, conduct, shock, pers, m, rng):
    """P(each fights tomorrow | every guarantor's conduct today) by rejection sampling of
    the latent model (common shock ``shock``, persistence ``pers``)."""
    z, z2 = rng.standard_normal(m), rng.standard_normal(m)
    z2 = pers * z + np.sqrt(1 - pers**2) * z2
    e = rng.standard_normal((m, len(b0)))
    e2 = pers * e + np.sqrt(1 - pers**2) * rng.standard_normal((m, len(b0)))
    u = np.sqrt(shock) * z[:, None] + np.sqrt(1 - shock) * e
    u2 = np.sqrt(shock) * z2[:, None] + np.sqrt(1 - shock) * e2
    today = u > stats.norm.ppf(special.expit(-np.asarray(b0)))
    tomorrow = u2 > stats.norm.ppf(special.expit(-np.asarray(b1)))
    keep = (today == np.asarray(conduct)).all(axis=1)
    return tomorrow[keep].mean(axis=0), tomorrow[keep].any(axis=1).mean()


def _update(b0, b1, shock, pers, fights=None, inner=2**17, seed=3):
    """The sampler's update of (draws, guarantors) log-odds ``b0`` and ``b1``, with zero
    circumstances, unit capabilities and the same shock and persistence in every draw."""
    zeros = np.zeros_like(b0)
    return revealed_resolve(
        b0,
        b1,
        zeros,
        zeros,
        np.ones_like(b0),
        np.full(b0.shape[0], shock),
        np.random.default_rng(seed),
        persistence=np.full(b0.shape[0], pers),
        inner=inner,
        fights=fights,
    )


def test_mixed_conduct_with_a_common_shock_matches_rejection_sampling() -> None:
    # one guarantor fights today, the other refuses; their resolve shares a common shock
    b0, b1 = np.array([[-1.0, -1.5]]), np.array([[-0.5, 0.0]])
    shock, pers = 0.5, 0.4
    res = _update(b0, b1, shock, pers, np.array([True, False]))
    each, anyone = _brute(
        b0[0], b1[0], [True, False], shock, pers, 1_500_000, np.random.default_rng(4)
    )
    np.testing.assert_allclose(res.p_honor[0], each, atol=0.01)
    assert res.p_any[0] == pytest.approx(anyone, abs=0.01)
    # the common shock carries the first one's fighting over to the second: more likely to
    # fight than if both had refused
    both_refused = _update(b0, b1, shock, pers)
    assert res.p_honor[0, 1] > both_refused.p_honor[0, 1] + 0.02


def test_without_a_common_shock_the_sampler_gives_the_closed_form() -> None:
    b0, b1 = np.full((4, 2), -1.0), np.full((4, 2), -0.5)
    res = _update(b0, b1, 1e-9, 0.388, np.array([True, False]), inner=4096)
    want = [
        conditional_honor_probability(-1.0, -0.5, 0.0, 0.0, 0.388, True),
        conditional_honor_probability(-1.0, -0.5, 0.0, 0.0, 0.388, False),
    ]
    np.testing.assert_allclose(res.p_honor.mean(axis=0), want, atol=2e-3)


# -- the Korea 1953 scenario -------------------------------------------------------------


def _korea(fights: bool):
    scenario = load("korea-1953")
    conduct = {
        g: c.model_copy(update={"fights": fights}) for g, c in scenario.credibility.conduct.items()
    }
    cred = scenario.credibility.model_copy(update={"conduct": conduct})
    return scenario.model_copy(update={"credibility": cred})


def test_korea_states_that_its_guarantors_fight_today() -> None:
    result = assess(load("korea-1953"), draws=200, seed=1)
    assert result.fighting == ("uk", "usa")
    assert result.to_json()["fights_today"] == ["uk", "usa"]


def test_a_guarantor_at_war_today_is_likelier_to_fight_again() -> None:
    # Korea 1953: the United States is fighting for the South. Conditioning on that (the
    # scenario as shipped) must not make it less likely to fight again than conditioning on
    # a refusal it never made; with the estimated persistence it is far likelier.
    at_war = assess(_korea(True), draws=400, seed=2)
    refusing = assess(_korea(False), draws=400, seed=2)
    for a, r in zip(at_war.designs, refusing.designs, strict=True):
        if "usa" in a.guarantors:
            k = a.guarantors.index("usa")
            assert a.p_honor[:, k].mean() > 2 * r.p_honor[:, k].mean()
    treaty = {d.design.id: d for d in at_war.designs}
    # and the treaty with troops stays above aid without a treaty (face validity)
    assert treaty["defense_treaty"].p_any.mean() > treaty["aid_without_treaty"].p_any.mean()


def test_explain_names_the_conduct_it_conditions_on() -> None:
    info = explain(load("korea-1953"), "defense_treaty", "usa")
    assert info["fights_today"] is True
    refused = explain(_korea(False), "defense_treaty", "usa")
    assert info["p_honor_at_mean"] > refused["p_honor_at_mean"]


def test_the_table_says_who_fights_today() -> None:
    res = CliRunner().invoke(app, ["credibility", "korea-1953", "--draws", "200"])
    assert res.exit_code == 0, res.output
    assert "its conduct today: uk, usa fight" in " ".join(res.output.split())
    res = CliRunner().invoke(app, ["credibility", "korea-1953", "--draws", "200", "--json"])
    assert json.loads(res.output)["fights_today"] == ["uk", "usa"]
    res = CliRunner().invoke(
        app, ["credibility", "korea-1953", "--explain", "defense_treaty", "usa"]
    )
    text = " ".join(res.output.split())
    assert "it fights for the protected state (credibility.conduct.usa.fights" in text
    assert "P(fight tomorrow | fighting today) at the posterior mode" in text


def test_the_aggressor_cannot_fight_for_the_protected_state(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "ukraine-2022.yaml").read_text(encoding="utf-8")
    marker = "    russia:\n      today: []\n"
    assert marker in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(marker, marker + "      fights: true\n"), encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    message = " ".join(res.output.split())
    assert "credibility.conduct.russia.fights" in message
    assert "aggressor cannot fight" in message


def test_the_korea_table_of_the_doc_page() -> None:
    # docs/models/credibility.md, "A guarantor that fights today": the figures of
    # `guaranty credibility korea-1953 --json` (2000 draws, seed 0), as shipped and with the
    # guarantors conditioned on refusing
    page = (ROOT / "docs" / "models" / "credibility.md").read_text(encoding="utf-8")
    rows = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0] in ("defense treaty with troops", "aid without a treaty"):
            rows[cells[0]] = (cells[2], cells[3])
    assert len(rows) == 2
    for fights, col in ((True, 0), (False, 1)):
        res = assess(_korea(fights), draws=2000, seed=0).to_json()["designs"]
        for label, design in (
            ("defense treaty with troops", "defense_treaty"),
            ("aid without a treaty", "aid_without_treaty"),
        ):
            usa = res[design]["guarantors"]["usa"]
            lo, hi = usa["ci"]
            assert rows[label][col] == f"{usa['p_honor']:.3f} [{lo:.3f}, {hi:.3f}]"


@pytest.mark.parametrize(("b0", "before"), [(-3.0, 0.108), (-5.0, 0.187)])
def test_the_shifted_shock_makes_a_rare_conduct_cheap_to_condition_on(
    b0: float, before: float
) -> None:
    # one guarantor that fights today although the model gives it P(fights today) 0.05 or
    # 0.007, under a strong common shock (0.78, the estimate) and the estimated persistence:
    # with one guarantor the closed form holds whatever the shock, so each outer draw's
    # estimate from the chain's 32 points has a known target. Drawing the shock around its
    # mode given the fighting brought the root mean square error from `before` (measured with
    # the shock drawn from N(0, 1); docs/models/credibility.md) to about 0.011.
    draws, b1 = 2000, b0 + 1.0
    exact = float(conditional_honor_probability(b0, b1, 0.0, 0.0, 0.388, True))
    res = _update(
        np.full((draws, 1), b0),
        np.full((draws, 1), b1),
        0.78,
        0.388,
        np.array([True]),
        inner=32,
        seed=5,
    )
    rmse = float(np.sqrt(((res.p_honor[:, 0] - exact) ** 2).mean()))
    print(f"P(fights today) {special.expit(b0):.3f}: rmse {rmse:.4f} (before: {before})")
    assert rmse < 0.02 < before / 5
    assert res.p_honor[:, 0].mean() == pytest.approx(exact, abs=0.003)


def test_the_report_says_who_fights_today() -> None:
    from guaranty.report.context import assumption_rows, credibility_paragraphs

    scenario = load("korea-1953")
    rows = {r["name"]: r["value"] for r in assumption_rows(scenario)}
    assert rows["conduct today: usa"].startswith("fights for rok; ")
    paragraphs = credibility_paragraphs(assess(scenario, draws=100, seed=1), scenario)
    treaty = next(p["text"] for p in paragraphs if p["id"] == "defense_treaty")
    assert treaty.startswith("Given that its guarantor (United States) fights for the protected")
    ukraine = load("ukraine-2022")
    paragraphs = credibility_paragraphs(assess(ukraine, draws=100, seed=1), ukraine)
    assert paragraphs[0]["text"].startswith("Given that none of its 8 guarantors fights")
    # one guarantor: named, and "at least one" / "all" (the same event) not both given
    pledge = next(p["text"] for p in paragraphs if p["id"] == "eu_style_clause")
    assert pledge.startswith(
        "Given that its guarantor (France) does not fight for the protected state today, "
        "the model puts the chance that it fights for it if it is attacked tomorrow at "
    )
    assert "at least one" not in pledge and "all do" not in pledge
    # with the aggressor among the guarantors, "all fight" is impossible: said so, not
    # given as an estimate of 0.0%
    for design in ("p5_coalition", "budapest_assurances"):
        text = next(p["text"] for p in paragraphs if p["id"] == design)
        assert "that all do is 0 by construction (Russia, the aggressor, cannot fight" in text
    nato = next(p["text"] for p in paragraphs if p["id"] == "nato_membership")
    assert "that all do at " in nato and "by construction" not in nato


def test_the_assumptions_list_the_correlations_each_run_draws() -> None:
    """Persistence and the common shock enter every credibility draw: the report's list of
    assumptions gives each, the scenario's value where it states one (Ukraine's common
    shock) and otherwise the estimate it is drawn from, with the figures of
    docs/models/credibility.md, validation c (persistence 0.388 [0.272, 0.488] on 49,153
    pairs; common shock 0.778 [0.662, 0.899] on 926 disputes). Before, a correlation left to
    the data was not listed at all, and a stated persistence neither."""
    from guaranty.report.context import assumption_rows

    def rows(scenario: Scenario) -> dict[str, dict[str, str]]:
        return {r["name"]: r for r in assumption_rows(scenario) if r["group"] == "credibility"}

    ukraine = load("ukraine-2022")
    got = rows(ukraine)
    assert got["common shock"]["value"] == "U[0.66, 0.9]"  # stated, with its own source
    assert got["common shock"]["source"].startswith("Estimated: the latent correlation")
    assert got["persistence"]["value"] == "0.39 [0.27, 0.49], drawn from its bootstrap"
    assert "49,153 pairs, 6,238 dyads" in got["persistence"]["source"]
    cred = ukraine.credibility.model_copy(
        update={"common_shock": None, "persistence": Fixed(value=0.5, source="a test")}
    )
    got = rows(ukraine.model_copy(update={"credibility": cred}))
    assert got["common shock"]["value"] == "0.78 [0.66, 0.90], drawn from its bootstrap"
    assert "193,235 pairs, 926 disputes" in got["common shock"]["source"]
    assert (got["persistence"]["value"], got["persistence"]["source"]) == ("0.5", "a test")


def test_a_belligerent_guarantor_not_marked_as_fighting_is_named(tmp_path: Path) -> None:
    # Korea with the `fights: true` lines taken out: the United States keeps its role
    # 'belligerent', so the command says what it is conditioned on and which field to set
    text = (ROOT / "scenarios" / "korea-1953.yaml").read_text(encoding="utf-8")
    assert text.count("      fights: true\n") == 2
    path = tmp_path / "korea.yaml"
    path.write_text(text.replace("      fights: true\n", ""), encoding="utf-8")
    res = CliRunner().invoke(app, ["credibility", str(path), "--draws", "100"])
    assert res.exit_code == 0, res.output
    note = " ".join(res.stderr.split())
    assert "usa is a belligerent and a guarantor, conditioned on not fighting" in note
    assert "set credibility.conduct.usa.fights: true" in note
    for shipped in ("korea-1953", "ukraine-2022"):  # marked, or the aggressor: no note
        res = CliRunner().invoke(app, ["credibility", shipped, "--draws", "100"])
        assert res.exit_code == 0 and "belligerent" not in res.stderr
