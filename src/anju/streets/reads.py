"""Reading the street panel, always within the caller's scope: the street list, one street's panel by
year (current, or as reported on a date), a key's versions, the export in the load format, and the
figures the indicators use (:func:`figures`).

Several sources may give the same street and year; the figure used (list, profile, indicators) is the
current version recorded last among them (a newer delivery of any source wins) — the profile shows
every source's version.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from anju import divisions
from anju.core import clock
from anju.core.errors import NotFound
from anju.core.paging import Page
from anju.core.scope import Scope
from anju.streets import domain
from anju.streets.tables import street_industry, street_panel, street_panel_loads

P = street_panel.c
I = street_industry.c  # noqa: E741
D = divisions.divisions_table.c


@dataclass(frozen=True)
class Version:
    """One recorded version of a street's figures for a year from a source."""

    id: int
    street_code: str
    year: int
    source: str
    resident: int | None
    registered: int | None
    households: int | None
    age_0_14: int | None
    age_15_59: int | None
    age_60_plus: int | None
    land_stock: Decimal | None
    land_supply: Decimal | None
    jobs: int | None
    enterprises: int | None
    synthetic: bool
    load_id: int
    recorded_at: datetime
    superseded_at: datetime | None


VERSION_COLS = [P[f] for f in Version.__dataclass_fields__]


def as_of_condition(at: datetime | None) -> ColumnElement[bool]:
    """Versions current now (``at`` None) or as reported at ``at``."""
    if at is None:
        return P.superseded_at.is_(None)
    return and_(P.recorded_at <= at, or_(P.superseded_at.is_(None), P.superseded_at > at))


def _version(r: object) -> Version:
    return Version(**dict(r._mapping))  # type: ignore[attr-defined]


def chosen(versions: Sequence[Version]) -> dict[tuple[str, int], Version]:
    """Per (street, year), the version recorded last among the sources."""
    out: dict[tuple[str, int], Version] = {}
    for v in versions:
        key = (v.street_code, v.year)
        got = out.get(key)
        if got is None or (v.recorded_at, v.id) > (got.recorded_at, got.id):
            out[key] = v
    return out


def figures(conn: Connection, years: Sequence[int], at: datetime | None = None) -> dict[tuple[str, int], Version]:
    """Every street's chosen version for ``years`` (one query; the panel is streets × years rows)."""
    rows = conn.execute(select(*VERSION_COLS).where(P.year.in_(list(years)), as_of_condition(at)))
    return chosen([_version(r) for r in rows])


@dataclass(frozen=True)
class StreetItem:
    code: str
    name: str
    district_code: str
    district_name: str
    year: int
    resident: int | None
    households: int | None
    jobs: int | None
    source: str | None
    synthetic: bool


def _streets(conn: Connection, scope: Scope, district: str | None, q: str | None) -> list[divisions.Division]:
    out = []
    for d in divisions.by_level(conn, "street"):
        if not scope.allows(d.code):
            continue
        if district and district not in (d.parent_code, d.managing_code):
            continue
        if q and q not in d.name and not d.code.startswith(q):
            continue
        out.append(d)
    return out


def list_streets(
    conn: Connection,
    scope: Scope,
    *,
    year: int,
    district: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[StreetItem]:
    """The streets in scope (filtered by district or zone and a name or code), with the year's figures."""
    streets = _streets(conn, scope, district, q)
    page = streets[offset : offset + limit]
    return Page(_items(conn, page, year), len(streets))


def all_streets(
    conn: Connection, scope: Scope, *, year: int, district: str | None = None, q: str | None = None
) -> list[StreetItem]:
    return _items(conn, _streets(conn, scope, district, q), year)


def _items(conn: Connection, streets: Sequence[divisions.Division], year: int) -> list[StreetItem]:
    codes = [d.code for d in streets]
    names = divisions.names(conn, {d.parent_code or "" for d in streets} | {d.managing_code or "" for d in streets})
    got = chosen(
        [
            _version(r)
            for r in conn.execute(
                select(*VERSION_COLS).where(P.year == year, P.superseded_at.is_(None), P.street_code.in_(codes))
            )
        ]
    )
    out = []
    for d in streets:
        v = got.get((d.code, year))
        dist = d.managing_code or d.parent_code or ""
        out.append(
            StreetItem(
                d.code, d.name, dist, names.get(dist, dist), year,
                v.resident if v else None, v.households if v else None, v.jobs if v else None,
                v.source if v else None, v.synthetic if v else False,
            )
        )  # fmt: skip
    return out


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    district_code: str
    district_name: str
    #: every source's version (current, or as reported at ``at``), by year then source
    versions: list[Version]
    #: sector code → (jobs, enterprises) of the chosen version of each year
    industry: dict[int, dict[str, tuple[int | None, int | None]]]
    at: datetime | None


def profile(conn: Connection, scope: Scope, code: str, at: datetime | None = None) -> Profile:
    """One street's panel (every year, every source), current or as reported at ``at``."""
    try:
        d = divisions.get(conn, code)
    except NotFound:
        raise NotFound("没有该街道") from None
    if d.level != "street":
        raise NotFound("没有该街道")
    scope.require(code, "没有该街道")
    versions = [
        _version(r)
        for r in conn.execute(
            select(*VERSION_COLS).where(P.street_code == code, as_of_condition(at)).order_by(P.year, P.source)
        )
    ]
    chosen_ids = {v.id: v.year for v in chosen(versions).values()}
    industry: dict[int, dict[str, tuple[int | None, int | None]]] = {}
    if chosen_ids:
        for pid, sector, jobs, ents in conn.execute(
            select(I.panel_id, I.sector, I.jobs, I.enterprises).where(I.panel_id.in_(list(chosen_ids)))
        ):
            industry.setdefault(chosen_ids[int(pid)], {})[sector] = (jobs, ents)
    dist = d.managing_code or d.parent_code or ""
    return Profile(d.code, d.name, dist, divisions.names(conn, {dist}).get(dist, dist), versions, industry, at)


def history(conn: Connection, scope: Scope, code: str, year: int) -> list[Version]:
    """Every version ever recorded for a street's year (all sources), oldest first."""
    scope.require(code, "没有该街道")
    rows = conn.execute(
        select(*VERSION_COLS).where(P.street_code == code, P.year == year).order_by(P.source, P.recorded_at, P.id)
    )
    return [_version(r) for r in rows]


def export_rows(conn: Connection, scope: Scope, year: int, at: datetime | None = None) -> Iterator[list[object]]:
    """The year's chosen figures of every street in scope, in the load format's columns (so an export
    loads back unchanged)."""
    names = {d.code: d.name for d in divisions.by_level(conn, "street") if scope.allows(d.code)}
    got = {
        k: v
        for k, v in chosen(
            [_version(r) for r in conn.execute(select(*VERSION_COLS).where(P.year == year, as_of_condition(at)))]
        ).items()
        if k[0] in names
    }
    ids = {v.id: v.street_code for v in got.values()}
    sectors: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    if ids:
        for pid, sector, jobs, ents in conn.execute(
            select(I.panel_id, I.sector, I.jobs, I.enterprises).where(I.panel_id.in_(list(ids)))
        ):
            sectors.setdefault(ids[int(pid)], {})[sector] = (jobs, ents)
    for (code, _), v in sorted(got.items()):
        row: list[object] = [code, names[code]]
        row += [getattr(v, c.name) for c in domain.BASE_COLUMNS]
        for s in domain.sectors():
            jobs, ents = sectors.get(code, {}).get(s.code, (None, None))
            row += [jobs, ents]
        yield ["" if x is None else x for x in row]


def year_is_synthetic(conn: Connection, year: int) -> bool:
    """Whether any current figure of ``year`` is synthetic (an export then ends with the 合成 label)."""
    q = select(P.id).where(P.year == year, P.superseded_at.is_(None), P.synthetic.is_(True)).limit(1)
    return conn.execute(q).first() is not None


def synthetic_years(conn: Connection) -> bool:
    """Whether any current panel row is synthetic (the pages' label)."""
    return bool(
        conn.execute(
            select(func.count()).select_from(street_panel_loads).where(street_panel_loads.c.synthetic.is_(True))
        ).scalar()
    )


def default_year(conn: Connection) -> int:
    """The latest year with current figures (this year when there are none)."""
    got = conn.execute(select(func.max(P.year)).where(P.superseded_at.is_(None))).scalar()
    return int(got) if got is not None else clock.today().year
