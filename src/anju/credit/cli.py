"""The credit context's commands (``anju credit …``)."""

from __future__ import annotations

import json
from datetime import date, datetime

import click


@click.group(name="credit")
def credit() -> None:
    """Industry credit: subjects, grades, lists, inspections draws, objections, repair."""


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
