"""One contract over every registered negotiation model (cf. open_spiel's games_sim_test).

For random negotiations (hypothesis) each model must: return outcomes of shape
(draws, issues); be deterministic under a seed; not depend on the order of the actors;
keep each outcome inside the issue's range (indeed inside the span of the present actors'
positions); ignore absent actors whatever their placeholder values; and treat one draw as a
batch of one.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guaranty.models import registry
from guaranty.models.bargaining.base import NegotiationInputs

MODELS = registry.available()


def make_inputs(
    seed: int, draws: int, actors: int, issues: int, absent: float
) -> NegotiationInputs:
    rng = np.random.default_rng(seed)
    lower = rng.uniform(-10, 10, size=issues)
    upper = lower + rng.uniform(1, 100, size=issues)
    pos = lower + (upper - lower) * rng.random((draws, actors, issues))
    # ties and extreme points happen in real data
    pos = np.where(rng.random(pos.shape) < 0.2, np.round(pos), pos)
    pos = np.clip(pos, lower, upper)
    sal = rng.random((draws, actors, issues))
    cap = rng.uniform(0, 5, size=(draws, actors, 1)) * np.ones((1, 1, issues))
    present = rng.random((actors, issues)) >= absent
    present[0] = True  # at least one actor on every issue
    return NegotiationInputs(
        positions=pos,
        salience=sal,
        capability=cap,
        present=present,
        lower=lower,
        upper=upper,
        reference=np.full(issues, np.nan),
        actor_ids=tuple(f"a{k}" for k in range(actors)),
        issue_ids=tuple(f"i{k}" for k in range(issues)),
    )


case = st.tuples(
    st.integers(0, 2**32 - 1),
    st.integers(1, 4),
    st.integers(1, 9),
    st.integers(1, 4),
    st.sampled_from([0.0, 0.3]),
)


def test_builtin_models_registered() -> None:
    assert {"compromise", "median", "bdm", "extremity", "nash", "smp", "exchange"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
@settings(max_examples=60, deadline=None)
@given(case)
def test_contract(name: str, params: tuple[int, int, int, int, float]) -> None:
    seed, draws, actors, issues, absent = params
    x = make_inputs(seed, draws, actors, issues, absent)
    model = registry.create(name)
    out = model.run(x, np.random.default_rng(1)).outcome
    # shape
    assert out.shape == (draws, issues)
    assert np.isfinite(out).all()
    # determinism under a seed
    again = model.run(x, np.random.default_rng(1)).outcome
    np.testing.assert_array_equal(out, again)
    # inside the range spanned by present actors (hence inside the scale)
    pos = np.where(x.present[None], x.positions, np.nan)
    lo, hi = np.nanmin(pos, axis=1), np.nanmax(pos, axis=1)
    assert (out >= lo - 1e-9).all() and (out <= hi + 1e-9).all()
    assert (out >= x.lower - 1e-9).all() and (out <= x.upper + 1e-9).all()
    # invariance to the order of the actors
    perm = np.random.default_rng(seed).permutation(actors)
    np.testing.assert_allclose(
        model.run(x.take_actors(perm), np.random.default_rng(1)).outcome, out, rtol=0, atol=1e-9
    )
    # absent actors are ignored whatever their values
    moved = x.positions.copy()
    moved[:, ~x.present] = x.lower[np.nonzero(~x.present)[1]] if (~x.present).any() else 0
    y = NegotiationInputs(**{**x.__dict__, "positions": moved})
    np.testing.assert_allclose(model.run(y, np.random.default_rng(1)).outcome, out, atol=1e-9)
    # one draw is a batch of one
    first = x.take_draws(slice(None, 1))
    np.testing.assert_allclose(
        model.run(first, np.random.default_rng(1)).outcome, out[:1], atol=1e-9
    )


def test_unknown_model_name_suggests() -> None:
    from guaranty.errors import ModelError

    with pytest.raises(ModelError, match="did you mean 'median'"):
        registry.get("medain")
