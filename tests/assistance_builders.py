"""Builders of housing-assistance data for tests: approved applications and assisted homes, written
directly (the review flow itself is tested in ``test_assistance.py``)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select
from stdnum.cn import ric

from anju.assistance import catalogue, tenancy
from anju.assistance.tables import application_members, applications, assisted_homes
from anju.core import clock
from anju.core.scope import SYSTEM
from anju.registry import homes
from anju.security import Keyring

_PEOPLE = itertools.count(1)
_APPS = itertools.count(1)


def resident_id(n: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=n // 400)
    body = f"320102{born:%Y%m%d}{100 + n % 400 * 2:03d}"
    return body + ric.calc_check_digit(body + "0")


def approved(
    conn: Connection,
    kr: Keyring,
    street: str,
    *,
    programme: str = "public_rental",
    size: int = 2,
    priority: str | None = "general",
    income_yuan: int = 20_000,
    tier: str | None = None,
    submitted_at: datetime | None = None,
    status: str = "approved",
) -> int:
    """An approved application of ``programme`` in ``street`` whose household passes the sample rules."""
    now = clock.now()
    edition_id, _ = catalogue.in_force(conn, programme, clock.today())
    n = next(_APPS)
    app_id = conn.execute(
        applications.insert()
        .values(
            app_no=f"TA{n:08d}",
            programme_code=programme,
            edition_id=edition_id,
            account_id=None,
            district_code=street[:6],
            street_code=street,
            status=status,
            priority_class=priority,
            household_size=size,
            talent_tier=tier,
            housing_status="rented",
            eligible=True,
            checked_at=now,
            submitted_at=submitted_at or now - timedelta(days=90) + timedelta(seconds=n),
            decided_at=now - timedelta(days=30),
            created_at=now - timedelta(days=100),
            updated_at=now,
            version=1,
        )
        .returning(applications.c.id)
    ).scalar_one()
    rows: list[dict[str, Any]] = []
    for seq in range(size):
        idn = resident_id(next(_PEOPLE))
        rows.append(
            {
                "application_id": app_id,
                "seq": seq,
                "relation": "本人" if seq == 0 else ("配偶" if seq == 1 else "子女"),
                "name_enc": kr.encrypt("测试居民", "application_members.name"),
                "id_number_enc": kr.encrypt(idn, "application_members.id_number"),
                "id_bidx": kr.blind_index(idn, "id_number"),
                "birth_year": int(idn[6:10]),
                "annual_income_fen": income_yuan * 100,
                "assets_fen": 0,
                "local_hukou": True,
                "hukou_years": 10,
                "social_insurance_months": 60,
                "employed": True,
                "pending": 1 if status == "approved" else None,
            }
        )
    conn.execute(application_members.insert(), rows)
    return int(app_id)


def assisted(
    conn: Connection, street: str, n: int, *, programme: str = "public_rental", bedrooms: int | None = None
) -> list[int]:
    """``n`` homes in use in ``street``, not yet assisted, made available to ``programme``."""
    taken = select(assisted_homes.c.home_id)
    ids = [
        int(x)
        for x in conn.execute(
            select(homes.c.id)
            .where(homes.c.street_code == street, homes.c.status == "使用", homes.c.id.not_in(taken))
            .order_by(homes.c.id)
            .limit(n)
        ).scalars()
    ]
    assert len(ids) == n, f"street {street} has only {len(ids)} free homes"
    tenancy.make_assisted(conn, programme, ids, scope=SYSTEM)
    if bedrooms is not None:
        conn.execute(assisted_homes.update().where(assisted_homes.c.home_id.in_(ids)).values(bedrooms=bedrooms))
    return ids
