"""``honoring``: Bayesian logistic regression of alliance honoring on alliance design.

The probability that an ally honors an alliance commitment once it is invoked in war is
modelled as

    P(honored | x) = 1 / (1 + exp(-b(x))),     b(x) = beta_0 + sum_j beta_j x_j,

fitted to the alliance-war pairs of Berkemeier & Fuhrmann (2018) where the commitment
applied (the LLM coding, ``honorLLM``), with features from ATOP v4, COW and NMC
(``guaranty.data.alliances``; ``docs/models/credibility.md``). Every feature lies in [0, 1].

Estimation (Laplace approximation; MacKay 1992, Bishop 2006 sec. 4.4-4.5):

* Features are centred at their (training) means; the centred coefficients get independent
  normal priors, N(0, tau^2) for the slopes and N(0, intercept_scale^2) for the intercept.
* The posterior mode is found by Newton's method on the log posterior (strictly concave;
  step halving keeps every step an ascent), and the posterior is approximated by the
  normal N(mode, H^-1), H the negative Hessian at the mode.
* tau is chosen by maximising the Laplace approximation of the marginal likelihood
  (empirical Bayes, "evidence"): first on a log grid from 0.05 to 20, then refined by a
  bounded scalar search around the best grid point. Pass ``prior_scale`` to fix it.
* The posterior is reported on the scale of the raw (uncentred) features: a linear map of a
  normal is normal, so the mean and covariance are transformed exactly.
* Predictive probabilities average the logistic over the posterior with MacKay's probit
  approximation, p = expit(mu / sqrt(1 + pi s^2 / 8)), mu = b(x) at the posterior mean and
  s^2 its posterior variance.

Choices
-------
* Bayesian rather than penalised maximum likelihood: the revealed-resolve step needs draws
  of the coefficient vector, and the posterior gives them (with intervals) directly. The
  L2-penalised fit is the posterior mode of the same model.
* One prior scale for all slopes: the features share a [0, 1] scale (binary indicators, the
  formality index divided by 2, the ally's CINC share), so a common tau is a fair default
  (Gelman et al. 2008 use one scale for inputs put on a common scale). The intercept's prior
  (default sd 10 on the centred scale) is nearly flat.
* Missing values (NaN) are replaced by the training mean of the feature, both when fitting
  and when predicting, with *no* missing-value indicator: in the alliance table a missing
  capability share or nuclear flag arises mostly where the alliance's members fought each
  other (16 of the 18 rows without a share were violations), so an indicator would smuggle
  the outcome into the features. Mean imputation adds no information either way.
* The default features are the ones the design debate turns on (DEFAULT_FEATURES): era,
  obligation type (a commitment may carry several), formality, integrated command, bases,
  military aid, the ally's capability share against the opponent, a nuclear-armed
  opponent, and multilateral membership. They were fixed before looking at the fit;
  ``conditio``, ``consul`` and ``milinst`` are available as extras.
* The posterior is a normal approximation. ``scripts/validate_credibility.py`` checks it by
  importance sampling against the exact posterior (effective sample size and the shift of
  the interval ends are printed there and in the docs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Real
from typing import ClassVar

import numpy as np
from scipy.special import expit, ndtri

from guaranty.errors import ModelError
from guaranty.models.credibility import CoefficientPosterior, CredibilityModel, register
from guaranty.models.logit import NormalCoefficients, brier_score, log_loss, newton_ascent
from guaranty.models.params import (
    Constraint,
    Interval,
    Names,
    NoneOr,
    check_parameters,
    check_value,
)

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURES",
    "EmpiricalHonoring",
    "HonoringPosterior",
    "brier_score",
    "calibration_table",
    "feature_matrix",
    "leave_one_group_out",
    "log_loss",
]

#: Every feature the model can use: name -> what it is (all lie in [0, 1]).
FEATURES: dict[str, str] = {
    "post1945": "commitment invoked in 1945 or later (max of war start and alliance start)",
    "defense": "defense obligation (B&F)",
    "offense": "offense obligation (B&F)",
    "neutral": "neutrality obligation (B&F)",
    "nonagg": "non-aggression obligation (B&F)",
    "consul": "consultation obligation (B&F)",
    "conditio": "obligations conditional on circumstances (ATOP conditio)",
    "formal": "formality: public treaty + formal organisation, 0-2, divided by 2 (ATOP formal)",
    "milinst": "military institutionalisation 0-2, divided by 2 (ATOP milinst)",
    "intcom": "integrated military command (ATOP intcom)",
    "base": "bases or troop placement in a member's territory (ATOP base > 0)",
    "milaid": "military aid provisions (ATOP milaid > 0)",
    "ally_cinc_share": "allies' CINC / (allies' + opponents' CINC) in the invocation year",
    "nuclear_opponent": "an opponent was nuclear-armed in the invocation year",
    "multilateral": "more than two members (B&F multilateral)",
}

#: The features of the default model, fixed before fitting (see Choices).
DEFAULT_FEATURES: tuple[str, ...] = (
    "post1945",
    "defense",
    "offense",
    "neutral",
    "nonagg",
    "formal",
    "intcom",
    "base",
    "milaid",
    "ally_cinc_share",
    "nuclear_opponent",
    "multilateral",
)


def _positive(col: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(col), np.nan, (col > 0).astype(np.float64))


_TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "formal": lambda c: c / 2.0,
    "milinst": lambda c: c / 2.0,
    "base": _positive,
    "milaid": _positive,
}

_FEATURE_NAMES = Names(FEATURES)
_PRIOR_GRID = np.geomspace(0.05, 20.0, 41)
_NEWTON_MAX_ITER = 100
_NEWTON_TOL = 1e-10


def feature_matrix(
    table: Mapping[str, np.ndarray], features: Sequence[str] = DEFAULT_FEATURES
) -> np.ndarray:
    """The feature matrix of the alliance table, shape (rows, features), NaN where missing.

    ``table`` maps the column names of ``guaranty.data.alliances`` to arrays of shape
    (rows,); the features are derived as described in ``FEATURES``.
    """
    check_value("feature_matrix", "features", _FEATURE_NAMES, features)
    cols = []
    for name in features:
        if name not in table:
            raise ModelError(f"feature {name!r} needs column {name!r}, which the table lacks")
        col = np.asarray(table[name], dtype=np.float64)
        cols.append(_TRANSFORMS.get(name, lambda c: c)(col))
    n = len(next(iter(table.values()))) if table else 0
    return np.stack(cols, axis=1) if cols else np.empty((n, 0))


@dataclass(frozen=True, eq=False)
class HonoringPosterior(NormalCoefficients, CoefficientPosterior):
    """The (normal) posterior of the honoring model's coefficients.

    Attributes
    ----------
    feature_names : tuple of str
        The features, in the order of the columns of x.
    mean : array of shape (1 + features,)
        Posterior mean (= mode) of the intercept and the slopes, on the raw feature scale.
    cov : array of shape (1 + features, 1 + features)
        Posterior covariance.
    fill : array of shape (features,)
        The values that replace NaN features (the training means).
    prior_scale : float
        The prior sd of the slopes (chosen by evidence unless fixed); NaN with no features.
    log_evidence : float
        Laplace approximation of the log marginal likelihood at ``prior_scale``.
    n_cases : int
        Number of cases fitted.
    """

    feature_names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray
    fill: np.ndarray
    prior_scale: float
    log_evidence: float
    n_cases: int

    def design(self, x: np.ndarray) -> np.ndarray:
        """[1, x] with NaN replaced by ``fill``: x of shape (..., features) -> (..., 1 + f)."""
        x = np.asarray(x, dtype=np.float64)
        k = len(self.feature_names)
        if x.ndim == 0 or x.shape[-1] != k:
            raise ModelError(
                f"x must have shape (..., features) with features = {k} "
                f"({', '.join(self.feature_names) or 'none'}); got {x.shape}"
            )
        x = np.where(np.isnan(x), self.fill, x)
        return np.concatenate([np.ones((*x.shape[:-1], 1)), x], axis=-1)

    def linear_predictor(self, x: np.ndarray, coefficients: np.ndarray | None = None) -> np.ndarray:
        """b(x) = beta_0 + beta . x, the log-odds of honoring.

        Parameters
        ----------
        x : array of shape (..., features)
            Feature vectors (NaN = unknown, replaced by the training mean).
        coefficients : array of shape (1 + features,) or (draws, 1 + features), optional
            Coefficient vectors (e.g. from :meth:`draw_coefficients`); the posterior mean
            by default.

        Returns
        -------
        array of shape x.shape[:-1], or (draws, *x.shape[:-1]) for 2-D ``coefficients``
            Every coefficient vector applied to every x. For one x per draw, use
            ``(posterior.design(x) * coefficients).sum(-1)`` with x of shape (draws, features).
        """
        d = self.design(x)
        beta = self.mean if coefficients is None else np.asarray(coefficients, dtype=np.float64)
        if beta.ndim not in (1, 2) or beta.shape[-1] != d.shape[-1]:
            raise ModelError(
                f"coefficients must have shape ({d.shape[-1]},) or (draws, {d.shape[-1]}); "
                f"got {beta.shape}"
            )
        if beta.ndim == 1:
            return d @ beta
        return np.einsum("dk,...k->d...", beta, d)

    def probability(self, x: np.ndarray, coefficients: np.ndarray | None = None) -> np.ndarray:
        """expit(b(x)); shapes as in :meth:`linear_predictor`."""
        return expit(self.linear_predictor(x, coefficients))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Posterior predictive P(honored | x), shape x.shape[:-1] (MacKay's approximation)."""
        d = self.design(x)
        mu = d @ self.mean
        var = np.einsum("...k,kl,...l->...", d, self.cov, d)
        return expit(mu / np.sqrt(1.0 + np.pi * var / 8.0))

    def draw_coefficients(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """``draws`` coefficient vectors from the posterior, shape (draws, 1 + features).

        Column 0 is the intercept, the others follow ``feature_names``. A pure function of
        the posterior and the state of ``rng``.
        """
        if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
            raise ModelError(f"draws must be a positive integer; got {draws!r}")
        if not isinstance(rng, np.random.Generator):
            raise ModelError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
        chol = np.linalg.cholesky(self.cov)
        z = rng.standard_normal((int(draws), self.mean.shape[0]))
        return self.mean + z @ chol.T

    def intervals(self, level: float = 0.9) -> np.ndarray:
        """Central posterior intervals, shape (1 + features, 2) (lower, upper)."""
        if not 0.0 < level < 1.0:
            raise ModelError(f"level must be strictly between 0 and 1; got {level}")
        half = ndtri(0.5 + level / 2.0) * self.sd
        return np.stack([self.mean - half, self.mean + half], axis=1)

    def feature_vector(self, values: Mapping[str, float]) -> np.ndarray:
        """x of shape (features,) from ``{feature: value}``; every feature must be given.

        A value may be NaN (unknown; the training mean is used).
        """
        missing = [f for f in self.feature_names if f not in values]
        extra = [f for f in values if f not in self.feature_names]
        if missing or extra:
            raise ModelError(
                "feature_vector needs exactly the model's features "
                f"({', '.join(self.feature_names)}); missing {missing}, unknown {extra}"
            )
        return np.array([float(values[f]) for f in self.feature_names])


@register
class EmpiricalHonoring(CredibilityModel):
    """Bayesian (Laplace) logistic regression of honoring on alliance features.

    Parameters
    ----------
    features : sequence of str
        Names from ``FEATURES`` (default ``DEFAULT_FEATURES``); the columns of ``x``.
    prior_scale : float or None
        Prior sd of the slopes; None (default) chooses it by maximising the evidence.
    intercept_scale : float
        Prior sd of the intercept on the centred scale (default 10, nearly flat).
    """

    name: ClassVar[str] = "honoring"
    summary: ClassVar[str] = (
        "Bayesian logistic regression of alliance honoring in war (1816-2003) on era, "
        "obligation type and alliance design"
    )

    parameters: ClassVar[dict[str, Constraint]] = {
        "features": _FEATURE_NAMES,
        "prior_scale": NoneOr(Interval(Real, 0, None, closed="neither")),
        "intercept_scale": Interval(Real, 0, None, closed="neither"),
    }

    def __init__(
        self,
        *,
        features: Sequence[str] = DEFAULT_FEATURES,
        prior_scale: float | None = None,
        intercept_scale: float = 10.0,
    ) -> None:
        check_parameters(self, locals())
        self._features = tuple(features)
        self.prior_scale = None if prior_scale is None else float(prior_scale)
        self.intercept_scale = float(intercept_scale)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self._features

    def __repr__(self) -> str:
        return (
            f"EmpiricalHonoring(features={self._features!r}, prior_scale={self.prior_scale!r}, "
            f"intercept_scale={self.intercept_scale!r})"
        )

    def fit(self, x: np.ndarray, honored: np.ndarray) -> HonoringPosterior:
        """Fit to x of shape (cases, features) (NaN = missing) and honored of shape (cases,).

        ``honored`` holds 0 (violated) or 1 (honored).
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(honored, dtype=np.float64)
        k = len(self._features)
        if x.ndim != 2 or x.shape[1] != k:
            raise ModelError(
                f"x must have shape (cases, {k}) for features {', '.join(self._features)}; "
                f"got {x.shape}"
            )
        if y.shape != (x.shape[0],):
            raise ModelError(f"honored must have shape ({x.shape[0]},); got {y.shape}")
        if x.shape[0] < 2:
            raise ModelError(f"need at least 2 cases to fit; got {x.shape[0]}")
        if not np.isin(y, (0.0, 1.0)).all():
            raise ModelError("honored must hold only 0 (violated) and 1 (honored)")
        finite = np.isfinite(x) | np.isnan(x)
        if not finite.all():
            raise ModelError("x must be finite or NaN (missing); it holds an infinity")
        bad = (~np.isnan(x)) & ((x < 0) | (x > 1))
        if bad.any():
            j = int(np.argwhere(bad)[0, 1])
            raise ModelError(f"feature {self._features[j]!r} must lie in [0, 1]; it does not")
        empty = np.isnan(x).all(axis=0)
        if empty.any():
            names = [f for f, e in zip(self._features, empty, strict=True) if e]
            raise ModelError(f"features {names} have no observed value in the fitted cases")

        fill = np.nanmean(x, axis=0) if k else np.empty(0)
        z = np.where(np.isnan(x), fill, x) - fill
        d = np.concatenate([np.ones((x.shape[0], 1)), z], axis=1)

        if k == 0:
            tau = float("nan")
            theta, hess, log_ev = _laplace(d, y, self._prior_sd(1.0, 0), None)
        elif self.prior_scale is not None:
            tau = self.prior_scale
            theta, hess, log_ev = _laplace(d, y, self._prior_sd(tau, k), None)
        else:
            tau, theta, hess, log_ev = self._evidence_scale(d, y, k)

        cov_c = _inverse_pd(hess)
        # Back to raw features: beta_0 = theta_0 - theta . fill, beta_j = theta_j.
        t = np.eye(k + 1)
        t[0, 1:] = -fill
        mean = t @ theta
        cov = t @ cov_c @ t.T
        cov = (cov + cov.T) / 2.0
        n_cases = int(x.shape[0])
        return HonoringPosterior(self._features, mean, cov, fill, tau, log_ev, n_cases)

    def _prior_sd(self, tau: float, k: int) -> np.ndarray:
        return np.concatenate([[self.intercept_scale], np.full(k, tau)])

    def _evidence_scale(
        self, d: np.ndarray, y: np.ndarray, k: int
    ) -> tuple[float, np.ndarray, np.ndarray, float]:
        """Maximise the Laplace evidence over the slope prior sd (grid, then refined)."""
        start = None
        evidence = np.empty(_PRIOR_GRID.shape[0])
        for i, tau in enumerate(_PRIOR_GRID):
            start, _, evidence[i] = _laplace(d, y, self._prior_sd(tau, k), start)
        best = int(np.argmax(evidence))
        lo = np.log(_PRIOR_GRID[max(best - 1, 0)])
        hi = np.log(_PRIOR_GRID[min(best + 1, _PRIOR_GRID.shape[0] - 1)])

        def negative(log_tau: float) -> float:
            return -_laplace(d, y, self._prior_sd(float(np.exp(log_tau)), k), None)[2]

        from scipy.optimize import minimize_scalar  # fitting only: not loaded by the chain

        res = minimize_scalar(negative, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
        tau = float(np.exp(res.x)) if -res.fun >= evidence[best] else float(_PRIOR_GRID[best])
        theta, hess, log_ev = _laplace(d, y, self._prior_sd(tau, k), None)
        return tau, theta, hess, log_ev


def _log_posterior(d: np.ndarray, y: np.ndarray, theta: np.ndarray, prec: np.ndarray) -> float:
    eta = d @ theta
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)) - 0.5 * np.sum(prec * theta**2))


def _laplace(
    d: np.ndarray, y: np.ndarray, prior_sd: np.ndarray, start: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Posterior mode, negative Hessian and Laplace log evidence of a normal-prior logit.

    d : (cases, p) design with an intercept column; y : (cases,); prior_sd : (p,).
    """
    prec = 1.0 / prior_sd**2
    theta = np.zeros(d.shape[1]) if start is None else start.copy()

    def grad_hess(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = expit(d @ theta)
        grad = d.T @ (y - p) - prec * theta
        hess = (d.T * (p * (1.0 - p))) @ d + np.diag(prec)
        return grad, hess

    theta, obj = newton_ascent(
        theta,
        lambda t: _log_posterior(d, y, t, prec),
        grad_hess,
        slack=1e-12,
        tol=_NEWTON_TOL,
        max_iter=_NEWTON_MAX_ITER,
        failure=(
            f"the honoring model's Newton iterations did not converge in {_NEWTON_MAX_ITER} "
            "steps (is the outcome perfectly separated with a huge prior_scale?)"
        ),
    )
    p = expit(d @ theta)
    hess = (d.T * (p * (1.0 - p))) @ d + np.diag(prec)
    sign, logdet = np.linalg.slogdet(hess)
    if sign <= 0:
        raise ModelError("the honoring model's posterior Hessian is not positive definite")
    log_ev = obj - float(np.sum(np.log(prior_sd))) - 0.5 * logdet
    return theta, hess, log_ev


def _inverse_pd(h: np.ndarray) -> np.ndarray:
    chol = np.linalg.cholesky(h)
    inv_chol = np.linalg.solve(chol, np.eye(h.shape[0]))
    return inv_chol.T @ inv_chol


def leave_one_group_out(
    model: CredibilityModel, x: np.ndarray, honored: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """Out-of-group predictive probabilities, shape (cases,).

    For each distinct value of ``groups`` (shape (cases,), e.g. the war), the model is fitted
    to the other cases (its prior scale and imputation means included) and predicts the
    held-out ones.
    """
    x = np.asarray(x, dtype=np.float64)
    groups = np.asarray(groups)
    if groups.shape != (x.shape[0],):
        raise ModelError(f"groups must have shape ({x.shape[0]},); got {groups.shape}")
    out = np.empty(x.shape[0])
    for g in np.unique(groups):
        held = groups == g
        post = model.fit(x[~held], np.asarray(honored)[~held])
        out[held] = post.predict(x[held])
    return out


def calibration_table(
    p: np.ndarray, y: np.ndarray, edges: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
) -> list[tuple[float, float, int, float, float]]:
    """Predicted-probability bins against observed rates.

    Returns one (lower, upper, cases, mean predicted, observed rate) per bin [lower, upper)
    (the last bin includes 1); empty bins have NaN means.
    """
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    rows = []
    for i, (lo, hi) in enumerate(pairwise(edges)):
        last = i == len(edges) - 2
        inside = (p >= lo) & ((p <= hi) if last else (p < hi))
        n = int(inside.sum())
        rows.append(
            (
                float(lo),
                float(hi),
                n,
                float(p[inside].mean()) if n else float("nan"),
                float(y[inside].mean()) if n else float("nan"),
            )
        )
    return rows
