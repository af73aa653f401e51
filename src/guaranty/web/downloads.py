"""The downloads of a run's tables (``/api/runs/{run_id}/export``): the files of
``guaranty export`` (:func:`guaranty.store.export.export_run`: CSV, Parquet or Excel), all of
them in one zip or one table at a time, written into a temporary folder that is removed once
the answer is sent. The results page links to them."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from guaranty.errors import GuarantyError
from guaranty.store.export import FORMATS, TABLES, export_run, need_xlsxwriter
from guaranty.store.tables import stored_draws
from guaranty.web.analysis import whole_blocks
from guaranty.web.models import ERRORS, error_answer
from guaranty.web.workbench import WB

__all__ = ["MEDIA", "downloads"]

#: the export endpoints (under the runs' prefix)
downloads = APIRouter(prefix="/api/runs", tags=["runs"])

#: the media type of each format's files
MEDIA = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}

FormatQuery = Annotated[
    Literal["csv", "parquet", "xlsx"],
    Query(description="csv, parquet or xlsx (Excel: needs the optional extra 'excel')"),
]
#: the tables, as guaranty.store.export.TABLES lists them (a test keeps the two equal)
TableName = Literal["draws", "outcomes", "inputs", "input_names", "terms", "claims", "claim_swings"]

_ANSWERS = {
    **ERRORS,
    409: error_answer("no draws yet"),
    501: error_answer("the Excel export needs the optional extra 'excel'"),
}


def _export(wb: WB, run_id: str, fmt: str, tables: tuple[str, ...]) -> tuple[Path, Path]:
    """The run's tables written by :func:`export_run` into a new temporary folder: (the
    temporary folder, the export's folder inside it). 404 for an unknown run, 409 for a run
    without finished draws, 501 for Excel without xlsxwriter."""
    info = wb.run_info(run_id)  # 404 if unknown
    if info.stored == 0:
        raise HTTPException(409, f"run {run_id} has no finished draws yet")
    if fmt == "xlsx":
        try:
            need_xlsxwriter()
        except GuarantyError as exc:
            raise HTTPException(501, str(exc)) from None
    tmp = Path(tempfile.mkdtemp(prefix="guaranty-export-"))
    out = tmp / f"{run_id}-{fmt}"
    try:
        with wb.open_store() as st:
            draws = info.stored
            try:
                stored_draws(st.con, st.path, run_id, draws)
            except GuarantyError:  # an interrupted run: the whole blocks at its start
                draws = whole_blocks(st.done_blocks(run_id))
                if draws == 0:
                    raise HTTPException(409, f"run {run_id} has no finished draws yet") from None
            cached = wb.cache.get(("results", run_id, info.stored))
            claims = cached["claims"] if cached is not None and draws == info.stored else None
            export_run(st, run_id, fmt, out, draws=draws, claims=claims, tables=tables)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp, out


@downloads.get(
    "/{run_id}/export",
    responses={**_ANSWERS, 200: {"content": {MEDIA["zip"]: {}}, "description": "a zip file"}},
    response_class=FileResponse,
)
def api_export(run_id: str, wb: WB, format: FormatQuery = "csv") -> FileResponse:
    """Every table of the run (draws, per-design outcomes, inputs, input names, settled
    terms, claims ledger, what moves each claim) as files of one format, with run.json and
    scenario.json, in one zip (docs/store.md lists the files and their columns)."""
    tmp, out = _export(wb, run_id, format, TABLES)
    archive = tmp / f"{out.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(out.iterdir()):
            z.write(path, f"{out.name}/{path.name}")
    return FileResponse(
        archive,
        media_type=MEDIA["zip"],
        filename=archive.name,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )


@downloads.get(
    "/{run_id}/export/{table}",
    responses={
        **_ANSWERS,
        200: {"content": {MEDIA[f]: {} for f in FORMATS}, "description": "one table's file"},
    },
    response_class=FileResponse,
)
def api_export_table(
    run_id: str, table: TableName, wb: WB, format: FormatQuery = "csv"
) -> FileResponse:
    """One table of the run as a file of one format (``guaranty export``'s file
    ``TABLE.FORMAT``)."""
    tmp, out = _export(wb, run_id, format, (table,))
    return FileResponse(
        out / f"{table}.{format}",
        media_type=MEDIA[format],
        filename=f"{run_id}-{table}.{format}",
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )
