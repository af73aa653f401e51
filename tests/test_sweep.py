"""Sweeps (guaranty.sweep, guaranty.store.sweeps, ``guaranty sweep``, ``guaranty claims
--sweep``) on the Korea scenario with small designs.

Figures: the stored rows are compared exactly (to the bit) across workers, chunk sizes and
an interrupted-then-resumed sweep (docs/sweep.md: a point's row is a function of the
scenario, design, n, seed and block alone). A Sobol sweep whose units hold whole matrices
(n <= block) runs the very points and streams of ``guaranty.sensitivity.sobol``, so its
indices equal the in-memory design's exactly, and ``guaranty claims --sweep`` prints what
``guaranty claims --sobol`` prints. Known answers: who fights (P(a guarantor fights))
reads nothing from the war or the negotiation (tests/test_sensitivity.py checks the same
for the in-memory design), so those factors get S1 = ST = 0 exactly, and with chance held
fixed along a Morris trajectory and over a grid factor's levels their mu* and range are
exactly 0 too.
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
from guaranty.sensitivity import CHANCE, sobol
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


@pytest.fixture(scope="module")
def one_go(korea, tmp_path_factory):
    """Sobol n = 8 in blocks of 4 (2 base blocks, 44 units, 176 points), one unit per chunk,
    in this process."""
    store = tmp_path_factory.mktemp("sweep") / "a.duckdb"
    got = sw.sweep(korea, design="sobol", n=8, seed=5, store=store, block=4, chunk=1)
    return store, got


def test_the_design_has_the_stated_size(one_go, korea) -> None:
    store, got = one_go
    g = len(got.factors)  # the groups and chance: 20 + 1 for Korea (tests/test_sensitivity)
    assert g == 21 and got.factors[-1] == CHANCE
    assert got.points == 8 * (g + 2) == got.computed
    with Store(store, read_only=True) as st:
        (row,) = list_sweeps(st)
    assert row["status"] == "done" and row["stored"] == got.points
    q, y = _rows(store, got.sweep_id)
    assert q.shape[0] == y.shape[0] == got.points
    assert ((q >= 0) & (q <= 1)).all()


def test_rows_do_not_depend_on_workers_or_chunks(one_go, korea, tmp_path: Path) -> None:
    store, got = one_go
    other = tmp_path / "b.duckdb"
    again = sw.sweep(korea, design="sobol", n=8, seed=5, store=other, block=4, chunk=5, workers=2)
    assert again.sweep_id == got.sweep_id
    _same(_rows(store, got.sweep_id), _rows(other, again.sweep_id))


def test_an_interrupted_sweep_resumes_to_the_same_rows(one_go, korea, tmp_path: Path) -> None:
    store, got = one_go
    path = tmp_path / "c.duckdb"

    def dies_after_three(scenario, chunks):
        for k, ch in enumerate(chunks):
            if k == 3:
                raise KeyboardInterrupt  # Ctrl-C while the fourth chunk runs
            yield ch, sw.compute_chunk(scenario, ch)

    with pytest.raises(KeyboardInterrupt):
        sw.sweep(
            korea, design="sobol", n=8, seed=5, store=path, block=4, chunk=2,
            executor=dies_after_three,
        )  # fmt: skip
    with Store(path, read_only=True) as st:
        (row,) = list_sweeps(st)
        assert row["stored"] == 3 * 2 * 4  # three chunks of two units of 4 points committed
        with pytest.raises(Exception, match="incomplete"):
            read_sweep(st, got.sweep_id)
    # asked to stop after its first chunk: cancelled, what it stored stays
    stops = sw.sweep(
        korea, design="sobol", n=8, seed=5, store=path, block=4, chunk=3,
        should_stop=lambda: True,
    )  # fmt: skip
    assert stops.cancelled and stops.computed == 3 * 4
    rest = sw.sweep(korea, design="sobol", n=8, seed=5, store=path, block=4, chunk=3)
    assert not rest.cancelled and rest.computed == got.points - 3 * 2 * 4 - 3 * 4
    _same(_rows(store, got.sweep_id), _rows(path, rest.sweep_id))
    # and once finished, nothing is computed again
    assert sw.sweep(korea, design="sobol", n=8, seed=5, store=path, block=4).computed == 0


def test_a_sobol_sweep_is_the_in_memory_design(korea, tmp_path: Path) -> None:
    """n = 16 <= block: the same points and streams as guaranty.sensitivity.sobol, so the
    same indices to the bit; and the factors who fights never reads get exactly 0."""
    store = tmp_path / "s.duckdb"
    got = sw.sweep(korea, design="sobol", n=16, seed=3, store=store)
    with Store(store, read_only=True) as st:
        _, res = sw.stored_indices(
            st, got.sweep_id, lambda o: {"p_any": o["p_any"]["defense_treaty"]}
        )

    def outputs(run):
        return {"p_any": run.whatif["p_any"][run.layout.designs.index("defense_treaty")]}

    ref = sobol(korea, outputs, n=16, seed=3)
    assert res.factors == ref.factors and res.evaluations == ref.evaluations == got.points
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_array_equal(res.indices["p_any"][key], ref.indices["p_any"][key])
    rows = {r["input"]: r for r in res.rows("p_any")}
    for name, r in rows.items():
        if name.startswith(UNREAD_BY_WHO_FIGHTS):
            assert r["st"] == 0.0 and r["s1"] == 0.0, name
    assert rows["history, who fights: the fit's posterior draw"]["st"] > 0.05


@pytest.mark.parametrize(
    ("design", "n", "measure"), [("morris", 3, "mu_star"), ("grid", 3, "range")]
)
def test_screening_designs(korea, tmp_path: Path, design: str, n: int, measure: str) -> None:
    """Morris (n trajectories, n (g + 1) points) and the grid (n levels, n g points); with
    chance fixed along a trajectory and over a factor's levels, a factor who fights never
    reads moves P(a guarantor fights) by exactly 0."""
    store = tmp_path / f"{design}.duckdb"
    got = sw.sweep(korea, design=design, n=n, seed=1, store=store, block=2, chunk=4)
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
    if design == "grid":
        q, _ = _rows(store, got.sweep_id)
        # group j at level l is point l g + j: levels (l + 1/2) / n, the rest at 1/2
        assert sorted(set(np.round(q.ravel(), 12))) == [1 / 6, 0.5, 5 / 6]


def _invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_claims_read_a_sweep_as_they_run_a_design(tmp_path: Path) -> None:
    """guaranty claims --sweep prints, per claim and headline output, what --sobol prints for
    the same seed and n (n <= block: the same design), with the sweep named."""
    store = tmp_path / "k.duckdb"
    made = _invoke("sweep", KOREA, "--n", "8", "--seed", "2", "--store", store, "--json")
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert data["points"] == data["computed"] == 8 * 23 and data["design"] == "sobol"
    assert "p_any.defense_treaty" in data["headline"]
    common = ("--draws", "1000", "--seed", "2", "--json")
    direct = _invoke("claims", KOREA, "--sobol", "8", *common)
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
    again = _invoke("sweep", KOREA, "--n", "8", "--seed", "2", "--store", store, "--json")
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
        (("--backend", "ray"), "not yet"),
        (("--address", "ray://head:10001"), "--backend ray only"),
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
