"""REST routes of the register: thin — parse, call a service, shape."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from anju.core import clock
from anju.core.errors import ValidationError
from anju.registry import changes, create, lists, lookups, reads
from anju.registry.domain import Status
from anju.registry.http import schemas
from anju.registry.http.deps import RegistryRead, RegistryWrite
from anju.security import audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["registry"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2**62)]
StatusQ = Annotated[Status | None, Query(description="状态")]


@router.get("/estates", operation_id="list_estates")
def list_estates(
    uow: UowDep,
    caller: RegistryRead,
    paging: PagingDep,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    district_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    name: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[schemas.EstateOut]:
    with uow.read() as conn:
        found = lists.list_estates(
            conn,
            street_code=street_code,
            district_code=district_code,
            name=name,
            scope=caller.scope,
            offset=paging.offset,
            limit=paging.page_size,
        )
        return Page(
            items=[schemas.EstateOut(**i) for i in found.items],
            total=found.total,
            page=paging.page,
            page_size=paging.page_size,
        )


@router.get("/estates/{estate_id}", operation_id="get_estate")
def get_estate(uow: UowDep, caller: RegistryRead, estate_id: Id) -> schemas.EstateOut:
    with uow.read() as conn:
        return schemas.EstateOut(**reads.get_estate(conn, estate_id, scope=caller.scope))


@router.post("/estates", status_code=201, operation_id="create_estate")
def create_estate(uow: UowDep, caller: RegistryWrite, body: schemas.EstateIn) -> schemas.EstateOut:
    with audited(uow, caller, "registry.create_estate", "estate") as conn:
        eid = create.create_estate(conn, create.NewEstate(**body.model_dump()), scope=caller.scope)
        set_audit_target(conn, eid)
        return schemas.EstateOut(**reads.get_estate(conn, eid, scope=caller.scope))


@router.get("/buildings", operation_id="list_buildings")
def list_buildings(
    uow: UowDep,
    caller: RegistryRead,
    paging: PagingDep,
    estate_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    status: StatusQ = None,
) -> Page[schemas.BuildingOut]:
    with uow.read() as conn:
        found = lists.list_buildings(
            conn,
            estate_id=estate_id,
            street_code=street_code,
            status=status.value if status else None,
            scope=caller.scope,
            offset=paging.offset,
            limit=paging.page_size,
        )
        return Page(
            items=[schemas.BuildingOut(**i) for i in found.items],
            total=found.total,
            page=paging.page,
            page_size=paging.page_size,
        )


@router.get("/buildings/{building_id}", operation_id="get_building")
def get_building(uow: UowDep, caller: RegistryRead, building_id: Id) -> schemas.BuildingOut:
    with uow.read() as conn:
        return schemas.BuildingOut(**reads.get_building(conn, building_id, scope=caller.scope))


@router.post("/buildings", status_code=201, operation_id="create_building")
def create_building(uow: UowDep, caller: RegistryWrite, body: schemas.BuildingIn) -> schemas.BuildingOut:
    data = body.model_dump()
    fp = data.pop("footprint")
    with audited(uow, caller, "registry.create_building", "building") as conn:
        cmd = create.NewBuilding(**data, footprint=json.dumps(fp) if fp else None)
        bid = create.create_building(conn, cmd, scope=caller.scope)
        set_audit_target(conn, bid)
        return schemas.BuildingOut(**reads.get_building(conn, bid, scope=caller.scope))


@router.post("/buildings/{building_id}/changes", operation_id="change_building")
def change_building(uow: UowDep, caller: RegistryWrite, building_id: Id, body: schemas.ChangeIn) -> schemas.ChangeOut:
    with audited(uow, caller, "registry.change_building", "building", building_id) as conn:
        changed = changes.change_building(conn, building_id, changes.Change(**body.model_dump()), scope=caller.scope)
        return schemas.ChangeOut(
            changed=changed, version=reads.get_building(conn, building_id, scope=caller.scope)["version"]
        )


@router.get("/buildings/{building_id}/grid", operation_id="building_grid")
def building_grid(
    uow: UowDep,
    caller: RegistryRead,
    building_id: Id,
    as_of: Annotated[date | None, Query(description="查看该日期的楼盘表")] = None,
    known_at: Annotated[datetime | None, Query(description="按当时登记簿所知（带时区）")] = None,
) -> schemas.GridOut:
    with uow.read() as conn:
        if known_at is not None and known_at.tzinfo is None:
            raise ValidationError.of("known_at", "时间必须带时区，例如 2024-01-01T00:00:00+08:00")
        g = reads.building_as_of(conn, building_id, as_of or clock.today(), known_at, scope=caller.scope)
        b = g["building"]
        return schemas.GridOut(
            building_id=g["building_id"],
            house_code=g["house_code"],
            as_of=g["as_of"],
            known_at=g["known_at"],
            building=schemas.GridBuilding(**b) if b else None,
            homes=[schemas.GridHome(**h) for h in g["homes"]],
        )


@router.get("/homes", operation_id="list_homes")
def list_homes(
    uow: UowDep,
    caller: RegistryRead,
    paging: PagingDep,
    building_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    status: StatusQ = None,
) -> Page[schemas.HomeOut]:
    with uow.read() as conn:
        found = lists.list_homes(
            conn,
            building_id=building_id,
            street_code=street_code,
            status=status.value if status else None,
            scope=caller.scope,
            offset=paging.offset,
            limit=paging.page_size,
        )
        return Page(
            items=[schemas.HomeOut(**i) for i in found.items],
            total=found.total,
            page=paging.page,
            page_size=paging.page_size,
        )


@router.get("/homes/by-code/{house_code}", operation_id="get_home_by_code")
def get_home_by_code(uow: UowDep, caller: RegistryRead, house_code: str) -> schemas.HomeOut:
    with uow.read() as conn:
        return schemas.HomeOut(**reads.get_home_by_code(conn, house_code, scope=caller.scope))


@router.get("/homes/{home_id}", operation_id="get_home")
def get_home(uow: UowDep, caller: RegistryRead, home_id: Id) -> schemas.HomeOut:
    with uow.read() as conn:
        return schemas.HomeOut(**reads.get_home(conn, home_id, scope=caller.scope))


@router.post("/homes", status_code=201, operation_id="create_home")
def create_home(uow: UowDep, caller: RegistryWrite, body: schemas.HomeIn) -> schemas.HomeOut:
    with audited(uow, caller, "registry.create_home", "home") as conn:
        hid = create.create_home(conn, create.NewHome(**body.model_dump()), scope=caller.scope)
        set_audit_target(conn, hid)
        return schemas.HomeOut(**reads.get_home(conn, hid, scope=caller.scope))


@router.post("/homes/{home_id}/changes", operation_id="change_home")
def change_home(uow: UowDep, caller: RegistryWrite, home_id: Id, body: schemas.ChangeIn) -> schemas.ChangeOut:
    with audited(uow, caller, "registry.change_home", "home", home_id) as conn:
        changed = changes.change_home(conn, home_id, changes.Change(**body.model_dump()), scope=caller.scope)
        return schemas.ChangeOut(changed=changed, version=reads.get_home(conn, home_id, scope=caller.scope)["version"])


@router.get("/homes/{home_id}/history", operation_id="home_history")
def home_history(uow: UowDep, caller: RegistryRead, home_id: Id) -> schemas.HistoryOut:
    with uow.read() as conn:
        return schemas.HistoryOut.model_validate(reads.home_history(conn, home_id, scope=caller.scope))


@router.post("/homes/{home_id}/split", status_code=201, operation_id="split_home")
def split_home(uow: UowDep, caller: RegistryWrite, home_id: Id, body: schemas.SplitIn) -> list[schemas.HomeOut]:
    parts = [changes.SplitPart(**p.model_dump()) for p in body.parts]
    with audited(uow, caller, "registry.split_home", "home", home_id) as conn:
        ids = changes.split_home(conn, home_id, parts, body.effective_date, body.reason, scope=caller.scope)
        return [schemas.HomeOut(**reads.get_home(conn, i, scope=caller.scope)) for i in ids]


@router.post("/homes/merge", status_code=201, operation_id="merge_homes")
def merge_homes(uow: UowDep, caller: RegistryWrite, body: schemas.MergeIn) -> schemas.HomeOut:
    with audited(uow, caller, "registry.merge_homes", "home") as conn:
        hid = changes.merge_homes(
            conn,
            body.home_ids,
            body.room_no,
            body.effective_date,
            body.reason,
            body.construction_area,
            scope=caller.scope,
        )
        set_audit_target(conn, hid)
        return schemas.HomeOut(**reads.get_home(conn, hid, scope=caller.scope))


@router.get("/homes/{home_id}/rooms", operation_id="list_rooms")
def list_rooms(uow: UowDep, caller: RegistryRead, home_id: Id) -> list[schemas.RoomOut]:
    with uow.read() as conn:
        return [schemas.RoomOut(**r) for r in reads.home_rooms(conn, home_id, scope=caller.scope)]


@router.post("/homes/{home_id}/rooms", status_code=201, operation_id="add_rooms")
def add_rooms(uow: UowDep, caller: RegistryWrite, home_id: Id, body: list[schemas.RoomIn]) -> list[schemas.RoomOut]:
    if not body:
        raise ValidationError.of("body", "至少需要一间")
    with audited(uow, caller, "registry.add_rooms", "home", home_id) as conn:
        changes.add_rooms(conn, home_id, [(r.name, r.area) for r in body], scope=caller.scope)
        return [schemas.RoomOut(**r) for r in reads.home_rooms(conn, home_id, scope=caller.scope)]


@router.get("/divisions/{code}/changes", operation_id="division_changes", tags=["divisions"])
def division_changes(
    uow: UowDep,
    caller: RegistryRead,
    paging: PagingDep,
    code: str,
    start: Annotated[date, Query(alias="from", description="开始日期")],
    end: Annotated[date, Query(alias="to", description="结束日期")],
) -> Page[schemas.ChangeRow]:
    with uow.read() as conn:
        found = lists.changes_in_division(
            conn, code, start, end, scope=caller.scope, offset=paging.offset, limit=paging.page_size
        )
        return Page(
            items=[schemas.ChangeRow(**i) for i in found.items],
            total=found.total,
            page=paging.page,
            page_size=paging.page_size,
        )


@router.get("/search", operation_id="search_register")
def search(
    uow: UowDep,
    caller: RegistryRead,
    q: Annotated[str, Query(min_length=1, max_length=100, description="房屋代码或地址")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000, description="楼幢结果的偏移（分页）")] = 0,
) -> schemas.SearchOut:
    with uow.read() as conn:
        r = lookups.search(conn, q, scope=caller.scope, limit=limit, offset=offset)
        return schemas.SearchOut(
            kind=r["kind"],
            homes=[schemas.HomeOut(**h) for h in r["homes"]],
            buildings=[schemas.BuildingOut(**b) for b in r["buildings"]],
            homes_total=r["homes_total"],
            buildings_total=r["buildings_total"],
            capped=r["capped"],
        )


@router.get("/stats", operation_id="register_stats")
def stats(uow: UowDep, caller: RegistryRead) -> dict[str, int]:
    with uow.read() as conn:
        figures = reads.stats(conn, scope=caller.scope)
    return {"estates": figures["estates"], "buildings": figures["buildings"], "homes": figures["homes"]}
