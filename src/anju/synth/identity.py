"""The synthetic city's identity provider: the demo's and the tests' stand-in for the public-security
identity check and the carriers' real-name records (``ANJU_IDENTITY_PROVIDER=synthetic``; production
refuses it).

Its population is the people the synthetic city names: every person owner in the register (the
generator writes them; their names are the register's), plus the people added explicitly to
``synthetic_people`` (the demo's and the tests' citizens, with their own phones). The phone the
synthetic carriers "registered" to a register owner is :func:`anju.security.synthetic_phone` of their
number. Nothing is written per person: the check reads what the city already holds, so building the
city costs nothing more (a table of 3.4 million rows at scale 1.0 measured 175 µs a row to write).
Applicants' household members and lease tenants are not in it: those rows are typed by citizens and
landlords in a live demo, and a provider must not believe what the platform's own users wrote.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from anju.registry import OWNERS_BELIEVED, home_owners
from anju.security import Claim, Keyring, Security, Verdict, synthetic_people, synthetic_phone


class SyntheticProvider:
    """Checks a claim against the synthetic population; see the module's docstring."""

    name = "synthetic"

    def __init__(self, sec: Security) -> None:
        self.kr: Keyring = sec.keyring

    def check(self, conn: Connection, claim: Claim) -> Verdict:
        kr = self.kr
        bidx = kr.blind_index(claim.id_number, "id_number")
        extra = conn.execute(
            select(synthetic_people.c.name_bidx, synthetic_people.c.phone_bidx).where(
                synthetic_people.c.id_bidx == bidx
            )
        ).first()
        if extra is not None:
            names_match = extra.name_bidx == kr.blind_index(claim.name, "name")
            phone_match = extra.phone_bidx == kr.blind_index(claim.phone, "phone")
        else:
            names = conn.execute(
                select(home_owners.c.owner_name_enc)
                .where(home_owners.c.owner_bidx == bidx, home_owners.c.owner_kind == "person", OWNERS_BELIEVED)
                .limit(5)
            ).scalars()
            known = {kr.decrypt(n, "home_owners.owner_name") for n in names}
            if not known:
                return Verdict(False, "查无此身份证号码（合成人口）")
            names_match = claim.name in known
            phone_match = claim.phone == synthetic_phone(claim.id_number)
        if not names_match:
            return Verdict(False, "姓名与身份证号码不一致")
        if not phone_match:
            return Verdict(False, "该手机号码不是此身份证号码本人实名登记的号码")
        return Verdict(True)

    def sample(self, conn: Connection, n: int) -> list[tuple[str, str, str]]:
        """(ID number, name, phone) of ``n`` owners of the synthetic register, for someone trying the
        demo to register and verify as (``anju users synthetic-people``)."""
        rows = conn.execute(
            select(home_owners.c.owner_id_enc, home_owners.c.owner_name_enc)
            .where(home_owners.c.owner_kind == "person", home_owners.c.released_on.is_(None), OWNERS_BELIEVED)
            .order_by(home_owners.c.id)
            .limit(n)
        ).all()
        out = []
        for r in rows:
            idn = self.kr.decrypt(r.owner_id_enc, "home_owners.owner_id")
            out.append((idn, self.kr.decrypt(r.owner_name_enc, "home_owners.owner_name"), synthetic_phone(idn)))
        return out
