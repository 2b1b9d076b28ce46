"""The registration centre's two feeds as the exchange receives them (``anju.contexts``: the
registry's ``feeds``): their fields, business key and handlers (:mod:`anju.registry.feeds.handlers`).

The exchange checks each field's shape; the registry's own rules (``parse``: owners' identity numbers
and shares, kinds and events, dates not in the future) and those that need the register (the home,
the record a correction or a lift names) run in the handlers.
"""

from __future__ import annotations

from anju.exchange import FeedDefinition, FeedField

_HANDLERS = "anju.registry.feeds.handlers"

REGISTRATIONS = FeedDefinition(
    dataset="registry.registrations",
    title="不动产登记",
    source="市不动产登记中心",
    fields=(
        FeedField("record_id", "业务号", max_length=64),
        FeedField(
            "kind", "登记类型", max_length=16, description="first 首次登记、transfer 转移登记、correction 更正登记"
        ),
        FeedField("corrects", "更正业务号", required=False, max_length=64, description="更正登记所更正记录的业务号"),
        FeedField("certificate_no", "不动产权证号", max_length=64),
        FeedField("house_code", "房屋代码", max_length=23),
        FeedField("registered_on", "登记日期", kind="date"),
        FeedField(
            "owners",
            "权利人",
            kind="json",
            personal=True,
            description="权利人列表：owner_kind（个人/单位）、owner_id（证件号码）、owner_name、share_pct；"
            "CSV 和 Excel 中每个权利人一行，同一业务号的连续行为一条记录",
        ),
    ),
    key=("record_id",),
    rows="owners",
    item_fields=(
        FeedField("owner_kind", "权利人类型", required=False, description="person 个人（默认）或 org 单位"),
        FeedField("owner_id", "证件号码", personal=True, description="居民身份证号码或统一社会信用代码"),
        FeedField("owner_name", "权利人名称", personal=True),
        FeedField("share_pct", "共有份额", required=False, description="整数百分比；唯一权利人可不填"),
    ),
    handler=f"{_HANDLERS}:handle_registrations",
    finish=f"{_HANDLERS}:finish_registrations",
    as_of="registered_on",
    description="首次登记、转移登记、更正登记：决定楼盘表中每套房屋的权利人（双时态）",
)

RESTRICTIONS = FeedDefinition(
    dataset="registry.restrictions",
    title="查封、抵押与行政限制",
    source="市不动产登记中心",
    fields=(
        FeedField("record_id", "业务号", max_length=64),
        FeedField("event", "事项", max_length=16, description="查封、解封、抵押、抵押注销、行政限制、解除限制"),
        FeedField("document_no", "文书号", max_length=64),
        FeedField("lifts", "解除业务号", required=False, max_length=64),
        FeedField("house_code", "房屋代码", max_length=23),
        FeedField("authority", "机关", max_length=80),
        FeedField("starts_on", "起始日期", kind="date"),
        FeedField("ends_on", "截止日期", kind="date", required=False),
    ),
    key=("record_id",),
    handler=f"{_HANDLERS}:handle_restrictions",
    finish=f"{_HANDLERS}:finish_restrictions",
    as_of="starts_on",
    description="查封/解封、抵押/注销、行政限制/解除：楼盘表的限制来源",
)
