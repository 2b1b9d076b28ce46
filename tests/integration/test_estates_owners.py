"""Owners' organisations and votes (``estates.owners_orgs``, ``estates.owners_votes``) on both databases:
the electorate frozen from the register (an owner of two homes once, with both areas; a co-owned home
for one owner), a non-elector and an unverified account refused, concurrent double ballots (exactly one
wins), the tally's numbers and outcome, the receipt's inclusion proof against the signed head, the public
tally file re-checked by ``anju estates votes verify`` (a tampered file fails), committees checked against
the register, term audits and the negative list."""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from stdnum.cn import ric

from anju import ledger, registry
from anju.core import clock
from anju.core.db import unit_of_work
from anju.core.errors import AnjuError, Conflict, ValidationError
from anju.estates import decide
from anju.estates import owners_close as closing
from anju.estates import owners_orgs as orgs
from anju.estates import owners_votes as votes
from anju.estates.cli import estates as estates_cli
from anju.estates.tables import estates_ballots, estates_vote_electors, estates_votes
from anju.ledger.verify import check_head, verify_inclusion
from anju.security import (
    Caller,
    NewAccount,
    Role,
    Security,
    audited,
    create_account,
    keyring_from_settings,
    ledger_signing_seed,
)
from tests.accounts import account_id, verified_person

SYSTEM = Caller.system("test")
PHONES = itertools.count(1)


def _phone() -> str:
    return f"1390{next(PHONES):07d}"


def _estate_with_owners(conn: Any, minimum: int = 8) -> Any:
    """An estate with at least ``minimum`` person owners today."""
    o, h = registry.home_owners.c, registry.homes.c
    eid = conn.execute(
        select(h.estate_id)
        .join(registry.home_owners, o.home_id == h.id)
        .where(o.owner_kind == "person", registry.owned_on(clock.today()), h.status.not_in(votes.GONE))
        .group_by(h.estate_id)
        .having(func.count(func.distinct(o.owner_bidx)) >= minimum)
        .order_by(func.count(func.distinct(o.owner_bidx)).desc())
        .limit(1)
    ).scalar_one()
    e = registry.estates.c
    return conn.execute(select(e.id, e.street_code, e.district_code).where(e.id == eid)).one()


def _persons(conn: Any, kr: Any, estate_id: int, n: int) -> list[dict[str, Any]]:
    """``n`` distinct person owners of distinct homes of the estate: bidx, name, id, home."""
    o, h = registry.home_owners.c, registry.homes.c
    rows = conn.execute(
        select(o.owner_bidx, o.owner_name_enc, o.owner_id_enc, o.home_id, h.house_code)
        .join(registry.homes, h.id == o.home_id)
        .where(h.estate_id == estate_id, o.owner_kind == "person", registry.owned_on(clock.today()))
        .order_by(o.id)
    ).all()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in rows:
        if r.owner_bidx in seen:
            continue
        seen.add(r.owner_bidx)
        out.append({
            "bidx": r.owner_bidx, "name": kr.decrypt(r.owner_name_enc, "home_owners.owner_name"),
            "id": kr.decrypt(r.owner_id_enc, "home_owners.owner_id"), "home": int(r.home_id),
            "house_code": r.house_code,
        })  # fmt: skip
        if len(out) == n:
            break
    return out


def _expected_electorate(conn: Any, estate_id: int, on: Any) -> dict[str, tuple[int, Decimal]]:
    """The rule recomputed in Python: each home for its largest share (ties: the earliest row)."""
    o, h = registry.home_owners.c, registry.homes.c
    rows = conn.execute(
        select(o.id, o.home_id, o.owner_bidx, o.share_pct, h.inner_area, h.construction_area)
        .join(registry.homes, h.id == o.home_id)
        .where(h.estate_id == estate_id, h.status.not_in(votes.GONE), registry.owned_on(on))
    ).all()
    best: dict[int, Any] = {}
    for r in rows:
        b = best.get(r.home_id)
        if b is None or (r.share_pct, -r.id) > (b.share_pct, -b.id):
            best[r.home_id] = r
    out: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for r in best.values():
        n, a = out[r.owner_bidx]
        out[r.owner_bidx] = (n + 1, a + (r.inner_area if r.inner_area is not None else r.construction_area))
    return dict(out)


@pytest.fixture
def world(people_engine: Engine, settings_for: Any) -> dict[str, Any]:
    """An estate whose first person owner also holds a second home of the estate (moved to them), and an
    open vote on it; the first three owners have verified accounts."""
    engine = people_engine
    settings = settings_for(engine)
    kr = keyring_from_settings(settings)
    with engine.begin() as conn:
        est = _estate_with_owners(conn)
        people = _persons(conn, kr, int(est.id), 10)
        p0, p9 = people[0], people[9]
        # p9's home now belongs to p0 alone (p0: two homes)
        o = registry.home_owners.c
        conn.execute(
            registry.home_owners.update()
            .where(o.home_id == p9["home"], registry.OWNERS_BELIEVED)
            .values(owner_bidx=p0["bidx"], owner_name_enc=kr.encrypt(p0["name"], "home_owners.owner_name"),
                    owner_id_enc=kr.encrypt(p0["id"], "home_owners.owner_id"), share_pct=100,
                    acquired_on=clock.today() - timedelta(days=400), released_on=None)
        )  # fmt: skip
    users = []
    for i, p in enumerate(people[:3]):
        users.append(f"owner{i}")
        verified_person(engine, settings, f"owner{i}", p["name"], p["id"], _phone())
    now = clock.now()
    with engine.begin() as conn:
        vid = votes.create_vote(
            conn, SYSTEM,
            votes.VoteIn(int(est.id), "续聘物业服务企业", "hire_company", clock.today() - timedelta(days=1),
                         now - timedelta(minutes=5), now + timedelta(days=7)),
        )  # fmt: skip
        electors = votes.open_vote(conn, SYSTEM, vid)
    return {"engine": engine, "settings": settings, "kr": kr, "estate": est, "people": people, "vote": vid,
            "electors": electors, "users": users}  # fmt: skip


def caller(engine: Engine, username: str) -> Caller:
    return Caller(account_id(engine, username), username, Role.citizen, None, SYSTEM.scope.own(0))


def test_the_electorate_counts_an_owner_of_two_homes_once_with_both_areas(world: dict[str, Any]) -> None:
    engine, est, vid = world["engine"], world["estate"], world["vote"]
    p0, p9 = world["people"][0], world["people"][9]
    with engine.connect() as conn:
        v = conn.execute(select(estates_votes).where(estates_votes.c.id == vid)).one()
        got = {
            r.owner_bidx: (r.homes, r.area)
            for r in conn.execute(select(estates_vote_electors).where(estates_vote_electors.c.vote_id == vid))
        }
        want = _expected_electorate(conn, int(est.id), v.record_date)
        h = registry.homes.c
        areas = {
            int(r.id): r.inner_area if r.inner_area is not None else r.construction_area
            for r in conn.execute(
                select(h.id, h.inner_area, h.construction_area).where(h.id.in_([p0["home"], p9["home"]]))
            )
        }
    assert got == want
    assert got[p0["bidx"]][0] >= 2 and got[p0["bidx"]][1] >= areas[p0["home"]] + areas[p9["home"]]
    assert p9["bidx"] not in got or got[p9["bidx"]][0] >= 1
    assert v.status == "open" and v.electorate_owners == len(want) == world["electors"]
    assert v.electorate_area == sum((a for _, a in want.values()), Decimal(0))


def test_a_non_elector_and_an_unverified_account_are_refused(world: dict[str, Any], people_engine: Engine) -> None:
    engine, kr, settings = world["engine"], world["kr"], world["settings"]
    body = "32010219900307005"
    verified_person(engine, settings, "stranger", "林外人", body + ric.calc_check_digit(body + "0"), _phone())
    with engine.begin() as conn:
        create_account(
            conn, Security(settings),
            NewAccount("unverified", "Test-Passw0rd!", Role.citizen, world["people"][3]["name"],
                       id_number=world["people"][3]["id"], phone=_phone()),
            SYSTEM,
        )  # fmt: skip
    for who, fld in (("stranger", "vote_id"), ("unverified", "account")):
        with pytest.raises(ValidationError) as e, engine.begin() as conn:
            votes.cast(conn, kr, caller(engine, who), world["vote"], "yes")
        assert e.value.errors[0].field == fld
    with engine.connect() as conn:
        mine = conn.execute(
            select(func.count()).select_from(estates_ballots).where(estates_ballots.c.vote_id == world["vote"])
        ).scalar_one()
    assert mine == 0


def test_concurrent_ballots_of_one_elector_exactly_one_wins(world: dict[str, Any]) -> None:
    engine, kr = world["engine"], world["kr"]
    who = caller(engine, "owner1")
    racers = 6
    barrier = threading.Barrier(racers)
    results: list[object] = []
    lock = threading.Lock()

    def race(choice: str) -> None:
        uow = unit_of_work(engine)
        barrier.wait()
        try:
            with audited(uow, who, "estates.ballot_cast", "estates_vote", world["vote"]) as conn:
                out: object = votes.cast(conn, kr, who, world["vote"], choice)
        except AnjuError as e:
            out = e
        with lock:
            results.append(out)

    threads = [threading.Thread(target=race, args=(("yes", "no", "abstain")[i % 3],)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == racers - 1, results
    assert all(e.errors[0].field == "vote_id" for e in losses)
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).select_from(estates_ballots).where(estates_ballots.c.vote_id == world["vote"])
        ).scalar_one()
        size = ledger.get_log(conn, votes.LOG).size
    assert n == 1 and wins[0]["ledger_index"] < size


def test_tally_numbers_outcome_proof_and_the_public_file(world: dict[str, Any], tmp_path: Path) -> None:
    engine, kr, settings, vid = world["engine"], world["kr"], world["settings"], world["vote"]
    owner0 = caller(engine, "owner0")
    with engine.begin() as conn:
        receipt = votes.cast(conn, kr, owner0, vid, "yes")
        # the other electors vote in bulk through the same sealing function: all but two, yes/no alternating
        rows = conn.execute(
            select(estates_vote_electors.c.id, estates_vote_electors.c.owner_bidx, estates_vote_electors.c.area)
            .where(estates_vote_electors.c.vote_id == vid)
            .order_by(estates_vote_electors.c.id)
        ).all()
        others = [r for r in rows if r.owner_bidx != world["people"][0]["bidx"]][:-2]
        cast = [(int(r.id), "no" if i % 4 == 3 else "yes") for i, r in enumerate(others)]
        v = conn.execute(select(estates_votes).where(estates_votes.c.id == vid)).one()
        votes.seal_ballots(conn, kr, vid, v.vote_no, cast, clock.now())
    for step in (closing.close_vote, lambda c, who, v: closing.tally_closed(c, kr, who, v)):
        with pytest.raises(Conflict), engine.begin() as conn:  # neither closed nor tallied before the end
            step(conn, SYSTEM, vid)
    with engine.begin() as conn:
        conn.execute(estates_votes.update().where(estates_votes.c.id == vid).values(closes_at=clock.now()))
        with pytest.raises(Conflict):  # the window is closed for ballots too
            votes.cast(conn, kr, caller(engine, "owner2"), vid, "yes")
    with engine.connect() as conn:  # past its end time it is shown closed, its close not yet recorded
        shown = votes.get_vote(conn, SYSTEM.scope, vid)
    assert (shown["status"], shown["close_recorded"]) == ("closed", False)
    with pytest.raises(Conflict) as refused, engine.begin() as conn:  # tallied only once closed
        closing.tally_closed(conn, kr, SYSTEM, vid)
    assert "结束表决" in refused.value.message
    with engine.begin() as conn:
        closing.close_vote(conn, SYSTEM, vid)
    with engine.begin() as conn:
        result = closing.tally_closed(conn, kr, SYSTEM, vid)
    area = {int(r.id): r.area for r in rows}
    mine = next(r for r in rows if r.owner_bidx == world["people"][0]["bidx"])
    yes = [mine.id] + [e for e, c in cast if c == "yes"]
    no = [e for e, c in cast if c == "no"]
    with engine.connect() as conn:
        v = conn.execute(select(estates_votes).where(estates_votes.c.id == vid)).one()
        pub = votes.publication(conn, kr, vid)
    assert (v.status, v.participated_owners, v.yes_owners, v.no_owners, v.abstain_owners) == (
        "tallied",
        len(yes) + len(no),
        len(yes),
        len(no),
        0,
    )
    assert v.yes_area == sum((area[e] for e in yes), Decimal(0)) and v.no_area == sum((area[e] for e in no), Decimal(0))
    want = decide("hire_company", electorate_owners=len(rows), electorate_area=sum(area.values(), Decimal(0)),
                  participated_owners=len(yes) + len(no), participated_area=v.participated_area,
                  yes_owners=len(yes), yes_area=v.yes_area)  # fmt: skip
    assert (result["quorum_met"], result["passed"]) == (want.quorum_met, want.passed) == (v.quorum_met, v.passed)
    assert result["ballots"] == len(yes) + len(no) == len(pub["ballots"])
    # the owner's receipt: the commitment is in the log, under the signed head
    signer = ledger.signer_from_seed(ledger_signing_seed(settings))
    with engine.begin() as conn:
        mb = votes.my_ballot(conn, kr, owner0, vid, signer)
    p = mb["proof"]
    assert p is not None and mb["receipt"]["commitment"] == receipt["commitment"]
    assert receipt["commitment"] in p["entry"]
    path = [bytes.fromhex(x) for x in p["proof"]]
    leaf, root = bytes.fromhex(p["leaf_hash"]), bytes.fromhex(p["root"])
    assert verify_inclusion(leaf, p["index"], p["tree_size"], path, root, p["algorithm"])
    assert not verify_inclusion(leaf, p["index"], p["tree_size"], path[::-1] or [root], root, p["algorithm"])
    assert check_head(p["signed_head"], signer.public_key_hex) is None
    # the public file re-checks; a changed choice does not
    good, bad = tmp_path / "tally.json", tmp_path / "tampered.json"
    good.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    forged = json.loads(good.read_text(encoding="utf-8"))
    flip = next(b for b in forged["ballots"] if b["choice"] == "no")
    flip["choice"] = "yes"
    forged["totals"]["yes_owners"] += 1
    bad.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(estates_cli, ["votes", "verify", str(good)])
    assert ok.exit_code == 0 and "核验通过" in ok.output, ok.output
    ko = runner.invoke(estates_cli, ["votes", "verify", str(bad)])
    assert ko.exit_code == 1 and "承诺值与选择和随机数不符" in ko.output and "totals.no_owners" in ko.output


def test_committees_are_checked_against_the_register(world: dict[str, Any]) -> None:
    engine, kr, est = world["engine"], world["kr"], world["estate"]
    people = world["people"][:7]
    with engine.begin() as conn:
        aid = orgs.file_assembly(conn, SYSTEM, int(est.id), f"YZDH-T{est.id}", clock.today() - timedelta(days=900))
    with pytest.raises(Conflict), engine.begin() as conn:
        orgs.file_assembly(conn, SYSTEM, int(est.id), "YZDH-OTHER", clock.today())
    start, end = clock.today() - timedelta(days=10), clock.today() + timedelta(days=1800)

    def members(ps: list[dict[str, Any]], chairs: int = 1) -> list[orgs.MemberIn]:
        return [orgs.MemberIn(p["name"], p["id"], p["house_code"], "chair" if i < chairs else "member")
                for i, p in enumerate(ps)]  # fmt: skip

    cases = [
        (members(people[:4]), "members"),
        (members(people[:6], chairs=2), "members"),
        ([*members(people[:5]), orgs.MemberIn("冒名者", people[5]["id"], people[5]["house_code"], "member")],
         "members[5].id_number"),
        ([*members(people[:5]), orgs.MemberIn(people[5]["name"], people[5]["id"], people[6]["house_code"], "member")],
         "members[5].id_number"),
    ]  # fmt: skip
    for ms, fld in cases:
        with pytest.raises(ValidationError) as e, engine.begin() as conn:
            orgs.form_committee(conn, kr, SYSTEM, orgs.CommitteeIn(aid, start, end, ms))
        assert fld in {x.field for x in e.value.errors}, e.value.errors
    with engine.begin() as conn:
        cid = orgs.form_committee(conn, kr, SYSTEM, orgs.CommitteeIn(aid, start, end, members(people[:7])))
        view = orgs.get_committee(conn, kr, SYSTEM.scope, cid)
        assert len(view["members"]) == 7 and view["members"][0]["position"] == "chair"
        assert all("*" in m["name"] for m in view["members"])
        with pytest.raises(ValidationError):  # a member-only kind needs the member
            orgs.add_negative(conn, SYSTEM, cid, "absence", clock.today(), None)
        nid = orgs.add_negative(conn, SYSTEM, cid, "absence", clock.today(), "三次缺席", view["members"][1]["id"])
        orgs.record_audit(conn, SYSTEM, cid, clock.today(), "测试会计师事务所", "issues", "账目未公开")
        with pytest.raises(ValidationError):
            orgs.record_audit(conn, SYSTEM, cid, clock.today(), "测试会计师事务所", "serious", "")
        orgs.clear_negative(conn, SYSTEM, nid, clock.today())
        with pytest.raises(Conflict):
            orgs.clear_negative(conn, SYSTEM, nid, clock.today())
        page = orgs.list_assemblies(conn, SYSTEM.scope, limit=50, offset=0)
        row = next(a for a in page.items if a["id"] == aid)
        assert (row["committee_id"], row["members"], row["open_negative"]) == (cid, 7, 0)
        mine = orgs.my_estates(conn, kr, people[2]["bidx"])
        assert any(m["committee"] and m["committee"]["id"] == cid for m in mine)


def test_no_ballot_once_closed_or_past_the_end_even_bypassing_the_service(world: dict[str, Any]) -> None:
    """The database refuses a ballot for a vote that is not open or cast outside its window (the trigger
    of migration 0042), whichever path inserts it; ``close_due`` records every due close at once."""
    engine, kr, vid = world["engine"], world["kr"], world["vote"]
    with engine.connect() as conn:
        v = conn.execute(select(estates_votes).where(estates_votes.c.id == vid)).one()
        electors = (
            conn.execute(
                select(estates_vote_electors.c.id).where(estates_vote_electors.c.vote_id == vid).order_by("id")
            )
            .scalars()
            .all()
        )
    with pytest.raises(Conflict) as late, engine.begin() as conn:  # cast at the end time: refused
        votes.seal_ballots(conn, kr, vid, v.vote_no, [(int(electors[0]), "yes")], v.closes_at)
    assert "已截止" in late.value.message
    with engine.begin() as conn:  # inside the window: accepted
        votes.seal_ballots(conn, kr, vid, v.vote_no, [(int(electors[0]), "yes")], clock.now())
    with engine.begin() as conn:
        assert closing.close_due(conn) == 0  # not due yet
        with pytest.raises(Conflict):  # nor closed early by hand
            closing.close_vote(conn, SYSTEM, vid)
        conn.execute(estates_votes.update().where(estates_votes.c.id == vid).values(closes_at=clock.now()))
    with engine.connect() as conn:
        page = votes.list_votes(conn, SYSTEM.scope, status="closed", limit=200, offset=0)
        assert vid in {x["id"] for x in page.items}
        assert vid not in {
            x["id"] for x in votes.list_votes(conn, SYSTEM.scope, status="open", limit=200, offset=0).items
        }
    with engine.begin() as conn:
        assert closing.close_due(conn) >= 1
        row = conn.execute(select(estates_votes).where(estates_votes.c.id == vid)).one()
        assert (row.status, row.closed_by) == ("closed", None) and row.closed_at is not None
    # closed: even a ballot dated inside the window (a direct insert) is refused by the database
    inside = v.opens_at + timedelta(seconds=1)
    with pytest.raises(Conflict) as closed, engine.begin() as conn:
        votes.seal_ballots(conn, kr, vid, v.vote_no, [(int(electors[1]), "no")], inside)
    assert "已截止" in closed.value.message
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).select_from(estates_ballots).where(estates_ballots.c.vote_id == vid)
        ).scalar_one()
    assert n == 1
    with engine.begin() as conn:  # a closed vote is tallied
        assert closing.tally_closed(conn, kr, SYSTEM, vid)["ballots"] == 1


def test_an_organisations_paper_ballot_is_recorded_by_the_street_once_and_counted(world: dict[str, Any]) -> None:
    """An organisation elector votes on paper; an officer records it (the same sealed path, one ballot
    per elector, none after the close) and the tally counts it."""
    from anju.estates import owners_paper as paper

    engine, kr, est, p8 = world["engine"], world["kr"], world["estate"], world["people"][8]
    code = _uscc("91320102MA1X0000A")
    o = registry.home_owners.c
    with engine.begin() as conn:  # p8's home now belongs to an organisation
        conn.execute(
            registry.home_owners.update()
            .where(o.home_id == p8["home"], registry.OWNERS_BELIEVED)
            .values(owner_kind="org", owner_bidx=kr.blind_index(code, "credit_code"), share_pct=100,
                    acquired_on=clock.today() - timedelta(days=400), released_on=None)
        )  # fmt: skip
        now = clock.now()
        vid = votes.create_vote(
            conn, SYSTEM,
            votes.VoteIn(int(est.id), "更换物业服务企业", "hire_company", clock.today() - timedelta(days=1),
                         now - timedelta(minutes=5), now + timedelta(days=7)),
        )  # fmt: skip
        votes.open_vote(conn, SYSTEM, vid)
    with pytest.raises(ValidationError) as refused, engine.begin() as conn:  # the ticked confirmation
        paper.record_paper_ballot(conn, kr, SYSTEM, vid, code, "yes", confirmed=False)
    assert refused.value.errors[0].field == "confirm"
    other = _uscc("91320102MA1Y0000B")
    with pytest.raises(ValidationError) as stranger, engine.begin() as conn:  # not an elector
        paper.record_paper_ballot(conn, kr, SYSTEM, vid, other, "yes", confirmed=True)
    assert stranger.value.errors[0].field == "credit_code"
    with engine.begin() as conn:
        receipt = paper.record_paper_ballot(conn, kr, SYSTEM, vid, code.lower(), "no", confirmed=True)
    with pytest.raises(Conflict), engine.begin() as conn:  # one ballot per elector (the database's constraint)
        paper.record_paper_ballot(conn, kr, SYSTEM, vid, code, "yes", confirmed=True)
    with engine.connect() as conn:
        row = conn.execute(select(estates_ballots).where(estates_ballots.c.vote_id == vid)).one()
    assert row.commitment == receipt["commitment"] and row.recorded_by == SYSTEM.account_id
    with engine.begin() as conn:
        conn.execute(estates_votes.update().where(estates_votes.c.id == vid).values(closes_at=clock.now()))
    with engine.begin() as conn:
        closing.close_vote(conn, SYSTEM, vid)
        result = closing.tally_closed(conn, kr, SYSTEM, vid)
        v = conn.execute(select(estates_votes).where(estates_votes.c.id == vid)).one()
    assert result["ballots"] == 1 and (v.no_owners, v.yes_owners) == (1, 0)


def _uscc(first17: str) -> str:
    from stdnum.cn import uscc

    return first17 + uscc.calc_check_digit(first17)
