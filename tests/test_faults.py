"""Faults: a full disk, a read-only folder, a damaged store, a report that cannot be written,
a run killed with SIGKILL (``docs/store.md``, "When things go wrong").

Each failure must end as one paragraph on stderr with exit code 2 and no traceback, keep what
was committed, and leave no half-written report and no stray process behind.

A full disk is a small tmpfs where this process may mount one (root with CAP_SYS_ADMIN); a
file size limit (``RLIMIT_FSIZE``, which makes writes fail with EFBIG) stands in for it
everywhere. A read-only folder is a read-only tmpfs for root (root ignores permission bits)
and a folder with mode 555 for anybody else.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from watched_run import watched_run

from guaranty import runner
from guaranty.cli import app
from guaranty.errors import OutputError
from guaranty.montecarlo import BLOCK
from guaranty.pipeline import forecast
from guaranty.report import REPORT_FILES, write_report
from guaranty.scenario import Scenario, load
from guaranty.store import Store, code_digest, run_key

pytestmark = pytest.mark.slow  # full disks, read-only folders, killed runs (about 30 s)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ukraine-2022.yaml"
DRAWS = 3000  # three blocks: the full disk stops the run after the first one or two

cli = CliRunner()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _mount(path: Path, options: str) -> bool:
    """Mount a tmpfs at ``path`` (made if missing); False where this process may not."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _can_mount(tmp_path: Path) -> bool:
    probe = tmp_path / "mount-probe"
    if _mount(probe, "size=1m"):
        _umount(probe)
        return True
    return False


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)
    if os.path.ismount(path):  # pragma: no cover - something still holds a file open
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Any]:
    """``tmpfs(name, options)``: a tmpfs mounted under tmp_path (skips where impossible),
    unmounted afterwards."""
    mounted: list[Path] = []

    def make(name: str, options: str) -> Path:
        path = tmp_path / name
        if not _mount(path, options):
            pytest.skip(
                f"cannot mount a tmpfs here (euid {os.geteuid()}; mount -t tmpfs refused): "
                "no real full or read-only disk to test on"
            )
        mounted.append(path)
        return path

    yield make
    for path in reversed(mounted):
        _umount(path)


@pytest.fixture
def read_only_dir(tmpfs: Any, tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write to: a read-only tmpfs for root, mode 555 for others."""
    if os.geteuid() == 0:
        yield tmpfs("read-only", "ro,size=1m")
        return
    path = tmp_path / "read-only"
    path.mkdir()
    path.chmod(0o555)
    yield path
    path.chmod(0o755)


def assert_one_paragraph(stderr: str, exit_code: int) -> str:
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr
    message = stderr.strip()
    assert message.startswith("error: "), message
    assert "\n\n" not in message, message
    return message


def stored_blocks(path: Path, run_id: str) -> dict[int, int]:
    with Store(path, read_only=True) as st:
        return st.done_blocks(run_id)


def run_args(store: Path, *extra: str, workers: int = 2, draws: int = DRAWS) -> list[str]:
    return [
        "run",
        str(SCENARIO),
        "--draws",
        str(draws),
        "--seed",
        "1",
        "--workers",
        str(workers),
        "--chunk-size",
        str(BLOCK),
        "--store",
        str(store),
        *extra,
    ]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    s = load(SCENARIO)
    assert isinstance(s, Scenario)
    return s


@pytest.fixture(scope="module")
def reference(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The digest of an uninterrupted run of DRAWS draws, seed 1."""
    path = tmp_path_factory.mktemp("reference") / "ref.duckdb"
    s = runner.run(scenario, draws=DRAWS, seed=1, store=path, workers=1, chunk_size=DRAWS)
    with Store(path, read_only=True) as st:
        return st.digest(s.run_id)


@pytest.fixture
def no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Computing anything fails the test: an error must come before the work."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed although the target cannot be written")

    monkeypatch.setattr("guaranty.montecarlo.simulate_block", refuse)
    monkeypatch.setattr("guaranty.analysis.analyze", refuse)  # the main job's use case


# --------------------------------------------------------------------------------------------
# (a) A full disk during `guaranty run`
# --------------------------------------------------------------------------------------------


def _limit_file_size(limit: int) -> None:  # pragma: no cover - runs in the child
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("disk", ["tmpfs", "file-size-limit"])
def test_a_full_disk_stops_the_run_keeps_its_blocks_and_it_resumes_elsewhere(
    disk: str, tmpfs: Any, tmp_path: Path, reference: str, scenario: Scenario
) -> None:
    if disk == "tmpfs":
        # 3 MB: the first block of the Ukraine run fits (its write-ahead log takes about
        # 1.9 MB per block in the lean store of schema 3), the second or third does not
        folder, limit = tmpfs("full", "size=3m"), None
    else:
        # the stand-in, for where no tmpfs can be mounted (or GUARANTY_TEST_ALL_DISKS=1):
        # both take about 20 s, and a real full disk is the better test
        if _can_mount(tmp_path) and not os.environ.get("GUARANTY_TEST_ALL_DISKS"):
            pytest.skip("a real full disk (tmpfs) is tested here instead")
        folder, limit = tmp_path / "limited", 2_500_000  # as the tmpfs: one block fits
        folder.mkdir()
    store = folder / "s.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "guaranty.cli", *run_args(store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=None if limit is None else (lambda: _limit_file_size(limit)),
    )
    message = assert_one_paragraph(done.stderr, done.returncode)
    assert "disk is full" in message, message
    assert "--store" in message and "resumes" in message, message
    said = re.search(r"the (\d+) blocks? \(([\d,]+) draws\) already committed", message)
    assert said, message
    kept = int(said.group(1))
    assert 0 < kept < DRAWS // BLOCK, message  # it did stop part way
    # the store, copied to a disk with room (with its write-ahead log), holds those blocks
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for path in folder.iterdir():
        if path.name.startswith("s.duckdb"):
            shutil.copy2(path, elsewhere / path.name)
    named = re.search(r"Run ([0-9a-f]{16}):", message)
    assert named, message
    run_id = named.group(1)
    held = stored_blocks(elsewhere / "s.duckdb", run_id)
    # whole blocks, as many as it said (chunks finish in any order: not always block 0)
    assert len(held) == kept and set(held.values()) == {BLOCK}, held
    assert set(held) <= set(range(DRAWS // BLOCK)), held
    # ... and the same command there computes only the rest, ending with the rows of an
    # uninterrupted run. (The run id holds a digest of the code, which this process
    # computed once: computed again, it sees what the command above saw, even should a
    # source file have been saved since.)
    code_digest.cache_clear()
    assert run_key(scenario, 1) == run_id, "guaranty's code changed while the test ran"
    again = cli.invoke(app, run_args(elsewhere / "s.duckdb", "--json", workers=1))
    assert again.exit_code == 0, again.output
    resumed = json.loads(again.stdout)
    assert resumed["run_id"] == run_id
    assert resumed["computed"] == DRAWS - kept * BLOCK
    with Store(elsewhere / "s.duckdb", read_only=True) as st:
        assert st.digest(run_id) == reference
        assert st.run_info(run_id)["status"] == "done"


def test_the_kinds_of_disk_failure() -> None:
    import errno

    from guaranty.errors import disk_problem

    for code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        assert disk_problem(OSError(code, os.strerror(code))) == "full"
    for code in (errno.EROFS, errno.EACCES, errno.EPERM):
        assert disk_problem(OSError(code, os.strerror(code))) == "read-only"
    # DuckDB's messages carry no errno: the words decide
    said = {
        'Could not write file "s.duckdb": File too large': "full",
        'Could not write file "s.duckdb.wal": No space left on device': "full",
        'Cannot open file "s.duckdb": Read-only file system': "read-only",
        'Could not read enough bytes from file "s.duckdb": attempted to read 262144': "damaged",
        'The file "x" exists, but it is not a valid DuckDB database file!': "damaged",
        "Corrupt database file: computed checksum 1 does not match stored checksum 2": "damaged",
        "Conflicting lock is held": "other",
    }
    for text, kind in said.items():
        assert disk_problem(RuntimeError(text)) == kind, text


# --------------------------------------------------------------------------------------------
# (b) A read-only folder
# --------------------------------------------------------------------------------------------


def test_a_store_in_a_read_only_folder_fails_before_computing(
    read_only_dir: Path, no_computing: None
) -> None:
    store = read_only_dir / "s.duckdb"
    result = cli.invoke(app, run_args(store, workers=1))
    message = assert_one_paragraph(result.stderr, result.exit_code)
    assert str(read_only_dir) in message and "--store" in message, message
    assert re.search(r"read-only file system|not writable", message), message
    assert not store.exists()
    # analyze keeping its draws there fails the same way, before any model runs
    out = read_only_dir.parent / "report-for-read-only-store"
    result = cli.invoke(
        app, ["analyze", str(SCENARIO), "--out", str(out), "--store", str(store), "--draws", "1000"]
    )
    message = assert_one_paragraph(result.stderr, result.exit_code)
    assert "--store" in message, message
    assert not out.exists()


def test_a_store_on_a_read_only_disk_can_still_be_listed(
    whole_store: Path, tmpfs: Any, tmp_path: Path
) -> None:
    # reading needs no write access: `guaranty runs` works on a store that cannot be written
    if os.geteuid() == 0:
        folder = tmpfs("read-only-store", "size=20m")
        shutil.copy2(whole_store, folder / "s.duckdb")
        remount = ["mount", "-o", "remount,ro", str(folder)]
        assert subprocess.run(remount, capture_output=True, check=False).returncode == 0
    else:
        folder = tmp_path / "read-only-store"
        folder.mkdir()
        shutil.copy2(whole_store, folder / "s.duckdb")
        (folder / "s.duckdb").chmod(0o444)
        folder.chmod(0o555)
    result = cli.invoke(app, ["runs", "--store", str(folder / "s.duckdb"), "--json"])
    assert result.exit_code == 0, result.output
    assert [r["stored"] for r in json.loads(result.stdout)] == [1000]
    if os.geteuid() != 0:
        folder.chmod(0o755)


# --------------------------------------------------------------------------------------------
# (c) A damaged store
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def whole_store(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("whole") / "s.duckdb"
    runner.run(scenario, draws=1000, seed=1, store=path, workers=1)
    assert not Path(f"{path}.wal").exists()  # closed cleanly: everything is in the file
    return path


@pytest.mark.parametrize("share", [0.5, 0.75, 0.99])
def test_a_truncated_store_is_one_paragraph(
    whole_store: Path, tmp_path: Path, share: float, no_computing: None
) -> None:
    path = tmp_path / "cut.duckdb"
    data = whole_store.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])
    for args in (["runs", "--store", str(path)], run_args(path, workers=1, draws=1000)):
        result = cli.invoke(app, args)
        message = assert_one_paragraph(result.stderr, result.exit_code)
        assert "damaged" in message and str(path) in message, (args, message)
        assert "--store" in message, message


def test_a_file_that_is_no_store_is_one_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "noise.duckdb"
    path.write_bytes(os.urandom(100_000))
    result = cli.invoke(app, ["runs", "--store", str(path)])
    message = assert_one_paragraph(result.stderr, result.exit_code)
    assert "damaged" in message and "not a valid DuckDB database" in message, message


# --------------------------------------------------------------------------------------------
# (d) The report: checked before computing, written together or not at all
# --------------------------------------------------------------------------------------------


def test_analyze_into_a_read_only_folder_fails_before_computing(
    read_only_dir: Path, no_computing: None
) -> None:
    out = read_only_dir / "report"
    result = cli.invoke(app, ["analyze", str(SCENARIO), "--out", str(out)])
    message = assert_one_paragraph(result.stderr, result.exit_code)
    assert "--out" in message and str(read_only_dir) in message, message
    assert not out.exists()


def test_analyze_into_a_full_disk_fails_before_computing(tmpfs: Any, no_computing: None) -> None:
    # 1 MB: less than the report's inlined plotly JavaScript alone
    disk = tmpfs("small", "size=1m")
    result = cli.invoke(app, ["analyze", str(SCENARIO), "--out", str(disk / "report")])
    message = assert_one_paragraph(result.stderr, result.exit_code)
    assert "too full" in message and "--out" in message, message
    assert os.listdir(disk) == []


@pytest.fixture(scope="module")
def report_inputs(scenario: Scenario) -> tuple[Scenario, list[Any]]:
    return scenario, [forecast(scenario, "compromise", draws=20, seed=0)]


def _write(report_inputs: tuple[Scenario, list[Any]], out: Path) -> dict[str, Path]:
    scenario, results = report_inputs
    return write_report(scenario, results, out, source=SCENARIO, seed=0, draws=20)


def _old_report(out: Path) -> dict[str, bytes]:
    out.mkdir()
    old = {name: f"the earlier {name}".encode() for name in REPORT_FILES}
    for name, text in old.items():
        (out / name).write_bytes(text)
    (out / "notes.txt").write_bytes(b"mine")
    return {**old, "notes.txt": b"mine"}


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_report_that_does_not_fit_leaves_nothing_behind(
    tmpfs: Any, report_inputs: tuple[Scenario, list[Any]]
) -> None:
    # a real full disk at write time: report.md fits in 1 MB, report.html does not
    disk = tmpfs("report-disk", "size=1m")
    with pytest.raises(OutputError) as caught:
        _write(report_inputs, disk / "new")
    assert caught.value.kind == "full"
    assert "--out" in str(caught.value) and "\n" not in str(caught.value)
    assert os.listdir(disk) == []  # no folder, no report.md, no temporary folder
    # an earlier report in the folder stays as it was, and so do the folder's other files
    before = _old_report(disk / "old")
    with pytest.raises(OutputError):
        _write(report_inputs, disk / "old")
    assert _contents(disk / "old") == before
    assert sorted(os.listdir(disk)) == ["old"]


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_rename_leaves_the_earlier_report(
    tmp_path: Path,
    report_inputs: tuple[Scenario, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
    existing: bool,
) -> None:
    # the last step, moving report.html into place, fails (simulated, so it runs anywhere):
    # the report.md moved just before is taken back
    import errno

    out = tmp_path / "report"
    before = _old_report(out) if existing else None
    real_replace, real_rename = os.replace, os.rename
    failed = []

    def failing(src: Any, dst: Any) -> None:
        last = out / "report.html" if existing else out
        if Path(dst) == last and not failed:  # once: putting things back works
            failed.append(dst)
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OutputError) as caught:
        _write(report_inputs, out)
    assert caught.value.kind == "full" and failed
    monkeypatch.setattr(os, "replace", real_replace)
    monkeypatch.setattr(os, "rename", real_rename)
    if existing:
        assert _contents(out) == before
    else:
        assert not out.exists()
    assert os.listdir(tmp_path) == (["report"] if existing else [])
    # and once the disk has room, the report is written whole
    paths = _write(report_inputs, out)
    assert paths["html"].read_text().lower().startswith("<!doctype html>")
    assert paths["md"].stat().st_size > 1000
    if existing:
        assert (out / "notes.txt").read_bytes() == b"mine"
    assert not [p for p in os.listdir(out) if p.startswith(".")]


# --------------------------------------------------------------------------------------------
# (e) A killed run leaves no process behind
# --------------------------------------------------------------------------------------------


def _group(pgid: int) -> list[tuple[int, str]]:
    """The live processes of process group ``pgid`` (pid, command line), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append((int(entry), cmd.strip()))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("method", ["auto", "spawn"])
def test_workers_and_any_resource_tracker_die_with_a_killed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """Forked workers (``auto`` on Linux: ``pool.start_method``) or spawned ones, with
    multiprocessing's resource tracker, end when the run is killed with SIGKILL."""
    monkeypatch.setenv("GUARANTY_START_METHOD", method)  # the run's process inherits it
    spawned = method == "spawn" or not sys.platform.startswith("linux")
    draws = 40_000  # far more than it can finish before the kill
    args = run_args(tmp_path / "s.duckdb", draws=draws)
    with watched_run(args, draws, ROOT) as run:
        proc = run.proc
        try:
            deadline = time.monotonic() + 180
            # mid-run: a chunk is stored, so both workers have started and are computing
            while run.committed() < BLOCK:
                assert proc.poll() is None, run.tail()
                assert time.monotonic() < deadline, "no chunk finished in 180 s"
                time.sleep(0.05)
            before = _group(proc.pid)
            commands = " ".join(cmd for _, cmd in before)
            if spawned:  # the run, two workers, the resource tracker
                assert len(before) >= 4, before
                assert "spawn_main" in commands and "resource_tracker" in commands, before
            else:  # the run and two workers forked from it, with its command line
                assert len(before) == 3, before
                assert "spawn_main" not in commands, before
            os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
            proc.wait()
            left = _group(proc.pid)
            deadline = time.monotonic() + 5
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = _group(proc.pid)
            assert left == [], f"still alive 5 s after the kill: {left}"
        finally:
            for pid, _ in _group(proc.pid):  # whatever is left, so the test leaks nothing
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_inside_a_store_write_keeps_the_blocks_and_exits_as_an_interrupt(
    tmp_path: Path,
) -> None:
    """DuckDB answers Ctrl-C during a query with a plain RuntimeError "Query interrupted".
    It printed a traceback with exit 1, and the blocks of the interrupted transaction,
    already taken off the held list, were lost. Now the store turns it into the
    KeyboardInterrupt it stands for (exit 130), the transaction is rolled back, and the
    blocks stay held until a write commits them: the next flush writes all of them, and
    none that the store already holds."""
    from guaranty.montecarlo import simulate_block
    from guaranty.runner import _Filler
    from guaranty.store.failures import guarded, interrupted

    assert interrupted(RuntimeError("Query interrupted"))
    assert not interrupted(RuntimeError("something else"))

    class Fake:
        path = "x"

        @guarded("writing")
        def write(self) -> None:
            raise RuntimeError("Query interrupted")

    with pytest.raises(KeyboardInterrupt):
        Fake().write()

    from guaranty.montecarlo import layout

    scenario = load("korea-1953")
    st = Store(str(tmp_path / "s.duckdb"))
    lay = layout(scenario)
    run_id = st.open_run(scenario, lay, seed=1, draws=2000)
    filler = _Filler(st, run_id, scenario, lay, 1, 2000, None, None)
    real, calls = st.write_blocks, []

    def flaky(*args: object) -> None:
        calls.append(1)
        if len(calls) == 1:  # the first transaction is interrupted, and rolled back
            raise KeyboardInterrupt
        real(*args)

    st.write_blocks = flaky  # type: ignore[method-assign]
    filler._held = [simulate_block(scenario, 1, b, n=1000, lay=lay) for b in (0, 1)]
    with pytest.raises(KeyboardInterrupt):
        filler._flush()
    assert len(filler._held) == 2  # still held
    filler._flush_quietly()  # on the way out: written now
    assert filler._held == [] and filler.kept_draws == 2000
    assert sum(st.done_blocks(run_id).values()) == 2000
    # a Ctrl-C just after a transaction committed, before the held list was emptied: the
    # blocks the store holds are not written twice
    late = []

    def committed_then_interrupted(*args: object) -> None:
        real(*args)
        late.append(1)
        raise KeyboardInterrupt

    st.write_blocks = committed_then_interrupted  # type: ignore[method-assign]
    filler._held = [simulate_block(scenario, 1, b, n=1000, lay=lay) for b in (2, 3)]
    with pytest.raises(KeyboardInterrupt):
        filler._flush()
    st.write_blocks = real  # type: ignore[method-assign]
    filler._flush_quietly()
    assert late == [1] and filler._held == []
    rows = st.con.execute("SELECT count(*), count(DISTINCT draw) FROM draws").fetchone()
    assert rows == (4000, 4000)
