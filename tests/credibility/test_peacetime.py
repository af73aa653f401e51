"""A question asked in peacetime (``credibility.war_today: false``): would the guarantors
fight if the protected state were attacked, with no war between the two today (Taiwan, the
Baltic states).

Then nothing a guarantor does today tests its resolve: the revealed-resolve update, which
conditions tomorrow's decision on today's refusal, must not apply (a refusal no one was asked
to make is no evidence), and the risk of an attack starts from the pair's years of peace,
not from year 1 of a peace after a war. Before this option every scenario was read as at
war: on the fixture, under NATO as it is, the United States' P(fights) came out 0.131
against 0.167 with no refusal read into today (at the same clock), and the ten-year risk
of an attack 0.202 against 0.035 (30 years of peace since the pair's last dispute in the
data; docs/models/credibility.md, "A question asked in peacetime").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.credibility import PERSISTENCE, TODAY, assess, explain
from guaranty.credibility_case import peacetime_clock
from guaranty.data.conflict import peace_since
from guaranty.errors import ScenarioError
from guaranty.models.credibility.resolve import Members, revealed_resolve_designs
from guaranty.report.context import assumption_rows, credibility_paragraphs
from guaranty.scenario import load, parse
from guaranty.scenario.designs import StatedYears

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "estonia-peacetime.yaml"


def _fixture(**credibility: object):
    scenario = load(FIXTURE)
    cred = scenario.credibility.model_copy(update=credibility)
    return scenario.model_copy(update={"credibility": cred})


def test_with_nothing_to_condition_on_the_kernel_gives_the_unconditional_joint() -> None:
    """b_today = -inf (peacetime): each guarantor's P(fights) is expit(b), whatever the
    persistence, and P(at least one) is 1 - P(both latents below their bars), the bivariate
    normal with the common shock as correlation (by hand, scipy's CDF)."""
    draws, shock = 400, 0.6
    b1 = np.tile([-1.5, -2.5], (draws, 1))
    zero = np.zeros((draws, 2))
    design = Members(np.array([0, 1]), b1, zero, np.ones((draws, 2)))
    bars = special.ndtri(special.expit(-b1[0]))  # latent thresholds of fighting
    none = stats.multivariate_normal([0, 0], [[1, shock], [shock, 1]]).cdf(bars)
    for persistence in (0.2, 0.9):
        (res,) = revealed_resolve_designs(
            np.full((draws, 2), -np.inf),
            zero,
            [design],
            np.full(draws, shock),
            np.random.default_rng(1),
            persistence=np.full(draws, persistence),
        )
        # the latent points' error per draw is of order 1e-2 (256 points); over 400 draws
        # of independent shifts the means are within a few 1e-3
        np.testing.assert_allclose(res.p_honor.mean(axis=0), special.expit(b1[0]), atol=4e-3)
        assert res.p_any.mean() == pytest.approx(1 - none, abs=4e-3)


def test_peacetime_reads_no_refusal_into_today() -> None:
    """With the same clock (one year of peace, stated) the peacetime figures are the
    design's own, above those conditioned on a refusal today for every guarantor; explain's
    figure at the posterior mode is expit(b(design)) itself; persistence and the
    circumstances today are no inputs of the run."""
    source = StatedYears(value=1, source="the same clock as after a war, for the comparison")
    peace = assess(_fixture(peace_years=source), draws=600, seed=2)
    war = assess(_fixture(war_today=True), draws=600, seed=2)
    assert not peace.war_today and war.war_today
    assert peace.to_json()["war_today"] is False
    assert PERSISTENCE not in peace.inputs and TODAY not in peace.inputs
    assert PERSISTENCE in war.inputs
    for p, w in zip(peace.designs, war.designs, strict=True):
        for k, g in enumerate(p.guarantors):
            assert p.p_honor[:, k].mean() > w.p_honor[:, k].mean(), (p.design.id, g)
        np.testing.assert_allclose(p.p_attack, w.p_attack)  # the clock is the same
    info = explain(_fixture(), "as_today", "usa")
    assert info["war_today"] is False and info["persistence"] is None
    assert info["p_honor_at_mean"] == pytest.approx(float(special.expit(info["b_design"])))


def test_the_clock_starts_at_the_pairs_years_of_peace() -> None:
    """Russia and Estonia: the shipped dispute data (to 2010) last record a dispute between
    them in 1992, so the 2022 question starts at 30 years of peace; a stated count replaces
    it; more years of peace, a lower risk of an attack, for every design."""
    assert peace_since(365, 366, 2021) == (1992, 2010)
    assert peace_since(710, 713, 2010) == (2007, 2010)  # China and Taiwan: dispute in 2007
    assert peacetime_clock(_fixture()) == (30, 2010)
    stated = StatedYears(value=1, source="test")
    assert peacetime_clock(_fixture(peace_years=stated)) == (1, None)
    long = assess(_fixture(), draws=400, seed=0)
    short = assess(_fixture(peace_years=stated), draws=400, seed=0)
    assert "disputes" in long.data_years and "disputes" not in short.data_years
    for a, b in zip(long.designs, short.designs, strict=True):
        assert a.p_attack.mean() < b.p_attack.mean() / 3, a.design.id


def test_the_report_says_what_is_read() -> None:
    scenario = _fixture()
    res = assess(scenario, draws=200, seed=0)
    text = credibility_paragraphs(res, scenario)[0]["text"]
    assert text.startswith("With the protected state at peace today")
    assert "Chance of an attack within 10 years" in text
    rows = {r["name"]: r for r in assumption_rows(scenario)}
    assert rows["war today"]["value"].endswith("30 years of peace")
    assert "persistence" not in rows and "circumstances today" not in rows
    assert "persistence" in {r["name"] for r in assumption_rows(_fixture(war_today=True))}


def test_the_commands_say_so(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["credibility", str(FIXTURE)])
    assert res.exit_code == 0, res.output
    assert "P(fight tomorrow | no war today), and an attack within 10 years" in res.stdout
    assert "starts from 30 years of peace between russia and estonia" in res.stderr
    # a credibility-only scenario that does not say whether there is a war today is read
    # as at war, and told so; one that says it, or has a war section, is not
    text = FIXTURE.read_text().replace("  war_today: false\n", "")
    path = tmp_path / "unsaid.yaml"
    path.write_text(text)
    res = runner.invoke(app, ["credibility", str(path)])
    assert "credibility.war_today is not given" in res.stderr
    assert "not fighting today" in res.stdout
    res = runner.invoke(app, ["credibility", "ukraine-2022", "--draws", "50"])
    assert "war_today" not in res.stderr


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("  conduct:\n    usa: {fights: true}\n", "credibility.conduct.usa.fights"),
        ("  persistence: 0.5\n", "credibility.persistence"),
        (
            "  circumstances_today: {dist: normal, mean: 0, sd: 1}\n",
            "credibility.circumstances_today",
        ),
        (
            "  conduct:\n    usa: {circumstances_today: 0.5}\n",
            "credibility.conduct.usa.circumstances_today",
        ),
    ],
)
def test_a_test_today_in_peacetime_is_refused(extra: str, field: str) -> None:
    text = FIXTURE.read_text() + extra
    with pytest.raises(Exception) as err:
        parse(text, "peace.yaml")
    assert field in str(err.value) and "war_today false" in str(err.value)
    assert "peace.yaml:" in str(err.value)


def test_years_of_peace_during_a_war_and_a_war_in_peacetime_are_refused() -> None:
    text = FIXTURE.read_text().replace("  war_today: false\n", "")
    text += '  peace_years: {value: 5, source: "x"}\n'
    with pytest.raises(Exception, match=r"credibility\.peace_years: with a war today"):
        parse(text, "p.yaml")
    ukraine = Path(__file__).resolve().parents[2] / "scenarios" / "ukraine-2022.yaml"
    text = ukraine.read_text().replace(
        "  data_year: 2021\n", "  data_year: 2021\n  war_today: false\n"
    )
    assert "war_today: false" in text
    with pytest.raises(Exception, match=r"credibility\.war_today: the 'war' section simulates"):
        parse(text, "u.yaml")


def test_the_doc_page_quotes_the_fixture() -> None:
    """docs/models/credibility.md, "A question asked in peacetime": the fixture's figures
    (2000 draws, seed 0) in peacetime, read as at war, and with the clock stated at 1."""
    page = (FIXTURE.parents[2] / "docs" / "models" / "credibility.md").read_text()
    start = page.index("**A question asked in peacetime**")
    para = page[start : page.index("**The estimator (issue 16).**")]
    one = StatedYears(value=1, source="the doc's comparison")
    for scenario, attack in (
        (_fixture(), True),
        (_fixture(war_today=True), True),
        (_fixture(peace_years=one), False),
    ):
        d = assess(scenario, draws=2000, seed=0).to_json()["designs"]["as_today"]
        quoted = [d["guarantors"]["usa"]["p_honor"], d["p_any"]]
        quoted += [d["p_attack_10y"]] if attack else []
        for value in quoted:
            assert f"{value:.3f}" in para, value


def test_a_pair_the_dispute_data_do_not_hold_must_state_its_years_of_peace() -> None:
    """Brazil and Estonia are not a politically relevant pair (neither contiguous nor a
    major power), so the shipped dispute data have no row of them: the error names the
    field to state, at the scenario's line."""
    text = FIXTURE.read_text().replace("cow: 365", "cow: 140")
    scenario = parse(text, "brazil.yaml")
    with pytest.raises(ScenarioError, match=r"state them in credibility\.peace_years") as err:
        peacetime_clock(scenario)
    assert "brazil.yaml:" in str(err.value)
