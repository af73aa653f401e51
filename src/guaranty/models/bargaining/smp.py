"""``smp``: KTAB's Spatial Model of Politics, all issues of a scenario as one space.

A port of the SMP of the KAPSARC Toolkit for Behavioral Analysis (KTAB; ``examples/smp``
and ``KTAB/kmodel`` of github.com/KAPSARC/KTAB, Wise, Lester & Efird's KAPSARC discussion
papers on KTAB and the SMP). The state is every actor's position, a point of the unit cube
[0, 1]^m (each issue rescaled from its ``[lower, upper]``). One turn, for the current
positions x:

1. Distance and utility (``SMPModel::bvDiff``, ``bsUtil``): actor i's salience-weighted
   distance to a point y and its utility of y are

       d_i(y) = sqrt( sum_k s_ik^2 (x_ik - y_k)^2 / sum_k s_ik^2 ),
       u_i(y) = (1 - d) (1 + d R_i)                      (d <= 1; KTAB's "(1-sd)(1+sd R)")

2. Votes and coalitions (``Model::vote``, ``Model::coalitions``): actor k's vote for option
   a over option b is w_k f(u_k(a) - u_k(b)) with f the ``VotingRule`` (Prop: f(du) = du;
   Binary: du / 1e-8 clipped to [-1, 1]; ...); the coalition for a over b is
   C(a, b) = 1e-8 + sum_k max(0, vote_k(a, b)), with w_k the capability.
3. Victory and the probable winner (``Model::vProb``, ``Model::probCE2``): a beats b with
   P(a > b) = C(a, b)^e / (C(a, b)^e + C(b, a)^e), e = 1, 2, 4, 8 for the
   ``VictoryProbModel`` Linear, Square, Quartic, Octic (Binary: a 1.1 threshold); the
   probability that option a wins is, for the ``PCEModel`` Conditional,
   P(a) = prod_b P(a > b) / sum_c prod_b P(c > b), or the limit of KTAB's Markov chains.
4. Risk attitudes (``Model::bigRfromProb``, ``BigRRange`` Mid): with the risk-neutral
   utilities (R = 0), P(x_i) over the actors' positions gives
   R_i = (3 P_i - (P_max + 2 P_min)) / (2 (P_max - P_min)) in [-1/2, 1]: the actor whose
   position is most likely to win is risk averse. Actor h estimates i's attitude as
   R^h_i = (2 R_h + R_i) / 3 (``BigRAdjust`` OneThird), and u^h_i uses R^h_i.
5. Challenges (``SMPState::probEduChlg``): i's estimate of its gain from challenging j is

       E = (1 - S_j) 2 u_i(x_i) + S_j [p 2 u_i(x_i) + (1 - p) 2 u_i(x_j)] - (u_i(x_i) + u_i(x_j))

   with S_j = sum_k s_jk and p = C_ij / (C_ij + C_ji), the coalitions formed by i and j
   (weights S c) and by every third party n, whose vote compares its expected utility of
   joining i and of joining j (``Actor::thirdPartyVoteSU``, ``ThirdPartyCommit``
   SemiCommit: n adopts the winner's position only if its side loses). Each actor
   challenges the j with the largest E > 1e-5, if any.
6. Bargains (``SMPActor::interpBrgnSnPm``, ``InterVecBrgn`` S2P2): on each issue k both
   move to b_k = (w_i x_ik + w_j x_jk) / (w_i + w_j), w = s_k^2 p^2 with p_i the
   initiator's estimate that it wins and p_j = 1 - p_i (a 1e-6 weight keeps each party's
   own position when both weights vanish), rounded to 1e-4 of the scale
   (``BargnModel`` InitOnlyInterp: the initiator's interpolation is the bargain).
7. The next state (``SMPState::updateBestBrgnPositions``): every actor k has a queue of
   bargains, the status quo and those it initiated or received. Each bargain is valued by
   every actor as the mean of its utilities of all positions after it; k adopts the bargain
   of its queue most likely to win the Condorcet election among them (``StateTransitions``
   Deterministic), or one drawn with those probabilities (Stochastic).

Turns repeat until the state changes by less than 2% of the first turn's change (the sum
over actors of the Euclidean move, the first one plus 1e-4), after at least 2 and at most
100 turns (``configExec``, ``smpStopFn``).

The forecast (``forecast="expected"``, default) is the expected final position under the
model's own probability that each distinct final position wins (step 3 over the final
positions, each actor judging by its own risk-aware utility: KTAB's "winning
probabilities"). ``forecast="weighted_mean"`` gives the capability x salience weighted mean
of the final positions instead.

Choices
-------
* KTAB's algorithm is followed line by line (``smp.cpp``, ``smpbcn.cpp``, ``kmodel.cpp``,
  2017 sources, the version that wrote the reference runs): it reproduces the reference
  runs ``dummyData_3Dim`` (11 states) and ``SOE-Pol-Comp`` (28 states) to their printed
  precision. The victory probability of a challenge (step 5) is KTAB's linear ratio,
  whatever the ``VictoryProbModel``, which enters steps 3, 4 and 7 only, as in KTAB.
  In ``PWCompInterp``, both weights use the initiator's capability, as KTAB's code does.
* Ties (``SMPState::updateBestBrgnPositions``, ``ndxMaxAbs``): KTAB builds the queues in
  threads, so their order, which decides exact ties, varies from run to run. Here the most
  probable bargain wins and, among those within a relative 1e-9 of it, the one that moves
  the actor least (the status quo first); two bargains leading to the same state get the
  same value.
* Scale and rounding (``SMPActor::interpBrgnSnPm``): each issue is mapped to [0, 1] by its
  ``[lower, upper]`` (KTAB divides its [0, 100] positions by 100), so the 1e-4 rounding of
  bargains and the 1e-3 tolerance for equal positions are relative to the scale. The
  half-way point of the rounding is moved up by 1e-11 of the scale (averages of rounded
  positions hit it exactly, and round-off then decided), and a rounded bargain is kept
  inside the span of the present actors' initial positions (on KTAB's two-decimal grid
  rounding never leaves it).
* Saliences: KTAB's reader rejects an actor whose saliences sum above 1 (100%); here such an
  actor's saliences are divided by their sum. An actor with zero salience everywhere is
  indifferent: its distance to every point is 0 (KTAB stops on it).
* Capability: KTAB has one per actor; an actor's capability is the mean of its capability
  over the issues it is present on. A capability of 0 is a vote of 0 (KTAB stops on it).
  KTAB adds small constants to coalitions (1e-8) and challenges (1e-10) against division
  by zero; against capabilities of CINC size (0.001-0.2) they are not negligible, so the
  forecast depends on the unit of capability. ``capability="scaled"`` puts each draw's
  largest capability at 100 (the largest in most of KTAB's examples), so that the
  forecast is the same in any unit; the default, ``"as_given"``, is KTAB's.
* Absent actors: an actor absent from every issue takes no part. An actor absent from some
  issues has salience 0 there, and on such an issue it holds the capability x salience
  weighted mean of the present actors' positions (not its placeholder), which it may then
  bargain away; the stopping rule measures moves on present entries only. KTAB has no
  absence (an actor without a stake is given salience 0, its position still counting).
* Degenerate risk: where every position is equally likely to win (P_max - P_min <= 1e-9,
  e.g. a single actor) every actor is risk neutral (KTAB divides by zero).
* Equal positions (``SMPState::pDist``, ``State::setUENdx``, ``KBase::ueIndices``):
  positions within 1e-3 (Euclidean, unit scale) are one option in the final election.
  KTAB groups them greedily in actor order (an actor joins the first earlier group leader
  within 1e-3, or else leads a new group), values a group at its leader's position and
  reports for each actor the group of the last leader within 1e-3 (``State::posProb``);
  ``grouping="ktab"`` does exactly that and reproduces KTAB's histories of winning
  probabilities. The default ``grouping="chain"`` joins chains of such positions and uses
  each group's mean position and members' mean utility, so that the result does not
  depend on the order of the actors; the two differ only where positions are near but
  unequal.
* The Conditional PCE is computed in logarithms (KTAB multiplies, which can underflow).
* Markov PCE models stop when the largest change falls below KTAB's tolerance (1e-6
  MarkovUniform, 1e-8 MarkovIncentive) or after 1000 iterations (KTAB then aborts).
* Randomness: only ``StateTransitions="Stochastic"`` uses it (KTAB's seed is otherwise
  unused): each draw gets a 64-bit key from ``rng`` and each (turn, actor) choice a uniform
  number hashed from it, so a draw's path does not depend on the other draws of the batch.
* Outputs: ``round_positions[:, t]`` are the positions after turn t + 1 on the issues'
  scales (absent entries keep their input values), padded with the final state after the
  stop; ``round_median`` / ``round_mean`` are their capability x salience weighted median and
  mean; ``diagnostics["turns"]`` is the number of turns run (KTAB's states minus one).

Kernels
-------
A run is compiled (numba, :mod:`guaranty.models.bargaining._smp_compiled`, imported when a
run starts): all the turns of a draw in one compiled loop, the draws of a batch in threads.
The array kernel (:class:`~guaranty.models.bargaining._smp_turn.SMPTurns`, numpy; chosen
with ``kernel = "numpy"`` on an instance) computes the same to round-off and is what the
compiled kernel is tested against; its methods (``assess``, ``challenges``, ...) also give
a state's intermediate figures, and :meth:`SpatialModelOfPolitics.history` uses them for
the winning probabilities of every state.

Equations, the option mapping and the validation figures: ``docs/models/smp.md``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from guaranty.errors import ModelError
from guaranty.models.bargaining import _smp_ktab
from guaranty.models.bargaining._smp_ktab import *  # noqa: F403 (the names of its __all__)
from guaranty.models.bargaining._smp_ktab import OPTIONS, _uniforms
from guaranty.models.bargaining._smp_turn import SMPTurns
from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.bargaining.compromise import weighted_mean
from guaranty.models.bargaining.median import weighted_median
from guaranty.models.params import Constraint, Interval, Options, check_parameters
from guaranty.models.registry import register

__all__ = ["SpatialModelOfPolitics", *_smp_ktab.__all__]

#: KTAB's option names and their admissible values (first one: KTAB's default).

FORECASTS = ("expected", "weighted_mean")
GROUPINGS = ("chain", "ktab")

_MIN_SIG_DELTA = 1e-4  # configExec
_CHUNK_ELEMENTS = 100_000  # array kernel: draws x actors^3 per chunk (0.8 MB, in cache)
_CHUNK_STATES = 1 << 22  # compiled kernel: draws x turns x actors x issues of kept states
_SEGMENT = 32  # compiled kernel: turns per call (the states of a call are allocated at once)
#: up to this many actors ``kernel="auto"`` runs the numpy kernel (see ``kernel``)
SMALL_ACTORS = 10


def _in_threads(
    kernel: Any,
    args: tuple,
    t0: int,
    out: tuple[np.ndarray, ...],
    first_step: np.ndarray,
    threads: int,
) -> None:
    """Run the compiled segment on every draw: in the calling thread for one draw (or one
    thread), else on slices of about an eighth of a thread's share of the draws taken in
    turn by ``threads`` threads (the kernel releases the GIL; draws differ in length)."""
    bsz = args[0].shape[0]
    if threads <= 1 or bsz == 1:
        kernel(*args, t0, out, first_step, True)
        return
    step = -(-bsz // (8 * threads))
    per_draw = (0, 1, 2, 4, 5, 6)  # the arguments with a draw axis (x, s, c, lo, hi, keys)

    def piece(lo: int) -> None:
        sl = slice(lo, lo + step)
        part = tuple(a[sl] if k in per_draw else a for k, a in enumerate(args))
        kernel(*part, t0, (*(o[sl] for o in out[:4]), *out[4:]), first_step[sl], lo == 0)

    with ThreadPoolExecutor(max_workers=min(threads, -(-bsz // step))) as pool:
        list(pool.map(piece, range(0, bsz, step)))


def _round_summaries(
    full: np.ndarray,
    path: np.ndarray,
    actors: np.ndarray,
    pres: np.ndarray,
    lower: np.ndarray,
    width: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Every round's positions on the issues' scales, and their weighted median and mean.

    full (draws, rounds, all actors, issues), the input positions, takes the present
    entries of path (draws, rounds, n, issues; on [0, 1]) of the SMP's actors; weights
    (draws, all actors, issues). Returns the medians and means, each (draws, rounds,
    issues). Rounds go by blocks of about 65,000 positions, each block as one batch.
    """
    draws, rounds, n_all, m = full.shape
    median, mean = np.empty((draws, rounds, m)), np.empty((draws, rounds, m))
    block = max(1, (1 << 16) // (draws * n_all * m))
    for r0 in range(0, rounds, block):
        r1 = min(r0 + block, rounds)
        full[:, r0:r1, actors] = np.where(
            pres, lower + width * path[:, r0:r1], full[:, r0:r1, actors]
        )
        flat = full[:, r0:r1].reshape(-1, n_all, m)
        w = np.repeat(weights[:, None], r1 - r0, axis=1).reshape(-1, n_all, m)
        median[:, r0:r1] = weighted_median(flat, w).reshape(draws, r1 - r0, m)
        mean[:, r0:r1] = weighted_mean(flat, w).reshape(draws, r1 - r0, m)
    return median, mean


@register
class SpatialModelOfPolitics(SMPTurns, NegotiationModel):
    """KTAB's Spatial Model of Politics over all the issues of a scenario at once.

    Parameters
    ----------
    VictoryProbModel : {"Linear", "Square", "Quartic", "Octic", "Binary"}, default "Linear"
    VotingRule : {"Prop", "Binary", "PropBin", "PropCbc", "Cubic", "ASymProsp"}, default "Prop"
    PCEModel : {"Conditional", "MarkovIncentive", "MarkovUniform"}, default "Conditional"
    StateTransitions : {"Deterministic", "Stochastic"}, default "Deterministic"
    BigRRange : {"Mid", "Min", "Max"}, default "Mid"
    BigRAdjust : {"OneThird", "None", "Half", "TwoThirds", "Full"}, default "OneThird"
    ThirdPartyCommit : {"SemiCommit", "NoCommit", "FullCommit"}, default "SemiCommit"
    InterVecBrgn : {"S2P2", "S1P1", "S2PMax"}, default "S2P2"
    BargnModel : {"InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"}, default
        "InitOnlyInterp"
        KTAB's options, with KTAB's names and defaults (the header of a KTAB log).
    minIter, maxIter : int, default 2 and 100
        Fewest and most turns (KTAB's ``configExec``).
    minDeltaRatio : float in (0, 1), default 0.02
        Stop when a turn moves the state by less than this fraction of the first turn.
    forecast : {"expected", "weighted_mean"}, default "expected"
        The outcome: the expected final position under the probability that each distinct
        final position wins, or the capability x salience weighted mean of final positions.
    grouping : {"chain", "ktab"}, default "chain"
        Which final positions are one option (those within 1e-3 of the scale): chains of
        such positions, valued at their mean, whatever the order of the actors; or KTAB's
        greedy groups in actor order, valued at their first actor's position, as in KTAB's
        logs (the forecast then depends on the order of the actors).
    capability : {"as_given", "scaled"}, default "as_given"
        The capabilities as given (KTAB), or scaled in each draw so that the largest is 100:
        KTAB's constants against division by zero then weigh as in its examples, and the
        forecast does not depend on the unit of capability.
    """

    name: ClassVar[str] = "smp"
    summary: ClassVar[str] = "KTAB's Spatial Model of Politics (all issues one space, by turns)"
    iterative: ClassVar[bool] = True
    separable: ClassVar[bool] = False
    parameters: ClassVar[dict[str, Constraint]] = {
        **{option: Options(*values) for option, values in OPTIONS.items()},
        "minIter": Interval(Integral, 1, None, closed="left"),
        "maxIter": Interval(Integral, 1, None, closed="left"),
        "minDeltaRatio": Interval(Real, 0, 1, closed="neither"),
        "forecast": Options(*FORECASTS),
        "grouping": Options(*GROUPINGS),
        "capability": Options("as_given", "scaled"),
    }
    ordered_parameters: ClassVar[tuple[tuple[str, str], ...]] = (("minIter", "maxIter"),)
    #: "compiled" (numba, one loop per draw, the draws in parallel), "numpy" (the array
    #: kernel, a turn of every draw at a time) or "auto": numpy up to
    #: :data:`SMALL_ACTORS` actors, compiled above. The two agree to round-off. Loading the
    #: compiled kernel costs a process about 0.7 s once (numba and its cached machine code),
    #: more than a small problem's whole run in numpy (KTAB's 7-actor example: 11 ms); the
    #: choice depends on the number of actors only, never on the batch, so that a draw's
    #: result does not depend on how the draws are chunked. Not a parameter of the model:
    #: the tests and benchmarks set it on an instance.
    kernel: str = "auto"

    def _numpy(self, actors: int) -> bool:
        """Whether a problem of ``actors`` actors runs in the numpy kernel."""
        return self.kernel == "numpy" or (self.kernel == "auto" and actors <= SMALL_ACTORS)

    def __init__(
        self,
        VictoryProbModel: str = "Linear",
        VotingRule: str = "Prop",
        PCEModel: str = "Conditional",
        StateTransitions: str = "Deterministic",
        BigRRange: str = "Mid",
        BigRAdjust: str = "OneThird",
        ThirdPartyCommit: str = "SemiCommit",
        InterVecBrgn: str = "S2P2",
        BargnModel: str = "InitOnlyInterp",
        minIter: int = 2,
        maxIter: int = 100,
        minDeltaRatio: float = 0.02,
        forecast: str = "expected",
        grouping: str = "chain",
        capability: str = "as_given",
    ) -> None:
        check_parameters(self, locals())
        given = locals()
        self.options = {option: given[option] for option in OPTIONS}
        for option, value in self.options.items():
            setattr(self, option, value)
        self.minIter = minIter
        self.maxIter = maxIter
        self.minDeltaRatio = float(minDeltaRatio)
        self.forecast = forecast
        self.grouping = grouping
        self.capability = capability

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return (
            f"SpatialModelOfPolitics({args}, minIter={self.minIter}, maxIter={self.maxIter}, "
            f"minDeltaRatio={self.minDeltaRatio}, forecast={self.forecast!r}, "
            f"grouping={self.grouping!r}, capability={self.capability!r})"
        )

    # ------------------------------------------------------------------------------------
    # inputs

    def prepare(self, inputs: NegotiationInputs) -> dict[str, np.ndarray]:
        """The arrays of the SMP, over the actors present on at least one issue.

        Returns ``actors`` (indices into the input's actor axis, shape (n,)), ``x``
        (positions on [0, 1], shape (draws, n, m), absent entries at the present actors'
        weighted mean), ``s`` (saliences, 0 where absent, each actor's sum at most 1),
        ``c`` (capabilities, shape (draws, n)), ``present`` (n, m), ``width`` (m,).
        """
        present = inputs.present
        if not present.any(axis=0).all():
            empty = [inputs.issue_ids[k] for k in np.nonzero(~present.any(axis=0))[0]]
            raise ModelError(f"smp needs a present actor on every issue; none on {empty}")
        actors = np.nonzero(present.any(axis=1))[0]
        pres = present[actors]
        width = inputs.upper - inputs.lower
        width = np.where(width > 0, width, 1.0)
        x = (inputs.positions - inputs.lower) / width
        fill = weighted_mean(x, effective_weights(inputs))  # (draws, m)
        x = np.where(pres[None], x[:, actors], fill[:, None, :])
        s = np.where(pres[None], inputs.salience[:, actors], 0.0)
        total = s.sum(axis=-1, keepdims=True)
        s = np.where(total > 1.0, s / np.where(total > 0, total, 1.0), s)
        cap = np.where(pres[None], inputs.capability[:, actors], 0.0).sum(axis=-1)
        cap = cap / pres.sum(axis=-1)
        if self.capability == "scaled":  # the largest of each draw at 100
            top = cap.max(axis=-1, keepdims=True)
            cap = cap * (100.0 / np.where(top > 0, top, 1.0))
        lo = np.where(pres[None], x, np.inf).min(axis=1)
        hi = np.where(pres[None], x, -np.inf).max(axis=1)
        return {
            "actors": actors,
            "x": x,
            "s": s,
            "c": cap,
            "present": pres,
            "width": width,
            "lo": lo,
            "hi": hi,
        }

    # ------------------------------------------------------------------------------------
    # a run

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        prep = self.prepare(inputs)
        actors, x0, s, c = prep["actors"], prep["x"], prep["s"], prep["c"]
        pres, width = prep["present"], prep["width"]
        draws, n, m = x0.shape
        keys = None
        if self.StateTransitions == "Stochastic":
            keys = rng.integers(0, 2**63, size=draws, dtype=np.uint64)
        if self._numpy(n):
            chunk = max(1, _CHUNK_ELEMENTS // n**3)
        else:  # the compiled kernel needs no cache-sized batches; bound the states kept
            chunk = max(1, _CHUNK_STATES // (min(self.maxIter, _SEGMENT) * n * m))
        parts = []
        for lo in range(0, draws, chunk):
            sl = slice(lo, min(lo + chunk, draws))
            bounds = (prep["lo"][sl], prep["hi"][sl])
            parts.append(
                self._run_chunk(
                    x0[sl], s[sl], c[sl], pres, bounds, None if keys is None else keys[sl]
                )
            )
        rounds = max(part[0].shape[1] for part in parts)
        path = parts[0][0]  # (draws, rounds, n, m) on [0, 1]
        if len(parts) > 1:
            path = np.concatenate(
                [
                    np.concatenate([p, np.repeat(p[:, -1:], rounds - p.shape[1], axis=1)], axis=1)
                    for p, *_ in parts
                ]
            )
        weights = effective_weights(inputs)
        if self.forecast == "expected":
            outcome = inputs.lower + width * np.concatenate([part[2] for part in parts])
        else:
            outcome = weighted_mean(inputs.lower + width * path[:, -1], weights[:, actors])
        full = np.repeat(inputs.positions[:, None], rounds, axis=1)
        median, mean = _round_summaries(full, path, actors, pres, inputs.lower, width, weights)
        details = parts[0][4]
        details["actors"] = [inputs.actor_ids[k] for k in actors]
        details["position_probabilities"] = dict(
            zip(details["actors"], details.pop("probabilities"), strict=True)
        )
        details["risk_attitudes"] = dict(
            zip(details["actors"], details["risk_attitudes"], strict=True)
        )
        details["challenges"] = [
            [[details["actors"][i], details["actors"][j]] for i, j in turn]
            for turn in details["challenges"]
        ]
        return NegotiationResult(
            outcome=outcome,
            round_median=median,
            round_mean=mean,
            round_positions=full,
            diagnostics={"turns": np.concatenate([part[1] for part in parts])},
            details={"options": dict(self.options), **details},
        )

    def history(self, inputs: NegotiationInputs, draw: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """One draw's run as KTAB logs it: the positions and the winning probabilities of
        every state (``SMPModel::showVPHistory``).

        Returns (positions, probabilities): positions (states, n, m) on the issues' scales,
        probabilities (states, n), the probability that each actor's position wins (KTAB's
        "History of actors' winning probabilities"), over the present actors; state 0 is
        the initial one.
        """
        prep = self.prepare(inputs.take_draws(slice(draw, draw + 1)))
        x0, s, c = prep["x"], prep["s"], prep["c"]
        states = self._run_chunk(x0, s, c, prep["present"], (prep["lo"], prep["hi"]), None)[0]
        xs = np.concatenate([x0[:, None], states], axis=1)[0]  # (states, n, m) on [0, 1]
        reps = np.repeat(s, len(xs), axis=0), np.repeat(c, len(xs), axis=0)
        prob = self.position_probabilities(xs, reps[1], self.assess(xs, *reps)["u"])[0]
        lower = inputs.lower
        return lower + prep["width"] * xs, prob

    def _run_chunk(
        self,
        x0: np.ndarray,
        s: np.ndarray,
        c: np.ndarray,
        pres: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
        keys: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Turns until every draw of the batch has stopped.

        x0, s : (B, n, m); c : (B, n); pres : (n, m); bounds : two (B, m); keys : (B,)
        uint64 or None. Returns the positions after each turn (B, T, n, m), the turns run
        (B,), the expected final position (B, m), the probability that each actor's final
        position wins (B, n) and the first draw's account (turns, challenges, risk).
        Compiled (``kernel="compiled"``, or "auto" above :data:`SMALL_ACTORS` actors), every
        draw runs in the loop of :mod:`guaranty.models.bargaining._smp_compiled`; with
        ``"numpy"`` (or "auto" up to :data:`SMALL_ACTORS`) in the array kernel
        (:class:`SMPTurns`), a turn of every draw at a time.
        """
        if self._numpy(x0.shape[1]):
            return self._run_chunk_numpy(x0, s, c, pres, bounds, keys)
        # numba is imported here, when a run starts, never at package import
        from guaranty.models.bargaining import _smp_compiled as jit

        bsz, n, m = x0.shape
        x = np.array(x0, dtype=float, order="C")
        args = (
            x,
            np.ascontiguousarray(s, dtype=float),
            np.ascontiguousarray(c, dtype=float),
            np.ascontiguousarray(pres, dtype=bool),
            np.ascontiguousarray(bounds[0], dtype=float),
            np.ascontiguousarray(bounds[1], dtype=float),
            np.zeros(bsz, np.uint64) if keys is None else np.ascontiguousarray(keys, np.uint64),
            jit.option_codes(self.options, self.grouping),
            (int(self.minIter), int(self.maxIter), float(self.minDeltaRatio)),
        )
        seg = min(self.maxIter, _SEGMENT)
        done_at = np.zeros(bsz, dtype=np.int64)
        prob, expected = np.zeros((bsz, n)), np.zeros((bsz, m))
        first_step, risk0 = np.zeros(bsz), np.zeros(n)
        parts: list[np.ndarray] = []
        challenges: list[list[tuple[int, int]]] = []
        while not parts or not done_at.all():
            t0 = len(parts) * seg
            states = np.empty((bsz, seg, n, m))
            targets0 = np.full((seg, n), -1, dtype=np.int64)
            out = (states, done_at, prob, expected, targets0, risk0)
            _in_threads(jit.run_segment, args, t0, out, first_step, jit.threads())
            turns0 = seg if not done_at[0] else max(0, min(seg, int(done_at[0]) - t0))
            challenges += [
                [(i, t) for i, t in enumerate(row) if t >= 0] for row in targets0[:turns0].tolist()
            ]
            parts.append(states)
        states = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        states = states[:, : int(done_at.max())]
        first = {
            "turns": int(done_at[0]),
            "challenges": challenges,
            "risk_attitudes": [float(v) for v in risk0],
            "probabilities": [float(v) for v in prob[0]],
        }
        return states, done_at, expected, prob, first

    def _run_chunk_numpy(
        self,
        x0: np.ndarray,
        s: np.ndarray,
        c: np.ndarray,
        pres: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
        keys: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """:meth:`_run_chunk` in the array kernel."""
        bsz, n, _ = x0.shape
        x = x0.copy()
        states = []
        alive = np.ones(bsz, dtype=bool)
        done_at = np.zeros(bsz, dtype=int)
        first_step = np.zeros(bsz)
        challenges: list[list[tuple[int, int]]] = []
        risk: list[float] = []
        it = 0
        while alive.any():
            it += 1
            rows = np.nonzero(alive)[0]
            uni = None if keys is None else _uniforms(keys[rows], it, n)
            new, info = self.turn(
                x[rows], s[rows], c[rows], (bounds[0][rows], bounds[1][rows]), uni
            )
            if alive[0]:
                tgt = info["target"][0]
                challenges.append([(i, int(tgt[i])) for i in range(n) if tgt[i] >= 0])
                if it == 1:
                    risk = [float(v) for v in info["r"][0]]
            move = np.where(pres, new - x[rows], 0.0)
            dist = np.sqrt((move**2).sum(axis=-1)).sum(axis=-1)
            if it == 1:
                first_step[rows] = dist + _MIN_SIG_DELTA
            x[rows] = new
            states.append(x.copy())
            quiet = dist / first_step[rows] < self.minDeltaRatio
            stop = (it >= self.maxIter) | ((it >= self.minIter) & quiet)
            done_at[rows[stop]] = it
            alive[rows[stop]] = False
        prob, option, centre = self.position_probabilities(x, c, self.assess(x, s, c)["u"])
        expected = (option[..., None] * centre).sum(axis=1)
        first = {
            "turns": int(done_at[0]),
            "challenges": challenges,
            "risk_attitudes": risk,
            "probabilities": [float(v) for v in prob[0]],
        }
        return np.stack(states, axis=1), done_at, expected, prob, first
