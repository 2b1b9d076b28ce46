"""Land transfers (土地出让) from the land authority: the inbound feed ``market.land_transfers`` through
the one feed mechanism (:mod:`anju.exchange`; declared in ``anju.contexts``, market ``feeds``), and the
same checks for the synthetic history (:func:`load_synthetic`).

A record gives the transfer as the land authority publishes it (出让公告/成交公示): parcel, district and
street, land use, the rental-housing flag, method, site area, plot ratio, starting and deal price,
buyer, date. The derived figures are computed here, never typed in (:func:`derive`):

- floor area (规划建筑面积) = site area × plot ratio, rounded half-even to 0.01 m²;
- floor price (楼面地价, fen per m² of floor area) = deal price / (site area × plot ratio), from the
  exact product, rounded half-even to the fen;
- premium rate (溢价率) = deal price / starting price − 1, rounded half-even to 4 decimals.

Idempotent by the record id (出让编号): the exchange drops a record whose id and content it accepted
before. A record with a known id and *different* content is a **correction**: it replaces the stored
row (the land authority corrects its own publication) and each correction writes an audit row
(``market.land_transfer.correct``) naming the record and every field that changed, old and new
values (land transfers are public facts: no personal data). A correction never changes the id, and
a record id of the synthetic history (``SYN…``) is refused from the feed. See docs/market.md,
"Land transfers".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, insert, select, update

from anju import divisions
from anju.core import clock
from anju.exchange import BatchContext, FeedDefinition, FeedField, FeedRecord, Rejection, check_record
from anju.market import domain
from anju.market.tables import market_land_transfers
from anju.security import Caller, record

T = market_land_transfers
DATASET = "market.land_transfers"
#: The highest plot ratio a record may give (容积率 above 20 is not a real parcel: a typing error).
MAX_PLOT_RATIO = Decimal(20)
#: Words one of which an organisation's name holds (竞得人 is an organisation, never a person).
ORGANISATION_WORDS = (
    "公司",
    "集团",
    "中心",
    "企业",
    "合伙",
    "局",
    "委员会",
    "合作社",
    "联合体",
    "银行",
    "基金",
    "院",
    "所",
    "厂",
)
SYNTHETIC_PREFIX = "SYN"
CENT = Decimal("0.01")

LAND_TRANSFERS = FeedDefinition(
    dataset=DATASET,
    title="土地出让信息",
    source="市规划和自然资源局",
    fields=(
        FeedField(
            "record_id",
            "出让编号",
            max_length=40,
            description="土地管理部门的出让（成交）编号；同一编号再次报送视为更正",
        ),
        FeedField("parcel_no", "地块编号", max_length=40),
        FeedField("parcel_name", "地块名称", max_length=100),
        FeedField("district_code", "所在区", "division", description="本市的区（GB/T 2260 代码）"),
        FeedField("street_code", "所在街道", "division", required=False, description="须属于所在区；可空"),
        FeedField(
            "land_use",
            "土地用途",
            "choice",
            choices=tuple(domain.LAND_USES),
            description="；".join(f"{k} {v}" for k, v in domain.LAND_USES.items()),
        ),
        FeedField("rental_housing", "是否租赁住房用地", "bool", description="是/否；租赁住房用地（rental）须为“是”"),
        FeedField(
            "method",
            "出让方式",
            "choice",
            choices=tuple(domain.TRANSFER_METHODS),
            description="；".join(f"{k} {v}" for k, v in domain.TRANSFER_METHODS.items()),
        ),
        FeedField("site_area", "出让面积（平方米）", "decimal", description="大于 0，最多两位小数"),
        FeedField("plot_ratio", "容积率", "decimal", description="大于 0、不超过 20，最多两位小数"),
        FeedField("starting_price_yuan", "起始价（元）", "yuan", minimum=1, description="元，最多两位小数"),
        FeedField("price_yuan", "成交价（元）", "yuan", minimum=1, description="元，最多两位小数；不低于起始价"),
        FeedField("buyer", "竞得人", max_length=100, description="竞得单位名称（组织）"),
        FeedField("transferred_on", "成交日期", "date", description="不晚于今天"),
    ),
    key=("record_id",),
    handler="anju.market.land_feed:apply_transfers",
    description="国有建设用地使用权出让成交信息（招标、拍卖、挂牌）：地块、用途、面积、容积率、起始价与成交价、竞得人。"
    "楼面地价、溢价率由平台计算。按出让编号幂等，同一编号内容不同即为更正（留痕）。",
    frequency="每日",
    as_of="transferred_on",
)

#: The stored columns a correction may change (every column the record gives or derives).
CONTENT = (
    "parcel_no",
    "parcel_name",
    "district_code",
    "street_code",
    "land_use",
    "rental_housing",
    "method",
    "site_area",
    "plot_ratio",
    "floor_area",
    "starting_price_fen",
    "price_fen",
    "floor_price_fen",
    "premium_rate",
    "buyer",
    "transferred_on",
)


@dataclass(frozen=True, slots=True)
class Derived:
    floor_area: Decimal  # m², 0.01
    floor_price_fen: int
    premium_rate: Decimal  # 4 decimals


def derive(site_area: Decimal, plot_ratio: Decimal, starting_fen: int, price_fen: int) -> Derived:
    """Floor area, floor price and premium rate of a transfer (see the module's docstring)."""
    exact = site_area * plot_ratio
    floor_price = (Decimal(price_fen) / exact).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    premium = (Decimal(price_fen) / Decimal(starting_fen) - 1).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    return Derived(exact.quantize(CENT, rounding=ROUND_HALF_EVEN), int(floor_price), premium)


#: district code → its streets (by administrative parent): where a transfer may lie.
Places = Mapping[str, frozenset[str]]


def places(conn: Connection) -> dict[str, frozenset[str]]:
    """The city's districts with their streets (one query)."""
    return {c["code"]: frozenset(s["code"] for s in c["streets"]) for c in divisions.choices(conn)}


def check(v: Mapping[str, Any], where: Places, today: date) -> tuple[str, str] | None:
    """(field, Chinese reason) of the first thing wrong with a record whose fields passed the
    exchange's checks, or None. The one rule set of the feed and the synthetic history."""
    return _place(v, where) or _use(v) or _figures(v) or _parties(v, today)


def _place(v: Mapping[str, Any], where: Places) -> tuple[str, str] | None:
    district, street = str(v["district_code"]), v.get("street_code")
    if district not in where:
        return "district_code", f"所在区：{district} 不是本市的区"
    if street and str(street) not in where[district]:
        return "street_code", f"所在街道：{street} 不属于所在区 {district}"
    return None


def _use(v: Mapping[str, Any]) -> tuple[str, str] | None:
    use, rental = str(v["land_use"]), bool(v["rental_housing"])
    if use == "rental" and not rental:
        return "rental_housing", "是否租赁住房用地：土地用途为租赁住房用地时应为“是”"
    if rental and use in ("commercial", "industrial"):
        return "rental_housing", f"是否租赁住房用地：{domain.LAND_USES[use]}不能标为租赁住房用地"
    return None


def _figures(v: Mapping[str, Any]) -> tuple[str, str] | None:
    site, ratio = v["site_area"], v["plot_ratio"]
    assert isinstance(site, Decimal) and isinstance(ratio, Decimal)
    problem: tuple[str, str] | None = None
    if site <= 0:
        problem = "site_area", "出让面积（平方米）：应大于 0"
    elif site != site.quantize(CENT) or site >= Decimal("1e10"):
        problem = "site_area", "出让面积（平方米）：最多两位小数，且小于 100 亿"
    elif ratio <= 0 or ratio > MAX_PLOT_RATIO:
        problem = "plot_ratio", f"容积率：应大于 0 且不超过 {MAX_PLOT_RATIO}"
    elif ratio != ratio.quantize(CENT):
        problem = "plot_ratio", "容积率：最多两位小数"
    elif int(v["price_yuan"]) < int(v["starting_price_yuan"]):
        problem = "price_yuan", "成交价（元）：不能低于起始价"
    elif int(v["price_yuan"]) > 10_000 * int(v["starting_price_yuan"]):
        problem = "price_yuan", "成交价（元）：超过起始价的一万倍，请核对"
    return problem


def _parties(v: Mapping[str, Any], today: date) -> tuple[str, str] | None:
    buyer = str(v["buyer"])
    if len(buyer) < 4 or not any(w in buyer for w in ORGANISATION_WORDS):
        return "buyer", "竞得人：应为竞得单位（组织）的全称"
    if v["transferred_on"] > today:
        return "transferred_on", f"成交日期：{v['transferred_on'].isoformat()} 晚于今天"
    return None


class LandRow(TypedDict):
    """The stored columns of a transfer (``market_land_transfers`` without id and created_at)."""

    record_id: str
    parcel_no: str
    parcel_name: str
    district_code: str
    street_code: str | None
    land_use: str
    rental_housing: int
    method: str
    site_area: Decimal
    plot_ratio: Decimal
    floor_area: Decimal
    starting_price_fen: int
    price_fen: int
    floor_price_fen: int
    premium_rate: Decimal
    buyer: str
    transferred_on: date
    source: str
    feed_load_id: int | None


def row_of(v: Mapping[str, Any], source: str, load_id: int | None) -> LandRow:
    """The stored row of a checked record."""
    site, ratio = v["site_area"], v["plot_ratio"]
    d = derive(site, ratio, int(v["starting_price_yuan"]), int(v["price_yuan"]))
    return {
        "record_id": str(v["record_id"]),
        "parcel_no": str(v["parcel_no"]),
        "parcel_name": str(v["parcel_name"]),
        "district_code": str(v["district_code"]),
        "street_code": str(v["street_code"]) if v.get("street_code") else None,
        "land_use": str(v["land_use"]),
        "rental_housing": 1 if v["rental_housing"] else 0,
        "method": str(v["method"]),
        "site_area": site,
        "plot_ratio": ratio,
        "floor_area": d.floor_area,
        "starting_price_fen": int(v["starting_price_yuan"]),
        "price_fen": int(v["price_yuan"]),
        "floor_price_fen": d.floor_price_fen,
        "premium_rate": d.premium_rate,
        "buyer": str(v["buyer"]),
        "transferred_on": v["transferred_on"],
        "source": source,
        "feed_load_id": load_id,
    }


def _same(stored: Any, new: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The content fields that differ (old, new), compared as values (``1000`` equals ``1000.00``)."""
    out: dict[str, tuple[Any, Any]] = {}
    for c in CONTENT:
        old = getattr(stored, c)
        if isinstance(old, Decimal) or isinstance(new[c], Decimal):
            differs = Decimal(old) != Decimal(new[c])
        else:
            differs = old != new[c]
        if differs:
            out[c] = (old, new[c])
    return out


def apply_transfers(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """Apply one chunk: new records inserted in bulk, corrections updated in bulk (each audited),
    records equal in value to the stored row (e.g. ``1000`` re-sent as ``1000.00``) left alone."""
    where = ctx.state.get("market.places")
    if where is None:
        where = ctx.state["market.places"] = places(conn)
    rejections: list[Rejection] = []
    good: dict[str, LandRow] = {}  # record id → its row; a later record of the chunk wins
    for rec in records:
        v = dict(rec.values)
        if str(v["record_id"]).upper().startswith(SYNTHETIC_PREFIX):
            rejections.append(Rejection(rec.seq, "record_id", "出让编号：SYN 开头的编号留给合成数据"))
            continue
        bad = check(v, where, ctx.today)
        if bad:
            rejections.append(Rejection(rec.seq, *bad))
            continue
        good[str(v["record_id"])] = row_of(v, "feed", ctx.batch_id)
    stored = {
        r.record_id: r
        for i in range(0, len(good), 1000)
        for r in conn.execute(select(T).where(T.c.record_id.in_(list(good)[i : i + 1000])))
    }
    now = clock.now()
    new = [{**row, "created_at": now} for rid, row in good.items() if rid not in stored]
    if new:
        conn.execute(insert(T), new)
    fixes: list[dict[str, Any]] = []
    who = Caller.system(f"feed:{ctx.batch_id}")
    for rid, row in good.items():
        old = stored.get(rid)
        if old is None:
            continue
        plain: Mapping[str, Any] = row
        changed = _same(old, plain)
        if not changed:
            continue
        fixes.append({"b_id": old.id, **{f"b_{c}": plain[c] for c in CONTENT}, "b_load": ctx.batch_id})
        record(
            conn,
            who,
            "market.land_transfer.correct",
            entity="market_land_transfer",
            entity_id=old.id,
            detail={
                "record_id": rid,
                "batch_id": ctx.batch_id,
                "changed": {c: [_plain(a), _plain(b)] for c, (a, b) in changed.items()},
            },
        )
    if fixes:
        stmt = (
            update(T)
            .where(T.c.id == bindparam("b_id"))
            .values(**{c: bindparam(f"b_{c}") for c in CONTENT}, feed_load_id=bindparam("b_load"))
        )
        conn.execute(stmt, fixes)
    ctx.state["market.corrected"] = int(ctx.state.get("market.corrected", 0)) + len(fixes)
    return sorted(rejections, key=lambda r: r.seq)


def _plain(v: Any) -> Any:
    return str(v) if isinstance(v, Decimal | date) else v


class SyntheticRefused(ValueError):
    """A synthetic record the feed would refuse: a bug of the generator."""


def load_synthetic(conn: Connection, raws: Iterable[Mapping[str, object]], *, today: date) -> int:
    """Write the synthetic history's transfers (raw records in the feed's format, as a file would give
    them) through the feed's own checks — the exchange's field checks, then :func:`check` — in bulk,
    ``source`` synthetic. Any record the feed would refuse raises :class:`SyntheticRefused` and nothing
    of the call is written. Returns the number written."""
    where = places(conn)
    rows: list[dict[str, Any]] = []  # LandRow and created_at
    now = clock.now()
    for seq, raw in enumerate(raws, start=1):
        checked = check_record(LAND_TRANSFERS, raw, seq)
        if isinstance(checked, list):
            raise SyntheticRefused(f"synthetic land record {raw.get('record_id')}: {checked[0].reason}")
        bad = check(checked.values, where, today)
        if bad:
            raise SyntheticRefused(f"synthetic land record {raw.get('record_id')}: {bad[1]}")
        rows.append({**row_of(checked.values, "synthetic", None), "created_at": now})
    for i in range(0, len(rows), 5000):
        conn.execute(insert(T), rows[i : i + 5000])
    return len(rows)


def as_feed_record(row: Any) -> dict[str, str]:
    """A stored transfer in the feed's format (the CSV export reloads as a feed file)."""
    return {
        "record_id": row.record_id,
        "parcel_no": row.parcel_no,
        "parcel_name": row.parcel_name,
        "district_code": row.district_code,
        "street_code": row.street_code or "",
        "land_use": row.land_use,
        "rental_housing": "是" if row.rental_housing else "否",
        "method": row.method,
        "site_area": f"{row.site_area:.2f}",
        "plot_ratio": f"{Decimal(row.plot_ratio):.2f}",
        "starting_price_yuan": _yuan(int(row.starting_price_fen)),
        "price_yuan": _yuan(int(row.price_fen)),
        "buyer": row.buyer,
        "transferred_on": row.transferred_on.isoformat(),
    }


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


__all__ = [
    "DATASET",
    "LAND_TRANSFERS",
    "Derived",
    "SyntheticRefused",
    "apply_transfers",
    "as_feed_record",
    "check",
    "derive",
    "load_synthetic",
    "places",
]
