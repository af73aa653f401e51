"""The claim vocabulary: the output names a claim's statement may use, checked at validation.

A claim's ``statement`` (and ``given``) names model outputs such as ``p_any.nato_membership``
or ``war.p_frozen`` (docs/claims.md). This module lists those names for a scenario
(:func:`output_names`) and checks a scenario's claims against them (:func:`check_names`),
while the scenario file is validated.

It stays light on purpose: it imports nothing from ``guaranty.models``, ``guaranty.claims``
or the pipeline modules, and not numpy, so validating a file does not load the models. The
negotiation models a forecast may name are therefore data here (:data:`BUILTIN_MODELS`, kept
equal to the model registry by a test), plus the models registered so far when the registry
is already loaded (models a user registers). :mod:`guaranty.claims` re-exports these names.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from guaranty.errors import ScenarioError

__all__ = [
    "BUILTIN_MODELS",
    "CREDIBILITY_OUTPUTS",
    "DISTRIBUTION_OUTPUTS",
    "PIPELINE_METRICS",
    "WAR_FLAGS",
    "check_names",
    "negotiation_models",
    "output_names",
    "statement_names",
]

#: the what-if metrics of a pipeline run, one value per design (the one list; the run's
#: results read it as ``guaranty.results.METRICS``)
PIPELINE_METRICS = (
    "p_any",
    "p_all",
    "expected_capability",
    "max_p_honor",
    "p_no_attack",
    "p_abandoned",
    "p_attack_window",
    "exposure_years",
    "p_peace",
)

#: the war's per-draw flags; each also as a share ``p_NAME``
WAR_FLAGS = ("settlement", "decisive_a", "decisive_b", "frozen", "ongoing", "decisive")

#: the credibility model's per-design outputs outside the pipeline
#: (``guaranty.credibility.CredibilityResult.outputs`` builds its groups from this)
CREDIBILITY_OUTPUTS = (
    "p_any",
    "p_all",
    "expected_capability",
    "mean_p_honor",
    "p_attack",
    "p_abandoned",
)

#: outputs that summarise the whole distribution, one value repeated in every draw (read by
#: ``guaranty.results.RunResult.DISTRIBUTION_OUTPUTS``)
DISTRIBUTION_OUTPUTS = ("war.p_", "p_peace_reached", "explained.", "p_design.")

#: the negotiation models shipped with guaranty, in the order the model registry lists them
#: (``guaranty.models.registry.available()``; a test keeps the two equal)
BUILTIN_MODELS = ("bdm", "compromise", "median", "exchange", "extremity", "nash", "smp")

#: the negotiation model of the settlement unless a scenario names one
#: (``guaranty.plan.DEFAULT_MODEL``, where the choice is explained)
DEFAULT_SETTLEMENT = "extremity"

#: the parameters each built-in model declares, by name (``parameters`` of its class; a
#: test keeps the two equal), so that a scenario's ``pipeline.params`` is checked for names
#: when it loads, with the file and line, without loading the models; the values are
#: checked by the model's own declaration when the pipeline builds it
BUILTIN_PARAMETERS: dict[str, tuple[str, ...]] = {
    "bdm": ("rounds", "tol", "q", "t", "probability", "vote_utility", "risk", "selection",
            "capitulation", "scale"),
    "compromise": (),
    "median": (),
    "exchange": ("rounds", "move_sum"),
    "extremity": ("extreme_weight", "capability_exponent", "salience_exponent"),
    "nash": ("disagreement",),
    "smp": ("VictoryProbModel", "VotingRule", "PCEModel", "StateTransitions", "BigRRange",
            "BigRAdjust", "ThirdPartyCommit", "InterVecBrgn", "BargnModel", "minIter",
            "maxIter", "minDeltaRatio", "forecast", "grouping", "capability"),
}  # fmt: skip

_REGISTRY = "guaranty.models.registry"


def negotiation_models() -> tuple[str, ...]:
    """The names a forecast output may carry (``forecast.MODEL.ISSUE``): the built-in models,
    then any other model the registry holds when the registry is already loaded (it is not
    imported here: loading it loads every model)."""
    registry = sys.modules.get(_REGISTRY)
    if registry is None:
        return BUILTIN_MODELS
    extra = [name for name in registry.available() if name not in BUILTIN_MODELS]
    return (*BUILTIN_MODELS, *extra)


def statement_names(statement: str | None) -> set[str]:
    """The dotted output names a statement uses (``war.p_frozen``, ``max_p_honor``); empty
    for no statement or one that does not parse."""
    if not statement:
        return set()
    try:
        tree = ast.parse(statement, mode="eval")
    except SyntaxError:
        return set()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            parts = []
            cur: ast.AST = node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                parts.append(cur.id)
                out.add(".".join(reversed(parts)))
    return out


def _runs_pipeline(scenario: Any) -> bool:
    return (
        scenario.war is not None
        and scenario.credibility is not None
        and len(scenario.guarantees) > 0
    )


def output_names(scenario: Any) -> set[str]:
    """The dotted output names a claim of ``scenario`` may use: those of the pipeline run
    (``guaranty.results.RunResult.outputs``) when the scenario has a war, credibility
    settings and designs (``guaranty analyze`` then checks the claims on the run), else
    those of the separate analyses (negotiation forecasts, credibility, war)."""
    issues = [i.id for i in scenario.issues]
    designs = [d.id for d in scenario.guarantees]
    war = {"war.front", "war.end_month", "war.terms"}
    war |= {f"war.{f}" for f in WAR_FLAGS} | {f"war.p_{f}" for f in WAR_FLAGS}
    if _runs_pipeline(scenario):
        names = set(war) | {"peace", "p_peace_reached", "max_p_honor"}
        for group in ("settled", "explained"):
            names |= {f"{group}.{i}" for i in issues}
        for group in ("design", "p_design"):
            names |= {f"{group}.{d}" for d in designs}
        names |= {f"chosen.{m}" for m in PIPELINE_METRICS}
        names |= {f"{m}.{d}" for m in PIPELINE_METRICS if m != "max_p_honor" for d in designs}
        return names
    names = {f"forecast.{m}.{i}" for m in negotiation_models() for i in issues}
    if scenario.credibility is not None and designs:
        names |= {f"{m}.{d}" for m in CREDIBILITY_OUTPUTS for d in designs} | {"max_p_honor"}
    if scenario.war is not None:
        names |= war - {"war.terms"}  # the settled terms come from the chain alone
    return names


def check_names(scenario: Any) -> None:
    """Raise a :class:`ScenarioError` (field ``claims[k].statement`` or ``.given``) for the
    first claim whose statement or ``given`` does not parse, or names an output the
    scenario does not produce, with the nearest known name as a suggestion."""
    known = output_names(scenario)
    for k, c in enumerate(scenario.claims):
        for key in ("statement", "given"):
            text = getattr(c, key)
            if text:
                _check_text(c.id, key, text, ("claims", k, key), known)


_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_CMPOPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_PARTS = (ast.Expression, ast.Name, ast.Load, ast.BoolOp, ast.And, ast.Or, ast.Not, ast.USub)


def _is_zero(node: ast.AST) -> bool:
    """Whether ``node`` is the number 0, written as such (``0``, ``0.0``, ``-0``)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == 0


def _shape_problem(tree: ast.Expression) -> str | None:
    """What is wrong with a parsed statement's form, as the end of a sentence ("uses Call,
    which ..."), or None: statements allow numbers, output names, + - * /, comparisons (chained
    too), and/or/not, unary minus and parentheses (``guaranty.claims.expressions``), must
    name at least one output (else they hold in every draw or in none), and must be true or
    false in each draw (a comparison, or comparisons joined by and/or/not)."""
    for node in ast.walk(tree):
        if isinstance(node, (*_PARTS, *_BINOPS, *_CMPOPS, ast.Attribute)):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
            if isinstance(node.op, ast.Div) and _is_zero(node.right):
                # a typo, not a claim: x / 0 is infinite in every draw
                return "divides by 0, which makes the quotient infinite in every draw"
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            continue
        if isinstance(node, ast.Compare) and all(isinstance(op, _CMPOPS) for op in node.ops):
            continue
        what = type(getattr(node, "op", node)).__name__
        return (
            f"uses {what}, which statements do not allow (numbers, output names, + - * /, "
            "comparisons, and/or/not, parentheses; docs/claims.md)"
        )
    body = tree.body
    if not isinstance(body, ast.Compare | ast.BoolOp) and not (
        isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not)
    ):
        return "must be a comparison, true or false in each draw (such as 'war.p_frozen > 0.5')"
    if not any(isinstance(node, ast.Name) for node in ast.walk(tree)):
        return (
            "names no output of the models: it would hold in every draw or in none; compare "
            "an output with a number or with another output"
        )
    return None


def _check_text(claim: str, key: str, text: str, where: tuple, known: set[str]) -> None:
    """Raise a :class:`ScenarioError` at ``where`` if ``text`` does not parse or names an
    output outside ``known``."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ScenarioError(
            f"claim '{claim}': the {key} is not a valid expression: {exc.msg}", field=where
        ) from None
    problem = _shape_problem(tree)
    if problem is not None:
        raise ScenarioError(f"claim '{claim}': the {key} {problem}", field=where)
    for name in sorted(statement_names(text)):
        if name in known or any(n.startswith(name + ".") for n in known):
            continue
        import difflib  # only on the error path

        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        groups = sorted({n.split(".")[0] for n in known})
        raise ScenarioError(
            f"claim '{claim}': the {key} names an unknown output '{name}'; {hint}"
            f"outputs of this scenario: {', '.join(groups)} (per design or issue: "
            "name.ID; docs/claims.md)",
            field=where,
        )
