"""The war of a scenario: its ``war`` section turned into draws of the battlefield model.

Each parameter the scenario gives (a number or a distribution, with its source) is drawn
independently per draw; parameters it does not give keep the model's documented defaults
(``docs/models/war.md``). Parameters that cannot be negative (forces, rates, costs, noise,
...) are drawn truncated at 0; the front, optimism, reservation premia and red lines are not.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from guaranty.models.war.battlefield import OUTCOMES, WarParams, WarResult, simulate_war
from guaranty.scenario.design_matrix import (
    DesignMatrix,
    draw,
    draw_index,
    draw_normal,
    draw_uniform,
)
from guaranty.scenario.schema import Scenario, WarSettings
from guaranty.scenario.war_parameters import neutral_front0, war_bounds

__all__ = [
    "HOW_WARS_END",
    "TAIL_AHEAD",
    "WarSummary",
    "duration_reference",
    "ending_note",
    "ending_notes",
    "ending_outside",
    "ending_record",
    "run_war",
    "tail_note",
]

#: Names of the fitted inputs in a design (:mod:`guaranty.scenario.design_matrix`): which draw of
#: the COW calibration, and this war's own tempo shock and premium draw around it.
FIT_DRAW = "war: draw of the COW calibration (fitted)"
FIT_TEMPO = "war: this war's tempo shock (fitted spread)"
FIT_PREMIUM = "war: this war's premium draw (fitted)"

#: how many months past the scenario's start the model's duration is set against the
#: UCDP/PRIO record (:func:`duration_reference`): for a war four months old, as Ukraine's in
#: mid-2022, its 24th month, where the model's thin tail shows (docs/models/war.md)
TAIL_AHEAD = 20


#: the observed losses of a scenario, as the conditioning takes them: (y_alpha, v_alpha,
#: y_beta, v_beta), the logarithms of the observed rates alpha = B's losses per unit of A's
#: forces and beta = A's losses per unit of B's, each the geometric middle of its stated
#: 90% range, with the variance of their measurement
Observation = tuple[float, float, float, float]


def duration_reference(months_fought: int, at_month: int | None = None) -> dict[str, Any]:
    """What the UCDP/PRIO record says of a war already fought ``months_fought`` months:
    among the war-intensity episodes 1946-2021 (``episodes``) still fought after that many
    months (``at_risk``), the share still fought at month ``at_month`` (``share``: the
    Kaplan-Meier estimate S(at_month) / S(months_fought), with its 90% ``interval``,
    Greenwood's on the log(-log) scale, None where the share is 0 or 1; ``still``: how many
    lasted longer than ``at_month``; by default ``months_fought`` + :data:`TAIL_AHEAD`). The
    data end in 2021: the war of 2022 is not among them."""
    from guaranty.data.wars import ucdp_war_lengths, ucdp_war_survival_after

    if at_month is None:
        at_month = months_fought + TAIL_AHEAD
    length, _ = ucdp_war_lengths()
    share, lo, hi = ucdp_war_survival_after(months_fought, at_month)
    return {
        "months_fought": int(months_fought),
        "month": int(at_month),
        "episodes": int(length.size),
        "at_risk": int(np.sum(length > months_fought)) if months_fought > 0 else int(length.size),
        "still": int(np.sum(length > at_month)),
        "share": None if np.isnan(share) else share,
        "interval": None if lo is None else [lo, hi],
    }


def tail_note(reference: dict[str, Any], model: float) -> str:
    """One sentence setting the model's P(still fought at the reference's month) for this
    war against the UCDP record (:func:`duration_reference`), for the report and ``guaranty
    war``: the model's tail is called thinner than the record's only where it lies below the
    record's 90% interval (the record is a few dozen episodes)."""
    m, at = reference["months_fought"], reference["month"]
    if m > 0 and reference["at_risk"] == 0:
        return (
            f"How long: none of the {reference['episodes']} UCDP/PRIO war episodes of "
            f"1946-2021 lasted {m} months, so the record has nothing to set this war's "
            f"length against; for this war the model gives {model:.2f} for still fighting "
            f"{at} months after it began."
        )
    among = (
        f"of the {reference['at_risk']} UCDP/PRIO war episodes of 1946-2021 still fought after "
        f"{m} months"
        if m > 0
        else f"of the {reference['episodes']} UCDP/PRIO war episodes of 1946-2021"
    )
    share, interval = reference["share"], reference.get("interval")
    record = ""
    if share is not None:
        ci = "" if interval is None else f"; 90% interval {interval[0]:.2f}-{interval[1]:.2f}"
        record = f" ({share:.2f}, Kaplan-Meier{ci})"
    text = (
        f"How long: {among}, {reference['still']} were still being fought {at} months after "
        f"they began{record}; for this war the model gives {model:.2f}."
    )
    if share is None or model >= share:
        return text
    if interval is not None and model >= interval[0]:
        return text + (
            " That is below the record's share but within its 90% interval: on so few "
            "episodes the record cannot tell the two apart."
        )
    return text + (
        " The model's tail is thinner than the record's (docs/models/war.md): read the "
        "timing, and what depends on how soon a peace comes, with that in mind."
    )


def ending_record() -> dict[str, Any] | None:
    """How the COW wars scored by the war model's backtest ended, against the model, from
    two records the fit never reads (:func:`guaranty.warfit.backtest`, GML MID): the
    shipped fit's ``victory`` block (of the wars whose war-level militarized dispute GML
    codes with an outcome, how many ended without a victory, a yield, a stalemate or a
    compromise, and how many the model ends without a collapse, held out; with the 90%
    Wilson interval of the observed share, the shifts of log-odds that bring the model's
    share to it, and the same wars' COW classes) under ``victory``, its ``agreement``
    block (how many ended by a negotiated settlement, and how many by an imposed one
    against the model's decisive endings) under ``agreement``, ``won``, how many of those
    settled by negotiation one side had won (COW's class initiator or target), and
    ``victories`` and ``victories_negotiated``, how many of the wars GML codes as a victory,
    and how many of those were settled by negotiation. None if the fit has no such record. A
    fresh dict on every call (the record itself is computed once per process)."""
    got = _ending_record()
    return None if got is None else copy.deepcopy(got)


@lru_cache(maxsize=1)
def _ending_record() -> dict[str, Any] | None:
    from guaranty.models.war.calibration import CLASSES
    from guaranty.warfit import cases, war_fit

    backtest = war_fit().backtest
    block, victory = backtest.get("agreement"), backtest.get("victory")
    if not block or not victory:
        return None
    c = cases()
    agreed = c.agreement == 1
    wins = np.isin(c.outcome, [CLASSES.index("initiator"), CLASSES.index("target")])
    return {
        "agreement": block,
        "won": int((agreed & wins).sum()),
        "victories_negotiated": int((agreed & (c.victory == 1)).sum()),
        "victories": int((c.victory == 1).sum()),
        "victory": victory,
    }


def ending_outside(record: dict[str, Any]) -> int:
    """Where the model's held-out share of wars ended without a victory lies against the
    GML record's 90% interval (:func:`ending_record`): -1 below, 1 above, 0 inside."""
    v = record["victory"]
    share, (lo, hi) = v["predicted"] / v["n"], v["interval"]
    return -1 if share < lo else (1 if share > hi else 0)


#: where a reading of how the war ends against the records of the wars of the fit points
HOW_WARS_END = '(docs/models/war.md, "How wars end: two records of the same wars")'


def ending_note(record: dict[str, Any] | None = None, *, short: bool = False) -> str:
    """One sentence, for the report and ``guaranty war``, setting how often the fitted model
    ends a war without a collapse against two records of how the same COW wars ended: COW's
    classes (which the fit reads) and GML MID's dispute outcomes (which it does not); ""
    if there is no record. The model is said to end too few (or too many) without a victory
    only where its held-out share lies outside the GML record's 90% interval. ``short``:
    the reading alone, for a summary ("" where the model is within that interval)."""
    rec = ending_record() if record is None else record
    if not rec:
        return ""
    v = rec["victory"]
    n, k, pred, cow = v["n"], v["observed"], v["predicted"], v["cow"]["observed"]
    side = ending_outside(rec)
    if short:
        if not side:
            return ""
        return (
            f"Against GML MID's record of the wars of its fit the war model ends too "
            f"{'few' if side < 0 else 'many'} without a victory ({pred:.0f} of {n}, where "
            f"GML has {k} and COW's classes, which it is fitted to, {cow}): read its "
            "settlements and ceasefires as "
            + (
                "perhaps too rare, and its decisive wins as perhaps too common."
                if side < 0
                else "perhaps too common."
            )
        )
    lo, hi = v["interval"]
    text = (
        f"How wars end: of the {n} COW wars of the fit whose militarized dispute GML MID "
        f"codes with an outcome, the model ends {pred:.0f} without a victory, held out (a "
        f"settlement, a ceasefire or still fighting), where COW's classes have {cow} "
        f"compromises and stalemates and GML's outcomes {k} yields, stalemates and "
        f"compromises (90% interval of the share {lo:.0%}-{hi:.0%})"
    )
    sealed = (
        f"; a decisive win in the model is not a war without an agreement: GML's record "
        f"settled {rec['victories_negotiated']} of its {rec['victories']} victories by "
        f"negotiation {HOW_WARS_END}."
    )
    if not side:
        return text + sealed
    if side < 0:
        return text + (
            ": read its shares of settlements and ceasefires as those of COW's record, and "
            "perhaps too low by GML's" + sealed
        )
    return text + ": read its shares of settlements and ceasefires as perhaps too high" + sealed


def uses_fit(scenario: Scenario) -> bool:
    """Whether the scenario's war leaves some input to the fit to the COW wars (then its
    shares are those wars' base rates applied to it)."""
    return scenario.war is not None and any(k not in scenario.war.parameters for k in FITTED)


def ending_notes(scenario: Scenario) -> tuple[str, str]:
    """:func:`ending_note` for a scenario's war: the sentence and its short reading for a
    summary; ("", "") without a war, or when the scenario states every input the fit would
    give (then nothing of the fit is used)."""
    if not uses_fit(scenario):
        return "", ""
    record = ending_record()
    return ending_note(record), ending_note(record, short=True)


def _at_ends(front: np.ndarray) -> dict[str, float]:
    """The shares of the lines ``front`` (shape (draws,), clipped to the territory scale)
    at its floor or beyond it and at its top."""
    return {"at_floor": float(np.mean(front <= 0.0)), "at_top": float(np.mean(front >= 100.0))}


@dataclass(frozen=True)
class WarSummary:
    """The war over draws: the raw result and its summary."""

    result: WarResult
    draws: int
    seed: int | tuple[int, ...]
    level: float
    #: the sampled parameters, name -> array of shape (draws,) (only those the scenario gives)
    params: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    #: months the war had been fought when the simulation starts (``war.months_fought``),
    #: and the months simulated (``war.horizon``)
    months_fought: int = 0
    horizon: int = 0
    #: the losses of those months the fit was conditioned on (:func:`loss_observation`)
    observation: Observation | None = None

    def p_fighting_after(self, months: int) -> float:
        """The share of draws still fighting after ``months`` simulated months."""
        r = self.result
        return float(np.mean((r.end_month > months) | (r.outcome == OUTCOMES.index("ongoing"))))

    def tail(self) -> dict[str, Any] | None:
        """The model's P(still fought :data:`TAIL_AHEAD` months after the simulation's
        start) against the UCDP record for a war that old (:func:`duration_reference`), with
        its sentence (:func:`tail_note`); None when the horizon is shorter."""
        ahead = TAIL_AHEAD
        if ahead > self.horizon:
            return None
        ref = duration_reference(self.months_fought)
        model = self.p_fighting_after(ahead)
        return {**ref, "model": model, "note": tail_note(ref, model)}

    def initial_forces(self) -> tuple[np.ndarray, np.ndarray]:
        """A's and B's forces at month 0, arrays of shape (draws,)."""
        defaults = WarParams()
        a = self.params.get("force_a", np.full(self.draws, defaults.force_a))
        b = self.params.get("force_b", np.full(self.draws, defaults.force_b))
        return np.asarray(a, dtype=float), np.asarray(b, dtype=float)

    def outputs(self) -> dict[str, np.ndarray]:
        """Per-draw outputs for claims (``war.NAME``), the war's part of the chain's outputs
        (``guaranty.results.RunResult.outputs``) without the settled terms, which the chain
        alone gives. ``p_*`` are shares over all draws, repeated in every draw: statements
        about the whole distribution of outcomes."""
        r = self.result
        out: dict[str, np.ndarray] = {
            "front": r.front.astype(float),
            "end_month": r.end_month.astype(float),
        }
        flags = {
            name: r.outcome == OUTCOMES.index(name)
            for name in ("settlement", "decisive_a", "decisive_b", "frozen", "ongoing")
        }
        flags["decisive"] = flags["decisive_a"] | flags["decisive_b"]
        for name, flag in flags.items():
            out[name] = flag.astype(float)
            out[f"p_{name}"] = np.full(self.draws, flag.mean())
        return out

    def shares(self) -> dict[str, float]:
        """Each way the war ends (:data:`OUTCOMES`) -> its share of the draws."""
        out = self.result.outcome
        return {name: float(np.mean(out == code)) for code, name in enumerate(OUTCOMES)}

    def to_json(self) -> dict[str, Any]:
        r = self.result
        lo, hi = (1 - self.level) / 2, (1 + self.level) / 2
        shares = self.shares()
        ended = r.outcome != OUTCOMES.index("ongoing")
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed if isinstance(self.seed, int) else list(self.seed),
            "outcomes": shares,
            "end_month": {
                "median": float(np.median(r.end_month[ended])) if ended.any() else None,
                "interval": [float(q) for q in np.quantile(r.end_month[ended], [lo, hi])]
                if ended.any()
                else None,
            },
            "front": {
                "median": float(np.median(r.front)),
                "interval": [float(q) for q in np.quantile(r.front, [lo, hi])],
                # the line is shown on the territory scale, clipped to [0, 100]
                **_at_ends(r.front),
            },
        }
        frozen = r.outcome == OUTCOMES.index("frozen")
        if frozen.any():  # where the ceasefires stop: at either end one side holds it all
            out["frozen_line"] = _at_ends(r.front[frozen])
        settled = r.outcome == OUTCOMES.index("settlement")
        if settled.any():
            out["settlement_terms"] = {
                "median": float(np.median(r.terms[settled])),
                "interval": [float(q) for q in np.quantile(r.terms[settled], [lo, hi])],
            }
        out["tail"] = self.tail()
        obs = self.observation
        out["conditioned_on"] = {
            "months_fought": self.months_fought,
            "observed_rates": None
            if obs is None
            else {"alpha": float(np.exp(obs[0])), "beta": float(np.exp(obs[2]))},
        }
        if r.front_path is not None:
            out["by_month"] = self.by_month()
        return out

    def by_month(self) -> list[dict[str, Any]]:
        """Month by month (0 .. horizon): ``p_ongoing``, the share of draws still fighting
        after that month, and ``front``, the median and the 10th-90th percentile interval of
        the line (territory scale, clipped to [0, 100]) among those draws (None once no draw
        is fighting). Needs the paths (``run_war(..., keep_paths=True)``)."""
        r = self.result
        if r.front_path is None:
            raise ValueError("by_month needs the paths: run_war(..., keep_paths=True)")
        horizon = r.front_path.shape[1] - 1
        ongoing = r.outcome == OUTCOMES.index("ongoing")
        rows = []
        for t in range(horizon + 1):
            fighting = (r.end_month > t) | ongoing
            row: dict[str, Any] = {"month": t, "p_ongoing": float(fighting.mean())}
            if fighting.any():
                line = np.clip(r.front_path[fighting, t], 0.0, 100.0)
                q10, q50, q90 = np.quantile(line, [0.1, 0.5, 0.9])
                row["front"] = {"median": float(q50), "interval": [float(q10), float(q90)]}
            else:
                row["front"] = None
            rows.append(row)
        return rows


#: battlefield parameters whose default is drawn from the fit to the COW wars
#: (``docs/models/war.md``), each with the calibrated parameter(s) it comes from
FITTED = {
    "alpha": "attrition, tempo_spread, initiator_edge, major_edge",
    "beta": "attrition, tempo_spread, initiator_edge, major_edge",
    "noise": "noise",
    "fog": "fog",
    "collapse_a": "collapse",
    "collapse_b": "collapse",
    "optimism_a": "optimism",
    "optimism_b": "optimism",
    "cost_a": "cost, front_speed",
    "cost_b": "cost, front_speed",
    "reservation_a": "premium, front_speed",
    "reservation_b": "premium, front_speed",
    "mobilisation_a": "mobilisation",
    "mobilisation_b": "mobilisation",
    "front_speed": "front_speed",
}


_MAJOR = {"none": 0.0, "a": -1.0, "b": 1.0, "both": 0.0}

#: what a scenario's war inherits for the parameters it neither gives nor leaves to the fit:
#: neutral values, no one's war in particular (the kernel's own defaults are the Ukraine
#: calibration of docs/models/war.md and are not used for scenarios). ``front0`` is the
#: territory issue's reference point when the scenario has one.
NEUTRAL_DEFAULTS: dict[str, float] = {
    "force_a": 100.0,  # equal forces: nothing said about the balance of numbers
    "force_b": 100.0,
    "aid_a": 0.0,  # no outside arms flows
    "aid_b": 0.0,
    "front0": 50.0,  # the middle of the 0-100 scale
    "front_min": 0.0,  # the scale's floor: all the aggressor wants
}


def _truncation(name: str) -> tuple[float, float]:
    """The interval a war parameter's draws are kept within: its domain
    (:func:`guaranty.scenario.war_parameters.war_bounds`), an excluded end moved inwards by
    the smallest step, so that a truncated normal can never land on it."""
    lo, hi, lo_open, hi_open = war_bounds(name)
    low = -np.inf if lo is None else (np.nextafter(lo, np.inf) if lo_open else lo)
    high = np.inf if hi is None else (np.nextafter(hi, -np.inf) if hi_open else hi)
    return float(low), float(high)


def nominal_war(scenario: Scenario) -> dict[str, float]:
    """The scenario's war inputs at their nominal values (name -> value): those it gives,
    and the neutral defaults it inherits (:func:`inherited`)."""
    if scenario.war is None:
        return {}
    given = {k: float(q.nominal) for k, q in scenario.war.parameters.items()}
    return {**given, **inherited(scenario)}


def inherited(scenario: Scenario) -> dict[str, float]:
    """The neutral defaults a scenario's war inherits (name -> value): the parameters of
    :data:`NEUTRAL_DEFAULTS` its ``war.parameters`` do not give, ``front0`` at its territory
    issue's reference point (rescaled to 0-100) when it has one. The front speed, if not
    given, is drawn from the fit to the COW wars (see :func:`fitted_defaults`)."""
    if scenario.war is None:
        return {}
    given = scenario.war.parameters
    out = {k: v for k, v in NEUTRAL_DEFAULTS.items() if k not in given}
    if "front_min" in out and "front0" in given:  # the floor stays below a given start
        out["front_min"] = min(out["front_min"], given["front0"].support[0])
    if "front0" in out:
        out["front0"] = neutral_front0(scenario.issues)
    return out


#: sourced values and stated 90% ranges of the Ukraine scenario's war inputs that the COW
#: wars cannot identify (its own scale and forces; the scenario file gives the values with
#: these sources). :func:`sensitivity` varies an input over its range here when the scenario
#: fixes it at the value the range was stated for, or leaves at the model's own default (the
#: calibration's fixed prior sd, discount and split). Value, low, high, source.
STATED_RANGES: dict[str, tuple[float, float, float, str]] = {
    "force_a": (
        300.0,
        200.0,
        400.0,
        "Ukraine's forces in the theatre, mid-2022, thousand: IISS Military Balance 2022 "
        "(196,000 active) plus mobilised reservists",
    ),
    "force_b": (
        200.0,
        150.0,
        250.0,
        "Russia's forces in the theatre, thousand: US estimates of the invasion force "
        "(150,000-190,000, February 2022) plus DNR/LNR units",
    ),
    "front_speed": (
        8.0,
        2.5,
        28.0,
        "the most the line moves in a month, as the war had shown it by mid-2022 (ISW maps): "
        "about 2.5 in the positional fighting for Donbas from May (at most about 1,400 km2, "
        "a little over a point, a month: a cap of about 2.5 when one side holds a clear "
        "edge), about 28 in the Russian withdrawal from the north in early April (roughly "
        "30,000-35,000 km2); 8 is about their geometric middle",
    ),
    "aid_b": (
        1.0,
        0.0,
        3.0,
        "arms flows to Russia from other states, force units a month: an assumption (none "
        "of note was known in mid-2022), small against the West's flows to Ukraine",
    ),
    "front_min": (
        -50.0,
        -100.0,
        -25.0,
        "Russia's furthest plausible gains beyond the mid-2022 lines (the scale's floor)",
    ),
    "prior_sd_a": (0.5, 0.25, 1.0, "sd of the priors about the balance; fixed in the fit"),
    "prior_sd_b": (0.5, 0.25, 1.0, "sd of the priors about the balance; fixed in the fit"),
    "weight_a": (
        0.5,
        0.0,
        1.0,
        "A's share of the bargaining range in the war command (the pipeline clips the "
        "negotiation's forecast to the range instead); 0 and 1 are Filson & Werner's "
        "proposer limits",
    ),
    "discount": (0.99, 0.95, 0.999, "monthly discount factor; fixed in the fit"),
}


#: stated ranges that span an order of magnitude, for a rate whose middle is geometric: a
#: design (:mod:`guaranty.scenario.design_matrix`) varies them uniformly over the logarithm,
#: the others uniformly over the range
LOG_STATED: frozenset[str] = frozenset({"front_speed"})


def stated_value(name: str, u: np.ndarray) -> np.ndarray:
    """The value of the stated range of ``name`` at the quantiles ``u`` in [0, 1] (any
    shape): uniform over the range, or over its logarithm for :data:`LOG_STATED`."""
    lo, hi = STATED_RANGES[name][1:3]
    if name in LOG_STATED:
        return lo * (hi / lo) ** u
    return lo + u * (hi - lo)


def stated_factors(scenario: Scenario) -> list[str]:
    """The war inputs of ``scenario`` that vary over their :data:`STATED_RANGES`: the
    model's own defaults the scenario leaves alone, and values the scenario fixes at the
    sourced value a range was stated for. A range belongs to that value (the Ukraine
    scenario's): another scenario's own fixed value is not varied over it."""
    from guaranty.scenario.schema import Fixed

    settings = scenario.war
    out = []
    for name, (value, _lo, _hi, _src) in STATED_RANGES.items():
        given = settings.parameters.get(name) if settings is not None else None
        kernel_default = given is None and name not in NEUTRAL_DEFAULTS and name not in FITTED
        if kernel_default or (isinstance(given, Fixed) and given.value == value):
            out.append(name)
    return out


def _from_theta(
    th: dict[str, np.ndarray],
    z: np.ndarray,
    u: np.ndarray,
    given: dict[str, Any],
    major_powers: str,
    states: int,
) -> dict[str, np.ndarray]:
    """The battlefield parameters the scenario does not give, from calibrated parameters
    ``th`` (name -> (n,)), the war's tempo shock ``z`` and premium draw ``u`` (each (n,))."""
    # costs and premia are in points of the line; the calibration's line is abstract, so
    # they carry over as multiples of the front speed (cost / kappa is unit-free); a scenario
    # that does not give its front speed takes the fitted one (and the costs as fitted)
    kappa = np.asarray(given.get("front_speed", th["front_speed"]), dtype=float)
    per_point = kappa / th["front_speed"]
    coalition = (states / 2.0) ** -th["coalition_tempo"]
    g = th["attrition"] * coalition * np.exp(th["tempo_spread"] * z)
    edge = th["initiator_edge"] + th["major_edge"] * _MAJOR[major_powers]
    derived = {
        "alpha": g * np.exp(-edge / 2.0),
        "beta": g * np.exp(edge / 2.0),
        "noise": th["noise"],
        "fog": th["fog"],
        "collapse_a": th["collapse"],
        "collapse_b": th["collapse"],
        "optimism_a": th["optimism"],
        "optimism_b": th["optimism"],
        "cost_a": th["cost"] * per_point,
        "cost_b": th["cost"] * per_point,
        "reservation_a": th["premium"] * 2.0 * u * per_point,
        "reservation_b": th["premium"] * 2.0 * u * per_point,
        "front_speed": th["front_speed"],
    }
    for side in ("a", "b"):
        force = given.get(f"force_{side}", NEUTRAL_DEFAULTS[f"force_{side}"])
        derived[f"mobilisation_{side}"] = th["mobilisation"] * np.asarray(force, dtype=float)
    return {k: v for k, v in derived.items() if k not in given}


#: the 95th percentile of the standard normal: a stated 90% range spans 2 x this many sds
_Z95 = 1.6448536269514722


def loss_observation(scenario: Scenario) -> Observation | None:
    """The scenario's ``war.observed_losses`` as rates per unit of the other side's forces
    (the nominal ``force_a`` and ``force_b``; :data:`Observation`), or None without them.
    A side's losses a month are log-normal with their stated 90% range."""
    war = scenario.war
    if war is None or war.observed_losses is None:
        return None
    nominal = nominal_war(scenario)
    forces = {s: nominal[f"force_{s}"] for s in "ab"}

    def log_rate(r: Any, other: float) -> tuple[float, float]:
        lo, hi = np.log(r.low), np.log(r.high)
        return float((lo + hi) / 2.0 - np.log(other)), float(((hi - lo) / (2.0 * _Z95)) ** 2)

    y_alpha, v_alpha = log_rate(war.observed_losses.b, forces["a"])
    y_beta, v_beta = log_rate(war.observed_losses.a, forces["b"])
    return (y_alpha, v_alpha, y_beta, v_beta)


def tempo_given_losses(
    th: dict[str, np.ndarray],
    observation: Observation,
    months: int,
    major_powers: str,
    states: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Condition each parameter vector on the losses observed over the first ``months``
    months (docs/models/war.md, "What the war's losses say about its tempo").

    Under vector ``th`` (name -> array of shape (T,)) the war's rates are
    log alpha = log g - e/2 + s z and log beta = log g + e/2 + s z, z ~ N(0, 1) the war's
    tempo shock (g the attrition with the coalition slowdown, s the tempo spread, e the
    edge). A month's rate carries the shock exp(sigma eps - sigma^2/2), so the average of
    ``months`` months is taken as log-normal with the same mean (Fenton-Wilkinson):
    log-variance w = log(1 + (exp(sigma^2) - 1) / months), mean log rate - w/2. With the
    measurement's variance added, each observed log rate is normal given z, and z given
    both is normal (a conjugate update).

    Returns, each of shape (T,): the log marginal likelihood of the observation under the
    vector (z integrated out), and the mean and sd of z given the observation."""
    y_a, v_a, y_b, v_b = observation
    s = np.asarray(th["tempo_spread"], dtype=float)
    log_g = np.log(th["attrition"]) - th["coalition_tempo"] * np.log(states / 2.0)
    edge = th["initiator_edge"] + th["major_edge"] * _MAJOR[major_powers]
    w = np.log1p(np.expm1(np.asarray(th["noise"], dtype=float) ** 2) / months)
    va, vb = w + v_a, w + v_b
    ra = y_a - (log_g - edge / 2.0 - w / 2.0)
    rb = y_b - (log_g + edge / 2.0 - w / 2.0)
    s2 = s * s
    precision = 1.0 + s2 / va + s2 / vb
    mean = s * (ra / va + rb / vb) / precision
    # (ra, rb) ~ N(0, [[s2 + va, s2], [s2, s2 + vb]]) with z integrated out
    det = va * vb + s2 * (va + vb)
    quad = ((s2 + vb) * ra**2 - 2.0 * s2 * ra * rb + (s2 + va) * rb**2) / det
    loglik = -0.5 * (quad + np.log(det)) - np.log(2.0 * np.pi)
    return loglik, mean, 1.0 / np.sqrt(precision)


#: simulations per parameter vector when the fit is conditioned on the months fought. With
#: 16 the shares of the Ukraine war's endings moved by several points with the seed of these
#: simulations, with 128 by about the Monte Carlo error of the draws (docs/models/war.md;
#: ``scripts/war_sensitivity.py --survival-seeds``)
_SURVIVAL_DRAWS = 128

#: the seed of those simulations (0: the shipped one; another value is a diagnostic)
_SURVIVAL_SEED = 0

#: parameter vectors with a smaller posterior weight are not simulated (their weight becomes
#: 0): 847 of the 2,048 vectors of the shipped fit carry all but 8e-8 of the weight
_SURVIVAL_MIN_WEIGHT = 1e-9


@lru_cache(maxsize=32)
def _survival(
    months: int,
    major_powers: str,
    states: int,
    nominal: tuple[tuple[str, float], ...],
    observation: Observation | None = None,
    capability_ratio: float | None = None,
) -> np.ndarray:
    """P(a war with the scenario's inputs is still being fought after ``months`` months) under
    each parameter vector of the shipped fit, shape (T,): ``_SURVIVAL_DRAWS`` simulations
    each (:func:`_survival_runs`), smoothed as (still fighting + 0.5) / (draws + 1); 0 for
    the vectors whose posterior weight is below :data:`_SURVIVAL_MIN_WEIGHT`."""
    from guaranty.warfit import war_fit

    keep, _, _, alive = _survival_runs(
        months, major_powers, states, nominal, observation, capability_ratio
    )
    out = np.zeros(war_fit().weights.size)
    out[keep] = (alive.sum(axis=1) + 0.5) / (alive.shape[1] + 1.0)
    return out


def _survival_runs(
    months: int,
    major_powers: str,
    states: int,
    nominal: tuple[tuple[str, float], ...],
    observation: Observation | None = None,
    capability_ratio: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The simulations behind :func:`_survival`: the indices of the parameter vectors
    simulated (those of weight at least :data:`_SURVIVAL_MIN_WEIGHT`, shape (K,)), each
    simulated war's tempo shock and premium draw (shape (K * n,), vector by vector), and
    whether it was still fought after ``months`` months (bool, shape (K, n)); n =
    :data:`_SURVIVAL_DRAWS`, seeded, the scenario's own inputs at their nominal values.
    With an ``observation`` (:func:`loss_observation`) the tempo shocks are drawn given it
    (:func:`tempo_given_losses`). With a ``capability_ratio`` the forces are split as the
    fit reads them, under each vector's own exponent (:func:`forces_as_fitted`)."""
    from guaranty.warfit import war_fit

    fit = war_fit()
    keep = np.flatnonzero(fit.weights >= _SURVIVAL_MIN_WEIGHT)
    t_count, n = keep.size, _SURVIVAL_DRAWS
    th = {k: np.repeat(v[keep], n) for k, v in fit.theta.items()}
    rng = np.random.default_rng([months, n, *([_SURVIVAL_SEED] if _SURVIVAL_SEED else [])])
    z, u = rng.standard_normal(t_count * n), rng.random(t_count * n)
    if observation is not None:
        _, mean, sd = tempo_given_losses(th, observation, months, major_powers, states)
        z = mean + sd * z
    given: dict[str, Any] = dict(nominal)
    if capability_ratio is not None:
        given.update(forces_as_fitted(given, th["force_exponent"], capability_ratio))
    params = WarParams(
        **given, **_from_theta(th, z, u, given, major_powers, states), horizon=months
    )
    res = simulate_war(params, t_count * n, rng)
    alive = (res.outcome == OUTCOMES.index("ongoing")).reshape(t_count, n)
    return keep, z, u, alive


def fitted_defaults(
    given: dict[str, Any],
    draws: int,
    rng: np.random.Generator,
    *,
    major_powers: str = "none",
    states: int = 2,
    months_fought: int = 0,
    nominal: dict[str, float] | None = None,
    observation: Observation | None = None,
    matrix: DesignMatrix | None = None,
    capability_ratio: float | None = None,
) -> dict[str, np.ndarray]:
    """The fitted battlefield parameters the scenario does not give, one posterior draw of the
    COW calibration per draw (name -> array of shape (draws,)).

    Side B is the initiator; ``major_powers`` says which side has a major power ("none",
    "a", "b", "both") and ``states`` how many states are at war, as in the calibration. The
    war's own tempo (exp(tempo_spread z)) and premium (2u times the fitted premium) are drawn
    around the fit as in the calibration. Costs and premia are rescaled from the
    calibration's abstract line to the scenario's by the ratio of the front speeds (the
    scenario's ``front_speed`` over the fitted one). ``alpha`` and ``beta`` come from the
    same draw of the attrition and the initiator's edge (each unless the scenario gives
    it); mobilisation is the fitted share of the side's initial forces.

    ``months_fought`` > 0: the war has already lasted that long at month 0, so the fit's
    weights are multiplied by each parameter vector's probability that a war with these
    inputs lasts that long (``nominal``: the scenario's inputs at their nominal values).

    ``observation`` (:func:`loss_observation`; needs ``months_fought``): the losses of those
    months. Each vector's weight is multiplied by the observation's likelihood under it, and
    the war's tempo shock is drawn from its distribution given the observation
    (:func:`tempo_given_losses`), here and in the survival simulations.

    ``capability_ratio`` (the aggressor's material capabilities over the protected state's):
    the two sides' forces are split as the fit reads them (:func:`forces_as_fitted`, each
    draw with its vector's exponent), in the survival simulations too, and returned as
    ``force_a`` and ``force_b``."""
    from guaranty.warfit import war_fit

    fit = war_fit()
    weights = fit.weights
    if observation is not None:
        if months_fought < 1:
            raise ValueError("an observation of the losses needs months_fought >= 1")
        loglik, z_mean, z_sd = tempo_given_losses(
            fit.theta, observation, months_fought, major_powers, states
        )
        weights = weights * np.exp(loglik - loglik.max())
        weights = weights / weights.sum()
    if months_fought > 0:
        key = tuple(sorted((nominal or {}).items()))
        weights = weights * _survival(
            months_fought, major_powers, states, key, observation, capability_ratio
        )
        weights = weights / weights.sum()
    idx = draw_index(weights, draws, rng, name=FIT_DRAW, matrix=matrix)
    th = {k: v[idx] for k, v in fit.theta.items()}
    z = draw_normal(1.0, draws, rng, name=FIT_TEMPO, matrix=matrix)
    if observation is not None:
        z = z_mean[idx] + z_sd[idx] * z
    u = draw_uniform(draws, rng, name=FIT_PREMIUM, matrix=matrix)
    if capability_ratio is None:
        return _from_theta(th, z, u, given, major_powers, states)
    forces = forces_as_fitted(given, th["force_exponent"], capability_ratio)
    given = {**given, **forces}
    return {**_from_theta(th, z, u, given, major_powers, states), **forces}


def forces_as_fitted(
    given: dict[str, Any], exponent: np.ndarray, capability_ratio: float
) -> dict[str, np.ndarray]:
    """The two sides' forces split as the fit to the COW wars reads a war's forces
    (``guaranty.models.war.calibration``): the aggressor's (B's) over the protected state's
    (A's) is ``capability_ratio ** exponent``, their total that of the forces ``given``
    (``force_a + force_b``, the neutral 100 each if not given), so that the arms flows and
    the replenishment keep their unit. ``exponent``: the fit's ``force_exponent`` per draw,
    shape (n,). Returns ``force_a`` and ``force_b``, shape (n,)."""
    if not np.isfinite(capability_ratio) or capability_ratio <= 0:
        raise ValueError(f"capability_ratio must be a positive number; got {capability_ratio}")
    total = sum(
        np.asarray(given.get(f"force_{side}", NEUTRAL_DEFAULTS[f"force_{side}"]), dtype=float)
        for side in ("a", "b")
    )
    ratio = capability_ratio ** np.asarray(exponent, dtype=float)
    return {"force_a": total / (1.0 + ratio), "force_b": total * ratio / (1.0 + ratio)}


def war_settings(scenario: Scenario) -> WarSettings:
    """The scenario's war section; a :class:`ScenarioError` at the file when it has none."""
    if scenario.war is None:
        raise scenario.error_at(
            "the scenario has no 'war' section (the battlefield model's parameters with their "
            "sources); see docs/scenario-format.md",
            ("war",),
        )
    return scenario.war


def run_war(
    scenario: Scenario,
    *,
    draws: int = 2000,
    seed: int | Sequence[int] = 0,
    level: float = 0.9,
    keep_paths: bool = False,
    matrix: DesignMatrix | None = None,
    capability_ratio: float | None = None,
) -> WarSummary:
    """Simulate the scenario's war ``draws`` times (seeded; ``seed`` is the entropy of a
    ``numpy.random.SeedSequence``, an integer or a sequence of them). Parameters the scenario
    does not give are drawn from the fit to the COW wars where :data:`FITTED` lists them,
    else keep the model's documented defaults. ``keep_paths`` keeps the month-by-month
    paths (for ``by_month`` in the JSON). ``matrix`` (:mod:`guaranty.scenario.design_matrix`) gives
    quantiles for named inputs ("war: NAME" for a scenario parameter, :data:`FIT_DRAW`,
    :data:`FIT_TEMPO`, :data:`FIT_PREMIUM` for the fitted ones). ``capability_ratio`` (the
    aggressor's material capabilities over the protected state's) splits the forces as the
    fit reads them instead of as the scenario states them (:func:`forces_as_fitted`; their
    total is kept; docs/models/war.md, "Forces as stated or as the fit reads them"); a
    scenario with ``war.forces: capabilities`` does so with :func:`capability_ratio_of`."""
    settings = war_settings(scenario)
    if capability_ratio is None and settings.forces == "capabilities":
        capability_ratio = capability_ratio_of(scenario)
        if capability_ratio is None:  # refused when the file loads; here for one built in code
            raise scenario.error_at(
                "'capabilities' needs credibility.aggressor and credibility.protected with "
                "positive capabilities",
                ("war", "forces"),
            )
    s_params, s_war, s_fit = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(s_params)
    values: dict[str, Any] = {}
    neutral = inherited(scenario)
    # the line starts at or above its floor: each is drawn within the other's given range
    # (the schema checks that the ranges allow it; a distribution's range is its centre)
    ends = {
        k: settings.parameters[k].support if k in settings.parameters else (neutral[k],) * 2
        for k in ("front0", "front_min")
        if k in settings.parameters or k in neutral
    }
    for name, q in sorted(settings.parameters.items()):
        lo, hi = _truncation(name)
        if name == "front0" and "front_min" in ends:
            lo = max(lo, ends["front_min"][1])
        if name == "front_min" and "front0" in ends:
            hi = min(hi, ends["front0"][0])
        values[name] = draw(q, draws, rng, lo, hi, name=f"war: {name}", matrix=matrix)
    values.update({k: np.full(draws, v) for k, v in neutral.items()})
    if "front0" in values and "front_min" in values:
        below = int(np.sum(np.asarray(values["front0"]) < np.asarray(values["front_min"])))
        if below:  # both drawn from normal distributions, around centres close together
            raise scenario.error_at(
                f"the line at the start (front0) is drawn below the lowest line (front_min) "
                f"in {below} of {draws} draws; give one of them a fixed value or a range, or "
                "move their centres apart",
                ("war", "parameters", "front_min"),
            )
    if matrix is not None:
        # in a design, a default or sourced value with a stated range varies over it
        for name in stated_factors(scenario):
            u = matrix.get(f"war: {name} (stated range)", draws)
            if u is not None:
                values[name] = stated_value(name, u)
    observation = loss_observation(scenario)
    if observation is not None and ("alpha" in values or "beta" in values):
        # refused when the file loads (WarSettings); here for a scenario built in code
        raise scenario.error_at(
            "war.observed_losses condition the fitted alpha and beta, but the scenario gives "
            f"{' and '.join(k for k in ('alpha', 'beta') if k in values)} itself; remove "
            "one or the other",
            ("war", "observed_losses"),
        )
    fitted = fitted_defaults(
        values,
        draws,
        np.random.default_rng(s_fit),
        major_powers=settings.major_powers,
        states=settings.states,
        months_fought=settings.months_fought,
        nominal=nominal_war(scenario),
        observation=observation,
        matrix=matrix,
        capability_ratio=capability_ratio,
    )
    values = {**values, **fitted}  # with a capability ratio the fit splits the forces
    params = WarParams(**values, horizon=settings.horizon, planning=settings.planning)
    result = simulate_war(params, draws, np.random.default_rng(s_war), keep_paths=keep_paths)
    seed = seed if isinstance(seed, int) else tuple(seed)
    return WarSummary(
        result=result,
        draws=draws,
        seed=seed,
        level=level,
        params=values,
        months_fought=settings.months_fought,
        horizon=settings.horizon,
        observation=observation,
    )


#: how far the forces' reading must move a decisive share (or turn the likelier winner) for
#: :func:`forces_reading` to say so
FORCES_SHIFT = 0.10


def capability_ratio_of(scenario: Scenario) -> float | None:
    """The aggressor's material capabilities over the protected state's (their nominal
    capabilities; the scenario's ``credibility`` section names the two), or None when the
    scenario does not name them or either has none."""
    cred = scenario.credibility
    if cred is None:
        return None
    try:
        agg = float(scenario.actor(cred.aggressor).capability_value.nominal)
        prot = float(scenario.actor(cred.protected).capability_value.nominal)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    if not (np.isfinite(agg) and np.isfinite(prot)) or agg <= 0 or prot <= 0:
        return None
    return agg / prot


def forces_reading(
    scenario: Scenario,
    *,
    draws: int = 4000,
    seed: int = 0,
    stated: dict[str, float] | None = None,
) -> dict[str, Any] | None:
    """The war's decisive shares with the forces as the scenario states them and split as
    the fit reads them (:func:`forces_as_fitted` at :func:`capability_ratio_of`), and a
    sentence for a reader when the reading matters: the likelier winner turns, or a
    decisive share moves by :data:`FORCES_SHIFT` or more (docs/models/war.md, "Forces as
    stated or as the fit reads them"). None for a scenario that states neither side's forces
    or names no two sides with capabilities, and for a war of more than two states (the fit
    read a side's capabilities as the sum over its states; a scenario does not say which
    states fight on which side), or one whose observed losses are rates per unit of the
    stated forces (:func:`forces_alternative`). ``stated``: the shares with the stated
    forces when the caller has them (a run's), else they are simulated too. Returns
    ``ratio``, ``stated`` and ``fitted`` (outcome -> share) and ``note`` (None when it does
    not matter)."""
    if forces_alternative(scenario) is None:
        return None
    ratio = capability_ratio_of(scenario)
    if ratio is None:
        return None

    def shares(r: float | None) -> dict[str, float]:
        return run_war(scenario, draws=draws, seed=seed, capability_ratio=r).shares()

    stated = dict(stated) if stated is not None else shares(None)
    fitted = shares(ratio)
    keys = ("decisive_a", "decisive_b")
    turns = (stated[keys[0]] - stated[keys[1]]) * (fitted[keys[0]] - fitted[keys[1]]) < 0
    moves = max(abs(stated[k] - fitted[k]) for k in keys) >= FORCES_SHIFT
    note = None
    if turns or moves:
        note = (
            "Who wins turns on how the two sides' forces are measured: with the scenario's "
            f"forces the protected state wins decisively in {stated[keys[0]]:.0%} of the "
            f"draws and the aggressor in {stated[keys[1]]:.0%}; with the forces split as the "
            f"fit to the COW wars reads them (the aggressor's capabilities {ratio:.2g} times "
            f"the protected state's, raised to the fitted exponent) in {fitted[keys[0]]:.0%} "
            f'and {fitted[keys[1]]:.0%} (docs/models/war.md, "Forces as stated or as the fit '
            'reads them").'
        )
    return {"ratio": ratio, "stated": stated, "fitted": fitted, "note": note}


def forces_alternative(scenario: Scenario) -> Scenario | None:
    """The scenario with its forces read as the fit reads them (``war.forces:
    capabilities``), for a two-state war whose scenario states its forces and names the two
    sides with capabilities, and does not read observed losses as rates per unit of the
    stated forces; None otherwise (:func:`forces_reading` reads the same cases)."""
    war = scenario.war
    if war is None or war.forces != "stated" or war.states != 2:
        return None
    if war.observed_losses is not None:  # their rates are per unit of the stated forces
        return None
    if not {"force_a", "force_b"} & set(war.parameters) or capability_ratio_of(scenario) is None:
        return None
    return scenario.model_copy(update={"war": war.model_copy(update={"forces": "capabilities"})})


def stated_force_ratio(scenario: Scenario) -> float:
    """The aggressor's forces over the protected state's as the scenario states them (their
    nominal values; the neutral 100 for one not given)."""
    nominal = nominal_war(scenario)
    return nominal.get("force_b", 100.0) / nominal.get("force_a", 100.0)


def sensitivity(scenario: Scenario, *, draws: int = 4000, seed: int = 0) -> list[dict[str, Any]]:
    """How far each war input moves the outcome shares over its own stated 90% range.

    Inputs: the scenario's uncertain war parameters (their 5th and 95th percentiles), the
    parameters drawn from the COW fit (the 5th and 95th percentiles of their draws) and the
    inputs with a stated range (:data:`STATED_RANGES`) that the scenario fixes at the value
    the range was stated for, or leaves at the model's own default (prior sd, discount, the
    split of the range). Each is fixed at each end in turn, everything
    else drawn as usual on the same random streams. Returns one row per input: ``name``,
    ``kind`` ("scenario", "fitted" or "stated range"), ``low``, ``high``, the shares at each end
    (``at_low``, ``at_high``: outcome -> share) and ``max_shift``, the largest change of any
    share between the two ends (in share points, 0-1)."""
    from guaranty.scenario.schema import Fixed

    settings = war_settings(scenario)
    base = run_war(scenario, draws=draws, seed=seed)
    ranges: dict[str, tuple[str, float, float]] = {}
    for name, q in settings.parameters.items():
        if not isinstance(q, Fixed):
            lo, hi = np.quantile(base.params[name], [0.05, 0.95])
            ranges[name] = ("scenario", float(lo), float(hi))
    for name in FITTED:
        if name not in settings.parameters:
            lo, hi = np.quantile(base.params[name], [0.05, 0.95])
            ranges[name] = ("fitted", float(lo), float(hi))
    for name in stated_factors(scenario):
        ranges[name] = ("stated range", *STATED_RANGES[name][1:3])
    rows = []
    for name, (kind, lo, hi) in sorted(ranges.items()):
        shares = []
        for v in (lo, hi):
            params = {**settings.parameters, name: Fixed(value=v, source="sensitivity")}
            war = settings.model_copy(update={"parameters": params})
            r = run_war(scenario.model_copy(update={"war": war}), draws=draws, seed=seed)
            shares.append(
                {o: float(np.mean(r.result.outcome == k)) for k, o in enumerate(OUTCOMES)}
            )
        shift = max(abs(shares[1][o] - shares[0][o]) for o in OUTCOMES)
        rows.append(
            {
                "name": name,
                "kind": kind,
                "low": lo,
                "high": hi,
                "at_low": shares[0],
                "at_high": shares[1],
                "max_shift": shift,
            }
        )
    return rows
