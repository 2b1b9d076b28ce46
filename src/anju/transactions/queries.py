"""Reads of the new-home market: the public pages (网上房地产: projects for sale with their permits, each
building's sales table with filed prices — no personal data at all) and the bureau's lists of contracts
(buyers masked) and their CSV export through the platform's one CSV writer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, func, select

from anju import divisions, registry
from anju.core import clock, csvout
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import SYSTEM, Scope
from anju.registry import home_restrictions
from anju.security import Keyring
from anju.transactions import domain
from anju.transactions.contracts import Contract, contract_of
from anju.transactions.filings import Permit, Project, get_project, list_projects, permits_of
from anju.transactions.registrations import registered_by, registered_homes
from anju.transactions.tables import home_prices, presale_permit_homes, presale_permits, sale_contracts


class PublicProject(TypedDict):
    project: Project
    district_name: str
    address: str
    permits: list[Permit]
    counts: dict[str, int]


class SalesBuilding(TypedDict):
    id: int
    building_no: str
    name: str
    homes: int
    counts: dict[str, int]


class SalesCell(TypedDict):
    home_id: int
    house_code: str
    unit_no: str | None
    floor_no: int
    floor_label: str
    room_no: str
    use: str
    construction_area: Decimal
    state: str
    state_label: str
    unit_price_fen: int | None
    total_price_fen: int | None


class SalesFloor(TypedDict):
    floor_no: int
    floor_label: str
    cells: list[SalesCell]


class SalesTable(TypedDict):
    building_id: int
    building_no: str
    building_name: str
    estate_name: str
    project_id: int | None
    project_name: str | None
    permits: list[str]
    floors: list[SalesFloor]
    counts: dict[str, int]
    as_of: date


def _contract_states(conn: Connection, home_ids: list[int]) -> dict[int, str]:
    c = sale_contracts
    if not home_ids:
        return {}
    rows = conn.execute(select(c.c.home_id, c.c.status).where(c.c.home_id.in_(home_ids), c.c.active == 1))
    return {int(h): str(s) for h, s in rows}


def _states(conn: Connection, homes: list[Any], permitted: set[int]) -> dict[int, str]:
    """home id → the public sales state of each of ``homes`` (set-wise: four queries)."""
    ids = [h.id for h in homes]
    contracts = _contract_states(conn, ids)
    restricted = home_restrictions(conn, [i for i in ids if i in permitted and i not in contracts], clock.today())
    registered = registered_homes(conn, [i for i, s in contracts.items() if s == domain.ContractStatus.filed])
    return {
        h.id: domain.sale_state(
            permitted=h.id in permitted and h.status == registry.Status.presale,
            contract_status=contracts.get(h.id),
            restricted=h.id in restricted,
            registered=h.id in registered,
        )
        for h in homes
    }


def _counts(states: Any) -> dict[str, int]:
    out = dict.fromkeys(domain.SALE_STATES, 0)
    for s in states:
        out[s] += 1
    return out


def _sale_counts(conn: Connection, by: Any, permit_ids: list[int]) -> dict[int, dict[str, int]]:
    """The public sales states of the homes of the permits ``permit_ids``, counted per value of ``by``
    (``presale_permit_homes.c.permit_id`` or ``.building_id``) — the same classes as :func:`_states`
    gives home by home, in grouped queries: permitted homes; active contracts by status; homes whose filed
    contract's transfer is registered; and only the homes still for sale (in presale, no active contract)
    read one by one, for the restriction sources. A list page reads no sold home's row."""
    pph, h, c = presale_permit_homes, registry.homes, sale_contracts
    if not permit_ids:
        return {}
    mine = pph.c.permit_id.in_(permit_ids)
    out: dict[int, dict[str, int]] = {}
    totals: dict[int, int] = {}
    for k, n in conn.execute(select(by, func.count()).where(mine).group_by(by)):
        totals[int(k)] = int(n)
        out[int(k)] = dict.fromkeys(domain.SALE_STATES, 0)
    held = and_(c.c.home_id == pph.c.home_id, c.c.active == 1)
    # "+ 0" keeps SQLite's planner from driving the join by scanning every contract and probing the
    # permits' (permit_id, home_id) key once per permit id (0.5 s for a page of 20 projects with ≈ 370
    # permits on the demo city): the permitted homes drive it, each probing the contracts' index (5 ms).
    # PostgreSQL plans either form the same way.
    counted = and_(c.c.home_id == pph.c.home_id + 0, c.c.active == 1)
    filed: dict[int, int] = {}
    for k, status, n in conn.execute(
        select(by, c.c.status, func.count()).select_from(pph.join(c, counted)).where(mine).group_by(by, c.c.status)
    ):
        if status == domain.ContractStatus.filed:
            filed[int(k)] = int(n)
        elif status in (domain.ContractStatus.draft, domain.ContractStatus.signed):
            out[int(k)]["contracted"] += int(n)
    registered = registered_by(conn, by, permit_ids)
    for_sale = conn.execute(
        select(by, pph.c.home_id)
        .join(h, h.c.id == pph.c.home_id)
        .where(mine, h.c.status == registry.Status.presale, ~select(c.c.id).where(held).exists())
    ).all()
    restricted = home_restrictions(conn, [int(r.home_id) for r in for_sale], clock.today())
    for k, home_id in for_sale:
        if int(home_id) not in restricted:
            out[int(k)]["available"] += 1
    for k, counts in out.items():
        counts["registered"] = registered.get(k, 0)
        counts["filed"] = filed.get(k, 0) - counts["registered"]
        counts["unavailable"] = totals[k] - filed.get(k, 0) - counts["contracted"] - counts["available"]
    return out


def public_projects(conn: Connection, *, district: str | None = None, limit: int, offset: int) -> Page[PublicProject]:
    """Projects with at least one presale permit, newest first, with their permits and sales counts."""
    page = list_projects(conn, scope=SYSTEM, district=district, with_permit=True, limit=limit, offset=offset)
    return Page(_public(conn, list(page.items)), page.total)


def _public(conn: Connection, projects: list[Project]) -> list[PublicProject]:
    if not projects:
        return []
    ids = [p["id"] for p in projects]
    permits: dict[int, list[Permit]] = {i: [] for i in ids}
    for pm in permits_of(conn, ids):
        permits[pm["project_id"]].append(pm)
    by_permit = _sale_counts(conn, presale_permit_homes.c.permit_id, [pm["id"] for ps in permits.values() for pm in ps])
    estates = {
        r.id: r.address
        for r in conn.execute(
            select(registry.estates.c.id, registry.estates.c.address).where(
                registry.estates.c.id.in_([p["estate_id"] for p in projects])
            )
        )
    }
    names = divisions.names(conn, {p["district_code"] for p in projects})
    out: list[PublicProject] = []
    for p in projects:
        ps = permits[p["id"]]
        counts = dict.fromkeys(domain.SALE_STATES, 0)
        for pm in ps:
            for state, n in by_permit.get(pm["id"], {}).items():
                counts[state] += n
        out.append(
            {
                "project": p,
                "district_name": names.get(p["district_code"], p["district_code"]),
                "address": estates.get(p["estate_id"], ""),
                "permits": ps,
                "counts": counts,
            }
        )
    return out


def public_project(conn: Connection, project_id: int) -> tuple[PublicProject, list[SalesBuilding]]:
    """One project for sale (404 unless it has a permit) and its buildings with permitted homes."""
    try:
        project = get_project(conn, project_id, scope=SYSTEM)
    except NotFound:
        raise NotFound(f"没有编号为 {project_id} 的在售项目") from None
    out = _public(conn, [project])[0]
    if not out["permits"]:
        raise NotFound(f"没有编号为 {project_id} 的在售项目")
    by_building = _sale_counts(conn, presale_permit_homes.c.building_id, [pm["id"] for pm in out["permits"]])
    b = registry.buildings
    rows = conn.execute(
        select(b.c.id, b.c.building_no, b.c.name).where(b.c.id.in_(list(by_building))).order_by(b.c.building_no)
    )
    buildings: list[SalesBuilding] = []
    for r in rows:
        counts = by_building[r.id]
        buildings.append(
            {"id": r.id, "building_no": r.building_no, "name": r.name, "homes": sum(counts.values()), "counts": counts}
        )
    return out, buildings


def sales_table(conn: Connection, building_id: int) -> SalesTable:
    """The 楼盘表 sales table of a building with permitted homes: every home by floor, coloured by its
    public state, with its filed price in force. No buyer, owner or contract party appears."""
    b = registry.buildings
    bld = conn.execute(select(b.c.id, b.c.building_no, b.c.name, b.c.estate_id).where(b.c.id == building_id)).first()
    missing = f"没有编号为 {building_id} 的在售楼幢"
    if bld is None:
        raise NotFound(missing)
    pph = presale_permit_homes
    permits = conn.execute(
        select(presale_permits.c.id, presale_permits.c.permit_no, presale_permits.c.project_id)
        .where(
            select(pph.c.home_id)
            .where(pph.c.permit_id == presale_permits.c.id, pph.c.building_id == building_id)
            .exists()
        )
        .order_by(presale_permits.c.issued_on)
    ).all()
    if not permits:
        raise NotFound(missing)
    h = registry.homes
    homes = conn.execute(
        select(h)
        .where(h.c.building_id == building_id, h.c.status.notin_([registry.Status.retired, registry.Status.demolished]))
        .order_by(h.c.floor_no.desc(), h.c.unit_no, h.c.room_no)
    ).all()
    permitted = set(conn.execute(select(pph.c.home_id).where(pph.c.building_id == building_id)).scalars().all())
    states = _states(conn, list(homes), permitted)
    hp = home_prices
    prices = {
        r.home_id: (r.unit_price_fen, r.total_price_fen)
        for r in conn.execute(
            select(hp.c.home_id, hp.c.unit_price_fen, hp.c.total_price_fen)
            .join(pph, and_(pph.c.home_id == hp.c.home_id, pph.c.building_id == building_id))
            .where(hp.c.current == 1)
        )
    }
    floors: dict[int, SalesFloor] = {}
    for r in homes:
        price = prices.get(r.id)
        state = states[r.id]
        fl = floors.setdefault(r.floor_no, {"floor_no": r.floor_no, "floor_label": r.floor_label, "cells": []})
        fl["cells"].append(
            {
                "home_id": r.id,
                "house_code": r.house_code,
                "unit_no": r.unit_no,
                "floor_no": r.floor_no,
                "floor_label": r.floor_label,
                "room_no": r.room_no,
                "use": r.use,
                "construction_area": r.construction_area,
                "state": state,
                "state_label": domain.SALE_STATES[state],
                "unit_price_fen": price[0] if price else None,
                "total_price_fen": price[1] if price else None,
            }
        )
    project = None
    if permits:
        try:
            project = get_project(conn, permits[0].project_id, scope=SYSTEM)
        except NotFound:
            project = None
    estate = registry.get_estate(conn, bld.estate_id, scope=SYSTEM)
    return {
        "building_id": bld.id,
        "building_no": bld.building_no,
        "building_name": bld.name,
        "estate_name": estate["name"],
        "project_id": project["id"] if project else None,
        "project_name": project["name"] if project else None,
        "permits": [p.permit_no for p in permits],
        "floors": list(floors.values()),
        "counts": _counts(states.values()),
        "as_of": clock.today(),
    }


# ------------------------------------------------------------------------------------- staff lists


def _contract_select(scope: Scope, status: str | None, district: str | None, q: str | None) -> Any:
    c = sale_contracts
    stmt = (
        select(c, registry.homes.c.house_code)
        .join(registry.homes, registry.homes.c.id == c.c.home_id)
        .where(*scope.where(c.c.street_code))
        .order_by(c.c.id.desc())
    )
    if status:
        stmt = stmt.where(c.c.status == status)
    if district:
        stmt = stmt.where(c.c.district_code == district)
    if q:
        v = q.strip().upper()
        stmt = stmt.where((c.c.filing_no == v) | (registry.homes.c.house_code == v))
    return stmt


def list_contracts(
    conn: Connection,
    kr: Keyring,
    *,
    scope: Scope,
    status: str | None = None,
    district: str | None = None,
    q: str | None = None,
    limit: int,
    offset: int,
) -> Page[Contract]:
    """Contracts in the caller's streets, newest first, buyers masked."""
    stmt = _contract_select(scope, status, district, q)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: contract_of(kr, r, mask=True))


EXPORT_COLUMNS = (
    "id",
    "filing_no",
    "status",
    "house_code",
    "district_code",
    "street_code",
    "buyer_name",
    "buyer_id_number",
    "area",
    "total_price_fen",
    "unit_price_fen",
    "payment_method",
    "down_payment_fen",
    "loan_fen",
    "delivery_date",
    "created_at",
    "filed_at",
    "cancelled_at",
    "cancel_reason",
)


def export_contracts(
    conn: Connection,
    kr: Keyring,
    *,
    scope: Scope,
    status: str | None = None,
    district: str | None = None,
    limit: int = 100_000,
) -> bytes:
    """The filtered contracts as CSV (buyers masked), through ``core.csvout``."""
    stmt = _contract_select(scope, status, district, None).limit(limit)

    def rows() -> Iterator[list[Any]]:
        for r in conn.execute(stmt):
            c: dict[str, object] = dict(contract_of(kr, r, mask=True))
            yield [c[k] for k in EXPORT_COLUMNS]

    return csvout.to_bytes(EXPORT_COLUMNS, rows())


def my_contracts(conn: Connection, kr: Keyring, account_id: int) -> list[Contract]:
    """The buyer's own contracts (unmasked: their own data)."""
    c = sale_contracts
    rows = conn.execute(
        select(c, registry.homes.c.house_code)
        .join(registry.homes, registry.homes.c.id == c.c.home_id)
        .where(c.c.buyer_account_id == account_id)
        .order_by(c.c.id.desc())
        .limit(200)
    )
    return [contract_of(kr, r, mask=False) for r in rows]


def staff_contract(conn: Connection, kr: Keyring, contract_id: int, *, scope: Scope) -> Contract:
    """One contract in the caller's streets, buyer masked."""
    c = sale_contracts
    row = conn.execute(
        select(c, registry.homes.c.house_code)
        .join(registry.homes, registry.homes.c.id == c.c.home_id)
        .where(c.c.id == contract_id)
    ).first()
    missing = f"没有编号为 {contract_id} 的合同"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return contract_of(kr, row, mask=True)


def developer_contracts(
    conn: Connection, kr: Keyring, developer_id: int, *, status: str | None = None, limit: int, offset: int
) -> Page[Contract]:
    """The developer's own contracts, newest first (buyers masked)."""
    c = sale_contracts
    stmt = (
        select(c, registry.homes.c.house_code)
        .join(registry.homes, registry.homes.c.id == c.c.home_id)
        .where(c.c.developer_id == developer_id)
        .order_by(c.c.id.desc())
    )
    if status:
        stmt = stmt.where(c.c.status == status)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: contract_of(kr, r, mask=True))
