#!/usr/bin/env python3
"""Wall time and peak memory of ``guaranty run`` (run on demand; prints its figures).

    .venv/bin/python benchmarks/bench_run.py [--draws 100000] [--workers 2] [--seed 1]

Runs ``guaranty run scenarios/ukraine-2022.yaml --draws N --seed S --workers K`` as a
subprocess into a fresh store in a temporary folder and checks the goals of the runner
(docs/store.md): 100,000 draws in under 60 s on 2 cores with peak memory under 2 GB, and every
draw in the store afterwards. Exits with code 1 if a goal is missed.

Memory is read from /proc (Linux; no extra dependency): a thread samples the process tree
(the command, its worker processes and their helpers) every 50 ms. Reported are

- the peak of the tree's total RSS over the samples;
- the sum of each process's own high-water mark (``VmHWM``, kept by the kernel, so no peak
  between two samples is missed): the main process's peak plus its workers' peaks, an upper
  bound on the tree's peak since the processes need not peak at the same time. The goal is
  checked against this figure;
- ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest single process's peak RSS.

RSS counts shared pages (the Python interpreter, numpy, ...) once per process, so the sums
overstate the memory the run takes from the machine.

CPU: the user + system time of the command and its workers (``getrusage`` of the reaped
children), and the main process's share (its last ``/proc/PID/stat`` sample, at most 50 ms
short).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"
GOAL_SECONDS = 60.0
GOAL_BYTES = 2_000_000_000  # 2 GB
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:  # gone meanwhile
            continue
        # the command name (field 2) may hold spaces and parentheses: split after the last ')'
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree = _children()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, ()))
    return out


def _cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process so far, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> tuple[int, int] | None:
    """(RSS, high-water mark of RSS) of a process in bytes, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # gone, or a zombie without memory lines
        return None


class TreeSampler(threading.Thread):
    """Samples the memory of a process and its descendants every ``interval`` seconds."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.stopped = threading.Event()
        self.peak_total = 0  # largest total RSS of the tree in one sample
        self.hwm: dict[int, int] = {}  # pid -> last high-water mark seen
        self.cpu: dict[int, float] = {}  # pid -> last CPU seconds seen
        self.samples = 0

    def sample(self) -> None:
        total = 0
        for pid in _descendants(self.root):
            mem = _memory(pid)
            if mem is None:
                continue
            rss, hwm = mem
            total += rss
            self.hwm[pid] = max(hwm, self.hwm.get(pid, 0))
            cpu = _cpu(pid)
            if cpu is not None:
                self.cpu[pid] = cpu
        self.peak_total = max(self.peak_total, total)
        self.samples += 1

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _command(args: argparse.Namespace, store: Path) -> list[str]:
    script = Path(sys.executable).with_name("guaranty")
    prog = [str(script)] if script.exists() else [sys.executable, "-m", "guaranty.cli"]
    cmd = [*prog, "run", str(args.scenario), "--draws", str(args.draws), "--seed", str(args.seed)]
    cmd += ["--workers", str(args.workers), "--store", str(store), "--json"]
    if args.chunk_size:
        cmd += ["--chunk-size", str(args.chunk_size)]
    return cmd


def _stored(store: Path, run_id: str) -> tuple[int, int, str]:
    """(rows in draws, draws in finished blocks, status) of the run."""
    from guaranty.store import Store

    with Store(store, read_only=True) as st:
        (rows,) = st.con.execute("SELECT count(*) FROM draws WHERE run_id = ?", [run_id]).fetchone()
        return rows, sum(st.done_blocks(run_id).values()), st.run_info(run_id)["status"]


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chunk-size", type=int, default=0, help="default: the command's own")
    p.add_argument("--scenario", type=Path, default=SCENARIO)
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_run-"))
    store = tmp / "bench.duckdb"
    cmd = _command(args, store)
    try:
        print("$ " + " ".join(cmd).replace(str(ROOT) + "/", ""))
        print(f"cores: {os.cpu_count()}, store: a fresh file in {tmp}")
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t0
        sampler.stop()
        if proc.returncode != 0:
            print(f"FAIL: the command exited with code {proc.returncode}")
            print(stderr.decode(errors="replace").strip())
            return 1
        data = json.loads(stdout)
        rows, in_blocks, status = _stored(store, data["run_id"])
        hwm_sum = sum(sampler.hwm.values())
        hwm_main = sampler.hwm.get(proc.pid, 0)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_max = usage.ru_maxrss * 1024  # KiB
        cpu_all = usage.ru_utime + usage.ru_stime
        cpu_main = sampler.cpu.get(proc.pid, 0.0)
        size = sum(f.stat().st_size for f in tmp.iterdir())

        print(
            f"run {data['run_id']}: {data['draws']:,} draws, {data['workers']} workers, "
            f"{data['computed']:,} computed"
        )
        print(
            f"wall time:           {wall:6.1f} s  (the runner's own clock: "
            f"{data['seconds']:.1f} s; {data['draws'] / wall:,.0f} draws/s)"
        )
        print(
            f"peak memory:         {_mb(hwm_sum)}  (sum of per-process peaks: main "
            f"{_mb(hwm_main)} + {len(sampler.hwm) - 1} other processes "
            f"{_mb(hwm_sum - hwm_main)})"
        )
        print(
            f"  sampled tree peak: {_mb(sampler.peak_total)}  "
            f"({sampler.samples} samples, every 50 ms)"
        )
        print(f"  getrusage(RUSAGE_CHILDREN) maxrss (largest single process): {_mb(children_max)}")
        print(
            f"CPU:                 {cpu_all:6.1f} s  (the command and its workers, getrusage; "
            f"the main process {cpu_main:.1f} s, the rest {cpu_all - cpu_main:.1f} s; "
            "/proc every 50 ms)"
        )
        print(
            f"store:               {rows:,} rows in draws, {in_blocks:,} draws in finished "
            f"blocks, status {status}; {_mb(size)} on disk"
        )

        goals = [
            (f"wall time < {GOAL_SECONDS:.0f} s", wall < GOAL_SECONDS, f"{wall:.1f} s"),
            (f"peak memory < {_mb(GOAL_BYTES)}", hwm_sum < GOAL_BYTES, _mb(hwm_sum)),
            (
                f"store holds {args.draws:,} draws",
                rows == in_blocks == args.draws and status == "done",
                f"{rows:,}",
            ),
        ]
        print("goals:")
        for label, ok, got in goals:
            print(f"  {'PASS' if ok else 'FAIL'}  {label}: {got}")
        return 0 if all(ok for _, ok, _ in goals) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
