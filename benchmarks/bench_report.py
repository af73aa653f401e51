#!/usr/bin/env python3
"""Peak memory and wall time of ``guaranty report`` on a 1,000,000-draw store (run on
demand; prints its figures).

    .venv/bin/python benchmarks/bench_report.py [--draws 1000000] [--store PATH]
                                                [--workers 2] [--seed 1] [--limit-gb 1.5]

The store is built once and reused: the benchmark looks in ``--store`` (default
``$TMPDIR/guaranty-bench/report-1m.duckdb``) for a run of the scenario with at least
``--draws`` draws stored, whatever version of guaranty wrote it (a run's key holds a digest
of the code, so running ``guaranty run`` again after a change would start a new run beside
it: the benchmark does not). Without one it builds it with ``guaranty run ... --workers K``
(about 4,000 draws/s on 2 idle cores, so some 5 minutes for a million draws; half an hour
on a busy machine; 2.4 GB on disk).

Then ``guaranty report RUN --store S --out TMP --draws N --json`` runs as a subprocess. Its
peak resident memory is the kernel's: ``ru_maxrss`` of that process from ``wait4`` (no peak
between two samples is missed); a thread also samples its RSS every 50 ms (the sampled peak
is printed beside it). Goal (issue 17): the peak stays below ``--limit-gb`` (1.5 GB), which
the report keeps by aggregating in SQL (DuckDB itself is held to 600 MB) and reading the
draws a block of 25,000 at a time for the claims ledger. Exit code 1 if the goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"
STORE = Path(tempfile.gettempdir()) / "guaranty-bench" / "report-1m.duckdb"


def _prog() -> list[str]:
    script = Path(sys.executable).with_name("guaranty")
    return [str(script)] if script.exists() else [sys.executable, "-m", "guaranty"]


def _find_run(store: Path, scenario_name: str, draws: int) -> tuple[str, int] | None:
    """(run id, draws stored) of the newest run of the scenario with at least ``draws``."""
    if not store.exists():
        return None
    from guaranty.store import Store

    with Store(store, read_only=True, create=False) as st:
        for r in st.runs():
            if r["scenario"] == scenario_name and int(r["stored"]) >= draws:
                return r["run_id"], int(r["stored"])
    return None


def _build(args: argparse.Namespace) -> None:
    args.store.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*_prog(), "run", str(args.scenario), "--draws", str(args.draws), "--seed"]
    cmd += [str(args.seed), "--workers", str(args.workers), "--store", str(args.store), "--json"]
    print("building the store: $ " + " ".join(cmd).replace(str(ROOT) + "/", ""), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FAIL: guaranty run exited with code {proc.returncode}: {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    print(f"  {data['draws']:,} draws in {time.perf_counter() - t0:,.0f} s", flush=True)


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """The largest RSS of process ``pid`` over samples every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, _rss(self.pid))
            self.stopped.wait(self.interval)


def _report(args: argparse.Namespace, run_id: str) -> tuple[float, int, int, dict, str]:
    """Run ``guaranty report``: (wall seconds, ru_maxrss in bytes, sampled peak, its JSON,
    stderr)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_report-"))
    try:
        cmd = [*_prog(), "report", run_id, "--store", str(args.store), "--out", str(tmp / "r")]
        cmd += ["--draws", str(args.draws), "--json"]
        print("$ " + " ".join(cmd).replace(str(ROOT) + "/", ""), flush=True)
        with open(tmp / "out", "w+") as out, open(tmp / "err", "w+") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err)
            sampler = Sampler(proc.pid)
            sampler.start()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            sampler.stopped.set()
            sampler.join()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if proc.returncode != 0:
            sys.exit(f"FAIL: guaranty report exited with code {proc.returncode}: {stderr[-2000:]}")
        size = sum(p.stat().st_size for p in (tmp / "r").iterdir())
        print(f"  report: {size / 1e6:.1f} MB in {tmp / 'r'} (removed afterwards)")
        return wall, usage.ru_maxrss * 1024, sampler.peak, json.loads(stdout), stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=int, default=1_000_000)
    p.add_argument("--store", type=Path, default=STORE)
    p.add_argument("--workers", type=int, default=2, help="workers of the build, if needed")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", type=Path, default=SCENARIO)
    p.add_argument("--limit-gb", type=float, default=1.5)
    args = p.parse_args()

    from guaranty.scenario import load

    name = load(args.scenario).name
    found = _find_run(args.store, name, args.draws)
    if found is None:
        _build(args)
        found = _find_run(args.store, name, args.draws)
        if found is None:
            print(f"FAIL: no run with {args.draws:,} draws in {args.store} after building it")
            return 1
    run_id, stored = found
    size = args.store.stat().st_size
    print(f"store {args.store}: run {run_id}, {stored:,} draws stored, {size / 1e9:.2f} GB")
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    wall, peak, sampled, data, _ = _report(args, run_id)
    print(f"draws reported:      {data['draws']:,}")
    print(f"wall time:           {wall:,.1f} s  ({data['draws'] / wall:,.0f} draws/s)")
    print(f"peak memory (RSS):   {peak / 1e6:,.0f} MB  (ru_maxrss of the report's process)")
    print(f"  sampled peak:      {sampled / 1e6:,.0f} MB  (every 50 ms)")
    limit = args.limit_gb * 1e9
    ok = peak < limit and data["draws"] == args.draws
    print(f"{'PASS' if ok else 'FAIL'}: peak {peak / 1e9:.2f} GB, goal < {args.limit_gb} GB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
