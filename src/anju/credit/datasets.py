"""Credit records' dataset in the catalogue (``anju.contexts``: ``datasets``)."""

from __future__ import annotations

from anju.exchange import Dataset, DatasetField

EVENTS = Dataset(
    id="credit.events",
    title="信用记录",
    description="住房保障、住房租赁等业务中产生的信用事件：主体（盲索引）、来源、事件类型、严重程度、发生与失效日期；每条记入可验证日志。",
    office="市住房保障和房产局 信用管理办公室",
    frequency="实时",
    fields=(
        DatasetField("subject", "信用主体", "code", description="身份证号或统一社会信用代码的盲索引", personal=True),
        DatasetField("source", "来源业务"),
        DatasetField("kind", "事件类型"),
        DatasetField("severity", "严重程度"),
        DatasetField("occurred_on", "发生日期", "date"),
        DatasetField("expires_on", "失效日期", "date"),
        DatasetField("reference", "业务编号", "code"),
    ),
    sensitivity="敏感",
    audience=("district_officer", "city_officer", "auditor"),
    keywords=("信用", "失信", "可验证日志"),
)
