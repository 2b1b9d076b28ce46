"""The demo's accounts join the synthetic market (a demo database only): the landlord owns and lists
homes, the agency is a filed enterprise, the citizen is a tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import Connection, Engine, func, select

from anju import credit, estates
from anju.core import clock
from anju.credit import credit_events, credit_subjects
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
                    old = c.execute(select(rental_parties.c.credit_code).where(rental_parties.c.id == party)).scalar()
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
                    if old:
                        _rekey_subject(c, keyring.blind_index(old, "credit_code"), new_bidx, code)
                    done["agency_party"] = int(party)
            # estate management: the same enterprise is a filed property-service company
            company = estates.attach_demo_company(c, keyring, code, "演示物业服务有限公司")
            if company is not None:
                done["agency_property_company"] = company
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


def _rekey_subject(c: Connection, old: str, new: str, code: str) -> None:
    """The enterprise's credit file follows its new code — while it has no events yet (the demo attaches
    its accounts before the credit history is built, so one enterprise never has two files)."""
    if c.execute(select(credit_events.c.id).where(credit_events.c.subject_bidx == old).limit(1)).first() is None:
        c.execute(
            credit_subjects.update()
            .where(credit_subjects.c.subject_bidx == old)
            .values(subject_bidx=new, credit_code=code, updated_at=clock.now())
        )


#: The demo accounts' own credit records (synthetic): one each, so that ``/credit/me`` shows a file and
#: its objection and repair forms can be tried — the citizen's recent (an objection is in time), the
#: landlord's old enough to be repaired, the agency's serious enough to weigh on its grade.
DEMO_EVENTS = (
    ("citizen", "person", "person", "rental.other", "minor", 10),
    ("landlord", "person", "person", "rental.unverified_listing", "minor", 400),
    ("agency", "org", "rental_enterprise", "rental.unfiled_lease", "major", 60),
)


def demo_credit_events(engine: Engine, keyring: Keyring, people: Sequence[Mapping[str, str]]) -> int:
    """Record :data:`DEMO_EVENTS` for the demo accounts that exist (labelled synthetic: the reference
    ``SYN-DEMO-…``, the detail ``"synthetic": true``); returns how many were recorded. Runs after the
    synthetic credit history; a second run records none (one reference per account)."""
    spec = {p["username"]: p for p in people}
    street = _a_street(engine)
    n = 0
    with engine.begin() as c:
        for who, subject_kind, subject_type, kind, severity, days_ago in DEMO_EVENTS:
            p = spec.get(who)
            key = (p or {}).get("org_code" if subject_kind == "org" else "id_number")
            if not key:
                continue
            ref = f"SYN-DEMO-{who}"
            if c.execute(select(credit_events.c.id).where(credit_events.c.reference == ref)).first() is not None:
                continue
            bidx = keyring.blind_index(key, "credit_code" if subject_kind == "org" else "id_number")
            credit.record_event(
                c,
                credit.Event(
                    subject_kind, bidx, "credit", kind, severity, clock.today() - timedelta(days=days_ago), ref,
                    street_code=street, detail={"synthetic": True, "note": "演示账户的合成信用记录"},
                    subject_type=subject_type,
                ),
            )  # fmt: skip
            n += 1
    return n


def _a_street(engine: Engine) -> str | None:
    from anju.divisions import choices

    with engine.connect() as c:
        return next((s["code"] for d in choices(c) for s in d["streets"]), None)


__all__ = ["DEMO_EVENTS", "attach_demo_accounts", "demo_credit_events"]
