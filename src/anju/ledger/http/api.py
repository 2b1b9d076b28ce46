"""Read-only REST routes of the verifiable log: thin — parse, call a service, shape.

Authorisation is attached by the central mechanism; there is deliberately no write route (other
contexts append through :func:`anju.ledger.append` inside their own transactions).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from anju.ledger import services
from anju.ledger.heads import signer_from_seed
from anju.ledger.http import schemas
from anju.ledger.http.deps import LedgerRead
from anju.security import Public, audited, ledger_signing_seed
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["ledger"], responses=ERRORS)
LogName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="日志名")]
Index = Annotated[int, Path(ge=0, le=2**62, description="叶子序号，从 0 开始")]
Size = Annotated[int | None, Query(ge=0, le=2**62, description="树的大小；缺省为当前大小")]


@router.get("/ledger/logs", operation_id="list_ledger_logs")
def list_logs(uow: UowDep, _: Public, paging: PagingDep) -> Page[schemas.LogOut]:
    with uow.read() as conn:
        logs = services.list_logs(conn)
    items = [
        schemas.LogOut(name=lg.name, algorithm=lg.algorithm, size=lg.size, created_at=lg.created_at)
        for lg in logs[paging.offset : paging.offset + paging.page_size]
    ]
    return Page(items=items, total=len(logs), page=paging.page, page_size=paging.page_size)


@router.get("/ledger/{log}/head", operation_id="get_ledger_head")
def get_head(uow: UowDep, settings: SettingsDep, caller: Public, log: LogName) -> schemas.SignedHeadOut:
    """The log's signed tree head at its current size (signed and recorded on first request)."""
    signer = signer_from_seed(ledger_signing_seed(settings))
    with uow.read() as conn:  # the common case writes nothing: the latest head still covers the log
        size = services.get_log(conn, log).size
        latest = services.latest_signed_head(conn, log)
    if latest is not None and latest.head.size == size and latest.public_key == signer.public_key_hex:
        return schemas.SignedHeadOut(**latest.as_dict())
    with audited(uow, caller, "ledger.sign_head", "ledger", log) as conn:
        sth = services.current_signed_head(conn, log, signer)
    return schemas.SignedHeadOut(**sth.as_dict())


@router.get("/ledger/{log}/proofs/inclusion", operation_id="get_ledger_inclusion_proof")
def inclusion_proof(
    uow: UowDep,
    _: Public,
    log: LogName,
    index: Annotated[int, Query(ge=0, le=2**62, description="叶子序号，从 0 开始")],
    size: Size = None,
) -> schemas.InclusionProofOut:
    with uow.read() as conn:
        p = services.inclusion_proof(conn, log, index, size)
    return schemas.InclusionProofOut(
        log=p.log,
        algorithm=p.algorithm,
        index=p.index,
        size=p.size,
        leaf_hash=p.leaf_hash.hex(),
        root=p.root.hex(),
        proof=[h.hex() for h in p.proof],
    )


@router.get("/ledger/{log}/proofs/consistency", operation_id="get_ledger_consistency_proof")
def consistency_proof(
    uow: UowDep,
    _: Public,
    log: LogName,
    old_size: Annotated[int, Query(ge=0, le=2**62, description="旧树的大小")],
    size: Size = None,
) -> schemas.ConsistencyProofOut:
    with uow.read() as conn:
        p = services.consistency_proof(conn, log, old_size, size)
    return schemas.ConsistencyProofOut(
        log=p.log,
        algorithm=p.algorithm,
        old_size=p.old_size,
        size=p.size,
        old_root=p.old_root.hex(),
        root=p.root.hex(),
        proof=[h.hex() for h in p.proof],
    )


@router.get("/ledger/{log}/entries/{index}", operation_id="get_ledger_entry")
def get_entry(uow: UowDep, _: LedgerRead, log: LogName, index: Index) -> schemas.EntryOut:
    with uow.read() as conn:
        e = services.entry(conn, log, index)
    try:
        text: str | None = e.data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return schemas.EntryOut(log=e.log, index=e.index, leaf_hash=e.leaf_hash.hex(), data=e.data.hex(), text=text)
