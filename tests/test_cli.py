"""The command line, through typer's CliRunner, with exit codes checked."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guaranty.cli import app
from guaranty.cli.dispatch import SOURCES, group_for

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_forecast_compromise_json_matches_hand_computation(data_dir: Path) -> None:
    path = data_dir / "eu_emissions_1994_actors.csv"
    result = invoke("forecast", path, "--model", "compromise", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "compromise"
    assert [i["id"] for i in data["issues"]] == ["issue"]
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    w = [float(r["Capability"]) * float(r["Salience"]) for r in rows]
    expected = sum(wi * float(r["Position"]) for wi, r in zip(w, rows, strict=True)) / sum(w)
    assert data["issues"][0]["outcome"] == pytest.approx(expected, abs=1e-12)


def test_forecast_with_draws_reports_an_interval(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: t\nactors:\n"
        "  - {id: a, name: A, capability: 1}\n  - {id: b, name: B, capability: 1}\n"
        "issues:\n  - {id: x, label: X, scale: [0, 100]}\n"
        "positions:\n  a: {x: {position: {dist: uniform, low: 0, high: 40}, salience: 1}}\n"
        "  b: {x: {position: 100, salience: 1}}\n"
    )
    result = invoke(
        "forecast", path, "--model", "compromise", "--draws", "500", "--seed", "4", "--json"
    )
    assert result.exit_code == 0, result.output
    issue = json.loads(result.stdout)["issues"][0]
    # nominal: (20 + 100) / 2; draws: (U[0, 40] + 100) / 2 ~ U[50, 70], 90% interval ~ [51, 69]
    assert issue["outcome"] == pytest.approx(60.0)
    assert issue["mean"] == pytest.approx(60.0, abs=0.8)
    assert issue["interval"][0] == pytest.approx(51.0, abs=1.0)
    assert issue["interval"][1] == pytest.approx(69.0, abs=1.0)
    again = invoke(
        "forecast", path, "--model", "compromise", "--draws", "500", "--seed", "4", "--json"
    )
    assert again.stdout == result.stdout


def test_forecast_deu_cases(data_dir: Path) -> None:
    result = invoke("forecast", data_dir / "deu3_dev.tsv", "--model", "median", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["issues"]) == 167
    assert data["issues"][0]["observed"] == 90.0


def test_unknown_model_is_a_usage_error(data_dir: Path) -> None:
    # a bad option value is the command line's fault: exit 64 (EX_USAGE), not 2 (bad input)
    result = invoke("forecast", data_dir / "eu_emissions_1994_actors.csv", "--model", "bdmm")
    assert result.exit_code == 64
    assert "unknown model 'bdmm'" in result.stderr
    assert "Traceback" not in result.output


def test_validate_json(data_dir: Path) -> None:
    result = invoke("validate", data_dir / "deu3_dev.tsv", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == {
        "file": str(data_dir / "deu3_dev.tsv"),
        "valid": True,
        "kind": "cases",
        "name": "deu3_dev",
        "cases": 167,
        "with_outcome": 166,
        "actors": 30,
    }


def test_validate_counts_in_words(data_dir: Path) -> None:
    """The summary line says "1 issue", not "1 issues" (KTAB's SOE-Policy file has one
    issue), and keeps the plural otherwise."""
    said = " ".join(invoke("validate", data_dir / "SOE-Policy.csv").stdout.split())
    assert ", 1 issue," in said and " 1 issues" not in said, said
    said = " ".join(invoke("validate", "ukraine-2022").stdout.split())
    assert "(14 actors, 4 issues, 56 positions, 10 guarantees, 20 claims)" in said, said


def test_show_tables_and_json(root: Path) -> None:
    path = root / "scenarios" / "ukraine-2022.yaml"
    result = invoke("show", path)
    assert result.exit_code == 0, result.output
    for title in ("Actors", "Issues", "Positions", "Guarantee designs", "Claims"):
        assert title in result.stdout
    data = json.loads(invoke("show", path, "--json").stdout)
    assert len(data["actors"]) == 14
    # and the other inputs with their sources, as the report's assumptions list them (the
    # war's forces, the stated rivalry, today's conduct), without the capabilities and the
    # designs' years and rungs that the tables above show
    from guaranty.cli.files import _inputs_table
    from guaranty.report.context import assumption_rows
    from guaranty.scenario import load

    s = load(path)
    table = _inputs_table(s)
    assert table is not None and table.title == "Other inputs and their sources"
    want = [r for r in assumption_rows(s) if r["group"] not in ("capability", "designs")]
    assert table.row_count == len(want) > 20
    rows = list(zip(*(list(c.cells) for c in table.columns[:3]), strict=True))
    assert ("credibility", "the pair: rivalry", "1 (stated; the data: 0)") in rows
    assert ("war", "force_a", "300") in rows
    text = " ".join(result.stdout.split())
    assert "Other inputs and their sources" in text and "Stated, not in the data" in text
    # a file of another tool's format states none of them: no such table
    bdm = load(root / "tests" / "data" / "eu_emissions_1994_actors.csv")
    assert _inputs_table(bdm) is None


@pytest.mark.slow
def test_analyze_writes_report(analyzed_ukraine: Any) -> None:
    # `guaranty analyze scenarios/ukraine-2022.yaml --out <out> --draws 200 --json`, run once
    # for this test and test_report_browser.py (tests/conftest.py)
    result = analyzed_ukraine(200)
    out = result.out
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["report"]) == out / "report.html"
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    assert len(html) > 1_000_000  # plotly's JavaScript is inlined: one self-contained file
    assert "<script src=" not in html  # nothing is fetched, from the internet or beside it
    for model in ("compromise", "median"):
        assert model in md
    assert "Negotiation forecasts" in md and "Claims of the debate" in md
    # credibility: a paragraph per design, and the heat map
    assert "## Credibility of the designs" in md
    assert "- **NATO membership with Article 5.**" in md
    assert "Credibility: P(fights if attacked tomorrow | not fighting today)" in html
    # designs compared side by side: credibility, deterrence, durability
    assert "## Design comparison" in md and "| NATO membership with Article 5 |" in md
    # the claims ledger: formalised claims get a share and a verdict
    assert "| no_fight_tomorrow | Doug Bandow |" in md
    assert "`max_p_honor < 0.1`" in md
    assert not list(out.glob(".*.tmp"))


def test_analyze_bad_scenario_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    out = tmp_path / "rep"
    result = invoke("analyze", bad, "--out", out)
    assert result.exit_code == 2
    assert not out.exists()


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("guaranty ")


def _docs_backtest_table(root: Path) -> dict[str, list[str]]:
    """The rows of the figures table of docs/backtest.md, by the command's JSON key."""
    from guaranty.pipeline import PROPOSAL_MODELS

    text = (root / "docs" / "backtest.md").read_text()
    body = text[text.index("## Figures") :]
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[1].startswith("per "):
            continue
        model = cells[0].split(" (")[0]
        key = f"{model} ({cells[1]})" if model in PROPOSAL_MODELS else model
        rows[key] = cells[2:]
    return rows


@pytest.mark.slow
def test_backtest_json_reports_every_model(data_dir: Path, root: Path) -> None:
    """Every model per issue, exchange/bdm/smp per proposal too; the figures are those of
    docs/backtest.md's table."""
    from guaranty.models import registry

    result = invoke("backtest", data_dir / "deu3_dev.tsv", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 166
    multi = {"exchange", "bdm", "smp", "nash"}
    assert set(data["models"]) == (set(registry.available()) - multi) | {
        f"{m} (per {r})" for m in multi for r in ("proposal", "issue")
    }
    for key, entry in data["models"].items():
        assert entry["run"] == ("per proposal" if "per proposal" in key else "per issue")
        assert key.split(" (")[0] == entry["model"]
    comp = data["models"]["compromise"]
    assert comp["mae"] == pytest.approx(21.82, abs=0.005)  # the data README's figure
    assert comp["mae_ci"][0] < comp["mae"] < comp["mae_ci"][1]
    assert set(comp) == {
        "model",
        "run",
        "mae",
        "mae_ci",
        "median_ae",
        "within10",
        "minus_without_model",
    }
    # each run against the forecasts without a model, proposals resampled: the compromise
    # model minus the midpoint is docs/validation.md's -6.30 (-9.06 to -3.59), minus the
    # unweighted mean -0.80 (-3.15 to +1.49)
    assert data["resampled"] == "proposals"
    minus = comp["minus_without_model"]
    assert minus["midpoint"]["mae"] == pytest.approx(21.82 - 28.12, abs=0.01)
    assert minus["midpoint"]["interval"] == pytest.approx([-9.06, -3.59], abs=0.005)
    assert minus["unweighted mean"]["interval"] == pytest.approx([-3.15, 1.49], abs=0.005)
    for entry in data["models"].values():
        for ref, d in entry["minus_without_model"].items():
            assert d["mae"] == pytest.approx(entry["mae"] - data["without_model"][ref]["mae"])
            assert d["interval"][0] < d["mae"] < d["interval"][1]
    # docs/validation.md's table of them is this command's
    doc = (root / "docs" / "validation.md").read_text()
    doc = doc[doc.index("### Each model against the forecasts without a model") :]
    seen = 0
    for line in doc.split("(exchange per issue")[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[1].startswith("per "):
            continue
        runs = ["per issue", "per proposal"] if " and " in cells[1] else [cells[1]]
        for run in runs:
            key = cells[0] if cells[0] not in multi else f"{cells[0]} ({run})"
            got = data["models"][key]
            assert cells[2] == f"{got['mae']:.2f}", key
            for cell, ref in zip(cells[3:], ("midpoint", "unweighted mean"), strict=True):
                d = got["minus_without_model"][ref]
                lo, hi = d["interval"]
                want = f"{d['mae']:+.2f} ({lo:+.2f} to {hi:+.2f})".replace("-", "−")
                assert cell == want, key
            seen += 1
    assert seen == 10
    # the forecasts without a model, on the same issues (docs/validation.md, "Forecasts
    # without a model": the midpoint 28.12, the unweighted mean of the positions 22.62)
    naive = data["without_model"]
    assert set(naive) == {"midpoint", "unweighted mean"}
    assert naive["midpoint"]["mae"] == pytest.approx(28.12, abs=0.005)
    assert naive["unweighted mean"]["mae"] == pytest.approx(22.62, abs=0.005)
    assert all(v["run"] == "no model" and v["forecast"] for v in naive.values())
    assert comp["mae"] < naive["unweighted mean"]["mae"] < naive["midpoint"]["mae"]
    # the record the reports quote (data/deu_track_record.json) is this backtest's
    from guaranty.validation import track_record

    shipped = track_record()
    assert shipped["n"] == data["n"]
    for part in ("models", "without_model"):
        assert set(shipped[part]) == set(data[part])
        for key, entry in shipped[part].items():
            for field in ("mae", "median_ae", "within10"):
                assert entry[field] == pytest.approx(data[part][key][field], abs=1e-9)
            assert entry["mae_ci"] == pytest.approx(data[part][key]["mae_ci"], abs=1e-9)
    docs = _docs_backtest_table(root)
    assert set(docs) == set(data["models"])
    for key, (mae, ci, median, within) in docs.items():
        got = data["models"][key]
        lo, hi = got["mae_ci"]
        assert [mae, ci, median, within] == [
            f"{got['mae']:.2f}",
            f"{lo:.2f}–{hi:.2f}",
            f"{got['median_ae']:.2f}",
            f"{100 * got['within10']:.1f}%",
        ], key


def test_backtest_model_subset_and_report(data_dir: Path, tmp_path: Path) -> None:
    result = invoke(
        "backtest",
        data_dir / "deu3_dev.tsv",
        "--models",
        "compromise,median",
        "--boot",
        "200",
        "--report",
        tmp_path / "bt",
    )
    assert result.exit_code == 0, result.output
    assert "compromise" in result.stdout and "21.82" in result.stdout
    # below a line, the forecasts without a model to read the models against
    assert "no model" in result.stdout and "28.12" in result.stdout
    assert "forecasts without a model" in result.stdout
    md = (tmp_path / "bt" / "report.md").read_text()
    assert "| compromise | 21.82 |" in md
    assert "Absolute error per issue" in (tmp_path / "bt" / "report.html").read_text()


def test_backtest_per_proposal_option(data_dir: Path) -> None:
    path = data_dir / "deu3_dev.tsv"
    result = invoke(
        "backtest", path, "--models", "compromise,exchange", "--per-proposal", "", "--json"
    )
    assert result.exit_code == 0, result.output
    models = json.loads(result.stdout)["models"]
    assert set(models) == {"compromise", "exchange"}
    assert models["exchange"]["run"] == "per issue"
    assert models["exchange"]["mae"] == models["compromise"]["mae"]
    result = invoke("backtest", path, "--models", "median", "--per-proposal", "nope")
    assert result.exit_code == 64 and "unknown model 'nope'" in result.stderr


def test_inputs_nothing_reads_are_named(root: Path, tmp_path: Path) -> None:
    """The deterrence section's stakes, cost and sigma are accepted so that older files load
    but nothing reads them (docs/scenario-format.md): a file that gives them is told so by
    validate (in its JSON as ``notes``) and credibility; a file that does not, is not.
    Before, they were taken in silence."""
    text = (root / "scenarios" / "korea-1953.yaml").read_text()
    assert "deterrence:\n  years: 10\n" in text
    old = tmp_path / "old.yaml"
    old.write_text(
        text.replace(
            "deterrence:\n  years: 10\n",
            "deterrence:\n  years: 10\n  stakes: {value: 3}\n  sigma: {value: 0.5}\n",
        )
    )
    said = "deterrence.stakes, deterrence.sigma are not used and change nothing"
    for args in (("validate", old), ("credibility", old, "--draws", "100")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert said in " ".join(result.stderr.split()), args
    data = json.loads(invoke("validate", old, "--json").stdout)
    assert len(data["notes"]) == 1 and said in data["notes"][0]
    plain = invoke("validate", root / "scenarios" / "korea-1953.yaml", "--json")
    assert "notes" not in json.loads(plain.stdout)


def test_backtest_says_when_a_models_defaults_were_fitted_on_the_issues(data_dir: Path) -> None:
    """extremity's defaults were fitted on DEU III's development half, so its backtest
    there is in sample (20.64); the output gives its cross-validated MAE beside it (21.10,
    docs/validation.md), as the report's track record does. With parameters given, or for a
    model with defaults not fitted there, nothing is said."""
    path = data_dir / "deu3_dev.tsv"
    args = ("backtest", path, "-m", "extremity,compromise", "--per-proposal", "", "--boot", "100")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "extremity: its default parameters were fitted on the 166 issues" in said
    assert "cross-validated there its MAE is 21.10" in said and "compromise: its" not in said
    models = json.loads(invoke(*args, "--json").stdout)["models"]
    assert models["extremity"]["mae"] == pytest.approx(20.64, abs=0.005)
    assert models["extremity"]["cross_validated_mae"] == pytest.approx(21.10, abs=0.005)
    assert "cross_validated_mae" not in models["compromise"]
    given = invoke(*args, "--param", "extremity.extreme_weight=0.5")
    assert given.exit_code == 0 and "default parameters were fitted" not in given.stdout


def test_backtest_rejects_a_scenario_and_unknown_models(data_dir: Path) -> None:
    result = invoke("backtest", data_dir / "eu_emissions_1994_actors.csv")
    assert result.exit_code == 2 and "needs cases with observed outcomes" in result.stderr
    result = invoke("backtest", data_dir / "deu3_dev.tsv", "--models", "compromise,nope")
    assert result.exit_code == 64 and "unknown model 'nope'" in result.stderr


def test_rounds_only_for_iterative_models(data_dir: Path) -> None:
    result = invoke(
        "forecast", data_dir / "eu_emissions_1994_actors.csv", "--model", "median", "--rounds", "3"
    )
    assert result.exit_code == 64  # options that do not go together: a usage error
    assert "--rounds applies to iterative models" in result.stderr


def test_param_sets_a_models_parameters(data_dir: Path) -> None:
    """``--param NAME=VALUE`` (docs/models/parameters.md): read by the declaration, named in
    the JSON and the table's title; a wrong name or value is a usage error (64) that lists
    the model's parameters. bdm's published round 1 (Scholz et al. 2011, Table 2: median
    8.4) does not depend on the two parameters set here, which only act later."""
    path = data_dir / "eu_emissions_1994_actors.csv"
    args = ("forecast", path, "--model", "bdm", "--rounds", "2")
    result = invoke(*args, "--param", "tol=none", "--param", "capitulation=false", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["params"] == {"tol": None, "capitulation": False, "rounds": 2}
    assert data["issues"][0]["rounds"][0]["median"] == pytest.approx(8.4, abs=0.1)
    table = invoke(*args, "--param", "capitulation=false")
    assert table.exit_code == 0 and "model bdm (capitulation=False, rounds=2)" in table.stdout
    for bad, said in [
        ("capitulation=maybe", "parameter capitulation of bdm must be True or False; got"),
        ("nope=1", "bdm declares no parameter 'nope'; its parameters: rounds, tol, q"),
        ("rounds", "expected NAME=VALUE"),
        ("rounds=3", "the rounds are given twice"),
    ]:
        result = invoke(*args, "--param", bad)
        assert result.exit_code == 64 and said in result.stderr, (bad, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_backtest_param_per_model(data_dir: Path) -> None:
    """``guaranty backtest --param MODEL.NAME=VALUE``: the exchange model per proposal on
    DEU III with the absolute rule on the sum of moves scores docs/models/exchange.md's
    23.08 (23.36 with decide's signed rule, docs/backtest.md); the JSON names the
    parameters. A model not scored, or a text that is not MODEL.NAME=VALUE, is a usage
    error."""
    path = data_dir / "deu3_dev.tsv"
    args = ("backtest", path, "-m", "exchange", "--per-proposal", "exchange", "--boot", "100")
    result = invoke(*args, "--param", "exchange.move_sum=absolute", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["params"] == {"exchange": {"move_sum": "absolute"}}
    assert data["models"]["exchange (per proposal)"]["mae"] == pytest.approx(23.08, abs=0.005)
    signed = json.loads(invoke(*args, "--json").stdout)
    assert "params" not in signed
    assert signed["models"]["exchange (per proposal)"]["mae"] == pytest.approx(23.36, abs=0.005)
    for bad, said in [
        ("bdm.rounds=3", "model 'bdm' is not scored here"),
        ("move_sum=absolute", "expected MODEL.NAME=VALUE"),
        ("exchange.move_sum=both", "parameter move_sum of exchange must be one of"),
    ]:
        result = invoke(*args, "--param", bad)
        assert result.exit_code == 64 and said in result.stderr, (bad, result.stderr)
    # a model of the default --per-proposal list that -m leaves out is not scored either
    # (before, its parameter was accepted and named under the table)
    result = invoke("backtest", path, "-m", "median", "--param", "exchange.rounds=3")
    assert result.exit_code == 64, result.output
    assert "model 'exchange' is not scored here (scored: median)" in result.stderr


def test_a_wrong_settlement_parameter_is_refused_at_its_line(root: Path, tmp_path: Path) -> None:
    """pipeline.params with a value the model refuses: `validate` and `analyze` both exit 2
    with one paragraph naming the file, the line of `params` and the field, and `analyze`
    writes nothing."""
    text = (root / "scenarios" / "korea-1953.yaml").read_text()
    path = tmp_path / "k.yaml"
    path.write_text(text + "\npipeline:\n  model: exchange\n  params:\n    move_sum: both\n")
    line = len(text.splitlines()) + 4
    for args in (("validate", path), ("analyze", path, "--draws", "50", "--out", tmp_path / "out")):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert f"{path}:{line}:3: pipeline.params: parameter move_sum of exchange" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_errors_found_after_loading_name_the_line(root: Path, tmp_path: Path) -> None:
    """Errors a model finds after the scenario loaded are placed like the schema's own: the
    file, the line and column of the field (an actor found by its id in the list), the
    field; a section the file lacks, the file alone."""
    text = (root / "scenarios" / "korea-1953.yaml").read_text()
    no_cow = text.replace("    cow: 2\n    capability: {cow: 1952}\n", "    capability: 0.3\n")
    normal = "      dist: normal\n      mean: {}\n      sd: 5\n"
    crossing = text.replace("    front0:\n      value: 50\n", "    front0:\n" + normal.format(1))
    crossing = crossing.replace(
        "    front_min:\n      value: 0\n", "    front_min:\n" + normal.format(0)
    )
    line = crossing.splitlines().index("    front_min:") + 1
    cases = [
        ("credibility", no_cow, ":47:5: actors.usa.cow: actor 'usa' (a guarantor) needs its COW"),
        ("war", crossing, f":{line}:5: war.parameters.front_min: the line at the start (front0)"),
    ]
    for k, (command, changed, said) in enumerate(cases):
        assert changed != text
        path = tmp_path / f"k{k}.yaml"
        path.write_text(changed)
        result = invoke(command, path)
        assert result.exit_code == 2, result.output
        assert f"error: {path}{said}" in result.stderr, result.stderr
    from guaranty.scenario.yaml_io import locate_field

    missing = locate_field(("k.yaml", "name: x\n"), "no war", ("war",))
    assert (missing.file, missing.line, str(missing)) == ("k.yaml", None, "k.yaml: war: no war")


def test_forecast_bdm_rounds_json(data_dir: Path) -> None:
    path = data_dir / "eu_emissions_1994_actors.csv"
    result = invoke("forecast", path, "--model", "bdm", "--rounds", "3", "--json")
    assert result.exit_code == 0, result.output
    issue = json.loads(result.stdout)["issues"][0]
    rounds = issue["rounds"]
    assert [r["round"] for r in rounds] == [1, 2, 3]
    assert set(rounds[0]) == {"round", "median", "mean", "positions"}
    assert len(rounds[0]["positions"]) == 10
    # Scholz, Calbert & Smith (2011) Table 2, round 1: median 8.4, mean 7.4
    assert rounds[0]["median"] == pytest.approx(8.4, abs=0.1)
    assert rounds[0]["mean"] == pytest.approx(7.4, abs=0.1)
    assert issue["outcome"] == rounds[-1]["median"]


@pytest.mark.slow
def test_ukraine_report_has_bdm_paths(analyzed_ukraine: Any) -> None:
    # `guaranty analyze scenarios/ukraine-2022.yaml --out <out> --draws 100 --json`, run once
    # for this test and test_war_cli.py (tests/conftest.py)
    result = analyzed_ukraine(100)
    out = result.out
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert "bdm: round-by-round path" in html
    md = (out / "report.md").read_text()
    assert "## Round-by-round paths" in md
    assert "- **bdm, Strength of the security guarantee for Ukraine**: median" in md


def test_a_bare_value_error_is_a_bug_with_its_traceback(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only guaranty's own errors (and the disk's) are one paragraph and exit 2: a ValueError
    from elsewhere (numpy, say) is a bug and must not pass for bad input."""

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr("guaranty.cli.quick.load", broken)
    result = invoke("validate", data_dir / "eu_emissions_1994_actors.csv")
    assert result.exit_code == 1
    assert isinstance(result.exception, ValueError)


def test_a_sobol_sample_of_one_is_refused_before_any_work() -> None:
    korea = Path(__file__).resolve().parent.parent / "scenarios" / "korea-1953.yaml"
    result = invoke("claims", korea, "--sobol", "1")
    assert result.exit_code == 64, result.output
    assert result.stderr.startswith("error: --sobol must be a power of 2"), result.stderr


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_one_command_built_alone_prints_and_exits_as_in_the_full_app(name: str) -> None:
    """The script builds only the command it runs (``guaranty.cli.dispatch``): its help, a
    usage error and a missing file print and exit exactly as under the full app."""
    alone = group_for(name)
    for args in ([name, "--help"], [name, "--no-such-option"], [name, "no-such-file.yaml"]):
        full = runner.invoke(app, args)
        one = runner.invoke(alone, args)
        assert (one.exit_code, one.output) == (full.exit_code, full.output), args
        assert one.exit_code in (0, 2, 64), (args, one.output)


def _refused_before_any_draw(path: Path, said: str, store: Path) -> None:
    """`validate`, `credibility` and `run` each refuse ``path`` with ``said`` (exit 2), and
    `run` creates no store."""
    for args in (
        ("validate", path),
        ("credibility", path),
        ("run", path, "--draws", "1000", "--store", store),
    ):
        result = invoke(*args)
        assert result.exit_code == 2 and said in result.stderr, (args, result.stderr)
    assert not store.exists()


def test_a_capability_in_another_unit_is_refused_by_the_credibility_model(
    root: Path, tmp_path: Path
) -> None:
    """The credibility model reads capabilities as CINC shares (0 to 1, the unit of its
    data); a capability above 1 (an influence score) is refused, at its line, by
    `credibility` and by `run` before the store is created; the negotiation models take it."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    path = tmp_path / "u.yaml"
    path.write_text(
        text.replace(
            "    cow: 369\n    capability: {cow: 2021}\n", "    cow: 369\n    capability: 35\n"
        )
    )
    line = text.splitlines().index("  - id: ukraine") + 4
    said = f"{path}:{line}:5: actors.ukraine.capability: actor 'ukraine' (the protected state)"
    _refused_before_any_draw(path, said, tmp_path / "s.duckdb")
    assert invoke("forecast", path, "--model", "compromise").exit_code == 0


def test_two_states_with_one_cow_code_are_refused_by_the_credibility_model(
    root: Path, tmp_path: Path
) -> None:
    """The credibility model finds each state in the data by its COW code, so a guarantor
    that carries another guarantor's, the protected state's or the aggressor's code would
    be one state counted twice (before, a guarantor with the protected state's code ended
    in "the states of a case must differ", without a file or a line). Refused at the cow
    line of the guarantor (the aggressor and the protected state are read first), before a
    run starts; a guarantor listed twice by its id is refused when the file loads
    (tests/scenario/test_bad_values.py)."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    path = tmp_path / "u.yaml"
    path.write_text(
        text.replace("    name: Canada\n    cow: 20\n", "    name: Canada\n    cow: 369\n")
    )
    lines = path.read_text().splitlines()
    line = lines.index("  - id: canada") + 3
    said = (
        f"{path}:{line}:5: actors.canada.cow: actor 'canada' (a guarantor) has the COW code "
        "369 of 'ukraine' (the protected state)"
    )
    _refused_before_any_draw(path, said, tmp_path / "s.duckdb")


NO_WAR_CLAIMS = """
claims:
  - id: p5_below_nato
    who: a test
    paraphrase: The permanent members' guarantee is less credible than NATO membership.
    source: "Invented for the test."
    statement: "p_any.p5_coalition < p_any.nato_membership"
  - id: settlement_above_40
    who: a test
    paraphrase: The settlement gives Ukraine a guarantee above 40.
    source: "Invented for the test."
    statement: "forecast.extremity.guarantee > 40"
"""


def test_without_the_chain_the_claims_and_the_report_say_how_many_draws_they_read(
    root: Path, tmp_path: Path
) -> None:
    """A scenario without a war section runs the separate analyses, not the chain: the
    forecasts on at most 500 draws and the credibility estimate on 2,000, and the claims on
    the draws they share. The claims' title and JSON, and the report's header, said "20,000
    draws" (of the whole chain, in the report) before."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    start, end = text.index("\nwar:\n"), text.index("\ndeterrence:\n")
    text = text[:start] + text[end : text.index("\nclaims:\n")] + NO_WAR_CLAIMS
    path = tmp_path / "no-war.yaml"
    path.write_text(text)
    result = invoke("claims", path, "--sobol", "0", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["draws"] == 500
    result = invoke("claims", path, "--sobol", "0")
    assert "the claims (500 draws, seed 0)" in " ".join(result.stdout.split())
    out = tmp_path / "report"
    result = invoke("analyze", path, "--out", out)
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    assert "whole chain" not in md
    assert (
        "500 draws of each negotiation model's forecast, 2000 of the credibility estimate "
        "(the chain from the war to the peace did not run)"
    ) in md
    # and says which section it lacks (before: "a war, credibility or guarantee section")
    assert "not run: the scenario has no 'war' section." in md
    html = (out / "report.html").read_text()
    assert "not run: the scenario has no &#39;war&#39; section." in html
    assert "credibility or guarantee" not in md + html


def test_a_negotiation_alone_gets_one_note(data_dir: Path, tmp_path: Path) -> None:
    """KTAB's 7-actor file has no war, credibility or guarantees: analyze says so in one note
    (before: four, one per section, the deterrence horizon among them), and its report names
    the three sections as a list (before: "no 'war' or 'credibility' or 'guarantees'
    sections")."""
    out = tmp_path / "report"
    result = invoke("analyze", data_dir / "dummyData_3Dim.csv", "--out", out, "--draws", "100")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "a negotiation alone" in notes[0], result.stderr
    md = (out / "report.md").read_text()
    assert "the scenario has no 'war', 'credibility' or 'guarantees' section." in md


NO_CREDIBILITY_CLAIMS = """
claims:
  - id: frozen_likelier
    who: a test
    paraphrase: A frozen conflict is likelier than a decisive win.
    source: "Invented for the test."
    statement: "war.p_frozen > war.p_decisive"
  - id: russia_wins
    who: a test
    paraphrase: Russia wins the war.
    source: "Invented for the test."
    statement: "war.decisive_b == 1"
"""


def test_without_the_chain_the_claims_on_the_war_read_the_war_alone(
    root: Path, tmp_path: Path
) -> None:
    """A scenario with a war but no credibility section does not run the chain; its claims
    may name the war's outputs (validate accepts them), and `claims` and `analyze` read
    them on the war simulated alone. Before, both stopped with "unknown output 'war'", and
    the war's shares of a decisive win of either side were missing from its outputs."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    start, end = text.index("\ncredibility:\n"), text.index("\nwar:\n")
    text = text[:start] + text[end : text.index("\nclaims:\n")] + NO_CREDIBILITY_CLAIMS
    path = tmp_path / "no-credibility.yaml"
    path.write_text(text)
    assert invoke("validate", path).exit_code == 0
    result = invoke("claims", path, "--sobol", "0", "--json")
    assert result.exit_code == 0, result.output
    shares = {c["id"]: c["share"] for c in json.loads(result.stdout)["claims"]}
    war = json.loads(invoke("war", path, "--json").stdout)
    assert shares["russia_wins"] == pytest.approx(war["outcomes"]["decisive_b"], abs=0.06)
    out = tmp_path / "report"
    result = invoke("analyze", path, "--out", out)
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    assert "500 draws of each negotiation model's forecast, 2000 of the war" in md
    assert "not run: the scenario has no 'credibility' section." in md
    html = (out / "report.html").read_text()
    assert "Not run: the scenario has no &#39;credibility&#39; section." in html
    assert "no war section" not in html  # before: said of a scenario with a war
    # the settled terms come from the chain alone
    bad = tmp_path / "terms.yaml"
    bad.write_text(text.replace('"war.decisive_b == 1"', '"war.terms > 50"'))
    result = invoke("validate", bad)
    assert result.exit_code == 2 and "unknown output 'war.terms'" in result.stderr


def test_a_design_not_in_force_within_the_horizon_is_named(root: Path, tmp_path: Path) -> None:
    """A design that takes effect after the deterrence horizon in every draw changes none of
    the renewed-attack figures; `credibility` says so beside the table (and says nothing for
    the shipped scenario, whose designs all take effect within 10 years)."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    old = "years_to_effect: {value: 1, source:"
    assert text.count(old) == 1
    path = tmp_path / "late.yaml"
    path.write_text(text.replace(old, "years_to_effect: {value: 12, source:"))
    said = "Not in force within the 10-year horizon in any draw: eu_style_clause"
    result = invoke("credibility", path, "--draws", "200")
    assert result.exit_code == 0 and said in " ".join(result.stdout.split()), result.stdout
    result = invoke("credibility", root / "scenarios" / "ukraine-2022.yaml", "--draws", "200")
    assert result.exit_code == 0 and "Not in force" not in result.stdout


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("998", "COW country code 998 is not a state of the COW National Material"),
        ("260", "COW country code 260 names no state of the COW system in 2021 (it has rows"),
    ],
)
def test_a_cow_code_of_no_state_then_is_refused_by_the_credibility_model(
    root: Path, tmp_path: Path, code: str, said: str
) -> None:
    """A guarantor's COW code must name a state of the year the data are read: a code of no
    state (998) or of one gone by then (West Germany's 260 in 2021) was read as a state
    without borders, rivals, pacts or major-power status (before, a Canada given 998 ran
    and came out with P(fight) 0.022 under NATO membership)."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    old = "  - id: germany\n    name: Germany\n    cow: 255\n    capability: {cow: 2021}"
    assert text.count(old) == 1
    path = tmp_path / "u.yaml"
    path.write_text(text.replace(old, old.replace("255", code).replace("{cow: 2021}", "0.02")))
    line = text.splitlines().index("  - id: germany") + 3
    for args in (("validate", path), ("credibility", path, "--draws", "100")):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert f"{path}:{line}:5: actors.germany.cow: actor 'germany' (a guarantor): {said}" in (
            " ".join(result.stderr.split())
        ), result.stderr


def test_an_organization_as_a_guarantor_is_refused_with_its_members(
    root: Path, tmp_path: Path
) -> None:
    """The credibility model estimates states' decisions to fight; an organization (the EU)
    named as a design's guarantor has no COW code, and the error names its member states to
    list instead. `validate` refuses it as every credibility run would (before, `validate`
    said ok and the run then stopped)."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    old = "guarantors: [usa, uk, france, turkey, poland]"
    assert text.count(old) == 1
    path = tmp_path / "u.yaml"
    path.write_text(text.replace(old, old.replace("poland]", "poland, eu]")))
    line = text.splitlines().index("  - id: eu") + 1
    said = (
        f"{path}:{line}:5: actors.eu.cow: actor 'eu' (a guarantor) is an organization: the "
        "credibility model estimates each state's decision to fight from the record of "
        "states, so name its member states (france, germany, italy, poland) in its place"
    )
    for args in (("validate", path), ("credibility", path, "--draws", "100")):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert said in " ".join(result.stderr.split()), result.stderr


def test_the_html_report_shows_a_scenarios_text_as_text(root: Path, tmp_path: Path) -> None:
    """A scenario's names, labels and claims are text: in the HTML report (and its answer)
    they are escaped, so markup in a shared file is shown, not run; the Markdown report keeps
    them as written. Before, the HTML templates (named *.html.j2) were not autoescaped and a
    name holding a script tag put a live script into the report."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    for old, new in (
        ("name: Ukraine 2022 - security", 'name: "Ukraine <script>alert(1)</script> - security'),
        ("- security guarantees and a negotiated settlement\n", '- settlement"\n'),
        (
            "    label: NATO membership with Article 5\n",
            '    label: "NATO <b>membership</b> | A5"\n',
        ),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "marked.yaml"
    path.write_text(text)
    out = tmp_path / "report"
    result = invoke("analyze", path, "--out", out, "--draws", "400")
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page and "<b>membership</b>" not in page
    assert "<title>Ukraine &lt;script&gt;alert(1)&lt;/script&gt; - settlement" in page
    answer = page[page.index('id="answer"') :]
    assert answer.count("NATO &lt;b&gt;membership&lt;/b&gt; | A5") >= 1
    md = (out / "report.md").read_text()
    assert md.startswith("# Ukraine <script>alert(1)</script> - settlement\n")
    # a pipe in a label is escaped, so that the tables keep their columns (before: the
    # label's pipe split its cell in two)
    rows = [r for r in md.splitlines() if r.startswith("| NATO <b>membership</b> \\| A5 |")]
    assert len(rows) == 3  # the answer's table, the design comparison, the designs
    # every table of the Markdown report: a blank line before its header (the answer's
    # table followed its paragraph directly: the template's `{% endif %}` ate the blank
    # line, and a renderer that needs one showed the table as text), and as many cells in
    # each row as in its header
    lines = md.splitlines()
    tables = [k for k, row in enumerate(lines) if row.startswith("|---")]
    assert len(tables) >= 8
    for k in tables:
        assert lines[k - 2] == "", lines[k - 2]
        for row in itertools.takewhile(lambda r: r.startswith("|"), lines[k + 1 :]):
            assert row.replace("\\|", "").count("|") == lines[k].count("|"), row
    # and the paragraphs and lists that follow a template's conditional text start on a
    # line of their own after a blank one (before: glued to the paragraph above)
    for k, row in enumerate(lines):
        if row.startswith(("**Claims:**", "Settled terms", "- **")):
            assert lines[k - 1] == "" or lines[k - 1].startswith("- "), (lines[k - 1], row)


def test_a_scenarios_text_is_printed_as_it_is(root: Path, tmp_path: Path) -> None:
    """The terminal's output shows a scenario's text as written: square brackets in a name
    or a label are not rich markup. Before, a name holding "[/2022]" stopped `validate`,
    `show`, `credibility` and `forecast` with a traceback (rich's MarkupError), and "[red]"
    coloured the rest of the line and vanished from it."""
    text = (root / "scenarios" / "ukraine-2022.yaml").read_text()
    old = "name: Ukraine 2022 - security guarantees and a negotiated settlement\n"
    assert text.count(old) == 1
    name = "Ukraine [/2022] [red]security[bold] guarantees"
    path = tmp_path / "brackets.yaml"
    path.write_text(
        text.replace(old, f'name: "{name}"\n').replace(
            "    label: NATO membership with Article 5\n", '    label: "NATO [/b] membership"\n'
        )
    )
    for args in (
        ("validate", path),
        ("show", path),
        ("credibility", path, "--draws", "100"),
        ("forecast", path, "--model", "compromise"),
        ("war", path, "--draws", "100"),
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "Traceback" not in result.output
        assert name in result.stdout, (args, result.stdout)
    assert "NATO [/b] membership" in invoke("show", path).stdout
