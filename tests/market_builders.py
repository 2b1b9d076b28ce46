"""Rows for market tests, inserted directly (a small, hand-checkable world): a developer, a project, a
permit with its homes, new-home and resale contracts, and a run with its step context."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert

from anju.market.runs import Run, start_run
from anju.market.steps import StepContext
from anju.transactions import (
    developers,
    presale_permit_homes,
    presale_permits,
    resale_contracts,
    sale_contracts,
    sale_projects,
)
from tests.rental_builders import credit_code

_N = itertools.count(1)
CITY = "320100"


def at(y: int, m: int, d: int, hour: int = 2) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def developer(conn: Connection, district: str, street: str) -> int:
    n = next(_N)
    return int(
        conn.execute(
            insert(developers)
            .values(
                credit_code=credit_code(8800 + n),
                name=f"南京测试置业{n}有限公司",
                qualification_grade="一级",
                qualification_no=f"Q{n}",
                address="测试地址",
                district_code=district,
                street_code=street,
                filed_by="test",
                filed_at=at(2025, 1, 1),
            )
            .returning(developers.c.id)
        ).scalar_one()
    )


def project(conn: Connection, dev: int, estate: int, district: str, street: str, filed: datetime) -> int:
    return int(
        conn.execute(
            insert(sale_projects)
            .values(
                name=f"测试项目{next(_N)}",
                developer_id=dev,
                estate_id=estate,
                district_code=district,
                street_code=street,
                filed_by="test",
                filed_at=filed,
            )
            .returning(sale_projects.c.id)
        ).scalar_one()
    )


def permit(
    conn: Connection, project_id: int, homes: list[tuple[int, int, Decimal]], district: str, street: str, issued: date
) -> int:
    pid = int(
        conn.execute(
            insert(presale_permits)
            .values(
                permit_no=f"宁房销第T{next(_N):06d}号",
                project_id=project_id,
                issued_on=issued,
                homes=len(homes),
                area=sum((a for _h, _b, a in homes), Decimal(0)),
                district_code=district,
                street_code=street,
                filed_by="test",
                filed_at=at(issued.year, issued.month, issued.day),
            )
            .returning(presale_permits.c.id)
        ).scalar_one()
    )
    conn.execute(
        insert(presale_permit_homes), [{"permit_id": pid, "home_id": h, "building_id": b} for h, b, _a in homes]
    )
    return pid


def sale(
    conn: Connection,
    *,
    home: int,
    project_id: int,
    permit_id: int,
    dev: int,
    area: Decimal,
    total: int,
    created: datetime,
    signed: datetime | None,
    status: str,
    cancelled: datetime | None,
    district: str,
    street: str,
) -> int:
    n = next(_N)
    return int(
        conn.execute(
            insert(sale_contracts)
            .values(
                home_id=home,
                project_id=project_id,
                permit_id=permit_id,
                developer_id=dev,
                buyer_account_id=None,
                buyer_name_enc=b"x",
                buyer_id_enc=b"x",
                buyer_id_bidx=f"b{n}",
                buyer_hukou="local",
                buyer_si_months=36,
                area=area,
                total_price_fen=total,
                unit_price_fen=int(total / area),
                payment_method="full",
                down_payment_fen=total,
                loan_fen=0,
                delivery_date=date(2027, 1, 1),
                status=status,
                active=None if status == "cancelled" else 1,
                developer_signed_at=signed,
                buyer_signed_at=signed,
                filing_no=f"T{n:08d}" if status == "filed" else None,
                filed_at=signed if status == "filed" else None,
                cancelled_at=cancelled,
                source="platform",
                district_code=district,
                street_code=street,
                created_by="test",
                created_at=created,
                updated_at=created,
            )
            .returning(sale_contracts.c.id)
        ).scalar_one()
    )


def resale(
    conn: Connection, *, home: int, area: Decimal, total: int, signed: date, status: str, district: str, street: str
) -> int:
    n = next(_N)
    return int(
        conn.execute(
            insert(resale_contracts)
            .values(
                home_id=home,
                seller_bidx=f"s{n}",
                seller_name_enc=b"x",
                seller_id_enc=b"x",
                buyer_name_enc=b"x",
                buyer_id_enc=b"x",
                buyer_id_bidx=f"b{n}",
                area=area,
                total_price_fen=total,
                unit_price_fen=int((Decimal(total) / area).to_integral_value()),
                payment_method="full",
                down_payment_fen=total,
                loan_fen=0,
                status=status,
                active=1 if status == "filed" else None,
                signed_on=signed,
                source="platform",
                district_code=district,
                street_code=street,
                created_by="test",
                created_at=at(signed.year, signed.month, signed.day),
                updated_at=at(signed.year, signed.month, signed.day),
            )
            .returning(resale_contracts.c.id)
        ).scalar_one()
    )


def run(conn: Connection, first: str, last: str, **params: Any) -> Run:
    return start_run(
        conn, engine="duckdb", first_month=first, last_month=last, edition=None, params=params, started_by="test"
    )


def context(conn: Connection, r: Run, districts: tuple[str, ...], today: date) -> StepContext:
    return StepContext(conn=conn, run=r, city_code=CITY, districts=districts, today=today, progress=lambda _m, _f: None)
