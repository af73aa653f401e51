"""The claims ledger: statements parsed safely and evaluated draw by draw."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from guaranty.claims import evaluate, ledger, verdict
from guaranty.errors import ScenarioError

OUT = {
    "p_any": {"a": np.array([0.1, 0.3, 0.6, 0.9]), "b": np.array([0.2, 0.2, 0.2, 0.2])},
    "max_p_honor": np.array([0.05, 0.5, 0.05, 0.05]),
}


def test_evaluate_by_hand() -> None:
    np.testing.assert_array_equal(evaluate("p_any.a < 0.5", OUT), [True, True, False, False])
    np.testing.assert_array_equal(
        evaluate("p_any.a > 2 * p_any.b or max_p_honor > 0.4", OUT), [False, True, True, True]
    )
    np.testing.assert_array_equal(
        evaluate("0.2 <= p_any.a <= 0.7", OUT), [False, True, True, False]
    )
    np.testing.assert_array_equal(evaluate("not (p_any.a < 0.5)", OUT), [False, False, True, True])


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("__import__('os').system('true')", "do not allow"),
        ("p_any.a", "must be a comparison"),
        ("p_any.zz < 1", "unknown output 'zz'"),
        ("p_any < 1", "do not allow"),
        ("p_any.a <", "not a valid expression"),
        ("p_any['a'] < 1", "do not allow"),
    ],
)
def test_bad_statements_are_rejected(statement: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        evaluate(statement, OUT, claim="c")


def test_division_by_zero_is_numpys_without_warnings() -> None:
    """x / 0 is an infinity and 0 / 0 a NaN, which no comparison holds for: neither stops
    the ledger (``1 / 0`` raised ZeroDivisionError) nor prints numpy's warnings."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(evaluate("p_any.a > 1 / 0", OUT), [False] * 4)
        np.testing.assert_array_equal(evaluate("p_any.a / 0 > 1", OUT), [True] * 4)
        np.testing.assert_array_equal(evaluate("(p_any.a - p_any.a) / 0 < 1", OUT), [False] * 4)


def test_verdict_thresholds() -> None:
    assert verdict(0.8) == "supported" and verdict(0.2) == "not supported"
    assert verdict(0.5) == "depends"


def test_ledger_shares_and_sensitivity() -> None:
    claims = [
        SimpleNamespace(id="c1", who="w", paraphrase="p", statement="p_any.a < 0.5"),
        SimpleNamespace(id="c2", who="w", paraphrase="p", statement=None),
    ]
    x = np.array([1.0, 2.0, 3.0, 4.0])  # low half: draws 0-1 (hold), high half: 2-3 (fail)
    res = ledger(claims, OUT, {"x": x, "flat": np.ones(4)})
    assert res[0].share == 0.5 and res[0].verdict == "depends"
    assert res[0].sensitivity == (("x", 1.0, 0.0),)
    assert res[1].verdict == "not yet checkable" and res[1].share is None
