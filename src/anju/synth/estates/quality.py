"""Synthetic estate management, part "quality" (issue 22): written by `anju synth` and `anju demo` through
the same checks as live data. Called by `anju.synth.estates.generate_estates` in its order, after the
"services" part: it uses whatever active projects exist (none: it makes nothing).

- Complaints over the last two years about served estates, each by an owner the register holds for a
  home of the estate (the same fields' checks as a live complaint; the synthetic owners have no
  account, so ``complainant_account_id`` is ``0``), routed to the estate's street and company, due in
  the default number of working days; the older ones mostly closed (some upheld → the company's credit
  events), a few left open past their deadline (overdue), the recent ones waiting.
- Annual evaluations for last year of most projects that served all of it, scored item by item through
  the same rules (``quality_rules.score``); a failed grade → the company's credit event.

Everything set-wise: one insert batch per table, one ``credit.record_events`` for all the events.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from anju import registry
from anju.core import clock
from anju.core.settings import Settings
from anju.estates import quality_complaints, quality_credit, quality_rules
from anju.estates import tables as et
from anju.security import Keyring

estates_complaints = et.estates_complaints
estates_complaint_events = et.estates_complaint_events
estates_evaluations = et.estates_evaluations
estates_projects = et.estates_projects

#: Complaints per project and year, on average, at scale 1 (the city's hotline sees a few per estate).
PER_PROJECT_YEAR = 1.5
#: The synthetic owners have no platform account: their complaints name account 0.
NO_ACCOUNT = 0
TOPICS = {
    "cleaning": ("楼道垃圾清运不及时", "楼道和垃圾桶周边长期堆放垃圾，气味很大，多次反映未处理。"),
    "security": ("小区门禁形同虚设", "门岗无人值守，外来人员车辆随意进出，存在安全隐患。"),
    "repair": ("电梯经常故障停运", "本楼电梯近一个月多次停运，报修后维修不及时。"),
    "greening": ("绿化带无人养护", "小区绿化带杂草丛生，树木枯死无人补种。"),
    "fees": ("物业费收费不透明", "物业服务费和公共收益收支未按规定公示。"),
    "parking": ("地面停车位乱收费", "物业对地面停车位收取的费用未经业主共同决定。"),
    "attitude": ("客服态度恶劣", "到物业服务中心反映问题，工作人员推诿、态度恶劣。"),
    "other": ("公共区域照明损坏", "地下车库多处照明损坏，长期未修复。"),
}


def _projects(conn: Connection) -> list[Any]:
    p = estates_projects.c
    return list(
        conn.execute(
            select(p.id, p.project_no, p.estate_id, p.company_id, p.district_code, p.street_code, p.starts_on)
            .where(p.status == "active")
            .order_by(p.id)
        )
    )


def _owned_estates(conn: Connection, estate_ids: list[int], on: date) -> set[int]:
    """The estates (of those given) with at least one home a person owns on the register on ``on``."""
    h, o = registry.homes, registry.home_owners
    out: set[int] = set()
    for i in range(0, len(estate_ids), 2000):
        chunk = estate_ids[i : i + 2000]
        out |= {
            int(e)
            for e in conn.execute(
                select(h.c.estate_id)
                .distinct()
                .join(o, o.c.home_id == h.c.id)
                .where(h.c.estate_id.in_(chunk), o.c.owner_kind == "person", registry.owned_on(on))
            ).scalars()
        }
    return out


def _at(day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59)), tzinfo=clock.CITY_TZ)
    return local.astimezone(UTC)


def _life(row: dict[str, Any], ev: list[tuple[str, datetime, str | None]], rng: random.Random, now: datetime) -> bool:
    """Move a synthetic complaint along its life (in ``row`` and its steps ``ev``): the recent ones
    wait for the company, a few old ones stay unanswered (overdue), the rest are answered and mostly
    closed. Whether it was upheld."""
    created, due = row["created_at"], row["due_at"]
    past_due = due < now
    roll = rng.random()
    if (not past_due and roll < 0.5) or (past_due and roll < 0.08):
        return False  # waiting for the company (overdue when past its deadline)
    replied = min(created + timedelta(days=rng.randint(1, 4)), now)
    row |= {"company_reply": "已收到，已安排相关人员跟进处理。", "status": "handling", "updated_at": replied}
    ev.append(("company_reply", replied, row["company_reply"]))
    if not (past_due or roll > 0.8):
        return False
    closed = min(created + timedelta(days=rng.randint(3, 20)), now)
    if rng.random() < 0.1:
        reason = "经核实，所反映事项不属于物业服务范围，已告知向相关部门反映。"
        row |= {"status": "rejected", "reply": reason, "closed_at": closed, "updated_at": closed}
        ev.append(("rejected", closed, reason))
        return False
    upheld = rng.random() < 0.4
    reply = "经核查属实，已责令物业服务企业限期整改。" if upheld else "经核查，企业已按合同履行，投诉不属实。"
    row |= {"status": "resolved", "upheld": upheld, "reply": reply, "closed_at": closed, "handled_at": replied,
            "updated_at": closed}  # fmt: skip
    ev.append(("resolved", closed, reply))
    return upheld


def _complaints(conn: Connection, kr: Keyring, rng: random.Random, projects: list[Any], scale: float,
                today: date) -> tuple[int, int, int]:  # fmt: skip
    days = int(Settings.model_fields["estates_complaint_days"].default)
    served = _owned_estates(conn, sorted({int(p.estate_id) for p in projects}), today)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    steps: list[list[tuple[str, datetime, str | None]]] = []
    upheld_at: list[int] = []
    counters: dict[int, int] = {}
    rate = PER_PROJECT_YEAR * 2 * min(1.0, max(scale, 0.05) * 20)
    for p in projects:
        if int(p.estate_id) not in served:
            continue
        for _ in range(int(rate) + (1 if rng.random() < rate - int(rate) else 0)):
            category = rng.choice(list(TOPICS))
            title, text, errors = quality_complaints.check_fields(category, *TOPICS[category])
            if errors:  # the topics are fixed text: a failure here is a bug in the data above
                raise AssertionError(errors)
            created = _at(today - timedelta(days=rng.randint(0, 729)), rng)
            if created > now:
                created = now - timedelta(minutes=rng.randint(1, 600))
            due = quality_rules.due_at(created, days)
            year = clock.to_local(created).year
            if year not in counters:
                last = conn.execute(
                    select(func.max(estates_complaints.c.complaint_no)).where(
                        estates_complaints.c.complaint_no.like(f"WY{year}%")
                    )
                ).scalar_one()
                counters[year] = int(last[6:]) if last else 0
            counters[year] += 1
            ev: list[tuple[str, datetime, str | None]] = [("received", created, None), ("forwarded", created, None)]
            row: dict[str, Any] = {
                "complaint_no": f"WY{year}{counters[year]:07d}",
                "estate_id": int(p.estate_id),
                "project_id": int(p.id),
                "company_id": int(p.company_id),
                "category": category,
                "title": title,
                "text": text,
                "district_code": p.district_code,
                "street_code": p.street_code,
                "complainant_account_id": NO_ACCOUNT,
                "status": "company",
                "due_at": due,
                "handler_account_id": None,
                "company_reply": None,
                "reply": None,
                "upheld": None,
                "credit_event_id": None,
                "created_at": created,
                "handled_at": None,
                "closed_at": None,
                "updated_at": created,
            }
            if _life(row, ev, rng, now):
                upheld_at.append(len(rows))
            rows.append(row)
            steps.append(ev)
    if not rows:
        return 0, 0, 0
    c = estates_complaints.c
    before = int(conn.execute(select(func.coalesce(func.max(c.id), 0))).scalar_one())
    conn.execute(estates_complaints.insert(), rows)
    ids = {str(no): int(i) for no, i in conn.execute(select(c.complaint_no, c.id).where(c.id > before))}
    events = [
        {"complaint_id": ids[r["complaint_no"]], "kind": k, "actor_account_id": None, "text": t, "at": at}
        for r, ev in zip(rows, steps, strict=True)
        for k, at, t in ev
    ]
    made = quality_credit.company_events(
        conn,
        kr,
        [
            (
                rows[i]["company_id"],
                quality_rules.COMPLAINT_SEVERITY,
                clock.to_local(rows[i]["closed_at"]).date(),
                rows[i]["complaint_no"],
                rows[i]["street_code"],
                {"origin": "complaint", "complaint_id": ids[rows[i]["complaint_no"]], "category": rows[i]["category"]},
            )
            for i in upheld_at
        ],
    )
    for i, ev_id in zip(upheld_at, made, strict=True):
        events.append({"complaint_id": ids[rows[i]["complaint_no"]], "kind": "credit_event", "actor_account_id": None,
                       "text": f"信用事件 {ev_id}", "at": rows[i]["closed_at"]})  # fmt: skip
    conn.execute(estates_complaint_events.insert(), events)
    if made:
        conn.execute(
            estates_complaints.update().where(c.id == bindparam("cid")).values(credit_event_id=bindparam("ev")),
            [{"cid": ids[rows[i]["complaint_no"]], "ev": e} for i, e in zip(upheld_at, made, strict=True)],
        )
    return len(rows), len(events), len(made)


def _evaluations(
    conn: Connection, kr: Keyring, rng: random.Random, projects: list[Any], today: date
) -> tuple[int, int]:
    year = today.year - 1
    r = quality_rules.rules()
    e = estates_evaluations.c
    done = set(conn.execute(select(e.project_id).where(e.year == year)).scalars())
    rows: list[dict[str, Any]] = []
    fails: list[int] = []
    for p in projects:
        if p.starts_on.year >= year or int(p.id) in done or rng.random() > 0.85:
            continue
        quality = min(1.0, max(0.3, rng.gauss(0.82, 0.1)))
        raw = {
            code: str(
                (item.max * Decimal(str(min(1.0, max(0.0, quality + rng.gauss(0, 0.05)))))).quantize(Decimal("0.1"))
            )
            for code, item in r.items.items()
        }
        scored = quality_rules.score(raw, r)
        on = date(today.year, 1, 1) + timedelta(days=rng.randint(5, 60))
        on = min(on, today)
        if scored.grade == quality_rules.FAIL_GRADE:
            fails.append(len(rows))
        rows.append(
            {
                "project_id": int(p.id),
                "year": year,
                "score": scored.score,
                "grade": scored.grade,
                "items": json.dumps({k: str(v) for k, v in scored.items.items()}, sort_keys=True),
                "note": None,
                "evaluated_on": on,
                "evaluator_account_id": None,
                "credit_event_id": None,
                "created_at": _at(on, rng),
                "_p": p,
            }
        )
    if not rows:
        return 0, 0
    conn.execute(estates_evaluations.insert(), [{k: v for k, v in x.items() if k != "_p"} for x in rows])
    ids = {int(p): int(i) for p, i in conn.execute(select(e.project_id, e.id).where(e.year == year))}
    made = quality_credit.company_events(
        conn,
        kr,
        [
            (
                int(rows[i]["_p"].company_id),
                quality_rules.FAIL_SEVERITY,
                rows[i]["evaluated_on"],
                f"{rows[i]['_p'].project_no}-{year}",
                rows[i]["_p"].street_code,
                {"origin": "evaluation", "evaluation_id": int(ids[rows[i]["project_id"]]), "year": year,
                 "score": str(rows[i]["score"])},
            )
            for i in fails
        ],
    )  # fmt: skip
    if made:
        conn.execute(
            estates_evaluations.update().where(e.id == bindparam("eid")).values(credit_event_id=bindparam("ev")),
            [{"eid": ids[rows[i]["project_id"]], "ev": ev} for i, ev in zip(fails, made, strict=True)],
        )
    return len(rows), len(made)


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> dict[str, int]:
    """What this part made, by name (counts); nothing when no project exists."""
    projects = _projects(conn)
    if not projects:
        return {}
    complaints, events, upheld = _complaints(conn, kr, rng, projects, scale, today)
    evaluations, failed = _evaluations(conn, kr, rng, projects, today)
    return {
        "complaints": complaints,
        "complaint_events": events,
        "complaints_upheld": upheld,
        "evaluations": evaluations,
        "evaluations_failed": failed,
    }
