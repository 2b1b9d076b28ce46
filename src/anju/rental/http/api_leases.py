"""REST routes of leases: online signing and filing (``/api/v1/rental/…``). Thin: parse, call, shape.

The parties use ``/rental/me/leases/…`` (their own leases only, as landlord side or tenant);
supervisors use ``/rental/leases/…`` (the leases of the streets in their scope); anyone may verify a
filing at ``/rental/public/filings/{filing_no}``. Filing requires an ``Idempotency-Key`` header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from anju.core import csvout
from anju.rental import contract_pdf, idempotency, lease_changes, lease_drafting, lease_filing, leases
from anju.rental.http import schemas_leases
from anju.rental.http.deps import RentalRead, RentalSign, RentalSupervise
from anju.security import Caller, Public, SecurityDep, audited, audited_grouped, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["rental"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
Status = Literal["draft", "signing", "signed", "filed", "terminated", "expired", "cancelled"]
IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="必填：同一键重复提交得到同一结果（建议 UUID）"),
]
CSV_COLUMNS = (
    "lease_no", "filing_no", "status", "house_code", "address", "district_code", "street_code", "landlord_kind",
    "landlord_name", "tenant_name", "start_on", "end_on", "ended_on", "rent_fen", "deposit_fen", "payment_cycle",
    "filed_at", "amendments", "escrow_required",
)  # fmt: skip


def _detail(uow: UowDep, sec: SecurityDep, caller: Caller, lease_id: int) -> schemas_leases.LeaseDetail:
    with uow.read() as conn:
        return schemas_leases.LeaseDetail(**leases.get_lease(conn, sec.keyring, caller, lease_id))


# --------------------------------------------------------------------------------------------- parties


@router.post("/me/leases", status_code=201, operation_id="create_lease")
def create_lease(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: RentalSign, body: schemas_leases.LeaseBody
) -> schemas_leases.Created:
    """Draft a lease on a verified listing (``listing_id``) or directly on an owned or entrusted home
    (``home_id``, optionally ``room_id``). Every rule is checked first; errors name the field."""
    with audited(uow, caller, "rental.lease.create", "lease") as conn:
        lease_id = lease_drafting.create_lease(conn, sec.keyring, settings, caller, body.command())
        set_audit_target(conn, lease_id)
        got = leases.get_lease(conn, sec.keyring, caller, lease_id)
    return schemas_leases.Created(id=lease_id, lease_no=got["lease_no"], status=got["status"])


@router.get("/me/leases", operation_id="list_my_leases")
def list_mine(
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalSign,
    paging: PagingDep,
    status: Annotated[Status | None, Query(description="状态")] = None,
) -> Page[schemas_leases.LeaseOut]:
    """The caller's leases, as landlord side (or its party's) or as tenant, newest first."""
    with uow.read() as conn:
        page = leases.list_leases(
            conn, sec.keyring, caller, leases.LeaseFilter(status=status), limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_leases.LeaseOut(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.get("/me/leases/{lease_id}", operation_id="get_my_lease")
def get_mine(uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> schemas_leases.LeaseDetail:
    return _detail(uow, sec, caller, lease_id)


@router.post("/me/leases/{lease_id}/sign", operation_id="sign_lease")
def sign(uow: UowDep, caller: RentalSign, lease_id: Id) -> schemas_leases.SignOut:
    """Sign as the party one is (the landlord side's drafting account, or the tenant's account whose
    real-name ID matches the tenant). A suspended party cannot sign."""
    with audited(uow, caller, "rental.lease.sign", "lease", lease_id) as conn:
        status = lease_drafting.sign(conn, caller, lease_id)
    return schemas_leases.SignOut(id=lease_id, status=status)


@router.post(
    "/me/leases/{lease_id}/file", operation_id="file_lease", responses={409: {"description": "租期重叠等冲突"}}
)
async def file_lease(
    uow: UowDep, settings: SettingsDep, caller: RentalSign, lease_id: Id, idempotency_key: IdemKey = None
) -> schemas_leases.FiledOut:
    """File (备案) a lease both parties signed: a filing number, the listing closed, escrow opened and
    the event in the verifiable log ``rental``. Needs an ``Idempotency-Key``: the same key again gets
    the same answer; the same key for another request is refused (422 naming the header). Two
    filings overlapping on one home or room: one succeeds, the other gets 409."""
    key = idempotency.check_key(idempotency_key)
    # committed together with the filings other requests send at the same time (group commit)
    stored = await audited_grouped(
        uow,
        caller,
        "rental.lease.file",
        "lease",
        lease_id,
        lambda conn: lease_filing.file_or_replay(conn, settings, caller, lease_id, key),
        wrote=lambda st: not st.replayed,
    )
    return schemas_leases.FiledOut(**stored.response)


@router.post("/me/leases/{lease_id}/renew", status_code=201, operation_id="renew_lease")
def renew(
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    lease_id: Id,
    body: schemas_leases.RenewBody,
) -> schemas_leases.Created:
    """A renewal: a new draft between the same parties from the day after the lease's end."""
    with audited(uow, caller, "rental.lease.renew", "lease", lease_id) as conn:
        new_id = lease_drafting.renew_lease(conn, sec.keyring, settings, caller, lease_id, **body.model_dump())
        got = leases.get_lease(conn, sec.keyring, caller, new_id)
    return schemas_leases.Created(id=new_id, lease_no=got["lease_no"], status=got["status"])


@router.post("/me/leases/{lease_id}/amend", operation_id="amend_lease")
def amend(
    uow: UowDep, settings: SettingsDep, caller: RentalSign, lease_id: Id, body: schemas_leases.AmendBody
) -> schemas_leases.AmendOut:
    """Change a filed lease's rent, end date or extra clauses: one party proposes, the other sends the
    same change to agree (then it is made and logged)."""
    with audited(uow, caller, "rental.lease.amend", "lease", lease_id) as conn:
        result = lease_changes.amend(conn, settings, caller, lease_id, body.command())
    return schemas_leases.AmendOut(id=lease_id, result=result)


@router.post("/me/leases/{lease_id}/terminate", operation_id="terminate_lease")
def terminate(
    uow: UowDep, settings: SettingsDep, caller: RentalSign, lease_id: Id, body: schemas_leases.TerminateBody
) -> schemas_leases.SignOut:
    """Early termination (提前解除) on ``ended_on``; unearned rent and the deposit go back through escrow."""
    with audited(uow, caller, "rental.lease.terminate", "lease", lease_id) as conn:
        lease_changes.terminate(conn, settings, caller, lease_id, body.ended_on, body.reason)
    return schemas_leases.SignOut(id=lease_id, status="terminated")


@router.post("/me/leases/{lease_id}/cancel", operation_id="cancel_my_lease_filing")
def cancel_mine(
    uow: UowDep, settings: SettingsDep, caller: RentalSign, lease_id: Id, body: schemas_leases.CancelBody
) -> schemas_leases.CancelOut:
    """备案注销 by both parties: the first asks, the other confirms."""
    with audited(uow, caller, "rental.lease.cancel", "lease", lease_id) as conn:
        result = lease_changes.cancel_by_parties(conn, settings, caller, lease_id, body.reason)
    return schemas_leases.CancelOut(id=lease_id, result=result)


@router.get("/me/leases/{lease_id}/contract.pdf", operation_id="get_my_lease_contract")
def contract(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> Response:
    """The contract as a PDF: every clause, masked IDs, signing times, the filing number and a QR code
    of the public verification page."""
    with uow.read() as conn:
        facts = leases.get_lease(conn, sec.keyring, caller, lease_id)
    pdf = contract_pdf.render(facts, contract_pdf.verify_url(str(request.base_url), facts.get("filing_no")))
    return _pdf(pdf, f"{facts['lease_no']}.pdf")


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data, media_type="application/pdf", headers={"content-disposition": f"inline; filename*=UTF-8''{quote(name)}"}
    )


# ---------------------------------------------------------------------------------------- supervisors


DistrictQ = Annotated[str | None, Query(pattern=r"^\d{6}$", description="区代码（在调用者范围内进一步筛选）")]


def _filter(
    status: str | None, street: str | None, start_from: date | None, start_to: date | None
) -> leases.LeaseFilter:
    return leases.LeaseFilter(status=status, street=street, start_from=start_from, start_to=start_to)


@router.get("/leases", operation_id="list_leases")
def list_leases(
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    paging: PagingDep,
    status: Annotated[Status | None, Query(description="状态")] = None,
    district: DistrictQ = None,
    street: Annotated[str | None, Query(max_length=12, description="街道代码")] = None,
    start_from: Annotated[date | None, Query(description="起租日期不早于")] = None,
    start_to: Annotated[date | None, Query(description="起租日期不晚于")] = None,
) -> Page[schemas_leases.LeaseOut]:
    """Leases of the streets in the caller's scope (optionally of one district), newest first."""
    with uow.read() as conn:
        page = leases.list_leases(
            conn,
            sec.keyring,
            leases.in_district(conn, caller, district),
            _filter(status, street, start_from, start_to),
            limit=paging.page_size,
            offset=paging.offset,
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_leases.LeaseOut(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/leases.csv",
    operation_id="export_leases",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV（UTF-8 带 BOM）"}},
)
def export_leases(
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    status: Annotated[Status | None, Query(description="状态")] = None,
    district: DistrictQ = None,
    street: Annotated[str | None, Query(max_length=12, description="街道代码")] = None,
    start_from: Annotated[date | None, Query(description="起租日期不早于")] = None,
    start_to: Annotated[date | None, Query(description="起租日期不晚于")] = None,
) -> Response:
    """The same leases as CSV (UTF-8 with BOM, masked names), at most 100 000 rows."""
    with uow.read() as conn:
        scope = leases.in_district(conn, caller, district).scope
        rows = leases.iter_leases(conn, sec.keyring, scope, _filter(status, street, start_from, start_to))
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": "attachment; filename=leases.csv"},
    )


def to_csv(rows: Sequence[Mapping[str, object]]) -> bytes:
    return csvout.to_bytes(CSV_COLUMNS, ([r[c] for c in CSV_COLUMNS] for r in rows))


@router.get("/leases/{lease_id}", operation_id="get_lease")
def get_lease(uow: UowDep, sec: SecurityDep, caller: RentalRead, lease_id: Id) -> schemas_leases.LeaseDetail:
    return _detail(uow, sec, caller, lease_id)


@router.post("/leases/{lease_id}/cancel", operation_id="cancel_lease_filing")
def cancel(
    uow: UowDep, settings: SettingsDep, caller: RentalSupervise, lease_id: Id, body: schemas_leases.CancelBody
) -> schemas_leases.CancelOut:
    """备案注销 by a supervisor of the lease's street; escrow refunds follow."""
    with audited(uow, caller, "rental.lease.cancel", "lease", lease_id) as conn:
        lease_changes.cancel_by_supervisor(conn, settings, caller, lease_id, body.reason)
    return schemas_leases.CancelOut(id=lease_id, result="cancelled")


# --------------------------------------------------------------------------------------------- public


@router.get("/public/filings/{filing_no}", operation_id="verify_filing")
def verify_filing(
    uow: UowDep, sec: SecurityDep, caller: Public, filing_no: Annotated[str, Path(max_length=24)]
) -> schemas_leases.PublicFiling:
    """Check a filing number: its status, where, term and rent (names masked)."""
    with uow.read() as conn:
        return schemas_leases.PublicFiling(**leases.public_filing_view(conn, sec.keyring, filing_no))
