"""Sweeps (guaranty.sweep, guaranty.store.sweeps, ``guaranty sweep``, ``guaranty claims
--sweep``) on the Korea scenario with small designs.

Figures: the stored rows are compared exactly (to the bit) across workers, chunk sizes and
an interrupted-then-resumed sweep of a grid over three blocks of randomness (docs/sweep.md:
a point's row is a function of the scenario, design, n, seed and block alone). A Sobol
sweep whose units hold whole matrices (n <= block) runs the very points and streams of
``guaranty.sensitivity.sobol``, so ``guaranty claims --sweep`` prints exactly what
``guaranty claims --sobol`` prints for the same seed and n. Known answers: who fights
(P(a guarantor fights)) reads nothing from the war, the negotiation, deterrence or
durability (tests/test_sensitivity.py checks the same for the in-memory design), so those
factors get S1 = ST = 0 exactly, and with chance held fixed along a Morris trajectory and
over a grid factor's levels their mu* and range are exactly 0 too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty import sweep as sw
from guaranty.cli import app
from guaranty.scenario import load
from guaranty.sensitivity import CHANCE
from guaranty.store import Store
from guaranty.store.sweeps import list_sweeps, read_sweep

REPO = Path(__file__).resolve().parents[1]
KOREA = REPO / "scenarios" / "korea-1953.yaml"
runner = CliRunner()

#: read by nothing that a factor of these prefixes moves (who fights: tests/test_sensitivity)
UNREAD_BY_WHO_FIGHTS = ("negotiation:", "war:", "history, deterrence", "history, dur")


@pytest.fixture(scope="module")
def korea():
    return load(KOREA)


def _rows(store: Path, sweep_id: str) -> tuple[np.ndarray, np.ndarray]:
    with Store(store, read_only=True) as st:
        got = read_sweep(st, sweep_id)
    return got.quantiles, got.outputs


def _same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> None:
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)  # NaN where both are missing


#: the cheapest design with several blocks of randomness: a grid of 2 levels over Korea's 20
#: groups in blocks of 8 groups (3 blocks, streams 0, 2 and 4), 6 units of 40 points
GRID = {"design": "grid", "n": 2, "seed": 5, "block": 8}


@pytest.fixture(scope="module")
def one_go(korea, tmp_path_factory):
    """The grid :data:`GRID`, one unit per chunk, in this process."""
    store = tmp_path_factory.mktemp("sweep") / "a.duckdb"
    return store, sw.sweep(korea, store=store, chunk=1, **GRID)


def test_the_design_has_the_stated_size(one_go, korea) -> None:
    store, got = one_go
    g = len(got.factors)  # 20 groups for Korea (tests/test_sensitivity)
    assert g == 20 and CHANCE not in got.factors
    assert got.points == 2 * g == got.computed
    with Store(store, read_only=True) as st:
        (row,) = list_sweeps(st)
    assert row["status"] == "done" and row["stored"] == got.points and row["units"] == 6
    q, y = _rows(store, got.sweep_id)
    assert q.shape[0] == y.shape[0] == got.points
    # group j at level l is point l g + j: the levels (l + 1/2) / n, the rest at 1/2
    np.testing.assert_allclose(np.unique(q), [0.25, 0.5, 0.75])
    # Sobol: units of block c use the streams 2 c + 0 (A's chance) or 2 c + 1 (B's)
    d = sw.make_design(korea, "sobol", 4, seed=1, block=2)
    step = len(d.factors) + 2
    assert d.points == 4 * step and len(d.units) == 2 * step
    first, second = d.units[:step], d.units[step:]
    assert [u.stream + 2 for u in first] == [u.stream for u in second]
    assert sorted({u.stream for u in first}) == [0, 1]
    np.testing.assert_array_equal(second[0].points, [2 * step, 3 * step])


def test_rows_do_not_depend_on_workers_or_chunks(one_go, korea, tmp_path: Path) -> None:
    store, got = one_go
    other = tmp_path / "b.duckdb"
    again = sw.sweep(korea, store=other, chunk=2, workers=2, **GRID)
    assert again.sweep_id == got.sweep_id and again.computed == got.points
    _same(_rows(store, got.sweep_id), _rows(other, again.sweep_id))


def test_an_interrupted_sweep_resumes_to_the_same_rows(one_go, korea, tmp_path: Path) -> None:
    store, got = one_go
    path = tmp_path / "c.duckdb"

    def dies_after_two(scenario, chunks):
        for k, ch in enumerate(chunks):
            if k == 2:
                raise KeyboardInterrupt  # Ctrl-C while the third chunk runs
            yield ch, sw.compute_chunk(scenario, ch)

    with pytest.raises(KeyboardInterrupt):
        sw.sweep(korea, store=path, chunk=1, executor=dies_after_two, **GRID)
    with Store(path, read_only=True) as st:
        (row,) = list_sweeps(st)
        assert row["stored"] == 2 * 8  # two chunks of one unit of 8 points committed
        with pytest.raises(Exception, match="incomplete"):
            read_sweep(st, got.sweep_id)
    # asked to stop after its first chunk: cancelled, what it stored stays
    stops = sw.sweep(korea, store=path, chunk=2, should_stop=lambda: True, **GRID)
    # (units in order: 8, 8, 8, 8, 4, 4 points; the first two are stored)
    assert stops.cancelled and stops.computed == 8 + 8
    rest = sw.sweep(korea, store=path, chunk=3, **GRID)
    assert not rest.cancelled and rest.computed == 4 + 4
    _same(_rows(store, got.sweep_id), _rows(path, rest.sweep_id))
    # and once finished, nothing is computed again
    assert sw.sweep(korea, store=path, **GRID).computed == 0


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    """``guaranty sweep KOREA --n 4 --seed 2 --json`` (92 points: 4 (20 + 3)) and its store."""
    store = tmp_path_factory.mktemp("sobol") / "k.duckdb"
    made = _invoke(
        "sweep", KOREA, "--n", "4", "--seed", "2", "--workers", "1", "--store", store, "--json"
    )
    assert made.exit_code == 0, made.output
    return store, json.loads(made.stdout)


def test_a_sobol_sweep_gives_nothing_to_what_is_not_read(sobol_sweep) -> None:
    """Who fights never reads the war, the negotiation, deterrence or durability: their
    factors get S1 = ST = 0 exactly (A and AB_g give the same draw)."""
    store, data = sobol_sweep
    assert data["points"] == data["computed"] == 4 * 23 and data["design"] == "sobol"
    rows = {r["input"]: r for r in data["headline"]["p_any.defense_treaty"]["indices"]}
    assert "history, who fights: the fit's posterior draw" in rows  # the top 3
    with Store(store, read_only=True) as st:
        _, res = sw.stored_indices(
            st, data["sweep_id"], lambda o: {"p_any": o["p_any"]["defense_treaty"]}
        )
    assert res.factors[-1] == CHANCE and res.evaluations == data["points"]
    rows = {r["input"]: r for r in res.rows("p_any")}
    for name, r in rows.items():
        if name.startswith(UNREAD_BY_WHO_FIGHTS):
            assert r["st"] == 0.0 and r["s1"] == 0.0, name
    assert rows["history, who fights: the fit's posterior draw"]["st"] > 0.05


@pytest.mark.parametrize(
    ("design", "n", "block", "measure"), [("morris", 2, 2, "mu_star"), ("grid", 3, 32, "range")]
)
def test_screening_designs(
    korea, tmp_path: Path, design: str, n: int, block: int, measure: str
) -> None:
    """Morris (n trajectories, n (g + 1) points) and the grid (n levels, n g points); with
    chance fixed along a trajectory and over a factor's levels, a factor who fights never
    reads moves P(a guarantor fights) by exactly 0."""
    store = tmp_path / f"{design}.duckdb"
    got = sw.sweep(korea, design=design, n=n, seed=1, store=store, block=block, chunk=4)
    g = len(got.factors)
    assert g == 20 and CHANCE not in got.factors
    assert got.points == (n * (g + 1) if design == "morris" else n * g)
    with Store(store, read_only=True) as st:
        _, res = sw.stored_indices(
            st, got.sweep_id, lambda o: {"p_any": o["p_any"]["defense_treaty"]}
        )
    rows = {r["input"]: r for r in res.rows("p_any")}
    assert set(rows) == set(got.factors)
    for name, r in rows.items():
        if name.startswith(UNREAD_BY_WHO_FIGHTS):
            assert r[measure] == 0.0, name
    assert rows["history, who fights: the fit's posterior draw"][measure] > 0.0
    assert res.sums("p_any") is None


def _invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_claims_read_a_sweep_as_they_run_a_design(sobol_sweep, tmp_path: Path) -> None:
    """guaranty claims --sweep prints, per claim and headline output, what --sobol prints for
    the same seed and n (n <= block: the same points and streams as
    guaranty.sensitivity.sobol, so the same indices to the bit), with the sweep named."""
    store, data = sobol_sweep
    common = ("--draws", "1000", "--seed", "2", "--json")
    direct = _invoke("claims", KOREA, "--sobol", "4", *common)
    stored = _invoke("claims", KOREA, "--store", store, "--sweep", "latest", *common)
    assert direct.exit_code == 0 and stored.exit_code == 0, stored.output
    a, b = json.loads(direct.stdout), json.loads(stored.stdout)
    assert a["headline"] == b["headline"]
    assert [c["sensitivity"] for c in a["claims"]] == [c["sensitivity"] for c in b["claims"]]
    assert [c["sensitivity_sums"] for c in a["claims"]] == [
        c["sensitivity_sums"] for c in b["claims"]
    ]
    assert b["sensitivity_method"]["sweep"]["sweep_id"] == data["sweep_id"]
    # a second sweep command finds every point stored
    again = _invoke("sweep", KOREA, "--n", "4", "--seed", "2", "--store", store, "--json")
    assert json.loads(again.stdout)["computed"] == 0
    # a sweep of another scenario is refused
    other = tmp_path / "other.yaml"
    other.write_text(KOREA.read_text().replace("name: ", "name: Another ", 1))
    refused = _invoke("claims", other, "--store", store, "--sweep", data["sweep_id"], *common)
    assert refused.exit_code == 2 and "another scenario" in refused.stdout
    none = _invoke("claims", other, "--store", store, "--sweep", "latest", *common)
    assert none.exit_code == 2 and "no sweep of this scenario" in none.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--n", "12"), "power of 2"),
        (("--n", "0"), "power of 2"),
        (("--design", "morris", "--n", "1"), "n >= 2"),
        (("--design", "latin"), "'latin' is not one of"),
        (("--backend", "spark"), "unknown --backend 'spark'"),
        (("--address", "ray://head:10001"), "it needs --backend ray"),
    ],
)
def test_bad_sweep_options_are_usage_errors(args, message: str, tmp_path: Path) -> None:
    got = _invoke("sweep", KOREA, *args, "--store", tmp_path / "x.duckdb", "--json")
    assert got.exit_code == 64, got.output
    assert message in json.loads(got.stdout)["error"]["message"]
    assert not (tmp_path / "x.duckdb").exists()


def test_claims_without_the_store_or_the_sweep(tmp_path: Path) -> None:
    got = _invoke("claims", KOREA, "--store", tmp_path / "none.duckdb", "--sweep", "x", "--json")
    assert got.exit_code == 2 and "no such results store" in got.stdout
    with Store(tmp_path / "empty.duckdb"):
        pass
    got = _invoke("claims", KOREA, "--store", tmp_path / "empty.duckdb", "--sweep", "abc")
    assert got.exit_code == 2 and "no sweep 'abc'" in got.output
