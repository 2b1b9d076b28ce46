"""The supervised funds' dataset in the catalogue (``anju.contexts``: ``datasets``)."""

from __future__ import annotations

from anju.exchange import Dataset, DatasetField

JOURNALS = Dataset(
    id="funds.journals",
    title="监管资金流水",
    description="预售资金、存量房交易资金与租赁资金监管账户的复式记账流水：账户、业务类型、记账日、金额、摘要；每笔记入可验证日志。",
    office="市住房保障和房产局 资金监管中心",
    frequency="实时",
    fields=(
        DatasetField("reference", "业务编号", "code"),
        DatasetField("fund_account_id", "监管账户", "code"),
        DatasetField("kind", "业务类型"),
        DatasetField("booked_on", "记账日", "date"),
        DatasetField("amount_fen", "金额", "fen", "分"),
        DatasetField("memo", "摘要"),
        DatasetField("ledger_index", "可验证日志序号", "int"),
    ),
    sensitivity="内部",
    audience=("district_officer", "city_officer", "auditor"),
    keywords=("资金监管", "预售资金", "复式记账", "可验证日志"),
)
