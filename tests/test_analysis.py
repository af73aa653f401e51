"""The main job's use case (``guaranty.analysis.analyze``) computes the forecasts in a
background thread (or a process of their own) while the chain runs: they must be exactly
those computed alone, and a failure among them must reach the caller that reads them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from guaranty import analysis
from guaranty.errors import ModelError
from guaranty.scenario import load

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("median", "bdm", "smp")


@pytest.fixture(scope="module")
def ukraine() -> Any:
    return load(ROOT / "scenarios" / "ukraine-2022.yaml")


def test_the_background_forecasts_are_those_computed_alone(ukraine: Any) -> None:
    done = analysis.analyze(ukraine, draws=1000, forecast_draws=40, seed=3, models=MODELS)
    alone = analysis._forecasts(ukraine, MODELS, 40, 3)
    assert [f.to_json() for f in done.forecasts] == [f.to_json() for f in alone]
    assert [f.model for f in done.forecasts] == list(MODELS)


def test_a_failure_of_the_background_forecasts_reaches_their_reader(
    ukraine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise ModelError("bdm: a model that cannot run on this scenario")

    monkeypatch.setattr(analysis, "_forecasts", broken)
    done = analysis.analyze(ukraine, draws=1000, forecast_draws=40, seed=3, models=MODELS)
    assert done.claims is not None  # the chain and the ledger are unaffected
    with pytest.raises(ModelError, match="cannot run"):
        _ = done.forecasts


# -- the forecasts in a process of their own (what ``guaranty analyze`` asks for) ----------


def test_the_forecasts_of_their_own_process_are_those_computed_alone(ukraine: Any) -> None:
    done = analysis.analyze(
        ukraine, draws=1000, forecast_draws=40, seed=3, models=MODELS, forecasts_process=True
    )
    alone = analysis._forecasts(ukraine, MODELS, 40, 3)
    assert [f.to_json() for f in done.forecasts] == [f.to_json() for f in alone]
    assert all((a.samples == b.samples).all() for a, b in zip(done.forecasts, alone, strict=True))


def test_an_error_in_the_forecasts_process_reaches_the_reader_with_its_traceback(
    ukraine: Any,
) -> None:
    future = analysis._in_process(analysis._forecasts, ukraine, ("no_such_model",), 40, 3)
    with pytest.raises(ModelError, match="no_such_model") as got:
        future.result(timeout=120)
    assert isinstance(got.value.__cause__, analysis._RemoteTraceback)
    assert "Traceback" in str(got.value.__cause__)


class _Unpicklable(Exception):
    def __init__(self, *, why: str) -> None:  # keyword-only: pickle cannot rebuild it
        super().__init__(why)


def _raise_unpicklable() -> None:
    raise _Unpicklable(why="a custom error")


def test_an_error_that_does_not_pickle_comes_back_named() -> None:
    future = analysis._in_process(_raise_unpicklable)
    with pytest.raises(RuntimeError, match="_Unpicklable: a custom error"):
        future.result(timeout=120)


def test_a_forecasts_process_that_dies_gives_an_error_with_its_exit_code() -> None:
    future = analysis._in_process(os._exit, 3)
    with pytest.raises(RuntimeError, match=r"exit code 3\) without an answer"):
        future.result(timeout=120)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_ctrl_c_ends_analyze_and_its_forecasts_process_at_once(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the command's process group, as a terminal sends it) while the
    forecasts' process runs: exit code 130 within seconds, and no process left behind."""
    import signal
    import subprocess
    import sys
    import time

    scenario = ROOT / "scenarios" / "ukraine-2022.yaml"
    # 5000 forecast draws keep the forecasts' process busy for about 15 s on a 2-core AMD EPYC
    # (the default 500 took under a second there, and the command sometimes finished first)
    cmd = [
        sys.executable,
        "-m",
        "guaranty",
        "analyze",
        str(scenario),
        "--out",
        str(tmp_path),
        "--forecast-draws",
        "5000",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # SIGINT as a terminal's foreground command has it: a test run started in the
        # background of a shell inherits it ignored, and Ctrl-C would then do nothing
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _children(proc.pid), "the forecasts' process never started"
        time.sleep(1.0)  # well inside the forecasts
        os.killpg(proc.pid, signal.SIGINT)
        start = time.monotonic()
        proc.communicate(timeout=30)
        assert proc.returncode == 130
        assert time.monotonic() - start < 10
        with pytest.raises(ProcessLookupError):  # nothing of the process group is left
            for _ in range(50):
                os.killpg(proc.pid, 0)
                time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
