"""The scenarios shipped with guaranty, addressable by name: ``ukraine-2022``, ``korea-1953``.

They are package data (``guaranty/scenarios/*.yaml``), so an installed wheel has them and
``guaranty analyze ukraine-2022`` works from any folder. In the source tree the files that
are edited are ``scenarios/*.yaml`` at the repository's root (the path the documentation
uses); ``scripts/sync_scenarios.py`` copies them into the package, and a test fails while
the two differ.

:func:`resolve` is what makes a name work wherever a file is expected: a path that exists is
taken as it is; otherwise a bare name (no folder) that is a shipped scenario's, with or
without ``.yaml``, stands for that scenario's file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guaranty.errors import ScenarioError

__all__ = ["SHIPPED_DIR", "catalogue", "names", "path", "resolve"]

#: The folder of the shipped scenario files, inside the installed package.
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "scenarios"

_SUFFIXES = (".yaml", ".yml")


def names() -> list[str]:
    """The shipped scenarios' names (their file names without ``.yaml``), sorted."""
    if not SHIPPED_DIR.is_dir():
        return []
    return sorted(p.stem for p in SHIPPED_DIR.iterdir() if p.suffix in _SUFFIXES)


def _name_of(arg: str) -> str | None:
    """The shipped name that ``arg`` spells (``ukraine-2022`` or ``ukraine-2022.yaml``),
    or None: an argument with a folder in it is a path, never a name."""
    if not arg or "/" in arg or "\\" in arg:
        return None
    stem = arg
    for suffix in _SUFFIXES:
        if arg.lower().endswith(suffix):
            stem = arg[: -len(suffix)]
            break
    return stem if stem in names() else None


def path(name: str) -> Path:
    """The file of the shipped scenario ``name``; a :class:`ScenarioError` listing the
    shipped names for any other."""
    found = _name_of(name)
    if found is None:
        raise ScenarioError(
            f"no shipped scenario {name!r}; the shipped scenarios are {', '.join(names())}"
        )
    for suffix in _SUFFIXES:
        candidate = SHIPPED_DIR / f"{found}{suffix}"
        if candidate.is_file():
            return candidate
    raise AssertionError(f"{found} is listed but has no file")  # pragma: no cover


def resolve(arg: Path | str) -> Path:
    """``arg`` as a path: itself when it exists (or is no shipped scenario's name), else
    the file of the shipped scenario it names. A missing file in a folder whose name is a
    shipped scenario's (``scenarios/ukraine-2022.yaml`` outside the source tree) is a
    :class:`ScenarioError` that names the scenario."""
    p = Path(arg)
    try:
        if p.exists():
            return p
    except OSError:  # a name too long, a folder not to be searched: the reader says so
        return p
    name = _name_of(str(arg))
    if name is not None:
        return path(name)
    if _name_of(p.name) is not None:  # scenarios/ukraine-2022.yaml outside the source tree
        raise ScenarioError(
            f"no such file; the shipped scenario of that name is read by its name alone: "
            f"{_name_of(p.name)}",
            file=str(p),
        )
    if p.name == str(arg) and not p.suffix:  # a bare word: meant as a name
        raise ScenarioError(
            f"no such file, nor a shipped scenario; the shipped scenarios are {', '.join(names())}",
            file=str(p),
        )
    return p


def catalogue() -> list[dict[str, Any]]:
    """Each shipped scenario's name, title, year, question and file (read from the head of
    the file, without validating it: ``guaranty validate NAME`` does that)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for name in names():
        file = path(name)
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)
        data = data if isinstance(data, dict) else {}
        out.append(
            {
                "name": name,
                "title": data.get("name", ""),
                "year": data.get("year"),
                "question": data.get("question", ""),
                "file": str(file),
            }
        )
    return out
