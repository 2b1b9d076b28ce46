"""The synthetic city's property services (issue 22, part "services"; ``anju.synth.estates.services``
calls :func:`synthetic_services`): property-service companies, projects on
a realistic share of the register's residential estates (lower for old estates), a third of them
chosen by tender (3–5 scored bids, the award by the same rule as live tenders), and a handover
inspection per project. Written in bulk, every value through the same field checks as live data
(``services_companies.company_fields``, ``services_projects.project_fields``, the scoring rules).
The context writes its own tables; the synth package only drives it."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, bindparam, func, select
from stdnum.cn import uscc

from anju import credit, registry
from anju.core import clock
from anju.core.errors import FieldError, ValidationError
from anju.estates import services_rules
from anju.estates.services_companies import (
    CompanyIn,
    CompanyValues,
    company_fields,
    company_subject,
    validate_company,
)
from anju.estates.services_coverage import RESIDENTIAL, STANDING
from anju.estates.services_projects import ProjectIn, project_fields
from anju.estates.tables import (
    estates_bids,
    estates_companies,
    estates_handovers,
    estates_project_fees,
    estates_projects,
    estates_tenders,
)
from anju.security import Keyring

_ALNUM = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WORDS = (
    "安居",
    "金陵",
    "秦淮",
    "紫金",
    "钟山",
    "长江",
    "玄武",
    "鼓楼",
    "雨花",
    "栖霞",
    "百合",
    "明城",
    "翠屏",
    "银城",
)
_TAILS = ("物业管理有限公司", "物业服务有限公司", "物业服务集团有限公司", "城市服务有限公司")


def _credit_code(rng: random.Random, district: str) -> str:
    body = "91" + district[:6] + "".join(rng.choice(_ALNUM) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


def _check(errors: list[FieldError], what: str) -> None:
    if errors:
        raise ValidationError(f"合成{what}未通过校验：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)


def _at(d: date) -> datetime:
    return datetime.combine(d, time(9, 0), tzinfo=clock.CITY_TZ)


def _companies(
    conn: Connection, kr: Keyring, rng: random.Random, n: int, streets: Sequence[Any], now: datetime
) -> list[int]:
    rows, seen = [], set()
    for i in range(n):
        st = rng.choice(streets)
        cmd = CompanyIn(
            _credit_code(rng, st.district_code),
            f"南京{rng.choice(_WORDS)}{rng.choice(_WORDS)}{_TAILS[i % len(_TAILS)]}（{i + 1:03d}）",
            rng.choices(("grade1", "grade2", "grade3", "none"), (1, 3, 4, 2))[0],
            rng.randint(20, 3000),
            st.street_code,
        )
        errors: list[FieldError] = []
        code, name = company_fields(cmd, errors)
        _check(errors, "物业服务企业")
        if code in seen:
            continue
        seen.add(code)
        status = "suspended" if rng.random() < 0.03 else "filed"
        rows.append({
            "credit_code": code, "name": name, "qualification": cmd.qualification, "staff": cmd.staff,
            "district_code": st.district_code, "street_code": st.street_code, "status": status,
            "filed_at": now - timedelta(days=rng.randint(30, 3000)), "filed_by": None, "updated_at": now,
        })  # fmt: skip
    ids = conn.execute(
        estates_companies.insert().returning(estates_companies.c.id, sort_by_parameter_order=True), rows
    ).scalars()
    made = list(zip((int(x) for x in ids), rows, strict=True))
    # every company gets its credit file (set-wise), as a live filing does
    credit.ensure_subjects(conn, [company_subject(kr, cid, cast(CompanyValues, r)) for cid, r in made], now)
    return [cid for cid, r in made if r["status"] == "filed"]


def _numbered(conn: Connection, column: Any, head: str) -> int:
    """How far this year's numbering has gone (the synthetic records continue it)."""
    last = conn.execute(select(func.max(column)).where(column.like(f"{head}%"))).scalar_one()
    return int(last[len(head) :]) if last else 0


def _residential_estates(conn: Connection) -> Sequence[Any]:
    """The estates with a standing residential home (the homes grouped by estate first, one scan)."""
    h, e = registry.homes, registry.estates
    with_homes = select(h.c.estate_id).where(h.c.use.in_(RESIDENTIAL), h.c.status.in_(STANDING)).group_by(h.c.estate_id)
    return conn.execute(
        select(e.c.id, e.c.district_code, e.c.street_code, e.c.year_built)
        .where(e.c.id.in_(with_homes))
        .order_by(e.c.id)
    ).all()


def _bids(rng: random.Random, company_ids: list[int], fee: int, at: datetime) -> tuple[list[dict[str, Any]], int]:
    """3–5 bids around ``fee``, scored and won by the live rules; (bids, index of the winner)."""
    bidders = rng.sample(company_ids, min(len(company_ids), rng.randint(3, 5)))
    offers = {i: max(20, fee + rng.randint(-40, 60)) for i in range(len(bidders))}
    prices = services_rules.price_scores(offers)
    scored: list[dict[str, Any]] = []
    ranked = []
    for i, cid in enumerate(bidders):
        tech = services_rules.technical_score(Decimal(rng.randint(6000, 9800)) / 100)
        total = services_rules.total_score(tech, prices[i])
        when = at + timedelta(minutes=i)
        ranked.append(services_rules.ScoredBid(i, offers[i], total, when))
        scored.append({
            "company_id": cid, "fee_fen_per_m2": offers[i], "technical_score": tech, "price_score": prices[i],
            "total_score": total, "note": None, "submitted_at": when, "status": "lost",
        })  # fmt: skip
    win = services_rules.winner(ranked)
    scored[win]["status"] = "won"
    return scored, win


def _handovers(
    conn: Connection, rng: random.Random, ids: list[int], projects: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """One handover inspection per project, a few days before it starts."""
    handovers = []
    for pid, p in zip(ids, projects, strict=True):
        n = rng.randint(20, 80)
        defects = rng.choice((0, 0, 0, rng.randint(1, 6)))
        handovers.append({
            "project_id": pid, "inspected_on": p["starts_on"] - timedelta(days=rng.randint(3, 20)),
            "items_checked": n, "defects": defects, "result": "accepted" if defects == 0 else "with_defects",
            "note": None, "recorded_by": None, "recorded_at": now,
        })  # fmt: skip
    conn.execute(estates_handovers.insert(), handovers)
    return handovers


def synthetic_services(
    conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date
) -> dict[str, int]:
    """What this part made, by name (counts)."""
    now = _at(today)
    year = today.year
    streets = conn.execute(
        select(registry.estates.c.district_code, registry.estates.c.street_code)
        .group_by(registry.estates.c.district_code, registry.estates.c.street_code)
        .order_by(registry.estates.c.street_code)
    ).all()
    if not streets:
        return {}
    company_ids = _companies(conn, kr, rng, 20 + round(300 * scale), streets, now)
    estates = _residential_estates(conn)
    t_base = _numbered(conn, estates_tenders.c.tender_no, f"ZB{year}")
    p_base = _numbered(conn, estates_projects.c.project_no, f"WY{year}")
    tenders: list[dict[str, Any]] = []
    bids: list[list[dict[str, Any]]] = []
    projects: list[dict[str, Any]] = []
    fees: list[dict[str, int]] = []
    for e in estates:
        old = (e.year_built or 2000) < 2000
        if rng.random() >= (0.72 if old else 0.95):
            continue
        starts = today - timedelta(days=rng.randint(0, 700) * 3 // 2)  # within ≈ 2.9 years: 3-year terms still running
        ends = starts + timedelta(days=365 * 3)
        kind = "early" if (e.year_built or 0) >= today.year - 3 else "owners"
        chosen = "tender" if rng.random() < 1 / 3 else rng.choice(("owners", "negotiation"))
        company = rng.choice(company_ids)
        fee = rng.randint(60, 350) if not old else rng.randint(30, 120)
        if chosen == "tender":
            scored, win = _bids(rng, company_ids, fee, _at(starts - timedelta(days=40)))
            company, fee = int(scored[win]["company_id"]), int(scored[win]["fee_fen_per_m2"])
            tenders.append({
                "tender_no": f"ZB{year}{t_base + len(tenders) + 1:06d}", "estate_id": e.id, "kind": kind,
                "title": "物业服务招标", "published_on": starts - timedelta(days=60),
                "closes_on": starts - timedelta(days=40), "status": "awarded", "awarded_bid_id": None,
                "awarded_on": starts - timedelta(days=30), "district_code": e.district_code,
                "street_code": e.street_code, "created_at": now, "created_by": None,
            })  # fmt: skip
            bids.append(scored)
        cmd = ProjectIn(
            e.id, company, kind, chosen, f"WYHT-{year}-{len(projects) + 1:06d}", starts, ends,
            rng.choice("12345"), {registry.Use.residential.value: fee},
            tender_id=len(tenders) if chosen == "tender" else None,
        )  # fmt: skip
        errors: list[FieldError] = []
        contract, fee_map = project_fields(cmd, errors)
        _check(errors, "物业服务项目")
        projects.append({
            "project_no": f"WY{year}{p_base + len(projects) + 1:06d}", "estate_id": e.id, "company_id": company,
            "kind": kind, "chosen_by": chosen, "tender_id": cmd.tender_id, "vote_id": None,
            "contract_no": contract, "starts_on": starts, "ends_on": ends, "service_level": cmd.service_level,
            "status": "active", "ended_on": None, "end_reason": None, "district_code": e.district_code,
            "street_code": e.street_code, "created_at": now, "created_by": None,
        })  # fmt: skip
        fees.append(fee_map)
    made = {"companies": len(company_ids), "projects": 0, "tenders": 0, "bids": 0, "handovers": 0}
    if not projects:
        return made
    tender_ids: list[int] = []
    if tenders:
        tender_ids = [
            int(x)
            for x in conn.execute(
                estates_tenders.insert().returning(estates_tenders.c.id, sort_by_parameter_order=True), tenders
            ).scalars()
        ]
        rows = [b | {"tender_id": tid} for tid, group in zip(tender_ids, bids, strict=True) for b in group]
        bid_ids = conn.execute(
            estates_bids.insert().returning(estates_bids.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        won = [(r["tender_id"], int(bid)) for bid, r in zip(bid_ids, rows, strict=True) if r["status"] == "won"]
        conn.execute(
            estates_tenders.update()
            .where(estates_tenders.c.id == bindparam("t"))
            .values(awarded_bid_id=bindparam("b")),
            [{"t": t, "b": b} for t, b in won],
        )
        made |= {"tenders": len(tender_ids), "bids": len(rows)}
    for p in projects:
        if p["tender_id"] is not None:
            p["tender_id"] = tender_ids[p["tender_id"] - 1]
    project_ids = [
        int(x)
        for x in conn.execute(
            estates_projects.insert().returning(estates_projects.c.id, sort_by_parameter_order=True), projects
        ).scalars()
    ]
    conn.execute(
        estates_project_fees.insert(),
        [{"project_id": pid, "home_use": u, "fee_fen_per_m2": f} for pid, fm in zip(project_ids, fees, strict=True)
         for u, f in fm.items()],
    )  # fmt: skip
    handovers = _handovers(conn, rng, project_ids, projects, now)
    made |= {"projects": len(project_ids), "handovers": len(handovers)}
    return made


def attach_demo_company(conn: Connection, kr: Keyring, org_code: str, name: str) -> int | None:
    """A demo database only: the demo agency account's enterprise (``org_code``) becomes a filed
    property-service company (through the filing checks) serving two of the synthetic projects, so its
    staff's page has something to show. Its credit file is created unless the code has one already
    (the rental context's demo enterprise may hold it). Returns the company, or None if already there
    or there is nothing to attach."""
    if conn.execute(select(estates_companies.c.id).where(estates_companies.c.credit_code == org_code)).first():
        return None
    p = estates_projects.c
    projects = conn.execute(
        select(p.id, p.street_code).where(p.status == "active", p.tender_id.is_(None)).order_by(p.id).limit(2)
    ).all()
    if not projects:
        return None
    values = validate_company(conn, CompanyIn(org_code, name, "grade2", 120, projects[0].street_code))
    now = clock.now()
    cid = int(
        conn.execute(
            estates_companies.insert()
            .values(**values, status="filed", filed_at=now, filed_by=None, updated_at=now)
            .returning(estates_companies.c.id)
        ).scalar_one()
    )
    subject = company_subject(kr, cid, values)
    s = credit.credit_subjects.c
    if conn.execute(select(s.id).where(s.subject_bidx == subject.subject_bidx)).first() is None:
        credit.ensure_subjects(conn, [subject], now)
    conn.execute(
        estates_projects.update()
        .where(p.id.in_([int(x.id) for x in projects]), p.tender_id.is_(None))
        .values(company_id=cid)
    )
    return cid
