"""How the models run on a scenario: the deterrence horizon, the battlefield model's inputs
(any of its parameters, by the names of :mod:`guaranty.scenario.war_parameters`) and the
settings of one pipeline draw (the negotiation model, the credibility model's inner draws).
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from guaranty.scenario.base import Int, Num, Strict, closest, optional, unknown_name
from guaranty.scenario.quantities import Fixed, Uncertain
from guaranty.scenario.war_parameters import war_defaults

__all__ = ["DeterrenceSettings", "LossRange", "ObservedLosses", "PipelineSettings", "WarSettings"]


class DeterrenceSettings(Strict):
    """The horizon of the renewed-attack comparison (``docs/models/deterrence.md``).

    The yearly attack hazard is estimated from history (stage 1 of the credibility model).
    ``stakes``, ``cost`` and ``sigma`` are the inputs of the capability-contest kernel
    :func:`guaranty.models.deterrence.renewal_risk`, which the pipeline no longer uses; they
    are still accepted so that older scenario files load."""

    stakes: Uncertain = Field(
        default_factory=lambda: Fixed(value=1.0),
        description="unused by the pipeline (capability-contest kernel only)",
    )
    cost: Uncertain = Field(
        default_factory=lambda: Fixed(value=0.5),
        description="unused by the pipeline (capability-contest kernel only)",
    )
    sigma: Uncertain = Field(
        default_factory=lambda: Fixed(value=0.25),
        description="unused by the pipeline (capability-contest kernel only)",
    )
    years: Int = Field(default=10, ge=1, le=100, description="horizon of the comparison")
    source: str | None = None

    def unused_given(self) -> list[str]:
        """The keys this section states that nothing reads (``stakes``, ``cost``,
        ``sigma``), as ``deterrence.KEY``, for a note: a value given there changes nothing."""
        unused = ("stakes", "cost", "sigma")
        return [f"deterrence.{k}" for k in unused if k in self.model_fields_set]


class LossRange(Strict):
    """One side's losses per month over the months fought, in thousand killed and wounded
    (the unit of the forces), as a 90% range with its source."""

    low: Num = Field(gt=0, description="5th percentile, thousand a month")
    high: Num = Field(gt=0, description="95th percentile, thousand a month")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.high < self.low:
            raise PydanticCustomError(
                "bounds",
                "low ({low}) must not exceed high ({high})",
                {"low": self.low, "high": self.high},
            )
        return self


class ObservedLosses(Strict):
    """What the war had cost each side by the scenario's start: ``a`` the protected
    state's losses a month, ``b`` the aggressor's. The fit's draws of this war's tempo and
    balance are conditioned on them (``docs/models/war.md``, "What the war's losses say
    about its tempo")."""

    a: LossRange
    b: LossRange


class WarSettings(Strict):
    """Inputs of the battlefield model (``docs/models/war.md``): any of its parameters, each
    a quantity (number or distribution) with a source; parameters not given are drawn from
    the fit to the COW wars or keep the model's documented defaults. Side A is the protected
    state, side B the aggressor (the initiator)."""

    parameters: dict[str, Uncertain] = Field(default_factory=dict)
    major_powers: Literal["none", "a", "b", "both"] = Field(
        default="none",
        description="which side has a COW major power (sets the fitted major-power edge)",
    )
    states: Int = Field(
        default=2, ge=2, le=100, description="states at war (coalition wars last longer)"
    )
    months_fought: Int = Field(
        default=0,
        ge=0,
        le=600,
        description="months the war has already lasted at month 0 (the fit is conditioned "
        "on a war lasting that long)",
    )
    observed_losses: ObservedLosses | None = optional(
        "each side's losses a month over the months fought (needs months_fought)"
    )
    horizon: Int = Field(default=60, ge=1, le=600, description="months simulated")
    planning: Int = Field(default=12, ge=1, le=120)
    forces: Literal["stated", "capabilities"] = Field(
        default="stated",
        description="how the two sides' forces are read: as force_a and force_b state them, "
        "or split as the fit to the COW wars reads a war's forces (the two sides' "
        "capabilities, credibility.aggressor's over credibility.protected's, raised to the "
        "fitted exponent; the total of the forces kept)",
    )
    source: str | None = None

    @model_validator(mode="after")
    def _losses_need_months(self) -> Self:
        if self.observed_losses is not None and self.months_fought < 1:
            raise PydanticCustomError(
                "observed_losses",
                "observed_losses are the losses of the months already fought; set "
                "months_fought to that number of months (at least 1)",
                {},
            )
        given = [k for k in ("alpha", "beta") if k in self.parameters]
        if self.observed_losses is not None and given:
            raise PydanticCustomError(
                "observed_losses",
                "observed_losses condition the fitted alpha and beta, but the war gives "
                "{given} itself; remove one or the other",
                {"given": " and ".join(given)},
            )
        return self

    @field_validator("parameters", mode="before")
    @classmethod
    def _known(cls, v: Any) -> Any:
        if isinstance(v, dict):
            known = war_defaults()
            for key in v:
                if key not in known:
                    raise unknown_name("war parameter", key, known)
            for side in ("a", "b"):
                shift = f"red_line_shift_{side}"
                if shift in v and f"red_line_{side}" not in v:
                    raise PydanticCustomError(
                        "reference",
                        "{shift} moves the premium past red_line_{side}, which the war does "
                        "not set: give red_line_{side} too, or remove the shift (without a "
                        "red line it would do nothing)",
                        {"path": ["war", "parameters", shift], "shift": shift, "side": side},
                    )
        return v


class PipelineSettings(Strict):
    """How one draw runs from the war to the peace (``docs/pipeline.md``)."""

    model: str | None = optional(
        "the negotiation model of the settlement; default: the best model of "
        "the DEU III backtest (guaranty.montecarlo.DEFAULT_MODEL)"
    )
    inner: Int = Field(
        default=32, ge=4, le=4096, description="latent draws per draw in the credibility model"
    )
    params: dict[str, str | bool | int | float | list[str] | None] = Field(
        default_factory=dict,
        description="parameters of the settlement's negotiation model (the rest keep their "
        "defaults); each model's page in docs/models/ lists them",
    )
    source: str | None = None

    @field_validator("params")
    @classmethod
    def _declared_params(cls, v: dict[str, Any], info: Any) -> dict[str, Any]:
        """Each parameter is one the settlement's model declares (built-in models: by name
        here; the values, and the parameters of other registered models, when the model is
        built, :func:`guaranty.plan.check_model_params`)."""
        from guaranty.scenario.claim_names import BUILTIN_PARAMETERS, DEFAULT_SETTLEMENT

        name = info.data.get("model") or DEFAULT_SETTLEMENT
        declared = BUILTIN_PARAMETERS.get(name)
        if declared is None:
            return v
        for key in v:
            if key not in declared:
                close = closest(key, list(declared))
                raise PydanticCustomError(
                    "model_parameter",
                    "{model} declares no parameter {name}; {hint}its parameters: {known} "
                    "(the model of the settlement; docs/models/{model}.md)",
                    {
                        "model": name,
                        "name": repr(key),
                        "hint": f"did you mean '{close}'? " if close else "",
                        "known": ", ".join(declared) or "none",
                    },
                )
        return v

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from guaranty.scenario.claim_names import negotiation_models

        known = list(negotiation_models())
        if v not in known:
            close = closest(v, known)
            hint = f"did you mean '{close}'? " if close else ""
            raise PydanticCustomError(
                "unknown_model",
                "unknown negotiation model {name}; {hint}expected one of: {known}",
                {"name": repr(v), "hint": hint, "known": ", ".join(known)},
            )
        return v
