"""``guaranty export``: a stored run's tables as CSV, Parquet and Excel files (issue 17).

One run of the Ukraine scenario (1,500 draws: a whole block and half of one) is exported in
each format and read back: DuckDB reads the CSV and Parquet files and counts their rows
exactly; the Excel files are read with the standard library (their sheet's XML), and with
DuckDB's own reader when its ``excel`` extension is installed. The values are the store's
(the wide inputs against ``Store.load``), the column names are R's and Stata's, and an
export that fails leaves nothing behind. The 20,000-draw case of the issue is run by hand
(docs/store.md gives its figures).
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.runner import run as run_pipeline
from guaranty.scenario import load
from guaranty.store import Store
from guaranty.store import export as export_module
from guaranty.store.export import ABOUT, TABLES, column_names

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenarios" / "ukraine-2022.yaml"
DRAWS = 1500
#: draws of the Excel export (xlsxwriter writes about 100,000 cells a second)
XLSX_DRAWS = 300


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("export")
    store = folder / "runs.duckdb"
    scenario = load(SCENARIO)
    summary = run_pipeline(scenario, draws=DRAWS, seed=3, store=store, workers=1)
    with Store(store, read_only=True) as st:
        info = st.run_info(summary.run_id)
        terms = st.con.execute(
            "SELECT count(DISTINCT draw) FROM terms WHERE run_id = ?", [summary.run_id]
        ).fetchone()[0]
        result = st.load(summary.run_id)
    return {
        "store": store,
        "run_id": summary.run_id,
        "info": info,
        "terms": int(terms),
        "claims": len(scenario.claims),
        "result": result,
    }


def _export(stored: dict[str, Any], out: Path, fmt: str, *extra: str) -> Any:
    args = ["export", stored["run_id"], "--store", str(stored["store"]), "--format", fmt]
    return CliRunner().invoke(app, [*args, "--out", str(out), "--json", *extra])


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The cells of an xlsx file's first sheet, row by row, as text (numbers as written)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = []
        for c in row.findall("m:c", ns):
            if c.get("t") == "inlineStr":  # xlsxwriter's constant-memory mode writes these
                cells.append("".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t")))
                continue
            v = c.find("m:v", ns)
            text = "" if v is None else v.text or ""
            cells.append(shared[int(text)] if c.get("t") == "s" else text)
        rows.append(cells)
    return rows


def _duckdb_xlsx(path: Path) -> int | None:
    """Rows DuckDB's own Excel reader counts, or None without its ``excel`` extension (it is
    not downloaded here)."""
    con = duckdb.connect()
    try:
        con.execute("LOAD excel")
    except duckdb.Error:
        return None
    return int(con.execute(f"SELECT count(*) FROM read_xlsx('{path}')").fetchone()[0])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_reads_back_with_every_draw(
    stored: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out"
    res = _export(stored, out, fmt)
    assert res.exit_code == 0, res.output
    meta = json.loads(res.stdout)
    assert meta["draws"] == DRAWS and meta["run_id"] == stored["run_id"]
    designs, inputs = len(stored["info"]["designs"]), len(stored["info"]["inputs"])
    want = {
        "draws": DRAWS,
        "outcomes": DRAWS * designs,
        "inputs": DRAWS,
        "input_names": inputs,
        "terms": stored["terms"],
        "claims": stored["claims"],
    }
    con = duckdb.connect()
    for table, rows in want.items():
        path = out / f"{table}.{fmt}"
        assert con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0] == rows, table
        assert meta["files"][path.name] == rows
    assert {p.name for p in out.iterdir()} == {
        *(f"{t}.{fmt}" for t in TABLES),
        "run.json",
        "scenario.json",
    }
    assert json.loads((out / "run.json").read_text())["files"] == meta["files"]
    # the wide inputs: a column per input, the values of the store
    cols = [d[0] for d in con.execute(f"SELECT * FROM '{out}/inputs.{fmt}' LIMIT 0").description]
    assert cols == ["draw", *column_names(stored["info"]["inputs"])]
    got = np.array(con.execute(f"SELECT * FROM '{out}/inputs.{fmt}' ORDER BY draw").fetchall())
    np.testing.assert_array_equal(got[:, 0], np.arange(DRAWS))
    np.testing.assert_array_equal(got[:, 1:], stored["result"].inputs)
    draws = con.execute(f"SELECT draw, front, peace FROM '{out}/draws.{fmt}' ORDER BY draw")
    draw, front, peace = (np.array(c) for c in zip(*draws.fetchall(), strict=True))
    np.testing.assert_array_equal(draw, np.arange(DRAWS))
    np.testing.assert_array_equal(front, stored["result"].front)
    np.testing.assert_array_equal(peace.astype(bool), stored["result"].peace)
    swings = con.execute(f"SELECT count(*) FROM '{out}/claim_swings.{fmt}'").fetchone()[0]
    assert swings == meta["files"][f"claim_swings.{fmt}"] > 0


def test_export_xlsx(stored: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    out = tmp_path / "xlsx"
    res = _export(stored, out, "xlsx", "--draws", str(XLSX_DRAWS))
    assert res.exit_code == 0, res.output
    meta = json.loads(res.stdout)
    designs = len(stored["info"]["designs"])
    for table, rows in (("draws", XLSX_DRAWS), ("outcomes", XLSX_DRAWS * designs)):
        sheet = _xlsx_rows(out / f"{table}.xlsx")
        assert len(sheet) - 1 == rows == meta["files"][f"{table}.xlsx"], table
        if (read := _duckdb_xlsx(out / f"{table}.xlsx")) is not None:
            assert read == rows
    sheet = _xlsx_rows(out / "inputs.xlsx")
    assert sheet[0] == ["draw", *column_names(stored["info"]["inputs"])]
    assert [int(r[0]) for r in sheet[1:]] == list(range(XLSX_DRAWS))
    got = np.array([[float(v) for v in r[1:]] for r in sheet[1:]])
    np.testing.assert_allclose(got, stored["result"].inputs[:XLSX_DRAWS], rtol=1e-15)
    claims = _xlsx_rows(out / "claims.xlsx")
    assert len(claims) - 1 == stored["claims"] and claims[0][0] == "id"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_wide_inputs_made_a_few_draws_at_a_time(
    stored: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """A big run's wide inputs are made 100,000 draws at a time (DuckDB cannot spill the
    lists they are made of) and joined into one file: here 400 at a time."""
    if fmt == "xlsx":
        pytest.importorskip("xlsxwriter")
    monkeypatch.setattr(export_module, "_INPUT_DRAWS", 400)
    out = tmp_path / "parts"
    assert _export(stored, out, fmt, "--draws", "1100").exit_code == 0
    assert sorted(p.name for p in out.iterdir() if ".part" in p.name) == []
    if fmt == "xlsx":
        rows = _xlsx_rows(out / "inputs.xlsx")
        assert rows[0] == ["draw", *column_names(stored["info"]["inputs"])]
        got = np.array([[float(v) for v in r] for r in rows[1:]])
    else:
        con = duckdb.connect()
        got = np.array(con.execute(f"SELECT * FROM '{out}/inputs.{fmt}'").fetchall())
    np.testing.assert_array_equal(got[:, 0], np.arange(1100))
    np.testing.assert_allclose(got[:, 1:], stored["result"].inputs[:1100], rtol=1e-15)


def test_column_names_suit_r_and_stata(stored: dict[str, Any]) -> None:
    names = column_names(stored["info"]["inputs"])
    assert len(set(names)) == len(names) == len(stored["info"]["inputs"])
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", name), name
    assert names[0] == "pos_ukraine_guarantee"
    tricky = ["a b", "a-b", "9lives", "", "draw", "x" * 40, "x" * 40, "é"]
    got = column_names(tricky)
    assert len(set(got)) == len(got) and "draw" not in got
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{0,31}", n) for n in got), got


def test_frame_gives_the_tables_as_dataframes(stored: dict[str, Any]) -> None:
    pytest.importorskip("pandas")
    with Store(stored["store"], read_only=True) as st:
        draws = st.frame(stored["run_id"], "draws")
        inputs = st.frame(stored["run_id"], "inputs", draws=100)
        outcomes = st.frame(stored["run_id"], "outcomes")
        honor = st.frame(stored["run_id"], "honor", draws=10)
    assert len(draws) == DRAWS and list(draws["draw"]) == list(range(DRAWS))
    assert list(inputs.columns) == ["draw", *stored["info"]["inputs"]]
    np.testing.assert_array_equal(inputs.to_numpy()[:, 1:], stored["result"].inputs[:100])
    assert len(outcomes) == DRAWS * len(stored["info"]["designs"])
    assert len(honor) == 10 * stored["result"].honor.shape[0]


def test_table_list_is_documented() -> None:
    assert set(ABOUT) == set(TABLES)
    text = (REPO / "docs" / "store.md").read_text(encoding="utf-8")
    for table in TABLES:
        assert f"`{table}.FORMAT`" in text, table


# -- errors: one paragraph, exit code 2, nothing half-written ------------------------------------


def _error(res: Any) -> str:
    """The error's message: under ``--json`` the ``message`` of the one JSON object on
    stdout (docs/cli.md), otherwise the paragraph on stderr."""
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    if res.stdout.lstrip().startswith("{"):
        error = json.loads(res.stdout)["error"]
        assert set(error) == {"file", "line", "column", "field", "message"}
        return " ".join(f"{error['file'] or ''} {error['message']}".split())
    return " ".join(res.stderr.split())


def test_unknown_run_names_store_and_runs(stored: dict[str, Any], tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        ["export", "nope", "--store", str(stored["store"]), "--format", "csv", "--out",
         str(tmp_path / "o")],
    )  # fmt: skip
    msg = _error(res)
    assert str(stored["store"]) in msg and "no run 'nope'" in msg and stored["run_id"] in msg
    assert not (tmp_path / "o").exists()


def test_missing_store(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    res = CliRunner().invoke(
        app, ["export", "abc", "--store", str(missing), "--format", "csv", "--out", str(tmp_path)]
    )
    msg = _error(res)
    assert f"{missing}: no such results store" in msg
    assert not missing.exists()  # not created by looking


def test_run_id_prefix_and_draws(stored: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "p"
    res = CliRunner().invoke(
        app,
        ["export", stored["run_id"][:6], "--store", str(stored["store"]), "--format",
         "parquet", "--out", str(out), "--draws", "1000", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["draws"] == 1000
    got = duckdb.connect().execute(f"SELECT count(*) FROM '{out}/draws.parquet'").fetchone()
    assert got[0] == 1000


def test_xlsx_without_xlsxwriter_names_the_extra(
    stored: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # import fails
    out = tmp_path / "x"
    msg = _error(_export(stored, out, "xlsx"))
    assert "xlsxwriter" in msg and "guaranty[excel]" in msg and "extra 'excel'" in msg
    assert not out.exists()


def test_a_failed_export_leaves_nothing(
    stored: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_module._write
    written: list[str] = []

    def failing(con: Any, sql: str, path: Path, fmt: str, writer: Any = None) -> None:
        if len(written) == 2:
            raise OSError(28, "No space left on device", str(path))
        written.append(path.name)
        real(con, sql, path, fmt, writer)

    monkeypatch.setattr(export_module, "_write", failing)
    out = tmp_path / "new" / "deeper"
    msg = _error(_export(stored, out, "csv"))
    assert f"{out}: cannot write the export" in msg and "Nothing was written" in msg
    assert not (tmp_path / "new").exists()
    # an earlier export in the folder stays as it was
    monkeypatch.setattr(export_module, "_write", real)
    kept = tmp_path / "kept"
    assert _export(stored, kept, "csv", "--draws", "1000").exit_code == 0
    before = {p.name: p.read_bytes() for p in kept.iterdir()}
    written.clear()
    monkeypatch.setattr(export_module, "_write", failing)
    _error(_export(stored, kept, "csv"))
    assert {p.name: p.read_bytes() for p in kept.iterdir()} == before


def test_excel_row_limit(
    stored: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xlsxwriter")
    monkeypatch.setattr(export_module, "EXCEL_ROWS", 1000)
    out = tmp_path / "big"
    msg = _error(_export(stored, out, "xlsx"))
    assert "Excel sheet holds at most 999 rows" in msg and "outcomes 15,000 rows" in msg
    assert "--format csv or parquet" in msg
    assert not out.exists()


def test_out_is_a_file(stored: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    msg = _error(_export(stored, target, "csv"))
    assert f"{target}: the export's folder is a file" in msg
