"""Editing a scenario in the workbench: the changes of the assumptions page applied to a copy
of the scenario, as the data of a new version (the original is never changed)."""

from __future__ import annotations

import copy
from typing import Any

from guaranty.errors import GuarantyError
from guaranty.scenario import Scenario
from guaranty.scenario.schema import OBLIGATIONS
from guaranty.web.models import Change

__all__ = ["apply_changes"]


def apply_changes(scenario: Scenario, changes: list[Change]) -> dict[str, Any]:
    """The scenario as a dict with ``changes`` applied (validated by the caller)."""
    data = copy.deepcopy(scenario.model_dump(mode="json", by_alias=True, exclude_none=True))
    for ch in changes:
        _apply(_parent(data, ch), ch)
    return data


def _parent(data: dict[str, Any], ch: Change) -> dict[str, Any]:
    """The dict in ``data`` that holds the field ``ch`` changes (a conduct entry or a war
    parameter the scenario does not set yet is added)."""
    where = ".".join(ch.path)
    parent: Any = data
    for key in ch.path[:-1]:
        if isinstance(parent, list):
            if not key.isdigit() or int(key) >= len(parent):
                raise GuarantyError(f"{where}: no such item in the scenario")
            parent = parent[int(key)]
        elif isinstance(parent, dict):
            if key not in parent:
                conduct = ch.value is not None or ch.flag is not None
                if ch.path[:2] == ["credibility", "conduct"] and conduct:
                    parent[key] = {}
                elif ch.path[:2] == ["war", "parameters"]:
                    parent[key] = {}
                else:
                    raise GuarantyError(f"{where}: no such field in the scenario")
            parent = parent[key]
        else:
            raise GuarantyError(f"{where}: no such field in the scenario")
    if not isinstance(parent, dict):
        raise GuarantyError(f"{where}: not a field that can be edited")
    return parent


def _apply(parent: dict[str, Any], ch: Change) -> None:
    """Set the last field of ``ch.path`` in ``parent``: a list of obligations, whether a
    guarantor fights today or there is a war today, a number, or a quantity moved to a new
    central value."""
    where = ".".join(ch.path)
    last = ch.path[-1]
    if sum(x is not None for x in (ch.value, ch.nominal, ch.flag)) > 1:
        raise GuarantyError(f"{where}: give one of 'nominal', 'value' or 'flag'")
    if ch.flag is not None:
        fights = len(ch.path) == 4 and ch.path[:2] == ["credibility", "conduct"]
        if not (fights and last == "fights") and ch.path != ["credibility", "war_today"]:
            raise GuarantyError(
                f"{where}: 'flag' sets whether a guarantor fights today, at "
                "credibility.conduct.ID.fights, or whether there is a war today, at "
                "credibility.war_today"
            )
        parent[last] = ch.flag
    elif ch.value is not None:
        bad = [v for v in ch.value if v not in OBLIGATIONS]
        if bad or ch.path[-1] != "today":
            raise GuarantyError(
                f"{where}: a list of obligations ({', '.join(OBLIGATIONS)}) is expected"
            )
        parent[last] = list(dict.fromkeys(ch.value))
    elif ch.nominal is not None:
        current = parent.get(last)
        if isinstance(current, dict) and ("dist" in current or "value" in current):
            parent[last] = _shift(current, ch.nominal)
        elif isinstance(current, int | float) and not isinstance(current, bool):
            parent[last] = _like(current, ch.nominal)
        elif current is None and ch.path[:2] == ["war", "parameters"]:
            parent[last] = {"value": ch.nominal, "source": "edited in the workbench"}
        else:
            raise GuarantyError(f"{where}: not a number or quantity that can be edited")
    else:
        raise GuarantyError(f"{where}: give 'nominal', 'value' or 'flag'")


def _like(current: Any, nominal: float) -> float | int:
    """``nominal`` as an int where the field held one and it is whole (a horizon in years,
    a 0/1 fact of the pair), so that the saved file reads as it was written."""
    if isinstance(current, int) and float(nominal).is_integer():
        return int(nominal)
    return nominal


def _shift(q: dict[str, Any], nominal: float) -> dict[str, Any]:
    """A quantity (as a dict) moved to a new central value, its spread kept."""
    q = dict(q)
    dist = q.get("dist", "fixed")
    if dist == "fixed":
        q["value"] = _like(q["value"], nominal)
    elif dist == "normal":
        q["mean"] = nominal
    elif dist == "uniform":
        half = (q["high"] - q["low"]) / 2
        q["low"], q["high"] = nominal - half, nominal + half
    elif dist == "triangular":
        d = nominal - q["mode"]
        q["low"], q["mode"], q["high"] = q["low"] + d, nominal, q["high"] + d
    q["source"] = (q.get("source") or "") + " [edited in the workbench]"
    return q
