"""Talent housing (人才安居) against the plan's 专栏5: applications and beneficiaries by tier, district,
industry and month, and talent homes per district — read set-wise within the caller's scope, as the
other figures (:mod:`anju.assistance.figures`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, func, select

from anju.assistance import domain
from anju.assistance.figures import (
    BENEFITS_APPS,
    SUPPLIED,
    area,
    area_name,
    current_benefit,
    district_of_street,
    division_names,
    keyset_pages,
    month_of,
    months_between,
    percent,
    programmes,
    visible_districts,
)
from anju.assistance.plan_targets import Targets
from anju.assistance.tables import applications, assisted_homes, benefits
from anju.core import clock
from anju.core.scope import Scope
from anju.divisions import divisions_table

#: The key of a missing tier, district or industry.
UNKNOWN = "未填写"


class TalentTotals(TypedDict):
    applications: int
    beneficiaries: int
    beneficiaries_period: int
    beneficiaries_now: int
    beneficiaries_target: int
    beneficiaries_progress_percent: float | None
    homes_period: int
    homes_target: int
    homes_progress_percent: float | None
    targets_cover_city: bool


class TierRow(TypedDict):
    tier: str
    applications: int
    beneficiaries: int


class TalentDistrict(TypedDict):
    code: str | None
    name: str
    applications: int
    beneficiaries: int
    homes: int
    homes_target: int | None
    progress_percent: float | None


class IndustryRow(TypedDict):
    industry: str
    applications: int
    beneficiaries: int


class TalentMonth(TypedDict):
    month: str
    applications: int
    beneficiaries: int


class Talent(TypedDict):
    """The talent-housing analysis of an area."""

    area_name: str
    first_year: int
    last_year: int
    totals: TalentTotals
    tiers: list[TierRow]
    districts: list[TalentDistrict]
    industries: list[IndustryRow]
    months: list[TalentMonth]
    source: str


def talent(
    conn: Connection, targets: Targets, *, scope: Scope, district: str | None = None, on: date | None = None
) -> Talent:
    """Talent housing (人才安居): applications and beneficiaries by tier, district, industry and month,
    and talent homes per district against 专栏5."""
    a = area(conn, scope, district)
    on = on or clock.today()
    catalogue = programmes(conn)
    codes = sorted(c for c, p in catalogue.items() if p.kind in targets.talent_kinds)
    home_codes = sorted(c for c, p in catalogue.items() if p.kind in targets.talent_home_kinds)
    district_expr = district_of_street()

    def in_plan(col: ColumnElement[Any]) -> ColumnElement[bool]:
        return col.between(date(targets.first_year, 1, 1), date(targets.last_year, 12, 31))

    scoped = a.where(applications.c.street_code)
    talent_apps = and_(applications.c.programme_code.in_(codes), applications.c.submitted_at.is_not(None), *scoped)
    talent_benefits = and_(benefits.c.programme_code.in_(codes), *scoped)
    apps_dv = applications.outerjoin(divisions_table, divisions_table.c.code == applications.c.street_code)
    ben_dv = BENEFITS_APPS.outerjoin(divisions_table, divisions_table.c.code == applications.c.street_code)
    person = func.count(distinct(benefits.c.id_bidx))

    def grouped(q: Any) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for key, n in conn.execute(q):
            out[key if key else UNKNOWN] += int(n)
        return out

    apps_tier = grouped(
        select(applications.c.talent_tier, func.count()).where(talent_apps).group_by(applications.c.talent_tier)
    )
    ben_tier = grouped(
        select(applications.c.talent_tier, person)
        .select_from(BENEFITS_APPS)
        .where(talent_benefits)
        .group_by(applications.c.talent_tier)
    )
    apps_district = grouped(
        select(district_expr, func.count()).select_from(apps_dv).where(talent_apps).group_by(district_expr)
    )
    ben_district = grouped(
        select(district_expr, person).select_from(ben_dv).where(talent_benefits).group_by(district_expr)
    )
    apps_industry = grouped(
        select(applications.c.industry, func.count()).where(talent_apps).group_by(applications.c.industry)
    )
    ben_industry = grouped(
        select(applications.c.industry, person)
        .select_from(BENEFITS_APPS)
        .where(talent_benefits)
        .group_by(applications.c.industry)
    )
    hd = divisions_table.alias("hd")
    home_district = func.coalesce(hd.c.managing_code, hd.c.parent_code)
    homes_district = grouped(
        select(home_district, func.count())
        .select_from(assisted_homes.outerjoin(hd, hd.c.code == assisted_homes.c.street_code))
        .where(
            assisted_homes.c.programme_code.in_(home_codes),
            SUPPLIED,
            in_plan(assisted_homes.c.since),
            *a.where(assisted_homes.c.street_code),
        )
        .group_by(home_district)
    )
    everyone, in_period, now = conn.execute(
        select(
            person,
            func.count(distinct(case((in_plan(benefits.c.since), benefits.c.id_bidx), else_=None))),
            func.count(distinct(case((current_benefit(on), benefits.c.id_bidx), else_=None))),
        )
        .select_from(BENEFITS_APPS)
        .where(talent_benefits)
    ).one()
    # months: applications submitted (Beijing time), and persons whose first talent benefit began
    apps_month: dict[str, int] = defaultdict(int)
    for (submitted,) in keyset_pages(conn, select(applications.c.submitted_at).where(talent_apps), applications.c.id):
        apps_month[month_of(submitted)] += 1
    first_since = (
        select(func.min(benefits.c.since).label("since"))
        .select_from(BENEFITS_APPS)
        .where(talent_benefits)
        .group_by(benefits.c.id_bidx)
        .subquery()
    )
    ben_month: dict[str, int] = defaultdict(int)
    for since, n in conn.execute(select(first_since.c.since, func.count()).group_by(first_since.c.since)):
        ben_month[since.strftime("%Y-%m")] += int(n)
    seen = sorted(set(apps_month) | set(ben_month))
    months = months_between(seen[0], seen[-1]) if seen else []
    names = division_names(conn)
    if a.whole == "":
        shown = set(targets.talent_homes_by_district) | set(visible_districts(conn, a))
    else:
        shown = set(visible_districts(conn, a))
    shown |= {k for k in (*apps_district, *ben_district, *homes_district) if k != UNKNOWN}
    shown |= {UNKNOWN} & {*apps_district, *ben_district}
    district_rows: list[TalentDistrict] = []
    for code in sorted(shown, key=lambda c: (c == UNKNOWN, c)):
        target = targets.talent_homes_by_district.get(code)
        homes = homes_district.get(code, 0)
        district_rows.append(
            {
                "code": code if code != UNKNOWN else None,
                "name": names.get(code, code) if code != UNKNOWN else "未知",
                "applications": apps_district.get(code, 0),
                "beneficiaries": ben_district.get(code, 0),
                "homes": homes,
                "homes_target": target,
                "progress_percent": percent(homes, target),
            }
        )
    tiers = [*domain.TIERS, *sorted((set(apps_tier) | set(ben_tier)) - set(domain.TIERS))]
    industries = sorted(
        set(apps_industry) | set(ben_industry), key=lambda k: (-apps_industry.get(k, 0), -ben_industry.get(k, 0), k)
    )
    homes_total = sum(homes_district.values())
    return {
        "area_name": area_name(names, a),
        "first_year": targets.first_year,
        "last_year": targets.last_year,
        "totals": {
            "applications": sum(apps_tier.values()),
            "beneficiaries": int(everyone),
            "beneficiaries_period": int(in_period),
            "beneficiaries_now": int(now),
            "beneficiaries_target": targets.talent_beneficiaries,
            "beneficiaries_progress_percent": percent(int(in_period), targets.talent_beneficiaries),
            "homes_period": homes_total,
            "homes_target": targets.talent_homes,
            "homes_progress_percent": percent(homes_total, targets.talent_homes),
            "targets_cover_city": a.whole == "",
        },
        "tiers": [{"tier": t, "applications": apps_tier.get(t, 0), "beneficiaries": ben_tier.get(t, 0)} for t in tiers],
        "districts": district_rows,
        "industries": [
            {"industry": k, "applications": apps_industry.get(k, 0), "beneficiaries": ben_industry.get(k, 0)}
            for k in industries
        ],
        "months": [
            {"month": m, "applications": apps_month.get(m, 0), "beneficiaries": ben_month.get(m, 0)} for m in months
        ],
        "source": targets.talent_source,
    }
