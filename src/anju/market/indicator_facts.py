"""The monthly facts the health indicators are computed from, read set-wise: one grouped query per kind
of fact over every district and month at once (a month table joined to the facts), never a query per
area or per month. A fact is an additive figure per (district, month): the city's figure is the sum
over every district (rows without a known district count for the city only).

Month of a fact: a sale (new home or resale) by the one definition of "the sales of a month"
(:mod:`anju.market.sales_month`: filed new-home contracts, filed or registered resale contracts, by the
local Asia/Shanghai month they were signed — the same sales the supply pipeline counts); a lease is
counted when it is in force on the month's last day, a credit event by ``occurred_on``, a benefit when
current on the month's last day, a listing's end by ``closed_at`` (local month: the month table's
timestamp bounds are local midnights).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    String,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import Subquery

from anju import assistance, credit, registry, rental, transactions
from anju.core import dialect
from anju.core.clock import CITY_TZ
from anju.core.types import UTCDateTime
from anju.divisions import divisions_table
from anju.market import domain, sales_month
from anju.market.tables import market_index_values, market_supply

SMALL_AREA = 90  # m²: the statistical bureau's small-home band (domain.BANDS le90)

#: (district or None, month) → figure
Fact = dict[tuple[str | None, str], float]


@dataclass
class Facts:
    """Everything the indicators need, read once per run."""

    #: (area, month) → the run's supply row (a mapping of market_supply's columns)
    supply: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: (segment, area, month) → (mom, yoy) of the run's hedonic index (band all)
    index: dict[tuple[str, str, str], tuple[float | None, float | None]] = field(default_factory=dict)
    #: (method, segment, area, month) → the status (ok | thin | none) of the run's index cell (band all),
    #: for the months read and the twelve before them (a year-on-year ratio compares with those)
    index_status: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    #: (area, month) → median unit price of new homes (fen per m², the run's median method, band all)
    median_new: dict[tuple[str, str], int] = field(default_factory=dict)
    #: name → additive monthly fact per district
    sums: dict[str, Fact] = field(default_factory=lambda: defaultdict(dict))
    #: (area, month) → distinct persons with a current benefit on the month's last day
    covered: dict[tuple[str, str], int] = field(default_factory=dict)
    #: district (None: the city) → homes in the register now (现房 / 使用)
    homes: dict[str | None, int] = field(default_factory=dict)
    #: district (None: the city) → developers and agencies with a credit file
    credit_subjects: dict[str | None, int] = field(default_factory=dict)
    #: resales made on a listing, aggregated in the database by (district, month) and by (None, month)
    #: for the city
    listed_sales: dict[tuple[str | None, str], ListedSales] = field(default_factory=dict)
    #: the synthetic city's scale (None: real data), the resident population (street database, read
    #: through ``assistance.population_in``)
    scale: float | None = None
    population: dict[str | None, int] = field(default_factory=dict)
    population_note: str = ""

    #: name → month → the city's figure (every district's and the unplaced rows' sum), summed once
    city_sums: dict[str, dict[str, float]] = field(default_factory=dict)

    def finish(self) -> None:
        """Sum the city's figures once (after every fact is read)."""
        self.city_sums = {}
        for name, fact in self.sums.items():
            per: dict[str, float] = defaultdict(float)
            for (_d, m), v in fact.items():
                per[m] += v
            self.city_sums[name] = dict(per)

    def total(self, name: str, area: str, month: str, city: str) -> float:
        """The fact for an area (a district, or the city: every district's and the unplaced rows' sum)."""
        if area == city:
            if name not in self.city_sums and name in self.sums:
                self.finish()
            return float(self.city_sums.get(name, {}).get(month, 0.0))
        return float(self.sums.get(name, {}).get((area, month), 0))


@dataclass(frozen=True)
class ListedSales:
    """The resales of a (district, month) made on a listing: their count, the mean asking-to-contract
    spread in percent (over listings with an asking price > 0; None without), and the mean days on the
    market from publication (else creation) to the signing date (None without any)."""

    sales: int
    spread_sales: int
    mean_spread_pct: float | None
    dated_sales: int
    mean_days: float | None


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CITY_TZ).astimezone(UTC)


def month_table(months: Sequence[str]) -> Subquery:
    """A table of the months: ``month``, ``lo``/``hi`` (first day, first day of the next), ``last`` (its
    last day), and ``lo_ts``/``hi_ts`` (local midnight of lo/hi in Asia/Shanghai, as UTC instants, for
    timestamps)."""
    rows = []
    for m in months:
        lo = date(*domain.parse_month(m), 1)
        hi = date(*domain.parse_month(domain.add_months(m, 1)), 1)
        rows.append(
            select(
                literal(m, String).label("month"),
                literal(lo, Date).label("lo"),
                literal(hi, Date).label("hi"),
                literal(hi - timedelta(days=1), Date).label("last"),
                literal(_local_midnight(lo), UTCDateTime).label("lo_ts"),
                literal(_local_midnight(hi), UTCDateTime).label("hi_ts"),
            )
        )
    return union_all(*rows).subquery("m")


def _put(facts: Facts, name: str, rows: Iterable[Any]) -> None:
    target = facts.sums[name]
    for district, month, value in rows:
        target[(district, month)] = target.get((district, month), 0) + float(value or 0)


def _one(x: Any) -> Any:
    return case((x, 1), else_=0)


def read_facts(conn: Connection, *, run_id: int, city: str, months: Sequence[str]) -> Facts:
    """Every fact of ``months`` (the scored months and their eleven months of history)."""
    f = Facts()
    months = list(months)
    m = month_table(months)
    _run_rows(conn, f, run_id, months)
    _sales(conn, f, m)
    _investors(conn, f, m)
    _rental(conn, f, m)
    _credit(conn, f, m)
    _assistance(conn, f, m, city)
    _listings(conn, f, m)
    _listing_ends(conn, f, m)
    f.scale = registry.synthetic_scale(conn)
    f.finish()
    return f


# ---------------------------------------------------------------------------------- the run's own rows


def _run_rows(conn: Connection, f: Facts, run_id: int, months: list[str]) -> None:
    wanted = set(months)
    s = market_supply
    for r in conn.execute(select(s).where(s.c.run_id == run_id, s.c.month.in_(months))).mappings():
        f.supply[(r["area_code"], r["month"])] = r
    iv = market_index_values
    # the months read and the twelve before them: a year-on-year ratio compares with month − 12
    wide = domain.months_between(domain.add_months(min(months), -12), max(months)) if months else []
    for seg, area, month, method, mom, yoy, median, status in conn.execute(
        select(
            iv.c.segment,
            iv.c.area_code,
            iv.c.month,
            iv.c.method,
            iv.c.mom,
            iv.c.yoy,
            iv.c.median_unit_price_fen,
            iv.c.status,
        ).where(
            iv.c.run_id == run_id,
            iv.c.band == "all",
            iv.c.method.in_(("hedonic", "median")),
            iv.c.month.in_(wide),
        )
    ):
        f.index_status[(method, seg, area, month)] = status
        if month not in wanted:
            continue
        if method == "hedonic":
            f.index[(seg, area, month)] = (mom, yoy)
        elif seg == "new" and median is not None:
            f.median_new[(area, month)] = int(median)


# ---------------------------------------------------------------------------------------- sales


def _in_month(conn: Connection, segment: str, m: Subquery) -> Any:
    """Join condition: the sales of ``segment`` in the month table's month (:mod:`.sales_month`)."""
    where, month = sales_month.sold(conn, segment)
    return and_(where, month == m.c.month)


def _sales(conn: Connection, f: Facts, m: Subquery) -> None:
    sc = transactions.sale_contracts
    sup = transactions.presale_fund_supervisions
    small = Decimal(SMALL_AREA)
    rows = conn.execute(
        select(
            sc.c.district_code,
            m.c.month,
            func.count(),
            func.sum(_one(sc.c.area <= small)),
            func.sum(_one(sc.c.loan_fen > 0)),
            func.sum(sc.c.total_price_fen),
            func.sum(case((sup.c.project_id.is_not(None), sc.c.total_price_fen), else_=0)),
        )
        .select_from(sc.join(m, _in_month(conn, "new", m)).outerjoin(sup, sup.c.project_id == sc.c.project_id))
        .group_by(sc.c.district_code, m.c.month)
    ).all()
    for name, col in (("new_n", 2), ("small_n", 3), ("loan_n", 4), ("new_fen", 5), ("supervised_fen", 6)):
        _put(f, name, [(r[0], r[1], r[col]) for r in rows])
    rc = transactions.resale_contracts
    rows = conn.execute(
        select(
            rc.c.district_code,
            m.c.month,
            func.count(),
            func.sum(_one(rc.c.area <= small)),
            func.sum(_one(rc.c.loan_fen > 0)),
        )
        .select_from(rc.join(m, _in_month(conn, "resale", m)))
        .group_by(rc.c.district_code, m.c.month)
    ).all()
    for name, col in (("resale_n", 2), ("small_n", 3), ("loan_n", 4)):
        _put(f, name, [(r[0], r[1], r[col]) for r in rows])


def _investors(conn: Connection, f: Facts, m: Subquery) -> None:
    """Buyers who owned two or more homes on the register at the start of the month they bought in."""
    ho = registry.home_owners.c
    for table, in_month in (
        (transactions.sale_contracts, _in_month(conn, "new", m)),
        (transactions.resale_contracts, _in_month(conn, "resale", m)),
    ):
        c = table.c
        owned = (
            select(c.id, c.district_code.label("district"), m.c.month.label("month"))
            .select_from(
                table.join(m, in_month).join(
                    registry.home_owners,
                    and_(
                        ho.owner_bidx == c.buyer_id_bidx,
                        ho.superseded_at.is_(None),
                        ho.acquired_on < m.c.lo,
                        or_(ho.released_on.is_(None), ho.released_on >= m.c.lo),
                    ),
                )
            )
            .group_by(c.id, c.district_code, m.c.month)
            .having(func.count(distinct(ho.home_id)) >= 2)
            .subquery()
        )
        _put(
            f,
            "investor_n",
            conn.execute(
                select(owned.c.district, owned.c.month, func.count()).group_by(owned.c.district, owned.c.month)
            ).all(),
        )


# --------------------------------------------------------------------------------- rental, register

LET = ("filed", "terminated", "expired")  # filed leases (not cancelled filings)
STOCK = ("现房", "使用")  # registry.Status.completed, in_use


def _rental(conn: Connection, f: Facts, m: Subquery) -> None:
    le = rental.rental_leases.c
    _put(
        f,
        "leases",
        conn.execute(
            select(le.district_code, m.c.month, func.count())
            .select_from(
                rental.rental_leases.join(
                    m,
                    and_(
                        le.status.in_(LET),
                        le.filed_at.is_not(None),
                        le.start_on <= m.c.last,
                        le.end_on >= m.c.last,
                        or_(le.ended_on.is_(None), le.ended_on > m.c.last),
                    ),
                )
            )
            .group_by(le.district_code, m.c.month)
        ).all(),
    )
    h = registry.homes.c
    rows = conn.execute(
        select(h.district_code, func.count()).where(h.status.in_(STOCK)).group_by(h.district_code)
    ).all()
    f.homes = {r[0]: int(r[1]) for r in rows}
    f.homes[None] = sum(int(r[1]) for r in rows)


# --------------------------------------------------------------------------------------- credit

CREDIT_TYPES = ("developer", "agency")


def _credit(conn: Connection, f: Facts, m: Subquery) -> None:
    negative = [k.code for k in credit.catalogue().kinds.values() if k.negative]
    ev, cs = credit.credit_events.c, credit.credit_subjects.c
    _put(
        f,
        "credit_events",
        conn.execute(
            select(cs.district_code, m.c.month, func.count())
            .select_from(
                credit.credit_events.join(credit.credit_subjects, cs.subject_bidx == ev.subject_bidx).join(
                    m, and_(ev.occurred_on >= m.c.lo, ev.occurred_on < m.c.hi)
                )
            )
            .where(cs.kind.in_(CREDIT_TYPES), ev.kind.in_(negative))
            .group_by(cs.district_code, m.c.month)
        ).all(),
    )
    rows = conn.execute(
        select(cs.district_code, func.count()).where(cs.kind.in_(CREDIT_TYPES)).group_by(cs.district_code)
    ).all()
    f.credit_subjects = {r[0]: int(r[1]) for r in rows}
    f.credit_subjects[None] = sum(int(r[1]) for r in rows)


# ----------------------------------------------------------------------------------- assistance


def _assistance(conn: Connection, f: Facts, m: Subquery, city: str) -> None:
    b, a, dv = assistance.benefits.c, assistance.applications.c, divisions_table.c
    current = and_(b.since <= m.c.last, or_(b.until.is_(None), b.until > m.c.last))
    joined = (
        assistance.benefits.join(m, current)
        .outerjoin(assistance.applications, a.id == b.application_id)
        .outerjoin(divisions_table, dv.code == a.street_code)
    )
    for district, month, n in conn.execute(
        select(dv.parent_code, m.c.month, func.count(distinct(b.id_bidx)))
        .select_from(joined)
        .group_by(dv.parent_code, m.c.month)
    ):
        if district is not None:
            f.covered[(district, month)] = int(n)
    for month, n in conn.execute(
        select(m.c.month, func.count(distinct(b.id_bidx))).select_from(joined).group_by(m.c.month)
    ):
        f.covered[(city, month)] = int(n)
    ah = assistance.assisted_homes.c
    _put(
        f,
        "assisted_homes",
        conn.execute(
            select(ah.district_code, m.c.month, func.count())
            .select_from(assistance.assisted_homes.join(m, and_(ah.since <= m.c.last, ah.status != "withdrawn")))
            .group_by(ah.district_code, m.c.month)
        ).all(),
    )
    population = assistance.population_in(conn, city)
    f.population = {} if population.city is None else {None: population.city}
    f.population.update(population.districts or {})
    f.population_note = population.source


# ------------------------------------------------------------------------------------- listings


def _listings(conn: Connection, f: Facts, m: Subquery) -> None:
    """Resales made on a listing, aggregated per (district, month) in the database (one query; the city
    row from the same sums): count, Σ spread over listings with an asking price, Σ days listed."""
    rc, rl = transactions.resale_contracts.c, transactions.resale_listings.c
    asking = rl.asking_price_fen
    spread = case((asking > 0, 100.0 * (asking - rc.total_price_fen) / asking))
    days = dialect.days_between(conn, func.coalesce(rl.published_at, rl.created_at), rc.signed_on)
    rows = conn.execute(
        select(
            rc.district_code,
            m.c.month,
            func.count(),
            func.count(spread),
            func.sum(spread),
            func.count(days),
            func.sum(days),
        )
        .select_from(
            transactions.resale_contracts.join(m, _in_month(conn, "resale", m)).join(
                transactions.resale_listings, rl.id == rc.listing_id
            )
        )
        .group_by(rc.district_code, m.c.month)
    ).all()
    city: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0, 0.0])
    for district, month, n, n_spread, sum_spread, n_days, sum_days in rows:
        parts = (int(n), int(n_spread), float(sum_spread or 0), int(n_days), float(sum_days or 0))
        f.listed_sales[(district, month)] = _listed(*parts)
        acc = city[month]
        for i, v in enumerate(parts):
            acc[i] += v
    for month, (n, n_spread, sum_spread, n_days, sum_days) in city.items():
        f.listed_sales[(None, month)] = _listed(int(n), int(n_spread), sum_spread, int(n_days), sum_days)


def _listed(n: int, n_spread: int, sum_spread: float, n_days: int, sum_days: float) -> ListedSales:
    return ListedSales(n, n_spread, sum_spread / n_spread if n_spread else None, n_days,
                       sum_days / n_days if n_days else None)  # fmt: skip


def _listing_ends(conn: Connection, f: Facts, m: Subquery) -> None:
    rl = transactions.resale_listings.c
    _put(
        f,
        "listings_withdrawn",
        conn.execute(
            select(rl.district_code, m.c.month, func.count())
            .select_from(
                transactions.resale_listings.join(
                    m, and_(rl.closed_at >= m.c.lo_ts, rl.closed_at < m.c.hi_ts, rl.status == "withdrawn")
                )
            )
            .group_by(rl.district_code, m.c.month)
        ).all(),
    )
    _put(
        f,
        "listings_ended",
        conn.execute(
            select(rl.district_code, m.c.month, func.count())
            .select_from(
                transactions.resale_listings.join(
                    m,
                    and_(rl.closed_at >= m.c.lo_ts, rl.closed_at < m.c.hi_ts, rl.status.in_(("withdrawn", "sold"))),
                )
            )
            .group_by(rl.district_code, m.c.month)
        ).all(),
    )
