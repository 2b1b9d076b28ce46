"""Other departments' records as credit events (issue 20): the inbound feed ``credit.department_records``
through the one feed mechanism (:mod:`anju.exchange`; declared in ``anju.contexts``, credit ``feeds``).

One feed for every department: each record names its ``kind`` (one of the event catalogue's kinds the
source ``department`` may report: the courts' dishonest-debtor list 失信被执行人, the market regulator's
abnormal-operation list 经营异常名录, tax major violations 重大税收违法, and awards). The subject is
named by its resident ID or unified social credit code, checked by the exchange (GB 11643 / GB 32100),
turned into the blind index here and never stored in clear (the exchange keeps only keyed hashes of
keys; a dead letter's ID number is SM4-encrypted). ``action`` ``add`` records the event; ``withdraw``
(the department revokes a record it sent) voids it through ``anju.credit.amend_event``. Idempotent by
the department's case number: the business key is (kind, case number, action), so the same record
again changes nothing, and the handler skips an add whose event already exists with the same content.
Set-wise: one read of the events already recorded per chunk, one :func:`~anju.credit.record_events`
(one log append) for the chunk's adds. See docs/credit.md, "Where events come from".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from anju.credit import domain, grading
from anju.credit.catalogue import kinds_of
from anju.credit.domain import Event
from anju.credit.services import record_events
from anju.credit.tables import credit_event_amendments, credit_events
from anju.exchange import BatchContext, FeedDefinition, FeedField, FeedRecord, Rejection
from anju.security import keyring_from_settings

SOURCE = "department"
ACTIONS = ("add", "withdraw")
#: The kinds a department may report (the catalogue's ``sources`` naming ``department``).
KINDS = tuple(kinds_of(SOURCE))

DEPARTMENT_RECORDS = FeedDefinition(
    dataset="credit.department_records",
    title="其他部门信用信息",
    source="市中级人民法院、市市场监管局、市税务局等",
    fields=(
        FeedField(
            "action", "操作", "choice", choices=ACTIONS, description="add 新增记录；withdraw 部门撤回已报送的记录"
        ),
        FeedField(
            "kind",
            "信息类别",
            "choice",
            choices=KINDS,
            description="court.dishonest_debtor 失信被执行人；market.abnormal_operation 经营异常名录；"
            "tax.major_violation 重大税收违法；good.award 表彰奖励；good.public_service 参与公益或政府保障任务",
        ),
        FeedField("case_no", "案件（文书）编号", max_length=32, description="部门的案号或决定书编号；同一类别内唯一"),
        FeedField("subject_type", "主体类型", "choice", choices=tuple(domain.SUBJECT_TYPES)),
        FeedField("credit_code", "统一社会信用代码", "credit_code", required=False, description="组织填写"),
        FeedField("id_number", "公民身份号码", "id_number", required=False, personal=True, description="个人填写"),
        FeedField(
            "severity",
            "严重程度",
            "choice",
            required=False,
            choices=domain.SEVERITIES,
            description="minor 一般、major 较重、serious 严重；空则取信息类别的默认值",
        ),
        FeedField("occurred_on", "认定日期", "date", description="新增：部门认定（列入）的日期；撤回：撤回日期"),
        FeedField(
            "expires_on", "有效期至", "date", required=False, description="列入期限的最后一天的次日；空则长期有效至撤回"
        ),
        FeedField("department", "认定机关", max_length=60, required=False),
    ),
    key=("kind", "case_no", "action"),
    handler="anju.credit.feeds:apply_records",
    description="法院失信被执行人、市场监管经营异常名录、税务重大税收违法等其他部门的信用信息，以及表彰奖励：新增即记为信用事件"
    "（主体以身份证号或统一社会信用代码的盲索引标识，不保存明文），撤回即撤销该事件。按案件编号幂等。",
    frequency="每日",
)


def _check(v: dict[str, Any], today: date) -> tuple[str, str] | None:
    """(field, Chinese reason) of the first thing wrong with a record on its own, or None."""
    person = v["subject_type"] in domain.PERSON_TYPES
    code, idn = v.get("credit_code"), v.get("id_number")
    if code and idn:
        return "credit_code", "统一社会信用代码与公民身份号码只能填写一项"
    if person and not idn:
        return "id_number", f"主体类型为{domain.SUBJECT_TYPES[v['subject_type']]}时须填写公民身份号码"
    if not person and not code:
        return "credit_code", f"主体类型为{domain.SUBJECT_TYPES[v['subject_type']]}时须填写统一社会信用代码"
    if v["occurred_on"] > today:
        return "occurred_on", f"认定日期 {v['occurred_on'].isoformat()} 晚于今天"
    exp = v.get("expires_on")
    if exp is not None and exp <= v["occurred_on"]:
        return "expires_on", "有效期至应晚于认定日期"
    return None


def apply_records(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """Apply one chunk: adds become events (one :func:`record_events` call), withdrawals void theirs."""
    kr = ctx.keyring or keyring_from_settings(ctx.settings)
    by_id, by_code = kr.blind_indexer("id_number"), kr.blind_indexer("credit_code")
    rejections: list[Rejection] = []
    good: list[tuple[FeedRecord, str]] = []
    for rec in records:
        v: dict[str, Any] = dict(rec.values)
        bad = _check(v, ctx.today)
        if bad:
            rejections.append(Rejection(rec.seq, bad[0], bad[1]))
            continue
        good.append((rec, by_id(v["id_number"]) if v.get("id_number") else by_code(v["credit_code"])))
    held = _held(conn, sorted({str(r.values["case_no"]) for r, _ in good}))
    adds: list[Event] = []
    added: list[tuple[str, str]] = []  # the adds' keys, in order
    voids: list[FeedRecord] = []
    for rec, bidx in good:
        v = dict(rec.values)
        key = (str(v["kind"]), str(v["case_no"]))
        ev = held.get(key)
        if v["action"] == "add":
            new = _event(v, bidx, ctx.batch_id)
            if ev is None:
                adds.append(new)
                added.append(key)
                held[key] = {"subject_bidx": bidx, "severity": new.severity, "occurred_on": new.occurred_on,
                             "expires_on": new.expires_on, "id": None, "amended": False,
                             "repaired_on": None}  # fmt: skip
            elif (ev["subject_bidx"], ev["severity"], ev["occurred_on"], ev["expires_on"]) != (
                bidx, new.severity, new.occurred_on, new.expires_on
            ):  # fmt: skip
                rejections.append(
                    Rejection(rec.seq, "case_no", "该案件编号已登记，内容不同：更正请先撤回（withdraw）再以新编号报送")
                )
            continue
        problem = _withdrawal_problem(ev, bidx)
        if problem is not None:
            rejections.append(Rejection(rec.seq, *problem))
        elif ev is not None and not ev["amended"]:  # (an add earlier in this chunk gets its id below)
            voids.append(rec)
            ev["amended"] = True
    for key, event_id in zip(added, record_events(conn, adds), strict=True):
        held[key]["id"] = event_id
    if voids:
        for rec in voids:
            v = dict(rec.values)
            grading.amend_event(
                conn,
                held[(str(v["kind"]), str(v["case_no"]))]["id"],
                "void",
                effective_on=held[(str(v["kind"]), str(v["case_no"]))]["occurred_on"],
                reason=f"{v.get('department') or '认定机关'}撤回（{v['occurred_on'].isoformat()}）",
                reference=str(v["case_no"]),
                by=f"feed:{ctx.batch_id}",
            )
    return sorted(rejections, key=lambda r: r.seq)


def _withdrawal_problem(ev: dict[str, Any] | None, bidx: str) -> tuple[str, str] | None:
    """Why a withdrawal cannot void the recorded event (field, reason), or None. A withdrawal of an
    event already voided is a repeat: nothing to do, nothing to report."""
    if ev is None:
        return "case_no", "没有该类别、该案件编号的已登记记录，无法撤回"
    if ev["subject_bidx"] != bidx:
        return "case_no", "该案件编号的记录属于另一主体"
    if ev["repaired_on"] is not None:
        # one decision per event (credit_event_amendments.event_id is unique): a repaired record
        # cannot be voided as well; the sender is told, not ignored
        return "action", (
            f"该记录已于 {ev['repaired_on'].isoformat()} 信用修复（修复之日起不计入信用评价、不作为失信记录），"
            "每条记录只能有一项撤销或修复决定，本次撤回未登记为撤销"
        )
    return None


def _event(v: Any, bidx: str, batch_id: int) -> Event:
    kind = str(v["kind"])
    person = v["subject_type"] in domain.PERSON_TYPES
    return Event(
        subject_kind="person" if person else "org",
        subject_bidx=bidx,
        source=SOURCE,
        kind=kind,
        severity=str(v.get("severity") or kinds_of(SOURCE)[kind].severity),
        occurred_on=v["occurred_on"],
        reference=str(v["case_no"]),
        expires_on=v.get("expires_on"),
        detail={"department": v.get("department") or None, "batch_id": batch_id},
        subject_type=str(v["subject_type"]),
    )


def _held(conn: Connection, case_nos: Sequence[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """The department events already recorded under these case numbers, with whether each is amended
    (and since when it is repaired, if it is)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    e, a = credit_events, credit_event_amendments
    for i in range(0, len(case_nos), 5000):
        q = (
            select(e.c.id, e.c.kind, e.c.reference, e.c.subject_bidx, e.c.severity, e.c.occurred_on, e.c.expires_on,
                   a.c.id.label("amendment"), a.c.kind.label("amendment_kind"), a.c.effective_on)
            .outerjoin(a, a.c.event_id == e.c.id)
            .where(e.c.source == SOURCE, e.c.reference.in_(list(case_nos[i : i + 5000])))
        )  # fmt: skip
        for r in conn.execute(q):
            out[(r.kind, r.reference)] = {
                "id": int(r.id),
                "subject_bidx": r.subject_bidx,
                "severity": r.severity,
                "occurred_on": r.occurred_on,
                "expires_on": r.expires_on,
                "amended": r.amendment is not None,
                "repaired_on": r.effective_on if r.amendment_kind == "repair" else None,
            }
    return out
