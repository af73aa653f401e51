"""Stage 1 of a guarantee's work: does the commitment deter the attack?

The yearly probability that state A initiates a militarized dispute (``challenge``) or uses
force (``attack``) against state B, given B's commitments from third parties and controls,
as a discrete-time hazard on directed dyad-years 1816-2010 (Leeds 2003; Johnson & Leeds
2011), fitted by :func:`guaranty.models.logit.fit_logit_shrunk`::

    P(A challenges B in year t) = expit(beta_0 + beta . x_{AB,t})

Features (:data:`FEATURES`; built by :func:`feature_matrix` from the table of
:func:`guaranty.data.conflict.challenge_dyads`):

* the target's commitments from third parties (:data:`COMMITMENT_FEATURES`): a defense pact
  (``t_def``), one that covers this challenger (``t_def_rel``: the challenger is not a member
  and the pact is not limited to other named threats, Leeds 2003's notion of a relevant
  commitment), with a major power, with a nuclear-armed state, with troops or bases in a
  member's territory, with an integrated command, with a formal organisation; the allies'
  share of capabilities against the challenger; and a pact without any defense obligation
  (``t_nondef``: consultation, neutrality or non-aggression only);
* controls: contiguity by land and by sea, each side's major-power and nuclear status, the
  challenger's share of the dyad's capabilities, a strategic rivalry, a pact between the two,
  the challenger's own defense pacts, the era (after 1945, after 1989), and a cubic in the
  years of peace (Carter & Signorino 2010).

Choices
-------
* Politically relevant dyads (contiguous, or with a major power), as most of this
  literature; years in which a dispute between the two is already under way are dropped
  unless a new one starts (Leeds 2003 drops ongoing dyad-years too).
* Logit rather than complementary log-log: for a yearly event this rare (about 1%) the odds
  ratio and the hazard ratio agree to about 1%; the docs report exp(beta) as both.
* Missing provisions of a defense pact (ATOP v4 ends in 2016, ATOP 5.1 in 2018) count as
  absent; the pact itself is counted.
* A normal prior with sd 2.5 on the controls' slopes (Gelman et al. 2008's weakly
  informative default for inputs on a unit scale); the commitments' slopes share a prior
  sd chosen by evidence (:func:`guaranty.evidence.shrunk_stage1`): with 1% events and nine
  correlated commitment features the default prior is not immaterial, and a held-out
  prediction is better with the evidence's tighter one (``docs/models/credibility.md``,
  validation a).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from guaranty.errors import ModelError

__all__ = [
    "COMMITMENT_CAVEAT",
    "COMMITMENT_FEATURES",
    "CONTROL_FEATURES",
    "FEATURES",
    "OUTCOMES",
    "SELECTION_FEATURES",
    "attack_risk",
    "feature_matrix",
    "sample_mask",
]

#: the outcomes the stage can be fitted to
OUTCOMES = ("challenge", "attack")

#: the target's commitments from third parties: what a guarantee design changes
COMMITMENT_FEATURES: dict[str, str] = {
    "t_def": "the target has a defense pact with a third state",
    "t_def_rel": "... that covers this challenger: the challenger is not a member, and the pact "
    "is not limited to other named threats (Leeds 2003)",
    "t_def_major": "... with a major power",
    "t_def_nuclear": "... with a nuclear-armed state",
    "t_def_base": "... providing troops or bases in a member's territory (ATOP base)",
    "t_def_intcom": "... with an integrated military command (ATOP intcom)",
    "t_def_organ": "... with a formal organisation (ATOP organ1)",
    "t_def_share": "the target's defense allies' share of their and the challenger's CINC",
    "t_nondef": "the target has only non-defense pacts (consultation, neutrality, non-aggression)",
}

#: What this stage's validation found about the features above, said wherever a design's
#: risk of a renewed attack is shown (the report's answer, the web's results, ``guaranty
#: credibility``): docs/models/credibility.md, validation a
_COMMITMENT_FINDING = (
    "fitted on directed dyad-years 1816-2010, where the target's commitments add nothing out "
    "of sample and defense pacts go with more challenges (threatened states seek allies), so "
    "differences between designs are associations, not deterrent effects "
    "(docs/models/credibility.md, validation a)."
)
#: what the event "a renewed attack" is (the outcome ``attack`` of stage 1)
ATTACK_DEFINITION = (
    "Renewed attack: the aggressor starts a militarized dispute with the protected state and "
    "uses force in it (MID hostility level 4 or 5: from a clash or a seizure up to war), so "
    "it is likelier than a new war, which the peace's durability counts."
)
COMMITMENT_CAVEAT = f"{ATTACK_DEFINITION[:-1]}; {_COMMITMENT_FINDING}"
#: the caveat without the definition, where the first screen is tight (the HTML answer,
#: which gives the definition on the column's title)
COMMITMENT_CAVEAT_SHORT = f"Renewed attack: {_COMMITMENT_FINDING}"

#: the controls
CONTROL_FEATURES: dict[str, str] = {
    "contig_land": "contiguous by land",
    "contig_sea": "contiguous by sea (up to 400 miles)",
    "major1": "the challenger is a major power",
    "major2": "the target is a major power",
    "nuclear1": "the challenger is nuclear-armed",
    "nuclear2": "the target is nuclear-armed",
    "cap_share": "the challenger's share of the dyad's CINC",
    "rivalry": "a strategic rivalry (Thompson & Dreyer)",
    "shared_defense": "the two share a defense pact",
    "shared_other": "the two share a pact without defense obligation",
    "c_def": "the challenger has a defense pact with a third state",
    "post1945": "year 1945 or later",
    "post1989": "year 1990 or later",
    "peace1": "years of peace / 10 (capped at 100 years)",
    "peace2": "its square",
    "peace3": "its cube",
}

FEATURES: tuple[str, ...] = (*CONTROL_FEATURES, *COMMITMENT_FEATURES)

#: the features of the selection equation of stage 2 (the joiner table carries the
#: dyad's covariates without the pacts' provisions)
SELECTION_FEATURES: tuple[str, ...] = (
    *CONTROL_FEATURES,
    "t_def",
    "t_def_rel",
    "t_def_major",
    "t_def_nuclear",
    "t_def_share",
    "t_nondef",
)


def _col(table: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    if name not in table:
        raise ModelError(f"the challenge table lacks column {name!r}")
    return np.asarray(table[name], dtype=np.float64)


def feature_matrix(
    table: Mapping[str, np.ndarray], features: tuple[str, ...] = FEATURES
) -> np.ndarray:
    """Features of shape (rows, len(features)) from the columns of the dyad-year table.

    The table holds the raw columns of ``challenge_dyads.csv.gz`` (or a dict built the same
    way for a new case): NaN provisions count as 0.
    """
    c = lambda name: np.nan_to_num(_col(table, name), nan=0.0)  # noqa: E731
    year = _col(table, "year")
    cinc1, cinc2 = _col(table, "cinc1"), _col(table, "cinc2")
    tot = cinc1 + cinc2
    share = np.where(tot > 0, cinc1 / np.where(tot > 0, tot, 1.0), 0.5)
    share = np.where(np.isnan(share), 0.5, share)
    allies = c("t_def_cinc")
    t_share = np.where(allies + cinc1 > 0, allies / np.maximum(allies + cinc1, 1e-300), 0.0)
    t_share = np.where(c("t_def") > 0, np.nan_to_num(t_share), 0.0)
    py = np.minimum(_col(table, "peace_years"), 100.0) / 10.0
    shared = c("shared_pact")
    derived = {
        "cap_share": share,
        "shared_other": shared * (1.0 - c("shared_defense")),
        "post1945": (year >= 1945).astype(float),
        "post1989": (year >= 1990).astype(float),
        "peace1": py,
        "peace2": py**2,
        "peace3": py**3,
        "t_def_share": t_share,
    }
    cols = [derived[f] if f in derived else c(f) for f in features]
    return np.stack(cols, axis=1)


def sample_mask(table: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows at risk of a new challenge: not in an ongoing dispute, unless one starts."""
    return (np.nan_to_num(_col(table, "ongoing")) == 0) | (
        np.nan_to_num(_col(table, "challenge")) == 1
    )


def attack_risk(
    eta_before: np.ndarray, eta_in_force: np.ndarray, years_to_effect: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Yearly hazard and survival of the peace under a design that takes effect later.

    eta_before, eta_in_force : arrays of shape (draws, years), the log-odds of an attack in
        year t (t = 0 the first year of the peace) without and with the design in force.
    years_to_effect : array of shape (draws,), >= 0; the design is in force from year
        ceil(years_to_effect) on.

    Returns (hazard, survival), each of shape (draws, years): P(attack in year t | none
    before) and P(no attack through year t).
    """
    t = np.arange(eta_before.shape[1])[None, :]
    in_force = t >= np.ceil(np.asarray(years_to_effect, dtype=np.float64))[:, None]
    hazard = 1.0 / (1.0 + np.exp(-np.where(in_force, eta_in_force, eta_before)))
    return hazard, np.cumprod(1.0 - hazard, axis=1)
