"""Calibration of the battlefield model on the inter-state wars of 1816-2007.

The battlefield model (:mod:`guaranty.models.war.battlefield`) has parameters that no single
war pins down: the attrition rate, the noise of battle, the breaking point, how fast beliefs
converge, the costs of war and the premia that keep a deal out of reach. This module fits
them to the Correlates of War inter-state wars (``guaranty.data.wars.cow_wars``) by
**simulated likelihood over a prior sample**:

1. ``T`` parameter vectors theta are drawn from the prior (:data:`PARAMETERS`, a scrambled
   Sobol sequence on the unit cube mapped to each range, log-uniform where marked);
2. every war w is simulated ``per_case`` times under every theta, with the war's own start
   (side A = the target's side, side B = the initiator's; forces = the two sides' material
   capabilities (CINC) with their ratio raised to ``force_exponent``, scaled to a mean of
   100; the initiator's effectiveness edge plus ``major_edge`` when only one side has a
   major power; attrition slowed by the number of states at war; each simulated war's tempo
   and premium drawn around theta's) and the **same** shocks for every theta (common random
   numbers, so that differences between thetas are not simulation noise);
3. each simulated war is read as COW reads a war: the initiator's side wins (B collapses A,
   or a settlement moves the line more than ``band`` points towards B), the target's side
   wins, a compromise (a settlement within ``band`` of the pre-war line), or a stalemate (a
   ceasefire that leaves the issues open, or still fighting at the horizon); its duration
   is counted, as in the COW dyad-years, in calendar years touched, for a start month drawn
   uniformly in the year;
4. the synthetic log-likelihood of war w under theta is log p(class) + log p(years), with
   the two probabilities estimated from the ``per_case`` simulations (smoothed counts);
5. the posterior over the prior sample has weights proportional to exp(sum of the wars'
   log-likelihoods / temperature) (importance sampling with the prior as proposal). The
   synthetic likelihood of a simulator that is only an approximation of war is
   over-confident (untempered, the weight falls on one theta); the temperature is chosen
   from :data:`TEMPERATURES` by cross-validated predictive log score
   (:func:`choose_temperature`).

Out-of-sample checks reuse the simulations: a fold's held-out wars are predicted by the
mixture of their simulated distributions with the weights of the *training* wars only.

Array shapes: T thetas, W wars, K = 4 classes, Y year bins (1 .. Y calendar years).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from guaranty.models.war.battlefield import (
    DECISIVE_A,
    DECISIVE_B,
    OUTCOMES,
    SETTLEMENT,
    WarParams,
    simulate_war,
)

__all__ = [
    "AGREED",
    "CLASSES",
    "HORIZON",
    "NO_VICTORY",
    "PARAMETERS",
    "YEARS",
    "Cases",
    "Param",
    "Simulation",
    "agreement_pmf",
    "class_pmf",
    "crps_discrete",
    "fold_weights",
    "loglik",
    "multiclass_brier",
    "prior_sample",
    "simulate_cases",
    "year_pmf",
]

#: ending classes, COW's reading of a war (initiator's side wins, target's side wins,
#: compromise, stalemate)
CLASSES = ("initiator", "target", "negotiated", "stalemate")

#: months simulated per historical war (13 years; the longest COW war touches 11 calendar years)
HORIZON = 156

#: year bins of the duration (1 .. YEARS calendar years touched; a war still going on at the
#: horizon falls in the last bin)
YEARS = 14

#: the line at the start of a historical war, on a 0-100 scale where 0 is all the initiator
#: wants and 100 all the target wants
START_LINE = 50.0


@dataclass(frozen=True)
class Param:
    """One calibrated parameter: its prior range (uniform, or log-uniform with ``log``)."""

    name: str
    low: float
    high: float
    log: bool
    meaning: str
    prior_source: str


PARAMETERS: tuple[Param, ...] = (
    Param(
        "attrition",
        0.005,
        0.3,
        True,
        "sqrt(alpha beta): each side's monthly losses per unit of the other's forces",
        "wide: from a war that barely moves (0.5%/month) to one that destroys a force "
        "within months (30%/month)",
    ),
    Param(
        "initiator_edge",
        -0.5,
        1.5,
        False,
        "log(beta / alpha): the initiator's effectiveness per soldier over the target's",
        "initiators choose their wars and win about two-thirds of them (Reiter & Stam "
        "2002); the range allows none to a 4.5-fold edge, and a handicap",
    ),
    Param(
        "major_edge",
        -0.5,
        2.0,
        False,
        "log-effectiveness edge of a side with a major power over one without",
        "major powers win most of their wars against minor ones (COW); the range allows "
        "a small handicap to a 7-fold edge",
    ),
    Param(
        "tempo_spread",
        0.0,
        1.5,
        False,
        "sd of the war-to-war variation of log attrition (wars differ in tempo)",
        "none to a factor of 4.5 either way (one sd); the Six-Day War and the Iran-Iraq war "
        "differ by far more",
    ),
    Param(
        "coalition_tempo",
        0.0,
        1.5,
        False,
        "attrition falls as (states at war / 2) to minus this power: coalition wars last longer",
        "none to a war of ten states fighting at a tenth of a two-state war's pace",
    ),
    Param(
        "force_exponent",
        0.0,
        1.0,
        False,
        "the forces' ratio at the start is the ratio of the sides' material capabilities "
        "(CINC) to this power (1: capability counts in full; 0: irrelevant)",
        "states seldom commit all their capabilities to one war, major powers far from home least",
    ),
    Param(
        "noise",
        0.05,
        1.5,
        False,
        "sigma: sd of the monthly log-effectiveness shocks",
        "from near-deterministic to a month's effectiveness varying by a factor of 4.5",
    ),
    Param(
        "collapse",
        0.2,
        0.9,
        False,
        "a side breaks below this share of its initial forces",
        "Helmbold's breakpoints: battles end at 10-40% losses, wars at larger ones",
    ),
    Param(
        "fog",
        0.1,
        3.0,
        True,
        "sd of the noise on the monthly battle signal (sets how fast beliefs converge)",
        "from a near-exact signal to one that takes years to read",
    ),
    Param(
        "optimism",
        0.0,
        1.5,
        False,
        "each side's prior bias about the balance log(alpha/beta), in its own favour",
        "Blainey (1973), Fearon (1995): mutual optimism; none to a 4.5-fold overestimate",
    ),
    Param(
        "front_speed",
        0.5,
        20.0,
        True,
        "kappa: the most the line moves in a month, in points of the 0-100 line",
        "from a war of position (half a point a month) to a war of movement that can "
        "cross the scale in three months",
    ),
    Param(
        "cost",
        0.05,
        5.0,
        True,
        "each side's cost of a month of war, in points of the 0-100 line",
        "wide: 0.05 to 5 points a month",
    ),
    Param(
        "premium",
        0.0,
        40.0,
        False,
        "each side's premium over its value of fighting on (commitment problems, "
        "indivisible stakes)",
        "Fearon (1995), Powell (2006): zero (pure bargaining) to 40 points of the line",
    ),
    Param(
        "band",
        0.0,
        20.0,
        False,
        "a settlement within this many points of the pre-war line is a compromise",
        "measurement: COW codes a compromise when neither side got its aims",
    ),
    Param(
        "mobilisation",
        0.0,
        0.05,
        False,
        "each side's monthly replenishment, as a share of its initial forces",
        "none to 5% a month (a force renewed within two years)",
    ),
)

#: parameters of the battlefield model kept fixed in the calibration
FIXED = {"discount": 0.99, "planning": 12, "prior_sd": 0.5, "weight_a": 0.5}


def prior_sample(count: int, seed: int) -> dict[str, np.ndarray]:
    """``count`` draws from the prior: name -> array of shape (count,), from a scrambled
    Sobol sequence (seeded) mapped to each range (log-uniform where ``Param.log``)."""
    from scipy.stats import qmc

    u = qmc.Sobol(len(PARAMETERS), scramble=True, seed=seed).random(count)
    out = {}
    for k, p in enumerate(PARAMETERS):
        if p.log:
            out[p.name] = np.exp(np.log(p.low) + u[:, k] * (np.log(p.high) - np.log(p.low)))
        else:
            out[p.name] = p.low + u[:, k] * (p.high - p.low)
    return out


@dataclass(frozen=True)
class Cases:
    """Historical wars in the model's terms; arrays of shape (W,).

    force_a, force_b: the target's and the initiator's side's forces at the start (scaled to
    a mean of 100 per war); major: 1 if only the initiator's side has a major power, -1 if
    only the target's, else 0; states: the number of states at war; outcome: index into
    :data:`CLASSES`; years: calendar years touched (1 ..); warnum: the COW war number;
    agreement: how the war's war-level militarized dispute was settled (GML MID, not used in
    the fit): 1 negotiated, 0 imposed or not settled, -1 not known (no dispute linked, or
    unclear), or None when the cases carry no such record; victory: how that dispute ended
    (GML MID ``outcome``, not used in the fit): 1 a victory of either side, 0 a yield, a
    stalemate or a compromise, -1 not known (no dispute linked, an unclear outcome, or a
    dispute that joined a war already under way), or None; imposed: whether that dispute's
    settlement was imposed (GML MID ``settle``; False where it is not known), or None."""

    warnum: np.ndarray
    force_a: np.ndarray
    force_b: np.ndarray
    major: np.ndarray
    states: np.ndarray
    outcome: np.ndarray
    years: np.ndarray
    agreement: np.ndarray | None = None
    victory: np.ndarray | None = None
    imposed: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.warnum.size)


def _params(theta: dict[str, float], cases: Cases, per_case: int, spread: np.ndarray) -> WarParams:
    """The battlefield parameters of every simulated war under one theta; arrays (W*N,).

    ``spread`` (shape (W*N, 2), standard normal and standard uniform, the same for every
    theta) draws each simulated war's tempo and premium around theta's values: attrition
    times exp(tempo_spread z), premium times 2u (mean: theta's premium)."""
    gamma = theta["force_exponent"]
    ratio = (cases.force_b / cases.force_a) ** gamma  # the initiator's side over the target's
    fa = np.repeat(200.0 / (1.0 + ratio), per_case)
    fb = np.repeat(200.0 * ratio / (1.0 + ratio), per_case)
    coalition = np.repeat(cases.states / 2.0, per_case) ** -theta["coalition_tempo"]
    g = theta["attrition"] * coalition * np.exp(theta["tempo_spread"] * spread[:, 0])
    edge = theta["initiator_edge"] + theta["major_edge"] * np.repeat(cases.major, per_case)
    premium = theta["premium"] * 2.0 * spread[:, 1]
    return WarParams(
        force_a=fa,
        force_b=fb,
        alpha=g * np.exp(-edge / 2.0),  # B's (the initiator's) losses per unit of A
        beta=g * np.exp(edge / 2.0),
        noise=theta["noise"],
        fog=theta["fog"],
        mobilisation_a=theta["mobilisation"] * fa,
        mobilisation_b=theta["mobilisation"] * fb,
        aid_a=0.0,
        aid_b=0.0,
        collapse_a=theta["collapse"],
        collapse_b=theta["collapse"],
        front0=START_LINE,
        front_min=0.0,
        front_speed=theta["front_speed"],
        cost_a=theta["cost"],
        cost_b=theta["cost"],
        discount=FIXED["discount"],
        planning=FIXED["planning"],
        optimism_a=theta["optimism"],
        optimism_b=theta["optimism"],
        prior_sd_a=FIXED["prior_sd"],
        prior_sd_b=FIXED["prior_sd"],
        weight_a=FIXED["weight_a"],
        reservation_a=premium,
        reservation_b=premium,
        horizon=HORIZON,
    )


def classify(outcome: np.ndarray, terms: np.ndarray, band: float) -> np.ndarray:
    """COW's class (index into :data:`CLASSES`) of simulated endings; shapes (n,)."""
    cls = np.full(outcome.shape, CLASSES.index("stalemate"), np.int64)
    cls[outcome == DECISIVE_B] = CLASSES.index("initiator")
    cls[outcome == DECISIVE_A] = CLASSES.index("target")
    settled = outcome == SETTLEMENT
    shift = np.where(settled, terms - START_LINE, 0.0)
    cls[settled & (shift <= -band)] = CLASSES.index("initiator")
    cls[settled & (shift >= band)] = CLASSES.index("target")
    cls[settled & (np.abs(shift) < band)] = CLASSES.index("negotiated")
    return cls


def years_touched_pmf(months: np.ndarray) -> np.ndarray:
    """P(calendar years touched = 1 .. YEARS) of wars lasting ``months`` (shape (n,)) that
    start in a month drawn uniformly in the year; shape (n, YEARS)."""
    start = np.arange(12)  # month of the start, 0-based
    k = (start[None, :] + np.asarray(months)[:, None] - 1) // 12  # years touched - 1
    k = np.minimum(k, YEARS - 1)
    out = np.zeros((months.size, YEARS))
    np.add.at(out, (np.repeat(np.arange(months.size), 12), k.ravel()), 1.0 / 12.0)
    return out


@dataclass(frozen=True)
class Simulation:
    """The simulated distributions of every war under every theta.

    classes: (T, W, K) share of the ``per_case`` simulations in each class;
    years: (T, W, Y) their distribution of calendar years touched;
    months: (T, W, HORIZON) their distribution of months of fighting (1 .. HORIZON; still
    going on at the horizon counted in the last);
    ends: (T, W, 5) the share of the simulations in each of the battlefield model's endings
    (``OUTCOMES`` order: settlement, decisive A, decisive B, frozen, ongoing), before they
    are read as COW's classes."""

    theta: dict[str, np.ndarray]
    classes: np.ndarray
    years: np.ndarray
    months: np.ndarray
    per_case: int
    ends: np.ndarray | None = None


def simulate_cases(
    theta: dict[str, np.ndarray],
    cases: Cases,
    per_case: int,
    seed: int,
    *,
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Simulate every war ``per_case`` times under every theta (common random numbers: the
    shocks depend on ``seed`` and the war, not on theta). ``progress(k)`` is called after
    each theta."""
    t_count = next(iter(theta.values())).size
    w, n = cases.size, per_case
    classes = np.zeros((t_count, w, len(CLASSES)))
    years = np.zeros((t_count, w, YEARS))
    months = np.zeros((t_count, w, HORIZON))
    ends = np.zeros((t_count, w, len(OUTCOMES)))
    case_of = np.repeat(np.arange(w), n)
    draws = np.random.default_rng([seed, 1])
    spread = np.stack([draws.standard_normal(w * n), draws.random(w * n)], axis=1)
    for t in range(t_count):
        th = {k: float(v[t]) for k, v in theta.items()}
        params = _params(th, cases, n, spread)
        res = simulate_war(params, w * n, np.random.default_rng([seed, 0]))
        cls = classify(res.outcome, res.terms, th["band"])
        np.add.at(classes[t], (case_of, cls), 1.0 / n)
        np.add.at(years[t], case_of, years_touched_pmf(res.end_month) / n)
        np.add.at(months[t], (case_of, res.end_month - 1), 1.0 / n)
        np.add.at(ends[t], (case_of, res.outcome), 1.0 / n)
        if progress is not None:
            progress(t + 1)
    return Simulation(theta, classes, years, months, per_case, ends)


def class_pmf(sim: Simulation, pseudo: float = 0.5) -> np.ndarray:
    """Smoothed class probabilities, (T, W, K): (count + pseudo) / (n + K pseudo)."""
    n, k = sim.per_case, len(CLASSES)
    return (sim.classes * n + pseudo) / (n + k * pseudo)


def year_pmf(sim: Simulation, pseudo: float = 0.1) -> np.ndarray:
    """Smoothed distribution of calendar years touched, (T, W, Y)."""
    n = sim.per_case
    return (sim.years * n + pseudo) / (n + YEARS * pseudo)


#: the battlefield model's endings that a record of how a war was settled (GML MID) reads
#: as an agreement: a settlement, and a ceasefire that leaves the issues open (GML codes
#: every linked COW stalemate, the Korean armistice among them, as negotiated)
AGREED = ("settlement", "frozen")

#: the battlefield model's endings that GML MID's dispute outcomes read as a war ended
#: without a victory (a yield, a stalemate or a compromise): every ending but a collapse
NO_VICTORY = ("settlement", "frozen", "ongoing")


def agreement_pmf(
    sim: Simulation, pseudo: float = 0.5, endings: tuple[str, ...] = AGREED
) -> np.ndarray:
    """Smoothed P(the war ends in one of ``endings``), (T, W), from the simulated endings:
    by default by agreement (:data:`AGREED`); :data:`NO_VICTORY`, without a collapse."""
    assert sim.ends is not None, "the simulation has no endings"
    n = sim.per_case
    p = sim.ends[:, :, [OUTCOMES.index(k) for k in endings]].sum(axis=2)
    return (p * n + pseudo) / (n + 2 * pseudo)


def loglik(
    sim: Simulation, cases: Cases, *, agreement: bool = False, victory: bool = False
) -> np.ndarray:
    """Synthetic log-likelihood of each war under each theta, (T, W): its COW class and
    calendar years; with ``agreement`` also whether it ended by agreement (for the wars
    with a known :attr:`Cases.agreement`), with ``victory`` whether it ended without a
    victory (a known :attr:`Cases.victory`; the model's endings :data:`NO_VICTORY`)."""
    w = np.arange(cases.size)
    pc = class_pmf(sim)[:, w, cases.outcome]
    py = year_pmf(sim)[:, w, np.minimum(cases.years, YEARS) - 1]
    ll = np.log(pc) + np.log(py)
    if agreement:
        assert cases.agreement is not None, "the cases carry no record of agreement"
        known = cases.agreement >= 0
        pa = agreement_pmf(sim)[:, known]
        ll[:, known] += np.log(np.where(cases.agreement[known] == 1, pa, 1.0 - pa))
    if victory:
        assert cases.victory is not None, "the cases carry no record of victories"
        known = cases.victory >= 0
        pn = agreement_pmf(sim, endings=NO_VICTORY)[:, known]
        ll[:, known] += np.log(np.where(cases.victory[known] == 0, pn, 1.0 - pn))
    return ll


#: temperatures tried for the tempered posterior (:func:`choose_temperature`)
TEMPERATURES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


def fold_weights(ll: np.ndarray, train: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Posterior weights over the prior sample from the training wars, with the summed
    log-likelihood divided by ``temperature`` (1: the plain posterior; larger values spread
    the weight over more thetas); ll (T, W), train (W,) boolean; returns (T,) summing to 1."""
    s = ll[:, train].sum(axis=1) / temperature
    w = np.exp(s - s.max())
    return w / w.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights (shape (T,))."""
    return float(1.0 / np.sum(np.asarray(weights) ** 2))


def multiclass_brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean over cases of sum_k (p_k - [y = k])^2; p (W, K), y (W,) class indices."""
    onehot = np.zeros_like(p)
    onehot[np.arange(y.size), y] = 1.0
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def crps_discrete(pmf: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of integer outcomes y (1 .. Y) under pmfs on 1 .. Y: sum_k (F(k) - [y <= k])^2;
    pmf (W, Y), y (W,); returns (W,)."""
    cdf = np.cumsum(pmf, axis=1)
    k = np.arange(1, pmf.shape[1] + 1)
    step = (k[None, :] >= np.asarray(y)[:, None]).astype(float)
    return np.sum((cdf - step) ** 2, axis=1)


def central_interval(pmf: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of discrete distributions on 1 .. Y: the smallest k
    with F(k) >= (1 - level) / 2 and the smallest with F(k) >= (1 + level) / 2; (W,) each."""
    cdf = np.cumsum(pmf, axis=1)
    lo = np.argmax(cdf >= (1.0 - level) / 2.0 - 1e-12, axis=1) + 1
    hi = np.argmax(cdf >= (1.0 + level) / 2.0 - 1e-12, axis=1) + 1
    return lo, hi


def predictive_logscore(ll: np.ndarray, weights: np.ndarray, held: np.ndarray) -> float:
    """Sum over held-out wars of log sum_theta w_theta exp(ll[theta, war]); ll (T, W)."""
    sub = ll[:, held]
    top = sub.max(axis=0)
    return float(np.sum(top + np.log(weights @ np.exp(sub - top))))


def choose_temperature(ll: np.ndarray, train: np.ndarray, folds: int, seed: int) -> float:
    """The temperature of :data:`TEMPERATURES` with the best predictive log score in a
    ``folds``-fold cross-validation inside the training wars (so a held-out war never
    chooses its own temperature). The synthetic likelihood of a misspecified simulator is
    over-confident: without tempering the weight falls on a single theta."""
    idx = np.flatnonzero(train)
    fold = np.empty(idx.size, np.int64)
    fold[np.random.default_rng(seed).permutation(idx.size)] = np.arange(idx.size) % folds
    best, best_score = TEMPERATURES[0], -np.inf
    for temp in TEMPERATURES:
        score = 0.0
        for f in range(folds):
            inner_train = np.zeros_like(train)
            inner_train[idx[fold != f]] = True
            inner_held = np.zeros_like(train)
            inner_held[idx[fold == f]] = True
            score += predictive_logscore(ll, fold_weights(ll, inner_train, temp), inner_held)
        if score > best_score:
            best, best_score = temp, score
    return best
