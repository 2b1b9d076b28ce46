"""Restriction records (查封/解封, 抵押/注销, 行政限制/解除): writing them, reading those in force, and the
registry's restriction source built on them.

Which kinds bar what (:data:`BARS`): a court seizure and an administrative restriction bar letting,
selling and transferring the home; a mortgage bars none of these by itself (a mortgaged home may be
let; a sale needs the mortgagee's consent, which the sale flows check through
:func:`restrictions_in_force`). The restriction source (:func:`feed_source`, declared in
``anju.contexts``) therefore reports only the kinds that bar dealing with a home: every approval that
asks ``registry.home_restrictions`` stops on a seized home and not on a mortgaged one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, Date, Select, and_, bindparam, exists, insert, or_, select

from anju.registry.feeds.parse import RestrictionIn
from anju.registry.feeds.state import CHUNK, LoadState, Seen, chunked
from anju.registry.restrictions import Restriction
from anju.registry.tables import restriction_records

#: What each kind of restriction bars (letting, sale, transfer); a kind that bars nothing is only reported.
BARS: dict[str, frozenset[str]] = {
    "seizure": frozenset({"letting", "sale", "transfer"}),
    "administrative": frozenset({"letting", "sale", "transfer"}),
    "mortgage": frozenset(),
}
KIND_LABELS = {"seizure": "查封", "mortgage": "抵押", "administrative": "行政限制"}
#: How a barring kind reads in the restriction mechanism (kind, source), in the vocabulary of its callers.
_AS_RESTRICTION = {"seizure": ("seized", "court"), "administrative": ("other", "registry")}


class RestrictionInForce(TypedDict):
    home_id: int
    kind: str  # seizure | mortgage | administrative
    record_id: str
    document_no: str
    authority: str
    starts_on: date
    ends_on: date | None


def _in_force_statement() -> Select[Any]:
    """The query of :func:`restrictions_in_force`, built once (bound parameters ``ids``, ``kinds``,
    ``on``): building the aliases per call cost more than running the query."""
    imp = restriction_records.alias("imp")
    lift = restriction_records.alias("lift")
    on = bindparam("on", type_=Date)
    lifted = exists().where(lift.c.lifts_id == imp.c.id, lift.c.starts_on <= on)
    return (
        select(
            imp.c.home_id,
            imp.c.kind,
            imp.c.record_id,
            imp.c.document_no,
            imp.c.authority,
            imp.c.starts_on,
            imp.c.ends_on,
        )
        .where(
            imp.c.home_id.in_(bindparam("ids", expanding=True)),
            imp.c.action == "impose",
            imp.c.kind.in_(bindparam("kinds", expanding=True)),
            imp.c.starts_on <= on,
            or_(imp.c.ends_on.is_(None), imp.c.ends_on > on),
            ~lifted,
        )
        .order_by(imp.c.home_id, imp.c.starts_on, imp.c.id)
    )


_IN_FORCE = _in_force_statement()


def restrictions_in_force(
    conn: Connection, home_ids: Sequence[int], on: date, kinds: Iterable[str] | None = None
) -> list[RestrictionInForce]:
    """The feed's restrictions in force on ``on`` for the homes (set-wise): imposed on or before it,
    its term not ended, and not lifted on or before it. All kinds unless ``kinds`` is given."""
    wanted = sorted(set(kinds)) if kinds is not None else sorted(BARS)
    out: list[RestrictionInForce] = []
    for part in chunked(sorted(set(home_ids)), CHUNK):
        rows = conn.execute(_IN_FORCE, {"ids": part, "kinds": wanted, "on": on})
        out.extend(
            RestrictionInForce(
                home_id=int(r.home_id),
                kind=r.kind,
                record_id=r.record_id,
                document_no=r.document_no,
                authority=r.authority,
                starts_on=r.starts_on,
                ends_on=r.ends_on,
            )
            for r in rows
        )
    return out


def feed_source(conn: Connection, home_ids: Sequence[int], on: date) -> dict[int, list[Restriction]]:
    """The registration centre's restriction source: seizures and administrative restrictions in force."""
    barring = [k for k, bars in BARS.items() if bars]
    out: dict[int, list[Restriction]] = defaultdict(list)
    for r in restrictions_in_force(conn, home_ids, on, barring):
        kind, source = _AS_RESTRICTION[r["kind"]]
        reason = f"{KIND_LABELS[r['kind']]}：{r['authority']}（{r['document_no']}），自 {r['starts_on']:%Y-%m-%d}"
        out[r["home_id"]].append(Restriction(kind, source, reason))
    return dict(out)


class RestrictionWriter:
    """Checks and writes the restriction records of one load, chunk by chunk."""

    def __init__(self, st: LoadState) -> None:
        self.st = st
        self.pending: list[tuple[RestrictionIn, int, str]] = []

    def chunk(self, recs: Sequence[RestrictionIn]) -> None:
        st = self.st
        found = st.home_ids(r.house_code for r in recs)
        self._known({r.record_id for r in recs} | {r.lifts for r in recs if r.lifts})
        for r in recs:
            home_id = found.get(r.house_code)
            if home_id is None:
                st.fail(r.line, "house_code", f"楼盘表中没有房屋代码「{r.house_code}」")
                continue
            h = st.content_hash(r.canonical())
            prior = st.seen.get(r.record_id)
            if prior is not None:
                if prior.content_hash == h:
                    st.unchanged += 1
                else:
                    st.fail(r.line, "record_id", f"业务号「{r.record_id}」已载入且内容不同")
                continue
            if r.lifts is not None and not self._check_target(r, home_id):
                continue
            if r.lifts is not None and r.lifts in {p[0].record_id for p in self.pending}:
                self.flush()
            st.seen[r.record_id] = Seen(h, home_id, kind=r.kind, action=r.action, starts_on=r.starts_on)
            if r.lifts is not None:
                st.seen[r.lifts].replaced = True
            self.pending.append((r, home_id, h))
        self.flush()

    def _check_target(self, r: RestrictionIn, home_id: int) -> bool:
        t = self.st.seen.get(r.lifts or "")
        problem = None
        if t is None or t.action != "impose":
            problem = f"没有业务号为「{r.lifts}」的{KIND_LABELS[r.kind]}记录"
        elif t.kind != r.kind or t.home_id != home_id:
            problem = f"业务号「{r.lifts}」不是该房屋的{KIND_LABELS[r.kind]}记录"
        elif t.replaced:
            problem = f"业务号「{r.lifts}」的{KIND_LABELS[r.kind]}已经解除"
        elif t.starts_on is not None and r.starts_on < t.starts_on:
            problem = "解除日期不能早于限制的起始日期"
        if problem is not None:
            self.st.fail(r.line, "lifts" if "日期" not in problem else "starts_on", problem)
            return False
        return True

    def _known(self, record_ids: Iterable[str]) -> None:
        st = self.st
        ids = sorted(i for i in record_ids if i not in st.seen)
        rr = restriction_records
        lift = rr.alias("lift")
        for part in chunked(ids, CHUNK):
            rows = st.conn.execute(
                select(
                    rr.c.id,
                    rr.c.record_id,
                    rr.c.content_hash,
                    rr.c.home_id,
                    rr.c.kind,
                    rr.c.action,
                    rr.c.starts_on,
                    exists().where(lift.c.lifts_id == rr.c.id).label("lifted"),
                ).where(rr.c.record_id.in_(part))
            )
            for row in rows:
                st.seen[row.record_id] = Seen(
                    row.content_hash,
                    int(row.home_id),
                    int(row.id),
                    bool(row.lifted),
                    row.kind,
                    row.action,
                    row.starts_on,
                )

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        st = self.st
        if not pending:
            return
        st.new += len(pending)
        st.conn.execute(
            insert(restriction_records),
            [
                {
                    "record_id": r.record_id,
                    "kind": r.kind,
                    "action": r.action,
                    "home_id": home_id,
                    "document_no": r.document_no,
                    "authority": r.authority,
                    "starts_on": r.starts_on,
                    "ends_on": r.ends_on,
                    "lifts_id": st.seen[r.lifts].id if r.lifts else None,
                    "content_hash": h,
                    "load_id": st.load_id,
                    "recorded_at": st.now,
                }
                for r, home_id, h in pending
            ],
        )
        rc = restriction_records.c
        ids = st.conn.execute(
            select(rc.record_id, rc.id).where(
                and_(rc.load_id == st.load_id, rc.record_id.in_([r.record_id for r, _h, _c in pending]))
            )
        )
        for record_id, new_id in ids:
            st.seen[record_id].id = int(new_id)
