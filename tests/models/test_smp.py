"""``smp`` against KTAB's own reference run, its loop reference, and hand-derived laws.

The reference run (``tests/data/dummyData_3Dim.reference-run.txt``) is KTAB's log of
``smpc`` on ``dummyData_3Dim.csv``; every figure checked here is parsed from it: the options
in its header, the PRNG seed, the risk attitudes and challenges of the first turn, the
history of positions and the final winning probabilities.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from oracles.smp import reference_run

from guaranty.errors import ModelError
from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs
from guaranty.models.bargaining.smp import (
    OPTIONS,
    SpatialModelOfPolitics,
    interpolate_bargain,
    risk_attitudes,
    victory_probability,
)
from guaranty.scenario import load
from guaranty.scenario.compile import nominal_inputs, sample_inputs

LOG = "dummyData_3Dim.reference-run.txt"


def parse_log(text: str) -> dict:
    """The figures of a KTAB smpc log: options, seed, number of states, the first turn's
    risk attitudes, challenges (i -> (j, prob, gain)) and proposals (i's own position in
    i's bargain with j), the history of positions (actors, dimensions, states) and of the
    winning probabilities (actors, states), with the actor and dimension names."""
    lines = text.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("Model Paramaters")))
    options = {}
    for line in lines[start + 1 :]:
        key, sep, value = line.partition(":")
        if not sep or key.strip() not in OPTIONS:
            break
        options[key.strip()] = value.strip()
    turn0 = text.split("Starting Model::run iteration 1")[1].split(
        "Starting Model::run iteration 2"
    )[0]
    k = lines.index(next(x for x in lines if x.startswith("Inferred risk attitudes")))
    risk = []
    for line in lines[k + 1 :]:
        if not re.fullmatch(r"\s*[+-]\d+\.\d+\s*", line):
            break
        risk.append(float(line))
    challenges = {
        int(i): (int(j), float(p), float(g))
        for i, j, p, g in re.findall(
            r"actor (\d+) has most advantageous target (\d+) worth [\d.]+ *\n"
            r"(?:turn 0 ,.*\n)?Est by +\d+ of prob ([\d.]+) that \[.*?\], with expected gain "
            r"to +\d+ of ([+-][\d.]+)",
            turn0,
        )
    }
    proposals = {
        (int(i), int(j)): [float(v) for v in pos.split()]
        for i, j, pos in re.findall(
            r"Bargain \[\d+, (\d+):(\d+)\] from \1's perspective \(brgnIIJ\) *\n"
            r" +\1 proposes \1 adopt:((?: +[\d.]+)+)",
            turn0,
        )
    }
    block = text.split("History of actor positions over time:")[1]
    block, prob_block = block.split("History of actors' winning probabilities:")
    rows = re.findall(r"^(\S[^,]*), (.+?):((?: +[\d.]+)+) *$", block, re.M)
    actors = list(dict.fromkeys(r[0] for r in rows))
    dims = list(dict.fromkeys(r[1] for r in rows))
    history = np.array([[float(v) for v in r[2].split()] for r in rows])
    probs = re.findall(r"^(\S.*?), prob :((?: +[\d.]+)+) *$", prob_block, re.M)
    return {
        "options": options,
        "seed": int(re.search(r"Using PRNG seed: (\d+)", text).group(1)),
        "states": int(re.search(r"There were (\d+) states", text).group(1)),
        "risk": risk,
        "challenges": challenges,
        "proposals": proposals,
        "actors": actors,
        "dims": dims,
        "history": history.reshape(len(actors), len(dims), -1),
        "probabilities": np.array([[float(v) for v in r[1].split()] for r in probs]),
    }


@pytest.fixture(scope="module")
def ktab(request: pytest.FixtureRequest) -> dict:
    data = Path(request.config.rootpath) / "tests" / "data"
    ref = parse_log((data / LOG).read_text())
    x = nominal_inputs(load(data / "dummyData_3Dim.csv"))
    model = registry.create("smp", **ref["options"])
    result = model.run(x, np.random.default_rng(ref["seed"] % 2**32))
    return {"ref": ref, "x": x, "model": model, "result": result}


def test_log_is_parsed_whole(ktab: dict) -> None:
    ref, x = ktab["ref"], ktab["x"]
    assert ref["options"] == {
        "VictoryProbModel": "Linear",
        "VotingRule": "Prop",
        "PCEModel": "Conditional",
        "StateTransitions": "Deterministic",
        "BigRRange": "Mid",
        "BigRAdjust": "OneThird",
        "ThirdPartyCommit": "SemiCommit",
        "InterVecBrgn": "S2P2",
        "BargnModel": "InitOnlyInterp",
    }
    assert ref["history"].shape == (7, 3, ref["states"])
    assert ref["probabilities"].shape == (7, ref["states"])
    assert len(ref["risk"]) == 7 and len(ref["challenges"]) == 7 == len(ref["proposals"])
    # the actors and dimensions in the loader's order
    assert list(x.actor_ids) == ref["actors"] and list(x.issue_ids) == ref["dims"]
    np.testing.assert_allclose(x.positions[0], ref["history"][:, :, 0], atol=0.05 + 1e-9)


def test_final_positions_and_turns_match_ktab(ktab: dict) -> None:
    """The check of issue 4: every final coordinate within 2.0, turns within 2 states."""
    ref, res = ktab["ref"], ktab["result"]
    dev = np.abs(res.round_positions[0, -1] - ref["history"][:, :, -1]).max()
    assert dev <= 2.0
    assert abs(int(res.diagnostics["turns"][0]) + 1 - ref["states"]) <= 2
    # in fact KTAB's run is reproduced to its print precision (one decimal)
    assert dev <= 0.05 + 1e-9
    assert int(res.diagnostics["turns"][0]) + 1 == ref["states"]


def test_every_state_of_the_history_matches_ktab(ktab: dict) -> None:
    ref, res = ktab["ref"], ktab["result"]
    ours = np.moveaxis(res.round_positions[0], 0, -1)  # (actors, dims, turns)
    np.testing.assert_allclose(ours, ref["history"][:, :, 1:], rtol=0, atol=0.05 + 1e-9)


def test_final_winning_probabilities_match_ktab(ktab: dict) -> None:
    ref, res = ktab["ref"], ktab["result"]
    ours = [res.details["position_probabilities"][a] for a in ref["actors"]]
    np.testing.assert_allclose(ours, ref["probabilities"][:, -1], atol=5e-5)


def test_first_turn_risk_challenges_and_bargains_match_ktab(ktab: dict) -> None:
    ref, model = ktab["ref"], ktab["model"]
    prep = model.prepare(ktab["x"])
    x, s, c = prep["x"], prep["s"], prep["c"]
    a = model.assess(x, s, c)
    np.testing.assert_allclose(a["r"][0], ref["risk"], atol=5e-4)
    target, gain, p = model.challenges(a["u"], s, c)
    for i, (j, p_ij, g_ij) in ref["challenges"].items():
        assert target[0, i] == j
        assert p[0, i, j] == pytest.approx(p_ij, abs=5e-5)
        assert gain[0, i, j] == pytest.approx(g_ij, abs=5e-5)
        b_i, _ = interpolate_bargain(
            "S2P2", x[0, i], s[0, i], p[0, i, j], x[0, j], s[0, j], 1 - p[0, i, j]
        )
        np.testing.assert_allclose(100 * b_i, ref["proposals"][i, j], atol=5e-4)


def test_seed_does_not_matter_for_deterministic_transitions(ktab: dict) -> None:
    again = ktab["model"].run(ktab["x"], np.random.default_rng(12345))
    np.testing.assert_array_equal(again.round_positions, ktab["result"].round_positions)


def test_outcome_is_the_expected_final_position(ktab: dict) -> None:
    res = ktab["result"]
    final = res.round_positions[0, -1]
    probs = np.array(list(res.details["position_probabilities"].values()))
    seen, expected = set(), np.zeros(3)
    for a in range(7):  # each distinct final position once
        key = tuple(np.round(final[a], 6))
        if key not in seen:
            seen.add(key)
            expected += probs[a] * final[a]
    assert len(seen) == 5  # actors 0 and 1, and 4 and 6, end on the same positions
    np.testing.assert_allclose(res.outcome[0], expected, atol=1e-9)


# ---------------------------------------------------------------------------------------
# KTAB's one-issue reference histories (many actors: the grouping of equal positions)


def parse_history(text: str) -> dict:
    """The end of a KTAB smpc log: the number of states, the history of positions (actors,
    dimensions, states) and of the winning probabilities (actors, states), the actor names."""
    block = text.split("History of actor positions over time:")[1]
    block, prob_block = block.split("History of actors' winning probabilities:")
    rows = re.findall(r"^(\S[^,]*), (.+?):((?: +[\d.]+)+) *$", block, re.M)
    probs = re.findall(r"^(\S.*?), prob :((?: +[\d.]+)+) *$", prob_block, re.M)
    actors = list(dict.fromkeys(r[0] for r in rows))
    history = np.array([[float(v) for v in r[2].split()] for r in rows])
    return {
        "states": int(re.search(r"There were (\d+) states", text).group(1)),
        "actors": actors,
        "history": history.reshape(len(actors), len(rows) // len(actors), -1),
        "probabilities": np.array([[float(v) for v in r[1].split()] for r in probs]),
    }


@pytest.mark.parametrize(
    "name", ["SOE-Policy", "SOE-Competitive", "dummyData-a040", "SOE-Pol-Comp"]
)
def test_history_matches_ktab_reference(name: str, request: pytest.FixtureRequest) -> None:
    """KTAB's default options on its examples with 13 to 40 actors (one issue; two for
    SOE-Pol-Comp): the same states, every position within the log's print precision and
    every winning probability within 1e-3 at every state, with KTAB's grouping of equal
    positions (greedy, in actor order)."""
    data = Path(request.config.rootpath) / "tests" / "data"
    ref = parse_history((data / f"{name}.reference-history.txt").read_text())
    x = nominal_inputs(load(data / f"{name}.csv"))
    n, m = len(x.actor_ids), len(x.issue_ids)
    assert list(x.actor_ids) == ref["actors"]
    assert ref["history"].shape == (n, m, ref["states"])
    assert ref["probabilities"].shape == (n, ref["states"])
    positions, probabilities = SpatialModelOfPolitics(grouping="ktab").history(x)
    assert len(positions) == ref["states"]
    ours = np.moveaxis(positions, 0, -1)  # (actors, dims, states)
    np.testing.assert_allclose(ours, ref["history"], rtol=0, atol=0.05 + 1e-9)
    np.testing.assert_allclose(probabilities.T, ref["probabilities"], rtol=0, atol=1e-3)
    # in fact to the log's four decimals
    np.testing.assert_allclose(probabilities.T, ref["probabilities"], rtol=0, atol=5e-5 + 1e-12)


def test_default_chain_grouping_departs_from_ktab_on_near_positions() -> None:
    """The default chains near positions (the result does not depend on the actors'
    order); on SOE-Pol-Comp's last state, with near but unequal positions, its winning
    probabilities are within 0.015 of KTAB's."""
    data = Path(__file__).resolve().parents[1] / "data"
    ref = parse_history((data / "SOE-Pol-Comp.reference-history.txt").read_text())
    x = nominal_inputs(load(data / "SOE-Pol-Comp.csv"))
    _, probabilities = SpatialModelOfPolitics().history(x)
    dev = np.abs(probabilities[-1] - ref["probabilities"][:, -1]).max()
    assert 1e-3 < dev < 0.015


# ---------------------------------------------------------------------------------------
# the kernel against the loop reference


def _random_inputs(seed: int, draws: int, actors: int, issues: int, absent: float):
    rng = np.random.default_rng(seed)
    lower = rng.uniform(-10, 10, issues)
    upper = lower + rng.uniform(1, 100, issues)
    pos = lower + (upper - lower) * rng.random((draws, actors, issues))
    present = rng.random((actors, issues)) >= absent
    present[0] = True
    return NegotiationInputs(
        positions=pos,
        salience=rng.random((draws, actors, issues)),
        capability=rng.uniform(0, 5, (draws, actors, 1)) * np.ones((1, 1, issues)),
        present=present,
        lower=lower,
        upper=upper,
        reference=np.full(issues, np.nan),
        actor_ids=tuple(f"a{k}" for k in range(actors)),
        issue_ids=tuple(f"i{k}" for k in range(issues)),
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"VotingRule": "Binary", "VictoryProbModel": "Square"},
        {"PCEModel": "MarkovIncentive", "VotingRule": "PropCbc"},
        {"PCEModel": "MarkovUniform", "BigRRange": "Max", "BigRAdjust": "Half"},
        {"InterVecBrgn": "S2PMax", "ThirdPartyCommit": "NoCommit"},
        {"BargnModel": "InitRcvrInterp", "InterVecBrgn": "S1P1"},
        {"BargnModel": "PWCompInterp", "VictoryProbModel": "Binary"},
        {"StateTransitions": "Stochastic"},
        {"forecast": "weighted_mean"},
        {"grouping": "ktab", "VictoryProbModel": "Quartic"},
        {"grouping": "ktab", "PCEModel": "MarkovUniform"},
    ],
)
def test_kernel_matches_loop_reference(params: dict) -> None:
    model = SpatialModelOfPolitics(**params)
    for seed in range(3):
        x = _random_inputs(seed, draws=2, actors=5 + seed, issues=1 + seed, absent=0.25)
        ours = model.run(x, np.random.default_rng(seed))
        ref = reference_run(model, x, np.random.default_rng(seed))
        np.testing.assert_array_equal(ours.diagnostics["turns"], ref.diagnostics["turns"])
        np.testing.assert_allclose(ours.outcome, ref.outcome, rtol=0, atol=1e-9)
        t = ref.round_positions.shape[1]
        np.testing.assert_allclose(ours.round_positions[:, :t], ref.round_positions, atol=1e-9)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"VotingRule": "Binary", "VictoryProbModel": "Octic"},
        {"PCEModel": "MarkovIncentive", "VotingRule": "PropCbc", "BigRAdjust": "Full"},
        {"PCEModel": "MarkovUniform", "BigRRange": "Min", "VotingRule": "ASymProsp"},
        {"InterVecBrgn": "S2PMax", "ThirdPartyCommit": "FullCommit", "VotingRule": "Cubic"},
        {"BargnModel": "InitRcvrInterp", "InterVecBrgn": "S1P1", "BigRAdjust": "None"},
        {"BargnModel": "PWCompInterp", "VotingRule": "Cubic", "BigRAdjust": "TwoThirds"},
        {"StateTransitions": "Stochastic", "forecast": "weighted_mean"},
        {"grouping": "ktab", "VictoryProbModel": "Quartic"},
    ],
)
def test_compiled_kernel_matches_array_kernel(params: dict) -> None:
    """The compiled kernel (numba, the default) against the array kernel (numpy) on random
    draws of 4 to 14 actors: the same turns and challenges, positions, outcome and winning
    probabilities within 1e-9 (the two sum in different orders: round-off only).

    Not compared: PWCompInterp with the Binary or PropBin vote. Its bargains leave the 1e-4
    grid, so positions carry round-off, which the binary vote (a step of width 1e-8 in the
    utility difference) magnifies 10^8 times into the votes; near-ties are then decided by
    round-off and any two orders of summation part: at 12 actors the array kernel and the
    loop reference (tests/models/oracles/smp.py) end apart on 11 draws of 20, the compiled
    kernel and the array kernel on 4."""
    compiled = SpatialModelOfPolitics(**params)
    compiled.kernel = "compiled"
    array = SpatialModelOfPolitics(**params)
    array.kernel = "numpy"
    for seed in range(3):
        x = _random_inputs(10 + seed, draws=6, actors=4 + 5 * seed, issues=1 + seed, absent=0.2)
        ours = compiled.run(x, np.random.default_rng(seed))
        ref = array.run(x, np.random.default_rng(seed))
        np.testing.assert_array_equal(ours.diagnostics["turns"], ref.diagnostics["turns"])
        for name in ("outcome", "round_positions", "round_median", "round_mean"):
            np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), atol=1e-9)
        assert ours.details["challenges"] == ref.details["challenges"]
        for key in ("position_probabilities", "risk_attitudes"):
            assert ours.details[key].keys() == ref.details[key].keys()
            np.testing.assert_allclose(
                list(ours.details[key].values()), list(ref.details[key].values()), atol=1e-9
            )


def test_compiled_kernel_runs_long_histories_in_segments() -> None:
    """More turns than one call of the compiled kernel runs (32): the same history as the
    array kernel, and the first draw's account covers every turn."""
    params = {"minIter": 150, "maxIter": 300, "minDeltaRatio": 1e-6}
    compiled, array = SpatialModelOfPolitics(**params), SpatialModelOfPolitics(**params)
    compiled.kernel, array.kernel = "compiled", "numpy"
    x = _random_inputs(4, draws=3, actors=6, issues=2, absent=0.0)
    ours = compiled.run(x, np.random.default_rng(0))
    ref = array.run(x, np.random.default_rng(0))
    assert ours.diagnostics["turns"].min() >= 150
    np.testing.assert_array_equal(ours.diagnostics["turns"], ref.diagnostics["turns"])
    np.testing.assert_allclose(ours.round_positions, ref.round_positions, atol=1e-9)
    assert ours.details["challenges"] == ref.details["challenges"]
    assert len(ours.details["challenges"]) == ours.diagnostics["turns"][0]


def test_small_problems_run_in_numpy_and_large_ones_compiled() -> None:
    """kernel="auto" (the default) picks by the number of actors only, never by the batch:
    KTAB's 7-actor example runs without loading numba, 12 actors compiled, and a draw's
    result is the same in a batch of one and of many either way."""
    from guaranty.models.bargaining.smp import SMALL_ACTORS

    code = (
        f"import sys, numpy as np; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "from test_smp import _random_inputs; "
        "from guaranty.models.bargaining.smp import SpatialModelOfPolitics as M; "
        f"M().run(_random_inputs(1, draws=3, actors={SMALL_ACTORS}, issues=2, absent=0.0), "
        "np.random.default_rng(0)); print('numba' in sys.modules, end=' '); "
        f"M().run(_random_inputs(1, draws=3, actors={SMALL_ACTORS + 2}, issues=2, absent=0.0), "
        "np.random.default_rng(0)); print('numba' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.split() == ["False", "True"], proc.stderr
    for actors in (SMALL_ACTORS, SMALL_ACTORS + 2):
        x = _random_inputs(5, draws=4, actors=actors, issues=2, absent=0.1)
        batch = SpatialModelOfPolitics().run(x, np.random.default_rng(0)).outcome
        one = SpatialModelOfPolitics().run(x.take_draws(slice(2, 3)), np.random.default_rng(0))
        np.testing.assert_array_equal(one.outcome[0], batch[2])


def test_numba_is_imported_only_when_a_run_starts() -> None:
    code = (
        "import sys, numpy as np; from guaranty.models import registry; "
        "m = registry.create('smp'); assert 'numba' not in sys.modules; "
        "from guaranty.models.bargaining.smp import SpatialModelOfPolitics; "
        "assert 'numba' not in sys.modules; print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_batch_of_draws_equals_draws_one_by_one() -> None:
    x = _random_inputs(7, draws=5, actors=8, issues=3, absent=0.2)
    model = SpatialModelOfPolitics()
    batch = model.run(x, np.random.default_rng(0))
    for d in range(5):
        one = x.take_draws(slice(d, d + 1))
        res = model.run(one, np.random.default_rng(0))
        np.testing.assert_allclose(res.outcome, batch.outcome[d : d + 1], atol=1e-12)
        assert res.diagnostics["turns"][0] == batch.diagnostics["turns"][d]
    assert batch.round_positions.shape[:2] == (5, batch.diagnostics["turns"].max())
    assert (
        batch.round_median.shape == batch.round_mean.shape == (5, batch.round_positions.shape[1], 3)
    )


def test_stochastic_transitions_are_seeded_and_per_draw() -> None:
    x = _random_inputs(3, draws=4, actors=7, issues=2, absent=0.0)
    model = SpatialModelOfPolitics(StateTransitions="Stochastic")
    a = model.run(x, np.random.default_rng(5))
    np.testing.assert_array_equal(a.outcome, model.run(x, np.random.default_rng(5)).outcome)
    first = x.take_draws(slice(None, 1))
    np.testing.assert_allclose(model.run(first, np.random.default_rng(5)).outcome, a.outcome[:1])
    outcomes = {tuple(model.run(x, np.random.default_rng(s)).outcome[0]) for s in range(6)}
    assert len(outcomes) > 1


# ---------------------------------------------------------------------------------------
# laws and edge cases


def test_victory_probability_laws() -> None:
    # KTAB (kmodel.h): a 2:1 advantage gives 2/3, 4/5, 16/17, 256/257
    for model, p in [
        ("Linear", 2 / 3),
        ("Square", 4 / 5),
        ("Quartic", 16 / 17),
        ("Octic", 256 / 257),
    ]:
        assert victory_probability(model, np.array(2.0), np.array(1.0)) == pytest.approx(p)
    assert victory_probability("Binary", np.array(1.1), np.array(1.0)) == pytest.approx(
        1 / (1 + 1e-6)
    )
    assert victory_probability("Binary", np.array(1.0), np.array(1.0)) == pytest.approx(0.5)


def test_risk_attitude_ranges() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert risk_attitudes(p, "Mid")[[0, -1]].tolist() == pytest.approx([-0.5, 1.0])
    assert risk_attitudes(p, "Min")[[0, -1]].tolist() == pytest.approx([0.0, 1.0])
    assert risk_attitudes(p, "Max")[[0, -1]].tolist() == pytest.approx([-1.0, 1.0])
    assert risk_attitudes(np.full(3, 1 / 3), "Mid").tolist() == [0.0, 0.0, 0.0]


def test_lone_actor_and_absent_actors() -> None:
    x = _random_inputs(1, draws=1, actors=4, issues=2, absent=0.0)
    present = np.zeros((4, 2), bool)
    present[2] = True
    lone = NegotiationInputs(**{**x.__dict__, "present": present})
    res = registry.create("smp").run(lone, np.random.default_rng(0))
    np.testing.assert_allclose(res.outcome, x.positions[:, 2])
    # an actor absent everywhere changes nothing
    present = np.ones((4, 2), bool)
    present[3] = False
    y = NegotiationInputs(**{**x.__dict__, "present": present})
    three = NegotiationInputs(
        **{
            **x.__dict__,
            "positions": x.positions[:, :3],
            "salience": x.salience[:, :3],
            "capability": x.capability[:, :3],
            "present": present[:3],
            "actor_ids": x.actor_ids[:3],
        }
    )
    np.testing.assert_allclose(
        registry.create("smp").run(y, np.random.default_rng(0)).outcome,
        registry.create("smp").run(three, np.random.default_rng(0)).outcome,
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"VotingRule": "Proportional"}, "parameter VotingRule of smp must be one of 'Prop',"),
        ({"PCEModel": "Markov"}, "parameter PCEModel of smp must be one of"),
        ({"BargnModel": "InitOnly"}, "parameter BargnModel of smp must be one of"),
        ({"maxIter": 0}, "parameter maxIter of smp must be an integer >= 1"),
        ({"minIter": 5, "maxIter": 3}, "parameter minIter of smp must be <= maxIter"),
        ({"minDeltaRatio": 1.5}, r"parameter minDeltaRatio of smp must be a number in \(0, 1\)"),
        ({"forecast": "median"}, "parameter forecast of smp must be one of 'expected'"),
    ],
)
def test_parameters_are_checked(params: dict, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        registry.create("smp", **params)


def test_registered_as_multidimensional_and_iterative() -> None:
    cls = registry.get("smp")
    assert cls.separable is False and cls.iterative is True


# -- the unit of capability (docs/models/smp.md) ----------------------------------------------


def test_the_unit_of_capability(root: Path, data_dir: Path) -> None:
    """KTAB's constants against division by zero make the run depend on the unit of
    capability when capabilities are of CINC size; capability="scaled" does not. The
    Ukraine rows of the doc's table, from the script that prints it (300 draws, seed 0;
    tolerance 0.005, the table's rounding); and on KTAB's examples, whose capabilities are
    large enough, scaled and as given agree to 5e-4 (the doc's three decimals)."""
    from doc_figures import script_module, table_row  # (a subprocess imports this file)

    with script_module("smp_capability_unit") as capability_unit:
        _check_the_unit_of_capability(capability_unit, table_row, root, data_dir)


def _check_the_unit_of_capability(capability_unit, table_row, root: Path, data_dir: Path) -> None:
    doc = (root / "docs" / "models" / "smp.md").read_text()
    x = sample_inputs(load(root / "scenarios" / "ukraine-2022.yaml"), 300, np.random.default_rng(0))
    for capability in ("as_given", "scaled"):
        for unit in capability_unit.UNITS:
            r = capability_unit.changes(x, capability, unit)
            cells = table_row(doc, f"| Ukraine 2022 | {capability} | × {unit:g} |", "smp.md")
            assert float(cells[3]) == pytest.approx(r["mean"], abs=0.005)
            assert float(cells[4]) == pytest.approx(r["draw"], abs=0.005)
            if capability == "scaled":
                assert r["draw"] < 1e-9
            else:
                assert r["share"] > 0.9 and r["draw"] > 10
    for name in ("dummyData-a040", "SOE-Policy"):
        y = nominal_inputs(load(data_dir / f"{name}.csv"))
        given = registry.create("smp").run(y, np.random.default_rng(0)).outcome
        scaled = registry.create("smp", capability="scaled").run(y, np.random.default_rng(0))
        np.testing.assert_allclose(scaled.outcome, given, rtol=0, atol=5e-4)
