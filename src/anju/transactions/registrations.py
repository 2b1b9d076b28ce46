"""A filed contract and the registration that follows it (合同备案与转移登记的关联).

The registration centre's feed (``anju.registry``: ``registrations`` and the owners each one records)
is matched to the contracts filed here: a transfer registration of a home sold under a presale
permit (or a correction of one) is **linked** when the home has a filed contract whose buyer is among
the owners that registration records (both keyed by the same blind index of the resident ID, never decrypted). A
transfer of such a home without a filed contract, or to someone other than the filed buyer, is
reported for review. Only current beliefs count (a corrected registration is replaced by its
correction). A linked home shows 已登记 in the public sales table.

Resale contracts (存量房) are matched by the same rules (a transfer in force recording the filed
buyer among its owners), but they are **completed** when the feed loads the registration:
:func:`complete_resales` is the registry's registration follower (``anju.contexts``), run inside the
load's transaction; the contract becomes ``registered``, frees its home (``active`` NULL) and keeps
the registration's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, bindparam, distinct, exists, func, select, update

from anju import divisions, registry
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.transactions import resale_funds
from anju.transactions.domain import ContractStatus
from anju.transactions.resale_domain import ContractStatus as ResaleStatus
from anju.transactions.tables import presale_permit_homes, resale_contracts, sale_contracts

_reg = registry.registrations
_own = registry.home_owners


def _buyer_is_owner(contracts: Any = sale_contracts) -> Any:
    """The filed contract's buyer is among the owners the registration records (correlated)."""
    # correlate_except: nested two levels down (registration_links' scalar subqueries), automatic
    # correlation would see only the contracts and read every registration of the database instead of
    # the one the outer query is on — any registration of the buyer would then "link"
    return (
        exists()
        .where(
            _own.c.registration_id == _reg.c.id,
            _own.c.owner_bidx == contracts.c.buyer_id_bidx,
            _own.c.superseded_at.is_(None),
        )
        .correlate_except(_own)
    )


def _transfers() -> list[Any]:
    """Registrations in force that pass a home to people: transfers, and corrections (of a transfer or
    of a correction) that record a person among the owners. A first registration (to the developer)
    and one recording organisations only are not checked against buyers (contracts' buyers are people)."""
    to_person = exists().where(
        _own.c.registration_id == _reg.c.id, _own.c.owner_kind == "person", _own.c.superseded_at.is_(None)
    )
    return [_reg.c.kind != "first", _reg.c.superseded_at.is_(None), to_person]


def _filed() -> Any:
    return and_(sale_contracts.c.home_id == _reg.c.home_id, sale_contracts.c.status == ContractStatus.filed)


def registered_homes(conn: Connection, home_ids: Sequence[int]) -> set[int]:
    """Of ``home_ids``, those whose filed contract is followed by a linked transfer registration."""
    if not home_ids:
        return set()
    rows = conn.execute(
        select(_reg.c.home_id)
        .join(sale_contracts, _filed())
        .where(*_transfers(), _reg.c.home_id.in_(list(home_ids)), _buyer_is_owner())
        .distinct()
    )
    return {int(h) for (h,) in rows}


def registered_by(conn: Connection, by: Any, permit_ids: Sequence[int]) -> dict[int, int]:
    """Per value of ``by`` (a column of ``presale_permit_homes``: the permit or the building), how many
    homes of the permits ``permit_ids`` have a filed contract followed by a linked transfer registration
    (:func:`registered_homes`, counted in the database: one grouped query, no home ids sent or read)."""
    if not permit_ids:
        return {}
    pph = presale_permit_homes
    rows = conn.execute(
        select(by, func.count(distinct(_reg.c.home_id)))
        .select_from(pph.join(_reg, _reg.c.home_id == pph.c.home_id).join(sale_contracts, _filed()))
        .where(pph.c.permit_id.in_(list(permit_ids)), *_transfers(), _buyer_is_owner())
        .group_by(by)
    )
    return {int(k): int(n) for k, n in rows}


class RegistrationLink(TypedDict):
    registration_id: int
    record_id: str
    certificate_no: str
    registered_on: date
    home_id: int
    house_code: str
    street_code: str
    street_name: str
    contract_id: int | None
    filing_no: str | None
    linked: bool
    reason: str  # why it is reported for review ("" when linked)


def registration_links(
    conn: Connection, *, scope: Scope, unlinked_only: bool, limit: int, offset: int
) -> Page[RegistrationLink]:
    """The transfer registrations of homes sold under a presale permit in the caller's streets, each
    with the filed contract it is linked to or the reason it is reported for review (newest first)."""
    homes = registry.homes
    linked = select(sale_contracts.c.id).where(_filed(), _buyer_is_owner()).correlate(_reg).limit(1).scalar_subquery()
    # a later owner change of the home: a resale contract filed here whose buyer the registration records
    resale = (
        select(resale_contracts.c.id)
        .where(
            resale_contracts.c.home_id == _reg.c.home_id,
            resale_contracts.c.status.in_([ResaleStatus.filed, ResaleStatus.registered]),
            _buyer_is_owner(resale_contracts),
        )
        .correlate(_reg)
        .limit(1)
        .scalar_subquery()
    )
    # the new-home buyer was registered by another (earlier) registration of the home: this one is a
    # later change of owner, not the first sale's
    earlier = registry.registrations.alias("earlier")
    first_sale_registered = (
        exists()
        .where(
            earlier.c.home_id == _reg.c.home_id,
            earlier.c.id != _reg.c.id,
            earlier.c.kind != "first",
            earlier.c.superseded_at.is_(None),
            sale_contracts.c.home_id == _reg.c.home_id,
            sale_contracts.c.status == ContractStatus.filed,
            exists()
            .where(
                _own.c.registration_id == earlier.c.id,
                _own.c.owner_bidx == sale_contracts.c.buyer_id_bidx,
                _own.c.superseded_at.is_(None),
            )
            .correlate_except(_own),
        )
        .correlate(_reg)
    )
    filed = (
        select(sale_contracts.c.id).where(_filed(), ~first_sale_registered).correlate(_reg).limit(1).scalar_subquery()
    )
    conds = [
        *_transfers(),
        _reg.c.home_id.in_(select(presale_permit_homes.c.home_id)),
        *scope.where(homes.c.street_code),
    ]
    if unlinked_only:
        conds.extend([linked.is_(None), resale.is_(None)])
    cols = [
        _reg.c.id, _reg.c.record_id, _reg.c.certificate_no, _reg.c.registered_on, _reg.c.home_id,
        homes.c.house_code, homes.c.street_code, linked.label("linked_id"), filed.label("filed_id"),
        resale.label("resale_id"),
    ]  # fmt: skip
    q = (
        select(*cols)
        .join(homes, homes.c.id == _reg.c.home_id)
        .where(*conds)
        .order_by(_reg.c.registered_on.desc(), _reg.c.id.desc())
    )
    count = select(_reg.c.id).join(homes, homes.c.id == _reg.c.home_id).where(*conds)
    page = fetch_page(conn, q, limit=limit, offset=offset, count_stmt=count)

    def contract_of(r: Any) -> tuple[str, int | None]:
        """Which contract explains the registration: the new-home one linked, else a resale one, else
        the new-home contract it differs from (or none)."""
        if r.linked_id:
            return "new", int(r.linked_id)
        if r.resale_id:
            return "resale", int(r.resale_id)
        return "new", int(r.filed_id) if r.filed_id else None

    chosen = [contract_of(r) for r in page.items]
    filing: dict[tuple[str, int], str] = {}
    for kind, table in (("new", sale_contracts), ("resale", resale_contracts)):
        ids = {cid for k, cid in chosen if k == kind and cid is not None}
        if ids:
            by_id = select(table.c.id, table.c.filing_no).where(table.c.id.in_(ids))
            filing |= {(kind, int(i)): str(n) for i, n in conn.execute(by_id)}
    names = divisions.names(conn, {r.street_code for r in page.items})

    def row(r: Any) -> RegistrationLink:
        kind, cid = contract_of(r)
        ok = bool(r.linked_id or r.resale_id)
        reason = "" if ok else ("登记权利人与备案买受人不一致" if r.filed_id else "没有已备案的买卖合同")
        return RegistrationLink(
            registration_id=int(r.id), record_id=r.record_id, certificate_no=r.certificate_no,
            registered_on=r.registered_on, home_id=int(r.home_id), house_code=r.house_code,
            street_code=r.street_code, street_name=names.get(r.street_code, r.street_code),
            contract_id=cid, filing_no=filing.get((kind, cid)) if cid else None,
            linked=ok, reason=reason,
        )  # fmt: skip

    return page.map(row)


# ------------------------------------------------------------------------------ resale contracts

_COMPLETE = (
    update(resale_contracts)
    .where(resale_contracts.c.id == bindparam("cid"), resale_contracts.c.status == ResaleStatus.filed)
    .values(
        status=ResaleStatus.registered.value,
        active=None,
        registration_id=bindparam("rid"),
        updated_at=bindparam("now"),
    )
)


def complete_resales(conn: Connection, home_ids: Sequence[int], today: date, now: datetime) -> int:
    """Complete the filed resale contracts of ``home_ids`` (the homes whose registrations a load just
    wrote) whose transfer to the buyer is now registered — the registry's registration follower, in
    the load's transaction. Returns how many were completed.

    A transfer (or correction) in force recording the filed buyer among the owners completes the
    contract: ``registered``, ``active`` NULL (the home may be listed and sold again), and
    ``registration_id`` (the latest such registration). Set-wise by chunks of homes, on the indexes
    ``ux_resale_contracts_home_active`` and ``ix_registrations_home``. The fund hook releases the held
    money, set-wise (``resale_funds.on_registered_many``)."""
    r = resale_contracts
    filed = and_(r.c.home_id == _reg.c.home_id, r.c.status == ResaleStatus.filed)
    done: dict[int, int] = {}
    ids = sorted(set(home_ids))
    for i in range(0, len(ids), 5000):
        rows = conn.execute(
            select(r.c.id, _reg.c.id.label("rid"))
            .join(r, filed)
            .where(*_transfers(), r.c.home_id.in_(ids[i : i + 5000]), r.c.active == 1, _buyer_is_owner(r))
            .order_by(r.c.id, _reg.c.registered_on.desc(), _reg.c.id.desc())
        ).all()
        for cid, rid in rows:
            done.setdefault(int(cid), int(rid))
    if done:
        conn.execute(_COMPLETE, [{"cid": c, "rid": g, "now": now} for c, g in done.items()])
        resale_funds.on_registered_many(conn, done)
    return len(done)
