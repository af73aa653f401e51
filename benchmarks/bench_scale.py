#!/usr/bin/env python3
"""Draws per second of ``guaranty run`` on each backend, its peak memory and the store's
bytes per draw, and the wall time of 10^8 draws extrapolated to 64 and 256 cores
(docs/scale.md shows the figures and the arithmetic). Run on demand; prints its figures.

    .venv/bin/python benchmarks/bench_scale.py [--quick] [--workers 2] [--backends local,ray]
        [--sizes 1e5,1e6]

Each run is ``guaranty run scenarios/ukraine-2022.yaml --draws N --seed 1 --workers K
--backend B`` in a subprocess, into a fresh store in a temporary folder: a DuckDB file for
``local`` and a folder store (Parquet, written by the Ray tasks) for ``ray``; N is 10^5 and
10^6 (``--quick``: 2*10^4 and 10^5).

- draws/s: N over the command's wall time (start-up, and Ray's, included);
- peak RSS: the sum over the command's process tree (the command, its pool workers or the
  Ray instance it starts: GCS, raylet, Ray's agents and workers) of each process's own
  high-water mark (``VmHWM``), an upper bound on the tree's peak (the processes need not
  peak together; shared pages count once per process). Goal: below 2 GB for 10^6 draws;
- bytes/draw: the store's size on disk (the file, or every file of the folder) over N.
  Goal: below 0.8 KB (800 bytes);
- CPU per draw: the user + system time of every process of the tree (the last value read
  from ``/proc/PID/stat`` in the 50 ms samples, so a process that ends loses at most its
  last 50 ms), start-ups included, over N.

Then, in this process (one thread): the CPU time of simulating a block (5 blocks after one
to warm up: ``simulate_block``, the per-draw compute of any backend), and the write
throughput of each kind of store on those 5,000 draws (the same blocks written again under
other run ids): the single DuckDB writer's seconds per draw, and the seconds per draw of
writing a Parquet chunk (which each Ray task does for its own chunk). The extrapolation for
10^8 draws on C cores, from these three measured figures:

- DuckDB store (one writer): max(10^8 x cpu / C, 10^8 x write_duckdb);
- folder store (each task writes its chunk): 10^8 x (cpu + write_parquet) / C.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import _cpu, _descendants, _memory

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"
GOAL_RSS = 2_000_000_000
GOAL_BYTES = 800
BIG = 10**8


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size + sum(
            p.stat().st_size for p in path.parent.glob(path.name + ".wal")
        )
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_once(backend: str, draws: int, workers: int, folder: Path) -> dict:
    store = folder / ("s.duckdb" if backend == "local" else "store")
    cmd = [sys.executable, "-m", "guaranty", "run", str(SCENARIO), "--draws", str(draws),
           "--seed", "1", "--workers", str(workers), "--backend", backend,
           "--store", str(store), "--json"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    hwm: dict[int, int] = {}
    seconds: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in _descendants(proc.pid):
                got = _memory(pid)
                if got is not None:
                    hwm[pid] = max(hwm.get(pid, 0), got[1])
                used = _cpu(pid)
                if used is not None:
                    seconds[pid] = max(seconds.get(pid, 0.0), used)
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"{backend} {draws}: exit {proc.returncode}\n{err.decode()[-2000:]}")
    summary = json.loads(out)
    cpu = sum(seconds.values())
    return {
        "backend": backend,
        "draws": draws,
        "wall_s": wall,
        "draws_per_s": draws / wall,
        "peak_rss_bytes": sum(hwm.values()),
        "store_bytes_per_draw": _size(store) / draws,
        "cpu_us_per_draw": cpu / draws * 1e6,
        "computed": summary["computed"],
    }


def write_throughput(folder: Path) -> dict:
    """CPU seconds per draw of simulating, and seconds per draw of writing, 5,000 draws
    (5 blocks) to each kind of store."""
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one thread: CPU time per draw
    sys.path.insert(0, str(ROOT / "src"))
    import duckdb

    from guaranty.montecarlo import layout, simulate_block
    from guaranty.pool import one_blas_thread
    from guaranty.scenario import load
    from guaranty.store import Store, write_chunk

    scenario = load(SCENARIO)
    lay = layout(scenario)
    simulate_block(scenario, 1, 99, lay=lay)  # warm
    one_blas_thread()  # as in a worker of a run
    c0 = time.process_time()
    results = [simulate_block(scenario, 1, b, lay=lay) for b in range(5)]
    n = sum(r.n for r in results)
    cpu = (time.process_time() - c0) / n
    reps = 6
    with Store(folder / "w.duckdb", threads=1) as st:
        st.open_run(scenario, lay, seed=1, draws=n)
        t0 = time.perf_counter()
        for k in range(reps):
            st.write_blocks(f"bench{k:04d}", lay, results)
        st.con.execute("CHECKPOINT")
        duck = (time.perf_counter() - t0) / (reps * n)
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 1")
    t0 = time.perf_counter()
    for k in range(reps):
        write_chunk(con, folder / "w", f"bench{k:04d}", lay, results)
    parquet = (time.perf_counter() - t0) / (reps * n)
    return {"cpu_s_per_draw": cpu, "duckdb_s_per_draw": duck, "parquet_s_per_draw": parquet}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2*10^4 and 10^5 draws")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backends", default="local,ray")
    ap.add_argument("--sizes", default="", help="draws per run, comma-separated (overrides)")
    args = ap.parse_args()
    sizes = (20_000, 100_000) if args.quick else (100_000, 1_000_000)
    if args.sizes:
        sizes = tuple(int(float(x)) for x in args.sizes.split(","))
    rows = []
    for draws in sizes:
        for backend in args.backends.split(","):
            folder = Path(tempfile.mkdtemp(prefix="guaranty-scale-"))
            try:
                row = run_once(backend, draws, args.workers, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            rows.append(row)
            print(
                f"{backend:5s} {draws:>9,} draws: {row['draws_per_s']:7.0f} draws/s "
                f"({row['wall_s']:.1f} s), peak RSS {row['peak_rss_bytes'] / 1e9:.2f} GB "
                f"(sum of VmHWM), store {row['store_bytes_per_draw']:.0f} B/draw, "
                f"CPU {row['cpu_us_per_draw']:.0f} us/draw",
                flush=True,
            )
    folder = Path(tempfile.mkdtemp(prefix="guaranty-write-"))
    try:
        w = write_throughput(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"one thread: simulate {w['cpu_s_per_draw'] * 1e6:.1f} us CPU/draw; write: DuckDB "
        f"(one writer) {w['duckdb_s_per_draw'] * 1e6:.1f} us/draw, Parquet chunk "
        f"{w['parquet_s_per_draw'] * 1e6:.1f} us/draw"
    )
    largest = [r for r in rows if r["draws"] == sizes[-1]]
    cpu = w["cpu_s_per_draw"]
    print(f"10^8 draws, CPU {cpu * 1e6:.0f} us/draw:")
    for cores in (64, 256):
        compute = BIG * cpu / cores
        duck = max(compute, BIG * w["duckdb_s_per_draw"])
        folder_t = BIG * (cpu + w["parquet_s_per_draw"]) / cores
        print(
            f"  {cores:3d} cores: DuckDB store max({BIG:.0e} x {cpu:.2e} / {cores}, "
            f"{BIG:.0e} x {w['duckdb_s_per_draw']:.2e}) = {duck / 60:.1f} min; folder store "
            f"{BIG:.0e} x ({cpu:.2e} + {w['parquet_s_per_draw']:.2e}) / {cores} = "
            f"{folder_t / 60:.1f} min"
        )
    missed = [r for r in largest if r["peak_rss_bytes"] >= GOAL_RSS]
    print(json.dumps({"runs": rows, "write": w}, indent=None))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
