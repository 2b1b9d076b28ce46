"""Retention (数据生命周期): run the retention rules over closed records, in bulk, and record the run.

A rule (``retention_rules``) names a function of the owning context's public API
(:class:`anju.exchange.RetentionAction`), which acts on that context's tables: the exchange never
touches them. A run calls every rule's function with the rule's cut-off day — counting only, for a
dry run — in the caller's one transaction, records the run (``exchange_retention_runs``: counts per
rule) and, when applied, appends it to the verifiable log ``exchange``. The caller opens the
transaction with its audit row (``anju.security.audited`` / ``audited_command``): so a run is audited,
logged and recorded together, or not at all. Running again changes nothing already done (the
functions skip what they already touched): re-runs are idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TypedDict

from sqlalchemy import Connection, Row, select, update

from anju import contexts, ledger
from anju.core import clock
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.settings import Settings
from anju.exchange.contract import RetentionAction
from anju.exchange.retention_rules import ACTION_LABELS, RetentionRule, parse_rules
from anju.exchange.tables import exchange_retention_runs
from anju.security import Caller, Keyring, set_audit_detail

LOG = "exchange"
MODE_LABELS = {"dry_run": "预演（只统计，不修改）", "apply": "执行"}


def rules(settings: Settings) -> tuple[RetentionRule, ...]:
    """The rules in force: the file ``exchange_retention_rules`` names, else the shipped defaults."""
    if settings.exchange_retention_rules:
        text = Path(settings.exchange_retention_rules).read_text(encoding="utf-8")
    else:
        text = resources.files("anju.exchange").joinpath("data/retention.toml").read_text(encoding="utf-8")
    return parse_rules(text)


class RuleCount(TypedDict):
    rule: str
    dataset: str
    title: str
    action: str
    action_label: str
    before: str  # ISO day: records closed before it were due
    count: int


class RunView(TypedDict):
    id: int
    mode: str
    mode_label: str
    as_of: date
    actor: str
    started_at: datetime
    finished_at: datetime
    counts: list[RuleCount]
    total: int
    ledger_index: int | None


@dataclass(frozen=True)
class RuleView:
    rule: RetentionRule
    before: date
    action_label: str


def rule_views(settings: Settings, today: date | None = None) -> list[RuleView]:
    today = today or clock.today()
    return [RuleView(r, r.before(today), ACTION_LABELS[r.action]) for r in rules(settings)]


def run(
    conn: Connection, settings: Settings, keyring: Keyring, caller: Caller, *, apply: bool, today: date | None = None
) -> RunView:
    """Run every rule (``apply`` False: count only) in the caller's transaction; record the run and,
    when applied, append it to the verifiable log ``exchange``. Returns the run."""
    today = today or clock.today()
    if apply:
        # one applied run at a time: a second waits here for the first's commit, then finds its
        # records done (each pseudonymising UPDATE also keeps the due condition in its WHERE)
        ledger.lock_log(conn, LOG)
    started = clock.now()
    counts: list[RuleCount] = []
    for rule in rules(settings):
        act: RetentionAction = contexts.load(rule.function)
        before = rule.before(today)
        n = act(conn, before, keyring=keyring, dry_run=not apply)
        counts.append(
            RuleCount(
                rule=rule.id, dataset=rule.dataset, title=rule.title, action=rule.action,
                action_label=ACTION_LABELS[rule.action], before=before.isoformat(), count=int(n),
            )
        )  # fmt: skip
    mode = "apply" if apply else "dry_run"
    total = sum(c["count"] for c in counts)
    set_audit_detail(conn, {"mode": mode, "total": total})  # the run's audit row says which kind it was
    run_id = int(
        conn.execute(
            exchange_retention_runs.insert()
            .values(
                mode=mode, as_of=today, actor=caller.username[:40], actor_account_id=caller.account_id,
                started_at=started, finished_at=clock.now(), counts=json.dumps(counts, ensure_ascii=False),
                total=total, ledger_index=None,
            )
            .returning(exchange_retention_runs.c.id)
        ).scalar_one()
    )  # fmt: skip
    if apply:
        entry = json.dumps(
            {
                "type": "exchange.retention_run",
                "run": run_id,
                "as_of": today.isoformat(),
                "rules": [
                    {"rule": c["rule"], "action": c["action"], "before": c["before"], "count": c["count"]}
                    for c in counts
                ],
                "total": total,
                "at": started.isoformat(),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        idx = ledger.append(conn, LOG, [entry])
        conn.execute(
            update(exchange_retention_runs).where(exchange_retention_runs.c.id == run_id).values(ledger_index=idx)
        )
    return get_run(conn, run_id)


def _view(r: Row[tuple[object, ...]]) -> RunView:
    return RunView(
        id=int(r.id), mode=r.mode, mode_label=MODE_LABELS.get(r.mode, r.mode), as_of=r.as_of, actor=r.actor,
        started_at=r.started_at, finished_at=r.finished_at, counts=json.loads(r.counts), total=int(r.total),
        ledger_index=None if r.ledger_index is None else int(r.ledger_index),
    )  # fmt: skip


def get_run(conn: Connection, run_id: int) -> RunView:
    row = conn.execute(select(exchange_retention_runs).where(exchange_retention_runs.c.id == run_id)).first()
    if row is None:
        raise NotFound(f"没有编号为 {run_id} 的数据保留执行记录")
    return _view(row)


def list_runs(conn: Connection, *, offset: int, limit: int) -> Page[RunView]:
    """Past runs, newest first."""
    t = exchange_retention_runs
    return fetch_page(
        conn, select(t).order_by(t.c.started_at.desc(), t.c.id.desc()), limit=limit, offset=offset, row=_view
    )
