"""Stage 2 of a guarantee's work: who fights once the target is attacked?

The probability that a third state J joins a militarized dispute militarily on the side of
a target B that another state challenged, fitted to every dispute of the Gibler-Miller-Little
MID data 1816-2010 with its potential joiners — B's allies under any ATOP obligation, the
major powers, and the states contiguous to B or to the challenger — so that "no commitment"
is estimated from the states that had none (:func:`guaranty.data.conflict.joiner_cases`)::

    P(J fights for B) = expit(beta_0 + beta . x_{J,B} + u_a + gamma lambda_{AB}),

u_a ~ N(0, sigma^2) a random intercept of the ATOP alliance joining J and B (partial pooling
across alliances; none for states without a pact), fitted with
:func:`guaranty.models.logit.fit_logit`.

The event is the same for every design: fighting on the target's side (a joiner on side B),
never "consulting" or "staying out".

Selection by stage 1 (Smith 1995; Fearon 1997): the cases are only the challenges that
happened, and a commitment that deterred never shows up. The model includes a Heckman-type
control function, lambda_{AB} = phi(Phi^-1(p)) / p with p the stage-1 probability that A
challenges B that year (the inverse Mills ratio of the selection equation, with the
logit's probability put on the probit scale). Its exclusion restrictions are the stage-1
covariates that describe the challenger-target dyad only (years of peace, contiguity and
rivalry of A and B). gamma's sign says how the selection bends the estimates (a negative
gamma: challenges that were unlikely to happen, those made despite deterrence, meet fewer
joiners).

Choices
-------
* The outcome is joining on the target's side with any militarized action; ``joined_force``
  (use of force) is kept in the table for a sensitivity check in the docs.
* Provisions (bases, integrated command, formal organisation, military aid, multilateral)
  are those of the pact joining J and B and are 0 without a pact; a pact's provisions that
  ATOP v4 lacks count as 0.
* Features were fixed before fitting: the design terms the debate turns on, and the
  standard controls of the joining literature (power, proximity, rivalry, alignment with
  the challenger, era).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import ndtri

from guaranty.errors import ModelError

__all__ = [
    "COMMITMENT_FEATURES",
    "CONTROL_FEATURES",
    "FAMOUS_CASES_CAVEAT",
    "FEATURES",
    "feature_matrix",
    "mills_ratio",
]

#: What the retrodiction of famous cases found about this stage (docs/models/credibility.md,
#: validation d), said where a guarantor's chance of fighting is shown (the report's and
#: the web's credibility sections, the answer, ``guaranty credibility``): held out, the fit
#: beats the base rate on every potential joiner of the disputes, but it does not rank the
#: famous post-1945 crises, and its probabilities there are far below how often states
#: fought.
FAMOUS_CASES_CAVEAT = (
    "P(fights): what the average potential joiner of a dispute did in 1816-2010, not a "
    "forecast of a great power in a famous crisis: 31 such crises it ranks no better than "
    "chance (docs/models/credibility.md, validation d)."
)

#: what a guarantee design changes
COMMITMENT_FEATURES: dict[str, str] = {
    "defense": "a defense obligation to the target (ATOP)",
    "nondef": "a pact with the target without defense obligation (consultation, neutrality, "
    "non-aggression, offense only)",
    "base": "the pact provides troops or bases in a member's territory (ATOP base)",
    "intcom": "the pact has an integrated military command (ATOP intcom)",
    "organ": "the pact has a formal organisation (ATOP organ1)",
    "milaid": "the pact provides military aid (ATOP milaid)",
    "multilateral": "the pact has more than two members",
}

#: the joiner's situation
CONTROL_FEATURES: dict[str, str] = {
    "joiner_major": "the joiner is a major power",
    "joiner_nuclear": "the joiner is nuclear-armed",
    "challenger_nuclear": "the challenger is nuclear-armed",
    "target_major": "the target is a major power",
    "contig_jt": "the joiner is contiguous to the target",
    "contig_jc": "the joiner is contiguous to the challenger",
    "cap_jc": "the joiner's share of its and the challenger's CINC",
    "rival_jc": "the joiner is a strategic rival of the challenger",
    "jc_pact": "the joiner has a pact (any obligation) with the challenger",
    "post1945": "dispute began 1945 or later",
    "mills": "selection: inverse Mills ratio of the stage-1 challenge probability",
}

FEATURES: tuple[str, ...] = (*COMMITMENT_FEATURES, *CONTROL_FEATURES)


def mills_ratio(p: np.ndarray) -> np.ndarray:
    """phi(Phi^-1(p)) / p: the inverse Mills ratio at a selection probability p."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    z = ndtri(p)
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) / p


def feature_matrix(
    table: Mapping[str, np.ndarray],
    selection: np.ndarray,
    features: tuple[str, ...] = FEATURES,
) -> np.ndarray:
    """Features of shape (rows, len(features)) from the joiner table's columns.

    ``selection``: the stage-1 probability, shape (rows,), that the challenger challenged
    the target that year (for ``mills``).
    """

    def c(name: str) -> np.ndarray:
        if name not in table:
            raise ModelError(f"the joiner table lacks column {name!r}")
        return np.nan_to_num(np.asarray(table[name], dtype=np.float64), nan=0.0)

    defense = c("defense")
    any_pact = np.maximum.reduce([defense, c("offense"), c("neutral"), c("nonagg"), c("consul")])
    pact = any_pact > 0
    cj, cc = c("cinc_joiner"), c("cinc_challenger")
    tot = cj + cc
    derived = {
        "nondef": (pact & (defense == 0)).astype(float),
        "cap_jc": np.where(tot > 0, cj / np.where(tot > 0, tot, 1.0), 0.5),
        "post1945": (c("year") >= 1945).astype(float),
        "mills": mills_ratio(selection),
    }
    cols = []
    for f in features:
        if f in derived:
            cols.append(derived[f])
        elif f in ("base", "intcom", "organ", "milaid", "multilateral"):
            cols.append(np.where(pact, (c(f) > 0).astype(float), 0.0))
        else:
            cols.append(c(f))
    return np.stack(cols, axis=1)
