"""``bdm`` against Scholz, Calbert & Smith (2011) and against its reference implementation.

* Table 2 (per-round median and mean of the EU car-emission case, Q = 1.0), parsed from
  ``tests/data/scholz_2011_table2_expected.txt``;
* the round-1 expected utilities plotted in the paper's figures 7-9 (read off the figures);
* the vectorised kernel against the per-draw loop of ``oracles/bdm.py`` on random inputs;
* the prefix-sum vote margins against the direct sum over third parties.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from oracles.bdm import reference_run

import guaranty.models.bargaining.bdm as bdm_module
from guaranty.errors import ModelError
from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs
from guaranty.models.bargaining.bdm import (
    BuenoDeMesquita,
    Contests,
    condorcet_median,
    perceived_eus,
    risk_exponents,
    vote_margins,
    win_probability,
)
from guaranty.scenario import load
from guaranty.scenario.compile import nominal_inputs


def parse_table(path: Path) -> dict[str, np.ndarray]:
    """Rows of the expected-values file ("round 1 2 ...", "median ...", "mean ...")."""
    rows = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, *values = line.split()
            rows[key] = np.array([float(v) for v in values])
    return rows


@pytest.fixture
def eu_case(data_dir: Path) -> NegotiationInputs:
    return nominal_inputs(load(data_dir / "eu_emissions_1994_actors.csv"))


def test_table2_median_and_mean(eu_case: NegotiationInputs, data_dir: Path) -> None:
    """All eight means within 0.1; seven of eight medians within 0.1.

    Round 2 misses: the model gives 9.61 (Belgium's compromise with France, from 8.42 to
    9.61), Scholz et al. print 9.9, which the model reaches one round later; see
    docs/models/bdm.md. The other 15 figures are within 0.08.
    """
    expected = parse_table(data_dir / "scholz_2011_table2_expected.txt")
    model = BuenoDeMesquita(q=1.0)
    res = model.run(eu_case, np.random.default_rng(0))
    median = res.round_median[0, :, 0]
    mean = res.round_mean[0, :, 0]
    assert len(expected["round"]) == model.rounds == 8
    np.testing.assert_allclose(mean, expected["mean"], atol=0.1)
    hit = np.abs(median - expected["median"]) <= 0.1
    assert hit.sum() >= 7
    assert np.flatnonzero(~hit).tolist() == [1]  # round 2
    assert median[1] == pytest.approx(9.611, abs=1e-3)
    # the figures the model gives (regression values, docs/models/bdm.md)
    np.testing.assert_allclose(
        median, [8.416, 9.611, 9.962, 9.962, 9.962, 7.472, 8.825, 9.671], atol=1e-3
    )
    np.testing.assert_allclose(
        mean, [7.461, 7.553, 7.590, 7.358, 7.349, 7.415, 7.510, 7.572], atol=1e-3
    )
    assert res.outcome[0, 0] == median[-1]


# Round-1 points of figures 7-9 ("our interpretation"), read off the page images at 200-300
# dpi: (E^i(U_ij), E^i(U_ji)) for viewer i and rival j. Reading precision about 0.03;
# the UK point of figure 9 sits on the end of the axis (-2). Figure 9's Greece (0.59, 0.56)
# is left out: the figure puts it on the other side of the axes from Belgium, which has the
# same position and capability and a lower salience, something no reading of the model does.
FIGURE_POINTS = {
    "Belgium": {  # figure 7; Ireland and Greece (same position) at (0, 0)
        "Denmark": (-0.84, 0.24),
        "UK": (-0.655, 0.24),
        "Netherlands": (-0.47, 0.24),
        "Germany": (-0.47, 0.24),
        "France": (-0.11, 0.24),
        "Italy": (-0.11, 0.24),
        "Luxembourg": (0.60, 0.24),
        "Ireland": (0.0, 0.0),
        "Greece": (0.0, 0.0),
    },
    "France": {  # figure 8; UK and Italy at (0, 0)
        "Denmark": (-2.0, -0.45),
        "Netherlands": (-1.24, -0.45),
        "Germany": (-1.24, -0.45),
        "Greece": (-0.41, -0.21),
        "Belgium": (0.185, -0.21),
        "Ireland": (0.79, -0.21),
        "Luxembourg": (1.14, -0.435),
        "UK": (0.0, 0.0),
        "Italy": (0.0, 0.0),
    },
    "Netherlands": {  # figure 9; Germany, Denmark, Luxembourg at (0, 0)
        "UK": (-2.0, -1.656),
        "France": (-0.865, -1.65),
        "Italy": (-0.865, -1.65),
        "Belgium": (0.11, -0.714),
        "Ireland": (0.727, -0.714),
        "Germany": (0.0, 0.0),
    },
}


def test_round1_expected_utilities_match_figures_7_to_9(eu_case: NegotiationInputs) -> None:
    x = eu_case.positions[0, :, 0][None]
    s = eu_case.salience[0, :, 0][None]
    w = (eu_case.capability[0, :, 0] * eu_case.salience[0, :, 0])[None]
    present = np.ones_like(x, dtype=bool)
    scale = np.array([6.0])
    mu = condorcet_median(x, w, present, scale)
    model = BuenoDeMesquita(q=1.0)
    contests = Contests(x, s, w, present, scale)
    r = risk_exponents(contests, mu, model)
    a, b, _ = perceived_eus(contests, mu, r, model)
    ids = list(eu_case.actor_ids)
    for viewer, points in FIGURE_POINTS.items():
        i = ids.index(viewer)
        for rival, (ex, ey) in points.items():
            j = ids.index(rival)
            assert a[0, i, j] == pytest.approx(ex, abs=0.08), (viewer, rival)
            assert b[0, i, j] == pytest.approx(ey, abs=0.08), (viewer, rival)
    # the risk exponents these points imply: NL 4 (1/2)^r = 1.51, BE 0.75, FR 1.05, r <= 2
    np.testing.assert_allclose(r[0, [0, 1, 4]], [1.406, 0.754, 1.047], atol=2e-3)


def random_inputs(seed: int, draws: int, actors: int, issues: int) -> NegotiationInputs:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, (draws, actors, issues))
    pos = np.where(rng.random(pos.shape) < 0.3, np.round(pos / 10) * 10, pos)  # ties
    present = rng.random((actors, issues)) > 0.25
    present[:2] = True
    return NegotiationInputs(
        positions=pos,
        salience=rng.random((draws, actors, issues)),
        capability=rng.uniform(0, 2, (draws, actors, 1)) * np.ones((1, 1, issues)),
        present=present,
        lower=np.zeros(issues),
        upper=np.full(issues, 100.0),
        reference=np.full(issues, np.nan),
        actor_ids=tuple(f"a{k}" for k in range(actors)),
        issue_ids=tuple(f"i{k}" for k in range(issues)),
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": 0.5},
        {"q": 0.2, "t": 0.7, "scale": "issue"},
        {"probability": "pairwise", "vote_utility": "linear"},
        {"risk": "made", "selection": "least", "capitulation": False},
        {"risk": "neutral", "selection": "strongest"},
        {"tol": 0.02, "rounds": 10},
    ],
)
def test_kernel_matches_reference_loop(params: dict[str, object]) -> None:
    model = BuenoDeMesquita(**params)
    for seed in range(4):
        x = random_inputs(seed, draws=3, actors=(7, 11)[seed % 2], issues=2)
        fast = model.run(x, np.random.default_rng(0))
        slow = reference_run(model, x)
        for name in ("round_positions", "round_median", "round_mean", "outcome"):
            np.testing.assert_allclose(
                getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-9, err_msg=name
            )
        np.testing.assert_array_equal(
            fast.diagnostics["rounds_run"], slow.diagnostics["rounds_run"]
        )


def test_chunks_do_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    x = random_inputs(7, draws=40, actors=6, issues=2)
    whole = BuenoDeMesquita().run(x, np.random.default_rng(0))
    monkeypatch.setattr(bdm_module, "_CHUNK_BYTES", 1)  # one row per chunk
    pieces = BuenoDeMesquita().run(x, np.random.default_rng(0))
    np.testing.assert_array_equal(whole.round_positions, pieces.round_positions)


def test_vote_margins_equal_the_sum_over_third_parties() -> None:
    rng = np.random.default_rng(3)
    b, n = 50, 9
    x = np.round(rng.uniform(0, 10, (b, n)))  # many ties and exact midpoints
    present = rng.random((b, n)) > 0.2
    w = np.where(present, rng.random((b, n)), 0.0)
    rho = rng.uniform(0.5, 2, (b, n))
    scale = np.full(b, 10.0)
    for exponent in (None, rho):
        e = np.ones((b, n)) if exponent is None else exponent
        u = -((np.abs(x[:, :, None] - x[:, None, :]) / 10.0) ** e[:, :, None])  # [row, k, a]
        direct = (w[:, :, None, None] * np.maximum(u[:, :, :, None] - u[:, :, None, :], 0)).sum(1)
        both = present[:, :, None] & present[:, None, :]
        direct = np.where(both, direct, 0.0)
        fast = vote_margins(x, w, exponent, scale, present)
        np.testing.assert_allclose(fast, direct, rtol=0, atol=1e-12)
        # pairwise probabilities of a contest with votes add up to one
        p = win_probability(fast, "pairwise")
        total = fast + fast.transpose(0, 2, 1)
        np.testing.assert_allclose((p + p.transpose(0, 2, 1))[total > 0], 1.0)
        # pooled ones add up to one over all ordered pairs
        pooled = win_probability(fast, "pooled")
        has = fast.sum(axis=(1, 2)) > 0
        np.testing.assert_allclose(pooled.sum(axis=(1, 2))[has], 0.5)


def test_result_shapes_and_registry() -> None:
    model = registry.create("bdm", rounds=3)
    assert isinstance(model, BuenoDeMesquita) and model.iterative
    x = random_inputs(1, draws=2, actors=5, issues=3)
    res = model.run(x, np.random.default_rng(0))
    assert res.outcome.shape == (2, 3)
    assert res.round_median.shape == res.round_mean.shape == (2, 3, 3)
    assert res.round_positions.shape == (2, 3, 5, 3)
    np.testing.assert_array_equal(res.outcome, res.round_median[:, -1])
    # absent actors keep their input positions
    for a, k in zip(*np.nonzero(~x.present), strict=True):
        for rnd in range(3):
            np.testing.assert_array_equal(res.round_positions[:, rnd, a, k], x.positions[:, a, k])


def test_tol_stops_and_repeats_the_last_round(eu_case: NegotiationInputs) -> None:
    res = BuenoDeMesquita(tol=1.0).run(eu_case, np.random.default_rng(0))  # any move < R
    assert res.diagnostics["rounds_run"][0, 0] == 1
    later = res.round_positions[0, 1:]
    np.testing.assert_array_equal(later, np.broadcast_to(res.round_positions[0, :1], later.shape))
    assert (res.round_median[0, :, 0] == res.round_median[0, 0, 0]).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rounds": 0}, "parameter rounds of bdm must be an integer >= 1; got 0"),
        ({"rounds": 2.0}, "parameter rounds of bdm must be an integer >= 1; got 2.0"),
        ({"tol": -1}, "parameter tol of bdm must be None or a number >= 0; got -1"),
        ({"q": 1.5}, r"parameter q of bdm must be a number in \[0, 1\]; got 1.5"),
        ({"t": True}, r"parameter t of bdm must be None or a number in \[0, 1\]; got True"),
        ({"probability": "x"}, "parameter probability of bdm must be one of 'pooled', 'pair"),
        ({"selection": "best"}, "parameter selection of bdm must be one of 'paper', 'least'"),
        ({"capitulation": 1}, "parameter capitulation of bdm must be True or False; got 1"),
    ],
)
def test_parameters_are_checked(params: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        BuenoDeMesquita(**params)


def one_contest(
    positions: list[float], salience: list[float], present: list[bool]
) -> NegotiationInputs:
    n = len(positions)
    col = lambda v: np.array(v, dtype=float).reshape(1, n, 1)  # noqa: E731
    return NegotiationInputs(
        positions=col(positions),
        salience=col(salience),
        capability=col([1.0, 2.0, 3.0][:n]),
        present=np.array(present).reshape(n, 1),
        lower=np.array([0.0]),
        upper=np.array([10.0]),
        reference=np.array([np.nan]),
        actor_ids=tuple(f"a{k}" for k in range(n)),
        issue_ids=("i",),
    )


@pytest.mark.parametrize(
    ("positions", "salience", "present", "median"),
    [
        ([3.0, 5.0, 7.0], [1.0, 1.0, 1.0], [True, False, False], 3.0),  # one actor
        ([4.0, 4.0, 4.0], [0.5, 0.2, 0.9], [True, True, True], 4.0),  # one position
        # no salience: no votes (P = 0); capability weighs the median, an even split at 5
        # and 9 gives their midpoint
        ([1.0, 5.0, 9.0], [0.0, 0.0, 0.0], [True, True, True], 7.0),
    ],
)
def test_degenerate_contests(
    positions: list[float], salience: list[float], present: list[bool], median: float
) -> None:
    x = one_contest(positions, salience, present)
    with np.errstate(all="raise"):
        res = BuenoDeMesquita().run(x, np.random.default_rng(0))
    np.testing.assert_array_equal(res.round_median[0, :, 0], median)
    np.testing.assert_array_equal(res.round_positions[0, -1, :, 0], positions)
