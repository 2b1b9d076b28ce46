"""Rental supervision's datasets in the catalogue (``anju.contexts``: ``datasets``) and its open aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, func, select

from anju import divisions
from anju.exchange import PUBLIC, AggregateRow, Dataset, DatasetField, completed_months, month_of
from anju.rental.domain import LeaseStatus
from anju.rental.tables import rental_leases

STAFF = ("street_clerk", "district_officer", "city_officer", "auditor")
OFFICE = "市住房保障和房产局 住房租赁监管处"

LISTINGS = Dataset(
    id="rental.listings",
    title="租赁房源",
    description="经核验发布的住房租赁房源：房源编号、所在行政区划、出租方式、面积、户型、挂牌租金、状态与房源核验码。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("listing_no", "房源编号", "code"),
        DatasetField("district_code", "区", "code"),
        DatasetField("street_code", "街道", "code"),
        DatasetField("mode", "出租方式"),
        DatasetField("area", "面积", "decimal", "平方米"),
        DatasetField("bedrooms", "卧室数", "int", "间"),
        DatasetField("rent_fen", "挂牌月租金", "fen", "分"),
        DatasetField("status", "房源状态"),
        DatasetField("verify_code", "房源核验码", "code"),
    ),
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("住房租赁", "房源", "核验码"),
)

LEASES = Dataset(
    id="rental.leases",
    title="住房租赁合同备案",
    description="网签备案的住房租赁合同：合同与备案编号、房屋、出租人与承租人（加密、盲索引）、租期、租金、押金、状态。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("lease_no", "合同编号", "code"),
        DatasetField("filing_no", "备案编号", "code"),
        DatasetField("district_code", "区", "code"),
        DatasetField("street_code", "街道", "code"),
        DatasetField("landlord_name", "出租人", personal=True),
        DatasetField("tenant_name", "承租人", personal=True),
        DatasetField("tenant_id", "承租人身份证号", "code", personal=True),
        DatasetField("start_on", "起租日", "date"),
        DatasetField("end_on", "到期日", "date"),
        DatasetField("rent_fen", "月租金", "fen", "分"),
        DatasetField("deposit_fen", "押金", "fen", "分"),
        DatasetField("status", "合同状态"),
    ),
    sensitivity="敏感",
    audience=STAFF,
    keywords=("住房租赁", "合同备案", "网签"),
)

ESCROW = Dataset(
    id="rental.escrow",
    title="住房租赁资金监管",
    description="纳入监管的租赁合同的监管账户头寸、押金与预收租金的托管计划及其流水（记入可验证日志）。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("lease_id", "合同", "code"),
        DatasetField("mode", "监管方式"),
        DatasetField("rent_months", "监管租金月数", "int", "月"),
        DatasetField("deposit_fen", "监管押金", "fen", "分"),
        DatasetField("deposit_status", "押金状态"),
        DatasetField("status", "监管状态"),
    ),
    sensitivity="内部",
    audience=STAFF,
    keywords=("住房租赁", "资金监管", "押金"),
)

LEASES_BY_MONTH = Dataset(
    id="rental.leases_by_month",
    title="住房租赁合同备案量（按区、按月）",
    description="最近 12 个已结束的月份中每月新备案的住房租赁合同件数，按区汇总（开放数据：小于阈值的数字已隐去）。",
    office=OFFICE,
    frequency="每日",
    fields=(
        DatasetField("district", "区"),
        DatasetField("month", "月份", description="YYYY-MM，北京时间"),
        DatasetField("leases", "备案合同数", "int", "件"),
    ),
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("住房租赁", "合同备案", "开放数据"),
    open_data=True,
    aggregate="anju.rental.datasets:leases_by_month",
    dimensions=2,
    period_dimension=1,
)

#: Leases that were filed (whatever became of them since): a cancelled filing does not count.
_FILED = (LeaseStatus.filed, LeaseStatus.terminated, LeaseStatus.expired)


def leases_by_month(conn: Connection, today: date) -> Sequence[AggregateRow]:
    """Leases filed in each of the last 12 completed months, by district: one grouped scan of the period."""
    t = rental_leases
    months = completed_months(today)
    month = month_of(t.c.filed_at, months)
    q = (
        select(t.c.district_code, month, func.count())
        .where(t.c.status.in_(_FILED), t.c.filed_at >= months[0].start, t.c.filed_at < months[-1].end)
        .group_by(t.c.district_code, month)
    )
    counts = [(d, label, int(n)) for d, label, n in conn.execute(q)]
    names = divisions.names(conn, {c[0] for c in counts})
    return [((names.get(d, d), label), n) for d, label, n in counts]
