"""Publication of a month's market figures (权威发布, ``market.publish``) and the public page's reads.

A city officer chooses a month of the latest finished run, previews the public figures and confirms; the
snapshot is stored in ``market_publications`` (version 1, or a new version that supersedes the current
one: a correction, with a required note; the old version is kept and listed as corrected). The public
page (``/market/public``) and its downloads show only these snapshots, never the computed tables.

The figures are aggregates only: for the city and each district, new-home and resale sales (count,
area, amount), the median unit price, the published index method's fixed-base, month-on-month and
year-on-year values, inventory and months of supply, and the month's land transfers. No record of a
person or a home. Small cells are withheld with the exchange's open-data suppression
(:func:`anju.exchange.suppress`, k = ``exchange_open_data_k``): the table of sales counts district ×
segment with its totals (the city's figures are the column totals) is suppressed, and a withheld count
withholds every figure of that district and segment (its area, amount, median price and index: they
come from the same few sales), shown "—".

**Index status.** Each segment carries its index cell's status (``domain.INDEX_STATUSES``): a ``thin``
cell (few sales) is published flagged 样本偏少; a ``none`` cell (the method could not estimate it)
publishes no index value ("—", 无法估计).

**Chained levels.** The published fixed-base level is chained (:func:`anju.market.indices.chain.chain`),
never a run's own fixed base: the first publication takes the run's levels and its base month; every
later month links the new run's series onto the last published level of the same area and segment (the
link: the latest earlier published month with a level, normally the month before), ``P_link · N_t /
N_link``, and keeps the published base month. A new run revising history therefore never rewrites a
published level; the base changes only by an explicit rebase (not offered yet). Month-on-month and
year-on-year are the run's ratios.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from anju import divisions
from anju.core.clock import now as clock_now
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.exchange import suppress
from anju.market import domain
from anju.market.indices.chain import chain
from anju.market.runs import Run, is_synthetic, latest_run
from anju.market.tables import market_index_values, market_publications, market_supply

P, S, IV = market_publications, market_supply, market_index_values
SEGMENT_KEYS = ("new", "resale")
#: How many earlier published months the chaining looks back for a cell's link level.
LINK_SEARCH = 24


@dataclass(frozen=True, slots=True)
class SegmentFigures:
    """One segment's figures of an area; every figure None (shown "—") when ``suppressed``."""

    sales: int | None
    area_m2: float | None
    amount_fen: int | None
    median_unit_price_fen: int | None
    index: float | None
    mom: float | None
    yoy: float | None
    suppressed: bool
    status: str = "ok"  # the index cell's status: ok | thin (样本偏少) | none (无法估计)

    @property
    def status_label(self) -> str:
        return domain.INDEX_STATUSES.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class AreaFigures:
    code: str
    name: str
    city: bool
    new: SegmentFigures
    resale: SegmentFigures
    inventory_homes: int | None
    inventory_area_m2: float | None
    months_of_supply: float | None
    land_parcels: int
    land_floor_area_m2: float
    land_price_fen: int


@dataclass(frozen=True, slots=True)
class Figures:
    month: str
    run_id: int
    base_month: str
    method: str
    method_label: str
    k: int
    synthetic: bool
    suppressed: int  # figures withheld (primary and secondary)
    areas: list[AreaFigures]

    @property
    def city(self) -> AreaFigures | None:
        return next((a for a in self.areas if a.city), None)

    @property
    def districts(self) -> list[AreaFigures]:
        return [a for a in self.areas if not a.city]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Figures:
        d = json.loads(text)
        d["areas"] = [
            AreaFigures(**{**a, "new": SegmentFigures(**a["new"]), "resale": SegmentFigures(**a["resale"])})
            for a in d["areas"]
        ]
        return Figures(**d)


def figures_of(
    conn: Connection,
    run: Run,
    month: str,
    *,
    city_code: str,
    method: str,
    k: int,
    suppressed: bool = True,
    chained: bool = True,
) -> Figures:
    """The public figures of ``month`` from the stored rows of ``run``: small cells withheld and the index
    levels chained onto the published ones (see the module). ``suppressed=False`` is the internal
    variant (nothing withheld; never published); ``chained=False`` gives the run's own fixed base."""
    domain.parse_month(month)
    if not run.first_month <= month <= run.last_month:
        raise ValidationError.of("month", f"月份须在本次计算的范围 {run.first_month} 至 {run.last_month} 内")
    supply = {r.area_code: r for r in conn.execute(select(S).where(S.c.run_id == run.id, S.c.month == month))}
    if city_code not in supply:
        raise ValidationError.of("month", f"{month} 没有全市的供需数据，不能发布")
    ix: dict[tuple[str, str, str], Any] = {}
    for r in conn.execute(
        select(IV).where(
            IV.c.run_id == run.id,
            IV.c.segment.in_(SEGMENT_KEYS),
            IV.c.method.in_(sorted({method, "median"})),
            IV.c.band == "all",
            IV.c.month == month,
        )
    ):
        ix[(r.segment, r.method, r.area_code)] = r
    districts = sorted(a for a in supply if a != city_code)
    withheld = _withheld(supply, districts, city_code, k) if suppressed else set()
    names = divisions.names(conn, set(supply))
    out = []
    for code in [city_code, *districts]:
        s = supply[code]
        segs = {}
        for seg in SEGMENT_KEYS:
            v, med = ix.get((seg, method, code)), ix.get((seg, "median", code))
            status = v.status if v is not None else "none"
            if suppressed and (code, seg) in withheld:
                segs[seg] = SegmentFigures(None, None, None, None, None, None, None, True, status)
                continue
            if status == "none":
                v = None
            segs[seg] = SegmentFigures(
                sales=_sales(s, seg),
                area_m2=float(s.new_sales_area if seg == "new" else s.resales_area),
                amount_fen=int(s.new_sales_fen if seg == "new" else s.resales_fen),
                median_unit_price_fen=None if med is None else med.median_unit_price_fen,
                index=None if v is None or v.value is None else float(v.value),  # rounded below
                mom=_r(v.mom if v else None),
                yoy=_r(v.yoy if v else None),
                suppressed=False,
                status=status,
            )
        out.append(
            AreaFigures(
                code=code,
                name=names.get(code, "全市" if code == city_code else code),
                city=code == city_code,
                new=segs["new"],
                resale=segs["resale"],
                inventory_homes=s.inventory_homes,
                inventory_area_m2=float(s.inventory_area),
                months_of_supply=_r(s.months_of_supply, 1),
                land_parcels=s.land_parcels,
                land_floor_area_m2=float(s.land_floor_area),
                land_price_fen=int(s.land_price_fen),
            )
        )
    figs = Figures(
        month=month,
        run_id=run.id,
        base_month=run.first_month,
        method=method,
        method_label=domain.METHODS[method],
        k=k,
        synthetic=is_synthetic(conn, run),
        suppressed=len(withheld),
        areas=out,
    )
    if chained:
        return _chained(conn, run, figs)
    return _map_index(figs, lambda code, seg, s: _r(s.index))


def _chained(conn: Connection, run: Run, figs: Figures) -> Figures:
    """``figs`` with each index level linked onto the published levels (the module's *Chained levels*):
    one query for the earlier publications, one for the run's levels at the link months."""
    earlier = [
        Figures.from_json(text)
        for (text,) in conn.execute(
            select(P.c.figures)
            .where(P.c.current == 1, P.c.month < figs.month)
            .order_by(P.c.month.desc())
            .limit(LINK_SEARCH)
        )
    ]
    if not earlier:  # the first publication: the run's levels and base
        return _map_index(figs, lambda code, seg, s: _r(s.index))
    links: dict[tuple[str, str], tuple[str, float]] = {}
    for f in earlier:  # newest first: the latest published level of each cell
        for a in f.areas:
            for seg in SEGMENT_KEYS:
                level = getattr(a, seg).index
                if level is not None:
                    links.setdefault((a.code, seg), (f.month, level))
    link_months = sorted({m for m, _ in links.values()})
    new_at: dict[tuple[str, str, str], float] = {}
    for r in conn.execute(
        select(IV.c.area_code, IV.c.segment, IV.c.month, IV.c.value).where(
            IV.c.run_id == run.id,
            IV.c.segment.in_(SEGMENT_KEYS),
            IV.c.method == figs.method,
            IV.c.band == "all",
            IV.c.month.in_(link_months),
        )
    ):
        if r.value is not None:
            new_at[(r.area_code, r.segment, r.month)] = float(r.value)

    def linked(code: str, seg: str, s: SegmentFigures) -> float | None:
        if s.index is None:
            return None
        link = links.get((code, seg))
        n_link = new_at.get((code, seg, link[0])) if link else None
        if link is None or n_link is None or n_link <= 0:
            return None  # no published level to link to: no level rather than an unlinked one
        return _r(float(chain([link[1], float("nan")], [n_link, s.index], 0)[1]))

    return _map_index(replace(figs, base_month=earlier[0].base_month), linked)


def _map_index(figs: Figures, fn: Callable[[str, str, SegmentFigures], float | None]) -> Figures:
    """``figs`` with every segment's index level replaced by ``fn(area code, segment, figures)``."""

    def seg(code: str, name: str, s: SegmentFigures) -> SegmentFigures:
        return replace(s, index=fn(code, name, s))

    areas = [replace(a, new=seg(a.code, "new", a.new), resale=seg(a.code, "resale", a.resale)) for a in figs.areas]
    return replace(figs, areas=areas)


def _withheld(supply: dict[str, Any], districts: list[str], city_code: str, k: int) -> set[tuple[str, str]]:
    """The (area, segment) cells withheld: the suppressed table of sales counts district × segment (its
    totals row is the city), or, without district rows, the city's small segments."""
    counts = [((d, seg), _sales(supply[d], seg)) for d in districts for seg in SEGMENT_KEYS]
    if not counts:
        return {(city_code, seg) for seg in SEGMENT_KEYS if 0 < _sales(supply[city_code], seg) < k}
    withheld: set[tuple[str, str]] = set()
    for c in suppress(counts, k).cells:
        if c.suppressed:
            row, col = c.dims[0], c.dims[1]
            withheld.add((city_code if row == "合计" else row, col))
    return withheld


def _sales(row: Any, seg: str) -> int:
    return int(row.new_sales if seg == "new" else row.resales)


def _r(v: float | None, places: int = 2) -> float | None:
    return None if v is None else round(float(v), places)


# -------------------------------------------------------------------------------------------- preview


@dataclass(frozen=True, slots=True)
class Preview:
    run: Run
    figures: Figures
    current: PublicationHead | None  # the version this would supersede


def preview(conn: Connection, month: str, *, city_code: str, method: str, k: int) -> Preview:
    run = latest_run(conn)
    if run is None:
        raise NotFound("还没有完成的市场监测计算，无可发布的数据")
    figs = figures_of(conn, run, month, city_code=city_code, method=method, k=k)
    return Preview(run, figs, _current_head(conn, month))


# ------------------------------------------------------------------------------------------- publish


@dataclass(frozen=True, slots=True)
class PublicationHead:
    id: int
    month: str
    version: int
    current: bool
    run_id: int
    note: str | None
    published_by: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Publication:
    head: PublicationHead
    figures: Figures


def _head(r: Any) -> PublicationHead:
    return PublicationHead(r.id, r.month, r.version, r.current == 1, r.run_id, r.note, r.published_by, r.published_at)


def _current_head(conn: Connection, month: str) -> PublicationHead | None:
    row = conn.execute(select(P).where(P.c.month == month, P.c.current == 1)).first()
    return _head(row) if row else None


def publish(
    conn: Connection,
    *,
    month: str,
    run_id: int,
    note: str | None,
    by: str,
    city_code: str,
    method: str,
    k: int,
) -> Publication:
    """Publish ``month`` from the latest run (which must be ``run_id``, the run the officer previewed). A
    month already published gets a new version superseding the current one: a correction, whose
    ``note`` is required."""
    try:
        domain.parse_month(month)
    except ValueError:
        raise ValidationError.of("month", "月份格式应为 YYYY-MM") from None
    note = (note or "").strip() or None
    if note is not None and len(note) > 500:
        raise ValidationError.of("note", "说明不能超过 500 字")
    run = latest_run(conn)
    if run is None:
        raise NotFound("还没有完成的市场监测计算，无可发布的数据")
    if run.id != run_id:
        raise Conflict("预览之后有新的计算完成，请重新预览后再发布")
    figs = figures_of(conn, run, month, city_code=city_code, method=method, k=k)
    current = _current_head(conn, month)
    version = 1
    if current is not None:
        if note is None:
            raise ValidationError.of("note", f"{month} 已发布（第 {current.version} 版），更正发布须填写更正说明")
        conn.execute(update(P).where(P.c.id == current.id).values(current=None))
        version = current.version + 1
    pid = conn.execute(
        insert(P)
        .values(
            month=month,
            version=version,
            current=1,
            run_id=run.id,
            figures=figs.to_json(),
            note=note,
            published_by=by,
            published_at=clock_now(),
        )
        .returning(P.c.id)
    ).scalar_one()
    return get_publication(conn, pid)


def get_publication(conn: Connection, publication_id: int) -> Publication:
    row = conn.execute(select(P).where(P.c.id == publication_id)).first()
    if row is None:
        raise NotFound(f"没有发布记录 {publication_id}")
    return Publication(_head(row), Figures.from_json(row.figures))


# -------------------------------------------------------------------------------------------- public


def published_months(conn: Connection, *, limit: int, offset: int) -> Page[PublicationHead]:
    """The current version of every published month, the latest month first."""
    stmt = select(P).where(P.c.current == 1).order_by(P.c.month.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_head)


@dataclass(frozen=True, slots=True)
class PublishedMonth:
    publication: Publication
    versions: list[PublicationHead]  # every version of the month, newest first


def published_month(conn: Connection, month: str, version: int | None = None) -> PublishedMonth:
    """A published month's current version (or an earlier one) and the list of its versions."""
    rows = conn.execute(select(P).where(P.c.month == month).order_by(P.c.version.desc())).all()
    if not rows:
        raise NotFound(f"{month} 的市场数据尚未发布")
    pick = next((r for r in rows if (r.version == version if version else r.current == 1)), None)
    if pick is None:
        raise NotFound(f"{month} 没有第 {version} 版")
    return PublishedMonth(Publication(_head(pick), Figures.from_json(pick.figures)), [_head(r) for r in rows])


@dataclass(frozen=True, slots=True)
class TrendPoint:
    month: str
    new_index: float | None
    new_yoy: float | None
    resale_index: float | None
    resale_yoy: float | None
    new_sales: int | None
    resales: int | None


def city_trend(conn: Connection, *, months: int = 24) -> list[TrendPoint]:
    """The city's published figures over the last ``months`` published months (current versions),
    oldest first: one query."""
    rows = conn.execute(select(P.c.figures).where(P.c.current == 1).order_by(P.c.month.desc()).limit(months)).all()
    out = []
    for (text,) in reversed(rows):
        f = Figures.from_json(text)
        c = f.city
        if c is None:
            continue
        out.append(
            TrendPoint(f.month, c.new.index, c.new.yoy, c.resale.index, c.resale.yoy, c.new.sales, c.resale.sales)
        )
    return out


# --------------------------------------------------------------------------------------------- export

FIGURE_COLUMNS = (
    "月份",
    "区域",
    "区域代码",
    "新建商品住宅成交（套）",
    "新建成交面积（㎡）",
    "新建成交金额（万元）",
    "新建成交单价中位数（元/㎡）",
    "新建价格指数（定基）",
    "新建环比（上月=100）",
    "新建同比（上年同月=100）",
    "新建指数状态",
    "二手住宅成交（套）",
    "二手成交面积（㎡）",
    "二手成交金额（万元）",
    "二手成交单价中位数（元/㎡）",
    "二手价格指数（定基）",
    "二手环比（上月=100）",
    "二手同比（上年同月=100）",
    "二手指数状态",
    "可售库存（套）",
    "去化周期（月）",
    "出让地块（宗）",
    "出让建筑面积（㎡）",
    "出让价款（万元）",
)

#: What a withheld figure shows.
DASH = "—"


def figure_rows(f: Figures) -> list[list[Any]]:
    def seg(s: SegmentFigures) -> list[Any]:
        if s.suppressed:
            return [DASH] * 8
        index = [DASH] * 3 if s.status == "none" else [s.index, s.mom, s.yoy]
        return [
            s.sales,
            _blank(s.area_m2),
            None if s.amount_fen is None else round(s.amount_fen / 1_000_000, 2),
            None if s.median_unit_price_fen is None else round(s.median_unit_price_fen / 100),
            *index,
            s.status_label,
        ]

    return [
        [
            f.month,
            a.name,
            a.code,
            *seg(a.new),
            *seg(a.resale),
            a.inventory_homes,
            a.months_of_supply,
            a.land_parcels,
            round(a.land_floor_area_m2, 2),
            round(a.land_price_fen / 1_000_000, 2),
        ]
        for a in f.areas
    ]


def _blank(v: float | None) -> float | None:
    return None if v is None else round(v, 2)
