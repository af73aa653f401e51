"""A bounded load test on loopback: a real uvicorn server over a store with one finished run
answers 200 concurrent requests for its results (and then 200 mixed API requests) with no
error; the median and 95th-percentile latencies are printed and recorded as properties of
the test (``--junitxml``), and the median must stay under a generous bound."""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from guaranty.runner import run
from guaranty.scenario import load
from guaranty.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "ukraine-2022.yaml"
DRAWS = 2000
CONCURRENT = 200
# Seconds; generous, so that only a real problem fails the test. Measured on a 2-CPU machine
# shared with a browser test: the app as of this writing 5-17 s (it opens the DuckDB store
# and recomputes the run's summary on every request), 1.1-2.1 s with the results' JSON cached
# and the store's connect/close serialized.
MEDIAN_BOUND = 3.0


@dataclass
class Server:
    url: str
    run_id: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web-load")
    store = folder / "store.duckdb"
    summary = run(load(SCENARIO), draws=DRAWS, seed=1, store=store, workers=1)
    app = create_app(store, workers=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", backlog=2048)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", summary.run_id)
    finally:
        uv.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive(), "the server did not stop"


# The client runs in its own process, so that its work does not compete with the server's
# for this process's interpreter lock: the latencies are the server's.
CLIENT = """
import asyncio, json, sys, time
import httpx

async def main(base, paths):
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:
        start = asyncio.Event()

        async def one(path):
            await start.wait()
            t0 = time.perf_counter()
            try:
                r = await client.get(path)
                elapsed = time.perf_counter() - t0
                r.json()
                return [path, r.status_code, elapsed, "" if r.status_code == 200 else r.text[:300]]
            except Exception as exc:
                return [path, 0, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"]

        tasks = [asyncio.create_task(one(p)) for p in paths]
        await asyncio.sleep(0)
        start.set()
        return await asyncio.gather(*tasks)

print(json.dumps(asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))))
"""


def _fire(base: str, paths: list[str]) -> list[tuple[str, int, float, str]]:
    """GET every path at once (from another process); (path, status, seconds, error) each."""
    proc = subprocess.run(
        [sys.executable, "-c", CLIENT, base, json.dumps(paths)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [tuple(x) for x in json.loads(proc.stdout)]


def _report(
    name: str, results: list[tuple[str, int, float, str]], record_property: Any, capsys: Any
) -> float:
    bad = [(p, s, e) for p, s, _, e in results if s != 200]
    times = sorted(t for _, _, t, _ in results)
    median = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    line = (
        f"load {name}: {len(times)} concurrent GETs, {len(times) - len(bad)} answered 200; "
        f"median {1000 * median:.0f} ms, p95 {1000 * p95:.0f} ms, max {1000 * times[-1]:.0f} ms"
    )
    with capsys.disabled():
        print(f"\n{line}")
    record_property(f"{name}_median_ms", round(1000 * median, 1))
    record_property(f"{name}_p95_ms", round(1000 * p95, 1))
    record_property(f"{name}_errors", len(bad))
    assert not bad, f"{len(bad)} of {len(results)} requests failed: {bad[:5]}"
    return median


# SRC BUG (src/guaranty/store.py, Store.__init__/close, used per request by
# src/guaranty/web/app.py, open_store): DuckDB 2.0 fails concurrent connect/close of one file
# from threads of one process now and then ("Unique file handle conflict: Cannot attach ...
# already attached"), so some of these requests get a 503; and each request opens the store
# and recomputes `run.summary()`, so the median is far over the bound.
def test_concurrent_results(server: Server, record_property: Any, capsys: Any) -> None:
    url = f"/api/runs/{server.run_id}/results"
    warm = httpx.get(server.url + url, timeout=120)  # computes and caches the results
    assert warm.status_code == 200, warm.text
    expected = warm.json()
    assert expected["draws"] == DRAWS

    results = _fire(server.url, [url] * CONCURRENT)
    median = _report("results", results, record_property, capsys)
    assert median < MEDIAN_BOUND, f"median latency {median:.2f} s over {MEDIAN_BOUND} s"
    # every answer is the same as the warm one
    again = httpx.get(server.url + url, timeout=60)
    assert again.json() == expected


# SRC BUG: as above (503s from the DuckDB connect/close race; the median over the bound).
def test_concurrent_mixed(server: Server, record_property: Any, capsys: Any) -> None:
    rid = server.run_id
    kinds = [
        f"/api/runs/{rid}/results",
        f"/api/runs/{rid}/claims",
        "/api/runs",
        f"/api/runs/{rid}",
    ]
    warm = httpx.get(f"{server.url}/api/runs/{rid}/claims", timeout=120)
    assert warm.status_code == 200, warm.text
    paths = [kinds[k % len(kinds)] for k in range(CONCURRENT)]
    results = _fire(server.url, paths)
    median = _report("mixed", results, record_property, capsys)
    assert median < MEDIAN_BOUND, f"median latency {median:.2f} s over {MEDIAN_BOUND} s"
