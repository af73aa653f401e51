"""A parametric survival model of the peace: Weibull (or exponential) proportional hazards.

The peace after a war or a ceasefire fails at a random time T (years). With covariates x (shape
(covariates,)) the cumulative hazard and the survival function are

    H(t | x) = exp(a + x . beta) * t**k,        S(t | x) = P(T > t | x) = exp(-H(t | x)),

with k > 0 the Weibull shape (k = 1: the exponential model, S(t) = exp(-lambda t) with
lambda = exp(a + x . beta)). exp(beta_j) is the hazard ratio of covariate j: the factor by
which it multiplies the risk, at every time, that war returns.

:func:`fit_survival` estimates theta = (a, log k, beta) by maximum likelihood with right
censoring, log L = sum_i [d_i (log h(t_i | x_i)) - H(t_i | x_i)], h = dH/dt, and returns a
:class:`SurvivalFit` with the Laplace approximation to the parameters' uncertainty (a normal
distribution at the estimate with the inverse of the observed information, computed from
the analytic Hessian). :meth:`SurvivalFit.sample` draws parameters under a
``numpy.random.Generator``; :func:`survival_switch`, :func:`survival_probability` and
:func:`simulate_durations` are pure kernels over those draws (leading axis: draws).

Choices
-------
- The pipeline's model (``guaranty.comparison.peace_model``) is fitted on the peace after
  the COW inter-state wars, where the guarantee's term is the protected state's defense pact
  with a third state, a covariate like the others: :func:`survival_switch` sets it as it is
  today until the design takes effect and as the design makes it from then on. The
  coefficient is the association of such pacts, honored or not, with a renewed war, so no
  credibility multiplies it. The choices below concern the mixture of
  :func:`survival_probability` and the civil-war ceasefires it was built for.
- Guarantee credibility enters as a mixture, not as a covariate value. The data record
  peacekeepers (Fortna's ``pk_dum``), not guarantees: we treat a third-party presence or
  tripwire as the ``peacekeepers`` covariate, and its credibility c (the probability the
  guarantor honors the commitment) as the probability that this covariate is "on":
  S(t) = c * S(t | peacekeepers = 1) + (1 - c) * S(t | peacekeepers = 0). This is an
  assumption of guaranty, not a finding of Fortna (2004) or Walter (2015): it says an
  honored guarantee keeps the peace as well as a peacekeeping mission did in 1989-1999
  civil-war ceasefires, and a dishonored one as well as no mission at all.
- Covariates are the three binary ones the ROS sample carries (peacekeepers, treaty,
  victory); Fortna (2004, Table 2 and Table 3) controls for more (war duration, deaths,
  ethnic fractionalization, ...), which this model omits: its peacekeeping hazard ratio is
  the association in the sample, not her controlled estimate. A covariate not given to the
  kernels is 0 (a ceasefire without a treaty and without a decisive victory).
- Fortna fits Weibull and Cox models on time-varying spells (``_t0``, ``_t``); we fit one
  spell per ceasefire, from the ceasefire date to the failure date or to 2004-12-31 (ROS,
  ``Peacekeeping/peace.R``), so that peacekeeping is the status recorded for the case.
- Parameter uncertainty is the Laplace approximation (normal at the MLE), not a bootstrap
  or a Bayesian posterior; with 56 failures in 96 cases it is adequate for the hazard
  ratios' log scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from guaranty.errors import ModelError

__all__ = [
    "DISTRIBUTIONS",
    "DURABILITY_CAVEAT",
    "SurvivalFit",
    "SurvivalParams",
    "fit_survival",
    "simulate_durations",
    "survival_probability",
    "survival_switch",
]

#: Supported baseline distributions.
DISTRIBUTIONS = ("weibull", "exponential")

#: What the pipeline's peace model's out-of-sample check found (docs/models/durability.md,
#: "Out of sample"), said under the answer's table of designs (the report's and the web's
#: results page), where each design's chance that the peace holds is shown: a guarantee acts
#: through the protected state's defense pact with a third state, and that term makes
#: held-out predictions worse.
DURABILITY_CAVEAT = (
    "Peace holds: no new war between the two, fitted on the peace after inter-state wars "
    "1816-2007, where the target's defense pact, through which a guarantee acts, worsens "
    "held-out predictions (docs/models/durability.md)."
)

#: Name of the covariate that a third-party presence or guarantee switches on.
THIRD_PARTY = "peacekeepers"


@dataclass(frozen=True)
class SurvivalParams:
    """Parameter draws of the survival model.

    log_rate: array of shape (draws,), the intercept a;
    shape: array of shape (draws,), the Weibull shape k (1 for the exponential);
    beta: array of shape (draws, covariates), log hazard ratios, labelled by ``covariates``.
    """

    covariates: tuple[str, ...]
    log_rate: np.ndarray
    shape: np.ndarray
    beta: np.ndarray

    @property
    def draws(self) -> int:
        return self.log_rate.shape[0]


@dataclass(frozen=True)
class SurvivalFit:
    """A fitted survival model.

    ``theta`` (shape (p,)) is the MLE of (a, log k, beta_1, ..., beta_m) for the Weibull, or
    (a, beta_1, ..., beta_m) for the exponential; ``cov`` (shape (p, p)) its Laplace
    covariance; ``names`` labels both.
    """

    distribution: str
    covariates: tuple[str, ...]
    names: tuple[str, ...]
    theta: np.ndarray
    cov: np.ndarray
    loglik: float
    n: int
    events: int

    def to_json(self) -> dict[str, Any]:
        """The fit as JSON-ready values (floats in ``repr``: they read back bit for bit)."""
        return {
            "distribution": self.distribution,
            "covariates": list(self.covariates),
            "names": list(self.names),
            "theta": [float(v) for v in self.theta],
            "cov": [[float(v) for v in row] for row in self.cov],
            "loglik": float(self.loglik),
            "n": int(self.n),
            "events": int(self.events),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SurvivalFit:
        """The fit written by :meth:`to_json`."""
        theta = np.array(obj["theta"], dtype=float)
        cov = np.array(obj["cov"], dtype=float)
        if cov.shape != (theta.size, theta.size) or len(obj["names"]) != theta.size:
            raise ModelError(
                f"a stored survival fit needs {theta.size} names and a {theta.size}x"
                f"{theta.size} covariance; got {len(obj['names'])} and {cov.shape}"
            )
        return cls(
            distribution=str(obj["distribution"]),
            covariates=tuple(obj["covariates"]),
            names=tuple(obj["names"]),
            theta=theta,
            cov=cov,
            loglik=float(obj["loglik"]),
            n=int(obj["n"]),
            events=int(obj["events"]),
        )

    def std_err(self) -> np.ndarray:
        """Standard errors of ``theta``, shape (p,)."""
        return np.sqrt(np.diag(self.cov))

    def hazard_ratio(self, covariate: str) -> float:
        """exp(beta) of ``covariate`` at the MLE."""
        return float(np.exp(self.theta[self._index(covariate)]))

    def hazard_ratio_interval(self, covariate: str, level: float = 0.95) -> tuple[float, float]:
        """Wald interval of the hazard ratio on the log scale."""
        from scipy.stats import norm

        i = self._index(covariate)
        z = norm.ppf(0.5 + level / 2)
        se = float(np.sqrt(self.cov[i, i]))
        return float(np.exp(self.theta[i] - z * se)), float(np.exp(self.theta[i] + z * se))

    def _index(self, covariate: str) -> int:
        if covariate not in self.covariates:
            raise ModelError(f"covariate must be one of {list(self.covariates)}; got {covariate!r}")
        return self.names.index(f"beta_{covariate}")

    def point(self, draws: int = 1) -> SurvivalParams:
        """The MLE repeated ``draws`` times (no parameter uncertainty)."""
        return self.params(np.broadcast_to(self.theta, (draws, self.theta.size)))

    def sample(self, rng: np.random.Generator, draws: int) -> SurvivalParams:
        """``draws`` parameter vectors from the Laplace approximation, under ``rng``."""
        if not isinstance(rng, np.random.Generator):
            raise ModelError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
        if draws < 1:
            raise ModelError(f"draws must be a positive integer; got {draws}")
        return self.params(rng.multivariate_normal(self.theta, self.cov, size=draws))

    def _eta_shape(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """(a + x . beta of shape (cases,), k) at the MLE, for x of shape (cases, covariates)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != len(self.covariates):
            raise ModelError(
                f"x must have shape (cases, {len(self.covariates)}) for the covariates "
                f"{list(self.covariates)}; got {x.shape}"
            )
        mle = self.point(1)
        return mle.log_rate[0] + x @ mle.beta[0], float(mle.shape[0])

    def case_log_likelihood(self, time: np.ndarray, event: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Each case's log-likelihood at the MLE, shape (cases,): log h(t) - H(t) for a
        failure at t, -H(t) for a peace censored at t (time, event of shape (cases,); x of
        shape (cases, covariates)). On cases the fit did not see, a held-out score."""
        eta, k = self._eta_shape(x)
        t = np.asarray(time, dtype=float)
        d = np.asarray(event, dtype=float)
        return d * (np.log(k) + eta + (k - 1.0) * np.log(t)) - np.exp(eta) * t**k

    def survival_at(self, x: np.ndarray, horizons: Sequence[float] | np.ndarray) -> np.ndarray:
        """S(T | x) at the MLE, shape (cases, horizons), for x of shape (cases, covariates)."""
        eta, k = self._eta_shape(x)
        h = np.asarray(horizons, dtype=float)
        return np.exp(-np.exp(eta)[:, None] * h[None, :] ** k)

    def params(self, theta: np.ndarray) -> SurvivalParams:
        """The parameters of each row of ``theta`` (shape (draws, p)), as a batch."""
        weibull = self.distribution == "weibull"
        start = 2 if weibull else 1
        shape = np.exp(theta[:, 1]) if weibull else np.ones(theta.shape[0])
        return SurvivalParams(
            covariates=self.covariates,
            log_rate=np.array(theta[:, 0]),
            shape=shape,
            beta=np.array(theta[:, start:]),
        )


def _loglik_parts(theta: np.ndarray, t: np.ndarray, d: np.ndarray, x: np.ndarray, weibull: bool):
    """Log-likelihood, gradient and Hessian in theta (analytic)."""
    start = 2 if weibull else 1
    k = np.exp(theta[1]) if weibull else 1.0
    eta = theta[0] + x @ theta[start:]
    logt = np.log(t)
    u = k * logt
    cumhaz = np.exp(eta + u)  # H_i = exp(eta_i) t_i^k
    ll = np.sum(d * (eta + u - logt + (np.log(k) if weibull else 0.0)) - cumhaz)
    # Design of eta in theta: column 0 (intercept) and the covariates.
    z = np.column_stack([np.ones_like(t), x])
    cols = [0, *range(start, theta.size)]
    grad = np.zeros(theta.size)
    hess = np.zeros((theta.size, theta.size))
    g_eta = d - cumhaz
    grad[cols] = z.T @ g_eta
    hess[np.ix_(cols, cols)] = -(z.T * cumhaz) @ z
    if weibull:
        grad[1] = np.sum(d * (1.0 + u) - cumhaz * u)
        hess[1, 1] = np.sum(d * u - cumhaz * u * u - cumhaz * u)
        cross = -(z.T @ (cumhaz * u))
        hess[cols, 1] = cross
        hess[1, cols] = cross
    return ll, grad, hess


#: the reciprocal condition number below which the observed information counts as singular
_SINGULAR = 1e-10


def fit_survival(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    covariates: Sequence[str],
    distribution: str = "weibull",
) -> SurvivalFit:
    """Fit the model by maximum likelihood with right censoring.

    time: array of shape (cases,), positive durations (years);
    event: array of shape (cases,), true where the peace failed at ``time`` (false: censored);
    x: array of shape (cases, covariates), covariate values (labelled by ``covariates``).

    Raises ``ModelError`` on malformed inputs, when there are no events, or when the
    optimiser fails or the observed information is not positive definite.
    """
    if distribution not in DISTRIBUTIONS:
        raise ModelError(f"distribution must be one of {DISTRIBUTIONS}; got {distribution!r}")
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    x = np.asarray(x, dtype=float)
    covariates = tuple(covariates)
    if t.ndim != 1 or d.shape != t.shape or x.shape != (t.size, len(covariates)):
        raise ModelError(
            "time and event must have shape (cases,) and x shape (cases, covariates); got "
            f"{t.shape}, {d.shape}, {x.shape} for {len(covariates)} covariates"
        )
    if not np.all(np.isfinite(t) & (t > 0)) or not np.all(np.isfinite(x)):
        raise ModelError("time must be positive and finite, and x finite")
    if not np.all((d == 0) | (d == 1)):
        raise ModelError("event must be 0/1 (or boolean)")
    if d.sum() == 0:
        raise ModelError("cannot fit a survival model without a single event")
    weibull = distribution == "weibull"
    names = (
        ("log_rate",) + (("log_shape",) if weibull else ()) + tuple(f"beta_{c}" for c in covariates)
    )
    theta0 = np.zeros(len(names))
    theta0[0] = np.log(d.sum() / t.sum())

    def negll(theta):
        ll, g, _ = _loglik_parts(theta, t, d, x, weibull)
        return -ll, -g

    def neghess(theta):
        return -_loglik_parts(theta, t, d, x, weibull)[2]

    from scipy import optimize  # fitting only: not loaded by the chain

    res = optimize.minimize(
        negll, theta0, jac=True, hess=neghess, method="trust-exact", options={"gtol": 1e-9}
    )
    # trust-exact may stop for loss of precision at the optimum; what counts is the gradient.
    if not np.all(np.isfinite(res.x)) or np.max(np.abs(res.jac)) > 1e-5:
        raise ModelError(f"maximum likelihood did not converge: {res.message}")
    theta, loglik = _newton_polish(res.x, lambda th: _loglik_parts(th, t, d, x, weibull))
    info = neghess(theta)
    # A singular information matrix (a covariate repeated or constant) may still pass a
    # Cholesky factorisation by round-off, on some CPUs and not others; its condition
    # number then runs to 1e15 and more (the shipped fits: below 1e3).
    eig = np.linalg.eigvalsh(info)
    try:
        if not eig[0] > eig[-1] * _SINGULAR:
            raise np.linalg.LinAlgError
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        raise ModelError(
            "the observed information is not positive definite (a covariate may be constant "
            "or perfectly separate failures)"
        ) from None
    inv_chol = np.linalg.inv(chol)
    cov = inv_chol.T @ inv_chol
    return SurvivalFit(
        distribution=distribution,
        covariates=covariates,
        names=names,
        theta=theta,
        cov=(cov + cov.T) / 2,
        loglik=loglik,
        n=int(t.size),
        events=int(d.sum()),
    )


def _newton_polish(theta: np.ndarray, parts, steps: int = 8) -> tuple[np.ndarray, float]:
    """Newton steps from the optimiser's stopping point to the maximum's floating-point limit.

    theta: array of shape (parameters,); ``parts(theta)`` returns (log-likelihood, gradient
    of shape (parameters,), Hessian of shape (parameters, parameters)). trust-exact stops
    where its own test says so (a gradient of up to 1.4e-6 on the shipped fit), and that
    point differs between CPUs and BLAS builds by about 1e-8 in the coefficients. Near the
    maximum Newton's method converges quadratically, so two or three steps reach the point
    that any machine reaches to within rounding. A step that lowers the log-likelihood
    beyond rounding, a singular Hessian or a step that is not finite ends the polish at the
    last good point.
    """
    theta = np.array(theta, dtype=float)
    ll, g, h = parts(theta)
    for _ in range(steps):
        try:
            step = np.linalg.solve(-h, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        new = theta + step
        ll_new, g_new, h_new = parts(new)
        if not np.isfinite(ll_new) or ll_new < ll - 1e-9 * max(1.0, abs(ll)):
            break
        theta, ll, g, h = new, ll_new, g_new, h_new
        if np.max(np.abs(step)) <= 1e-14 * (1.0 + np.max(np.abs(theta))):
            break
    return theta, float(ll)


def _draw_vector(value, draws: int, name: str, *, unit: bool) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(draws, float(arr))
    if arr.shape != (draws,):
        raise ModelError(f"{name} must have shape (draws,) = ({draws},); got {arr.shape}")
    if not np.all(np.isfinite(arr)) or (unit and np.any((arr < 0) | (arr > 1))):
        raise ModelError(f"{name} must lie in [0, 1]; got values outside it")
    return arr


def _linear_predictors(
    params: SurvivalParams,
    third_party,
    credibility,
    covariates: Mapping[str, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(eta with the third party on, eta with it off, P(on)), each of shape (draws,)."""
    n = params.draws
    if THIRD_PARTY not in params.covariates:
        raise ModelError(f"the fitted model has no {THIRD_PARTY!r} covariate")
    covariates = dict(covariates or {})
    unknown = set(covariates) - set(params.covariates) | ({THIRD_PARTY} & set(covariates))
    if unknown:
        raise ModelError(
            f"covariates must be among {[c for c in params.covariates if c != THIRD_PARTY]}; "
            f"got {sorted(unknown)} (pass the third party as third_party)"
        )
    present = _draw_vector(third_party, n, "third_party", unit=True)
    cred = _draw_vector(1.0 if credibility is None else credibility, n, "credibility", unit=True)
    eta = _eta(params, covariates, "covariates")  # THIRD_PARTY is not among them (above)
    beta_tp = params.beta[:, params.covariates.index(THIRD_PARTY)]
    return eta + beta_tp, eta, present * cred


def survival_probability(
    params: SurvivalParams,
    horizons: Sequence[float] | np.ndarray,
    third_party,
    *,
    credibility=None,
    covariates: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """P(the peace holds beyond each horizon), shape (draws, horizons).

    params: parameter draws (``SurvivalFit.sample`` or ``SurvivalFit.point``);
    horizons: array of shape (horizons,), years (>= 0);
    third_party: array of shape (draws,) (or a scalar), 1 if a third-party force, tripwire
        or guarantee is present, else 0 (values in [0, 1] read as probabilities);
    credibility: array of shape (draws,) (or a scalar) in [0, 1], the probability that the
        guarantee is honored; None means 1;
    covariates: other fitted covariates by name, each of shape (draws,); absent ones are 0.

    Returns p * S(T | third party on) + (1 - p) * S(T | off), p = third_party * credibility
    (see the module's Choices).
    """
    h = np.asarray(horizons, dtype=float)
    if h.ndim != 1 or not np.all(np.isfinite(h) & (h >= 0)):
        raise ModelError(f"horizons must be a 1-d array of years >= 0; got {horizons!r}")
    eta_on, eta_off, p = _linear_predictors(params, third_party, credibility, covariates)
    tk = h[None, :] ** params.shape[:, None]
    s_on = np.exp(-np.exp(eta_on)[:, None] * tk)
    s_off = np.exp(-np.exp(eta_off)[:, None] * tk)
    return p[:, None] * s_on + (1.0 - p[:, None]) * s_off


def _eta(params: SurvivalParams, values: Mapping[str, Any], name: str) -> np.ndarray:
    """a + x . beta of shape (draws,) for the covariates ``values`` (absent ones 0)."""
    unknown = sorted(set(values) - set(params.covariates))
    if unknown:
        raise ModelError(
            f"{name}: covariates must be among {list(params.covariates)}; got {unknown}"
        )
    eta = params.log_rate.copy()
    for j, cov in enumerate(params.covariates):
        if cov in values:
            eta = eta + params.beta[:, j] * _draw_vector(values[cov], params.draws, cov, unit=False)
    return eta


def survival_switch(
    params: SurvivalParams,
    horizon: float,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    switch,
) -> np.ndarray:
    """P(the peace holds beyond ``horizon`` years) when its covariates change once, at
    ``switch`` years (a guarantee that takes effect later), shape (draws,).

    params: parameter draws; horizon: years (>= 0); before, after: covariate name -> value
        (a scalar or an array of shape (draws,)) before and from the switch, absent ones 0;
    switch: array of shape (draws,) (or a scalar), years >= 0 (0: ``after`` from the start).

    Proportional hazards with a covariate step at s: the cumulative hazard is
    H(T) = exp(eta_before) min(T, s)^k + exp(eta_after) (T^k - min(T, s)^k), S = exp(-H).
    """
    t = float(horizon)
    if not (np.isfinite(t) and t >= 0):
        raise ModelError(f"horizon must be a number of years >= 0; got {horizon!r}")
    s = np.asarray(switch, dtype=float)
    s = np.full(params.draws, float(s)) if s.ndim == 0 else s
    if s.shape != (params.draws,) or not np.all(s >= 0):
        raise ModelError(
            f"switch must be years >= 0 of shape (draws,) = ({params.draws},); got {s.shape}"
        )
    k = params.shape
    early = np.minimum(s, t) ** k
    cum = np.exp(_eta(params, before, "before")) * early
    cum = cum + np.exp(_eta(params, after, "after")) * (t**k - early)
    return np.exp(-cum)


def simulate_durations(
    params: SurvivalParams,
    rng: np.random.Generator,
    third_party,
    *,
    credibility=None,
    covariates: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One simulated duration of peace per draw, by inversion of S.

    Same inputs as :func:`survival_probability`. Returns (duration of shape (draws,), in
    years; guarantee_active of shape (draws,), bool: whether the third party was present
    and honored its guarantee in that draw, drawn with probability third_party * credibility).
    """
    if not isinstance(rng, np.random.Generator):
        raise ModelError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    eta_on, eta_off, p = _linear_predictors(params, third_party, credibility, covariates)
    active = rng.random(params.draws) < p
    eta = np.where(active, eta_on, eta_off)
    e = rng.standard_exponential(params.draws)
    # S(t) = exp(-exp(eta) t^k) = U  <=>  t = (E / exp(eta))^(1/k), E = -log U ~ Exp(1).
    return np.exp((np.log(e) - eta) / params.shape), active
