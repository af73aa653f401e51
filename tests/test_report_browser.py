"""The HTML report in a real browser: every section and every plot is there after its
JavaScript ran.

The page is rendered by Debian's headless Chromium (``/usr/bin/chromium``; ``python3 dev.py
test`` installs it when missing and run as root). Without Chromium these tests fail, so a
CI machine cannot pass them by accident; set ``GUARANTY_SKIP_BROWSER=1`` to skip them
instead. The DOM parser (``tests/browser.py``) is tested here on hand-written snippets, with
no browser needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from browser import PROBE_JS, ReportDom, find_chromium, probe_problems, render, report_problems

import guaranty.report as report_module
from guaranty.scenario import load

pytestmark = pytest.mark.slow  # the report rendered in headless Chromium (about 30 s)

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "ukraine-2022.yaml"
# Screenshots for a human to look at; the folder is git-ignored.
OUTPUT = REPO / "test-output"
# Few draws keep the test quick (about 15 s for the report; 2000 draws take over a minute);
# the structure of the report does not depend on the number of draws.
DRAWS = 200


# --- the DOM parser, on hand-written snippets ------------------------------------------------


def _figure(ident: str, *, rendered: bool = True, svg: bool = True) -> str:
    """A plotly figure div as plotly.js leaves it (rendered) or as the page ships it."""
    cls = "plotly-graph-div js-plotly-plot" if rendered else "plotly-graph-div"
    inner = '<div class="svg-container"><svg class="main-svg"><g></g></svg></div>' if svg else ""
    return f'<div><div id="{ident}" class="{cls}" style="height:100%">{inner}</div></div>'


def _page(*sections: str, claims: tuple[str, ...] = ("supported", "depends")) -> str:
    rows = "".join(
        f'<tr class="claim" data-verdict="{v}"><td>c{i}</td><td>{v}</td></tr>'
        for i, v in enumerate(claims)
    )
    return (
        "<!doctype html><html><head><script>var x = '<div class=\"plotly-graph-div\">';"
        "</script></head><body>"
        + "".join(sections)
        + f'<section id="claims" data-plots="0"><table><tr><th>claim</th></tr>{rows}'
        "</table></section><p>end<br>of page</p></body></html>"
    )


GOOD = _page(
    f'<section id="forecasts" data-plots="2"><h2>F</h2>{_figure("f1")}<p>text'
    f"<img src='data:image/png;base64,AAAA'/></p>{_figure('f2')}</section>",
    '<section id="actors" data-plots="0"><table><tr><td>a</td></tr></table></section>',
    f'<section id="war" data-plots="1">{_figure("w1")}</section>',
)
REQUIRED = ("forecasts", "actors", "war", "claims")


def test_parser_reads_sections_plots_and_claims() -> None:
    doc = ReportDom(GOOD)
    assert list(doc.sections) == ["forecasts", "actors", "war", "claims"]
    assert [p.id for p in doc.sections["forecasts"].plots] == ["f1", "f2"]
    assert [p.id for p in doc.sections["war"].plots] == ["w1"]
    assert all(p.rendered for p in doc.plots)
    assert len(doc.plots) == 3  # the markup inside the <script> is not an element
    assert [c.verdict for c in doc.claims] == ["supported", "depends"]
    assert doc.external == []
    assert report_problems(GOOD, REQUIRED, n_claims=2) == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            GOOD.replace(_figure("f2"), ""),
            "section 'forecasts': declares 2 plots, holds 1 plotly divs, 1 rendered",
            id="plot-missing",
        ),
        pytest.param(
            GOOD.replace(_figure("w1"), _figure("w1", rendered=False)),
            "section 'war': declares 1 plots, holds 1 plotly divs, 0 rendered;"
            " not rendered: #1 w1 (no js-plotly-plot class)",
            id="script-did-not-run",
        ),
        pytest.param(
            GOOD.replace(_figure("w1"), _figure("w1", svg=False)),
            "section 'war': declares 1 plots, holds 1 plotly divs, 0 rendered;"
            " not rendered: #1 w1 (no svg.main-svg)",
            id="no-svg",
        ),
        pytest.param(
            GOOD.replace('<section id="actors"', '<section id="actors_"'),
            "missing sections: actors",
            id="section-missing",
        ),
        pytest.param(
            GOOD.replace('data-plots="0"><table><tr><td>a', 'data-plots="?"><table><tr><td>a'),
            "section 'actors': data-plots='?' is not a whole number",
            id="bad-count",
        ),
        pytest.param(
            GOOD.replace("<p>end", _figure("stray") + "<p>end"),
            "plotly figures outside any section: stray",
            id="plot-outside-sections",
        ),
        pytest.param(
            _page(claims=("supported", "not yet checkable")),
            "claim verdicts outside",
            id="unchecked-claim",
        ),
    ],
)
def test_parser_detects_what_breaks_the_contract(html: str, expected: str) -> None:
    problems = report_problems(html, REQUIRED if "forecasts" in html else (), n_claims=2)
    assert any(p.startswith(expected) for p in problems), problems


def test_parser_counts_claim_rows() -> None:
    assert report_problems(GOOD, REQUIRED, n_claims=3) == ["2 claim rows, expected 3"]


def test_parser_finds_resources_from_outside_the_page() -> None:
    doc = ReportDom(
        '<html><head><script src="https://cdn.plot.ly/plotly.min.js"></script>'
        '<link rel="stylesheet" href="style.css"><link rel="icon" href="x.ico"></head>'
        '<body><img src="data:image/png;base64,AA"><a href="https://x.org">x</a></body></html>'
    )
    assert doc.external == ["<script> https://cdn.plot.ly/plotly.min.js", "<link> style.css"]


# --- in Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Path:
    if os.environ.get("GUARANTY_SKIP_BROWSER") == "1":
        pytest.skip("GUARANTY_SKIP_BROWSER=1: the report is not rendered in a browser")
    found = find_chromium()
    if found is None:
        pytest.fail(
            "Chromium is needed to check the HTML report in a browser, and there is none "
            "(/usr/bin/chromium, or chromium on PATH). Install Debian's package with "
            "`apt-get install --no-install-recommends chromium` (`python3 dev.py test` does "
            "that when run as root), or set GUARANTY_SKIP_BROWSER=1 to skip these tests.",
            pytrace=False,
        )
    return found


def _console_errors(console: tuple[str, ...]) -> list[str]:
    return [line for line in console if "Uncaught" in line]


def test_chromium_runs_plotly_in_a_hand_made_page(chromium: Path, tmp_path: Path) -> None:
    """The browser plumbing on a small page with inlined plotly.js: the figures are divs
    without svg before the scripts run, and rendered plots after."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    def fig(title: str) -> str:
        f = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]), layout={"title": title})
        return f.to_html(full_html=False, include_plotlyjs=False)

    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><script>{get_plotlyjs()}</script>"
        f"</head><body><section id='one' data-plots='2'>{fig('a')}{fig('b')}</section>"
        f"<section id='two' data-plots='1'><div>{fig('c')}</div></section></body></html>"
    )
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    before = report_problems(html, ("one", "two"))
    assert len(before) == 2 and all("0 rendered" in p for p in before), before

    shot = tmp_path / "page.png"
    result = render(page, chromium=chromium, screenshot=shot, window_size=(800, 1200))
    assert report_problems(result.dom, ("one", "two")) == []
    assert _console_errors(result.console) == []
    doc = ReportDom(result.dom)
    assert [len(s.plots) for s in doc.sections.values()] == [2, 1]
    assert result.screenshot == shot and shot.stat().st_size > 0


@pytest.fixture(scope="module")
def report(analyzed_ukraine: Any) -> Path:
    # `guaranty analyze <SCENARIO> --out <out> --draws DRAWS (--json)`, run once for these
    # tests and test_cli.py's (tests/conftest.py; --json changes only what is printed)
    result = analyzed_ukraine(DRAWS)
    out = result.out
    args = ["analyze", str(SCENARIO), "--out", str(out), "--draws", str(DRAWS), "--json"]
    assert result.exit_code == 0, f"guaranty {' '.join(args)} failed:\n{result.output}"
    html = out / "report.html"
    assert html.is_file(), f"no report.html in {out}: {sorted(p.name for p in out.iterdir())}"
    return html


def test_report_renders_every_section_and_plot(chromium: Path, report: Path) -> None:
    n_claims = len(load(SCENARIO).claims)
    assert n_claims > 0
    # Everything that is wrong is listed at once, so one run shows the whole picture.
    problems: list[str] = []
    sections = getattr(report_module, "SCENARIO_SECTIONS", None)
    if not sections:
        problems.append("guaranty.report.SCENARIO_SECTIONS is missing or empty")
    external = ReportDom(report.read_text(encoding="utf-8")).external
    if external:
        problems.append(f"the report is not self-contained, it loads {', '.join(external)}")

    shot = OUTPUT / "report-ukraine-2022.png"
    result = render(report, chromium=chromium, screenshot=shot)
    problems += report_problems(result.dom, sections or (), n_claims=n_claims)
    problems += [f"JavaScript error: {line}" for line in _console_errors(result.console)]
    where = f"screenshot: {result.screenshot}" if result.screenshot else "no screenshot written"
    assert problems == [], "\n".join([f"report {report} in Chromium ({where}):", *problems])
    print(where)


def test_report_first_screen_answers_and_plots_are_clean(
    chromium: Path, report: Path, tmp_path: Path
) -> None:
    """At 1280x900 the answer block (question, answer with a number and its interval, the
    designs, a line per claim) is on the first screen; no plot title holds a template
    placeholder; no two tick labels of a plot overlap (measured by ``browser.PROBE_JS``,
    injected into a copy of the report that writes its result into the page)."""
    import html as html_lib
    import json
    import re

    page = report.read_text(encoding="utf-8")
    probe = (
        "<script>window.addEventListener('load', () => setTimeout(() => {"
        "const pre = document.createElement('pre'); pre.id = 'probe';"
        f"pre.textContent = JSON.stringify(({PROBE_JS})()); document.body.appendChild(pre);"
        "}, 2000));</script>"
    )
    copy = tmp_path / "report-probe.html"
    copy.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    result = render(
        copy,
        chromium=chromium,
        screenshot=OUTPUT / "report-first-screen.png",
        window_size=(1280, 900),
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', result.dom, re.S)
    assert found, "the probe did not run"
    measured = json.loads(html_lib.unescape(found.group(1)))
    # the layout is 1280 px wide; the first screen is the page's top 900 px at scroll 0
    # (headless Chromium's window leaves a shorter innerHeight than the window size)
    assert measured["vw"] == 1280
    assert probe_problems(measured) == []
