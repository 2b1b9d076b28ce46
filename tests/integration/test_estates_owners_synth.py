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
