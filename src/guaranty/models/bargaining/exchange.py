"""``exchange``: Stokman & van Oosten's exchange model, equal-gain variant, as in decide.

Actors trade support across issues: i moves toward j on an issue j cares about relatively
more, and j moves toward i on an issue i cares about relatively more. The model follows the
equal-gain exchange model of the open-source decide package (Lemmen and Stokman;
``decide/model/equalgain.py``, ``base.py``, ``calculations.py`` and ``utils.py`` at
decide-exchange-model 2025.3.1). Each round:

1. Positions are put on a 0-100 scale per issue (decide's ``Issue.normalize``). The
   "NBS" of an issue is the capability x salience weighted mean of the positions taken,
   ``O_d = sum_i c_id s_id x_id / sum_i c_id s_id`` over the actors present on d.
2. For every pair of issues (p, q), p before q, actors present on both are grouped by their
   side of the two NBSs (at or below the NBS counts as below). Two actors on opposite sides
   of both can exchange. The one whose ratio of saliences s_p / s_q is larger, i, demands p
   and supplies q (it moves on q toward j's position); j supplies p.
3. Equal gain: j's full move on p to i's position shifts the NBS of p by
   ``dp = |x_ip - x_jp| c_jp s_jp / W_p`` (W the sum of c s on the issue); i then moves on q
   so far that both gain the same, ``dq = dp (s_ip + s_jp) / (s_iq + s_jq)``, a move of
   ``dq W_q / (c_iq s_iq)``. If that move would pass j's position, i moves to j's position
   instead and j's move is found the same way. The gain is
   ``|dq s_iq - dp s_ip|`` (= |dp s_jp - dq s_jq|).
4. decide's checks: a move must be larger than 1e-10, keep the position in [0, 100], and
   agree in sign with the moves the actor's earlier calculations of this exchange made
   (whose signed sum may not exceed 100: see ``move_sum`` below); the gain must be at
   least 1e-10; and if a move would shift the NBS (with the positions other actors took
   this round toward the same demander) past the demander's position, the move is cut so
   that the NBS lands on it, and the partner's move is recomputed for equal gain
   (``check_nbs``).
5. The exchange with the highest gain is realised; every remaining exchange sharing an
   actor's supply issue (that actor's position moved) or demand (another actor moved
   toward it) is recalculated, and the ones that fail the checks are dropped; repeat until
   none is left. Two exchanges of equal gain are broken by a coin (decide:
   ``random.random() >= 0.5`` takes the second).
6. The voting positions after the round are the positions the realised exchanges moved the
   actors to. The next round starts from ``x + ((1 - s) 0.4 + 0.1) (y - x)`` for every
   actor and issue it moved on (x its start position, y its voting position, s its
   salience; decide's ``new_start_position`` with SALIENCE_WEIGHT 0.4, FIXED_WEIGHT 0.1).

The outcome of an issue is the capability x salience weighted mean ("NBS") of the voting
positions after the last round: the exchange model's forecast is the mean voter position
once the actors vote as their exchanges committed them to (Stokman & van Oosten 1994;
decide reports it as the "voting MDS"). The start positions of the next round are only a
partial adjustment of preferences toward those votes.

Kernels: the realisations are sequential (each changes the exchanges after it). The model
runs them in a compiled kernel (numba, :mod:`._exchange_kernel`, imported when the model
runs), one draw after the other, with decide's list as a compact array of the listed
exchanges and the exchanges a realisation affects found by the (actor, issue) of each role;
decide's coin is drawn from a buffer of each draw's random numbers (a draw that needs more
runs again with more). The vectorised numpy kernel (``exchange_rounds(...,
compiled=False)``, ``_Round`` of ``_exchange_round``) runs every draw of a batch at once: at
each step every draw realises its own best exchange, and the recalculation of the affected
exchanges is one vector operation over all draws; Python loops over draws remain only where
decide tosses its coin (one generator per draw) and to drop the surplus copies of a tied
exchange (rare). Both do the arithmetic in the same order and give the same results
(bit-identical on every input tried); the details are recorded for draw 0 only.

Choices
-------
* Exchanges that tie in gain (relative difference at most 1e-12; decide: absolute 1e-20 on
  28-digit decimals) are ordered by decide's creation order -- pair of issues in issue
  order, then the pairs of groups (a, d) before (b, c), then the two actors in the order of
  their ids -- with exchanges decide moves to the end of its list after the creation
  order. decide orders ties by its list, which it re-sorts by gain after each step, and by
  the order of the actors in the file: we use the sorted actor ids so that the result does
  not depend on the order of the actors, and do not replay the re-sorting. The coin is
  kept: the ``rng`` argument seeds one generator per draw (``default_rng([seed, draw])``
  with the seed drawn once from ``rng``), so a draw's coins do not depend on the other
  draws. decide's side effect of a tie is kept too: when the coin keeps the first exchange,
  decide appends the second to its list a second time, and each copy is recalculated
  after later exchanges (its moves enter the move history twice).
* A copy of the realised exchange that is still in the list (after a tie) is dropped;
  decide recalculates it against itself, which voids it unless ``check_nbs`` had cut both
  moves.
* When the NBS lies on the demander's position to 1e-9 on the 0-100 scale before or after
  the move, ``check_nbs`` leaves the move alone (decide's comparisons read that way in exact
  arithmetic; in decide the sign of the 28-digit rounding error decides, and it took this
  branch in 25 of the 27 such checks in 10 rounds of its sample data). Positions within
  1e-9 of the NBS count as below it, bounds are checked with a slack of 1e-9, and a
  difference of at most 1e-9 counts as equality in the eu_max check.
* decide divides by zero when a salience on the issue pair is zero or when an issue's
  ``sum c s`` is zero; here such an actor can demand but not supply (an exchange needs
  c s > 0 of both suppliers on their supply issues), the ratio comparison of step 2 is done
  by cross-multiplication, and an issue without weight takes no part in exchanges.
* Gains are on decide's scale: NBS shifts on the 0-100 scale times salience in [0, 1]. decide
  files with saliences on 0-100 are read with saliences divided by 100
  (:func:`guaranty.scenario.formats.parse_exchange`), so their gains are 1/100 of decide's
  (saliences enter decide's ``new_start_position`` as (1 - s), which only makes sense in
  [0, 1]).
* Absent actors take no part; their entries of ``round_positions`` keep their input values.
  With one issue there is no pair of issues and the outcome is the weighted mean.
* When an actor supplies the same issue to two demanders in a round, decide's
  ``check_nbs`` measures the cut move from the position recorded toward the first demander,
  so the move can overshoot; kept (decide's own run of such a case agrees), so a voting
  position can leave the span of the actors' positions (18 of 15,000 random draws), though
  not the scale.
* The sums over actors (NBSs, means) run over the actors in id order, so that not even the
  rounding depends on the order of the actors.
* A round without an exchange repeats itself; later rounds are copied rather than run.
* ``details`` lists every realised exchange of the first draw, including ones decide's
  ``ExchangesWriter`` omits (a realised exchange voided by its own copy, see above), and
  each side's ``eu_max``: decide's bound on the expected utility of the exchange for that
  actor (``calculate_maximum_utility``, used by its randomised variant), from the NBS shift
  of the supplier's full move times salience.
* Only the equal-gain model is implemented (decide's ``--model equal`` with no ``p``): the
  randomised variant and the random-rate model are not.
* decide's ``is_move_valid`` refuses a move when the *signed* sum of the actor's moves in
  the exchange exceeds 100, so moves up the scale are capped and moves down are not: the
  forecast depends on which end of a scale is 0 (reversing every scale does not reverse
  every outcome). That rule is the default (``move_sum="signed"``), so that the model
  reproduces decide; ``move_sum="absolute"`` caps the absolute value of the sum, the same
  rule in both directions, and the model is then unchanged, to rounding, by reversing the
  scales (``docs/models/exchange.md``, "Which end of the scale is 0").
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from numbers import Integral
from typing import Any, ClassVar

import numpy as np

from guaranty.models.bargaining._exchange_round import _Round
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

__all__ = ["Exchange", "candidate_table", "exchange_rounds", "new_start_position"]

TIE_RTOL = 1e-12  # gains this close (relative) are tied
SALIENCE_WEIGHT = 0.4  # decide's AbstractModel.SALIENCE_WEIGHT
FIXED_WEIGHT = 0.1  # decide's AbstractModel.FIXED_WEIGHT
_NOKEY = np.iinfo(np.int64).max


def new_start_position(salience: Any, x: Any, y: Any) -> Any:
    """decide's start position for the next round: x + ((1 - s) 0.4 + 0.1) (y - x).

    salience, x (start position), y (voting position): numbers or broadcastable arrays.
    """
    w = (1 - salience) * SALIENCE_WEIGHT + FIXED_WEIGHT
    return w * y + (1 - w) * x


def candidate_table(n_actors: int, n_issues: int) -> tuple[np.ndarray, ...]:
    """Every possible exchange: pair (p, q) of issues, p < q, and ordered pair (i, j) of
    actors, i supplying q and j supplying p.

    Returns int arrays (pair, p, q, i, j), each of shape (candidates,) with
    candidates = n_issues (n_issues - 1) / 2 x n_actors (n_actors - 1).
    """
    pairs = list(combinations(range(n_issues), 2))
    ii, jj = np.nonzero(~np.eye(n_actors, dtype=bool))
    k = np.repeat(np.arange(len(pairs)), ii.size)
    pq = np.array(pairs, dtype=np.intp).reshape(-1, 2)
    return k, pq[k, 0], pq[k, 1], np.tile(ii, len(pairs)), np.tile(jj, len(pairs))


class _List:
    """decide's list of exchanges on a batch, as entries (draws, e): the exchange slot
    ``ecand``, whether the entry is still listed (``alive``) and its place in the list
    (``ekey``). The first m entries are the slots themselves; ties can append copies.
    ``clean`` marks the draws whose listed entries are all valid (after their first
    realisation, while no copy has been appended). Until a copy is appended, ``gm`` holds
    the gain of each listed slot and -inf for the others."""

    def __init__(self, rd: _Round) -> None:
        d, m = rd.gain.shape
        self.m, self.rows = m, np.arange(d)
        self.alive = rd.live.copy()
        self.ekey = np.where(self.alive, rd.key, _NOKEY)
        self.ecand = np.broadcast_to(np.arange(m), (d, m))
        self.counter = np.full(d, rd.key.max() + 1 if rd.key.size else 0, dtype=np.int64)
        self.clean = np.zeros(d, dtype=bool)
        self.gm = np.where(self.alive, rd.gain, -np.inf)  # the listed gains, without copies

    @property
    def extra(self) -> bool:
        return self.alive.shape[1] > self.m

    def choose(
        self, gain: np.ndarray, coin: Callable[[int], float]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """decide's choice of the next entry in each draw: the highest gain, ties by the
        list order and decide's coin (which can move the first to the end, or append the
        second once more). Returns (draws with an entry, chosen entry) or None if no draw
        has one; the chosen entries are taken off the list."""
        rows, alive, ekey = self.rows, self.alive, self.ekey
        act = alive.any(axis=1)
        if not act.any():
            return None
        extra = self.extra
        g = np.where(alive, gain[rows[:, None], self.ecand], -np.inf) if extra else self.gm
        pick = g.argmax(axis=1)
        top = g[rows, pick]
        thr = np.where(act, top - TIE_RTOL * np.abs(top), np.inf)
        g[rows, pick] = -np.inf
        multi = np.flatnonzero(g.max(axis=1) >= thr)  # draws with a tie
        g[rows, pick] = top
        if multi.size:  # the tied entries of each such draw in list order
            tr, tc = np.nonzero(g[multi] >= thr[multi, None])
            tr = multi[tr]
            o = np.lexsort((ekey[tr, tc], tr))
            tr, tc = tr[o], tc[o]
            lead = np.searchsorted(tr, multi)
            pick[multi] = tc[lead]
            second = tc[lead + 1]
        dup = []
        for t, r in enumerate(multi):
            if coin(int(r)) >= 0.5:  # decide: the first goes to the end, the second is taken
                ekey[r, pick[r]] = self.counter[r]
                self.counter[r] += 1
                pick[r] = second[t]
            else:  # decide appends the second to its list once more
                dup.append((r, second[t]))
        alive[rows[act], pick[act]] = False
        if not extra:
            g[rows[act], pick[act]] = -np.inf
        if dup:
            self._append(dup)
        return act, pick

    def _append(self, dup: list[tuple[int, int]]) -> None:
        """A copy of entry e of draw r for each (r, e), at the end of its draw's list."""
        d = self.rows.size
        dr = np.array([r for r, _ in dup])
        col = np.zeros(d, dtype=self.ecand.dtype)
        col[dr] = self.ecand[dr, [e for _, e in dup]]
        newkey = np.full(d, _NOKEY, dtype=np.int64)
        newkey[dr] = self.counter[dr]
        self.counter[dr] += 1
        self.ecand = np.concatenate([self.ecand, col[:, None]], axis=1)
        self.ekey = np.concatenate([self.ekey, newkey[:, None]], axis=1)
        self.alive = np.concatenate([self.alive, newkey[:, None] < _NOKEY], axis=1)

    def drop_void(self, rd: _Round, dd: np.ndarray) -> None:
        """decide drops the listed exchanges that are not valid (draws dd realised one)."""
        if self.extra:
            self.alive[dd] &= np.take_along_axis(rd.valid[dd], self.ecand[dd], axis=1)
            return
        need = dd[~self.clean[dd]]
        if need.size:
            self.alive[need] &= rd.valid[need]
            self.gm[need] = np.where(self.alive[need], self.gm[need], -np.inf)
        self.clean[dd] = True


def _recalculate(rd: _Round, lst: _List, dd: np.ndarray, f: np.ndarray) -> None:
    """decide recalculates the listed exchanges that share a supplier or a demander with
    the realised ones (flat slots f of draws dd), each copy in turn, and drops the ones
    that fail."""
    m = lst.m
    fa, ar, s_i, s_j = rd.affected(dd, f)
    if fa.size == 0:
        return
    an = fa - (fa // m) * m
    # at most one side shares its supplier (else it would be the realised exchange)
    hs = s_i | s_j
    side = s_j.astype(np.intp)
    rd.push_history(fa[hs], side[hs])
    rd.calculate(fa)
    good = rd.valid_f[fa]
    if not lst.extra:  # the listed slots are the valid ones
        lst.alive.reshape(-1)[fa[~good]] = False
        lst.gm.reshape(-1)[fa] = np.where(good, rd.gain_f[fa], -np.inf)
        return
    alive, ecand, ekey = lst.alive, lst.ecand, lst.ekey
    ec = ecand[dd]
    copies = np.zeros((dd.size, m), dtype=int)
    er, ee = np.nonzero(alive[dd])
    np.add.at(copies, (er, ec[er, ee]), 1)
    ncopy = copies[ar, an]
    survive = np.where(good, ncopy, 0)
    more = good & (ncopy >= 2) & hs
    k = 2
    while more.any():
        at = np.flatnonzero(more)
        rd.push_history(fa[at], side[at])
        rd.calculate(fa[at])
        ok_k = rd.valid_f[fa[at]]
        survive[at[~ok_k]] = k - 1
        more[at] = ok_k & (ncopy[at] > k)
        k += 1
    gone = ~good & (ncopy == 1)
    if gone.any():
        dead = np.zeros((dd.size, m), dtype=bool)
        dead[ar[gone], an[gone]] = True
        alive[dd] &= ~np.take_along_axis(dead, ec, axis=1)
    for t in np.flatnonzero((ncopy >= 2) & (ncopy > survive)):
        r, n = dd[ar[t]], an[t]
        cols = np.flatnonzero(alive[r] & (ecand[r] == n))
        cols = cols[np.argsort(ekey[r, cols], kind="stable")]
        alive[r, cols[survive[t] :]] = False


def _one_round(
    rd: _Round, coin: Callable[[int], float], record: bool
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """decide's loop of realisations (``ModelLoop.loop``) on the batch. Returns the number
    of exchanges per draw and, if ``record``, the exchanges of draw 0 in order."""
    lst = _List(rd)
    rows, m = lst.rows, lst.m
    count = np.zeros(rows.size, dtype=int)
    log: list[dict[str, Any]] = []
    while (chosen := lst.choose(rd.gain, coin)) is not None:
        act, pick = chosen
        flat = rows * m + lst.ecand[rows, pick]
        ok = act & rd.valid_f[flat]
        if not ok.any():
            continue
        dd, f = rows[ok], flat[ok]
        if record and ok[0]:
            log.append(rd.record(int(f[0])))
        count[dd] += 1
        rd.realise(f)
        lst.drop_void(rd, dd)
        _recalculate(rd, lst, dd, f)
    return count, log


def exchange_rounds(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    present: np.ndarray,
    rounds: int,
    coin: Callable[[int], float],
    record: bool = False,
    compiled: bool = True,
    move_sum: str = "signed",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[dict[str, Any]]]]:
    """Run ``rounds`` rounds of decide's equal-gain exchange model on a batch of draws.

    x, s, c : arrays of shape (draws, actors, issues): positions on the 0-100 scale,
    saliences in [0, 1], capabilities; present : bool (actors, issues). ``coin(draw)`` is the
    random number of decide's tie rule for that draw of the batch. Returns the voting
    positions after each round and the start positions of each round (both of shape
    (draws, rounds, actors, issues)), the number of exchanges (draws, rounds), and, if
    ``record``, the exchanges of draw 0 per round (dicts with actor and issue indices and
    positions on the 0-100 scale).

    ``compiled`` runs the compiled kernel (one draw at a time, the model's own), which
    calls ``coin(draw)`` ahead of need (256 numbers a draw, more if the draw needs them);
    else the vectorised numpy kernel (all draws at once, ``coin`` called when needed). Both
    give the same exchanges and positions (bit-identical on every input tried).

    ``move_sum`` is the model's parameter of that name (:class:`Exchange`).
    """
    absolute = move_sum == "absolute"
    if compiled:
        cache: dict[int, list[float]] = {}

        def first(k: int, n: int) -> np.ndarray:
            got = cache.setdefault(k, [])
            while len(got) < n:
                got.append(coin(k))
            return np.array(got[:n])

        voting, starts, counts, rows = _compiled_rounds(
            x, s, c, present, rounds, first, record, absolute
        )
        keys = ("i", "j", "p", "q")
        logs = [[dict(zip(_LOG_KEYS, e, strict=True)) for e in r.tolist()] for r in rows]
        return voting, starts, counts, [[e | {k: int(e[k]) for k in keys} for e in r] for r in logs]
    pairs, w, big_w = _weights(x, s, c, present)
    d, a, n_iss = x.shape
    voting = np.empty((d, rounds, a, n_iss))
    starts = np.empty((d, rounds, a, n_iss))
    counts = np.zeros((d, rounds), dtype=int)
    logs: list[list[dict[str, Any]]] = []
    x = x.copy()
    for rnd in range(rounds):
        rd = _Round(x, s, w, big_w, present, pairs, absolute)
        starts[:, rnd] = x
        counts[:, rnd], log = _one_round(rd, coin, record)
        logs.append(log)
        voting[:, rnd] = rd.cur
        if not counts[:, rnd].any():  # nothing moved: every later round is the same
            voting[:, rnd + 1 :] = rd.cur[:, None]
            starts[:, rnd + 1 :] = x[:, None]
            logs.extend([] for _ in range(rounds - rnd - 1))
            break
        x = np.where(rd.moved, new_start_position(s, x, rd.cur), x)
    return voting, starts, counts, logs


def _weights(
    x: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """The pairs of issues (p, q), p < q; w = c s (0 where absent) and its sum per issue."""
    n_iss = x.shape[2]
    pq = np.array(list(combinations(range(n_iss), 2)), dtype=np.intp).reshape(-1, 2)
    w = np.where(present[None], c * s, 0.0)
    return (pq[:, 0], pq[:, 1]), w, w.sum(axis=1)


_LOG_KEYS = (
    "i", "j", "p", "q", "start_i", "start_j", "end_i", "end_j", "toward_i", "toward_j",
    "gain", "eu_max_i", "eu_max_j",
)  # fmt: skip


def _compiled_rounds(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    present: np.ndarray,
    rounds: int,
    coins: Callable[[int, int], np.ndarray],
    record: bool = False,
    absolute: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """:func:`exchange_rounds` in the compiled kernel; ``coins(draw, k)`` gives the first k
    random numbers of decide's tie rule for that draw (a longer call repeats a shorter one's
    numbers first). The exchanges of draw 0 are rows (exchanges, 13) per round, in the order
    of ``_LOG_KEYS``. Imports numba: the first call of a process loads the kernel from
    numba's cache, or compiles it (see docs/models/exchange.md, Speed).
    """
    from guaranty.models.bargaining._exchange_kernel import run_draws

    pairs, w, big_w = _weights(x, s, c, present)
    voting, starts, counts, logs = run_draws(
        x, s, w, big_w, present, pairs, rounds, coins, record, absolute
    )
    rows = [logs[r, : counts[0, r] if record and len(counts) else 0] for r in range(rounds)]
    return voting, starts, counts.astype(int), rows


def _canonical_order(inputs: NegotiationInputs) -> np.ndarray:
    """Actor order by id (then by the actor's data), independent of the input order."""
    a = inputs.shape[1]

    def data(k: int) -> bytes:
        return (
            b"".join(
                np.ascontiguousarray(v[:, k]).tobytes()
                for v in (inputs.positions, inputs.salience, inputs.capability)
            )
            + inputs.present[k].tobytes()
        )

    ids = inputs.actor_ids
    if len(set(ids)) == len(ids):
        return np.array(sorted(range(a), key=lambda k: ids[k]), dtype=np.intp)
    return np.array(sorted(range(a), key=lambda k: (ids[k], data(k))), dtype=np.intp)


@register
class Exchange(NegotiationModel):
    """Stokman & van Oosten's exchange model, equal-gain variant, as in decide.

    Parameters
    ----------
    rounds : int >= 1, default 10
        Rounds of exchanges; the outcome is the NBS of the voting positions after the last
        one. decide's default (``decide-cli --iterations 10``, and the GUI's "Negotiation
        rounds"); decide has no convergence stop, and the model need not converge (the
        NBS of decide's sample data keeps moving by a few points a round).
    move_sum : {"signed", "absolute"}, default "signed"
        How decide's check on the sum of an actor's moves in an exchange reads: "signed",
        as decide's code has it (the sum may not exceed 100, so only moves up the scale are
        capped), or "absolute" (its absolute value may not exceed 100), under which
        reversing every scale reverses every outcome.
    """

    name: ClassVar[str] = "exchange"
    summary: ClassVar[str] = "Stokman & van Oosten's exchange model, equal gain (decide)"
    iterative: ClassVar[bool] = True
    separable: ClassVar[bool] = False

    parameters: ClassVar[dict[str, Constraint]] = {
        "rounds": Interval(Integral, 1, None, closed="left"),
        "move_sum": Options("signed", "absolute"),
    }

    def __init__(self, rounds: int = 10, move_sum: str = "signed") -> None:
        check_parameters(self, locals())
        self.rounds = rounds
        self.move_sum = move_sum

    def __repr__(self) -> str:
        return f"Exchange(rounds={self.rounds}, move_sum={self.move_sum!r})"

    def run(self, inputs: NegotiationInputs, rng: np.random.Generator) -> NegotiationResult:
        draws, n_act, n_iss = inputs.shape
        order = _canonical_order(inputs)
        back = np.argsort(order)
        xin = inputs.take_actors(order)
        width = inputs.upper - inputs.lower
        step = 100.0 / np.where(width > 0, width, 1.0)  # decide's Issue.step_size
        x = (xin.positions - inputs.lower) * step
        seed = int(rng.integers(2**63))

        def coins(k: int, n: int) -> np.ndarray:  # decide's random.random() for draw k
            return np.random.default_rng([seed, k]).random(n)

        voting, starts, counts, logs = _compiled_rounds(
            x, xin.salience, xin.capability, xin.present, self.rounds, coins, record=True,
            absolute=self.move_sum == "absolute",
        )  # fmt: skip

        def to_scale(v: np.ndarray) -> np.ndarray:  # 0-100 scale -> issue scale
            return np.where(xin.present, v / step + inputs.lower, xin.positions[:, None])

        # means and medians over the actors in id order too, so that not even the rounding
        # depends on the input order
        pos, start = to_scale(voting), to_scale(starts)
        wts = np.broadcast_to(effective_weights(xin)[:, None], pos.shape)

        def per_round(f: Callable[[np.ndarray, np.ndarray], np.ndarray], v: np.ndarray):
            flat = (-1, n_act, n_iss)
            return f(v.reshape(flat), wts.reshape(flat)).reshape(draws, self.rounds, n_iss)

        round_mean = per_round(weighted_mean, pos)
        start_mean = per_round(weighted_mean, start)
        return NegotiationResult(
            outcome=round_mean[:, -1].copy(),
            round_median=per_round(weighted_median, pos),
            round_mean=round_mean,
            round_outcome=round_mean,
            round_positions=pos[:, :, back],
            diagnostics={"exchanges": counts, "start_mean": start_mean},
            details=self._details(logs, start_mean[0], round_mean[0], inputs, xin.actor_ids, step),
        )

    def _details(
        self,
        logs: list[np.ndarray],
        nbs: np.ndarray,
        mean: np.ndarray,
        inputs: NegotiationInputs,
        actors: tuple[str, ...],
        step: np.ndarray,
    ) -> dict[str, Any]:
        """The JSON account of the first draw (see docs/models/exchange.md); logs: the
        exchanges of each round as rows in the order of ``_LOG_KEYS``."""
        lower = inputs.lower
        issues = inputs.issue_ids

        def sides(e: np.ndarray, me: int) -> list[dict[str, Any]]:
            a, iss = e[:, me].astype(int), e[:, 3 - me].astype(int)  # i supplies q, j p
            at = (e[:, [4 + me, 6 + me, 8 + me]] / step[iss, None] + lower[iss, None]).tolist()
            return [
                {"actor": actors[b], "issue": issues[k], "start": y[0], "end": y[1],
                 "toward": y[2], "eu_max": u}
                for b, k, y, u in zip(a.tolist(), iss.tolist(), at, e[:, 11 + me].tolist(),
                                      strict=True)
            ]  # fmt: skip

        rounds = []
        for r, log in enumerate(logs):
            rounds.append(
                {
                    "round": r + 1,
                    "nbs_start": {issues[k]: float(nbs[r, k]) for k in range(len(issues))},
                    "nbs_end": {issues[k]: float(mean[r, k]) for k in range(len(issues))},
                    "exchanges": [
                        {"i": i, "j": j, "gain": g}
                        for i, j, g in zip(
                            sides(log, 0), sides(log, 1), log[:, 10].tolist(), strict=True
                        )
                    ],
                }
            )
        return {"rounds": rounds}
