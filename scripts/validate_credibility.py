#!/usr/bin/env python3
"""Print the validation figures of the empirical honoring model (docs/models/credibility.md).

Usage: python scripts/validate_credibility.py [--seed N]

Everything printed is a function of the shipped table (src/guaranty/data/
alliance_invocations.csv) and the seed (used only by the importance-sampling check).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy.special import expit
from scipy.stats import multivariate_normal

from guaranty.data.alliances import alliance_invocations
from guaranty.models.credibility.honoring import (
    DEFAULT_FEATURES,
    EmpiricalHonoring,
    HonoringPosterior,
    brier_score,
    calibration_table,
    feature_matrix,
    leave_one_group_out,
    log_loss,
)

BASELINES = {
    "full model": DEFAULT_FEATURES,
    "era only": ("post1945",),
    "base rate": (),
}


def published_rates() -> None:
    t = alliance_invocations()
    y = t["honored"]

    def rate(mask: np.ndarray) -> str:
        return f"{int(y[mask].sum())}/{int(mask.sum())} ({100 * y[mask].mean():.1f}%)"

    print("## Published rates (honorLLM)")
    print(f"all rows:        {rate(np.ones(t.n_rows, bool))}")
    print(f"begun 1816-1944: {rate(t['post1945'] == 0)}")
    print(f"begun 1945-2003: {rate(t['post1945'] == 1)}")
    for k in ("defense", "offense", "neutral", "nonagg", "consul"):
        print(f"{k + ':':16s} {rate(t[k] == 1)}")
    print()


def coefficients(post: HonoringPosterior) -> None:
    print("## Posterior (all 146 cases)")
    print(f"prior sd of the slopes (evidence): {post.prior_scale:.3f}")
    print(f"log evidence: {post.log_evidence:.2f}")
    iv90, iv50 = post.intervals(0.9), post.intervals(0.5)
    print(f"| {'coefficient':18s} | mean  | sd   | 50% interval   | 90% interval   |")
    print("|---|---|---|---|---|")
    for name, m, s, a, b in zip(post.coef_names, post.mean, post.sd, iv50, iv90, strict=True):
        print(
            f"| {name:18s} | {m:+.2f} | {s:.2f} | [{a[0]:+.2f}, {a[1]:+.2f}] "
            f"| [{b[0]:+.2f}, {b[1]:+.2f}] |"
        )
    print()


def importance_check(
    post: HonoringPosterior, x: np.ndarray, y: np.ndarray, model: EmpiricalHonoring, seed: int
) -> None:
    """Reweight Laplace draws to the exact posterior: effective sample size, interval shifts."""
    rng = np.random.default_rng(seed)
    draws = post.draw_coefficients(rng, 20_000)
    d = post.design(x)
    eta = draws @ d.T
    loglik = (y * eta - np.logaddexp(0.0, eta)).sum(axis=1)
    # The prior is on the centred coefficients: theta_0 = beta_0 + beta . fill.
    theta = draws.copy()
    theta[:, 0] = draws[:, 0] + draws[:, 1:] @ post.fill
    sd = np.concatenate(
        [[model.intercept_scale], np.full(len(post.feature_names), post.prior_scale)]
    )
    logprior = -0.5 * np.sum((theta / sd) ** 2, axis=1)
    logq = multivariate_normal(post.mean, post.cov).logpdf(draws)
    logw = loglik + logprior - logq
    w = np.exp(logw - logw.max())
    w /= w.sum()
    ess = 1.0 / np.sum(w**2)
    print(f"## Laplace check (importance sampling, {draws.shape[0]} draws, seed {seed})")
    print(f"effective sample size: {ess:.0f} ({100 * ess / draws.shape[0]:.0f}%)")
    iv = post.intervals(0.9)
    worst = 0.0
    for j in range(draws.shape[1]):
        order = np.argsort(draws[:, j])
        cw = np.cumsum(w[order])
        lo = draws[order, j][np.searchsorted(cw, 0.05)]
        hi = draws[order, j][np.searchsorted(cw, 0.95)]
        worst = max(worst, abs(lo - iv[j, 0]) / post.sd[j], abs(hi - iv[j, 1]) / post.sd[j])
    print(f"largest shift of a 90% interval end: {worst:.2f} posterior sd")
    p_exact = np.sum(w[:, None] * expit(eta), axis=0)
    print(
        "largest gap between exact and approximate in-sample predictive probability: "
        f"{np.max(np.abs(p_exact - post.predict(x))):.3f}"
    )
    print()


def cross_validation() -> None:
    t = alliance_invocations()
    y, wars = t["honored"], t["warid"]
    print(f"## Leave-one-war-out cross-validation ({len(np.unique(wars))} wars, {t.n_rows} cases)")
    print("| model | Brier | log loss |")
    print("|---|---|---|")
    preds = {}
    for label, feats in BASELINES.items():
        model = EmpiricalHonoring(features=feats)
        p = leave_one_group_out(model, feature_matrix(t, feats), y, wars)
        preds[label] = p
        print(f"| {label} | {brier_score(p, y):.4f} | {log_loss(p, y):.4f} |")
    print()
    for label in ("full model", "era only"):
        print(f"### Calibration, {label} (out-of-war predictions)")
        print("| predicted | cases | mean predicted | observed |")
        print("|---|---|---|---|")
        for lo, hi, n, mp, obs in calibration_table(preds[label], y):
            if n:
                print(f"| {lo:.1f}-{hi:.1f} | {n} | {mp:.2f} | {obs:.2f} |")
            else:
                print(f"| {lo:.1f}-{hi:.1f} | 0 | - | - |")
        print()
    print("### Sensitivity to the prior sd of the slopes (full model, fixed in every fold)")
    print("| prior sd | Brier | log loss |")
    print("|---|---|---|")
    x = feature_matrix(t)
    for tau in (0.25, 0.5, 1.0, 2.0, 4.0):
        p = leave_one_group_out(EmpiricalHonoring(prior_scale=tau), x, y, wars)
        print(f"| {tau:g} | {brier_score(p, y):.4f} | {log_loss(p, y):.4f} |")
    print()
    print("### Post-1945 cases only (out-of-war predictions of the models above)")
    late = t["post1945"] == 1
    print("| model | Brier | log loss |")
    print("|---|---|---|")
    for label, p in preds.items():
        print(
            f"| {label} | {brier_score(p[late], y[late]):.4f} | {log_loss(p[late], y[late]):.4f} |"
        )
    print()


def bf_coding() -> None:
    """The same comparison on Berkemeier & Fuhrmann's own coding (honorBF)."""
    t = alliance_invocations()
    keep = ~np.isnan(t["honored_bf"])
    t = t.take(keep)
    y, wars = t["honored_bf"], t["warid"]
    print(
        f"## Robustness: the B&F coding (honorBF; {t.n_rows} cases it codes, "
        f"{int(y.sum())} honored)"
    )
    print("| model | Brier | log loss |")
    print("|---|---|---|")
    for label, feats in BASELINES.items():
        model = EmpiricalHonoring(features=feats)
        p = leave_one_group_out(model, feature_matrix(t, feats), y, wars)
        print(f"| {label} | {brier_score(p, y):.4f} | {log_loss(p, y):.4f} |")
    post = EmpiricalHonoring().fit(feature_matrix(t), y)
    iv = post.intervals(0.9)
    print()
    print(f"coefficients (prior sd {post.prior_scale:.3f}), mean [90% interval]:")
    for name, m, (lo, hi) in zip(post.coef_names, post.mean, iv, strict=True):
        print(f"  {name:18s} {m:+.2f} [{lo:+.2f}, {hi:+.2f}]")
    print()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20180326)
    args = parser.parse_args(argv)
    published_rates()
    t = alliance_invocations()
    x, y = feature_matrix(t), t["honored"]
    model = EmpiricalHonoring()
    post = model.fit(x, y)
    coefficients(post)
    importance_check(post, x, y, model, args.seed)
    cross_validation()
    bf_coding()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
