"""The register's buildings as house safety reads them (through ``anju.registry``'s public tables):
one by house code within the caller's scope, with the errors naming the form's field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.registry import buildings

_B = buildings.c
COLUMNS = (_B.id, _B.house_code, _B.name, _B.address, _B.district_code, _B.street_code, _B.status,
           _B.structure, _B.year_built, _B.estate_id)  # fmt: skip


def by_code(conn: Connection, scope: Scope, house_code: str, fld: str = "house_code") -> Any:
    """The building with this house code in the caller's scope, or a ValidationError naming ``fld``."""
    code = "".join((house_code or "").split()).upper()
    row = conn.execute(select(*COLUMNS).where(_B.house_code == code)).first() if code else None
    if row is None or not scope.allows(row.street_code):
        raise ValidationError.of(fld, f"辖区内没有房屋代码为 {code or '（空）'} 的楼幢")
    return row


def by_ids(conn: Connection, ids: set[int]) -> dict[int, Any]:
    """Buildings by id (one query), for the lists' addresses."""
    if not ids:
        return {}
    return {int(r.id): r for r in conn.execute(select(*COLUMNS).where(_B.id.in_(sorted(ids))))}
