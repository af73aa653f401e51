"""decide's semicolon-separated data files, read as decide ships them (issue 17, item 4).

``tests/data/cop21_semicolon.csv`` is decide's CoP21 input as its repository held it in
2019 (``#O`` title and ``#/`` comment rows, ``#M`` rows with the meaning of each scale
point, rows padded with empty cells); ``tests/data/cop21.csv`` is the tab-separated, quoted
file decide later wrote from the same data, with three actors renamed (tests/data/SOURCES.md).
Both must give the same scenario, exchanges and forecasts. Malformed ``;`` rows fail at
their line and field, in one paragraph, with exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.errors import ScenarioError
from guaranty.pipeline import forecast
from guaranty.scenario import detect_format, load
from guaranty.scenario.compile import nominal_inputs
from guaranty.scenario.formats import parse_exchange

#: the semicolon file's actor ids -> the tab file's (decide renamed three when it rewrote it)
RENAMED = {"AILAC": "AILAC2", "AOSIS": "AOSISs", "Arab_states": "Arab_statess"}


@pytest.fixture(scope="module")
def pair(data_dir_module: Path):
    return load(data_dir_module / "cop21_semicolon.csv"), load(data_dir_module / "cop21.csv")


@pytest.fixture(scope="module")
def data_dir_module() -> Path:
    return Path(__file__).resolve().parents[1] / "data"


def test_the_fixture_is_decides_file(data_dir_module: Path) -> None:
    """Byte for byte the file of decide's repository that tests/data/SOURCES.md names."""
    import importlib.util

    script = data_dir_module.parents[1] / "scripts" / "rebuild_data.py"
    spec = importlib.util.spec_from_file_location("rebuild_data", script)
    assert spec is not None and spec.loader is not None
    rebuild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rebuild)
    assert [r[3] for r in rebuild.FROM_REPOSITORIES] == ["cop21_semicolon.csv"]
    assert rebuild.check_from_repositories(data_dir_module) == []


def test_the_semicolon_file_loads_as_shipped(pair) -> None:
    semi, _ = pair
    assert len(semi.actors) == 15 and len(semi.issues) == 13
    assert sum(len(v) for v in semi.positions.values()) == 181
    # names and labels from the #A and #P rows; the #O and #/ rows carry no input
    assert semi.actor("LDCs_BGD").name == "LDCs_represented_by_Bangladesh"
    assert semi.issue("mrv").label == "mitigation mrv and compliance"
    # #M rows: 0, 45, 65, 75, 100 on mrv (with their meanings) make the scale 0-100
    assert all(i.scale == (0.0, 100.0) for i in semi.issues)
    e = semi.position("AOSIS", "differentiation")
    assert (e.position.value, e.salience.value, e.capability.value) == (40.0, 0.6, 0.5)


def test_same_inputs_as_the_tab_separated_file(pair) -> None:
    semi, tab = pair
    xs, xt = nominal_inputs(semi), nominal_inputs(tab)
    assert [RENAMED.get(a, a) for a in xs.actor_ids] == list(xt.actor_ids)
    assert xs.issue_ids == xt.issue_ids
    for name in ("positions", "salience", "capability", "present", "lower", "upper"):
        np.testing.assert_array_equal(getattr(xs, name), getattr(xt, name), err_msg=name)


@pytest.mark.parametrize("model", ["exchange", "compromise"])
def test_same_exchanges_and_forecasts(pair, model: str) -> None:
    semi, tab = pair
    fs, ft = forecast(semi, model), forecast(tab, model)
    assert [i.outcome for i in fs.issues] == [i.outcome for i in ft.issues]
    assert [i.rounds for i in fs.issues] == [
        None if i.rounds is None else _renamed(i.rounds) for i in ft.issues
    ]
    if model == "exchange":
        assert fs.details["rounds"]  # every round's exchanges, actor by actor
        assert sum(len(r["exchanges"]) for r in fs.details["rounds"]) > 0
        assert fs.details == _renamed(ft.details)


def _renamed(obj):
    """``obj`` (JSON) with the tab file's three renamed actor ids put back."""
    text = json.dumps(obj)
    for old, new in RENAMED.items():
        text = text.replace(f'"{new}"', f'"{old}"')
    return json.loads(text)


@pytest.mark.parametrize(
    "first",
    [
        "#O;CoP21 Paris negotiations;;;;",
        "#/;ID;Full name;;;",
        "#A;USA;USA;;;",
        "#O\tCopenhagen negotiations\t\t",
        "'#A'\t'USA'\t'USA'\t''",
        '"#P";"x";"x"',
    ],
)
def test_detected_by_the_first_rows_tag(tmp_path: Path, first: str) -> None:
    assert detect_format(tmp_path / "f.csv", first + "\n") == "exchange"
    assert detect_format(tmp_path / "f.txt", first + "\n") == "exchange"


def test_not_taken_for_a_decide_file(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    assert detect_format(p, "#Actor;Capability\n") == "bdm"
    assert detect_format(p, "Actor,Capability,Position,Salience\n#A,1,2,3\n") == "bdm"


SMALL = (
    "#O;Test;;;;\n"
    "#/;ID;Full name;;;\n"
    '#A;EU;"EU; incl Norway";;;\n'
    "#A;US;USA;;;\n"
    "#P;I;Issue I;;;\n"
    "#P;J;Issue J;;;\n"
    "#M;I;0;none;;\n"
    "#M;I;10;all;;\n"
    "\n"
    "#/;actor;issue;position;salience;power\n"
    "#D;EU;I;2,5;0,9;0,6\n"
    "#D;US;I;7,5;0,4;1\n"
    "#D;EU;J;40;0,5;0,6\n"
    "#D;US;J;80;0,5;1\n"
)


def test_semicolon_details(tmp_path: Path) -> None:
    """A quoted cell may hold a semicolon; a decimal comma reads as a point (decide's
    readers replace ',' by '.'); an issue without #M rows has decide's default scale
    0-100; a blank line is skipped."""
    s = parse_exchange(SMALL, name="small.csv")
    assert s.actor("EU").name == "EU; incl Norway"
    e = s.position("EU", "I")
    assert (e.position.value, e.salience.value, e.capability.value) == (2.5, 0.9, 0.6)
    assert s.issue("I").scale == (0.0, 10.0) and s.issue("J").scale == (0.0, 100.0)
    # the unquoted tab form decide's older files also use reads the same
    tab = parse_exchange(SMALL.replace(";", "\t").replace("EU\t incl", "EU; incl"), name="t")
    assert _same(nominal_inputs(tab), nominal_inputs(s))


def _same(a, b) -> bool:
    for name in ("positions", "salience", "capability", "present", "lower", "upper"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    return a.actor_ids == b.actor_ids and a.issue_ids == b.issue_ids


HEAD = "#O;t;;;;\n#A;A;Alpha;;;\n#A;B;Beta;;;\n#P;I;Issue;;;\n#M;I;0;low;;\n#M;I;100;high;;\n"


@pytest.mark.parametrize(
    ("rows", "line", "expect"),
    [
        ("#D;A;I;abc;0.5;1\n", 7, ["position:", "expected a number; got 'abc'"]),
        ("#D;A;I;10;0.5;1\n#D;B;I;20;0,5;1,2,3\n", 8, ["power:", "'1,2,3'"]),
        ("#D;A;I;10\n", 7, ["#D:", "needs: actor, issue, position, salience, power"]),
        ("#D;C;I;10;0.5;1\n", 7, ["actor:", "unknown actor 'C'", "no #A row"]),
        ("#D;A;K;10;0.5;1\n", 7, ["issue:", "unknown issue 'K'", "no #P row"]),
        ("#D;A;I;10;0.5;1\nhello;x;y\n", 8, ["tag:", "got 'hello'"]),
        ("#D;A;I;10;150;1\n", 7, ["salience:", "within 0-100", "got 150"]),
        ("#D;A;I;120;0.5;1\n", 7, ["positions.A.I.position", "120"]),
        ("#A;;x;;;\n#D;A;I;10;0.5;1\n", 7, ["actor:", "an #A row needs an actor id"]),
        (
            "#P;J;Issue J;;;\n#M;J;50;mid;;\n#D;A;I;10;0.5;1\n#D;A;J;50;0.5;1\n",
            8,
            ["#M value:", "one #M value (50)"],
        ),
        ("#M;I\n#D;A;I;10;0.5;1\n", 7, ["#M:", "needs an issue id and a scale value"]),
    ],
    ids=[
        "bad-number",
        "two-commas",
        "short-row",
        "unknown-actor",
        "unknown-issue",
        "bad-tag",
        "salience",
        "off-scale",
        "no-actor-id",
        "one-scale-value",
        "short-M",
    ],
)
def test_malformed_rows_fail_at_their_line(
    tmp_path: Path, rows: str, line: int, expect: list[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEAD + rows)
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert info.value.line == line and info.value.file == str(path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    msg = result.stderr
    assert f"{path}:{line}: " in msg, msg
    for piece in expect:
        assert piece in msg, (piece, msg)
    assert "Traceback" not in result.output and "\n\n" not in msg.strip()  # one paragraph
