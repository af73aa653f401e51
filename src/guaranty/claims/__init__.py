"""The claims ledger: each claim of the debate as a checkable statement over model outputs.

A claim's ``statement`` is a small expression over named outputs, evaluated draw by draw::

    p_any.budapest_assurances < 0.2
    p_any.nato_membership > p_any.israel_model and p_all.nato_membership < 0.5
    max_p_honor < 0.1

Names are outputs (``p_any``, ``p_all``, ``expected_capability``, ``mean_p_honor``: one
value per design, written ``name.design``; ``max_p_honor``: the largest P(honor) over every
design and guarantor; ``forecast.MODEL.ISSUE``: a negotiation forecast). Allowed syntax:
numbers, names, attribute access, + - * /, comparisons (chained too), ``and``, ``or``,
``not``, parentheses. Anything else (calls, subscripts of arbitrary objects, attributes of
non-outputs) is rejected: statements are parsed with :mod:`ast`, never ``eval``-ed.

A claim's **verdict** is read from the share of draws in which its statement holds:
supported (>= 0.8), not supported (<= 0.2), depends (in between); its **sensitivity** names
the uncertain inputs whose lower and upper halves change that share the most.

The package's parts:

- :mod:`guaranty.claims.expressions`: the safe evaluator of statements (:func:`evaluate`);
- :mod:`guaranty.claims.ledger`: verdicts (:func:`classify`, :func:`verdict`), the
  :class:`ClaimResult` and the ledgers (:func:`ledger`, :func:`run_ledger`);
- :mod:`guaranty.claims.sobol`: the variance decomposition of ``guaranty claims --sobol``;
- :mod:`guaranty.scenario.claim_names` (re-exported here): the output names a claim may use,
  checked when a scenario file is validated.
"""

from __future__ import annotations

from guaranty.claims.expressions import evaluate
from guaranty.claims.ledger import (
    NOT_SUPPORTED,
    SUPPORTED,
    SWINGS,
    TIE,
    VERDICTS,
    ClaimResult,
    FactFlip,
    classify,
    ledger,
    run_ledger,
    scenario_outputs,
    verdict,
    with_facts,
    with_today,
)
from guaranty.claims.sobol import first_order_indices, sobol_target, sobol_values
from guaranty.scenario.claim_names import (
    CREDIBILITY_OUTPUTS,
    DISTRIBUTION_OUTPUTS,
    PIPELINE_METRICS,
    WAR_FLAGS,
    check_names,
    output_names,
)

__all__ = [
    "CREDIBILITY_OUTPUTS",
    "DISTRIBUTION_OUTPUTS",
    "NOT_SUPPORTED",
    "PIPELINE_METRICS",
    "SUPPORTED",
    "SWINGS",
    "TIE",
    "VERDICTS",
    "WAR_FLAGS",
    "ClaimResult",
    "FactFlip",
    "check_names",
    "classify",
    "evaluate",
    "first_order_indices",
    "ledger",
    "output_names",
    "run_ledger",
    "scenario_outputs",
    "sobol_target",
    "sobol_values",
    "verdict",
    "with_facts",
    "with_today",
]
