"""Filed prices (一房一价 / 备案价格): one price per home, in integer fen per m² and in total, versioned.

A new filing of a home's price supersedes the version in force (``current`` moves to the new row) and
keeps the old one with the time it was superseded, so the history of every home's price is kept. A
contract may not exceed the price in force when it is drafted (``contracts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import Connection, func, select

from anju import registry
from anju.core import clock
from anju.core.errors import FieldError, ValidationError
from anju.core.scope import Scope
from anju.core.types import area_to_db
from anju.security import Caller
from anju.transactions.filings import get_permit
from anju.transactions.tables import home_prices, presale_permit_homes

MAX_UNIT_FEN = 100_000_000 * 100  # 1 亿元/m²: beyond it the figure is a typing error
MAX_TOTAL_FEN = 10**13  # 1000 亿元
MAX_LINES = 5000
#: A total may differ from unit price × area by its rounding: at most one yuan.
ROUNDING_FEN = 100


@dataclass(frozen=True)
class PriceLine:
    home_id: int
    unit_price_fen: int
    total_price_fen: int


class Price(TypedDict):
    home_id: int
    version: int
    unit_price_fen: int
    total_price_fen: int
    current: bool
    reason: str | None
    filed_at: datetime
    superseded_at: datetime | None


def _money(value: object, fld: str, cap: int, row: int, errors: list[FieldError]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        errors.append(FieldError(fld, "应为正整数（分）", row))
        return 0
    if value > cap:
        errors.append(FieldError(fld, "超过合理范围，请核对", row))
    return value


def file_prices(
    conn: Connection, caller: Caller, permit_id: int, lines: Sequence[PriceLine], reason: str | None = None
) -> int:
    """File (or re-file) the prices of homes of a permit. Every line is checked (a home of this permit,
    positive fen, total = unit price × area within one yuan); one bad line refuses the whole list."""
    permit = get_permit(conn, permit_id, scope=caller.scope)
    if not lines:
        raise ValidationError.of("lines", "价格表不能为空")
    if len(lines) > MAX_LINES:
        raise ValidationError.of("lines", f"一次最多 {MAX_LINES} 户")
    ids = [ln.home_id for ln in lines]
    if len(set(ids)) != len(ids):
        raise ValidationError.of("lines", "同一房屋出现多次")
    h = registry.homes
    rows = {
        r.id: r
        for r in conn.execute(
            select(h.c.id, h.c.house_code, h.c.construction_area)
            .join(presale_permit_homes, presale_permit_homes.c.home_id == h.c.id)
            .where(presale_permit_homes.c.permit_id == permit["id"], h.c.id.in_(ids))
        )
    }
    errors: list[FieldError] = []
    for i, ln in enumerate(lines, start=1):
        home = rows.get(ln.home_id)
        if home is None:
            errors.append(FieldError("home_id", f"房屋 {ln.home_id} 不在预售许可 {permit['permit_no']} 中", i))
            continue
        unit = _money(ln.unit_price_fen, "unit_price_fen", MAX_UNIT_FEN, i, errors)
        total = _money(ln.total_price_fen, "total_price_fen", MAX_TOTAL_FEN, i, errors)
        area = area_to_db(home.construction_area) or 0
        if unit and total and abs(unit * area - total * 100) > ROUNDING_FEN * 100:
            errors.append(
                FieldError(
                    "total_price_fen",
                    f"房屋 {home.house_code} 的总价应等于单价 × 建筑面积"
                    f"（{home.construction_area} m²），误差不超过 1 元",
                    i,
                )
            )
    if errors:
        raise ValidationError(
            "价格表有误：" + "；".join(f"第 {e.row} 行 {e.field} {e.reason}" for e in errors[:5]), errors
        )
    now = clock.now()
    hp = home_prices
    last = dict(
        conn.execute(
            select(hp.c.home_id, func.max(hp.c.version)).where(hp.c.home_id.in_(ids)).group_by(hp.c.home_id)
        ).all()
    )
    conn.execute(hp.update().where(hp.c.home_id.in_(ids), hp.c.current == 1).values(current=None, superseded_at=now))
    conn.execute(
        hp.insert(),
        [
            {
                "home_id": ln.home_id,
                "permit_id": permit["id"],
                "version": int(last.get(ln.home_id) or 0) + 1,
                "unit_price_fen": ln.unit_price_fen,
                "total_price_fen": ln.total_price_fen,
                "current": 1,
                "reason": (reason or "").strip()[:200] or None,
                "filed_by": caller.username,
                "filed_at": now,
                "superseded_at": None,
            }
            for ln in lines
        ],
    )
    return len(lines)


def price_history(conn: Connection, home_id: int, *, scope: Scope) -> list[Price]:
    """Every filed price of a home, newest first (the one in force has ``current``)."""
    registry.get_home(conn, home_id, scope=scope)
    hp = home_prices
    rows = conn.execute(select(hp).where(hp.c.home_id == home_id).order_by(hp.c.version.desc())).all()
    return [
        {
            "home_id": r.home_id,
            "version": r.version,
            "unit_price_fen": r.unit_price_fen,
            "total_price_fen": r.total_price_fen,
            "current": r.current == 1,
            "reason": r.reason,
            "filed_at": r.filed_at,
            "superseded_at": r.superseded_at,
        }
        for r in rows
    ]


def current_price(conn: Connection, home_id: int) -> tuple[int, int] | None:
    """(unit fen per m², total fen) in force for the home, or None when none is filed."""
    hp = home_prices
    row = conn.execute(
        select(hp.c.unit_price_fen, hp.c.total_price_fen).where(hp.c.home_id == home_id, hp.c.current == 1)
    ).first()
    return (int(row[0]), int(row[1])) if row else None


def yuan(fen: int) -> str:
    """Fen as yuan text for messages: 1234567 → 12,345.67."""
    return f"{fen // 100:,}.{fen % 100:02d}"
