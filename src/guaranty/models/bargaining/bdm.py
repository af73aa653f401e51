"""``bdm``: Bueno de Mesquita's expected-utility model of group decisions.

As reconstructed by Scholz, Calbert & Smith (2011), "Unravelling Bueno de Mesquita's group
decision model", ICAART 2011, pp. 18-30 (appendix, steps 1-13). Each issue is a separate
one-dimensional contest among the actors present on it. A round, for the current positions x
(distances d_ij = |x_i - x_j| / R, R the scale; weights w_k = c_k s_k):

1. Median: the Condorcet winner mu of the pairwise votes
   v(j, k) = sum_i w_i (|x_i - x_k| - |x_i - x_j|) / R among the actors' positions.
2. Probability of i against j from every actor's vote (eq. 30-31), pooled (Choices):
   P_ij = sum_k w_k max(0, u_k(x_i) - u_k(x_j)) / Z,   u_k(x) = -(|x_k - x| / R)^rho_k,
   Z = sum over every ordered pair (a, b) of sum_k w_k |u_k(x_a) - u_k(x_b)|.
3. Utilities with risk exponent r (eq. 15-16, 22-24):
   U_s = 2 - 4 (1/2 - d/2)^r,  U_f = 2 - 4 (1/2 + d/2)^r,  U_sq = 2 - 4 (1/2)^r,
   U_b, U_w = 2 - 4 (1/2 -+ (|x_i - mu| / R + d) / 4)^r.
4. Expected utility of i challenging j (eq. 25a):
   E(U_ij) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s - Q U_sq
             - (1 - Q) [T U_b + (1 - T) U_w].
5. Risk (eq. 32-34, step 8-9): with r = 1 and rho = 1, the security level of i is
   S_i = sum_{j != i} E(U_ji); R_i = (2 S_i - max S - min S) / (max S - min S) in [-1, 1];
   r_i = (1 - R_i / 3) / (1 + R_i / 3) in [1/2, 2]. Steps 2-4 are then redone with r
   (rho_k = r_k).
6. Offers (section 6, figure 6), from each actor i's own point of view: a = E^i(U_ij) and
   b = E^i(U_ji), both with i's risk exponent (b is i's estimate of j's expected utility
   against i, with target salience s_i and probability P_ji). Actor i moves only where it
   expects to: confrontation (b > a > 0): to x_j; compromise (a < 0 < b, b >= |a|): to
   x_i + (x_j - x_i) |a / b| (eq. 36); capitulation (a < 0 < b < |a|): to x_j. Where i
   expects j to move (a > 0, b < a) i stays, and j decides from its own view; both
   negative: stalemate. An actor
   takes a confrontation if it has one, else a compromise, else a capitulation (section
   6.2): among confrontations and capitulations the one that moves it least, among
   compromises the one from the rival of highest b (the most enforceable). All actors move
   at once.

The round's median and weighted mean are those of the new positions (Scholz et al. Table 2
reports the state after each round: its round-1 mean equals the initial mean and its
round-1 median 8.4 is no initial position). The forecast is the final round's median, the
"median voter position" Bueno de Mesquita reports as the dominant outcome.

Arrays: the kernels (:mod:`guaranty.models.bargaining._bdm_kernel`, wrapped by the
public functions here) work on a flat batch of contests (one row per draw and issue),
``x`` of shape (batch, actors), pairwise arrays of shape (batch, actors, actors) indexed
[row, i, j]. :class:`BuenoDeMesquita` reshapes the (draws, actors, issues) inputs and works
in chunks of rows so that the pairwise arrays stay small.

Choices
-------
Each departs from, or settles an ambiguity of, Scholz et al. (2011); ``docs/models/bdm.md``
gives the evidence (the paper's figures 7-9, Table 2, and a public port of their code).

* Probability denominator (eq. 30-31, p. 24): pooled over the votes cast in every pairwise
  contest, as Scholz et al.'s code did, not over the i-j contest alone as printed; the
  pooled P is small, and it alone reproduces figures 7-9 and Table 2. ``probability=
  "pairwise"`` gives the printed form.
* Votes in P use each voter's risk-adjusted utility u_k (BDM 1997, eq. 10 as quoted p. 21);
  the median (step 3) uses linear votes. ``vote_utility="linear"``: linear votes in P too.
* Security level (eq. 32 vs 34, p. 24): the sum of the others' expected utilities of
  challenging i, computed at r = 1 (BDM 1985, as Scholz et al. choose); ``risk="made"`` sums
  i's own challenges (BDM 1997's subscripts), ``risk="neutral"`` keeps r = 1.
* b in figure 6 is i's perception E^i(U_ji) (with r_i), which the paper's figures 7-9 plot
  as "Others", not j's own E^j(U_ji).
* Compromise condition (p. 25): j has the upper hand when a < 0 < b and |a| < |b|; the
  printed "E^j(U_ji) < 0" would put compromises in the stalemate quadrant of figure 6.
* Compel and stalemate boundaries (figure 6 only): capitulation is the rest of the a < 0 < b
  quadrant (``capitulation=False`` drops it); b = |a| is a compromise with a full move; a
  pair with a or b within 1e-12 of 0, or b within 1e-12 of a, is a stalemate.
* Offer selection (section 6.2, p. 25-26): confrontations before compromises before
  capitulations; least move for confrontations and capitulations, strongest rival for
  compromises (``selection="paper"``). ``"least"`` and ``"strongest"`` apply one key to all.
  Remaining ties: the lower target position (never the actor index).
* T (p. 22): 1 if j's expected move to the median brings it closer to i
  (|x_i - mu| < d_ij), 0 if farther, 1/2 on a tie; ``t`` fixes it. Irrelevant at Q = 1.
* Scale R (eq. 14): the span of the present actors' initial positions, fixed over the rounds;
  ``scale="issue"`` uses the issue's scale (at least that span).
* Median ties: the midpoint of the tied Condorcet winners. Mean and median weigh actors by
  capability x salience with the fallbacks of ``effective_weights``.
* Rounds: 8 by default (Table 2's length); the model need not converge. ``tol`` stops a
  contest after the first round in which no actor moves more than ``tol`` x R.
* Absent actors take no part; their entries of ``round_positions`` keep their input values.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np

from guaranty.models.bargaining._bdm_kernel import (
    EPS_EU,
    EPS_X,
    Contests,
    _frame,
    _geometry,
    _margins,
    _median,
    _moves,
    _pairs,
    _paths,
    _probability,
    _risk,
    _round,
    _views,
)
from guaranty.models.bargaining.base import (
    NegotiationInputs,
    NegotiationModel,
    NegotiationResult,
    effective_weights,
)
from guaranty.models.params import (
    Boolean,
    Constraint,
    Interval,
    NoneOr,
    Options,
    check_parameters,
)
from guaranty.models.registry import register

__all__ = [
    "EPS_EU",
    "EPS_X",
    "BuenoDeMesquita",
    "Contests",
    "bdm_paths",
    "bdm_round",
    "condorcet_median",
    "next_positions",
    "perceived_eus",
    "risk_exponents",
    "vote_margins",
    "win_probability",
]

_CHUNK_BYTES = 16 * 2**20  # budget for the pairwise temporaries of one chunk (cache-sized)
_PAIRWISE_TEMPS = 40  # (actors, actors, batch) float arrays alive at once, roughly


# Public kernels: batch-first arrays, as everywhere in guaranty.models.


def condorcet_median(
    x: np.ndarray, weights: np.ndarray, present: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """Condorcet winner of linear pairwise votes among the present actors' positions.

    x, weights : arrays of shape (batch, n); present : bool (batch, n); scale : (batch,).
    Position x_a beats x_b when sum_k w_k (|x_k - x_b| - |x_k - x_a|) > 0, so the winner
    minimises sum_k w_k |x_k - x_a|; tied winners give their midpoint. Returns (batch,).
    """
    return _median(x.T, weights.T, present.T, scale)


def vote_margins(
    x: np.ndarray, w: np.ndarray, rho: np.ndarray | None, scale: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """Votes for i over j: G[:, i, j] = sum_k w_k max(0, u_k(x_i) - u_k(x_j)).

    x, w : arrays of shape (batch, n), w = 0 for absent actors; rho : (batch, n) exponents
    of the voters' utilities u_k(x) = -(|x_k - x| / R)^rho_k, or None for linear ones;
    scale : (batch,) R; present : bool (batch, n). Returns (batch, n, n), 0 where i or j is
    absent and where x_i = x_j.

    A voter k prefers x_i to x_j exactly when it lies on i's side of their midpoint, so with
    the voters sorted by position the sum over k is a difference of prefix sums, and the
    (batch, n, n, n) array of the sum over third parties is never formed.
    """
    xt, pt = x.T, present.T
    rt = None if rho is None else rho.T
    gain = _margins(w.T, rt, _pairs(pt), _geometry(xt, pt, scale))
    return gain.transpose(2, 0, 1)


def win_probability(gain: np.ndarray, probability: str) -> np.ndarray:
    """P[:, i, j] of i against j from the vote margins ``gain`` (batch, n, n).

    ``"pooled"``: divided by every vote cast in every pairwise contest,
    Z = sum_{a, b} sum_k w_k |u_k(x_a) - u_k(x_b)| = 2 sum_{a, b} G[a, b];
    ``"pairwise"``: by the votes of the i-j contest, G[i, j] + G[j, i] (eq. 30-31 as printed).
    Returns (batch, n, n), 0 where the denominator is 0.
    """
    return _probability(gain.transpose(1, 2, 0), probability).transpose(2, 0, 1)


def risk_exponents(contests: Contests, mu: np.ndarray, model: BuenoDeMesquita) -> np.ndarray:
    """Risk exponents r_i in [1/2, 2] from the security levels at r = 1 (steps 2-9).

    contests : batch-first :class:`Contests` (arrays of shape (batch, n) and (batch,)); mu :
    (batch,), the median. ``model.risk``: "received" (S_i = sum_j E(U_ji)), "made"
    (S_i = sum_j E(U_ij)) or "neutral" (r = 1). Returns (batch, n), 1 for absent actors.
    """
    return _risk(_frame(contests.T, mu), model).T


def perceived_eus(
    contests: Contests, mu: np.ndarray, r: np.ndarray, model: BuenoDeMesquita
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each actor's view of each pair (step 10): a = E^i(U_ij), b = E^i(U_ji), and P.

    contests : batch-first :class:`Contests`; mu : (batch,); r : (batch, n) from
    :func:`risk_exponents`. Both expected utilities use viewer i's risk exponent r_i; a has
    target salience s_j and probability P_ij, b has s_i and P_ji. Returns a, b, P, each of
    shape (batch, n, n) indexed [row, i, j].
    """
    a, b, p = _views(_frame(contests.T, mu), r.T, model)
    return a.transpose(2, 0, 1), b.transpose(2, 0, 1), p.transpose(2, 0, 1)


def next_positions(
    x: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    model: BuenoDeMesquita,
) -> np.ndarray:
    """Positions after the round's offers (step 11, section 6).

    x : array of shape (batch, n); a, b : (batch, n, n) from :func:`perceived_eus`;
    present : bool (batch, n); scale : (batch,). Returns (batch, n); actors without an offer
    (and absent actors) keep their positions.
    """
    at, bt = a.transpose(1, 2, 0), b.transpose(1, 2, 0)
    pairs = _pairs(present.T)
    return _moves(x.T, at, bt, scale, pairs, model.selection, model.capitulation).T


def bdm_round(contests: Contests, mu: np.ndarray, model: BuenoDeMesquita) -> np.ndarray:
    """One round (steps 2-11): risk exponents, expected utilities, offers, moves.

    contests : the batch-first :class:`Contests` before the round (w = capability x
    salience); mu : (batch,), their current median. Returns the new positions, (batch, n).
    """
    return _round(contests.T, mu, model).T


def bdm_paths(
    x0: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    mean_weights: np.ndarray,
    model: BuenoDeMesquita,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run ``model.rounds`` rounds on a batch of contests.

    x0, s, c, mean_weights : arrays of shape (batch, n); present : bool (batch, n);
    scale : (batch,) R. Returns the positions after each round (batch, rounds, n), the
    round medians and means (batch, rounds), and the rounds run before the ``tol`` stop
    (batch,) int.
    """
    xt, st, ct, pt = (np.ascontiguousarray(v.T) for v in (x0, s, c, present))
    contests = Contests(xt, st, np.where(pt, ct * st, 0.0), pt, scale)
    paths, medians, means, rounds_run = _paths(
        contests, np.ascontiguousarray(mean_weights.T), model
    )
    return paths.transpose(2, 0, 1), medians.T, means.T, rounds_run


@register
class BuenoDeMesquita(NegotiationModel):
    """Bueno de Mesquita's expected-utility model (Scholz, Calbert & Smith 2011).

    Parameters
    ----------
    rounds : int >= 1, default 8
        Rounds of challenges and offers; the outcome is the last round's median. Scholz et
        al. report 8 rounds (Table 2), and the model need not converge.
    tol : float >= 0 or None, default None
        Stop a contest after the first round in which no actor moves more than ``tol`` x R;
        the later rounds repeat its positions. None runs every round.
    q : float in [0, 1], default 1.0
        Q, the probability that j stays put if i does not challenge (eq. 7). Scholz et al.
        use 1.0 for their results; the appendix offers 0.5.
    t : float in [0, 1] or None, default None
        T, the probability that j's unforced move helps i; None: 1 if j's move to the median
        brings the outcome closer to i, 0 if farther (p. 22). Irrelevant when q = 1.
    probability : {"pooled", "pairwise"}, default "pooled"
        Denominator of the probability of success (Choices).
    vote_utility : {"risk", "linear"}, default "risk"
        Voters' utilities in the probability: risk-adjusted or linear.
    risk : {"received", "made", "neutral"}, default "received"
        Security level behind the risk exponents, or none (r = 1).
    selection : {"paper", "least", "strongest"}, default "paper"
        Which offer an actor takes within a category (Choices).
    capitulation : bool, default True
        Whether a < 0 < b < |a| makes i move to j (figure 6's "compel").
    scale : {"positions", "issue"}, default "positions"
        R: the span of the initial positions, or the issue's scale.
    """

    name: ClassVar[str] = "bdm"
    summary: ClassVar[str] = "Bueno de Mesquita's expected-utility model (Scholz et al. 2011)"
    iterative: ClassVar[bool] = True
    parameters: ClassVar[dict[str, Constraint]] = {
        "rounds": Interval(Integral, 1, None, closed="left"),
        "tol": NoneOr(Interval(Real, 0, None, closed="left")),
        "q": Interval(Real, 0, 1, closed="both"),
        "t": NoneOr(Interval(Real, 0, 1, closed="both")),
        "probability": Options("pooled", "pairwise"),
        "vote_utility": Options("risk", "linear"),
        "risk": Options("received", "made", "neutral"),
        "selection": Options("paper", "least", "strongest"),
        "capitulation": Boolean(),
        "scale": Options("positions", "issue"),
    }

    def __init__(
        self,
        rounds: int = 8,
        tol: float | None = None,
        q: float = 1.0,
        t: float | None = None,
        probability: str = "pooled",
        vote_utility: str = "risk",
        risk: str = "received",
        selection: str = "paper",
        capitulation: bool = True,
        scale: str = "positions",
    ) -> None:
        check_parameters(self, locals())
        self.rounds = rounds
        self.tol = None if tol is None else float(tol)
        self.q = float(q)
        self.t = None if t is None else float(t)
        self.probability = probability
        self.vote_utility = vote_utility
        self.risk = risk
        self.selection = selection
        self.capitulation = capitulation
        self.scale = scale

    def __repr__(self) -> str:
        params = ", ".join(
            f"{k}={getattr(self, k)!r}"
            for k in (
                *("rounds", "tol", "q", "t", "probability", "vote_utility", "risk"),
                *("selection", "capitulation", "scale"),
            )
        )
        return f"BuenoDeMesquita({params})"

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        draws, n, issues = inputs.shape
        rows = draws * issues

        def flat(v: np.ndarray) -> np.ndarray:  # (draws, actors, issues) -> (actors, rows)
            return np.ascontiguousarray(v.transpose(1, 0, 2)).reshape(n, rows)

        x0 = flat(inputs.positions)
        s = flat(inputs.salience)
        c = flat(inputs.capability)
        wm = flat(effective_weights(inputs))
        present = flat(np.broadcast_to(inputs.present[None], inputs.shape))
        w = np.where(present, c * s, 0.0)
        hi = np.where(present, x0, -np.inf).max(axis=0)
        span = hi - np.where(present, x0, np.inf).min(axis=0)
        if self.scale == "issue":
            width = np.broadcast_to(inputs.upper - inputs.lower, (draws, issues)).reshape(rows)
            span = np.maximum(span, width)
        scale = np.where(span > 0, span, 1.0)

        paths = np.empty((self.rounds, n, rows))
        medians = np.empty((self.rounds, rows))
        means = np.empty((self.rounds, rows))
        rounds_run = np.empty(rows, dtype=int)
        step = max(1, _CHUNK_BYTES // (_PAIRWISE_TEMPS * 8 * (n * n + n)))
        for lo in range(0, rows, step):
            sl = slice(lo, min(lo + step, rows))
            part = Contests(
                *(np.ascontiguousarray(v[:, sl]) for v in (x0, s, w, present)), scale[sl]
            )
            paths[:, :, sl], medians[:, sl], means[:, sl], rounds_run[sl] = _paths(
                part, np.ascontiguousarray(wm[:, sl]), self
            )
        # (rounds, [actors,] rows) -> (draws, rounds, [actors,] issues)
        round_median = np.moveaxis(medians.reshape(self.rounds, draws, issues), 1, 0)
        return NegotiationResult(
            outcome=round_median[:, -1].copy(),
            round_median=round_median,
            round_outcome=round_median,
            round_mean=np.moveaxis(means.reshape(self.rounds, draws, issues), 1, 0),
            round_positions=np.moveaxis(paths.reshape(self.rounds, n, draws, issues), 2, 0),
            diagnostics={"rounds_run": rounds_run.reshape(draws, issues)},
        )
