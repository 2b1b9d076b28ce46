"""Synthetic estate management, part "owners" (issue 22): owners' assemblies and committees for 30–40 %
of the estates with owners, earlier terms with their term audits, some negative-list items (a few
cleared), historic tallied votes (one or two per committee estate), and one open vote in an estate where
the demo accounts ``citizen`` / ``landlord`` own homes (when they exist: ``anju demo``).

Assemblies, committees, audits, negative items and the open vote go through the live services
(``owners_orgs``, ``owners_votes.create_vote`` / ``open_vote``) as the system caller, so members are
checked against the register like a clerk's entry. A historic vote lies in the past, which the live
``create_vote`` refuses; its row is written here, and its electorate, ballots and tally go through the
same functions as a live vote (``freeze_electorate``, ``seal_ballots``, ``tally_vote``)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, func, select

from anju import registry
from anju.core import clock
from anju.core.errors import AnjuError
from anju.estates import MATTERS
from anju.estates import owners_close as closing
from anju.estates import owners_orgs as orgs
from anju.estates import owners_votes as votes
from anju.security import Caller, Keyring, accounts

SYSTEM = Caller.system("synth")
AUDITORS = ("金陵会计师事务所", "宁信会计师事务所", "鼓楼审计事务所", "江宁正信会计师事务所", "秦淮联合会计师事务所")
TITLES = {
    "hire_company": "续聘物业服务企业",
    "use_fund": "使用维修资金更换电梯",
    "raise_fund": "续筹住宅专项维修资金",
    "rules": "修改业主大会议事规则",
    "bylaws": "修改管理规约",
    "change_use": "利用共有部分设置充电桩并收取收益",
    "rebuild": "加装电梯改造",
}


def _candidates(conn: Connection, kr: Keyring, estate_id: int, on: date, n: int) -> list[orgs.MemberIn]:
    """Up to ``n`` person owners of distinct homes of the estate on ``on`` (name and ID decrypted to go
    through the same checks as a clerk's entry)."""
    o, h = registry.home_owners.c, registry.homes.c
    rows = conn.execute(
        select(o.owner_bidx, o.owner_id_enc, o.owner_name_enc, h.house_code)
        .join(registry.homes, h.id == o.home_id)
        .where(h.estate_id == estate_id, o.owner_kind == "person", registry.owned_on(on))
        .order_by(o.id)
        .limit(n * 3)
    ).all()
    out: list[orgs.MemberIn] = []
    seen: set[str] = set()
    for r in rows:
        if r.owner_bidx in seen:
            continue
        seen.add(r.owner_bidx)
        position = "chair" if not out else "vice_chair" if len(out) == 1 else "member"
        name = kr.decrypt(r.owner_name_enc, "home_owners.owner_name")
        idn = kr.decrypt(r.owner_id_enc, "home_owners.owner_id")
        out.append(orgs.MemberIn(name, idn, r.house_code, position))
        if len(out) == n:
            break
    return out


def _committee(
    conn: Connection, kr: Keyring, rng: random.Random, aid: int, estate_id: int, start: date, years: int
) -> int | None:
    members = _candidates(conn, kr, estate_id, start, rng.randint(5, 9))
    if len(members) < orgs.MIN_MEMBERS:
        return None
    end = clock.add_years(start, years) - timedelta(days=1)
    try:
        return orgs.form_committee(conn, kr, SYSTEM, orgs.CommitteeIn(aid, start, end, members))
    except AnjuError:  # a synthetic owner whose name the validator refuses: no committee for that term
        return None


def _historic_vote(conn: Connection, kr: Keyring, rng: random.Random, estate_id: int, n: int, closes_on: date) -> int:
    """A vote that closed on ``closes_on``, through ``record_past_vote``; returns the ballots cast."""
    matter = rng.choice(list(TITLES))
    opens_on = closes_on - timedelta(days=rng.randint(10, 30))
    turnout, support = rng.uniform(0.55, 0.92), rng.uniform(0.45, 0.95)
    cast: list[tuple[int, str]] = []

    def ballots(electors: Sequence[int]) -> list[tuple[int, str]]:
        for eid in electors:
            if rng.random() < turnout:
                r = rng.random()
                cast.append((eid, "yes" if r < support else "no" if r < support + (1 - support) * 0.7 else "abstain"))
        return cast

    cmd = votes.VoteIn(
        estate_id,
        TITLES[matter],
        matter,
        opens_on - timedelta(days=3),
        datetime.combine(opens_on, time(1), UTC),
        datetime.combine(closes_on, time(15), UTC),
        MATTERS[matter].label,
    )
    closing.record_past_vote(conn, kr, cmd, f"BJ{closes_on:%Y%m%d}S{n:05d}", ballots)
    return len(cast)


def _demo_open_vote(conn: Connection, today: date) -> int:
    """One open vote in an estate where ``citizen`` or ``landlord`` owns a home (a demo database)."""
    bidxs = [
        b
        for b in conn.execute(
            select(accounts.c.id_number_bidx).where(
                accounts.c.username.in_(("landlord", "citizen")), accounts.c.id_number_bidx.is_not(None)
            )
        ).scalars()
    ]
    if not bidxs:
        return 0
    o, h = registry.home_owners.c, registry.homes.c
    estate = conn.execute(
        select(h.estate_id)
        .join(registry.homes, h.id == o.home_id)
        .where(o.owner_bidx.in_(bidxs), registry.owned_on(today - timedelta(days=1)))
        .order_by(h.estate_id)
        .limit(1)
    ).scalar()
    if estate is None:
        return 0
    now = clock.now()
    cmd = votes.VoteIn(
        int(estate),
        "续聘物业服务企业（演示）",
        "hire_company",
        today - timedelta(days=1),
        now - timedelta(hours=1),
        now + timedelta(days=14),
        "演示用表决：是否续聘现物业服务企业三年。",
    )
    vid = votes.create_vote(conn, SYSTEM, cmd)
    votes.open_vote(conn, SYSTEM, vid)
    return 1


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> dict[str, int]:
    """What this part made, by name (counts)."""
    h, e = registry.homes.c, registry.estates.c
    owned = (
        select(h.estate_id)
        .join(registry.home_owners, registry.home_owners.c.home_id == h.id)
        .where(registry.owned_on(today))
        .group_by(h.estate_id)
        .having(func.count(func.distinct(registry.home_owners.c.owner_bidx)) >= orgs.MIN_MEMBERS)
    )
    estates = conn.execute(
        select(e.id, e.estate_code, e.district_code, e.street_code).where(e.id.in_(owned)).order_by(e.id)
    ).all()
    share = rng.uniform(0.30, 0.40)
    chosen = [x for x in estates if rng.random() < share]
    made = {"assemblies": 0, "committees": 0, "term_audits": 0, "negative_items": 0, "votes": 0, "ballots": 0}
    n = 0
    kinds = orgs.negative_kinds()
    for est in chosen:
        established = today - timedelta(days=rng.randint(2 * 365, 9 * 365))
        aid = orgs.file_assembly(conn, SYSTEM, int(est.id), f"YZDH-{est.estate_code}", established)
        made["assemblies"] += 1
        earlier = today - timedelta(days=rng.randint(5 * 365 + 30, 6 * 365))
        if earlier > established and rng.random() < 0.5:
            old = _committee(conn, kr, rng, aid, int(est.id), earlier, 5)
            if old is not None:
                made["committees"] += 1
                end = clock.add_years(earlier, 5) - timedelta(days=1)
                result = rng.choices(["clean", "issues", "serious"], [0.7, 0.25, 0.05])[0]
                findings = None if result == "clean" else "公共收益账目未按季度公开；部分支出缺少业主大会决定"
                orgs.record_audit(conn, SYSTEM, old, min(end, today), rng.choice(AUDITORS), result, findings)
                made["term_audits"] += 1
        start = max(established, today - timedelta(days=rng.randint(30, 4 * 365)))
        cid = _committee(conn, kr, rng, aid, int(est.id), start, 5)
        if cid is None:
            continue
        made["committees"] += 1
        if rng.random() < 0.15:
            kind = rng.choice([k for k in kinds.values() if k.applies_to != "member"])
            occurred = start + timedelta(days=rng.randint(0, max(0, (today - start).days)))
            nid = orgs.add_negative(conn, SYSTEM, cid, kind.code, occurred, "街道核查发现")
            made["negative_items"] += 1
            if rng.random() < 0.4:
                orgs.clear_negative(conn, SYSTEM, nid, today)
        for _ in range(rng.randint(1, 2)):
            n += 1
            closes_on = today - timedelta(days=rng.randint(20, 3 * 365))
            cast = _historic_vote(conn, kr, rng, int(est.id), n, closes_on)
            made["votes"] += 1
            made["ballots"] += cast
    made["open_votes"] = _demo_open_vote(conn, today)
    return made
