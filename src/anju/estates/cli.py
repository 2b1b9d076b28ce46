"""The estates context's commands (``anju estates …``)."""

from __future__ import annotations

from typing import IO

import click


@click.group(name="estates")
def estates() -> None:
    """Estate management: property services, owners' votes, the maintenance fund."""


# the maintenance fund (part "fund")
from anju.estates.cli_fund import fund  # noqa: E402

estates.add_command(fund)
# part "services"
from anju.estates.services_cli import coverage_command  # noqa: E402

estates.add_command(coverage_command)


@estates.command("company-subjects")
@click.option("--district", default=None, help="Only the companies registered in this district (code).")
def estates_company_subjects(district: str | None) -> None:
    """Give every filed property-service company its credit file (idempotent; service quality)."""
    from anju.core import migrate, runtime
    from anju.core.settings import load_settings
    from anju.estates import quality_credit
    from anju.security import audited_command, keyring_from_settings

    settings = load_settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    with audited_command(engine, "estates.company_subjects") as conn:
        n = quality_credit.ensure_company_subjects(conn, keyring_from_settings(settings), district=district)
    click.echo(f"信用档案新建或更新 {n} 家物业服务企业")


@estates.group(name="votes")
def votes() -> None:
    """Owners' votes: close the votes past their end time, re-check a published tally file."""


@votes.command("close-due")
def close_due_votes() -> None:
    """Record the close of every open vote whose end time has passed (run it from cron)."""
    from anju.core import migrate, runtime
    from anju.core.settings import load_settings
    from anju.estates.owners_close import close_due
    from anju.security import audited_command

    engine = runtime.engine(load_settings())
    migrate.upgrade(engine)
    with audited_command(engine, "estates.votes_close_due") as conn:
        n = close_due(conn)
    click.echo(f"已结束到期表决 {n} 次")


@votes.command("verify")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def verify_tally(file: IO[str]) -> None:
    """Recompute a vote's public tally file (commitments, totals, art. 278 outcome); exit 1 on mismatch."""
    import json

    from anju.estates.owners_tally import verify_publication

    try:
        doc = json.load(file)
    except ValueError as e:
        raise click.ClickException(f"不是有效的 JSON：{e}") from None
    report = verify_publication(doc if isinstance(doc, dict) else {})
    for p in report.problems:
        click.echo(f"不符：{p}")
    if not report.ok:
        click.echo(f"计票文件核验未通过：{len(report.problems)} 处不符（选票 {report.ballots} 张）")
        raise SystemExit(1)
    click.echo(f"计票文件核验通过：选票 {report.ballots} 张，承诺值、统计和表决结果均与公布一致")
