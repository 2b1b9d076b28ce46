"""Transactions' datasets in the catalogue (``anju.contexts``: ``datasets``) and their open aggregates:
filed contracts by district, month and use, counted as the public figures count them
(:data:`anju.transactions.figures.MARKETS`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, func, select

from anju import divisions, registry
from anju.exchange import PUBLIC, AggregateRow, Dataset, DatasetField, completed_months, month_of
from anju.transactions.figures import MARKETS

STAFF = ("street_clerk", "district_officer", "city_officer", "auditor")
OFFICE = "市住房保障和房产局 房地产市场监管处"

_CONTRACT_FIELDS = (
    DatasetField("filing_no", "备案编号", "code"),
    DatasetField("district_code", "区", "code"),
    DatasetField("house_code", "房屋编码", "code"),
    DatasetField("buyer_name", "买受人", personal=True),
    DatasetField("buyer_id", "买受人身份证号", "code", personal=True),
    DatasetField("area", "建筑面积", "decimal", "平方米"),
    DatasetField("total_price_fen", "成交总价", "fen", "分"),
    DatasetField("status", "合同状态"),
    DatasetField("filed_at", "备案时间", "datetime"),
)

SALE_CONTRACTS = Dataset(
    id="transactions.sale_contracts",
    title="新建商品房买卖合同网签备案",
    description="新建商品房（预售、现售）买卖合同的网签与备案：房屋、项目、开发企业、买受人（加密、盲索引）、价格、付款方式、状态。",
    office=OFFICE,
    frequency="实时",
    fields=_CONTRACT_FIELDS,
    sensitivity="敏感",
    audience=STAFF,
    keywords=("新建商品房", "网签", "备案"),
)

RESALE_CONTRACTS = Dataset(
    id="transactions.resale_contracts",
    title="存量房买卖合同网签备案",
    description="存量房（二手房）买卖合同的网签、备案与转移登记：房屋、经纪机构、买卖双方（加密、盲索引）、价格、资金监管、状态。",
    office=OFFICE,
    frequency="实时",
    fields=_CONTRACT_FIELDS,
    sensitivity="敏感",
    audience=STAFF,
    keywords=("存量房", "二手房", "网签", "备案"),
)

PRESALE_PERMITS = Dataset(
    id="transactions.presale_permits",
    title="商品房预售许可",
    description="商品房预售许可证：许可证号、项目、开发企业、所在区、许可的楼栋与房屋、发证日期。",
    office=OFFICE,
    frequency="实时",
    fields=(
        DatasetField("permit_no", "预售许可证号", "code"),
        DatasetField("project", "项目"),
        DatasetField("developer", "开发企业"),
        DatasetField("district_code", "区", "code"),
        DatasetField("homes", "许可房屋套数", "int", "套"),
        DatasetField("issued_on", "发证日期", "date"),
    ),
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("新建商品房", "预售许可"),
)

_FILING_FIELDS = (
    DatasetField("district", "区"),
    DatasetField("month", "月份", description="YYYY-MM，北京时间"),
    DatasetField("use", "房屋用途"),
    DatasetField("contracts", "备案合同数", "int", "件"),
)

NEW_HOME_FILINGS = Dataset(
    id="transactions.new_home_filings",
    title="新建商品房网签备案量（按区、月份、用途）",
    description="最近 12 个已结束的月份中每月备案的新建商品房买卖合同件数，按区和房屋用途汇总"
    "（开放数据：小于阈值的数字已隐去）。",
    office=OFFICE,
    frequency="每日",
    fields=_FILING_FIELDS,
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("新建商品房", "成交", "开放数据"),
    open_data=True,
    aggregate="anju.transactions.datasets:new_home_filings",
    dimensions=3,
    period_dimension=1,
)

RESALE_FILINGS = Dataset(
    id="transactions.resale_filings",
    title="存量房网签备案量（按区、月份、用途）",
    description="最近 12 个已结束的月份中每月备案的存量房买卖合同件数，按区和房屋用途汇总"
    "（开放数据：小于阈值的数字已隐去）。",
    office=OFFICE,
    frequency="每日",
    fields=_FILING_FIELDS,
    sensitivity="公开",
    audience=(PUBLIC,),
    keywords=("存量房", "二手房", "成交", "开放数据"),
    open_data=True,
    aggregate="anju.transactions.datasets:resale_filings",
    dimensions=3,
    period_dimension=1,
)


def _filings(conn: Connection, today: date, market: str) -> list[AggregateRow]:
    _label, table, statuses = MARKETS[market]
    homes = registry.homes
    joined = table.join(homes, homes.c.id == table.c.home_id)
    months = completed_months(today)
    month = month_of(table.c.filed_at, months)
    q = (
        select(table.c.district_code, month, homes.c.use, func.count())
        .select_from(joined)
        .where(table.c.status.in_(statuses), table.c.filed_at >= months[0].start, table.c.filed_at < months[-1].end)
        .group_by(table.c.district_code, month, homes.c.use)
    )
    counts = [(d, label, use, int(n)) for d, label, use, n in conn.execute(q)]
    names = divisions.names(conn, {c[0] for c in counts})
    return [((names.get(d, d), month, use), n) for d, month, use, n in counts]


def new_home_filings(conn: Connection, today: date) -> Sequence[AggregateRow]:
    return _filings(conn, today, "new")


def resale_filings(conn: Connection, today: date) -> Sequence[AggregateRow]:
    return _filings(conn, today, "resale")
