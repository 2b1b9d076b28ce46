"""Column types and the metadata every context's tables register on (no engine, no unit of work).

``core.db`` (engines, the unit of work) and ``core.dialect`` (per-database statements) both build on
this module; neither imports the other's column types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# SQLite only autoincrements INTEGER PRIMARY KEY; BigInteger elsewhere.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps, stored as UTC on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def area_to_db(value: Decimal | None) -> int | None:
    """Square metres (exact decimal, two places) → integer hundredths of a square metre."""
    if value is None:
        return None
    if not isinstance(value, Decimal | int):
        raise TypeError(f"area must be a Decimal, not {type(value).__name__}")
    hundredths = value * 100
    i = int(hundredths)
    if i != hundredths:
        raise ValueError(f"area {value} has more than two decimal places")
    return i


def area_from_db(value: int | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class Area(TypeDecorator[Decimal]):
    """Exact areas in m² with two decimals, stored as integer hundredths on every database.

    Integers keep areas exact on SQLite (which has no decimal type) and make sums exact everywhere.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return area_to_db(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return area_from_db(value)
