#!/usr/bin/env python3
"""The two quick-start commands of guaranty, with nothing but Python 3.11+ needed.

    python3 dev.py demo    # analyse the shipped Ukraine 2022 scenario, write a report
    python3 dev.py test    # run the whole test suite (and ruff)

Each command creates (or reuses) a virtual environment in ``.venv`` and installs there the
dependencies pinned in ``requirements.lock`` (every extra included), then guaranty itself
(editable, without dependencies). The install is redone only when ``pyproject.toml`` or
``requirements.lock`` changes, so the second run is fast.

The lock is ``pip-compile`` (pip-tools) output for Python 3.11 on Linux x86_64; after a
change to the dependencies in ``pyproject.toml``, regenerate it with

    pip-compile --strip-extras --no-emit-index-url --no-emit-find-links \
        --extra dev --extra web --extra excel --extra ray \
        --output-file requirements.lock pyproject.toml

(it keeps the versions already locked where the new ranges allow them; ``--upgrade``
moves every package to its newest allowed release).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".guaranty-install-stamp"
LOCK = ROOT / "requirements.lock"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", LOCK):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_env() -> None:
    """Create ``.venv`` and install guaranty into it, unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under an older Python
        sys.exit(f"guaranty needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing guaranty and its locked dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(_fingerprint())


def ensure_chromium() -> None:
    """Install Debian's ``chromium`` for the browser test of the HTML report, when it is
    missing and this is root on a system with apt-get (a fresh CI machine, say).

    Nothing happens when Chromium is there or GUARANTY_SKIP_BROWSER=1; anywhere else a
    missing Chromium is only reported: the browser test then fails and says how to fix it.
    """
    if os.environ.get("GUARANTY_SKIP_BROWSER") == "1":
        return
    if Path("/usr/bin/chromium").exists() or shutil.which("chromium"):
        return
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print(
            "chromium is missing: the browser test of the report will fail; install Debian's "
            "'chromium' package or set GUARANTY_SKIP_BROWSER=1",
            flush=True,
        )
        return
    print("chromium is missing: installing Debian's chromium package with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-q", "--no-install-recommends", "chromium"]

    def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, env=env, capture_output=True, text=True)

    done = run(install)
    if done.returncode != 0:  # a fresh machine has no package lists yet
        update = run([apt, "update", "-q"])
        done = run(install) if update.returncode == 0 else update
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        print(f"installing chromium failed (exit {done.returncode}):\n{tail}", flush=True)


def compile_bytecode() -> None:
    """Compile guaranty's modules to bytecode (``__pycache__``), as pip does for an installed
    package but not for an editable one: where ``PYTHONDONTWRITEBYTECODE`` is set (some
    shells and containers set it), Python would otherwise compile every module of guaranty
    again in every process, about 0.05 s of each command's start-up and of each worker's
    (docs/performance.md, "Bytecode"). Only modules changed since are compiled again."""
    cmd = [str(BIN / "python"), "-m", "compileall", "-q", str(ROOT / "src" / "guaranty")]
    subprocess.run(cmd, check=False)  # a module that does not compile fails where it is used


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_env()
    compile_bytecode()
    if argv[0] == "demo":
        cmd = [str(BIN / "guaranty"), "analyze", "scenarios/ukraine-2022.yaml", "--out", "report"]
        return subprocess.run([*cmd, *argv[1:]], cwd=ROOT).returncode
    rc = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT).returncode
    ensure_chromium()
    # one BLAS thread per test process: the test workers are the parallelism, and BLAS
    # threads spinning beside them made the model fits' tests four times slower
    # (docs/performance.md, "BLAS threads"); a value the caller set is kept
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    pytest = [str(BIN / "python"), "-m", "pytest", "-q"]
    if argv[1:]:  # the caller's own selection, as given
        return rc or subprocess.run([*pytest, *argv[1:]], cwd=ROOT).returncode
    # every test: the compiled kernels first, once (scripts/warm_kernels.py), rather than
    # in every worker at once; then the tests that may share the machine on one worker per
    # core (pytest-xdist); then, alone, those that time themselves or need every core
    # (marked serial)
    print("compiling or loading the numba kernels ...", flush=True)
    warm = [str(BIN / "python"), str(ROOT / "scripts" / "warm_kernels.py")]
    rc = rc or subprocess.run(warm, cwd=ROOT).returncode
    rc_parallel = subprocess.run([*pytest, "-n", "auto", "-m", "not serial"], cwd=ROOT).returncode
    rc_serial = subprocess.run([*pytest, "-m", "serial"], cwd=ROOT).returncode
    return rc or rc_parallel or rc_serial


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
