"""Credit subjects (信用主体): one credit file per blind index, filed from the parties other contexts file.

:func:`ensure_subjects` is the one write: a bulk upsert keyed by ``subject_bidx`` that merges the
links to the filed records, keeps a subject's first type unless the new one is more specific than the
generic ``person``/``org``, and never decrypts anything. The filing paths (rental parties and
practitioners, transactions' developers) call it in their own transaction; ``anju credit sync``
(:func:`sync`) runs every provider the contexts declare (``anju.contexts``: ``credit_subjects``),
streaming and chunked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, select

from anju.contexts import CONTEXTS, load
from anju.core import dialect
from anju.credit import domain
from anju.credit.domain import SubjectIn
from anju.credit.tables import credit_subjects
from anju.security import Keyring

#: The column name a person's name is encrypted under in ``credit_subjects.name_enc`` (the keyring's
#: associated data): providers re-encrypt a filed person's name with it.
NAME_COLUMN = "credit_subjects.name"
#: Types that only say "a person" or "an organisation": a more specific type replaces them.
GENERIC_TYPES = frozenset({"person", "org"})
#: Subjects per statement (the IN list of the look-up and the executemany batches).
CHUNK = 2000

Provider = Callable[[Connection, Keyring], Iterable[SubjectIn]]


class Link(TypedDict):
    """One entry of a subject's ``links``: the record another context filed."""

    context: str
    kind: str
    id: int


def _link(ln: tuple[str, str, int]) -> Link:
    return {"context": ln[0], "kind": ln[1], "id": int(ln[2])}


def _merge_links(old: list[Link], new: Iterable[Link]) -> list[Link]:
    seen = {(x["context"], x["kind"], int(x["id"])) for x in old}
    out = list(old)
    for x in new:
        key = (x["context"], x["kind"], int(x["id"]))
        if key not in seen:
            seen.add(key)
            out.append(x)
    return sorted(out, key=lambda x: (x["context"], x["kind"], int(x["id"])))


def _better_type(old: str, new: str) -> str:
    return new if old in GENERIC_TYPES and new not in GENERIC_TYPES else old


@dataclass
class _Merged:
    s: SubjectIn
    kind: str
    links: list[Link] = field(default_factory=list)


def _collapse(subjects: Iterable[SubjectIn]) -> dict[str, _Merged]:
    """The input merged per blind index (the first non-empty value of each field, links united)."""
    out: dict[str, _Merged] = {}
    for s in subjects:
        domain.check_subject(s)
        links = [_link(s.link)] if s.link else []
        m = out.get(s.subject_bidx)
        if m is None:
            out[s.subject_bidx] = _Merged(s, s.kind, _merge_links([], links))
            continue
        m.kind = _better_type(m.kind, s.kind)
        m.links = _merge_links(m.links, links)
        p = m.s
        m.s = SubjectIn(
            subject_bidx=p.subject_bidx,
            subject_kind=p.subject_kind,
            kind=m.kind,
            name=p.name or s.name,
            name_enc=p.name_enc or s.name_enc,
            credit_code=p.credit_code or s.credit_code,
            district_code=p.district_code or s.district_code,
            street_code=p.street_code or s.street_code,
        )
    return out


_UPDATE_COLS = ("kind", "name", "name_enc", "credit_code", "district_code", "street_code", "links")


def ensure_subjects(conn: Connection, subjects: Sequence[SubjectIn], now: datetime) -> int:
    """Create or update the credit files of ``subjects`` (set-wise: one look-up, one insert batch and
    one update batch per chunk). Returns how many files were created or changed; a second call with
    the same subjects changes nothing and returns 0."""
    merged = _collapse(subjects)
    if not merged:
        return 0
    c = credit_subjects.c
    changed = 0
    keys = sorted(merged)
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i : i + CHUNK]
        existing = {
            r.subject_bidx: r
            for r in conn.execute(
                select(c.subject_bidx, c.subject_kind, *(c[k] for k in _UPDATE_COLS)).where(c.subject_bidx.in_(chunk))
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for b in chunk:
            m = merged[b]
            s = m.s
            r = existing.get(b)
            if r is None:
                inserts.append(
                    {
                        "subject_bidx": b,
                        "subject_kind": s.subject_kind,
                        "kind": m.kind,
                        "name": s.name if s.subject_kind == "org" else None,
                        "name_enc": s.name_enc if s.subject_kind == "person" else None,
                        "credit_code": s.credit_code,
                        "district_code": s.district_code,
                        "street_code": s.street_code,
                        "links": json.dumps(m.links, ensure_ascii=False),
                        "first_seen_at": now,
                        "updated_at": now,
                    }
                )
                continue
            old_links = json.loads(r.links or "[]")
            vals = {
                "kind": _better_type(r.kind, m.kind),
                # what the file has stays, what it lacks is filled in: a subject filed by two records
                # (a household's applications in two streets, an organisation that is both a rental
                # party and a developer) must not flip between them on every sync, and every
                # encryption of a person's name differs
                "name": (r.name or s.name) if r.subject_kind == "org" else None,
                "name_enc": r.name_enc
                if r.name_enc is not None
                else (s.name_enc if r.subject_kind == "person" else None),
                "credit_code": r.credit_code or s.credit_code,
                "district_code": r.district_code or s.district_code,
                "street_code": r.street_code or s.street_code,
                "links": json.dumps(_merge_links(old_links, m.links), ensure_ascii=False),
            }
            before = {k: getattr(r, k) for k in _UPDATE_COLS}
            before["name_enc"] = bytes(before["name_enc"]) if before["name_enc"] is not None else None
            if vals["links"] == r.links and all(vals[k] == before[k] for k in _UPDATE_COLS if k != "links"):
                continue
            updates.append({"b": b, **vals, "updated_at": now})
        if inserts:
            # a concurrent filing may create the same file first: it then stays as that one made it
            conn.execute(dialect.insert_missing_statement(credit_subjects)(conn), inserts)
            changed += len(inserts)
        if updates:
            conn.execute(
                credit_subjects.update()
                .where(c.subject_bidx == bindparam("b"))
                .values({k: bindparam(k) for k in (*_UPDATE_COLS, "updated_at")}),
                updates,
            )
            changed += len(updates)
    return changed


def providers() -> list[tuple[str, Provider]]:
    """The subject providers every context declares (``anju.contexts``: ``credit_subjects``)."""
    return [(name, load(spec)) for ctx in CONTEXTS for name, spec in ctx.credit_subjects.items()]


def chunked(items: Iterable[SubjectIn], n: int = CHUNK) -> Iterator[list[SubjectIn]]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


@dataclass(frozen=True)
class SyncResult:
    provider: str
    seen: int
    changed: int


def sync(conn: Connection, kr: Keyring, now: datetime, *, only: Sequence[str] = ()) -> list[SyncResult]:
    """Run every provider (or those named in ``only``) and file their subjects, chunk by chunk."""
    out: list[SyncResult] = []
    for name, provider in providers():
        if only and name not in only:
            continue
        seen = changed = 0
        for batch in chunked(provider(conn, kr)):
            seen += len(batch)
            changed += ensure_subjects(conn, batch, now)
        out.append(SyncResult(name, seen, changed))
    return out
