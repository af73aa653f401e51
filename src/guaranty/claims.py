"""The claims ledger: each claim of the debate as a checkable statement over model outputs.

A claim's ``statement`` is a small expression over named outputs, evaluated draw by draw::

    p_any.budapest_assurances < 0.2
    p_any.nato_membership > p_any.israel_model and p_all.nato_membership < 0.5
    max_p_honor < 0.1

Names are outputs (``p_any``, ``p_all``, ``expected_capability``, ``mean_p_honor``: one
value per design, written ``name.design``; ``max_p_honor``: the largest P(honor) over every
design and guarantor; ``forecast.MODEL.ISSUE``: a negotiation forecast). Allowed syntax:
numbers, names, attribute access, + - * /, comparisons (chained too), ``and``, ``or``,
``not``, parentheses. Anything else (calls, subscripts of arbitrary objects, attributes of
non-outputs) is rejected: statements are parsed with :mod:`ast`, never ``eval``-ed.

A claim's **verdict** is read from the share of draws in which its statement holds:
supported (>= 0.8), not supported (<= 0.2), depends (in between); its **sensitivity** names
the uncertain inputs whose lower and upper halves change that share the most.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from guaranty.errors import ScenarioError

__all__ = [
    "VERDICTS",
    "ClaimResult",
    "check_names",
    "classify",
    "evaluate",
    "ledger",
    "output_names",
    "run_ledger",
    "verdict",
]

#: the what-if metrics of a pipeline run, one value per design (as in
#: ``guaranty.montecarlo.METRICS``; a test keeps the two equal)
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


def _runs_pipeline(scenario: Any) -> bool:
    return (
        scenario.war is not None
        and scenario.credibility is not None
        and len(scenario.guarantees) > 0
    )


def output_names(scenario: Any) -> set[str]:
    """The dotted output names a claim of ``scenario`` may use: those of the pipeline run
    (``guaranty.montecarlo.RunResult.outputs``) when the scenario has a war, credibility
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
    from guaranty.models import registry

    names = {f"forecast.{m}.{i}" for m in registry.available() for i in issues}
    if scenario.credibility is not None and designs:
        names |= {f"{m}.{d}" for m in CREDIBILITY_OUTPUTS for d in designs} | {"max_p_honor"}
    if scenario.war is not None:
        names |= war
    return names


def check_names(scenario: Any) -> None:
    """Raise a :class:`ScenarioError` (field ``claims[k].statement`` or ``.given``) for the
    first claim whose statement or ``given`` does not parse, or names an output the
    scenario does not produce, with the nearest known name as a suggestion."""
    import difflib

    known = output_names(scenario)
    for k, c in enumerate(scenario.claims):
        for key in ("statement", "given"):
            text = getattr(c, key)
            if not text:
                continue
            where = ("claims", k, key)
            try:
                ast.parse(text, mode="eval")
            except SyntaxError as exc:
                raise ScenarioError(
                    f"claim '{c.id}': the {key} is not a valid expression: {exc.msg}",
                    field=where,
                ) from None
            for name in sorted(_names(text)):
                if name in known or any(n.startswith(name + ".") for n in known):
                    continue
                close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                groups = sorted({n.split(".")[0] for n in known})
                raise ScenarioError(
                    f"claim '{c.id}': the {key} names an unknown output '{name}'; {hint}"
                    f"outputs of this scenario: {', '.join(groups)} (per design or issue: "
                    "name.ID; docs/claims.md)",
                    field=where,
                )


SUPPORTED, NOT_SUPPORTED = 0.8, 0.2

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


def _eval(node: ast.AST, outputs: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, outputs)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        value = _resolve(node, outputs)
        if isinstance(value, Mapping):
            raise TypeError("a name must lead to one output, not a group")
        return np.asarray(value, dtype=float)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval(node.left, outputs), _eval(node.right, outputs))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, outputs)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~np.asarray(_eval(node.operand, outputs), dtype=bool)
    if isinstance(node, ast.BoolOp):
        parts = [np.asarray(_eval(v, outputs), dtype=bool) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
        left = _eval(node.left, outputs)
        result = None
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, outputs)
            part = _CMPOPS[type(op)](left, right)
            result = part if result is None else np.logical_and(result, part)
            left = right
        return result
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
        value = _eval(tree, outputs)
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


#: every verdict a claim can get, in the order the report lists them
VERDICTS = (
    "supported",
    "depends",
    "not supported",
    "by construction",
    "indistinguishable",
    "not checkable",
)

#: inputs kept per claim for its tornado chart (:attr:`ClaimResult.swings`)
SWINGS = 6

#: two sides of a comparison closer than this share of their scale (at least 0.005 for
#: probabilities) cannot be told apart by the simulation
TIE = 0.005


def _sides(statement: str, outputs: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray] | None:
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
        a = np.asarray(_eval(left, outputs), dtype=float)
        b = np.asarray(_eval(right, outputs), dtype=float)
    except (KeyError, TypeError):
        return None
    return np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)), np.broadcast_to(
        b, np.broadcast_shapes(a.shape, b.shape)
    )


def classify(
    claim: Any,
    holds: np.ndarray,
    sel: np.ndarray,
    outputs: Mapping[str, Any],
    sensitivity: tuple[tuple[str, float, float], ...] = (),
) -> tuple[str, str]:
    """A claim's verdict (one of :data:`VERDICTS`) and a one-sentence reading.

    In order: ``not checkable`` when the scenario marks the statement as a proxy (its
    ``proxy`` field says why); ``by construction`` when it restates an input (``restates``);
    ``indistinguishable`` when it compares two outputs whose difference, averaged over the
    draws it is about, is smaller than :data:`TIE` times their scale (a tie the simulation
    cannot break); ``by construction`` when a per-draw statement holds, or fails, in every
    draw (no input within its stated range changes it, so the verdict follows from the
    inputs); otherwise supported (>= 80% of the draws), not supported (<= 20%) or
    depends."""
    n = int(sel.sum())
    share = float(holds[sel].mean()) if n else float("nan")
    given = getattr(claim, "given", None)
    over = "" if given is None else f" of the {n:,} draws where {given}"
    if getattr(claim, "proxy", None):
        return "not checkable", f"The statement is a proxy: {claim.proxy}"
    if getattr(claim, "restates", None):
        return "by construction", f"The statement restates an input: {claim.restates}."
    if n == 0:
        return "no draws", "No draw satisfies the claim's condition."
    sides = _sides(claim.statement, outputs)
    if sides is not None:
        a, b = (v[sel] for v in sides)
        ok = ~(np.isnan(a) | np.isnan(b))
        if ok.any():
            diff = float(np.mean(a[ok] - b[ok]))
            scale = max(1.0, float(np.mean(np.abs(a[ok]) + np.abs(b[ok]))) / 2.0)
            if abs(diff) <= TIE * scale:
                return "indistinguishable", (
                    f"The two sides differ by {diff:+.4f} on average{over}, less than "
                    f"{TIE:g} of their scale: the comparison is a tie the model cannot break."
                )
    if share in (0.0, 1.0) and not _is_distribution(claim, outputs):
        word = "holds" if share == 1.0 else "fails"
        return "by construction", (
            f"It {word} in every draw{over}: no input within its stated range changes it, so "
            "the verdict follows from the inputs rather than from anything uncertain."
        )
    v = verdict(share)
    turn = (
        "; it turns on "
        + "; ".join(
            f"{name} ({lo:.0%} in its lower half, {hi:.0%} in its upper)"
            for name, lo, hi in sensitivity
        )
        if sensitivity
        else "; no single input's halves move it by 10 points or more"
    )
    return v, f"It holds in {share:.0%}{over or ' of the draws'}{turn}."


#: outputs that summarise the whole distribution, one value repeated in every draw (as
#: ``guaranty.montecarlo.RunResult.DISTRIBUTION_OUTPUTS``; a test keeps the two equal)
DISTRIBUTION_OUTPUTS = ("war.p_", "p_peace_reached", "explained.", "p_design.")


def _is_distribution(claim: Any, outputs: Mapping[str, Any]) -> bool:
    """Whether the claim is about the whole distribution (it names an output such as
    ``war.p_frozen``, the same value in every draw): its share is 0 or 1 by its nature, and
    whether it is robust is read from the halves of the inputs, not from that share."""
    return any(n.startswith(DISTRIBUTION_OUTPUTS) for n in _names(claim.statement))


def verdict(share: float) -> str:
    """'supported', 'not supported' or 'depends', from the share of draws that hold."""
    if share >= SUPPORTED:
        return "supported"
    if share <= NOT_SUPPORTED:
        return "not supported"
    return "depends"


@dataclass(frozen=True)
class ClaimResult:
    id: str
    who: str
    paraphrase: str
    statement: str | None
    share: float | None
    verdict: str
    sensitivity: tuple[tuple[str, float, float], ...]  # (input, share below, share above)
    given: str | None = None
    note: str | None = None
    n: int | None = None  # draws the share is taken over
    reading: str | None = None  # one sentence: what the verdict means
    #: the inputs whose halves move the share most, whatever the size (for a tornado chart):
    #: (input, share in its lower half, share in its upper half), largest swing first
    swings: tuple[tuple[str, float, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "who": self.who,
            "statement": self.statement,
            "given": self.given,
            "note": self.note,
            "share": self.share,
            "n": self.n,
            "verdict": self.verdict,
            "reading": self.reading,
            "sensitivity": [
                {"input": name, "share_low": lo, "share_high": hi}
                for name, lo, hi in self.sensitivity
            ],
        }


def ledger(
    claims: list[Any],
    outputs: Mapping[str, Any],
    inputs: Mapping[str, np.ndarray],
    *,
    top: int = 2,
    min_change: float = 0.1,
) -> list[ClaimResult]:
    """Evaluate every claim. ``inputs`` maps an uncertain input's name to its draws, shape
    (draws,) aligned with the outputs; the sensitivity of a claim lists the ``top`` inputs
    whose lower and upper halves change the share of holding draws by at least
    ``min_change``."""
    results = []
    for c in claims:
        if not c.statement:
            results.append(
                ClaimResult(c.id, c.who, c.paraphrase, None, None, "not yet checkable", ())
            )
            continue
        holds = evaluate(c.statement, outputs, claim=c.id)
        share = float(holds.mean())
        sens = []
        for name, values in inputs.items():
            values = np.asarray(values)
            if values.shape != holds.shape or np.ptp(values) == 0:
                continue
            low = values <= np.median(values)
            if low.all() or not low.any():
                continue
            lo, hi = float(holds[low].mean()), float(holds[~low].mean())
            sens.append((name, lo, hi))
        sens.sort(key=lambda t: -abs(t[2] - t[1]))
        kept = tuple(t for t in sens if abs(t[2] - t[1]) >= min_change)[:top]
        sel = np.ones(holds.shape, bool)
        v, reading = classify(c, holds, sel, outputs, kept)
        results.append(
            ClaimResult(
                c.id,
                c.who,
                c.paraphrase,
                c.statement,
                share,
                v,
                kept,
                reading=reading,
                swings=tuple(sens[:SWINGS]),
            )
        )
    return results


def scenario_outputs(
    forecasts: list[Any], credibility: Any | None, war: Any | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Outputs and uncertain inputs of an analysis, aligned on a common number of draws.

    ``forecasts`` are :class:`guaranty.pipeline.Forecast` objects run with draws;
    ``credibility`` a :class:`guaranty.credibility.CredibilityResult` (or None).
    """
    lengths = [f.samples.shape[0] for f in forecasts if f.samples is not None]
    if credibility is not None:
        lengths.append(credibility.draws)
    if war is not None:
        lengths.append(war.draws)
    n = min(lengths) if lengths else 0
    outputs: dict[str, Any] = {"forecast": {}}
    for f in forecasts:
        if f.samples is not None:
            outputs["forecast"][f.model] = {
                issue.id: f.samples[:n, k] for k, issue in enumerate(f.issues)
            }
    inputs: dict[str, np.ndarray] = {}
    if credibility is not None:
        for name, group in credibility.outputs().items():
            if isinstance(group, dict):
                outputs[name] = {k: v[:n] for k, v in group.items()}
            else:
                outputs[name] = group[:n]
        inputs.update({k: v[:n] for k, v in credibility.inputs.items()})
    if war is not None:
        outputs["war"] = {k: v[:n] for k, v in war.outputs().items()}
    return outputs, inputs


def _names(statement: str | None) -> set[str]:
    """The dotted output names a statement uses (``war.p_frozen``, ``max_p_honor``)."""
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


def run_ledger(
    claims: list[Any],
    result: Any,
    *,
    top: int = 2,
    min_change: float = 0.1,
) -> list[ClaimResult]:
    """Evaluate every claim over a pipeline run (:class:`guaranty.montecarlo.RunResult`).

    A claim's share is taken over the draws where its ``given`` statement holds (all draws
    without one). Its sensitivity splits the draws at the median of each uncertain input and
    re-evaluates the claim on each half: per-draw statements on the draws of the half, and
    statements over outputs that summarise the whole distribution (such as ``war.p_frozen``)
    with those outputs recomputed on the half. The ``top`` inputs whose halves differ by at
    least ``min_change`` are kept, largest difference first.
    """
    inputs = result.input_arrays()
    halves: list[tuple[str, np.ndarray]] = []
    for name, values in inputs.items():
        ok = ~np.isnan(values)
        if ok.sum() < 2 or np.ptp(values[ok]) == 0:
            continue
        low = values <= np.median(values[ok])
        if low.all() or not low.any():
            continue
        halves.append((name, low))
    full = result.outputs()
    prefixes = getattr(result, "DISTRIBUTION_OUTPUTS", ())
    # outputs recomputed on each half, once for every claim that needs them
    groups: set[str] = set()
    for c in claims:
        names = _names(c.statement) | _names(getattr(c, "given", None))
        if c.statement and any(n.startswith(prefixes) for n in names):
            groups |= {n.split(".")[0] for n in names}
    half_outputs: dict[tuple[str, bool], Mapping[str, Any]] = {}

    def outputs_of(name: str, low: np.ndarray, lower: bool) -> Mapping[str, Any]:
        if (name, lower) not in half_outputs:
            part = result.subset(low if lower else ~low, with_inputs=False)
            half_outputs[(name, lower)] = part.outputs(groups)
        return half_outputs[(name, lower)]

    def share_of(holds: np.ndarray, sel: np.ndarray) -> float | None:
        h = holds[sel]
        return float(h.mean()) if h.size else None

    results = []
    for c in claims:
        note = getattr(c, "note", None)
        given = getattr(c, "given", None)
        if not c.statement:
            results.append(
                ClaimResult(
                    c.id, c.who, c.paraphrase, None, None, "not yet checkable", (), given, note
                )
            )
            continue
        names = _names(c.statement) | _names(given)
        holistic = any(n.startswith(prefixes) for n in names)

        def evaluate_on(
            outputs: Mapping[str, Any], claim: Any = c
        ) -> tuple[np.ndarray, np.ndarray]:
            holds = evaluate(claim.statement, outputs, claim=claim.id)
            sel = (
                evaluate(claim.given, outputs, claim=claim.id)
                if claim.given
                else np.ones(holds.shape, bool)
            )
            return holds, sel

        holds, sel = evaluate_on(full)
        value = share_of(holds, sel)
        sens = []
        for name, low in halves:
            if holistic:
                lo = share_of(*evaluate_on(outputs_of(name, low, True)))
                hi = share_of(*evaluate_on(outputs_of(name, low, False)))
            else:
                lo = share_of(holds, sel & low)
                hi = share_of(holds, sel & ~low)
            if lo is not None and hi is not None:
                sens.append((name, lo, hi))
        sens.sort(key=lambda t: -abs(t[2] - t[1]))
        kept = tuple(t for t in sens if abs(t[2] - t[1]) >= min_change)[:top]
        v, reading = classify(c, holds, sel, full, kept)
        results.append(
            ClaimResult(
                c.id,
                c.who,
                c.paraphrase,
                c.statement,
                value,
                v,
                kept,
                given,
                note,
                int(sel.sum()),
                reading,
                tuple(sens[:SWINGS]),
            )
        )
    return results


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


def sobol_target(claim: Any, reference: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The per-draw quantity whose variance a claim's Sobol indices decompose, as an
    expression over the run's outputs, and whether it is a truth value.

    A claim about single draws: its statement (true or false in each draw; its mean is the
    claim's share). A claim about the whole distribution (``war.p_frozen > war.p_decisive``):
    the difference of the two sides of its comparison with each summary replaced by the
    per-draw output it averages (``war.frozen - war.decisive``, whose mean is the claim's
    margin); for a conjunction, the comparison with the smallest margin on ``reference``
    (the outputs of the ledger's run), the one that decides it. None for a statement of
    another form."""
    if not claim.statement:
        return None
    if not _is_distribution(claim, reference):
        return claim.statement, True
    tree = ast.parse(claim.statement, mode="eval").body
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    best: tuple[float, str] | None = None
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1):
            return None
        left, right = part.left, part.comparators[0]
        try:
            margin = float(np.nanmean(_eval(left, reference) - _eval(right, reference)))
        except (KeyError, TypeError):
            return None
        diff = ast.BinOp(left=left, op=ast.Sub(), right=right)
        expr = ast.unparse(_PerDraw().visit(ast.fix_missing_locations(diff)))
        if best is None or abs(margin) < best[0]:
            best = (abs(margin), expr)
    return (best[1], False) if best is not None else None


def sobol_values(target: tuple[str, bool], outputs: Mapping[str, Any]) -> np.ndarray:
    """The per-draw values of a :func:`sobol_target` (shape (draws,); truth values as 0/1)."""
    expr, _ = target
    value = _eval(ast.parse(expr, mode="eval"), outputs)
    return np.asarray(value, dtype=float)
