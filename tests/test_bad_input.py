"""Every kind of bad input gets one clear message, exit code 2 and no traceback.

Each case writes a small malformed file and checks that the CLI names the file, the line and
column (where the format has lines), the field path, and what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.errors import ScenarioError
from guaranty.scenario import load

GOOD = """\
name: tiny
actors:
  - id: a
    name: Alpha
    capability: 2
  - id: b
    name: Beta
    capability: {value: 1, source: assumption}
issues:
  - id: x
    label: Issue X
    scale: [0, 100]
positions:
  a:
    x: {position: 20, salience: 0.5}
  b:
    x: {position: 80, salience: {dist: uniform, low: 0.2, high: 0.6}}
"""

runner = CliRunner()


def run_validate(path: Path):
    return runner.invoke(app, ["validate", str(path)])


def check(
    tmp_path: Path,
    text: str | bytes,
    *,
    expect: list[str],
    line: int | None,
    column: int | None = None,
    name: str = "s.yaml",
) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    result = run_validate(path)
    msg = result.stderr
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    where = str(path)
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    assert where in msg, msg
    for piece in expect:
        assert piece in msg, (piece, msg)
    # one paragraph: no blank lines
    assert "\n\n" not in msg.strip()
    return msg


def test_good_file_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    result = run_validate(path)
    assert result.exit_code == 0, result.output
    assert "2 actors" in result.stdout


def test_malformed_yaml(tmp_path: Path) -> None:
    text = GOOD.replace("scale: [0, 100]", "scale: [0, 100")
    check(tmp_path, text, expect=["malformed YAML"], line=13)


def test_unknown_actor_id(tmp_path: Path) -> None:
    text = GOOD.replace("  b:\n    x:", "  c:\n    x:")
    check(
        tmp_path,
        text,
        expect=["positions.c", "unknown actor id 'c'", "known: a, b"],
        line=16,
        column=3,
    )


def test_salience_outside_unit_interval(tmp_path: Path) -> None:
    text = GOOD.replace("salience: 0.5", "salience: 1.5")
    check(
        tmp_path,
        text,
        expect=["positions.a.x.salience", "within [0, 1]", "got 1.5"],
        line=15,
        column=33,
    )


def test_salience_distribution_outside_unit_interval(tmp_path: Path) -> None:
    text = GOOD.replace("high: 0.6", "high: 1.6")
    check(tmp_path, text, expect=["positions.b.x.salience", "within [0, 1]"], line=17)


def test_position_outside_scale(tmp_path: Path) -> None:
    text = GOOD.replace("position: 80", "position: 180")
    check(
        tmp_path,
        text,
        expect=["positions.b.x.position", "within [0, 100]", "got 180"],
        line=17,
        column=19,
    )


def test_duplicate_actor_id(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: b\n", "  - id: a\n")
    check(tmp_path, text, expect=["actors[1].id", "duplicate id 'a'"], line=6, column=9)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = GOOD.replace("    name: Alpha\n", "    name: Alpha\n    name: Alpha2\n")
    check(tmp_path, text, expect=["duplicate key 'name'", "first on line 4"], line=5, column=5)


def test_missing_field(tmp_path: Path) -> None:
    text = GOOD.replace("    label: Issue X\n", "")
    check(tmp_path, text, expect=["issues[0]", "missing required field 'label'"], line=10)


def test_unknown_key_with_hint(tmp_path: Path) -> None:
    text = GOOD.replace("    capability: 2\n", "    capabilty: 2\n")
    check(
        tmp_path,
        text,
        expect=["unknown key 'capabilty'", "did you mean 'capability'?"],
        line=5,
        column=5,
    )


@pytest.mark.parametrize(
    ("key", "home"),
    [
        ("data_year: 2021", "the 'credibility' section"),  # before: "did you mean 'year'?"
        ("cow: 2", "each entry of 'actors'"),
        ("label: X", "each entry of 'issues' or each entry of 'guarantees'"),
    ],
)
def test_a_key_one_level_too_far_out_is_sent_where_it_belongs(
    tmp_path: Path, key: str, home: str
) -> None:
    """A key of a section written at the top level (an indentation slip) is named with the
    section it belongs in, in place of a guess at a misspelling: `data_year` at the top
    level was answered with "did you mean 'year'?", which would change the meaning."""
    check(
        tmp_path,
        f"{key}\n{GOOD}",
        expect=[f"unknown key '{key.split(':')[0]}'; it belongs inside {home}; expected one of"],
        line=1,
        column=1,
    )


def test_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace("capability: 2", "capability: lots")
    check(tmp_path, text, expect=["actors[0].capability"], line=5)


def test_unknown_distribution(tmp_path: Path) -> None:
    text = GOOD.replace("dist: uniform", "dist: beta")
    check(tmp_path, text, expect=["positions.b.x.salience", "unknown distribution 'beta'"], line=17)


def test_empty_file(tmp_path: Path) -> None:
    check(tmp_path, "   \n\n", expect=["the file is empty"], line=None)


def test_binary_file(tmp_path: Path) -> None:
    check(
        tmp_path,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        expect=["binary file"],
        line=None,
    )


def test_not_utf8(tmp_path: Path) -> None:
    check(
        tmp_path,
        GOOD.encode() + "\nname2: caf\xe9\n".encode("latin-1"),
        expect=["not valid UTF-8"],
        line=19,
    )


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    check(tmp_path, "- a\n- b\n", expect=["expected a mapping"], line=1, column=1)


def test_missing_file(tmp_path: Path) -> None:
    result = run_validate(tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_bdm_csv_bad_number(tmp_path: Path) -> None:
    text = "Actor,Capability,Position,Salience\nA,1,4,0.5\nB,1,seven,0.5\n"
    check(tmp_path, text, name="t.csv", expect=["Position", "expected a number", "'seven'"], line=3)


def test_bdm_csv_missing_column(tmp_path: Path) -> None:
    text = "Actor,Capability,Position\nA,1,4\n"
    check(tmp_path, text, name="t.csv", expect=["missing column 'salience'"], line=1)


def test_bdm_csv_salience_out_of_range(tmp_path: Path) -> None:
    text = "Actor,Capability,Position,Salience\nA,1,4,50\nB,1,6,150\n"
    check(tmp_path, text, name="t.csv", expect=["Salience:", "within 0-100", "got 150"], line=3)


def test_ktab_wrong_actor_count(tmp_path: Path) -> None:
    text = "Demo,desc,3,1\nActor,Description,Power,P1,S1\nA,a,10,20,50\nB,b,10,80,50\n"
    check(tmp_path, text, name="k.csv", expect=["announces 3 actors", "2 actor lines"], line=1)


def test_exchange_unknown_actor(tmp_path: Path) -> None:
    text = (
        "'#A'\t'A'\t'A'\t''\n'#P'\t'I'\t'I'\t'I'\n'#M'\t'I'\t0\n'#M'\t'I'\t100\n"
        "'#D'\t'B'\t'I'\t10\t0.5\t1\n"
    )
    check(tmp_path, text, name="e.txt", expect=["unknown actor 'B'"], line=5)


def test_deu_bad_capability(tmp_path: Path, data_dir: Path) -> None:
    lines = (data_dir / "deu3_dev.tsv").read_text().splitlines()
    cells = lines[1].split("\t")
    cells[13] = '"n/a"'
    lines[1] = "\t".join(cells)
    check(
        tmp_path,
        "\n".join(lines) + "\n",
        name="d.tsv",
        expect=["pcom", "capability (row 2)"],
        line=2,
    )


def test_library_raises_scenario_error_with_location(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("salience: 0.5", "salience: -0.1"))
    with pytest.raises(ScenarioError) as info:
        load(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.line, err.column) == (15, 33)
    assert err.field == ("positions", "a", "x", "salience")


LADDER = (
    GOOD.replace("    scale: [0, 100]\n", "    scale: [0, 100]\n    role: guarantee\n")
    + """guarantees:
  - id: d1
    label: Design one
    legal_form: treaty
    level: {dist: uniform, low: 40, high: 70, source: assumption}
"""
)


def test_design_level_may_be_uncertain_with_a_source(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(LADDER)
    s = load(path)
    assert s.guarantees[0].level.nominal == 55 and s.guarantees[0].level.source == "assumption"


def test_design_level_outside_ladder(tmp_path: Path) -> None:
    check(
        tmp_path,
        LADDER.replace("high: 70", "high: 170"),
        expect=["guarantees[0].level", "within [0, 100]"],
        line=23,
    )


def test_design_guarantor_unknown(tmp_path: Path) -> None:
    text = LADDER.replace(
        "    legal_form: treaty\n", "    legal_form: treaty\n    guarantors: [a, zz]\n"
    )
    check(tmp_path, text, expect=["guarantees[0].guarantors[1]", "unknown actor id 'zz'"], line=23)


def test_unknown_obligation(tmp_path: Path) -> None:
    text = LADDER.replace(
        "    legal_form: treaty\n", "    legal_form: treaty\n    obligations: [arms, hugs]\n"
    )
    check(tmp_path, text, expect=["guarantees[0].obligations[1]", "got 'hugs'"], line=23)


# Non-finite numbers, hostile files and the peer formats' edge cases ----------------------------


@pytest.mark.parametrize("bad", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_salience(tmp_path: Path, bad: str) -> None:
    text = GOOD.replace("salience: 0.5", f"salience: {bad}")
    check(
        tmp_path,
        text,
        expect=["positions.a.x.salience:", "finite number"],
        line=15,
        column=33,
    )


def test_non_finite_distribution_parameter(tmp_path: Path) -> None:
    text = GOOD.replace("low: 0.2", "low: .nan")
    check(tmp_path, text, expect=["positions.b.x.salience.low:", "finite number"], line=17)


def test_huge_number(tmp_path: Path) -> None:
    text = GOOD.replace("capability: 2", "capability: 1.0e+300")
    check(tmp_path, text, expect=["actors[0].capability:", "magnitude at most 1e15"], line=5)


def test_float_tag_on_a_word(tmp_path: Path) -> None:
    text = GOOD.replace("name: tiny", "name: !!float abc")
    check(tmp_path, text, expect=["name:", "cannot read 'abc' as !!float"], line=1, column=7)


def test_nul_byte_past_the_first_8k(tmp_path: Path) -> None:
    text = GOOD + "# " + "x" * 9000 + "\nsource: a\x00b\n"
    check(tmp_path, text.encode(), expect=["binary file", "NUL byte"], line=19, column=10)


def test_issue_without_positions(tmp_path: Path) -> None:
    text = GOOD.replace(
        "positions:\n", "  - id: y\n    label: Issue Y\n    scale: [0, 1]\npositions:\n"
    )
    check(
        tmp_path,
        text,
        expect=["issues[1]:", "no actor takes a position on issue 'y'"],
        line=13,
        column=5,
    )


def test_validate_json_never_prints_a_non_finite_number(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("position: 20", "position: .nan"))
    result = runner.invoke(app, ["validate", "--json", str(path)])
    # the error itself is the JSON document (issue 17), and it holds no NaN either
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert "finite number" in error["message"] and error["line"] == 15
    assert "JSON compliant" not in result.output and "NaN" not in result.stdout


def test_bdm_csv_cell_longer_than_csv_default_limit(tmp_path: Path) -> None:
    text = "Actor,Capability,Position,Salience\nA,1,4,0.5\nB,1," + "7" * 140_000 + ",0.5\n"
    check(tmp_path, text, name="t.csv", expect=["Position:", "expected a number"], line=3)


def test_bdm_csv_stray_carriage_return(tmp_path: Path) -> None:
    text = "Actor,Capability,Position,Salience\nA,1,4,0.5\nB,1,6\r7,0.5\n"
    check(
        tmp_path, text, name="t.csv", expect=["expected 4 fields, as in the header; got 3"], line=3
    )


def test_bdm_csv_nan_cell(tmp_path: Path) -> None:
    text = "Actor,Capability,Position,Salience\nA,1,4,0.5\nB,inf,6,0.5\n"
    check(tmp_path, text, name="t.csv", expect=["Capability:", "'inf'"], line=3)


def test_ktab_counts_must_be_whole_numbers(tmp_path: Path) -> None:
    text = "Demo,desc,2.5,1\nActor,Description,Power,P1,S1\nA,a,10,20,50\nB,b,10,80,50\n"
    check(tmp_path, text, name="k.csv", expect=["actors:", "whole number"], line=1)


def test_exchange_issue_without_rows(tmp_path: Path) -> None:
    text = (
        "'#A'\t'A'\t'A'\t''\n'#P'\t'I'\t'I'\t'I'\n'#M'\t'I'\t0\n'#M'\t'I'\t100\n"
        "'#P'\t'J'\t'J'\t'J'\n'#M'\t'J'\t0\n'#M'\t'J'\t100\n"
        "'#D'\t'A'\t'I'\t10\t0.5\t1\n"
    )
    check(tmp_path, text, name="e.txt", expect=["no actor takes a position on issue 'J'"], line=5)


def test_deu_without_issue_rows(tmp_path: Path, data_dir: Path) -> None:
    lines = (data_dir / "deu3_dev.tsv").read_text().splitlines()
    check(
        tmp_path,
        "\n".join(lines[:2]) + "\n\n",
        name="d.tsv",
        expect=["no issue row"],
        line=3,
    )


def test_deu_negative_capability_names_row_2(tmp_path: Path, data_dir: Path) -> None:
    lines = (data_dir / "deu3_dev.tsv").read_text().splitlines()
    cells = lines[1].split("\t")
    cells[13] = "-1"
    lines[1] = "\t".join(cells)
    check(
        tmp_path,
        "\n".join(lines) + "\n",
        name="d.tsv",
        expect=["actors[0].capability", "must lie at or above 0"],
        line=2,
    )


def test_a_scenario_without_positions_is_not_forecast(tmp_path: Path) -> None:
    """A scenario with no position at all validates (credibility alone), but the commands
    that negotiate refuse it with the file and the issue, never printing nan."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    data = yaml.safe_load((root / "scenarios" / "korea-1953.yaml").read_text())
    data["positions"] = {}
    data.pop("claims", None)
    path = tmp_path / "nopos.yaml"
    path.write_text(yaml.safe_dump(data))
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    for args in (["forecast", str(path), "--model", "median"], ["forecast", str(path), "--json"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        assert str(path) in res.output and "issue 'guarantee'" in res.output, res.output
        assert "nan" not in res.output.lower().replace("nothing", ""), res.output


def test_a_long_unbroken_name_is_printed_at_once(tmp_path: Path) -> None:
    # benchmarks/fuzz_inputs.py (seed 37): a KTAB file whose first cell, the scenario's name,
    # ran on for 131,000 digits kept `guaranty validate` busy for minutes in rich's
    # highlighter (time quadratic in the run: 20,000 digits took 17 s). Without it, at once.
    import time

    source = Path(__file__).parent / "data" / "SOE-Policy.csv"
    first, rest = source.read_text(encoding="utf-8").split("\n", 1)
    path = tmp_path / "long.csv"
    path.write_text(first.replace(";", "; " + "9" * 20_000, 1) + "\n" + rest, encoding="utf-8")
    start = time.perf_counter()
    result = run_validate(path)
    assert result.exit_code == 0, result.output
    assert "9" * 20_000 in result.output  # the name whole, not cut
    assert time.perf_counter() - start < 5.0
