"""An organisation's paper ballot, recorded by the street (单位业主的书面表决票).

Organisations that own homes are electors (the electorate is frozen by owner, and an organisation owner
is named in the register by the blind index of its GB 32100 credit code), but no account can soundly
cast their ballot online: the platform's only organisation identity on an account is ``accounts.org_code``
of ``agency`` accounts — staff of estate agencies and property companies, set when the account is made,
with nothing saying that its holder is authorised to vote for the organisation as an owner (the
legal representative or a holder of its power of attorney, 授权委托书). A verified account's identity is
its holder's, not the organisation's. So the organisation votes on paper (its ballot stamped, with
the authorisation of whoever signed it) and an officer in scope records that ballot here, after a
ticked confirmation that they checked both.

The ballot goes through the same path as an online one (``owners_votes.seal_ballots``): the choice and a
nonce sealed, the commitment appended to the log ``estates``, one ballot per elector (the database's
unique constraint), none once the vote is closed (the trigger); ``estates_ballots.recorded_by`` names the
officer. The audit row (``estates.paper_ballot``) names the vote and the elector, never the choice. The
receipt (commitment and nonce) is shown once, to be handed to the organisation with its paper ballot.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.estates.domain import CHOICES, effective_status
from anju.estates.owners_votes import Receipt, e_, seal_ballots, v_
from anju.estates.tables import estates_votes
from anju.security import Caller, Keyring, credit_code, set_audit_detail


def record_paper_ballot(
    conn: Connection, kr: Keyring, caller: Caller, vote_id: int, code: str, choice: str, *, confirmed: bool
) -> Receipt:
    """Record the paper ballot of the organisation elector whose credit code is ``code`` (see the module)."""
    v = conn.execute(select(estates_votes).where(v_.id == vote_id)).first()
    if v is None or v.status in ("draft", "cancelled"):
        raise NotFound("表决不存在")
    caller.scope.require(v.street_code, "表决不存在")
    errors: list[FieldError] = []
    try:
        code = credit_code(code or "", "credit_code")
    except ValidationError as e:
        errors.extend(e.errors)
    if choice not in CHOICES:
        errors.append(FieldError("choice", "请选择同意、反对或弃权"))
    if not confirmed:
        errors.append(FieldError("confirm", "请勾选确认：已核对加盖单位公章的书面表决票及签署人的授权"))
    if errors:
        raise ValidationError("书面表决票信息有误：" + "；".join(e.reason for e in errors), errors)
    now = clock.now()
    if effective_status(v.status, v.closes_at, now) != "open" or now < v.opens_at:
        raise Conflict("表决不在进行中，不能登记书面表决票", [FieldError("vote_id", "不在表决中")])
    bidx = kr.blind_index(code, "credit_code")
    eid = conn.execute(select(e_.id).where(e_.vote_id == v.id, e_.owner_bidx == bidx)).scalar()
    o = registry.home_owners.c
    org = conn.execute(select(o.id).where(o.owner_bidx == bidx, o.owner_kind == "org").limit(1)).first()
    if eid is None or org is None:
        raise ValidationError.of(
            "credit_code", "该单位不是本次表决的表决权人（以股权登记日楼盘表登记的单位产权人为准）"
        )
    receipt = seal_ballots(conn, kr, int(v.id), v.vote_no, [(int(eid), choice)], now, recorded_by=caller.account_id)
    set_audit_detail(conn, {"elector_id": int(eid), "paper": True})
    return receipt[0]
