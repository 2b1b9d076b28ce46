"""Programme editions: loading the policy files, the edition in force on a day, the catalogue of
programmes (names, benefits, priority classes) and the latest policy of a programme."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, or_, select

from anju.assistance import domain
from anju.assistance.tables import programme_editions
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class ProgrammeLabel(TypedDict):
    """A programme's latest name, benefit (``home`` | ``subsidy``) and priority class labels by code."""

    name: str
    benefit: str
    priority: dict[str, str]


def programme_labels(conn: Connection) -> dict[str, ProgrammeLabel]:
    """Every programme's latest name and benefit, by code (for labels and choices)."""
    out: dict[str, ProgrammeLabel] = {}
    for r in conn.execute(
        select(programme_editions.c.code, programme_editions.c.name, programme_editions.c.policy).order_by(
            programme_editions.c.code, programme_editions.c.effective_from, programme_editions.c.edition
        )
    ):
        policy = json.loads(r.policy)
        labels = {str(x["code"]): str(x["name"]) for x in policy.get("priority") or []}
        out[str(r.code)] = {
            "name": str(r.name),
            "benefit": str(policy.get("benefit", "home")),
            "priority": labels | ({"general": "一般家庭"} if labels else {}),
        }
    return out


def programme_policy(conn: Connection, code: str) -> domain.Policy:
    """The programme's latest edition (what decides whether it allocates homes or pays subsidies)."""
    if not isinstance(code, str) or not _CODE.match(code):
        raise ValidationError.of("programme_code", "没有这个保障项目")
    row = conn.execute(
        select(programme_editions)
        .where(programme_editions.c.code == code)
        .order_by(programme_editions.c.effective_from.desc(), programme_editions.c.edition.desc())
        .limit(1)
    ).first()
    if row is None:
        raise ValidationError.of("programme_code", "没有这个保障项目")
    return policy_of(row)


def home_programme(conn: Connection, code: str) -> domain.Policy:
    policy = programme_policy(conn, code)
    if policy.benefit != domain.Benefit.home:
        raise ValidationError.of("programme_code", f"{policy.name}不配置房源（没有轮候和摇号）")
    return policy


class Editions:
    """Policies by edition id, each parsed once per call."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[int, domain.Policy] = {}

    def __call__(self, edition_id: int) -> domain.Policy:
        e = int(edition_id)
        if e not in self.cache:
            self.cache[e] = edition(self.conn, e)
        return self.cache[e]


# --------------------------------------------------------------------------------------------- editions


def load_programmes(conn: Connection, policies: Iterable[domain.Policy]) -> int:
    """Store editions not yet stored. An edition already stored must be identical: editions are
    immutable (decisions refer to them); a change is a new edition. Returns how many were added."""
    added = 0
    now = clock.now()
    for p in policies:
        row = conn.execute(
            select(programme_editions.c.digest).where(
                programme_editions.c.code == p.code, programme_editions.c.edition == p.edition
            )
        ).first()
        if row is not None:
            if row.digest != p.digest():
                raise Conflict(
                    f"{p.code} 第{p.edition}版已存在且内容不同：已生效的政策不能修改，请新增一个版本",
                    [FieldError(f"programme[{p.code}].edition", "已存在且内容不同")],
                )
            continue
        conn.execute(
            programme_editions.insert().values(
                code=p.code,
                edition=p.edition,
                kind=p.kind.value,
                name=p.name,
                effective_from=p.effective_from,
                effective_to=p.effective_to,
                policy=p.to_json(),
                digest=p.digest(),
                sample=p.sample,
                loaded_at=now,
            )
        )
        added += 1
    return added


def policy_of(row: Any) -> domain.Policy:
    return domain.policy_from_dict(_policy_dict(json.loads(row.policy)))


def _policy_dict(raw: dict[str, Any]) -> dict[str, Any]:
    """The stored JSON (fen, ISO dates) back into policy_from_dict's input (yuan, dates)."""
    out: dict[str, Any] = {}
    back = {v: k for k, v in domain._MONEY.items()}
    for k, v in raw.items():
        if k in back and v is not None:
            out[back[k]] = Decimal(v) / 100
        elif k in ("effective_from", "effective_to") and v is not None:
            out[k] = date.fromisoformat(v)
        elif k == "subsidy_by_tier":
            out["subsidy_yuan_by_tier"] = {t: Decimal(f) / 100 for t, f in v.items()}
        elif v is None:
            continue
        else:
            out[k] = v
    return out


def edition(conn: Connection, edition_id: int) -> domain.Policy:
    row = conn.execute(select(programme_editions).where(programme_editions.c.id == edition_id)).first()
    if row is None:
        raise NotFound(f"政策版本 {edition_id} 不存在")
    return policy_of(row)


def in_force(conn: Connection, code: str, on: date) -> tuple[int, domain.Policy]:
    """The edition of programme ``code`` in force on ``on`` (the latest that started by then)."""
    rows = conn.execute(
        select(programme_editions)
        .where(programme_editions.c.code == code, programme_editions.c.effective_from <= on)
        .where(or_(programme_editions.c.effective_to.is_(None), programme_editions.c.effective_to > on))
        .order_by(programme_editions.c.effective_from.desc(), programme_editions.c.edition.desc())
    ).first()
    if rows is None:
        known = conn.execute(select(programme_editions.c.id).where(programme_editions.c.code == code)).first()
        reason = "当前没有生效的政策版本" if known else "没有这个保障项目"
        raise ValidationError.of("programme_code", reason)
    return int(rows.id), policy_of(rows)


class EditionView(TypedDict):
    """One stored edition of a programme."""

    id: int
    edition: int
    effective_from: date
    effective_to: date | None
    digest: str
    sample: bool
    in_force: bool
    policy: dict[str, Any]


class ProgrammeView(TypedDict):
    """A programme and its editions."""

    code: str
    name: str
    kind: str
    kind_label: str
    editions: list[EditionView]


def list_programmes(conn: Connection, on: date | None = None) -> list[ProgrammeView]:
    """Every programme with its editions; ``in_force`` marks the edition applying on ``on``."""
    on = on or clock.today()
    out: dict[str, ProgrammeView] = {}
    for r in conn.execute(select(programme_editions).order_by(programme_editions.c.code, programme_editions.c.edition)):
        p = policy_of(r)
        item = out.setdefault(
            r.code,
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "kind_label": domain.KIND_LABELS[domain.Kind(r.kind)],
                "editions": [],
            },
        )
        item["editions"].append(
            {
                "id": int(r.id),
                "edition": r.edition,
                "effective_from": r.effective_from,
                "effective_to": r.effective_to,
                "digest": r.digest,
                "sample": bool(r.sample),
                "in_force": p.in_force(on),
                "policy": json.loads(r.policy),
            }
        )
    return list(out.values())
