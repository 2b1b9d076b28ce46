"""REST routes of filed parties (备案), practitioners, supervision, entrustments and home flags.

Enterprise/agency staff use ``/rental/me/party…`` (their own organisation); owners and agents use
``/rental/entrustments`` and ``/rental/me/entrustments``; supervisors use ``/rental/parties…`` (the
parties registered in the streets of their scope) and ``/rental/flags``. Thin: parse, call, shape.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from anju.core import csvout
from anju.rental import entrustments, home_flags, parties
from anju.rental.http import schemas_parties
from anju.rental.http.deps import RentalHandle, RentalParty, RentalPublish, RentalRead, RentalSupervise
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
KindQ = Annotated[Literal["enterprise", "agency"] | None, Query(description="主体类型")]
StatusQ = Annotated[Literal["filed", "suspended", "revoked"] | None, Query(description="备案状态")]
StreetQ = Annotated[str | None, Query(max_length=12, description="街道代码")]
TextQ = Annotated[str | None, Query(max_length=100, description="名称包含、统一社会信用代码或备案编号")]


# --------------------------------------------------------------------------------- own organisation


@router.get("/me/party", operation_id="rental_my_party")
def my_party(uow: UowDep, sec: SecurityDep, caller: RentalParty) -> schemas_parties.PartyDetail:
    """The filing of the caller's own organisation (404 until filed)."""
    with uow.read() as conn:
        return schemas_parties.PartyDetail(**parties.my_party(conn, sec.keyring, caller))


@router.post("/me/party", status_code=201, operation_id="rental_file_party")
def file_party(
    uow: UowDep, sec: SecurityDep, caller: RentalParty, body: schemas_parties.PartyIn
) -> schemas_parties.PartyDetail:
    """File (备案) the caller's own enterprise or agency. Every field is validated (errors name the
    field, nothing is written); a second filing is a 409."""
    with audited(uow, caller, "rental.file_party", "rental_party") as conn:
        pid = parties.file_party(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, pid)
    with uow.read() as conn:
        return schemas_parties.PartyDetail(**parties.my_party(conn, sec.keyring, caller))


@router.put("/me/party", operation_id="rental_amend_party")
def amend_party(
    uow: UowDep, sec: SecurityDep, caller: RentalParty, body: schemas_parties.PartyIn
) -> schemas_parties.PartyDetail:
    """Amend the caller's own filing (变更备案); the kind and the credit code stay."""
    with audited(uow, caller, "rental.amend_party", "rental_party") as conn:
        set_audit_target(conn, parties.amend_party(conn, sec.keyring, caller, body.command()))
    with uow.read() as conn:
        return schemas_parties.PartyDetail(**parties.my_party(conn, sec.keyring, caller))


@router.get("/me/party/practitioners", operation_id="rental_my_practitioners")
def my_practitioners(
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalParty,
    paging: PagingDep,
    status: Annotated[Literal["active", "left"] | None, Query()] = None,
) -> Page[schemas_parties.PractitionerOut]:
    with uow.read() as conn:
        page = parties.my_practitioners(
            conn, sec.keyring, caller, status=status, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_parties.PractitionerOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/me/party/practitioners", status_code=201, operation_id="rental_add_practitioner")
def add_practitioner(
    uow: UowDep, sec: SecurityDep, caller: RentalParty, body: schemas_parties.PractitionerIn
) -> schemas_parties.Created:
    """Register a practitioner (从业人员): validated resident ID (encrypted), a unique practice number."""
    with audited(uow, caller, "rental.add_practitioner", "rental_practitioner") as conn:
        pid = parties.add_practitioner(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, pid)
    return schemas_parties.Created(id=pid)


@router.post("/me/party/practitioners/{practitioner_id}/left", operation_id="rental_practitioner_left")
def practitioner_left(
    uow: UowDep, caller: RentalParty, practitioner_id: Id, body: schemas_parties.LeftIn
) -> schemas_parties.StatusOut:
    with audited(uow, caller, "rental.practitioner_left", "rental_practitioner", practitioner_id) as conn:
        parties.practitioner_left(conn, caller, practitioner_id, body.left_on)
    return schemas_parties.StatusOut(id=practitioner_id, status="left")


@router.post("/me/party/practitioners/{practitioner_id}/record", operation_id="rental_practice_record")
def practice_record(
    uow: UowDep, caller: RentalParty, practitioner_id: Id, body: schemas_parties.RecordIn
) -> schemas_parties.StatusOut:
    """Append an entry to a practitioner's practice record (执业记录)."""
    with audited(uow, caller, "rental.practice_record", "rental_practitioner", practitioner_id) as conn:
        parties.add_practice_record(conn, caller, practitioner_id, body.kind, body.text)
    return schemas_parties.StatusOut(id=practitioner_id, status="recorded")


# -------------------------------------------------------------------------------------- supervisors


@router.get("/parties", operation_id="rental_list_parties")
def list_parties(
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    paging: PagingDep,
    kind: KindQ = None,
    status: StatusQ = None,
    street: StreetQ = None,
    q: TextQ = None,
) -> Page[schemas_parties.PartyOut]:
    """Filed parties registered in the streets of the caller's scope, newest first."""
    f = parties.PartyFilter(kind, status, street, q)
    with uow.read() as conn:
        page = parties.list_parties(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_parties.PartyOut(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/parties.csv",
    operation_id="rental_export_parties",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM，个人信息已脱敏"}},
)
def export_parties(
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    kind: KindQ = None,
    status: StatusQ = None,
    street: StreetQ = None,
    q: TextQ = None,
) -> Response:
    """The same list as CSV (every matching party in scope)."""
    f = parties.PartyFilter(kind, status, street, q)
    with uow.read() as conn:
        body = csvout.to_bytes(
            parties.PARTY_CSV_COLUMNS, parties.export_parties(conn, sec.keyring, f, scope=caller.scope)
        )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="rental-parties.csv"'},
    )


@router.get("/parties/{party_id}", operation_id="rental_get_party")
def get_party(uow: UowDep, sec: SecurityDep, caller: RentalRead, party_id: Id) -> schemas_parties.PartyDetail:
    with uow.read() as conn:
        return schemas_parties.PartyDetail(**parties.get_party(conn, sec.keyring, caller.scope, party_id))


@router.get("/parties/{party_id}/practitioners", operation_id="rental_party_practitioners")
def party_practitioners(
    uow: UowDep, sec: SecurityDep, caller: RentalRead, party_id: Id, paging: PagingDep
) -> Page[schemas_parties.PractitionerOut]:
    with uow.read() as conn:
        parties.get_party(conn, sec.keyring, caller.scope, party_id)
        page = parties.list_practitioners(
            conn, sec.keyring, party_id, status=None, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_parties.PractitionerOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


def _supervise(
    uow: UowDep, sec: SecurityDep, caller: RentalSupervise, party_id: int, action: str, reason: str
) -> schemas_parties.StatusOut:
    with audited(uow, caller, f"rental.{action}_party", "rental_party", party_id) as conn:
        status = parties.supervise(conn, sec.keyring, caller, party_id, action, reason)
    return schemas_parties.StatusOut(id=party_id, status=status)


@router.post("/parties/{party_id}/suspend", operation_id="rental_suspend_party")
def suspend(
    uow: UowDep, sec: SecurityDep, caller: RentalSupervise, party_id: Id, body: schemas_parties.SuperviseIn
) -> schemas_parties.StatusOut:
    """Suspend (暂停) a filing: the party can neither publish nor sign until reinstated. A credit event."""
    return _supervise(uow, sec, caller, party_id, "suspend", body.reason)


@router.post("/parties/{party_id}/reinstate", operation_id="rental_reinstate_party")
def reinstate(
    uow: UowDep, sec: SecurityDep, caller: RentalSupervise, party_id: Id, body: schemas_parties.SuperviseIn
) -> schemas_parties.StatusOut:
    return _supervise(uow, sec, caller, party_id, "reinstate", body.reason)


@router.post("/parties/{party_id}/revoke", operation_id="rental_revoke_party")
def revoke(
    uow: UowDep, sec: SecurityDep, caller: RentalSupervise, party_id: Id, body: schemas_parties.SuperviseIn
) -> schemas_parties.StatusOut:
    """Revoke (撤销) a filing: final. A credit event of the organisation."""
    return _supervise(uow, sec, caller, party_id, "revoke", body.reason)


# ------------------------------------------------------------------------------------- entrustments


@router.post("/entrustments", status_code=201, operation_id="rental_entrust")
def entrust(
    uow: UowDep, sec: SecurityDep, caller: RentalPublish, body: schemas_parties.EntrustmentIn
) -> schemas_parties.Created:
    """An owner (by the register's ownership data) entrusts a home or one room to an agent."""
    with audited(uow, caller, "rental.entrust", "rental_entrustment") as conn:
        eid = entrustments.entrust(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, eid)
    return schemas_parties.Created(id=eid)


@router.get("/me/entrustments", operation_id="rental_my_entrustments")
def my_entrustments(
    uow: UowDep,
    caller: RentalPublish,
    paging: PagingDep,
    side: Annotated[Literal["owner", "agent"] | None, Query(description="owner 我委托的 / agent 委托给我的")] = None,
) -> Page[schemas_parties.EntrustmentOut]:
    with uow.read() as conn:
        page = entrustments.my_entrustments(conn, caller, side=side, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
    return Page(
        items=[schemas_parties.EntrustmentOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/entrustments/{entrustment_id}/revoke", operation_id="rental_revoke_entrustment")
def revoke_entrustment(uow: UowDep, caller: RentalPublish, entrustment_id: Id) -> schemas_parties.StatusOut:
    """The granting owner revokes an entrustment."""
    with audited(uow, caller, "rental.revoke_entrustment", "rental_entrustment", entrustment_id) as conn:
        entrustments.revoke_entrustment(conn, caller, entrustment_id)
    return schemas_parties.StatusOut(id=entrustment_id, status="revoked")


# ---------------------------------------------------------------------------------------- home flags


@router.get("/flags", operation_id="rental_list_flags")
def list_flags(
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    house_code: Annotated[str | None, Query(max_length=23)] = None,
    active: Annotated[bool | None, Query(description="true 只看在效的 / false 只看已解除或过期的")] = None,
) -> Page[schemas_parties.FlagOut]:
    with uow.read() as conn:
        page = home_flags.list_flags(
            conn, scope=caller.scope, house_code=house_code, active=active, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_parties.FlagOut(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.post("/flags", status_code=201, operation_id="rental_record_flag")
def record_flag(uow: UowDep, caller: RentalHandle, body: schemas_parties.FlagIn) -> schemas_parties.Created:
    """Flag a home (查封, 危房 …) in the caller's scope: it bars listing verification and lease filing."""
    with audited(uow, caller, "rental.flag_home", "rental_home_flag") as conn:
        fid = home_flags.record_flag(conn, caller, body.command())
        set_audit_target(conn, fid)
    return schemas_parties.Created(id=fid)


@router.post("/flags/{flag_id}/lift", operation_id="rental_lift_flag")
def lift_flag(uow: UowDep, caller: RentalHandle, flag_id: Id) -> schemas_parties.StatusOut:
    with audited(uow, caller, "rental.lift_flag", "rental_home_flag", flag_id) as conn:
        home_flags.lift_flag(conn, caller, flag_id)
    return schemas_parties.StatusOut(id=flag_id, status="lifted")
