"""The credit checks of the rental approvals (联合惩戒 / 联合激励).

Filing and reinstating a party, verifying and publishing a listing, drafting, signing and filing a
lease as an enterprise or agency: each asks the registry's one restriction mechanism
(``anju.registry.subject_restrictions``) about the organisation (by the blind index of its credit
code) and, for a person's listing, the person; a refusal names the rule, the list or grade and the
subject (an organisation by name, a person masked). The incentive a red-list enterprise's listing
enjoys (no manual review) is credit's answer read directly (``anju.credit.incentives_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection

from anju import credit, registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError
from anju.security import Keyring, mask_name

PARTY_FILE = "rental.party.file"
PARTY_RENEW = "rental.party.renew"
LISTING_PUBLISH = "rental.listing.publish"
LEASE_FILE = "rental.lease.file"
SKIP_MANUAL_REVIEW = "skip_manual_review"


def party_subject(kr: Keyring, party: Any) -> dict[str, str]:
    """A filed party as a credit subject: the blind index of its credit code → its name."""
    return {kr.blind_index(party.credit_code, "credit_code"): str(party.name)}


def person_subject(kr: Keyring, id_bidx: str | None, name_enc: bytes | None) -> dict[str, str]:
    """A person as a credit subject: the blind index of their ID → their masked name."""
    if not id_bidx:
        return {}
    return {id_bidx: mask_name(kr.decrypt(name_enc, "accounts.name")) if name_enc else "个人"}


def refusal(conn: Connection, action: str, subjects: Mapping[str, str], on: date | None = None) -> str | None:
    """The reasons credit (or any subject source) bars the subjects from ``action``; None if nothing
    does. One set-wise question, whatever the number of subjects."""
    if not subjects:
        return None
    found = registry.subject_restrictions(conn, list(subjects), action, on or clock.today())
    return registry.subject_refusal(found, subjects) if found else None


def require_credit(conn: Connection, action: str, subjects: Mapping[str, str], field: str, *, prefix: str = "") -> None:
    """Refuse (409, the field named) when a restriction bars one of the subjects from ``action``."""
    text = refusal(conn, action, subjects)
    if text:
        raise Conflict(f"{prefix}{text}", [FieldError(field, text)])


def skips_manual_review(conn: Connection, kr: Keyring, party: Any) -> credit.Incentive | None:
    """The incentive that lets the party's listing skip staff review (a red-list enterprise), if any."""
    bidx = kr.blind_index(party.credit_code, "credit_code")
    found = credit.incentives_for(conn, [bidx], LISTING_PUBLISH, clock.today()).get(bidx, [])
    return next((x for x in found if x.effect == SKIP_MANUAL_REVIEW), None)
