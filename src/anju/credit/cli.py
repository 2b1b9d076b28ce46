"""The credit context's commands (``anju credit …``)."""

from __future__ import annotations

import json

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
