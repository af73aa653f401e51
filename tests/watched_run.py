"""Start ``guaranty run`` in a process group of its own and watch its progress bar.

The store cannot be read while a run holds it (DuckDB allows one writer process and no
readers beside it), so the progress bar on stderr is the signal that a chunk has committed:
the runner reports a chunk only after its transaction. ``TTY_COMPATIBLE=1`` makes rich draw
the bar into the pipe although stderr is not a terminal. Used by the kill-and-resume tests
(tests/test_runner.py, tests/test_faults.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


class WatchedRun:
    """A running ``guaranty run``: its process and what its progress bar has said."""

    def __init__(self, proc: subprocess.Popen[bytes], draws: int) -> None:
        self.proc = proc
        self.seen = bytearray()
        self._counter = re.compile(rb"(\d+)/%d\b" % draws)  # MofNCompleteColumn: "1000/12000"

    def committed(self) -> int:
        """The most draws the progress bar has counted as done so far (0 before any)."""
        done = [int(m.group(1)) for m in self._counter.finditer(bytes(self.seen))]
        return max(done, default=0)

    def tail(self) -> str:
        """The end of what the run wrote to stderr, for an assertion's message."""
        return self.seen.decode(errors="replace")[-2000:]

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read1(65536):  # type: ignore[attr-defined]
            self.seen.extend(chunk)


@contextmanager
def watched_run(args: Sequence[str], draws: int, cwd: Path) -> Iterator[WatchedRun]:
    """``python -m guaranty.cli *args`` (a ``run`` of ``draws`` draws) in its own process
    group, its stderr read by a thread; on leaving, a process still running is killed with
    its group and the reader is joined."""
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TERM": "xterm", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "guaranty.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches the workers
    )
    run = WatchedRun(proc, draws)
    reader = threading.Thread(target=run._read, daemon=True)
    reader.start()
    try:
        yield run
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=10)
