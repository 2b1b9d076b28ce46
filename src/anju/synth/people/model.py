"""The synthetic assistance history's vocabulary: its figures at full scale, the report, and the
in-memory persons, organisations and applications the generator carries until it writes them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from anju.assistance import AppStatus, Policy, domain
from anju.core.types import area_from_db
from anju.credit import EventFact, edition_on, event_status
from anju.registry import Status, Use

#: The first day of the simulated assistance history (the 14th five-year plan).
START = date(2021, 1, 1)
PLAN_END = date(2025, 12, 31)
#: Homes of the synthetic city at scale 1.0 (seed 1), to infer the scale of an existing register.
HOMES_AT_FULL_SCALE = 4_225_815
APPLICATIONS_AT_FULL_SCALE = 300_000
#: Assisted homes of the plan (five years) at scale 1.0.
ASSISTED_AT_FULL_SCALE = {
    "affordable_rental": 125_000,
    "public_rental": 6_000,
    "shared_ownership": 10_000,
    "resettlement": 160_000,
    "talent_rental": 120_000,
}
RENTAL = frozenset({"affordable_rental", "public_rental", "talent_rental"})
#: Share of applications by programme.
APPLICATION_SHARE = {
    "affordable_rental": 0.27,
    "talent_rental": 0.16,
    "talent_subsidy": 0.12,
    "resettlement": 0.11,
    "rent_subsidy": 0.10,
    "public_rental": 0.09,
    "talent_purchase": 0.08,
    "shared_ownership": 0.07,
}
#: Applicant's age (low, high, mode) by programme.
AGES = {
    "public_rental": (25, 85, 48),
    "affordable_rental": (21, 52, 29),
    "shared_ownership": (24, 55, 33),
    "resettlement": (28, 85, 52),
    "rent_subsidy": (22, 80, 45),
    "talent_purchase": (24, 52, 32),
    "talent_rental": (22, 50, 29),
    "talent_subsidy": (21, 42, 27),
}
SIZES = {
    "family": (0.18, 0.30, 0.30, 0.14, 0.06, 0.02),
    "resettlement": (0.08, 0.25, 0.32, 0.20, 0.10, 0.05),
    "young": (0.40, 0.30, 0.20, 0.07, 0.03, 0.0),
    "talent": (0.50, 0.28, 0.17, 0.05, 0.0, 0.0),
}
#: Median annual income of an earner (yuan) by programme; talent programmes by tier.
EARNER_MEDIAN = {
    "public_rental": 40_000,
    "rent_subsidy": 48_000,
    "shared_ownership": 64_000,
    "affordable_rental": 80_000,
    "resettlement": 70_000,
}
TIER_MEDIAN = {"A": 600_000, "B": 350_000, "C": 180_000, "D": 110_000}
TIER_WEIGHTS = {
    "talent_purchase": (0.05, 0.20, 0.60, 0.15),
    "talent_rental": (0.03, 0.15, 0.40, 0.42),
    "talent_subsidy": (0.01, 0.06, 0.40, 0.53),
}
LOCAL_HUKOU = {"public_rental": 0.9, "rent_subsidy": 0.85, "shared_ownership": 0.82, "resettlement": 0.95}
#: Sample prices (yuan per m²) of shared-ownership homes — labelled sample figures, as the policies.
SHARED_PRICE_FEN_PER_M2 = 1_500_000
EXISTING = (Status.in_use.value, Status.completed.value)
RESIDENTIAL = Use.residential.value
#: Home ownership as the register records it starts with the 1998 housing reform (房改).
REFORM = date(1998, 7, 1)
ACTOR = "synthetic"
INTAKE_DAYS = 60
INTAKE_FACTOR = 4.0


@dataclass
class PeopleReport:
    seed: int
    scale: float
    programmes_loaded: int = 0
    homes_existing: int = 0
    homes_owned: int = 0
    homes_unowned: int = 0
    owner_rows: int = 0
    owner_persons: int = 0
    owner_orgs: int = 0
    investors: int = 0
    homes_sold: int = 0
    assisted_homes: dict[str, int] = field(default_factory=dict)
    applications: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    eligible_at_check: int = 0
    ineligible_at_check: int = 0
    members: int = 0
    members_owning_homes: int = 0
    steps: int = 0
    benefits: int = 0
    allocations: int = 0
    draws: int = 0
    draw_candidates: int = 0
    credit_events: int = 0
    objections: int = 0


def recorded_at(day: date) -> datetime:
    """10:00 Beijing time of ``day`` (the day a synthetic fact was recorded)."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def office_time(day: date, rng: random.Random) -> datetime:
    """A time in office hours (09:00–16:59 Beijing) of ``day``."""
    return datetime(day.year, day.month, day.day, rng.randint(1, 8), rng.randint(0, 59), rng.randint(0, 59), tzinfo=UTC)


@dataclass(slots=True)
class Person:
    id_number: str
    name: str
    bidx: str
    birth: date
    male: bool
    local: bool
    #: (acquired_on, released_on, share_pct, area in hundredths of m²) of the homes the person owns
    holdings: list[tuple[date, date | None, int, int]] = field(default_factory=list)
    #: (programme, since, until) of benefits
    benefits: list[tuple[str, date, date | None]] = field(default_factory=list)
    #: (kind, severity, occurred_on, expires_on) of credit events
    credit: list[tuple[str, str, date, date | None]] = field(default_factory=list)


def facts_on(persons: Sequence[Person], on: date) -> domain.Facts:
    """The facts the eligibility check reads from the database about these persons on ``on`` —
    computed exactly as ``registry.owned_area``, the benefits query and ``credit.effective_events``."""
    n = 0
    area = Decimal(0)
    supported: set[str] = set()
    credit: set[tuple[str, str]] = set()
    edition = edition_on(on)
    for p in persons:
        for acq, rel, share, hundredths in p.holdings:
            if acq <= on and (rel is None or rel > on):
                n += 1
                a = area_from_db(hundredths) or Decimal(0)
                area += (a * share / 100).quantize(Decimal("0.01"))
        for prog, since, until in p.benefits:
            if since <= on and (until is None or until > on):
                supported.add(prog)
        for kind, sev, occ, exp in p.credit:  # 失信 events the grading counts on ``on`` (no amendments here)
            rule = edition.kinds.get(kind)
            if (
                rule is not None
                and rule.negative
                and event_status(EventFact(0, kind, sev, occ, exp), rule, on) == "counted"
            ):
                credit.add((kind, sev))
    return domain.Facts(n, area, tuple(sorted(supported)), tuple(sorted(credit)))


@dataclass(slots=True)
class Org:
    code: str
    name: str
    bidx: str
    left: int


@dataclass(slots=True)
class App:
    id: int
    app_no: str
    code: str
    policy: Policy
    edition_id: int
    district: str
    street: str
    created: datetime
    persons: list[Person]
    members: list[domain.Member]
    tier: str | None
    industry: str | None
    employer: str | None
    housing_status: str
    phone: str
    status: str = AppStatus.draft.value
    level: str | None = None
    due_at: datetime | None = None
    priority: str | None = None
    eligible: bool | None = None
    eligibility: str | None = None
    checked_at: datetime | None = None
    submitted_at: datetime | None = None
    notice_until: datetime | None = None
    decided_at: datetime | None = None
    closed_at: datetime | None = None
    approved_on: date | None = None
    steps: list[tuple[datetime, str, str, str | None, str, str | None]] = field(default_factory=list)
    objections: list[tuple[Any, ...]] = field(default_factory=list)
    allocated: bool = False

    @property
    def last(self) -> datetime:
        return self.steps[-1][0] if self.steps else self.created

    def step(self, at: datetime, level: str, action: str, to: str, reason: str | None = None) -> datetime:
        if self.steps:
            at = max(at, self.last + timedelta(minutes=1))
        self.steps.append((at, level, action, self.status if self.steps else None, to, reason))
        self.status = to
        return at
