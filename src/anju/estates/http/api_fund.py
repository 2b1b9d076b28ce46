"""REST routes of the maintenance fund (``/api/v1/property/fund…``): the fund by district, street or
estate, dues (list, export), interest runs in the caller's scope (``estates.read``); the fund's work —
a due for a filed first-sale contract, paying a due, top-ups, the annual interest, the import of
existing homes, the refund on demolition (``estates.fund``); an owner's own homes, movements and
statement with proofs (``estates.own``, verified identity).

Thin: parse, call the services in ``estates.fund_*``, answer. Every write is audited.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from anju import ledger
from anju.core import clock, csvout
from anju.estates import fund_deposits, fund_import, fund_interest, fund_queries
from anju.estates.domain import SYNTHETIC_LABEL
from anju.estates.http.deps import EstatesFund, EstatesOwn, EstatesRead
from anju.security import SecurityDep, audited, ledger_signing_seed, set_audit_detail, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/property", tags=["estates"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class FundGroupOut(BaseModel):
    code: str
    name: str
    homes: int
    open_homes: int
    balance_fen: int
    dues: int
    dues_fen: int


class DueRowOut(BaseModel):
    id: int
    home_id: int
    house_code: str
    street_code: str
    kind: str
    reference: str
    amount_fen: int
    rate_fen_per_m2: int | None
    due_on: date
    status: str


class DueOut(BaseModel):
    id: int
    home_id: int
    kind: str
    reference: str
    amount_fen: int
    rate_fen_per_m2: int | None
    due_on: date
    status: str
    created: bool


class RunOut(BaseModel):
    id: int
    district_code: str
    year: int
    total_fen: int
    homes: int
    journals: int


class InterestIn(BaseModel):
    district_code: str = Field(min_length=6, max_length=12)
    year: int = Field(ge=1990, le=2100)
    total_fen: int = Field(gt=0, le=10**15)


class WaiveIn(BaseModel):
    reason: str = Field(min_length=2, max_length=200, description="免缴原因（如合同在交存前撤销备案）")


class PaidOut(BaseModel):
    journal_ids: list[int]


class CountOut(BaseModel):
    created: int


class ImportOut(BaseModel):
    batch: str
    homes: int
    balance_fen: int
    journals: int


class RefundOut(BaseModel):
    home_id: int
    refunded_fen: int
    journal_id: int | None
    closed_on: date


class OwnHomeOut(BaseModel):
    home_id: int
    house_code: str
    address: str
    status: str
    opened_on: date
    balance_fen: int


class MovementOut(BaseModel):
    journal_id: int
    kind: str
    kind_label: str
    booked_on: date
    memo: str
    debit_fen: int
    credit_fen: int
    ledger_index: int | None


def due_filter(
    status: str, kind: str, street: str, due_from: date | None, due_to: date | None
) -> fund_queries.DueFilter:
    f: fund_queries.DueFilter = {}
    if status in fund_deposits.DUE_STATUSES:
        f["status"] = status
    if kind in fund_deposits.DUE_KINDS:
        f["kind"] = kind
    if street:
        f["street_code"] = street
    if due_from:
        f["due_from"] = due_from
    if due_to:
        f["due_to"] = due_to
    return f


Status = Annotated[str, Query(max_length=12)]
Street = Annotated[str, Query(max_length=12)]


@router.get("/fund/summary", operation_id="estates_fund_summary")
def summary(
    uow: UowDep, caller: EstatesRead, paging: PagingDep, level: Literal["district", "street", "estate"] = "district"
) -> Page[FundGroupOut]:
    """维修资金按区、街道或小区汇总：分户数、余额、待交存笔数与金额（辖区内）。"""
    with uow.read() as conn:
        p = fund_queries.by_level(conn, caller.scope, level, limit=paging.page_size, offset=paging.offset)
    items = [FundGroupOut(**x) for x in p.items]
    return Page(items=items, total=p.total, page=paging.page, page_size=paging.page_size)


@router.get("/fund/dues", operation_id="estates_fund_dues")
def dues(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: Status = "",
    kind: Status = "",
    street: Street = "",
    due_from: date | None = None,
    due_to: date | None = None,
) -> Page[DueRowOut]:
    """维修资金应缴记录（首次交存、续筹），可按状态、类别、街道和应缴日期筛选。"""
    f = due_filter(status, kind, street, due_from, due_to)
    with uow.read() as conn:
        p = fund_queries.dues(conn, caller.scope, f, limit=paging.page_size, offset=paging.offset)
    return Page(items=[DueRowOut(**x) for x in p.items], total=p.total, page=paging.page, page_size=paging.page_size)


DUE_COLUMNS = ["编号", "房屋代码", "街道", "类别", "来源", "金额（元）", "标准（元/m²）", "应缴日期", "状态"]


def dues_csv(uow: UowDep, caller: Any, f: fund_queries.DueFilter) -> StreamingResponse:
    """The dues matching ``f`` as CSV (the synthetic label in the last row)."""

    def rows() -> Any:
        with uow.read() as conn:
            for r in fund_queries.dues_all(conn, caller.scope, f):
                yield [r["id"], r["house_code"], r["street_code"], fund_deposits.DUE_KINDS.get(r["kind"], r["kind"]),
                       r["reference"], f"{r['amount_fen'] / 100:.2f}",
                       "" if r["rate_fen_per_m2"] is None else f"{r['rate_fen_per_m2'] / 100:.2f}", r["due_on"],
                       fund_deposits.DUE_STATUSES.get(r["status"], r["status"])]  # fmt: skip

    return csvout.response("维修资金应缴.csv", DUE_COLUMNS, rows(), note=SYNTHETIC_LABEL)


@router.get(
    "/fund/dues/export",
    operation_id="estates_fund_dues_export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM，Excel 可直接打开；合成数据末行注明"}},
)
def dues_export(
    uow: UowDep,
    caller: EstatesRead,
    status: Status = "",
    kind: Status = "",
    street: Street = "",
    due_from: date | None = None,
    due_to: date | None = None,
) -> StreamingResponse:
    """应缴记录导出（CSV，筛选同列表）。"""
    return dues_csv(uow, caller, due_filter(status, kind, street, due_from, due_to))


@router.post("/fund/dues/contract/{contract_id}", operation_id="estates_fund_due_for_contract")
def due_for_contract(uow: UowDep, settings: SettingsDep, caller: EstatesFund, contract_id: Id) -> DueOut:
    """为已网签备案的商品房买卖合同生成首次交存应缴（面积 × 当日交存标准；同一合同重复调用返回原记录）。"""
    with audited(uow, caller, "estates.fund_due", "estates_fund_due") as conn:
        d = fund_deposits.due_for_contract(conn, settings, contract_id)
        set_audit_target(conn, d["id"])
    return DueOut(**d)


@router.post("/fund/dues/{due_id}/pay", operation_id="estates_fund_pay_due")
def pay_due(uow: UowDep, caller: EstatesFund, due_id: Id) -> PaidOut:
    """登记应缴已到账：记一笔凭证（专户银行存款借、分户账贷），必要时开立分户账。"""
    with audited(uow, caller, "estates.fund_pay", "estates_fund_due", due_id) as conn:
        fund_deposits.due_in_scope(conn, due_id, caller.scope)
        jids = fund_deposits.pay_dues(conn, [due_id], paid_on=clock.today(), actor_account_id=caller.account_id)
    return PaidOut(journal_ids=jids)


@router.post("/fund/dues/{due_id}/waive", status_code=204, operation_id="estates_fund_waive_due")
def waive_due(uow: UowDep, caller: EstatesFund, due_id: Id, body: WaiveIn) -> None:
    """免缴一条待交存的应缴记录（如合同在交存前撤销备案），须写明原因（记入审计）。"""
    with audited(uow, caller, "estates.fund_waive", "estates_fund_due", due_id) as conn:
        fund_deposits.waive_due(conn, due_id, reason=body.reason, scope=caller.scope)
        set_audit_detail(conn, {"reason": " ".join(body.reason.split())})


@router.post("/fund/topups", operation_id="estates_fund_topups")
def topups(uow: UowDep, settings: SettingsDep, caller: EstatesFund) -> CountOut:
    """为余额低于首次交存额规定比例的分户生成续筹应缴（批量）。"""
    with audited(uow, caller, "estates.fund_topups", "estates_fund_due") as conn:
        n = fund_deposits.create_topups(conn, percent=settings.estates_fund_topup_percent, on=clock.today())
        set_audit_detail(conn, {"created": n})
    return CountOut(created=n)


@router.get("/fund/interest-runs", operation_id="estates_fund_interest_runs")
def interest_runs(uow: UowDep, caller: EstatesRead, paging: PagingDep) -> Page[RunOut]:
    """年度计息记录（辖区内的专户）。"""
    with uow.read() as conn:
        p = fund_queries.interest_runs(conn, caller.scope, limit=paging.page_size, offset=paging.offset)
    items = [RunOut(**{k: v for k, v in x.items() if k != "run_at"}) for x in p.items]
    return Page(items=items, total=p.total, page=paging.page, page_size=paging.page_size)


@router.post("/fund/interest", operation_id="estates_fund_interest")
def run_interest(uow: UowDep, caller: EstatesFund, body: InterestIn) -> RunOut:
    """年度计息：银行结息入专户，按各户全年日积数精确分配（尾差按最大余数法），每个小区一张分配凭证。"""
    with audited(uow, caller, "estates.fund_interest", "estates_interest_run") as conn:
        r = fund_interest.run_interest(
            conn, district_code=body.district_code, year=body.year, total_fen=body.total_fen,
            actor_account_id=caller.account_id,
        )  # fmt: skip
        set_audit_target(conn, r["id"])
    return RunOut(**{k: v for k, v in r.items() if k != "fund_account_id"})


@router.post("/fund/import", operation_id="estates_fund_import")
def import_homes(
    uow: UowDep,
    caller: EstatesFund,
    file: Annotated[UploadFile, File(description="CSV：home,area,building_type,opening_balance,opened_on")],
    batch: Annotated[str, Form(min_length=1, max_length=24)],
) -> ImportOut:
    """存量分户账导入：逐行校验（错误指明行和字段），有任何错误则不写入任何记录。"""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    with audited(uow, caller, "estates.fund_import", "estates_fund_import", batch) as conn:
        r = fund_import.import_homes(conn, data, batch=batch, actor_account_id=caller.account_id)
        set_audit_detail(conn, {"homes": r["homes"], "journals": r["journals"]})
    return ImportOut(**r)


@router.post("/fund/homes/{home_id}/refund", operation_id="estates_fund_refund")
def refund(uow: UowDep, caller: EstatesFund, home_id: Id) -> RefundOut:
    """房屋灭失：分户账销户并退还余额（尚有未划付的使用分摊时拒绝）。"""
    with audited(uow, caller, "estates.fund_refund", "estates_fund_home", home_id) as conn:
        r = fund_deposits.refund(
            conn, home_id, on=clock.today(), actor_account_id=caller.account_id, scope=caller.scope
        )
    return RefundOut(**r)


# ------------------------------------------------------------------------------------------- owners


@router.get("/my-fund", operation_id="estates_my_fund")
def my_fund(uow: UowDep, sec: SecurityDep, caller: EstatesOwn) -> list[OwnHomeOut]:
    """我的维修资金：本人（已实名认证）名下房屋的分户账余额。"""
    with uow.read() as conn:
        return [OwnHomeOut(**x) for x in fund_queries.my_homes(conn, sec.keyring, caller)]


@router.get("/my-fund/{home_id}/movements", operation_id="estates_my_fund_movements")
def my_movements(
    uow: UowDep, sec: SecurityDep, caller: EstatesOwn, paging: PagingDep, home_id: Id
) -> Page[MovementOut]:
    """本人房屋分户账的收支明细（分页，按记账日期）。"""
    with uow.read() as conn:
        p = fund_queries.movements(conn, sec.keyring, caller, home_id, limit=paging.page_size, offset=paging.offset)
    items = [MovementOut(**{k: v for k, v in m.items() if k in MovementOut.model_fields}) for m in p.items]
    return Page(items=items, total=p.total, page=paging.page, page_size=paging.page_size)


STATEMENT_COLUMNS = [
    "记账日期",
    "业务",
    "摘要",
    "收入（元）",
    "支出（元）",
    "余额（元）",
    "凭证",
    "日志序号",
    "证明（JSON）",
]


def statement_response(uow: UowDep, sec: Any, caller: Any, home_id: int, fmt: str) -> Response:
    """The statement of one of the caller's homes as JSON or CSV, each line with its proof against the
    log's signed head (audited: personal data; it may sign a head)."""
    signer = ledger.signer_from_seed(ledger_signing_seed(sec.settings))
    with audited(uow, caller, "estates.fund_statement", "estates_fund_home", home_id) as conn:
        st = fund_queries.statement(conn, sec.keyring, caller, home_id, signer)
    name = f"维修资金对账单-{st['house_code']}-{clock.today().isoformat()}"
    if fmt == "json":
        body = json.dumps({**st, "label": SYNTHETIC_LABEL}, ensure_ascii=False, default=str, indent=1).encode()
        cd = csvout.content_disposition(name + ".json")
        return Response(body, media_type="application/json", headers={"content-disposition": cd})
    rows: list[list[Any]] = [
        [x["booked_on"], x["kind_label"], x["memo"], f"{x['credit_fen'] / 100:.2f}", f"{x['debit_fen'] / 100:.2f}",
         f"{x['balance_fen'] / 100:.2f}", x["journal_id"], x["proof"]["index"] if x["proof"] else "",
         json.dumps(x["proof"], ensure_ascii=False) if x["proof"] else ""]
        for x in st["lines"]
    ]  # fmt: skip
    rows += [[t["on"], "产权转移", t["note"], "", "", "", "", "", ""] for t in st["transfers"]]
    rows.append(["签名树头", "", json.dumps(st["head"], ensure_ascii=False), "", "", "", "", "", ""])
    body = csvout.to_bytes(STATEMENT_COLUMNS, [*rows, [SYNTHETIC_LABEL, "", "", "", "", "", "", "", ""]])
    cd = csvout.content_disposition(name + ".csv")
    return Response(body, media_type="text/csv; charset=utf-8", headers={"content-disposition": cd})


@router.get("/my-fund/{home_id}/statement", operation_id="estates_my_fund_statement")
def my_statement(
    uow: UowDep, sec: SecurityDep, caller: EstatesOwn, home_id: Id, fmt: Literal["json", "csv"] = "json"
) -> Response:
    """对账单下载（JSON 或 CSV）：每笔收支附其在分配凭证中的包含证明和凭证在日志 maintenance_fund 中的包含证明，
    可用独立验证程序对照签名树头核验。"""
    return statement_response(uow, sec, caller, home_id, fmt)
