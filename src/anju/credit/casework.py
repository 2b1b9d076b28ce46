"""What objections (异议) and repairs (信用修复) share: who the caller is as a credit subject, the
subject's own event, the documents a subject files, case numbers, log entries and the amendment of an
event.

A caller is a credit subject by what the platform has verified, never by what it declares: an agency
account by its enterprise's unified social credit code (``accounts.org_code``, the code the rental
context files its parties by), a citizen or landlord by the blind index of the identity number the
real-name check confirmed (``accounts.id_number_bidx``; a declared, unverified number grants nothing).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Column, Connection, Table, func, select
from sqlalchemy.exc import IntegrityError

from anju import ledger
from anju.core import clock
from anju.core.dialect import lock_rows
from anju.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from anju.credit import domain, grading
from anju.credit.tables import (
    credit_documents,
    credit_event_amendments,
    credit_events,
    credit_objections,
    credit_repairs,
    credit_subjects,
)
from anju.security import UNVERIFIED, Caller, Keyring, accounts, mask_name

DOC_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
DOC_MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
DOC_MAX_BYTES = 5 * 1024 * 1024
DOCS_PER_CASE = 10
REASON_MAX = 2000


@dataclass(frozen=True)
class Subject:
    """The caller as a credit subject."""

    bidx: str
    kind: str  # person | org
    account_id: int
    label: str  # the enterprise's name or code; a person's masked name


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def subject_of(conn: Connection, kr: Keyring, caller: Caller) -> Subject:
    """The caller's own credit subject; Forbidden for an account that is none (not verified)."""
    if caller.account_id is None:
        raise Forbidden("须登录")
    acct = conn.execute(
        select(accounts.c.role, accounts.c.org_code, accounts.c.id_number_bidx, accounts.c.name_enc).where(
            accounts.c.id == caller.account_id
        )
    ).first()
    if acct is None:
        raise NotFound("账户不存在")
    if acct.role == "agency":
        if not acct.org_code:
            raise Forbidden(
                "本账户未登记所属企业（统一社会信用代码），无信用档案", [FieldError("account", "未登记所属企业")]
            )
        bidx = kr.blind_index(acct.org_code, "credit_code")
        name = conn.execute(select(credit_subjects.c.name).where(credit_subjects.c.subject_bidx == bidx)).scalar()
        return Subject(bidx, "org", caller.account_id, str(name or acct.org_code))
    if not acct.id_number_bidx:
        raise Forbidden(UNVERIFIED, [FieldError("account", "尚未完成实名认证")])
    name = mask_name(kr.decrypt(bytes(acct.name_enc), "accounts.name"))
    return Subject(str(acct.id_number_bidx), "person", caller.account_id, name)


def own_event(conn: Connection, subject: Subject, event_id: int) -> Any:
    """The subject's own event; another subject's is answered exactly like a missing one (404)."""
    row = conn.execute(select(credit_events).where(credit_events.c.id == event_id)).first()
    if row is None or row.subject_bidx != subject.bidx:
        raise NotFound("信用记录不存在")
    return row


def open_case(conn: Connection, event_id: int) -> str | None:
    """The open objection or repair request on the event, named (e.g. "异议 YY…"), or None. Takes
    the event row's lock first, so that of two requests filed at once on one event (an objection and
    a repair), the second waits for the first's commit and then sees it: one case per event at a time.
    An objection and a repair open together would end with the loser stuck (its decision cannot amend
    an event the other one already amended)."""
    lock_rows(conn, credit_events, credit_events.c.id == event_id)
    o, r = credit_objections.c, credit_repairs.c
    found = conn.execute(select(o.objection_no).where(o.event_id == event_id, o.open == 1).limit(1)).scalar()
    if found is not None:
        return f"异议 {found}"
    found = conn.execute(select(r.repair_no).where(r.event_id == event_id, r.open == 1).limit(1)).scalar()
    return None if found is None else f"信用修复申请 {found}"


def amended(conn: Connection, event_id: int) -> bool:
    q = select(credit_event_amendments.c.id).where(credit_event_amendments.c.event_id == event_id)
    return conn.execute(q).first() is not None


def check_reason(text: str, field: str, *, minimum: int = 5) -> str:
    t = (text or "").strip()
    if len(t) < minimum:
        raise ValidationError.of(field, f"请写明理由（至少 {minimum} 个字）")
    if len(t) > REASON_MAX:
        raise ValidationError.of(field, f"不超过 {REASON_MAX} 个字")
    return t


def check_uploads(files: Sequence[Upload]) -> None:
    """PDF, JPEG or PNG, each ≤ 5 MB, really of the declared type, at most ``DOCS_PER_CASE``."""
    if len(files) > DOCS_PER_CASE:
        raise ValidationError.of("documents", f"最多上传 {DOCS_PER_CASE} 份材料")
    for f in files:
        if f.content_type not in DOC_TYPES:
            raise ValidationError.of("documents", f"{_safe_name(f.filename)}：只接受 PDF、JPEG、PNG 文件")
        if len(f.data) > DOC_MAX_BYTES:
            raise ValidationError.of(
                "documents", f"{_safe_name(f.filename)}：文件超过 {DOC_MAX_BYTES // (1024 * 1024)} MB"
            )
        if not f.data:
            raise ValidationError.of("documents", f"{_safe_name(f.filename)}：文件为空")
        if not f.data.startswith(DOC_MAGIC[f.content_type]):
            raise ValidationError.of("documents", f"{_safe_name(f.filename)}：文件内容与类型不符")


def _safe_name(name: str) -> str:
    return re.sub(r"[\x00-\x1f/\\]", "_", name or "file")[-120:]


def store_uploads(
    conn: Connection, owner_kind: str, owner_id: int, files: Sequence[Upload], now: datetime
) -> list[str]:
    """Store the (checked) documents; their SHA-256 digests, in order."""
    digests = []
    for f in files:
        digest = hashlib.sha256(f.data).hexdigest()
        conn.execute(
            credit_documents.insert().values(
                owner_kind=owner_kind,
                owner_id=owner_id,
                filename=_safe_name(f.filename),
                content_type=f.content_type,
                size=len(f.data),
                sha256=digest,
                content=f.data,
                uploaded_at=now,
            )
        )
        digests.append(digest)
    return digests


class DocumentRow(TypedDict):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


def documents(conn: Connection, owner_kind: str, owner_ids: Sequence[int]) -> dict[int, list[DocumentRow]]:
    """The documents' metadata (not the bytes) of many cases at once."""
    out: dict[int, list[DocumentRow]] = {}
    if not owner_ids:
        return out
    d = credit_documents.c
    q = (
        select(d.id, d.owner_id, d.filename, d.content_type, d.size, d.sha256)
        .where(d.owner_kind == owner_kind, d.owner_id.in_(list(owner_ids)))
        .order_by(d.id)
    )
    for r in conn.execute(q):
        doc: DocumentRow = {
            "id": int(r.id), "filename": r.filename, "content_type": r.content_type, "size": int(r.size),
            "sha256": r.sha256,
        }  # fmt: skip
        out.setdefault(int(r.owner_id), []).append(doc)
    return out


def next_number(conn: Connection, col: Column[Any], prefix: str, at: datetime, digits: int = 7) -> str:
    """``<prefix><year><n>``: the year's next number (a concurrent twin fails on the unique index)."""
    year = clock.to_local(at).year
    p = f"{prefix}{year}"
    last = conn.execute(select(func.max(col)).where(col >= p, col < f"{prefix}{year + 1}")).scalar_one()
    return f"{p}{(int(last[len(p) :]) if last else 0) + 1:0{digits}d}"


def insert_case(
    conn: Connection, table: Table, number_column: str, prefix: str, at: datetime, values: dict[str, Any], label: str
) -> tuple[int, str]:
    """Insert an objection or repair request (``table``) with its series' next number; answers (id,
    number). A number taken by a concurrent filing is retried; the one-open-case index refusing the row
    (another open case of the same event) is a Conflict naming the case (``label``: 异议, 修复申请)."""
    for _ in range(3):
        try:
            with conn.begin_nested():
                number = next_number(conn, table.c[number_column], prefix, at)
                row_id = conn.execute(
                    table.insert().values({number_column: number, **values}).returning(table.c.id)
                ).scalar_one()
            return int(row_id), number
        except IntegrityError:
            busy = select(table.c.id).where(table.c.event_id == values["event_id"], table.c.open == 1)
            if conn.execute(busy).first() is not None:
                raise Conflict(f"该信用记录已有待处理的{label}") from None
    raise Conflict(f"{label}编号冲突，请重试")


def log_entry(conn: Connection, entry: dict[str, Any]) -> int:
    """Append one JSON entry to the verifiable log ``credit``; its leaf index."""
    data = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str).encode()
    return ledger.append(conn, domain.LOG, [data])


def text_digest(text: str) -> str:
    """The SHA-256 of a free text: the log holds the digest (the text may name people), the table the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def amend_event(
    conn: Connection, event_id: int, kind: str, *, effective_on: date, reason: str, reference: str, by: str
) -> int:
    """``anju.credit.amend_event`` of the grades engine: records the amendment, logs it and recomputes the
    subject's grade in the same transaction."""
    return grading.amend_event(
        conn, event_id, kind, effective_on=effective_on, reason=reason, reference=reference, by=by
    )


def document(conn: Connection, doc_id: int, allowed: Callable[[str, str | None], bool]) -> tuple[str, str, bytes]:
    """A document of an objection or repair (name, type, bytes) when ``allowed(owner's subject, street)``;
    otherwise the same answer as for a missing one."""
    row = conn.execute(select(credit_documents).where(credit_documents.c.id == doc_id)).first()
    if row is not None:
        table = credit_objections if row.owner_kind == "objection" else credit_repairs
        owner = conn.execute(
            select(table.c.subject_bidx, table.c.street_code).where(table.c.id == row.owner_id)
        ).first()
        if owner is not None and allowed(owner.subject_bidx, owner.street_code):
            return str(row.filename), str(row.content_type), bytes(row.content)
    raise NotFound("材料不存在")
