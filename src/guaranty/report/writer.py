"""Writing a report: the target checked before anything is computed (:func:`check_output`),
the Markdown and HTML pages rendered (:func:`write_report`), and both files written together
or not at all.

The files go into a temporary folder beside the target (inside it, when the target folder
exists already) and are then renamed into place, so a full disk or an interrupted run never
leaves a half-written or half-updated report.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from guaranty._version import __version__
from guaranty.errors import OutputError, disk_problem
from guaranty.models import registry
from guaranty.pipeline import BacktestScore, Forecast
from guaranty.report.context import (
    ENV,
    MD_ENV,
    SCENARIO_SECTIONS,
    answer_context,
    assumption_rows,
    credibility_paragraphs,
    run_context,
    scenario_context,
)
from guaranty.report.figures import (
    claims_figure,
    comparison_figure,
    credibility_figure,
    errors_figure,
    figure_html,
    positions_figure,
    rounds_figure,
    settled_figure,
    tornado_figure,
    war_figure,
    war_months_figure,
)
from guaranty.scenario import CaseSet, Scenario
from guaranty.store.folder import check_folder, replace_files

__all__ = ["REPORT_FILES", "check_output", "write_report"]

#: the files of a report, in the order they are moved into place
REPORT_FILES = ("report.md", "report.html")

#: room a report needs beside plotly's JavaScript (figures, Markdown), in bytes
_REPORT_MARGIN = 4_000_000


def _output_failure(out_dir: Path, exc: OSError, doing: str) -> OutputError:
    kind = disk_problem(exc)
    reason = exc.strerror or str(exc)
    if kind == "full":
        hint = "Free some space, or choose another --out"
    elif kind == "read-only":
        hint = "Choose an --out folder you can write to"
    else:
        hint = "Choose another --out"
    return OutputError(
        f"{out_dir}: cannot write the report while {doing}: {reason}. Nothing was "
        f"written (an earlier report there is unchanged). {hint}.",
        kind=kind,
    )


def _free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def check_output(out_dir: Path | str, need: int | None = None) -> None:
    """Raise an :class:`OutputError` now, before anything is computed, if a report could
    not be written to ``out_dir``: it is a file, or its folder (or the nearest existing
    parent) is read-only or not writable, or the disk has less than ``need`` bytes free
    (default: plotly's JavaScript, which every HTML report inlines, plus a margin)."""
    out_dir = Path(out_dir)
    check_folder(out_dir, "report")
    base = Path(os.path.abspath(out_dir))
    while not base.exists():
        base = base.parent
    if not os.access(base, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(base).f_flag & os.ST_RDONLY)
        why = "is on a read-only file system" if read_only else "is not writable"
        raise OutputError(
            f"{out_dir}: cannot write the report: {base} {why}. Choose an --out folder you "
            "can write to.",
            kind="read-only",
        )
    if need is None:
        need = len(get_plotlyjs()) + _REPORT_MARGIN
    free = _free_bytes(base)
    if free < need:
        raise OutputError(
            f"{out_dir}: the disk is too full for the report: {free / 1e6:.1f} MB free, the "
            f"report needs about {need / 1e6:.1f} MB. Free some space, or choose another --out.",
            kind="full",
        )


def _write_together(out_dir: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` (name -> text) into ``out_dir`` all together or not at all.

    They are written into a temporary folder first. A new ``out_dir`` is that folder renamed
    into place (one rename). An existing ``out_dir`` keeps its other files: the temporary
    folder is made inside it (so the renames stay on one file system even if it is a mount
    point) and each file is renamed over its old version; should one of these renames fail,
    the files already moved are put back. The temporary folder is removed in any case."""
    existed = out_dir.is_dir()
    doing = "creating its folder"
    staging: Path | None = None
    parent = Path(os.path.abspath(out_dir)).parent
    made: list[Path] = []  # parent folders made here, removed again on failure
    try:
        if existed:
            staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=".report.tmp-"))
        else:
            missing = parent
            while not missing.exists():
                made.append(missing)
                missing = missing.parent
            parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out_dir.name}.tmp-"))
        doing = "writing its files"
        for name, text in files.items():
            path = staging / name
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(path, 0o644)
        doing = "moving it into place"
        if not existed:
            os.chmod(staging, 0o755)  # mkdtemp's folders are private
            try:
                os.rename(staging, out_dir)
                staging = None
                return
            except OSError:
                if not out_dir.is_dir():  # not a folder made meanwhile: a real failure
                    raise
        replace_files(staging, out_dir, list(files), "report")
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
            staging = None
        for folder in made:  # innermost first; only if still empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise _output_failure(out_dir, exc, doing) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def write_report(
    obj: Scenario | CaseSet,
    results: Sequence[Forecast] | Mapping[str, BacktestScore],
    out_dir: Path,
    *,
    source: Path | str,
    seed: int,
    draws: int,
    credibility: Any = None,
    claims: Any = None,
    run: Any = None,
    forecast_draws: int | None = None,
    fact_answers: Any = None,
) -> dict[str, Path]:
    """Write ``report.md`` and a self-contained ``report.html`` into ``out_dir``.

    For a scenario: ``results`` are the negotiation forecasts, ``run`` the pipeline's draws
    (:class:`guaranty.results.RunResult`), ``credibility`` the per-guarantor credibility
    (:class:`guaranty.credibility.CredibilityResult`), ``claims`` the ledger and
    ``fact_answers`` the answer's risk of a renewed attack with the data's value of each
    fact the scenario states in place of it (:func:`guaranty.analysis.check_stated_facts`).
    """
    out_dir = Path(out_dir)
    meta = {
        "version": __version__,
        "source": str(source),
        "seed": seed,
        "draws": draws,
        "forecast_draws": forecast_draws if forecast_draws is not None else draws,
        "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "models": {m: registry.get(m).summary for m in registry.available()},
        "plotly_js": get_plotlyjs(),
    }
    if isinstance(obj, CaseSet) != isinstance(results, Mapping):
        raise TypeError("a CaseSet is reported with backtest scores, a Scenario with forecasts")
    if isinstance(obj, CaseSet) and isinstance(results, Mapping):
        md, html_body = _backtest_pages(obj, results, meta)
    else:
        md, html_body = _scenario_pages(
            obj,
            results,
            meta,
            credibility=credibility,
            claims=claims,
            run=run,
            fact_answers=fact_answers,
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: the report's folder is a file. Choose another --out.")
    _write_together(out_dir, dict(zip(REPORT_FILES, (md, html_body), strict=True)))
    return {"md": out_dir / REPORT_FILES[0], "html": out_dir / REPORT_FILES[1]}


def _backtest_pages(
    cases: CaseSet, scores: Mapping[str, BacktestScore], meta: dict[str, Any]
) -> tuple[str, str]:
    """The Markdown and HTML of a backtest's report."""
    ctx = {
        "cases": cases,
        "scores": scores,
        "meta": meta,
        "n_outcome": next(iter(scores.values())).n if scores else 0,
    }
    figures = [figure_html(errors_figure(scores))]
    md = MD_ENV.get_template("backtest.md.j2").render(**ctx)
    return md, ENV.get_template("backtest.html.j2").render(**ctx, figures=figures)


def _scenario_pages(
    obj: Scenario,
    forecasts: Sequence[Forecast],
    meta: dict[str, Any],
    *,
    credibility: Any,
    claims: Any,
    run: Any,
    fact_answers: Any = None,
) -> tuple[str, str]:
    """The Markdown and HTML of a scenario's report (the arguments of :func:`write_report`)."""
    ctx = {**scenario_context(obj, forecasts), "meta": meta, "credibility": None}
    from guaranty.analysis import WAR_DRAWS
    from guaranty.claims import ClaimResult

    # without the chain, the claims that name the war read it on draws of its own
    ctx["war_draws"] = (
        min(meta["draws"], WAR_DRAWS)
        if run is None and obj.war is not None and obj.claims
        else None
    )

    ctx["run"] = None
    from guaranty.plan import chain_lacks

    lacks = chain_lacks(obj)
    named = [repr(x) for x in lacks]
    ctx["not_run"] = (
        "the scenario has no "
        + (f"{', '.join(named[:-1])} or {named[-1]}" if len(named) > 1 else named[0])
        + " section"
        if lacks
        else "no run of it was given to the report"
    )
    ctx["credibility_not_run"] = (
        "the scenario has no 'credibility' section"
        if obj.credibility is None
        else "the scenario has no guarantee designs"
    )
    plots: dict[str, list[str]] = {k: [] for k in SCENARIO_SECTIONS}
    if run is not None:
        ctx["run"] = run_context(run, obj)
        plots["settlement"] += [
            figure_html(war_figure(run, obj)),
            figure_html(war_months_figure(run, obj)),
            figure_html(settled_figure(run, obj)),
        ]
        plots["comparison"].append(figure_html(comparison_figure(run, obj, ctx["run"]["years"])))
    ctx["claims"] = (
        claims
        if claims is not None
        else [
            ClaimResult(c.id, c.who, c.paraphrase, c.statement, None, "not yet checkable", ())
            for c in obj.claims
        ]
    )
    if any(c.share is not None for c in ctx["claims"]):
        plots["claims"].append(figure_html(claims_figure(ctx["claims"])))
        tornado = tornado_figure(ctx["claims"])
        if tornado is not None:
            plots["claims"].append(figure_html(tornado))
    plots["forecasts"].append(figure_html(positions_figure(obj, forecasts)))
    if credibility is not None:
        ctx["credibility"] = {
            "paragraphs": credibility_paragraphs(credibility, obj),
            "draws": credibility.draws,
            "origin": getattr(credibility, "origin", "assessment"),
            "war_today": getattr(credibility, "war_today", True),
        }
        plots["credibility"].append(figure_html(credibility_figure(credibility, obj)))
    for fc in forecasts:
        fig = rounds_figure(obj, fc)
        if fig is not None:
            plots["forecasts"].append(figure_html(fig))
    ctx["assumptions"] = assumption_rows(obj)
    ctx["sections"] = SCENARIO_SECTIONS
    from guaranty.models.credibility.joining import FAMOUS_CASES_CAVEAT

    # said in full where the designs' chances of fighting are shown (the credibility section)
    ctx["fights_caveat"] = (
        FAMOUS_CASES_CAVEAT if any(d.guarantors for d in obj.guarantees) else None
    )
    # what P(fights tomorrow | ...) is conditioned on: no guarantor fighting today (Ukraine
    # 2022), or some fighting beside the protected state (Korea 1953)
    from guaranty.credibility_case import conduct_phrase, fighting_today, war_today

    fighting = sorted(fighting_today(obj))
    war = war_today(obj)
    ctx["conditioned_on"] = conduct_phrase(fighting, war)
    ctx["given_today"] = (
        "with no war today (nothing a guarantor does today tests its resolve)"
        if not war
        else f"given that {', '.join(fighting)} {'fights' if len(fighting) == 1 else 'fight'} "
        "today and any other guarantor does not"
        if fighting
        else "given that none fights today"
    )
    ctx["answer"] = (
        answer_context(run, obj, ctx["claims"], fact_answers) if run is not None else None
    )
    ctx["answer_html"] = (
        ENV.get_template("answer.html.j2").render(a=ctx["answer"]) if run is not None else ""
    )
    md = MD_ENV.get_template("scenario.md.j2").render(**ctx)
    return md, ENV.get_template("scenario.html.j2").render(**ctx, plots=plots)
