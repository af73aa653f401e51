"""``guaranty run`` and the results store: reproducibility, resuming, the schema, bad input.

The runs are small (a few blocks of 1000 draws) so that the file stays under a minute on
two cores. One uninterrupted run (4000 draws, seed 1, one process, chunks of 1000) is the
reference the other runs are compared with, row for row.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner
from watched_run import watched_run

from guaranty import __version__, montecarlo
from guaranty.cli import app
from guaranty.errors import ParameterError
from guaranty.montecarlo import BLOCK
from guaranty.runner import run
from guaranty.scenario import Scenario, load
from guaranty.store import Store, run_key, scenario_hash

pytestmark = (
    pytest.mark.slow
)  # runs through worker processes and the store, killed and resumed (about 75 s)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"
DOCS = ROOT / "docs" / "store.md"

# the data tables and the order Store.digest reads them in
ORDERS = {
    "draws": "draw",
    "outcomes": "draw, design",
    "terms": "draw, issue",
    "inputs": "draw",
}

cli = CliRunner()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    s = load(SCENARIO)
    assert isinstance(s, Scenario)
    return s


@dataclass(frozen=True)
class Reference:
    path: Path
    run_id: str
    digest: str


@pytest.fixture(scope="module")
def reference(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """An uninterrupted run: 4000 draws, seed 1, one process, chunks of one block."""
    path = tmp_path_factory.mktemp("reference") / "ref.duckdb"
    s = run(scenario, draws=4000, seed=1, store=path, workers=1, chunk_size=BLOCK)
    assert s.computed == 4000
    return Reference(path, s.run_id, digest(path, s.run_id))


def digest(path: Path, run_id: str) -> str:
    with Store(path, read_only=True) as st:
        return st.digest(run_id)


def rows(path: Path, run_id: str, table: str, below: int | None = None) -> list[tuple[Any, ...]]:
    """Every row of ``table`` for the run (without the run id) in draw order."""
    where = "" if below is None else f" AND draw < {int(below)}"
    with Store(path, read_only=True) as st:
        return st.con.execute(
            f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?{where} "
            f"ORDER BY {ORDERS[table]}",
            [run_id],
        ).fetchall()


def blocks(path: Path, run_id: str) -> dict[int, int]:
    with Store(path, read_only=True) as st:
        return st.done_blocks(run_id)


# --------------------------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("workers", "chunk"), [(2, 1000), (2, 3000)])
def test_same_seed_same_rows_whatever_workers_and_chunks(
    scenario: Scenario, reference: Reference, tmp_path: Path, workers: int, chunk: int
) -> None:
    ref, run_id = reference.path, reference.run_id
    path = tmp_path / "s.duckdb"
    s = run(scenario, draws=4000, seed=1, store=path, workers=workers, chunk_size=chunk)
    assert (s.run_id, s.computed) == (run_id, 4000)
    assert digest(path, run_id) == reference.digest
    got = rows(path, run_id, "outcomes")
    assert len(got) == 4000 * len(scenario.guarantees)
    assert got == rows(ref, run_id, "outcomes")  # exact floats, NULLs in the same places


def test_a_run_gathers_whole_chunks_into_transactions_of_a_fifth_of_it(
    scenario: Scenario, reference: Reference, tmp_path: Path
) -> None:
    """Chunks of one block, 10,000 draws: five transactions of 2,000 draws each
    (``runner.commit_size``), the progress reported after each; the rows are the blocks'
    own, whatever the transactions (the reference's 4,000 draws are its first 4,000)."""
    from guaranty.runner import COMMIT_DRAWS, commit_size

    assert commit_size(100_000, 5 * BLOCK) == COMMIT_DRAWS == 20 * BLOCK
    assert commit_size(4_000, BLOCK) == BLOCK  # never less than a chunk
    assert commit_size(10_000, BLOCK) == 2_000
    path, seen = tmp_path / "s.duckdb", []
    s = run(
        scenario,
        draws=10_000,
        seed=1,
        store=path,
        workers=1,
        chunk_size=BLOCK,
        progress=lambda done, total: seen.append(done),
    )
    assert s.computed == 10_000
    assert seen == [0, 2_000, 4_000, 6_000, 8_000, 10_000]
    assert blocks(path, s.run_id) == {b: BLOCK for b in range(10)}
    for table in ORDERS:
        assert rows(path, s.run_id, table, below=4_000) == rows(reference.path, s.run_id, table)


def test_a_run_beside_another_connection_to_its_store(
    scenario: Scenario, reference: Reference, tmp_path: Path
) -> None:
    """The web workbench keeps its own connection to the store a run writes to (in the same
    process). A store opened that way once left the transaction of its last read open, and
    DuckDB refused the run's checkpoint ("other write transactions are active"): every run
    started in the web failed once its chunks were all handed out. With the other connection
    open and a read of it still pending, the run completes with the reference's rows."""
    path = tmp_path / "s.duckdb"
    with Store(path):
        pass
    with Store(path, create=False) as other:
        pending = other.con.cursor()
        pending.execute("SELECT * FROM runs")  # a result not fetched: its transaction open
        s = run(scenario, draws=4000, seed=1, store=path, workers=2, chunk_size=BLOCK)
        pending.close()
    assert (s.run_id, s.computed) == (reference.run_id, 4000)
    assert digest(path, s.run_id) == reference.digest


def test_another_seed_gives_other_rows(scenario: Scenario, tmp_path: Path) -> None:
    # two runs of 1000 draws side by side in one store, seeds 1 and 2
    path = tmp_path / "s.duckdb"
    one = run(scenario, draws=1000, seed=1, store=path, workers=1)
    two = run(scenario, draws=1000, seed=2, store=path, workers=1)
    assert one.run_id != two.run_id
    assert digest(path, one.run_id) != digest(path, two.run_id)
    assert rows(path, one.run_id, "draws") != rows(path, two.run_id, "draws")
    with Store(path, read_only=True) as st:
        assert {r["run_id"]: r["stored"] for r in st.runs()} == {one.run_id: 1000, two.run_id: 1000}


def test_a_shorter_run_is_a_prefix_of_a_longer_one(
    scenario: Scenario, reference: Reference, tmp_path: Path
) -> None:
    # blocks are simulated whole, so the first 2500 draws do not depend on the run's length
    ref, run_id = reference.path, reference.run_id
    path = tmp_path / "s.duckdb"
    run(scenario, draws=2500, seed=1, store=path, workers=1, chunk_size=BLOCK)
    assert blocks(path, run_id) == {0: 1000, 1: 1000, 2: 500}
    for table in ORDERS:
        short = rows(path, run_id, table)
        assert short, table
        assert short == rows(ref, run_id, table, below=2500), table


def test_extending_a_run_reuses_its_blocks(
    scenario: Scenario, reference: Reference, tmp_path: Path
) -> None:
    run_id = reference.run_id
    path = tmp_path / "s.duckdb"
    first = run(scenario, draws=2500, seed=1, store=path, workers=1, chunk_size=BLOCK)
    assert first.computed == 2500
    # blocks 0 and 1 are kept; the partial block 2 is simulated again, whole, and block 3 added
    more = run(scenario, draws=4000, seed=1, store=path, workers=1, chunk_size=BLOCK)
    assert (more.run_id, more.draws, more.computed) == (run_id, 4000, 2000)
    assert blocks(path, run_id) == {b: 1000 for b in range(4)}
    assert digest(path, run_id) == reference.digest
    # asking for fewer draws than stored computes nothing and keeps every row
    again = run(scenario, draws=2500, seed=1, store=path, workers=1, chunk_size=BLOCK)
    assert again.computed == 0
    assert blocks(path, run_id) == {b: 1000 for b in range(4)}
    with Store(path, read_only=True) as st:
        assert st.run_info(run_id)["draws"] == 4000
        assert st.con.execute("SELECT count(*) FROM draws").fetchone() == (4000,)


# --------------------------------------------------------------------------------------------
# Killed and resumed
# --------------------------------------------------------------------------------------------


def _args(store: Path, draws: int, *extra: str) -> list[str]:
    """The arguments of ``guaranty`` for the killed and the resumed run."""
    return [
        "run",
        str(SCENARIO),
        "--draws",
        str(draws),
        "--seed",
        "1",
        "--workers",
        "2",
        "--chunk-size",
        "1000",
        "--store",
        str(store),
        *extra,
    ]


def _kill_after_first_chunk(store: Path, draws: int, timeout: float = 180.0) -> None:
    """Start ``guaranty run`` and SIGKILL its process group (the workers too) as soon as its
    progress bar counts a finished chunk (or let it finish, should it be faster than that);
    the progress bar is the signal (tests/watched_run.py)."""
    with watched_run(_args(store, draws), draws, ROOT) as run:
        deadline = time.monotonic() + timeout
        while run.proc.poll() is None:
            if run.committed() >= BLOCK:
                os.killpg(run.proc.pid, signal.SIGKILL)
                run.proc.wait()
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no finished chunk after {timeout:.0f} s; stderr so far:\n" + run.tail()
                )
            time.sleep(0.02)
        assert run.proc.returncode == 0, run.tail()


def test_a_killed_run_resumes_to_the_same_rows(
    scenario: Scenario, reference: Reference, tmp_path: Path
) -> None:
    # The other 3 blocks take about a second on two workers after the first chunk commits;
    # the kill lands within about a tenth of a second. Should every block be stored all the
    # same (a much faster machine), try again with more draws. The first try has the
    # reference's 4000 draws (seed 1), so that its uninterrupted run is the reference.
    run_id = run_key(scenario, 1)
    assert reference.run_id == run_id
    for draws in (4_000, 8_000, 16_000):
        path = tmp_path / f"killed-{draws}.duckdb"
        _kill_after_first_chunk(path, draws)
        if len(blocks(path, run_id)) < draws // BLOCK:
            break
    else:  # pragma: no cover - depends on the machine
        pytest.fail("the run always finished before it could be killed")
    # only whole blocks are left behind, some but not all of them
    with Store(path, read_only=True) as st:
        info = st.run_info(run_id)
        kept = st.done_blocks(run_id)
        (stored,) = st.con.execute(
            "SELECT count(*) FROM draws WHERE run_id = ?", [run_id]
        ).fetchone()
    assert info["status"] == "running" and info["finished"] is None
    assert 0 < len(kept) < draws // BLOCK
    assert set(kept.values()) == {BLOCK}
    assert stored == sum(kept.values())
    # the same command again (plus --json; in this process, which saves a start-up) computes
    # only the missing blocks
    again = cli.invoke(app, _args(path, draws, "--json"))
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert summary["run_id"] == run_id
    assert summary["draws"] == draws
    assert summary["computed"] == draws - stored < draws
    # ... and ends with the rows of an uninterrupted run (the reference, for 4000 draws: one
    # process, chunks of one block; the rows do not depend on either, as tested above)
    if draws == 4000:
        uninterrupted = reference.digest
    else:  # pragma: no cover - depends on the machine
        ref = tmp_path / "uninterrupted.duckdb"
        run(scenario, draws=draws, seed=1, store=ref, workers=1, chunk_size=4 * BLOCK)
        uninterrupted = digest(ref, run_id)
    assert blocks(path, run_id) == {b: BLOCK for b in range(draws // BLOCK)}
    assert digest(path, run_id) == uninterrupted
    with Store(path, read_only=True) as st:
        assert st.run_info(run_id)["status"] == "done"


# --------------------------------------------------------------------------------------------
# The schema and the runs table
# --------------------------------------------------------------------------------------------


def documented_columns() -> dict[str, list[tuple[str, str]]]:
    """Per table, the (column, type) rows of the tables in docs/store.md."""
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in DOCS.read_text().splitlines():
        if line.startswith("#"):  # a heading of one table (the sweep tables: docs/sweep.md)
            heading = re.match(r"^### `(\w+)`$", line)
            current = heading.group(1) if heading else None
            if current is not None:
                tables[current] = []
            continue
        cell = re.match(r"^\| `(\w+)` \| `([A-Z\[\]]+)` \|", line)
        if current is not None and cell:
            tables[current].append((cell.group(1), cell.group(2)))
    return tables


def test_the_tables_have_the_documented_columns(reference: Reference) -> None:
    documented = documented_columns()
    assert set(documented) == {
        "meta",
        "runs",
        "blocks",
        "draws",
        "outcomes",
        "terms",
        "inputs",
        "honor",
    }
    ref = reference.path
    with Store(ref, read_only=True) as st:
        widths = st.con.execute("SELECT len(inputs), len(honor) FROM runs").fetchone()
        for table, columns in documented.items():
            got = [(r[0], r[1]) for r in st.con.execute(f"DESCRIBE {table}").fetchall()]
            if table in ("inputs", "honor"):  # documented: the first numbered column
                prefix = columns[-1][0][0]
                k = widths[0 if table == "inputs" else 1]
                columns = columns[:-1] + [(f"{prefix}{j}", "FLOAT") for j in range(1, k + 1)]
            assert got == columns, table


def test_the_runs_row_is_keyed_by_scenario_seed_and_version(
    scenario: Scenario, reference: Reference
) -> None:
    ref, run_id = reference.path, reference.run_id
    assert run_id == run_key(scenario, 1, __version__)
    lay = montecarlo.layout(scenario)
    with Store(ref, read_only=True) as st:
        info = st.run_info(run_id)
        count = {
            t: st.con.execute(f"SELECT count(*) FROM {t} WHERE run_id = ?", [run_id]).fetchone()[0]
            for t in ("draws", "outcomes", "inputs")
        }
        (settled_per_draw,) = st.con.execute(
            "SELECT max(k) FROM (SELECT count(*) FILTER (settled) AS k FROM outcomes "
            "WHERE run_id = ? GROUP BY draw)",
            [run_id],
        ).fetchone()
        (with_design,) = st.con.execute(
            "SELECT count(*) FROM draws WHERE run_id = ? AND design IS NOT NULL", [run_id]
        ).fetchone()
        (settled_rows,) = st.con.execute(
            "SELECT count(*) FROM outcomes WHERE run_id = ? AND settled", [run_id]
        ).fetchone()
    assert info["scenario_hash"] == scenario_hash(scenario)
    assert (info["seed"], info["version"], info["draws"]) == (1, __version__, 4000)
    assert (info["block_size"], info["status"], info["model"]) == (BLOCK, "done", lay.model)
    assert tuple(info["designs"]) == lay.designs and tuple(info["inputs"]) == lay.inputs
    assert info["source"] is None and info["finished"] is not None
    assert Scenario.model_validate_json(info["scenario_json"]) == scenario
    assert count == {
        "draws": 4000,
        "outcomes": 4000 * len(lay.designs),
        "inputs": 4000,
    }
    assert settled_per_draw == 1 and settled_rows == with_design


def test_runs_lists_the_run(reference: Reference) -> None:
    ref, run_id = reference.path, reference.run_id
    result = cli.invoke(app, ["runs", "--store", str(ref), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["run_id"] == run_id
    assert (row["seed"], row["version"], row["status"]) == (1, __version__, "done")
    assert row["draws"] == row["stored"] == 4000
    table = cli.invoke(app, ["runs", "--store", str(ref)])
    assert table.exit_code == 0 and "4,000" in table.stdout


def test_the_store_loads_back_to_the_simulation(scenario: Scenario, reference: Reference) -> None:
    ref, run_id = reference.path, reference.run_id
    with Store(ref, read_only=True) as st:
        got = st.load(run_id)
        head = st.load(run_id, draws=1500)
    want = montecarlo.simulate(scenario, draws=4000, seed=1)
    assert (got.seed, got.draws, got.meta["run_id"]) == (1, 4000, run_id)
    for name in ("model", "issues", "designs", "inputs"):
        assert getattr(got.layout, name) == getattr(want.layout, name), name
    for name in (
        "war_outcome",
        "end_month",
        "front",
        "terms",
        "force_a",
        "force_b",
        "peace",
        "settled",
        "design",
        "guarantee_level",
        "inputs",
    ):
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape, name
        np.testing.assert_array_equal(a, b, err_msg=name)  # NaN == NaN here
    assert set(got.whatif) == set(want.whatif)
    for m, values in want.whatif.items():
        np.testing.assert_array_equal(got.whatif[m], values, err_msg=m)
    assert head.draws == 1500
    np.testing.assert_array_equal(head.whatif["p_no_attack"], want.whatif["p_no_attack"][:, :1500])


# --------------------------------------------------------------------------------------------
# Bad arguments: one paragraph on stderr, exit code 2, no traceback
# --------------------------------------------------------------------------------------------


def invoke_run(*args: str | Path):
    return cli.invoke(app, ["run", *(str(a) for a in args)])


def assert_one_paragraph(result: Any, code: int = 2) -> str:
    """One paragraph on stderr and exit ``code``: 2 for bad input, 64 for a usage error."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n\n" not in message, message
    return message


def test_a_chunk_size_off_the_block_grid_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    result = invoke_run(
        SCENARIO, "--draws", "2000", "--chunk-size", "1500", "--workers", "1", "--store", store
    )
    message = assert_one_paragraph(result, code=64)  # an option out of its grid: usage
    assert "multiple of 1000" in message and "1500" in message
    assert not store.exists()


def test_a_scenario_without_a_war_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(SCENARIO.read_text())
    del data["war"]
    del data["claims"]  # they name the war's outputs, which validation would refuse first
    path = tmp_path / "no-war.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    store = tmp_path / "s.duckdb"
    result = invoke_run(path, "--draws", "1000", "--workers", "1", "--store", store)
    message = assert_one_paragraph(result)
    assert "'war'" in message
    assert not store.exists()


def test_a_folder_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    # an empty or new folder becomes a folder store (docs/store.md); one holding other
    # files is refused, and nothing is written into it
    (tmp_path / "notes.txt").write_text("not a store")
    result = invoke_run(SCENARIO, "--draws", "1000", "--workers", "1", "--store", tmp_path)
    message = assert_one_paragraph(result)
    assert str(tmp_path) in message and "not a results store" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_workers_are_optional(tmp_path: Path) -> None:
    # the form: guaranty run FILE --draws N --seed S [--workers K] [--store PATH]
    store = tmp_path / "s.duckdb"
    result = invoke_run(SCENARIO, "--draws", "1000", "--seed", "1", "--store", store, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["draws"] == data["computed"] == 1000 and data["workers"] >= 1


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_the_rows_are_the_same_however_the_workers_start(
    scenario: Scenario,
    reference: Reference,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
) -> None:
    """Forked or spawned (``pool.start_method``), the workers compute the reference's
    rows. This test process has loaded DuckDB, so it would spawn by itself; fork is forced
    here (its workers never touch DuckDB)."""
    import multiprocessing

    from guaranty import pool

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} on this platform")
    monkeypatch.setattr(pool, "start_method", lambda: method)
    path = tmp_path / "s.duckdb"
    s = run(scenario, draws=4000, seed=1, store=path, workers=2, chunk_size=BLOCK)
    assert (s.run_id, s.computed) == (reference.run_id, 4000)
    assert digest(path, s.run_id) == reference.digest


def test_workers_fork_only_from_a_single_threaded_process_without_duckdb(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``pool.start_method``: fork on Linux from a process with one Python thread that
    has loaded neither DuckDB nor numba; spawn as soon as any of these fails, or when
    ``GUARANTY_START_METHOD=spawn``."""
    import sys
    import threading

    from guaranty.pool import start_method

    monkeypatch.delenv("GUARANTY_START_METHOD", raising=False)
    for name in ("duckdb", "numba"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    # threads other tests of this worker left (a web test's pool): counted as none at first
    active_count = threading.active_count
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    expected = "fork" if sys.platform.startswith("linux") else "spawn"
    assert start_method() == expected
    monkeypatch.setitem(sys.modules, "duckdb", sys)  # any module object: only its name counts
    assert start_method() == "spawn"
    monkeypatch.delitem(sys.modules, "duckdb")
    monkeypatch.setitem(sys.modules, "numba", sys)
    assert start_method() == "spawn"
    monkeypatch.delitem(sys.modules, "numba")
    monkeypatch.setattr(threading, "active_count", active_count)  # and a real one running
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert start_method() == "spawn"
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert start_method() == expected
    monkeypatch.setenv("GUARANTY_START_METHOD", "spawn")  # the user's choice
    assert start_method() == "spawn"
    monkeypatch.setenv("GUARANTY_START_METHOD", "forkserver")
    with pytest.raises(ParameterError, match="GUARANTY_START_METHOD='forkserver'"):
        start_method()
    monkeypatch.setenv("GUARANTY_START_METHOD", "auto")
    assert start_method() == expected
    monkeypatch.setattr(sys, "platform", "darwin")
    assert start_method() == "spawn"


def test_a_worker_runs_its_blas_on_one_thread(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers are a run's parallelism: each holds its BLAS to one thread
    (``pool.one_blas_thread``), even when the environment it inherits asks for more."""
    from threadpoolctl import threadpool_info

    from guaranty.pool import start_pool, stop_pool

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")  # what a worker would start with
    pool = start_pool(scenario, 1)
    try:
        blas = [i for i in pool.submit(threadpool_info).result() if i["user_api"] == "blas"]
    finally:
        stop_pool(pool)
    assert blas, "numpy's BLAS is loaded in a worker"
    assert {i["num_threads"] for i in blas} == {1}


def test_the_workers_have_exited_when_a_run_returns(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's workers are let go when the last chunk is back and exit while the store
    closes (``_LocalExecutor.close``); the run still waits for them before it returns. The
    pool's shutdown is slowed here, so that a run that did not wait would return first."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    shutdown = ProcessPoolExecutor.shutdown

    def slow_shutdown(self: ProcessPoolExecutor, *args: object, **kwargs: object) -> None:
        time.sleep(0.5)
        shutdown(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", slow_shutdown)
    s = run(scenario, draws=3000, seed=1, store=tmp_path / "s.duckdb", workers=2, chunk_size=1000)
    assert s.computed == 3000
    assert multiprocessing.active_children() == []


def test_a_worker_at_exit_flushes_its_output_and_skips_finalisation() -> None:
    """``pool._exit_at_once`` ends the process with exit code 0 after flushing what its
    streams still buffer (a worker's stdout to a pipe is block-buffered), and runs no exit
    handler registered before it (as the interpreter's finalisation would)."""
    import subprocess
    import sys

    code = (
        "import atexit, sys\n"
        "from guaranty import pool\n"
        "atexit.register(print, 'finalised')\n"
        "atexit.register(pool._exit_at_once)\n"
        "print('buffered', end='')\n"
        "sys.stderr.write('err')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "buffered", "err")


def test_the_main_process_of_a_run_with_workers_loads_no_model(tmp_path: Path) -> None:
    """With workers, the main process reads the scenario, hands out chunks and writes the
    store: the models (``guaranty.montecarlo``, scipy's special functions, numba) load in
    the workers only, so that they start sooner (``guaranty.plan``)."""
    import subprocess
    import sys

    store = str(tmp_path / "s.duckdb")
    watched = ("guaranty.montecarlo", "scipy", "numba")
    code = (
        "import sys\n"
        "from guaranty.runner import run\n"
        "from guaranty.scenario import load\n"
        "if __name__ == '__main__':\n"
        "    from guaranty.pool import start_method\n"
        "    print(start_method())  # what the run below starts its workers with\n"
        f"    s = run(load({str(SCENARIO)!r}), draws=2000, seed=1, store={store!r},\n"
        "            workers=2, chunk_size=1000)\n"
        "    assert s.computed == 2000\n"
        f"    print(sorted(m for m in {watched!r} if m in sys.modules))\n"
    )
    script = tmp_path / "main.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    # a command's process, like this one, forks its workers on Linux (pool.start_method)
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    assert proc.stdout.split() == [method, "[]"]


def test_a_finished_run_run_again_stops_the_pool_it_started(
    scenario: Scenario, tmp_path: Path
) -> None:
    """The pool starts before the store is read; when the store turns out to hold the whole
    run, its workers are stopped again and nothing is computed."""
    import multiprocessing

    path = tmp_path / "s.duckdb"
    first = run(scenario, draws=3000, seed=1, store=path, workers=2, chunk_size=1000)
    again = run(scenario, draws=3000, seed=1, store=path, workers=2, chunk_size=1000)
    assert (first.computed, again.computed) == (3000, 0)
    assert digest(path, again.run_id) == digest(path, first.run_id)
    assert multiprocessing.active_children() == []


def test_the_store_is_checkpointed_once_every_chunk_is_handed_out(
    scenario: Scenario, reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the last chunks are computing, the runner checkpoints the store (once), so that
    its close has little left to compress; the rows are the same."""
    from guaranty.store import Store as RealStore

    calls: list[int] = []
    checkpoint = RealStore.checkpoint

    def counted(self: RealStore) -> None:
        calls.append(int(self.con.execute("SELECT count(*) FROM blocks").fetchone()[0]))
        checkpoint(self)

    monkeypatch.setattr(RealStore, "checkpoint", counted)
    path = tmp_path / "s.duckdb"
    s = run(scenario, draws=4000, seed=1, store=path, workers=2, chunk_size=1000)
    assert len(calls) == 1 and 0 < calls[0] < 4  # after some blocks, before the last
    assert digest(path, s.run_id) == reference.digest
