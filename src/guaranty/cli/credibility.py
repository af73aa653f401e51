"""The ``credibility`` command: every guarantor's P(fight tomorrow | not fighting today)
under every design, the chance that at least one / all fight, and renewed attacks; or, with
``--explain``, the terms that move one guarantor's probability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.table import Table

from guaranty.cli.boundary import unused_note
from guaranty.cli.common import err, fail, out, print_json, styled
from guaranty.cli.lazy import is_cases
from guaranty.cli.options import CredibilityDrawsOpt, FileArg, JsonOpt, SeedOpt
from guaranty.scenario import load


def _interval(ci: Sequence[float], note: str = "") -> str:
    """A 90% interval as text; one of zero width is labelled as such (a value fixed by
    construction, or held by at least 95% of the draws)."""
    lo, hi = ci
    if lo == hi:
        return "fixed: 0 by construction" if note else f"{lo:.3f} in >= 95% of draws"
    return f"[{lo:.3f}, {hi:.3f}]"


def _print_explain(info: dict[str, Any]) -> None:
    """``credibility --explain``: the terms of one guarantor's log-odds of fighting."""
    out.print(styled((info["design"], "bold"), ", guarantor ", (info["guarantor"], "bold")))
    if "by_construction" in info:
        out.print(info["by_construction"])
        _print_attack_terms(info["attack"])
        _print_nuclear(info["nuclear"])
        return
    # stage 2's features (stage 1's copies of a defense pact's provisions left out)
    today = (
        ", ".join(k for k, v in info["today"].items() if v and not k.startswith("defpact_"))
        or "no commitment"
    )
    if info.get("fights_today"):
        today += (
            f", and it fights for the protected state (credibility.conduct."
            f"{info['guarantor']}.fights; the model's P(fights today) "
            f"{info['p_fight_today_model']:.3f})"
        )
    s0, s1 = info["scale_today"], info["scale_design"]
    war = info.get("war_today", True)
    out.print(
        f"today: {today}; b(today) = {info['b_today']:+.2f}, b(design) = "
        f"{info['b_design']:+.2f} (log-odds of fighting, from history); "
        + (
            f"persistence of resolve {info['persistence']:.2f} (estimated)"
            if war
            else "no war today (credibility.war_today): nothing it does today tests its "
            "resolve, so P(fight) is the design's own, with no revealed-resolve update"
        )
    )
    if not info["terms"] and s0 == s1:
        # nothing to take apart: the design adds nothing to today's commitments
        out.print(
            "The design changes none of this guarantor's terms: it adds nothing the model "
            "reads to its commitments of today (a design adds to today's pacts and takes none "
            "away), so b(design) = b(today)"
        )
    else:
        out.print(
            "b is the linear predictor times a scale, below 1 with a commitment (the average "
            f"over its alliance's unknown effect), 1 without: {s0:.2f} today, {s1:.2f} under "
            "the design; so b(design) - b(today) = "
            + (
                f"{s1:.2f} x the sum of the terms below"
                if s0 == s1
                else "the scaled linear predictors' difference, not the terms' sum"
            )
        )
        t = Table(title="Terms of the linear predictor the design changes, at the posterior mode")
        for col in ("term", "log-odds", "P(fight) without it"):
            t.add_column(col)
        for name, value in info["terms"].items():
            t.add_row(name, f"{value:+.2f}", f"{info['p_without_term'][name]:.3f}")
        out.print(t)
    if info["no_counterpart"]:
        out.print(
            "no historical counterpart (effect drawn from N(0, 1) in the full run): "
            + ", ".join(info["no_counterpart"])
        )
    out.print(
        styled(
            (
                "P(fight if attacked tomorrow | no war today)"
                if not war
                else f"P(fight tomorrow | "
                f"{'fighting' if info.get('fights_today') else 'not fighting'} today)"
            )
            + " at the posterior mode: ",
            (f"{info['p_honor_at_mean']:.3f}", "bold"),
        )
    )
    _print_attack_terms(info["attack"])
    _print_nuclear(info["nuclear"])


def _print_nuclear(nuclear: dict[str, dict[str, bool]]) -> None:
    """The nuclear status the model reads of the states ``--explain`` is about, and whether
    the scenario states it unlike the shipped list."""
    read = ", ".join(
        f"{a} {'yes' if v['value'] else 'no'} "
        f"({'stated, unlike the data' if v['stated'] else 'as in the data'})"
        for a, v in nuclear.items()
    )
    out.print(f"nuclear-armed, as the model reads them: {read}", markup=False)


def _print_attack_terms(attack: dict[str, Any]) -> None:
    """The design's stage-1 terms (the same for every guarantor) and what they do to the
    yearly hazard of a renewed attack, with what stage 1's validation found."""
    from guaranty.models.deterrence.challenge import COMMITMENT_CAVEAT

    t = Table(title="Renewed attack once the design is in force: its terms (stage 1, year 1)")
    for col in ("term", "log-odds of an attack"):
        t.add_column(col)
    for name, value in attack["terms"].items():
        t.add_row(name, f"{value:+.2f}")
    if attack["terms"]:
        out.print(t)
    else:
        out.print("Renewed attack: the design changes none of the protected state's stage-1 terms")
    if attack["terms"].get("t_def_intcom", 0.0) < 0:
        out.print(
            "t_def_intcom: the design's integrated command, estimated on the alliances ATOP "
            "codes with one; ATOP codes NATO's own treaty without it (docs/models/"
            'credibility.md, "From designs to features")',
            markup=False,
        )
    pair = ", ".join(
        f"{k} {v['value']:g} ({'stated in the scenario' if v['stated'] else 'data'})"
        for k, v in attack.get("pair", {}).items()
    )
    if pair:
        out.print(f"the aggressor and the protected state: {pair}", markup=False)
    out.print(
        f"yearly hazard of a renewed attack in year 1 of the peace: {attack['hazard_today']:.4f}"
        f" with today's commitments, {attack['hazard_design']:.4f} under the design "
        "(posterior mode, nominal capabilities)"
    )
    out.print(COMMITMENT_CAVEAT, markup=False, style="dim")


#: how the table names the sources of :attr:`guaranty.credibility.CredibilityResult.data_years`
_SOURCE_NAMES = {
    "cinc": "capabilities (COW NMC)",
    "atop": "pacts (ATOP)",
    "contiguity": "contiguity (COW)",
    "major": "major powers (COW)",
    "rivalry": "rivalries (Thompson & Dreyer)",
    "nuclear": "nuclear arms",
    "disputes": "militarized disputes (MID; the years of peace)",
}


def _data_year(obj: Any) -> str:
    """The year the scenario's credibility data are read at, and where it comes from."""
    cred = obj.credibility
    if cred is not None and cred.data_year is not None:
        return f"{cred.data_year}, credibility.data_year"
    if obj.year is None:
        return f"{obj.data_year}, the shipped data's last year: the scenario gives no year"
    return f"{obj.year}, the scenario's year"


def _credibility_table(obj: Any, result: Any) -> Table:
    """Every design's guarantors, at least one / all, and the renewed attack, one section a
    design."""
    h = result.horizon
    t = Table(
        title=f"{obj.name}: P(fight tomorrow | {result.conditioned_on}), and "
        f"{'a renewed attack' if result.war_today else 'an attack'} within {h} years; mean "
        "[90% interval]"
    )
    for col in ("design", "guarantor", "P(fight)", "interval"):
        t.add_column(col)
    for d in result.designs:
        j = d.to_json()
        if not d.guarantors:
            t.add_row(d.design.id, "(no guarantor)", "", "")
        same = " °" if d.fight_as_today else ""  # today's commitments, by construction
        for g, v in j["guarantors"].items():
            note = " (by construction)" if "by_construction" in v else ""
            mark = same if len(d.guarantors) == 1 else ""
            t.add_row(d.design.id, g + note + mark, f"{v['p_honor']:.3f}", _interval(v["ci"], note))
        if len(d.guarantors) > 1:  # with one guarantor, its own row says it
            t.add_row(
                "",
                styled((f"at least one / all{same}", "italic")),
                f"{j['p_any']:.3f} / "
                + ("0 (by construction)" if d.unable else f"{j['p_all']:.3f}"),
                f"[{j['p_any_ci'][0]:.3f}, {j['p_any_ci'][1]:.3f}]",
            )
        ci = j[f"p_attack_{h}y_ci"]
        t.add_row(
            "",
            styled(
                (
                    f"attacked within {h} y{' °' if d.attack_as_today else ''} / and abandoned",
                    "italic",
                )
            ),
            f"{j[f'p_attack_{h}y']:.3f} / {j[f'p_abandoned_{h}y']:.3f}",
            f"[{ci[0]:.3f}, {ci[1]:.3f}]",
            end_section=True,
        )
    return t


def _print_as_today(result: Any) -> None:
    """What the marks (°) of the table say, and on which designs: who fights, and the
    renewed attack, are those of today's commitments by construction."""
    from guaranty.credibility_case import as_today_note

    for what, ids, note in (
        (
            "who fights",
            [d.design.id for d in result.designs if d.fight_as_today],
            as_today_note(attack=False, fight=True),
        ),
        (
            "renewed attack",
            [d.design.id for d in result.designs if d.attack_as_today],
            as_today_note(),
        ),
    ):
        if ids:
            out.print(f"° ({what}) {note}: {', '.join(ids)}.", markup=False, style="dim")


def attack_with_data(obj: Any, result: Any, draws: int, seed: int) -> dict[str, Any]:
    """For each fact the scenario states in place of the data (``result.stated``), the
    (lowest, highest) over the designs of the mean P(a renewed attack within the horizon)
    with the data's value instead: the assessment run again on the same seed
    (:func:`guaranty.credibility_case.without_stated`); None where no design has one."""
    import numpy as np

    from guaranty import credibility as cr
    from guaranty.credibility_case import without_stated

    got: dict[str, Any] = {}
    for fact in result.stated:
        other = cr.assess(without_stated(obj, fact), draws=draws, seed=seed)
        risks = [
            float(np.mean(d.p_attack[~np.isnan(d.p_attack)]))
            for d in other.designs
            if (~np.isnan(d.p_attack)).any()
        ]
        got[fact] = [min(risks), max(risks)] if risks else None
    return got


def _print_widened(obj: Any, result: Any, alone: dict[str, float]) -> None:
    """The note on the designs whose P(fights) a stated prior widens, with their figures
    from history alone (:func:`fights_from_history`)."""
    from guaranty import credibility as cr

    sd = obj.credibility.unknown_sd if obj.credibility is not None else cr.UNKNOWN_SD
    widened = [
        d.design.id
        for d in result.designs
        if d.guarantors and cr.no_counterpart(d.design.obligations)
    ]
    if not widened or sd <= 0:
        return
    history = ", ".join(f"{k} {v:.3f}" for k, v in alone.items())
    out.print(
        f"Widened by a stated prior, not by history: {', '.join(widened)} hold an "
        "obligation with no historical counterpart, whose effect on the log-odds of "
        f"fighting is drawn from N(0, {sd:g}) (credibility.unknown_sd); from history "
        f"alone, with it at 0, at least one fights in {history} "
        "(docs/models/credibility.md gives them under other sds).",
        markup=False,
        style="dim",
    )


def fights_from_history(obj: Any, draws: int, seed: int) -> dict[str, float]:
    """Each design's mean P(at least one guarantor fights) from history alone, for the
    designs that hold an obligation with no historical counterpart: the assessment run
    again on the same seed with the stated prior's sd at 0 (:func:`guaranty.analysis.
    prior_off`); {} when no design holds one or the prior is 0 already."""
    import numpy as np

    from guaranty import credibility as cr
    from guaranty.analysis import prior_off

    other = prior_off(obj)
    if other is None:
        return {}
    res = cr.assess(other, draws=draws, seed=seed)
    return {
        d.design.id: float(np.mean(d.p_any))
        for d in res.designs
        if d.guarantors and cr.no_counterpart(d.design.obligations)
    }


def _attack_phrase(got: Sequence[float] | None, horizon: int) -> str:
    """``; with it, attacked within 10 y: 0.142-0.184 across the designs`` (empty without)."""
    if got is None:
        return ""
    lo, hi = got
    span = (
        f"{lo:.3f} under every design"
        if f"{lo:.3f}" == f"{hi:.3f}"
        else (f"{lo:.3f}-{hi:.3f} across the designs")
    )
    return f"; with it, attacked within {horizon} y: {span}"


def credibility_cmd(
    file: FileArg,
    draws: CredibilityDrawsOpt = 2000,
    seed: SeedOpt = 0,
    explain: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--explain",
            metavar="DESIGN GUARANTOR",
            help="Show which terms move one guarantor's probability under a design.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """P(fight tomorrow | not fighting today) for every design and guarantor, with the
    probability that at least one / all fight, and the probability of a renewed attack
    within the horizon and of being attacked and abandoned (two stages fitted to history)."""
    from guaranty import credibility as cr

    obj = load(file)
    if is_cases(obj):
        raise fail(f"error: {file}: credibility needs a scenario with guarantee designs")
    if explain is not None:
        info = cr.explain(obj, *explain)
        if as_json:
            print_json(info)
        else:
            _print_explain(info)
        return
    if not as_json:
        from guaranty.cli.war import today_notes

        for line in [*today_notes(obj), *unused_note(obj)]:
            err.print(line, markup=False)
    result = cr.assess(obj, draws=draws, seed=seed)
    with_data = attack_with_data(obj, result, draws, seed)
    alone = fights_from_history(obj, draws, seed)
    if as_json:
        data = result.to_json()
        for fact, got in with_data.items():
            data["stated_facts"][fact][f"p_attack_{result.horizon}y_with_data"] = got
        for design, got in alone.items():
            data["designs"][design]["p_any_history_alone"] = got
        print_json(data)
        return
    out.print(_credibility_table(obj, result))
    from guaranty.models.credibility.joining import FAMOUS_CASES_CAVEAT
    from guaranty.models.deterrence.challenge import COMMITMENT_CAVEAT

    if any(d.guarantors for d in result.designs):
        out.print(FAMOUS_CASES_CAVEAT, markup=False, style="dim")
    _print_widened(obj, result, alone)
    late = [
        d.design.id
        for d in result.designs
        if d.guarantors and d.exposure_years.size and (d.exposure_years >= d.horizon).all()
    ]
    if late:
        out.print(
            f"Not in force within the {result.designs[0].horizon}-year horizon in any draw: "
            f"{', '.join(late)} (years_to_effect); their renewed-attack and abandonment "
            "figures are those of today's arrangement, and P(fight) is for an attack once "
            "the design is in force.",
            markup=False,
            style="dim",
        )
    _print_as_today(result)
    out.print(COMMITMENT_CAVEAT, markup=False, style="dim")
    if result.data_years:
        stated = set(obj.credibility.pair) if obj.credibility else set()
        read = ", ".join(
            f"{_SOURCE_NAMES.get(k, k)} {'stated in the scenario' if k in stated else v}"
            for k, v in result.data_years.items()
        )
        out.print(
            f"The states' data as read (the latest year up to {_data_year(obj)}): {read}.",
            markup=False,
        )
    if result.stated:
        from guaranty.credibility_case import stated_nuclear_facts

        nuclear = stated_nuclear_facts(obj)
        facts = ", ".join(
            f"{k} {s:g} (the data: {d:g}{_attack_phrase(with_data.get(k), result.horizon)})"
            for k, (s, d) in result.stated.items()
        )
        reads = []
        if len(nuclear) < len(result.stated):
            reads.append("a fact of the pair sets the level of the renewed-attack rows")
        if nuclear:
            reads.append("a state's nuclear status enters who fights and the renewed attack")
        out.print(
            f"Stated in the scenario in place of the data: {facts}; {' and '.join(reads)} "
            "(docs/scenario-format.md: credibility.pair, an actor's nuclear).",
            markup=False,
        )
