"""Import of existing homes' 分户账 (存量分户账导入): a CSV of homes (register id or house code), area,
building type, opening balance and opened date. Every row is checked first; any error (named by row
and field) refuses the whole file and nothing is written. A good file opens the homes in bulk
(``fund_ledger.open_homes``, source ``import``), records each opening balance as a paid initial due
(``import:<batch>``, the base of later top-ups) and posts the balances as one allocation journal per
district account and estate (bank debit, the homes' 分户账 credit).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypedDict

from sqlalchemy import Connection, select, update

from anju import funds, registry
from anju.core import clock
from anju.core.dialect import bulk_insert
from anju.core.errors import FieldError, ValidationError
from anju.core.money import collect_fen
from anju.estates import fund_deposits, fund_ledger
from anju.estates.domain import BUILDING_TYPES
from anju.estates.tables import estates_fund_dues, estates_fund_homes

#: Header names (English or Chinese) → field.
COLUMNS = {
    "home": "home",
    "房屋": "home",
    "area": "area",
    "面积": "area",
    "building_type": "building_type",
    "房屋类型": "building_type",
    "opening_balance": "opening_balance",
    "期初余额": "opening_balance",
    "opened_on": "opened_on",
    "开户日期": "opened_on",
}
REQUIRED = ("home", "area", "building_type", "opening_balance", "opened_on")
MAX_ROWS = 200_000
_TYPE_BY_LABEL = {v: k for k, v in BUILDING_TYPES.items()}


class ImportResult(TypedDict):
    batch: str
    homes: int
    balance_fen: int
    journals: int


class _Row(TypedDict):
    row: int
    home: str
    area: Decimal
    building_type: str
    opening_fen: int
    opened_on: date


def _row(v: dict[str, str], n: int, today: date) -> tuple[list[FieldError], _Row | None]:
    """One row's fields checked: its errors (named by row and field) or the parsed row."""
    row_errors: list[FieldError] = []
    area = Decimal(0)
    try:
        area = Decimal(v.get("area", ""))
        if area <= 0 or area != area.quantize(Decimal("0.01")):
            row_errors.append(FieldError("area", "面积应大于 0，最多两位小数", n))
    except InvalidOperation:
        row_errors.append(FieldError("area", "不是数字", n))
    bt = v.get("building_type", "")
    bt = _TYPE_BY_LABEL.get(bt, bt)
    if bt not in BUILDING_TYPES:
        row_errors.append(FieldError("building_type", f"应为 {'、'.join(BUILDING_TYPES)} 之一", n))
    fen_errors: list[FieldError] = []
    fen = collect_fen(v.get("opening_balance", ""), "opening_balance", fen_errors)
    row_errors += [FieldError(e.field, e.reason, n) for e in fen_errors]
    opened = today
    try:
        opened = date.fromisoformat(v.get("opened_on", ""))
        if opened > today:
            row_errors.append(FieldError("opened_on", "不能晚于今天", n))
    except ValueError:
        row_errors.append(FieldError("opened_on", "日期格式应为 YYYY-MM-DD", n))
    if not v.get("home"):
        row_errors.append(FieldError("home", "不能为空", n))
    if row_errors or fen is None:
        return row_errors, None
    return [], {"row": n, "home": v["home"], "area": area, "building_type": bt, "opening_fen": fen, "opened_on": opened}


def _parse(data: bytes) -> tuple[list[_Row], list[FieldError], list[tuple[int, str]]]:
    """The good rows, every error, and (row, home) of the rows with errors (their home is checked too)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError.of("file", "文件须为 UTF-8 编码的 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ValidationError.of("file", "文件是空的或没有表头行")
    fields = [COLUMNS.get(h.strip()) for h in header]
    missing = [c for c in REQUIRED if c not in fields]
    if missing:
        raise ValidationError.of("file", f"表头缺少列：{'、'.join(missing)}")
    rows: list[_Row] = []
    errors: list[FieldError] = []
    others: list[tuple[int, str]] = []
    today = clock.today()
    for n, cells in enumerate(reader, start=2):
        if not "".join(cells).strip():
            continue
        if len(rows) + len(others) >= MAX_ROWS:
            raise ValidationError.of("file", f"一次最多导入 {MAX_ROWS} 行")
        v = {f: c.strip() for f, c in zip(fields, cells, strict=False) if f}
        row_errors, parsed = _row(v, n, today)
        errors += row_errors
        if parsed is not None:
            rows.append(parsed)
        elif v.get("home"):
            others.append((n, v["home"]))
    return rows, errors, others


def find_homes(conn: Connection, keys: list[str]) -> dict[str, int]:
    """Home house code or register id (as written) → home id, for those the register has (a house code
    is all digits too: it is tried first)."""
    h = registry.homes
    ids = [int(k) for k in keys if k.isdigit() and len(k) <= 18]
    codes = sorted({k.upper() for k in keys})
    by_id: set[int] = set()
    by_code: dict[str, int] = {}
    for i in range(0, len(ids), 5000):
        by_id |= {int(x) for x in conn.execute(select(h.c.id).where(h.c.id.in_(ids[i : i + 5000]))).scalars()}
    for i in range(0, len(codes), 5000):
        q = select(h.c.id, h.c.house_code).where(h.c.house_code.in_(codes[i : i + 5000]))
        by_code |= {r.house_code: int(r.id) for r in conn.execute(q)}
    out: dict[str, int] = {}
    for k in keys:
        if k.upper() in by_code:
            out[k] = by_code[k.upper()]
        elif k.isdigit() and len(k) <= 18 and int(k) in by_id:
            out[k] = int(k)
    return out


def import_homes(conn: Connection, data: bytes, *, batch: str, actor_account_id: int | None) -> ImportResult:
    """Import a CSV of existing homes' 分户账 all or nothing (see the module docstring)."""
    if not 1 <= len(batch) <= 24:
        raise ValidationError.of("batch", "批次号应为 1–24 个字符")
    rows, errors, others = _parse(data)
    ids = find_homes(conn, sorted({r["home"] for r in rows} | {k for _, k in others}))
    errors += [FieldError("home", "楼盘表中没有这个房屋", n) for n, k in others if k not in ids]
    seen: dict[int, int] = {}
    for r in rows:
        hid = ids.get(r["home"])
        if hid is None:
            errors.append(FieldError("home", "楼盘表中没有这个房屋", r["row"]))
        elif hid in seen:
            errors.append(FieldError("home", f"与第 {seen[hid]} 行重复", r["row"]))
        else:
            seen[hid] = r["row"]
    have: set[int] = set()
    keys = sorted(seen)
    for i in range(0, len(keys), 5000):
        q = select(estates_fund_homes.c.home_id).where(estates_fund_homes.c.home_id.in_(keys[i : i + 5000]))
        have |= {int(x) for x in conn.execute(q).scalars()}
    errors += [FieldError("home", "该房屋已有维修资金分户账", seen[h]) for h in sorted(have)]
    facts = fund_deposits.home_facts(conn, keys)
    accounts = fund_ledger.district_accounts(conn, sorted({f.district_code for f in facts.values()}))
    errors += [
        FieldError("home", f"区 {f.district_code} 尚未开立维修资金专户", seen[h])
        for h, f in facts.items()
        if f.district_code not in accounts
    ]
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field))
        head = "；".join(f"第 {e.row} 行 {e.field}：{e.reason}" for e in errors[:5])
        raise ValidationError(f"导入文件有 {len(errors)} 处错误，未导入任何记录：{head}", errors)
    by_home = {ids[r["home"]]: r for r in rows}
    fund_ledger.open_homes(
        conn,
        [
            fund_ledger.HomeFundIn(
                h, accounts[f.district_code], f.estate_id, f.building_id, f.district_code, f.street_code,
                by_home[h]["area"], by_home[h]["building_type"], by_home[h]["opened_on"], "import",
            )
            for h, f in facts.items()
        ],
    )  # fmt: skip
    now = clock.now()
    reference = f"import:{batch}"
    d = estates_fund_dues
    bulk_insert(
        conn,
        d,
        (
            "home_id",
            "kind",
            "reference",
            "amount_fen",
            "rate_fen_per_m2",
            "due_on",
            "status",
            "journal_id",
            "created_at",
        ),
        (
            (h, "initial", reference, r["opening_fen"], None, r["opened_on"], "paid", None, now)
            for h, r in by_home.items()
        ),
    )
    ledgers = fund_ledger.home_ledgers(conn, keys)
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for h, f in facts.items():
        if by_home[h]["opening_fen"] > 0:
            groups[(accounts[f.district_code], f.estate_id)].append(h)
    allocs, lines = [], []
    for (acct, estate), homes in sorted(groups.items()):
        ref = f"fund-import:{batch}:{acct}:{estate}"
        bank = funds.ledger_accounts(conn, acct)["bank"]
        on = max(by_home[h]["opened_on"] for h in homes)
        allocs.append(funds.AllocationIn(acct, "deposit", ref, on, f"存量分户账导入 {batch}", bank,
                                         subject=f"estate:{estate}", actor_account_id=actor_account_id))  # fmt: skip
        lines += [(ref, ledgers[h], by_home[h]["opening_fen"]) for h in homes]
    jids = fund_deposits.post_lines(conn, allocs, lines, side="credit")
    for a, jid in zip(allocs, jids, strict=True):
        est = int(a.reference.rsplit(":", 1)[1])
        homes_of = groups[(a.fund_account_id, est)]
        conn.execute(update(d).where(d.c.reference == reference, d.c.home_id.in_(homes_of)).values(journal_id=jid))
    return {
        "batch": batch,
        "homes": len(by_home),
        "balance_fen": sum(r["opening_fen"] for r in rows),
        "journals": len(jids),
    }
