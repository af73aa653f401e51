"""The request and response bodies of the workbench's JSON API (they make its OpenAPI schema),
and the patterns that scenario and run ids must match."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ERRORS",
    "ID_PATTERN",
    "MAX_DRAWS",
    "RUN_PATTERN",
    "Change",
    "ErrorBody",
    "RunInfo",
    "RunRequest",
    "ScenarioInfo",
    "VersionRequest",
    "error_answer",
    "is_run_id",
    "is_scenario_id",
]

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
RUN_PATTERN = r"^[0-9a-f]{16}$"
_ID = re.compile(ID_PATTERN)
_RUN = re.compile(RUN_PATTERN)
#: the most draws a run started from the web may have
MAX_DRAWS = 200_000


def is_scenario_id(sid: str) -> bool:
    """Whether ``sid`` has the form of a scenario id (:data:`ID_PATTERN`)."""
    return _ID.match(sid) is not None


def is_run_id(run_id: str) -> bool:
    """Whether ``run_id`` has the form of a run id (:data:`RUN_PATTERN`)."""
    return _RUN.match(run_id) is not None


class ErrorBody(BaseModel):
    error: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None


def error_answer(description: str) -> dict[str, Any]:
    """An error answer of an endpoint, for its OpenAPI ``responses``: an :class:`ErrorBody`."""
    return {"model": ErrorBody, "description": description}


#: the error answers most endpoints document
ERRORS: dict[int | str, dict[str, Any]] = {
    404: error_answer("not found"),
    422: error_answer("invalid input"),
}


class ScenarioInfo(BaseModel):
    id: str
    name: str
    origin: str  # shipped, upload, edit
    parent: str | None = None
    filename: str
    actors: int | None = None
    issues: int | None = None
    designs: int | None = None
    claims: int | None = None


class Change(BaseModel):
    """One edit: ``path`` into the scenario (e.g. ["credibility", "common_shock"]), and
    one of ``nominal`` (a new central value for a quantity, its spread kept), ``value`` (a
    new list of obligations, for ``["credibility", "conduct", ID, "today"]``) or ``flag``
    (whether the guarantor fights for the protected state today, for
    ``["credibility", "conduct", ID, "fights"]``; whether the protected state is at war
    today, for ``["credibility", "war_today"]``)."""

    path: list[str] = Field(min_length=1, max_length=8)
    nominal: float | None = Field(default=None, allow_inf_nan=False)
    value: list[str] | None = Field(default=None, max_length=32)
    flag: bool | None = Field(default=None, strict=True)


class VersionRequest(BaseModel):
    changes: list[Change] = Field(min_length=1, max_length=500)
    name: str | None = Field(default=None, max_length=200)


class RunRequest(BaseModel):
    scenario: str = Field(pattern=ID_PATTERN)
    draws: int = Field(default=5000, ge=1, le=MAX_DRAWS, strict=True)
    seed: int = Field(default=0, ge=0, le=2**31 - 1, strict=True)


class RunInfo(BaseModel):
    run_id: str
    scenario: str
    scenario_id: str | None = None
    seed: int
    draws: int
    stored: int = 0
    done: int = 0
    status: str
    model: str | None = None
    version: str | None = None
    error: str | None = None
