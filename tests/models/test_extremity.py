"""The ``extremity`` model against hand-derived cases and its DEU III figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guaranty.errors import ModelError
from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs
from guaranty.models.bargaining.compromise import Compromise
from guaranty.models.bargaining.extremity import Extremity, outermost
from guaranty.pipeline import backtest
from guaranty.scenario import load


def one_issue(
    positions: list[float],
    salience: list[float] | None = None,
    capability: list[float] | None = None,
    present: list[bool] | None = None,
    scale: tuple[float, float] = (0.0, 100.0),
    reference: float = np.nan,
) -> NegotiationInputs:
    n = len(positions)
    col = lambda v: np.array(v, dtype=float).reshape(1, n, 1)  # noqa: E731
    return NegotiationInputs(
        positions=col(positions),
        salience=col(salience or [1.0] * n),
        capability=col(capability or [1.0] * n),
        present=np.array(present or [True] * n).reshape(n, 1),
        lower=np.array([scale[0]]),
        upper=np.array([scale[1]]),
        reference=np.array([reference]),
        actor_ids=tuple(f"a{k}" for k in range(n)),
        issue_ids=("i",),
    )


def run(model: Extremity, x: NegotiationInputs) -> np.ndarray:
    return model.run(x, np.random.default_rng(0)).outcome


def test_hand_derived_discount() -> None:
    # positions 0, 40, 100, equal weights; the two outermost count e = 0.5:
    # (0.5 * 0 + 1 * 40 + 0.5 * 100) / (0.5 + 1 + 0.5) = 90 / 2 = 45
    x = one_issue([0.0, 40.0, 100.0])
    assert run(Extremity(extreme_weight=0.5), x)[0, 0] == pytest.approx(45.0, abs=1e-12)
    # shipped e = 0.1: (0 + 40 + 10) / 1.2 = 41.666...
    assert run(Extremity(), x)[0, 0] == pytest.approx(50.0 / 1.2, abs=1e-12)
    # compromise for comparison: 140 / 3
    assert run(Extremity(extreme_weight=1.0), x)[0, 0] == pytest.approx(140.0 / 3, abs=1e-12)


def test_hand_derived_shared_end_points_and_weights() -> None:
    # capabilities 2, 1, 1, 3 and saliences 0.5, 1, 1, 1: weights 1, 1, 1, 3; positions
    # 0, 0, 30, 100, so actors 0, 1 (at 0) and 3 (at 100) are outermost. With e = 0.2:
    # (0.2 * 0 + 0.2 * 0 + 1 * 30 + 0.6 * 100) / (0.2 + 0.2 + 1 + 0.6) = 90 / 2 = 45
    x = one_issue([0.0, 0.0, 30.0, 100.0], [0.5, 1, 1, 1], [2.0, 1, 1, 3])
    assert run(Extremity(extreme_weight=0.2), x)[0, 0] == pytest.approx(45.0, abs=1e-12)
    # exponents a = 2, b = 0: weights c^2 = 4, 1, 1, 9 -> (0.8*0 + 0.2*0 + 30 + 1.8*100) / 3.8
    m = Extremity(extreme_weight=0.2, capability_exponent=2.0, salience_exponent=0.0)
    assert run(m, x)[0, 0] == pytest.approx(210.0 / 3.8, abs=1e-12)


def test_all_actors_at_the_ends_is_compromise() -> None:
    x = one_issue([0.0, 100.0, 100.0, 0.0], [0.3, 0.9, 0.5, 1.0], [4.1, 2.8, 0.5, 0.1])
    np.testing.assert_allclose(
        run(Extremity(), x), Compromise().run(x, np.random.default_rng(0)).outcome, atol=1e-12
    )


def test_zero_discount_falls_back_when_only_outermost_actors_weigh() -> None:
    # the interior actor has salience 0, so with e = 0 no weight would remain
    x = one_issue([0.0, 50.0, 100.0], [1.0, 0.0, 1.0], [1.0, 1.0, 3.0])
    assert run(Extremity(extreme_weight=0.0), x)[0, 0] == pytest.approx(75.0, abs=1e-12)
    # with e = 0 and a weighted interior actor, the forecast is that actor's position
    x = one_issue([0.0, 50.0, 100.0])
    assert run(Extremity(extreme_weight=0.0), x)[0, 0] == pytest.approx(50.0, abs=1e-12)


def test_absent_actors_do_not_set_the_ends() -> None:
    # the absent actor's placeholder 0 must not make 10 an interior position
    x = one_issue([0.0, 10.0, 40.0, 100.0], present=[False, True, True, True])
    edge = outermost(x.positions, x.present, x.upper - x.lower)
    assert edge[0, :, 0].tolist() == [False, True, False, True]
    # (0.5 * 10 + 40 + 0.5 * 100) / 2 = 47.5
    assert run(Extremity(extreme_weight=0.5), x)[0, 0] == pytest.approx(47.5, abs=1e-12)


def test_any_scale_and_no_reference_point() -> None:
    # an affine change of scale moves the forecast alike; the reference point is not used
    base = one_issue([0.0, 40.0, 100.0], [0.2, 0.7, 0.9], [1.0, 3.0, 2.0])
    moved = one_issue(
        [-5.0, -3.0, 0.0], [0.2, 0.7, 0.9], [1.0, 3.0, 2.0], scale=(-5.0, 0.0), reference=-4.0
    )
    assert run(Extremity(), moved)[0, 0] == pytest.approx(
        -5.0 + run(Extremity(), base)[0, 0] / 20.0, abs=1e-12
    )


def test_draws_are_independent_batches() -> None:
    rng = np.random.default_rng(7)
    pos = rng.choice([0.0, 25.0, 50.0, 100.0], size=(5, 6, 3))
    x = NegotiationInputs(
        positions=pos,
        salience=rng.random((5, 6, 3)),
        capability=rng.uniform(0, 4, (5, 6, 3)),
        present=np.ones((6, 3), dtype=bool),
        lower=np.zeros(3),
        upper=np.full(3, 100.0),
        reference=np.full(3, np.nan),
        actor_ids=tuple("abcdef"),
        issue_ids=("i", "j", "k"),
    )
    out = run(Extremity(), x)
    for d in range(5):
        one = x.take_draws(slice(d, d + 1))
        np.testing.assert_allclose(run(Extremity(), one), out[d : d + 1], atol=1e-12)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"extreme_weight": 1.5}, "parameter extreme_weight of extremity must be a number in"),
        ({"extreme_weight": -0.1}, "extreme_weight"),
        ({"capability_exponent": -1.0}, "parameter capability_exponent of extremity"),
        ({"salience_exponent": float("nan")}, "salience_exponent"),
        ({"extreme_weight": "0.1"}, "got '0.1'"),
    ],
)
def test_bad_parameters(params: dict, match: str) -> None:
    with pytest.raises(ModelError, match=match):
        registry.create("extremity", **params)


def test_registered_with_shipped_defaults() -> None:
    m = registry.create("extremity")
    assert isinstance(m, Extremity)
    assert (m.extreme_weight, m.capability_exponent, m.salience_exponent) == (0.1, 1.0, 1.0)


def test_deu3_dev_in_sample(data_dir: Path) -> None:
    """In-sample figures printed by ``scripts/validate_deu.py`` (docs/validation.md): MAE
    20.64 against the compromise model's 21.82 on the 166 dev issues with an outcome, with
    e = 0.1 fitted on those issues (the in-sample figure, not the honest one; see
    tests/test_validation.py for the cross-validated one)."""
    scores = backtest(load(data_dir / "deu3_dev.tsv"), ["compromise", "extremity"], boot=200)
    assert scores["extremity"].n == 166
    assert scores["extremity"].mae == pytest.approx(20.64, abs=0.005)
    assert scores["extremity"].median_ae == pytest.approx(14.57, abs=0.005)
    assert scores["extremity"].mae < scores["compromise"].mae
