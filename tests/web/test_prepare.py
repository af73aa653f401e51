"""A finished run's results page is computed in the background (``guaranty serve``'s
``prepare_results``): its first view then finds the analysis, the forecasts and the figures
ready, and they are the ones a view would have computed itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from guaranty.web.app import create_app

#: the Host that FastAPI's test client sends
TEST_HOSTS = ["testserver"]

pytestmark = pytest.mark.slow  # a run of 1000 draws and its results (about 20 s on 2 cores)


def _ready(wb, run_id: str, timeout: float = 180.0) -> dict:
    """The cached results of ``run_id`` once their figures are there (none asked for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for key in wb.cache.keys():  # ("results", run id, draws stored), among others
            if key[:2] == ("results", run_id):
                got = wb.cache.get(key)
                if got is not None and "figs" in got:
                    return got
        time.sleep(0.2)
    raise AssertionError(f"the results of {run_id} were not prepared in {timeout} s")


def test_a_finished_run_is_prepared_before_it_is_viewed(store_path: Path) -> None:
    app = create_app(
        store_path, workers=1, max_running=1, allowed_hosts=TEST_HOSTS, prepare_results=True
    )
    wb = app.state.workbench
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/runs", json={"scenario": "ukraine-2022", "draws": 1000, "seed": 2})
        assert r.status_code == 202, r.text
        run_id = r.json()["run_id"]
        got = _ready(wb, run_id)  # no request for the page or the results has been made
        # the forecasts were computed while the chain ran, once, and are the run's own
        from guaranty.analysis import FORECAST_DRAWS, run_forecasts

        keys = [k for k in wb.cache.keys() if k[:2] == ("forecasts", run_id)]
        assert keys == [("forecasts", run_id, FORECAST_DRAWS, 2)]
        want = run_forecasts(got["scenario"], 1000, 2)
        for a, b in zip(got["forecasts"](), want, strict=True):
            assert a.model == b.model
            assert [i.outcome for i in a.issues] == [i.outcome for i in b.issues]
            assert [i.interval for i in a.issues] == [i.interval for i in b.issues]
        figs = got["figs"]
        assert set(figs) == {"credibility", "comparison", "settlement", "forecasts", "claims"}
        page = client.get(f"/runs/{run_id}")
        assert page.status_code == 200
        # the page shows the prepared figures, not new ones
        assert got["figs"] is figs
        assert all(f in page.text for section in figs.values() for f in section)


def test_without_prepare_nothing_is_computed_until_asked(store_path: Path) -> None:
    app = create_app(store_path, workers=1, max_running=1, allowed_hosts=TEST_HOSTS)
    wb = app.state.workbench
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/runs", json={"scenario": "ukraine-2022", "draws": 1000, "seed": 2})
        run_id = r.json()["run_id"]
        deadline = time.monotonic() + 180
        while client.get(f"/api/runs/{run_id}").json()["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1.0)
        assert not any(key[:2] == ("results", run_id) for key in wb.cache.keys())
