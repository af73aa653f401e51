"""``guaranty run --backend ray`` (issue 18): the same draws and outcomes as the local backend,
a folder store that resumes after its run is interrupted, and the errors of the options.

The source of truth is the local backend writing a DuckDB store: its rows are the ones
``tests/test_runner.py`` checks against the simulation in memory. The comparison is exact
(``Store.digest``, a SHA-256 of every row of every table in draw order; tolerance: none).

One local Ray instance of 2 CPUs serves the module (started by the first test that needs it,
shut down at the end); the kill-and-resume test runs ``guaranty run`` in a subprocess, which
starts its own local Ray instance, and checks that none of that instance's processes is
left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.runner import run
from guaranty.scenario import Scenario, load
from guaranty.store import Store, code_digest

ray = pytest.importorskip("ray")  # the test environment installs it (the extra 'ray')

# 20,000 draws twice, and a run killed and resumed (about 90 s); a Ray instance of 2 CPUs
pytestmark = [pytest.mark.slow, pytest.mark.serial]

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"
cli = CliRunner()


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    s = load(SCENARIO)
    assert isinstance(s, Scenario)
    return s


def digest(path: Path, run_id: str) -> str:
    with Store(path, read_only=True) as st:
        return st.digest(run_id)


def test_ray_and_local_store_the_same_draws_and_outcomes(
    local_ray: None, scenario: Scenario, tmp_path: Path
) -> None:
    """20,000 draws with --backend ray (Ray tasks writing Parquet chunks) and with --backend
    local (two processes, a DuckDB file): the same rows in every table, and the report's
    aggregates (draws and outcomes) the same."""
    got = {}
    for backend, store in (("ray", tmp_path / "folder"), ("local", tmp_path / "s.duckdb")):
        result = cli.invoke(
            app,
            [
                "run",
                str(SCENARIO),
                "--draws",
                "20000",
                "--seed",
                "5",
                "--workers",
                "2",
                "--backend",
                backend,
                "--store",
                str(store),
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        got[backend] = (store, json.loads(result.stdout))
    (ray_store, ray_run), (local_store, local_run) = got["ray"], got["local"]
    assert ray_run["run_id"] == local_run["run_id"]
    assert ray_run["computed"] == local_run["computed"] == 20_000
    assert ray_store.is_dir() and list((ray_store / "runs").glob("*/chunk-*/draws.parquet"))
    run_id = ray_run["run_id"]
    with Store(ray_store, read_only=True) as a, Store(local_store, read_only=True) as b:
        for table, order in (("draws", "draw"), ("outcomes", "draw, design")):
            sql = f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ? ORDER BY {order}"
            rows_a = a.con.execute(sql, [run_id]).fetchall()
            per_draw = 1 if table == "draws" else len(scenario.guarantees)
            assert len(rows_a) == 20_000 * per_draw
            assert rows_a == b.con.execute(sql, [run_id]).fetchall(), table
        assert a.digest(run_id) == b.digest(run_id)
        assert a.runs()[0]["stored"] == b.runs()[0]["stored"] == 20_000
        sa, sb = a.stats(run_id).summary(), b.stats(run_id).summary()
    assert sa["war"]["outcomes"] == sb["war"]["outcomes"]
    assert sa["designs"].keys() == sb["designs"].keys()


def test_a_ray_run_into_a_duckdb_file_matches_a_local_folder_store(
    local_ray: None, scenario: Scenario, tmp_path: Path
) -> None:
    """The other two pairings: Ray tasks handing their blocks to the driver's DuckDB writer,
    and the local pool writing a folder store (chunks of 2000), give the same rows."""
    a = run(
        scenario,
        draws=4000,
        seed=2,
        store=tmp_path / "r.duckdb",
        workers=2,
        chunk_size=2000,
        backend="ray",
    )
    b = run(scenario, draws=4000, seed=2, store=tmp_path / "local", workers=1, chunk_size=1000)
    assert a.run_id == b.run_id and a.computed == b.computed == 4000
    assert digest(tmp_path / "r.duckdb", a.run_id) == digest(tmp_path / "local", b.run_id)


def _tree(pid: int) -> dict[int, str]:
    """pid -> start time (from /proc) of ``pid`` and its descendants."""
    kids: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        kids.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19].decode()
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        if p in starts:
            out[p] = starts[p]
        todo.extend(kids.get(p, ()))
    return out


def _alive(pid: int, start: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    fields = stat[stat.rindex(b")") + 2 :].split()
    return fields[19].decode() == start and fields[0] != b"Z"


#: draws of the interrupted run: 60 chunks of 1000, so that the interrupt, sent as soon as
#: the first chunk is in the store, arrives long before the last (at 6000 draws a machine
#: two and a half times faster than the first one finished all six in the polling interval)
DRAWS_KILLED = 60_000


def test_a_killed_ray_run_resumes_to_the_same_rows(scenario: Scenario, tmp_path: Path) -> None:
    """``guaranty run --backend ray`` interrupted (SIGINT, as Ctrl-C) once its first chunk
    is in the folder store, then run again: only the missing chunks are computed, and the
    rows equal those of an uninterrupted run (the local backend's, in a DuckDB file). No
    process of the interrupted run's Ray instance is left 20 s later."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - reads /proc
        pytest.skip("reads the process tree from /proc")
    store = tmp_path / "folder"
    cmd = [
        sys.executable,
        "-m",
        "guaranty",
        "run",
        str(SCENARIO),
        "--draws",
        str(DRAWS_KILLED),
        "--seed",
        "4",
        "--workers",
        "2",
        "--chunk-size",
        "1000",
        "--backend",
        "ray",
        "--store",
        str(store),
        "--json",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("RAY_ADDRESS", None)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 180
    while not list(store.glob("runs/*/chunk-*")):
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        assert time.monotonic() < deadline, "no chunk after 180 s"
        seen.update(_tree(proc.pid))
        time.sleep(0.05)
    seen.update(_tree(proc.pid))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()[-2000:]
    with Store(store, read_only=True) as st:
        (row,) = st.runs()
    kept = row["stored"]
    assert 1000 <= kept < DRAWS_KILLED and row["status"] == "running"
    # a chunk cut short stays in its temporary folder, which is never read ...
    assert all(c.name.startswith("chunk-") for c in store.glob("runs/*/[!.]*"))
    deadline = time.monotonic() + 20
    while (left := [p for p, s in seen.items() if _alive(p, s)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"processes of the interrupted run left: {left}"

    again = subprocess.run(cmd, env=env, capture_output=True, timeout=600)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    summary = json.loads(again.stdout)
    assert summary["computed"] == DRAWS_KILLED - kept
    assert not list(store.glob("runs/*/.tmp-*"))  # ... and is removed by the next run
    # the run id holds a digest of the code, which this process computed once: computed
    # again, it sees what the commands above saw, even should a source file have been saved
    code_digest.cache_clear()
    ref = run(
        scenario,
        draws=DRAWS_KILLED,
        seed=4,
        store=tmp_path / "ref.duckdb",
        workers=1,
        chunk_size=10_000,
    )
    assert ref.run_id == summary["run_id"]
    assert digest(store, ref.run_id) == digest(tmp_path / "ref.duckdb", ref.run_id)


def _small_run(tmp_path: Path, *options: str) -> list[str]:
    """``guaranty run`` of 1000 Ukraine draws into a store under ``tmp_path``, with ``options``."""
    return [
        "run",
        str(SCENARIO),
        "--draws",
        "1000",
        "--store",
        str(tmp_path / "s.duckdb"),
        *options,
    ]


def test_ray_options_refused_with_one_paragraph(tmp_path: Path) -> None:
    """--address without --backend ray, and an unknown backend: exit 64 (the command line),
    one paragraph, no traceback."""
    for args in (["--address", "127.0.0.1:6379"], ["--backend", "spark"]):
        result = cli.invoke(app, _small_run(tmp_path, *args))
        assert result.exit_code == 64, result.output
        assert "Traceback" not in result.output and "--backend" in result.output


def test_a_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the package ray: exit 2 and the extra to install (pip install 'guaranty[ray]')."""
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    result = cli.invoke(app, _small_run(tmp_path, "--backend", "ray"))
    assert result.exit_code == 2, result.output
    assert "guaranty[ray]" in result.output and "Traceback" not in result.output


def test_a_sweep_on_ray_stores_the_rows_of_a_local_sweep(local_ray: None, tmp_path: Path) -> None:
    """``guaranty sweep --backend ray`` (the chunks as Ray tasks) against the same sweep in
    this process: the same quantiles and outputs for every design point (tolerance: none;
    NaN where both are missing). The sweep is tests/test_sweep.py's cheapest: a 2-level grid
    over Korea's 20 factor groups in 3 blocks of randomness, one unit per chunk."""
    import numpy as np

    from guaranty import sweep as sw
    from guaranty.runner_ray import sweep_executor
    from guaranty.store.sweeps import read_sweep

    korea = load(ROOT / "scenarios" / "korea-1953.yaml")
    grid = {"design": "grid", "n": 2, "seed": 5, "block": 8, "chunk": 1}
    here = sw.sweep(korea, store=tmp_path / "here.duckdb", **grid)
    there = sw.sweep(korea, store=tmp_path / "ray.duckdb", executor=sweep_executor(2, None), **grid)
    assert there.sweep_id == here.sweep_id and there.computed == here.points == 40
    with (
        Store(tmp_path / "here.duckdb", read_only=True) as a,
        Store(tmp_path / "ray.duckdb", read_only=True) as b,
    ):
        x, y = read_sweep(a, here.sweep_id), read_sweep(b, there.sweep_id)
    np.testing.assert_array_equal(x.quantiles, y.quantiles)
    np.testing.assert_array_equal(x.outputs, y.outputs)
    assert ray.is_initialized()  # the module's instance was used, not shut down
