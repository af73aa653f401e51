"""Variance decomposition of claims: first-order Sobol indices from given data, and the
per-draw quantity whose variance a claim's Sobol indices decompose (``guaranty claims
--sobol``; docs/claims.md)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import numpy as np

from guaranty.claims.expressions import eval_node
from guaranty.claims.ledger import is_distribution

__all__ = ["first_order_indices", "sobol_target", "sobol_values"]


def first_order_indices(
    y: np.ndarray, inputs: Mapping[str, np.ndarray], *, bins: int = 20
) -> dict[str, float]:
    """Given-data estimates of first-order Sobol indices S1 = Var(E[y | x_i]) / Var(y).

    y: the output per draw, shape (n,); inputs: name -> values per draw, shape (n,). Each
    input is cut into ``bins`` bins of equal counts (ties kept together); the variance of
    the bin means of y, less what bins of pure noise would give ((bins - 1) Var(y) / n), over
    Var(y). Needs no design matrix (Plischke, Borgonovo & Smith 2013 style); total indices
    do. Inputs that do not vary, or an output that does not, give no index."""
    y = np.asarray(y, dtype=float)
    n = y.size
    var = float(y.var())
    out: dict[str, float] = {}
    if n < 2 * bins or var == 0:
        return out
    mean = float(y.mean())
    for name, x in inputs.items():
        x = np.asarray(x, dtype=float)
        if x.shape != y.shape or np.ptp(x) == 0 or np.isnan(x).any():
            continue
        edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1]))
        b = np.searchsorted(edges, x, side="right")
        counts = np.bincount(b)
        sums = np.bincount(b, weights=y)
        used = counts > 0
        means = sums[used] / counts[used]
        between = float(np.sum(counts[used] * (means - mean) ** 2) / n)
        k = int(used.sum())
        out[name] = max(0.0, (between - (k - 1) * var / n) / var)
    return out


#: distribution outputs and the per-draw outputs whose mean (or variance) they summarise
_PER_DRAW = (("war.p_", "war."), ("p_design.", "design."), ("p_peace_reached", "peace"))


class _PerDraw(ast.NodeTransformer):
    """Rewrite distribution outputs to the per-draw outputs they summarise (``war.p_X`` ->
    ``war.X``, ``p_design.D`` -> ``design.D``, ``p_peace_reached`` -> ``peace``,
    ``explained.I`` -> ``settled.I``: the variance that share is a share of)."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        name = ast.unparse(node)
        for old, new in (*_PER_DRAW, ("explained.", "settled.")):
            if name.startswith(old):
                return ast.parse(new + name[len(old) :], mode="eval").body
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "p_peace_reached":
            return ast.Name(id="peace", ctx=ast.Load())
        return node


#: a claim about single draws that holds, or fails, in all but this share of the ledger's
#: draws is decomposed by its margin (:func:`sobol_target`): a truth value that turns in a
#: few draws of a thousand gives indices that are noise (the Ukraine claim
#: ``accession_window_vulnerable``, holding in 99.4%, got total indices of 1.00 +- 1.46)
RARE = 0.02


def sobol_target(claim: Any, reference: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The per-draw quantity whose variance a claim's Sobol indices decompose, as an
    expression over the run's outputs, and whether it is a truth value.

    A claim about single draws: its statement (true or false in each draw; its mean is the
    claim's share). A claim about the whole distribution (``war.p_frozen > war.p_decisive``):
    the difference of the two sides of its comparison with each summary replaced by the
    per-draw output it averages (``war.frozen - war.decisive``, whose mean is the claim's
    margin); for a conjunction, the comparison that decides it on ``reference`` (the
    outputs of the ledger's run): of the orderings that fail there, the one nearest to
    holding; if none fails, the one with the smallest margin, nearest to failing. A claim
    about single draws that holds, or fails, in every draw of ``reference`` but a share
    :data:`RARE` has a truth value with no variance, or too little to apportion: then the
    margin of its deciding comparison, if that is an ordering (``<``, ``>``, ...), so that
    the indices say what moves a verdict (almost) no draw turns. None for a statement of
    another form."""
    if not claim.statement:
        return None
    if not is_distribution(claim, reference):
        try:
            holds = np.asarray(eval_node(ast.parse(claim.statement, mode="eval"), reference))
            given = getattr(claim, "given", None)
            if given:  # unanimous over the draws the claim is about
                holds = holds[np.asarray(eval_node(ast.parse(given, mode="eval"), reference))]
        except (KeyError, TypeError, IndexError):
            return claim.statement, True
        if holds.size and holds.dtype == bool and min(holds.mean(), 1 - holds.mean()) <= RARE:
            # true (or false) in (nearly) every draw: its truth has no variance, or too
            # little for a design of a few thousand points to apportion; its margin has
            return _margin(claim.statement, reference, strict=True) or (claim.statement, True)
        return claim.statement, True
    return _margin(claim.statement, reference)


def _margin(
    statement: str, reference: Mapping[str, Any], *, strict: bool = False
) -> tuple[str, bool] | None:
    """The per-draw difference of the two sides of the statement's deciding comparison
    (:func:`sobol_target`); ``strict``: only an ordering (``<``, ``<=``, ``>``, ``>=``),
    whose difference is a margin."""
    tree = ast.parse(statement, mode="eval").body
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    best: tuple[bool, float, str] | None = None
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1):
            return None
        if strict and type(part.ops[0]) not in (ast.Lt, ast.LtE, ast.Gt, ast.GtE):
            return None
        left, right = part.left, part.comparators[0]
        try:
            margin = float(np.nanmean(eval_node(left, reference) - eval_node(right, reference)))
        except (KeyError, TypeError):
            return None
        diff = ast.BinOp(left=left, op=ast.Sub(), right=right)
        expr = ast.unparse(_PerDraw().visit(ast.fix_missing_locations(diff)))
        # an ordering that fails on the reference decides a conjunction before any that
        # holds (its slack, the margin in the direction that holds, is negative)
        op = type(part.ops[0])
        slack = -margin if op in (ast.Lt, ast.LtE) else margin
        key = (not (op in (ast.Lt, ast.LtE, ast.Gt, ast.GtE) and slack < 0), abs(margin), expr)
        if best is None or key[:2] < best[:2]:
            best = key
    return (best[2], False) if best is not None else None


def sobol_values(target: tuple[str, bool], outputs: Mapping[str, Any]) -> np.ndarray:
    """The per-draw values of a :func:`sobol_target` (shape (draws,); truth values as 0/1)."""
    expr, _ = target
    value = eval_node(ast.parse(expr, mode="eval"), outputs)
    return np.asarray(value, dtype=float)
