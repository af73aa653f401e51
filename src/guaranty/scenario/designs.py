"""What is on offer and how it is judged: guarantee designs (guarantors, obligations, legal
form, when they take effect, where they sit on the guarantee ladder) and the settings of the
credibility model (aggressor, protected state, what each guarantor does today).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from guaranty.scenario.base import Id, Int, Labelled, Num, Strict, optional
from guaranty.scenario.quantities import Fixed, Quantity, Uncertain

__all__ = [
    "OBLIGATIONS",
    "PAIR_FACTS",
    "Conduct",
    "CredibilitySettings",
    "Design",
    "LegalForm",
    "Obligation",
    "PairCoding",
    "StatedYears",
]


class Obligation(StrEnum):
    consultation = "consultation"
    sanctions = "sanctions"
    arms = "arms"
    training = "training"
    intelligence = "intelligence"
    air_defense = "air_defense"
    no_fly_zone = "no_fly_zone"
    tripwire_forces = "tripwire_forces"
    troops_on_call = "troops_on_call"
    integrated_command = "integrated_command"
    article5_membership = "article5_membership"
    nuclear_umbrella = "nuclear_umbrella"


OBLIGATIONS: tuple[str, ...] = tuple(o.value for o in Obligation)


class LegalForm(StrEnum):
    membership = "membership"
    treaty = "treaty"
    executive_agreement = "executive_agreement"
    political_declaration = "political_declaration"
    none = "none"


class Design(Labelled):
    """A guarantee design: who guarantees what, in which legal form, from when."""

    guarantors: list[Id] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    legal_form: LegalForm
    conditions: list[str] = Field(default_factory=list)
    years_to_effect: Uncertain = Field(default_factory=lambda: Fixed(value=0.0))
    level: Uncertain | None = optional("where the design sits on the guarantee issue's ladder")
    advocates: list[str] = Field(default_factory=list)
    realistic: bool = True
    description: str | None = None
    source: str | None = None

    @field_validator("years_to_effect")
    @classmethod
    def _years(cls, v: Quantity) -> Any:
        if v.support[0] < 0 or v.nominal < 0:
            raise PydanticCustomError("range", "years_to_effect cannot be negative", {})
        return v


class Conduct(Strict):
    """What a guarantor does for the protected state today: the obligations it carries out,
    and whether it fights for it (a co-belligerent, as the United States in Korea in 1953).
    The revealed-resolve update conditions tomorrow's decision on this conduct."""

    today: list[Obligation] = Field(
        default_factory=list, description="obligations it already carries out today"
    )
    fights: bool = Field(
        default=False,
        description="it fights for the protected state today (default: it does not, as no "
        "guarantor did for Ukraine in 2022)",
    )
    circumstances_today: Uncertain | None = optional("overrides the scenario's circumstances_today")
    circumstances_tomorrow: Uncertain | None = optional(
        "overrides the scenario's circumstances_tomorrow"
    )
    source: str | None = None


class PairCoding(Strict):
    """A fact about the aggressor and the protected state stated in the scenario where the
    shipped data end too early to know it (a 0/1 flag, with its source)."""

    value: int = Field(description="1 if it holds, 0 if not")
    source: str = Field(min_length=1, description="why, and as of when")

    @field_validator("value")
    @classmethod
    def _flag(cls, v: int) -> int:
        if v not in (0, 1):
            raise PydanticCustomError("flag", "value must be 0 or 1", {"v": v})
        return v


class StatedYears(Strict):
    """A count of years stated in the scenario in place of the data's, with its source."""

    value: Int = Field(ge=0, le=200, description="years, 0-200")
    source: str = Field(min_length=1, description="why, and as of when")


#: the facts of the pair a scenario may state (the columns of the conflict data they replace)
PairFact = Literal["rivalry", "contig_land", "contig_sea"]
PAIR_FACTS: tuple[str, ...] = get_args(PairFact)


#: the default sd of the stated prior on the effect of an obligation with no historical
#: counterpart (``CredibilitySettings.unknown_sd``): a 95% range of a factor of about 7 either
#: way on the odds, wider than any design effect in the data
UNKNOWN_SD_DEFAULT = 1.0


class CredibilitySettings(Strict):
    """Inputs of the revealed-resolve update (DESIGN.md), all on the log-odds scale."""

    aggressor: Id = Field(description="the state the guarantee is against")
    protected: Id = Field(description="the state the guarantee protects")
    common_shock: Uncertain | None = optional(
        "share of the guarantors' latent resolve that is common, in [0, 1); "
        "default: estimated from defense allies of the same target in the same dispute"
    )
    persistence: Uncertain | None = optional(
        "correlation of a guarantor's latent resolve today and tomorrow, in "
        "[0, 1]; default: estimated from repeated tests of the same state and target"
    )
    war_today: bool = Field(
        default=True,
        description="the protected state is at war with the aggressor today, so that what "
        "each guarantor does for it today is a test of its resolve (Ukraine 2022, Korea "
        "1953); false for a question asked in peacetime (no guarantor's conduct today is "
        "a test: P(fights) is its chance of fighting if the protected state is attacked)",
    )
    peace_years: StatedYears | None = Field(
        default=None,
        description="with war_today false: the years of peace between the aggressor and the "
        "protected state in the scenario's year (since their last militarized dispute), "
        "stated with a source; default: counted from their last dispute in the shipped MID "
        "data, which end in 2010. With a war today the peace starts when the war ends",
    )
    circumstances_today: Uncertain = Field(default_factory=lambda: Fixed(value=0.0))
    circumstances_tomorrow: Uncertain = Field(default_factory=lambda: Fixed(value=0.0))
    conduct: dict[Id, Conduct] = Field(default_factory=dict)
    pair: dict[PairFact, PairCoding] = Field(
        default_factory=dict,
        description="facts of the aggressor and the protected state that replace the shipped "
        "data's (which end in 2010-2016), each with its source",
    )
    unknown_sd: Num = Field(
        default=UNKNOWN_SD_DEFAULT,
        ge=0.0,
        le=5.0,
        description="sd of the stated prior N(0, sd^2) on the log-odds effect on fighting of "
        "an obligation with no historical counterpart (a no-fly zone, a nuclear umbrella): "
        "a prior, not an estimate (docs/models/credibility.md); 0 is history alone. The "
        "report's answer gives the figures with 0 beside the run's",
    )
    data_year: Int | None = Field(
        default=None,
        ge=1816,
        le=9999,
        description="the year whose data describe the states (power, pacts, contiguity, "
        "rivalries); default: the scenario's year. A forecast made during a year knows at "
        "best the previous year's annual figures",
    )
    source: str | None = None
