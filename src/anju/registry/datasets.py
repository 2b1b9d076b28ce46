"""The register's datasets in the catalogue (``anju.contexts``: ``datasets``) and its open aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, func, select

from anju import divisions
from anju.exchange import PUBLIC, AggregateRow, Dataset, DatasetField
from anju.registry.domain import Status
from anju.registry.tables import homes

STAFF = ("street_clerk", "district_officer", "city_officer", "auditor")
OFFICE = "市住房保障和房产局 房屋管理处（楼盘表）"

ESTATES = Dataset(
    id="registry.estates",
    title="楼盘（小区）",
    description="楼盘表中的小区、楼盘、单位大院等：名称、所在行政区划、地址、开发企业、建成年份、中心点坐标。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("estate_code", "楼盘编码", "code"),
        DatasetField("name", "楼盘名称"),
        DatasetField("kind", "类型"),
        DatasetField("district_code", "区", "code"),
        DatasetField("street_code", "街道", "code"),
        DatasetField("address", "地址"),
        DatasetField("developer", "开发企业"),
        DatasetField("year_built", "建成年份", "int", "年"),
    ),
    sensitivity="内部",
    audience=STAFF,
    keywords=("楼盘表", "小区", "楼盘"),
)

HOMES = Dataset(
    id="registry.homes",
    title="房屋（楼盘表）",
    description="楼盘表的房屋：房屋编码、所在楼栋和行政区划、层、房号、用途、套型、建筑面积、状态；每次变更留有历史版本。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("house_code", "房屋编码", "code"),
        DatasetField("district_code", "区", "code"),
        DatasetField("street_code", "街道", "code"),
        DatasetField("floor_no", "实际层", "int", "层"),
        DatasetField("room_no", "房号"),
        DatasetField("use", "用途"),
        DatasetField("rooms", "室", "int", "间"),
        DatasetField("construction_area", "建筑面积", "decimal", "平方米"),
        DatasetField("status", "房屋状态"),
    ),
    sensitivity="内部",
    audience=STAFF,
    keywords=("楼盘表", "房屋", "房屋编码"),
)

HOMES_BY_STREET = Dataset(
    id="registry.homes_by_street",
    title="各街道房屋套数（按用途）",
    description="楼盘表中现存房屋的套数，按街道和房屋用途汇总（开放数据：小于阈值的数字已隐去）。",
    office=OFFICE,
    frequency="每日",
    fields=(
        DatasetField("street", "街道", description="区名·街道名"),
        DatasetField("use", "用途"),
        DatasetField("homes", "房屋套数", "int", "套"),
    ),
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("楼盘表", "房屋", "街道", "开放数据"),
    open_data=True,
    aggregate="anju.registry.datasets:homes_by_street",
    dimensions=2,
)


def homes_by_street(conn: Connection, today: date) -> Sequence[AggregateRow]:
    """Homes that exist (not retired by a split or merge, not demolished) by street and use."""
    rows = conn.execute(
        select(homes.c.street_code, homes.c.use, func.count())
        .where(homes.c.status.not_in((Status.retired, Status.demolished)))
        .group_by(homes.c.street_code, homes.c.use)
    ).all()
    codes = {r[0] for r in rows} | {r[0][:6] for r in rows}
    names = divisions.names(conn, codes)
    return [((f"{names.get(s[:6], s[:6])}·{names.get(s, s)}", use), int(n)) for s, use, n in rows]
