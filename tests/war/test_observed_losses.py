"""Conditioning the war's fitted tempo on the losses of the months already fought
(``war.observed_losses``; docs/models/war.md, "What the war's losses say about its tempo")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.errors import ScenarioError
from guaranty.scenario import load
from guaranty.scenario.quantities import Fixed
from guaranty.scenario.settings import LossRange, ObservedLosses, WarSettings
from guaranty.war import loss_observation, run_war, tempo_given_losses
from guaranty.warfit import war_fit

ROOT = Path(__file__).resolve().parents[2]
UKRAINE = ROOT / "scenarios" / "ukraine-2022.yaml"


@pytest.fixture(scope="module")
def ukraine():
    return load(UKRAINE)


def _with_losses(scenario, a: tuple[float, float], b: tuple[float, float], **war_update):
    observed = ObservedLosses(
        a=LossRange(low=a[0], high=a[1], source="test"),
        b=LossRange(low=b[0], high=b[1], source="test"),
    )
    war = scenario.war.model_copy(update={"observed_losses": observed, **war_update})
    return scenario.model_copy(update={"war": war})


def test_the_conjugate_update_matches_brute_force() -> None:
    """Hand-derivable: with z ~ N(0, 1) and each observed log rate normal given z, the
    closed-form marginal likelihood and the mean and sd of z given the observation equal
    their Monte Carlo estimates (2,000,000 draws of z; tolerances about five standard
    errors) on three vectors of the shipped fit, including the heaviest."""
    fit = war_fit()
    picks = [int(np.argmax(fit.weights)), 7, 1500]
    th = {k: v[picks] for k, v in fit.theta.items()}
    observation = (-2.7, 0.1, -2.4, 0.15)
    months, major, states = 4, "b", 3
    loglik, mean, sd = tempo_given_losses(th, observation, months, major, states)
    rng = np.random.default_rng(0)
    z = rng.standard_normal(2_000_000)
    for j in range(len(picks)):
        s = th["tempo_spread"][j]
        log_g = np.log(th["attrition"][j]) - th["coalition_tempo"][j] * np.log(states / 2)
        edge = th["initiator_edge"][j] + th["major_edge"][j]
        w = np.log1p(np.expm1(th["noise"][j] ** 2) / months)
        va, vb = w + observation[1], w + observation[3]
        mu_a = log_g - edge / 2 - w / 2 + s * z
        mu_b = log_g + edge / 2 - w / 2 + s * z
        dens = np.exp(
            -((observation[0] - mu_a) ** 2) / (2 * va) - (observation[2] - mu_b) ** 2 / (2 * vb)
        ) / (2 * np.pi * np.sqrt(va * vb))
        assert np.exp(loglik[j]) == pytest.approx(dens.mean(), rel=0.01)
        post = dens / dens.sum()
        m = float(np.sum(post * z))
        assert mean[j] == pytest.approx(m, abs=0.01)
        assert sd[j] == pytest.approx(np.sqrt(np.sum(post * (z - m) ** 2)), abs=0.01)


@pytest.mark.parametrize("sigma", [0.3, 0.8, 1.2, 1.5])
@pytest.mark.parametrize("months", [1, 4, 12])
def test_the_average_of_the_months_is_taken_as_log_normal(sigma: float, months: int) -> None:
    """The log of the average of ``months`` monthly rates exp(sigma e - sigma^2/2) (the
    battlefield kernel's shocks) against the Fenton-Wilkinson log-normal the conditioning
    uses: its mean within 0.13 (the largest gap, at sigma 1.5 over the fit's prior range
    and 4 months, is 0.126), and its variance never understated (overstated by up to 40%
    at large sigma: the observation is taken as noisier than it is, never as sharper)."""
    e = np.random.default_rng(1).standard_normal((400_000, months))
    log_avg = np.log(np.exp(sigma * e - sigma**2 / 2).mean(axis=1))
    w = np.log1p(np.expm1(sigma**2) / months)
    assert log_avg.mean() == pytest.approx(-w / 2, abs=0.13)
    assert w >= 0.99 * log_avg.var()


def test_the_observation_as_rates(ukraine) -> None:
    """Each side's losses a month over the other side's nominal forces, the geometric
    middle of the range, its log-sd the range over 2 x 1.645: Ukraine's forces 300, Russia's
    200 (the scenario), so 12-35 thousand Russian losses a month give alpha = sqrt(12 x 35)
    / 300, and 8-25 Ukrainian ones beta = sqrt(8 x 25) / 200."""
    obs = loss_observation(_with_losses(ukraine, (8, 25), (12, 35)))
    assert obs is not None
    y_a, v_a, y_b, v_b = obs
    assert np.exp(y_a) == pytest.approx(np.sqrt(12 * 35) / 300, rel=1e-12)
    assert np.exp(y_b) == pytest.approx(np.sqrt(8 * 25) / 200, rel=1e-12)
    assert v_a == pytest.approx((np.log(35 / 12) / (2 * 1.6448536269514722)) ** 2)
    assert v_b == pytest.approx((np.log(25 / 8) / (2 * 1.6448536269514722)) ** 2)
    assert loss_observation(ukraine) is None


def _attrition(war) -> np.ndarray:
    return np.sqrt(war.params["alpha"] * war.params["beta"])


def test_a_vague_observation_changes_almost_nothing(ukraine) -> None:
    """Losses known only to within a factor of 10^15 leave the war as without them: the
    drawn attrition's median and every outcome share within 0.02 (4,000 draws, the same
    seed; the shares' standard error is at most 0.008)."""
    base = run_war(ukraine, draws=4000, seed=0)
    vague = run_war(_with_losses(ukraine, (1e-6, 1e9), (1e-6, 1e9)), draws=4000, seed=0)
    assert np.median(_attrition(vague)) == pytest.approx(np.median(_attrition(base)), rel=0.1)
    for k in range(5):
        assert np.mean(vague.result.outcome == k) == pytest.approx(
            np.mean(base.result.outcome == k), abs=0.02
        )


def test_more_losses_mean_a_faster_war(ukraine) -> None:
    """Face validity: the same war observed at half, at and at twice the mid-2022 losses
    (8-25 and 12-35 thousand a month) is drawn with a higher attrition each time, and the
    faster war is less often still fought 20 months on."""
    runs = [
        run_war(_with_losses(ukraine, (8 * f, 25 * f), (12 * f, 35 * f)), draws=4000, seed=0)
        for f in (0.5, 1.0, 2.0)
    ]
    medians = [float(np.median(_attrition(r))) for r in runs]
    assert medians[0] < medians[1] < medians[2]
    assert runs[2].p_fighting_after(20) < runs[0].p_fighting_after(20)


def test_the_losses_rule_out_the_slow_wars(ukraine) -> None:
    """docs/models/war.md: without the losses, a twentieth of the Ukraine draws or more has an
    attrition below 0.02 a month, a quarter of what the losses known in mid-2022 put it at
    (about 0.07); with them, under one in a hundred."""
    base = _attrition(run_war(ukraine, draws=4000, seed=0))
    seen = _attrition(run_war(_with_losses(ukraine, (8, 25), (12, 35)), draws=4000, seed=0))
    assert np.mean(base < 0.02) > 0.05
    assert np.mean(seen < 0.02) < 0.01


def test_losses_need_months_fought_and_fitted_rates(ukraine) -> None:
    """The losses are those of the months fought, and they condition the fitted alpha and
    beta: without months fought the schema refuses them; with a scenario's own alpha the
    file is refused when it loads (the next test) and a scenario built in code when its war
    runs (a ScenarioError naming the field)."""
    side = {"low": 1, "high": 2, "source": "x"}
    with pytest.raises(ValueError, match="months_fought"):
        WarSettings.model_validate({"observed_losses": {"a": side, "b": side}})
    params = {**ukraine.war.parameters, "alpha": Fixed(value=0.05, source="test")}
    given = _with_losses(ukraine, (8, 25), (12, 35), parameters=params)
    with pytest.raises(ScenarioError, match="gives alpha itself") as err:
        run_war(given, draws=10, seed=0)
    assert err.value.field == ("war", "observed_losses")


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "  observed_losses:\n    a: {low: 8, high: 25, source: s}\n"
            "    b: {low: 12, high: 35, source: s}\n",
            "w.yaml:8:1: war: observed_losses are the losses of the months already fought",
        ),
        (
            "  months_fought: 4\n  observed_losses:\n    a: {low: 25, high: 8, source: s}\n"
            "    b: {low: 12, high: 35, source: s}\n",
            "w.yaml:11:5: war.observed_losses.a: low (25.0) must not exceed high (8.0)",
        ),
        (
            "  months_fought: 4\n  observed_losses:\n    a: {low: 8, high: 25}\n"
            "    b: {low: 12, high: 35, source: s}\n",
            "w.yaml:11:5: war.observed_losses.a: missing required field 'source'",
        ),
        (
            "  months_fought: 4\n  observed_losses:\n    a: {low: 0, high: 25, source: s}\n"
            "    b: {low: 12, high: 35, source: s}\n",
            "w.yaml:11:14: war.observed_losses.a.low: input should be greater than 0",
        ),
        (  # refused when the file loads (before: only when the war ran, without a line)
            "  months_fought: 4\n  parameters:\n    alpha: {value: 0.05, source: s}\n"
            "  observed_losses:\n    a: {low: 8, high: 25, source: s}\n"
            "    b: {low: 12, high: 35, source: s}\n",
            "w.yaml:8:1: war: observed_losses condition the fitted alpha and beta, but the war "
            "gives alpha itself; remove one or the other",
        ),
    ],
)
def test_bad_observed_losses_are_reported_with_their_line(
    tmp_path: Path, block: str, expected: str
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "name: t\nactors:\n  - {id: a, name: A, capability: 1}\n"
        "issues:\n  - {id: i, label: I, scale: [0, 100]}\n"
        "positions:\n  a: {i: {position: 10, salience: 1}}\n"
        "war:\n" + block
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_the_json_says_what_the_war_was_conditioned_on(ukraine) -> None:
    """``guaranty war --json`` (``WarSummary.to_json``) names the months fought and, when
    stated, the observed rates: Russia's 12-35 thousand a month over Ukraine's 300 (alpha)
    and Ukraine's 8-25 over Russia's 200 (beta), each the range's geometric middle."""
    plain = run_war(ukraine, draws=50, seed=0).to_json()["conditioned_on"]
    assert plain == {"months_fought": 4, "observed_rates": None}
    seen = run_war(_with_losses(ukraine, (8, 25), (12, 35)), draws=50, seed=0).to_json()
    rates = seen["conditioned_on"]["observed_rates"]
    assert rates["alpha"] == pytest.approx(np.sqrt(12 * 35) / 300)
    assert rates["beta"] == pytest.approx(np.sqrt(8 * 25) / 200)
