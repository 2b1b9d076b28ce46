"""REST routes of the address fusion library (``/api/v1/addresses``). Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, UploadFile

from anju.addresses import linkage, linking, review
from anju.addresses.http import schemas
from anju.addresses.http.deps import AddressLink, AddressParse, AddressRead, AddressReview
from anju.core.errors import FieldError, TooLarge
from anju.core.settings import Settings
from anju.security import audited
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/addresses", tags=["addresses"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
#: Largest department file a synchronous link job over the API takes (larger: ``anju address link``).
MAX_LINK_ROWS = 20_000


def thresholds(settings: Settings) -> linkage.Thresholds:
    return linkage.Thresholds(
        settings.address_link_threshold, settings.address_review_threshold, settings.address_link_margin
    )


@router.post("/parse", operation_id="parse_address")
def parse_address(caller: AddressParse, body: schemas.ParseIn) -> schemas.ParsedOut:
    """Parse one address; an address that cannot be parsed is a 200 whose ``error`` says why."""
    return schemas.ParsedOut(**linking.parse_many([body.address])[0].as_dict())


@router.post("/parse/batch", operation_id="parse_addresses")
def parse_addresses(caller: AddressParse, body: schemas.BatchParseIn) -> schemas.BatchParseOut:
    """Parse up to 1000 addresses, in order; a bad one has its own ``error`` and fails nothing else."""
    return schemas.BatchParseOut(results=[schemas.ParsedOut(**p.as_dict()) for p in linking.parse_many(body.addresses)])


@router.get("/records", operation_id="list_address_records")
def list_records(
    uow: UowDep,
    caller: AddressRead,
    paging: PagingDep,
    status: Annotated[Literal["review", "linked", "unlinked"], Query(description="记录状态")] = "review",
    source: Annotated[str | None, Query(max_length=24, description="来源部门")] = None,
    job_id: Annotated[int | None, Query(ge=1, le=2**62, description="链接作业")] = None,
    q: Annotated[str | None, Query(max_length=100, description="地址中包含的文字")] = None,
) -> Page[schemas.RecordOut]:
    """Records of link jobs in the caller's scope (by default the review queue: undecided records)."""
    f = review.QueueFilter(status=status, source=source or None, job_id=job_id, q=q or None)
    with uow.read() as conn:
        listed = review.list_records(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas.RecordOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/records/{record_id}", operation_id="get_address_record")
def get_record(uow: UowDep, caller: AddressRead, record_id: Id) -> schemas.RecordDetail:
    """One record with its candidate homes side by side, each with its per-comparison explanation."""
    with uow.read() as conn:
        return schemas.RecordDetail(**review.get_record(conn, record_id, scope=caller.scope))


@router.post("/records/{record_id}/decision", operation_id="decide_address_record")
def decide(uow: UowDep, caller: AddressReview, record_id: Id, body: schemas.DecisionIn) -> schemas.DecisionOut:
    """Accept one candidate (the record becomes linked) or reject one or all of them; remembered for
    the next jobs of the same source and address. 409 when the record is no longer in the queue."""
    with audited(uow, caller, "address.decide", "address_record", record_id) as conn:
        out = review.decide(
            conn,
            record_id,
            house_code=body.house_code or None,
            accept=body.accept,
            scope=caller.scope,
            actor=caller.username,
        )
    return schemas.DecisionOut(**out)


@router.get("/jobs", operation_id="list_address_jobs")
def list_jobs(uow: UowDep, caller: AddressRead, paging: PagingDep) -> Page[schemas.JobOut]:
    """Link jobs, newest first (their counts only; the records are read through ``/records``)."""
    with uow.read() as conn:
        listed = review.list_jobs(conn, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas.JobOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post(
    "/link",
    status_code=201,
    operation_id="run_address_link_job",
    responses={413: {"description": f"文件过大或超过 {MAX_LINK_ROWS} 行（更大的文件请用 anju address link）"}},
)
def run_link_job(
    uow: UowDep,
    settings: SettingsDep,
    caller: AddressLink,
    file: Annotated[UploadFile, File(description="CSV：record_id,address（UTF-8 或 GBK），带表头")],
    source: Annotated[str, Form(min_length=1, max_length=24, description="来源部门，如 police")] = "police",
) -> schemas.LinkJobOut:
    """Link a small department file to register homes, synchronously; the job, its outcomes and the
    review queue are stored with the job's audit row in one transaction."""
    limit = settings.upload_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"上传的文件超过上限 {limit} 字节", [FieldError("file", f"文件不能超过 {limit} 字节")])
    records = linking.read_records(data)
    if len(records) > MAX_LINK_ROWS:
        reason = f"文件有 {len(records)} 行，接口一次最多 {MAX_LINK_ROWS} 行；更大的文件请用 anju address link"
        raise TooLarge(reason, [FieldError("file", reason)])
    report = linking.run_link_job(
        uow,
        records,
        source=source,
        filename=file.filename or "upload.csv",
        caller=caller,
        thresholds=thresholds(settings),
        memory_limit=settings.address_link_memory,
        model=linkage.load_model(settings.address_model_path),
    )
    return schemas.LinkJobOut(**report.summary())
