"""Housing assistance's datasets in the catalogue (``anju.contexts``: ``datasets``) and its open aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, and_, func, select

from anju import divisions
from anju.assistance.catalogue import programme_labels
from anju.assistance.domain import AppStatus
from anju.assistance.tables import application_members, applications
from anju.exchange import PUBLIC, AggregateRow, Dataset, DatasetField

STAFF = ("street_clerk", "district_officer", "city_officer", "auditor")
OFFICE = "市住房保障和房产局 住房保障处"

APPLICATIONS = Dataset(
    id="assistance.applications",
    title="住房保障申请",
    description="住房保障与人才安居申请：申请编号、保障项目、行政区划、家庭人数、成员（姓名与身份证号加密、盲索引）、"
    "资格审核结果、审核过程与状态。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("app_no", "申请编号", "code"),
        DatasetField("programme_code", "保障项目", "code"),
        DatasetField("district_code", "区", "code"),
        DatasetField("household_size", "家庭人数", "int", "人"),
        DatasetField("member_name", "家庭成员姓名", personal=True),
        DatasetField("member_id_number", "家庭成员身份证号", "code", personal=True),
        DatasetField("annual_income_fen", "成员年收入", "fen", "分", personal=True),
        DatasetField("status", "申请状态"),
        DatasetField("decided_at", "决定时间", "datetime"),
    ),
    sensitivity="敏感",
    audience=STAFF,
    keywords=("住房保障", "申请", "审核"),
)

ALLOCATIONS = Dataset(
    id="assistance.allocations",
    title="保障房配租配售",
    description="保障性住房的选房与配置：申请、房屋、保障项目、摇号与顺位、合同、入住与退出。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("application_id", "申请", "code"),
        DatasetField("home_id", "房屋", "code"),
        DatasetField("programme_code", "保障项目", "code"),
        DatasetField("rank", "选房顺位", "int"),
        DatasetField("status", "配置状态"),
        DatasetField("selected_at", "选房时间", "datetime"),
        DatasetField("ended_at", "退出时间", "datetime"),
    ),
    sensitivity="内部",
    audience=STAFF,
    keywords=("住房保障", "配租", "配售", "摇号"),
)

HOUSEHOLDS = Dataset(
    id="assistance.households",
    title="住房保障在保家庭数（按区、按保障项目）",
    description="已批准（轮候或享受保障中）和已配置保障房的家庭数，按区和保障项目汇总（开放数据：小于阈值的数字已隐去）。",
    office=OFFICE,
    frequency="每日",
    fields=(
        DatasetField("district", "区"),
        DatasetField("programme", "保障项目"),
        DatasetField("households", "家庭数", "int", "户"),
    ),
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("住房保障", "保障家庭", "开放数据"),
    open_data=True,
    aggregate="anju.assistance.datasets:households",
    dimensions=2,
)


def households(conn: Connection, today: date) -> Sequence[AggregateRow]:
    """Households approved or allocated, by district and programme (as of now: statuses are current).
    A household is its applicant (blind index of the member ``seq`` 0): two applications of one
    household in a cell count once."""
    a, m = applications, application_members
    rows = conn.execute(
        select(a.c.district_code, a.c.programme_code, func.count(m.c.id_bidx.distinct()))
        .join(m, and_(m.c.application_id == a.c.id, m.c.seq == 0))
        .where(a.c.status.in_((AppStatus.approved, AppStatus.allocated)))
        .group_by(a.c.district_code, a.c.programme_code)
    ).all()
    names = divisions.names(conn, {r[0] for r in rows})
    labels = programme_labels(conn)
    return [((names.get(d, d), labels[p]["name"] if p in labels else p), int(n)) for d, p, n in rows]
