"""The credit context's commands (``anju credit …``)."""

from __future__ import annotations

import json
from datetime import date, datetime

import click


@click.group(name="credit")
def credit() -> None:
    """Industry credit: subjects, grades, lists, inspections draws, objections, repair."""


# ------------------------------------------------------------------- random inspections (双随机)


@credit.group("inspections")
def inspections() -> None:
    """双随机抽查：随机抽取检查对象、随机选派检查人员 (random inspections; see docs/credit.md)."""


@inspections.command("verify")
@click.option(
    "--tickets",
    "tickets_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The frozen tickets as published: one per line, in frozen order.",
)
@click.option(
    "--inspectors",
    "inspectors_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The frozen inspector list as published: one username per line, in frozen order.",
)
@click.option("--seed", required=True, help="The seed announced in public.")
@click.option("--sample", type=click.IntRange(1, 100_000), required=True, help="The draw's sample size.")
@click.option("--expect-tickets-hash", help="The published SM3 hash of the tickets; refuse if the file's differs.")
@click.option("--expect-inspectors-hash", help="The published SM3 hash of the inspectors; refuse if it differs.")
def inspections_verify(
    tickets_path: str,
    inspectors_path: str,
    seed: str,
    sample: int,
    expect_tickets_hash: str | None,
    expect_inspectors_hash: str | None,
) -> None:
    """Re-run a random-inspection draw offline (no database) and print its assignment as JSON.

    核验：按公布的两份名单和种子重新摇号，得出抽中的检查对象及其检查人员（与公示结果核对）。
    """

    from anju.core.lottery import LotteryError, read_ids
    from anju.credit.inspection_rule import select

    try:
        tickets = read_ids(tickets_path, field="candidates")
    except LotteryError as e:
        raise click.BadParameter(str(e), param_hint="--tickets") from None
    try:
        inspectors = read_ids(inspectors_path, field="candidates")
    except LotteryError as e:
        raise click.BadParameter(str(e), param_hint="--inspectors") from None
    if not tickets or not inspectors:
        raise click.BadParameter("名单为空", param_hint="--tickets" if not tickets else "--inspectors")
    try:
        out = select(tickets, inspectors, seed, sample)
    except LotteryError as e:
        raise click.BadParameter(str(e), param_hint="--seed") from None
    refused = [
        f"{what}的 SM3 哈希 {got} 与公布的 {want.strip().lower()} 不同：名单在公布后被改动过"
        for what, got, want in (
            ("检查对象名单", out.tickets.list_hash, expect_tickets_hash),
            ("检查人员名单", out.inspectors.list_hash, expect_inspectors_hash),
        )
        if want is not None and got != want.strip().lower()
    ]
    click.echo(
        json.dumps(
            {
                "ok": not refused,
                "algorithm": out.tickets.algorithm,
                "tickets": len(tickets),
                "subjects_hash": out.tickets.list_hash,
                "inspectors_hash": out.inspectors.list_hash,
                "seed": out.tickets.seed,
                "result_hash": out.tickets.result_hash,
                "inspectors_result_hash": out.inspectors.result_hash,
                "assignments": [
                    {"rank": a.rank, "ticket": a.ticket, "subject": a.subject, "inspector": a.inspector}
                    for a in out.assignments
                ],
                "reasons": refused,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    if refused:
        raise click.ClickException("；".join(refused))


# --- builder "subjects": credit files of every filed party ------------------------------------------


@credit.command("sync")
@click.option("--only", multiple=True, help="Run only these providers (e.g. rental_parties); default: all.")
def credit_sync(only: tuple[str, ...]) -> None:
    """File every party the contexts file as a credit subject (信用主体): rental enterprises, agencies
    and practitioners, developers, assistance households. Idempotent; prints what each provider saw."""

    from anju.core import clock, migrate, runtime
    from anju.credit.subjects import providers, sync
    from anju.security import audited_command, keyring_from_settings

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    known = {name for name, _ in providers()}
    if unknown := sorted(set(only) - known):
        raise click.BadParameter(f"unknown provider(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    with audited_command(engine, "credit.sync_subjects", "credit_subject") as conn:
        done = sync(conn, keyring_from_settings(settings), clock.now(), only=only)
    click.echo(json.dumps([r.__dict__ for r in done], ensure_ascii=False))


# ------------------------------------------------------------------------------ grades (builder: grades)


@credit.command("recompute")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date to grade on (default: today in the city's time zone).")  # fmt: skip
def recompute_cmd(on: datetime | None) -> None:
    """Recompute every subject's grade and red/black lists in bulk (one transaction); prints a JSON
    summary: how many subjects changed, the edition, the time taken."""
    import time

    from anju.core import clock, migrate, runtime
    from anju.credit import grading, scoring
    from anju.security import audited_command, set_audit_detail

    day = on.date() if on is not None else clock.today()
    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        edition = scoring.edition_on(day, settings.city_code)
    except scoring.ScoringError as e:
        raise click.ClickException(str(e)) from None
    t = time.perf_counter()
    with audited_command(engine, "credit.recompute") as conn:
        changed = grading.recompute_all(conn, on=day)
        set_audit_detail(conn, {"on": day.isoformat(), "edition": edition.code, "changed": changed})
    click.echo(
        json.dumps(
            {"on": day.isoformat(), "edition": edition.code, "sample": edition.sample, "changed": changed,
             "seconds": round(time.perf_counter() - t, 1)},
            ensure_ascii=False,
        )
    )  # fmt: skip


@credit.command("grade")
@click.argument("subject")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The valid date (default: today).")  # fmt: skip
def grade_cmd(subject: str, on: datetime | None) -> None:
    """A subject's grade explained event by event (SUBJECT: the credit file's number or an
    organisation's unified social credit code); prints JSON. A person is named by the file number only."""
    from sqlalchemy import select

    from anju.core import clock, runtime
    from anju.credit import grading
    from anju.credit.assessment import STATUS_LABELS
    from anju.credit.tables import credit_subjects as s

    day: date = on.date() if on is not None else clock.today()
    with runtime.engine(runtime.settings()).connect() as conn:
        where = s.c.id == int(subject) if subject.isdigit() else s.c.credit_code == subject.upper()
        row = conn.execute(select(s.c.id, s.c.subject_bidx, s.c.kind).where(where)).first()
        if row is None:
            raise click.ClickException(f"没有这个信用主体：{subject}")
        a = grading.grade_as_of(conn, row.subject_bidx, day)
    click.echo(
        json.dumps(
            {
                "subject": row.id, "kind": row.kind, "on": day.isoformat(), "edition": a.edition,
                "score": a.score_centi / 100, "grade": a.grade, "lists": [m.list for m in a.lists],
                "events": [
                    {"id": ln.event_id, "kind": ln.kind, "severity": ln.severity,
                     "occurred_on": ln.occurred_on.isoformat(), "status": ln.status,
                     "points": ln.counted_centi / 100, "note": ln.note() or STATUS_LABELS[ln.status]}
                    for ln in a.lines
                ],
            },
            ensure_ascii=False,
        )
    )  # fmt: skip
