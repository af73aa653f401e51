"""A bounded load test on loopback: a real uvicorn server over a store with one finished run
answers 500 concurrent requests for its results, 500 for its results page and 500 mixed API
requests with no error; the median, 95th- and 99th-percentile latencies are printed and
recorded as properties of the test (``--junitxml``), and the 99th percentile must stay under
the bound of issue 14 (5 s on 2 cores)."""

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

# 500 concurrent requests, three times (about 35 s); latency bounds: alone on the machine
pytestmark = [pytest.mark.slow, pytest.mark.serial]

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "ukraine-2022.yaml"
DRAWS = 2000
CONCURRENT = 500
# Seconds, issue 14: "500 concurrent GETs of a results page finish with p99 under 5 s on 2
# cores". Measured on a 2-CPU machine: 0.6-0.7 s for each of the three tests (the results
# page built once and kept; before, it rebuilt its figures on every request and 500 requests
# took minutes).
P99_BOUND = 5.0


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
# for this process's interpreter lock, and speaks HTTP/1.1 over asyncio streams itself (one
# connection per request, "Connection: close"): measured on a 2-CPU machine, httpx's
# AsyncClient with 500 connections took a median 6.5 s against a FastAPI endpoint that
# returns a constant, so it timed itself, not the server; this client takes 0.3 s there.
CLIENT = """
import asyncio, json, sys, time
from urllib.parse import urlsplit

async def main(base, paths):
    u = urlsplit(base)
    start = asyncio.Event()

    async def one(path):
        await start.wait()
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(u.hostname, u.port)
            head = f"GET {path} HTTP/1.1\\r\\nHost: {u.netloc}\\r\\nConnection: close\\r\\n"
            writer.write((head + "\\r\\n").encode())
            await writer.drain()
            data = await reader.read()
            elapsed = time.perf_counter() - t0
            writer.close()
            head, _, body = data.partition(b"\\r\\n\\r\\n")
            status = int(head.split(b" ", 2)[1])
            text = "" if status == 200 else body[:300].decode("utf-8", "replace")
            return [path, status, elapsed, text]
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
    p99 = times[int(0.99 * (len(times) - 1))]
    line = (
        f"load {name}: {len(times)} concurrent GETs, {len(times) - len(bad)} answered 200; "
        f"median {1000 * median:.0f} ms, p95 {1000 * p95:.0f} ms, p99 {1000 * p99:.0f} ms, "
        f"max {1000 * times[-1]:.0f} ms"
    )
    with capsys.disabled():
        print(f"\n{line}")
    record_property(f"{name}_median_ms", round(1000 * median, 1))
    record_property(f"{name}_p95_ms", round(1000 * p95, 1))
    record_property(f"{name}_p99_ms", round(1000 * p99, 1))
    record_property(f"{name}_errors", len(bad))
    assert not bad, f"{len(bad)} of {len(results)} requests failed: {bad[:5]}"
    return p99


def test_concurrent_results(server: Server, record_property: Any, capsys: Any) -> None:
    url = f"/api/runs/{server.run_id}/results"
    warm = httpx.get(server.url + url, timeout=120)  # computes and caches the results
    assert warm.status_code == 200, warm.text
    expected = warm.json()
    assert expected["draws"] == DRAWS

    results = _fire(server.url, [url] * CONCURRENT)
    p99 = _report("results", results, record_property, capsys)
    assert p99 < P99_BOUND, f"p99 latency {p99:.2f} s over {P99_BOUND} s"
    # every answer is the same as the warm one
    again = httpx.get(server.url + url, timeout=60)
    assert again.json() == expected


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
    p99 = _report("mixed", results, record_property, capsys)
    assert p99 < P99_BOUND, f"p99 latency {p99:.2f} s over {P99_BOUND} s"


def test_concurrent_results_page(server: Server, record_property: Any, capsys: Any) -> None:
    url = f"/runs/{server.run_id}"
    warm = httpx.get(server.url + url, timeout=120)  # builds and keeps the page
    assert warm.status_code == 200, warm.text
    assert "Plotly.newPlot" in warm.text and server.run_id in warm.text
    results = _fire(server.url, [url] * CONCURRENT)
    p99 = _report("results page", results, record_property, capsys)
    assert p99 < P99_BOUND, f"p99 latency {p99:.2f} s over {P99_BOUND} s"
