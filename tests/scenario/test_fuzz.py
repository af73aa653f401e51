"""A fast fuzz test over every loader (the campaign with thousands of mutants is
``benchmarks/fuzz_inputs.py``).

Hypothesis mutates a small valid file of each format (YAML, BDM and KTAB CSV, decide
exchange in its tab and semicolon forms, DEU III TSV): bytes flipped, inserted or cut, lines
duplicated or dropped, numbers replaced with NaN, infinities, huge or negative values, deep
nesting, aliases, long cells, CR and NUL (cells over csv's 128 KiB limit are in
test_hostile_files.py). Whatever comes out,
loading it must either give a scenario whose every number is finite (and whose JSON dump
works), or raise a ScenarioError that names the file and, but for the few file-level
errors, the line. Anything else (a bare Python exception, a RecursionError, a csv error)
fails the test. Derandomized, so a failure reproduces.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guaranty.errors import ScenarioError
from guaranty.scenario import CaseSet, load, parse

pytestmark = pytest.mark.slow  # hundreds of mutated files, each parsed (about 7 s)

DATA = Path(__file__).resolve().parents[1] / "data"

SMALL_YAML = """\
name: small
year: 2022
actors:
  - {id: a, name: Alpha, cow: 369, capability: {value: 0.02, source: s}}
  - {id: b, name: Beta, cow: 365, capability: {dist: normal, mean: 0.05, sd: 0.01}}
  - {id: g, name: Gamma, cow: 2, capability: 0.1, roles: [guarantor]}
issues:
  - {id: x, label: Ladder, role: guarantee, scale: [0, 100], anchors: {0: none, 100: full}}
  - {id: t, label: Land, role: territory, scale: [0, 100], reference_point: 10}
positions:
  a:
    x: {position: 90, salience: {dist: uniform, low: 0.8, high: 1.0}}
    t: {position: {dist: triangular, low: 60, mode: 100, high: 100}, salience: 0.9}
  b:
    x: {position: {dist: normal, mean: 5, sd: 2}, salience: 0.7, capability: 0.08}
    t: {position: 0, salience: 0.8}
guarantees:
  - {id: pact, label: Pact, guarantors: [g], legal_form: treaty, level: 60,
     years_to_effect: {dist: uniform, low: 0.5, high: 2}}
credibility:
  aggressor: b
  protected: a
  circumstances_today: {value: 0, source: s}
war:
  parameters:
    force_a: {value: 300, source: s}
    front_min: {value: -50, source: s}
deterrence: {years: 10, sigma: 0.25, cost: 0.5}
"""


def _deu_sample() -> str:
    lines = (DATA / "deu3_dev.tsv").read_text().split("\n")
    return "\n".join(lines[:5]) + "\n"


def _decide_semicolon_sample() -> str:
    """decide's semicolon-separated CoP21 file cut to three actors and two issues, with its
    #O and #/ rows."""
    actors, issues = {"African_grp", "AILAC", "China"}, {"mrv", "legal"}
    keep = []
    for line in (DATA / "cop21_semicolon.csv").read_text().split("\n"):
        cells = line.split(";")
        tag = cells[0]
        if (
            tag in ("#O", "#/")
            or (tag == "#A" and cells[1] in actors)
            or (tag in ("#P", "#M") and cells[1] in issues)
            or (tag == "#D" and cells[1] in actors and cells[2] in issues)
        ):
            keep.append(line)
    return "\n".join(keep) + "\n"


SEEDS = {
    "s.yaml": SMALL_YAML,
    "b.csv": (DATA / "eu_emissions_1994_actors.csv").read_text(),
    "k.csv": (DATA / "dummyData_3Dim.csv").read_text(),
    "e.txt": (DATA / "two_actor_example.txt").read_text(),
    "e.csv": _decide_semicolon_sample(),
    "d.tsv": _deu_sample(),
}

SPECIAL = [
    ".nan", "nan", "NaN", ".inf", "-.inf", "inf", "-inf", "1e308", "1.0e+400", "-1e308",
    "-1", "-0.5", "0", "1e-320", "9" * 400, "1" * 5000, "", "--1", "0x1F",
]  # fmt: skip
INSERTS = [
    "\r", "\x00", "\x01", "\x85", "\u2028", "\ufeff", '"', "'", ",", "\t", ";", ": ", "- ",
    "{", "}", "[", "]", "&a ", "*a", "*x", "!!float abc", "!!python/name:os.system",
    "[" * 40 + "]" * 40, "{a: " * 40 + "1" + "}" * 40, "\n" + "x" * 2000, "9" * 2000,
    "l0: &x [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n", "r: &r [*r]\n",
]  # fmt: skip

op = st.one_of(
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(INSERTS)),
    st.tuples(st.just("number"), st.floats(0, 1), st.sampled_from(SPECIAL)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 40)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.none()),
    st.tuples(st.just("dup_line"), st.floats(0, 1), st.integers(1, 30)),
    st.tuples(st.just("drop_line"), st.floats(0, 1), st.none()),
    st.tuples(st.just("text"), st.floats(0, 1), st.text(max_size=20)),
    st.tuples(st.just("nest"), st.floats(0, 1), st.integers(1, 3000)),
)


def mutate(text: str, ops: list[tuple[str, float, object]]) -> str:
    import re

    for kind, where, arg in ops:
        k = int(where * len(text))
        if kind == "insert" or kind == "text":
            text = text[:k] + str(arg) + text[k:]
        elif kind == "number":
            found = list(re.finditer(r"-?\d+(?:\.\d+)?", text))
            if found:
                m = found[min(int(where * len(found)), len(found) - 1)]
                text = text[: m.start()] + str(arg) + text[m.end() :]
        elif kind == "delete":
            text = text[:k] + text[k + int(arg) :]
        elif kind == "truncate":
            text = text[:k]
        elif kind == "nest":  # nested brackets (a nested mapping for an even depth) as a value;
            # up to 3,000 levels, as Hypothesis raises the recursion limit by 2,000 frames
            depth = int(arg)
            nest = "[" * depth + "]" * depth if depth % 2 else "{a: " * depth + "1" + "}" * depth
            colons = [m.end() for m in re.finditer(": ", text)] or [k]
            at = colons[min(int(where * len(colons)), len(colons) - 1)]
            text = text[:at] + nest + text[at:]
        else:
            lines = text.split("\n")
            j = min(int(where * len(lines)), len(lines) - 1)
            if kind == "dup_line":
                lines[j:j] = [lines[j]] * int(arg)
            else:
                del lines[j]
            text = "\n".join(lines)
    return text


def _finite(obj: object) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite(k) and _finite(v) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return all(_finite(v) for v in obj)
    return True


FILE_LEVEL = ("the file is empty", "cannot tell the format", "holds no YAML document")


def check(load_it, name: str) -> None:
    start = time.perf_counter()
    try:
        obj = load_it()
    except ScenarioError as exc:
        assert exc.file is not None and name in exc.file, exc
        if not any(piece in exc.message for piece in FILE_LEVEL):
            assert exc.line is not None, exc
        assert "\n" not in str(exc), exc  # one paragraph, on one line
    else:
        for case in obj.cases if isinstance(obj, CaseSet) else (obj,):
            assert _finite(case.model_dump(mode="python")), case
            json.dumps(case.model_dump(mode="json"), allow_nan=False)
    assert time.perf_counter() - start < 5.0  # each takes milliseconds; a hang fails


def test_the_seeds_load() -> None:
    for name, text in SEEDS.items():
        assert parse(text, name) is not None


@pytest.mark.parametrize("name", list(SEEDS))
@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(ops=st.lists(op, min_size=1, max_size=4))
def test_mutants_load_or_fail_cleanly(name: str, ops: list[tuple[str, float, object]]) -> None:
    text = mutate(SEEDS[name], ops)
    check(lambda: parse(text, name), name)


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(list(SEEDS)),
    cut=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=12),
)
def test_bytes_through_the_file_reader(tmp_path: Path, name: str, cut: float, junk: bytes) -> None:
    """Raw bytes (invalid UTF-8, NUL, a BOM in the middle) through ``load``, as the CLI."""
    raw = SEEDS[name].encode()
    k = int(cut * len(raw))
    path = tmp_path / name
    path.write_bytes(raw[:k] + junk + raw[k:])
    check(lambda: load(path), name)
