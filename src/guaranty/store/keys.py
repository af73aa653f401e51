"""The keys of the results store: a scenario's content hash, the code's digest, a run's id."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from guaranty._version import __version__
from guaranty.errors import GuarantyError
from guaranty.scenario.schema import Scenario

__all__ = ["code_digest", "pick_id", "run_key", "scenario_hash"]


def scenario_hash(scenario: Scenario) -> str:
    """A hash of the scenario's content (its canonical JSON), blind to comments and layout."""
    text = scenario.model_dump_json(by_alias=True)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def code_digest() -> str:
    """A hash of guaranty's own code and reference tables, so that a run computed by other
    code (a development checkout between two releases) is never resumed or extended."""
    root = Path(__file__).resolve().parent.parent  # the guaranty package
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".csv") and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def run_key(scenario: Scenario, seed: int, version: str = __version__) -> str:
    """The id of the run of ``scenario`` with ``seed`` under guaranty ``version`` (and this
    exact code: :func:`code_digest`)."""
    raw = f"{scenario_hash(scenario)}:{seed}:{version}:{code_digest()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def pick_id(
    ids: list[str], ref: str, *, kind: str, store: str, none_yet: str, listed: str = ""
) -> str:
    """The id in ``ids`` (newest first) that ``ref`` names: a whole id, or the start of
    exactly one. Otherwise an error naming the ``store`` and up to five of its ids: ``kind``
    is what they are ("run", "sweep"), ``none_yet`` what to say when there is none, and
    ``listed`` is added after the ids shown (the command that lists them all)."""
    if ref in ids:
        return ref
    found = [i for i in ids if ref and i.startswith(ref)]
    if len(found) == 1:
        return found[0]
    if not ids:
        held = f"it holds no {kind} yet ({none_yet})"
    else:
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        held = f"its {kind}s are {shown}{listed}"
    what = f"{len(found)} {kind}s start with {ref!r}" if found else f"no {kind} {ref!r}"
    raise GuarantyError(f"{store}: {what}: expected a {kind} id of this results store; {held}")
