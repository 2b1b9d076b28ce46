"""REST routes of the indicator dictionary (public: definitions, no figures)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from anju.core.errors import NotFound
from anju.indicators import browse
from anju.indicators.dictionary import dictionary
from anju.indicators.domain import Indicator
from anju.security import Public
from anju.web.deps import PagingDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/indicators", tags=["indicators"], responses=ERRORS)

Code = Annotated[str, Path(min_length=3, max_length=80, pattern=r"^[a-z][a-z0-9_.]*$")]


class IndicatorOut(BaseModel):
    code: str
    name: str
    unit: str
    formula: str
    source: str
    calibre: str
    levels: list[str]
    owner: str
    frequency: str
    computed: bool  # the platform computes it (a provider); otherwise a department reports it
    decimals: int
    direction: str
    reference: str


def indicator_out(i: Indicator) -> IndicatorOut:
    return IndicatorOut(
        code=i.code, name=i.name, unit=i.unit, formula=i.formula, source=i.source, calibre=i.calibre,
        levels=list(i.levels), owner=i.owner, frequency=i.frequency, computed=i.provider is not None,
        decimals=i.decimals, direction=i.direction, reference=i.reference,
    )  # fmt: skip


@router.get("", operation_id="indicators_list")
def list_indicators(
    caller: Public,
    paging: PagingDep,
    owner: Annotated[str, Query(max_length=20, pattern=r"^[a-z_]*$")] = "",
    level: Literal["", "city", "district", "street"] = "",
    frequency: Literal["", "year", "month"] = "",
    q: Annotated[str, Query(max_length=40)] = "",
) -> Page[IndicatorOut]:
    """指标字典：每项指标的名称、单位、计算公式、数据来源和统计口径（可按所属、层级、频度和关键词筛选）。"""
    p = browse.entries(browse.EntryFilter(owner, level, frequency, q), limit=paging.page_size, offset=paging.offset)
    return Page(items=[indicator_out(i) for i in p.items], total=p.total, page=paging.page, page_size=paging.page_size)


@router.get("/{code}", operation_id="indicators_get")
def get_indicator(caller: Public, code: Code) -> IndicatorOut:
    """一项指标的定义。"""
    found = dictionary().get(code)
    if found is None:
        raise NotFound(f"指标字典中没有“{code}”")
    return indicator_out(found)
