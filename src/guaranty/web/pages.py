"""The workbench's HTML pages (server-rendered; plots are plotly figures, assets served by the
app itself so the pages work with no internet).

A figure is plotly's HTML: a div and an inline script that draws it. The Content-Security-
Policy of a page lists the SHA-256 of each figure script the page was built with, and allows
no other inline script (``guaranty.web.safety.csp``)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import plotly.graph_objects as go
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from plotly.subplots import make_subplots

from guaranty._version import __version__
from guaranty.models import registry
from guaranty.models.credibility.joining import FAMOUS_CASES_CAVEAT
from guaranty.report import answer_html
from guaranty.report.context import run_context, track_record_context, unsettled_context
from guaranty.report.figures import (
    claims_figure,
    comparison_figure,
    credibility_figure,
    figure_html,
    positions_figure,
    rounds_figure,
    settled_figure,
    styled,
    tornado_figure,
    war_figure,
    war_months_figure,
)
from guaranty.scenario.schema import OBLIGATIONS, Scenario, describe
from guaranty.store.export import ABOUT
from guaranty.web.safety import csp
from guaranty.web.workbench import WB

STATIC = Path(__file__).resolve().parent / "static"
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("guaranty.web", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: war parameters offered on the assumptions page (besides those the scenario sets)
WAR_KEYS = ("aid_a", "aid_b", "optimism_a", "optimism_b", "reservation_b", "cost_a", "cost_b")


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def results_figures(got: dict[str, Any]) -> dict[str, list[str]]:
    """The results page's figures (HTML) by section, computed once per cached run (``got``:
    :meth:`Workbench.results <guaranty.web.workbench.Workbench.results>`), under the run's
    page lock: a request and :meth:`Workbench.prepare
    <guaranty.web.workbench.Workbench.prepare>` never compute them twice."""
    with got.setdefault("page_lock", threading.RLock()):
        return _results_figures(got)


def _results_figures(got: dict[str, Any]) -> dict[str, list[str]]:
    if "figs" in got:
        return got["figs"]
    run, s = got["run"], got["scenario"]
    fcs = got["forecasts"]()  # every model, as in the report of `guaranty analyze`
    rounds = [f for f in (rounds_figure(s, fc) for fc in fcs) if f is not None]
    years = s.deterrence.years if s.deterrence else 10
    got["figs"] = {
        "credibility": [figure_html(credibility_figure(got["credibility"], s))],
        "comparison": [figure_html(comparison_figure(run, s, years))],
        "settlement": [
            figure_html(war_figure(run, s)),
            figure_html(war_months_figure(run, s)),
            figure_html(settled_figure(run, s)),
        ],
        "forecasts": [
            figure_html(positions_figure(s, fcs)),
            *[figure_html(f) for f in rounds],
        ],
        "claims": [
            figure_html(f)
            for f in (claims_figure(got["claims"]), tornado_figure(got["claims"]))
            if f is not None
        ],
    }
    return got["figs"]


_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def _script_hashes(figures: Iterable[str]) -> list[str]:
    """CSP sources for the inline scripts of ``figures`` (figure HTML made here, by plotly):
    the SHA-256 of each script's text as the browser sees it (line ends made LF)."""
    out = []
    for html in figures:
        for m in _SCRIPT.finditer(html):
            text = m.group(1).replace("\r\n", "\n").replace("\r", "\n")
            digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
            out.append(f"'sha256-{digest}'")
    return list(dict.fromkeys(out))


def _page(name: str, *, figures: Iterable[str] = (), **ctx: Any) -> HTMLResponse:
    """A page from its template; ``figures``: the figure HTML it shows, whose scripts its
    Content-Security-Policy allows (and no other inline script)."""
    html = _ENV.get_template(name).render(version=__version__, **ctx)
    hashes = _script_hashes(figures)
    return HTMLResponse(html, headers={"Content-Security-Policy": csp(hashes)} if hashes else None)


def _scenario_figure(s: Scenario) -> go.Figure:
    """Each actor's position on each issue, the marker's size its salience."""
    fig = make_subplots(
        rows=1,
        cols=len(s.issues),
        subplot_titles=[i.id for i in s.issues],
        shared_yaxes=True,
        horizontal_spacing=0.02,
    )
    names = [a.name for a in s.actors]
    for k, issue in enumerate(s.issues, start=1):
        xs, ys, sizes, text = [], [], [], []
        for a in s.actors:
            e = s.position(a.id, issue.id)
            if e is None:
                continue
            xs.append(e.position.nominal)
            ys.append(a.name)
            sizes.append(6 + 24 * e.salience.nominal)
            text.append(f"{a.name}: {describe(e.position)} (salience {describe(e.salience)})")
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                marker={"size": sizes, "color": "#1f77b4"},
                text=text,
                hoverinfo="text",
                showlegend=False,
            ),
            row=1,
            col=k,
        )
        fig.update_xaxes(range=list(issue.scale), row=1, col=k)
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1])
    return styled(
        fig,
        "Positions (marker size: salience)",
        height=120 + 26 * len(names),
        margin={"l": 170, "r": 10, "t": 50, "b": 30},
    )


def _compare_rows(a: Any, b: Any) -> list[dict[str, Any]]:
    sa, sb = a["run"].summary(), b["run"].summary()
    labels = {d.id: d.label for d in a["scenario"].guarantees}
    rows = []
    for d in sa["designs"]:
        if d not in sb["designs"]:
            continue
        row: dict[str, Any] = {"id": d, "label": labels.get(d, d)}
        for m in ("p_any", "p_no_attack", "p_abandoned", "p_peace", "share"):
            va = sa["designs"][d][m]
            vb = sb["designs"][d][m]
            va = va["mean"] if isinstance(va, dict) else va
            vb = vb["mean"] if isinstance(vb, dict) else vb
            row[m] = (va, vb)
        rows.append(row)
    return rows


#: the download formats the results page offers, with their labels
_FORMATS = (("csv", "CSV"), ("parquet", "Parquet"), ("xlsx", "Excel"))

#: the pages (none is in the API's schema)
router = APIRouter(include_in_schema=False)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name == "plotly.min.js":
        return Response(
            _plotly_js(),
            media_type="application/javascript",
            headers={"Cache-Control": "max-age=86400"},
        )
    files = {"app.css": "text/css", "app.js": "application/javascript"}
    if name not in files:
        raise HTTPException(404, f"no file {name!r}")
    return Response((STATIC / name).read_text(encoding="utf-8"), media_type=files[name])


@router.get("/", response_class=HTMLResponse)
def index(wb: WB) -> HTMLResponse:
    return _page("index.html.j2", scenarios=wb.list_scenarios(), title="Scenarios")


@router.get("/scenarios/{sid}", response_class=HTMLResponse)
def scenario_page(sid: str, wb: WB) -> HTMLResponse:
    s = wb.get_scenario(sid)
    origin, _file, _, parent = wb.scenario_text(sid)
    figure = figure_html(_scenario_figure(s))
    return _page(
        "scenario.html.j2",
        figures=[figure],
        title=s.name,
        **_about(sid, s),
        origin=origin,
        parent=parent,
        figure=figure,
    )


@router.get("/scenarios/{sid}/assumptions", response_class=HTMLResponse)
def assumptions_page(sid: str, wb: WB) -> HTMLResponse:
    from guaranty.credibility_case import unknown_held

    s = wb.get_scenario(sid)
    return _page(
        "assumptions.html.j2",
        title=f"Assumptions: {s.name}",
        **_about(sid, s),
        war=_war_rows(s),
        conduct=_conduct_rows(s),
        pair=_pair_rows(s),
        unknown=unknown_held(s),
        obligations=OBLIGATIONS,
    )


def _pair_rows(s: Scenario) -> list[dict[str, Any]]:
    """The facts of the pair the scenario states in place of the data
    (``credibility.pair``), each with its value and what the data hold: the risk of a
    renewed attack and the peace's durability read them (the Ukraine scenario's rivalry)."""
    if s.credibility is None or not s.credibility.pair:
        return []
    from guaranty.credibility_case import stated_pair_facts

    unlike = stated_pair_facts(s)
    return [
        {
            "fact": fact,
            "value": coding.value,
            "data": f"the data: {unlike[fact][1]:g}" if fact in unlike else "as the data",
        }
        for fact, coding in s.credibility.pair.items()
    ]


def _about(sid: str, s: Scenario) -> dict[str, Any]:
    """What every page about one scenario is given: its id, itself, and ``describe``."""
    return {"sid": sid, "s": s, "describe": describe}


def _war_rows(s: Scenario) -> list[dict[str, Any]]:
    """The war parameters the assumptions page offers: those the scenario sets, then
    :data:`WAR_KEYS`, each with its central value (the model's default if not set)."""
    if s.war is None:
        return []
    from guaranty.models.war.battlefield import WarParams

    defaults = WarParams()
    rows = []
    for k in dict.fromkeys([*s.war.parameters, *WAR_KEYS]):
        q = s.war.parameters.get(k)
        rows.append(
            {
                "key": k,
                "nominal": q.nominal if q is not None else getattr(defaults, k),
                "described": describe(q) if q is not None else "model default",
            }
        )
    return rows


def _conduct_rows(s: Scenario) -> list[dict[str, Any]]:
    """Each guarantor of a design and what it does today (the obligations it meets, and
    whether it fights for the protected state)."""
    if s.credibility is None:
        return []
    rows = []
    for g in sorted({g for d in s.guarantees for g in d.guarantors}):
        c = s.credibility.conduct.get(g)
        today = [o.value for o in c.today] if c else []
        rows.append(
            {"id": g, "name": s.actor(g).name, "today": today, "fights": bool(c and c.fights)}
        )
    return rows


@router.get("/api-docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "doc": op.get("description", ""),
                    "params": [p["name"] for p in op.get("parameters", [])],
                    "body": ", ".join(body) if body else "",
                    "codes": ", ".join(sorted(op.get("responses", {}))),
                }
            )
    return _page("api.html.j2", title="JSON API", ops=ops)


@router.get("/runs", response_class=HTMLResponse)
def runs_page(wb: WB) -> HTMLResponse:
    return _page("runs.html.j2", title="Runs", runs=wb.list_runs(), scenarios=wb.list_scenarios())


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def results_page(run_id: str, wb: WB) -> HTMLResponse:
    info = wb.run_info(run_id)
    got = wb.results(run_id)
    others = [r for r in wb.list_runs() if r.stored > 0 and r.run_id != run_id]
    key = (info.model_dump_json(), tuple(r.model_dump_json() for r in others))
    # The figures and the page are kept with the run's cached results: a page is built
    # once per state of the run and of the run list, not once per request (issue 14).
    with got.setdefault("page_lock", threading.RLock()):
        if got.get("page_key") != key:
            figs = results_figures(got)
            ctx = run_context(got["run"], got["scenario"])
            got["page"] = _page(
                "results.html.j2",
                figures=[f for section in figs.values() for f in section],
                title=f"Run {run_id}",
                info=info,
                run=got["run"],
                summary=ctx["summary"],
                s=got["scenario"],
                figs=figs,
                claims=got["claims"],
                answer=answer_html(
                    got["run"], got["scenario"], got["claims"], got["analysis"].fact_answers
                ),
                record=track_record_context(registry.available()),
                unsettled=unsettled_context(got["forecasts"]()),
                ctx=ctx,
                fights_caveat=FAMOUS_CASES_CAVEAT
                if any(d.guarantors for d in got["scenario"].guarantees)
                else None,
                runs=others,
                downloads=list(ABOUT.items()),
                formats=_FORMATS,
            )
            got["page_key"] = key
        return got["page"]


@router.get("/compare", response_class=HTMLResponse)
def compare_page(a: str, b: str, wb: WB) -> HTMLResponse:
    ra, rb = wb.results(a), wb.results(b)
    ca = {c.id: c for c in ra["claims"]}
    claims = [(c, ca.get(c.id)) for c in rb["claims"]]
    heat = [figure_html(credibility_figure(r["credibility"], r["scenario"])) for r in (ra, rb)]
    return _page(
        "compare.html.j2",
        figures=heat,
        title="Compare runs",
        a=wb.run_info(a),
        b=wb.run_info(b),
        rows=_compare_rows(ra, rb),
        claims=claims,
        heat=heat,
        fmt=lambda x: "—" if x is None or x != x else f"{100 * x:.1f}%",
        np=np,
    )
