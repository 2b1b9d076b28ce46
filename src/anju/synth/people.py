"""Owners (产权人) and housing-assistance history of the synthetic Nanjing.

Run after :func:`anju.synth.generate` on the same database. Everything is fictional and deterministic
for a seed (except the ciphertexts: SM4-GCM takes a fresh nonce per value):

* **owners** of the homes that exist (status 使用 or 现房): most residential homes one person, some
  two (50/50), some an organisation, a few nobody; some persons own several homes (investors); a few
  homes were sold (the seller's row carries ``released_on``). Resident IDs are valid GB 11643 numbers
  (region codes valid in the birth year, as python-stdnum checks them), organisations have valid GB
  32100 codes; identifiers and names are stored encrypted, with blind indexes;
* **assisted homes** (保障房源) of the five home programmes, in whole estates, in proportion to the
  plan's targets × scale;
* **applications** from 2021 to today, simulated day by day through the review flow the services
  implement (check at submission, review levels with deadlines, returns, rejections, public notice,
  objections, approval), lotteries per programme twice a year with the published algorithm
  ``anju-lottery-v1``, allocations, benefits and exits. The eligibility explanation stored with an
  application is :func:`anju.assistance.evaluate` of the household on the day it was checked, with
  the facts the database holds about its members on that day (owned homes, benefits, credit events),
  so a fresh check of the same day gives the same answer.

Memory is bounded by the scale's in-flight state (waiting lists, the assisted homes, a sample of
owners who later apply), not by the rows written: rows stream through the bulk path in batches.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Table, false, func, select, type_coerce
from stdnum.cn import ric, uscc

from anju import divisions as div
from anju.assistance import (
    AppStatus,
    Policy,
    allocations,
    application_members,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    draw_candidates,
    draws,
    evaluate,
    load_policies,
    load_programmes,
    objections,
    programme_editions,
    sample_policy_path,
)
from anju.assistance import domain as ad
from anju.core import clock, dialect
from anju.core.errors import Conflict
from anju.core.types import area_from_db
from anju.credit import credit_events
from anju.registry import domain as rd
from anju.registry import estates, home_owners, homes
from anju.security import Keyring
from anju.synth import names as nm
from anju.synth.city import DISTRICT_WEIGHT

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
EXISTING = (rd.Status.in_use.value, rd.Status.completed.value)
RESIDENTIAL = rd.Use.residential.value
#: Home ownership as the register records it starts with the 1998 housing reform (房改).
REFORM = date(1998, 7, 1)
ACTOR = "synthetic"
INTAKE_DAYS = 60
INTAKE_FACTOR = 4.0
ALGORITHM = "anju-lottery-v1"

# Resident ID region codes. A code is valid only for people born while it was assigned (python-stdnum
# checks this), so each district falls back to its earlier code, then to the city's.
FALLBACK = {
    "320102": ("320120",),
    "320104": ("320120",),
    "320105": ("320120",),
    "320106": ("320120",),
    "320113": ("320120",),
    "320114": ("320120",),
    "320111": ("320122",),
    "320115": ("320121",),
    "320116": ("320123",),
    "320117": ("320124",),
    "320118": ("320125",),
}
OTHER_REGIONS = (
    ("340102", 4),
    ("340104", 3),
    ("321002", 3),
    ("320382", 3),
    ("321102", 2),
    ("320583", 2),
    ("341802", 2),
    ("410105", 2),
    ("420106", 2),
    ("360102", 1),
    ("430102", 1),
    ("510107", 1),
    ("370102", 1),
    ("330106", 1),
    ("110105", 1),
    ("310115", 1),
)
EPOCH = date(1930, 1, 1)
ID_DAYS = (date(2035, 12, 31) - EPOCH).days + 1


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


def _ts(day: date) -> datetime:
    """10:00 Beijing time of ``day`` (the day a synthetic fact was recorded)."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _at(day: date, rng: random.Random) -> datetime:
    """A time in office hours (09:00–16:59 Beijing) of ``day``."""
    return datetime(day.year, day.month, day.day, rng.randint(1, 8), rng.randint(0, 59), rng.randint(0, 59), tzinfo=UTC)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# ---------------------------------------------------------------------------------------- identifiers


class Identities:
    """Valid, unique resident IDs and organisation codes, and plausible names.

    Uniqueness without remembering the IDs: a counter per (region, birth date, sex) picks the
    sequence number (a fixed-size array, a few MB whatever the scale)."""

    def __init__(self, seed: int) -> None:
        codes: list[str] = []
        for c in [*DISTRICT_WEIGHT, *(f for fs in FALLBACK.values() for f in fs), "320100"]:
            if c not in codes:
                codes.append(c)
        for c, _w in OTHER_REGIONS:
            for x in (c, c[:4] + "00"):
                if x not in codes:
                    codes.append(x)
        self.codes = codes
        self.index = {c: i for i, c in enumerate(codes)}
        self.counters = array("H", bytes(2 * 2 * len(codes) * ID_DAYS))
        self._regions: dict[tuple[int, bool], tuple[list[str], list[float]]] = {}
        self._valid: dict[tuple[str, int], bool] = {}
        self.org_serial = 0
        self.org_base = random.Random(f"anju-orgs-{seed}").randrange(10**8)
        surnames = [s for s, _ in nm.SURNAMES]
        self.surnames = surnames
        cum: list[float] = []
        t = 0.0
        for _, w in nm.SURNAMES:
            t += w
            cum.append(t)
        self.surname_cum = cum
        self.given = tuple(dict.fromkeys(nm.GIVEN_CHARS))

    def _is_valid(self, code: str, year: int) -> bool:
        key = (code, year)
        if key not in self._valid:
            body = f"{code}{year}0615001"
            self._valid[key] = ric.is_valid(body + ric.calc_check_digit(body + "0"))
        return self._valid[key]

    def regions(self, year: int, local: bool) -> tuple[list[str], list[float]]:
        key = (year, local)
        if key not in self._regions:
            codes: list[str] = []
            weights: list[float] = []
            pairs = list(DISTRICT_WEIGHT.items()) if local else [(c, float(w)) for c, w in OTHER_REGIONS]
            for code, w in pairs:
                chain = (code, *FALLBACK.get(code, ()), code[:4] + "00")
                ok = next((c for c in chain if self._is_valid(c, year)), None)
                if ok is not None:
                    codes.append(ok)
                    weights.append(w)
            cum: list[float] = []
            t = 0.0
            for w in weights:
                t += w
                cum.append(t)
            self._regions[key] = (codes, cum)
        return self._regions[key]

    def resident_id(self, rng: random.Random, birth: date, male: bool, local: bool) -> tuple[str, date]:
        """A valid, never-issued-before resident ID (and the birth date it carries)."""
        codes, cum = self.regions(birth.year, local)
        code = rng.choices(codes, cum_weights=cum)[0]
        ci = self.index[code]
        day = birth
        while True:
            k = ((ci * ID_DAYS + (day - EPOCH).days) << 1) | male
            c = self.counters[k]
            if c < 490:
                break
            day += timedelta(days=1)
        self.counters[k] = c + 1
        body = f"{code}{day.year:04d}{day.month:02d}{day.day:02d}{10 + 2 * c + male:03d}"
        return body + ric.calc_check_digit(body + "0"), day

    def name(self, rng: random.Random) -> str:
        s = rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
        n = 1 if rng.random() < 0.28 else 2
        return s + "".join(rng.choice(self.given) for _ in range(n))

    def credit_code(self, region: str) -> str:
        """A valid unified social credit code (GB 32100) with a valid organisation code (GB 11714)."""
        serial = self.org_serial
        self.org_serial += 1
        org = f"{(self.org_base + serial * 7919) % 10**8:08d}"
        c = 11 - sum(int(x) * w for x, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        org += "X" if c == 10 else "0" if c == 11 else str(c)
        body = "91" + region + org
        return body + uscc.calc_check_digit(body)


# ---------------------------------------------------------------------------------------------- lottery


def _serialise(ids: Sequence[str]) -> bytes:
    return b"".join(i.encode() + b"\n" for i in ids)


def lottery(ids: Sequence[str], seed: str) -> tuple[str, list[str], str]:
    """``anju-lottery-v1``: (list hash, the drawn order, result hash) of candidates in frozen order.

    The algorithm (documented with its golden vector with the lottery): key = SM3(b"anju-lottery-v1\\x00"
    + list hash + seed); stream of SM3(key + i as 8 bytes), read as big-endian uint64; Fisher–Yates from
    the end with rejection of biased draws."""
    lh = hashlib.new("sm3", _serialise(ids)).digest()
    key = hashlib.new("sm3", ALGORITHM.encode() + b"\x00" + lh + seed.encode()).digest()

    def stream() -> Iterator[int]:
        i = 0
        while True:
            block = hashlib.new("sm3", key + i.to_bytes(8, "big")).digest()
            for k in range(0, 32, 8):
                yield int.from_bytes(block[k : k + 8], "big")
            i += 1

    it = stream()
    a = list(ids)
    two64 = 1 << 64
    for i in range(len(a) - 1, 0, -1):
        m = i + 1
        limit = two64 - two64 % m
        r = next(it)
        while r >= limit:
            r = next(it)
        j = r % m
        a[i], a[j] = a[j], a[i]
    return lh.hex(), a, hashlib.new("sm3", _serialise(a)).hexdigest()


# ----------------------------------------------------------------------------------------------- people


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


def facts_on(persons: Sequence[Person], on: date) -> ad.Facts:
    """The facts the eligibility check reads from the database about these persons on ``on`` —
    computed exactly as ``registry.owned_area``, the benefits query and ``credit.effective_events``."""
    n = 0
    area = Decimal(0)
    supported: set[str] = set()
    credit: set[tuple[str, str]] = set()
    for p in persons:
        for acq, rel, share, hundredths in p.holdings:
            if acq <= on and (rel is None or rel > on):
                n += 1
                a = area_from_db(hundredths) or Decimal(0)
                area += (a * share / 100).quantize(Decimal("0.01"))
        for prog, since, until in p.benefits:
            if since <= on and (until is None or until > on):
                supported.add(prog)
        for kind, sev, occ, exp in p.credit:
            if occ <= on and (exp is None or exp > on):
                credit.add((kind, sev))
    return ad.Facts(n, area, tuple(sorted(supported)), tuple(sorted(credit)))


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
    members: list[ad.Member]
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


OWNER_COLS = (
    "home_id",
    "owner_kind",
    "owner_bidx",
    "owner_id_enc",
    "owner_name_enc",
    "share_pct",
    "acquired_on",
    "released_on",
    "recorded_at",
)
APP_COLS = (
    "id",
    "app_no",
    "programme_code",
    "edition_id",
    "account_id",
    "district_code",
    "street_code",
    "status",
    "level",
    "due_at",
    "priority_class",
    "household_size",
    "talent_tier",
    "industry",
    "employer",
    "housing_status",
    "contact_phone_enc",
    "eligible",
    "eligibility",
    "checked_at",
    "submitted_at",
    "notice_until",
    "decided_at",
    "closed_at",
    "created_at",
    "updated_at",
    "version",
)
MEMBER_COLS = (
    "application_id",
    "seq",
    "relation",
    "name_enc",
    "id_number_enc",
    "id_bidx",
    "birth_year",
    "annual_income_fen",
    "assets_fen",
    "local_hukou",
    "hukou_years",
    "social_insurance_months",
    "employed",
    "pending",
)
STEP_COLS = ("application_id", "at", "actor", "level", "action", "from_status", "to_status", "reason", "ledger_index")
BENEFIT_COLS = ("id_bidx", "application_id", "programme_code", "kind", "since", "until")
CREDIT_COLS = (
    "subject_kind",
    "subject_bidx",
    "source",
    "kind",
    "severity",
    "occurred_on",
    "expires_on",
    "reference",
    "street_code",
    "detail",
    "recorded_at",
    "ledger_index",
)
OBJECTION_COLS = ("application_id", "text", "submitted_at", "status", "resolution", "resolved_by", "resolved_at")
ALLOCATION_COLS = (
    "application_id",
    "home_id",
    "programme_code",
    "draw_id",
    "rank",
    "status",
    "active",
    "street_code",
    "selected_at",
    "selected_by",
    "contract_no",
    "contracted_at",
    "moved_in_at",
    "ended_at",
    "end_reason",
)
DRAW_COLS = (
    "id",
    "draw_no",
    "programme_code",
    "priority_class",
    "title",
    "status",
    "algorithm",
    "candidates",
    "list_hash",
    "frozen_at",
    "frozen_by",
    "seed",
    "seed_source",
    "witnesses",
    "result_hash",
    "drawn_at",
    "drawn_by",
    "ledger_index",
)
CANDIDATE_COLS = ("draw_id", "position", "application_id", "candidate_id", "rank")
ASSISTED_COLS = (
    "home_id",
    "programme_code",
    "district_code",
    "street_code",
    "bedrooms",
    "area",
    "monthly_rent_fen",
    "price_fen",
    "status",
    "since",
)
#: Tables in the order their rows are flushed (parents first).
ORDER: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (home_owners, OWNER_COLS),
    (credit_events, CREDIT_COLS),
    (draws, DRAW_COLS),
    (applications, APP_COLS),
    (application_members, MEMBER_COLS),
    (application_steps, STEP_COLS),
    (objections, OBJECTION_COLS),
    (benefits, BENEFIT_COLS),
    (allocations, ALLOCATION_COLS),
    (assisted_homes, ASSISTED_COLS),
    (draw_candidates, CANDIDATE_COLS),
)
TABLES = tuple(t for t, _ in ORDER)


class Writer:
    """Buffers rows per table and flushes them all, parents first, through the bulk path."""

    def __init__(self, conn: Connection, size: int) -> None:
        self.conn = conn
        self.size = size
        self.buf: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t, _ in ORDER}
        self.held = 0

    def add(self, table: Table, row: tuple[Any, ...]) -> None:
        self.buf[table.name].append(row)
        self.held += 1
        if self.held >= self.size:
            self.flush()

    def flush(self) -> None:
        for t, cols in ORDER:
            buf = self.buf[t.name]
            if buf:
                dialect.bulk_insert(self.conn, t, cols, buf)
                buf.clear()
        self.held = 0


# -------------------------------------------------------------------------------------------- generator


class PeopleGenerator:
    def __init__(
        self,
        conn: Connection,
        keyring: Keyring,
        seed: int,
        scale: float,
        today: date,
        batch: int,
        progress: Callable[[str, float], None],
        city_code: str,
    ) -> None:
        self.conn = conn
        self.kr = keyring
        self.seed = seed
        self.scale = scale
        self.today = today
        self.progress = progress
        self.city_code = city_code
        self.out = Writer(conn, batch)
        self.ids = Identities(seed)
        self.report = PeopleReport(seed, scale)
        self.n_apps = max(1, round(APPLICATIONS_AT_FULL_SCALE * scale))
        # owners
        self.ro = random.Random(f"anju-owners-{seed}")
        self.investors: list[Person] = []
        self.investor_left: list[int] = []
        self.orgs: list[Org] = []
        self.owner_sample: list[Person] = []
        self.sample_p = 0.0
        self.housing_company: Org | None = None
        # assisted homes: home id → [programme, district, street, bedrooms, area, since, status]
        self.assisted: dict[int, list[Any]] = {}
        self.pool_homes: dict[str, dict[int, list[tuple[date, int]]]] = defaultdict(lambda: defaultdict(list))
        # applications
        self.ra = random.Random(f"anju-applications-{seed}")
        self.policies: dict[str, list[tuple[Policy, int]]] = {}
        self.waiting: dict[str, list[App]] = defaultdict(list)
        self.reuse: list[tuple[date, Person]] = []
        self.app_seq: Counter[int] = Counter()
        self.next_app = 0
        self.next_draw = 0
        self.credit_serial = 0
        self.contract_serial = 0
        self.streets: tuple[list[tuple[str, str]], list[float]] = ([], [])

    # -- helpers ---------------------------------------------------------------------------------
    def new_person(self, rng: random.Random, birth: date, male: bool, local: bool) -> Person:
        idn, birth = self.ids.resident_id(rng, birth, male, local)
        return Person(idn, self.ids.name(rng), self.kr.blind_index(idn, "id_number"), birth, male, local)

    def new_org(self, rng: random.Random, region: str, name: str | None = None, left: int = 1) -> Org:
        code = self.ids.credit_code(region)
        if name is None:
            name = f"南京{rng.choice(nm.ESTATE_HEADS)}{rng.choice(nm.ORG_KINDS)}有限公司（合成）"
        self.report.owner_orgs += 1
        return Org(code, name, self.kr.blind_index(code, "credit_code"), left)

    def own(
        self, home_id: int, kind: str, bidx: str, idn: str, name: str, share: int, acq: date, rel: date | None
    ) -> None:
        self.out.add(
            home_owners,
            (
                home_id,
                kind,
                bidx,
                self.kr.encrypt(idn, "home_owners.owner_id"),
                self.kr.encrypt(name, "home_owners.owner_name"),
                share,
                acq,
                rel,
                _ts(acq),
            ),
        )
        self.report.owner_rows += 1

    def own_person(self, home_id: int, p: Person, share: int, acq: date, rel: date | None, area: int) -> None:
        self.own(home_id, "person", p.bidx, p.id_number, p.name, share, acq, rel)
        p.holdings.append((acq, rel, share, area))

    def maybe_sample(self, p: Person) -> None:
        if self.ro.random() < self.sample_p:
            self.owner_sample.append(p)

    # -- assisted homes --------------------------------------------------------------------------
    def plan_assisted(self) -> dict[int, tuple[str, int, date]]:
        """Estates (whole, or the first homes of the last one) of each home programme: round robin
        over the districts, newer estates first, until the plan's targets × scale are met."""
        rng = random.Random(f"anju-assisted-{self.seed}")
        targets = {p: max(3, round(n * self.scale)) for p, n in ASSISTED_AT_FULL_SCALE.items()}
        years = {int(r[0]): r[1] for r in self.conn.execute(select(estates.c.id, estates.c.year_built))}
        by_district: dict[str, list[tuple[int, int]]] = defaultdict(list)
        q = (
            select(homes.c.estate_id, homes.c.district_code, func.count())
            .where(homes.c.use == RESIDENTIAL, homes.c.status.in_(EXISTING), homes.c.rooms <= 3)
            .group_by(homes.c.estate_id, homes.c.district_code)
            .order_by(homes.c.estate_id, homes.c.district_code)
        )
        seen: set[int] = set()
        for eid, dcode, n in self.conn.execute(q):
            if eid not in seen:
                seen.add(eid)
                by_district[dcode].append((int(eid), int(n)))
        queues: list[list[tuple[int, int]]] = []
        for dcode in sorted(by_district):
            cands = by_district[dcode]
            new = [c for c in cands if (years.get(c[0]) or 0) >= 2008]
            old = [c for c in cands if (years.get(c[0]) or 0) < 2008]
            rng.shuffle(new)
            rng.shuffle(old)
            queues.append(old + new)  # popped from the end: newer estates first
        left = dict(targets)
        plan: dict[int, tuple[str, int, date]] = {}
        last = min(self.today, PLAN_END)
        span = max(0, (last - START).days)
        while any(left.values()) and any(queues):
            for q_ in queues:
                if not q_ or not any(left.values()):
                    continue
                eid, n = q_.pop()
                prog = max(sorted(left), key=lambda p: left[p] / targets[p])
                take = min(n, left[prog])
                left[prog] -= take
                plan[eid] = (prog, take, START + timedelta(days=rng.randint(0, span)))
        return plan

    # -- owners ----------------------------------------------------------------------------------
    def owners(self) -> None:
        conn = self.conn
        plan = self.plan_assisted()
        taken: Counter[int] = Counter()
        total = conn.execute(select(func.count()).select_from(homes)).scalar_one()
        existing_est = max(1, int(total * 0.9))
        self.sample_p = min(1.0, 0.07 * self.n_apps / existing_est)
        inv_pool = max(4, min(1024, int(existing_est * 0.2 / 50)))
        org_pool = max(2, min(256, int(existing_est * 0.05 / 50)))
        company = self.new_org(self.ro, self.city_code, nm.HOUSING_COMPANY)
        self.housing_company = company
        rng = self.ro
        last_id = 0
        done = 0
        hi = self.today - timedelta(days=1)
        area_col = type_coerce(homes.c.construction_area, BigInteger)
        while True:
            rows = conn.execute(
                select(
                    homes.c.id,
                    homes.c.estate_id,
                    homes.c.district_code,
                    homes.c.street_code,
                    homes.c.use,
                    homes.c.status,
                    homes.c.rooms,
                    area_col,
                    homes.c.valid_from,
                )
                .where(homes.c.id > last_id)
                .order_by(homes.c.id)
                .limit(20_000)
            ).all()
            if not rows:
                break
            last_id = int(rows[-1][0])
            for hid, eid, dcode, scode, use, status, nrooms, raw_area, valid_from in rows:
                if status not in EXISTING:
                    continue
                self.report.homes_existing += 1
                area = int(raw_area)
                a = plan.get(eid)
                if a is not None and use == RESIDENTIAL and (nrooms or 0) <= 3 and taken[eid] < a[1]:
                    taken[eid] += 1
                    prog = a[0]
                    since = max(a[2], valid_from)
                    self.assisted[hid] = [prog, dcode, scode, nrooms or 1, area, since, "available"]
                    heapq.heappush(self.pool_homes[prog][nrooms or 1], (since, hid))
                    if prog in RENTAL:
                        self.own(hid, "org", company.bidx, company.code, company.name, 100, since, None)
                        self.report.homes_owned += 1
                    else:
                        self.report.homes_unowned += 1  # until allocated
                    continue
                x = rng.random()
                if use == RESIDENTIAL:
                    kind = "one" if x < 0.85 else "two" if x < 0.95 else "org" if x < 0.98 else "none"
                else:
                    kind = "org" if x < 0.70 else "one" if x < 0.95 else "none"
                if kind == "none":
                    self.report.homes_unowned += 1
                    continue
                self.report.homes_owned += 1
                lo = max(valid_from, REFORM)
                acq = lo if lo >= hi else lo + timedelta(days=rng.randint(0, (hi - lo).days))
                if kind == "org":
                    if len(self.orgs) < org_pool:
                        org = self.new_org(rng, dcode, left=min(500, int(rng.lognormvariate(1.0, 1.3)) + 1))
                        self.orgs.append(org)
                    else:
                        org = self.orgs[rng.randrange(len(self.orgs))]
                    self.own(hid, "org", org.bidx, org.code, org.name, 100, acq, None)
                    org.left -= 1
                    if org.left <= 0:
                        self.orgs.remove(org)
                    continue
                if acq < hi and rng.random() < 0.03:
                    sold = acq + timedelta(days=rng.randint(1, (hi - acq).days))
                    self.report.homes_sold += 1
                    self.owner_set(hid, kind, acq, sold, area, inv_pool)
                    self.owner_set(hid, "one", sold, None, area, inv_pool)
                else:
                    self.owner_set(hid, kind, acq, None, area, inv_pool)
            done += len(rows)
            self.progress(f"产权人：已处理 {done:,} 套", 0.05 + 0.5 * min(1.0, done / max(total, 1)))
        for p in self.investors:
            self.maybe_sample(p)
        self.investors.clear()

    def owner_birth(self, rng: random.Random, acq: date) -> date:
        upper = min(2005, acq.year - 20)
        y = int(rng.triangular(1940, upper + 1, min(upper, 1975)))
        return date(min(y, upper), 1, 1) + timedelta(days=rng.randint(0, 364))

    def owner_set(self, hid: int, kind: str, acq: date, rel: date | None, area: int, inv_pool: int) -> None:
        rng = self.ro
        if kind == "two":
            b = self.owner_birth(rng, acq)
            male = rng.random() < 0.5
            local = rng.random() < 0.8
            p1 = self.new_person(rng, b, male, local)
            b2 = min(self.owner_birth(rng, acq), b + timedelta(days=rng.randint(-1500, 1500)))
            p2 = self.new_person(rng, max(b2, date(1940, 1, 1)), not male, local or rng.random() < 0.5)
            self.report.owner_persons += 2
            for p in (p1, p2):
                self.own_person(hid, p, 50, acq, rel, area)
                self.maybe_sample(p)
            return
        if rng.random() < 0.25:  # a slot of an investor (owner of 2–5 homes)
            if len(self.investors) < inv_pool:
                b = date(rng.randint(1945, 1975), 1, 1) + timedelta(days=rng.randint(0, 364))
                p = self.new_person(rng, b, rng.random() < 0.55, rng.random() < 0.75)
                self.investors.append(p)
                self.investor_left.append(rng.choices((2, 3, 4, 5), (0.5, 0.25, 0.15, 0.1))[0])
                self.report.owner_persons += 1
                self.report.investors += 1
                i = len(self.investors) - 1
            else:
                i = rng.randrange(len(self.investors))
                p = self.investors[i]
            self.own_person(hid, p, 100, acq, rel, area)
            self.investor_left[i] -= 1
            if self.investor_left[i] <= 0:
                self.investors[i] = self.investors[-1]
                self.investor_left[i] = self.investor_left[-1]
                self.investors.pop()
                self.investor_left.pop()
                self.maybe_sample(p)
            return
        p = self.new_person(rng, self.owner_birth(rng, acq), rng.random() < 0.5, rng.random() < 0.8)
        self.report.owner_persons += 1
        self.own_person(hid, p, 100, acq, rel, area)
        self.maybe_sample(p)

    # -- programmes and places -------------------------------------------------------------------
    def load(self) -> None:
        policies = load_policies(sample_policy_path(self.city_code))
        self.report.programmes_loaded = load_programmes(self.conn, policies)
        q = select(programme_editions.c.id, programme_editions.c.code, programme_editions.c.edition)
        ids = {(r.code, r.edition): int(r.id) for r in self.conn.execute(q)}
        for p in policies:
            self.policies.setdefault(p.code, []).append((p, ids[(p.code, p.edition)]))
        for eds in self.policies.values():
            eds.sort(key=lambda x: (x[0].effective_from, x[0].edition))
        t = div.divisions_table
        parents = {
            r.code: r.parent_code
            for r in self.conn.execute(select(t.c.code, t.c.parent_code).where(t.c.level == "street"))
        }
        q2 = select(estates.c.street_code, func.count()).group_by(estates.c.street_code)
        counts = {r[0]: int(r[1]) for r in self.conn.execute(q2)}
        streets = sorted(s for s in parents if parents[s])
        cum: list[float] = []
        tot = 0.0
        for s in streets:
            tot += 1 + counts.get(s, 0)
            cum.append(tot)
        self.streets = ([(s, str(parents[s])) for s in streets], cum)

    def policy_on(self, code: str, on: date) -> tuple[Policy, int] | None:
        found = [x for x in self.policies.get(code, []) if x[0].in_force(on)]
        return found[-1] if found else None

    # -- applications ----------------------------------------------------------------------------
    def applications(self) -> None:
        draws_at: list[tuple[date, str]] = []
        for code, eds in self.policies.items():
            p0 = eds[0][0]
            if p0.benefit != ad.Benefit.home or not p0.lottery:
                continue
            for y in range(START.year, self.today.year + 1):
                for m in (3, 9):
                    d = date(y, m, 20)
                    if p0.effective_from + timedelta(days=60) <= d < self.today:
                        draws_at.append((d, code))
        draws_at.sort()
        di = 0
        last_month = ""
        for i, c in enumerate(self._creation_days()):
            while di < len(draws_at) and draws_at[di][0] < c:
                self.draw(*draws_at[di])
                di += 1
            self.application(c)
            month = f"{c:%Y-%m}"
            if month != last_month:
                last_month = month
                self.progress(f"保障申请：{month}", 0.55 + 0.4 * i / self.n_apps)
        while di < len(draws_at):
            self.draw(*draws_at[di])
            di += 1
        for code in sorted(self.waiting):
            for a in self.waiting[code]:
                self.finish(a)
        self.waiting.clear()

    def _creation_days(self) -> Iterator[date]:
        """``n_apps`` days from START to today: weekdays busier, a little growth every year, and the
        last INTAKE_DAYS an intake window with INTAKE_FACTOR times the usual applications a day (so the
        review queues have work in them today)."""
        days = [START + timedelta(days=i) for i in range((self.today - START).days + 1)]
        window = self.today - timedelta(days=INTAKE_DAYS)
        w = [
            (0.3 if d.weekday() >= 5 else 1.0)
            * (1 + 0.1 * (d - START).days / 365)
            * (INTAKE_FACTOR if d > window else 1.0)
            for d in days
        ]
        total = sum(w)
        cum = 0.0
        prev = 0
        for d, x in zip(days, w, strict=True):
            cum += x
            k = round(self.n_apps * cum / total)
            for _ in range(k - prev):
                yield d
            prev = k

    def pick_programme(self, c: date) -> tuple[str, Policy, int]:
        rng = self.ra
        codes = [k for k in APPLICATION_SHARE if self.policy_on(k, c) is not None]
        code = rng.choices(codes, [APPLICATION_SHARE[k] for k in codes])[0]
        found = self.policy_on(code, c)
        assert found is not None
        return code, found[0], found[1]

    def applicant(self, code: str, c: date) -> Person:
        rng = self.ra
        lo, hi, mode = AGES[code]
        x = rng.random()
        if x < 0.05 and self.owner_sample:
            for _ in range(4):
                i = rng.randrange(len(self.owner_sample))
                p = self.owner_sample[i]
                if 18 <= c.year - p.birth.year <= 85:
                    self.owner_sample[i] = self.owner_sample[-1]
                    self.owner_sample.pop()
                    return p
        elif x < 0.10 and self.reuse:
            for _ in range(4):
                i = rng.randrange(len(self.reuse))
                free, p = self.reuse[i]
                if free <= c and 18 <= c.year - p.birth.year <= 85:
                    self.reuse[i] = self.reuse[-1]
                    self.reuse.pop()
                    return p
        age = int(rng.triangular(lo, hi + 1, mode))
        y = max(1940, min(c.year - age, 2005))
        birth = date(y, 1, 1) + timedelta(days=rng.randint(0, 364))
        local = rng.random() < LOCAL_HUKOU.get(code, 0.45)
        p = self.new_person(rng, birth, rng.random() < 0.5, local)
        self.extras(p, c)
        return p

    def extras(self, p: Person, c: date) -> None:
        """A few persons have a credit event or a benefit from before the platform's records."""
        rng = self.ra
        if c.year - p.birth.year < 18:
            return
        x = rng.random()
        if x < 0.012:
            kind, sev = rng.choices(nm.CREDIT_KINDS, (0.35, 0.35, 0.15, 0.15))[0]
            lo = date(2016, 1, 1)
            occ = lo + timedelta(days=rng.randint(0, max(0, (c - lo).days - 30)))
            exp = None if rng.random() < 0.1 else _add_years(occ, rng.randint(2, 5))
            self.credit_serial += 1
            ref = f"SYN-CR-{self.credit_serial:08d}"
            self.out.add(
                credit_events,
                ("person", p.bidx, kind.split(".")[0], kind, sev, occ, exp, ref, None, "{}", _ts(occ), None),
            )
            self.report.credit_events += 1
            p.credit.append((kind, sev, occ, exp))
        elif x < 0.02:
            prog = rng.choice(("public_rental", "rent_subsidy", "talent_subsidy"))
            since = date(rng.randint(2014, 2020), rng.randint(1, 12), rng.randint(1, 28))
            until = None if rng.random() < 0.6 else _add_years(since, rng.randint(1, 6))
            kind = "home" if prog == "public_rental" else "subsidy"
            self.out.add(benefits, (p.bidx, None, prog, kind, since, until))
            self.report.benefits += 1
            p.benefits.append((prog, since, until))

    def household(
        self, code: str, policy: Policy, c: date, head: Person
    ) -> tuple[list[Person], list[ad.Member], str | None]:
        rng = self.ra
        talent = bool(policy.talent_tiers)
        group = "talent" if talent else "resettlement" if code == "resettlement" else "young"
        if code in ("public_rental", "rent_subsidy", "shared_ownership"):
            group = "family"
        size = rng.choices(range(1, 7), SIZES[group])[0]
        tier = rng.choices(("A", "B", "C", "D"), TIER_WEIGHTS[code])[0] if talent else None
        median = TIER_MEDIAN[tier] if tier else EARNER_MEDIAN[code]
        persons = [head]
        relations = ["本人"]
        age = c.year - head.birth.year
        for _ in range(size - 1):
            if "配偶" not in relations and rng.random() < 0.85 and age >= 20:
                rel = "配偶"
                b = min(head.birth + timedelta(days=rng.randint(-1500, 1500)), date(c.year - 20, 12, 31))
            elif age >= 24 and relations.count("子女") < 3:
                rel = "子女"
                b = date(min(head.birth.year + rng.randint(22, 38), c.year - 1), 1, 1) + timedelta(
                    days=rng.randint(0, 364)
                )
                if b >= c:
                    b = c - timedelta(days=rng.randint(30, 300))
            elif age <= 58 and relations.count("父母") < 2:
                rel = "父母"
                b = max(date(1940, 1, 1), head.birth - timedelta(days=365 * rng.randint(22, 34)))
            else:
                rel = "其他"
                b = head.birth + timedelta(days=rng.randint(-2500, 2500))
            b = min(max(b, date(1940, 1, 1)), c - timedelta(days=30))
            local = head.local if rel in ("子女", "配偶") and rng.random() < 0.9 else rng.random() < 0.5
            p = self.new_person(rng, b, rng.random() < 0.5 if rel != "配偶" else not head.male, local)
            if rel in ("配偶", "父母"):
                self.extras(p, c)
            persons.append(p)
            relations.append(rel)
        members = []
        for i, (p, rel) in enumerate(zip(persons, relations, strict=True)):
            a = c.year - p.birth.year
            if a < 18 or (rel == "子女" and a < 22 and rng.random() < 0.8):
                income = assets = 0
                employed = False
                months = 0
            elif a >= 60:
                income = int(rng.lognormvariate(10.4, 0.35)) * 100 if rng.random() < 0.85 else 0
                assets = int(rng.lognormvariate(10.8, 1.0)) * 100
                employed = rng.random() < 0.05
                months = min((a - 16) * 12, rng.randint(0, 360)) if employed else 0
            else:
                employed = rng.random() < (0.97 if talent else 0.92 if i == 0 else 0.8)
                income = int(rng.lognormvariate(0, 0.5) * median) * 100 if employed else 0
                assets = int(rng.lognormvariate(10.6, 1.0)) * 100
                top = max(0, min((a - 16) * 12, 360))
                if not employed:
                    months = 0
                elif rng.random() < 0.07 or top < 6:
                    months = rng.randint(0, min(5, top))
                else:
                    months = rng.randint(6, top)
            local = p.local
            # hukou since birth, or moved in some years ago
            years = (a if rng.random() < 0.6 or rel == "子女" else rng.randint(0, max(0, a))) if local else 0
            members.append(ad.Member(rel, p.birth.year, income, assets, local, years, months, employed, p.bidx))
        return persons, members, tier

    def application(self, c: date) -> None:
        rng = self.ra
        code, policy, edition_id = self.pick_programme(c)
        head = self.applicant(code, c)
        persons, members, tier = self.household(code, policy, c, head)
        streets, cum = self.streets
        street, district = rng.choices(streets, cum_weights=cum)[0]
        self.next_app += 1
        self.app_seq[c.year] += 1
        app_no = f"BZ{c.year}{self.app_seq[c.year]:07d}"
        now = facts_on(persons, c)
        if now.homes_owned:
            housing = "owned"
        elif set(now.supported_by) & set(ASSISTED_AT_FULL_SCALE):
            housing = "assisted"
        else:
            housing = rng.choices(("rented", "other", "none"), (0.85, 0.1, 0.05))[0]
        industry = employer = None
        if tier:
            industry = rng.choice(nm.INDUSTRIES)
            employer = f"南京{rng.choice(nm.ESTATE_HEADS)}{rng.choice(nm.EMPLOYER_TAILS)}（合成）"
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        app = App(
            self.first_app + self.next_app - 1,
            app_no,
            code,
            policy,
            edition_id,
            district,
            street,
            _at(c, rng),
            persons,
            members,
            tier,
            industry,
            employer,
            housing,
            phone,
        )
        app.step(app.created, "applicant", "create", AppStatus.draft.value)
        self.report.members_owning_homes += sum(1 for p in persons if p.holdings)
        self.flow(app, c)

    def check(self, app: App, on: date, store: bool = True) -> ad.Eligibility:
        e = evaluate(app.policy, ad.Household(tuple(app.members), app.tier), facts_on(app.persons, on), on)
        if store:
            app.eligible = e.eligible
            app.eligibility = e.to_json()
            app.priority = e.priority_class
            app.checked_at = max(_ts(on), app.last)  # the submission step sets its own time below
        return e

    def flow(self, app: App, c: date) -> None:
        """The application's way through the review, from its creation to its state today (or until
        it waits for a draw)."""
        rng = self.ra
        today = self.today
        pol = app.policy
        sub = min(c + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))), today)
        if (today - c).days < 45 and rng.random() < 0.2:  # a draft not yet submitted
            if rng.random() < 0.5:
                self.check(app, sub)
            self.finish(app)
            return
        e = self.check(app, sub)
        if e.eligible:
            self.report.eligible_at_check += 1
        else:
            self.report.ineligible_at_check += 1
            # the submission is refused with the failed rules named; the applicant gives up or waits
            quit_day = sub + timedelta(days=rng.randint(5, 40))
            if quit_day <= today and rng.random() < 0.6:
                app.step(_at(quit_day, rng), "applicant", "withdraw", AppStatus.withdrawn.value)
                app.closed_at = app.last
            self.finish(app)
            return
        t = app.step(_at(sub, rng), "applicant", "submit", AppStatus.submitted.value)
        app.submitted_at = app.checked_at = t
        returned = False
        for lv in pol.review_levels:
            days = pol.review_days[lv]
            while True:
                app.level = lv
                app.due_at = t + timedelta(days=days)
                late = rng.random() < 0.12
                delay = rng.randint(days + 1, 2 * days) if late else rng.randint(max(1, days // 2), days)
                day = t.date() + timedelta(days=delay)
                if day > today:
                    self.finish(app)  # waiting at this level
                    return
                x = rng.random()
                if x < 0.04 and not returned:
                    returned = True
                    t = app.step(_at(day, rng), lv, "return", AppStatus.returned.value, rng.choice(nm.RETURN_REASONS))
                    app.level = app.due_at = None
                    again = day + timedelta(days=rng.randint(3, 25))
                    if again > today:
                        self.finish(app)
                        return
                    if not self.check(app, again, store=False).eligible:
                        t = app.step(_at(again, rng), "applicant", "withdraw", AppStatus.withdrawn.value)
                        app.closed_at = t
                        self.finish(app)
                        return
                    self.check(app, again)
                    t = app.step(_at(again, rng), "applicant", "submit", AppStatus.submitted.value)
                    app.checked_at = t
                    continue
                if x < 0.085:
                    t = app.step(_at(day, rng), lv, "reject", AppStatus.rejected.value, rng.choice(nm.REJECT_REASONS))
                    app.level = app.due_at = None
                    app.decided_at = app.closed_at = t
                    self.finish(app)
                    return
                if x < 0.10:
                    t = app.step(_at(day, rng), "applicant", "withdraw", AppStatus.withdrawn.value)
                    app.level = app.due_at = None
                    app.closed_at = t
                    self.finish(app)
                    return
                last = lv == pol.review_levels[-1]
                t = app.step(
                    _at(day, rng), lv, "approve", AppStatus.notice.value if last else AppStatus.submitted.value
                )
                break
        app.level = app.due_at = None
        app.notice_until = t + timedelta(days=pol.notice_days)
        if rng.random() < 0.01:  # an objection during the notice
            oday = t.date() + timedelta(days=rng.randint(1, max(1, pol.notice_days - 1)))
            if oday <= today:
                at = _at(oday, rng)
                app.step(at, "public", "objection", AppStatus.notice.value)
                rday = oday + timedelta(days=rng.randint(3, 15))
                upheld = rng.random() < 0.4
                text = rng.choice(nm.OBJECTION_TEXTS)
                if rday > today:
                    app.objections.append((text, at, "open", None, None, None))
                    self.finish(app)
                    return
                rat = _at(rday, rng)
                res = "经核查属实（合成）" if upheld else "经核查不属实（合成）"
                app.objections.append((text, at, "upheld" if upheld else "dismissed", res, ACTOR, rat))
                if upheld:
                    t = app.step(rat, "district", "objection_upheld", AppStatus.rejected.value, res)
                    app.decided_at = app.closed_at = t
                    self.finish(app)
                    return
                app.step(rat, "district", "objection_dismissed", AppStatus.notice.value, res)
        if app.notice_until.date() > today:
            self.finish(app)
            return
        t = app.step(max(app.notice_until, app.last), "system", "approve_final", AppStatus.approved.value)
        app.decided_at = t
        app.approved_on = t.date()
        if pol.benefit == ad.Benefit.home:
            self.waiting[app.code].append(app)
            return
        until = None
        if pol.benefit == ad.Benefit.subsidy and rng.random() < 0.06:
            end = app.approved_on + timedelta(days=rng.randint(365, 900))
            if end <= today:
                until = end
        self.start_benefit(app, app.approved_on, until)
        if until is not None:
            t = app.step(_at(until, rng), "district", "exit", AppStatus.exited.value, "年度复核不再符合条件（合成）")
            app.closed_at = t
        self.finish(app)
        return

    def start_benefit(self, app: App, since: date, until: date | None) -> None:
        kind = app.policy.benefit.value
        for p in app.persons:
            p.benefits.append((app.code, since, until))
            self.out_benefit.append((p.bidx, app.id, app.code, kind, since, until))

    # -- draws and allocation --------------------------------------------------------------------
    def take_home(self, code: str, bedrooms: int | None, on: date) -> int | None:
        pools = self.pool_homes[code]
        for b in range(bedrooms or 3, 0, -1):
            h = pools.get(b)
            if h and h[0][0] <= on:
                return heapq.heappop(h)[1]
        return None

    def draw(self, day: date, code: str) -> None:
        rng = self.ra
        waiting = self.waiting.get(code, [])
        frozen = day - timedelta(days=7)
        cands = sorted(
            (a for a in waiting if a.approved_on is not None and a.approved_on <= frozen), key=lambda a: a.id
        )
        if not cands:
            return
        seed = f"{rng.randrange(10**6):06d}"
        ids = [a.app_no for a in cands]
        list_hash, order, result_hash = lottery(ids, seed)
        self.next_draw += 1
        draw_id = self.first_draw + self.next_draw - 1
        draw_no = f"YH{day:%Y%m%d}{self.next_draw:04d}"
        policy = cands[0].policy
        half = "上" if day.month <= 6 else "下"
        self.out.add(
            draws,
            (
                draw_id,
                draw_no,
                code,
                None,
                f"{policy.name}{day.year}年{half}半年摇号（合成）",
                "drawn",
                ALGORITHM,
                len(cands),
                list_hash,
                _ts(frozen),
                ACTOR,
                seed,
                "合成数据：由生成器种子派生",
                json.dumps(["公证员（合成）", "群众代表（合成）"], ensure_ascii=False),
                result_hash,
                _ts(day),
                ACTOR,
                None,
            ),
        )
        self.report.draws += 1
        rank = {app_no: i for i, app_no in enumerate(order, start=1)}
        by_no = {a.app_no: a for a in cands}
        for pos, a in enumerate(cands, start=1):  # written last: waiting applications are written later
            self.candidates.append((draw_id, pos, a.id, a.app_no, rank[a.app_no]))
        self.report.draw_candidates += len(cands)
        offered = max(1, round(len(cands) * rng.uniform(0.5, 0.9)))
        given = 0
        for app_no in order:
            if given >= offered:
                break
            a = by_no[app_no]
            home = self.take_home(code, a.policy.bedrooms_allowed(len(a.members)), day)
            if home is None:
                continue
            given += 1
            self.allocate(a, home, draw_id, draw_no, rank[app_no], day)
        self.waiting[code] = [a for a in waiting if not a.allocated]

    def allocate(self, a: App, home: int, draw_id: int, draw_no: str, rank: int, day: date) -> None:
        rng = self.ra
        today = self.today
        info = self.assisted[home]
        a.allocated = True
        sel = min(day + timedelta(days=rng.randint(1, 10)), today)
        sel_at = a.step(
            _at(sel, rng), "system", "allocate", AppStatus.allocated.value, f"摇号 {draw_no} 第 {rank} 号选房"
        )
        status = "selected"
        contract_no = contracted = moved = ended = None
        end_reason = None
        cday = sel + timedelta(days=rng.randint(3, 15))
        end_day: date | None = None
        if cday <= today:
            status = "contracted"
            self.contract_serial += 1
            contract_no = f"HT{cday.year}{self.contract_serial:08d}"
            contracted = _at(cday, rng)
            mday = cday + timedelta(days=rng.randint(10, 40))
            if mday <= today:
                status = "moved_in"
                moved = _at(mday, rng)
                if a.code in RENTAL and rng.random() < 0.05:
                    e = mday + timedelta(days=rng.randint(180, 1000))
                    if e <= today:
                        end_day = e
            if a.code not in RENTAL:  # shared ownership and resettlement: the household becomes owner
                head = a.persons[0]
                share = 100 if a.code == "resettlement" else rng.choice((60, 70, 80))
                self.own_person(home, head, share, cday, None, info[4])
                if share < 100 and self.housing_company is not None:
                    hc = self.housing_company
                    self.own(home, "org", hc.bidx, hc.code, hc.name, 100 - share, cday, None)
        info[6] = "allocated"
        if end_day is not None:
            status = "ended"
            ended = _at(end_day, rng)
            end_reason = rng.choice(("租户主动退出（合成）", "年度复核不再符合条件（合成）"))
            info[6] = "available"
            heapq.heappush(self.pool_homes[a.code][info[3]], (end_day, home))
        self.out_allocations.append(
            (
                a.id,
                home,
                a.code,
                draw_id,
                rank,
                status,
                None if end_day else 1,
                info[2],
                sel_at,
                ACTOR,
                contract_no,
                contracted,
                moved,
                ended,
                end_reason,
            )
        )
        self.start_benefit(a, sel, end_day)
        if end_day is not None and ended is not None:
            t = a.step(ended, "district", "exit", AppStatus.exited.value, end_reason)
            a.closed_at = t
        self.finish(a)

    # -- writing an application ------------------------------------------------------------------
    def finish(self, app: App) -> None:
        """Write the application with everything about it, as it stands today."""
        kr = self.kr
        pending = 1 if app.status in ad.PENDING else None
        self.out.add(
            applications,
            (
                app.id,
                app.app_no,
                app.code,
                app.edition_id,
                None,
                app.district,
                app.street,
                app.status,
                app.level,
                app.due_at,
                app.priority,
                len(app.members),
                app.tier,
                app.industry,
                app.employer,
                app.housing_status,
                kr.encrypt(app.phone, "applications.contact_phone"),
                app.eligible,
                app.eligibility,
                app.checked_at,
                app.submitted_at,
                app.notice_until,
                app.decided_at,
                app.closed_at,
                app.created,
                app.last,
                len(app.steps),
            ),
        )
        self.report.applications += 1
        self.report.statuses[app.status] = self.report.statuses.get(app.status, 0) + 1
        for seq, (p, m) in enumerate(zip(app.persons, app.members, strict=True)):
            self.out.add(
                application_members,
                (
                    app.id,
                    seq,
                    m.relation,
                    kr.encrypt(p.name, "application_members.name"),
                    kr.encrypt(p.id_number, "application_members.id_number"),
                    p.bidx,
                    m.birth_year,
                    m.annual_income_fen,
                    m.assets_fen,
                    m.local_hukou,
                    m.hukou_years,
                    m.social_insurance_months,
                    m.employed,
                    pending,
                ),
            )
        self.report.members += len(app.persons)
        for at, level, action, frm, to, reason in app.steps:
            actor = ACTOR
            self.out.add(application_steps, (app.id, at, actor, level, action, frm, to, reason, None))
        self.report.steps += len(app.steps)
        for o in app.objections:
            self.out.add(objections, (app.id, *o))
        self.report.objections += len(app.objections)
        for b in self.out_benefit:
            self.out.add(benefits, b)
        self.report.benefits += len(self.out_benefit)
        self.out_benefit.clear()
        for al in self.out_allocations:
            self.out.add(allocations, al)
        self.report.allocations += len(self.out_allocations)
        self.out_allocations.clear()
        if pending is None and app.status != AppStatus.draft:
            free = app.last.date() + timedelta(days=1)
            if len(self.reuse) < max(100, self.n_apps // 10):
                self.reuse.append((free, app.persons[0]))
            else:
                self.reuse[self.ra.randrange(len(self.reuse))] = (free, app.persons[0])

    # -- the whole run ---------------------------------------------------------------------------
    out_benefit: list[tuple[Any, ...]]
    out_allocations: list[tuple[Any, ...]]
    candidates: list[tuple[Any, ...]]
    first_app: int
    first_draw: int

    def run(self) -> PeopleReport:
        self.out_benefit = []
        self.out_allocations = []
        self.candidates = []
        self.first_app = dialect.next_ids(self.conn, applications, 1)
        self.first_draw = dialect.next_ids(self.conn, draws, 1)
        self.load()
        self.progress("保障项目已载入", 0.03)
        self.owners()
        self.out.flush()
        self.applications()
        for hid in sorted(self.assisted):
            prog, dcode, scode, bedrooms, area, since, status = self.assisted[hid]
            policy = self.policies[prog][-1][0]
            rent = policy.rent_fen_per_m2 * area // 100 if policy.rent_fen_per_m2 else None
            price = SHARED_PRICE_FEN_PER_M2 * area // 100 if prog == "shared_ownership" else None
            self.out.add(assisted_homes, (hid, prog, dcode, scode, bedrooms, area, rent, price, status, since))
            self.report.assisted_homes[prog] = self.report.assisted_homes.get(prog, 0) + 1
        for row in self.candidates:
            self.out.add(draw_candidates, row)
        self.out.flush()
        return self.report


def generate_people(
    engine: Engine,
    keyring: Keyring,
    seed: int,
    *,
    scale: float | None = None,
    today: date | None = None,
    batch: int = 5000,
    progress: Callable[[str, float], None] | None = None,
    city_code: str = "320100",
) -> PeopleReport:
    """Owners, assisted homes and the assistance history of a synthetic city built by ``generate``.

    ``scale`` defaults to the register's size relative to the full-scale city. Refuses a database that
    already has owners or applications."""
    today = today or clock.today()
    report_progress = progress or (lambda msg, frac: None)
    with dialect.bulk_load(engine) as conn:
        n_homes = conn.execute(select(func.count()).select_from(homes)).scalar_one()
        if not n_homes:
            raise Conflict("登记簿为空：请先生成合成城市（anju synth）")
        for t in (home_owners, applications):
            if conn.execute(select(t.c.id).limit(1)).first() is not None:
                raise Conflict("已有产权人或保障申请数据：合成人口只能写入尚无这些数据的库")
        if scale is None:
            scale = n_homes / HOMES_AT_FULL_SCALE
        if not 0 < scale <= 2:
            raise ValueError("scale must be in (0, 2]")
        gen = PeopleGenerator(conn, keyring, seed, scale, today, batch, report_progress, city_code)
        # pysqlite opens its transaction only at the first INSERT/UPDATE/DELETE, and DDL before that
        # commits by itself: this no-op keeps the index drops below inside the load's transaction
        # (a failed or interrupted load then leaves the indexes as they were)
        conn.execute(home_owners.delete().where(false()))
        with dialect.deferred_indexes(conn, TABLES):
            report = gen.run()
            report_progress("正在建立索引", 0.96)
        dialect.reset_sequences(conn, [applications, draws])
        dialect.refresh_statistics(conn)
    dialect.after_bulk_load(engine, TABLES)
    report_progress("完成", 1.0)
    return report


__all__ = ["PeopleReport", "Person", "facts_on", "generate_people", "lottery"]
