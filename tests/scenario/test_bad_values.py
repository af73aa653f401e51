"""Bad numbers in an otherwise valid scenario: each case is ``scenarios/ukraine-2022.yaml``
with one value replaced (NaN, an infinity, a negative spread or cost, an unknown model, ...),
written out as its own file; ``guaranty validate`` must refuse every one with exit code 2 and
one paragraph naming the file, the line of the bad value and its field.

The cases are derived when the tests run (a copy of the 960-line scenario per case would
drift from it); each names the line it edits and the text it expects there, so a change of
the scenario makes the case fail loudly instead of silently testing something else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty.cli import app

UKRAINE = Path(__file__).resolve().parents[2] / "scenarios" / "ukraine-2022.yaml"

# id, line edited, old text on that line, new text, line of the error, field, message piece
CASES: list[tuple[str, int, str, str, int, str, str]] = [
    (
        "salience-low-nan",
        248,
        "low: 0.5,",
        "low: .nan,",
        248,
        "positions.russia.russia_relations.salience.low",
        "finite number",
    ),
    (
        "position-mean-inf",
        258,
        "mean: 40,",
        "mean: .inf,",
        258,
        "positions.usa.guarantee.position.mean",
        "finite number",
    ),
    (
        "sd-nan",
        258,
        "sd: 10}",
        "sd: .nan}",
        258,
        "positions.usa.guarantee.position.sd",
        "finite number",
    ),
    (
        "sd-negative",
        258,
        "sd: 10}",
        "sd: -10}",
        258,
        "positions.usa.guarantee.position.sd",
        "greater than 0",
    ),
    (
        "salience-high-inf",
        259,
        "high: 0.7}",
        "high: .inf}",
        259,
        "positions.usa.guarantee.salience.high",
        "finite number",
    ),
    (
        "capability-high-minus-inf",
        129,
        "high: 0.01}",
        "high: -.inf}",
        129,
        "actors[12].capability.high",
        "finite number",
    ),
    (
        "capability-huge",
        129,
        "high: 0.01}",
        "high: 1e300}",
        129,
        "actors[12].capability.high",
        "magnitude at most 1e15",
    ),
    (
        "scale-inf",
        154,
        "scale: [0, 100]",
        "scale: [0, .inf]",
        154,
        "issues[0].scale[1]",
        "finite number",
    ),
    (
        "reference-point-nan",
        162,
        "reference_point: 30",
        "reference_point: .nan",
        162,
        "issues[0].reference_point",
        "finite number",
    ),
    (
        "years-to-effect-mode-nan",
        499,
        "mode: 7",
        "mode: .nan",
        499,
        "guarantees[0].years_to_effect.mode",
        "finite number",
    ),
    (
        "years-to-effect-value-minus-inf",
        573,
        "value: 1,",
        "value: -.inf,",
        573,
        "guarantees[3].years_to_effect.value",
        "finite number",
    ),
    (
        "level-nan",
        505,
        "level: 100",
        "level: .nan",
        505,
        "guarantees[0].level",
        "finite number",
    ),
    (
        "common-shock-low-nan",
        711,
        "low: 0.66",
        "low: .nan",
        711,
        "credibility.common_shock.low",
        "finite number",
    ),
    (
        "circumstances-today-nan",
        717,
        "value: 0",
        "value: .nan",
        717,
        "credibility.circumstances_today.value",
        "finite number",
    ),
    (
        "circumstances-tomorrow-inf",
        720,
        "value: 0",
        "value: .inf",
        720,
        "credibility.circumstances_tomorrow.value",
        "finite number",
    ),
    (
        "pair-rivalry-not-a-flag",
        727,
        "value: 1",
        "value: 2",
        727,
        "credibility.pair.rivalry.value",
        "value must be 0 or 1; got 2",
    ),
    (
        "pair-unknown-fact",
        726,
        "rivalry:",
        "rivaly:",
        726,
        "credibility.pair.rivaly",
        "input should be 'rivalry', 'contig_land' or 'contig_sea'",
    ),
    (
        "credibility-data-year-after-the-year",
        724,
        "data_year: 2021",
        "data_year: 2023",
        724,
        "credibility.data_year",
        "must not be after the scenario's year (2022)",
    ),
    (
        "war-force-nan",
        778,
        "value: 300",
        "value: .nan",
        778,
        "war.parameters.force_a.value",
        "finite number",
    ),
    (
        "war-force-negative",
        781,
        "value: 200",
        "value: -200",
        780,  # the entry's key: the range check is on the whole quantity
        "war.parameters.force_b",
        "must lie above 0; got -200",
    ),
    (
        "war-aid-high-inf",
        799,
        "high: 10",
        "high: .inf",
        799,
        "war.parameters.aid_a.high",
        "finite number",
    ),
    (
        "war-red-line-minus-inf",
        802,
        "value: 75",
        "value: -.inf",
        802,
        "war.parameters.red_line_b.value",
        "finite number",
    ),
    (
        "deterrence-sigma-negative",
        813,
        "years: 10",
        "years: 10\n  sigma: -0.25",
        814,
        "deterrence.sigma",
        "must be above 0",
    ),
    (
        "deterrence-cost-negative",
        813,
        "years: 10",
        "years: 10\n  cost: {dist: uniform, low: -1, high: 1}",
        814,
        "deterrence.cost",
        "must lie at or above 0",
    ),
    (
        "deterrence-stakes-nan",
        813,
        "years: 10",
        "years: 10\n  stakes: .nan",
        814,
        "deterrence.stakes",
        "finite number",
    ),
    (
        "pipeline-model-unknown",
        812,
        "deterrence:",
        "pipeline:\n  model: nope\ndeterrence:",
        813,
        "pipeline.model",
        "unknown negotiation model 'nope'",
    ),
    (
        "guarantor-twice",
        567,
        "[france]",
        "[france, france]",
        567,
        "guarantees[3].guarantors[1]",
        "listed twice",
    ),
    (
        "protected-state-guarantees-itself",
        567,
        "[france]",
        "[france, ukraine]",
        567,
        "guarantees[3].guarantors[1]",
        "is the protected state (credibility.protected) and cannot guarantee itself",
    ),
    (
        "protected-state-is-the-aggressor",
        708,
        "protected: ukraine",
        "protected: russia",
        708,
        "credibility.protected",
        "must differ from the aggressor",
    ),
    (
        "conduct-of-the-protected-state",
        730,
        "usa:",
        "ukraine:",
        730,
        "credibility.conduct.ukraine",
        "is the protected state",
    ),
    (
        "conduct-of-no-guarantor",
        730,
        "usa:",
        "eu:",
        730,
        "credibility.conduct.eu",
        "guarantees no design",
    ),
    (
        "organization-member-of-itself",
        131,
        "[france,",
        "[eu, france,",
        131,
        "actors[12].members[0]",
        "cannot list itself among its members",
    ),
    (
        "obligations-without-guarantors",
        660,
        "obligations: []",
        "obligations: [troops_on_call]",
        660,
        "guarantees[8].obligations",
        "has no one to carry obligations",
    ),
    (
        "claim-divides-by-zero",
        843,
        '"max_p_honor < 0.1"',
        '"max_p_honor / 0 < 0.1"',
        843,
        "claims[3].statement",
        "divides by 0",
    ),
]

runner = CliRunner()


def derive(tmp_path: Path, case_id: str, line: int, old: str, new: str) -> Path:
    lines = UKRAINE.read_text().split("\n")
    assert lines[line - 1].count(old) == 1, (case_id, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / f"ukraine-{case_id}.yaml"
    path.write_text("\n".join(lines))
    return path


def test_the_unedited_scenario_validates() -> None:
    result = runner.invoke(app, ["validate", str(UKRAINE)])
    assert result.exit_code == 0, result.output


def test_there_are_at_least_fourteen_cases() -> None:
    assert len(CASES) >= 14 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("case_id", "line", "old", "new", "err_line", "field", "piece"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_bad_value_is_refused(
    tmp_path: Path,
    case_id: str,
    line: int,
    old: str,
    new: str,
    err_line: int,
    field: str,
    piece: str,
) -> None:
    path = derive(tmp_path, case_id, line, old, new)
    result = runner.invoke(app, ["validate", str(path)])
    msg = result.stderr.strip()
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == "" and "Traceback" not in msg and "\n\n" not in msg, msg
    assert msg.startswith(f"error: {path}:{err_line}:"), msg
    assert f": {field}: " in msg, msg
    assert piece in msg, msg
    # and --json never gets as far as a non-finite number
    result = runner.invoke(app, ["validate", "--json", str(path)])
    assert result.exit_code == 2 and "JSON compliant" not in result.output
