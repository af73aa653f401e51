"""Verdicts and the claims ledger: each claim evaluated over the draws of an analysis.

A claim's **verdict** is read from the share of draws in which its statement holds:
supported (>= 0.8), not supported (<= 0.2), depends (in between), or one of the verdicts
:func:`classify` gives before the share (not checkable, by construction, indistinguishable);
its **sensitivity** names the uncertain inputs whose lower and upper halves change that
share the most. :func:`ledger` evaluates claims over separate analyses
(:func:`scenario_outputs`), :func:`run_ledger` over a pipeline run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from guaranty.claims.expressions import comparison_sides, evaluate, output_ranges
from guaranty.scenario.claim_names import DISTRIBUTION_OUTPUTS, statement_names

__all__ = [
    "DETERRENCE_ASSOCIATIONS",
    "ENDING_OUTPUTS",
    "NOT_SUPPORTED",
    "SUPPORTED",
    "SWINGS",
    "TIE",
    "VERDICTS",
    "WAR_BASE_RATES",
    "ClaimResult",
    "FactFlip",
    "classify",
    "decisive_split",
    "is_distribution",
    "judged",
    "ledger",
    "moved_endings",
    "run_ledger",
    "scenario_outputs",
    "tie_text",
    "verdict",
    "verdict_reading",
    "war_shares",
    "with_facts",
    "with_today",
]

SUPPORTED, NOT_SUPPORTED = 0.8, 0.2

#: what the reading of a claim over the war's outputs adds when its verdict is read off the
#: draws: those outputs are the war model's, fitted to the COW wars (docs/models/war.md)
WAR_BASE_RATES = (
    "How the war ends comes from the war model, fitted to the COW wars of 1816-2007 for "
    "what the scenario does not give: read the verdict as those wars' base rates applied "
    "to this war, not as a finding about it."
)

#: how the war ends: the ways it can end without a victory (a collapse) and the decisive ones
_NO_VICTORY = ("settlement", "frozen", "ongoing")
_DECISIVE = ("decisive", "decisive_a", "decisive_b")

#: the war's outputs on how it ends, per draw and as shares: a claim over them also gets how
#: often the model ends the wars of its fit without a victory against their records, and a
#: claim over the shares is checked against the GML record (:func:`_against_record`)
ENDING_OUTPUTS = frozenset(f"war.{p}{k}" for p in ("", "p_") for k in _NO_VICTORY + _DECISIVE)


#: the words of a reading that has checked the claim against the GML record (then the
#: reading does not also get the record's short note, :func:`guaranty.war.ending_note`)
_RECORD_MOVED = "with the war's endings moved to"


def moved_endings(shares: Mapping[str, float], delta: float) -> dict[str, float]:
    """The war's shares of endings (``war.p_NAME`` -> share; other names kept) with the
    log-odds of ending without a victory (a settlement, a ceasefire, still fighting) moved
    by ``delta``: those three shares scaled alike, and the decisive ones by what is left.
    What :func:`_against_record` evaluates a claim on (with the shifts of the ``victory``
    block of :func:`guaranty.warfit.backtest`)."""
    q = sum(shares.get(f"war.p_{k}", 0.0) for k in _NO_VICTORY)
    out = dict(shares)
    if not 0.0 < q < 1.0:
        return out
    z = math.log(q / (1.0 - q)) + delta
    moved = 1.0 / (1.0 + math.exp(-z))
    for names, factor in ((_NO_VICTORY, moved / q), (_DECISIVE, (1.0 - moved) / (1.0 - q))):
        for k in names:
            if f"war.p_{k}" in out:
                out[f"war.p_{k}"] *= factor
    return out


def _nested_values(values: Mapping[str, float]) -> dict[str, Any]:
    """Dotted names -> values, as the nested outputs (one draw) a statement is read on."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        head, _, tail = name.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = np.array([value])
        else:
            out[head] = np.array([value])
    return out


def _record_text(v: Mapping[str, Any]) -> str:
    lo, hi = v["interval"]
    return (
        f"GML MID's record of the wars of its fit (without a victory in {v['observed']} of "
        f"{v['n']}, 90% interval {lo:.0%}-{hi:.0%}, where the model has "
        f"{v['predicted'] / v['n']:.0%} held out)"
    )


_COW_SHARES = "with the model's shares, which match COW's classes (the record the fit reads), "

#: the shifts of the GML record's ``victory`` block, in order, and how a reading names them
_SHIFTS = {
    "low": "the lower end of its interval",
    "observed": "its share",
    "high": "the upper end of its interval",
}


def decisive_split(
    holds: np.ndarray, sel: np.ndarray, outputs: Mapping[str, Any]
) -> tuple[float, float, float, float] | None:
    """The draws a claim is about and those where it holds, split by how the war ended:
    (held, about) among the draws without a victory (a settlement, a ceasefire, still
    fighting), then among the decisive ones; None without the war's per-draw outputs.
    ``holds``, ``sel``: bool arrays of shape (draws,). What :func:`_against_record` reweights."""
    war = outputs.get("war")
    if not isinstance(war, Mapping) or "decisive" not in war:
        return None
    dec = np.broadcast_to(np.asarray(war["decisive"]) > 0.5, sel.shape)
    on = holds & sel
    return (
        float((on & ~dec).sum()),
        float((sel & ~dec).sum()),
        float((on & dec).sum()),
        float((sel & dec).sum()),
    )


def _moved_shares(
    split: tuple[float, float, float, float], endings: Mapping[str, float], v: Mapping[str, Any]
) -> dict[str, float] | None:
    """The share of a per-draw claim's draws where it holds, with the draws reweighted so
    that the war's endings move to each shift of the record (:data:`_SHIFTS`): a draw
    without a victory weighs q'/q, a decisive one (1 - q')/(1 - q)."""
    held_n, sel_n, held_d, sel_d = split
    q = sum(endings.get(f"war.p_{k}", 0.0) for k in _NO_VICTORY)
    if not 0.0 < q < 1.0 or sel_n + sel_d == 0:
        return None
    out = {}
    for key in _SHIFTS:
        moved = moved_endings({"war.p_settlement": q}, v["shift"][key])["war.p_settlement"]
        a, b = moved / q, (1.0 - moved) / (1.0 - q)
        out[key] = (held_n * a + held_d * b) / (sel_n * a + sel_d * b)
    return out


def _against_record(
    claim: Any,
    share: float,
    ranges: Mapping[str, tuple[float, float]] | None,
    endings: Mapping[str, float] | None,
    split: tuple[float, float, float, float] | None = None,
) -> tuple[str, str] | None:
    """For a claim whose statement reads how the war ends, where the model's held-out share
    of the wars of its fit ended without a victory lies outside GML MID's record
    (:func:`guaranty.war.ending_outside`): the claim read again with the war's endings moved
    to the record's share and to either end of its 90% interval. A statement over the war's
    shares (``war.p_*``, the same in every draw) is evaluated on the moved shares
    (:func:`moved_endings`); a per-draw one by reweighting its draws (``split``,
    :func:`decisive_split`). ("robust", a sentence) when the verdict stands under all three,
    ("not checkable", a reading) when it does not; None when the model lies inside the
    record's interval, or when the claim cannot be moved (a statement that reads both kinds
    of output, or no split given): then only the caveat of :func:`_caveats` applies."""
    names = statement_names(claim.statement)
    if not names & ENDING_OUTPUTS or not endings:
        return None
    from guaranty.war import HOW_WARS_END, ending_outside, ending_record

    rec = ending_record()
    if not rec or not ending_outside(rec):
        return None
    v = rec["victory"]
    whole = {n for n in names if not any(m.startswith(n + ".") for m in names)}
    values = {name: lo for name, (lo, hi) in (ranges or {}).items() if lo == hi}
    if set(values) == whole:  # over the shares alone: read on the moved shares
        held = share >= 0.5
        at = {
            key: bool(
                evaluate(
                    claim.statement,
                    _nested_values({**values, **moved_endings(endings, v["shift"][key])}),
                    claim=getattr(claim, "id", "?"),
                )[0]
            )
            for key in _SHIFTS
        }
        turned = [k for k, m in at.items() if m != held]
        if not turned:
            far = "high" if ending_outside(rec) < 0 else "low"
            at_far = moved_endings(endings, v["shift"][far])
            said = "; ".join(f"{n} {at_far.get(n, values[n]):.2f}" for n in sorted(whole))
            return "robust", (
                f"It {'holds' if held else 'fails'} as well {_RECORD_MOVED} "
                f"{_record_text(v)}, at its share and at either end of its interval (at the "
                f"{'upper' if far == 'high' else 'lower'} end: {said}) {HOW_WARS_END}."
            )
        was = f"{_COW_SHARES}it {'holds' if held else 'fails'}"
        now = f"it {'fails' if held else 'holds'} {_RECORD_MOVED} {_record_text(v)}"
    elif split is not None and not any(n.startswith(DISTRIBUTION_OUTPUTS) for n in whole):
        shares = _moved_shares(split, endings, v)
        if shares is None:
            return None
        turned = [k for k, s in shares.items() if verdict(s) != verdict(share)]
        if not turned:
            said = ", ".join(f"{shares[k]:.0%} at {_SHIFTS[k]}" for k in _SHIFTS)
            return "robust", (
                f"Its verdict stands {_RECORD_MOVED} {_record_text(v)}, its draws reweighted: "
                f"it holds in {said} {HOW_WARS_END}."
            )
        was = f"{_COW_SHARES}it holds in {share:.0%} of the draws ({verdict(share)})"
        moved = shares[turned[-1]]
        now = (
            f"in {moved:.0%} ({verdict(moved)}) {_RECORD_MOVED} {_record_text(v)}, its draws "
            "reweighted"
        )
    else:
        return None
    return "not checkable", (
        "The statement weighs how the war ends, where two records of the wars of the fit "
        f"disagree: {was}, but {now}, at "
        + " and ".join(_SHIFTS[k] for k in turned)
        + f"; the model cannot settle it {HOW_WARS_END}."
    )


#: what the reading of a claim over the risk of a renewed attack adds when its verdict is
#: read off the draws: stage 1 of the credibility model finds no out-of-sample information in
#: the protected state's commitments (docs/models/credibility.md, validation a)
DETERRENCE_ASSOCIATIONS = (
    "The risk of a renewed attack is stage 1's yearly hazard, fitted on 1816-2010, where the "
    "protected state's commitments add nothing out of sample: what a design changes in it is "
    "an association in history, not a measured deterrent effect (docs/models/credibility.md, "
    "validation a)."
)


def _caveats(statement: str, reading: str = "") -> str:
    """What a verdict read off the draws must add about the outputs ``statement`` reads:
    :data:`WAR_BASE_RATES` for the war's (and, for how often it ends in a settlement, a
    ceasefire or a decisive win, how often the model ends the wars of its fit without a
    victory against their records: :func:`guaranty.war.ending_note`),
    :data:`DETERRENCE_ASSOCIATIONS` for a design's
    risk of a renewed attack (not for a statement on abandonment, whose verdict turns on who
    fights once attacked). The note on the war's endings is left out where the verdict's
    ``reading`` has checked the claim against the GML record (:func:`_against_record`)."""
    names = statement_names(statement)
    said = []
    if any(n.startswith("war.") for n in names):
        said.append(WAR_BASE_RATES)
    if names & ENDING_OUTPUTS and _RECORD_MOVED not in reading:
        from guaranty.war import ending_note

        said.append(ending_note(short=True))
    if any(n.startswith("p_no_attack.") for n in names) and not any(
        n.startswith("p_abandoned") for n in names
    ):
        said.append(DETERRENCE_ASSOCIATIONS)
    return " ".join(t for t in said if t)


def with_today(results: Sequence[ClaimResult], today: Collection[str]) -> list[ClaimResult]:
    """The ledger's ``results`` with a sentence added to the reading of every verdict read
    off the draws whose statement names an output in ``today``: a design's figure that is
    today's by construction (:func:`guaranty.comparison.today_outputs`; the report marks
    it °), so that what the claim says of that design is said of today's commitments."""
    out = []
    for r in results:
        named = sorted(n for n in statement_names(r.statement or "") if n in today)
        if named and r.verdict in _READ_OFF_DRAWS:
            designs = sorted({n.split(".", 1)[1] for n in named})
            said = (
                f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} the same as under "
                "today's commitments, by construction (the design adds nothing that model "
                f"reads; ° in the report): what the claim says of {', '.join(designs)} is "
                "said of today's commitments."
            )
            r = replace(r, reading=f"{r.reading or ''} {said}".strip())
        out.append(r)
    return out


#: the verdicts read off the draws (the others say why the draws cannot decide)
_READ_OFF_DRAWS = ("supported", "not supported", "depends")

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

#: one input's effect on a claim: (input, share in its lower half, share in its upper half)
Swing = tuple[str, float, float]


@dataclass(frozen=True)
class FactFlip:
    """A fact the scenario states in place of the data (``credibility.pair``) on which a
    claim's verdict turns: with the data's value instead of the stated one, on the same
    draws, the claim holds in ``share`` of them and gets ``verdict``."""

    fact: str
    stated: float
    data: float
    share: float | None
    verdict: str
    #: how the two values read, in place of "the stated FACT (STATED; the data: DATA" (a
    #: fact that is not one number of the data, such as how the forces are read)
    phrase: str | None = None

    def text(self) -> str:
        """One phrase: the fact, its two values and the verdict with the data's."""
        share = "" if self.share is None else f"{self.share:.0%}, "
        head = self.phrase or f"the stated {self.fact} ({self.stated:g}; the data: {self.data:g}"
        return f"{head}, under which it holds in {share}{self.verdict})"


def _tie_reading(
    statement: str, sel: np.ndarray, outputs: Mapping[str, Any], over: str
) -> tuple[str, str] | None:
    """The verdict and reading of a claim that compares two outputs whose mean difference
    over the draws ``sel`` (shape (draws,)) is within :data:`TIE` of their scale
    (:func:`tie_text`); None otherwise."""
    sides = comparison_sides(statement, outputs)
    if sides is None:
        return None
    a, b = (v[sel] for v in sides)
    ok = ~(np.isnan(a) | np.isnan(b))
    if not ok.any():
        return None
    diff = float(np.mean(a[ok] - b[ok]))
    scale = max(1.0, float(np.mean(np.abs(a[ok]) + np.abs(b[ok]))) / 2.0)
    return tie_text(diff, scale, over, equal=bool(np.array_equal(a[ok], b[ok])))


def tie_text(
    diff: float, scale: float, over: str, *, equal: bool = False
) -> tuple[str, str] | None:
    """The verdict and reading of a claim whose two sides differ by ``diff`` on average
    (over the draws ``over`` names), if that is within :data:`TIE` of their ``scale``;
    None otherwise. ``equal``: the two sides are equal in every draw, which no sampling
    produces: the model gives them one value by construction (two designs that change
    nothing the output reads), a verdict that follows from the inputs, not a close call."""
    if equal:
        return "by construction", (
            f"The two sides are equal in every draw{over}: the model gives them the same "
            "value by construction (as for two designs that change nothing this output "
            "reads), so the verdict follows from the inputs rather than from anything "
            "uncertain."
        )
    if abs(diff) <= TIE * scale:
        return "indistinguishable", (
            f"The two sides differ by {diff:+.4f} on average{over}, less than "
            f"{TIE:g} of their scale: too small a difference to call a finding, even where "
            "the paired draws mostly lean one way (the share says how many hold)."
        )
    return None


def classify(
    claim: Any,
    holds: np.ndarray,
    sel: np.ndarray,
    outputs: Mapping[str, Any],
    sensitivity: tuple[Swing, ...] = (),
) -> tuple[str, str]:
    """A claim's verdict (one of :data:`VERDICTS`) and a one-sentence reading.

    ``holds`` and ``sel`` are bool arrays of shape (draws,): whether the statement holds, and
    the draws it is about (where its ``given`` holds). In order: ``not checkable`` when the
    scenario marks the statement as a proxy (its ``proxy`` field says why); ``by
    construction`` when it restates an input (``restates``) that the model carries through
    (it holds in at least :data:`SUPPORTED` of the draws; otherwise it is classified as
    below and its reading names the input) or compares two outputs equal in every draw it
    is about; ``indistinguishable`` when it
    compares two outputs whose difference, averaged over the draws it is about, is smaller
    than :data:`TIE` times their scale (too small to call, whichever way the paired
    draws lean); ``by
    construction`` when a per-draw statement holds, or fails, in every draw and every
    output it reads has one value in all of them (nothing sampled moves them, so the
    verdict follows from the inputs); otherwise supported (>= 80% of the draws), not
    supported (<= 20%) or depends, which includes a statement that holds or fails in every
    draw while what it reads varies (a finding robust to every uncertainty drawn)."""
    n = int(sel.sum())
    share = float(holds[sel].mean()) if n else float("nan")
    ranges = output_ranges(claim.statement, outputs, sel) if n else {}
    return verdict_reading(
        claim,
        n,
        share,
        lambda over: _tie_reading(claim.statement, sel, outputs, over),
        sensitivity,
        ranges=ranges,
        endings=war_shares(outputs),
        split=decisive_split(holds, sel, outputs),
    )


def war_shares(outputs: Mapping[str, Any]) -> dict[str, float]:
    """The war's shares of its endings in ``outputs`` (``war.p_NAME`` -> share, the same in
    every draw), or {} without the war's outputs."""
    war = outputs.get("war")
    if not isinstance(war, Mapping):
        return {}
    return {
        f"war.{k}": float(np.asarray(v).ravel()[0])
        for k, v in war.items()
        if k.startswith("p_") and np.asarray(v).size
    }


def verdict_reading(
    claim: Any,
    n: int,
    share: float,
    tie: Callable[[str], tuple[str, str] | None],
    sensitivity: tuple[Swing, ...] = (),
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    endings: Mapping[str, float] | None = None,
    split: tuple[float, float, float, float] | None = None,
) -> tuple[str, str]:
    """The verdict and reading of :func:`classify` from what it reads off the draws: ``n``,
    the draws the claim is about, ``share``, the share of them in which it holds, ``tie``,
    which gives the verdict and reading of a tie (or None) for the words naming those
    draws, and ``ranges``, the least and greatest value over those draws of each output the
    statement reads (:func:`guaranty.claims.expressions.output_ranges`; the ledger of a
    stored run, :mod:`guaranty.claims.chunked`, gathers these block by block), and
    ``endings``, the war's shares of its endings over all the draws (``war.p_NAME`` ->
    share), against which a claim over them is checked (:func:`_against_record`), with
    ``split``, its draws split by how the war ended (:func:`decisive_split`)."""
    given = getattr(claim, "given", None)
    over = "" if given is None else f" of the {n:,} draws where {given}"
    if getattr(claim, "proxy", None):
        return "not checkable", f"The statement is a proxy: {claim.proxy}"
    restates = getattr(claim, "restates", None)
    if n == 0:
        return "no draws", "No draw satisfies the claim's condition."
    record = _against_record(claim, share, ranges, endings, split)
    if record is not None and record[0] == "not checkable":
        return record
    if restates and share >= SUPPORTED:  # the input carried through to the statement
        return "by construction", (
            f"The statement restates an input: {restates}. It holds in {share:.0%}"
            f"{over or ' of the draws'}, as that input makes it."
        )
    v, said = _read_off(claim, n, share, over, tie, sensitivity, ranges)
    if record is not None:
        said = f"{said} {record[1]}"
    if restates:  # the input did not carry through: what the model makes of it is a finding
        said = (
            f"{said} The scenario takes an input from the claim's own source ({restates}), "
            "but the model does not carry it through to the statement: the verdict is the "
            "model's, given that input."
        )
    return v, said


def _read_off(
    claim: Any,
    n: int,
    share: float,
    over: str,
    tie: Callable[[str], tuple[str, str] | None],
    sensitivity: tuple[Swing, ...],
    ranges: Mapping[str, tuple[float, float]] | None,
) -> tuple[str, str]:
    """The verdict and reading of :func:`verdict_reading` for a claim that is neither a
    proxy nor a restated input that the model carries through."""
    tied = tie(over)
    if tied is not None:
        return tied
    if share in (0.0, 1.0) and not is_distribution(claim):
        word = "holds" if share == 1.0 else "fails"
        ranges = ranges or {}
        if any(lo < hi for lo, hi in ranges.values()):  # a finding: never turned
            return verdict(share), (
                f"It {word} in every draw{over or f' of the {n:,} draws'}: "
                "what it reads varies from draw to draw, with the uncertain inputs and the "
                "estimates, but never enough to turn it."
            )
        values = "".join(
            f"{'; ' if i else ' ('}{name} = {lo:g}"
            for i, (name, (lo, _)) in enumerate(ranges.items())
        )
        return "by construction", (
            f"It {word} in every draw{over}, and what it reads is the same in all of them"
            f"{values + ')' if values else ''}: no input within its stated range moves it, "
            "so the verdict follows from the inputs rather than from anything uncertain."
        )
    if is_distribution(claim):  # true or false of the run as a whole, and of each half
        word = "holds" if share >= 0.5 else "fails"

        def over_half(x: float) -> str:
            return "holds" if x >= 0.5 else "fails"

        turn = (
            "; it turns on "
            + "; ".join(
                f"{name} (over the draws of its lower half it {over_half(lo)}, over those of "
                f"its upper half it {over_half(hi)})"
                for name, lo, hi in sensitivity
            )
            if sensitivity
            else ""
        )
        return verdict(share), (
            f"It is a statement over the whole run's shares{over}: it {word} over all the "
            f"draws{turn}."
        )
    turn = (
        "; it turns on "
        + "; ".join(
            f"{name} ({lo:.0%} in its lower half, {hi:.0%} in its upper)"
            for name, lo, hi in sensitivity
        )
        if sensitivity
        else "; no single input's halves move it by 10 points or more"
    )
    return verdict(share), f"It holds in {share:.0%}{over or ' of the draws'}{turn}."


def is_distribution(claim: Any, outputs: Mapping[str, Any] | None = None) -> bool:
    """Whether the claim is about the whole distribution (it names an output such as
    ``war.p_frozen``, the same value in every draw): its share is 0 or 1 by its nature, and
    whether it is robust is read from the halves of the inputs, not from that share."""
    return any(n.startswith(DISTRIBUTION_OUTPUTS) for n in statement_names(claim.statement))


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
    sensitivity: tuple[Swing, ...]  # (input, share below, share above)
    given: str | None = None
    note: str | None = None
    n: int | None = None  # draws the share is taken over
    reading: str | None = None  # one sentence: what the verdict means
    #: the inputs whose halves move the share most, whatever the size (for a tornado chart):
    #: (input, share in its lower half, share in its upper half), largest swing first
    swings: tuple[Swing, ...] = ()
    #: the scenario's stated facts whose data values change the verdict (:func:`with_facts`)
    facts: tuple[FactFlip, ...] = ()

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
            "stated_facts": [
                {k: v for k, v in asdict(f).items() if k != "phrase" or v is not None}
                for f in self.facts
            ],
        }


def _unchecked(claim: Any, **extra: Any) -> ClaimResult:
    """The result of a claim without a statement."""
    return ClaimResult(
        claim.id, claim.who, claim.paraphrase, None, None, "not yet checkable", (), **extra
    )


def _judged(
    claim: Any,
    holds: np.ndarray,
    sel: np.ndarray,
    outputs: Mapping[str, Any],
    share: float | None,
    swings: list[Swing],
    top: int,
    min_change: float,
    **extra: Any,
) -> ClaimResult:
    """The result of a claim whose statement was evaluated: ``swings`` (one per input, in
    any order) sorted largest first, the ``top`` that move the share by at least
    ``min_change`` kept as its sensitivity, and its verdict by :func:`classify`."""
    return judged(
        claim,
        share,
        swings,
        top,
        min_change,
        lambda kept: classify(claim, holds, sel, outputs, kept),
        **extra,
    )


def judged(
    claim: Any,
    share: float | None,
    swings: list[Swing],
    top: int,
    min_change: float,
    verdict_of: Callable[[tuple[Swing, ...]], tuple[str, str]],
    **extra: Any,
) -> ClaimResult:
    """:func:`_judged` with the verdict given by ``verdict_of(sensitivity)`` (a verdict and
    its reading), for ledgers that do not hold every draw at once."""
    swings = paired_sides(swings)
    swings.sort(key=lambda t: -abs(t[2] - t[1]))
    kept = tuple(t for t in swings if abs(t[2] - t[1]) >= min_change)[:top]
    v, said = verdict_of(kept)
    if v in _READ_OFF_DRAWS and (caveats := _caveats(claim.statement, said or "")):
        said = f"{said or ''} {caveats}".strip()
    return ClaimResult(
        claim.id,
        claim.who,
        claim.paraphrase,
        claim.statement,
        share,
        v,
        kept,
        reading=said,
        swings=tuple(swings[:SWINGS]),
        **extra,
    )


def paired_sides(swings: list[Swing]) -> list[Swing]:
    """``swings`` with each pair of one input's two sides (names ending ``_a`` and ``_b``,
    the protected state's and the aggressor's) whose halves give the same shares listed
    once, as "NAME_a and NAME_b": the fit to the COW wars draws one value for both sides of
    several of the war's inputs (the breaking point, the costs, the optimism, the
    replenishment's share), and two lines saying the same would read as two findings."""
    out: list[Swing] = []
    done: set[str] = set()
    by_name = {name: (lo, hi) for name, lo, hi in swings}
    for name, lo, hi in swings:
        if name in done:
            continue
        if name.endswith("_a") and by_name.get(name[:-2] + "_b") == (lo, hi):
            out.append((f"{name} and {name[:-2].rsplit(' ', 1)[-1]}_b", lo, hi))
            done.add(name[:-2] + "_b")
            continue
        if name.endswith("_b") and by_name.get(name[:-2] + "_a") == (lo, hi):
            continue  # listed with its _a side
        out.append((name, lo, hi))
    return out


def _half_shares(holds: np.ndarray, inputs: Mapping[str, np.ndarray]) -> list[Swing]:
    """The share of holding draws in the lower and upper half (split at the median) of each
    input of ``inputs`` (each of shape (draws,)) that varies; inputs of another shape are
    left out."""
    swings = []
    for name, values in inputs.items():
        values = np.asarray(values)
        if values.shape != holds.shape or np.ptp(values) == 0:
            continue
        low = values <= np.median(values)
        if low.all() or not low.any():
            continue
        swings.append((name, float(holds[low].mean()), float(holds[~low].mean())))
    return swings


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
            results.append(_unchecked(c))
            continue
        holds = evaluate(c.statement, outputs, claim=c.id)
        sel = np.ones(holds.shape, bool)
        swings = _half_shares(holds, inputs)
        results.append(
            _judged(c, holds, sel, outputs, float(holds.mean()), swings, top, min_change)
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


# --- the ledger of a pipeline run -------------------------------------------------------------


def _lower_halves(inputs: Mapping[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """Each input that varies, with the bool mask (draws,) of its draws at or below its
    median (taken over the draws where it is not NaN)."""
    halves = []
    for name, values in inputs.items():
        ok = ~np.isnan(values)
        if ok.sum() < 2 or np.ptp(values[ok]) == 0:
            continue
        low = values <= np.median(values[ok])
        if low.all() or not low.any():
            continue
        halves.append((name, low))
    return halves


class _HalfOutputs:
    """The run's outputs of ``groups`` recomputed on each half of each input, computed once
    for every claim that needs them."""

    def __init__(self, result: Any, groups: set[str]) -> None:
        self.result = result
        self.groups = groups
        self.cache: dict[tuple[str, bool], Mapping[str, Any]] = {}

    def of(self, name: str, low: np.ndarray, lower: bool) -> Mapping[str, Any]:
        """The outputs on the lower half (``lower``) or the upper half of input ``name``,
        whose lower half is the bool mask ``low`` (draws,)."""
        if (name, lower) not in self.cache:
            mask = low if lower else ~low
            self.cache[(name, lower)] = self.result.outputs_where(mask, self.groups)
        return self.cache[(name, lower)]


def _share(holds: np.ndarray, sel: np.ndarray) -> float | None:
    """The share of the draws of ``sel`` where ``holds`` (bool arrays (draws,)), None for none."""
    n = np.count_nonzero(sel)
    return np.count_nonzero(holds & sel) / n if n else None


def _holds_where(claim: Any, outputs: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Whether the claim's statement holds, and the draws where its ``given`` holds (all
    draws without one): two bool arrays of shape (draws,)."""
    holds = evaluate(claim.statement, outputs, claim=claim.id)
    sel = (
        evaluate(claim.given, outputs, claim=claim.id)
        if claim.given
        else np.ones(holds.shape, bool)
    )
    return holds, sel


def _run_claim(
    c: Any,
    full: Mapping[str, Any],
    halves: list[tuple[str, np.ndarray]],
    split: _HalfOutputs,
    prefixes: tuple[str, ...],
    top: int,
    min_change: float,
) -> ClaimResult:
    """One claim of :func:`run_ledger`."""
    note = getattr(c, "note", None)
    given = getattr(c, "given", None)
    if not c.statement:
        return _unchecked(c, given=given, note=note)
    names = statement_names(c.statement) | statement_names(given)
    holistic = any(n.startswith(prefixes) for n in names)
    holds, sel = _holds_where(c, full)
    swings = []
    for name, low in halves:
        if holistic:
            lo = _share(*_holds_where(c, split.of(name, low, True)))
            hi = _share(*_holds_where(c, split.of(name, low, False)))
        else:
            lo = _share(holds, sel & low)
            hi = _share(holds, sel & ~low)
        if lo is not None and hi is not None:
            swings.append((name, lo, hi))
    share = _share(holds, sel)
    extra = {"given": given, "note": note, "n": int(sel.sum())}
    return _judged(c, holds, sel, full, share, swings, top, min_change, **extra)


def with_facts(
    results: list[ClaimResult],
    alternatives: Mapping[str, tuple[Any, ...]],
) -> list[ClaimResult]:
    """The claims of ``results`` with the stated facts their verdicts turn on.

    ``alternatives`` maps a fact the scenario states (``credibility.pair``) to (its stated
    value, the data's value, the ledger of the same draws with the data's value) and, for a
    fact not read as one number, a fourth element: the phrase :meth:`FactFlip.text` opens
    with. A claim whose verdict differs there gets a :class:`FactFlip` and a sentence in its
    reading: its verdict follows from a stated input, and the reader sees what the data
    would give."""
    out = []
    for k, r in enumerate(results):
        flips = tuple(
            FactFlip(fact, alt[0], alt[1], alt[2][k].share, alt[2][k].verdict, *alt[3:])
            for fact, alt in alternatives.items()
            if alt[2][k].id == r.id and alt[2][k].verdict != r.verdict
        )
        if not flips:
            out.append(r)
            continue
        said = "; ".join(f.text() for f in flips)
        reading = f"{r.reading or ''} The verdict rests on {said}.".strip()
        out.append(replace(r, facts=flips, reading=reading))
    return out


def run_ledger(
    claims: list[Any],
    result: Any,
    *,
    top: int = 2,
    min_change: float = 0.1,
) -> list[ClaimResult]:
    """Evaluate every claim over a pipeline run (:class:`guaranty.results.RunResult`).

    A claim's share is taken over the draws where its ``given`` statement holds (all draws
    without one). Its sensitivity splits the draws at the median of each uncertain input and
    re-evaluates the claim on each half: per-draw statements on the draws of the half, and
    statements over outputs that summarise the whole distribution (such as ``war.p_frozen``)
    with those outputs recomputed on the half. The ``top`` inputs whose halves differ by at
    least ``min_change`` are kept, largest difference first.
    """
    halves = _lower_halves(result.input_arrays())
    full = result.outputs()
    prefixes = getattr(result, "DISTRIBUTION_OUTPUTS", ())
    # the groups of outputs to recompute on each half: those of the claims that need them
    groups: set[str] = set()
    for c in claims:
        names = statement_names(c.statement) | statement_names(getattr(c, "given", None))
        if c.statement and any(n.startswith(prefixes) for n in names):
            groups |= {n.split(".")[0] for n in names}
    split = _HalfOutputs(result, groups)
    return [_run_claim(c, full, halves, split, prefixes, top, min_change) for c in claims]
