#!/usr/bin/env python3
"""How long a run's results page takes to open in the web workbench, with and without the
background preparation of ``guaranty serve`` (run on demand; prints figures).

    .venv/bin/python benchmarks/bench_web_results.py [--draws 20000] [--waits 0,8]

For each case, a fresh app over a fresh store in a temporary folder (FastAPI's test client,
two worker processes), one run of the Ukraine scenario submitted through the API; printed:
the run's wall time (submit to "done") and the wall time of the first GET of its results
page, made ``wait`` seconds after the run ended. Cases: without preparation (the page is
computed on first view), then with it (``create_app(..., prepare_results=True)``) for each
of ``--waits``. The figures of docs/web.md and docs/performance.md come from here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def case(draws: int, prepare: bool, wait: float) -> tuple[float, float]:
    """(seconds the run took, seconds its results page took) for one fresh app."""
    from fastapi.testclient import TestClient

    from guaranty.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            Path(tmp) / "store.duckdb",
            workers=2,
            max_running=1,
            allowed_hosts=["testserver"],
            prepare_results=prepare,
        )
        with TestClient(app) as client:
            r = client.post("/api/runs", json={"scenario": "ukraine-2022", "draws": draws})
            run_id = r.json()["run_id"]
            start = time.perf_counter()
            while (status := client.get(f"/api/runs/{run_id}").json()["status"]) in (
                "queued",
                "running",
            ):
                time.sleep(0.1)
            ran = time.perf_counter() - start
            # a failed run's page is quick and says nothing of the goal: refuse to time it
            if status != "done":
                raise SystemExit(f"the run ended {status}, not done: nothing to time")
            time.sleep(wait)
            start = time.perf_counter()
            page = client.get(f"/runs/{run_id}")
            assert page.status_code == 200, page.text
            return ran, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=int, default=20_000)
    p.add_argument("--waits", default="0,8", help="comma-separated seconds")
    args = p.parse_args()
    cases = [(False, 0.0)] + [(True, float(w)) for w in args.waits.split(",")]
    print(f"| preparation | opened after the run | run s | first view s |  ({args.draws} draws)")
    print("|---|---|---|---|")
    for prepare, wait in cases:
        ran, view = case(args.draws, prepare, wait)
        print(f"| {'on' if prepare else 'off'} | {wait:g} s | {ran:.1f} | {view:.2f} |")


if __name__ == "__main__":
    main()
