"""The four department feeds the eligibility checks consult (issue 19, "Feeds in"): household
registration (市公安局), social insurance (市人社局), minimum-income and assistance status (市民政局) and
housing provident fund (市住房公积金管理中心).

Each is a :class:`anju.exchange.FeedDefinition` declared in ``anju.contexts`` (assistance ``feeds``);
the exchange checks every field and calls :func:`apply_hukou` & co. inside the batch's transaction.
A handler refuses a record that contradicts itself (a date after its own as-of date …) or is older
than the fact already held for the person, with a Chinese reason naming the field; it writes the
others in bulk: the person's fact in force is superseded (kept, ``superseded_at`` set, ``current``
cleared) and the new one inserted. ID numbers and names are encrypted and matched by blind index only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from anju.assistance.tables import fact_hukou, fact_minimum_income, fact_provident_fund, fact_social_insurance
from anju.exchange import BatchContext, FeedDefinition, FeedField, FeedRecord, Rejection
from anju.security import Keyring, keyring_from_settings

_H = "anju.assistance.department_feeds"
_ID = FeedField("id_number", "公民身份号码", "id_number", personal=True)
_AS_OF = FeedField("as_of", "数据截至日期", "date", description="部门数据的截至日期；较新的记录取代较旧的")

#: The delivery contract of the four feeds, said in each description: a batch is a full snapshot.
SNAPSHOT = "每次交付为全量快照（该部门掌握的全部人员的现行记录）：已接入数据后，名单中没有某人即表示该部门无其记录。"

HUKOU_STATUSES = ("在册", "迁出", "注销")
ASSISTANCE_STATUSES = ("低保", "低收入", "特困", "无")
FUND_STATUSES = ("正常", "封存", "销户")

HUKOU = FeedDefinition(
    dataset="assistance.hukou",
    title="户籍信息",
    source="市公安局",
    fields=(
        _ID,
        FeedField("name", "姓名", max_length=60, personal=True),
        FeedField("division_code", "户籍地区划代码（区或街道）", "division"),
        FeedField("registered_since", "本市户籍起始日期", "date"),
        FeedField("status", "户籍状态", "choice", choices=HUKOU_STATUSES),
        _AS_OF,
    ),
    key=("id_number",),
    order_by="as_of",
    handler=f"{_H}:apply_hukou",
    description="居民的本市户籍登记：住房保障资格核验本市户籍及户籍年限时以此为准，不再以申报为准。" + SNAPSHOT,
)
SOCIAL_INSURANCE = FeedDefinition(
    dataset="assistance.social_insurance",
    title="社会保险缴纳信息",
    source="市人社局",
    fields=(
        _ID,
        FeedField("months_paid", "本市连续缴纳月数", "int", minimum=0, maximum=1200),
        FeedField("last_paid_month", "最近缴费月份（YYYY-MM）", max_length=7),
        FeedField("employer_credit_code", "参保单位统一社会信用代码", "credit_code", required=False),
        _AS_OF,
    ),
    key=("id_number",),
    order_by="as_of",
    handler=f"{_H}:apply_social_insurance",
    description="个人在本市的社会保险缴纳：住房保障资格核验社保缴纳月数时以此为准。" + SNAPSHOT,
)
MINIMUM_INCOME = FeedDefinition(
    dataset="assistance.minimum_income",
    title="最低生活保障与社会救助信息",
    source="市民政局",
    fields=(
        _ID,
        FeedField("status", "救助类别", "choice", choices=ASSISTANCE_STATUSES),
        FeedField("since", "认定起始日期", "date", required=False),
        FeedField("until", "认定截止日期", "date", required=False),
        _AS_OF,
    ),
    key=("id_number",),
    order_by="as_of",
    handler=f"{_H}:apply_minimum_income",
    description="低保、低收入、特困人员认定：住房保障按此确定优先类别。" + SNAPSHOT,
)
PROVIDENT_FUND = FeedDefinition(
    dataset="assistance.provident_fund",
    title="住房公积金缴存信息",
    source="市住房公积金管理中心",
    fields=(
        _ID,
        FeedField("account_status", "账户状态", "choice", choices=FUND_STATUSES),
        FeedField("monthly_deposit_yuan", "月缴存额（元，单位和个人合计）", "yuan"),
        FeedField("months_paid", "累计缴存月数", "int", minimum=0, maximum=1200),
        _AS_OF,
    ),
    key=("id_number",),
    order_by="as_of",
    handler=f"{_H}:apply_provident_fund",
    description="住房公积金账户与缴存：作为已核验的佐证展示给审核人员，并与申报收入交叉核对。" + SNAPSHOT,
)

#: The feeds by source name (the name in ``anju.contexts`` and in the synthetic files).
FEEDS: Mapping[str, FeedDefinition] = {
    "hukou": HUKOU,
    "social_insurance": SOCIAL_INSURANCE,
    "minimum_income": MINIMUM_INCOME,
    "provident_fund": PROVIDENT_FUND,
}


# ---------------------------------------------------------------------------------------- handlers


def _month(text: str) -> date | None:
    """``YYYY-MM`` as the month's first day, or None."""
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    y, m = int(text[:4]), int(text[5:])
    return date(y, m, 1) if y >= 1900 and 1 <= m <= 12 else None


Row = dict[str, Any]
#: A record's own checks: (field, Chinese reason) of the first contradiction, or None; and its row.
Check = Callable[[Mapping[str, Any], BatchContext], tuple[str, str] | None]
Build = Callable[[Mapping[str, Any], Keyring], Row]


def _after_as_of(v: Mapping[str, Any], name: str, label: str) -> tuple[str, str] | None:
    day = v.get(name)
    if isinstance(day, date) and day > v["as_of"]:
        return name, f"{label} {day.isoformat()} 晚于数据截至日期 {v['as_of'].isoformat()}，记录自相矛盾"
    return None


def _check_common(v: Mapping[str, Any], ctx: BatchContext) -> tuple[str, str] | None:
    if v["as_of"] > ctx.today:
        return "as_of", f"数据截至日期 {v['as_of'].isoformat()} 晚于今天 {ctx.today.isoformat()}"
    return None


def _check_hukou(v: Mapping[str, Any], ctx: BatchContext) -> tuple[str, str] | None:
    city = ctx.settings.city_code[:4]
    if not str(v["division_code"]).startswith(city):
        return "division_code", f"户籍地区划代码 {v['division_code']} 不属于本市（{ctx.settings.city_code}）"
    return _after_as_of(v, "registered_since", "本市户籍起始日期")


def _check_social_insurance(v: Mapping[str, Any], ctx: BatchContext) -> tuple[str, str] | None:
    last = _month(str(v["last_paid_month"]))
    if last is None:
        return "last_paid_month", f"最近缴费月份应为 YYYY-MM 格式，收到 {v['last_paid_month']}"
    if last > v["as_of"]:
        return "last_paid_month", f"最近缴费月份 {v['last_paid_month']} 晚于数据截至日期 {v['as_of'].isoformat()}"
    born = date(int(v["id_number"][6:10]), int(v["id_number"][10:12]), 1)
    possible = (last.year - born.year) * 12 + last.month - born.month - 16 * 12 + 1
    if v["months_paid"] > max(possible, 0):
        return "months_paid", f"缴纳月数 {v['months_paid']} 超过其 16 周岁至最近缴费月份的月数 {max(possible, 0)}"
    return None


def _check_minimum_income(v: Mapping[str, Any], ctx: BatchContext) -> tuple[str, str] | None:
    if v["status"] != "无" and v.get("since") is None:
        return "since", f"救助类别为{v['status']}时应有认定起始日期"
    bad = _after_as_of(v, "since", "认定起始日期")
    if bad:
        return bad
    since, until = v.get("since"), v.get("until")
    if since is not None and until is not None and until < since:
        return "until", f"认定截止日期 {until.isoformat()} 早于认定起始日期 {since.isoformat()}"
    return None


def _check_provident_fund(v: Mapping[str, Any], ctx: BatchContext) -> tuple[str, str] | None:
    if v["monthly_deposit_yuan"] < 0:
        return "monthly_deposit_yuan", "月缴存额不能为负数"
    if v["account_status"] == "正常" and v["monthly_deposit_yuan"] == 0:
        return "monthly_deposit_yuan", "账户状态为正常时月缴存额不应为 0"
    return None


@dataclass(frozen=True)
class Source:
    """How one feed's records become rows of its fact table."""

    name: str
    feed: FeedDefinition
    table: Table
    check: Check
    build: Build


def _id_row(v: Mapping[str, Any], kr: Keyring) -> Row:
    idn = str(v["id_number"])
    return {
        "id_bidx": kr.blind_index(idn, "id_number"),
        "id_number_enc": kr.encrypt(idn, "fact.id_number"),
        "as_of": v["as_of"],
    }


SOURCES: Mapping[str, Source] = {
    "hukou": Source(
        "hukou",
        HUKOU,
        fact_hukou,
        _check_hukou,
        lambda v, kr: (
            _id_row(v, kr)
            | {
                "name_enc": kr.encrypt(str(v["name"]), "fact_hukou.name"),
                "division_code": str(v["division_code"]),
                "registered_since": v["registered_since"],
                "status": v["status"],
            }
        ),
    ),
    "social_insurance": Source(
        "social_insurance",
        SOCIAL_INSURANCE,
        fact_social_insurance,
        _check_social_insurance,
        lambda v, kr: (
            _id_row(v, kr)
            | {
                "months_paid": int(v["months_paid"]),
                "last_paid_month": _month(str(v["last_paid_month"])),
                "employer_credit_code": v.get("employer_credit_code") or None,
            }
        ),
    ),
    "minimum_income": Source(
        "minimum_income",
        MINIMUM_INCOME,
        fact_minimum_income,
        _check_minimum_income,
        lambda v, kr: _id_row(v, kr) | {"status": v["status"], "since": v.get("since"), "until": v.get("until")},
    ),
    "provident_fund": Source(
        "provident_fund",
        PROVIDENT_FUND,
        fact_provident_fund,
        _check_provident_fund,
        lambda v, kr: (
            _id_row(v, kr)
            | {
                "account_status": v["account_status"],
                "monthly_deposit_fen": int(v["monthly_deposit_yuan"]),
                "months_paid": int(v["months_paid"]),
            }
        ),
    ),
}

#: The columns that make a fact's content (besides as-of): an identical re-delivery changes nothing.
_SKIP = frozenset({"id", "id_bidx", "id_number_enc", "name_enc", "batch_id", "received_at", "superseded_at", "current"})


def _content(table: Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(c.name) for c in table.columns if c.name not in _SKIP)


def _checked(
    source: Source, records: Sequence[FeedRecord], ctx: BatchContext, kr: Keyring, rejections: list[Rejection]
) -> list[tuple[FeedRecord, Row]]:
    """The records that do not contradict themselves, as rows (the others join ``rejections``)."""
    rows = []
    for rec in records:
        bad = _check_common(rec.values, ctx) or source.check(rec.values, ctx)
        if bad:
            rejections.append(Rejection(rec.seq, bad[0], bad[1]))
        else:
            rows.append((rec, source.build(rec.values, kr)))
    return rows


def _in_force(conn: Connection, t: Table, bidxs: Sequence[str]) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for i in range(0, len(bidxs), 5000):
        for got in conn.execute(select(t).where(t.c.id_bidx.in_(bidxs[i : i + 5000]), t.c.current == 1)):
            out[str(got.id_bidx)] = dict(got._mapping)
    return out


def _history(conn: Connection, t: Table, bidxs: Sequence[str]) -> dict[str, set[tuple[Any, ...]]]:
    """The contents of every fact held (superseded ones too) of the people given."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    people = sorted(set(bidxs))
    for i in range(0, len(people), 5000):
        for got in conn.execute(select(t).where(t.c.id_bidx.in_(people[i : i + 5000]))):
            out.setdefault(str(got.id_bidx), set()).add(_content(t, dict(got._mapping)))
    return out


def apply(source: Source, conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """Apply one chunk of a source's records: refuse the contradictory and the stale, supersede each
    person's fact in force with the newest record, keep every accepted fact. Set-wise: one read of
    the facts in force, one executemany update, one executemany insert."""
    t = source.table
    rejections: list[Rejection] = []
    rows = _checked(source, records, ctx, keyring_from_settings(ctx.settings), rejections)
    in_force = _in_force(conn, t, sorted({r["id_bidx"] for _, r in rows}))
    received: datetime = ctx.received_at
    retire: dict[int, datetime] = {}  # stored fact id → superseded_at
    fresh: dict[str, list[Row]] = {}  # bidx → new facts of this chunk, in order (the last stays current)
    ordered = sorted(rows, key=lambda x: (x[1]["as_of"], x[0].seq))
    not_newer = [
        r["id_bidx"] for _, r in ordered if r["id_bidx"] in in_force and r["as_of"] <= in_force[r["id_bidx"]]["as_of"]
    ]
    held = _history(conn, t, not_newer)
    for rec, row in ordered:
        b = row["id_bidx"]
        last = fresh[b][-1] if fresh.get(b) else in_force.get(b)
        if last is not None and row["as_of"] <= last["as_of"] and _content(t, row) in held.get(b, ()):
            # a fact already held (superseded ones too), delivered again with an as-of no newer than
            # the fact in force: nothing changes (the old file again must not bring back 在册 after 迁出)
            continue
        if last is not None and row["as_of"] < last["as_of"]:
            was, now = last["as_of"].isoformat(), row["as_of"].isoformat()
            rejections.append(Rejection(rec.seq, "as_of", f"数据截至日期 {now} 早于已有记录的 {was}，为过期数据"))
            continue
        if last is not None and _content(t, last) == _content(t, row):
            continue  # the same fact again: nothing changes (re-delivery is idempotent)
        if last is not None and "id" in last:
            retire[int(last["id"])] = max(received, last["received_at"])
        fresh.setdefault(b, []).append(row | {"batch_id": ctx.batch_id, "received_at": received})
    if retire:
        conn.execute(
            update(t).where(t.c.id == bindparam("b_id")).values(superseded_at=bindparam("b_at"), current=None),
            [{"b_id": k, "b_at": at} for k, at in retire.items()],
        )
    inserts = [
        row
        | {"current": 1 if i == len(facts) - 1 else None, "superseded_at": None if i == len(facts) - 1 else received}
        for facts in fresh.values()
        for i, row in enumerate(facts)
    ]
    if inserts:
        conn.execute(t.insert(), inserts)
    return sorted(rejections, key=lambda r: r.seq)


def apply_hukou(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> Sequence[Rejection]:
    return apply(SOURCES["hukou"], conn, records, ctx)


def apply_social_insurance(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> Sequence[Rejection]:
    return apply(SOURCES["social_insurance"], conn, records, ctx)


def apply_minimum_income(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> Sequence[Rejection]:
    return apply(SOURCES["minimum_income"], conn, records, ctx)


def apply_provident_fund(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> Sequence[Rejection]:
    return apply(SOURCES["provident_fund"], conn, records, ctx)


def field_names() -> dict[str, tuple[str, ...]]:
    """Each feed's field names (its CSV header), by source name."""
    return {name: tuple(f.name for f in d.fields) for name, d in FEEDS.items()}
