"""Which areas' figures a caller may see: the one place market reads apply the caller's scope.

Market figures are kept per *area*: a district (its GB/T 2260 code) or the whole city (the city's
code, ``settings.city_code``). A caller sees the areas :meth:`anju.core.scope.Scope.allows_division`
allows (a district officer: their district) and always the city as a whole (the city-wide figures are
what the bureau publishes; they reveal nothing of a district the caller may not see). Street-level
figures (rent-to-price ratios) are filtered with ``Scope.where`` on the street column.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from anju import divisions
from anju.core.errors import NotFound
from anju.core.scope import Scope


def visible(scope: Scope, city_code: str, areas: Iterable[str]) -> list[str]:
    """The areas among ``areas`` the caller may see, in the given order."""
    return [a for a in areas if a == city_code or scope.allows_division(a)]


def require(scope: Scope, city_code: str, area: str) -> None:
    """Refuse an area outside the scope exactly like a missing one."""
    if area != city_code and not scope.allows_division(area):
        raise NotFound(f"没有区域 {area} 的市场数据")


def listing(conn: Connection, scope: Scope, city_code: str) -> list[tuple[str, str]]:
    """The areas the caller may see as (code, Chinese name): the city's districts (GB/T 2260) in code
    order, then the city itself (its name in the register, else 全市). The one list of areas every market
    page and read offers (two indexed queries)."""
    districts = divisions.children(conn, city_code, "district").items
    city_name = divisions.names(conn, {city_code}).get(city_code) or "全市"
    return [(d.code, d.name) for d in districts if scope.allows_division(d.code)] + [(city_code, city_name)]
