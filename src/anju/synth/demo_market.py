"""The demo's accounts join the synthetic market (a demo database only): the landlord owns and lists
homes, the agency is a filed enterprise, the citizen is a tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import Engine, func, select

from anju.core import clock
from anju.registry import OWNERS_BELIEVED, home_owners
from anju.rental import rental_leases, rental_listings, rental_parties
from anju.security import Keyring


def attach_demo_accounts(engine: Engine, keyring: Keyring, people: Sequence[Mapping[str, str]]) -> dict[str, int]:
    """Make the demo's accounts part of the synthetic market (a demo database only).

    ``landlord`` becomes the sole owner of three homes with a published whole-home listing (listed by
    that account); ``agency``'s ``org_code`` becomes the credit code of a filed enterprise (the party
    is filed by that account); ``citizen`` becomes the tenant of one filed lease. ``people`` are the
    demo account specs (username, name, id_number / org_code). Returns what was attached."""
    from anju.security import accounts

    spec = {p["username"]: p for p in people}
    done: dict[str, int] = {}
    now = clock.now()
    with engine.begin() as c:
        ids = dict(
            c.execute(select(accounts.c.username, accounts.c.id).where(accounts.c.username.in_(list(spec)))).all()
        )
        if "citizen" in ids and spec["citizen"].get("id_number"):
            p = spec["citizen"]
            lease = c.execute(
                select(rental_leases.c.id)
                .where(rental_leases.c.status == "filed", rental_leases.c.tenant_account_id.is_(None))
                .order_by(rental_leases.c.id)
                .limit(1)
            ).scalar()
            if lease is not None:
                c.execute(
                    rental_leases.update()
                    .where(rental_leases.c.id == lease)
                    .values(
                        tenant_account_id=ids["citizen"],
                        tenant_bidx=keyring.blind_index(p["id_number"], "id_number"),
                        tenant_id_enc=keyring.encrypt(p["id_number"], "rental_leases.tenant_id"),
                        tenant_name_enc=keyring.encrypt(p["name"], "rental_leases.tenant_name"),
                    )
                )
                done["citizen_lease"] = int(lease)
        if "agency" in ids and spec["agency"].get("org_code"):
            code = spec["agency"]["org_code"]
            if c.execute(select(rental_parties.c.id).where(rental_parties.c.credit_code == code)).first() is None:
                party = c.execute(
                    select(rental_parties.c.id)
                    .where(rental_parties.c.kind == "enterprise", rental_parties.c.status == "filed")
                    .order_by(rental_parties.c.id)
                    .limit(1)
                ).scalar()
                if party is not None:
                    c.execute(
                        rental_parties.update()
                        .where(rental_parties.c.id == party)
                        .values(credit_code=code, account_id=ids["agency"], updated_at=now)
                    )
                    new_bidx = keyring.blind_index(code, "credit_code")
                    c.execute(
                        rental_leases.update()
                        .where(rental_leases.c.landlord_party_id == party)
                        .values(landlord_bidx=new_bidx)
                    )
                    done["agency_party"] = int(party)
        if "landlord" in ids and spec["landlord"].get("id_number"):
            p = spec["landlord"]
            bidx = keyring.blind_index(p["id_number"], "id_number")
            rows = c.execute(
                select(rental_listings.c.id, rental_listings.c.home_id)
                .where(
                    rental_listings.c.status == "published",
                    rental_listings.c.mode == "whole",
                    rental_listings.c.party_id.is_(None),
                )
                .order_by(rental_listings.c.id)
                .limit(3)
            ).all()
            for _lid, hid in rows:
                current = (home_owners.c.home_id == hid) & home_owners.c.released_on.is_(None) & OWNERS_BELIEVED
                first = c.execute(select(func.min(home_owners.c.id)).where(current)).scalar_one()
                c.execute(
                    home_owners.update()
                    .where(current, home_owners.c.id != first)
                    .values(released_on=now.date() - timedelta(days=1))
                )
                c.execute(
                    home_owners.update()
                    .where(home_owners.c.id == first)
                    .values(
                        owner_kind="person",
                        owner_bidx=bidx,
                        owner_id_enc=keyring.encrypt(p["id_number"], "home_owners.owner_id"),
                        owner_name_enc=keyring.encrypt(p["name"], "home_owners.owner_name"),
                        share_pct=100,
                    )
                )
                c.execute(
                    rental_listings.update()
                    .where(rental_listings.c.home_id == hid)
                    .values(owner_bidx=bidx, lister_account_id=ids["landlord"])
                )
                c.execute(
                    rental_leases.update()
                    .where(rental_leases.c.home_id == hid, rental_leases.c.landlord_kind == "person")
                    .values(
                        landlord_bidx=bidx,
                        landlord_name_enc=keyring.encrypt(p["name"], "rental_leases.landlord_name"),
                    )
                )
            done["landlord_homes"] = len(rows)
    return done


__all__ = ["attach_demo_accounts"]
