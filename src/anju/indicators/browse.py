"""Browsing the dictionary: the entries filtered by owner, level, frequency and a search of code, name
and calibre, a page at a time (the dictionary is data in memory: no database)."""

from __future__ import annotations

from dataclasses import dataclass

from anju.core.paging import Page
from anju.indicators.dictionary import dictionary
from anju.indicators.domain import Indicator

#: The owning contexts' Chinese names, for the filter and the table.
OWNER_LABELS = {
    "streets": "街道数据库", "plan": "规划（统计部门报送）", "market": "市场监测", "assistance": "住房保障",
    "renewal": "城市更新", "estates": "物业管理", "transactions": "房产交易", "rental": "住房租赁",
    "registry": "楼盘表",
}  # fmt: skip
FREQUENCY_LABELS = {"year": "年度", "month": "月度"}


@dataclass(frozen=True)
class EntryFilter:
    owner: str = ""
    level: str = ""
    frequency: str = ""
    q: str = ""


def entries(f: EntryFilter, *, limit: int, offset: int) -> Page[Indicator]:
    """The entries matching ``f``, in the dictionary's order."""
    words = f.q.strip().lower()
    found = [
        i
        for i in dictionary().values()
        if (not f.owner or i.owner == f.owner)
        and (not f.level or f.level in i.levels)
        and (not f.frequency or i.frequency == f.frequency)
        and (not words or words in i.code.lower() or words in i.name.lower() or words in i.calibre.lower())
    ]
    return Page(found[offset : offset + limit], len(found))


def owners() -> list[str]:
    """The owners the dictionary holds, in first-seen order."""
    return list(dict.fromkeys(i.owner for i in dictionary().values()))
