"""The two kinds of results store (docs/store.md): a DuckDB file and a folder of Parquet chunks
with a DuckDB catalogue hold the same rows for the same runs, several scenarios (with other
numbers of inputs) share one store, a partial last block is redone in a folder store, and a
store of an older layout is refused with what to do.

Source of truth: a DuckDB file written by the local backend (``tests/test_runner.py`` checks
it against the simulation in memory); rows are compared exactly (``Store.digest``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.runner import run
from guaranty.scenario import Scenario, load
from guaranty.store import Store, is_folder_store

ROOT = Path(__file__).resolve().parents[1]
cli = CliRunner()


def _scenario(name: str) -> Scenario:
    s = load(ROOT / "scenarios" / name)
    assert isinstance(s, Scenario)
    return s


def digest(path: Path, run_id: str) -> str:
    with Store(path, read_only=True) as st:
        return st.digest(run_id)


def test_which_paths_are_folder_stores(tmp_path: Path) -> None:
    """An existing folder or a new path without an extension: a folder store; a file or a
    new path with an extension: a DuckDB file (docs/store.md)."""
    (tmp_path / "f.duckdb").write_bytes(b"")
    assert is_folder_store(tmp_path) and is_folder_store(tmp_path / "new")
    assert not is_folder_store(tmp_path / "f.duckdb")
    assert not is_folder_store(tmp_path / "new.duckdb") and not is_folder_store(":memory:")


def test_two_scenarios_share_either_kind_of_store(tmp_path: Path) -> None:
    """Ukraine (150 inputs, 44 guarantor places) and Korea (fewer) in one store: each run's
    rows equal those of the run alone in a DuckDB file, in both kinds of store, and read
    back with their own number of input columns."""
    runs = [(_scenario("ukraine-2022.yaml"), 1), (_scenario("korea-1953.yaml"), 2)]
    alone = {}
    for k, (scenario, seed) in enumerate(runs):
        s = run(scenario, draws=1000, seed=seed, store=tmp_path / f"alone{k}.duckdb")
        alone[s.run_id] = digest(tmp_path / f"alone{k}.duckdb", s.run_id)
    for store in (tmp_path / "both.duckdb", tmp_path / "both"):
        for scenario, seed in runs:
            run(scenario, draws=1000, seed=seed, store=store)
        with Store(store, read_only=True) as st:
            assert {r["run_id"] for r in st.runs()} == set(alone)
            for run_id, want in alone.items():
                assert st.digest(run_id) == want, (store, run_id)
                got = st.load(run_id)
                assert got.inputs.shape == (1000, len(got.layout.inputs))
                assert got.honor.shape == (len(got.layout.pairs), 1000)


def test_a_folder_store_redoes_a_partial_last_block(tmp_path: Path) -> None:
    """2500 draws, then 4000: the chunk holding the partial block 2 is deleted and computed
    again, and the rows equal those of 4000 draws at once."""
    scenario = _scenario("ukraine-2022.yaml")
    store = tmp_path / "folder"
    run(scenario, draws=2500, seed=3, store=store, chunk_size=3000)
    s = run(scenario, draws=4000, seed=3, store=store, chunk_size=1000)
    assert s.computed == 4000  # blocks 0-2 shared one chunk with the partial block
    ref = run(scenario, draws=4000, seed=3, store=tmp_path / "ref.duckdb")
    assert digest(store, s.run_id) == digest(tmp_path / "ref.duckdb", ref.run_id)
    with Store(store, read_only=True) as st:
        assert st.done_blocks(s.run_id) == {b: 1000 for b in range(4)}


@pytest.mark.parametrize("version", ["1", "2"])
def test_an_older_store_is_refused_with_what_to_do(tmp_path: Path, version: str) -> None:
    """A store of layout version 1 or 2 (long inputs): exit 2, one paragraph naming the
    version and what to do, no traceback; the file is left as it was."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [version])
    con.close()
    before = path.read_bytes()
    for args in (["runs", "--store", str(path)], ["run", "korea-1953", "--store", str(path)]):
        result = cli.invoke(app, args)
        assert result.exit_code == 2, result.output
        message = result.stderr.strip()
        assert (
            message.startswith("error: ") and "\n\n" not in message and "Traceback" not in message
        )
        assert f"version {version}" in message and "--store" in message, message
    assert path.read_bytes() == before


def test_widening_keeps_the_columns_the_constraints_and_the_rows() -> None:
    """``tables.widen``: an empty table is made again with every column at once, a table
    with rows gains its columns one ALTER at a time; either way the columns come in order,
    NOT NULL stays, and the rows stay."""
    from guaranty.store.tables import DDL, widen

    con = duckdb.connect()
    for ddl in DDL:
        con.execute(ddl)
    widen(con, "inputs", 3)  # empty: made again
    con.execute("INSERT INTO inputs VALUES ('r', 0, 1.5, 2.5, 3.5)")
    widen(con, "inputs", 5)  # with a row: altered
    widen(con, "inputs", 2)  # nothing to add
    described = con.execute("DESCRIBE inputs").fetchall()
    assert [(r[0], r[1], r[2]) for r in described] == [
        ("run_id", "VARCHAR", "NO"),
        ("draw", "BIGINT", "NO"),
        *((f"x{j}", "FLOAT", "YES") for j in range(1, 6)),
    ]
    assert con.execute("SELECT * FROM inputs").fetchall() == [("r", 0, 1.5, 2.5, 3.5, None, None)]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO inputs (run_id) VALUES ('s')")  # draw is still NOT NULL
