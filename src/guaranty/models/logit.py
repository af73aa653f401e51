"""Bayesian logistic regression with an optional random intercept, by Laplace approximation.

The kernel shared by the two stages of the credibility model (``docs/models/credibility.md``):
the yearly chance that a state is challenged (:mod:`guaranty.models.deterrence.challenge`)
and the chance that a third state fights on the target's side once it is
(:mod:`guaranty.models.credibility.joining`).

Model, for cases i with features x_i (shape (features,)), weight w_i and group g(i)::

    y_i ~ Bernoulli(expit(eta_i)),   eta_i = beta_0 + beta . x_i + u_g(i),
    beta_j ~ N(0, prior_sd_j^2),     u_g ~ N(0, group_sd^2)   (u = 0 for cases without a group)

The posterior mode of (beta, u) is found by Newton's method on the (strictly concave) log
posterior, with step halving; the posterior is approximated by N(mode, H^-1), H the negative
Hessian at the mode (MacKay 1992; Bishop 2006 sec. 4.4). ``group_sd`` is chosen by
maximising the Laplace approximation of the marginal likelihood (type-II maximum likelihood,
as ``lme4``'s Laplace fit of a GLMM does), on a log grid refined by a bounded search.
:func:`fit_logit_shrunk` chooses the common prior sd of a block of slopes the same way (stage
1's commitment features: ``docs/models/credibility.md``, "Stage 1's commitment block").

Choices
-------
* Features are centred at their weighted means for the fit (better-conditioned Newton
  steps); the reported coefficients are on the raw scale (a linear map of a normal is
  normal, so the covariance transforms exactly).
* Weights multiply each case's log likelihood (case-control sampling, or aggregated rows).
* The group effects enter with a dense block of the Hessian: fine for up to a few thousand
  groups, which covers every alliance in ATOP.
* Predictions for a *new* group (a commitment not in the data) average the logistic over
  u ~ N(0, group_sd^2) and over the fixed effects' posterior with MacKay's probit
  approximation, expit(mu / sqrt(1 + pi s^2 / 8)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit

from guaranty.errors import ModelError

__all__ = [
    "LogitFit",
    "NormalCoefficients",
    "brier_score",
    "fit_logit",
    "fit_logit_shrunk",
    "log_loss",
    "newton_ascent",
]

_MAX_ITER = 100
_TOL = 1e-9
_GROUP_GRID = np.geomspace(0.05, 5.0, 13)
#: the log grid of the shrunk slopes' common prior sd (:func:`fit_logit_shrunk`), up to the
#: default 2.5: the evidence can tighten the prior of a block of features, not loosen it
SHRINK_GRID = np.geomspace(0.02, 2.5, 9)


class NormalCoefficients:
    """Mixin of a normal posterior of coefficients held as ``mean`` and ``cov``."""

    mean: np.ndarray
    cov: np.ndarray

    @property
    def sd(self) -> np.ndarray:
        """Posterior standard deviations of the coefficients, shape (coefficients,)."""
        return np.sqrt(np.diag(self.cov))


@dataclass(frozen=True, eq=False)
class LogitFit(NormalCoefficients):
    """A fitted (Laplace) logistic regression.

    Attributes
    ----------
    names : tuple of str
        ``("intercept", *features)``.
    mean : array of shape (1 + features,)
        Posterior mode of the fixed effects, raw feature scale.
    cov : array of shape (1 + features, 1 + features)
        Their posterior covariance (marginal over the group effects).
    group_ids : array of shape (groups,)
        The group labels, sorted.
    group_effects : array of shape (groups,)
        Posterior modes of the group intercepts u_g.
    group_sd : float
        The sd of the group intercepts (0 without groups).
    log_evidence : float
        Laplace approximation of the log marginal likelihood.
    n_cases : int
    shrink_sd : float or None
        The common prior sd of the shrunk slopes that :func:`fit_logit_shrunk` chose by
        evidence (None for :func:`fit_logit`).
    """

    names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray
    group_ids: np.ndarray
    group_effects: np.ndarray
    group_sd: float
    log_evidence: float
    n_cases: int
    shrink_sd: float | None = None

    def coef(self, name: str) -> float:
        """The posterior mode of one coefficient."""
        return float(self.mean[self.names.index(name)])

    def interval(self, name: str, level: float = 0.9) -> tuple[float, float]:
        """Central normal posterior interval of one coefficient."""
        from scipy.special import ndtri

        k = self.names.index(name)
        half = float(ndtri(0.5 + level / 2) * self.sd[k])
        return float(self.mean[k] - half), float(self.mean[k] + half)

    def eta(self, x: np.ndarray, coefficients: np.ndarray | None = None) -> np.ndarray:
        """Linear predictor without group effects.

        x : array of shape (..., features). coefficients : (1 + features,) or
        (draws, 1 + features); default the posterior mode. Returns x.shape[:-1], or
        (draws, *x.shape[:-1]) for 2-D coefficients.
        """
        x = np.asarray(x, dtype=np.float64)
        beta = self.mean if coefficients is None else np.asarray(coefficients, dtype=np.float64)
        if beta.ndim == 1:
            return beta[0] + x @ beta[1:]
        return beta[:, :1].reshape(-1, *([1] * (x.ndim - 1))) + np.einsum(
            "dk,...k->d...", beta[:, 1:], x
        )

    def predict(self, x: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Posterior predictive probability, shape x.shape[:-1].

        ``groups`` (shape x.shape[:-1]) adds the fitted u_g of known groups; unknown or
        missing groups (and ``groups=None``) average over a new group's u ~ N(0, group_sd^2)
        for cases that belong to a group — pass ``np.nan``-free labels, with -1 for cases
        that have no group at all.
        """
        x = np.asarray(x, dtype=np.float64)
        d = np.concatenate([np.ones((*x.shape[:-1], 1)), x], axis=-1)
        mu = d @ self.mean
        var = np.einsum("...k,kl,...l->...", d, self.cov, d)
        if groups is not None and self.group_ids.size:
            groups = np.asarray(groups)
            pos = np.searchsorted(self.group_ids, groups)
            pos = np.clip(pos, 0, self.group_ids.size - 1)
            known = self.group_ids[pos] == groups
            mu = mu + np.where(known, self.group_effects[pos], 0.0)
            new = (~known) & (groups != -1)
            var = var + np.where(new, self.group_sd**2, 0.0)
        return expit(mu / np.sqrt(1.0 + np.pi * var / 8.0))

    def draw(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Fixed-effect vectors from the posterior, shape (draws, 1 + features)."""
        chol = np.linalg.cholesky(self.cov)
        return self.mean + rng.standard_normal((int(draws), self.mean.size)) @ chol.T


def _check(x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, ...]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2:
        raise ModelError(f"x must have shape (cases, features); got {x.shape}")
    if y.shape != (x.shape[0],):
        raise ModelError(f"y must have shape ({x.shape[0]},); got {y.shape}")
    if not np.isfinite(x).all():
        raise ModelError("x must be finite (fill or drop missing values before fitting)")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ModelError("y must hold only 0 and 1")
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=np.float64)
    if w.shape != y.shape or not (np.isfinite(w).all() and (w >= 0).all()):
        raise ModelError(f"weights must be finite, >= 0 and of shape {y.shape}")
    return x, y, w


def _newton(
    d: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    gidx: np.ndarray,
    m: int,
    prec_fixed: np.ndarray,
    prec_group: float,
    start: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Mode, negative Hessian and log posterior (up to constants) of (beta, u)."""
    p = d.shape[1]
    has = gidx >= 0
    gi = gidx[has]
    theta = np.zeros(p + m) if start is None else start.copy()

    def eta_of(t: np.ndarray) -> np.ndarray:
        e = d @ t[:p]
        if m:
            e[has] += t[p:][gi]
        return e

    def objective(t: np.ndarray) -> float:
        e = eta_of(t)
        ll = float(np.sum(w * (y * e - np.logaddexp(0.0, e))))
        return (
            ll
            - 0.5 * float(np.sum(prec_fixed * t[:p] ** 2))
            - 0.5 * prec_group * float(np.sum(t[p:] ** 2))
        )

    def grad_hess(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e = eta_of(t)
        mu = expit(e)
        r = w * (y - mu)
        v = w * mu * (1.0 - mu)
        g = np.empty(p + m)
        g[:p] = d.T @ r - prec_fixed * t[:p]
        h = np.zeros((p + m, p + m))
        h[:p, :p] = (d.T * v) @ d + np.diag(prec_fixed)
        if m:
            g[p:] = np.bincount(gi, weights=r[has], minlength=m) - prec_group * t[p:]
            zx = np.zeros((m, p))
            np.add.at(zx, gi, d[has] * v[has, None])
            h[p:, :p] = zx
            h[:p, p:] = zx.T
            h[p:, p:] = np.diag(np.bincount(gi, weights=v[has], minlength=m) + prec_group)
        return g, h

    theta, obj = newton_ascent(
        theta,
        objective,
        grad_hess,
        slack=1e-10,
        tol=_TOL,
        max_iter=_MAX_ITER,
        failure=f"the logistic fit did not converge in {_MAX_ITER} Newton steps",
    )
    _, h = grad_hess(theta)
    return theta, h, obj


def newton_ascent(
    theta: np.ndarray,
    objective: Callable[[np.ndarray], float],
    grad_hess: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    *,
    slack: float,
    tol: float,
    max_iter: int,
    failure: str,
) -> tuple[np.ndarray, float]:
    """Maximise a concave ``objective`` by Newton's method from ``theta`` (shape (p,)).

    ``grad_hess(theta)`` gives the gradient (p,) and the negative Hessian (p, p). Each step
    is halved until the objective does not fall by more than ``slack`` (or the step is below
    1e-8 of a full one); the loop stops once a step moves no coefficient by ``tol`` or more.
    Returns the maximiser and the objective there; raises ModelError(``failure``) after
    ``max_iter`` steps.
    """
    obj = objective(theta)
    for _ in range(max_iter):
        g, h = grad_hess(theta)
        step = np.linalg.solve(h, g)
        s = 1.0
        while True:
            cand = theta + s * step
            new = objective(cand)
            if new >= obj - slack or s < 1e-8:
                break
            s /= 2.0
        theta, obj = cand, new
        if np.max(np.abs(s * step)) < tol:
            return theta, obj
    raise ModelError(failure)


def fit_logit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    names: tuple[str, ...] | None = None,
    prior_sd: float | np.ndarray = 2.5,
    intercept_sd: float = 10.0,
    weights: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    group_sd: float | None = None,
) -> LogitFit:
    """Fit the model of the module docstring.

    x : array of shape (cases, features), finite. y : array of shape (cases,), 0/1.
    prior_sd : the slopes' prior sd (scalar or shape (features,)).
    weights : case weights, shape (cases,). groups : integer labels of shape (cases,), -1 for
    no group. group_sd : fixed sd of the group intercepts; None chooses it by evidence.
    """
    x, y, w = _check(x, y, weights)
    n, k = x.shape
    names = tuple(names) if names is not None else tuple(f"x{j}" for j in range(k))
    if len(names) != k:
        raise ModelError(f"names must have {k} entries; got {len(names)}")
    center = (w @ x) / max(w.sum(), 1e-300) if n else np.zeros(k)
    d = np.concatenate([np.ones((n, 1)), x - center], axis=1)
    prec_fixed = np.concatenate([[intercept_sd**-2.0], np.broadcast_to(prior_sd, k) ** -2.0])
    if groups is None:
        gidx = np.full(n, -1)
        ids = np.empty(0, dtype=np.int64)
    else:
        g = np.asarray(groups).astype(np.int64)
        if g.shape != (n,):
            raise ModelError(f"groups must have shape ({n},); got {g.shape}")
        ids, inv = np.unique(g[g != -1], return_inverse=True)
        gidx = np.full(n, -1)
        gidx[g != -1] = inv
    m = ids.size
    p = k + 1

    def laplace(sd: float, start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
        prec_group = sd**-2.0 if m else 0.0
        theta, h, obj = _newton(d, y, w, gidx, m, prec_fixed, prec_group, start)
        sign, logdet = np.linalg.slogdet(h)
        if sign <= 0:
            raise ModelError("the logistic fit's Hessian is not positive definite")
        log_prior_norm = 0.5 * float(np.sum(np.log(prec_fixed)))
        if m:
            log_prior_norm += m * 0.5 * np.log(prec_group)
        return theta, h, obj + log_prior_norm - 0.5 * logdet

    if m == 0:
        sd = 0.0
        theta, h, log_ev = laplace(1.0, None)
    elif group_sd is not None:
        sd = float(group_sd)
        theta, h, log_ev = laplace(sd, None)
    else:
        start: list[np.ndarray | None] = [None]

        def group_evidence(s: float) -> float:
            start[0], _, ev = laplace(s, start[0])
            return ev

        sd = _maximise_evidence(group_evidence, _GROUP_GRID, 1e-3)
        theta, h, log_ev = laplace(sd, None)
    cov_all = np.linalg.inv(h)
    cov_c = (cov_all[:p, :p] + cov_all[:p, :p].T) / 2.0
    t = np.eye(p)
    t[0, 1:] = -center
    mean = t @ theta[:p]
    cov = t @ cov_c @ t.T
    return LogitFit(
        names=("intercept", *names),
        mean=mean,
        cov=(cov + cov.T) / 2.0,
        group_ids=ids,
        group_effects=theta[p:].copy(),
        group_sd=sd,
        log_evidence=float(log_ev),
        n_cases=int(n),
    )


def _maximise_evidence(
    evidence_at: Callable[[float], float], grid: np.ndarray, xatol: float
) -> float:
    """The prior sd that maximises ``evidence_at`` (a log marginal likelihood): the best
    point of the log ``grid`` (shape (points,)), refined by a bounded search between its
    neighbours (to ``xatol`` in log sd); the grid point if the search finds nothing better."""
    evid = [evidence_at(float(s)) for s in grid]
    best = int(np.argmax(evid))
    lo = np.log(grid[max(best - 1, 0)])
    hi = np.log(grid[min(best + 1, grid.size - 1)])
    from scipy.optimize import minimize_scalar  # fitting only: not loaded by the chain

    res = minimize_scalar(
        lambda t: -evidence_at(float(np.exp(t))),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": xatol},
    )
    return float(np.exp(res.x)) if -res.fun >= evid[best] else float(grid[best])


def fit_logit_shrunk(
    x: np.ndarray,
    y: np.ndarray,
    *,
    names: tuple[str, ...],
    shrink: tuple[str, ...],
    prior_sd: float = 2.5,
    intercept_sd: float = 10.0,
    weights: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    group_sd: float | None = None,
    grid: np.ndarray = SHRINK_GRID,
) -> LogitFit:
    """:func:`fit_logit` in which the slopes of the features ``shrink`` share one prior sd
    tau, chosen by maximising the Laplace evidence on the log ``grid`` (type-II maximum
    likelihood: MacKay 1992's evidence framework, here for a block of coefficients, as in
    automatic relevance determination); the other slopes keep ``prior_sd``. A block that
    carries no information beyond the other features gets a small tau, which pulls its
    coefficients toward 0; one that does keeps them. tau is returned as ``shrink_sd``.

    x : array of shape (cases, features); y : array of shape (cases,), 0/1; ``shrink``: a
    subset of ``names`` (each feature named once). ``groups`` as in :func:`fit_logit`, with
    ``group_sd`` fixed (required with groups: the two sds are not searched jointly here).
    """
    names = tuple(names)
    unknown = sorted(set(shrink) - set(names))
    if unknown or not shrink:
        raise ModelError(f"shrink must name some of the features {names}; got {tuple(shrink)}")
    if groups is not None and group_sd is None:
        raise ModelError("fit_logit_shrunk needs a fixed group_sd with groups")
    block = np.array([n in shrink for n in names])
    fits: dict[float, LogitFit] = {}

    def fit_at(tau: float) -> LogitFit:
        if tau not in fits:
            fits[tau] = fit_logit(
                x,
                y,
                names=names,
                prior_sd=np.where(block, tau, prior_sd),
                intercept_sd=intercept_sd,
                weights=weights,
                groups=groups,
                group_sd=group_sd,
            )
        return fits[tau]

    tau = _maximise_evidence(lambda t: fit_at(t).log_evidence, np.asarray(grid, float), 0.02)
    return replace(fit_at(tau), shrink_sd=tau)


def brier_score(p: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """(Weighted) mean squared error of probabilities against 0/1 outcomes, shape (cases,)."""
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.average((p - y) ** 2, weights=weights))


def log_loss(
    p: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, eps: float = 1e-12
) -> float:
    """(Weighted) mean negative log-likelihood in nats of 0/1 outcomes y under p."""
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.average(y * np.log(p) + (1.0 - y) * np.log1p(-p), weights=weights))
