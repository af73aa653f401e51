"""The second shipped scenario (Korea 1953) validates, analyzes, and its report speaks its own
language: its question, its issues' labels on the axes, none of Ukraine's."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.scenario import load

pytestmark = pytest.mark.slow  # the whole Korea analysis and its sensitivity runs (about 40 s)

ROOT = Path(__file__).resolve().parents[1]
KOREA = ROOT / "scenarios" / "korea-1953.yaml"
runner = CliRunner()


def test_korea_validates_and_every_number_has_a_source() -> None:
    res = runner.invoke(app, ["validate", str(KOREA)])
    assert res.exit_code == 0, res.output
    s = load(KOREA)
    assert s.war is not None and s.credibility is not None and s.deterrence is not None
    assert s.guarantees and s.claims and s.question
    for aid, per_issue in s.positions.items():
        for iid, entry in per_issue.items():
            assert entry.source, f"positions.{aid}.{iid} has no source"
    for name, q in s.war.parameters.items():
        assert q.source, f"war.{name} has no source"


def test_korea_analyzes_with_its_own_labels(tmp_path: Path) -> None:
    out = tmp_path / "korea"
    res = runner.invoke(app, ["analyze", str(KOREA), "--out", str(out), "--draws", "1000"])
    assert res.exit_code == 0, res.output
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert load(KOREA).question in md
    # the war figures' axis comes from the scenario's territory issue, not Ukraine's scale
    assert "Where the line between North and South runs (0-100)" in html
    for ukrainian in ("mid-2022", "1991 borders", "Kyiv", "Crimea"):
        assert ukrainian not in md and ukrainian not in html, ukrainian
    # (the HTML embeds plotly's list of countries, Russia among them)
    assert "Russia" not in md and "that the aggressor attacks before the design" in html
    # the answer and the credibility section say that the guarantors fight today, as the
    # scenario marks them (credibility.conduct.ID.fights)
    assert "given that United Kingdom and United States fight beside it today" in md
    assert "P(fights if attacked tomorrow | its conduct today: uk, usa fight" in md
    assert "given that uk, usa fight today and any other guarantor does not" in html
    # (in the HTML answer, where the first screen is tight, as a mark with a tooltip)
    assert "conditioned on what the guarantors do today: United Kingdom and United" in html
    war = runner.invoke(app, ["war", str(KOREA), "--draws", "500", "--json"])
    assert war.exit_code == 0, war.output


def test_a_scenario_that_leaves_the_war_out_inherits_neutral_defaults_and_is_told(
    tmp_path: Path,
) -> None:
    """Parameters a war section does not give are neutral (equal forces, no arms flows, the
    line at the territory issue's reference point), not Ukraine's, and the command says so;
    a scenario without a war section is told that the chain does not run."""
    import yaml

    from guaranty.war import NEUTRAL_DEFAULTS, run_war

    data = yaml.safe_load(KOREA.read_text(encoding="utf-8"))
    data["war"]["parameters"] = {}
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = runner.invoke(app, ["war", str(bare), "--draws", "300"])
    assert res.exit_code == 0, res.output
    assert "inherits neutral defaults" in res.stderr and "force_a=100" in res.stderr
    summary = run_war(load(bare), draws=300, seed=0)
    assert (summary.params["force_a"] == NEUTRAL_DEFAULTS["force_a"]).all()
    assert (summary.params["aid_a"] == 0).all() and (summary.params["front0"] == 50).all()
    del data["war"]
    data["claims"] = []
    nowar = tmp_path / "nowar.yaml"
    nowar.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = runner.invoke(
        app, ["analyze", str(nowar), "--out", str(tmp_path / "r"), "--draws", "200"]
    )
    assert res.exit_code == 0, res.output
    assert "no 'war' section" in res.stderr
    # `guaranty war` of it is one error at the file, without the notes on what the scenario
    # leaves out (before: two notes, then the error)
    res = runner.invoke(app, ["war", str(nowar)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {nowar}: war: the scenario has no 'war' section")
    assert "note:" not in res.stderr


def test_sensitivity_uses_stated_ranges_only_for_the_values_they_were_stated_for() -> None:
    """Ukraine's stated force range (200-400 thousand) is not applied to Korea's own forces;
    a war that gives a start below 0 keeps the inherited floor below it."""
    from guaranty.scenario.schema import Fixed
    from guaranty.war import inherited, sensitivity

    korea = load(KOREA)
    kinds = {r["name"]: r["kind"] for r in sensitivity(korea, draws=200, seed=0)}
    assert "force_a" not in kinds and "front_speed" not in kinds
    assert kinds["discount"] == "stated range"  # left at the model's own default
    params = {k: v for k, v in korea.war.parameters.items() if k != "front_min"}
    params["front0"] = Fixed(value=-10, source="test")
    war = korea.war.model_copy(update={"parameters": params})
    assert inherited(korea.model_copy(update={"war": war}))["front_min"] == -10
