"""The peer tools' formats load into the same typed objects, with their values intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guaranty.errors import ScenarioError
from guaranty.scenario import CaseSet, Scenario, detect_format, load
from guaranty.scenario.compile import nominal_inputs


def test_bdm_table(data_dir: Path) -> None:
    s = load(data_dir / "eu_emissions_1994_actors.csv")
    assert isinstance(s, Scenario)
    assert [a.name for a in s.actors][:3] == ["Netherlands", "Belgium", "Luxembourg"]
    assert s.issues[0].scale == (4.0, 10.0)  # the range of the positions
    uk = s.position("UK", "issue")
    assert (uk.position.value, uk.salience.value) == (10.0, 0.9)
    assert s.actor("UK").capability_value.value == 0.16


def test_bdm_table_with_percent_saliences(data_dir: Path) -> None:
    s = load(data_dir / "china_actors.csv")
    assert len(s.actors) == 24
    # Zeming,80,25,50: salience 50 on a 0-100 scale -> 0.5
    z = s.position("Zeming", "issue")
    assert (z.position.value, z.salience.value) == (25.0, 0.5)


def test_ktab_reads_saliences_as_ktab_does(data_dir: Path) -> None:
    s = load(data_dir / "dummyData_3Dim.csv")
    x = nominal_inputs(s)
    assert x.shape == (1, 7, 3)
    # KTAB's reference log echoes actor 0's saliences as 49.530, 5.910, 28.150 (the file
    # has 105.91 in the middle cell) and actor 2's as 48.470, 13.550, 34.620.
    log = (data_dir / "dummyData_3Dim.reference-run.txt").read_text().splitlines()
    echoed = {}
    for line in log:
        if line.startswith("sal["):
            key, val = line.split("=")
            i, d = (int(v) for v in key.strip()[4:-1].split(","))
            echoed[i, d] = float(val)
    assert len(echoed) == 21
    for (i, d), v in echoed.items():
        assert x.salience[0, i, d] * 100 == pytest.approx(v, abs=1e-9)
    assert x.positions[0, 0, 0] == 75.79
    assert x.capability[0, 2, 0] == 129.643


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("50, 205, 50, 10", "must lie within \\[0, 100\\]; got 205"),
        ("50, -1, 50, 10", "must lie within \\[0, 100\\]; got -1"),
        ("50, 60, 50, 50", "must sum to at most 100; got 110"),
    ],
)
def test_ktab_rejects_saliences_as_ktab_does(cells: str, message: str) -> None:
    # SMPModel::csvRead throws on a salience cell outside [0, 100] and on a total above 100
    from guaranty.errors import ScenarioError
    from guaranty.scenario.formats import parse_ktab_csv

    text = f"s,d,1,2\nActor,Description,Power,P1,S1,P2,S2\nA,a,10,{cells}\n"
    with pytest.raises(ScenarioError, match=message):
        parse_ktab_csv(text, name="k.csv")


def test_exchange_two_actor_example(data_dir: Path) -> None:
    s = load(data_dir / "two_actor_example.txt")
    x = nominal_inputs(s)
    assert s.issues[0].scale == (0.0, 100.0)
    # '#D' Actor-1 Issue-1 0.0 10 1 ; Actor-2 Issue-2 100.0 50 1 (saliences on 0-100)
    assert x.positions[0, 0, 0] == 0.0 and x.salience[0, 0, 0] == pytest.approx(0.10)
    assert x.positions[0, 1, 1] == 100.0 and x.salience[0, 1, 1] == pytest.approx(0.50)
    assert (x.capability == 1.0).all()
    # weighted-mean start from the expected file: Issue-1 = 85 + 5/7, Issue-2 = 35 + 5/7
    from guaranty.pipeline import forecast

    out = [i.outcome for i in forecast(s, "compromise").issues]
    assert out == pytest.approx([85 + 5 / 7, 35 + 5 / 7], abs=1e-9)


def test_exchange_sample_data(data_dir: Path) -> None:
    s = load(data_dir / "exchange_sample_data.txt")
    assert len(s.actors) == 10 and len(s.issues) == 6
    hoogte = next(i for i in s.issues if i.id == "tol-hoogte")
    assert hoogte.scale == (0.5, 7.0)


def test_deu3_cases(data_dir: Path) -> None:
    cases = load(data_dir / "deu3_dev.tsv")
    assert isinstance(cases, CaseSet)
    assert len(cases.cases) == 167
    assert sum(c.issues[0].outcome is not None for c in cases.cases) == 166
    first = cases.cases[0]
    assert first.name == "d00062i1"
    assert first.issues[0].outcome == 90.0 and first.issues[0].reference_point is None
    with_rp = [c for c in cases.cases if c.issues[0].reference_point is not None]
    assert len(with_rp) == 109
    assert with_rp[0].name == "d00067i1" and with_rp[0].issues[0].reference_point == 0.0
    # row 2: the Commission's and Parliament's capability is 4.1, Germany's 4.1, Malta's 0.02
    caps = {a.id: a.capability_value.value for a in first.actors}
    assert caps["com"] == 4.1 and caps["ep"] == 4.1 and caps["mt"] == 0.02
    # an actor without a position is absent: Bulgaria has none on d00062i1
    assert first.position("bu", "issue") is None
    assert first.position("com", "issue").position.value == 100.0
    assert cases.meta[0]["proc"] == "COD"


def test_a_deu3_issue_number_must_be_an_identifier(data_dir: Path, tmp_path: Path) -> None:
    """The issue number (``isnr``) is the issue's id when a proposal's issues are negotiated
    together: one that is not an identifier is refused at its line (it loaded, and the
    per-proposal backtest stopped with pydantic's traceback; found by
    ``benchmarks/fuzz_runs.py --stage deu``)."""
    lines = (data_dir / "deu3_dev.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[50].split("\t")
    assert cells[4] == '"n98288i2"'
    cells[4] = '"-1"'
    lines[50] = "\t".join(cells)
    bad = tmp_path / "bad.tsv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ScenarioError, match="must be an identifier") as info:
        load(bad)
    assert info.value.line == 51 and info.value.field == ("isnr",)


@pytest.mark.parametrize(
    ("header_from", "header_to", "line", "field", "said"),
    [
        ('"pcom"', '"pcomm"', 1, "scom", "has no partner column 'pcom'"),
        ('"scom"', '"scomm"', 1, "pcom", "has no partner column 'scom'"),
        ('"pep"', '"pcom"', 1, "pcom", "appears twice in the header"),
    ],
)
def test_a_deu3_actor_column_misspelt_or_repeated_is_refused(
    data_dir: Path,
    tmp_path: Path,
    header_from: str,
    header_to: str,
    line: int,
    field: str,
    said: str,
) -> None:
    """An actor's column misspelt, lost or given twice dropped the actor (or replaced one)
    silently: the Commission gone, and the compromise model's MAE moved from 21.82 to
    22.79 with the file said to be fine. Now an error at the header."""
    text = (data_dir / "deu3_dev.tsv").read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    assert header_from in head
    bad = tmp_path / "bad.tsv"
    bad.write_text(head.replace(header_from, header_to, 1) + "\n" + rest, encoding="utf-8")
    with pytest.raises(ScenarioError, match=said) as info:
        load(bad)
    assert info.value.line == line and info.value.field == (field,)


def test_a_deu3_row_cut_short_or_too_long_is_refused(data_dir: Path, tmp_path: Path) -> None:
    """A cut row read its missing cells as blank (saliences 0, no outcome); a long one
    shifted nothing but hid a fault. Either is an error at its line, naming the widths."""
    lines = (data_dir / "deu3_dev.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    for row, said in (
        (lines[2][:200] + "\n", "got 64"),
        (lines[2].rstrip("\n") + "\tx\n", "got 76"),
    ):
        bad = tmp_path / "bad.tsv"
        bad.write_text("".join([*lines[:2], row, *lines[3:]]), encoding="utf-8")
        with pytest.raises(
            ScenarioError, match=f"expected 75 tab-separated fields.*{said}"
        ) as info:
            load(bad)
        assert info.value.line == 3


def test_a_repeated_exchange_row_is_refused(data_dir: Path, tmp_path: Path) -> None:
    """decide's reader keeps the last of two rows for the same actor and issue; the loader
    kept it too, silently, and the forecast of Issue-1 moved from 85.71 to 92.86. A repeated
    #A, #P or #D row is an error naming the first; a row with a tag decide does not define
    is still skipped, but named when an id it might have declared is missing."""
    text = (data_dir / "two_actor_example.txt").read_text(encoding="utf-8")
    bad = tmp_path / "bad.txt"
    for extra, said, line in (
        (
            "'#D'\t'Actor-1'\t'Issue-1'\t50.0\t10\t1\n",
            "a second #D row for 'Actor-1' on issue 'Issue-1' (the first is on line 9)",
            13,
        ),
        (
            "'#A'\t'Actor-2'\t'Actor-2'\t''\n",
            "a second #A row for 'Actor-2' (the first is on line 2)",
            13,
        ),
    ):
        bad.write_text(text + extra, encoding="utf-8")
        with pytest.raises(ScenarioError, match=re.escape(said)) as info:
            load(bad)
        assert info.value.line == line
    bad.write_text(text + "'#P'\t'Issue-2'\t'again'\t''\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape("a second #P row for 'Issue-2'")):
        load(bad)
    bad.write_text(text.replace("'#P'\t'Issue-1'", "'#Q'\t'Issue-1'"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape("were skipped: line 3 ('#Q'): is one")):
        load(bad)
    # a tag that differs only in case is the likely misspelling, named alone
    first, rest = text.split("\n", 1)
    text2 = first + "\n'#X'\tnote\n" + rest.replace("'#P'\t'Issue-1'", "'#p'\t'Issue-1'")
    bad.write_text(text2, encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape("line 4 ('#p'), a misspelt #P")):
        load(bad)


def test_a_salience_error_shows_the_files_value(data_dir: Path, tmp_path: Path) -> None:
    """Saliences on 0-100 are divided by 100; a bad one was reported divided (150 as "got
    1.5"). Now it is checked on the file's own scale, at its line and column."""
    rows = (data_dir / "eu_emissions_1994_actors.csv").read_text().splitlines()
    rows[1] = "Netherlands,0.08,4,150"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows) + "\n")
    with pytest.raises(ScenarioError, match=r"within 0-100 .*; got 150") as info:
        load(bad)
    assert info.value.line == 2 and info.value.field == ("Salience",)
    rows[1] = "Netherlands,0.08,4,0.8,extra"
    bad.write_text("\n".join(rows) + "\n")
    with pytest.raises(ScenarioError, match="expected 4 fields, as in the header; got 5"):
        load(bad)


def test_detect_format_by_content(tmp_path: Path) -> None:
    p = tmp_path / "data.csv"
    text = "'#A'\t'x'\t'x'\t''\n"
    assert detect_format(p, text) == "exchange"
    assert detect_format(p, "Actor,Capability,Position,Salience\n") == "bdm"
    assert detect_format(p, "n,d,1,1\nActor,Description,Power,P,S\n") == "ktab"
