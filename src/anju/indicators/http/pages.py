"""Pages of the indicator dictionary (指标字典, public): the list with filters and CSV, one entry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core import csvout
from anju.core.errors import NotFound
from anju.indicators import browse
from anju.indicators.dictionary import dictionary
from anju.indicators.domain import LEVEL_LABELS
from anju.security import Public
from anju.web.deps import PagingDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Code = Annotated[str, Path(min_length=3, max_length=80, pattern=r"^[a-z][a-z0-9_.]*$")]
Word = Annotated[str, Query(max_length=40)]
LABELS: dict[str, Any] = {
    "owner_names": browse.OWNER_LABELS,
    "frequencies": browse.FREQUENCY_LABELS,
    "levels": LEVEL_LABELS,
}


def _filter(owner: str, level: str, frequency: str, q: str) -> browse.EntryFilter:
    return browse.EntryFilter(
        owner if owner in browse.owners() else "",
        level if level in LEVEL_LABELS else "",
        frequency if frequency in browse.FREQUENCY_LABELS else "",
        q.strip(),
    )


@router.get("/indicators", response_class=HTMLResponse)
def list_page(
    request: Request, caller: Public, paging: PagingDep, owner: Word = "", level: Word = "", frequency: Word = "",
    q: Word = "",
) -> HTMLResponse:  # fmt: skip
    """Every definition, filtered; anyone may read them (the calibre of every published figure)."""
    f = _filter(owner, level, frequency, q)
    p = browse.entries(f, limit=paging.page_size, offset=paging.offset)
    return render(
        request, "indicators/list.html", items=p.items, f=f, owners=browse.owners(),
        query=request.url.query, pager=pager(p.total, paging.page, paging.page_size), **LABELS,
    )  # fmt: skip


@router.get("/indicators.csv")
def export(caller: Public, owner: Word = "", level: Word = "", frequency: Word = "", q: Word = "") -> Response:
    """The filtered definitions as CSV (UTF-8 with BOM)."""
    f = _filter(owner, level, frequency, q)
    rows = [
        [i.code, i.name, i.unit, i.formula, i.source, i.calibre, "、".join(LEVEL_LABELS[lv] for lv in i.levels),
         browse.OWNER_LABELS.get(i.owner, i.owner), browse.FREQUENCY_LABELS[i.frequency],
         "平台计算" if i.provider else "部门报送", i.reference]
        for i in browse.entries(f, limit=10_000, offset=0).items
    ]  # fmt: skip
    cols = ["代码", "名称", "单位", "计算公式", "数据来源", "统计口径", "层级", "所属", "频度", "取得方式", "依据"]
    return csvout.response("指标字典.csv", cols, rows)


@router.get("/indicators/{code}", response_class=HTMLResponse)
def entry_page(request: Request, caller: Public, code: Code) -> HTMLResponse:
    found = dictionary().get(code)
    if found is None:
        raise NotFound(f"指标字典中没有“{code}”")
    return render(request, "indicators/entry.html", i=found, **LABELS)
