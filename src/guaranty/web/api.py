"""The workbench's JSON API under ``/api/``: the scenarios (list, upload, download, edited
versions) and the runs (list, start, progress, cancel, results, claims ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from guaranty.errors import ScenarioError
from guaranty.scenario import Scenario
from guaranty.web.edit import apply_changes
from guaranty.web.models import (
    ERRORS,
    RunInfo,
    RunRequest,
    ScenarioInfo,
    VersionRequest,
    error_answer,
)
from guaranty.web.workbench import WB

__all__ = ["runs", "scenarios"]

#: the scenario endpoints
scenarios = APIRouter(prefix="/api/scenarios", tags=["scenarios"])
#: the run endpoints
runs = APIRouter(prefix="/api/runs", tags=["runs"])

_NO_DRAWS = {**ERRORS, 409: error_answer("no draws yet")}
_UPLOAD_BODY = {
    "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
}


@scenarios.get("")
def api_scenarios(wb: WB) -> list[ScenarioInfo]:
    """The shipped scenarios, the uploaded ones and their edited versions."""
    return wb.list_scenarios()


@scenarios.post(
    "",
    status_code=201,
    responses={
        **ERRORS,
        413: error_answer("too large"),
        429: error_answer("other uploads are being read"),
    },
    openapi_extra=_UPLOAD_BODY,
)
async def api_upload(
    request: Request,
    wb: WB,
    filename: Annotated[
        str, Query(pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="its name: .yaml, .csv")
    ] = "upload.yaml",
) -> ScenarioInfo:
    """Upload a scenario (YAML, or a BDM / KTAB .csv or a decide file) as the body."""
    raw = await request.body()

    def read() -> tuple[str, Scenario]:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError("not UTF-8 text", file=filename) from None
        if not text.strip():
            raise ScenarioError("the file is empty", file=filename)
        return text, wb.checked(text, filename)

    # the file is read (the slow part, and the user's) in a thread of its own within the
    # time budget; then it is stored, as every blocking call, in the threadpool
    text, obj = await wb.reader.off_loop(read, filename)

    def store_it() -> ScenarioInfo:
        sid = wb.keep(text, filename, None, obj=obj)
        return wb.info(sid, "upload", None, filename)

    return await run_in_threadpool(store_it)


@scenarios.get("/{sid}", responses=ERRORS)
def api_scenario(sid: str, wb: WB) -> dict[str, Any]:
    """A scenario, whole, as JSON."""
    return wb.get_scenario(sid).model_dump(mode="json", by_alias=True, exclude_none=True)


@scenarios.get(
    "/{sid}/yaml",
    responses={**ERRORS, 200: {"content": {"application/yaml": {}}}},
    response_class=PlainTextResponse,
)
def api_scenario_yaml(sid: str, wb: WB) -> Response:
    """The scenario's file, to download."""
    _, filename, text, _ = wb.scenario_text(sid)
    if not filename.endswith((".yaml", ".yml")):
        text = yaml.safe_dump(
            wb.get_scenario(sid).model_dump(mode="json", by_alias=True, exclude_none=True),
            sort_keys=False,
            allow_unicode=True,
        )
        filename = Path(filename).stem + ".yaml"
    return Response(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{sid}.yaml"'},
    )


@scenarios.post("/{sid}/versions", status_code=201, responses=ERRORS)
def api_new_version(sid: str, body: VersionRequest, wb: WB) -> ScenarioInfo:
    """Save an edited copy of a scenario as a new version (the original is kept)."""
    base = wb.get_scenario(sid)
    data = apply_changes(base, body.changes)
    if body.name:
        data["name"] = body.name
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    new = wb.keep(text, f"{sid}-edit.yaml", sid, body.name)
    return wb.info(new, "edit", sid, f"{sid}-edit.yaml")


@runs.get("")
def api_runs(wb: WB) -> list[RunInfo]:
    """Every run in the store (from the browser or from 'guaranty run') and every job."""
    return wb.list_runs()


@runs.post("", status_code=202, responses={**ERRORS, 429: error_answer("queue full")})
def api_start(body: RunRequest, wb: WB) -> RunInfo:
    """Start a run in the background (queued if another is running)."""
    return wb.start(body.scenario, draws=body.draws, seed=body.seed)


@runs.get("/{run_id}", responses=ERRORS)
def api_run(run_id: str, wb: WB) -> RunInfo:
    """A run's status and progress."""
    return wb.run_info(run_id)


@runs.post(
    "/{run_id}/cancel",
    responses={**ERRORS, 409: error_answer("not running")},
)
def api_cancel(run_id: str, wb: WB) -> RunInfo:
    """Cancel a queued or running run (its finished chunks stay in the store)."""
    return wb.cancel(run_id)


@runs.get("/{run_id}/results", responses=_NO_DRAWS)
def api_results(run_id: str, wb: WB) -> dict[str, Any]:
    """The run's summary: war outcomes, settled terms, designs compared, credibility."""
    got = wb.results(run_id)
    if "json" not in got:
        out = got["run"].summary()
        out["credibility"] = got["credibility"].to_json()
        got["json"] = JSONResponse(_finite(out))
    return got["json"]


@runs.get("/{run_id}/claims", responses=_NO_DRAWS)
def api_claims(run_id: str, wb: WB) -> list[dict[str, Any]]:
    """The claims ledger of the run: share of draws, verdict, what flips it."""
    got = wb.results(run_id)
    if "claims_json" not in got:  # built once per cached run, as the results are
        got["claims_json"] = JSONResponse(_finite([c.to_json() for c in got["claims"]]))
    return got["claims_json"]


def _finite(x: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x
