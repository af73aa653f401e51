"""The web workbench end to end, in a real browser.

Debian's headless Chromium (``/usr/bin/chromium``; ``python3 dev.py test`` installs the
package when it is missing and run as root) is driven by Playwright's Python API; no browser
is ever downloaded (``playwright install`` is never called). Without Chromium the test fails,
so a CI machine cannot pass it by accident; set ``GUARANTY_SKIP_BROWSER=1`` to skip it
instead (the same convention as ``tests/test_report_browser.py``).

The app runs as a real server (uvicorn in a background thread, on a free loopback port) over
a fresh DuckDB store that a ``guaranty run`` has written to first. The flow: that run is in
the browser's run list; open the Ukraine scenario; run it; change the United States' conduct
today on the assumptions page, which saves a new version; run that; the credibility heat map
changes; compare the two runs. Along the way: an upload with a YAML error shows its line
number inline, the YAML download works, and a long run is cancelled from the run list.

Screenshots go to ``test-output/web/`` (git-ignored); the one of the results page is the
README's picture (copy it to ``docs/img/workbench-results.png`` after a change to the pages).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from guaranty.cli import app as cli_app

pytestmark = pytest.mark.slow  # a browser drives the workbench through whole runs (about 100 s)

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "ukraine-2022.yaml"
SCENARIO_ID = "ukraine-2022"
# Screenshots for a human to look at; the folder is git-ignored.
OUTPUT = REPO / "test-output" / "web"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Small runs keep the test quick; the pages do not depend on the number of draws.
DRAWS = 2000
RUN_ID = re.compile(r"^[0-9a-f]{16}$")
RESULTS_URL = re.compile(r"/runs/[0-9a-f]{16}$")
SECTIONS = ("credibility", "comparison", "settlement", "forecasts", "claims")
# the obligations ticked for the United States today in the edited version
TICKED = ("tripwire_forces", "troops_on_call")
TIMEOUT = 120_000  # ms, for a run to finish and its results page to load (on a busy machine)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Path:
    if os.environ.get("GUARANTY_SKIP_BROWSER") == "1":
        pytest.skip("GUARANTY_SKIP_BROWSER=1: the workbench is not tested in a browser")
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is needed to test the web workbench in a browser, and there is none at "
            f"{CHROMIUM}. Install Debian's package with "
            "`apt-get install --no-install-recommends chromium` (`python3 dev.py test` does "
            "that when run as root), or set GUARANTY_SKIP_BROWSER=1 to skip this test. "
            "Playwright's own browser download is never used.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-e2e") / "results.duckdb"


@pytest.fixture(scope="module")
def cli_run(store: Path) -> str:
    """The id of a run written by ``guaranty run`` before the server starts."""
    args = ["run", str(SCENARIO), "--draws", "1000", "--seed", "7", "--workers", "1"]
    got = CliRunner().invoke(cli_app, [*args, "--store", str(store), "--json"])
    assert got.exit_code == 0, got.output
    run_id = re.search(r'"run_id":\s*"([0-9a-f]{16})"', got.output)
    assert run_id, got.output
    return run_id.group(1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(store: Path, cli_run: str) -> Iterator[str]:
    """The workbench over ``store`` as a real HTTP server; yields its base URL."""
    import uvicorn

    from guaranty.web import create_app

    application = create_app(store, scenarios_dir=REPO / "scenarios", workers=1, max_running=1)
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, name="guaranty-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the workbench did not start", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page at 1280 px wide; fails the test on any uncaught script error, and on
    anything the pages' Content-Security-Policy refused (Chromium reports it on the console
    as "Refused to ... because it violates the following Content Security Policy ...")."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    context.set_default_timeout(60_000)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield p
    context.close()
    assert not errors, f"script errors or CSP violations in the pages: {errors}"


def _shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    page.wait_for_load_state("load")
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path


def _rendered_plots(page: Any, section: str) -> int:
    return page.locator(f"#{section} .js-plotly-plot .main-svg").count()


def _heat_map(page: Any, root: str = "#credibility") -> dict[str, Any]:
    """The credibility heat map's data as plotly holds it: designs x guarantors."""
    return page.evaluate(
        """(root) => {
            const d = document.querySelector(root + ' .js-plotly-plot').data[0];
            return {x: Array.from(d.x), y: Array.from(d.y), z: d.z.map(r => Array.from(r))};
        }""",
        root,
    )


def _column(heat: dict[str, Any], name: str) -> list[float | None]:
    k = heat["x"].index(name)
    return [row[k] for row in heat["z"]]


def _run_from_scenario_page(page: Any, sid: str) -> str:
    """Start a run on the scenario page and wait for the results page; returns the run id."""
    form = page.locator("form.start-run")
    form.locator("input[name=draws]").fill(str(DRAWS))
    form.locator("input[name=seed]").fill("0")
    page.click("#start-run")
    page.wait_for_url(RESULTS_URL, timeout=TIMEOUT)
    run_id = page.url.rsplit("/", 1)[1]
    for section in SECTIONS:
        page.wait_for_selector(f"#{section} .js-plotly-plot .main-svg", state="attached")
    return run_id


def _check_results(page: Any) -> None:
    from browser import PROBE_JS, probe_problems

    # the first screen (1280x900) answers: question, answer with a number and its interval,
    # the designs and the claims; no plot title holds a placeholder, no tick labels overlap
    page.evaluate("window.scrollTo(0, 0)")
    problems = probe_problems(page.evaluate(PROBE_JS))
    assert problems == [], problems
    for section in SECTIONS:
        expected = int(page.get_attribute(f"#{section}", "data-plots"))
        assert expected >= 1, section
        assert _rendered_plots(page, section) >= expected, f"#{section}: a plot is not rendered"
    assert page.locator("tr.claim").count() >= 1


# --- the flow ---------------------------------------------------------------------------------


def test_cli_run_is_in_the_run_list(page: Any, cli_run: str) -> None:
    page.goto("/runs")
    row = page.locator(f"#runs tr[data-run='{cli_run}']")
    assert row.count() == 1, f"run {cli_run} from 'guaranty run' is not in the run list"
    assert row.get_attribute("data-status") == "done"
    assert row.locator(f"a[href='/runs/{cli_run}']").count() == 1  # its results open
    _shot(page, "01-runs-cli.png")


def test_edit_run_compare(page: Any) -> None:
    # the scenario list, and the Ukraine scenario's page
    page.goto("/")
    link = page.locator(
        f"#scenarios tr[data-id='{SCENARIO_ID}'] a[href='/scenarios/{SCENARIO_ID}']"
    )
    link.click()
    page.wait_for_url(f"**/scenarios/{SCENARIO_ID}")
    assert page.locator("#actors tr").count() > 10  # 14 actors and the header
    assert page.locator("#issues li").count() >= 1
    page.wait_for_selector("#issues .js-plotly-plot .main-svg", state="attached")
    assert page.locator("#designs tr").count() > 2
    assert page.locator("#claims tr").count() > 2
    _shot(page, "02-scenario.png")

    # run it; the page follows the run and opens its results
    first = _run_from_scenario_page(page, SCENARIO_ID)
    assert RUN_ID.match(first)
    _check_results(page)
    before = _heat_map(page)
    assert "United States" in before["x"], before["x"]
    # the README's picture: the top of the results page (credibility heat map first)
    _shot(page, "03-results.png", full_page=False)
    _shot(page, "03-results-full.png")

    # the United States now keep tripwire forces and troops on call: a new version
    page.goto(f"/scenarios/{SCENARIO_ID}")
    page.click("#edit-assumptions")
    page.wait_for_url(f"**/scenarios/{SCENARIO_ID}/assumptions")
    for obligation in TICKED:
        box = page.locator(f"#conduct input[name='conduct-usa'][value='{obligation}']")
        assert not box.is_checked()
        box.check()
    # and Britain is marked as fighting today (its own box, apart from the obligations)
    fights = page.locator("#conduct input[name='fights-uk']")
    assert not fights.is_checked()
    fights.check()
    _shot(page, "04-assumptions.png")
    # the browser refuses to submit a form with an invalid field (a value off its input's
    # step, say), silently: every field must accept the value the page itself filled in
    invalid = page.eval_on_selector_all(
        "#assumptions-form input:invalid",
        "els => els.map(e => `${e.dataset.path || e.name}=${e.value}: ${e.validationMessage}`)",
    )
    assert not invalid, f"the assumptions form cannot be submitted: {invalid}"
    page.click("#save-version")
    page.wait_for_url(re.compile(r"/scenarios/e-[0-9a-f]{12}$"))
    edited = page.url.rsplit("/", 1)[1]
    assert page.locator(f"a[href='/scenarios/{SCENARIO_ID}']").count() >= 1  # edited from
    yaml_text = page.request.get(f"/api/scenarios/{edited}/yaml").text()
    assert "tripwire_forces" in yaml_text
    edited_yaml = yaml.safe_load(yaml_text)["credibility"]["conduct"]
    assert edited_yaml["uk"]["fights"] is True and not edited_yaml["usa"].get("fights")
    assert "fights" not in edited_yaml["uk"]["today"]

    second = _run_from_scenario_page(page, edited)
    assert second != first
    _check_results(page)
    after = _heat_map(page)
    usa0, usa1 = _column(before, "United States"), _column(after, "United States")
    assert usa0 != usa1, "the heat map's United States column did not change"
    changed = [
        (d, a, b)
        for d, a, b in zip(after["y"], usa0, usa1, strict=True)
        if a is not None and a != b
    ]
    assert changed, (usa0, usa1)
    _shot(page, "05-results-edited.png")

    # compare the two runs from the run list
    page.goto("/runs")
    page.check(f"#runs input[name=a][value='{first}']")
    page.check(f"#runs input[name=b][value='{second}']")
    page.click("#compare-button")
    page.wait_for_url(re.compile(r"/compare\?"))
    assert f"a={first}" in page.url and f"b={second}" in page.url
    assert page.locator("#compare-designs tr[data-design]").count() >= 1
    page.wait_for_selector("#compare-credibility .js-plotly-plot .main-svg", state="attached")
    assert page.locator("#compare-credibility .js-plotly-plot").count() == 2
    a_map = _heat_map(page, "#compare-credibility .side > div:nth-child(1)")
    b_map = _heat_map(page, "#compare-credibility .side > div:nth-child(2)")
    assert a_map["z"] == before["z"] and b_map["z"] == after["z"]
    _shot(page, "06-compare.png")

    # and from the results page of the second run
    page.goto(f"/runs/{second}")
    page.select_option("#compare-with select[name=b]", first)
    page.click("#compare-with button[type=submit]")
    page.wait_for_url(re.compile(r"/compare\?"))
    assert f"a={second}" in page.url and f"b={first}" in page.url
    assert page.locator("#compare-designs tr[data-design]").count() >= 1


def test_upload_error_shows_line_and_yaml_downloads(page: Any) -> None:
    page.goto("/")
    page.set_input_files(
        "#upload-file",
        files=[{"name": "broken.yaml", "mimeType": "text/yaml", "buffer": b"a: b\n  c: d\n"}],
    )
    page.click("#upload-button")
    error = page.locator("#upload-error")
    error.wait_for(state="visible")
    text = error.text_content() or ""
    assert re.search(r"broken\.yaml:2:\d+: malformed YAML", text), text
    assert page.url.endswith("/")  # stayed on the page
    _shot(page, "07-upload-error.png")

    page.goto(f"/scenarios/{SCENARIO_ID}")
    href = page.get_attribute("#download-yaml", "href")
    got = page.request.get(href)
    assert got.status == 200
    assert got.headers["content-type"].startswith("application/yaml")
    assert got.text() == SCENARIO.read_text(encoding="utf-8")


def test_api_page_lists_every_endpoint(page: Any) -> None:
    page.goto("/")
    page.click("header nav a:has-text('API')")
    page.wait_for_url("**/api-docs")
    schema = page.request.get("/openapi.json").json()
    endpoints = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    rows = page.locator("#api tr").all()[1:]
    listed = {
        (r.locator("td").nth(0).inner_text(), r.locator("td").nth(1).inner_text()) for r in rows
    }
    assert listed == endpoints
    _shot(page, "08-api.png")


def test_cancel_a_long_run(page: Any) -> None:
    started = page.request.post(
        "/api/runs", data={"scenario": SCENARIO_ID, "draws": 200_000, "seed": 99}
    )
    assert started.status == 202, started.text()
    run_id = started.json()["run_id"]
    page.goto("/runs")
    row = page.locator(f"#runs tr[data-run='{run_id}']")
    # the list follows the run and reloads itself when it has ended: wait for that reload,
    # so that the screenshot below is not taken in the middle of a navigation
    with page.expect_navigation(timeout=TIMEOUT):
        row.locator("button.cancel").click()
    page.wait_for_selector(f"#runs tr[data-run='{run_id}'][data-status=cancelled]", timeout=TIMEOUT)
    status = page.request.get(f"/api/runs/{run_id}").json()
    assert status["status"] == "cancelled"
    assert status["done"] < 200_000
    _shot(page, "09-runs-cancelled.png")
