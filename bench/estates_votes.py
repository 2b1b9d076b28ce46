"""A vote tally over a 5,000-home estate (issue 22: ≤ 1 s on both databases).

    python bench/estates_votes.py --db sqlite:///data/bench-votes.db
    python bench/estates_votes.py --db postgresql://postgres@127.0.0.1:5432/bench_votes

Use a scratch database: it is migrated and, when it has no homes, a small synthetic city is generated
(scale 0.001). One estate then gets N homes more (default 5,000: clones of one of its homes, in bulk),
each with one owner; 10 % of the owners hold a second home and 5 % of the homes are co-owned 50/50. A
vote is created and opened (the electorate frozen by one INSERT … SELECT: timed), 80 % of the electors'
ballots are sealed and appended to the log in one batch (timed), and the vote is tallied — every ballot
decrypted and checked against its commitment, the totals, ``decide`` and the log entry (timed, the
target). Prints a table.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from anju import registry
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.estates import owners_close as closing
from anju.estates import owners_votes as votes
from anju.estates.tables import estates_vote_electors, estates_votes
from anju.security import Caller, Keyring, keyring_from_settings
from anju.synth import generate

SYSTEM = Caller.system("bench")


def add_homes(conn: Any, kr: Keyring, estate_id: int, n: int, rng: random.Random) -> None:
    h = registry.homes
    tpl = dict(conn.execute(select(h).where(h.c.estate_id == estate_id).limit(1)).mappings().one())
    start = int(conn.execute(select(func.max(h.c.id))).scalar_one()) + 1
    rows = []
    for i in range(n):
        r = dict(tpl)
        r.update(
            id=start + i,
            house_code=f"B{start + i:022d}"[:23],
            room_no=f"V{i}",
            floor_no=1 + i % 30,
            construction_area=tpl["construction_area"],
            inner_area=None if i % 7 == 0 else tpl["inner_area"],
            status=registry.Status.in_use.value,
            property_unit_code=None,
        )
        rows.append(r)
    conn.execute(h.insert(), rows)
    blob = kr.encrypt("业主", "home_owners.owner_name")
    idb = kr.encrypt("000000000000000000", "home_owners.owner_id")
    owners = []
    today = clock.today()
    for i in range(n):
        hid = start + i
        person = i - 1 if (i % 10 == 1) else i  # 10 %: the previous home's owner holds this one too
        base = {
            "home_id": hid,
            "owner_kind": "person",
            "owner_id_enc": idb,
            "owner_name_enc": blob,
            "acquired_on": today - timedelta(days=800),
            "released_on": None,
            "recorded_at": clock.now(),
            "superseded_at": None,
            "registration_id": None,
            "origin_id": None,
        }
        if i % 20 == 0:  # co-owned 50/50
            owners.append(base | {"owner_bidx": f"bench-{person}", "share_pct": 50})
            owners.append(base | {"owner_bidx": f"bench-co-{i}", "share_pct": 50})
        else:
            owners.append(base | {"owner_bidx": f"bench-{person}", "share_pct": 100})
    conn.execute(registry.home_owners.insert(), owners)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--homes", type=int, default=5000)
    ap.add_argument("--turnout", type=float, default=0.8)
    args = ap.parse_args()
    engine = make_engine(args.db)
    migrate.upgrade(engine)
    with engine.connect() as c:
        empty = c.execute(select(func.count()).select_from(registry.homes)).scalar_one() == 0
    if empty:
        generate(engine, 0.001, 7, batch=2000)
    from anju.core.settings import Settings

    kr = keyring_from_settings(Settings(database_url=args.db))
    rng = random.Random(1)
    with engine.begin() as c:
        estate = c.execute(select(registry.homes.c.estate_id).order_by(registry.homes.c.id).limit(1)).scalar_one()
        add_homes(c, kr, int(estate), args.homes, rng)
        homes = c.execute(
            select(func.count()).select_from(registry.homes).where(registry.homes.c.estate_id == estate)
        ).scalar_one()
    now = clock.now()
    t0 = time.perf_counter()
    with engine.begin() as c:
        vid = votes.create_vote(
            c,
            SYSTEM,
            votes.VoteIn(
                int(estate), "基准表决", "use_fund", clock.today(), now - timedelta(minutes=1), now + timedelta(days=1)
            ),
        )
        electors = votes.open_vote(c, SYSTEM, vid)
    t_open = time.perf_counter() - t0
    with engine.begin() as c:
        ids = c.execute(select(estates_vote_electors.c.id).where(estates_vote_electors.c.vote_id == vid)).scalars()
        cast = [
            (int(e), rng.choice(("yes", "yes", "yes", "no", "abstain"))) for e in ids if rng.random() < args.turnout
        ]
        vote_no = c.execute(select(estates_votes.c.vote_no).where(estates_votes.c.id == vid)).scalar_one()
        t1 = time.perf_counter()
        votes.seal_ballots(c, kr, vid, vote_no, cast, clock.now())
        t_cast = time.perf_counter() - t1
        c.execute(estates_votes.update().where(estates_votes.c.id == vid).values(closes_at=clock.now()))
    t2 = time.perf_counter()
    with engine.begin() as c:
        closing.close_vote(c, SYSTEM, vid)
        res = closing.tally_closed(c, kr, SYSTEM, vid)
    t_tally = time.perf_counter() - t2
    print(f"database      {engine.dialect.name}")
    print(f"estate homes  {homes}")
    print(f"electors      {electors}")
    print(f"ballots       {res['ballots']}  (quorum {res['quorum_met']}, passed {res['passed']})")
    print(f"open (freeze) {t_open:8.3f} s")
    print(f"seal+append   {t_cast:8.3f} s  ({len(cast)} ballots, one batch)")
    print(f"tally         {t_tally:8.3f} s  (target ≤ 1 s)")


if __name__ == "__main__":
    main()
