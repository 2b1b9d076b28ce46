"""Builders of rental data for tests, written directly to the tables (each flow itself is tested through
its own service in its own test module). Readable defaults: the seeded ``landlord`` owns the homes it is
given, the seeded ``agency`` account belongs to a filed enterprise.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from stdnum.cn import ric, uscc

from anju.core import clock
from anju.registry import tables as rt
from anju.rental import domain
from anju.rental.tables import rental_leases, rental_listings, rental_parties, rental_units
from anju.security import Keyring, accounts

LANDLORD_ID = "320102199003070025"  # the seeded landlord account's resident ID (tests/accounts.py)
AGENCY_CODE = "91110000600037341L"  # the seeded agency account's enterprise

_N = itertools.count(1)


def resident_id(n: int) -> str:
    """A valid resident ID (GB 11643 check digit) for person number ``n``."""
    born = date(1985, 1, 1) + timedelta(days=n % 9000)
    body = f"320102{born:%Y%m%d}{(200 + n * 2) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100 check character) for organisation ``n``."""
    body = f"91320100MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def account(conn: Connection, username: str) -> Any:
    return conn.execute(select(accounts).where(accounts.c.username == username)).one()


def free_homes(conn: Connection, street: str, n: int = 1, *, use: str = "住宅") -> list[Any]:
    """``n`` in-use homes of ``use`` in ``street`` that have no owner and no listing yet."""
    h = rt.homes
    owned = select(rt.home_owners.c.home_id)
    listed = select(rental_listings.c.home_id)
    rows = conn.execute(
        select(h)
        .where(
            h.c.street_code == street,
            h.c.status == "使用",
            h.c.use == use,
            h.c.id.not_in(owned),
            h.c.id.not_in(listed),
        )
        .order_by(h.c.id)
        .limit(n)
    ).all()
    assert len(rows) == n, f"street {street} has fewer than {n} free homes"
    return list(rows)


def own(conn: Connection, kr: Keyring, home_id: int, id_number: str = LANDLORD_ID, name: str = "王房东") -> str:
    """Record ``id_number`` as the sole owner of the home; returns the owner's blind index."""
    bidx = kr.blind_index(id_number, "id_number")
    conn.execute(
        rt.home_owners.insert().values(
            home_id=home_id,
            owner_kind="person",
            owner_bidx=bidx,
            owner_id_enc=kr.encrypt(id_number, "home_owners.owner_id"),
            owner_name_enc=kr.encrypt(name, "home_owners.owner_name"),
            share_pct=100,
            acquired_on=date(2015, 6, 1),
            released_on=None,
            recorded_at=clock.now(),
        )
    )
    return bidx


def party(
    conn: Connection,
    kr: Keyring,
    street: str,
    *,
    kind: str = "enterprise",
    code: str | None = None,
    status: str = "filed",
    account_id: int | None = None,
    escrow: bool = True,
) -> int:
    """A filed rental enterprise (or agency) registered in ``street``."""
    n = next(_N)
    code = code or credit_code(n)
    now = clock.now()
    rep = resident_id(5000 + n)
    return int(
        conn.execute(
            rental_parties.insert()
            .values(
                party_no=f"QY{n:010d}",
                kind=kind,
                credit_code=code,
                name=f"测试住房租赁有限公司{n}",
                business_scope="住房租赁；房地产经纪",
                registered_capital_fen=10_000_000_00,
                legal_rep_name_enc=kr.encrypt("赵法人", "rental_parties.legal_rep_name"),
                legal_rep_id_enc=kr.encrypt(rep, "rental_parties.legal_rep_id"),
                legal_rep_id_bidx=kr.blind_index(rep, "id_number"),
                escrow_bank="南京银行" if escrow else None,
                escrow_account_no=f"0101{n:012d}" if escrow else None,
                address="测试路1号",
                district_code=street[:6],
                street_code=street,
                status=status,
                status_reason=None,
                account_id=account_id,
                filed_at=now,
                updated_at=now,
            )
            .returning(rental_parties.c.id)
        ).scalar_one()
    )


def listing(
    conn: Connection,
    home: Any,
    *,
    status: str = "published",
    lister_account_id: int | None = None,
    party_id: int | None = None,
    owner_bidx: str | None = None,
    rent_fen: int = 3_500_00,
    area: Decimal | None = None,
    bedrooms: int = 2,
) -> int:
    """A listing of the whole home in ``status`` (a verified/published one has a verification code)."""
    n = next(_N)
    now = clock.now()
    active = 1 if status in domain.ACTIVE_LISTING else None
    # the live formats (a checked verification code, a 房源编号), unique per listing made here
    digits = [n // 31**i % 31 for i in range(4)]
    live = status in ("verified", "published", "leased")
    code = domain.make_verify_code([*digits, 9, 8, 7, 6, 5, 4]) if live else None
    return int(
        conn.execute(
            rental_listings.insert()
            .values(
                listing_no=domain.listing_no(clock.today(), n),
                unit_key=domain.unit_key(home.id, None),
                home_id=home.id,
                room_id=None,
                mode="whole",
                district_code=home.street_code[:6],
                street_code=home.street_code,
                lister_account_id=lister_account_id,
                party_id=party_id,
                owner_bidx=owner_bidx,
                entrustment_id=None,
                title="测试房源",
                description="",
                area=area if area is not None else home.construction_area,
                bedrooms=bedrooms,
                living_rooms=1,
                floor=home.floor_no,
                rent_fen=rent_fen,
                deposit_fen=rent_fen,
                photos=5,
                build_year=None,
                lon=None,
                lat=None,
                status=status,
                active=active,
                verification=json.dumps([]),
                verify_code=code,
                flags="",
                created_at=now,
                verified_at=now if code else None,
                published_at=now if status == "published" else None,
                closed_at=None,
                updated_at=now,
            )
            .returning(rental_listings.c.id)
        ).scalar_one()
    )


def filed_lease(
    conn: Connection,
    kr: Keyring,
    home: Any,
    *,
    start_on: date,
    months: int = 12,
    rent_fen: int = 3_500_00,
    deposit_fen: int = 3_500_00,
    cycle: str = "monthly",
    landlord_bidx: str | None = None,
    landlord_party_id: int | None = None,
    tenant_id: str | None = None,
    tenant_account_id: int | None = None,
    status: str = "filed",
) -> int:
    """A filed lease of the whole home from ``start_on`` for ``months`` months."""
    n = next(_N)
    now = clock.now()
    tid = tenant_id or resident_id(9000 + n)
    end_on = _add_months(start_on, months) - timedelta(days=1)
    key = domain.unit_key(home.id, None)
    if conn.execute(select(rental_units.c.unit_key).where(rental_units.c.unit_key == key)).first() is None:
        conn.execute(rental_units.insert().values(unit_key=key, home_id=home.id, room_id=None, filings=0))
    return int(
        conn.execute(
            rental_leases.insert()
            .values(
                lease_no=f"HT{n:010d}",
                filing_no=f"BA{n:010d}" if status == "filed" else None,
                unit_key=key,
                home_id=home.id,
                room_id=None,
                listing_id=None,
                district_code=home.street_code[:6],
                street_code=home.street_code,
                landlord_kind="party" if landlord_party_id else "person",
                landlord_account_id=None,
                landlord_party_id=landlord_party_id,
                landlord_bidx=landlord_bidx or kr.blind_index(LANDLORD_ID, "id_number"),
                landlord_name_enc=kr.encrypt("王房东", "rental_leases.landlord_name"),
                tenant_account_id=tenant_account_id,
                tenant_bidx=kr.blind_index(tid, "id_number"),
                tenant_name_enc=kr.encrypt("李租客", "rental_leases.tenant_name"),
                tenant_id_enc=kr.encrypt(tid, "rental_leases.tenant_id"),
                start_on=start_on,
                end_on=end_on,
                rent_fen=rent_fen,
                payment_cycle=cycle,
                deposit_fen=deposit_fen,
                area=home.construction_area,
                bedrooms=home.rooms or 2,
                use="居住",
                occupants=2,
                terms=json.dumps({}),
                status=status,
                landlord_signed_at=now,
                tenant_signed_at=now,
                filed_at=now if status == "filed" else None,
                ended_on=None,
                end_reason=None,
                renews_lease_id=None,
                amendments=0,
                escrow_required=False,
                created_at=now,
                updated_at=now,
            )
            .returning(rental_leases.c.id)
        ).scalar_one()
    )


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    import calendar

    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))
