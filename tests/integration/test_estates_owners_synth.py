"""The synthetic city's owners' organisations and votes (``synth/estates/owners.py``) on the estates
template: assemblies for 30–40 % of the estates with owners, committees of 5–11 members with one chair,
historic votes tallied with numbers their public tally file re-checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from anju.estates import owners_votes as votes
from anju.estates.owners_tally import verify_publication
from anju.estates.tables import estates_assemblies, estates_committee_members, estates_committees, estates_votes
from anju.security import keyring_from_settings


def test_the_synthetic_owners_part(estates_engine: Engine, settings_for: Any) -> None:
    kr = keyring_from_settings(settings_for(estates_engine))
    with estates_engine.connect() as conn:
        assemblies = conn.execute(select(func.count()).select_from(estates_assemblies)).scalar_one()
        assert assemblies > 0
        sizes = conn.execute(
            select(
                estates_committee_members.c.committee_id,
                func.count(),
                func.sum(
                    func.cast(
                        estates_committee_members.c.position == "chair", type_=estates_votes.c.electorate_owners.type
                    )
                ),
            ).group_by(estates_committee_members.c.committee_id)
        ).all()
        assert sizes and all(5 <= n <= 11 and chairs == 1 for _, n, chairs in sizes)
        active = conn.execute(
            select(func.count()).select_from(estates_committees).where(estates_committees.c.status == "active")
        ).scalar_one()
        assert 0 < active <= assemblies
        tallied = conn.execute(select(estates_votes.c.id).where(estates_votes.c.status == "tallied")).scalars().all()
        assert tallied
        for vid in tallied[:3]:
            pub = votes.publication(conn, kr, vid)
            assert verify_publication(pub).ok
            assert pub["label"]  # labelled synthetic


def test_the_demo_landlord_gets_an_open_vote_to_cast(people_engine: Engine, settings_for: Any) -> None:
    """As in ``anju demo`` (the landlord made the owner of a home before the estates part runs): the part
    opens one vote in that estate, and the landlord finds it under 我的表决, ready to cast."""
    from datetime import timedelta

    from anju import registry
    from anju.core import clock
    from anju.security import Caller, Role, accounts
    from anju.synth.estates.owners import _demo_open_vote
    from tests.accounts import account_id

    kr = keyring_from_settings(settings_for(people_engine))
    o = registry.home_owners.c
    with people_engine.begin() as conn:
        bidx, name_enc = conn.execute(
            select(accounts.c.id_number_bidx, accounts.c.name_enc).where(accounts.c.username == "landlord")
        ).one()
        row = conn.execute(
            select(o.id, o.home_id).where(registry.OWNERS_BELIEVED, o.released_on.is_(None)).order_by(o.id).limit(1)
        ).one()
        conn.execute(
            registry.home_owners.update()
            .where(o.home_id == row.home_id, o.id != row.id, o.released_on.is_(None))
            .values(released_on=clock.today() - timedelta(days=1))
        )
        conn.execute(
            registry.home_owners.update()
            .where(o.id == row.id)
            .values(
                owner_kind="person",
                owner_bidx=bidx,
                share_pct=100,
                owner_name_enc=kr.encrypt(kr.decrypt(name_enc, "accounts.name"), "home_owners.owner_name"),
            )
        )
        assert _demo_open_vote(conn, clock.today()) == 1
    landlord = Caller(account_id(people_engine, "landlord"), "landlord", Role.landlord, None, Caller.system("t").scope)
    with people_engine.connect() as conn:
        mine = votes.my_votes(conn, kr, landlord, limit=10, offset=0)
    assert mine.total == 1 and mine.items[0]["can_cast"] and mine.items[0]["vote"]["status"] == "open"
    with people_engine.begin() as conn:
        receipt = votes.cast(conn, kr, landlord, mine.items[0]["vote"]["id"], "yes")
    assert len(receipt["commitment"]) == 64
