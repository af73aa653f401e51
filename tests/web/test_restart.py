"""A killed server loses no finished run: ``guaranty serve`` in a real process, SIGKILLed after
a run finishes (and again in the middle of a second run), then started again on the same
store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow  # a server killed and restarted mid-run (about 20 s)

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(store: Path, port: int) -> subprocess.Popen:
    code = "from guaranty.cli import main; main()"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "serve",
            "--port",
            str(port),
            "--store",
            str(store),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/scenarios", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            pytest.fail(f"guaranty serve exited: {proc.stderr.read().decode()[-2000:]}")
    _kill(proc)
    pytest.fail("guaranty serve did not answer within 60 s")


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _wait(base: str, run_id: str, until: set[str], timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = httpx.get(f"{base}/api/runs/{run_id}", timeout=10).json()
        if r["status"] in until:
            return r
        time.sleep(0.3)
    pytest.fail(f"run {run_id} did not reach {until} in {timeout} s")


def test_a_killed_server_keeps_finished_runs(tmp_path: Path) -> None:
    store, port = tmp_path / "web.duckdb", _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(store, port)
    try:
        r = httpx.post(
            f"{base}/api/runs",
            json={"scenario": "ukraine-2022", "draws": 2000, "seed": 11},
            timeout=10,
        )
        assert r.status_code == 202, r.text
        done_id = r.json()["run_id"]
        assert _wait(base, done_id, {"done"})["stored"] == 2000
        # a second, longer run, killed with the server once a chunk is stored
        r = httpx.post(
            f"{base}/api/runs",
            json={"scenario": "ukraine-2022", "draws": 40000, "seed": 12},
            timeout=10,
        )
        partial_id = r.json()["run_id"]
        deadline = time.time() + 120
        while httpx.get(f"{base}/api/runs/{partial_id}", timeout=10).json()["done"] < 5000:
            assert time.time() < deadline, "no chunk of the second run finished in 120 s"
            time.sleep(0.2)
    finally:
        _kill(proc)

    proc = _serve(store, port)
    try:
        runs = {r["run_id"]: r for r in httpx.get(f"{base}/api/runs", timeout=10).json()}
        assert runs[done_id]["status"] == "done" and runs[done_id]["stored"] == 2000
        # the interrupted run keeps its finished chunks, and is marked as such
        assert 0 < runs[partial_id]["stored"] < 40000
        assert runs[partial_id]["status"] == "interrupted"
        # its results can be read from the draws kept, and starting it again resumes it
        assert httpx.get(f"{base}/api/runs/{done_id}/claims", timeout=60).status_code == 200
        kept = runs[partial_id]["stored"]
        r = httpx.post(
            f"{base}/api/runs",
            json={"scenario": "ukraine-2022", "draws": 40000, "seed": 12},
            timeout=10,
        )
        assert r.json()["run_id"] == partial_id
        cancel = httpx.post(f"{base}/api/runs/{partial_id}/cancel", timeout=10)
        assert cancel.status_code in (200, 409)
        final = _wait(base, partial_id, {"cancelled", "done"})
        assert final["stored"] >= kept
    finally:
        _kill(proc)
