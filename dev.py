#!/usr/bin/env python3
"""The two quick-start commands of guaranty, with nothing but Python 3.11+ needed.

    python3 dev.py demo    # analyse the shipped Ukraine 2022 scenario, write a report
    python3 dev.py test    # run the whole test suite (and ruff)

Each command creates (or reuses) a virtual environment in ``.venv`` and installs the
package with its pinned dependencies there. The install is redone only when
``pyproject.toml`` changes, so the second run is fast.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".guaranty-install-stamp"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_env() -> None:
    """Create ``.venv`` and install guaranty into it, unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under an older Python
        sys.exit(f"guaranty needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing guaranty and its pinned dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_env()
    if argv[0] == "demo":
        cmd = [str(BIN / "guaranty"), "analyze", "scenarios/ukraine-2022.yaml", "--out", "report"]
        return subprocess.run([*cmd, *argv[1:]], cwd=ROOT).returncode
    rc = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT).returncode
    rc_tests = subprocess.run(
        [str(BIN / "python"), "-m", "pytest", "-q", *argv[1:]], cwd=ROOT
    ).returncode
    return rc or rc_tests


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
