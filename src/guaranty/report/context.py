"""What the report's templates are given: the scenario, the run, the credibility assessment
and the claims put into rows and sentences (and the answer block, rendered).

:data:`ENV` is the Jinja environment of the report's templates (``templates/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import jinja2
import numpy as np

from guaranty.pipeline import Forecast, unweighted_means
from guaranty.scenario import Scenario
from guaranty.scenario.schema import describe

__all__ = [
    "ENV",
    "MD_ENV",
    "SCENARIO_SECTIONS",
    "answer_context",
    "answer_html",
    "assumption_rows",
    "credibility_paragraphs",
    "run_context",
    "scenario_context",
    "unsettled_context",
    "war_fit_context",
]

#: the sections of a scenario report, in order (ids of the HTML <section> elements)
SCENARIO_SECTIONS = (
    "summary",
    "settlement",
    "comparison",
    "credibility",
    "forecasts",
    "claims",
    "assumptions",
    "models",
    "actors",
    "positions",
    "designs",
)


def _markdown_text(value: Any) -> Any:
    """A value as the Markdown templates insert it: a text on one line, with ``|`` escaped,
    so that a label or a source holding a pipe or a line break stays in its table cell
    (``\\|`` reads as ``|`` in running text too)."""
    if isinstance(value, str):
        return " ".join(value.splitlines()).replace("|", "\\|")
    return value


def _counted(n: float, noun: str, digits: int = 0) -> str:
    """``n`` and ``noun``, plural unless ``n`` shows as 1 at ``digits`` decimals: "1 claim",
    "3 claims", "1 month"."""
    shown = f"{n:,.{digits}f}"
    return f"{shown} {noun}{'' if shown == '1' else 's'}"


def _environment(markdown: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("guaranty.report", "templates"),
        # HTML: escape every value inserted (a scenario's names, labels and sources are
        # text, not markup); Markdown: each on one line, its pipes escaped
        autoescape=not markdown,
        finalize=_markdown_text if markdown else None,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["counted"] = _counted
    env.tests["outside"] = lambda r: bool(
        r.get("interval") and not r["interval"][0] <= r["outcome"] <= r["interval"][1]
    )
    return env


#: the report's HTML templates (``*.html.j2``) and its Markdown ones (``*.md.j2``)
ENV = _environment(markdown=False)
MD_ENV = _environment(markdown=True)


def assumption_rows(scenario: Scenario) -> list[dict[str, str]]:
    """Every model input that is not a position: its value or distribution, and its source."""
    rows: list[dict[str, str]] = []

    def add(group: str, name: str, q: Any, source: str | None = None) -> None:
        if q is None:
            return
        rows.append(
            {
                "group": group,
                "name": name,
                "value": describe(q) if hasattr(q, "describe") else str(q),
                "source": (getattr(q, "source", None) or source or "").strip(),
            }
        )

    for a in scenario.actors:
        add("capability", a.name, a.capability_value, a.source)
    if scenario.war is not None:
        for name, q in sorted(scenario.war.parameters.items()):
            add("war", name, q)
        add("war", "horizon (months)", scenario.war.horizon, scenario.war.source)
        if scenario.war.forces == "capabilities":
            from guaranty.war import capability_ratio_of

            ratio = capability_ratio_of(scenario)
            add(
                "war",
                "forces",
                f"split by capabilities ({ratio:.3g} of the aggressor's to one of the "
                "protected state's, raised to the fitted exponent); their total as stated",
                "war.forces: capabilities, as the fit to the COW wars reads a war's forces "
                '(docs/models/war.md, "Forces as stated or as the fit reads them")',
            )
    cred = scenario.credibility
    if cred is not None:
        _resolve_rows(scenario, add, rows)
        for gid, c in cred.conduct.items():
            today = ", ".join(o.value for o in c.today) or "nothing"
            if c.fights:
                today = f"fights for {cred.protected}; {today}"
            rows.append(
                {
                    "group": "credibility",
                    "name": f"conduct today: {gid}",
                    "value": today,
                    "source": c.source or "",
                }
            )
            add("credibility", f"circumstances today: {gid}", c.circumstances_today, c.source)
            add("credibility", f"circumstances tomorrow: {gid}", c.circumstances_tomorrow, c.source)
        # the facts of the pair stated in place of the data (credibility.pair), which the
        # renewed attack and the peace's durability read
        if cred.pair:
            from guaranty.credibility_case import stated_pair_facts

            unlike = stated_pair_facts(scenario)
            for fact, coding in cred.pair.items():
                value = f"{float(coding.value):g} (stated"
                value += f"; the data: {unlike[fact][1]:g})" if fact in unlike else ", as the data)"
                rows.append(
                    {
                        "group": "credibility",
                        "name": f"the pair: {fact}",
                        "value": value,
                        "source": (coding.source or "").strip(),
                    }
                )
        # a nuclear status stated unlike the data, that the model reads
        for aid, (stated, data) in scenario.stated_nuclear().items():
            rows.append(
                {
                    "group": "credibility",
                    "name": f"nuclear-armed: {aid}",
                    "value": f"{'yes' if stated else 'no'} (stated; the data: "
                    f"{'yes' if data else 'no'} in {scenario.data_year})",
                    "source": scenario.actor(aid).source or "",
                }
            )
    if scenario.deterrence is not None:
        det = scenario.deterrence
        add("deterrence", "horizon (years)", det.years, det.source)
    for d in scenario.guarantees:
        add("designs", f"{d.label}: years to take effect", d.years_to_effect, d.source)
        add("designs", f"{d.label}: rung on the ladder", d.level, d.source)
    pipe = scenario.pipeline
    rows.append(
        {
            "group": "pipeline",
            "name": "negotiation model of the settlement",
            "value": (pipe.model if pipe and pipe.model else "default (best DEU III backtest)"),
            "source": (pipe.source if pipe and pipe.source else "docs/pipeline.md"),
        }
    )
    return rows


def _resolve_rows(scenario: Scenario, add: Callable[..., None], rows: list[dict[str, str]]) -> None:
    """Append to ``rows`` the revealed-resolve update's inputs: ``add`` (which appends to
    ``rows``) writes the stated ones, this the estimates and the peacetime reading of today.
    In peacetime nothing is conditioned on today: no persistence or circumstances today."""
    cred = scenario.credibility
    assert cred is not None
    if not cred.war_today:
        rows.append(_peacetime_row(scenario))
    rows.extend(_unnamed_defenders_row(scenario))
    estimated = _estimated_correlations()
    for name, q in (("persistence", cred.persistence), ("common shock", cred.common_shock)):
        if name == "persistence" and not cred.war_today:
            continue
        if q is not None:
            add("credibility", name, q, cred.source)
        else:
            rows.append({"group": "credibility", "name": name, **estimated[name]})
    if cred.war_today:
        add("credibility", "circumstances today", cred.circumstances_today, cred.source)
    add("credibility", "circumstances tomorrow", cred.circumstances_tomorrow, cred.source)
    rows.extend(_prior_row(scenario))


def _prior_row(scenario: Scenario) -> list[dict[str, str]]:
    """The assumptions table's row for the stated prior on the effect of an obligation with
    no historical counterpart (``credibility.unknown_sd``), when a design with guarantors
    holds one; none otherwise."""
    from guaranty.credibility_case import unknown_held

    cred = scenario.credibility
    assert cred is not None
    held = unknown_held(scenario)
    if not held:
        return []
    return [
        {
            "group": "credibility",
            "name": f"effect of an obligation without precedent ({', '.join(held)})",
            "value": f"N(0, {cred.unknown_sd:g}) on the log-odds of fighting",
            "source": (
                "A stated prior, not an estimate: no alliance in the data held such an "
                "obligation (credibility.unknown_sd; 0 is history alone, whose figures the "
                "answer gives beside the run's; docs/models/credibility.md, section f)."
            ),
        }
    ]


def _peacetime_row(scenario: Scenario) -> dict[str, str]:
    """The assumptions table's row for a question asked in peacetime
    (``credibility.war_today`` false): no war today, and the years of peace the risk of an
    attack starts from, stated or counted in the dispute data."""
    from guaranty.credibility_case import peacetime_clock

    cred = scenario.credibility
    assert cred is not None
    start, read_at = peacetime_clock(scenario)
    value = f"no war today (nothing is conditioned on it); {start} years of peace"
    if read_at is None:  # stated, with its source
        assert cred.peace_years is not None
        value, source = value + " (stated)", cred.peace_years.source
    else:
        source = (
            f"years of peace counted in the shipped militarized-dispute data, which end in "
            f"{read_at}: a dispute since is not counted"
        )
    return {"group": "credibility", "name": "war today", "value": value, "source": source}


def _unnamed_defenders_row(scenario: Scenario) -> list[dict[str, str]]:
    """The assumptions table's row, if any, for the data's defenders of the protected state
    that guarantee no design, when counting them would change what stage 1 reads of today
    (:func:`~guaranty.credibility_case.unnamed_defenders`)."""
    from guaranty.credibility_case import DEFENDER_WORDS, unnamed_defenders

    unnamed, differs = unnamed_defenders(scenario)
    if not differs:
        return []
    cred = scenario.credibility
    assert cred is not None
    return [
        {
            "group": "credibility",
            "name": "today's pacts",
            "value": (
                f"read from the designs' guarantors only: {len(unnamed)} other state"
                f"{'s' if len(unnamed) > 1 else ''} the data record as promising to defend "
                f"{cred.protected} not counted, so it is read as having no "
                f"{' and no '.join(DEFENDER_WORDS[k] for k in differs)}"
            ),
            "source": "ATOP 5.1 directed dyad-years (docs/models/credibility.md, "
            '"From designs to features")',
        }
    ]


def _estimated_correlations() -> dict[str, dict[str, str]]:
    """The value and source of the two latent correlations a scenario leaves to the data:
    each run draws them from their cluster bootstraps (``guaranty.credibility``)."""
    from guaranty.evidence import evidence

    ev = evidence()
    what = {
        "persistence": (
            ev.persistence,
            "the same state's decisions on the same target in consecutive tests",
            "dyads",
        ),
        "common shock": (
            ev.common_shock,
            "two defense allies' decisions on the same target in the same dispute",
            "disputes",
        ),
    }
    return {
        name: {
            "value": (
                f"{c.rho:.2f} [{c.interval[0]:.2f}, {c.interval[1]:.2f}], drawn from its bootstrap"
            ),
            "source": (
                f"Estimated: the latent correlation of {of}, 1816-2010 ({c.pairs:,} pairs, "
                f"{c.clusters:,} {clusters}; 90% cluster-bootstrap interval; "
                "docs/models/credibility.md). Not stated in the scenario."
            ),
        }
        for name, (c, of, clusters) in what.items()
    }


def _conduct_today(
    guarantors: Sequence[str], fighting: Collection[str], names: dict[str, str]
) -> str:
    """What a design's guarantors do for the protected state today, as the revealed-resolve
    update conditions on it: "that none of its 3 guarantors fights for the protected state
    today", "that its guarantor (France) does not fight ...", or who fights."""
    n = len(guarantors)
    now = [names.get(g, g) for g in guarantors if g in fighting]
    if not now and n == 1:
        only = names.get(guarantors[0], guarantors[0])
        return f"that its guarantor ({only}) does not fight for the protected state today"
    if not now:
        return f"that none of its {n} guarantors fights for the protected state today"
    if n == 1:
        return f"that its guarantor ({now[0]}) fights for the protected state today"
    if len(now) == n:
        return f"that its {n} guarantors fight for the protected state today"
    return (
        f"that {', '.join(now)} of its {n} guarantors "
        f"{'fights' if len(now) == 1 else 'fight'} for the protected state today and the "
        "others do not"
    )


#: where the answer's sentence says who fights beside the protected state today
_BESIDE = "\x00beside\x00"


def _beside(scenario: Scenario, ids: Mapping[str, Any]) -> tuple[str, str]:
    """Who fights beside the protected state today, when the scenario marks guarantors as
    fighting (the answer's P(fights) is conditioned on it): the words for the answer's
    sentence (", given that X and Y fight beside it today,") and for the HTML answer's mark;
    two empty strings when none does."""
    from guaranty.credibility_case import fighting_today

    now = [ids[g].name if g in ids else g for g in sorted(fighting_today(scenario))]
    if not now:
        return "", ""
    who = _named(now)
    verb = "fights" if len(now) == 1 else "fight"
    return (
        f", given that {who} {verb} beside it today,",
        f"P(fights) is conditioned on what the guarantors do today: {who} {verb} beside the "
        "protected state",
    )


def credibility_paragraphs(cred: Any, scenario: Scenario) -> list[dict[str, str]]:
    """One paragraph per design (``label``, ``id``, ``text``): the chance that its guarantors
    fight if the protected state is attacked, and of a renewed attack within the horizon.
    ``cred``: a :class:`guaranty.credibility.CredibilityResult`."""
    from guaranty.credibility_case import fighting_today, war_today

    names = {a.id: a.name for a in scenario.actors}
    fighting = fighting_today(scenario)
    war = war_today(scenario)
    out = []
    for d in cred.designs:
        j = d.to_json()
        given = (
            f"Given {_conduct_today(d.guarantors, fighting, names)}"
            if war
            else "With the protected state at peace today (nothing its guarantors do today "
            "tests their resolve)"
        )
        if not d.guarantors:
            text = (
                "No outside state guarantees this design, so nothing is to be honored: "
                "the protected state relies on itself."
            )
        elif len(d.guarantors) == 1:  # "at least one" and "all" are the same event
            text = (
                f"{given}, the model puts the "
                f"chance that it fights for it if it is attacked tomorrow at {j['p_any']:.1%} "
                f"(90% interval {j['p_any_ci'][0]:.1%}-{j['p_any_ci'][1]:.1%})."
            )
        else:
            best = max(j["guarantors"].items(), key=lambda kv: kv[1]["p_honor"])
            # a guarantor that cannot fight (the aggressor itself) makes "all" impossible
            unable = [g for g, v in j["guarantors"].items() if "by_construction" in v]
            every = (
                f"that all do is 0 by construction ({_named([names.get(g, g) for g in unable])}"
                f", the aggressor, cannot fight itself)"
                if unable
                else f"that all do at {j['p_all']:.1%}"
            )
            text = (
                f"{given}, the model puts the "
                "chance that at least one fights "
                f"for it if it is attacked tomorrow at {j['p_any']:.1%} (90% interval "
                f"{j['p_any_ci'][0]:.1%}-{j['p_any_ci'][1]:.1%}) and {every}. The most likely "
                f"to fight is {names.get(best[0], best[0])} ({best[1]['p_honor']:.1%})."
            )
        if d.guarantors and j.get("p_any_as_today"):
            text += (
                " The design adds nothing the model reads to its guarantors' pacts with the "
                "protected state today, so these are the chances under today's commitments."
            )
        h = d.horizon
        if j[f"p_attack_{h}y"] is None:  # a run none of whose draws ends in a peace
            text += " No draw of the run ends in a peace, so there is no renewed attack to weigh."
        else:
            ci = j[f"p_attack_{h}y_ci"]
            text += (
                f" Chance of {'a renewed attack' if war else 'an attack'} within {h} years: "
                f"{j[f'p_attack_{h}y']:.1%} "
                f"(90% interval {ci[0]:.1%}-{ci[1]:.1%}); "
                f"attacked with no guarantor fighting: {j[f'p_abandoned_{h}y']:.1%}."
            )
        out.append({"label": d.design.label, "id": d.design.id, "text": text})
    return out


#: what the forecast tables' "nearest anchor" column says of a forecast that had not settled
#: in its model's rounds (:func:`unsettled_context`)
UNSETTLED_ANCHOR = "none: the forecast had not settled"


def scenario_context(scenario: Scenario, forecasts: Sequence[Forecast]) -> dict[str, Any]:
    """The scenario's part of a report: per issue each model's forecast (with the nearest
    anchor of the scale), the actors, their positions, the designs, the round-by-round
    paths and the claims. ``forecasts``: one per model."""
    # the forecast without a model that no model clearly beats on DEU III
    # (docs/validation.md): each issue's unweighted mean of the positions taken
    naive = unweighted_means(scenario) if forecasts else np.full(len(scenario.issues), np.nan)
    issues = []
    for k, issue in enumerate(scenario.issues):
        rows = []
        for fc in forecasts:
            f = fc.issues[k]
            rows.append(
                {
                    "model": fc.model,
                    "outcome": f.outcome,
                    "mean": f.mean,
                    "interval": f.interval,
                    # a forecast that had not settled is no point on the scale to name
                    "anchor": UNSETTLED_ANCHOR
                    if f.settled is False and issue.anchors
                    else _nearest_anchor(issue.anchors, f.outcome),
                    "naive": False,
                    "unsettled": f.settled is False,
                }
            )
        if not np.isnan(naive[k]):
            rows.append(
                {
                    "model": "unweighted mean of the positions (no model)",
                    "outcome": float(naive[k]),
                    "mean": None,
                    "interval": None,
                    "anchor": _nearest_anchor(issue.anchors, float(naive[k])),
                    "naive": True,
                    "unsettled": False,
                }
            )
        issues.append({"issue": issue, "rows": rows})
    actors = [
        {
            "a": a,
            "capability": describe(a.capability_value),
            "nuclear": scenario.nuclear_label(a.id),
        }
        for a in scenario.actors
    ]
    positions = []
    for a in scenario.actors:
        cells = []
        for i in scenario.issues:
            e = scenario.position(a.id, i.id)
            cells.append(
                None
                if e is None
                else {
                    "position": describe(e.position),
                    "salience": describe(e.salience),
                    "source": e.source or "",
                }
            )
        positions.append({"actor": a, "cells": cells})
    designs = [
        {
            "d": d,
            "years": describe(d.years_to_effect),
            "level": "" if d.level is None else describe(d.level),
        }
        for d in scenario.guarantees
    ]
    paths = [
        {"model": fc.model, "issue": f.label, "rounds": f.rounds}
        for fc in forecasts
        for f in fc.issues
        if f.rounds
    ]
    return {
        "scenario": scenario,
        "paths": paths,
        "record": track_record_context([fc.model for fc in forecasts]),
        "issues": issues,
        "unsettled": unsettled_context(forecasts),
        "actors": actors,
        "positions": positions,
        "designs": designs,
        "claims": scenario.claims,
    }


def unsettled_context(forecasts: Sequence[Forecast]) -> str | None:
    """The note under the forecast tables (the report marks the forecasts ‡): those of a model that
    runs a set number of rounds (bdm, exchange) that had not settled at the nominal inputs
    (:func:`guaranty.pipeline.late_rounds`), each with its range over the last half of the
    rounds and the share of draws that had not settled either, and the model's record on
    DEU III for such forecasts. None when every forecast settled."""
    from guaranty.pipeline import SETTLED_SHARE
    from guaranty.validation import unsettled_reading

    parts, models = [], []
    for fc in forecasts:
        for f in fc.issues:
            if f.settled is not False or f.late is None:
                continue
            first, last, low, high = f.late
            text = f"{fc.model} on {f.label}: {low:.1f} to {high:.1f} over rounds {first}-{last}"
            if f.unsettled_share is not None:
                text += f", not settled in {f.unsettled_share:.0%} of the draws"
            parts.append(text)
            if fc.model not in models:
                models.append(fc.model)
    if not parts:
        return None
    return (
        "Some forecasts had not settled at the nominal inputs: over the last half of its "
        "rounds the model's "
        f"forecast moved by more than {SETTLED_SHARE:.0%} of the scale, so the figure is "
        "its last round's by convention and another number of rounds gives another ("
        + "; ".join(parts)
        + "). "
        + " ".join(unsettled_reading(m) for m in models)
    )


def _clearly(interval: Sequence[float]) -> str | None:
    """ "better" or "worse" when a difference of errors (a model's minus a forecast without a
    model) has an interval on one side of zero, else None."""
    lo, hi = interval
    return "better" if hi < 0 else "worse" if lo > 0 else None


def _chance(names: Sequence[str], clear: Sequence[str]) -> str:
    """Which of ``names`` differ clearly (those of ``clear``) and which within chance."""
    unclear = [n for n in names if n not in clear]
    clearly = [n for n in names if n in clear]
    if not unclear:
        return "clearly"
    if not clearly:
        return "within chance"
    return f"{_named(clearly)} clearly, {_named(unclear)} within chance"


def _named(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` ('' for none)."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def track_record_context(models: Sequence[str]) -> dict[str, Any] | None:
    """What the report says of the forecasting models' record on real negotiations
    (:func:`guaranty.validation.track_record`): per model of ``models`` that the record
    holds, its mean absolute error and run, best first; the forecasts without a model; the
    models that did worse than the scale's midpoint; and those clearly better or worse than
    the unweighted mean of the positions (the 95% interval of the difference, proposals
    resampled, excludes zero). None if it holds none of them."""
    from guaranty.validation import track_record, track_record_of

    rows = [
        {
            "model": m,
            "mae": r["mae"],
            "run": r["run"],
            "minus": r["minus_without_model"]["unweighted mean"]["interval"],
            "minus_midpoint": r["minus_without_model"]["midpoint"]["interval"],
        }
        for m in models
        if (r := track_record_of(m)) is not None
    ]
    if not rows:
        return None
    rec = track_record()
    naive = rec["without_model"]
    midpoint = naive["midpoint"]["mae"]
    rows.sort(key=lambda r: r["mae"])
    below = [r["model"] for r in rows if r["mae"] > midpoint]
    # of those, the ones whose difference from the midpoint is clear of zero
    clear = [r["model"] for r in rows if _clearly(r["minus_midpoint"]) == "worse"]
    better = [r["model"] for r in rows if _clearly(r["minus"]) == "better"]
    worse = [r["model"] for r in rows if _clearly(r["minus"]) == "worse"]
    how = {
        "per proposal": " (issues negotiated together)",
        "cross-validated": " (cross-validated: its parameter was fitted on these issues)",
    }
    sentence = (
        f"Track record on real negotiations: each model's mean absolute error on the "
        f"{rec['n']} EU legislative issues of DEU III with a known outcome (development half, "
        "0-100 scales; docs/validation.md): "
        + ", ".join(f"{r['model']} {r['mae']:.1f}{how.get(r['run'], '')}" for r in rows)
        + f". Without a model, the scale's midpoint scores {midpoint:.1f} and the unweighted "
        f"mean of the positions {naive['unweighted mean']['mae']:.1f}"
        + (
            f"; {_named(below)} did worse than the midpoint there ({_chance(below, clear)})"
            if below
            else ""
        )
        + f". Set against the unweighted mean, {_named(better) or 'no model'} did clearly "
        "better"
        + (f" and {_named(worse)} clearly worse" if worse else "")
        + " ('clearly': the 95% bootstrap interval over proposals of the difference excludes "
        "zero). No such record exists for the settlement of wars."
    )
    return {
        "n": rec["n"],
        "rows": rows,
        "midpoint": midpoint,
        "below_midpoint": below,
        "better_than_mean": better,
        "worse_than_mean": worse,
        "sentence": sentence,
    }


def _nearest_anchor(anchors: Mapping[float, str], value: float) -> str:
    """The anchor of a scale nearest ``value``, with its point ('' without anchors)."""
    if not anchors:
        return ""
    k = min(anchors, key=lambda a: abs(a - value))
    return f"{anchors[k]} ({k:g})"


def _most_settled(designs: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The design the settlement lands on most often (each with its ``share`` of the draws);
    None when no draw settles on any design (a run without any peace)."""
    top = max(designs, key=lambda d: d["share"], default=None)
    return top if top is not None and top["share"] > 0 else None


def _ci(st: dict[str, Any]) -> str:
    """A probability's mean with its 90% interval, in whole percent."""
    lo, hi = st["interval"]
    return f"{st['mean']:.0%} (90% interval {lo:.0%}-{hi:.0%})"


def _widened(d: dict[str, Any], history: Mapping[str, Any]) -> str:
    """What the answer adds to a design's P(at least one fights) widened by the stated prior
    on an obligation with no historical counterpart: that it is, and, when the run was made
    again with the prior's sd at 0 (:func:`guaranty.analysis.check_stated_facts`), the figure
    from history alone (``history``: design id -> its P(fights) there); "" for a design
    without such an obligation."""
    if not d["unknown"]:
        return ""
    alone = history.get(d["id"])
    if alone is None:
        return " (widened by a stated prior)"
    # the history-alone figure between markers: said in the Markdown answer, a tooltip in
    # the HTML one, whose first screen is tight
    return (
        f" (widened by a stated prior{_ALONE}; from history alone, the prior at 0: "
        f"{_ci(alone)}{_ALONE})"
    )


#: brackets the answer's figures from history alone (:func:`_widened`)
_ALONE = "\x00alone\x00"


def answer_context(
    run: Any,
    scenario: Scenario,
    claims: Sequence[Any],
    fact_answers: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What the first screen says: the scenario's question, a one- or two-sentence answer
    with its numbers and intervals, every design on the quantities that decide between them
    and one line per claim. ``run`` is a :class:`guaranty.results.RunResult`;
    ``fact_answers`` (:func:`guaranty.analysis.check_stated_facts`) gives, for each fact the
    scenario states in place of the data, the range of the risk of a renewed attack with
    the data's value, which the answer quotes beside the fact."""
    summ = run.summary()
    years = scenario.deterrence.years if scenario.deterrence else 10
    cred = scenario.credibility
    ids = {a.id: a for a in scenario.actors}
    protected = ids[cred.protected].name if cred and cred.protected in ids else "the state"
    aggressor = ids[cred.aggressor].name if cred and cred.aggressor in ids else "the aggressor"
    beside, beside_note = _beside(scenario, ids)

    def flip(st: dict[str, Any]) -> dict[str, Any]:
        """A probability's complement, interval reversed."""
        if st["mean"] is None:
            return st
        lo, hi = st["interval"]
        return {**st, "mean": 1 - st["mean"], "interval": [1 - hi, 1 - lo]}

    from guaranty.credibility import UNKNOWN_SD, no_counterpart

    flags = _as_today_flags(scenario)
    designs = []
    for d in scenario.guarantees:
        j = summ["designs"][d.id]
        # obligations with no historical counterpart: an effect drawn from a stated prior
        unknown = (
            [o.replace("_", " ") for o in no_counterpart(d.obligations)]
            if d.guarantors and cred is not None and cred.unknown_sd > 0
            else []
        )
        designs.append(
            {
                "id": d.id,
                "label": d.label,
                "share": j["share"],
                "unknown": unknown,
                "p_any": j["p_any"] if j["p_any"]["mean"] is not None else None,
                "attack": flip(j["p_no_attack"]),
                "abandoned": j["p_abandoned"],
                "peace": j["p_peace"],
                **flags[d.id],
            }
        )
    question = scenario.question or (
        f"Which guarantee would deter {aggressor} from attacking {protected} again, and "
        f"would its guarantors fight if it did?"
    )
    top = _most_settled(designs)
    with_guarantors = [d for d in designs if d["p_any"] is not None]
    best = max(with_guarantors, key=lambda d: d["p_any"]["mean"]) if with_guarantors else None

    from guaranty.analysis import PRIOR

    history = getattr((fact_answers or {}).get(PRIOR), "fights", None) or {}

    alone_notes: list[str] = []  # the HTML answer's tooltip: each figure from history alone

    def widened(d: dict[str, Any]) -> str:
        text = _widened(d, history)
        alone_notes.extend(
            f"“{d['label']}” {t.lstrip('; ')}" for t in re.findall(f"{_ALONE}(.*?){_ALONE}", text)
        )
        return text

    parts = []
    if summ["peace"] <= 0:  # every draw ends without terms to guarantee
        parts.append(
            "No draw of the run ends in a peace with terms to guarantee, so no design is "
            "settled and no renewed attack is weighed"
        )
    if top is not None and top["p_any"] is not None and top["share"] > 0:
        parts.append(
            "Estimated from which states joined the side of an attacked state in militarized "
            f"disputes 1816-2010, under the design the settlement most often lands on "
            f"({top['label']}) the chance that at least one guarantor "
            f"fights if {aggressor} attacks {protected} again{_BESIDE} is "
            f"{_ci(top['p_any'])}"
            + widened(top)
            + (
                ", as under today's pacts, to which it adds nothing"
                if top["fight_as_today"]
                else ""
            )
        )
    if best is not None and best is not top:
        if parts and top is not None:
            most = _ci(best["p_any"])
            parts.append(
                f"the most any design reaches is {most}, under the design “{best['label']}”"
                + widened(best)
            )
        else:  # said on its own: what the figure is, in full
            highest = (
                f"the chance that at least one guarantor fights is highest under the design "
                f"“{best['label']}”: {_ci(best['p_any'])}{widened(best)}"
            )
            parts.append(highest if parts else highest[0].upper() + highest[1:])
    attacks = [d["attack"]["mean"] for d in designs if d["attack"]["mean"] is not None]
    sentence = "; ".join(parts) + "." if parts else ""
    if attacks:
        low, high = f"{min(attacks):.0%}", f"{max(attacks):.0%}"
        sentence += f" The chance of a renewed attack within {years} years is " + (
            f"{low} under every design." if low == high else f"{low}-{high} across the designs."
        )
    # facts of the pair the attack hazard reads, stated in place of the data: said after the
    # attack range (in the HTML answer, where the first screen is tight, as a dagger)
    stated = _stated_facts(scenario) if attacks else {}
    pair = set(scenario.credibility.pair) if scenario.credibility is not None else set()
    answers = fact_answers or {}
    from guaranty.analysis import peace_range

    run_peace = peace_range(summ)

    def span(got: tuple[float, float]) -> str:
        lo, hi = f"{got[0]:.0%}", f"{got[1]:.0%}"
        return f"{lo} under every design" if lo == hi else f"{lo}-{hi} across the designs"

    def with_data(k: str, v: float, d: float) -> str:
        """The stated fact, the data's value and, when the run with it was made, the range
        of the risk of a renewed attack under it, and of the peace's durability when that
        reads differently from the run's."""
        got = getattr(answers.get(k), "attack", None)
        if got is None:
            return f"{k} {v:g} (the data: {d:g})"
        said = f"{k} {v:g} (the data: {d:g}; with it, the risk of a renewed attack is {span(got)}"
        peace = getattr(answers.get(k), "peace", None)
        if peace is not None and run_peace is not None and span(peace) != span(run_peace):
            said += f", and the peace holds {years} years in {span(peace)}"
        return said + ")"

    attack_facts = ", ".join(with_data(k, v, d) for k, (v, d) in stated.items() if k in pair)
    # a state's nuclear status (an actor's 'nuclear') unlike the data: both stages read it
    nuclear_facts = ", ".join(with_data(k, v, d) for k, (v, d) in stated.items() if k not in pair)
    from guaranty.models.credibility.joining import FAMOUS_CASES_CAVEAT
    from guaranty.models.deterrence.challenge import (
        ATTACK_DEFINITION,
        COMMITMENT_CAVEAT,
        COMMITMENT_CAVEAT_SHORT,
    )
    from guaranty.models.durability.survival import DURABILITY_CAVEAT

    peaces = [d for d in designs if d["peace"]["mean"] is not None]
    caveats = [COMMITMENT_CAVEAT] if attacks else []
    caveats += [DURABILITY_CAVEAT] if peaces else []
    # the HTML answer, where the first screen is tight, gives the definition of an attack as
    # the title of its column
    short = [COMMITMENT_CAVEAT_SHORT] if attacks else []
    short += [DURABILITY_CAVEAT] if peaces else []

    return {
        "question": question,
        # the Markdown answer says in the sentence who fights today; the HTML answer, where
        # the first screen is tight, gives it as a mark with a tooltip
        "sentence": sentence.strip().replace(_BESIDE, beside).replace(_ALONE, ""),
        "sentence_html": re.sub(f"{_ALONE}.*?{_ALONE}", "", sentence.strip().replace(_BESIDE, "")),
        "history_note": "; ".join(alone_notes) or None,
        "beside_note": beside_note if beside and _BESIDE in sentence else None,
        "attack_facts": attack_facts or None,
        "nuclear_facts": nuclear_facts or None,
        "years": years,
        "designs": designs,
        "caveat": " ".join(caveats) or None,
        "caveat_html": " ".join(short) or None,
        "attack_definition": ATTACK_DEFINITION,
        "as_today_note": _as_today_note(designs, "attack", "peace", "p_any"),
        # the HTML answer, where the first screen is tight, gives it as a mark with a
        # tooltip on the column; the report's credibility section says it in full
        "fights_caveat": FAMOUS_CASES_CAVEAT if with_guarantors else None,
        # likewise a mark on each P(fights) widened by a stated prior (said in full in the
        # Markdown answer)
        "unknown_note": (
            f"Widened by a stated prior, not by history: the effect on the log-odds of "
            f"fighting of an obligation with no historical counterpart "
            f"({', '.join(sorted({u for d in designs for u in d['unknown']}))}) is drawn "
            f"from N(0, {cred.unknown_sd if cred is not None else UNKNOWN_SD:g}) "
            "(credibility.unknown_sd); the answer's figure from history alone sets it at 0, "
            "and docs/models/credibility.md gives the designs' figures under other sds."
            if any(d["unknown"] and d["p_any"] for d in designs)
            else None
        ),
        "claims": [
            {
                "id": c.id,
                "verdict": c.verdict,
                "share": c.share,
                "facts": [f.fact for f in getattr(c, "facts", ()) if f.fact != PRIOR],
                # the inputs that flip it (10 points or more) include a stated prior's draw
                "priors": [n for n, _, _ in c.sensitivity if n.endswith("(stated prior)")],
                # with the prior at 0 (history alone) its verdict differs
                "prior_rests": any(f.fact == PRIOR for f in getattr(c, "facts", ())),
            }
            for c in claims
            if c.statement
        ],
    }


def _as_today_flags(scenario: Scenario) -> dict[str, dict[str, bool]]:
    """Per design, which of its figures are today's by construction, the design changing
    nothing their model reads: ``fight_as_today`` (who fights), ``as_today`` (the renewed
    attack) and ``peace_as_today`` (the peace's durability)."""
    from guaranty.comparison import durability_as_today
    from guaranty.credibility_case import attack_as_today, fight_as_today

    attack, peace, fight = (
        attack_as_today(scenario),
        durability_as_today(scenario),
        fight_as_today(scenario),
    )
    return {
        d.id: {
            "as_today": d.id in attack,
            "peace_as_today": d.id in peace,
            "fight_as_today": d.id in fight,
        }
        for d in scenario.guarantees
    }


def _as_today_note(
    designs: Sequence[dict[str, Any]], attack: str, peace: str, fight: str
) -> str | None:
    """The note of the marks (°) on the figures of the designs that are today's by
    construction: the renewed attack (key ``attack``), the durability (``peace``) and the
    chance that a guarantor fights (``fight``), naming the models it marks; None without a
    mark."""
    from guaranty.credibility_case import as_today_note

    def marked(flag: str, key: str) -> bool:
        return any(d[flag] and (d[key] or {}).get("mean") is not None for d in designs)

    on = {
        "attack": marked("as_today", attack),
        "peace": marked("peace_as_today", peace),
        "fight": marked("fight_as_today", fight),
    }
    return as_today_note(**on) if any(on.values()) else None


def _stated_facts(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The facts the scenario states unlike the data (fact -> (stated, data): the pair's,
    the states' nuclear status); none without a credibility section."""
    from guaranty.credibility_case import stated_facts

    return stated_facts(scenario)


def answer_html(
    run: Any,
    scenario: Scenario,
    claims: Sequence[Any],
    fact_answers: Mapping[str, Any] | None = None,
) -> str:
    """The answer block (``<section id="answer">``) of the report and the web results."""
    return ENV.get_template("answer.html.j2").render(
        a=answer_context(run, scenario, claims, fact_answers)
    )


def war_fit_context(scenario: Scenario) -> dict[str, Any]:
    """What the war model's fit says about its own parameters, for the report: the wars it
    was fitted on, its backtest, which of the parameters the scenario leaves to the fit the
    wars identify, and which keep their prior range."""
    from guaranty.war import FITTED
    from guaranty.warfit import war_fit

    fit = war_fit()
    given = set(scenario.war.parameters) if scenario.war is not None else set()
    used = {p.strip() for name, ps in FITTED.items() if name not in given for p in ps.split(",")}
    identified = sorted(p for p in used if fit.summary[p]["identified"])
    prior = sorted(p for p in used if not fit.summary[p]["identified"])
    return {
        "wars": fit.wars,
        "backtest": fit.backtest,
        "identified": identified,
        "prior_kept": prior,
    }


def war_tail_note(run: Any, scenario: Scenario) -> str | None:
    """The run's P(the war is still fought :data:`guaranty.war.TAIL_AHEAD` months on) set
    against the UCDP/PRIO record for a war that old (:func:`guaranty.war.tail_note`); None
    without a war or with a shorter horizon. ``run``: a pipeline run, in memory or stored
    (both count the draws still fighting the same way)."""
    from guaranty.war import TAIL_AHEAD, duration_reference, tail_note

    if scenario.war is None or scenario.war.horizon < TAIL_AHEAD:
        return None
    model = run.still_fighting(TAIL_AHEAD)[-1]
    return tail_note(duration_reference(scenario.war.months_fought), model)


#: how far each stated rung of the guarantee ladder is moved, as a share of the issue's scale,
#: to ask whether the design the settlement lands on most often hinges on it
RUNG_SHIFT = 0.05


def _rung_note(run: Any, scenario: Scenario) -> str:
    """The sentence after the design the settlement lands on most often: whether that design
    hinges on where the scenario puts one design on the ladder (each stated rung moved by
    :data:`RUNG_SHIFT` of the scale either way, :func:`guaranty.results.rung_shifts`); ""
    when a rung is uncertain (drawn per draw), there is no guarantee issue or no peace."""
    from guaranty.results import rung_shifts
    from guaranty.scenario.schema import IssueRole

    issue = next((i for i in scenario.issues if i.role == IssueRole.guarantee), None)
    designs = scenario.guarantees
    if issue is None or any(d.level is not None and d.level.dist != "fixed" for d in designs):
        return ""
    ladder = [None if d.level is None else float(d.level.value) for d in designs]
    if sum(v is not None for v in ladder) < 2:
        return ""
    levels = run.guarantee_levels()
    if levels.size == 0:
        return ""
    shift = RUNG_SHIFT * (issue.scale[1] - issue.scale[0])
    turned = rung_shifts(levels, ladder, shift)
    if not turned:
        return (
            " Which design the settlement lands on most often rests on the rungs of the "
            f"ladder, which the scenario states: moved one at a time by {shift:g} points "
            "either way, none changes it."
        )
    said = [
        f"with {designs[k].label}'s rung at {ladder[k] + move:g} instead of {ladder[k]:g}, "
        f"it would be {designs[new].label} ({share:.0%} of the peaces)"
        for k, move, new, share in turned[:2]
    ]
    more = f", and {len(turned) - 2} more such moves" if len(turned) > 2 else ""
    return (
        " Which design the settlement lands on most often hinges on a rung of the ladder, "
        f"which the scenario states: {'; '.join(said)}{more} (each rung moved by {shift:g} "
        "points, one at a time)."
    )


def _after_win(summ: dict[str, Any]) -> str:
    """The sentence after the share of peaces in the report's summary: how many of them
    follow a decisive win of the protected state (a peace is that or a settlement), and so
    what the settled terms describe; "" for a run without any peace."""
    peace, w = summ["peace"], summ["war"]["outcomes"]
    if not peace > 0:
        return ""
    what = (
        "mostly the peace after its victory"
        if w["decisive_a"] >= w["settlement"]
        else "mostly a negotiated peace"
    )
    return (
        f" {100 * w['decisive_a'] / peace:.0f}% of these peaces follow a decisive win of the "
        f"protected state, so the settled terms and the design comparison below describe {what}."
    )


def _territory_note(summ: dict[str, Any], scenario: Scenario) -> str | None:
    """What the settled term of the issue with role ``territory`` is (the war's, not the
    table's: docs/pipeline.md) and how much of it a decisive win sets by construction; None
    without such an issue or a peace."""
    from guaranty.scenario.schema import IssueRole

    issue = next((i for i in scenario.issues if i.role == IssueRole.territory), None)
    peace, w = summ["peace"], summ["war"]["outcomes"]
    if issue is None or not peace > 0:
        return None
    won = w["decisive_a"] / peace
    return (
        f"The issue '{issue.label}' is not bargained at the table: its term is the line the "
        f"war ended on. A decisive win of the protected state ({won:.0%} of these peaces) "
        f"puts it at the top of its scale ({issue.scale[1]:g}) by construction; after a "
        "settlement it is the table's forecast clipped to what both belligerents would "
        "accept that month (docs/pipeline.md)."
    )


def _model_note(model: str, scenario: Scenario) -> str:
    """What the report's summary says after the settlement model's name: whether the
    scenario named it or it is the default, and its record on DEU III (its error, and
    whether it is clearly better than the unweighted mean of the positions there:
    :func:`guaranty.validation.track_record_of`); "" for a model without a record."""
    from guaranty.validation import track_record, track_record_of

    rec = track_record_of(model)
    if rec is None:
        return ""
    named = scenario.pipeline is not None and scenario.pipeline.model is not None
    held = " held out" if rec["run"] == "cross-validated" else ""
    clearly = _clearly(rec["minus_without_model"]["unweighted mean"]["interval"])
    versus = (
        f"{'clearly ' + clearly if clearly else 'not clearly better'} than the unweighted "
        "mean of the positions there"
    )
    why = (
        "named by the scenario"
        if named
        else "the default, the lowest error on the EU legislative issues of DEU III"
    )
    given = scenario.pipeline.params if scenario.pipeline is not None else {}
    if given:  # the record is the model's with its default parameters
        from guaranty.models.params import parameters_text

        stated = parameters_text(given)
        why = (
            f"{why}, with {stated}; on the EU legislative issues of DEU III with its "
            "default parameters"
        )
    u = rec.get("unsettled") or {}
    diff = u.get("difference")
    if diff is not None and diff["interval"][0] > 0:  # clearly worse where it had not settled
        versus += (
            f"; where its rounds had not settled, {u['issues']} of {track_record()['n']} "
            f"issues, its error was {u['mae']:.1f} against {u['mae_settled']:.1f} (the "
            "negotiation forecasts below mark such a forecast ‡)"
        )
    return (
        f" ({why}: {rec['mae']:.1f}{held}, {versus}; the settlement under the other models: "
        'docs/pipeline.md, "Under the other negotiation models")'
    )


def forces_note(summary: dict[str, Any], scenario: Scenario) -> str | None:
    """What the report says when who wins the war turns on how the two sides' forces are
    measured (:func:`guaranty.war.forces_reading`: the run's shares, from its ``summary``,
    against a war run with the forces split as the fit reads them, 4,000 draws on the run's
    seed); None when it does not, or the scenario states no forces."""
    from guaranty.war import forces_reading

    if scenario.war is None:
        return None
    got = forces_reading(
        scenario, draws=4000, seed=summary["seed"], stated=summary["war"]["outcomes"]
    )
    return None if got is None else got["note"]


def _outcome_labels(scenario: Scenario) -> dict[str, str]:
    """The war's endings as the report's table names them (``OUTCOMES`` keys -> words), the
    two sides by name where the scenario's credibility section says who they are (side A is
    the protected state, docs/models/war.md)."""
    cred = scenario.credibility
    ids = {a.id: a.name for a in scenario.actors}
    a = f" ({ids[cred.protected]})" if cred is not None and cred.protected in ids else ""
    b = f" ({ids[cred.aggressor]})" if cred is not None and cred.aggressor in ids else ""
    return {
        "settlement": "settlement before either side collapses",
        "decisive_a": f"decisive win of the protected state{a}",
        "decisive_b": f"decisive win of the aggressor{b}",
        "frozen": "frozen: a ceasefire that leaves the issues open",
        "ongoing": "still fought at the horizon",
    }


def run_context(run: Any, scenario: Scenario) -> dict[str, Any]:
    """The run's part of a report: its summary, each design's and each issue's figures, the
    design the settlement most often lands on, and what the war model's fit says. ``run``:
    a :class:`guaranty.results.RunResult`."""
    summ = run.summary()
    labels = {d.id: d.label for d in scenario.guarantees}
    designs = []
    flags = _as_today_flags(scenario)
    for d in scenario.guarantees:
        j = summ["designs"][d.id]
        designs.append({"id": d.id, "label": d.label, **j, **flags[d.id]})
    issues = [
        {
            "id": i.id,
            "label": i.label,
            **summ["settled"][i.id],
            "explained": summ["explained"][i.id],
        }
        for i in scenario.issues
    ]
    top = _most_settled(designs)
    from guaranty.war import ending_notes

    endings = ending_notes(scenario)
    return {
        "outcome_labels": _outcome_labels(scenario),
        "after_win": _after_win(summ),
        "territory_note": _territory_note(summ, scenario),
        "model_note": _model_note(summ["model"], scenario),
        "war_fit": war_fit_context(scenario),
        "war_tail": war_tail_note(run, scenario),
        # the months already fought when the simulation starts: its months count from there
        "war_fought": scenario.war.months_fought if scenario.war is not None else 0,
        "war_endings": endings[0],
        "war_endings_short": endings[1],
        "forces_note": forces_note(summ, scenario),
        "summary": summ,
        "designs": designs,
        "as_today_note": _as_today_note(designs, "p_no_attack", "p_peace", "p_any"),
        "issues": issues,
        "top_design": top,
        "rung_note": _rung_note(run, scenario) if top is not None else "",
        "labels": labels,
        "years": (scenario.deterrence.years if scenario.deterrence else 10),
    }
