"""The shipped COW capability table: read once, checked row by row, errors at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

import guaranty.data as data
from guaranty.errors import DataError


def _with_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    (tmp_path / data._CINC_FILE).write_text(text, encoding="utf-8")
    monkeypatch.setattr(data.resources, "files", lambda _name: tmp_path)
    data.cinc_table.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    data.cinc_table.cache_clear()
    yield
    data.cinc_table.cache_clear()


def test_the_shipped_table_has_the_published_values() -> None:
    # COW NMC v7.0: the USA's CINC in 1816 (first row of the shipped table) and its size
    table = data.cinc_table()
    assert len(table) == 17121
    assert table[2, 1816] == pytest.approx(0.039697491, abs=1e-12)


def test_a_malformed_row_is_named_by_its_line(monkeypatch, tmp_path) -> None:
    _with_table(monkeypatch, tmp_path, "ccode,year,cinc\n2,1816,0.04\n2,18x7,0.03\n")
    with pytest.raises(DataError) as exc:
        data.cinc_table()
    assert exc.value.line == 3 and "integer ccode and year" in str(exc.value)


def test_a_short_row_and_a_missing_column_are_errors(monkeypatch, tmp_path) -> None:
    _with_table(monkeypatch, tmp_path, "ccode,year,cinc\n2,1816\n")
    with pytest.raises(DataError) as exc:
        data.cinc_table()
    assert exc.value.line == 2
    _with_table(monkeypatch, tmp_path, "ccode,year,score\n2,1816,0.04\n")
    with pytest.raises(DataError) as exc:
        data.cinc_table()
    assert exc.value.line == 1 and "ccode, year and cinc" in str(exc.value)


def test_columns_may_come_in_any_order(monkeypatch, tmp_path) -> None:
    _with_table(monkeypatch, tmp_path, "year,cinc,ccode\n1816,0.04,2\n")
    assert data.cinc_table() == {(2, 1816): 0.04}
