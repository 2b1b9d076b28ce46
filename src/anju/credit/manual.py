"""Officers record credit events by hand (``credit.record``): awards and public-service tasks (守信) and
sanctions decided outside the platform (an administrative penalty of another bureau, a court judgment
the bureau acts on), for a subject named by its unified social credit code (organisations) or its
resident ID (persons: turned into the blind index at once and never stored nor logged); and the list of
recorded events (``credit.read``), filtered, paged and exported.

Source ``credit`` (the catalogue lets the credit office record any kind); every event is a leaf of the
log ``credit`` through :func:`anju.credit.record_event`, in the officer's audited transaction.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Select, select

from anju import divisions
from anju.core import clock
from anju.core.errors import FieldError, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.credit import domain
from anju.credit.catalogue import SOURCES, catalogue
from anju.credit.domain import Event, SubjectIn
from anju.credit.expiry import default_expiry
from anju.credit.services import record_event
from anju.credit.subjects import ensure_subjects
from anju.credit.tables import credit_event_amendments, credit_events, credit_subjects
from anju.security import Caller, Keyring, credit_code, mask_id, resident_id

SOURCE = "credit"
#: The kinds an officer records by hand: the awards, and every negative kind (a sanction decided
#: outside the platform). Inspections' clean results and on-time escrow are recorded by their contexts.
MANUAL_POSITIVE = ("good.award", "good.public_service")
BIDX = re.compile(r"[0-9a-f]{64}")


def manual_kinds() -> dict[str, str]:
    """Kind → Chinese label, the awards first."""
    kinds = catalogue().kinds
    out = {k: kinds[k].label for k in MANUAL_POSITIVE}
    out |= {k: v.label for k, v in kinds.items() if v.polarity == "negative"}
    return out


@dataclass(frozen=True)
class ManualEventIn:
    subject_type: str
    kind: str
    evidence: str  # the decision's or document's number (the event's reference)
    occurred_on: date | None
    credit_code: str = ""  # organisations
    id_number: str = ""  # persons: blind-indexed at once, never stored
    severity: str = ""  # empty: the kind's default
    expires_on: date | None = None
    street_code: str = ""  # where it happened (scoping); required below the city level
    note: str = ""
    #: a person's subject token (:func:`subject_token`), as the confirmation page carries it back
    #: instead of the ID itself: never a bare blind index from the browser
    subject_token: str = ""
    #: an organisation's name, required when the code has no credit file with a name yet (an enterprise
    #: not filed on the platform): the event's file then carries the name, code and district, so that
    #: officers find it and the public page discloses it
    org_name: str = ""


@dataclass(frozen=True)
class Checked:
    """A manual event checked and ready: what the confirmation page shows and what is recorded."""

    event: Event
    subject_label: str  # the organisation's code, or a person's masked ID: never the clear ID
    subject_token: str = ""  # a person's: what the confirmation page posts back (see subject_token)


#: The confirmation page's token is good for this long after the ID was entered.
TOKEN_SECONDS = 3600
_TOKEN_AD = "credit.manual_subject"  # noqa: S105 - the associated data (a label), not a secret


def subject_token(kr: Keyring, caller: Caller, subject_type: str, bidx: str) -> str:
    """A person's blind index sealed for the confirmation page: SM4-GCM under the data key (the
    browser neither reads nor forges it), bound to the officer, the subject type and the time the ID
    was entered. The page never holds the ID nor the bare blind index."""
    body = json.dumps({"b": bidx, "u": caller.username, "t": subject_type, "at": int(clock.now().timestamp())})
    return base64.urlsafe_b64encode(kr.encrypt(body, _TOKEN_AD)).decode("ascii")


def _from_token(kr: Keyring, caller: Caller, subject_type: str, token: str) -> str:
    """The blind index a token of :func:`subject_token` seals, if it is this officer's, of this
    subject type and recent; else the officer is asked for the ID again (field ``id_number``)."""
    again = ValidationError.of("id_number", "请重新填写公民身份号码")
    try:
        got = json.loads(kr.decrypt(base64.urlsafe_b64decode(token.encode("ascii")), _TOKEN_AD))
        bidx, user, kind, at = str(got["b"]), got["u"], got["t"], int(got["at"])
    except Exception:  # not base64, not ours, tampered, or not the shape we wrote
        raise again from None
    age = clock.now().timestamp() - at
    if user != caller.username or kind != subject_type or not 0 <= age <= TOKEN_SECONDS or not BIDX.fullmatch(bidx):
        raise again
    return bidx


def _subject(kr: Keyring, caller: Caller, cmd: ManualEventIn, errors: list[FieldError]) -> tuple[str, str]:
    """The subject's blind index and how the confirmation shows it (a person's ID masked)."""
    if cmd.subject_type not in domain.SUBJECT_TYPES:
        errors.append(FieldError("subject_type", "请选择主体类型"))
        return "", ""
    try:
        if cmd.subject_type not in domain.PERSON_TYPES:
            code = credit_code(cmd.credit_code, "credit_code")
            return kr.blind_index(code, "credit_code"), code
        if not cmd.id_number and cmd.subject_token:
            return _from_token(kr, caller, cmd.subject_type, cmd.subject_token), "（已确认）"
        idn = resident_id(cmd.id_number, "id_number")
        return kr.blind_index(idn, "id_number"), mask_id(idn)
    except ValidationError as e:
        errors.extend(e.errors)
        return "", ""


def _when_and_where(caller: Caller, cmd: ManualEventIn, errors: list[FieldError]) -> None:
    if cmd.occurred_on is None:
        errors.append(FieldError("occurred_on", "请填写发生（决定）日期"))
    elif cmd.occurred_on > clock.today():
        errors.append(FieldError("occurred_on", "不能晚于今天"))
    if cmd.expires_on is not None and cmd.occurred_on is not None and cmd.expires_on <= cmd.occurred_on:
        errors.append(FieldError("expires_on", "失效日期应晚于发生日期"))
    street = cmd.street_code.strip()
    if street and not (street.isdigit() and len(street) <= 12):
        errors.append(FieldError("street_code", "街道代码应为数字"))
    elif street and not caller.scope.allows(street):
        errors.append(FieldError("street_code", "不在本人管辖范围内"))
    elif not street and not caller.scope.unrestricted:
        errors.append(FieldError("street_code", "请填写发生地街道代码（本人管辖范围内）"))


def check(kr: Keyring, caller: Caller, cmd: ManualEventIn, conn: Connection | None = None) -> Checked:
    """Every field checked (all errors at once, each naming its field), nothing written. With ``conn``, an
    organisation is shown by the name on its credit file, and one without a file needs ``org_name``."""
    errors: list[FieldError] = []
    bidx, label = _subject(kr, caller, cmd, errors)
    code = label  # an organisation's code (kept in the event's detail), before the label names it
    org_name = " ".join((cmd.org_name or "").split())
    if len(org_name) > 100:
        errors.append(FieldError("org_name", "名称不超过 100 字"))
    if bidx and cmd.subject_type not in domain.PERSON_TYPES and conn is not None:
        filed = conn.execute(
            select(credit_subjects.c.name).where(credit_subjects.c.subject_bidx == bidx)
        ).scalar_one_or_none()
        if filed:
            label = f"{filed}（{label}）"
        elif org_name:
            label = f"{org_name}（{label}，本平台尚无信用档案，将新建）"
        else:
            errors.append(
                FieldError("org_name", "该统一社会信用代码在本平台没有信用档案：请核对代码，或填写企业名称以新建档案")
            )
    if cmd.kind not in manual_kinds():
        errors.append(FieldError("kind", "请选择信用事件类型"))
    if cmd.severity and cmd.severity not in domain.SEVERITIES:
        errors.append(FieldError("severity", "应为 minor、major 或 serious"))
    evidence = " ".join((cmd.evidence or "").split())
    if not evidence or len(evidence) > 64:
        errors.append(FieldError("evidence", "请填写决定书、文书编号（1–64 个字符）"))
    _when_and_where(caller, cmd, errors)
    note = " ".join((cmd.note or "").split())
    if len(note) > 500:
        errors.append(FieldError("note", "说明不超过 500 字"))
    if errors:
        raise ValidationError("信用事件有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    assert cmd.occurred_on is not None
    sev = cmd.severity or catalogue().kinds[cmd.kind].severity
    person = cmd.subject_type in domain.PERSON_TYPES
    street = cmd.street_code.strip()
    ev = Event(
        subject_kind="person" if person else "org",
        subject_bidx=bidx,
        source=SOURCE,
        kind=cmd.kind,
        severity=sev,
        occurred_on=cmd.occurred_on,
        reference=evidence,
        expires_on=cmd.expires_on or default_expiry(cmd.kind, cmd.occurred_on),
        street_code=street or None,
        detail={"note": note, "recorded_by": caller.username} | ({} if person else {"credit_code": code}),
        subject_type=cmd.subject_type,
    )
    domain.check_event(ev)
    return Checked(ev, label, subject_token(kr, caller, cmd.subject_type, bidx) if person else "")


def record(conn: Connection, kr: Keyring, caller: Caller, cmd: ManualEventIn) -> int:
    """Check and record one event by hand; returns its id. An organisation without a credit file gets one
    with the name entered, its code and the district of the event's street (filling only what it lacks)."""
    checked = check(kr, caller, cmd, conn)
    ev = checked.event
    if ev.subject_kind == "org":
        street = ev.street_code
        line = divisions.ancestry(conn, street) if street else []
        district = next((d.code for d in line if d.level == "district"), None)
        ensure_subjects(
            conn,
            [
                SubjectIn(
                    subject_bidx=ev.subject_bidx,
                    subject_kind="org",
                    kind=cmd.subject_type,
                    name=" ".join((cmd.org_name or "").split()) or None,
                    credit_code=str(ev.detail.get("credit_code") or "") or None,
                    district_code=district,
                    street_code=street,
                )
            ],
            clock.now(),
        )
    return record_event(conn, ev)


# ------------------------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class EventFilter:
    source: str | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    district: str | None = None  # a district (or street) code: events whose street lies in it


class EventRow(TypedDict):
    id: int
    subject_kind: str
    subject_type: str | None
    subject: str  # an organisation's name or code; a person is never named
    subject_id: int | None
    source: str
    source_label: str
    kind: str
    kind_label: str
    polarity: str
    severity: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    street_code: str | None
    status: str  # effective | expired | void | repair
    status_label: str
    recorded_at: datetime
    ledger_index: int | None


def _query(scope: Scope, f: EventFilter) -> Select[Any]:
    e, s, a = credit_events, credit_subjects, credit_event_amendments
    q = (
        select(
            e,
            s.c.kind.label("subject_type"),
            s.c.name,
            s.c.credit_code,
            s.c.id.label("subject_id"),
            a.c.kind.label("amendment"),
            a.c.effective_on.label("amended_on"),
        )
        .outerjoin(s, s.c.subject_bidx == e.c.subject_bidx)
        .outerjoin(a, a.c.event_id == e.c.id)
        .where(*scope.where(e.c.street_code))
    )
    if f.source:
        q = q.where(e.c.source == f.source)
    if f.kind:
        q = q.where(e.c.kind == f.kind)
    if f.date_from:
        q = q.where(e.c.occurred_on >= f.date_from)
    if f.date_to:
        q = q.where(e.c.occurred_on <= f.date_to)
    if f.district:
        q = q.where(e.c.street_code.like(f.district + "%"))
    return q.order_by(e.c.recorded_at.desc(), e.c.id.desc())


#: An event's status on the list (as on the subject's file: an expired event is no longer 有效).
STATUSES = {"effective": "有效", "expired": "已到期", "void": "已撤销（异议成立或部门撤回）", "repair": "已修复"}


def _status(r: Any, today: date) -> str:
    if r.amendment == "void" or (r.amendment == "repair" and r.amended_on is not None and r.amended_on <= today):
        return str(r.amendment)
    if r.expires_on is not None and r.expires_on <= today:
        return "expired"
    return "effective"


def _row(r: Any) -> EventRow:
    kinds = catalogue().kinds
    status = _status(r, clock.today())
    k = kinds.get(r.kind)
    if r.subject_kind == "person":
        subject = domain.SUBJECT_TYPES.get(r.subject_type or "person", "个人") + "（个人信息不予显示）"
    else:
        code = r.credit_code or json.loads(r.detail or "{}").get("credit_code")
        subject = r.name or code or "组织（尚未建档）"
    return {
        "id": int(r.id),
        "subject_kind": r.subject_kind,
        "subject_type": r.subject_type,
        "subject": subject,
        "subject_id": None if r.subject_id is None else int(r.subject_id),
        "source": r.source,
        "source_label": SOURCES.get(r.source, r.source),
        "kind": r.kind,
        "kind_label": k.label if k else r.kind,
        "polarity": k.polarity if k else "negative",
        "severity": r.severity,
        "severity_label": domain.SEVERITY_LABELS.get(r.severity, r.severity),
        "occurred_on": r.occurred_on,
        "expires_on": r.expires_on,
        "reference": r.reference,
        "street_code": r.street_code,
        "status": status,
        "status_label": STATUSES[status],
        "recorded_at": r.recorded_at,
        "ledger_index": r.ledger_index,
    }


def list_events(conn: Connection, scope: Scope, f: EventFilter, *, limit: int, offset: int) -> Page[EventRow]:
    """Events in the caller's scope (by the event's street; events without a street — other departments'
    records — only for a city-wide scope), newest recorded first."""
    q = _query(scope, f)
    count = q.with_only_columns(credit_events.c.id)
    return fetch_page(conn, q, limit=limit, offset=offset, row=_row, count_stmt=count)


EXPORT_COLUMNS = ("id", "occurred_on", "expires_on", "subject", "source_label", "kind_label", "severity_label",
                  "reference", "street", "status_label", "recorded_at", "ledger_index")  # fmt: skip
EXPORT_HEADER = ("编号", "发生日期", "失效日期", "信用主体", "来源", "事件类型", "严重程度", "业务编号",
                 "街道", "状态", "记录时间（北京时间）", "日志序号")  # fmt: skip
EXPORT_MAX = 100_000


def export_rows(conn: Connection, scope: Scope, f: EventFilter) -> Iterator[list[Any]]:
    """The filtered events as CSV rows (at most :data:`EXPORT_MAX`), in the list's order. One query, read
    by the client cursor (a page's read connection is in autocommit on PostgreSQL: no server cursor)."""
    rows = [_row(r) for r in conn.execute(_query(scope, f).limit(EXPORT_MAX))]
    names = divisions.names(conn, {r["street_code"] for r in rows if r["street_code"]})
    for ev in rows:
        row: dict[str, Any] = dict(ev)
        row["street"] = names.get(ev["street_code"], ev["street_code"] or "") if ev["street_code"] else ""
        row["recorded_at"] = clock.to_local(ev["recorded_at"]).strftime("%Y-%m-%d %H:%M:%S")
        yield [row[c] for c in EXPORT_COLUMNS]
