"""Data scopes: which part of the city a caller may see and change.

A :class:`Scope` is resolved once per request from the caller's account (see ``anju.security``) and
passed to every read and write service, which applies it with :meth:`Scope.where` (lists) or
:meth:`Scope.require` (one record). Out-of-scope records are reported as not found, so a caller cannot
learn that they exist. This is the one mechanism: no service filters by division on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import ColumnElement, false

from anju.core.errors import NotFound

Level = Literal["city", "district", "street", "own", "none"]


class OutOfScope(NotFound):
    """A record exists but lies outside the caller's scope: answered exactly like a missing one, and
    recorded in the audit as a denial by the web layer."""


@dataclass(frozen=True, slots=True)
class Scope:
    level: Level
    #: The division the scope is anchored at ("" for own/none scopes).
    code: str = ""
    #: The street codes inside the scope; ``None`` means every street (the whole city).
    streets: frozenset[str] | None = None
    #: For ``own`` scopes: the account whose own records are visible.
    account_id: int | None = None
    #: For ``own`` scopes of enterprise staff: the unified social credit code of the enterprise the
    #: account acts for (``accounts.org_code``); that enterprise's records are visible through
    #: :meth:`where_org` and :meth:`require_org` (e.g. a developer's projects and their fund accounts).
    org: str | None = None

    @classmethod
    def whole_city(cls, city_code: str = "") -> Scope:
        return cls("city", city_code, None)

    @classmethod
    def of_streets(cls, level: Level, code: str, streets: Iterable[str]) -> Scope:
        return cls(level, code, frozenset(streets))

    @classmethod
    def own(cls, account_id: int, org: str | None = None) -> Scope:
        return cls("own", "", frozenset(), account_id, org)

    @classmethod
    def nothing(cls) -> Scope:
        return cls("none", "", frozenset())

    @property
    def unrestricted(self) -> bool:
        return self.streets is None

    def within(self, streets: Iterable[str]) -> Scope:
        """This scope narrowed to ``streets`` (a filter, e.g. one district's streets): never wider, and
        the rest of the scope (level, division, own account) kept."""
        return replace(self, streets=frozenset(c for c in streets if self.allows(c)))

    def allows(self, street_code: str | None) -> bool:
        if self.streets is None:
            return True
        return street_code is not None and street_code in self.streets

    def allows_division(self, code: str) -> bool:
        """Whether a division (street or district code) lies wholly inside the scope."""
        if self.streets is None:
            return True
        if code in self.streets:
            return True
        return self.level in ("district", "city") and code == self.code

    def where(self, street_column: Any) -> list[ColumnElement[bool]]:
        """Conditions that restrict a query on ``street_column`` to the scope (none when unrestricted)."""
        if self.streets is None:
            return []
        if not self.streets:
            return [false()]
        return [street_column.in_(sorted(self.streets))]

    def require(self, street_code: str | None, missing: str) -> None:
        """Raise :class:`OutOfScope` with ``missing`` (the same answer as a truly missing record)."""
        if not self.allows(street_code):
            raise OutOfScope(missing)

    def where_org(self, org_column: Any) -> list[ColumnElement[bool]]:
        """Conditions that restrict a query to the records of the caller's own enterprise, on a column
        holding an enterprise's credit code: nothing matches a scope without an enterprise."""
        if self.org is None:
            return [false()]
        return [org_column == self.org]

    def require_org(self, org_code: str | None, missing: str) -> None:
        """Raise :class:`OutOfScope` with ``missing`` unless the record is the caller's enterprise's."""
        if self.org is None or org_code != self.org:
            raise OutOfScope(missing)


#: For jobs that act for the platform itself (synthesis, command-line imports, migrations).
SYSTEM = Scope.whole_city()
