"""Packaging (issue 17): the shipped scenarios are package data addressable by name, the
license, the dependency ranges and their lock, and the wheel itself.

The slow test builds the wheel, installs it into a fresh virtual environment and, from an
empty folder, runs ``guaranty analyze ukraine-2022 --draws 2000``, ``python -m guaranty
--version`` and ``guaranty scenarios``, and lists the scenarios through the web app: so the
wheel's own contents are complete. The new environment takes its dependencies from this
interpreter's site-packages (through a ``.pth`` file), not from the registry, to keep the test
quick; the wheel's guaranty comes first on its path, and the test checks that it is the one
imported. For the same reason numba's cache of the compiled kernels is copied from this
checkout (numba keys it by the sources' content, which the wheel's share).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guaranty import load
from guaranty._version import __version__
from guaranty.cli import app
from guaranty.errors import ScenarioError
from guaranty.scenario import shipped

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE = ROOT / "src" / "guaranty"


def _sync_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "sync_scenarios", ROOT / "scripts" / "sync_scenarios.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the shipped scenarios ----------------------------------------------------------------------


def test_package_scenarios_are_the_repositorys() -> None:
    """``src/guaranty/scenarios/`` holds exactly the files of ``scenarios/``, byte for byte."""
    diff = _sync_script().differences()
    assert not diff, (
        "the package's copies of the shipped scenarios differ from scenarios/ (the files to "
        f"edit): {diff}; run python3 scripts/sync_scenarios.py"
    )
    assert shipped.names() == ["korea-1953", "ukraine-2022"]


def test_a_shipped_scenario_loads_by_name() -> None:
    by_name = load("ukraine-2022")
    assert by_name == load(ROOT / "scenarios" / "ukraine-2022.yaml")
    assert load("korea-1953.yaml").name.startswith("Korea 1953")
    assert shipped.resolve("ukraine-2022") == shipped.SHIPPED_DIR / "ukraine-2022.yaml"


def test_an_existing_file_wins_over_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("korea-1953.yaml").write_text("name: mine\n")
    assert shipped.resolve("korea-1953.yaml") == Path("korea-1953.yaml")
    assert shipped.resolve("korea-1953") == shipped.SHIPPED_DIR / "korea-1953.yaml"


def test_a_missing_file_or_name_says_what_is_shipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="read by its name alone: ukraine-2022"):
        load("scenarios/ukraine-2022.yaml")  # the repository's path, outside the repository
    with pytest.raises(ScenarioError, match="shipped scenarios are korea-1953, ukraine-2022"):
        load("ukraine")
    with pytest.raises(ScenarioError, match=r"^nope\.yaml: no such file$"):
        load("nope.yaml")
    with pytest.raises(ScenarioError, match="no shipped scenario 'x'"):
        shipped.path("x")
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load("a" * 300)  # the file system refuses the name: the reader's error, as before


def test_scenarios_command_lists_the_shipped_ones() -> None:
    result = CliRunner().invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["korea-1953", "ukraine-2022"]
    assert rows[1]["title"] == load("ukraine-2022").name
    assert rows[1]["year"] == 2022
    table = CliRunner().invoke(app, ["scenarios"])
    assert table.exit_code == 0 and "ukraine-2022" in table.stdout


def test_commands_take_a_name() -> None:
    result = CliRunner().invoke(app, ["validate", "korea-1953", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"].startswith("Korea 1953")


def test_the_web_lists_the_package_scenarios() -> None:
    pytest.importorskip("fastapi")
    from guaranty.web.workbench import default_scenarios_dir

    assert default_scenarios_dir() == shipped.SHIPPED_DIR


def test_serve_without_the_web_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "pip install 'guaranty[web]'" in result.stderr
    assert "uvicorn is not installed" in result.stderr


# -- metadata, dependencies and package data ----------------------------------------------------


def test_license_is_an_spdx_expression_with_its_file() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the guaranty authors" in text


def _requirements() -> list[Any]:
    from packaging.requirements import Requirement

    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return [Requirement(line) for line in lines]


def _lock() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_dependencies_are_ranges_and_the_lock_satisfies_them() -> None:
    """Each dependency (extras included) is a range, not one version, so guaranty installs
    beside other packages; the lock pins a version inside every range."""
    from packaging.utils import canonicalize_name

    pins = _lock()
    for req in _requirements():
        assert not any(s.operator in ("==", "===") for s in req.specifier), req
        assert any(s.operator == "<" for s in req.specifier), f"{req}: no upper bound"
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: regenerate it (dev.py)"
        assert req.specifier.contains(pins[name]), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req.specifier}: "
            "regenerate it (dev.py)"
        )


def test_the_web_and_excel_parts_are_extras() -> None:
    from packaging.requirements import Requirement

    def names(lines: list[str]) -> set[str]:
        return {Requirement(line).name.lower() for line in lines}

    extras = PYPROJECT["project"]["optional-dependencies"]
    assert not names(PYPROJECT["project"]["dependencies"]) & {"fastapi", "uvicorn", "xlsxwriter"}
    assert names(extras["web"]) == {"fastapi", "uvicorn"}
    assert names(extras["excel"]) == {"xlsxwriter"}
    assert names(extras["web"]) | names(extras["excel"]) <= names(extras["dev"])  # the tests'


def _data_files() -> list[str]:
    """Every file of the package that is not Python source, relative to the package."""
    return sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    )


def test_package_data_globs_cover_every_data_file() -> None:
    """A data file, template or scenario that no glob of pyproject.toml names would be left
    out of the wheel (and found missing only once installed)."""
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["guaranty"]
    missing = [f for f in _data_files() if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not missing, f"add a glob to [tool.setuptools.package-data] for {missing}"
    assert "scenarios/ukraine-2022.yaml" in _data_files()


# -- the wheel, installed into a fresh environment ----------------------------------------------


def _run(cmd: list[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{cmd}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


WEB_LIST = """
import sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
from guaranty.web import create_app
with TestClient(create_app(sys.argv[1], workers=1, allowed_hosts=["testserver"])) as client:
    print([s["id"] for s in client.get("/api/scenarios").json()])
"""


@pytest.mark.slow
def test_the_wheel_runs_from_an_empty_folder(tmp_path: Path) -> None:
    started = time.monotonic()
    # built from a copy of what the build reads: the build writes build/ and *.egg-info beside
    # its sources, and stale files in a build/ of the work tree could slip into the wheel
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    # without PYTHONPATH: a source tree on it would shadow the wheel (and its egg-info the
    # installed guaranty)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-q", "-w", dist],
        env=env,
        timeout=600,
    )
    (wheel,) = dist.glob("guaranty-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for data in _data_files():
        assert f"guaranty/{data}" in names, f"{data} is not in the wheel"
    assert f"guaranty-{__version__}.dist-info/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"guaranty-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    built = time.monotonic() - started

    # a fresh environment whose only packages are the wheel and, behind it, this
    # interpreter's dependencies
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], env=env, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    purelib = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env
    ).stdout.strip()
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
        env=env,
        timeout=300,
    )
    # only now: this interpreter's site-packages holds guaranty too (the editable install),
    # which pip would take for the wheel's and not install it
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_guaranty_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")

    # numba's machine code for the compiled kernels, as this checkout built it: numba keys
    # its cache by the source's content, and the wheel's sources are these, so the run below
    # loads it instead of compiling every kernel again (about 80 s); where it is missing or
    # stale numba compiles, as on any first run
    installed = Path(purelib, "guaranty")
    for cached in [*PACKAGE.rglob("__pycache__/*.nbi"), *PACKAGE.rglob("__pycache__/*.nbc")]:
        target = installed / cached.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(cached, target)

    empty = tmp_path / "empty"
    empty.mkdir()
    guaranty = python.parent / "guaranty"

    where = _run([python, "-c", "import guaranty; print(guaranty.__file__)"], cwd=empty, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    version = _run([python, "-m", "guaranty", "--version"], cwd=empty, env=env)
    assert version.stdout.strip() == f"guaranty {__version__}"
    listed = _run([guaranty, "scenarios", "--json"], cwd=empty, env=env)
    assert [r["name"] for r in json.loads(listed.stdout)] == ["korea-1953", "ukraine-2022"]
    store = tmp_path / "web.duckdb"
    web = _run([python, "-c", WEB_LIST, store], cwd=empty, env=env, timeout=120)
    assert web.stdout.strip() == "['korea-1953', 'ukraine-2022']"

    t0 = time.monotonic()
    analyzed = _run(
        [guaranty, "analyze", "ukraine-2022", "--draws", "2000"], cwd=empty, env=env, timeout=900
    )
    assert "report written" in analyzed.stdout
    assert (empty / "report" / "report.html").stat().st_size > 100_000
    assert "Ukraine 2022" in (empty / "report" / "report.md").read_text()
    print(
        f"wheel built in {built:.1f} s; analyze ukraine-2022 --draws 2000 from the wheel "
        f"{time.monotonic() - t0:.1f} s; whole test {time.monotonic() - started:.1f} s"
    )
