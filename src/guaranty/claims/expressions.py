"""The safe evaluator of claim statements: a small expression language over named outputs.

Statements are parsed with :mod:`ast` and walked here, never ``eval``-ed. Allowed: numbers,
names, attribute access into groups of outputs (``p_any.nato_membership``), + - * /,
comparisons (chained too), ``and``, ``or``, ``not``, unary minus and parentheses. Anything
else (calls, subscripts, attributes of non-outputs) raises ``TypeError`` in
:func:`eval_node` and a :class:`~guaranty.errors.ScenarioError` in :func:`evaluate` (a
scenario's claims are checked for the same at load, with the line:
``guaranty.scenario.claim_names``). Arithmetic is numpy's, without its warnings: a division
by zero gives an infinity, and 0 / 0 a NaN, which no comparison holds for.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np

from guaranty.errors import ScenarioError

__all__ = ["comparison_sides", "eval_node", "evaluate", "output_ranges"]

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_CMPOPS = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _resolve(node: ast.AST, outputs: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        if node.id not in outputs:
            raise KeyError(node.id)
        return outputs[node.id]
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, outputs)
        if not isinstance(base, Mapping) or node.attr not in base:
            raise KeyError(node.attr)
        return base[node.attr]
    raise TypeError(type(node).__name__)


def _output(node: ast.Name | ast.Attribute, outputs: Mapping[str, Any]) -> np.ndarray:
    value = _resolve(node, outputs)
    if isinstance(value, Mapping):
        raise TypeError("a name must lead to one output, not a group")
    return np.asarray(value, dtype=float)


def _bool_op(node: ast.BoolOp, outputs: Mapping[str, Any]) -> np.ndarray:
    parts = [np.asarray(eval_node(v, outputs), dtype=bool) for v in node.values]
    combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
    out = parts[0]
    for p in parts[1:]:
        out = combine(out, p)
    return out


def _compare(node: ast.Compare, outputs: Mapping[str, Any]) -> Any:
    left = eval_node(node.left, outputs)
    result = None
    for op, comp in zip(node.ops, node.comparators, strict=True):
        right = eval_node(comp, outputs)
        part = _CMPOPS[type(op)](left, right)
        result = part if result is None else np.logical_and(result, part)
        left = right
    return result


def eval_node(node: ast.AST, outputs: Mapping[str, Any]) -> Any:
    """The value of a parsed statement (or part of one) over ``outputs``: a float for a
    number, an array of shape (draws,) for an output, bool arrays for comparisons.

    ``outputs`` maps a name to an array of shape (draws,) or to a group (a mapping of such
    names). Raises ``KeyError`` for an unknown name and ``TypeError`` for syntax statements
    do not allow."""
    if isinstance(node, ast.Expression):
        return eval_node(node.body, outputs)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return np.float64(node.value)  # numpy's division: x / 0 is inf, not an exception
    if isinstance(node, ast.Name | ast.Attribute):
        return _output(node, outputs)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = eval_node(node.left, outputs), eval_node(node.right, outputs)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -eval_node(node.operand, outputs)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~np.asarray(eval_node(node.operand, outputs), dtype=bool)
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, outputs)
    if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
        return _compare(node, outputs)
    raise TypeError(type(node).__name__)


def evaluate(statement: str, outputs: Mapping[str, Any], *, claim: str = "?") -> np.ndarray:
    """Evaluate ``statement`` draw by draw; returns a bool array of shape (draws,)."""
    where = ("claims", claim, "statement")
    try:
        tree = ast.parse(statement, mode="eval")
    except SyntaxError as exc:
        raise ScenarioError(
            f"statement is not a valid expression: {exc.msg}", field=where
        ) from None
    try:
        value = eval_node(tree, outputs)
    except KeyError as exc:
        known = ", ".join(sorted(outputs))
        raise ScenarioError(
            f"statement names an unknown output {exc.args[0]!r} (outputs: {known}; "
            "per design: name.DESIGN_ID)",
            field=where,
        ) from None
    except TypeError as exc:
        raise ScenarioError(
            f"statement uses {exc.args[0]}, which statements do not allow (numbers, outputs, "
            "+ - * /, comparisons, and/or/not)",
            field=where,
        ) from None
    value = np.asarray(value)
    if value.dtype != bool:
        raise ScenarioError(
            "statement must be a comparison (true or false in each draw)", field=where
        )
    return value


def comparison_sides(
    statement: str, outputs: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The two sides of a statement that is a single comparison of two outputs
    (``a > b``, ``a <= b``, ...), each of shape (draws,); None for any other statement."""
    try:
        tree = ast.parse(statement, mode="eval").body
    except SyntaxError:
        return None
    if not (
        isinstance(tree, ast.Compare)
        and len(tree.ops) == 1
        and type(tree.ops[0]) in (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
    ):
        return None
    left, right = tree.left, tree.comparators[0]
    if not all(isinstance(n, ast.Name | ast.Attribute) for n in (left, right)):
        return None
    try:
        a = np.asarray(eval_node(left, outputs), dtype=float)
        b = np.asarray(eval_node(right, outputs), dtype=float)
    except (KeyError, TypeError):
        return None
    shape = np.broadcast_shapes(a.shape, b.shape)
    return np.broadcast_to(a, shape), np.broadcast_to(b, shape)


def _outputs_named(node: ast.AST) -> list[ast.Name | ast.Attribute]:
    """The whole output names of a parsed statement (``p_any.usa``, not its ``p_any``)."""
    if isinstance(node, ast.Name | ast.Attribute):
        return [node]
    return [n for child in ast.iter_child_nodes(node) for n in _outputs_named(child)]


def output_ranges(
    statement: str, outputs: Mapping[str, Any], sel: np.ndarray
) -> dict[str, tuple[float, float]]:
    """The least and the greatest value over the draws ``sel`` (bool, shape (draws,)) of each
    output the statement names, NaNs left out: ``{name: (low, high)}``; a name without a
    finite value there, or that does not resolve, is left out. A statement whose outputs
    all have ``low == high`` reads the same values in every draw."""
    try:
        tree = ast.parse(statement, mode="eval").body
    except SyntaxError:
        return {}
    ranges: dict[str, tuple[float, float]] = {}
    for node in _outputs_named(tree):
        try:
            value = np.broadcast_to(_output(node, outputs), sel.shape)[sel]
        except (KeyError, TypeError, ValueError):
            continue
        value = value[np.isfinite(value)]
        if value.size:
            ranges[ast.unparse(node)] = (float(value.min()), float(value.max()))
    return ranges
