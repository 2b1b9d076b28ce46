"""The address library's dataset in the catalogue (``anju.contexts``: ``datasets``)."""

from __future__ import annotations

from anju.exchange import Dataset, DatasetField

LINKS = Dataset(
    id="addresses.links",
    title="房产公安房屋地址融合库",
    description="各部门地址记录与楼盘表房屋的关联：来源、原始地址、标准化地址、所属街道、关联的房屋编码、匹配概率与人工复核结论。",
    office="市住房保障和房产局 信息中心",
    frequency="不定期",
    fields=(
        DatasetField("source", "来源部门"),
        DatasetField("record_id", "来源记录号", "code"),
        DatasetField("address", "原始地址"),
        DatasetField("canonical", "标准地址"),
        DatasetField("street_code", "街道", "code"),
        DatasetField("house_code", "房屋编码", "code"),
        DatasetField("score", "匹配概率", "decimal"),
        DatasetField("status", "关联状态"),
    ),
    sensitivity="内部",
    audience=("street_clerk", "district_officer", "city_officer", "auditor"),
    keywords=("地址", "地址融合", "房屋编码"),
)
