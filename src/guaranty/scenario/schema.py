"""The typed scenario: pydantic v2 models for actors, issues, positions, designs and claims.

Every loader (YAML and the peer tools' formats) produces a :class:`Scenario`. The models are
strict: unknown keys are errors with a "did you mean" hint, numbers may carry a ``source``,
and cross references (actor and issue ids, positions inside each issue's scale) are checked
when the scenario is built. Errors are raised as pydantic ``ValidationError``s whose
locations are field paths; :mod:`guaranty.scenario.yaml_io` turns them into
:class:`~guaranty.errors.ScenarioError` with file, line and column.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from guaranty.data import cinc
from guaranty.errors import DataError, ScenarioError

__all__ = [
    "OBLIGATIONS",
    "Actor",
    "Claim",
    "Conduct",
    "CowCapability",
    "CredibilitySettings",
    "Design",
    "DeterrenceSettings",
    "Fixed",
    "Issue",
    "LegalForm",
    "Normal",
    "Obligation",
    "PositionEntry",
    "Role",
    "Scenario",
    "Triangular",
    "Uncertain",
    "Uniform",
    "WarSettings",
    "describe",
    "validate_scenario",
]

#: The largest magnitude a number of a scenario may have. Every quantity of a case (CINC
#: shares, GDP in trillions, forces in thousands, positions on a scale) is far below it, and
#: below it the models' sums and products of capabilities, saliences and positions cannot
#: overflow.
MAX_MAGNITUDE = 1e15


def _bounded(value: float) -> float:
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise PydanticCustomError("number", "must be a finite number of magnitude at most 1e15", {})
    return value


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("number", "expected a number, not a boolean", {})
    return value


Num = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_bounded)]
"""A finite float of magnitude at most :data:`MAX_MAGNITUDE` (NaN, infinities and booleans
are errors)."""

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=64)]


class Strict(BaseModel):
    """Base of every schema model: frozen, no unknown keys (with a "did you mean" hint)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )

    _allowed_keys: ClassVar[dict[type, frozenset[str]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = Strict._allowed_keys.get(cls)
            if allowed is None:
                allowed = Strict._allowed_keys[cls] = frozenset(cls.__pydantic_fields__)
            if allowed.issuperset(data):
                return data
            for key in data:
                if not isinstance(key, str) or key in allowed:
                    continue
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise PydanticCustomError(
                    "unknown_key",
                    "unknown key '{key}'; {hint}expected one of: {allowed}",
                    {"key": key, "hint": hint, "allowed": ", ".join(sorted(allowed))},
                )
        return data


# --------------------------------------------------------------------------------------------
# Numbers with uncertainty and a source
# --------------------------------------------------------------------------------------------


class Fixed(Strict):
    """A known number."""

    dist: Literal["fixed"] = "fixed"
    value: Num
    source: str | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _shared(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        # A big table repeats the same few numbers: validated with a context that holds a
        # ``"fixed"`` dict (see :func:`validate_scenario`), equal plain numbers share one
        # (frozen) Fixed instead of costing 500 bytes each.
        cache = info.context.get("fixed") if isinstance(info.context, dict) else None
        if cache is None or type(data) is not dict or not 2 <= len(data) <= 3:
            return handler(data)
        value, source = data.get("value"), data.get("source")
        if (
            data.get("dist") != "fixed"
            or type(value) not in (int, float)
            or not (source is None or type(source) is str)
            or len(data) != 2 + ("source" in data)
        ):
            return handler(data)
        sign = math.copysign(1.0, value) if type(value) is float else 0.0  # -0.0 apart
        key = (type(value), value, sign, source, "source" in data)
        hit = cache.get(key)
        if hit is None:
            hit = handler(data)
            if len(cache) < _SHARED_FIXED:
                cache[key] = hit
        return hit

    @property
    def nominal(self) -> float:
        return self.value

    def describe(self) -> str:
        return f"{self.value:.4g}"

    @property
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)


class Normal(Strict):
    """A normal distribution (truncated to the quantity's admissible range when sampled)."""

    dist: Literal["normal"]
    mean: Num
    sd: Num = Field(gt=0)
    source: str | None = None

    @property
    def nominal(self) -> float:
        return self.mean

    def describe(self) -> str:
        return f"N({self.mean:.4g}, sd {self.sd:.3g})"

    @property
    def support(self) -> tuple[float, float]:
        return (self.mean, self.mean)  # only the centre is checked against the range


class Uniform(Strict):
    """A uniform distribution on [low, high]."""

    dist: Literal["uniform"]
    low: Num
    high: Num
    source: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low < self.high:
            raise PydanticCustomError(
                "bounds",
                "low must be below high; got low={low}, high={high}",
                {"low": self.low, "high": self.high},
            )
        return self

    @property
    def nominal(self) -> float:
        return (self.low + self.high) / 2

    def describe(self) -> str:
        return f"U[{self.low:.4g}, {self.high:.4g}]"

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Triangular(Strict):
    """A triangular distribution with bounds low, high and the most likely value mode."""

    dist: Literal["triangular"]
    low: Num
    mode: Num
    high: Num
    source: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise PydanticCustomError(
                "bounds",
                "need low <= mode <= high and low < high; got {low}, {mode}, {high}",
                {"low": self.low, "mode": self.mode, "high": self.high},
            )
        return self

    @property
    def nominal(self) -> float:
        return self.mode

    def describe(self) -> str:
        return f"Tri[{self.low:.4g}, {self.mode:.4g}, {self.high:.4g}]"

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


def _as_quantity(value: Any) -> Any:
    """Accept a bare number as ``Fixed``; a mapping without ``dist`` is fixed too."""
    if isinstance(value, bool):
        return value  # let pydantic reject booleans
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict) and "dist" not in value:
        return {"dist": "fixed", **value}
    return value


Uncertain = Annotated[
    Fixed | Normal | Uniform | Triangular,
    Discriminator("dist"),
    BeforeValidator(_as_quantity),
]
"""A number, ``{value, source}``, or a distribution ``{dist: normal|uniform|triangular, ...}``."""


# --------------------------------------------------------------------------------------------
# Actors and issues
# --------------------------------------------------------------------------------------------


class Role(StrEnum):
    belligerent = "belligerent"
    guarantor = "guarantor"
    mediator = "mediator"
    organization = "organization"


class CowCapability(Strict):
    """Capability taken from the shipped COW NMC table: the CINC score of the actor's code."""

    cow: int = Field(ge=1816, le=2100, description="the year of the CINC score")
    source: str | None = None


def _as_capability(value: Any) -> Any:
    if isinstance(value, dict) and "cow" in value:
        return value
    return _as_quantity(value)


def _capability_kind(value: Any) -> str:
    # Chooses the branch up front: a smart union would first try CowCapability on every
    # plain number (and build an "unknown key" error for it), which is slow for big tables.
    if isinstance(value, CowCapability) or (isinstance(value, dict) and "cow" in value):
        return "CowCapability"
    return "Uncertain"


Capability = Annotated[
    Annotated[CowCapability, Tag("CowCapability")] | Annotated[Uncertain, Tag("Uncertain")],
    Discriminator(_capability_kind),
    BeforeValidator(_as_capability),
]


class Actor(Strict):
    id: Id
    name: str = Field(min_length=1)
    cow: int | None = Field(default=None, ge=1, le=999, description="COW country code")
    capability: Capability
    nuclear: bool = False
    roles: list[Role] = Field(default_factory=list)
    members: list[Id] = Field(default_factory=list)
    source: str | None = None
    _cinc: float | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _resolve_cow(self) -> Actor:
        if isinstance(self.capability, CowCapability):
            if self.cow is None:
                raise PydanticCustomError(
                    "cow_code",
                    "capability {{cow: {year}}} needs the actor's COW country code in 'cow'",
                    {"year": self.capability.cow},
                )
            try:
                value = cinc(self.cow, self.capability.cow)
            except DataError as exc:
                raise PydanticCustomError("cow_data", "{msg}", {"msg": exc.message}) from None
            self._cinc = value
        if self.members and Role.organization not in self.roles:
            raise PydanticCustomError(
                "members", "only an actor with the role 'organization' may list members", {}
            )
        return self

    @property
    def capability_value(self) -> Fixed | Normal | Uniform | Triangular:
        """The capability as a quantity (COW capabilities resolved to a fixed CINC value)."""
        if isinstance(self.capability, CowCapability):
            src = (
                self.capability.source
                or f"COW NMC v7.0 CINC, ccode {self.cow}, {self.capability.cow}"
            )
            return Fixed(value=float(self._cinc or 0.0), source=src)
        return self.capability


class IssueRole(StrEnum):
    guarantee = "guarantee"
    territory = "territory"
    other = "other"


class Issue(Strict):
    id: Id
    label: str = Field(min_length=1)
    scale: tuple[Num, Num]
    anchors: dict[Num, str] = Field(default_factory=dict)
    role: IssueRole = IssueRole.other
    description: str | None = None
    reference_point: Num | None = Field(
        default=None, description="the status quo / reference point (DEU's rp)"
    )
    outcome: Num | None = Field(default=None, description="the observed real outcome, if known")
    source: str | None = None

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] < v[1]:
            raise PydanticCustomError(
                "scale",
                "scale must be [min, max] with min < max; got [{a}, {b}]",
                {"a": v[0], "b": v[1]},
            )
        return v

    @model_validator(mode="after")
    def _inside(self) -> Issue:
        lo, hi = self.scale
        for name in ("reference_point", "outcome"):
            v = getattr(self, name)
            if v is not None and not lo <= v <= hi:
                raise PydanticCustomError(
                    "range",
                    "{name} {v} lies outside the scale [{lo}, {hi}]",
                    {"name": name, "v": v, "lo": lo, "hi": hi},
                )
        for v in self.anchors:
            if not lo <= v <= hi:
                raise PydanticCustomError(
                    "range",
                    "anchor {v} lies outside the scale [{lo}, {hi}]",
                    {"v": v, "lo": lo, "hi": hi},
                )
        return self


class PositionEntry(Strict):
    """One actor's stand on one issue."""

    position: Uncertain
    salience: Uncertain
    capability: Uncertain | None = Field(
        default=None, description="an issue-specific capability (power), overriding the actor's"
    )
    source: str | None = None


# --------------------------------------------------------------------------------------------
# Guarantee designs and claims
# --------------------------------------------------------------------------------------------


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


class Design(Strict):
    """A guarantee design: who guarantees what, in which legal form, from when."""

    id: Id
    label: str = Field(min_length=1)
    guarantors: list[Id] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    legal_form: LegalForm
    conditions: list[str] = Field(default_factory=list)
    years_to_effect: Uncertain = Field(default_factory=lambda: Fixed(value=0.0))
    level: Uncertain | None = Field(
        default=None, description="where the design sits on the guarantee issue's ladder"
    )
    advocates: list[str] = Field(default_factory=list)
    realistic: bool = True
    description: str | None = None
    source: str | None = None

    @field_validator("years_to_effect")
    @classmethod
    def _years(cls, v: Fixed | Normal | Uniform | Triangular) -> Any:
        if v.support[0] < 0 or v.nominal < 0:
            raise PydanticCustomError("range", "years_to_effect cannot be negative", {})
        return v


class Claim(Strict):
    """A claim of the debate, paraphrased, with who made it."""

    id: Id
    who: str = Field(min_length=1)
    paraphrase: str = Field(min_length=1)
    source: str | None = None
    statement: str | None = Field(
        default=None, description="the checkable statement over model outputs (docs/claims.md)"
    )
    given: str | None = Field(
        default=None,
        description="a statement selecting the draws the claim is about (e.g. 'peace'); the "
        "share is taken over those draws only",
    )
    note: str | None = Field(
        default=None, description="what the statement checks, and where it falls short"
    )
    proxy: str | None = Field(
        default=None,
        description="set when the statement does not measure the claim (why): the verdict is "
        "'not checkable' and the share is shown for information only",
    )
    restates: str | None = Field(
        default=None,
        description="the input the statement restates (the claim and the input share a "
        "source): the verdict is 'by construction'",
    )

    @field_validator("statement", "given")
    @classmethod
    def _expression(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if len(v) > MAX_STATEMENT_CHARS:
            raise PydanticCustomError(
                "statement",
                "a statement may have at most {n} characters; got {got}",
                {"n": MAX_STATEMENT_CHARS, "got": len(v)},
            )
        bad = _CONTROL.search(v)
        if bad:
            raise PydanticCustomError(
                "statement",
                "a statement may not contain the control character {c}",
                {"c": repr(bad.group())},
            )
        try:
            tree = ast.parse(v, mode="eval")
        except SyntaxError:
            return v  # guaranty.claims.check_names reports it with the claim's id
        except (RecursionError, MemoryError, ValueError):
            tree = None
        if tree is None or _ast_depth(tree) > MAX_STATEMENT_DEPTH:
            raise PydanticCustomError(
                "statement",
                "a statement may nest at most {n} levels of operators and parentheses",
                {"n": MAX_STATEMENT_DEPTH},
            )
        return v


#: Bounds on a claim's statement (guaranty.claims evaluates it by recursion).
MAX_STATEMENT_CHARS = 2000
MAX_STATEMENT_DEPTH = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ast_depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_STATEMENT_DEPTH:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


class Conduct(Strict):
    """What a guarantor does for the protected state today, while not fighting for it."""

    today: list[Obligation] = Field(
        default_factory=list, description="obligations it already carries out today"
    )
    circumstances_today: Uncertain | None = Field(
        default=None, description="overrides the scenario's circumstances_today"
    )
    circumstances_tomorrow: Uncertain | None = Field(
        default=None, description="overrides the scenario's circumstances_tomorrow"
    )
    source: str | None = None


class CredibilitySettings(Strict):
    """Inputs of the revealed-resolve update (DESIGN.md), all on the log-odds scale."""

    aggressor: Id | None = Field(default=None, description="the state the guarantee is against")
    protected: Id | None = Field(default=None, description="the state the guarantee protects")
    common_shock: Uncertain | None = Field(
        default=None,
        description="share of the guarantors' latent resolve that is common, in [0, 1); "
        "default: estimated from defense allies of the same target in the same dispute",
    )
    persistence: Uncertain | None = Field(
        default=None,
        description="correlation of a guarantor's latent resolve today and tomorrow, in "
        "[0, 1]; default: estimated from repeated tests of the same state and target",
    )
    circumstances_today: Uncertain = Field(default_factory=lambda: Fixed(value=0.0))
    circumstances_tomorrow: Uncertain = Field(default_factory=lambda: Fixed(value=0.0))
    conduct: dict[Id, Conduct] = Field(default_factory=dict)
    source: str | None = None


def _war_parameters() -> dict[str, Any]:
    import dataclasses

    from guaranty.models.war.battlefield import WarParams

    return {
        f.name: f.default
        for f in dataclasses.fields(WarParams)
        if f.name not in ("horizon", "planning")
    }


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
    years: int = Field(default=10, ge=1, le=100, description="horizon of the comparison")
    source: str | None = None


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
    states: int = Field(
        default=2, ge=2, le=100, description="states at war (coalition wars last longer)"
    )
    months_fought: int = Field(
        default=0,
        ge=0,
        le=600,
        description="months the war has already lasted at month 0 (the fit is conditioned "
        "on a war lasting that long)",
    )
    horizon: int = Field(default=60, ge=1, le=600, description="months simulated")
    planning: int = Field(default=12, ge=1, le=120)
    source: str | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _known(cls, v: Any) -> Any:
        if isinstance(v, dict):
            known = _war_parameters()
            for key in v:
                if key not in known:
                    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown war parameter '{key}'; {hint}expected one of: {allowed}",
                        {"key": key, "hint": hint, "allowed": ", ".join(sorted(known))},
                    )
        return v


class PipelineSettings(Strict):
    """How one draw runs from the war to the peace (``docs/pipeline.md``)."""

    model: str | None = Field(
        default=None,
        description="the negotiation model of the settlement; default: the best model of "
        "the DEU III backtest (guaranty.montecarlo.DEFAULT_MODEL)",
    )
    inner: int = Field(
        default=32, ge=4, le=4096, description="latent draws per draw in the credibility model"
    )
    source: str | None = None

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from guaranty.models import registry

        known = registry.available()
        if v not in known:
            close = difflib.get_close_matches(v, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise PydanticCustomError(
                "unknown_model",
                "unknown negotiation model {name}; {hint}expected one of: {known}",
                {"name": repr(v), "hint": hint, "known": ", ".join(known)},
            )
        return v


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


#: The most distinct fixed numbers one validation shares (see ``Fixed._shared``).
_SHARED_FIXED = 1 << 16


def validate_scenario(data: Any, *, shared: dict[Any, Any] | None = None) -> Scenario:
    """``Scenario.model_validate(data)``, with equal fixed numbers sharing one object (the
    loaders use it: a table of a million cells needs a third of the memory); ``shared``
    carries the shared numbers from one scenario to the next (DEU III's cases)."""
    return Scenario.model_validate(data, context={"fixed": {} if shared is None else shared})


def describe(q: Fixed | Normal | Uniform | Triangular | None) -> str:
    """A short human-readable form of a quantity: ``0.4``, ``N(40, sd 10)``, ``U[20, 60]``."""
    return "" if q is None else q.describe()


def _err(path: tuple[str | int, ...], message: str) -> PydanticCustomError:
    # The path rides along in the context; the YAML front end uses it to find the line.
    return PydanticCustomError("reference", message, {"path": list(path)})


class Scenario(Strict):
    """A whole case: actors, issues, positions, guarantee designs and claims.

    ``positions`` maps actor id -> issue id -> :class:`PositionEntry`. An actor may be absent
    from an issue (as in DEU III, where not every member state takes a stand); models then
    leave it out of that issue.
    """

    format: Literal[1] = 1
    name: str = Field(min_length=1)
    question: str | None = Field(
        default=None,
        description="the question the analysis answers, shown first in the report",
    )
    description: str | None = None
    year: int | None = Field(default=None, ge=1, le=9999)
    source: str | None = None
    actors: list[Actor] = Field(min_length=1)
    issues: list[Issue] = Field(min_length=1)
    positions: dict[Id, dict[Id, PositionEntry]] = Field(default_factory=dict)
    guarantees: list[Design] = Field(default_factory=list)
    credibility: CredibilitySettings | None = None
    war: WarSettings | None = None
    deterrence: DeterrenceSettings | None = None
    pipeline: PipelineSettings | None = None
    claims: list[Claim] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        # Membership is tested on sets (ids) and the lists (actor_ids, issue_ids) kept for
        # the messages, so that a table of many actors and issues validates in linear time.
        actor_ids = _unique("actors", [a.id for a in self.actors])
        issue_ids = _unique("issues", [i.id for i in self.issues])
        actor_set, issue_set = set(actor_ids), set(issue_ids)
        _unique("guarantees", [d.id for d in self.guarantees])
        _unique("claims", [c.id for c in self.claims])
        for k, actor in enumerate(self.actors):
            for m, member in enumerate(actor.members):
                if member not in actor_set:
                    raise _err(("actors", k, "members", m), _unknown("actor", member, actor_ids))
        issues = {i.id: i for i in self.issues}
        taken: set[str] = set()
        for aid, per_issue in self.positions.items():
            if aid not in actor_set:
                raise _err(("positions", aid), _unknown("actor", aid, actor_ids))
            for iid, entry in per_issue.items():
                if iid not in issue_set:
                    raise _err(("positions", aid, iid), _unknown("issue", iid, issue_ids))
                taken.add(iid)
                lo, hi = issues[iid].scale
                _in_range(("positions", aid, iid, "position"), entry.position, lo, hi)
                _in_range(("positions", aid, iid, "salience"), entry.salience, 0.0, 1.0)
                if entry.capability is not None:
                    _in_range(("positions", aid, iid, "capability"), entry.capability, 0, None)
        for k, actor in enumerate(self.actors):
            _in_range(("actors", k, "capability"), actor.capability_value, 0, None)
        if taken:  # a scenario without any position is for credibility alone
            for k, issue in enumerate(self.issues):
                if issue.id not in taken:
                    raise _err(("issues", k), _no_position(issue.id))
        ladders = [k for k, i in enumerate(self.issues) if i.role == IssueRole.guarantee]
        if len(ladders) > 1:
            raise _err(
                ("issues", ladders[1], "role"),
                "only one issue may have the role 'guarantee' (the ladder of designs)",
            )
        guarantee_issue = self.issues[ladders[0]] if ladders else None
        for k, design in enumerate(self.guarantees):
            for g, gid in enumerate(design.guarantors):
                if gid not in actor_set:
                    raise _err(
                        ("guarantees", k, "guarantors", g), _unknown("actor", gid, actor_ids)
                    )
            if design.level is not None:
                if guarantee_issue is None:
                    raise _err(
                        ("guarantees", k, "level"),
                        "a design's level needs an issue with role 'guarantee'",
                    )
                lo, hi = guarantee_issue.scale
                _in_range(("guarantees", k, "level"), design.level, lo, hi)
        if self.credibility is not None:
            cred = self.credibility
            for key in ("aggressor", "protected"):
                aid = getattr(cred, key)
                if aid is not None and aid not in actor_set:
                    raise _err(("credibility", key), _unknown("actor", aid, actor_ids))
            for aid in cred.conduct:
                if aid not in actor_set:
                    raise _err(("credibility", "conduct", aid), _unknown("actor", aid, actor_ids))
            for key, top in (("common_shock", 1.0), ("persistence", 1.0 + 1e-12)):
                q = getattr(cred, key)
                if q is None:
                    continue
                lo, hi = q.support
                if lo < 0 or hi >= top or not 0 <= q.nominal < top:
                    bound = "[0, 1)" if key == "common_shock" else "[0, 1]"
                    raise _err(("credibility", key), f"must lie within {bound}")
        if self.deterrence is not None:
            for key in ("stakes", "cost"):
                _in_range(("deterrence", key), getattr(self.deterrence, key), 0, None)
            sigma = self.deterrence.sigma
            if not (sigma.support[0] > 0 and sigma.nominal > 0):
                raise _err(
                    ("deterrence", "sigma"),
                    f"must be above 0 (the spread of the yearly shock); got {_got(sigma)}",
                )
        if self.war is not None:
            for name, q in self.war.parameters.items():
                lo, hi = _war_domain(name)
                _in_range(("war", "parameters", name), q, lo, hi)
        return self

    def require_positions(self) -> None:
        """Raise a :class:`~guaranty.errors.ScenarioError` (field ``issues[k]``) unless every
        issue has at least one position entry: what a negotiation model needs (a scenario
        without any position validates, for credibility alone, but has nothing to negotiate;
        its forecast would be NaN)."""
        taken = {iid for per_issue in self.positions.values() for iid in per_issue}
        for k, issue in enumerate(self.issues):
            if issue.id not in taken:
                raise ScenarioError(_no_position(issue.id), field=("issues", k))

    # Convenience views -----------------------------------------------------------------------

    def actor(self, actor_id: str) -> Actor:
        return next(a for a in self.actors if a.id == actor_id)

    def issue(self, issue_id: str) -> Issue:
        return next(i for i in self.issues if i.id == issue_id)

    def position(self, actor_id: str, issue_id: str) -> PositionEntry | None:
        return self.positions.get(actor_id, {}).get(issue_id)


def _no_position(issue_id: str) -> str:
    return (
        f"no actor takes a position on issue '{issue_id}'; every issue needs at least one "
        "entry in 'positions' (the negotiation models have nothing to weigh)"
    )


def _unique(section: str, ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for k, i in enumerate(ids):
        if i in seen:
            raise _err(
                (section, k, "id"),
                f"duplicate id '{i}' (first used by {section}[{seen[i]}]); ids must be unique",
            )
        seen[i] = k
    return ids


def _unknown(kind: str, value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} id '{value}'{hint} (known: {', '.join(known)})"


def _got(q: Fixed | Normal | Uniform | Triangular) -> str:
    a, b = q.support
    return f"{q.nominal:g}" if a == b else f"a range from {a:g} to {b:g}"


def _in_range(
    path: tuple[str | int, ...],
    q: Fixed | Normal | Uniform | Triangular,
    lo: float | None,
    hi: float | None,
) -> None:
    a, b = q.support
    if (lo is not None and a < lo) or (hi is not None and b > hi):
        if lo is not None and hi is not None:
            what = f"[{lo:g}, {hi:g}]"
        else:
            what = f">= {lo:g}" if lo is not None else f"<= {hi:g}"
        raise _err(path, f"must lie within {what}; got {_got(q)}")


#: War parameters that may be negative: the front, optimism, reservation premia, red lines
#: and their shifts (``guaranty.war`` draws every other parameter truncated at 0).
SIGNED_WAR_PARAMETERS = frozenset(
    {
        "front0",
        "front_min",
        "optimism_a",
        "optimism_b",
        "reservation_a",
        "reservation_b",
        "red_line_a",
        "red_line_b",
        "red_line_shift_a",
        "red_line_shift_b",
    }
)
#: War parameters that are shares or factors, within [0, 1].
_WAR_UNIT = {"collapse_a", "collapse_b", "discount", "weight_a"}


def _war_domain(name: str) -> tuple[float | None, float | None]:
    """The admissible range of the war parameter ``name``: the signed ones may take any
    finite value, shares and the discount factor lie within [0, 1], the others (forces,
    rates, flows, costs, noise, fog, prior spreads, front speed) cannot be negative."""
    if name in SIGNED_WAR_PARAMETERS:
        return None, None
    if name in _WAR_UNIT:
        return 0.0, 1.0
    return 0.0, None
