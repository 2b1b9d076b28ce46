"""The synthetic city's house safety (issue 23), written through this context's own services and checks
(labelled synthetic: the rows' ``synthetic`` flag, shown on every page): appraisal agencies (≈ 28 at
scale 1, the last plan's review) with engineers, inspection plans by rule over the older buildings,
their findings, appraisals with realistic JGJ 125 shares (mostly A/B, a few per cent C, under 1 % D),
the hazard cases those open, their 一幢一策 paths, and some closed after a re-appraisal. Deterministic
for a seed: every choice comes from ``rng`` over rows read in id order.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TypedDict

from sqlalchemy import Connection, bindparam, select, update
from stdnum.cn import uscc

from anju.core.errors import ValidationError
from anju.registry import buildings
from anju.safety import agencies, appraisals, domain, hazards, inspections
from anju.safety.tables import safety_hazards, safety_inspections, safety_plans
from anju.security import Caller, Keyring

SYSTEM = Caller.system("synth")
#: The last plan's review: 28 filed agencies at the real city's scale.
AGENCIES_AT_SCALE_1 = 28
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国明华志强海军伟平丽敏静文博宇涛"
#: Shares among appraised buildings (JGJ 125): mostly A/B, a few per cent C, under one per cent D.
GRADES = ("A", "B", "C", "D")
GRADE_WEIGHTS = (52.0, 43.5, 3.8, 0.7)
#: The last plan's review: about 30,000 buildings inspected at the real city's scale.
INSPECTED_AT_SCALE_1 = 30_000
#: The share of inspected buildings found to need an appraisal (a finding other than none).
APPRAISE_SHARE = 0.25
PATHS = ("monitor", "reinforce", "demolish")
PATH_WEIGHTS = (0.45, 0.45, 0.10)


class SynthCounts(TypedDict):
    agencies: int
    engineers: int
    plans: int
    inspected: int
    appraisals: int
    hazards: int
    closed: int


def _code(i: int, seed_digits: str) -> str:
    body = f"91320100MD{seed_digits}{i:05d}"
    return body + uscc.calc_check_digit(body + "0")


def _agencies(
    conn: Connection, kr: Keyring, rng: random.Random, scale: float, streets: list[str]
) -> tuple[list[int], int]:
    n = max(2, round(AGENCIES_AT_SCALE_1 * scale))
    seed_digits = f"{rng.randrange(100):02d}"
    ids, engineers = [], 0
    for i in range(n):
        aid = agencies.file_agency(
            conn, kr, SYSTEM,
            agencies.AgencyIn(_code(i + 1, seed_digits), f"南京合成房屋安全鉴定有限公司{i + 1:02d}（合成）",
                              rng.choice(("grade_a", "grade_b")), rng.choice(streets)),
            synthetic=True,
        )  # fmt: skip
        people = [
            agencies.EngineerIn(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), rng.choice(
                tuple(domain.ENGINEER_TITLES)), f"JD{i + 1:02d}-{k + 1:03d}")
            for k in range(rng.randint(3, 6))
        ]  # fmt: skip
        engineers += agencies.add_engineers(conn, kr, SYSTEM, aid, people)
        ids.append(aid)
    return ids, engineers


def _plans(conn: Connection, rng: random.Random, today: date) -> list[int]:
    out = []
    for rule, title, back in (("age30", "房龄 30 年以上房屋安全排查（合成）", 700),
                              ("masonry20", "砖混砖木房屋安全排查（合成）", 400)):  # fmt: skip
        try:
            out.append(
                inspections.plan_inspection(
                    conn,
                    SYSTEM,
                    inspections.PlanIn(title, rule, planned_on=today - timedelta(days=back)),
                    synthetic=True,
                )
            )
        except ValidationError:  # no building fits the rule (a tiny city)
            continue
    return out


def _inspect(
    conn: Connection, rng: random.Random, plan_ids: list[int], today: date, scale: float
) -> list[tuple[int, int, date]]:
    """Record inspections (set-wise, the values the service's checks allow) — about the last plan's
    30,000 buildings at scale 1, at most 92 % of the plans' buildings, the rest still pending; returns
    (inspection, building, day) of those that need an appraisal."""
    i = safety_inspections.c
    rows = conn.execute(select(i.id, i.building_id, i.plan_id).where(i.plan_id.in_(plan_ids)).order_by(i.id)).all()
    p = safety_plans.c
    starts = dict(conn.execute(select(p.id, p.planned_on).where(p.id.in_(plan_ids))).all())
    share = min(0.92, INSPECTED_AT_SCALE_1 * scale / max(1, len(rows)))
    need: list[tuple[int, int, date]] = []
    done: list[dict[str, object]] = []
    for r in rows:
        if rng.random() > share:  # still pending
            continue
        on = starts[r.plan_id] + timedelta(days=rng.randint(1, 120))
        finding = "none" if rng.random() > APPRAISE_SHARE else rng.choice(("minor", "serious"))
        done.append({"iid": r.id, "on": on, "finding": finding,
                     "notes": None if finding == "none" else "外墙开裂、构件锈蚀（合成）"})  # fmt: skip
        if finding != "none":
            need.append((int(r.id), int(r.building_id), on))
    if done:
        conn.execute(
            update(safety_inspections)
            .where(i.id == bindparam("iid"))
            .values(
                status="done", inspected_on=bindparam("on"), finding=bindparam("finding"), notes=bindparam("notes")
            ),
            done,
        )
    return need


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> SynthCounts:
    streets = sorted({s for (s,) in conn.execute(select(buildings.c.street_code).distinct())})
    if not streets:
        return SynthCounts(agencies=0, engineers=0, plans=0, inspected=0, appraisals=0, hazards=0, closed=0)
    agency_ids, engineers = _agencies(conn, kr, rng, scale, streets)
    plan_ids = _plans(conn, rng, today)
    need = _inspect(conn, rng, plan_ids, today, scale) if plan_ids else []
    codes = dict(conn.execute(select(buildings.c.id, buildings.c.house_code).where(
        buildings.c.id.in_(sorted({b for _, b, _ in need})))).all()) if need else {}  # fmt: skip
    made = 0
    hazard_ids: list[int] = []
    for iid, bid, on in need:
        grade = rng.choices(GRADES, GRADE_WEIGHTS)[0]
        day = min(today, on + timedelta(days=rng.randint(10, 90)))
        got = appraisals.record_appraisal(
            conn, SYSTEM,
            appraisals.AppraisalIn(codes[bid], rng.choice(agency_ids), grade, domain.CURRENT_STANDARD,
                                   f"SYN-JD-{iid:07d}", day, "合成鉴定报告", iid),
            synthetic=True,
        )  # fmt: skip
        made += 1
        if got["hazard_id"] is not None and got["hazard_id"] not in hazard_ids:
            hazard_ids.append(got["hazard_id"])
    closed = _remediate(conn, rng, hazard_ids, codes_by_hazard(conn, hazard_ids), agency_ids, today)
    return SynthCounts(
        agencies=len(agency_ids), engineers=engineers, plans=len(plan_ids), inspected=len(need), appraisals=made,
        hazards=len(hazard_ids), closed=closed,
    )  # fmt: skip


def codes_by_hazard(conn: Connection, ids: list[int]) -> dict[int, str]:
    h, b = safety_hazards.c, buildings.c
    if not ids:
        return {}
    rows = conn.execute(select(h.id, b.house_code).join(buildings, b.id == h.building_id).where(h.id.in_(ids)))
    return {int(i): c for i, c in rows}


def _remediate(
    conn: Connection, rng: random.Random, ids: list[int], codes: dict[int, str], agency_ids: list[int], today: date
) -> int:
    """Decide most cases' paths (一幢一策); close about half: a 改 case after a B re-appraisal, a 留 case
    when its monitoring ends. No synthetic case is closed by demolition (the register stays as built)."""
    closed = 0
    for hid in ids:
        if rng.random() < 0.15:
            continue  # the path is still to decide
        path = rng.choices(PATHS, PATH_WEIGHTS)[0]
        hazards.decide_path(
            conn, SYSTEM, hid, hazards.PathIn(path, today + timedelta(days=rng.randint(60, 720)), "一幢一策（合成）")
        )
        if rng.random() < 0.5 and path != "demolish":
            if path == "reinforce":
                appraisals.record_appraisal(
                    conn, SYSTEM,
                    appraisals.AppraisalIn(codes[hid], rng.choice(agency_ids), "B", domain.CURRENT_STANDARD,
                                           f"SYN-FJ-{hid:07d}", today, "加固后复鉴（合成）"),
                    synthetic=True,
                )  # fmt: skip
            closure = "remediated" if path == "reinforce" else "monitored"
            hazards.close_case(conn, SYSTEM, hid, hazards.CloseIn(closure, "整改完成（合成）", today))
            closed += 1
    return closed
