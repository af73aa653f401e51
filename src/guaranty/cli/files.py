"""Commands that read a scenario file and print it back: ``validate`` (a check and a
summary) and ``show`` (every section as a table, or the whole file as JSON); and
``scenarios``, the list of the shipped scenarios that every command takes by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from guaranty.cli import quick
from guaranty.cli.common import out, print_json, styled
from guaranty.cli.lazy import describe, is_cases
from guaranty.cli.options import FileArg, JsonOpt
from guaranty.cli.quick import summary
from guaranty.scenario import load

if TYPE_CHECKING:
    from guaranty.scenario import CaseSet, Scenario


def validate(file: FileArg, as_json: JsonOpt = False) -> None:
    """Check any supported file and print a summary."""
    quick.validate(file, as_json)


def scenario_json(s: Scenario) -> dict[str, Any]:
    """The validated scenario as JSON (fields left empty omitted)."""
    return s.model_dump(mode="json", exclude_none=True)


def _table(title: str, *columns: str) -> Table:
    t = Table(title=title)
    for col in columns:
        t.add_column(col)
    return t


def _cases_table(obj: CaseSet) -> Table:
    t = _table(
        f"{obj.name}: {len(obj.cases)} cases",
        "case",
        "label",
        "actors",
        "reference point",
        "outcome",
    )
    for c in obj.cases:
        i = c.issues[0]
        t.add_row(
            c.name,
            i.label,
            str(len(c.positions)),
            "" if i.reference_point is None else f"{i.reference_point:g}",
            "" if i.outcome is None else f"{i.outcome:g}",
        )
    return t


def _actors_table(obj: Scenario) -> Table:
    t = _table("Actors", "id", "name", "COW", "capability", "nuclear", "roles")
    for a in obj.actors:
        roles = ", ".join(r.value for r in a.roles)
        if a.members:
            roles += f" ({len(a.members)} members)"
        t.add_row(
            a.id,
            a.name,
            "" if a.cow is None else str(a.cow),
            describe(a.capability_value),
            obj.nuclear_label(a.id),
            roles,
        )
    return t


def _issues_table(obj: Scenario) -> Table:
    t = _table("Issues", "id", "label", "scale", "anchors")
    for i in obj.issues:
        anchors = "; ".join(f"{k:g}: {v}" for k, v in sorted(i.anchors.items()))
        t.add_row(i.id, i.label, f"[{i.scale[0]:g}, {i.scale[1]:g}]", anchors)
    return t


def _positions_table(obj: Scenario) -> Table:
    t = _table("Positions (position / salience)", "actor", *(i.id for i in obj.issues))
    for a in obj.actors:
        cells = []
        for i in obj.issues:
            e = obj.position(a.id, i.id)
            cells.append("—" if e is None else f"{describe(e.position)} / {describe(e.salience)}")
        t.add_row(a.id, *cells)
    return t


def _guarantees_table(obj: Scenario) -> Table:
    t = _table(
        "Guarantee designs",
        *("id", "label", "guarantors", "obligations", "legal form", "years", "level"),
    )
    for d in obj.guarantees:
        t.add_row(
            d.id,
            d.label + ("" if d.realistic else " (dismissed)"),
            ", ".join(d.guarantors),
            ", ".join(o.value for o in d.obligations),
            d.legal_form.value,
            describe(d.years_to_effect),
            describe(d.level),
        )
    return t


def _claims_table(obj: Scenario) -> Table:
    t = _table("Claims", "id", "who", "claim", "checkable statement")
    for c in obj.claims:
        t.add_row(c.id, c.who, c.paraphrase, c.statement or "(pending)")
    return t


def _inputs_table(obj: Scenario) -> Table | None:
    """The war's, the credibility model's, deterrence's and the pipeline's inputs with their
    values and sources, as the report's assumptions list them
    (:func:`guaranty.report.context.assumption_rows`; the capabilities and the designs' years
    and rungs are in the tables above); None when the scenario has none but the pipeline's
    default."""
    from guaranty.report.context import assumption_rows

    if not obj.war and not obj.credibility and not obj.deterrence:
        return None
    shown = {"capability", "designs"}
    rows = [r for r in assumption_rows(obj) if r["group"] not in shown]
    t = _table("Other inputs and their sources", "part", "input", "value", "source")
    for r in rows:
        t.add_row(r["group"], r["name"], r["value"], r["source"])
    return t


def show(file: FileArg, as_json: JsonOpt = False) -> None:
    """Show actors, issues, positions, guarantee designs, claims and the other inputs (the
    war's, the credibility model's, deterrence's) with their sources as tables."""
    obj = load(file)
    if is_cases(obj):
        if as_json:
            print_json({**summary(obj), "cases": [scenario_json(c) for c in obj.cases]})
        else:
            out.print(_cases_table(obj))
        return
    if as_json:
        print_json(scenario_json(obj))
        return
    out.print(styled((obj.name, "bold"), f" — {obj.description}" if obj.description else ""))
    out.print(_actors_table(obj))
    out.print(_issues_table(obj))
    out.print(_positions_table(obj))
    if obj.guarantees:
        out.print(_guarantees_table(obj))
    if obj.claims:
        out.print(_claims_table(obj))
    inputs = _inputs_table(obj)
    if inputs is not None:
        out.print(inputs)


def scenarios_cmd(as_json: JsonOpt = False) -> None:
    """List the shipped scenarios; any command takes one by name: guaranty analyze ukraine-2022."""
    from guaranty.scenario.shipped import catalogue

    rows = catalogue()
    if as_json:
        print_json(rows)
        return
    t = _table("Shipped scenarios", "name", "year", "title")
    for r in rows:
        t.add_row(r["name"], "" if r["year"] is None else str(r["year"]), r["title"])
    out.print(t)
